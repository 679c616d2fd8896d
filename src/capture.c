/* capture.c -- templates, `init`, `new client|meeting` and `capture` (SPEC §2).
 *
 * Design invariants:
 *  - Lose nothing. A capture changes a note by ONE insertion (never a
 *    rewrite of existing bytes), checked by re-parsing the result; the file
 *    is durable (file and directory fsynced) before we return success.
 *  - Never overwrite. New files are installed with link(), which fails when
 *    the name exists; an existing note is only replaced through
 *    edit_write_file, which refuses when it changed since we read it.
 *  - Nothing half-written. Every failure before the install removes the
 *    temp file (and directories this call created); the original bytes stay.
 *    Error messages are one line: what failed, why, what to do.
 *  - The pure half (slug, render, entry, place) does no I/O and keeps no
 *    state; the I/O half goes through edit_syscalls / capture_syscalls so
 *    tests can fail any step.
 */
#include "capture.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "util.h"

#define MAX_TEMPLATE (1u << 20)
#define SLUG_MAX 120

#define fail edit_errorf

/* ------------------------------------------------------------------ clock */

static int digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    return 1;
}

int capture_parse_now(const char *s, capture_when *out)
{
    if (!s || strlen(s) != 16 || (s[10] != 'T' && s[10] != ' ') || s[13] != ':') return -1;
    if (!date_valid(s, 10) || !digits(s + 11, 2) || !digits(s + 14, 2)) return -1;
    int hh = (s[11] - '0') * 10 + (s[12] - '0'), mm = (s[14] - '0') * 10 + (s[15] - '0');
    if (hh > 23 || mm > 59) return -1;
    memcpy(out->date, s, 10);
    out->date[10] = 0;
    memcpy(out->time, s + 11, 5);
    out->time[5] = 0;
    return 0;
}

int capture_clock(const char *today, capture_when *out, edit_error *err)
{
    const char *env = getenv("RAPPORT_NOW");
    if (env && *env) {
        if (capture_parse_now(env, out) < 0)
            return fail(err, EDIT_EINVAL, "$RAPPORT_NOW wants YYYY-MM-DDTHH:MM, not '%s'", env);
    } else {
        time_t t = time(NULL);
        struct tm tm;
        if (!localtime_r(&t, &tm)) return fail(err, EDIT_EIO, "cannot read the local time");
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min);
        if (capture_parse_now(tmp, out) < 0) return fail(err, EDIT_EIO, "bad local time %s", tmp);
    }
    if (today && *today) {
        if (!date_valid(today, strlen(today)))
            return fail(err, EDIT_EINVAL, "today wants YYYY-MM-DD, not '%s'", today);
        memcpy(out->date, today, 10);
        out->date[10] = 0;
    }
    return 0;
}

/* ------------------------------------------------------------ text helpers */

/* Line table: st[i] is the byte offset of line i+1; n lines. */
typedef struct {
    size_t *st;
    int n;
    const char *t;
    size_t len;
} ltab;

static void lt_init(ltab *lt, const char *t, size_t len)
{
    size_t cap = 16;
    lt->st = xmalloc(cap * sizeof *lt->st);
    lt->n = 0;
    lt->t = t;
    lt->len = len;
    size_t off = 0;
    while (off < len) {
        if ((size_t)lt->n == cap) lt->st = xrealloc(lt->st, (cap *= 2) * sizeof *lt->st);
        lt->st[lt->n++] = off;
        const char *q = memchr(t + off, '\n', len - off);
        off = q ? (size_t)(q - t) + 1 : len;
    }
}

static void lt_free(ltab *lt) { free(lt->st), lt->st = NULL; }

/* Offset where line `l` (1-based) starts; len for l past the last line. */
static size_t lt_start(const ltab *lt, int l) { return l <= lt->n ? lt->st[l - 1] : lt->len; }

static int lt_blank(const ltab *lt, int l)
{
    if (l < 1 || l > lt->n) return 1;
    for (size_t i = lt_start(lt, l), e = lt_start(lt, l + 1); i < e; i++) {
        char c = lt->t[i];
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return 0;
    }
    return 1;
}

/* The note's line ending: that of its first line ("\n" when it has none). */
static const char *text_eol(const char *t, size_t len)
{
    const char *q = memchr(t, '\n', len);
    return q && q > t && q[-1] == '\r' ? "\r\n" : "\n";
}

static int is_sp(char c) { return c == ' ' || c == '\t'; }

static void trim(const char **p, size_t *n)
{
    while (*n && is_sp(**p)) (*p)++, (*n)--;
    while (*n && (is_sp((*p)[*n - 1]) || (*p)[*n - 1] == '\r')) (*n)--;
}

static void strv_push(char ***v, size_t *n, char *s)
{
    *v = xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = s;
}

/* One line of user text: lines trimmed and joined with ' ', tabs -> ' ',
 * controls dropped. The input must be valid UTF-8. */
static char *clean_text(const char *s, size_t n)
{
    buf_t b = {0}, line = {0};
    size_t i = 0;
    for (;;) {
        int brk = 0;
        size_t step = 1;
        if (i >= n) {
            brk = 2;
        } else {
            unsigned char c = (unsigned char)s[i];
            uint32_t cp = c;
            if (c >= 0x80) {
                int k = utf8_decode(s + i, n - i, &cp);
                step = k > 0 ? (size_t)k : 1;
            }
            if (cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f' || cp == 0x2028 ||
                cp == 0x2029 || cp == 0x85)
                brk = 1;
            else if (cp == '\t')
                buf_addc(&line, ' ');
            else if (cp >= 0x20 && cp != 0x7f && (cp < 0x80 || cp >= 0xa0))
                buf_add(&line, s + i, step); /* other controls are dropped */
        }
        if (brk) {
            const char *p = line.data ? line.data : "";
            size_t m = line.len;
            trim(&p, &m);
            if (m) {
                if (b.len) buf_addc(&b, ' ');
                buf_add(&b, p, m);
            }
            line.len = 0;
            if (brk == 2) break;
        }
        i += step;
    }
    buf_free(&line);
    if (!b.data) return xstrdup("");
    buf_cstr(&b);
    return b.data;
}

/* ------------------------------------------------------------------- slug */

