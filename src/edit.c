/* edit.c -- minimal, verified rewrites of notes and atomic, durable writes.
 *
 * Design invariants:
 *  - Every operation is pure: it reads the note's bytes and returns an
 *    edit_list of replacements of the ORIGINAL bytes; nothing else changes.
 *    Frontmatter edits touch only the `tags` value (or append one line / a
 *    new frontmatter); body edits touch only tag-name prefixes or whole item
 *    lines. Line endings are copied from the text, never normalised.
 *  - Every operation checks its own result by re-parsing it (tag sets,
 *    multiset of item texts, frontmatter bytes, final newline) and refuses
 *    with EDIT_EINTERNAL when the check fails: a bug costs an error message,
 *    never a user's text.
 *  - libyaml marks count characters, not bytes (FACTS.md): frontmatter
 *    positions go through a char -> byte table built from the YAML bytes.
 *  - The writer never changes a file in place: temp file in the target's
 *    directory, fsync, rename, directory fsync; any failure before the rename
 *    leaves the original untouched and removes the temp. Syscalls go through
 *    edit_syscalls so tests can fail each one.
 */
#include "edit.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "util.h"

/* ---------------------------------------------------------------- errors */

int edit_errorf(edit_error *err, int code, const char *fmt, ...)
{
    if (err) {
        err->code = code;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap); /* NOLINT(clang-analyzer-valist.Uninitialized) */
        va_end(ap);
    }
    return code;
}
#define fail edit_errorf

/* The start of every pure edit: `out` and `err` cleared, and the text
 * checked: the edits work on text the parser can read (parse.h), valid
 * UTF-8 without NUL bytes; anything else is refused, never rewritten. */
static int edit_begin(const char *text, size_t len, edit_list *out, edit_error *err)
{
    memset(out, 0, sizeof *out);
    if (err) memset(err, 0, sizeof *err);
    if (memchr(text, 0, len))
        return fail(err, EDIT_EINVAL, "the note holds NUL bytes (a binary file?): left unchanged");
    if (!utf8_valid(text, len))
        return fail(err, EDIT_EINVAL, "the note is not valid UTF-8: left unchanged");
    return 0;
}

void edit_error_free(edit_error *e)
{
    if (!e) return;
    for (size_t i = 0; i < e->n_items; i++) free(e->items[i].text);
    free(e->items);
    memset(e, 0, sizeof *e);
}

int edit_rpc_code(int code)
{
    switch (code) {
    case EDIT_OK: return 0;
    case EDIT_ENOTFOUND: return 3;
    case EDIT_ECONFLICT: return 4;
    case EDIT_EIO:
    case EDIT_EINTERNAL: return 5;
    default: return 1;
    }
}

/* ------------------------------------------------------------ line table */

/* Line i (0-based) spans [ls[i], ls[i + 1]); ls[n] == len. A final '\n'
 * does not start an extra line. */
typedef struct {
    size_t *ls;
    size_t n;
    const char *t;
    size_t len;
} ltab;

static void lt_init(ltab *lt, const char *t, size_t len)
{
    size_t cap = 16, n = 0;
    size_t *ls = xmalloc(cap * sizeof *ls);
    size_t off = 0;
    while (off < len) {
        if (n + 2 > cap) ls = xrealloc(ls, (cap *= 2) * sizeof *ls);
        ls[n++] = off;
        const char *q = memchr(t + off, '\n', len - off);
        off = q ? (size_t)(q - t) + 1 : len;
    }
    ls[n] = len;
    lt->ls = ls, lt->n = n, lt->t = t, lt->len = len;
}

static void lt_free(ltab *lt) { free(lt->ls), lt->ls = NULL; }

/* 1-based line -> start offset (line n + 1 -> len). */
static size_t lt_start(const ltab *lt, int line)
{
    if (line < 1) return 0;
    if ((size_t)line > lt->n) return lt->len;
    return lt->ls[line - 1];
}

/* End of the content of 1-based `line` (before "\n" or "\r\n"). */
static size_t lt_cend(const ltab *lt, int line)
{
    size_t s = lt_start(lt, line), e = lt_start(lt, line + 1);
    if (e > s && lt->t[e - 1] == '\n') e--;
    if (e > s && lt->t[e - 1] == '\r') e--;
    return e;
}

/* 1-based line holding byte `off` (off == len -> the last line, or 1). */
static int lt_line(const ltab *lt, size_t off)
{
    if (lt->n == 0) return 1;
    size_t lo = 0, hi = lt->n;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (lt->ls[mid] <= off) lo = mid;
        else hi = mid;
    }
    return (int)lo + 1;
}

static int lt_blank(const ltab *lt, int line)
{
    size_t s = lt_start(lt, line), e = lt_cend(lt, line);
    for (size_t i = s; i < e; i++)
        if (lt->t[i] != ' ' && lt->t[i] != '\t') return 0;
    return 1;
}

/* The file's line ending: that of its first line ("\n" when it has none). */
static const char *file_eol(const char *t, size_t len)
{
    const char *q = memchr(t, '\n', len);
    return (q && q > t && q[-1] == '\r') ? "\r\n" : "\n";
}

static int ends_nl(const char *t, size_t len) { return len > 0 && t[len - 1] == '\n'; }

/* ------------------------------------------------------------- edit list */

void edit_list_free(edit_list *e)
{
    if (!e) return;
    for (size_t i = 0; i < e->n; i++) free(e->r[i].text);
    free(e->r);
    memset(e, 0, sizeof *e);
}

static void el_add(edit_list *e, size_t start, size_t end, const char *text, size_t n)
{
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 8;
        e->r = xrealloc(e->r, e->cap * sizeof *e->r);
    }
    edit_repl *r = &e->r[e->n++];
    r->start = start;
    r->end = end;
    r->text = xstrndup(text ? text : "", n);
    r->len = n;
}

/* Stable order: by start, then end, then the order they were added (two
 * insertions at one point keep theirs). */
typedef struct {
    const edit_repl *r;
    size_t seq;
} repl_key;

static int repl_cmp(const void *a, const void *b)
{
    const repl_key *x = a, *y = b;
    if (x->r->start != y->r->start) return x->r->start < y->r->start ? -1 : 1;
    if (x->r->end != y->r->end) return x->r->end < y->r->end ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void el_sort(edit_list *e)
{
    if (e->n < 2) return;
    repl_key *k = xmalloc(e->n * sizeof *k);
    for (size_t i = 0; i < e->n; i++) k[i].r = &e->r[i], k[i].seq = i;
    qsort(k, e->n, sizeof *k, repl_cmp);
    edit_repl *v = xmalloc(e->n * sizeof *v);
    for (size_t i = 0; i < e->n; i++) v[i] = *k[i].r;
    memcpy(e->r, v, e->n * sizeof *v);
    free(v);
    free(k);
}

/* Sorts, drops no-op replacements, merges touching ones at the same point,
 * and keeps "no final newline" files without one. Returns 0, or -1 when two
 * ranges overlap (a bug: the caller refuses). */
/* Bytes of a leading UTF-8 byte order mark. */
static size_t bom_len(const char *t, size_t len)
{
    return len >= 3 && !memcmp(t, "\xEF\xBB\xBF", 3) ? 3 : 0;
}

static int el_finish(edit_list *e, const char *t, size_t len)
{
    el_sort(e);
    size_t k = 0;
    for (size_t i = 0; i < e->n; i++) {
        edit_repl *r = &e->r[i];
        if (r->end - r->start == r->len && !memcmp(t + r->start, r->text, r->len)) {
            free(r->text);
            continue;
        }
        if (k > 0) {
            edit_repl *p = &e->r[k - 1];
            if (r->start < p->end) {
                free(r->text);
                for (size_t j = i + 1; j < e->n; j++) free(e->r[j].text);
                e->n = k;
                return -1;
            }
            if (r->start == p->end) { /* touching ranges: one replacement */
                /* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): texts are distinct (el_add), el_sort permutes */
                p->text = xrealloc(p->text, p->len + r->len + 1);
                memcpy(p->text + p->len, r->text, r->len + 1);
                p->len += r->len;
                p->end = r->end;
                free(r->text);
                continue;
            }
        }
        e->r[k++] = *r;
    }
    e->n = k;

    /* a file without a final newline keeps none (an empty one, BOM or not,
     * gets the new text as it is) */
    if (k && len > bom_len(t, len) && !ends_nl(t, len) && e->r[k - 1].end == len) {
        edit_repl *r = &e->r[k - 1];
        const char *eol = file_eol(t, len);
        size_t el = strlen(eol);
        if (r->start == len) { /* insertion after the unterminated last line */
            size_t n = r->len;
            if (n >= el && !memcmp(r->text + n - el, eol, el)) n -= el;
            /* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): texts are distinct (el_add), el_sort permutes */
            else if (n && r->text[n - 1] == '\n') n--;
            char *nt = xmalloc(el + n + 1);
            memcpy(nt, eol, el);
            /* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): as above */
            memcpy(nt + el, r->text, n);
            nt[el + n] = '\0';
            free(r->text);
            r->text = nt;
            r->len = el + n;
        } else if (r->len && r->text[r->len - 1] == '\n') { /* NOLINT(clang-analyzer-unix.Malloc): as above */
            /* the line break the edit added: the file's eol, else a '\n'
             * ("x\r" + "\n" is a '\r' of the user's then a break) */
            if (r->len >= el && !memcmp(r->text + r->len - el, eol, el)) r->len -= el;
            else r->len--;
            r->text[r->len] = '\0';
        } else if (r->len == 0 && r->start > 0 && t[r->start - 1] == '\n') {
            size_t s = r->start - 1;
            if (s > 0 && t[s - 1] == '\r') s--;
            if (k >= 2 && e->r[k - 2].end > s) return -1;
            r->start = s;
        }
    }
    return 0;
}

char *edit_apply(const char *text, size_t len, const edit_list *e, size_t *out_len)
{
    buf_t b = {0};
    buf_reserve(&b, len + 1);
    size_t pos = 0;
    for (size_t i = 0; i < e->n; i++) {
        const edit_repl *r = &e->r[i];
        buf_add(&b, text + pos, r->start - pos);
        buf_add(&b, r->text, r->len);
        pos = r->end;
    }
    buf_add(&b, text + pos, len - pos);
    buf_cstr(&b);
    if (out_len) *out_len = b.len;
    return b.data;
}

/* ---------------------------------------------------------- buffer edits */

int edit_dos_format(const char *text, size_t len)
{
    int any = 0;
    for (const char *p = text, *end = text + len; (p = memchr(p, '\n', (size_t)(end - p)));
         p++) {
        if (p == text || p[-1] != '\r') return 0;
        any = 1;
    }
    return any;
}

/* Byte offset -> buffer position. */
static void buf_pos(const ltab *lt, int dos, size_t off, int *line, int *col)
{
    int l = lt_line(lt, off);
    size_t s = lt_start(lt, l);
    size_t e = lt_start(lt, l + 1); /* content end for a unix buffer: before '\n' */
    if (e > s && lt->t[e - 1] == '\n') e--;
    if (dos && e > s && lt->t[e - 1] == '\r' && e < lt->len && lt->t[e] == '\n') e--;
    if (off > e) off = e;
    *line = l - 1;
    *col = (int)(off - s);
}

static char *strip_cr(const char *s, size_t n, size_t *out_n)
{
    char *o = xmalloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') continue;
        o[k++] = s[i];
    }
    o[k] = '\0';
    *out_n = k;
    return o;
}

size_t edit_to_buffer(const char *text, size_t len, const edit_list *e, int dos,
                      edit_buf_edit **out)
{
    ltab lt;
    lt_init(&lt, text, len);
    edit_buf_edit *v = xcalloc(e->n ? e->n : 1, sizeof *v);
    /* the buffer has no line after the final newline: a range that reaches
     * the end of such a text is moved before that newline */
    size_t fin = len;
    if (ends_nl(text, len)) {
        fin = len - 1;
        if (dos && fin > 0 && text[fin - 1] == '\r') fin--;
    }
    size_t feol = len - fin;
    for (size_t i = 0; i < e->n; i++) {
        const edit_repl *r = &e->r[i];
        size_t s = r->start, en = r->end;
        const char *t = r->text;
        size_t tn = r->len;
        char *tmp = NULL;
        if (len == 0 && tn && t[tn - 1] == '\n') {
            /* an empty file is one empty line: the text's last line takes
             * it, and its final line break is the buffer's 'eol' */
            tn--;
            if (tn && t[tn - 1] == '\r' && dos) tn--;
        } else if (feol && en == len) {
            if (s == len) { /* insertion after the last line: "\n" + text minus its eol */
                s = en = fin;
                size_t n = tn;
                if (n && t[n - 1] == '\n') n--;
                if (n && t[n - 1] == '\r' && dos) n--;
                tmp = xmalloc(feol + n + 1);
                memcpy(tmp, text + fin, feol);
                memcpy(tmp + feol, t, n);
                tn = feol + n;
                tmp[tn] = '\0';
                t = tmp;
            } else if (tn && t[tn - 1] == '\n') {
                en = fin;
                tn--;
                if (tn && t[tn - 1] == '\r' && dos) tn--;
            } else if (tn == 0 && s > 0 && text[s - 1] == '\n') {
                en = fin; /* whole lines to the end: also drop the break before them */
                s--;
                if (dos && s > 0 && text[s - 1] == '\r') s--;
            } else {
                en = fin;
            }
        }
        buf_pos(&lt, dos, s, &v[i].start_line, &v[i].start_col);
        buf_pos(&lt, dos, en, &v[i].end_line, &v[i].end_col);
        if (dos) {
            v[i].text = strip_cr(t, tn, &v[i].len);
        } else {
            v[i].text = xstrndup(t, tn);
            v[i].len = tn;
        }
        free(tmp);
    }
    lt_free(&lt);
    *out = v;
    return e->n;
}

