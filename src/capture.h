/* capture.h -- note creation and meeting capture: templates, `init`,
 * `new client|meeting`, `capture` (SPEC §1.1, §2 Capture).
 *
 * Two halves, as in edit.h:
 *  - PURE: template rendering, slugs, the capture line, and where it goes
 *    in a note (text + parse in, one insertion out). No I/O, no globals.
 *  - I/O: reads templates, creates notes (never overwriting one) and writes
 *    captures durably before returning: an existing note goes through
 *    edit_write_file (temp + fsync + rename + directory fsync, conflict
 *    check); a new file is a temp + fsync + link() (atomic, fails if the
 *    name exists) + directory fsync. A failure leaves every existing byte
 *    as it was and no temp file behind, and its message says why and what
 *    to do. Faults are injected through edit_syscalls (open, write, fsync,
 *    rename) and capture_syscalls (mkdir, link) below.
 *
 * Errors use edit.h's codes and edit_error (edit_rpc_code() maps them):
 * EDIT_EINVAL bad input (empty text, invalid UTF-8, empty slug, a client
 * note that exists), EDIT_EIO a system call failed, EDIT_EINTERNAL the
 * placement self-check refused.
 */
#ifndef RAPPORT_CAPTURE_H
#define RAPPORT_CAPTURE_H

#include <stddef.h>
#include <sys/types.h>

#include "edit.h"
#include "parse.h"

/* ------------------------------------------------------------------ clock */

typedef struct {
    char date[11];   /* "YYYY-MM-DD" (today) */
    char time[6];    /* "HH:MM" (now, local) */
} capture_when;

/* Parses "YYYY-MM-DDTHH:MM" (a space instead of 'T' is accepted). Returns 0
 * or -1 when malformed. */
int capture_parse_now(const char *s, capture_when *out);

/* Now: $RAPPORT_NOW when set (malformed: EDIT_EINVAL), else local time.
 * `today` (may be NULL or ""), e.g. --today, replaces the date. */
int capture_clock(const char *today, capture_when *out, edit_error *err);

/* --------------------------------------------------------------- pure */

/* File-name id for a client NAME: ASCII lowercased; spaces (and runs of
 * removed characters between words) become one '-'; kept are [a-z0-9_-] and
 * non-ASCII letters (tag-name rules: not U+00A0-U+00BF, U+2000-U+206F, nor
 * U+00D7/U+00F7); leading/trailing '-' dropped; at most 120 bytes. NULL when
 * nothing is left (or NAME is not UTF-8). Caller frees. */
char *capture_slug(const char *name);

enum capture_tpl { CAPTURE_TPL_CLIENT = 0, CAPTURE_TPL_MEETING = 1 };

/* The built-in template text ("client.md" / "meeting.md"), LF endings. */
const char *capture_template_default(int kind);
/* "client.md" / "meeting.md" */
const char *capture_template_name(int kind);

/* Values for {{client}}, {{date}}, {{time}}, {{title}} (NULL = ""). */
typedef struct {
    const char *client, *date, *time, *title;
} capture_vars;

/* Renders a template: every {{name}} (blanks inside the braces allowed) of
 * the four above is replaced, unknown ones are left as written. In the
 * frontmatter, a value that is exactly one placeholder (`client: {{client}}`)
 * is YAML-quoted when the value needs it. Then the frontmatter gets the keys
 * it lacks (or has empty): `type` for a client template; `type`, `client`,
 * `date` for a meeting template -- added right after the opening `---` (a
 * frontmatter is created when there is none), with the template's line
 * ending. Returns a new NUL-terminated string (*out_len set). */
char *capture_render(int kind, const char *tpl, size_t len, const capture_vars *v,
                     size_t *out_len);

/* The line a capture adds, from the user's TEXT (must be valid UTF-8, else
 * EDIT_EINVAL): lines are trimmed and joined with one space (CR, LF, CRLF,
 * VT, FF, U+2028/9 break lines; tabs become spaces), other control
 * characters (C0, DEL, C1) are dropped, an unclosed "<!--" is written
 * "<\!--" (so it cannot swallow the rest of the note). A task -- `[] x`,
 * `[ ] x`, or either after a `-`/`*`/`+` marker -- gives "- [ ] x" and
 * *is_task = 1; anything else "- HH:MM x" (a leading "- ", "* " or "+ " of
 * the text is dropped). Empty text (or an empty task): EDIT_EINVAL.
 * *line is allocated (no line ending). */
int capture_entry(const char *text, size_t len, const char *hhmm, char **line, int *is_task,
                  edit_error *err);

