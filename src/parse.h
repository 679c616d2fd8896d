/* parse.h -- the note parser (pure: bytes + vault-relative path in, structs out).
 *
 * Implements SPEC §1.2-1.4 for one note: frontmatter keys, inline #tags and
 * @mentions, sections and their items, tasks, quotes, headings, title and the
 * path-derived defaults (type, date, client). No I/O, no globals: the caller
 * owns the bytes, which must be valid UTF-8 (the indexer checks first).
 *
 * Positions: `line` is 1-based from the first line of the file (frontmatter
 * included); `col`/`end_col` are 0-based byte offsets within that line, end
 * exclusive. `off` is a byte offset from the start of the buffer.
 */
#ifndef RAPPORT_PARSE_H
#define RAPPORT_PARSE_H

#include <stddef.h>

enum parse_type { PARSE_NOTE = 0, PARSE_CLIENT, PARSE_MEETING };

enum parse_section_kind {
    SEC_NONE = -1,
    SEC_PRIORITIES = 0,
    SEC_NEEDS,
    SEC_OBJECTIVES,
    SEC_CHALLENGES,
    SEC_STAKEHOLDERS,
    SEC_PARKING_LOT,
    SEC_NEXT_STEPS,
    SEC_NOTES,
    SEC_COUNT
};

/* "Priorities", "Needs", ... as SPEC spells them (index by kind). */
extern const char *const parse_section_names[SEC_COUNT];

/* A tag or a mention. `name` is lowercased (tags: ASCII-lowercased; the
 * leading '#'/'@' is not included). For frontmatter values, `fm` is 1 and the
 * position is the value's position in the frontmatter line.
 * Spans: in the body, from the '#'/'@' to the end of the name (a dropped
 * trailing '/' or '.' is outside it). In the frontmatter, the scalar as
 * written (quotes included); one piece of a single-string value split at
 * commas/blanks when it is plain; a multi-line value ends at its first line's
 * end. */
typedef struct {
    char *name;
    int line, col, end_col;
    int fm;
} parse_ref;

typedef struct {
    int line;          /* heading line (for setext: the text line) */
    int level;         /* 1..6 */
    char *text;        /* trimmed, closing #s removed */
    int kind;          /* enum parse_section_kind or SEC_NONE */
} parse_heading;

typedef struct {
    char *text;        /* item text after the marker (and "[ ] " for tasks), trimmed,
                          continuation lines of the item joined with '\n' */
    int line;          /* first line of the item */
    int end_line;      /* last line of the item, nested items included */
    int marker_col;    /* byte column of the list marker */
    int ordered;       /* 1 for "1." / "1)" markers */
    int task;          /* -1 not a task, 0 open, 1 checked */
} parse_item;

typedef struct {
    int kind;          /* enum parse_section_kind */
    int heading;       /* index into headings */
    int line;          /* heading line */
    int end_line;      /* last line of the section (inclusive): its last non-blank
                          line before the next heading of the same or a higher
                          level, or the heading line itself when it is empty */
    size_t first_item, n_items; /* slice of parse_note.items */
} parse_section;

typedef struct {
    char *text;        /* task text after the checkbox, trimmed */
    int line;
    int col;           /* byte column of the list marker */
    int done;          /* 1 when checked ([x] or [X]) */
    char *owner;       /* first @mention, lowercased, or NULL */
    char *due;         /* "YYYY-MM-DD" or NULL */
    int section;       /* enum parse_section_kind of the enclosing section */
} parse_task;

typedef struct {
    char *text;        /* the quote's text without "> " markers, lines joined by ' ' */
    int line;          /* first line */
} parse_quote;

/* Frontmatter facts the editor and `check` need. */
typedef struct {
    int present;       /* the file starts with a "---" line and has a closing one */
    int end_line;      /* line of the closing "---" (0 if not present) */
    size_t body_off;   /* byte offset of the first body byte */
    char *error;       /* libyaml's message if it does not parse, else NULL */
    int error_line;
    int tags_comment;  /* `tags: #a` (a YAML comment where a value was meant): its line, else 0 */
} parse_frontmatter;

typedef struct {
    parse_frontmatter fm;

    int type;          /* enum parse_type, after path defaults */
    char *client;      /* lowercased client id, or NULL (SPEC §1.4) */
    char *date;        /* "YYYY-MM-DD" or NULL */
    char *title;
    char *status;      /* "active" unless the frontmatter says otherwise */
    int priority_cap;  /* -1 when absent */
    int cadence;       /* -1 when absent */
    char **ignore;     /* rapport-ignore rule ids */
    size_t n_ignore;

    parse_ref *tags;         size_t n_tags;      /* all occurrences, fm first */
    parse_ref *mentions;     size_t n_mentions;  /* includes fm `people` */
    parse_heading *headings; size_t n_headings;
    parse_section *sections; size_t n_sections;  /* first occurrence of each kind only */
    parse_item *items;       size_t n_items;     /* items of recognised sections, grouped
                                                    by section in `sections` order */
    parse_task *tasks;       size_t n_tasks;
    parse_quote *quotes;     size_t n_quotes;
    int *dup_sections;       size_t n_dup_sections; /* heading lines of repeated sections */
} parse_note;

/* Parses `len` bytes of `text` for the note at vault-relative `path` (used for
 * the path defaults). Never fails on bad input: problems are recorded (fm.error)
 * and parsing continues with the body. Returns 0. */
int parse_note_text(const char *path, const char *text, size_t len, parse_note *out);
void parse_note_free(parse_note *note);

/* Returns the section of that kind or NULL. */
const parse_section *parse_find_section(const parse_note *note, int kind);

/* Tag name rules (SPEC §1.3), exposed for the query parser and the editor:
 * normalises `s` (strip one leading '#', trailing '/', lowercase) into a new
 * string, or returns NULL when it is not a valid tag name. */
char *parse_tag_normalize(const char *s, size_t n);

#endif