void edit_buf_edits_free(edit_buf_edit *v, size_t n)
{
    for (size_t i = 0; i < n; i++) free(v[i].text);
    free(v);
}

/* ---------------------------------------------------------------- preview */

static char *lines_text(const char *s, size_t n)
{
    size_t k;
    char *o = strip_cr(s, n, &k);
    if (k && o[k - 1] == '\n') o[--k] = '\0';
    if (k && o[k - 1] == '\r') o[--k] = '\0';
    return o;
}

size_t edit_changes(const char *text, size_t len, const edit_list *e, edit_change **out)
{
    ltab lt;
    lt_init(&lt, text, len);
    VEC(edit_change) v = {0};
    size_t i = 0;
    while (i < e->n) {
        int l1 = lt_line(&lt, e->r[i].start);
        int l2 = lt_line(&lt, e->r[i].end > e->r[i].start ? e->r[i].end - 1 : e->r[i].start);
        size_t j = i + 1;
        while (j < e->n && lt_line(&lt, e->r[j].start) <= l2) {
            const edit_repl *r = &e->r[j];
            int le = lt_line(&lt, r->end > r->start ? r->end - 1 : r->start);
            if (le > l2) l2 = le;
            j++;
        }
        size_t rs = lt_start(&lt, l1), re = lt_start(&lt, l2 + 1);
        if (e->r[i].start == len && ends_nl(text, len)) rs = re = len, l1 = (int)lt.n + 1;
        buf_t a = {0};
        size_t pos = rs;
        for (size_t k = i; k < j; k++) {
            buf_add(&a, text + pos, e->r[k].start - pos);
            buf_add(&a, e->r[k].text, e->r[k].len);
            pos = e->r[k].end;
        }
        if (pos < re) buf_add(&a, text + pos, re - pos);
        edit_change c;
        c.line = l1;
        c.before = lines_text(text + rs, re - rs);
        c.after = lines_text(a.data ? a.data : "", a.len);
        buf_free(&a);
        VEC_PUSH(&v, c);
        i = j;
    }
    lt_free(&lt);
    *out = v.items;
    return v.len;
}

void edit_changes_free(edit_change *v, size_t n)
{
    for (size_t i = 0; i < n; i++) free(v[i].before), free(v[i].after);
    free(v);
}

/* ------------------------------------------------- frontmatter `tags` view */

enum { YS_PLAIN = 0, YS_SINGLE, YS_DOUBLE };
enum { TK_ABSENT = 0, TK_NULL, TK_SCALAR, TK_FLOW, TK_BLOCK };

typedef struct {
    size_t beg, end;   /* the scalar as written (quotes included) */
    char *val;         /* its value */
    size_t vlen;
    int style;         /* YS_* */
} yscalar;

typedef struct {
    int present;               /* the note has frontmatter */
    size_t ybeg, yend;         /* the YAML bytes; yend = start of the closing line */
    size_t indent_beg, indent_len; /* indentation of the root mapping's keys */
    int kind;                  /* TK_* */
    size_t key_beg, key_end, colon;
    size_t lb, rb;             /* flow: offsets of '[' and ']' */
    VEC(yscalar) items;        /* flow/block list items */
    yscalar scalar;            /* TK_SCALAR, TK_NULL (a `~`/`null` token or empty) */
    int have_scalar;
    int more_docs;             /* a `...` or `---` marker ends the first YAML document
                                  (the parser reads that one only): yend is not in it */
} fmx;

static void fmx_free(fmx *x)
{
    for (size_t i = 0; i < x->items.len; i++) free(x->items.items[i].val);
    VEC_FREE(&x->items);
    free(x->scalar.val);
    memset(x, 0, sizeof *x);
}

typedef struct {
    const char *t;
    size_t ybeg;
    size_t *cb;    /* char index -> byte offset (whole text) */
    size_t nc;
} cmap;

static size_t cm_byte(const cmap *m, size_t ci) { return m->cb[ci < m->nc ? ci : m->nc]; }

static int ys_null(const yscalar *s)
{
    if (s->style != YS_PLAIN) return 0;
    return s->vlen == 0 || (s->vlen == 1 && s->val[0] == '~') ||
           (s->vlen == 4 && (!strcmp(s->val, "null") || !strcmp(s->val, "Null") ||
                             !strcmp(s->val, "NULL")));
}

static int ys_take(const cmap *m, const yaml_event_t *ev, yscalar *s)
{
    yaml_scalar_style_t st = ev->data.scalar.style;
    if (st == YAML_LITERAL_SCALAR_STYLE || st == YAML_FOLDED_SCALAR_STYLE) return 0;
    s->style = st == YAML_SINGLE_QUOTED_SCALAR_STYLE ? YS_SINGLE
             : st == YAML_DOUBLE_QUOTED_SCALAR_STYLE ? YS_DOUBLE : YS_PLAIN;
    s->vlen = ev->data.scalar.length;
    s->val = xstrndup((const char *)ev->data.scalar.value, s->vlen);
    s->beg = cm_byte(m, ev->start_mark.index);
    s->end = cm_byte(m, ev->end_mark.index);
    if (s->end < s->beg) s->end = s->beg;
    return 1;
}

/* Skips the rest of a node that began with an event of type `t`. */
static int y_skip(yaml_parser_t *p, yaml_event_type_t t)
{
    long depth = (t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT);
    while (depth > 0) {
        yaml_event_t ev;
        if (!yaml_parser_parse(p, &ev)) return 0;
        if (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT) depth++;
        else if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT) depth--;
        else if (ev.type == YAML_STREAM_END_EVENT) depth = 0;
        yaml_event_delete(&ev);
    }
    return 1;
}

#define FM_REFUSE(...) do { rc = fail(err, EDIT_EFM, __VA_ARGS__); goto done; } while (0)

/* Reads the `tags` entry of the frontmatter. The note must have parsed
 * without a frontmatter error. */
static int fmx_load(const char *t, size_t len, const parse_note *pn, const ltab *lt, fmx *x,
                    edit_error *err)
{
    memset(x, 0, sizeof *x);
    if (!pn->fm.present) return 0;
    if (pn->fm.error)
        return fail(err, EDIT_EFM, "the frontmatter does not parse (line %d: %s); fix it first",
                    pn->fm.error_line, pn->fm.error);
    x->present = 1;
    x->ybeg = lt_start(lt, 2);
    x->yend = lt_start(lt, pn->fm.end_line);
    UNUSED(len);
    /* libyaml skips a U+FEFF at the start of its input and counts the rest
     * in characters: positions after one would point at the wrong bytes */
    if (memmem(t + x->ybeg, x->yend - x->ybeg, "\xEF\xBB\xBF", 3))
        return fail(err, EDIT_EFM, "the frontmatter holds a byte order mark (U+FEFF); remove it first");

    cmap m = {t, x->ybeg, NULL, 0};
    size_t yl = x->yend - x->ybeg;
    m.cb = xmalloc((yl + 2) * sizeof *m.cb);
    for (size_t i = x->ybeg; i < x->yend; i++)
        if (((unsigned char)t[i] & 0xC0) != 0x80) m.cb[m.nc++] = i;
    m.cb[m.nc] = x->yend;

    int rc = 0, parser_ok = 0, found = 0, first_key = 1;
    yaml_parser_t p;
    yaml_event_t ev;
    if (!yaml_parser_initialize(&p)) FM_REFUSE("cannot initialise the YAML parser");
    parser_ok = 1;
    yaml_parser_set_input_string(&p, (const unsigned char *)t + x->ybeg, yl);
    for (;;) { /* to the root node */
        if (!yaml_parser_parse(&p, &ev)) FM_REFUSE("the frontmatter does not parse");
        yaml_event_type_t et = ev.type;
        int flow = et == YAML_MAPPING_START_EVENT &&
                   ev.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
        yaml_event_delete(&ev);
        if (et == YAML_STREAM_END_EVENT) goto done; /* empty frontmatter */
        if (et == YAML_STREAM_START_EVENT || et == YAML_DOCUMENT_START_EVENT) continue;
        if (et != YAML_MAPPING_START_EVENT)
            FM_REFUSE("the frontmatter is not a list of `key: value` lines");
        if (flow) FM_REFUSE("the frontmatter is a flow mapping `{...}`; cannot edit it");
        break;
    }
    for (;;) { /* the root mapping's entries */
        if (!yaml_parser_parse(&p, &ev)) FM_REFUSE("the frontmatter does not parse");
        yaml_event_type_t et = ev.type;
        if (et == YAML_MAPPING_END_EVENT || et == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            if (et == YAML_MAPPING_END_EVENT) {
                if (!yaml_parser_parse(&p, &ev)) FM_REFUSE("the frontmatter does not parse");
                x->more_docs = ev.type != YAML_DOCUMENT_END_EVENT || !ev.data.document_end.implicit;
                yaml_event_delete(&ev);
                if (!x->more_docs) {
                    if (!yaml_parser_parse(&p, &ev)) FM_REFUSE("the frontmatter does not parse");
                    x->more_docs = ev.type != YAML_STREAM_END_EVENT;
                    yaml_event_delete(&ev);
                }
            }
            break;
        }
        int is_tags = 0;
        size_t kb = 0, ke = 0;
        if (et == YAML_SCALAR_EVENT) {
            kb = cm_byte(&m, ev.start_mark.index);
            ke = cm_byte(&m, ev.end_mark.index);
            is_tags = !found && ev.data.scalar.length == 4 &&
                      !ascii_ncasecmp((const char *)ev.data.scalar.value, "tags", 4);
            if (first_key) {
                size_t ls = lt_start(lt, lt_line(lt, kb));
                x->indent_beg = ls;
                x->indent_len = kb - ls;
                first_key = 0;
            }
        }
        yaml_event_delete(&ev);
        if (et != YAML_SCALAR_EVENT && !y_skip(&p, et))
            FM_REFUSE("the frontmatter does not parse");
        /* the value */
        if (!yaml_parser_parse(&p, &ev)) FM_REFUSE("the frontmatter does not parse");
        et = ev.type;
        if (!is_tags) {
            yaml_event_delete(&ev);
            if (!y_skip(&p, et)) FM_REFUSE("the frontmatter does not parse");
            continue;
        }
        found = 1;
        x->key_beg = kb, x->key_end = ke;
        size_t c = ke;
        while (c < x->yend && (t[c] == ' ' || t[c] == '\t')) c++;
        if (c >= x->yend || t[c] != ':') {
            yaml_event_delete(&ev);
            FM_REFUSE("the `tags` key is not written `tags:`; cannot edit it");
        }
        x->colon = c;
        /* an anchor (&a) or a YAML tag (!x, !!str) on the value: its text
         * is not where the value's marks say an edit could go */
        if ((et == YAML_SCALAR_EVENT && (ev.data.scalar.anchor || ev.data.scalar.tag)) ||
            (et == YAML_SEQUENCE_START_EVENT &&
             (ev.data.sequence_start.anchor || ev.data.sequence_start.tag))) {
            yaml_event_delete(&ev);
            FM_REFUSE("`tags` carries a YAML anchor (&) or tag (!); remove it first");
        }
        if (et == YAML_SCALAR_EVENT) {
            int ok = ys_take(&m, &ev, &x->scalar);
            yaml_event_delete(&ev);
            if (!ok) FM_REFUSE("`tags` is a block scalar (| or >); write it as a list");
            x->have_scalar = 1;
            x->kind = ys_null(&x->scalar) ? TK_NULL : TK_SCALAR;
            if (x->kind == TK_NULL && x->scalar.vlen == 0) x->scalar.beg = x->scalar.end = c + 1;
        } else if (et == YAML_SEQUENCE_START_EVENT) {
            int flow = ev.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
            size_t sb = cm_byte(&m, ev.start_mark.index);
            yaml_event_delete(&ev);
            x->kind = flow ? TK_FLOW : TK_BLOCK;
            for (;;) {
                if (!yaml_parser_parse(&p, &ev)) FM_REFUSE("the frontmatter does not parse");
                if (ev.type == YAML_SEQUENCE_END_EVENT) {
                    x->rb = cm_byte(&m, ev.end_mark.index);
                    yaml_event_delete(&ev);
                    break;
                }
                if (ev.type != YAML_SCALAR_EVENT) {
                    yaml_event_delete(&ev);
                    FM_REFUSE("`tags` holds nested lists or maps; cannot edit it");
                }
                if (ev.data.scalar.anchor || ev.data.scalar.tag) {
                    yaml_event_delete(&ev);
                    FM_REFUSE("a `tags` item carries a YAML anchor (&) or tag (!); remove it first");
                }
                yscalar s;
                memset(&s, 0, sizeof s);
                int ok = ys_take(&m, &ev, &s);
                yaml_event_delete(&ev);
                if (!ok) FM_REFUSE("`tags` holds a block scalar (| or >); cannot edit it");
                VEC_PUSH(&x->items, s);
            }
            if (flow) {
                x->lb = sb;
                if (x->rb == 0 || t[sb] != '[' || t[x->rb - 1] != ']')
                    FM_REFUSE("cannot locate the brackets of the `tags` list");
                x->rb--;
            }
        } else {
            yaml_event_delete(&ev);
            FM_REFUSE("`tags` is a map or an alias; write it as a list");
        }
        /* an anchor or a YAML tag before an item would sit in our way */
        for (size_t i = 0; i < x->items.len; i++) {
            const yscalar *s = &x->items.items[i];
            if (s->style == YS_PLAIN && (s->end - s->beg != s->vlen ||
                                         memcmp(t + s->beg, s->val, s->vlen)))
                FM_REFUSE("a `tags` item spans lines or carries an anchor; cannot edit it");
        }
    }
done:
    if (parser_ok) yaml_parser_delete(&p);
    free(m.cb);
    if (rc) fmx_free(x);
    return rc;
}