/* Where the entry goes in a note (SPEC §2 Capture). `pn` is parse_note_text
 * of text[0..len). A note line goes after the last non-blank line of the
 * Notes section (before a recognised section nested in it); with no Notes
 * section, a "Notes" heading and the line are inserted before the Next steps
 * heading (same level), or else appended at the end. A task goes the same
 * way to the end of Next steps, a missing one appended at the end. Appended
 * headings take the level of the note's other section headings (2 if none)
 * and a blank line before them. The file's line ending (CRLF when its first
 * line ends so) and its final newline, or its absence, are kept.
 * Fills `out` (cleared first) with one insertion and *line with the entry's
 * 1-based line in the new text. The result is re-parsed: if the entry is not
 * an item of the intended section there, or other headings moved,
 * EDIT_EINTERNAL and `out` stays empty. */
int capture_place(const char *text, size_t len, const parse_note *pn, const char *entry,
                  int is_task, edit_list *out, int *line, edit_error *err);

/* capture_entry + capture_place + edit_apply, for a note at `path` (used for
 * parse_note_text's path defaults): the new text in *out (NUL-terminated,
 * *out_len set) and the entry's line. */
int capture_insert(const char *path, const char *text, size_t len, const char *hhmm,
                   const char *raw, size_t raw_len, char **out, size_t *out_len, int *line,
                   edit_error *err);

/* ------------------------------------------------------------------- I/O */

/* System calls used only here (edit_syscalls covers open/write/fsync/rename);
 * tests swap entries to inject faults; capture_sys_reset() restores them. */
typedef struct {
    int (*mkdir)(const char *path, mode_t mode);
    int (*link)(const char *from, const char *to);
} capture_sys;

extern capture_sys capture_syscalls;
void capture_sys_reset(void);

/* What a command did. Paths are vault-relative with '/'. */
typedef struct {
    char *path;              /* the note (init: ".rapport") */
    int line;                /* capture: 1-based line of the entry, else 0 */
    int created;             /* capture/new: 1 when the note was created */
    char **created_files;    /* init: files created, in order */
    size_t n_created;
    char **kept_files;       /* init: files that existed and were left alone */
    size_t n_kept;
    char **warnings;         /* one line each (SPEC §4 `warnings`) */
    size_t n_warnings;
} capture_result;

void capture_result_free(capture_result *r);

/* The template for `kind`: <vault>/.rapport/templates/<name> when it exists,
 * else the built-in one. An unreadable, non-UTF-8 or over-1-MiB user template
 * falls back to the built-in one with a warning added to `r` (may be NULL).
 * Caller frees. Never fails. */
char *capture_template_load(const char *vault, int kind, size_t *len, capture_result *r);

/* `rapport init`: creates <vault>/.rapport/ with config.json
 * (config_default_text()), templates/client.md and templates/meeting.md
 * (the built-in templates); an existing file is never replaced (listed in
 * kept_files). path = ".rapport". */
int capture_init(const char *vault, capture_result *out, edit_error *err);

/* `rapport new client NAME`: clients/<capture_slug(NAME)>.md from the client
 * template, {{title}} = NAME (cleaned like capture text), {{client}} = the
 * slug, {{date}}/{{time}} = now. Refused (EDIT_EINVAL, naming the path) when
 * a file of that name exists in clients/, in any ASCII case. */
int capture_new_client(const char *vault, const char *name, const capture_when *now,
                       capture_result *out, edit_error *err);

/* `rapport new meeting CLIENT [--date D]`: meetings/<D>-<slug>.md (then
 * -2, -3, ... if taken; never overwritten) from the meeting template.
 * `client` is the client id (written lowercased to `client:`), `title_of`
 * its client note's title or NULL (the id is used); {{title}} =
 * "<title_of> — <D>". `date` NULL or "" means now->date. */
int capture_new_meeting(const char *vault, const char *client, const char *title_of,
                        const char *date, const capture_when *now, capture_result *out,
                        edit_error *err);

typedef struct {
    const char *client;       /* client id, compared ASCII case-insensitively */
    const char *title_of;     /* the client note's title, or NULL (the id) */
    /* vault-relative paths the index lists as meeting notes of this client
     * dated now.date (any order; sorted here). Each is re-read and checked
     * (type meeting, client, date) before it is used. */
    const char *const *candidates;
    size_t n_candidates;
    int client_known;         /* 0: no client note and no note names it -> a warning */
    capture_when now;
} capture_req;

/* `rapport capture CLIENT TEXT`: adds the entry (capture_entry) to the
 * first valid candidate by path, else to meetings/<date>-<slug>.md if that
 * is such a note, else to a new meeting note made from the meeting template
 * (suffixed -2, -3... when the name is taken by another note). The file and
 * its directory are fsynced before this returns. A note that changes between
 * read and write is re-read and the entry placed again (3 tries).
 * On error nothing was changed, except: when only the final directory fsync
 * of an existing note failed, the entry is in the file but not confirmed
 * durable -- EDIT_EIO with a message saying so, and out->path/line set. */
int capture_note(const char *vault, const capture_req *req, const char *text, size_t len,
                 capture_result *out, edit_error *err);

#endif