static int slug_letter(uint32_t cp)
{
    if (cp < 0xa0) return 0;
    if (cp <= 0xbf) return 0;
    if (cp == 0xd7 || cp == 0xf7) return 0;
    if (cp >= 0x2000 && cp <= 0x206f) return 0;
    if (cp >= 0x3000 && cp <= 0x3003) return 0; /* ideographic space and punctuation */
    if (cp == 0xfeff) return 0;
    return 1;
}

char *capture_slug(const char *name)
{
    size_t n = strlen(name);
    if (!utf8_valid(name, n)) return NULL;
    buf_t b = {0};
    int dash = 0; /* a '-' is pending */
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x80) {
            i++;
            if (isalnum(c) || c == '_') {
                if (dash && b.len) buf_addc(&b, '-');
                dash = 0;
                buf_addc(&b, (char)tolower(c));
            } else if (c != '\'' && c != '"' && c != '`') {
                dash = 1; /* spaces and punctuation separate words */
            } /* quotes are dropped: "O'Brien" -> "obrien" */
        } else {
            uint32_t cp;
            int k = utf8_decode(name + i, n - i, &cp);
            if (k <= 0) break;
            if (slug_letter(cp)) {
                if (b.len + (size_t)k > SLUG_MAX) break;
                if (dash && b.len) buf_addc(&b, '-');
                dash = 0;
                buf_add(&b, name + i, (size_t)k);
            } else if (cp == 0xa0 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x3000) {
                dash = 1; /* non-ASCII spaces */
            }
            i += (size_t)k;
        }
        if (b.len >= SLUG_MAX) break;
    }
    while (b.len && b.data[b.len - 1] == '-') b.len--;
    if (!b.len) {
        buf_free(&b);
        return NULL;
    }
    buf_cstr(&b);
    b.data[b.len] = 0;
    return b.data;
}

/* -------------------------------------------------------------- templates */

static const char tpl_client[] =
    "---\n"
    "type: client\n"
    "tags: []\n"
    "# cadence: 30  (days between contacts; unset = the vault's default)\n"
    "---\n"
    "# {{title}}\n"
    "\n"
    "## Needs\n"
    "<!-- What do they need right now, in their words? Ask, don't guess. -->\n"
    "\n"
    "## Objectives\n"
    "<!-- What outcomes do they want this year? How will they know it worked? -->\n"
    "\n"
    "## Challenges\n"
    "<!-- What is getting in their way? -->\n"
    "\n"
    "## Stakeholders\n"
    "<!-- Everyone affected, not only who decides: - @name - role, what they want -->\n"
    "\n"
    "## Priorities\n"
    "<!-- A short list ranked with them; how does each serve their long-term plan? -->\n"
    "\n"
    "## Parking lot\n"
    "<!-- Good ideas that are not a priority now. Nothing is lost here. -->\n"
    "\n"
    "## Notes\n";

static const char tpl_meeting[] =
    "---\n"
    "type: meeting\n"
    "client: {{client}}\n"
    "date: {{date}}\n"
    "tags: []\n"
    "---\n"
    "# {{title}}\n"
    "\n"
    "## Notes\n"
    "\n"
    "## Next steps\n"
    "<!-- Agree on the next step before you hang up: - [ ] what @owner due:YYYY-MM-DD -->\n";

const char *capture_template_default(int kind)
{
    return kind == CAPTURE_TPL_CLIENT ? tpl_client : tpl_meeting;
}

const char *capture_template_name(int kind)
{
    return kind == CAPTURE_TPL_CLIENT ? "client.md" : "meeting.md";
}

/* A YAML plain scalar would read back as exactly `s` (a string)? */
static int yaml_plain_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 10 && date_valid(s, n)) return 1; /* dates stay dates */
    if (!n || is_sp(s[0]) || is_sp(s[n - 1])) return 0;
    if (strchr("-?:,[]{}#&*!|>'\"%@`~", s[0])) return 0;
    if (s[n - 1] == ':') return 0;
    if (strstr(s, ": ") || strstr(s, " #")) return 0;
    static const char *const words[] = {"null", "true", "false", "yes", "no", "on", "off", "y", "n"};
    for (size_t i = 0; i < ARRAY_LEN(words); i++)
        if (!ascii_casecmp(s, words[i])) return 0;
    int numeric = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] >= '0' && s[i] <= '9') numeric = 1;
    for (size_t i = 0; i < n; i++)
        if (!strchr("0123456789.+-_eExXoObB:", s[i])) numeric = 0;
    if (numeric) return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20) return 0;
    return 1;
}

static void yaml_scalar(buf_t *b, const char *s)
{
    if (yaml_plain_ok(s)) {
        buf_adds(b, s);
        return;
    }
    buf_addc(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') buf_addc(b, '\\');
        buf_addc(b, *s);
    }
    buf_addc(b, '"');
}

static const char *var_value(const capture_vars *v, const char *name, size_t n)
{
    const char *r = NULL;
    if (n == 6 && !memcmp(name, "client", 6)) r = v->client;
    else if (n == 4 && !memcmp(name, "date", 4)) r = v->date;
    else if (n == 4 && !memcmp(name, "time", 4)) r = v->time;
    else if (n == 5 && !memcmp(name, "title", 5)) r = v->title;
    else return NULL;
    return r ? r : "";
}

/* A placeholder at s (s[0..n) starts with "{{")? Sets its total length. */
static const char *placeholder(const capture_vars *v, const char *s, size_t n, size_t *plen)
{
    if (n < 4 || s[0] != '{' || s[1] != '{') return NULL;
    size_t i = 2;
    while (i < n && is_sp(s[i])) i++;
    size_t a = i;
    while (i < n && s[i] >= 'a' && s[i] <= 'z') i++;
    size_t b = i;
    while (i < n && is_sp(s[i])) i++;
    if (i + 1 >= n || s[i] != '}' || s[i + 1] != '}') return NULL;
    *plen = i + 2;
    return var_value(v, s + a, b - a);
}

/* Frontmatter of a text: the opening line "---" (after a BOM) and the
 * closing "---"/"...". Lines are 1-based; 0 when absent. */
static int fm_bounds(const ltab *lt, int *close)
{
    *close = 0;
    if (lt->n < 2) return 0;
    for (int l = 1; l <= lt->n; l++) {
        const char *p = lt->t + lt_start(lt, l);
        size_t n = lt_start(lt, l + 1) - lt_start(lt, l);
        if (l == 1 && n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) p += 3, n -= 3;
        while (n && (p[n - 1] == '\n' || p[n - 1] == '\r' || is_sp(p[n - 1]))) n--;
        int dashes = n == 3 && !memcmp(p, "---", 3);
        if (l == 1) {
            if (!dashes) return 0;
        } else if (dashes || (n == 3 && !memcmp(p, "...", 3))) {
            *close = l;
            return 1;
        }
    }
    return 0;
}