/* ------------------------------------------------------------ tag values */

/* A tag argument: `name` is the normalised (lowercase) form, `w` what we
 * write (as given, without '#' and trailing '/'). */
typedef struct {
    char *name;
    char *w;
} targ;

static void targs_free(targ *v, size_t n)
{
    for (size_t i = 0; i < n; i++) free(v[i].name), free(v[i].w);
    free(v);
}

static int targ_make(const char *s, targ *out, edit_error *err)
{
    size_t n = strlen(s);
    char *norm = parse_tag_normalize(s, n);
    if (!norm)
        return fail(err, EDIT_EINVAL,
                    "invalid tag name '%s' (letters, digits, _ - / and a letter at least)", s);
    if (n && s[0] == '#') s++, n--;
    while (n && s[n - 1] == '/') n--;
    out->name = norm;
    out->w = xstrndup(s, n);
    return 0;
}

/* Normalised tag names of a list item or a single-string piece (NULL if not a tag). */
static char *item_tag(const char *v, size_t n)
{
    while (n && (*v == ' ' || *v == '\t')) v++, n--;
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t')) n--;
    return parse_tag_normalize(v, n);
}

/* Would a plain scalar `v` read back as the same string? (tag names only
 * hold letters, digits, _ - / and non-ASCII) */
static int plain_ok(const char *v, size_t n)
{
    if (!n || v[0] == '-' || v[0] == '#') return 0;
    if (n == 4 && (!memcmp(v, "null", 4) || !memcmp(v, "Null", 4) || !memcmp(v, "NULL", 4)))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (strchr(",[]{}#:'\"&*!|>%@`? \t", v[i])) return 0;
    return 1;
}

static void put_scalar(buf_t *b, const char *v, size_t n, int style)
{
    if (style == YS_PLAIN && plain_ok(v, n)) {
        buf_add(b, v, n);
        return;
    }
    char q = style == YS_SINGLE ? '\'' : '"';
    buf_addc(b, q);
    for (size_t i = 0; i < n; i++) {
        if (q == '\'' && v[i] == '\'') buf_addc(b, '\'');
        if (q == '"' && (v[i] == '"' || v[i] == '\\')) buf_addc(b, '\\');
        buf_addc(b, v[i]);
    }
    buf_addc(b, q);
}

/* A new item written like `like` (quoting and a quoted '#' prefix). */
static void put_item(buf_t *b, const char *w, const yscalar *like)
{
    int style = like ? like->style : YS_PLAIN;
    if (like && style != YS_PLAIN && like->vlen && like->val[0] == '#') {
        buf_t v = {0};
        buf_addc(&v, '#');
        buf_adds(&v, w);
        put_scalar(b, v.data, v.len, style);
        buf_free(&v);
        return;
    }
    put_scalar(b, w, strlen(w), style);
}

/* The pieces of a single-string value (split like the parser does). */
typedef struct {
    const char *p;
    size_t n;
} piece;

static size_t split_pieces(const char *v, size_t n, piece **out)
{
    VEC(piece) ps = {0};
    size_t i = 0;
    while (i < n) {
        while (i < n && strchr(", \t\n", v[i])) i++;
        size_t j = i;
        while (j < n && !strchr(", \t\n", v[j])) j++;
        if (j > i) {
            piece pc = {v + i, j - i};
            VEC_PUSH(&ps, pc);
        }
        i = j;
    }
    *out = ps.items;
    return ps.len;
}

/* ------------------------------------------------------ self-verification */

typedef VEC(char *) strv;

