/* parse.c -- the note parser: frontmatter (libyaml), tags, mentions, sections, tasks.
 *
 * Design invariants:
 *  - Pure: bytes and a path in, a parse_note out. No I/O, no globals (only
 *    const tables), every allocation owned by the result.
 *  - One pass over the body, line by line, with O(1) amortised work per byte:
 *    no look-back over earlier lines except the current paragraph (joined once,
 *    for a setext heading), list containers found by binary search, item
 *    end lines propagated to the parent on close, code-span closers matched
 *    through a per-line table (never a rescan per backtick run).
 *  - libyaml sees only the frontmatter. Its marks count characters, not bytes
 *    (FACTS.md): positions go through a forward-moving char->byte cursor and
 *    our own line table, so they are byte-exact whatever line breaks YAML saw.
 *  - Never reads outside [text, text + len): every scan is bounded by the end
 *    of its line.
 *
 * Block structure is a CommonMark subset, chosen for precision (a tag or a
 * heading that is not really one costs the user's trust):
 *  - Fenced code (``` or ~~~, >= 3, info string; closed by a fence of the same
 *    character at least as long with nothing but blanks after it, indented at
 *    most 3 columns past its container; an unclosed fence runs to the end of
 *    its list item or of the note).
 *  - Indented code: a line indented >= 4 columns past its list container that
 *    does not continue a paragraph (so it needs a blank line, heading, fence,
 *    ... before it). Continuation lines of a list item are measured from the
 *    item's content column, so they are not code.
 *  - List items (-, *, +, 1. 1)) nest by content column; a line indented less
 *    than an item's content column closes it, except a lazy paragraph
 *    continuation. An ordered item not starting at 1, or an empty item, does
 *    not interrupt a paragraph. One marker per line ("- - x" is an item whose
 *    text is "- x").
 *  - ATX headings (at most 3 columns past the container) and setext headings
 *    (only under a top-level paragraph) end every open list.
 *  - HTML comments may span lines; the lines inside are neither blocks nor
 *    text. Code spans are matched within one line.
 *  - Blockquotes: consecutive '>' lines; an empty '>' line or any other line
 *    ends the quote paragraph (no lazy continuation).
 */
#include "parse.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util.h"

const char *const parse_section_names[SEC_COUNT] = {
    "Priorities", "Needs", "Objectives", "Challenges",
    "Stakeholders", "Parking lot", "Next steps", "Notes",
};

/* ---------------------------------------------------------------- chars */

static int is_alpha(unsigned char c) { return (c | 32) >= 'a' && (c | 32) <= 'z'; }
static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_alnum(unsigned char c) { return is_alpha(c) || is_digit(c); }
static int is_blank(unsigned char c) { return c == ' ' || c == '\t'; }
static int is_ascii_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Non-ASCII code points that may appear in tag and mention names (they count
 * as letters): all but U+00A0-U+00BF and U+2000-U+206F. */
static int cp_name_ok(uint32_t cp)
{
    return !(cp >= 0xA0 && cp <= 0xBF) && !(cp >= 0x2000 && cp <= 0x206F);
}

/* Unicode white space that may precede a tag or a mention. */
static int cp_space(uint32_t cp)
{
    return cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
           cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/* One character of a tag name at s (n > 0 bytes available): returns its byte
 * length or 0 when it is not a name character; *letter says whether it is a
 * letter. Invalid UTF-8 is never a name character. */
static size_t tag_char(const char *s, size_t n, int *letter)
{
    unsigned char c = (unsigned char)s[0];
    *letter = 0;
    if (c < 0x80) {
        if (is_alpha(c)) {
            *letter = 1;
            return 1;
        }
        return (is_digit(c) || c == '_' || c == '-' || c == '/') ? 1 : 0;
    }
    uint32_t cp;
    int k = utf8_decode(s, n, &cp);
    if (k <= 0 || !cp_name_ok(cp)) return 0;
    *letter = 1;
    return (size_t)k;
}

/* One character of a mention name (letters, digits, _ - .). */
static size_t mention_char(const char *s, size_t n, int *letter)
{
    unsigned char c = (unsigned char)s[0];
    if (c == '.') {
        *letter = 0;
        return 1;
    }
    if (c == '/') {
        *letter = 0;
        return 0;
    }
    return tag_char(s, n, letter);
}

/* ------------------------------------------------------------- results */

typedef VEC(parse_ref) ref_vec;
typedef VEC(parse_item) item_vec;
typedef VEC(char *) str_vec;

/* An open list item. */
typedef struct {
    int content;      /* content column (tabs expanded to 4) */
    int line, end_line;
    int kind;         /* section kind it is recorded under, or -1 */
    size_t item;      /* index in sec_items[kind] */
    long task;        /* index in tasks, or -1 */
    long owner;       /* index in mentions of the first mention in its text, or -1 */
    int has_text;
    buf_t text;
} oitem;

/* An open heading (for section extents). */
typedef struct {
    int level;
    int kind;         /* section kind or SEC_NONE */
    long sec;         /* index in sections (first occurrence), else -1 */
} oheading;

typedef struct {
    size_t pos, len;
    long next;        /* next run of the same length, or -1 */
} btrun;

typedef struct {
    const char *text;
    size_t len;
    parse_note *out;

    ref_vec tags, mentions;
    VEC(parse_heading) headings;
    VEC(parse_section) sections;
    item_vec sec_items[SEC_COUNT];
    VEC(parse_task) tasks;
    VEC(parse_quote) quotes;
    VEC(int) dups;
    int seen[SEC_COUNT];

    VEC(oitem) stack;
    oheading hstack[8];
    int nh;

    /* block state */
    int in_fence, fence_char, fence_len;
    size_t fence_depth;
    int in_comment;
    int para;               /* the previous line is paragraph text */
    size_t para_depth;      /* stack depth of that paragraph's container */
    size_t para_first_off;  /* offset of its first line */
    int para_first_line;
    int para_prev_nb;       /* last non-blank line before it */
    int last_nb;            /* last non-blank line so far */
    int quote_open;
    buf_t quote;
    int quote_line;

    /* scratch for code-span matching */
    VEC(btrun) runs;
    VEC(long) lastlen;
} pctx;

static void ref_push(ref_vec *v, const char *name, size_t n, int line, int col, int end_col,
                     int fm)
{
    parse_ref r;
    r.name = ascii_lower_dup(name, n);
    r.line = line;
    r.col = col;
    r.end_col = end_col;
    r.fm = fm;
    VEC_PUSH(v, r);
}

/* ------------------------------------------------------------ tag names */

char *parse_tag_normalize(const char *s, size_t n)
{
    if (!s) return NULL;
    if (n && s[0] == '#') s++, n--;
    int letter = 0;
    size_t i = 0;
    while (i < n) {
        int l;
        size_t k = tag_char(s + i, n - i, &l);
        if (!k) return NULL;
        letter |= l;
        i += k;
    }
    while (n && s[n - 1] == '/') n--;
    if (!n || !letter) return NULL;
    return ascii_lower_dup(s, n);
}

/* ---------------------------------------------------------- frontmatter */

typedef struct {
    char *v;
    size_t n;
    int plain;        /* plain style */
    int exact;        /* the source bytes at [beg, beg + n) are the value */
    size_t beg, end;  /* byte offsets in the whole text */
} fmscalar;

typedef VEC(fmscalar) fmscalar_vec;

typedef struct {
    pctx *c;
    yaml_parser_t p;
    size_t ybeg, yend;        /* the YAML bytes in the whole text */
    size_t cc, cb;            /* char cursor: char cc starts at byte ybeg + cb */
    VEC(size_t) lines;        /* start offsets of lines 1.. up to the closing one */
    int type_set;
} fmctx;

/* libyaml char index -> byte offset in the whole text. The cursor moves by
 * the distance between successive marks (they are nearly monotonic), so the
 * total cost stays linear in the frontmatter's size. */
static size_t fm_byte(fmctx *f, size_t ci)
{
    const unsigned char *y = (const unsigned char *)f->c->text + f->ybeg;
    size_t ylen = f->yend - f->ybeg;
    while (f->cc > ci && f->cb > 0) {
        f->cb--;
        while (f->cb > 0 && (y[f->cb] & 0xC0) == 0x80) f->cb--;
        f->cc--;
    }
    if (f->cb == 0) f->cc = 0;
    while (f->cc < ci && f->cb < ylen) {
        unsigned char b = y[f->cb];
        size_t k = b < 0xC0 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
        f->cb += k;
        if (f->cb > ylen) f->cb = ylen;
        f->cc++;
    }
    return f->ybeg + f->cb;
}

/* Byte offset -> 1-based line, byte column, and the end of that line's content. */
static void fm_linecol(fmctx *f, size_t off, int *line, int *col, size_t *lend)
{
    size_t lo = 0, hi = f->lines.len; /* find last start <= off */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (f->lines.items[mid] <= off) lo = mid;
        else hi = mid;
    }
    size_t ls = f->lines.items[lo];
    *line = (int)lo + 1;
    *col = (int)(off - ls);
    const char *t = f->c->text;
    size_t e;
    if (lo + 1 < f->lines.len) {
        e = f->lines.items[lo + 1] - 1; /* the '\n' */
    } else { /* the closing line: short */
        e = ls;
        while (e < f->c->len && t[e] != '\n') e++;
    }
    if (e > ls && t[e - 1] == '\r') e--;
    *lend = e;
}