/* Is frontmatter line l a top-level `key:`? Sets the value's range. */
static int fm_key(const ltab *lt, int l, const char *key, size_t *vs, size_t *ve)
{
    const char *t = lt->t;
    size_t s = lt_start(lt, l), e = lt_start(lt, l + 1);
    size_t k = strlen(key);
    if (e - s < k + 1 || memcmp(t + s, key, k) || t[s + k] != ':') return 0;
    size_t v = s + k + 1;
    if (v < e && !is_sp(t[v]) && t[v] != '\r' && t[v] != '\n') return 0;
    *vs = v;
    *ve = e;
    return 1;
}

/* Empty YAML value: blanks, a comment, `~` or `null`. */
static int value_empty(const char *p, size_t n)
{
    trim(&p, &n);
    while (n && (p[n - 1] == '\n' || p[n - 1] == '\r')) n--;
    trim(&p, &n);
    if (!n || p[0] == '#') return 1;
    if ((n == 1 && p[0] == '~') || (n == 4 && !ascii_ncasecmp(p, "null", 4))) return 1;
    return 0;
}

/* Substitutes placeholders; frontmatter lines (fm_open < l < fm_close) whose
 * value is one placeholder get it YAML-quoted. */
static void substitute(const ltab *lt, int fm_close, const capture_vars *v, buf_t *out)
{
    const char *t = lt->t;
    for (int l = 1; l <= lt->n; l++) {
        size_t s = lt_start(lt, l), e = lt_start(lt, l + 1);
        if (l > 1 && l < fm_close) {
            const char *colon = memchr(t + s, ':', e - s);
            if (colon && colon > t + s && !is_sp(t[s])) {
                const char *p = colon + 1;
                size_t n = (size_t)(t + e - p);
                trim(&p, &n);
                while (n && (p[n - 1] == '\n' || p[n - 1] == '\r')) n--;
                size_t plen;
                const char *val = placeholder(v, p, n, &plen);
                if (val && plen == n && p > colon + 1) {
                    buf_add(out, t + s, (size_t)(p - (t + s)));
                    yaml_scalar(out, val);
                    buf_add(out, p + n, (size_t)(t + e - (p + n)));
                    continue;
                }
            }
        }
        for (size_t i = s; i < e;) {
            size_t plen;
            const char *val = t[i] == '{' ? placeholder(v, t + i, e - i, &plen) : NULL;
            if (val) {
                buf_adds(out, val);
                i += plen;
            } else {
                buf_addc(out, t[i++]);
            }
        }
    }
}

char *capture_render(int kind, const char *tpl, size_t len, const capture_vars *v,
                     size_t *out_len)
{
    const char *eol = text_eol(tpl, len);
    ltab lt;
    lt_init(&lt, tpl, len);
    int fm_close;
    int has_fm = fm_bounds(&lt, &fm_close);
    buf_t sub = {0};
    substitute(&lt, has_fm ? fm_close : 0, v, &sub);
    lt_free(&lt);
    buf_cstr(&sub);
    if (!sub.data) sub.data = xstrdup(""), sub.cap = 1;

    /* the keys the note needs */
    const char *keys[3] = {"type", "client", "date"};
    char *vals[3];
    vals[0] = xstrdup(kind == CAPTURE_TPL_CLIENT ? "client" : "meeting");
    buf_t cv = {0};
    yaml_scalar(&cv, v->client ? v->client : "");
    vals[1] = cv.data ? (buf_cstr(&cv), cv.data) : xstrdup("\"\"");
    vals[2] = xstrdup(v->date && *v->date ? v->date : "\"\"");
    int nkeys = kind == CAPTURE_TPL_CLIENT ? 1 : 3;

    ltab st;
    lt_init(&st, sub.data, sub.len);
    has_fm = fm_bounds(&st, &fm_close);
    int have[3] = {0, 0, 0}, empty_line[3] = {0, 0, 0};
    if (has_fm) {
        for (int l = 2; l < fm_close; l++)
            for (int k = 0; k < nkeys; k++) {
                size_t vs, ve;
                if (!have[k] && !empty_line[k] && fm_key(&st, l, keys[k], &vs, &ve)) {
                    if (value_empty(sub.data + vs, ve - vs)) empty_line[k] = l;
                    else have[k] = 1;
                }
            }
    }
    buf_t out = {0};
    buf_t add = {0};
    for (int k = 0; k < nkeys; k++)
        if (!have[k] && !empty_line[k]) buf_printf(&add, "%s: %s%s", keys[k], vals[k], eol);
    if (!has_fm) {
        size_t bom = sub.len >= 3 && !memcmp(sub.data, "\xEF\xBB\xBF", 3) ? 3 : 0;
        buf_add(&out, sub.data, bom);
        buf_printf(&out, "---%s", eol);
        if (add.len) buf_add(&out, add.data, add.len);
        buf_printf(&out, "---%s", eol);
        buf_add(&out, sub.data + bom, sub.len - bom);
    } else {
        for (int l = 1; l <= st.n; l++) {
            size_t s = lt_start(&st, l), e = lt_start(&st, l + 1);
            int k = -1;
            for (int j = 0; j < nkeys; j++)
                if (empty_line[j] == l) k = j;
            if (k >= 0) {
                const char *le = e > s && sub.data[e - 1] == '\n'
                                     ? (e - s >= 2 && sub.data[e - 2] == '\r' ? "\r\n" : "\n")
                                     : "";
                buf_printf(&out, "%s: %s%s", keys[k], vals[k], le);
            } else {
                buf_add(&out, sub.data + s, e - s);
            }
            if (l == 1 && add.len) buf_add(&out, add.data, add.len);
        }
    }
    lt_free(&st);
    buf_free(&add);
    buf_free(&sub);
    for (int k = 0; k < 3; k++) free(vals[k]);
    buf_cstr(&out);
    *out_len = out.len;
    return out.data;
}

/* ------------------------------------------------------------------ entry */