static void strv_free(strv *v)
{
    for (size_t i = 0; i < v->len; i++) free(v->items[i]);
    VEC_FREE(v);
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted (optionally distinct) names of the note's tags, fm or body. */
static void tag_names(const parse_note *n, int fm, int distinct, strv *out)
{
    for (size_t i = 0; i < n->n_tags; i++)
        if (n->tags[i].fm == fm) VEC_PUSH(out, xstrdup(n->tags[i].name));
    if (out->len) qsort(out->items, out->len, sizeof *out->items, str_cmp);
    if (distinct && out->len) {
        size_t k = 1;
        for (size_t i = 1; i < out->len; i++) {
            if (strcmp(out->items[i], out->items[k - 1])) out->items[k++] = out->items[i];
            else free(out->items[i]);
        }
        out->len = k;
    }
}

static int strv_eq(const strv *a, const strv *b)
{
    if (a->len != b->len) return 0;
    for (size_t i = 0; i < a->len; i++)
        if (strcmp(a->items[i], b->items[i])) return 0;
    return 1;
}

static void strv_sort_uniq(strv *v)
{
    if (!v->len) return;
    qsort(v->items, v->len, sizeof *v->items, str_cmp);
    size_t k = 1;
    for (size_t i = 1; i < v->len; i++) {
        if (strcmp(v->items[i], v->items[k - 1])) v->items[k++] = v->items[i];
        else free(v->items[i]);
    }
    v->len = k;
}

/* Finishes `out` and checks the result: it keeps the final-newline state
 * and, when given, its frontmatter parses, its distinct frontmatter tags are
 * `want_fm` and its body tags (a multiset) `want_body`. Without `want_fm`
 * (cap, promote) the frontmatter is the caller's to check: those edits keep
 * its bytes, even when they do not parse. */
static int finish_check(const char *t, size_t len, edit_list *out, const strv *want_fm,
                        const strv *want_body, edit_error *err, const char *what)
{
    if (el_finish(out, t, len) < 0) {
        edit_list_free(out);
        return fail(err, EDIT_EINTERNAL, "%s: overlapping edits (a bug); nothing changed", what);
    }
    if (!out->n) return 0;
    size_t nl;
    char *nt = edit_apply(t, len, out, &nl);
    parse_note pn;
    parse_note_text("", nt, nl, &pn);
    int ok = (!want_fm || !pn.fm.error) &&
             (len == bom_len(t, len) || ends_nl(t, len) == ends_nl(nt, nl));
    if (ok && want_fm) {
        strv got = {0};
        tag_names(&pn, 1, 1, &got);
        ok = strv_eq(&got, want_fm);
        strv_free(&got);
    }
    if (ok && want_body) {
        strv got = {0};
        tag_names(&pn, 0, 0, &got);
        ok = strv_eq(&got, want_body);
        strv_free(&got);
    }
    parse_note_free(&pn);
    free(nt);
    if (!ok) {
        edit_list_free(out);
        return fail(err, EDIT_EINTERNAL,
                    "%s: the result did not check out (a bug); nothing changed", what);
    }
    return 0;
}

/* ------------------------------------------------------------ list surgery */

/* Is [a, b) free of comments? (a '#' outside every item of the list) */
static int no_comment(const char *t, const fmx *x, size_t a, size_t b)
{
    for (size_t i = a; i < b; i++) {
        if (t[i] != '#') continue;
        int inside = 0;
        for (size_t k = 0; k < x->items.len && !inside; k++)
            inside = i >= x->items.items[k].beg && i < x->items.items[k].end;
        if (!inside) return 0;
    }
    return 1;
}

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Removes the flagged items of a flow list (at least one kept, or none: then
 * the brackets' inside becomes its leading blanks, as `add` left it). */
static int flow_remove(const char *t, const fmx *x, const int *drop, edit_list *out,
                       edit_error *err)
{
    size_t n = x->items.len, kept = 0;
    const yscalar *it = x->items.items;
    for (size_t i = 0; i < n; i++) kept += !drop[i];
    if (!kept) {
        size_t l = x->lb + 1, tr = x->rb;
        while (l < x->rb && is_ws(t[l])) l++;
        while (tr > x->lb + 1 && is_ws(t[tr - 1])) tr--;
        if (!no_comment(t, x, x->lb + 1, x->rb))
            return fail(err, EDIT_EFM, "comments inside the `tags` list; edit it by hand");
        size_t ln = l - (x->lb + 1), tn = x->rb - tr;
        buf_t b = {0};
        if (tr < l) tn = 0; /* all blank: l == rb, tr == lb + 1 */
        buf_add(&b, t + x->lb + 1, ln);
        if (!(tn == ln && !memcmp(t + tr, t + x->lb + 1, ln) && !memchr(t + tr, '\n', tn)))
            buf_add(&b, t + tr, tn);
        el_add(out, x->lb + 1, x->rb, b.data, b.len);
        buf_free(&b);
        return 0;
    }
    for (size_t i = 0; i < n;) {
        if (!drop[i]) {
            i++;
            continue;
        }
        size_t j = i;
        while (j + 1 < n && drop[j + 1]) j++;
        size_t a1 = i > 0 ? it[i - 1].end : 0, b1 = it[j].end;
        size_t a2 = it[i].beg, b2 = j + 1 < n ? it[j + 1].beg : 0;
        if (i > 0 && no_comment(t, x, a1, b1)) el_add(out, a1, b1, "", 0);
        else if (j + 1 < n && no_comment(t, x, a2, b2)) el_add(out, a2, b2, "", 0);
        else return fail(err, EDIT_EFM, "comments inside the `tags` list; edit it by hand");
        i = j + 1;
    }
    return 0;
}

/* Is block list item `s` written on its dash's line (blanks, one '-',
 * blanks, the value)? The block edits work on such lines: for "-" alone
 * with the value on the next line, that line is no item line to copy (an
 * item after it in its indentation would continue the value) nor to remove
 * (the "-" would stay, a null item). *dash: the dash's offset. */
static int dash_line(const ltab *lt, const yscalar *s, size_t *dash)
{
    const char *t = lt->t;
    size_t k = lt_start(lt, lt_line(lt, s->beg));
    while (k < s->beg && (t[k] == ' ' || t[k] == '\t')) k++;
    *dash = k;
    int ok = k < s->beg && t[k] == '-';
    for (size_t i = k + 1; ok && i < s->beg; i++) ok = t[i] == ' ' || t[i] == '\t';
    return ok;
}

/* Removes the flagged items of a block list: their whole lines; when none
 * is left, ` []` goes right after the colon. Refused (EDIT_EFM) when a
 * flagged item is not on its dash's line. */
static int block_remove(const ltab *lt, const fmx *x, const int *drop, edit_list *out,
                        edit_error *err)
{
    size_t n = x->items.len, kept = 0;
    for (size_t i = 0; i < n; i++) {
        kept += !drop[i];
        if (!drop[i]) continue;
        const yscalar *s = &x->items.items[i];
        size_t dash;
        if (!dash_line(lt, s, &dash))
            return fail(err, EDIT_EFM,
                        "the `tags` item at line %d is not on the line of its dash; write it "
                        "as `- value` first",
                        lt_line(lt, s->beg));
        int l1 = lt_line(lt, s->beg), l2 = lt_line(lt, s->end > s->beg ? s->end - 1 : s->beg);
        el_add(out, lt_start(lt, l1), lt_start(lt, l2 + 1), "", 0);
    }
    if (!kept) el_add(out, x->colon + 1, x->colon + 1, " []", 3);
    return 0;
}

/* The separator a flow list uses between items (", " when unknown). */
static void flow_sep(const char *t, const fmx *x, buf_t *sep)
{
    size_t n = x->items.len;
    if (n >= 2) {
        size_t a = x->items.items[n - 2].end, b = x->items.items[n - 1].beg;
        int commas = 0, ok = 1;
        for (size_t i = a; i < b; i++) {
            if (t[i] == ',') commas++;
            else if (!is_ws(t[i])) ok = 0;
        }
        if (ok && commas == 1) {
            buf_add(sep, t + a, b - a);
            return;
        }
    }
    buf_adds(sep, ", ");
}

/* ----------------------------------------------------------------- tag add */

static const yscalar *last_item(const fmx *x)
{
    return x->items.len ? &x->items.items[x->items.len - 1] : NULL;
}

/* Writes "[a, b]" for the values of a single string plus the new ones. The
 * new ones are written like the list's last item as it comes out (quoting
 * and a quoted '#'), as tag add does on a flow list: a plain value that
 * needs quotes in a flow list ("r[") comes out quoted, and so the tags added
 * after it, else removing the new tag and adding it again would quote it. */
static void scalar_to_flow(const char *t, const fmx *x, const piece *ps, size_t np,
                           const int *drop, const char *const *add, size_t nadd, buf_t *b)
{
    const yscalar *s = &x->scalar;
    size_t k = 0;
    yscalar like = {0};
    like.style = s->style;
    buf_addc(b, '[');
    if (np == 1 && !(drop && drop[0]) && s->style != YS_PLAIN) {
        buf_add(b, t + s->beg, s->end - s->beg); /* one quoted value: as written */
        like.val = s->val, like.vlen = s->vlen;
        k++;
    } else {
        for (size_t i = 0; i < np; i++) {
            if (drop && drop[i]) continue;
            if (k++) buf_adds(b, ", ");
            put_scalar(b, ps[i].p, ps[i].n, s->style);
            like.val = (char *)ps[i].p, like.vlen = ps[i].n;
            like.style = s->style != YS_PLAIN || plain_ok(ps[i].p, ps[i].n) ? s->style : YS_DOUBLE;
        }
    }
    for (size_t i = 0; i < nadd; i++) {
        if (k++) buf_adds(b, ", ");
        put_item(b, add[i], &like);
    }
    buf_addc(b, ']');
}

static int parse_args(const char *const *tags, size_t n, targ **out, size_t *nout,
                      edit_error *err)
{
    targ *v = xcalloc(n ? n : 1, sizeof *v);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        targ a;
        int rc = targ_make(tags[i], &a, err);
        if (rc) {
            targs_free(v, k);
            return rc;
        }
        int dup = 0;
        for (size_t j = 0; j < k && !dup; j++) dup = !strcmp(v[j].name, a.name);
        if (dup) {
            free(a.name), free(a.w);
            continue;
        }
        v[k++] = a;
    }
    *out = v;
    *nout = k;
    return 0;
}

/* Current frontmatter tag names (normalised, distinct, sorted). */
static void fm_names(const parse_note *pn, strv *out) { tag_names(pn, 1, 1, out); }

int edit_tag_add(const char *text, size_t len, const char *const *tags, size_t n_tags,
                 edit_list *out, edit_error *err)
{
    if (edit_begin(text, len, out, err)) return EDIT_EINVAL;
    targ *args = NULL;
    size_t na = 0;
    int rc = parse_args(tags, n_tags, &args, &na, err);
    if (rc) return rc;
    parse_note pn;
    parse_note_text("", text, len, &pn);
    ltab lt;
    lt_init(&lt, text, len);
    fmx x;
    strv want = {0};
    VEC(const char *) add = {0};
    buf_t b = {0};
    rc = fmx_load(text, len, &pn, &lt, &x, err);
    if (rc) goto done;

    /* what is missing from the frontmatter list */
    for (size_t i = 0; i < na; i++) {
        int have = 0;
        for (size_t j = 0; j < x.items.len && !have; j++) {
            char *nm = item_tag(x.items.items[j].val, x.items.items[j].vlen);
            have = nm && !strcmp(nm, args[i].name);
            free(nm);
        }
        if (x.kind == TK_SCALAR) {
            piece *ps;
            size_t np = split_pieces(x.scalar.val, x.scalar.vlen, &ps);
            for (size_t j = 0; j < np && !have; j++) {
                char *nm = item_tag(ps[j].p, ps[j].n);
                have = nm && !strcmp(nm, args[i].name);
                free(nm);
            }
            free(ps);
        }
        if (!have) VEC_PUSH(&add, args[i].w);
    }
    if (!add.len) goto done;

    fm_names(&pn, &want);
    for (size_t i = 0; i < add.len; i++)
        VEC_PUSH(&want, parse_tag_normalize(add.items[i], strlen(add.items[i])));
    strv_sort_uniq(&want);

    const char *eol = file_eol(text, len);
    if (!x.present) {
        size_t at = bom_len(text, len);
        buf_adds(&b, "---");
        buf_adds(&b, eol);
        buf_adds(&b, "tags: [");
        for (size_t i = 0; i < add.len; i++) {
            if (i) buf_adds(&b, ", ");
            put_item(&b, add.items[i], NULL);
        }
        buf_adds(&b, "]");
        buf_adds(&b, eol);
        buf_adds(&b, "---");
        buf_adds(&b, eol);
        el_add(out, at, at, b.data, b.len);
    } else if (x.kind == TK_ABSENT) {
        if (x.more_docs) {
            rc = fail(err, EDIT_EFM,
                      "the frontmatter holds a `---` or `...` YAML document marker: no place "
                      "to add a `tags` key; add it by hand");
            goto done;
        }
        buf_add(&b, text + x.indent_beg, x.indent_len);
        buf_adds(&b, "tags: [");
        for (size_t i = 0; i < add.len; i++) {
            if (i) buf_adds(&b, ", ");
            put_item(&b, add.items[i], NULL);
        }
        buf_adds(&b, "]");
        buf_adds(&b, eol);
        el_add(out, x.yend, x.yend, b.data, b.len);
    } else if (x.kind == TK_NULL) {
        buf_adds(&b, x.scalar.vlen ? "[" : " [");
        for (size_t i = 0; i < add.len; i++) {
            if (i) buf_adds(&b, ", ");
            put_item(&b, add.items[i], NULL);
        }
        buf_adds(&b, "]");
        el_add(out, x.scalar.beg, x.scalar.end, b.data, b.len);
    } else if (x.kind == TK_SCALAR) {
        piece *ps;
        size_t np = split_pieces(x.scalar.val, x.scalar.vlen, &ps);
        scalar_to_flow(text, &x, ps, np, NULL, add.items, add.len, &b);
        free(ps);
        el_add(out, x.scalar.beg, x.scalar.end, b.data, b.len);
    } else if (x.kind == TK_FLOW && x.items.len == 0) {
        size_t in = x.lb + 1, inn = x.rb - in;
        /* a '#' in an empty list is a comment: `[#` + item would join it, and
         * remove refuses such a list anyway */
        if (memchr(text + in, '#', inn)) {
            rc = fail(err, EDIT_EFM, "comments inside the `tags` list; edit it by hand");
            goto done;
        }
        int nl = memchr(text + in, '\n', inn) != NULL;
        if (inn && !nl) buf_add(&b, text + in, inn);
        for (size_t i = 0; i < add.len; i++) {
            if (i) buf_adds(&b, ", ");
            put_item(&b, add.items[i], NULL);
        }
        if (inn && !nl) buf_add(&b, text + in, inn);
        el_add(out, in, in + (nl ? 0 : inn), b.data, b.len);
    } else if (x.kind == TK_FLOW) {
        buf_t sep = {0};
        flow_sep(text, &x, &sep);
        for (size_t i = 0; i < add.len; i++) {
            buf_add(&b, sep.data, sep.len);
            put_item(&b, add.items[i], last_item(&x));
        }
        buf_free(&sep);
        el_add(out, last_item(&x)->end, last_item(&x)->end, b.data, b.len);
    } else { /* TK_BLOCK */
        const yscalar *li = last_item(&x);
        int l1 = lt_line(&lt, li->beg);
        int l2 = lt_line(&lt, li->end > li->beg ? li->end - 1 : li->beg);
        size_t ls = lt_start(&lt, l1);
        /* the prefix as written ("  - ") */
        size_t k;
        if (!dash_line(&lt, li, &k)) {
            rc = fail(err, EDIT_EFM,
                      "the `tags` item at line %d is not on the line of its dash; write it "
                      "as `- value` first",
                      l1);
            goto done;
        }
        size_t ce = lt_cend(&lt, l2), ne = lt_start(&lt, l2 + 1);
        for (size_t i = 0; i < add.len; i++) {
            buf_add(&b, text + ls, li->beg - ls);
            if (li->beg == k + 1) buf_addc(&b, ' '); /* an empty item: "-" alone */
            put_item(&b, add.items[i], li);
            buf_add(&b, text + ce, ne - ce);
        }
        el_add(out, ne, ne, b.data, b.len);
    }
    rc = finish_check(text, len, out, &want, NULL, err, "tag add");
done:
    buf_free(&b);
    VEC_FREE(&add);
    strv_free(&want);
    fmx_free(&x);
    lt_free(&lt);
    parse_note_free(&pn);
    targs_free(args, na);
    return rc;
}

/* -------------------------------------------------------------- tag remove */

void edit_lines_free(edit_lines *l)
{
    if (!l) return;
    free(l->lines);
    memset(l, 0, sizeof *l);
}

static int in_args(const targ *a, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(a[i].name, name)) return 1;
    return 0;
}

int edit_tag_remove(const char *text, size_t len, const char *const *tags, size_t n_tags,
                    edit_list *out, edit_lines *inline_left, edit_error *err)
{
    if (inline_left) memset(inline_left, 0, sizeof *inline_left);
    if (edit_begin(text, len, out, err)) return EDIT_EINVAL;
    targ *args = NULL;
    size_t na = 0;
    int rc = parse_args(tags, n_tags, &args, &na, err);
    if (rc) return rc;
    parse_note pn;
    parse_note_text("", text, len, &pn);
    ltab lt;
    lt_init(&lt, text, len);
    fmx x;
    strv want = {0};
    int *drop = NULL;
    piece *ps = NULL;
    rc = fmx_load(text, len, &pn, &lt, &x, err);
    if (rc) goto done;

    if (inline_left) {
        VEC(int) ls = {0};
        for (size_t i = 0; i < pn.n_tags; i++)
            if (!pn.tags[i].fm && in_args(args, na, pn.tags[i].name) &&
                (!ls.len || ls.items[ls.len - 1] != pn.tags[i].line))
                VEC_PUSH(&ls, pn.tags[i].line);
        inline_left->lines = ls.items;
        inline_left->n = ls.len;
    }

    size_t nd = 0, n = 0;
    if (x.kind == TK_FLOW || x.kind == TK_BLOCK) {
        n = x.items.len;
        drop = xcalloc(n ? n : 1, sizeof *drop);
        for (size_t i = 0; i < n; i++) {
            char *nm = item_tag(x.items.items[i].val, x.items.items[i].vlen);
            drop[i] = nm && in_args(args, na, nm);
            nd += (size_t)drop[i];
            free(nm);
        }
    } else if (x.kind == TK_SCALAR) {
        n = split_pieces(x.scalar.val, x.scalar.vlen, &ps);
        drop = xcalloc(n ? n : 1, sizeof *drop);
        for (size_t i = 0; i < n; i++) {
            char *nm = item_tag(ps[i].p, ps[i].n);
            drop[i] = nm && in_args(args, na, nm);
            nd += (size_t)drop[i];
            free(nm);
        }
    }
    if (!nd) goto done;

    fm_names(&pn, &want);
    {
        size_t k = 0;
        for (size_t i = 0; i < want.len; i++) {
            if (in_args(args, na, want.items[i])) free(want.items[i]);
            else want.items[k++] = want.items[i];
        }
        want.len = k;
    }
    if (x.kind == TK_FLOW) {
        rc = flow_remove(text, &x, drop, out, err);
        if (rc) goto done;
    } else if (x.kind == TK_BLOCK) {
        rc = block_remove(&lt, &x, drop, out, err);
        if (rc) goto done;
    } else {
        buf_t b = {0};
        scalar_to_flow(text, &x, ps, n, drop, NULL, 0, &b);
        el_add(out, x.scalar.beg, x.scalar.end, b.data, b.len);
        buf_free(&b);
    }
    rc = finish_check(text, len, out, &want, NULL, err, "tag remove");
done:
    if (rc) {
        edit_list_free(out);
        if (inline_left) edit_lines_free(inline_left);
    }
    free(drop);
    free(ps);
    strv_free(&want);
    fmx_free(&x);
    lt_free(&lt);
    parse_note_free(&pn);
    targs_free(args, na);
    return rc;
}