static void fm_ref(fmctx *f, ref_vec *v, const char *name, size_t beg, size_t end)
{
    int line, col, ecol, eline;
    size_t lend, lend2;
    fm_linecol(f, beg, &line, &col, &lend);
    fm_linecol(f, end, &eline, &ecol, &lend2);
    if (eline != line || end > lend) ecol = (int)(lend - f->lines.items[line - 1]);
    if (ecol < col) ecol = col;
    parse_ref r;
    r.name = xstrdup(name);
    r.line = line;
    r.col = col;
    r.end_col = ecol;
    r.fm = 1;
    VEC_PUSH(v, r);
}

static int fm_is_null(const fmscalar *s)
{
    if (!s->plain) return 0;
    return s->n == 0 || (s->n == 1 && s->v[0] == '~') ||
           (s->n == 4 && (!strcmp(s->v, "null") || !strcmp(s->v, "Null") ||
                          !strcmp(s->v, "NULL")));
}

static void trim(const char **s, size_t *n)
{
    while (*n && is_ascii_ws((unsigned char)**s)) (*s)++, (*n)--;
    while (*n && is_ascii_ws((unsigned char)(*s)[*n - 1])) (*n)--;
}

/* Calls fn for each non-empty piece of a scalar split at `seps` (or the whole
 * trimmed value when seps is NULL), with the piece's byte span in the text:
 * exact for single-line plain values, else the whole scalar. */
typedef void (*piece_fn)(fmctx *f, const char *p, size_t n, size_t beg, size_t end, void *ud);

static void fm_pieces(fmctx *f, const fmscalar *s, const char *seps, piece_fn fn, void *ud)
{
    size_t i = 0;
    while (i < s->n) {
        size_t j = i;
        if (seps) {
            while (j < s->n && !strchr(seps, s->v[j])) j++;
        } else {
            j = s->n;
        }
        const char *p = s->v + i;
        size_t n = j - i;
        trim(&p, &n);
        if (n) {
            size_t pb = s->beg, pe = s->end;
            if (s->exact) {
                pb = s->beg + (size_t)(p - s->v);
                pe = pb + n;
            }
            fn(f, p, n, pb, pe, ud);
        }
        i = j + 1;
    }
}

static void fm_tag_piece(fmctx *f, const char *p, size_t n, size_t beg, size_t end, void *ud)
{
    UNUSED(ud);
    char *t = parse_tag_normalize(p, n);
    if (!t) return;
    fm_ref(f, &f->c->tags, t, beg, end);
    free(t);
}

static void fm_person_piece(fmctx *f, const char *p, size_t n, size_t beg, size_t end, void *ud)
{
    UNUSED(ud);
    if (n && p[0] == '@') p++, n--;
    trim(&p, &n);
    if (!n) return;
    char *t = ascii_lower_dup(p, n);
    fm_ref(f, &f->c->mentions, t, beg, end);
    free(t);
}

static void fm_ignore_piece(fmctx *f, const char *p, size_t n, size_t beg, size_t end, void *ud)
{
    UNUSED(beg), UNUSED(end);
    str_vec *v = ud;
    UNUSED(f);
    VEC_PUSH(v, ascii_lower_dup(p, n));
}

/* `tags: #a`: an empty plain value whose source continues with a comment. */
static void fm_check_comment(fmctx *f, const fmscalar *s)
{
    if (!s->plain || s->n != 0 || f->c->out->fm.tags_comment) return;
    const char *t = f->c->text;
    size_t i = s->beg;
    while (i < f->yend && is_blank((unsigned char)t[i])) i++;
    if (i < f->yend && t[i] == '#') {
        int line, col;
        size_t lend;
        fm_linecol(f, i, &line, &col, &lend);
        f->c->out->fm.tags_comment = line;
    }
}

static int fm_parse_int(const fmscalar *s)
{
    const char *p = s->v;
    size_t n = s->n;
    trim(&p, &n);
    if (n && p[0] == '+') p++, n--;
    if (!n) return -1;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit((unsigned char)p[i])) return -1;
        v = v * 10 + (p[i] - '0');
        if (v > INT_MAX) return -1;
    }
    return (int)v;
}

/* "[[clients/Acme|Acme Corp]]" -> "acme"; plain ids are trimmed and lowercased. */
static char *client_id(const char *p, size_t n)
{
    trim(&p, &n);
    if (n >= 4 && p[0] == '[' && p[1] == '[' && p[n - 2] == ']' && p[n - 1] == ']') {
        p += 2, n -= 4;
        for (size_t i = 0; i < n; i++)
            if (p[i] == '|' || p[i] == '#') {
                n = i;
                break;
            }
        for (size_t i = n; i > 0; i--)
            if (p[i - 1] == '/') {
                p += i, n -= i;
                break;
            }
        if (n >= 3 && !ascii_ncasecmp(p + n - 3, ".md", 3)) n -= 3;
        trim(&p, &n);
    }
    return n ? ascii_lower_dup(p, n) : NULL;
}

