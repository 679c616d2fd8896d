/* edit.h -- minimal, verified rewrites of notes (tag add/remove/rename, cap,
 * promote) and the atomic, durable writes that put them on disk.
 *
 * Two halves:
 *  - PURE (text in -> edit_list out): an edit is a sorted list of
 *    non-overlapping byte-range replacements of the ORIGINAL text. The same
 *    list can be applied to the file's bytes (edit_apply) or sent to a Neovim
 *    buffer (edit_to_buffer), so an open buffer and the file get the same
 *    change. Nothing outside the replaced ranges changes: unknown frontmatter
 *    keys, comments, key order, line endings and the final newline (or its
 *    absence) stay byte-identical. Every operation re-parses its own result
 *    and refuses (EDIT_EINTERNAL) if the outcome is not what it meant to do,
 *    so a bug here is an error message, never a mangled note.
 *  - I/O: edit_write_file / edit_batch_*: conflict check against the bytes
 *    the edit was computed from, then temp file + fsync + rename + directory
 *    fsync, through a table of syscalls that tests can fail on purpose.
 *
 * Positions follow SPEC §2: `line` 1-based (frontmatter included); buffer
 * edits are 0-based as nvim_buf_set_text wants.
 */
#ifndef RAPPORT_EDIT_H
#define RAPPORT_EDIT_H

#include <stddef.h>
#include <sys/types.h>

#include "parse.h"

/* ----------------------------------------------------------------- errors */

/* Negative codes; edit_rpc_code() maps them to SPEC §4's rpc codes. */
enum {
    EDIT_OK = 0,
    EDIT_EINVAL = -1,     /* bad input: invalid tag name, bad line, cap < 1 (rpc 1) */
    EDIT_EFM = -2,        /* the frontmatter does not parse / cannot be edited (rpc 1) */
    EDIT_ENOTFOUND = -3,  /* no such file, section or item (rpc 3) */
    EDIT_ECONFLICT = -4,  /* the file changed since it was read (rpc 4) */
    EDIT_EIO = -5,        /* a system call failed (rpc 5) */
    EDIT_EOVERCAP = -6,   /* promote would pass the cap and no --park given (rpc 1);
                             edit_error.items lists the priorities */
    EDIT_EINTERNAL = -7,  /* self-check failed: the edit was refused (rpc 5) */
};

typedef struct {
    int line;             /* 1-based first line of the item */
    char *text;           /* parse_item.text */
} edit_item_ref;

typedef struct {
    int code;             /* EDIT_* (0 when no error) */
    char msg[512];        /* one line, no "rapport:" prefix */
    edit_item_ref *items; /* EDIT_EOVERCAP: the Priorities items, in order */
    size_t n_items;
} edit_error;