/* -------------------------------------------------------------- tag rename */

/* Does normalised `nm` equal `old` or lie under it? */
static int under(const char *nm, const char *old, size_t olen)
{
    return nm && !strncmp(nm, old, olen) && (nm[olen] == '\0' || nm[olen] == '/');
}

/* "new" + what follows `old` in `nm` (nm is under old). */
static char *renamed(const char *nm, size_t olen, const char *neu)
{
    return xasprintf("%s%s", neu, nm + olen);
}

/* Renames one list item or single-string piece at [beg, end) of the text
 * whose value is v[0..vn): only the OLD prefix's bytes when they are there
 * as written, else the whole scalar, re-quoted in its style. */
static void rename_scalar(const char *t, size_t beg, size_t end, const char *v, size_t vn,
                          int style, const targ *o, const targ *nw, edit_list *out)
{
    size_t olen = strlen(o->name);
    size_t p = beg, e = end;
    if (style != YS_PLAIN && e > p + 1) p++, e--;
    int hash = p < e && t[p] == '#';
    if (hash) p++;
    if (e - p >= olen && !ascii_ncasecmp(t + p, o->name, olen) &&
        (p + olen == e || t[p + olen] == '/')) {
        int ok = 1;
        if (style == YS_PLAIN) { /* the new plain value must read back */
            buf_t nv = {0};
            buf_add(&nv, t + beg, p - beg);
            buf_adds(&nv, nw->w);
            buf_add(&nv, t + p + olen, end - p - olen);
            ok = plain_ok(nv.data, nv.len);
            buf_free(&nv);
        }
        if (ok) {
            el_add(out, p, p + olen, nw->w, strlen(nw->w));
            return;
        }
    }
    /* rewrite the value: keep a '#', blanks around it are dropped */
    while (vn && (*v == ' ' || *v == '\t')) v++, vn--;
    while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t')) vn--;
    buf_t nv = {0}, b = {0};
    if (vn && v[0] == '#') buf_addc(&nv, '#'), v++, vn--;
    buf_adds(&nv, nw->w);
    if (vn > olen) buf_add(&nv, v + olen, vn - olen);
    put_scalar(&b, nv.data, nv.len, style);
    el_add(out, beg, end, b.data, b.len);
    buf_free(&nv);
    buf_free(&b);
}

/* A piece of a single-string `tags` value with its first `olen` name bytes
 * (after an optional '#') replaced by `new_name`. */
static void renamed_piece(buf_t *out, const piece *pc, const char *new_name, size_t olen)
{
    const char *v = pc->p;
    size_t vn = pc->n;
    if (vn && v[0] == '#') buf_addc(out, '#'), v++, vn--;
    buf_adds(out, new_name);
    if (vn > olen) buf_add(out, v + olen, vn - olen);
}

int edit_tag_rename(const char *text, size_t len, const char *old_tag, const char *new_tag,
                    edit_list *out, edit_error *err)
{
    if (edit_begin(text, len, out, err)) return EDIT_EINVAL;
    targ o = {0}, nw = {0};
    int rc = targ_make(old_tag, &o, err);
    if (rc) return rc;
    rc = targ_make(new_tag, &nw, err);
    if (rc) {
        free(o.name), free(o.w);
        return rc;
    }
    size_t olen = strlen(o.name); /* NOLINT(clang-analyzer-core.NonNullParamChecker): set when rc is 0 */
    parse_note pn;
    parse_note_text("", text, len, &pn);
    ltab lt;
    lt_init(&lt, text, len);
    fmx x;
    memset(&x, 0, sizeof x);
    strv want_fm = {0}, want_body = {0}, fin = {0};
    int *ren = NULL, *drop = NULL;
    piece *ps = NULL;
    size_t n = 0;
    int any = 0;

    /* body: the name's OLD prefix, right after the '#' */
    for (size_t i = 0; i < pn.n_tags; i++) {
        const parse_ref *r = &pn.tags[i];
        if (r->fm) continue;
        if (!under(r->name, o.name, olen)) {
            VEC_PUSH(&want_body, xstrdup(r->name));
            continue;
        }
        VEC_PUSH(&want_body, renamed(r->name, olen, nw.name));
        size_t off = lt_start(&lt, r->line) + (size_t)r->col;
        if (off + 1 + olen > len || text[off] != '#' ||
            ascii_ncasecmp(text + off + 1, o.name, olen)) {
            rc = fail(err, EDIT_EINTERNAL, "tag rename: tag position mismatch at line %d (a bug)",
                      r->line);
            goto done;
        }
        /* NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker): targ_make set nw.w (rc was 0) */
        el_add(out, off + 1, off + 1 + olen, nw.w, strlen(nw.w));
        any = 1;
    }
    if (want_body.len) qsort(want_body.items, want_body.len, sizeof *want_body.items, str_cmp);

    /* frontmatter */
    for (size_t i = 0; i < pn.n_tags; i++) {
        const parse_ref *r = &pn.tags[i];
        if (!r->fm) continue;
        VEC_PUSH(&want_fm, under(r->name, o.name, olen) ? renamed(r->name, olen, nw.name)
                                                        : xstrdup(r->name));
    }
    strv_sort_uniq(&want_fm);
    if (pn.fm.error) {
        /* its frontmatter might name OLD: editing only the body would split the tag */
        rc = fail(err, EDIT_EFM, "the frontmatter does not parse (line %d: %s); fix it first",
                  pn.fm.error_line, pn.fm.error);
        goto done;
    }
    rc = fmx_load(text, len, &pn, &lt, &x, err);
    if (rc) goto done;

    if (x.kind == TK_FLOW || x.kind == TK_BLOCK || x.kind == TK_SCALAR) {
        if (x.kind == TK_SCALAR) {
            n = split_pieces(x.scalar.val, x.scalar.vlen, &ps);
        } else {
            n = x.items.len;
            ps = xcalloc(n ? n : 1, sizeof *ps);
            for (size_t i = 0; i < n; i++)
                ps[i].p = x.items.items[i].val, ps[i].n = x.items.items[i].vlen;
        }
        ren = xcalloc(n ? n : 1, sizeof *ren);
        drop = xcalloc(n ? n : 1, sizeof *drop);
        size_t nren = 0, ndrop = 0;
        for (size_t i = 0; i < n; i++) {
            char *nm = item_tag(ps[i].p, ps[i].n);
            ren[i] = under(nm, o.name, olen);
            nren += (size_t)ren[i];
            VEC_PUSH(&fin, ren[i] ? renamed(nm, olen, nw.name) : (nm ? xstrdup(nm) : NULL));
            free(nm);
        }
        /* merge: a renamed item that another item already names goes */
        for (size_t i = 0; i < n; i++) {
            if (!ren[i]) continue;
            for (size_t j = 0; j < n && !drop[i]; j++)
                if (j != i && fin.items[j] && !strcmp(fin.items[j], fin.items[i]) &&
                    (!ren[j] || (j < i && !drop[j])))
                    drop[i] = 1;
            ndrop += (size_t)drop[i];
        }
        if (nren) any = 1;
        if (nren && x.kind == TK_SCALAR) {
            int exact = x.scalar.style == YS_PLAIN &&
                        x.scalar.end - x.scalar.beg == x.scalar.vlen &&
                        !memcmp(text + x.scalar.beg, x.scalar.val, x.scalar.vlen);
            /* in place, piece by piece, only when each new piece is still a
             * plain value (or the piece is the whole value, quoted then):
             * `tags: topic,` renamed to "null" cannot become `"null",` */
            int inplace = exact && !ndrop;
            for (size_t i = 0; i < n && inplace; i++) {
                if (!ren[i] || (n == 1 && ps[i].n == x.scalar.vlen)) continue;
                buf_t nv = {0};
                renamed_piece(&nv, &ps[i], nw.w, olen);
                inplace = plain_ok(nv.data, nv.len);
                buf_free(&nv);
            }
            if (inplace) {
                for (size_t i = 0; i < n; i++) {
                    if (!ren[i]) continue;
                    size_t b = x.scalar.beg + (size_t)(ps[i].p - x.scalar.val);
                    rename_scalar(text, b, b + ps[i].n, ps[i].p, ps[i].n, YS_PLAIN, &o, &nw, out);
                }
            } else if (n == 1 && !(exact && !ndrop)) {
                rename_scalar(text, x.scalar.beg, x.scalar.end, x.scalar.val, x.scalar.vlen,
                              x.scalar.style, &o, &nw, out);
            } else { /* several values and a merge, or a new value that needs
                      * quotes among others: a flow list of what stays */
                buf_t b = {0};
                size_t k = 0;
                buf_addc(&b, '[');
                for (size_t i = 0; i < n; i++) {
                    if (drop[i]) continue;
                    if (k++) buf_adds(&b, ", ");
                    if (ren[i]) {
                        buf_t nv = {0};
                        renamed_piece(&nv, &ps[i], nw.w, olen);
                        put_scalar(&b, nv.data, nv.len, x.scalar.style);
                        buf_free(&nv);
                    } else {
                        put_scalar(&b, ps[i].p, ps[i].n, x.scalar.style);
                    }
                }
                buf_addc(&b, ']');
                el_add(out, x.scalar.beg, x.scalar.end, b.data, b.len);
                buf_free(&b);
            }
        } else if (nren) {
            for (size_t i = 0; i < n; i++) {
                const yscalar *s = &x.items.items[i];
                if (ren[i] && !drop[i])
                    rename_scalar(text, s->beg, s->end, s->val, s->vlen, s->style, &o, &nw, out);
            }
            if (ndrop) {
                if (x.kind == TK_FLOW) rc = flow_remove(text, &x, drop, out, err);
                else rc = block_remove(&lt, &x, drop, out, err);
                if (rc) goto done;
            }
        }
    }
    if (any) rc = finish_check(text, len, out, &want_fm, &want_body, err, "tag rename");
done:
    if (rc) edit_list_free(out);
    for (size_t i = 0; i < fin.len; i++) free(fin.items[i]);
    VEC_FREE(&fin);
    free(ren);
    free(drop);
    free(ps);
    strv_free(&want_fm);
    strv_free(&want_body);
    fmx_free(&x);
    lt_free(&lt);
    parse_note_free(&pn);
    free(o.name), free(o.w), free(nw.name), free(nw.w);
    return rc;
}

/* -------------------------------------------------------------- priorities */

edit_prio edit_priorities(const parse_note *note, int client_cap, int default_cap)
{
    edit_prio p;
    memset(&p, 0, sizeof p);
    const parse_section *s = parse_find_section(note, SEC_PRIORITIES);
    p.has_section = s != NULL;
    p.count = s ? (int)s->n_items : 0;
    p.cap = note->priority_cap >= 1 ? note->priority_cap
          : client_cap >= 1        ? client_cap
                                   : default_cap;
    p.over = p.count > p.cap;
    return p;
}

/* ------------------------------------------------------ moving list items */

typedef struct {
    int ordered;
    char bullet;       /* '-', '*', '+' */
    char delim;        /* '.' or ')' */
    long num;
    size_t at, mlen;   /* the marker's bytes in the text */
} marker;

static void read_marker(const ltab *lt, const parse_item *it, marker *m)
{
    memset(m, 0, sizeof *m);
    size_t p = lt_start(lt, it->line) + (size_t)it->marker_col, e = lt_cend(lt, it->line);
    m->at = p;
    const char *t = lt->t;
    if (p < e && (t[p] == '-' || t[p] == '*' || t[p] == '+')) {
        m->bullet = t[p];
        m->mlen = 1;
        return;
    }
    size_t q = p;
    while (q < e && q - p < 9 && t[q] >= '0' && t[q] <= '9') m->num = m->num * 10 + (t[q++] - '0');
    m->ordered = 1;
    m->delim = q < e ? t[q] : '.';
    m->mlen = q - p + 1;
}

static void marker_text(const marker *m, buf_t *b)
{
    if (m->ordered) buf_printf(b, "%ld%c", m->num, m->delim);
    else buf_addc(b, m->bullet);
}

enum { NUM_NONE = 0, NUM_SEQ, NUM_CONST };

/* How a section's items are numbered: 1,2,3 (NUM_SEQ, also a single ordered
 * item), 1,1,1 (NUM_CONST), anything else NUM_NONE. */