static void fm_scalars_free(fmscalar_vec *v)
{
    for (size_t i = 0; i < v->len; i++) free(v->items[i].v);
    VEC_FREE(v);
}

/* Reads one value node, collecting its scalars (sequences flattened, the
 * contents of mappings and aliases ignored). Returns 0 on a YAML error. */
static int fm_value(fmctx *f, fmscalar_vec *out, int *is_scalar)
{
    long depth = 0, mdepth = 0;
    int first = 1;
    *is_scalar = 0;
    do {
        yaml_event_t ev;
        if (!yaml_parser_parse(&f->p, &ev)) return 0;
        switch (ev.type) {
        case YAML_SEQUENCE_START_EVENT: depth++; break;
        case YAML_SEQUENCE_END_EVENT: depth--; break;
        case YAML_MAPPING_START_EVENT: depth++, mdepth++; break;
        case YAML_MAPPING_END_EVENT: depth--, mdepth--; break;
        case YAML_SCALAR_EVENT:
            if (first) *is_scalar = 1;
            if (mdepth == 0) {
                fmscalar s;
                s.n = ev.data.scalar.length;
                s.v = xstrndup((const char *)ev.data.scalar.value, s.n);
                s.plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
                s.beg = fm_byte(f, ev.start_mark.index);
                s.end = fm_byte(f, ev.end_mark.index);
                if (s.end < s.beg) s.end = s.beg;
                s.exact = s.plain && s.end - s.beg == s.n &&
                          !memcmp(f->c->text + s.beg, s.v, s.n) && !memchr(s.v, '\n', s.n);
                VEC_PUSH(out, s);
            }
            break;
        case YAML_STREAM_END_EVENT:
        case YAML_DOCUMENT_END_EVENT:
            depth = 0; /* cannot happen inside a value; do not loop forever */
            break;
        default: break;
        }
        first = 0;
        yaml_event_delete(&ev);
    } while (depth > 0);
    return 1;
}

enum { K_TYPE, K_CLIENT, K_DATE, K_TAGS, K_PEOPLE, K_CAP, K_CADENCE, K_STATUS, K_IGNORE, K_COUNT };
static const char *const fm_keys[K_COUNT] = {
    "type", "client", "date", "tags", "people", "priority_cap", "cadence", "status",
    "rapport-ignore",
};

static void fm_apply(fmctx *f, int key, fmscalar_vec *vals, int is_scalar)
{
    parse_note *o = f->c->out;
    const fmscalar *first = NULL;
    for (size_t i = 0; i < vals->len && !first; i++)
        if (!fm_is_null(&vals->items[i])) first = &vals->items[i];

    switch (key) {
    case K_TAGS:
        for (size_t i = 0; i < vals->len; i++) {
            const fmscalar *s = &vals->items[i];
            if (fm_is_null(s)) {
                fm_check_comment(f, s);
                continue;
            }
            /* a single string may hold several tags: "a, b" or "#a #b" */
            fm_pieces(f, s, is_scalar ? ", \t\n" : NULL, fm_tag_piece, NULL);
        }
        return;
    case K_PEOPLE:
        for (size_t i = 0; i < vals->len; i++) {
            const fmscalar *s = &vals->items[i];
            if (fm_is_null(s)) continue;
            fm_pieces(f, s, is_scalar ? ",\n" : NULL, fm_person_piece, NULL);
        }
        return;
    case K_IGNORE: {
        str_vec v = {0};
        for (size_t i = 0; i < vals->len; i++) {
            const fmscalar *s = &vals->items[i];
            if (fm_is_null(s)) continue;
            fm_pieces(f, s, ", \t\n", fm_ignore_piece, &v);
        }
        o->ignore = v.items;
        o->n_ignore = v.len;
        return;
    }
    default: break;
    }
    if (!first) return;
    const char *p = first->v;
    size_t n = first->n;
    trim(&p, &n);
    switch (key) {
    case K_TYPE:
        if (n == 6 && !ascii_ncasecmp(p, "client", 6)) o->type = PARSE_CLIENT, f->type_set = 1;
        else if (n == 7 && !ascii_ncasecmp(p, "meeting", 7)) o->type = PARSE_MEETING, f->type_set = 1;
        else if (n == 4 && !ascii_ncasecmp(p, "note", 4)) o->type = PARSE_NOTE, f->type_set = 1;
        break;
    case K_CLIENT: o->client = client_id(p, n); break;
    case K_DATE:
        /* a date, or the date of a date-time */
        if (n >= 10 && date_valid(p, 10) && (n == 10 || p[10] == 'T' || p[10] == ' '))
            o->date = xstrndup(p, 10);
        break;
    case K_CAP: o->priority_cap = fm_parse_int(first); break;
    case K_CADENCE: o->cadence = fm_parse_int(first); break;
    case K_STATUS:
        if (n) {
            free(o->status);
            o->status = ascii_lower_dup(p, n);
        }
        break;
    default: break;
    }
}

/* Skips the rest of a node whose first event was `ev` (already consumed). */
static int fm_skip(fmctx *f, yaml_event_type_t first)
{
    long depth = (first == YAML_SEQUENCE_START_EVENT || first == YAML_MAPPING_START_EVENT);
    while (depth > 0) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&f->p, &ev)) return 0;
        if (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT) depth++;
        else if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT) depth--;
        else if (ev.type == YAML_STREAM_END_EVENT) depth = 0;
        yaml_event_delete(&ev);
    }
    return 1;
}

static int fm_mapping(fmctx *f)
{
    int seen[K_COUNT] = {0};
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&f->p, &ev)) return 0;
        yaml_event_type_t t = ev.type;
        if (t == YAML_MAPPING_END_EVENT || t == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            return 1;
        }
        int key = -1;
        if (t == YAML_SCALAR_EVENT) {
            for (int k = 0; k < K_COUNT; k++)
                if (strlen(fm_keys[k]) == ev.data.scalar.length &&
                    !ascii_ncasecmp((const char *)ev.data.scalar.value, fm_keys[k],
                                    ev.data.scalar.length))
                    key = k;
        }
        yaml_event_delete(&ev);
        if (t != YAML_SCALAR_EVENT && !fm_skip(f, t)) return 0;
        fmscalar_vec vals = {0};
        int is_scalar;
        int ok = fm_value(f, &vals, &is_scalar);
        if (ok && key >= 0 && !seen[key]) { /* the first of repeated keys counts */
            seen[key] = 1;
            fm_apply(f, key, &vals, is_scalar);
        }
        fm_scalars_free(&vals);
        if (!ok) return 0;
    }
}