/* A task's text after `[]`/`[ ]` (with an optional list marker), or NULL. */
static const char *task_body(const char *s)
{
    if ((s[0] == '-' || s[0] == '*' || s[0] == '+') && s[1] == ' ') {
        s++;
        while (*s == ' ') s++;
    }
    if (s[0] != '[') return NULL;
    if (s[1] == ']') s += 2;
    else if (s[1] == ' ' && s[2] == ']') s += 3;
    else return NULL;
    if (*s && *s != ' ') return NULL;
    while (*s == ' ') s++;
    return s;
}

int capture_entry(const char *text, size_t len, const char *hhmm, char **line, int *is_task,
                  edit_error *err)
{
    *line = NULL;
    *is_task = 0;
    if (!utf8_valid(text, len))
        return fail(err, EDIT_EINVAL, "the text is not valid UTF-8; nothing was written");
    char *c = clean_text(text, len);
    if (!*c) {
        free(c);
        return fail(err, EDIT_EINVAL, "nothing to capture: the text is empty");
    }
    /* an unclosed HTML comment would hide the rest of the note */
    buf_t b = {0};
    const char *body = task_body(c);
    if (body) {
        if (!*body) {
            free(c);
            return fail(err, EDIT_EINVAL, "nothing to capture: the task has no text");
        }
        *is_task = 1;
        buf_adds(&b, "- [ ] ");
    } else {
        body = c;
        if ((body[0] == '-' || body[0] == '*' || body[0] == '+') && body[1] == ' ') {
            body += 2;
            while (*body == ' ') body++;
            if (!*body) body = c; /* "- " alone is the text */
        }
        buf_printf(&b, "- %s ", hhmm);
    }
    for (const char *p = body; *p;) {
        const char *o = strstr(p, "<!--");
        if (!o) {
            buf_adds(&b, p);
            break;
        }
        buf_add(&b, p, (size_t)(o - p));
        if (strstr(o + 4, "-->")) {
            const char *close = strstr(o + 4, "-->") + 3;
            buf_add(&b, o, (size_t)(close - o));
            p = close;
        } else {
            buf_adds(&b, "<\\!--");
            p = o + 4;
        }
    }
    free(c);
    buf_cstr(&b);
    *line = b.data;
    return 0;
}

/* -------------------------------------------------------------- placement */

static const parse_heading *sec_heading(const parse_note *pn, const parse_section *s)
{
    return &pn->headings[s->heading];
}

/* Level for a new section heading: like the note's other section headings. */
static int new_level(const parse_note *pn, const parse_section *like)
{
    if (like) return sec_heading(pn, like)->level;
    if (pn->n_sections) return pn->headings[pn->sections[0].heading].level;
    return 2;
}

static void put_heading(buf_t *b, int level, const char *name, const char *eol)
{
    for (int i = 0; i < level; i++) buf_addc(b, '#');
    buf_printf(b, " %s%s", name, eol);
}

/* The item text parse gives for `entry` ("- HH:MM x" -> "HH:MM x"; tasks: "x"). */
static const char *entry_item_text(const char *entry, int is_task)
{
    return entry + (is_task ? 6 : 2);
}

static int self_check(const char *text, size_t len, const parse_note *before, int kind,
                      int added_heading, const char *entry, int is_task, int line)
{
    parse_note pn;
    parse_note_text("note.md", text, len, &pn);
    int ok = 0;
    const parse_section *s = parse_find_section(&pn, kind);
    if (s && line >= s->line && line <= s->end_line &&
        pn.n_headings == before->n_headings + (size_t)added_heading) {
        for (size_t i = s->first_item; i < s->first_item + s->n_items; i++) {
            const parse_item *it = &pn.items[i];
            if (it->line == line && it->end_line == line &&
                !strcmp(it->text, entry_item_text(entry, is_task)) &&
                it->task == (is_task ? 0 : -1)) {
                ok = 1;
                break;
            }
        }
    }
    parse_note_free(&pn);
    return ok;
}

int capture_place(const char *text, size_t len, const parse_note *pn, const char *entry,
                  int is_task, edit_list *out, int *line, edit_error *err)
{
    memset(out, 0, sizeof *out);
    *line = 0;
    const char *eol = text_eol(text, len);
    int final_nl = len == 0 || text[len - 1] == '\n';
    ltab lt;
    lt_init(&lt, text, len);
    int kind = is_task ? SEC_NEXT_STEPS : SEC_NOTES;
    const char *name = parse_section_names[kind];
    const parse_section *sec = parse_find_section(pn, kind);
    const parse_section *next = is_task ? NULL : parse_find_section(pn, SEC_NEXT_STEPS);
    buf_t ins = {0};
    size_t off;
    int at, added = 0;

    if (sec) {
        /* after the last non-blank line, before a recognised section nested in it */
        const parse_heading *h = sec_heading(pn, sec);
        int stop = sec->end_line;
        for (size_t i = (size_t)sec->heading + 1; i < pn->n_headings; i++) {
            const parse_heading *n = &pn->headings[i];
            if (n->line > sec->end_line || n->level <= h->level) break;
            if (n->kind != SEC_NONE) {
                stop = n->line - 1;
                while (stop > sec->line && lt_blank(&lt, stop)) stop--;
                break;
            }
        }
        if (stop < lt.n || final_nl) {
            off = lt_start(&lt, stop + 1);
            buf_adds(&ins, entry);
            buf_adds(&ins, eol);
        } else {
            off = len;
            buf_adds(&ins, eol);
            buf_adds(&ins, entry);
        }
        at = stop + 1;
    } else if (next) {
        /* a Notes section just before Next steps */
        int hl = next->line;
        added = 1;
        off = lt_start(&lt, hl);
        int blank_before = hl > 1 && !lt_blank(&lt, hl - 1) && hl - 1 > pn->fm.end_line;
        if (blank_before) buf_adds(&ins, eol);
        put_heading(&ins, new_level(pn, next), name, eol);
        buf_adds(&ins, entry);
        buf_adds(&ins, eol);
        buf_adds(&ins, eol);
        at = hl + blank_before + 1;
    } else {
        /* a new section at the end */
        added = 1;
        off = len;
        if (!final_nl) buf_adds(&ins, eol);
        int blank_before = lt.n > 0 && !lt_blank(&lt, lt.n);
        if (blank_before) buf_adds(&ins, eol);
        put_heading(&ins, new_level(pn, is_task ? parse_find_section(pn, SEC_NOTES) : NULL), name,
                    eol);
        buf_adds(&ins, entry);
        if (final_nl) buf_adds(&ins, eol);
        at = lt.n + blank_before + 2;
    }
    lt_free(&lt);

    edit_list e = {0};
    e.r = xcalloc(1, sizeof *e.r);
    e.n = e.cap = 1;
    e.r[0].start = e.r[0].end = off;
    e.r[0].len = ins.len;
    buf_cstr(&ins);
    e.r[0].text = ins.data;

    size_t nlen;
    char *nt = edit_apply(text, len, &e, &nlen);
    int ok = self_check(nt, nlen, pn, kind, added, entry, is_task, at);
    free(nt);
    if (!ok) {
        edit_list_free(&e);
        return fail(err, EDIT_EINTERNAL,
                    "cannot place the line safely in its %s section (an unclosed code block or "
                    "comment?): close it and try again; nothing was written",
                    name);
    }
    *out = e;
    *line = at;
    return 0;
}