static int num_mode(const ltab *lt, const parse_item *its, size_t n, long *first)
{
    if (!n) return NUM_NONE;
    int seq = 1, cst = n >= 2;
    marker m0;
    read_marker(lt, &its[0], &m0);
    *first = m0.num;
    for (size_t i = 0; i < n; i++) {
        marker m;
        read_marker(lt, &its[i], &m);
        if (!m.ordered) return NUM_NONE;
        seq &= m.num == m0.num + (long)i;
        cst &= m.num == m0.num;
    }
    return cst ? NUM_CONST : seq ? NUM_SEQ : NUM_NONE;
}

/* Line `l` with `delta` columns more (spaces added) or fewer (leading spaces
 * removed, as many as there are) -- blank lines unchanged. Columns are what
 * Markdown reads: a tab in the indentation keeps its place only when the
 * line still comes out max(0, width + delta) columns wide (a space before a
 * tab is absorbed by it; a tab is never split); otherwise the indentation is
 * written as that many spaces. */
static void reindent_line(const ltab *lt, int l, long delta, buf_t *b)
{
    size_t s = lt_start(lt, l), e = lt_start(lt, l + 1);
    if (!delta || lt_blank(lt, l)) {
        buf_add(b, lt->t + s, e - s);
        return;
    }
    long w = 0;
    int tab = 0;
    size_t ws = s;
    for (; ws < e && (lt->t[ws] == ' ' || lt->t[ws] == '\t'); ws++) {
        tab |= lt->t[ws] == '\t';
        w = lt->t[ws] == '\t' ? (w + 4) & ~3L : w + 1;
    }
    size_t from = b->len;
    if (delta > 0) {
        for (long i = 0; i < delta; i++) buf_addc(b, ' ');
    } else {
        for (long i = 0; i < -delta && s < e && lt->t[s] == ' '; i++) s++;
    }
    buf_add(b, lt->t + s, ws - s);
    if (tab) {
        long want = w + delta < 0 ? 0 : w + delta, got = 0;
        for (size_t i = from; i < b->len; i++) got = b->data[i] == '\t' ? (got + 4) & ~3L : got + 1;
        if (got != want) {
            b->len = from;
            for (long i = 0; i < want; i++) buf_addc(b, ' ');
        }
    }
    buf_add(b, lt->t + ws, e - ws);
}

/* Display column of byte `at` of its line (tab stops every 4, as parse.c). */
static long col_of(const ltab *lt, size_t at)
{
    long col = 0;
    for (size_t i = lt_start(lt, lt_line(lt, at)); i < at; i++)
        col = lt->t[i] == '\t' ? (col + 4) & ~3L : col + 1;
    return col;
}

/* Where a list's items start: the blanks before the marker of item `it`. */
typedef struct {
    size_t beg, end; /* the blanks' bytes */
    long col;        /* the marker's column */
} indent;

static indent item_indent(const ltab *lt, const parse_item *it)
{
    indent in;
    in.beg = lt_start(lt, it->line);
    in.end = in.beg + (size_t)it->marker_col;
    in.col = col_of(lt, in.end);
    return in;
}

/* The item's lines with marker `nm` at indentation `in` (the list it joins:
 * items of one section may sit at different columns, and one indented past
 * the item before it would nest in it), the other lines re-indented by the
 * change of the marker's column and width; always ends with a line break. */
static void item_blob(const ltab *lt, const parse_item *it, const marker *nm, const indent *in,
                      const char *eol, buf_t *b)
{
    marker om;
    read_marker(lt, it, &om);
    size_t le = lt_start(lt, it->line + 1);
    indent own = item_indent(lt, it);
    buf_add(b, lt->t + in->beg, in->end - in->beg);
    long delta = in->col - own.col;
    size_t before = b->len;
    marker_text(nm, b);
    delta += (long)(b->len - before) - (long)om.mlen;
    buf_add(b, lt->t + om.at + om.mlen, le - om.at - om.mlen);
    for (int l = it->line + 1; l <= it->end_line; l++) reindent_line(lt, l, delta, b);
    if (!b->len || b->data[b->len - 1] != '\n') buf_adds(b, eol);
}

/* In place: item `it` gets marker `nm` (and its other lines the indent change). */
static void item_remark(const ltab *lt, const parse_item *it, const marker *nm, edit_list *out)
{
    marker om;
    read_marker(lt, it, &om);
    buf_t b = {0};
    marker_text(nm, &b);
    long delta = (long)b.len - (long)om.mlen;
    el_add(out, om.at, om.at + om.mlen, b.data, b.len);
    buf_free(&b);
    if (!delta) return;
    for (int l = it->line + 1; l <= it->end_line; l++) {
        buf_t r = {0};
        reindent_line(lt, l, delta, &r);
        size_t s = lt_start(lt, l), e = lt_start(lt, l + 1);
        el_add(out, s, e, r.data, r.len);
        buf_free(&r);
    }
}

/* The last line of a section's heading (the underline of a setext one). */
static int heading_last(const ltab *lt, const parse_section *s)
{
    size_t p = lt_start(lt, s->line), e = lt_cend(lt, s->line);
    int sp = 0;
    while (p < e && lt->t[p] == ' ' && sp < 3) p++, sp++;
    if (p < e && lt->t[p] == '#') return s->line;
    for (int l = s->line + 1; l <= s->end_line; l++) {
        size_t a = lt_start(lt, l), z = lt_cend(lt, l);
        int k = 0;
        while (a < z && lt->t[a] == ' ' && k < 3) a++, k++;
        if (a < z && (lt->t[a] == '=' || lt->t[a] == '-')) {
            char c = lt->t[a];
            while (a < z && lt->t[a] == c) a++;
            while (a < z && (lt->t[a] == ' ' || lt->t[a] == '\t')) a++;
            if (a == z) return l;
        }
    }
    return s->line;
}

/* One of the two sections items move between. */
typedef struct {
    const parse_section *sec;  /* NULL: the Parking lot, to be created */
    const parse_item *items;
    size_t n;
    int hl;                    /* heading's last line */
    int mode;                  /* NUM_* */
    long first;                /* number of the first item */
    int *moved;                /* per item */
} msec;

typedef struct {
    const parse_item *it;
    int from, to;              /* 0 Priorities, 1 Parking lot */
} move;

static int item_starts(const msec *s, int line)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->items[i].line == line) return 1;
    return 0;
}

/* The lines removed with a moved item: its own, plus the blank lines that
 * only separated it from the item before (when blank lines follow it) or,
 * failing that, from the item after. Two moved neighbours may both claim
 * the blank lines between them: the caller merges overlapping ranges. */
typedef struct {
    int a, b;
    int from;                  /* the section (cut_moved) */
} line_range;

static line_range item_cut(const ltab *lt, const msec *s, const parse_item *it)
{
    int a = it->line, b = it->end_line;
    int after_blank = (size_t)b >= lt->n || lt_blank(lt, b + 1);
    int pl = a - 1;
    while (pl >= 1 && lt_blank(lt, pl)) pl--;
    if (after_blank && pl < a - 1 && pl > s->hl) {
        a = pl + 1;
    } else if (after_blank) {
        int nl = b + 1;
        while ((size_t)nl <= lt->n && lt_blank(lt, nl)) nl++;
        if ((size_t)nl <= lt->n && item_starts(s, nl)) b = nl - 1;
    }
    return (line_range){a, b, 0};
}

static int range_cmp(const void *x, const void *y)
{
    const line_range *p = x, *q = y;
    return (p->a > q->a) - (p->a < q->a);
}

/* Is line `line` an ATX heading ("# ...")? Such a line can never continue
 * a paragraph; the text line of a setext heading can. */
static int atx_heading_at(const parse_note *pn, const ltab *lt, int line)
{
    size_t p = lt_start(lt, line), e = lt_cend(lt, line);
    for (int sp = 0; sp < 3 && p < e && lt->t[p] == ' '; sp++) p++;
    size_t h = p;
    while (h < e && lt->t[h] == '#') h++;
    if (h == p || h - p > 6 || (h < e && lt->t[h] != ' ' && lt->t[h] != '\t'))
        return 0; /* "#x" can be a setext heading's text */
    for (size_t i = 0; i < pn->n_headings; i++)
        if (pn->headings[i].line == line) return 1;
    return 0;
}

/* Removes the lines of the moved items, overlapping or adjacent ranges
 * merged (the lines around a cut are those around the merged one). A line
 * right after a cut that belongs to no item (text after an empty item or a
 * closed fence, a setext heading's text) would, with the cut lines gone,
 * continue the paragraph of the line right before it (a lazy continuation:
 * another item's text would change); a blank line stays in the cut's place
 * then to keep them apart -- unless an insertion there (`sep_at`) already
 * starts with one. */
static void cut_moved(const parse_note *pn, const ltab *lt, const msec *S, const move *mv,
                      size_t nmv, const char *eol, const size_t *sep_at, size_t n_sep,
                      edit_list *out)
{
    if (!nmv) return;
    line_range *r = xmalloc(nmv * sizeof *r);
    for (size_t i = 0; i < nmv; i++) {
        r[i] = item_cut(lt, &S[mv[i].from], mv[i].it);
        r[i].from = mv[i].from;
    }
    qsort(r, nmv, sizeof *r, range_cmp);
    size_t n = 0; /* merged in place */
    for (size_t i = 0; i < nmv; i++) {
        if (n && r[i].a <= r[n - 1].b + 1) { /* overlapping or adjacent */
            if (r[i].b > r[n - 1].b) r[n - 1].b = r[i].b;
            continue;
        }
        r[n++] = r[i];
    }
    /* a cut that reaches the end of the note takes the blank lines before
     * it along (and so the cut before it, when only blank lines were
     * between): they separate nothing now, and a note without a final
     * newline would otherwise end with one */
    if ((size_t)r[n - 1].b >= lt->n) {
        line_range *c = &r[n - 1];
        for (;;) {
            while (c->a - 1 > S[c->from].hl && lt_blank(lt, c->a - 1)) c->a--;
            if (n < 2 || r[n - 2].b + 1 < c->a) break;
            r[n - 2].b = c->b;
            n--;
            c = &r[n - 1];
        }
    }
    for (size_t i = 0; i < n; i++) {
        const line_range *c = &r[i];
        const msec *s = &S[c->from];
        int next = c->b + 1;
        int keep_apart = c->a - 1 > s->hl && !lt_blank(lt, c->a - 1) &&
                         (size_t)next <= lt->n && !lt_blank(lt, next) &&
                         !item_starts(s, next) && !atx_heading_at(pn, lt, next);
        for (size_t j = 0; j < n_sep && keep_apart; j++)
            if (sep_at[j] == lt_start(lt, next)) keep_apart = 0;
        el_add(out, lt_start(lt, c->a), lt_start(lt, c->b + 1), keep_apart ? eol : "",
               keep_apart ? strlen(eol) : 0);
    }
    free(r);
}

/* Sorted texts of every item of the note (for the nothing-lost check). */
static void item_texts(const parse_note *pn, strv *v)
{
    for (size_t i = 0; i < pn->n_items; i++) VEC_PUSH(v, xstrdup(pn->items[i].text));
    if (v->len) qsort(v->items, v->len, sizeof *v->items, str_cmp);
}

/* The last non-blank line of a section before its first sub-heading. */
static int own_end(const parse_note *pn, const ltab *lt, const msec *s)
{
    int end = s->sec->end_line;
    for (size_t i = 0; i < pn->n_headings; i++)
        if (pn->headings[i].line > s->hl && pn->headings[i].line <= end) {
            end = pn->headings[i].line - 1;
            while (end > s->hl && lt_blank(lt, end)) end--;
            break;
        }
    return end;
}

/* Would a block start at `at` (a line start, or the end of the text)? Not
 * when an unclosed HTML comment or code fence before it runs on to the end
 * of the note: whatever is inserted there would be swallowed by it. Probed
 * with the parser itself: is a heading put there read as one? */
static int block_can_start(const char *t, size_t len, size_t at, const char *eol)
{
    buf_t b = {0};
    buf_add(&b, t, at);
    if (at && t[at - 1] != '\n') buf_adds(&b, eol);
    int line = 1;
    for (size_t i = 0; i < b.len; i++) line += b.data[i] == '\n';
    buf_adds(&b, "# rapport-probe");
    buf_adds(&b, eol);
    buf_add(&b, t + at, len - at);
    parse_note pn;
    parse_note_text("", b.data, b.len, &pn);
    int ok = 0;
    for (size_t i = 0; i < pn.n_headings && !ok; i++)
        ok = pn.headings[i].line == line && !strcmp(pn.headings[i].text, "rapport-probe");
    parse_note_free(&pn);
    buf_free(&b);
    return ok;
}

static int in_item(const parse_note *pn, int line)
{
    for (size_t i = 0; i < pn->n_items; i++)
        if (line >= pn->items[i].line && line <= pn->items[i].end_line) return 1;
    return 0;
}