/* Drops every frontmatter-derived value (used when the YAML does not parse). */
static void fm_discard(pctx *c, size_t ntags, size_t nmentions)
{
    parse_note *o = c->out;
    for (size_t i = ntags; i < c->tags.len; i++) free(c->tags.items[i].name);
    for (size_t i = nmentions; i < c->mentions.len; i++) free(c->mentions.items[i].name);
    c->tags.len = ntags;
    c->mentions.len = nmentions;
    free(o->client), o->client = NULL;
    free(o->date), o->date = NULL;
    free(o->status), o->status = NULL;
    for (size_t i = 0; i < o->n_ignore; i++) free(o->ignore[i]);
    free(o->ignore), o->ignore = NULL, o->n_ignore = 0;
    o->type = PARSE_NOTE;
    o->priority_cap = o->cadence = -1;
}

/* Is the line [s, s+n) a frontmatter fence ("---", or "..." when closing),
 * trailing blanks allowed? */
static int fm_fence(const char *s, size_t n, int closing)
{
    if (n < 3) return 0;
    if (memcmp(s, "---", 3) != 0 && !(closing && memcmp(s, "...", 3) == 0)) return 0;
    for (size_t i = 3; i < n; i++)
        if (!is_blank((unsigned char)s[i])) return 0;
    return 1;
}

static size_t line_content_end(const char *t, size_t ls, size_t le)
{
    return (le > ls && t[le - 1] == '\r') ? le - 1 : le;
}

/* Finds and parses the frontmatter; sets out->fm and returns 1 when present. */
static int frontmatter(pctx *c, int *type_set)
{
    const char *t = c->text;
    size_t len = c->len;
    parse_frontmatter *fm = &c->out->fm;
    fmctx f;
    memset(&f, 0, sizeof f);
    f.c = c;

    size_t start = 0;
    if (len >= 3 && !memcmp(t, "\xEF\xBB\xBF", 3)) start = 3; /* a BOM */
    const char *nl = memchr(t + start, '\n', len - start);
    size_t le = nl ? (size_t)(nl - t) : len;
    if (!nl || !fm_fence(t + start, line_content_end(t, start, le) - start, 0)) return 0;

    VEC_PUSH(&f.lines, (size_t)0);
    size_t pos = le + 1, close_ls = 0, body = 0;
    int found = 0;
    while (pos <= len) {
        VEC_PUSH(&f.lines, pos);
        const char *q = pos < len ? memchr(t + pos, '\n', len - pos) : NULL;
        size_t e = q ? (size_t)(q - t) : len;
        if (fm_fence(t + pos, line_content_end(t, pos, e) - pos, 1)) {
            found = 1;
            close_ls = pos;
            body = q ? e + 1 : len;
            break;
        }
        if (!q) break;
        pos = e + 1;
    }
    if (!found) { /* no closing line: not frontmatter, the whole file is body */
        VEC_FREE(&f.lines);
        return 0;
    }
    fm->present = 1;
    fm->end_line = (int)f.lines.len;
    fm->body_off = body;
    f.ybeg = le + 1;
    f.yend = close_ls;

    size_t ntags = c->tags.len, nmentions = c->mentions.len;
    if (!yaml_parser_initialize(&f.p)) {
        fm->error = xstrdup("cannot initialise the YAML parser");
        fm->error_line = 1;
        VEC_FREE(&f.lines);
        return 1;
    }
    yaml_parser_set_input_string(&f.p, (const unsigned char *)t + f.ybeg, f.yend - f.ybeg);
    int ok = 1, root = 0;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&f.p, &ev)) {
            ok = 0;
            break;
        }
        yaml_event_type_t et = ev.type;
        yaml_event_delete(&ev);
        if (et == YAML_STREAM_END_EVENT) break;
        if (et == YAML_STREAM_START_EVENT || et == YAML_DOCUMENT_START_EVENT ||
            et == YAML_DOCUMENT_END_EVENT)
            continue;
        if (!root && et == YAML_MAPPING_START_EVENT) {
            root = 1;
            ok = fm_mapping(&f);
        } else {
            root = 1;
            ok = fm_skip(&f, et); /* a non-mapping root: no keys */
        }
        if (!ok) break;
    }
    if (!ok) {
        const yaml_parser_t *p = &f.p;
        const char *prob = p->problem ? p->problem : "invalid YAML";
        fm->error = p->context ? xasprintf("%s %s", prob, p->context) : xstrdup(prob);
        size_t off;
        if (p->error == YAML_READER_ERROR) {
            off = f.ybeg + (p->problem_offset < f.yend - f.ybeg ? p->problem_offset
                                                                : f.yend - f.ybeg);
        } else {
            off = fm_byte(&f, p->problem_mark.index);
        }
        int col;
        size_t lend;
        fm_linecol(&f, off, &fm->error_line, &col, &lend);
        fm_discard(c, ntags, nmentions);
        f.type_set = 0;
    }
    *type_set = f.type_set;
    yaml_parser_delete(&f.p);
    VEC_FREE(&f.lines);
    return 1;
}

/* ------------------------------------------------------------- inline */

static const unsigned char trig[256] = {
    ['`'] = 1, ['<'] = 1, [']'] = 1, [':'] = 1, ['.'] = 1, ['#'] = 1, ['@'] = 1,
};

/* May a tag or mention start at s[i]? (line start, white space or '(' before) */
static int prev_ok(const char *s, size_t from, size_t i, int at_start)
{
    if (i == from) return at_start;
    unsigned char b = (unsigned char)s[i - 1];
    if (b < 0x80) return is_ascii_ws(b) || b == '(';
    size_t j = i - 1;
    while (j > from && i - j < 4 && ((unsigned char)s[j] & 0xC0) == 0x80) j--;
    uint32_t cp;
    int k = utf8_decode(s + j, i - j, &cp);
    return k > 0 && (size_t)k == i - j && cp_space(cp);
}

/* Backtick runs of s[i, to) with each run's next run of equal length. */
static void bt_runs(pctx *c, const char *s, size_t i, size_t to)
{
    c->runs.len = 0;
    size_t maxlen = 0;
    while (i < to) {
        const char *q = memchr(s + i, '`', to - i);
        if (!q) break;
        size_t p = (size_t)(q - s), e = p;
        while (e < to && s[e] == '`') e++;
        btrun r = {p, e - p, -1};
        VEC_PUSH(&c->runs, r);
        if (e - p > maxlen) maxlen = e - p;
        i = e;
    }
    c->lastlen.len = 0;
    for (size_t k = 0; k <= maxlen; k++) VEC_PUSH(&c->lastlen, -1L);
    for (size_t k = c->runs.len; k > 0; k--) {
        btrun *r = &c->runs.items[k - 1];
        r->next = c->lastlen.items[r->len];
        c->lastlen.items[r->len] = (long)(k - 1);
    }
}

/* Offset of the "-->" that ends a comment searched from i, or `to` if none. */
static size_t comment_end(const char *s, size_t i, size_t to)
{
    while (i + 3 <= to) {
        const char *q = memchr(s + i, '-', to - i - 2);
        if (!q) return to;
        size_t p = (size_t)(q - s);
        if (s[p + 1] == '-' && s[p + 2] == '>') return p;
        i = p + 1;
    }
    return to;
}