int capture_insert(const char *path, const char *text, size_t len, const char *hhmm,
                   const char *raw, size_t raw_len, char **out, size_t *out_len, int *line,
                   edit_error *err)
{
    *out = NULL;
    *out_len = 0;
    char *entry;
    int is_task;
    int rc = capture_entry(raw, raw_len, hhmm, &entry, &is_task, err);
    if (rc) return rc;
    parse_note pn;
    parse_note_text(path, text, len, &pn);
    edit_list e;
    rc = capture_place(text, len, &pn, entry, is_task, &e, line, err);
    if (!rc) *out = edit_apply(text, len, &e, out_len);
    edit_list_free(&e);
    parse_note_free(&pn);
    free(entry);
    return rc;
}

/* -------------------------------------------------------------------- I/O */

static int sys_mkdir(const char *path, mode_t mode) { return mkdir(path, mode); }

capture_sys capture_syscalls = {sys_mkdir, link};

void capture_sys_reset(void)
{
    capture_sys d = {sys_mkdir, link};
    capture_syscalls = d;
}

#define SYS edit_syscalls
#define CSYS capture_syscalls

void capture_result_free(capture_result *r)
{
    if (!r) return;
    free(r->path);
    for (size_t i = 0; i < r->n_created; i++) free(r->created_files[i]);
    for (size_t i = 0; i < r->n_kept; i++) free(r->kept_files[i]);
    for (size_t i = 0; i < r->n_warnings; i++) free(r->warnings[i]);
    free(r->created_files), free(r->kept_files), free(r->warnings);
    memset(r, 0, sizeof *r);
}

static void warn(capture_result *r, char *msg)
{
    if (r) strv_push(&r->warnings, &r->n_warnings, msg);
    else free(msg);
}

/* Why a system call failed (*why) and what to do about it (return). */
static const char *advice(int e, const char **why)
{
    switch (e) {
    case ENOSPC:
    case EDQUOT: *why = "the disk is full"; return "free some space and try again";
    case EROFS:
        *why = "the vault is on a read-only filesystem";
        return "remount it read-write and try again";
    case EACCES:
    case EPERM:
        *why = "permission denied";
        return "check who owns the vault's files and directories";
    case ENOENT: *why = "a directory is missing"; return "check that the vault still exists";
    case ENOTDIR: *why = "a file stands where a directory should be"; return "move that file";
    case EIO: *why = "the disk reported an I/O error"; return "check the disk, then try again";
    case ENAMETOOLONG: *why = "the name is too long"; return "use a shorter client name";
    default: *why = strerror(e); return "try again; if it keeps failing, check the disk";
    }
}

static const int known_errnos[] = {ENOSPC, EDQUOT, EROFS, EACCES, EPERM,  ENOENT,
                                   ENOTDIR, EIO,   EMLINK, ENAMETOOLONG};

/* errno behind an edit_error message (edit.c writes strerror(e) into it). */
static int errno_of(const char *msg)
{
    for (size_t i = 0; i < ARRAY_LEN(known_errnos); i++)
        if (strstr(msg, strerror(known_errnos[i]))) return known_errnos[i];
    return 0;
}

/* "cannot save <rel>: <why>: <what to do>; nothing was written (<detail>)" */
static int io_error(edit_error *err, int e, const char *rel, const char *detail)
{
    const char *why, *todo = advice(e, &why);
    return fail(err, EDIT_EIO, "cannot save %s: %s: %s; nothing was written (%s)", rel, why, todo,
                detail);
}

/* io_error with detail "<step>: <strerror>" */
static int io_step(edit_error *err, int e, const char *rel, const char *step)
{
    char *d = xasprintf("%s: %s", step, strerror(e));
    int rc = io_error(err, e, rel, d);
    free(d);
    return rc;
}

static char *join(const char *a, const char *b) { return xasprintf("%s/%s", a, b); }

/* err->msg = a + b + c, cut to fit. */
static void set_msg(edit_error *err, const char *a, const char *b, const char *c)
{
    char *m = xasprintf("%s%s%s", a, b, c);
    size_t n = strlen(m);
    if (n >= sizeof err->msg) n = sizeof err->msg - 1;
    memcpy(err->msg, m, n);
    err->msg[n] = 0;
    free(m);
}

/* fsync a directory through the fault table. Returns 0 or -1 (errno set). */
static int sync_dir(const char *dir)
{
    int fd = SYS.open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (fd < 0) return -1;
    int rc = SYS.fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

/* Directories a call created, removed again (if still empty) on failure. */
typedef struct {
    char **v;
    size_t n;
} dirlist;

static void dirs_undo(dirlist *d)
{
    for (size_t i = d->n; i > 0; i--) {
        rmdir(d->v[i - 1]);
        free(d->v[i - 1]);
    }
    free(d->v);
    memset(d, 0, sizeof *d);
}

static void dirs_keep(dirlist *d)
{
    for (size_t i = 0; i < d->n; i++) free(d->v[i]);
    free(d->v);
    memset(d, 0, sizeof *d);
}

/* mkdir -p of vault/reldir (0755 minus the umask); each new directory is
 * made durable in its parent. */
static int make_dirs(const char *vault, const char *reldir, dirlist *made, const char *rel,
                     edit_error *err)
{
    struct stat st;
    int e = stat(vault, &st) < 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
    if (e) {
        char *d = xasprintf("the vault %s: %s", vault, strerror(e));
        int rc = io_error(err, e, rel, d);
        free(d);
        return rc;
    }
    char *parent = xstrdup(vault);
    const char *p = reldir;
    int rc = 0;
    while (*p) {
        const char *q = strchr(p, '/');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        char *comp = xstrndup(p, n);
        char *path = join(parent, comp);
        free(comp);
        const char *step = NULL;
        e = 0;
        if (CSYS.mkdir(path, 0755) == 0) {
            strv_push(&made->v, &made->n, xstrdup(path));
            if (sync_dir(parent) < 0) e = errno, step = "fsync of the directory";
        } else if (errno != EEXIST) {
            e = errno, step = "mkdir";
        } else if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
            e = ENOTDIR, step = "not a directory";
        }
        if (e) {
            char *d = xasprintf("%s %s: %s", step, e == ENOTDIR ? path : parent, strerror(e));
            rc = io_error(err, e, rel, d);
            free(d);
        }
        free(parent);
        parent = path;
        if (rc) break;
        p = q ? q + 1 : p + n;
    }
    free(parent);
    return rc;
}