/* Why moved items did not land intact, when it is the note's layout: the
 * first non-blank line after a cut or an insertion (blank lines between
 * skipped), in no item before, is in one in the result `np` (text `nt`): it
 * continues a list item's paragraph or, indented, became a paragraph of it
 * -- a blank line (see cut_moved and relocate) cannot keep it apart.
 * Returns that line (original numbering), else 0. */
static int joined_line(const parse_note *pn, const ltab *lt, const edit_list *out,
                       const parse_note *np, const char *nt)
{
    for (size_t i = 0; i < out->n; i++) {
        const edit_repl *r = &out->r[i];
        if (r->end >= lt->len || (r->end && lt->t[r->end - 1] != '\n')) continue;
        int lo = lt_line(lt, r->end);
        while ((size_t)lo < lt->n && lt_blank(lt, lo)) lo++;
        if (lt_blank(lt, lo) || in_item(pn, lo)) continue;
        /* where line lo starts in the result: unless an edit replaces it */
        size_t so = lt_start(lt, lo);
        long shift = 0;
        int covered = 0;
        for (size_t j = 0; j < out->n && out->r[j].start <= so; j++) {
            const edit_repl *q = &out->r[j];
            if (q->end > so) covered = 1;
            shift += (long)q->len - (long)(q->end - q->start);
        }
        if (covered) continue;
        size_t at = (size_t)((long)so + shift);
        int ln = 1;
        for (size_t k = 0; k < at; k++) ln += nt[k] == '\n';
        if (in_item(np, ln)) return lo;
    }
    return 0;
}

static int relocate(const char *t, size_t len, const parse_note *pn, const ltab *lt,
                    const move *mv, size_t nmv, edit_list *out, edit_error *err, const char *what)
{
    const char *eol = file_eol(t, len);
    msec S[2];
    memset(S, 0, sizeof S);
    const parse_section *secs[2] = {parse_find_section(pn, SEC_PRIORITIES),
                                    parse_find_section(pn, SEC_PARKING_LOT)};
    if (!secs[0]) return fail(err, EDIT_ENOTFOUND, "the note has no Priorities section");
    for (int k = 0; k < 2; k++) {
        S[k].sec = secs[k];
        if (!secs[k]) continue;
        S[k].items = pn->items + secs[k]->first_item;
        S[k].n = secs[k]->n_items;
        S[k].hl = heading_last(lt, secs[k]);
        S[k].mode = num_mode(lt, S[k].items, S[k].n, &S[k].first);
        S[k].moved = xcalloc(S[k].n ? S[k].n : 1, sizeof(int));
    }
    for (size_t i = 0; i < nmv; i++) S[mv[i].from].moved[mv[i].it - S[mv[i].from].items] = 1;
    /* a heading indented 4 or more columns is one only inside the list item
     * above it (else it is indented code): moving items around it can turn
     * it into code, or leave it in another item */
    int first = secs[0]->line;
    if (secs[1] && secs[1]->line < first) first = secs[1]->line;
    for (size_t i = 0; i < pn->n_headings; i++) {
        int hl = pn->headings[i].line;
        if (hl <= first) continue;
        size_t p = lt_start(lt, hl), e = lt_cend(lt, hl); /* hl > 1: no BOM */
        while (p < e && (lt->t[p] == ' ' || lt->t[p] == '\t')) p++;
        if (col_of(lt, p) >= 4) {
            for (int k = 0; k < 2; k++) free(S[k].moved);
            return fail(err, EDIT_EINVAL,
                        "%s: the heading at line %d is indented 4 or more columns (a heading "
                        "only inside the list item above it); unindent it first",
                        what, hl);
        }
    }
    /* an item that opens an HTML comment it never closes (it runs to the end
     * of the note) would swallow whatever follows it in its new place */
    for (size_t i = 0; i < nmv; i++)
        if (!block_can_start(t, len, lt_start(lt, mv[i].it->end_line + 1), eol)) {
            for (int k = 0; k < 2; k++) free(S[k].moved);
            return fail(err, EDIT_EINVAL,
                        "%s: the item at line %d opens an HTML comment or code block that is "
                        "never closed; close it first",
                        what, mv[i].it->line);
        }

    size_t sep_at[2]; /* insertions that start with a blank line */
    size_t n_sep = 0;
    int expect[2];
    for (int d = 0; d < 2; d++) {
        msec *D = &S[d];
        size_t nrem = 0;
        const parse_item *lastrem = NULL;
        for (size_t i = 0; i < D->n; i++)
            if (!D->moved[i]) nrem++, lastrem = &D->items[i];
        /* renumber what stays, when the list counted 1, 2, 3 */
        if (D->mode == NUM_SEQ) {
            long k = 0;
            for (size_t i = 0; i < D->n; i++) {
                if (D->moved[i]) continue;
                marker m;
                read_marker(lt, &D->items[i], &m);
                if (m.num != D->first + k) {
                    m.num = D->first + k;
                    item_remark(lt, &D->items[i], &m, out);
                }
                k++;
            }
        }
        size_t nin = 0;
        for (size_t i = 0; i < nmv; i++) nin += mv[i].to == d;
        expect[d] = (int)(nrem + nin);
        if (!nin) continue;

        /* the incoming items, with this list's marker */
        buf_t b = {0};
        /* their marker: that of the list's last item (one that stays, else
         * the last of all), else their own */
        const parse_item *like = lastrem ? lastrem : D->n ? &D->items[D->n - 1] : NULL;
        marker lm;
        if (like) read_marker(lt, like, &lm);
        int loose = D->n >= 2 && D->items[D->n - 1].line > 1 &&
                    lt_blank(lt, D->items[D->n - 1].line - 1) &&
                    D->items[D->n - 1].line - 1 > D->hl;
        long k = 0, own = 0;
        /* their indentation: that of the list's last item, else the first's */
        indent in = {0, 0, 0};
        for (size_t i = 0; i < nmv && !like; i++)
            if (mv[i].to == d) {
                in = item_indent(lt, mv[i].it);
                break;
            }
        if (like) in = item_indent(lt, like);
        for (size_t i = 0; i < nmv; i++) {
            if (mv[i].to != d) continue;
            marker m;
            read_marker(lt, mv[i].it, &m);
            if (like) {
                if (lm.ordered) {
                    m.ordered = 1;
                    m.delim = lm.delim;
                    m.num = D->mode == NUM_CONST ? lm.num
                          : D->mode == NUM_SEQ   ? D->first + (long)nrem + k
                          : lastrem              ? lm.num + 1 + k
                                                 : 1 + k;
                } else {
                    m.ordered = 0;
                    m.bullet = lm.bullet;
                }
            } else if (m.ordered && S[mv[i].from].mode != NUM_CONST) {
                m.num = 1 + own++;
            }
            k++;
            if (loose) buf_adds(&b, eol);
            item_blob(lt, mv[i].it, &m, &in, eol, &b);
        }

        size_t at;
        buf_t h = {0};
        if (D->sec && D->n) {
            at = lt_start(lt, D->items[D->n - 1].end_line + 1);
        } else if (D->sec) {
            at = lt_start(lt, own_end(pn, lt, D) + 1);
            const msec *src = &S[1 - d];
            int gap = src->n && src->items[0].line > src->hl + 1;
            if (own_end(pn, lt, D) > D->hl || gap) buf_adds(&h, eol);
        } else { /* a new Parking lot right after Priorities */
            const msec *P = &S[0];
            const parse_heading *ph = &pn->headings[P->sec->heading];
            at = lt_start(lt, P->sec->end_line + 1);
            buf_adds(&h, eol);
            if (P->hl == P->sec->line) {
                for (int i = 0; i < ph->level; i++) buf_addc(&h, '#');
                buf_adds(&h, " Parking lot");
                buf_adds(&h, eol);
            } else {
                buf_adds(&h, "Parking lot");
                buf_adds(&h, eol);
                buf_adds(&h, ph->level == 1 ? "===========" : "-----------");
                buf_adds(&h, eol);
            }
            if (P->n && P->items[0].line > P->hl + 1) buf_adds(&h, eol);
        }
        buf_add(&h, b.data, b.len);
        /* text right after the insertion that is in no item (after an empty
         * item or a closed fence, or a setext heading's text) would continue
         * the paragraph of the last item inserted: a blank line keeps it
         * apart */
        if (at < len && !lt_blank(lt, lt_line(lt, at)) && !atx_heading_at(pn, lt, lt_line(lt, at)))
            buf_adds(&h, eol);
        if (h.len >= strlen(eol) && !memcmp(h.data, eol, strlen(eol))) sep_at[n_sep++] = at;
        el_add(out, at, at, h.data, h.len);
        buf_free(&h);
        buf_free(&b);
        if (!block_can_start(t, len, at, eol)) {
            for (int s = 0; s < 2; s++) free(S[s].moved);
            edit_list_free(out);
            return fail(err, EDIT_EINVAL,
                        "%s: the %s section ends inside an HTML comment or code block that is "
                        "never closed; close it first",
                        what, d == 1 && D->sec ? "Parking lot" : "Priorities");
        }
    }
    /* take the moved items out */
    cut_moved(pn, lt, S, mv, nmv, eol, sep_at, n_sep, out);
    for (int k = 0; k < 2; k++) free(S[k].moved);

    /* frontmatter bytes are never ours to change */
    for (size_t i = 0; i < out->n; i++)
        if (pn->fm.present && out->r[i].start < pn->fm.body_off) {
            edit_list_free(out);
            return fail(err, EDIT_EINTERNAL, "%s: an edit reached the frontmatter (a bug)", what);
        }
    int rc = finish_check(t, len, out, NULL, NULL, err, what);
    if (rc || !out->n) return rc;

    /* nothing lost: the same item texts, the counts we meant */
    size_t nl;
    char *nt = edit_apply(t, len, out, &nl);
    parse_note np;
    parse_note_text("", nt, nl, &np);
    strv a = {0}, b = {0};
    item_texts(pn, &a);
    item_texts(&np, &b);
    const parse_section *p2 = parse_find_section(&np, SEC_PRIORITIES);
    const parse_section *l2 = parse_find_section(&np, SEC_PARKING_LOT);
    int ok = strv_eq(&a, &b) && p2 && l2 && (int)p2->n_items == expect[0] &&
             (int)l2->n_items == expect[1] &&
             np.fm.present == pn->fm.present && !np.fm.error == !pn->fm.error &&
             (!pn->fm.present || (np.fm.body_off == pn->fm.body_off &&
                                  !memcmp(nt, t, pn->fm.body_off)));
    int joined = ok ? 0 : joined_line(pn, lt, out, &np, nt);
    strv_free(&a);
    strv_free(&b);
    parse_note_free(&np);
    free(nt);
    if (joined) {
        edit_list_free(out);
        return fail(err, EDIT_EINVAL,
                    "%s: line %d (indented text after a list) would become part of a moved or "
                    "neighbouring item; unindent it or put it away from the list first",
                    what, joined);
    }
    if (!ok) {
        edit_list_free(out);
        return fail(err, EDIT_EINTERNAL,
                    "%s: the moved items did not land intact (a bug); nothing changed", what);
    }
    return 0;
}

int edit_cap(const char *text, size_t len, int cap, edit_list *out, edit_error *err)
{
    if (edit_begin(text, len, out, err)) return EDIT_EINVAL;
    if (cap < 1) return fail(err, EDIT_EINVAL, "the cap must be at least 1 (got %d)", cap);
    parse_note pn;
    parse_note_text("", text, len, &pn);
    int rc = 0;
    const parse_section *P = parse_find_section(&pn, SEC_PRIORITIES);
    if (!P) {
        rc = fail(err, EDIT_ENOTFOUND, "the note has no Priorities section");
    } else if (P->n_items > (size_t)cap) {
        ltab lt;
        lt_init(&lt, text, len);
        size_t nmv = P->n_items - (size_t)cap;
        move *mv = xcalloc(nmv, sizeof *mv);
        for (size_t i = 0; i < nmv; i++) {
            mv[i].it = &pn.items[P->first_item + (size_t)cap + i];
            mv[i].from = 0;
            mv[i].to = 1;
        }
        rc = relocate(text, len, &pn, &lt, mv, nmv, out, err, "cap");
        free(mv);
        lt_free(&lt);
    }
    parse_note_free(&pn);
    return rc;
}

static const parse_item *item_at(const parse_note *pn, const parse_section *s, int line)
{
    for (size_t i = 0; i < s->n_items; i++) {
        const parse_item *it = &pn->items[s->first_item + i];
        if (line >= it->line && line <= it->end_line) return it;
    }
    return NULL;
}