static size_t skip_to_ws(const char *s, size_t i, size_t to)
{
    while (i < to && !is_ascii_ws((unsigned char)s[i])) i++;
    return i;
}

/* Scans s[from, to) of the line starting at `ls` for tags and mentions,
 * skipping code spans, HTML comments (which may continue on later lines),
 * autolinks, link targets and URLs. `at_start`: from is a line start. */
static void scan_inline(pctx *c, int line, size_t ls, size_t from, size_t to, int at_start)
{
    const char *s = c->text;
    size_t i = from, bk = 0;
    int bt_ready = 0;
    while (i < to) {
        unsigned char ch = (unsigned char)s[i];
        if (!trig[ch]) {
            i++;
            continue;
        }
        switch (ch) {
        case '`': {
            if (!bt_ready) {
                bt_runs(c, s, i, to);
                bt_ready = 1;
                bk = 0;
            }
            while (bk < c->runs.len && c->runs.items[bk].pos < i) bk++;
            if (bk < c->runs.len && c->runs.items[bk].pos == i) {
                const btrun *r = &c->runs.items[bk];
                if (r->next >= 0) {
                    const btrun *e = &c->runs.items[r->next];
                    i = e->pos + e->len;
                } else {
                    i += r->len;
                }
            } else {
                i++;
            }
            break;
        }
        case '<':
            if (i + 4 <= to && !memcmp(s + i, "<!--", 4)) {
                size_t j = i + 4;
                if (j < to && s[j] == '>') {
                    i = j + 1;
                } else if (j + 1 < to && s[j] == '-' && s[j + 1] == '>') {
                    i = j + 2;
                } else {
                    size_t e = comment_end(s, j, to);
                    if (e >= to) {
                        c->in_comment = 1;
                        return;
                    }
                    i = e + 3;
                }
            } else {
                /* autolink <scheme:...> */
                size_t j = i + 1;
                while (j < to && j - i <= 33 &&
                       (is_alnum((unsigned char)s[j]) || s[j] == '+' || s[j] == '.' || s[j] == '-'))
                    j++;
                if (j - i >= 3 && j < to && s[j] == ':' && is_alpha((unsigned char)s[i + 1])) {
                    size_t k = j + 1;
                    while (k < to && s[k] != '>' && s[k] != '<' && !is_ascii_ws((unsigned char)s[k]))
                        k++;
                    i = (k < to && s[k] == '>') ? k + 1 : i + 1;
                } else {
                    i++;
                }
            }
            break;
        case ']':
            if (i + 1 < to && s[i + 1] == '(') { /* link target */
                size_t j = i + 2;
                int depth = 1;
                while (j < to && !is_ascii_ws((unsigned char)s[j])) {
                    if (s[j] == '(') depth++;
                    else if (s[j] == ')' && --depth == 0) {
                        j++;
                        break;
                    }
                    j++;
                }
                i = j;
            } else {
                i++;
            }
            break;
        case ':':
            if (i > from && i + 2 < to && s[i + 1] == '/' && s[i + 2] == '/' &&
                is_alnum((unsigned char)s[i - 1]))
                i = skip_to_ws(s, i, to);
            else
                i++;
            break;
        case '.':
            if (i >= from + 3 && !ascii_ncasecmp(s + i - 3, "www", 3) &&
                (i - 3 == from || !(is_alnum((unsigned char)s[i - 4]) || s[i - 4] == '.')) &&
                i + 1 < to && !is_ascii_ws((unsigned char)s[i + 1]))
                i = skip_to_ws(s, i, to);
            else
                i++;
            break;
        case '#': {
            if (!prev_ok(s, from, i, at_start)) {
                i++;
                break;
            }
            size_t j = i + 1, keep = j;
            int letter = 0;
            while (j < to) {
                int l;
                size_t k = tag_char(s + j, to - j, &l);
                if (!k) break;
                letter |= l;
                j += k;
                if (s[j - 1] != '/') keep = j;
            }
            if (letter && keep > i + 1)
                ref_push(&c->tags, s + i + 1, keep - i - 1, line, (int)(i - ls), (int)(keep - ls), 0);
            i = j > i + 1 ? j : i + 1;
            break;
        }
        case '@': {
            if (!prev_ok(s, from, i, at_start)) {
                i++;
                break;
            }
            size_t j = i + 1, keep;
            int l;
            size_t k = j < to ? tag_char(s + j, to - j, &l) : 0;
            if (k && l) {
                j += k;
                keep = j;
                while (j < to && (k = mention_char(s + j, to - j, &l)) > 0) {
                    j += k;
                    if (s[j - 1] != '.') keep = j;
                }
                ref_push(&c->mentions, s + i + 1, keep - i - 1, line, (int)(i - ls), (int)(keep - ls), 0);
            }
            i = j > i + 1 ? j : i + 1;
            break;
        }
        default: i++; break;
        }
    }
}

/* --------------------------------------------------------------- blocks */

/* Column after s[i] given column col (tabs to the next multiple of 4). */
static int next_col(int col, char ch)
{
    return ch == '\t' ? (col + 4) & ~3 : col + 1;
}

static void buf_add_trimmed(buf_t *b, const char *p, size_t n, char sep)
{
    trim(&p, &n);
    if (!n) return;
    if (b->len) buf_addc(b, sep);
    buf_add(b, p, n);
}

/* "due:YYYY-MM-DD" (case-insensitive, optional blanks after the colon). */
static char *find_due(const char *s, size_t n)
{
    for (size_t i = 0; i + 4 <= n; i++) {
        if ((s[i] | 32) != 'd' || ascii_ncasecmp(s + i, "due:", 4)) continue;
        if (i > 0 && (is_alnum((unsigned char)s[i - 1]) || s[i - 1] == '_')) continue;
        size_t j = i + 4;
        while (j < n && is_blank((unsigned char)s[j])) j++;
        if (j + 10 <= n && date_valid(s + j, 10) &&
            (j + 10 == n || !is_alnum((unsigned char)s[j + 10])))
            return xstrndup(s + j, 10);
    }
    return NULL;
}

static void item_close(pctx *c)
{
    oitem *o = &c->stack.items[c->stack.len - 1];
    const char *txt = o->text.data ? o->text.data : "";
    if (o->kind >= 0) {
        parse_item *it = &c->sec_items[o->kind].items[o->item];
        it->text = xstrdup(txt);
        it->end_line = o->end_line;
    }
    if (o->task >= 0) {
        parse_task *tk = &c->tasks.items[o->task];
        tk->text = xstrdup(txt);
        for (char *p = tk->text; *p; p++)
            if (*p == '\n') *p = ' ';
        if (o->owner >= 0) tk->owner = xstrdup(c->mentions.items[o->owner].name);
        tk->due = find_due(txt, strlen(txt));
    }
    buf_free(&o->text);
    int e = o->end_line;
    c->stack.len--;
    if (c->stack.len) {
        oitem *parent = &c->stack.items[c->stack.len - 1];
        if (e > parent->end_line) parent->end_line = e;
    }
}