void edit_error_free(edit_error *e);
/* Sets err (may be NULL) to `code` and a formatted message; returns code. */
int edit_errorf(edit_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* SPEC §4 rpc error code for an EDIT_* code. */
int edit_rpc_code(int code);

/* -------------------------------------------------------------- edit list */

typedef struct {
    size_t start, end;    /* byte range of the ORIGINAL text, end exclusive */
    char *text;           /* replacement bytes (may be empty, never NULL) */
    size_t len;
} edit_repl;

/* Sorted by start; ranges never overlap (an insertion, start == end, may sit
 * at the end of the previous range). Empty list = no change. */
typedef struct {
    edit_repl *r;
    size_t n, cap;
} edit_list;

void edit_list_free(edit_list *e);
/* Applies `e` to text[0..len) into a new NUL-terminated string (*out_len set). */
char *edit_apply(const char *text, size_t len, const edit_list *e, size_t *out_len);

/* Neovim buffer edit: 0-based lines, byte columns, end exclusive, in the
 * ORIGINAL buffer's coordinates. `text` is the replacement with lines joined
 * by '\n' (split it with vim.split(text, "\n", {plain = true}) for
 * nvim_buf_set_text). The list is sorted ascending; apply it from the LAST
 * edit to the first so earlier positions stay valid (or all at once as one
 * undo step, in reverse, as the Lua side does).
 *
 * Line endings. A buffer holds lines without their terminators. With `dos`
 * set (the buffer's 'fileformat' is "dos": Neovim strips the '\r' of every
 * "\r\n"), each "\r\n" of the text is a line break, columns never count the
 * '\r', and every "\r\n" in replacement text becomes "\n" (Neovim writes the
 * '\r' back on save). With `dos` clear, only '\n' breaks lines and a '\r' is
 * an ordinary byte of the line (what a "unix" buffer shows as ^M). A
 * replacement boundary that falls between the '\r' and '\n' of a pair is
 * moved before the '\r' (edits here never split a pair). edit_dos_format()
 * says what Neovim would pick for these bytes with the default
 * 'fileformats' ("unix,dos"). */
typedef struct {
    int start_line, start_col, end_line, end_col;
    char *text;
    size_t len;
} edit_buf_edit;

int edit_dos_format(const char *text, size_t len);
/* Converts `e` (against text[0..len)) to buffer edits; *out is allocated
 * (free with edit_buf_edits_free). Returns the count. */
size_t edit_to_buffer(const char *text, size_t len, const edit_list *e, int dos,
                      edit_buf_edit **out);
void edit_buf_edits_free(edit_buf_edit *v, size_t n);

/* Preview rows: each group of touched lines of the original, whole lines,
 * '\r' dropped; `before`/`after` join several lines with '\n' (`after` is ""
 * when the lines are deleted). Sorted by line. */
typedef struct {
    int line;             /* 1-based, first line of the group in the original */
    char *before, *after;
} edit_change;

size_t edit_changes(const char *text, size_t len, const edit_list *e, edit_change **out);
void edit_changes_free(edit_change *v, size_t n);

/* -------------------------------------------------------------- tag edits
 *
 * All take the note's bytes and fill `out` (cleared first); on error `out`
 * stays empty and `err` says why. Return 0 or an EDIT_* code. Bytes that are
 * not valid UTF-8 or hold a NUL are refused with EDIT_EINVAL (so are they by
 * edit_cap and edit_promote).
 *
 * tag add: adds each TAG (a leading '#' and trailing '/' dropped, written in
 * the case given) to the frontmatter `tags` list unless the list already has
 * it (ASCII case-insensitively; inline #tags in the body do not count).
 * Style is kept: flow lists keep their separator and the quoting (and a
 * quoted "#" prefix) of their last item; block lists copy the last item's
 * indentation and dash; a single string `tags: a` becomes `tags: [a, b]`; an
 * empty value (`tags:`, `~`, `[]`) becomes a flow list. No `tags` key: one is
 * appended at the end of the frontmatter (with the mapping's indentation);
 * no frontmatter: `---\ntags: [a]\n---\n` goes at the top (after a BOM),
 * with the file's line ending. Values that YAML would not read back as the
 * same string (`null`, a leading '-') are quoted.
 *
 * tag remove: drops every list item naming TAG; the last item leaves
 * `tags: []` (a block list's dash lines are removed and ` []` goes after the
 * colon, so a comment there survives). A single string is rewritten as a
 * flow list of what remains. Inline #tags are left alone; their lines are
 * returned in `inline_left` (may be NULL) so the caller can warn.
 * On a note whose `tags` is a flow or block list lacking TAG, add then remove
 * gives back the original bytes.
 *
 * Refused with EDIT_EFM: frontmatter that does not parse, a non-mapping or
 * flow-mapping root, a `tags` value that is a mapping, a block scalar or a
 * list with nested values, a `tags` value or item with a YAML anchor (&a)
 * or tag (!x), a block list whose item to copy (add: the last) or remove
 * is not on its dash's line ("-" then the value below it). Invalid tag
 * names: EDIT_EINVAL naming the tag. */
typedef struct {
    int *lines;
    size_t n;
} edit_lines;

int edit_tag_add(const char *text, size_t len, const char *const *tags, size_t n_tags,
                 edit_list *out, edit_error *err);
int edit_tag_remove(const char *text, size_t len, const char *const *tags, size_t n_tags,
                    edit_list *out, edit_lines *inline_left, edit_error *err);
void edit_lines_free(edit_lines *l);

/* tag rename: every tag equal to OLD or under it (OLD/...) becomes NEW or
 * NEW/..., in the frontmatter `tags` and inline in the body (parse_note's
 * positions, so code, comments and URLs are never touched). Only the OLD
 * prefix's bytes are replaced, NEW written as given (minus '#' and trailing
 * '/'); the rest of each name keeps the user's spelling. A frontmatter item
 * that would duplicate another one (NEW already listed) is dropped instead.
 * Quoted items whose bytes are not the plain name (escapes) are rewritten
 * whole in the same quoting style. A note with unparseable frontmatter is
 * refused (EDIT_EFM) since it might hold OLD there. No match: empty list. */
int edit_tag_rename(const char *text, size_t len, const char *old_tag, const char *new_tag,
                    edit_list *out, edit_error *err);

/* ---------------------------------------------------------- priorities */

typedef struct {
    int count;            /* top-level items of the Priorities section (0 if none) */
    int cap;              /* note priority_cap, else client_cap, else default_cap */
    int over;             /* count > cap */
    int has_section;
} edit_prio;

/* Caps below 1 are ignored at each level (default_cap is used as given). */
edit_prio edit_priorities(const parse_note *note, int client_cap, int default_cap);

/* cap: moves the Priorities items past `cap` (the last ones, with their
 * nested items and continuation lines) to the end of the Parking lot's items,
 * in their original order. A missing Parking lot is created right after the
 * Priorities section: same heading level (ATX `#`s, or a setext underline
 * when Priorities is setext), one blank line before it, and a blank line
 * between heading and items when Priorities has one. Blank lines that only
 * separated the moved items are removed with them.
 * Markers: moved items take the Parking lot list's marker (its bullet
 * character, or ordered numbers continuing its last one with its '.'/')');
 * into a new or empty Parking lot they keep their own bullet, ordered ones
 * renumbered from 1. When a marker's width changes, the item's other lines
 * are re-indented by the difference so nesting is kept (to the column:
 * indentation holding a tab that cannot keep it there is written as
 * spaces). Lists numbered 1,1,1 keep repeating their number.
 * Frontmatter bytes are never touched. Nothing is lost: the multiset of item
 * texts of the note is checked equal before and after. No Priorities
 * section: EDIT_ENOTFOUND. At or under the cap: empty list. */
int edit_cap(const char *text, size_t len, int cap, edit_list *out, edit_error *err);

/* promote: moves the Parking lot item whose lines include `line` to the end
 * of Priorities. If Priorities would then pass `cap`, `park_line` (> 0) must
 * name a Priorities item, which moves to the end of the Parking lot in
 * exchange; without it: EDIT_EOVERCAP with err->items = the priorities.
 * Ordered lists consecutively numbered are renumbered after the move. */
int edit_promote(const char *text, size_t len, int cap, int line, int park_line,
                 edit_list *out, edit_error *err);

/* ------------------------------------------------------------------- I/O */

/* The system calls the writer uses; tests swap entries to inject faults.
 * edit_sys_reset() restores the real ones. */
typedef struct {
    int (*open)(const char *path, int flags, mode_t mode);
    ssize_t (*write)(int fd, const void *buf, size_t n);
    int (*fsync)(int fd);
    int (*rename)(const char *from, const char *to);
    int (*fchmod)(int fd, mode_t mode);
} edit_sys;

extern edit_sys edit_syscalls;
void edit_sys_reset(void);

/* Reads a whole file (through symlinks) into a NUL-terminated buffer. */
/* write(2) until all of p[0..n) is written, through edit_syscalls (so faults
 * can be injected); -1 with errno set on failure. */
int edit_write_all(int fd, const char *p, size_t n);

int edit_read_file(const char *path, char **out, size_t *out_len, edit_error *err);

/* Replaces the file at `path` (a symlink is resolved: its target is written
 * and the link kept) with new_text, if it still holds exactly old_text
 * (else EDIT_ECONFLICT, nothing written). Temp file `.<name>.rapport-XXXXXX`
 * in the target's directory (O_EXCL, 0600 then the original's mode via
 * fchmod; owner and group kept when running as root), written in full,
 * fsynced, renamed over the target, then the directory fsynced. On any
 * failure before the rename the original is untouched and the temp removed.
 * A failure of the directory fsync (after the rename) is reported as
 * EDIT_EIO: the new text is in place but its durability not confirmed.
 * The check-then-rename window is not locked against other writers. */
int edit_write_file(const char *path, const char *old_text, size_t old_len,
                    const char *new_text, size_t new_len, edit_error *err);

/* Many files (tag rename), made durable together. add() checks the file
 * still holds old_text and writes new_text to a temp file beside its target
 * (nothing visible yet; a failed add leaves the batch usable). commit():
 *   1. fsyncs every temp -- if one fails, every temp is removed and no file
 *      changes;
 *   2. renames each over its target unless the target changed since add()
 *      (that one is skipped, reported as EDIT_ECONFLICT; the others go on);
 *   3. fsyncs each distinct directory once.
 * Every installed file is durable when commit() returns. The first error is
 * returned. Cost: a batch of 16 or more files starts step 1 with one
 * syncfs() per filesystem, which writes all temps back in one journal
 * commit; the per-file fsyncs after it are then cheap and still report each
 * file's error (SPEC §6: 1,000 files <= 1 s; sequential fsyncs took ~1 s
 * alone here). syncfs also flushes other programs' dirty data, hence not for
 * small batches.
 * edit_batch_free() removes temps of a batch never committed. */
typedef struct edit_batch edit_batch;

edit_batch *edit_batch_new(void);
int edit_batch_add(edit_batch *b, const char *path, const char *old_text, size_t old_len,
                   const char *new_text, size_t new_len, edit_error *err);
int edit_batch_commit(edit_batch *b, edit_error *err);
size_t edit_batch_pending(const edit_batch *b); /* files added, not yet committed */
void edit_batch_free(edit_batch *b);

#endif