#define CREATE_EXISTS 1

/* Creates vault/rel with `text`, durably, only if no file has that name:
 * temp in the same directory + fsync + link() + unlink(temp) + directory
 * fsync. Returns 0, CREATE_EXISTS (nothing written), or an EDIT_* code.
 * On failure nothing is left: no temp, no new file, no new directory. */
static int create_file(const char *vault, const char *rel, const char *text, size_t len,
                       edit_error *err)
{
    static unsigned counter;
    int rc = 0, fd = -1;
    char *tmp = NULL, *dir = NULL, *target = join(vault, rel);
    dirlist made = {0};
    const char *slash = strrchr(rel, '/');
    const char *base = slash ? slash + 1 : rel;
    char *reldir = slash ? xstrndup(rel, (size_t)(slash - rel)) : xstrdup("");
    dir = *reldir ? join(vault, reldir) : xstrdup(vault);

    struct stat st;
    if (lstat(target, &st) == 0) {
        rc = CREATE_EXISTS;
        goto out;
    }
    if ((rc = make_dirs(vault, reldir, &made, rel, err))) goto out;

    for (int tries = 0;; tries++) {
        unsigned r = (unsigned)getpid() * 2654435761u ^ (unsigned)now_ns() ^ (++counter * 40503u);
        tmp = xasprintf("%s/.%s.rapport-%06x", dir, base, r & 0xFFFFFFu);
        fd = SYS.open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0) break;
        int e = errno;
        free(tmp);
        tmp = NULL;
        if (e != EEXIST || tries > 100) {
            rc = io_step(err, e, rel, "creating a temp file");
            goto out;
        }
    }
    if (edit_write_all(fd, text, len) < 0) {
        rc = io_step(err, errno, rel, "write");
        goto out;
    }
    if (SYS.fsync(fd) < 0) {
        rc = io_step(err, errno, rel, "fsync");
        goto out;
    }
    int cr = close(fd);
    fd = -1;
    if (cr < 0) {
        rc = io_step(err, errno, rel, "close");
        goto out;
    }
    /* install: link() fails if the name was taken meanwhile */
    if (CSYS.link(tmp, target) < 0) {
        int e = errno;
        if (e == EEXIST) {
            rc = CREATE_EXISTS;
            goto out;
        }
        if (e == EPERM || e == EOPNOTSUPP || e == ENOSYS || e == EMLINK) {
            /* a filesystem without hard links: check, then rename */
            if (lstat(target, &st) == 0) {
                rc = CREATE_EXISTS;
                goto out;
            }
            if (SYS.rename(tmp, target) < 0) {
                rc = io_step(err, errno, rel, "rename");
                goto out;
            }
            free(tmp);
            tmp = NULL;
        } else {
            rc = io_step(err, e, rel, "link");
            goto out;
        }
    } else {
        unlink(tmp);
        free(tmp);
        tmp = NULL;
    }
    if (sync_dir(dir) < 0) {
        int e = errno;
        /* not confirmed durable: take it back, so a retry cannot duplicate it */
        unlink(target);
        rc = io_step(err, e, rel, "fsync of its directory");
        goto out;
    }
out:
    if (fd >= 0) close(fd);
    if (tmp) unlink(tmp);
    if (rc && rc != CREATE_EXISTS) dirs_undo(&made);
    else dirs_keep(&made);
    free(tmp), free(dir), free(target), free(reldir);
    return rc;
}

/* Reads vault/rel. Returns 0, or -errno-like via err. */
static int read_note(const char *vault, const char *rel, char **text, size_t *len,
                     edit_error *err)
{
    char *abs = join(vault, rel);
    int rc = edit_read_file(abs, text, len, err);
    free(abs);
    return rc;
}

char *capture_template_load(const char *vault, int kind, size_t *len, capture_result *r)
{
    const char *name = capture_template_name(kind);
    char *path = xasprintf("%s/.rapport/templates/%s", vault, name);
    char *text = NULL;
    size_t n = 0;
    edit_error e = {0};
    struct stat st;
    if (stat(path, &st) == 0) {
        if (st.st_size > (off_t)MAX_TEMPLATE)
            warn(r, xasprintf(".rapport/templates/%s is over 1 MiB; used the built-in template",
                              name));
        else if (edit_read_file(path, &text, &n, &e) < 0)
            warn(r, xasprintf("cannot read .rapport/templates/%s (%s); used the built-in template",
                              name, e.msg));
        else if (!utf8_valid(text, n)) {
            warn(r, xasprintf(".rapport/templates/%s is not valid UTF-8; used the built-in "
                              "template", name));
            free(text);
            text = NULL;
        }
    }
    free(path);
    if (!text) {
        text = xstrdup(capture_template_default(kind));
        n = strlen(text);
    }
    *len = n;
    return text;
}

/* ASCII-lowercased, cleaned copy; NULL if not UTF-8. */
static char *clean_name(const char *s)
{
    size_t n = strlen(s);
    if (!utf8_valid(s, n)) return NULL;
    return clean_text(s, n);
}

/* Does the rendered note read back as intended? */
static int rendered_ok(int kind, const char *rel, const char *text, size_t len, const char *client,
                       const char *date)
{
    parse_note pn;
    parse_note_text(rel, text, len, &pn);
    int ok = !pn.fm.error;
    if (kind == CAPTURE_TPL_CLIENT) {
        ok = ok && pn.type == PARSE_CLIENT;
    } else {
        ok = ok && pn.type == PARSE_MEETING && pn.client && !ascii_casecmp(pn.client, client) &&
             pn.date && !strcmp(pn.date, date);
    }
    parse_note_free(&pn);
    return ok;
}