static void items_pop_to(pctx *c, size_t depth)
{
    while (c->stack.len > depth) item_close(c);
}

/* Number of open items whose content column is <= col (they contain a line
 * indented to col). The stack's content columns never decrease. */
static size_t depth_for(const pctx *c, int col)
{
    size_t lo = 0, hi = c->stack.len;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c->stack.items[mid].content <= col) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static void quote_close(pctx *c)
{
    if (!c->quote_open) return;
    parse_quote q;
    q.text = xstrdup(c->quote.data ? c->quote.data : "");
    q.line = c->quote_line;
    VEC_PUSH(&c->quotes, q);
    c->quote.len = 0;
    c->quote_open = 0;
}

static void touch(pctx *c, int line)
{
    c->last_nb = line;
    if (c->stack.len) c->stack.items[c->stack.len - 1].end_line = line;
}

static int section_kind(const char *p, size_t n)
{
    trim(&p, &n);
    if (n && p[n - 1] == ':') n--;
    trim(&p, &n);
    for (int k = 0; k < SEC_COUNT; k++)
        if (strlen(parse_section_names[k]) == n && !ascii_ncasecmp(p, parse_section_names[k], n))
            return k;
    return SEC_NONE;
}

/* The innermost open heading that names a section, or NULL. */
static const oheading *cur_section(const pctx *c)
{
    for (int i = c->nh; i > 0; i--)
        if (c->hstack[i - 1].kind != SEC_NONE) return &c->hstack[i - 1];
    return NULL;
}

/* A heading at `line` (text owned by the caller). prev_nb: the last non-blank
 * line before it, where the sections it closes end. */
static void heading(pctx *c, int line, int level, char *text, int prev_nb)
{
    items_pop_to(c, 0);
    quote_close(c);
    c->para = 0;
    while (c->nh > 0 && c->hstack[c->nh - 1].level >= level) {
        const oheading *h = &c->hstack[--c->nh];
        if (h->sec >= 0) c->sections.items[h->sec].end_line = prev_nb;
    }
    parse_heading ph;
    ph.line = line;
    ph.level = level;
    ph.text = text;
    ph.kind = section_kind(text, strlen(text));
    oheading oh = {level, ph.kind, -1};
    if (ph.kind != SEC_NONE) {
        if (c->seen[ph.kind]) {
            VEC_PUSH(&c->dups, line);
        } else {
            c->seen[ph.kind] = 1;
            parse_section sec;
            memset(&sec, 0, sizeof sec);
            sec.kind = ph.kind;
            sec.heading = (int)c->headings.len;
            sec.line = line;
            sec.end_line = line;
            oh.sec = (long)c->sections.len;
            VEC_PUSH(&c->sections, sec);
        }
    }
    VEC_PUSH(&c->headings, ph);
    if (c->nh < (int)ARRAY_LEN(c->hstack)) c->hstack[c->nh++] = oh;
}

/* Thematic break: 3+ of one of - * _ with optional blanks, nothing else. */
static int thematic(const char *s, size_t n)
{
    char m = 0;
    int cnt = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (is_blank((unsigned char)ch)) continue;
        if (ch != '-' && ch != '*' && ch != '_') return 0;
        if (m && ch != m) return 0;
        m = ch;
        cnt++;
    }
    return cnt >= 3;
}

/* Setext underline: one or more '=' or '-', then only blanks. 1 / 2 / 0. */
static int setext(const char *s, size_t n)
{
    if (!n || (s[0] != '=' && s[0] != '-')) return 0;
    size_t i = 0;
    while (i < n && s[i] == s[0]) i++;
    while (i < n && is_blank((unsigned char)s[i])) i++;
    if (i != n) return 0;
    return s[0] == '=' ? 1 : 2;
}

/* A fence opener at s: its length (>= 3) or 0. */
static int fence_open(const char *s, size_t n, int *fch)
{
    if (!n || (s[0] != '`' && s[0] != '~')) return 0;
    size_t i = 0;
    while (i < n && s[i] == s[0]) i++;
    if (i < 3) return 0;
    if (s[0] == '`' && memchr(s + i, '`', n - i)) return 0;
    *fch = (unsigned char)s[0];
    return (int)(i > INT_MAX ? INT_MAX : i);
}

static int fence_close(const pctx *c, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i] == c->fence_char) i++;
    if ((long long)i < c->fence_len) return 0;
    while (i < n && is_blank((unsigned char)s[i])) i++;
    return i == n;
}

/* List marker at s (n bytes): its length, or 0. */
static size_t list_marker(const char *s, size_t n, int *ordered, long *num)
{
    *ordered = 0;
    *num = 0;
    size_t i = 0;
    if (n && (s[0] == '-' || s[0] == '*' || s[0] == '+')) {
        i = 1;
    } else {
        while (i < n && i < 9 && is_digit((unsigned char)s[i])) *num = *num * 10 + (s[i] - '0'), i++;
        if (i == 0 || i >= n || (s[i] != '.' && s[i] != ')')) return 0;
        i++;
        *ordered = 1;
    }
    if (i < n && !is_blank((unsigned char)s[i])) return 0;
    return i;
}

static void list_item(pctx *c, int line, size_t ls, size_t le, size_t fp, int icol,
                      size_t mlen, int ordered, size_t depth)
{
    const char *s = c->text;
    items_pop_to(c, depth);
    quote_close(c);

    /* content column */
    size_t p = fp + mlen;
    int col = icol + (int)mlen, ccol = col;
    while (p < le && is_blank((unsigned char)s[p])) ccol = next_col(ccol, s[p]), p++;
    int empty = p >= le;
    int content = (empty || ccol - col > 4) ? col + 1 : ccol;
    if (ccol - col > 4) { /* content is indented code: it starts 1 column in */
        p = fp + mlen + 1;
        if (p > le) p = le;
    }

    oitem o;
    memset(&o, 0, sizeof o);
    o.content = content;
    o.line = o.end_line = line;
    o.kind = -1;
    o.task = -1;
    o.owner = -1;

    /* checkbox */
    size_t tp = p;
    int task = -1;
    if (le - p >= 3 && s[p] == '[' && s[p + 2] == ']' &&
        (s[p + 1] == ' ' || s[p + 1] == 'x' || s[p + 1] == 'X') &&
        (p + 3 == le || is_blank((unsigned char)s[p + 3]))) {
        task = s[p + 1] != ' ';
        tp = p + 3;
    }

    const oheading *h = cur_section(c);
    if (depth == 0 && h && h->sec >= 0) {
        parse_item it;
        memset(&it, 0, sizeof it);
        it.line = it.end_line = line;
        it.marker_col = (int)(fp - ls);
        it.ordered = ordered;
        it.task = task;
        o.kind = h->kind;
        o.item = c->sec_items[h->kind].len;
        VEC_PUSH(&c->sec_items[h->kind], it);
    }
    if (task >= 0) {
        parse_task tk;
        memset(&tk, 0, sizeof tk);
        tk.line = line;
        tk.col = (int)(fp - ls);
        tk.done = task;
        tk.section = h ? h->kind : SEC_NONE;
        o.task = (long)c->tasks.len;
        VEC_PUSH(&c->tasks, tk);
    }
    o.has_text = o.kind >= 0 || o.task >= 0;

    int fch;
    int flen = fence_open(s + p, le - p, &fch);
    VEC_PUSH(&c->stack, o);
    touch(c, line);
    if (flen) { /* "- ```": the item starts with a code block */
        c->in_fence = 1;
        c->fence_char = fch;
        c->fence_len = flen;
        c->fence_depth = c->stack.len;
        c->para = 0;
        return;
    }
    oitem *top = &c->stack.items[c->stack.len - 1];
    if (top->has_text) buf_add_trimmed(&top->text, s + tp, le - tp, '\n');
    size_t before = c->mentions.len;
    scan_inline(c, line, ls, fp, le, 1);
    top = &c->stack.items[c->stack.len - 1];
    if (top->task >= 0 && top->owner < 0 && c->mentions.len > before) top->owner = (long)before;
    c->para = !empty;
    c->para_depth = c->stack.len;
    c->para_first_off = ls;
    c->para_first_line = line;
}