int edit_promote(const char *text, size_t len, int cap, int line, int park_line,
                 edit_list *out, edit_error *err)
{
    if (edit_begin(text, len, out, err)) return EDIT_EINVAL;
    if (cap < 1) return fail(err, EDIT_EINVAL, "the cap must be at least 1 (got %d)", cap);
    parse_note pn;
    parse_note_text("", text, len, &pn);
    int rc = 0;
    const parse_section *P = parse_find_section(&pn, SEC_PRIORITIES);
    const parse_section *L = parse_find_section(&pn, SEC_PARKING_LOT);
    const parse_item *x = L ? item_at(&pn, L, line) : NULL;
    const parse_item *y = (P && park_line > 0) ? item_at(&pn, P, park_line) : NULL;
    if (!P) {
        rc = fail(err, EDIT_ENOTFOUND, "the note has no Priorities section");
    } else if (!L) {
        rc = fail(err, EDIT_ENOTFOUND, "the note has no Parking lot section");
    } else if (!x) {
        rc = fail(err, EDIT_ENOTFOUND, "line %d is not a Parking lot item", line);
    } else if (park_line > 0 && !y) {
        rc = fail(err, EDIT_ENOTFOUND, "line %d is not a Priorities item (--park)", park_line);
    } else if (!y && P->n_items + 1 > (size_t)cap) {
        if (err) {
            err->n_items = P->n_items;
            err->items = xcalloc(P->n_items ? P->n_items : 1, sizeof *err->items);
            for (size_t i = 0; i < P->n_items; i++) {
                err->items[i].line = pn.items[P->first_item + i].line;
                err->items[i].text = xstrdup(pn.items[P->first_item + i].text);
            }
        }
        rc = fail(err, EDIT_EOVERCAP,
                  "Priorities has %zu items and a cap of %d: name one to park with --park LINE",
                  P->n_items, cap);
    } else {
        ltab lt;
        lt_init(&lt, text, len);
        move mv[2] = {{x, 1, 0}, {y, 0, 1}};
        rc = relocate(text, len, &pn, &lt, mv, y ? 2 : 1, out, err, "promote");
        lt_free(&lt);
    }
    parse_note_free(&pn);
    return rc;
}

/* -------------------------------------------------------------------- I/O */

static int sys_open(const char *path, int flags, mode_t mode) { return open(path, flags, mode); }

edit_sys edit_syscalls = {sys_open, write, fsync, rename, fchmod};

void edit_sys_reset(void)
{
    edit_sys d = {sys_open, write, fsync, rename, fchmod};
    edit_syscalls = d;
}

#define SYS edit_syscalls

static int io_fail(edit_error *err, int e, const char *what, const char *path)
{
    return fail(err, e == ENOENT ? EDIT_ENOTFOUND : EDIT_EIO, "%s %s: %s", what, path,
                strerror(e));
}

/* Reads an open file to its end. */
static int read_fd(int fd, char **out, size_t *out_len)
{
    buf_t b = {0};
    buf_reserve(&b, 4096);
    for (;;) {
        buf_reserve(&b, 4096);
        ssize_t k = read(fd, b.data + b.len, b.cap - b.len - 1);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) {
            int e = errno;
            buf_free(&b);
            errno = e;
            return -1;
        }
        if (k == 0) break;
        b.len += (size_t)k;
    }
    buf_cstr(&b);
    *out = b.data;
    *out_len = b.len;
    return 0;
}

int edit_read_file(const char *path, char **out, size_t *out_len, edit_error *err)
{
    *out = NULL;
    *out_len = 0;
    int fd = SYS.open(path, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0) return io_fail(err, errno, "cannot open", path);
    int rc = read_fd(fd, out, out_len);
    int e = errno;
    close(fd);
    return rc ? io_fail(err, e, "cannot read", path) : 0;
}

int edit_write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = SYS.write(fd, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return -1;
        if (k == 0) {
            errno = EIO;
            return -1;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static int fsync_dir(const char *dir, edit_error *err)
{
    int fd = SYS.open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (fd < 0) return io_fail(err, errno, "written, but cannot open its directory", dir);
    if (SYS.fsync(fd) < 0) {
        int e = errno;
        close(fd);
        return fail(err, EDIT_EIO, "written, but the directory fsync of %s failed: %s", dir,
                    strerror(e));
    }
    close(fd);
    return 0;
}

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* One file on its way: checked and written to a temp beside its target. */
typedef struct {
    char *real, *dir, *tmp;
    const char *path;      /* as the caller named it (messages) */
    struct stat st;        /* the target when it was checked */
} staged;

static void staged_drop(staged *s)
{
    if (s->tmp) unlink(s->tmp);
    free(s->real), free(s->dir), free(s->tmp);
    memset(s, 0, sizeof *s);
}

/* Checks that `path` still holds old_text and writes new_text to a temp file
 * in its target's directory (mode and owner kept), not yet fsynced. */
static int stage(const char *path, const char *old_text, size_t old_len, const char *new_text,
                 size_t new_len, staged *sg, edit_error *err)
{
    static unsigned counter;
    int rc = 0, fd = -1;
    char *cur = NULL;
    size_t cur_len = 0;
    memset(sg, 0, sizeof *sg);
    sg->path = path;

    sg->real = realpath(path, NULL);
    if (!sg->real) {
        rc = io_fail(err, errno, "cannot resolve", path);
        goto out;
    }
    /* the file must still hold what the edit was computed from */
    fd = SYS.open(sg->real, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0) {
        rc = io_fail(err, errno, "cannot open", path);
        goto out;
    }
    if (fstat(fd, &sg->st) < 0 || read_fd(fd, &cur, &cur_len) < 0) {
        rc = io_fail(err, errno, "cannot read", path);
        goto out;
    }
    close(fd);
    fd = -1;
    if (!S_ISREG(sg->st.st_mode)) {
        rc = fail(err, EDIT_EINVAL, "%s is not a regular file", path);
        goto out;
    }
    if (cur_len != old_len || memcmp(cur, old_text, old_len)) {
        rc = fail(err, EDIT_ECONFLICT, "%s changed since it was read; nothing written", path);
        goto out;
    }

    const char *slash = strrchr(sg->real, '/');
    sg->dir = slash == sg->real ? xstrdup("/") : xstrndup(sg->real, (size_t)(slash - sg->real));
    for (int tries = 0;; tries++) {
        unsigned r = (unsigned)getpid() * 2654435761u ^ (unsigned)now_ns() ^ (++counter * 40503u);
        char *tmp = xasprintf("%s/.%s.rapport-%06x", sg->dir, slash + 1, r & 0xFFFFFFu);
        fd = SYS.open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) {
            sg->tmp = tmp;
            break;
        }
        int e = errno;
        free(tmp);
        if (e != EEXIST || tries > 100) {
            rc = fail(err, EDIT_EIO, "cannot create a temp file in %s: %s", sg->dir, strerror(e));
            goto out;
        }
    }
    if (SYS.fchmod(fd, sg->st.st_mode & 07777) < 0) {
        rc = io_fail(err, errno, "cannot set the mode of a temp file for", path);
        goto out;
    }
    if (geteuid() == 0) {
        if (fchown(fd, sg->st.st_uid, sg->st.st_gid) < 0) {
            rc = io_fail(err, errno, "cannot keep the owner of", path);
            goto out;
        }
    } else if (sg->st.st_gid != getegid()) {
        /* keep the group when we may; if not, it becomes ours, as with any editor's save */
        int ignored = fchown(fd, (uid_t)-1, sg->st.st_gid);
        UNUSED(ignored);
    }
    if (edit_write_all(fd, new_text, new_len) < 0) {
        rc = io_fail(err, errno, "cannot write", path);
        goto out;
    }
    int cr = close(fd);
    fd = -1;
    if (cr < 0) {
        rc = io_fail(err, errno, "cannot write", path);
        goto out;
    }
out:
    if (fd >= 0) close(fd);
    free(cur);
    if (rc) staged_drop(sg);
    return rc;
}

/* Makes the temp's bytes durable (fsync through a fresh descriptor: it
 * flushes the file, whichever descriptor wrote it). */
static int stage_sync(staged *sg, edit_error *err)
{
    int fd = SYS.open(sg->tmp, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0) return io_fail(err, errno, "cannot reopen the temp file for", sg->path);
    if (SYS.fsync(fd) < 0) {
        int e = errno;
        close(fd);
        return io_fail(err, e, "cannot fsync", sg->path);
    }
    close(fd);
    return 0;
}

/* Renames the temp over the target, unless the target changed meanwhile. */
static int stage_install(staged *sg, edit_error *err)
{
    struct stat st2;
    if (stat(sg->real, &st2) < 0 || !same_file(&sg->st, &st2))
        return fail(err, EDIT_ECONFLICT, "%s changed while it was being written; nothing written",
                    sg->path);
    if (SYS.rename(sg->tmp, sg->real) < 0) return io_fail(err, errno, "cannot replace", sg->path);
    free(sg->tmp);
    sg->tmp = NULL; /* it is the file now */
    return 0;
}

int edit_write_file(const char *path, const char *old_text, size_t old_len,
                    const char *new_text, size_t new_len, edit_error *err)
{
    if (err) memset(err, 0, sizeof *err);
    staged sg;
    int rc = stage(path, old_text, old_len, new_text, new_len, &sg, err);
    if (rc) return rc;
    rc = stage_sync(&sg, err);
    if (!rc) rc = stage_install(&sg, err);
    if (!rc) rc = fsync_dir(sg.dir, err);
    staged_drop(&sg);
    return rc;
}

struct edit_batch {
    VEC(staged) files;
    char **dirs;
    size_t n, cap;
};

edit_batch *edit_batch_new(void) { return xcalloc(1, sizeof(edit_batch)); }

int edit_batch_add(edit_batch *b, const char *path, const char *old_text, size_t old_len,
                   const char *new_text, size_t new_len, edit_error *err)
{
    if (err) memset(err, 0, sizeof *err);
    staged sg;
    int rc = stage(path, old_text, old_len, new_text, new_len, &sg, err);
    if (rc) return rc;
    sg.path = NULL; /* the caller's string may not outlive this call */
    VEC_PUSH(&b->files, sg);
    return 0;
}

static void batch_dir(edit_batch *b, const char *dir)
{
    for (size_t i = b->n; i > 0; i--) /* usually the last one: notes come by directory */
        if (!strcmp(b->dirs[i - 1], dir)) return;
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 8;
        b->dirs = xrealloc(b->dirs, b->cap * sizeof *b->dirs);
    }
    b->dirs[b->n++] = xstrdup(dir);
}

int edit_batch_commit(edit_batch *b, edit_error *err)
{
    if (err) memset(err, 0, sizeof *err);
    int rc = 0;
    edit_error e;
    /* 1. every temp durable, or nothing is installed. One syncfs() per
     *    filesystem writes them all back in one journal commit; the per-file
     *    fsync after it finds little to do but still reports each file's
     *    error (syncfs reports errors reliably only since Linux 5.8). */
    dev_t devs[8];
    size_t ndev = 0;
    /* (small batches skip it: syncfs also waits for other programs' writes) */
    for (size_t i = 0; b->files.len >= 16 && i < b->files.len && ndev < ARRAY_LEN(devs); i++) {
        dev_t d = b->files.items[i].st.st_dev;
        size_t k = 0;
        while (k < ndev && devs[k] != d) k++;
        if (k < ndev) continue;
        devs[ndev++] = d;
        int fd = open(b->files.items[i].dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0) {
            int ignored = syncfs(fd); /* an optimisation: the fsyncs below decide */
            UNUSED(ignored);
            close(fd);
        }
    }
    for (size_t i = 0; i < b->files.len && !rc; i++) {
        staged *sg = &b->files.items[i];
        sg->path = sg->real;
        rc = stage_sync(sg, err);
    }
    if (rc) {
        for (size_t i = 0; i < b->files.len; i++) staged_drop(&b->files.items[i]);
        b->files.len = 0;
        return rc;
    }
    /* 2. install each (a conflict or a failed rename skips that file only) */
    for (size_t i = 0; i < b->files.len; i++) {
        staged *sg = &b->files.items[i];
        memset(&e, 0, sizeof e);
        int r = stage_install(sg, &e);
        if (r && !rc) {
            rc = r;
            if (err) *err = e;
        }
        if (!r) batch_dir(b, sg->dir);
        staged_drop(sg);
    }
    b->files.len = 0;
    /* 3. one fsync per directory */
    for (size_t i = 0; i < b->n; i++) {
        memset(&e, 0, sizeof e);
        int r = fsync_dir(b->dirs[i], &e);
        if (r && !rc) {
            rc = r;
            if (err) *err = e;
        }
        free(b->dirs[i]);
    }
    b->n = 0;
    return rc;
}

size_t edit_batch_pending(const edit_batch *b) { return b->files.len; }

void edit_batch_free(edit_batch *b)
{
    if (!b) return;
    for (size_t i = 0; i < b->files.len; i++) staged_drop(&b->files.items[i]);
    VEC_FREE(&b->files);
    for (size_t i = 0; i < b->n; i++) free(b->dirs[i]);
    free(b->dirs);
    free(b);
}