/* Renders the (user or built-in) template for a note at rel; a user
 * template whose result does not read back as intended is replaced by the
 * built-in one, with a warning. */
static char *render_note(const char *vault, int kind, const char *rel, const capture_vars *v,
                         size_t *len, capture_result *r)
{
    size_t tl;
    char *tpl = capture_template_load(vault, kind, &tl, r);
    char *text = capture_render(kind, tpl, tl, v, len);
    if (!rendered_ok(kind, rel, text, *len, v->client, v->date)) {
        if (strcmp(tpl, capture_template_default(kind)) != 0)
            warn(r, xasprintf(".rapport/templates/%s does not give a %s note (its type%s "
                              "frontmatter differs); used the built-in template",
                              capture_template_name(kind),
                              kind == CAPTURE_TPL_CLIENT ? "client" : "meeting",
                              kind == CAPTURE_TPL_CLIENT ? "" : ", client or date"));
        free(text);
        const char *d = capture_template_default(kind);
        text = capture_render(kind, d, strlen(d), v, len);
    }
    free(tpl);
    return text;
}

int capture_init(const char *vault, capture_result *out, edit_error *err)
{
    memset(out, 0, sizeof *out);
    if (err) memset(err, 0, sizeof *err);
    out->path = xstrdup(".rapport");
    struct {
        const char *rel;
        char *text;
    } files[3] = {
        {".rapport/config.json", config_default_text()},
        {".rapport/templates/client.md", xstrdup(tpl_client)},
        {".rapport/templates/meeting.md", xstrdup(tpl_meeting)},
    };
    int rc = 0;
    for (size_t i = 0; i < ARRAY_LEN(files) && !rc; i++) {
        int r = create_file(vault, files[i].rel, files[i].text, strlen(files[i].text), err);
        if (r == CREATE_EXISTS) strv_push(&out->kept_files, &out->n_kept, xstrdup(files[i].rel));
        else if (r == 0)
            strv_push(&out->created_files, &out->n_created, xstrdup(files[i].rel));
        else rc = r;
    }
    for (size_t i = 0; i < ARRAY_LEN(files); i++) free(files[i].text);
    return rc;
}

int capture_new_client(const char *vault, const char *name, const capture_when *now,
                       capture_result *out, edit_error *err)
{
    memset(out, 0, sizeof *out);
    if (err) memset(err, 0, sizeof *err);
    char *title = clean_name(name);
    if (!title) return fail(err, EDIT_EINVAL, "the client name is not valid UTF-8");
    char *slug = capture_slug(title);
    if (!slug) {
        free(title);
        return fail(err, EDIT_EINVAL,
                    "'%s' gives an empty file name: use a name with letters or digits", name);
    }
    char *rel = xasprintf("clients/%s.md", slug);
    int rc = 0;
    /* the same id in another ASCII case is the same client */
    char *cdir = join(vault, "clients");
    DIR *d = opendir(cdir);
    if (d) {
        struct dirent *de;
        char *want = xasprintf("%s.md", slug);
        while ((de = readdir(d)))
            if (!ascii_casecmp(de->d_name, want)) {
                rc = fail(err, EDIT_EINVAL, "clients/%s already exists: open it instead",
                          de->d_name);
                break;
            }
        free(want);
        closedir(d);
    }
    free(cdir);
    if (!rc) {
        capture_vars v = {slug, now->date, now->time, title};
        size_t len;
        char *text = render_note(vault, CAPTURE_TPL_CLIENT, rel, &v, &len, out);
        rc = create_file(vault, rel, text, len, err);
        free(text);
        if (rc == CREATE_EXISTS)
            rc = fail(err, EDIT_EINVAL, "%s already exists: open it instead", rel);
    }
    if (!rc) {
        out->path = rel;
        out->created = 1;
        rel = NULL;
    }
    free(rel), free(slug), free(title);
    return rc;
}

static int add_to(const char *vault, const char *rel, char *text, size_t len, const char *entry,
                  int is_task, capture_result *out, edit_error *err);
static int is_target(const char *rel, const char *text, size_t len, const char *client,
                     const char *date);

/* meetings/<date>-<slug>[-N].md: with `entry` NULL, creates the first free
 * name. With an entry (capture), the first name that is free or already a
 * meeting of this client on that date: an existing one gets the entry, a
 * free one is created with the entry placed in it. Sets out->path/line. */
static int new_meeting(const char *vault, const char *client, const char *title_of,
                       const char *date, const capture_when *now, const char *entry, int is_task,
                       capture_result *out, edit_error *err)
{
    char *id = clean_name(client);
    if (!id) return fail(err, EDIT_EINVAL, "the client id is not valid UTF-8");
    char *slug = capture_slug(id);
    if (!slug) {
        free(id);
        return fail(err, EDIT_EINVAL,
                    "client '%s' gives an empty file name: use a client id with letters or digits",
                    client);
    }
    ascii_lower(id);
    char *ttl = clean_name(title_of && *title_of ? title_of : id);
    if (!ttl || !*ttl) free(ttl), ttl = xstrdup(id);
    char *title = xasprintf("%s \xE2\x80\x94 %s", ttl, date);
    int rc = CREATE_EXISTS, retried = 0;
    for (int n = 1; n <= 999 && rc == CREATE_EXISTS; n++) {
        char *rel = n == 1 ? xasprintf("meetings/%s-%s.md", date, slug)
                           : xasprintf("meetings/%s-%s-%d.md", date, slug, n);
        if (entry) {
            /* a note of this name that is already the target (the index may lag) */
            char *t = NULL;
            size_t tl = 0;
            edit_error re = {0};
            if (read_note(vault, rel, &t, &tl, &re) == 0) {
                if (is_target(rel, t, tl, id, date)) {
                    rc = add_to(vault, rel, t, tl, entry, is_task, out, err);
                    free(rel);
                    break;
                }
                free(t);
                free(rel);
                continue; /* rc stays CREATE_EXISTS: try the next name */
            }
        }
        capture_vars v = {id, date, now->time, title};
        size_t len;
        char *text = render_note(vault, CAPTURE_TPL_MEETING, rel, &v, &len, n == 1 ? out : NULL);
        int line = 0;
        rc = 0;
        if (entry) {
            parse_note pn;
            parse_note_text(rel, text, len, &pn);
            edit_list e;
            rc = capture_place(text, len, &pn, entry, is_task, &e, &line, err);
            parse_note_free(&pn);
            if (!rc) {
                size_t nl;
                char *nt = edit_apply(text, len, &e, &nl);
                free(text);
                text = nt;
                len = nl;
            }
            edit_list_free(&e);
        }
        if (!rc) rc = create_file(vault, rel, text, len, err);
        free(text);
        if (rc == CREATE_EXISTS && entry && !retried) {
            n--; /* taken meanwhile: look at it again, once */
            retried = 1;
        } else {
            retried = 0;
        }
        if (!rc) {
            out->path = rel;
            out->line = line;
            out->created = 1;
        } else {
            free(rel);
        }
    }
    if (rc == CREATE_EXISTS)
        rc = fail(err, EDIT_EIO, "too many meeting notes named meetings/%s-%s-N.md", date, slug);
    free(title), free(ttl), free(slug), free(id);
    return rc;
}