static void blockquote(pctx *c, int line, size_t ls, size_t le, size_t fp, size_t depth)
{
    const char *s = c->text;
    items_pop_to(c, depth);
    c->para = 0;
    size_t p = fp;
    while (p < le && s[p] == '>') {
        p++;
        while (p < le && is_blank((unsigned char)s[p])) p++;
    }
    const char *q = s + p;
    size_t n = le - p;
    trim(&q, &n);
    if (!n) {
        quote_close(c);
    } else {
        if (!c->quote_open) {
            c->quote_open = 1;
            c->quote_line = line;
            c->quote.len = 0;
        }
        buf_add_trimmed(&c->quote, q, n, ' ');
        scan_inline(c, line, ls, p, le, 1);
    }
    touch(c, line);
}

/* ATX heading text: trimmed, closing #s removed. */
static char *atx_text(const char *s, size_t n)
{
    trim(&s, &n);
    size_t e = n;
    while (e > 0 && s[e - 1] == '#') e--;
    if (e == 0 || is_blank((unsigned char)s[e - 1])) n = e;
    trim(&s, &n);
    return xstrndup(s, n);
}

/* The current paragraph's lines, trimmed and joined with spaces (setext). */
static char *para_text(const pctx *c, size_t upto)
{
    buf_t b = {0};
    size_t p = c->para_first_off;
    while (p < upto) {
        const char *q = memchr(c->text + p, '\n', upto - p);
        size_t e = q ? (size_t)(q - c->text) : upto;
        buf_add_trimmed(&b, c->text + p, e - p, ' ');
        p = e + 1;
    }
    char *r = xstrdup(b.data ? b.data : "");
    buf_free(&b);
    return r;
}

static void body_line(pctx *c, int line, size_t ls, size_t le)
{
    const char *s = c->text;

    /* indentation (a BOM on the first line is skipped; columns stay bytes) */
    size_t fp = ls;
    if (ls == 0 && le >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) fp = 3;
    int icol = 0;
    while (fp < le && is_blank((unsigned char)s[fp])) icol = next_col(icol, s[fp]), fp++;
    int blank = fp >= le;

    if (c->in_fence) {
        if (blank) return;
        int closes_by_dedent = c->fence_depth > 0 && c->fence_depth <= c->stack.len &&
                               icol < c->stack.items[c->fence_depth - 1].content;
        if (!closes_by_dedent) {
            int base = c->fence_depth && c->fence_depth <= c->stack.len
                           ? c->stack.items[c->fence_depth - 1].content : 0;
            if (icol - base <= 3 && fence_close(c, s + fp, le - fp)) c->in_fence = 0;
            touch(c, line);
            return;
        }
        c->in_fence = 0; /* the container ended: so does its code block */
    }

    if (c->in_comment) {
        size_t e = comment_end(s, ls, le);
        touch(c, line);
        quote_close(c);
        if (e < le) {
            c->in_comment = 0;
            scan_inline(c, line, ls, e + 3, le, 0);
        }
        return;
    }

    if (blank) {
        c->para = 0;
        quote_close(c);
        return;
    }

    size_t depth = depth_for(c, icol);
    int base = depth ? c->stack.items[depth - 1].content : 0;
    int rel = icol - base;
    const char *f = s + fp;
    size_t fn = le - fp;

    if (rel >= 4) {
        if (!c->para) { /* indented code */
            items_pop_to(c, depth);
            quote_close(c);
            touch(c, line);
            return;
        }
        goto paragraph;
    }

    /* fenced code */
    int fch, flen = fence_open(f, fn, &fch);
    if (flen) {
        items_pop_to(c, depth);
        quote_close(c);
        c->para = 0;
        c->in_fence = 1;
        c->fence_char = fch;
        c->fence_len = flen;
        c->fence_depth = depth;
        touch(c, line);
        return;
    }

    /* ATX heading */
    if (f[0] == '#') {
        size_t h = 0;
        while (h < fn && f[h] == '#') h++;
        if (h <= 6 && (h == fn || is_blank((unsigned char)f[h]))) {
            int prev = c->last_nb;
            char *text = atx_text(f + h, fn - h);
            heading(c, line, (int)h, text, prev);
            c->last_nb = line;
            scan_inline(c, line, ls, fp, le, 1);
            return;
        }
    }

    /* setext underline under a top-level paragraph */
    if (c->para && c->stack.len == 0) {
        int lvl = setext(f, fn);
        if (lvl) {
            char *text = para_text(c, ls);
            heading(c, c->para_first_line, lvl, text, c->para_prev_nb);
            c->last_nb = line;
            return;
        }
    }

    if (thematic(f, fn)) {
        items_pop_to(c, depth);
        quote_close(c);
        c->para = 0;
        touch(c, line);
        return;
    }

    if (f[0] == '>') {
        blockquote(c, line, ls, le, fp, depth);
        return;
    }

    int ordered;
    long num;
    size_t mlen = list_marker(f, fn, &ordered, &num);
    if (mlen) {
        size_t after = mlen;
        while (after < fn && is_blank((unsigned char)f[after])) after++;
        int empty = after >= fn;
        /* an item interrupting a paragraph of its own container must be
         * non-empty and, when ordered, start at 1 */
        if (!(c->para && c->para_depth == depth && (empty || (ordered && num != 1)))) {
            list_item(c, line, ls, le, fp, icol, mlen, ordered, depth);
            return;
        }
    }

paragraph:
    quote_close(c);
    if (!c->para) {
        items_pop_to(c, depth);
        c->para = 1;
        c->para_depth = c->stack.len;
        c->para_first_off = ls;
        c->para_first_line = line;
        c->para_prev_nb = c->last_nb;
    }
    {
        size_t before = c->mentions.len;
        scan_inline(c, line, ls, fp, le, 1);
        if (c->stack.len && c->para_depth == c->stack.len) {
            oitem *top = &c->stack.items[c->stack.len - 1];
            if (top->has_text) buf_add_trimmed(&top->text, f, fn, '\n');
            if (top->task >= 0 && top->owner < 0 && c->mentions.len > before)
                top->owner = (long)before;
        }
    }
    touch(c, line);
}

static void body(pctx *c, size_t off, int line)
{
    const char *t = c->text;
    size_t len = c->len;
    while (off < len) {
        const char *q = memchr(t + off, '\n', len - off);
        size_t e = q ? (size_t)(q - t) : len;
        body_line(c, line, off, line_content_end(t, off, e));
        off = q ? e + 1 : len;
        line++;
    }
    items_pop_to(c, 0);
    quote_close(c);
    while (c->nh > 0) {
        const oheading *h = &c->hstack[--c->nh];
        if (h->sec >= 0) c->sections.items[h->sec].end_line = c->last_nb;
    }
}

/* ---------------------------------------------------------------- paths */

/* The path's components (empty and "." ones skipped). */
typedef struct {
    const char *p;
    size_t n;
} comp;

static size_t path_split(const char *path, comp *out, size_t max, size_t *total)
{
    size_t k = 0;
    *total = 0;
    const char *p = path;
    while (*p) {
        const char *q = strchr(p, '/');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        if (n && !(n == 1 && p[0] == '.')) {
            if (k < max) out[k++] = (comp){p, n};
            else memmove(out, out + 1, (max - 1) * sizeof *out), out[max - 1] = (comp){p, n};
            (*total)++;
        }
        if (!q) break;
        p = q + 1;
    }
    return k;
}

static int comp_is(comp c, const char *name)
{
    return c.n == strlen(name) && !ascii_ncasecmp(c.p, name, c.n);
}

static void path_defaults(pctx *c, const char *path, int type_set)
{
    parse_note *o = c->out;
    /* keep the last 64 components: deeper paths only lose their prefix */
    comp cs[64];
    size_t total, k = path_split(path ? path : "", cs, ARRAY_LEN(cs), &total);
    comp base = k ? cs[k - 1] : (comp){"", 0};
    comp stem = base;
    if (stem.n >= 3 && !ascii_ncasecmp(stem.p + stem.n - 3, ".md", 3)) stem.n -= 3;

    if (!type_set) {
        o->type = PARSE_NOTE;
        if (k >= 2 && comp_is(cs[k - 2], "clients")) {
            o->type = PARSE_CLIENT;
        } else {
            for (size_t i = 0; i + 1 < k; i++)
                if (comp_is(cs[i], "meetings")) o->type = PARSE_MEETING;
        }
    }
    if (o->type == PARSE_MEETING && !o->date && base.n >= 10 && date_valid(base.p, 10) &&
        (base.n == 10 || !is_digit((unsigned char)base.p[10])))
        o->date = xstrndup(base.p, 10);
    if (!o->client) {
        if (o->type == PARSE_CLIENT) {
            if (stem.n) o->client = ascii_lower_dup(stem.p, stem.n);
        } else {
            for (size_t i = k >= 3 ? k - 3 + 1 : 0; i-- > 0;)
                if (comp_is(cs[i], "clients") && cs[i + 1].n) {
                    o->client = ascii_lower_dup(cs[i + 1].p, cs[i + 1].n);
                    break;
                }
        }
    }
    if (!o->title) o->title = xstrndup(stem.p, stem.n);
}

/* ---------------------------------------------------------------- main */

int parse_note_text(const char *path, const char *text, size_t len, parse_note *out)
{
    pctx c;
    memset(&c, 0, sizeof c);
    memset(out, 0, sizeof *out);
    if (!text) len = 0, text = "";
    c.text = text;
    c.len = len;
    c.out = out;
    out->priority_cap = out->cadence = -1;

    int type_set = 0;
    size_t off = 0;
    int line = 1;
    if (frontmatter(&c, &type_set)) {
        off = out->fm.body_off;
        line = out->fm.end_line + 1;
    }
    body(&c, off, line);

    for (size_t i = 0; i < c.headings.len && !out->title; i++)
        if (c.headings.items[i].text[0]) out->title = xstrdup(c.headings.items[i].text);
    path_defaults(&c, path, type_set);
    if (!out->status) out->status = xstrdup("active");

    /* each section's items as one contiguous slice */
    item_vec items = {0};
    for (size_t i = 0; i < c.sections.len; i++) {
        parse_section *sec = &c.sections.items[i];
        item_vec *v = &c.sec_items[sec->kind];
        sec->first_item = items.len;
        sec->n_items = v->len;
        for (size_t j = 0; j < v->len; j++) VEC_PUSH(&items, v->items[j]);
        VEC_FREE(v);
    }

    out->tags = c.tags.items, out->n_tags = c.tags.len;
    out->mentions = c.mentions.items, out->n_mentions = c.mentions.len;
    out->headings = c.headings.items, out->n_headings = c.headings.len;
    out->sections = c.sections.items, out->n_sections = c.sections.len;
    out->items = items.items, out->n_items = items.len;
    out->tasks = c.tasks.items, out->n_tasks = c.tasks.len;
    out->quotes = c.quotes.items, out->n_quotes = c.quotes.len;
    out->dup_sections = c.dups.items, out->n_dup_sections = c.dups.len;

    VEC_FREE(&c.stack);
    VEC_FREE(&c.runs);
    VEC_FREE(&c.lastlen);
    buf_free(&c.quote);
    return 0;
}

void parse_note_free(parse_note *n)
{
    if (!n) return;
    free(n->fm.error);
    free(n->client);
    free(n->date);
    free(n->title);
    free(n->status);
    for (size_t i = 0; i < n->n_ignore; i++) free(n->ignore[i]);
    free(n->ignore);
    for (size_t i = 0; i < n->n_tags; i++) free(n->tags[i].name);
    free(n->tags);
    for (size_t i = 0; i < n->n_mentions; i++) free(n->mentions[i].name);
    free(n->mentions);
    for (size_t i = 0; i < n->n_headings; i++) free(n->headings[i].text);
    free(n->headings);
    free(n->sections);
    for (size_t i = 0; i < n->n_items; i++) free(n->items[i].text);
    free(n->items);
    for (size_t i = 0; i < n->n_tasks; i++) {
        free(n->tasks[i].text);
        free(n->tasks[i].owner);
        free(n->tasks[i].due);
    }
    free(n->tasks);
    for (size_t i = 0; i < n->n_quotes; i++) free(n->quotes[i].text);
    free(n->quotes);
    free(n->dup_sections);
    memset(n, 0, sizeof *n);
}

const parse_section *parse_find_section(const parse_note *note, int kind)
{
    for (size_t i = 0; i < note->n_sections; i++)
        if (note->sections[i].kind == kind) return &note->sections[i];
    return NULL;
}