int capture_new_meeting(const char *vault, const char *client, const char *title_of,
                        const char *date, const capture_when *now, capture_result *out,
                        edit_error *err)
{
    memset(out, 0, sizeof *out);
    if (err) memset(err, 0, sizeof *err);
    if (!date || !*date) date = now->date;
    if (!date_valid(date, strlen(date)))
        return fail(err, EDIT_EINVAL, "--date wants YYYY-MM-DD, not '%s'", date);
    return new_meeting(vault, client, title_of, date, now, NULL, 0, out, err);
}

static int path_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Is this note a meeting of `client` on `date`? */
static int is_target(const char *rel, const char *text, size_t len, const char *client,
                     const char *date)
{
    if (!utf8_valid(text, len)) return 0;
    parse_note pn;
    parse_note_text(rel, text, len, &pn);
    int ok = pn.type == PARSE_MEETING && pn.client && !ascii_casecmp(pn.client, client) &&
             pn.date && !strcmp(pn.date, date);
    parse_note_free(&pn);
    return ok;
}

/* Adds the entry to an existing note at rel (a valid target, `text` as read).
 * Re-reads and re-places on a conflict. */
static int add_to(const char *vault, const char *rel, char *text, size_t len, const char *entry,
                  int is_task, capture_result *out, edit_error *err)
{
    char *abs = join(vault, rel);
    int rc = 0;
    for (int attempt = 0;; attempt++) {
        parse_note pn;
        parse_note_text(rel, text, len, &pn);
        edit_list e;
        int line;
        rc = capture_place(text, len, &pn, entry, is_task, &e, &line, err);
        parse_note_free(&pn);
        if (rc) {
            char *m = xstrdup(err->msg);
            set_msg(err, rel, ": ", m);
            free(m);
            break;
        }
        size_t nl;
        char *nt = edit_apply(text, len, &e, &nl);
        edit_list_free(&e);
        edit_error we = {0};
        rc = edit_write_file(abs, text, len, nt, nl, &we);
        if (rc == EDIT_ECONFLICT && attempt < 2) {
            /* saved by someone else meanwhile: place it again in the new text */
            free(nt);
            free(text);
            text = NULL;
            if ((rc = edit_read_file(abs, &text, &len, err))) break;
            continue;
        }
        if (rc) {
            /* did the rename happen? (only the directory fsync failed) */
            char *now_text = NULL;
            size_t now_len = 0;
            edit_error re = {0};
            int en = errno_of(we.msg);
            if (edit_read_file(abs, &now_text, &now_len, &re) == 0 && now_len == nl &&
                !memcmp(now_text, nt, nl)) {
                out->path = xstrdup(rel);
                out->line = line;
                fail(err, EDIT_EIO,
                     "the line is in %s at line %d, but the disk did not confirm it was saved "
                     "(%s): check the disk before capturing it again",
                     rel, line, we.msg);
            } else if (rc == EDIT_ECONFLICT) {
                fail(err, EDIT_ECONFLICT,
                     "%s keeps changing while we write to it; nothing was written, try again", rel);
            } else {
                if (en) {
                    io_error(err, en, rel, we.msg);
                } else {
                    char *m = xasprintf("cannot save %s: ", rel);
                    set_msg(err, m, we.msg, "; nothing was written");
                    err->code = rc;
                    free(m);
                }
            }
            free(now_text);
            free(nt);
            rc = err ? err->code : EDIT_EIO;
            break;
        }
        free(nt);
        out->path = xstrdup(rel);
        out->line = line;
        break;
    }
    free(text);
    free(abs);
    return rc;
}

int capture_note(const char *vault, const capture_req *req, const char *text, size_t len,
                 capture_result *out, edit_error *err)
{
    memset(out, 0, sizeof *out);
    edit_error dummy;
    if (!err) err = &dummy;
    memset(err, 0, sizeof *err);
    char *entry;
    int is_task;
    int rc = capture_entry(text, len, req->now.time, &entry, &is_task, err);
    if (rc) return rc;
    char *id = req->client ? clean_name(req->client) : NULL;
    if (!id || !*id) {
        free(entry), free(id);
        return fail(err, EDIT_EINVAL, req->client && *req->client
                                          ? "the client id is not valid UTF-8"
                                          : "which client? capture needs a client id");
    }
    ascii_lower(id);
    const char *date = req->now.date;

    /* the first valid candidate by path */
    const char **c = xmalloc((req->n_candidates + 1) * sizeof *c);
    for (size_t i = 0; i < req->n_candidates; i++) c[i] = req->candidates[i];
    qsort(c, req->n_candidates, sizeof *c, path_cmp);
    const char *target = NULL;
    char *note = NULL;
    size_t note_len = 0;
    for (size_t i = 0; i < req->n_candidates && !target; i++) {
        edit_error re = {0};
        if (read_note(vault, c[i], &note, &note_len, &re) == 0 &&
            is_target(c[i], note, note_len, id, date))
            target = c[i];
        else free(note), note = NULL;
    }
    if (target)
        rc = add_to(vault, target, note, note_len, entry, is_task, out, err);
    else
        rc = new_meeting(vault, id, req->title_of, date, &req->now, entry, is_task, out, err);
    if (!req->client_known && (!rc || out->path))
        warn(out, xasprintf("unknown client '%s': no client note and no note names it yet; "
                            "`new client %s` makes one",
                            id, id));
    free(c);
    free(entry);
    free(id);
    return rc;
}
