/* rules.c -- the hint rules (SPEC §3): text rules over a prose scan, note rules over the parse.
 *
 * Design invariants:
 *  - Pure: text + parse + config + facts + today in, hints out; no I/O, no
 *    globals but const tables; everything allocated is owned by the result
 *    or freed before returning.
 *  - One pass over the body builds the prose view: units (a paragraph, a
 *    list item's own text, or a heading) and their word tokens, lowercased
 *    once into an arena, with sentence starts and "gap" marks (masked text
 *    between two words, so a phrase never matches across code, a URL or a
 *    quote). The block model is parse.c's (fences, indented code relative to
 *    the list container, blockquotes, comments), simplified where the
 *    difference can only hide text from judgement, never judge hidden text.
 *  - Text rules work on tokens only: urgency looks each token up once in the
 *    phrase index (hash of first words) and tries just the phrases that start
 *    with it; self-focus counts per sentence. Linear in the note's size.
 *  - Precision over recall: when it is unclear whose pressure a phrase is, or
 *    whether a paragraph is about us, no hint.
 *
 * Whose urgency (the `urgency` rule). Each phrase is OWN (it names our
 * pressure: "our quota"), PUSH (a sales action: "seal the deal") or TIME
 * ("end of quarter"); config.c classifies them by their words. In the
 * phrase's sentence the owner is found by looking ahead for "for us/me" or
 * "for them/their ..." right after the phrase, else back from the phrase for
 * the nearest subject: we/I/our/my/ours, "for us", or a team @mention is
 * ours; they/their/he/she/his/her/client/customer, another @mention, a word
 * of the client's name or a capitalised name inside the sentence is theirs.
 * OWN fires unless advice negates it ("don't bring our quota ..."); PUSH fires
 * unless the owner is theirs or a negation precedes it; TIME fires only when
 * the owner is ours. "ASAP" (and "as soon as possible") fires only when we
 * push: "get/push/pressure them ... ASAP", or we/I (or a team member) +
 * need/want/must/have to/... before it, unless what we need is to serve
 * them ("we need to send the answers ASAP").
 */
#include "rules.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util.h"

const rules_def rules_table[RULES_COUNT] = {
    {"self-focus", RULES_INFO, 5, RULES_SCOPE_TEXT,
     "a paragraph mostly about us (we/our/I) and little about them"},
    {"urgency", RULES_WARN, 10, RULES_SCOPE_TEXT,
     "our own commercial pressure (quarter-end, quota, our numbers, pushing the deal)"},
    {"over-cap", RULES_WARN, 10, RULES_SCOPE_NOTE, "a Priorities list longer than its cap"},
    {"no-needs", RULES_INFO, 15, RULES_SCOPE_CLIENT,
     "a client note with no Needs, Objectives or Challenges"},
    {"vague-task", RULES_INFO, 5, RULES_SCOPE_NOTE, "an open task with no owner or no due date"},
    {"overdue", RULES_WARN, 15, RULES_SCOPE_NOTE, "an open task past its due date"},
    {"no-next-step", RULES_INFO, 10, RULES_SCOPE_NOTE,
     "a meeting note with no task and no Next steps item"},
    {"single-threaded", RULES_INFO, 10, RULES_SCOPE_CLIENT,
     "a client with fewer than two stakeholders"},
    {"gone-dark", RULES_WARN, 25, RULES_SCOPE_CLIENT,
     "no contact for longer than the client's cadence"},
    {"short-term-only", RULES_INFO, 5, RULES_SCOPE_CLIENT,
     "a client whose priorities are all short-term"},
};

static const char *const sev_names[] = {NULL, "error", "warn", "info", "hint"};

int rules_find(const char *id)
{
    if (!id) return -1;
    for (int i = 0; i < RULES_COUNT; i++)
        if (!strcmp(rules_table[i].id, id)) return i;
    return -1;
}

const char *rules_severity_name(int s)
{
    return s >= RULES_ERROR && s <= RULES_HINT ? sev_names[s] : NULL;
}

int rules_severity_parse(const char *name)
{
    if (!name) return -1;
    for (int s = RULES_ERROR; s <= RULES_HINT; s++)
        if (!strcmp(sev_names[s], name)) return s;
    if (!strcmp(name, "warning")) return RULES_WARN;
    return -1;
}

/* ---------------------------------------------------------------- chars */

static int is_alpha(unsigned char c) { return (c | 32) >= 'a' && (c | 32) <= 'z'; }
static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_alnum(unsigned char c) { return is_alpha(c) || is_digit(c); }
static int is_blank(unsigned char c) { return c == ' ' || c == '\t'; }
static int is_ws(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Length of a word character at s (n > 0 bytes), or 0: ASCII letters and
 * digits, and non-ASCII code points other than U+0080-U+00BF, U+00D7,
 * U+00F7 and U+2000-U+206F (spaces, quotes, dashes, bullets). */
static size_t word_char(const char *s, size_t n)
{
    unsigned char c = (unsigned char)s[0];
    if (c < 0x80) return is_alnum(c) ? 1 : 0;
    uint32_t cp;
    int k = utf8_decode(s, n, &cp);
    if (k <= 0) return 0;
    if (cp <= 0xBF || cp == 0xD7 || cp == 0xF7 || (cp >= 0x2000 && cp <= 0x206F) ||
        (cp >= 0x2E00 && cp <= 0x2E7F) || (cp >= 0x3000 && cp <= 0x303F) || cp == 0xFEFF)
        return 0;
    return (size_t)k;
}

/* ---------------------------------------------------------------- scan */

enum {
    T_SENT = 1,     /* first word of a sentence */
    T_GAP = 2,      /* masked text (code, URL, quote, tag) right before it */
    T_MENTION = 4,  /* an @mention (text: the name) */
    T_CAP = 8,      /* Capitalised: an uppercase ASCII letter then lowercase letters only */
    T_UPPER = 16,   /* all-caps, two or more letters ("US", "KPI") */
};

typedef struct {
    int line, col, end_col;
    unsigned lo, lolen;   /* lowercase text in the arena */
    unsigned base;        /* length before an 's/'re/'ve/'ll/'d/'m suffix */
    unsigned unit;
    unsigned flags;
    uint64_t h;           /* config_words_hash of the lowercase text */
} tok;

typedef struct {
    int line, col, end_line, end_col;
    size_t tb, te;        /* tokens [tb, te) */
    int heading;
    size_t cb, ce;        /* deferred scan_inline calls [cb, ce) (rules_run_cached) */
    int live;             /* deferred scan: tokenized during the body pass */
} unit;

/* A deferred scan_inline(line, from, to) (rules_run_cached). */
typedef struct {
    int line;
    size_t from, to;
} icall;

typedef struct {
    const char *t;
    size_t len;
    VEC(size_t) lines;    /* start offset of each line (index = line - 1) */
    VEC(tok) toks;
    size_t *sstart;       /* per token: the first token of its sentence */
    buf_t arena;
    VEC(unit) units;
    uint32_t *ignore;     /* per line: rules silenced by a directive */
    unsigned char *content; /* per line: holds words, code or a heading */

    int in_fence, fence_ch, fence_len;
    size_t fence_depth;
    int in_comment;
    VEC(int) stack;       /* content columns of the open list items */
    int para;
    size_t para_depth;
    long cur;             /* open unit, or -1 */
    int quote;            /* open quote: 0, '"', 0x201C or 0xAB */
    int pend_sent, pend_gap;
    int defer;            /* rules_run_cached: record scan_inline calls, see inline_at */
    VEC(icall) calls;
} scan;

static size_t line_end(const scan *s, int line)
{
    size_t e = (size_t)line < s->lines.len ? s->lines.items[line] - 1 : s->len;
    size_t b = s->lines.items[line - 1];
    if (e > b && s->t[e - 1] == '\r') e--;
    return e;
}

static void unit_close(scan *s)
{
    if (s->cur >= 0) s->units.items[s->cur].te = s->toks.len;
    if (s->cur >= 0) s->units.items[s->cur].ce = s->calls.len;
    s->cur = -1;
    s->quote = 0;
    s->pend_gap = 0;
    s->pend_sent = 0;
}

static void unit_open(scan *s, int line, int col, int heading)
{
    unit_close(s);
    unit u;
    memset(&u, 0, sizeof u);
    u.line = u.end_line = line;
    u.col = col;
    u.tb = u.te = s->toks.len;
    u.cb = u.ce = s->calls.len;
    u.heading = heading;
    s->cur = (long)s->units.len;
    VEC_PUSH(&s->units, u);
}

static void unit_touch(scan *s, int line, int end_col)
{
    if (s->cur < 0) return;
    unit *u = &s->units.items[s->cur];
    u->end_line = line;
    u->end_col = end_col;
}

static void push_tok(scan *s, int line, size_t ls, size_t b, size_t e, unsigned flags)
{
    tok k;
    memset(&k, 0, sizeof k);
    k.line = line;
    k.col = (int)(b - ls);
    k.end_col = (int)(e - ls);
    k.lo = (unsigned)s->arena.len;
    k.unit = (unsigned)s->cur;
    int upper = 0, lower = 0;
    buf_reserve(&s->arena, e - b);
    char *o = s->arena.data + s->arena.len;
    size_t n = 0;
    for (size_t i = b; i < e; i++) {
        unsigned char c = (unsigned char)s->t[i];
        if (c == 0xE2 && i + 2 < e && (unsigned char)s->t[i + 1] == 0x80 &&
            (unsigned char)s->t[i + 2] == 0x99) {
            o[n++] = '\'';
            i += 2;
            continue;
        }
        if (c >= 'A' && c <= 'Z') upper++, c = (unsigned char)(c + 32);
        else if (c >= 'a' && c <= 'z') lower++;
        o[n++] = (char)c;
    }
    s->arena.len += n;
    k.lolen = (unsigned)n;
    k.h = config_words_hash(o, n);
    k.base = k.lolen;
    const char *lo = s->arena.data + k.lo;
    const char *ap = memchr(lo, '\'', k.lolen);
    if (ap) k.base = (unsigned)(ap - lo);
    if (!(flags & T_MENTION)) {
        unsigned char f = (unsigned char)s->t[b];
        if (f >= 'A' && f <= 'Z' && upper == 1 && lower > 0) flags |= T_CAP;
        if (upper >= 2 && lower == 0) flags |= T_UPPER;
    }
    if (s->pend_sent || s->toks.len == s->units.items[s->cur].tb) flags |= T_SENT;
    if (s->pend_gap) flags |= T_GAP;
    s->pend_sent = s->pend_gap = 0;
    k.flags = flags;
    s->content[line - 1] = 1;
    VEC_PUSH(&s->toks, k);
}

/* The end of the non-blank run at i, and whether it is a URL or an e-mail. */
static size_t run_masked(const char *t, size_t i, size_t to)
{
    size_t r = i;
    while (r < to && !is_ws((unsigned char)t[r])) r++;
    size_t n = r - i;
    const char *p = t + i;
    /* skip leading punctuation such as ( [ < " */
    size_t a = 0;
    while (a < n && !is_alnum((unsigned char)p[a]) && p[a] != '@' && (unsigned char)p[a] < 0x80) a++;
    if (n - a >= 4 && !ascii_ncasecmp(p + a, "www.", 4)) return r;
    int dot = 0, at = 0;
    for (size_t k = a; k < n; k++) {
        if (p[k] == ':' && k + 2 < n && p[k + 1] == '/' && p[k + 2] == '/' && k > a) return r;
        if (p[k] == '@' && k > a && is_alnum((unsigned char)p[k - 1])) at = 1;
        if (p[k] == '.' && k + 1 < n && is_alnum((unsigned char)p[k + 1]) && k > a &&
            is_alnum((unsigned char)p[k - 1]))
            dot = 1;
        if (p[k] == '.' && at && k + 1 < n && is_alnum((unsigned char)p[k + 1])) return r;
        if (p[k] == '/' && dot && k + 1 < n) return r; /* example.com/path */
    }
    return i;
}

/* Scans t[from, to) of a line for words, skipping what is not judged. */
static void scan_inline(scan *s, int line, size_t ls, size_t from, size_t to)
{
    const char *t = s->t;
    size_t i = from;
    size_t nocl[64] = {0};
    while (i < to) {
        unsigned char c = (unsigned char)t[i];
        if (s->quote) { /* inside a quote: find its end on this line */
            size_t e = i;
            int found = 0;
            while (e < to) {
                unsigned char d = (unsigned char)t[e];
                if (s->quote == '"' && d == '"') found = 1, e += 1;
                else if (s->quote == 0x201C && d == 0xE2 && e + 2 < to &&
                         (unsigned char)t[e + 1] == 0x80 && (unsigned char)t[e + 2] == 0x9D)
                    found = 1, e += 3;
                else if (s->quote == 0xAB && d == 0xC2 && e + 1 < to && (unsigned char)t[e + 1] == 0xBB)
                    found = 1, e += 2;
                if (found) break;
                e++;
            }
            i = e;
            if (found) s->quote = 0;
            s->pend_gap = 1;
            continue;
        }
        int run_start = i == from || is_ws((unsigned char)t[i - 1]);
        if (run_start && !is_ws(c)) {
            size_t r = run_masked(t, i, to);
            if (r > i) {
                i = r;
                s->pend_gap = 1;
                continue;
            }
        }
        size_t k = word_char(t + i, to - i);
        if (k) {
            size_t e = i + k;
            for (;;) {
                size_t m = e < to ? word_char(t + e, to - e) : 0;
                if (m) {
                    e += m;
                    continue;
                }
                /* an apostrophe between letters: it's, we're, client’s */
                size_t al = 0;
                if (e < to && t[e] == '\'') al = 1;
                else if (e + 2 < to && (unsigned char)t[e] == 0xE2 && (unsigned char)t[e + 1] == 0x80 &&
                         (unsigned char)t[e + 2] == 0x99)
                    al = 3;
                if (al && e + al < to && is_alpha((unsigned char)t[e + al])) {
                    e += al;
                    continue;
                }
                break;
            }
            if (s->cur >= 0) push_tok(s, line, ls, i, e, 0);
            i = e;
            continue;
        }
        switch (c) {
        case '`': {
            size_t n = 0;
            while (i + n < to && t[i + n] == '`') n++;
            size_t j = i + n, close = 0;
            /* a failed search for a closer of length n holds for the rest of
             * the line: remembered, so the line is scanned once per length */
            if (n >= ARRAY_LEN(nocl) || nocl[n] > i) j = to;
            while (j < to) {
                const char *q = memchr(t + j, '`', to - j);
                if (!q) break;
                size_t p = (size_t)(q - t), m = 0;
                while (p + m < to && t[p + m] == '`') m++;
                if (m == n) {
                    close = p + m;
                    break;
                }
                j = p + m;
            }
            if (!close && n < ARRAY_LEN(nocl)) nocl[n] = to;
            i = close ? close : i + n;
            s->pend_gap = 1;
            break;
        }
        case '<':
            if (i + 4 <= to && !memcmp(t + i, "<!--", 4)) {
                const char *q = NULL;
                for (size_t j = i + 4; j + 3 <= to; j++)
                    if (t[j] == '-' && t[j + 1] == '-' && t[j + 2] == '>') {
                        q = t + j;
                        break;
                    }
                if (!q) {
                    s->in_comment = 1;
                    s->pend_gap = 1;
                    return;
                }
                i = (size_t)(q - t) + 3;
            } else {
                i++;
            }
            s->pend_gap = 1;
            break;
        case ']':
            if (i + 1 < to && t[i + 1] == '(') { /* link target */
                size_t j = i + 2;
                int depth = 1;
                while (j < to) {
                    if (t[j] == '(') depth++;
                    else if (t[j] == ')' && --depth == 0) {
                        j++;
                        break;
                    }
                    j++;
                }
                i = j;
                s->pend_gap = 1;
            } else {
                i++;
            }
            break;
        case '#':
            if (i == from || is_ws((unsigned char)t[i - 1]) || t[i - 1] == '(') {
                size_t j = i + 1;
                while (j < to) {
                    size_t m = word_char(t + j, to - j);
                    if (!m && (t[j] == '-' || t[j] == '_' || t[j] == '/')) m = 1;
                    if (!m) break;
                    j += m;
                }
                if (j > i + 1) s->pend_gap = 1;
                i = j;
            } else {
                i++;
            }
            break;
        case '@':
            if (i == from || is_ws((unsigned char)t[i - 1]) || t[i - 1] == '(') {
                size_t j = i + 1, keep = j;
                while (j < to) {
                    size_t m = word_char(t + j, to - j);
                    if (!m && (t[j] == '-' || t[j] == '_' || (t[j] == '.' && j > i + 1))) m = 1;
                    if (!m) break;
                    j += m;
                    if (t[j - 1] != '.') keep = j;
                }
                if (keep > i + 1 && is_alpha((unsigned char)t[i + 1]) && s->cur >= 0)
                    push_tok(s, line, ls, i + 1, keep, T_MENTION);
                i = keep > i + 1 ? keep : i + 1;
            } else {
                i++;
            }
            break;
        case '"':
            s->quote = '"';
            s->pend_gap = 1;
            i++;
            break;
        case '.':
        case '!':
        case '?':
        case ';':
            if (i + 1 >= to || is_ws((unsigned char)t[i + 1]) || t[i + 1] == ')' || t[i + 1] == '"' ||
                t[i + 1] == '*' || t[i + 1] == '_' || (unsigned char)t[i + 1] == 0xE2)
                s->pend_sent = 1;
            i++;
            break;
        case 0xE2: /* “ opens a quote */
            if (i + 2 < to && (unsigned char)t[i + 1] == 0x80 && (unsigned char)t[i + 2] == 0x9C) {
                s->quote = 0x201C;
                s->pend_gap = 1;
                i += 3;
            } else {
                i++;
            }
            break;
        case 0xC2: /* « opens a quote */
            if (i + 1 < to && (unsigned char)t[i + 1] == 0xAB) {
                s->quote = 0xAB;
                s->pend_gap = 1;
                i += 2;
            } else {
                i++;
            }
            break;
        default: i++; break;
        }
    }
}

/* rapport-ignore directives on the line [b, e): the rules they silence. */
static uint32_t directive(const char *t, size_t b, size_t e)
{
    static const char kw[] = "rapport-ignore";
    const size_t kn = sizeof kw - 1;
    uint32_t mask = 0;
    size_t i = b;
    while (i + kn <= e) {
        /* by its '-': rarer in prose than its first letter */
        const char *q = memchr(t + i + 7, '-', e - i - kn + 1);
        if (!q) break;
        size_t p = (size_t)(q - t) - 7;
        if (memcmp(t + p, kw, kn) != 0) {
            i = p + 1;
            continue;
        }
        size_t j = p + kn;
        while (j < e && is_blank((unsigned char)t[j])) j++;
        uint32_t m = 0;
        int listed = 0;
        if (j < e && t[j] == ':') {
            j++;
            for (;;) {
                while (j < e && (is_blank((unsigned char)t[j]) || t[j] == ',')) j++;
                size_t a = j;
                while (j < e && (is_alnum((unsigned char)t[j]) ||
                                 (t[j] == '-' && !(j + 1 < e && t[j + 1] == '-'))))
                    j++;
                if (j == a) break;
                listed = 1;
                char id[32];
                size_t n = j - a < sizeof id - 1 ? j - a : sizeof id - 1;
                for (size_t k = 0; k < n; k++) id[k] = (char)(t[a + k] | (is_alpha((unsigned char)t[a + k]) ? 32 : 0));
                id[n] = 0;
                int r = rules_find(id);
                if (r >= 0) m |= 1u << r;
            }
        }
        mask |= listed ? m : (1u << RULES_COUNT) - 1;
        i = p + kn;
    }
    return mask;
}

static int next_col(int col, char ch) { return ch == '\t' ? (col + 4) & ~3 : col + 1; }

static int fence_open(const char *f, size_t n, int *ch)
{
    if (!n || (f[0] != '`' && f[0] != '~')) return 0;
    size_t i = 0;
    while (i < n && f[i] == f[0]) i++;
    if (i < 3) return 0;
    if (f[0] == '`' && memchr(f + i, '`', n - i)) return 0;
    *ch = (unsigned char)f[0];
    return (int)(i > 1000 ? 1000 : i);
}

static size_t list_marker(const char *f, size_t n, int *ordered, long *num)
{
    size_t i = 0;
    *ordered = 0;
    *num = 0;
    if (n && (f[0] == '-' || f[0] == '*' || f[0] == '+')) {
        i = 1;
    } else {
        while (i < n && i < 9 && is_digit((unsigned char)f[i])) *num = *num * 10 + (f[i] - '0'), i++;
        if (i == 0 || i >= n || (f[i] != '.' && f[i] != ')')) return 0;
        i++;
        *ordered = 1;
    }
    if (i < n && !is_blank((unsigned char)f[i])) return 0;
    return i;
}

static int thematic(const char *f, size_t n)
{
    char m = 0;
    int cnt = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_blank((unsigned char)f[i])) continue;
        if (f[i] != '-' && f[i] != '*' && f[i] != '_') return 0;
        if (m && f[i] != m) return 0;
        m = f[i];
        cnt++;
    }
    return cnt >= 3;
}

static int setext(const char *f, size_t n)
{
    if (!n || (f[0] != '=' && f[0] != '-')) return 0;
    size_t i = 0;
    while (i < n && f[i] == f[0]) i++;
    while (i < n && is_blank((unsigned char)f[i])) i++;
    return i == n;
}

/* scan_inline, or (s->defer) recorded for the current unit, to be run only if
 * the unit is not in the cache. A unit's calls only shape its own tokens,
 * except through an HTML comment left open (in_comment shapes the following
 * lines' blocks): the first call whose range holds "<!--" makes the unit
 * live -- its recorded calls are replayed and the rest run at once, so the
 * block pass sees exactly the state rules_run sees. */
static void inline_at(scan *s, int line, size_t ls, size_t from, size_t to)
{
    if (!s->defer || s->cur < 0) {
        scan_inline(s, line, ls, from, to);
        return;
    }
    unit *u = &s->units.items[s->cur];
    int open = 0;
    for (const char *q = s->t + from, *z = s->t + to; !u->live && !open && q + 4 <= z; q++) {
        q = memchr(q, '<', (size_t)(z - q) - 3);
        if (!q) break;
        open = !memcmp(q, "<!--", 4);
    }
    if (open) {
        u->live = 1;
        u->tb = s->toks.len;
        for (size_t i = u->cb; i < s->calls.len; i++) {
            const icall *k = &s->calls.items[i];
            scan_inline(s, k->line, s->lines.items[k->line - 1], k->from, k->to);
        }
    }
    if (u->live) {
        scan_inline(s, line, ls, from, to);
        return;
    }
    icall k = {line, from, to};
    VEC_PUSH(&s->calls, k);
}

static void pop_to(scan *s, size_t depth)
{
    if (s->stack.len > depth) s->stack.len = depth;
}

static void body_line(scan *s, int line)
{
    const char *t = s->t;
    size_t ls = s->lines.items[line - 1], le = line_end(s, line);
    s->ignore[line - 1] = directive(t, ls, le);

    size_t fp = ls;
    if (ls == 0 && le >= 3 && !memcmp(t, "\xEF\xBB\xBF", 3)) fp = 3;
    int icol = 0;
    while (fp < le && is_blank((unsigned char)t[fp])) icol = next_col(icol, t[fp]), fp++;
    int blank = fp >= le;

    if (s->in_fence) {
        if (blank) return;
        int dedent = s->fence_depth > 0 && s->fence_depth <= s->stack.len &&
                     icol < s->stack.items[s->fence_depth - 1];
        if (!dedent) {
            s->content[line - 1] = 1;
            size_t i = 0, n = le - fp;
            while (i < n && t[fp + i] == (char)s->fence_ch) i++;
            if ((int)i >= s->fence_len) {
                while (i < n && is_blank((unsigned char)t[fp + i])) i++;
                if (i == n) s->in_fence = 0;
            }
            return;
        }
        s->in_fence = 0;
    }
    if (s->in_comment) {
        for (size_t j = ls; j + 3 <= le; j++)
            if (t[j] == '-' && t[j + 1] == '-' && t[j + 2] == '>') {
                s->in_comment = 0;
                break;
            }
        s->pend_gap = 1;
        return; /* the rest of the line after "-->" is not judged */
    }
    if (blank) {
        unit_close(s);
        s->para = 0;
        return;
    }

    size_t depth = 0;
    while (depth < s->stack.len && s->stack.items[depth] <= icol) depth++;
    int base = depth ? s->stack.items[depth - 1] : 0;
    int rel = icol - base;
    const char *f = t + fp;
    size_t fn = le - fp;

    if (rel >= 4) {
        if (!s->para) { /* indented code */
            pop_to(s, depth);
            unit_close(s);
            s->content[line - 1] = 1;
            return;
        }
        goto paragraph;
    }
    int fch, flen = fence_open(f, fn, &fch);
    if (flen) {
        pop_to(s, depth);
        unit_close(s);
        s->para = 0;
        s->in_fence = 1;
        s->fence_ch = fch;
        s->fence_len = flen;
        s->fence_depth = depth;
        s->content[line - 1] = 1;
        return;
    }
    if (f[0] == '#') {
        size_t h = 0;
        while (h < fn && f[h] == '#') h++;
        if (h <= 6 && (h == fn || is_blank((unsigned char)f[h]))) {
            pop_to(s, 0);
            unit_open(s, line, (int)(fp - ls), 1);
            unit_touch(s, line, (int)(le - ls));
            inline_at(s, line, ls, fp + h, le);
            unit_close(s);
            s->content[line - 1] = 1;
            s->para = 0;
            return;
        }
    }
    if (s->para && s->stack.len == 0 && setext(f, fn)) {
        if (s->units.len && s->cur >= 0) s->units.items[s->cur].heading = 1;
        unit_close(s);
        s->para = 0;
        return;
    }
    if (thematic(f, fn)) {
        pop_to(s, depth);
        unit_close(s);
        s->para = 0;
        return;
    }
    if (f[0] == '>') { /* blockquote: others' words */
        pop_to(s, depth);
        unit_close(s);
        s->para = 0;
        return;
    }
    {
        int ordered;
        long num;
        size_t mlen = list_marker(f, fn, &ordered, &num);
        if (mlen) {
            size_t p = fp + mlen;
            int col = icol + (int)mlen, ccol = col;
            while (p < le && is_blank((unsigned char)t[p])) ccol = next_col(ccol, t[p]), p++;
            int empty = p >= le;
            if (!(s->para && s->para_depth == depth && (empty || (ordered && num != 1)))) {
                pop_to(s, depth);
                int content = (empty || ccol - col > 4) ? col + 1 : ccol;
                VEC_PUSH(&s->stack, content);
                unit_open(s, line, (int)(fp - ls), 0);
                unit_touch(s, line, (int)(le - ls));
                if (ccol - col > 4) { /* the item starts with indented code */
                    s->para = 0;
                    return;
                }
                if (le - p >= 3 && t[p] == '[' && t[p + 2] == ']' &&
                    (t[p + 1] == ' ' || t[p + 1] == 'x' || t[p + 1] == 'X') &&
                    (p + 3 == le || is_blank((unsigned char)t[p + 3])))
                    p += 3;
                int fc, fl = fence_open(t + p, le - p, &fc);
                if (fl) {
                    s->in_fence = 1;
                    s->fence_ch = fc;
                    s->fence_len = fl;
                    s->fence_depth = s->stack.len;
                    s->para = 0;
                    unit_close(s);
                    return;
                }
                inline_at(s, line, ls, p, le);
                s->para = !empty;
                s->para_depth = s->stack.len;
                return;
            }
        }
    }
paragraph:
    if (!s->para || s->cur < 0) {
        if (!s->para) pop_to(s, depth);
        unit_open(s, line, (int)(fp - ls), 0);
        s->para = 1;
        s->para_depth = s->stack.len;
    }
    unit_touch(s, line, (int)(le - ls));
    inline_at(s, line, ls, fp, le);
}

/* ------------------------------------------------------------ helpers */

/* A text-rule hint as the cache keeps it: lines relative to its unit's first
 * line (columns do not move with the unit), before any silencing. */
typedef struct {
    int dline, col, dend, end_col, rule;
    char *msg;
} rc_hint;
typedef VEC(rc_hint) rc_hints;

typedef struct {
    const char *t;
    size_t len;
    const parse_note *note;
    const config *cfg;
    const rules_facts *facts;
    long today;
    scan *s;
    uint32_t note_mask;   /* rules silenced for the whole note */
    VEC(char *) names;    /* lowercase words naming the client */
    rules_result *out;
    rc_hints *capture;      /* rules_run_cached: hints go here, raw, lines relative */
    int cap_line;          /* ... to this line */
} ctx;

static const char *tok_lo(const ctx *c, const tok *k) { return c->s->arena.data + k->lo; }

static int tok_is(const ctx *c, const tok *k, const char *w)
{
    size_t n = strlen(w);
    return !(k->flags & T_MENTION) && k->lolen == n && !memcmp(tok_lo(c, k), w, n);
}

static int tok_in(const ctx *c, const tok *k, const char *const *list, size_t n, int base)
{
    if (k->flags & T_MENTION) return 0;
    size_t len = base ? k->base : k->lolen;
    const char *lo = tok_lo(c, k);
    for (size_t i = 0; i < n; i++)
        if (strlen(list[i]) == len && !memcmp(list[i], lo, len)) return 1;
    return 0;
}
#define TOK_IN(c, k, list) tok_in(c, k, list, ARRAY_LEN(list), 0)
#define TOK_BASE_IN(c, k, list) tok_in(c, k, list, ARRAY_LEN(list), 1)

static int is_client_name(const ctx *c, const tok *k)
{
    if (k->flags & T_MENTION) return 0;
    const char *lo = tok_lo(c, k);
    for (size_t i = 0; i < c->names.len; i++)
        if (strlen(c->names.items[i]) == k->base && !memcmp(c->names.items[i], lo, k->base)) return 1;
    return 0;
}

static int mention_ours(const ctx *c, const tok *k)
{
    char buf[128];
    size_t n = k->lolen < sizeof buf - 1 ? k->lolen : sizeof buf - 1;
    memcpy(buf, tok_lo(c, k), n);
    buf[n] = 0;
    return config_in_team(c->cfg, buf);
}

static void add_names(ctx *c, const char *s, size_t n)
{
    static const char *const stop[] = {"the", "and", "of", "a", "an", "inc", "ltd", "llc", "gmbh",
                                       "co", "corp", "group", "for", "in", "on", "at", "to"};
    size_t i = 0;
    while (i < n) {
        while (i < n && !word_char(s + i, n - i)) i++;
        size_t b = i;
        while (i < n) {
            size_t k = word_char(s + i, n - i);
            if (!k) break;
            i += k;
        }
        if (i > b) {
            char *w = ascii_lower_dup(s + b, i - b);
            int skip = 0;
            for (size_t j = 0; j < ARRAY_LEN(stop); j++)
                if (!strcmp(stop[j], w)) skip = 1;
            if (!skip) VEC_PUSH(&c->names, w);
            else free(w);
        }
    }
}

static void hint(ctx *c, int rule, int line, int col, int end_line, int end_col, char *msg)
{
    if (c->capture) {
        rc_hint h = {line - c->cap_line, col, end_line - c->cap_line, end_col, rule, msg};
        VEC_PUSH(c->capture, h);
        return;
    }
    uint32_t bit = 1u << rule;
    if ((c->note_mask & bit) || (line >= 1 && (size_t)line <= c->s->lines.len &&
                                 (c->s->ignore[line - 1] & bit))) {
        free(msg);
        return;
    }
    rules_result *r = c->out;
    if (r->len == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->items = xrealloc(r->items, r->cap * sizeof *r->items);
    }
    rules_hint *h = &r->items[r->len++];
    h->line = line;
    h->col = col;
    h->end_line = end_line;
    h->end_col = end_col;
    h->rule = rule;
    h->severity = c->cfg->rule[rule].severity;
    h->message = msg;
    r->counts[rule]++;
}

/* A whole line as the anchor (first non-blank byte to the end). */
static void hint_line(ctx *c, int rule, int line, char *msg)
{
    size_t nl = c->s->lines.len;
    if (line < 1) line = 1;
    if ((size_t)line > nl) line = (int)nl;
    size_t ls = c->s->lines.items[line - 1], le = line_end(c->s, line), b = ls;
    while (b < le && is_blank((unsigned char)c->t[b])) b++;
    hint(c, rule, line, (int)(b - ls), line, (int)(le - ls), msg);
}

static int line_one(const ctx *c)
{
    return c->note->fm.present ? c->note->fm.end_line + 1 : 1;
}

static int on(const ctx *c, int rule) { return c->cfg->rule[rule].enabled; }

/* ------------------------------------------------------------ matching */

/* Does phrase p match tokens starting at i (same unit, no sentence start or
 * gap inside)? Returns the index past the match, or 0. */
static size_t phrase_at(const ctx *c, const config_phrase *p, size_t i)
{
    const scan *s = c->s;
    for (size_t w = 0; w < p->n_words; w++) {
        size_t j = i + w;
        if (j >= s->toks.len) return 0;
        const tok *k = &s->toks.items[j];
        if (k->unit != s->toks.items[i].unit || (k->flags & T_MENTION)) return 0;
        if (w > 0 && (k->flags & (T_SENT | T_GAP))) return 0;
        const char *lo = tok_lo(c, k), *a = p->words[w];
        int ok = 0;
        while (*a && !ok) {
            size_t n = strcspn(a, "|");
            if (n == k->lolen && !memcmp(a, lo, n)) ok = 1;
            a += n;
            if (*a) a++;
        }
        if (!ok) return 0;
    }
    return i + p->n_words;
}

/* The longest phrase of ps matching at token i: its index past, or 0. */
static size_t phrases_at(const ctx *c, const config_phrases *ps, size_t i, int *which)
{
    const tok *k = &c->s->toks.items[i];
    if (k->flags & T_MENTION) return 0;
    int v = config_words_get_h(&ps->first, tok_lo(c, k), k->lolen, k->h);
    if (v < 0) return 0;
    size_t best = 0;
    for (size_t j = 0; j < ps->list_lens[v]; j++) {
        size_t e = phrase_at(c, &ps->items[ps->lists[v][j]], i);
        if (e > best) best = e, *which = ps->lists[v][j];
    }
    return best;
}

/* How far back (in words) the subject of a phrase is looked for: bounds the
 * work per phrase, so a huge sentence stays linear. */
#define LOOKBACK 48

static size_t sent_start(const ctx *c, size_t i) { return c->s->sstart[i]; }

/* The first token the look-back at i considers. */
static size_t back_limit(const ctx *c, size_t i)
{
    size_t ss = sent_start(c, i);
    return i - ss > LOOKBACK ? i - LOOKBACK : ss;
}

static size_t sent_end(const ctx *c, size_t i)
{
    const tok *t = c->s->toks.items;
    size_t n = c->s->toks.len, u = t[i].unit;
    i++;
    while (i < n && t[i].unit == u && !(t[i].flags & T_SENT)) i++;
    return i;
}

/* ------------------------------------------------------------- urgency */

static const char *const fp_subj[] = {"we", "i", "our", "my", "ours", "mine"};
static const char *const tp_subj[] = {"they", "their", "theirs", "he", "she", "his", "her",
                                      "hers", "client", "clients", "customer", "customers"};
static const char *const calendar[] = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "christmas", "easter", "eoq", "q1", "q2", "q3", "q4",
};
static const char *const neg_all[] = {"not", "no", "never", "don't", "didn't", "without", "avoid",
                                      "avoiding", "avoided", "stop", "instead", "nor", "shouldn't",
                                      "mustn't", "dont", "didnt"};
static const char *const neg_advice[] = {"never", "don't", "dont", "avoid", "avoiding", "without",
                                         "stop", "instead", "shouldn't", "mustn't"};

enum { OWNER_NONE = 0, OWNER_US, OWNER_THEM };

/* Is token k a third party in the sentence (theirs)? */
static int theirs(const ctx *c, const tok *k)
{
    if (k->flags & T_MENTION) return !mention_ours(c, k);
    if (TOK_BASE_IN(c, k, tp_subj) || is_client_name(c, k)) return 1;
    return (k->flags & T_CAP) && !(k->flags & T_SENT) && !TOK_IN(c, k, calendar);
}

static int ours(const ctx *c, const tok *k)
{
    if (k->flags & T_MENTION) return mention_ours(c, k);
    return TOK_BASE_IN(c, k, fp_subj) && !((k->flags & T_UPPER) && k->base == 2);
}

static int owner_of(const ctx *c, size_t b, size_t e)
{
    const tok *t = c->s->toks.items;
    size_t n = c->s->toks.len, ss = back_limit(c, b), sb = sent_start(c, b);
    if (e + 1 < n && sent_start(c, e + 1) == sb && tok_is(c, &t[e], "for")) {
        const tok *k = &t[e + 1];
        if (tok_is(c, k, "us") || tok_is(c, k, "me") || ours(c, k)) return OWNER_US;
        if (tok_is(c, k, "them") || tok_is(c, k, "him") || theirs(c, k)) return OWNER_THEM;
        if (tok_is(c, k, "the") && e + 2 < n && sent_start(c, e + 2) == sb && theirs(c, &t[e + 2]))
            return OWNER_THEM;
    }
    for (size_t j = b; j > ss; j--) {
        const tok *k = &t[j - 1];
        if ((tok_is(c, k, "us") || tok_is(c, k, "me")) && j - 1 > ss && tok_is(c, &t[j - 2], "for"))
            return OWNER_US;
        if (ours(c, k)) return OWNER_US;
        if (theirs(c, k)) return OWNER_THEM;
    }
    return OWNER_NONE;
}

static int negated(const ctx *c, size_t b, int advice_only)
{
    const tok *t = c->s->toks.items;
    size_t ss = sent_start(c, b);
    for (size_t j = b, n = 0; j > ss && n < 2; j--, n++) {
        const tok *k = &t[j - 1];
        if (advice_only ? TOK_IN(c, k, neg_advice) : TOK_IN(c, k, neg_all)) return 1;
        if (advice_only && tok_is(c, k, "about") && j - 1 > ss && tok_is(c, &t[j - 2], "not"))
            return 1;
    }
    return 0;
}

static char *span_text(const ctx *c, size_t b, size_t e)
{
    const tok *t = c->s->toks.items;
    size_t from = c->s->lines.items[t[b].line - 1] + (size_t)t[b].col;
    size_t to = c->s->lines.items[t[e - 1].line - 1] + (size_t)t[e - 1].end_col;
    buf_t out = {0};
    int sp = 0;
    for (size_t i = from; i < to && out.len < 80; i++) {
        if (is_ws((unsigned char)c->t[i])) {
            sp = 1;
            continue;
        }
        if (sp && out.len) buf_addc(&out, ' ');
        sp = 0;
        buf_addc(&out, c->t[i]);
    }
    char *r = xstrdup(out.data ? out.data : "");
    buf_free(&out);
    return r;
}

static const char *const push_verbs[] = {"get", "got", "getting", "push", "pushed", "pushing",
                                         "pressure", "pressured", "pressuring", "make", "made",
                                         "rush", "rushed", "rushing", "hurry", "hurried", "chase"};
static const char *const want_verbs[] = {"need", "needs", "needed", "want", "wants", "wanted",
                                         "must", "gotta", "push", "pushed", "pushing", "expect",
                                         "expected", "require", "required", "insist", "insisted",
                                         "like", "pressed", "demand", "demanded"};
static const char *const have_verbs[] = {"have", "has", "had"};
static const char *const fillers[] = {"will", "would", "really", "still", "also", "just", "now",
                                      "urgently", "absolutely", "definitely", "do", "does", "did",
                                      "should", "all", "both", "badly"};
static const char *const service[] = {
    "send", "deliver", "fix", "answer", "reply", "respond", "share", "provide", "finish",
    "update", "help", "support", "sort", "resolve", "review", "check", "prepare", "draft",
    "schedule", "book", "call", "confirm", "return", "correct", "investigate", "test",
    "document", "write", "ship", "complete", "unblock", "apologise", "apologize", "clarify",
    "explain", "train", "onboard", "repair", "restore", "refund",
};

static int object_theirs(const ctx *c, size_t j, size_t end)
{
    if (j >= end) return 0;
    const tok *k = &c->s->toks.items[j];
    if (tok_is(c, k, "them") || tok_is(c, k, "him") || tok_is(c, k, "her")) return 1;
    if (k->flags & T_MENTION) return !mention_ours(c, k);
    if (is_client_name(c, k)) return 1;
    return tok_is(c, k, "the") && j + 1 < end && theirs(c, &c->s->toks.items[j + 1]);
}

/* Is the ASAP at token a (its sentence [ss, a)) our push? */
static int asap_ours(const ctx *c, size_t a)
{
    const tok *t = c->s->toks.items;
    size_t ss = back_limit(c, a);
    for (size_t j = ss; j < a; j++)
        if (TOK_IN(c, &t[j], push_verbs) && object_theirs(c, j + 1, a)) return 1;
    for (size_t j = ss; j < a; j++) {
        const tok *k = &t[j];
        int subj = (k->flags & T_MENTION) ? mention_ours(c, k)
                                           : (k->base == 2 && !memcmp(tok_lo(c, k), "we", 2)) ||
                                                 (k->base == 1 && tok_lo(c, k)[0] == 'i');
        if (!subj) continue;
        size_t v = j + 1;
        while (v < a && v < j + 4 && TOK_IN(c, &t[v], fillers)) v++;
        if (v >= a) continue;
        int want = TOK_IN(c, &t[v], want_verbs);
        if (!want && TOK_IN(c, &t[v], have_verbs) && v + 1 < a &&
            (tok_is(c, &t[v + 1], "to") || tok_is(c, &t[v + 1], "got")))
            want = 1, v += tok_is(c, &t[v + 1], "got") ? 1 : 0;
        if (!want && (tok_is(c, &t[v], "asked") || tok_is(c, &t[v], "told") ||
                      tok_is(c, &t[v], "ask") || tok_is(c, &t[v], "tell")) &&
            object_theirs(c, v + 1, a))
            want = 1;
        if (!want) continue;
        size_t n = v + 1;
        if (n < a && tok_is(c, &t[n], "to")) n++;
        if (n < a && (TOK_IN(c, &t[n], service) ||
                      (tok_is(c, &t[n], "get") && n + 1 < a && tok_is(c, &t[n + 1], "back"))))
            continue;
        return 1;
    }
    return 0;
}

/* Urgency hints come one per sentence: anchored at its first phrase, naming
 * up to three of them. */
typedef struct {
    size_t sent;          /* first token of the sentence, or SIZE_MAX when empty */
    size_t b, e;          /* the first phrase */
    int n, asap;
    char *names[3];
} ugroup;

static void urgency_flush(ctx *c, ugroup *g)
{
    if (g->sent == SIZE_MAX) return;
    const tok *a = &c->s->toks.items[g->b], *z = &c->s->toks.items[g->e - 1];
    buf_t names = {0};
    int k = g->n < 3 ? g->n : 3;
    for (int i = 0; i < k; i++) {
        if (i) buf_adds(&names, i == k - 1 ? " and " : ", ");
        buf_printf(&names, "\"%s\"", g->names[i]);
        free(g->names[i]);
        g->names[i] = NULL;
    }
    char *msg;
    if (g->n == 1 && g->asap)
        msg = xasprintf("%s is our push: is the hurry theirs or ours? Check before the next call "
                        "and agree a date that works for them.", buf_cstr(&names));
    else
        msg = xasprintf("%s sound%s like our pressure, not theirs: before the next call, check "
                        "whose urgency this is and work to their timeline.", buf_cstr(&names),
                        g->n == 1 ? "s" : "");
    buf_free(&names);
    hint(c, RULE_URGENCY, a->line, a->col, z->line, z->end_col, msg);
    g->sent = SIZE_MAX;
    g->n = g->asap = 0;
}

static void urgency_add(ctx *c, ugroup *g, size_t b, size_t e, int asap)
{
    size_t ss = sent_start(c, b);
    if (g->sent != ss) {
        urgency_flush(c, g);
        g->sent = ss;
        g->b = b;
        g->e = e;
    }
    g->n++;
    g->asap |= asap;
    if (g->n <= 3) g->names[g->n - 1] = span_text(c, b, e);
}

/* Over the tokens [tb, te): whole units (rules_run passes all of them). */
static void rule_urgency(ctx *c, size_t tb, size_t te)
{
    const scan *s = c->s;
    const config *cfg = c->cfg;
    size_t n = te;
    ugroup g;
    memset(&g, 0, sizeof g);
    g.sent = SIZE_MAX;
    for (size_t i = tb; i < n;) {
        int which = -1;
        size_t e = phrases_at(c, &cfg->urgency, i, &which);
        if (e) {
            const config_phrase *p = &cfg->urgency.items[which];
            int fire;
            if (p->kind == CONFIG_PHRASE_OWN) {
                fire = !negated(c, i, 1);
            } else {
                int o = owner_of(c, i, e);
                fire = p->kind == CONFIG_PHRASE_PUSH ? o != OWNER_THEM : o == OWNER_US;
                if (fire && negated(c, i, 0)) fire = 0;
            }
            if (fire) urgency_add(c, &g, i, e, 0);
            i = e;
            continue;
        }
        const tok *k = &s->toks.items[i];
        if (cfg->urgency_asap && !(k->flags & T_MENTION)) {
            size_t end = 0;
            if (tok_is(c, k, "asap")) {
                end = i + 1;
            } else if (tok_is(c, k, "as") && i + 3 < n) {
                static const char *const w[] = {"as", "soon", "as", "possible"};
                size_t j = 1;
                while (j < 4 && s->toks.items[i + j].unit == k->unit &&
                       !(s->toks.items[i + j].flags & (T_SENT | T_GAP)) &&
                       tok_is(c, &s->toks.items[i + j], w[j]))
                    j++;
                if (j == 4) end = i + 4;
            }
            if (end && asap_ours(c, i)) urgency_add(c, &g, i, end, 1);
            if (end) {
                i = end;
                continue;
            }
        }
        i++;
    }
    urgency_flush(c, &g);
}

/* ---------------------------------------------------------- self-focus */

/* Over the units [ub, ue). */
static void rule_self_focus(ctx *c, size_t ub, size_t ue)
{
    const scan *s = c->s;
    const config *cfg = c->cfg;
    for (size_t u = ub; u < ue; u++) {
        const unit *un = &s->units.items[u];
        if (un->heading || un->te - un->tb < (size_t)cfg->sf_min_first_person) continue;
        int fp = 0, cw = 0;
        size_t i = un->tb;
        while (i < un->te) {
            size_t e = sent_end(c, i);
            int sfp = 0, scw = 0, collab = 0;
            for (size_t j = i; j < e; j++) {
                const tok *k = &s->toks.items[j];
                if (k->flags & T_MENTION) {
                    if (!mention_ours(c, k)) scw++;
                    continue;
                }
                const char *lo = tok_lo(c, k);
                int which;
                if (!collab && phrases_at(c, &cfg->sf_collaborative, j, &which)) collab = 1;
                int based = k->base != k->lolen;
                if (config_words_get_h(&cfg->sf_first_person, lo, k->lolen, k->h) >= 0 ||
                    (based && config_words_get(&cfg->sf_first_person, lo, k->base) >= 0)) {
                    if (!((k->flags & T_UPPER) && k->lolen == 2)) sfp++; /* "US" */
                } else if (config_words_get_h(&cfg->sf_client_words, lo, k->lolen, k->h) >= 0 ||
                           (based && config_words_get(&cfg->sf_client_words, lo, k->base) >= 0) ||
                           is_client_name(c, k)) {
                    scw++;
                }
            }
            if (!collab) fp += sfp;
            cw += scw;
            i = e;
        }
        if (fp >= cfg->sf_min_first_person && (double)fp >= cfg->sf_ratio * (double)cw)
            hint(c, RULE_SELF_FOCUS, un->line, un->col, un->end_line, un->end_col,
                 xasprintf("Mostly about us here (%d we/our/I, %d about them): our needs matter "
                           "too, but what's in it for them? Tie it to one of their needs or "
                           "objectives.", fp, cw));
    }
}

/* ------------------------------------------------------- note rules */

static int has_marker(const char *text, const char *m)
{
    size_t n = strlen(m);
    for (const char *p = text; *p; p++) {
        if (ascii_ncasecmp(p, m, n) != 0) continue;
        if (m[0] == '#') {
            if (p > text && !is_ws((unsigned char)p[-1]) && p[-1] != '(') continue;
            unsigned char nx = (unsigned char)p[n];
            if (is_alnum(nx) || nx == '-' || nx == '_' || nx == '/' || nx >= 0x80) continue;
        }
        return 1;
    }
    return 0;
}

static int cap_for(const ctx *c)
{
    if (c->note->priority_cap >= 1) return c->note->priority_cap;
    if (c->facts && c->facts->client_cap >= 1) return c->facts->client_cap;
    return c->cfg->priority_cap;
}

static int section_empty(const ctx *c, const parse_section *sec)
{
    if (sec->n_items) return 0;
    for (int l = sec->line + 1; l <= sec->end_line && (size_t)l <= c->s->lines.len; l++)
        if (c->s->content[l - 1]) return 0;
    return 1;
}

static void rule_notes(ctx *c)
{
    const parse_note *n = c->note;
    const config *cfg = c->cfg;
    int client = n->type == PARSE_CLIENT && !(n->status && !strcmp(n->status, "archived"));
    const parse_section *pri = parse_find_section(n, SEC_PRIORITIES);

    if (on(c, RULE_OVER_CAP) && pri) {
        int cap = cap_for(c);
        if (pri->n_items > (size_t)cap)
            hint_line(c, RULE_OVER_CAP, pri->line,
                      xasprintf("%zu priorities, cap %d: rank them with the client, then keep the "
                                "top %d and park the rest (:Rapport cap).", pri->n_items, cap, cap));
    }
    if (client && on(c, RULE_SHORT_TERM_ONLY) && pri && pri->n_items) {
        size_t shorts = 0, longs = 0;
        for (size_t i = 0; i < pri->n_items; i++) {
            const char *t = n->items[pri->first_item + i].text;
            if (has_marker(t, "(long)") || has_marker(t, "#long-term")) longs++;
            else if (has_marker(t, "(short)") || has_marker(t, "#short-term")) shorts++;
        }
        if (!longs && shorts == pri->n_items)
            hint_line(c, RULE_SHORT_TERM_ONLY, pri->line,
                      xasprintf("All %zu priorities are short-term: ask how they serve their "
                                "long-term plan (\"How does this fit your long-term plan?\").",
                                pri->n_items));
    }
    if (client && on(c, RULE_NO_NEEDS)) {
        static const int kinds[] = {SEC_NEEDS, SEC_OBJECTIVES, SEC_CHALLENGES};
        int empty = 1, first = 0;
        for (size_t i = 0; i < ARRAY_LEN(kinds); i++) {
            const parse_section *sec = parse_find_section(n, kinds[i]);
            if (!sec) continue;
            if (!first || sec->line < first) first = sec->line;
            if (!section_empty(c, sec)) empty = 0;
        }
        if (empty)
            hint_line(c, RULE_NO_NEEDS, first ? first : line_one(c),
                      xstrdup("No needs, objectives or challenges yet: ask them \"What do you want "
                              "to achieve this year?\" and \"What is getting in the way?\""));
    }
    if (client && on(c, RULE_SINGLE_THREADED) && c->facts && c->facts->stakeholders >= 0 &&
        c->facts->stakeholders < 2) {
        const parse_section *sh = parse_find_section(n, SEC_STAKEHOLDERS);
        int k = c->facts->stakeholders;
        hint_line(c, RULE_SINGLE_THREADED, sh ? sh->line : line_one(c),
                  k == 0 ? xstrdup("No stakeholders known yet: ask who is affected, who decides "
                                   "and who will have to adopt it.")
                         : xstrdup("Only one stakeholder known: ask who else is affected, and who "
                                   "will have to adopt it."));
    }
    if (client && on(c, RULE_GONE_DARK) && c->facts && c->facts->days_since >= 0) {
        int cad = n->cadence >= 1 ? n->cadence : cfg->cadence;
        if (c->facts->days_since > cad)
            hint_line(c, RULE_GONE_DARK, line_one(c),
                      xasprintf("No contact for %ld days (cadence %d): reread our last notes first "
                                "(promises we owe, pressure we brought), then suggest a "
                                "low-pressure check-in.", c->facts->days_since, cad));
    }
    if (n->type == PARSE_MEETING && on(c, RULE_NO_NEXT_STEP)) {
        const parse_section *ns = parse_find_section(n, SEC_NEXT_STEPS);
        if (!n->n_tasks && !(ns && ns->n_items))
            hint_line(c, RULE_NO_NEXT_STEP, n->n_headings ? n->headings[0].line : line_one(c),
                      xstrdup("No next step recorded: agree one concrete step with an owner and "
                              "a date (- [ ] @owner ... due:YYYY-MM-DD)."));
    }
    for (size_t i = 0; i < n->n_tasks; i++) {
        const parse_task *tk = &n->tasks[i];
        if (tk->done) continue;
        size_t ls = c->s->lines.items[tk->line - 1];
        int ec = (int)(line_end(c->s, tk->line) - ls);
        int theirs_task = tk->owner && !config_in_team(cfg, tk->owner);
        if (on(c, RULE_OVERDUE) && tk->due && date_to_days(tk->due) < c->today) {
            long late = c->today - date_to_days(tk->due);
            char *msg = theirs_task
                ? xasprintf("@%s's task is %ld day%s past due (%s): ask whether it is still "
                            "useful or what would help, and agree a new date.",
                            tk->owner, late, late == 1 ? "" : "s", tk->due)
                : xasprintf("Our promise is %ld day%s past due (%s): deliver it or tell them "
                            "when they will have it.", late, late == 1 ? "" : "s", tk->due);
            hint(c, RULE_OVERDUE, tk->line, tk->col, tk->line, ec, msg);
        }
        int no_owner = cfg->vt_owner && !tk->owner, no_due = cfg->vt_due && !tk->due;
        if (on(c, RULE_VAGUE_TASK) && (no_owner || no_due)) {
            const char *what = no_owner && no_due ? "no owner and no due date"
                               : no_owner         ? "no owner"
                                                  : "no due date";
            const char *fix = no_owner && no_due ? "agree who does it and by when "
                                                   "(@owner due:YYYY-MM-DD)"
                              : no_owner ? "name who does it (@owner) so nothing falls "
                                           "through the cracks"
                                         : "agree a date (due:YYYY-MM-DD) so they know what to "
                                           "expect";
            hint(c, RULE_VAGUE_TASK, tk->line, tk->col, tk->line, ec,
                 xasprintf("Open task with %s: %s.", what, fix));
        }
    }
}

/* ---------------------------------------------------------------- main */

static int hint_cmp(const void *a, const void *b)
{
    const rules_hint *x = a, *y = b;
    if (x->line != y->line) return x->line < y->line ? -1 : 1;
    if (x->col != y->col) return x->col < y->col ? -1 : 1;
    if (x->rule != y->rule) return x->rule < y->rule ? -1 : 1;
    if (x->end_line != y->end_line) return x->end_line < y->end_line ? -1 : 1;
    return x->end_col < y->end_col ? -1 : x->end_col > y->end_col;
}

/* The body pass: lines, per-line directives, units and, unless `defer`, their
 * tokens (see inline_at). */
static void scan_body(scan *s, const char *text, size_t len, const parse_note *note, int defer)
{
    memset(s, 0, sizeof *s);
    s->t = text;
    s->len = len;
    s->cur = -1;
    s->defer = defer;
    for (size_t i = 0;;) {
        VEC_PUSH(&s->lines, i);
        const char *q = i < len ? memchr(text + i, '\n', len - i) : NULL;
        if (!q) break;
        i = (size_t)(q - text) + 1;
    }
    if (!defer) {
        /* sized for the text up front: no regrowth on the hot path */
        s->toks.cap = len / 4 + 16;
        s->toks.items = xmalloc(s->toks.cap * sizeof *s->toks.items);
        buf_reserve(&s->arena, len + 16);
    }
    s->ignore = xcalloc(s->lines.len, sizeof *s->ignore);
    s->content = xcalloc(s->lines.len, 1);
    int first = note->fm.present ? note->fm.end_line + 1 : 1;
    for (int l = 1; l < first && (size_t)l <= s->lines.len; l++) {
        size_t ls = s->lines.items[l - 1];
        s->ignore[l - 1] = directive(text, ls, line_end(s, l));
    }
    for (int l = first; (size_t)l <= s->lines.len; l++) body_line(s, l);
    unit_close(s);
}

/* Sentence starts of the tokens [from, to) (whole units). */
static void sstart_fill(scan *s, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        s->sstart[i] = (i == from || (s->toks.items[i].flags & T_SENT) ||
                        s->toks.items[i].unit != s->toks.items[i - 1].unit)
                           ? i
                           : s->sstart[i - 1];
}

static void scan_free(scan *s)
{
    VEC_FREE(&s->lines);
    VEC_FREE(&s->toks);
    VEC_FREE(&s->units);
    VEC_FREE(&s->stack);
    VEC_FREE(&s->calls);
    buf_free(&s->arena);
    free(s->ignore);
    free(s->content);
    free(s->sstart);
}

static void ctx_init(ctx *c, scan *s, const char *text, size_t len, const parse_note *note,
                     const config *cfg, const rules_facts *facts, long today, rules_result *out)
{
    memset(c, 0, sizeof *c);
    c->t = text;
    c->len = len;
    c->note = note;
    c->cfg = cfg;
    c->facts = facts;
    c->today = today;
    c->s = s;
    c->out = out;
    for (size_t i = 0; i < note->n_ignore; i++) {
        if (!strcmp(note->ignore[i], "all") || !strcmp(note->ignore[i], "*"))
            c->note_mask = (1u << RULES_COUNT) - 1;
        int r = rules_find(note->ignore[i]);
        if (r >= 0) c->note_mask |= 1u << r;
    }
    if (note->client) {
        add_names(c, note->client, strlen(note->client));
    }
    if (facts)
        for (size_t i = 0; i < facts->n_client_words; i++)
            if (facts->client_words[i]) add_names(c, facts->client_words[i], strlen(facts->client_words[i]));
}

static void ctx_free(ctx *c)
{
    for (size_t i = 0; i < c->names.len; i++) free(c->names.items[i]);
    VEC_FREE(&c->names);
}

/* The text rules that run: bit 0 self-focus, bit 1 urgency. */
static unsigned text_rules(const ctx *c)
{
    unsigned m = 0;
    if (on(c, RULE_SELF_FOCUS) && !(c->note_mask & (1u << RULE_SELF_FOCUS))) m |= 1;
    if (on(c, RULE_URGENCY) && !(c->note_mask & (1u << RULE_URGENCY))) m |= 2;
    return m;
}

void rules_run(const char *text, size_t len, const parse_note *note, const config *cfg,
               const rules_facts *facts, long today, rules_result *out)
{
    memset(out, 0, sizeof *out);
    if (!text) text = "", len = 0;
    scan s;
    scan_body(&s, text, len, note, 0);
    s.sstart = xmalloc((s.toks.len ? s.toks.len : 1) * sizeof *s.sstart);
    sstart_fill(&s, 0, s.toks.len);

    ctx c;
    ctx_init(&c, &s, text, len, note, cfg, facts, today, out);
    unsigned run = text_rules(&c);
    if (run & 1) rule_self_focus(&c, 0, s.units.len);
    if (run & 2) rule_urgency(&c, 0, s.toks.len);
    rule_notes(&c);

    if (out->len > 1) qsort(out->items, out->len, sizeof *out->items, hint_cmp);
    ctx_free(&c);
    scan_free(&s);
}

/* ------------------------------------------------------------ cache
 *
 * rules_run_cached: the same result as rules_run, with the text rules
 * (self-focus, urgency) judged again only for units (paragraphs, list items'
 * text, headings) not seen in the previous run.
 *
 * Invariant: the text rules' hints for a unit, before silencing, are a pure
 * function of
 *   - the unit's tokens, which are a function of its bytes (its lines, first
 *     to last, are hashed whole) and of the scan_inline calls the block pass
 *     makes over them (line offset in the unit, from and to columns: these
 *     carry what the surrounding blocks decide -- a list marker skipped, a
 *     BOM, the unit's first byte); the inline state (quotes, sentence and gap
 *     marks) starts afresh at every unit, and nothing outside the unit's
 *     calls reaches its tokens -- except an HTML comment, which is why a unit
 *     holding "<!--" is "live" (see inline_at) and never cached;
 *   - its shape: heading or not (a setext underline outside the unit decides
 *     it), first column, last line and column (the self-focus anchor);
 *   - the environment: the settings (config hash plus the knobs the text
 *     rules read), the words naming the client (frontmatter client + facts'
 *     client words), and which text rules run (enabled, not silenced for the
 *     note by the frontmatter).
 * Every rule works inside one unit: sentences, phrases, look-backs and
 * urgency groups never cross a unit's edge, so judging units one at a time
 * is judging the note. Positions are stored relative to the unit's first
 * line (columns are kept: moving a unit does not change them) and shifted to
 * where the unit is now. Silencing (rapport-ignore lines, by line, and the
 * frontmatter list) and severities are applied when the hints are replayed,
 * exactly as rules_run applies them; so is which lines hold words (no-needs
 * reads it). The structural rules always run in full.
 *
 * Keys are 64-bit hashes (checked against the unit's byte length too); a
 * collision would replay another unit's hints -- odds ~n^2/2^64.
 * Memory: entries not used by the latest run are dropped after it, so the
 * cache holds one document's units (use one cache per buffer).
 */

#define RC_P1 0x9E3779B185EBCA87ULL
#define RC_P2 0xC2B2AE3D27D4EB4FULL
#define RC_P3 0x165667B19E3779F9ULL

static uint64_t rc_round(uint64_t h, uint64_t v)
{
    h += v * RC_P2;
    h = (h << 31) | (h >> 33);
    return h * RC_P1;
}

static uint64_t rc_bytes(uint64_t h, const char *p, size_t n)
{
    h = rc_round(h, (uint64_t)n);
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        h = rc_round(h, v);
        p += 8;
        n -= 8;
    }
    uint64_t v = 0;
    memcpy(&v, p, n);
    return rc_round(h, v);
}

static uint64_t rc_final(uint64_t h)
{
    h ^= h >> 33;
    h *= RC_P2;
    h ^= h >> 29;
    h *= RC_P3;
    h ^= h >> 32;
    return h;
}

typedef struct {
    uint64_t key;
    size_t nbytes;         /* the unit's byte span: a second check on the key */
    unsigned gen;          /* the last run that used it */
    rc_hint *hints;
    size_t n_hints;
    int *content;          /* lines holding words, relative to the unit's first */
    size_t n_content;
} rc_entry;

struct rules_cache {
    VEC(rc_entry) ents;
    size_t *slots;         /* open addressing: entry index + 1, 0 empty */
    size_t cap;            /* a power of two, > 2 * ents.len */
    unsigned gen;
    rules_cache_stats st;
};

rules_cache *rules_cache_new(void) { return xcalloc(1, sizeof(rules_cache)); }

static void rc_entry_free(rc_entry *e)
{
    for (size_t i = 0; i < e->n_hints; i++) free(e->hints[i].msg);
    free(e->hints);
    free(e->content);
}

void rules_cache_free(rules_cache *rc)
{
    if (!rc) return;
    for (size_t i = 0; i < rc->ents.len; i++) rc_entry_free(&rc->ents.items[i]);
    VEC_FREE(&rc->ents);
    free(rc->slots);
    free(rc);
}

void rules_cache_get_stats(const rules_cache *rc, rules_cache_stats *st)
{
    *st = rc->st;
    st->entries = rc->ents.len;
}

static void rc_reindex(rules_cache *rc, size_t want)
{
    size_t cap = 64;
    while (cap < 2 * want + 2) cap *= 2;
    if (cap != rc->cap) {
        free(rc->slots);
        rc->slots = xmalloc(cap * sizeof *rc->slots);
        rc->cap = cap;
    }
    memset(rc->slots, 0, cap * sizeof *rc->slots);
    for (size_t i = 0; i < rc->ents.len; i++) {
        size_t j = (size_t)rc->ents.items[i].key & (cap - 1);
        while (rc->slots[j]) j = (j + 1) & (cap - 1);
        rc->slots[j] = i + 1;
    }
}

static rc_entry *rc_find(rules_cache *rc, uint64_t key, size_t nbytes)
{
    if (!rc->cap) return NULL;
    for (size_t j = (size_t)key & (rc->cap - 1); rc->slots[j]; j = (j + 1) & (rc->cap - 1)) {
        rc_entry *e = &rc->ents.items[rc->slots[j] - 1];
        if (e->key == key && e->nbytes == nbytes) return e;
    }
    return NULL;
}

static rc_entry *rc_insert(rules_cache *rc, const rc_entry *e)
{
    VEC_PUSH(&rc->ents, *e);
    if (2 * rc->ents.len + 2 > rc->cap) {
        rc_reindex(rc, rc->ents.len);
    } else {
        size_t j = (size_t)e->key & (rc->cap - 1);
        while (rc->slots[j]) j = (j + 1) & (rc->cap - 1);
        rc->slots[j] = rc->ents.len;
    }
    return &rc->ents.items[rc->ents.len - 1];
}

/* Drops the entries the run did not use. */
static void rc_sweep(rules_cache *rc)
{
    size_t k = 0;
    for (size_t i = 0; i < rc->ents.len; i++) {
        if (rc->ents.items[i].gen == rc->gen) rc->ents.items[k++] = rc->ents.items[i];
        else rc_entry_free(&rc->ents.items[i]);
    }
    if (k != rc->ents.len || 2 * k + 2 > rc->cap || rc->cap > 8 * (k + 64)) {
        rc->ents.len = k;
        rc_reindex(rc, k);
    }
}

/* The settings and names the text rules read, and which of them run. */
static uint64_t rc_env(const ctx *c, unsigned run)
{
    const config *cfg = c->cfg;
    uint64_t h = rc_round(0x27D4EB2F165667C5ULL, cfg->hash);
    uint64_t ratio;
    memcpy(&ratio, &cfg->sf_ratio, sizeof ratio);
    h = rc_round(h, run);
    h = rc_round(h, ratio);
    h = rc_round(h, (uint64_t)cfg->sf_min_first_person);
    h = rc_round(h, (uint64_t)cfg->urgency_asap);
    h = rc_round(h, cfg->n_team);
    h = rc_round(h, cfg->urgency.len);
    h = rc_round(h, cfg->sf_collaborative.len);
    h = rc_round(h, cfg->sf_first_person.len);
    h = rc_round(h, cfg->sf_client_words.len);
    for (size_t i = 0; i < cfg->n_team; i++) h = rc_bytes(h, cfg->team[i], strlen(cfg->team[i]));
    h = rc_round(h, c->names.len);
    for (size_t i = 0; i < c->names.len; i++)
        h = rc_bytes(h, c->names.items[i], strlen(c->names.items[i]));
    return h;
}

/* Runs the deferred scan_inline calls of unit ui. */
static void unit_tokenize(scan *s, size_t ui)
{
    unit *u = &s->units.items[ui];
    s->cur = (long)ui;
    s->quote = 0;
    s->pend_sent = s->pend_gap = 0;
    u->tb = s->toks.len;
    for (size_t i = u->cb; i < u->ce; i++) {
        const icall *k = &s->calls.items[i];
        scan_inline(s, k->line, s->lines.items[k->line - 1], k->from, k->to);
    }
    u->te = s->toks.len;
    s->cur = -1;
}

static void unit_judge(ctx *c, size_t ui, unsigned run, size_t *sscap)
{
    scan *s = c->s;
    const unit *u = &s->units.items[ui];
    if (*sscap < s->toks.len) {
        *sscap = s->toks.len + s->toks.len / 2 + 64;
        s->sstart = xrealloc(s->sstart, *sscap * sizeof *s->sstart);
    }
    sstart_fill(s, u->tb, u->te);
    if (run & 1) rule_self_focus(c, ui, ui + 1);
    if (run & 2) rule_urgency(c, u->tb, u->te);
}

static void rc_replay(ctx *c, const rc_entry *e, int line)
{
    for (size_t i = 0; i < e->n_hints; i++) {
        const rc_hint *h = &e->hints[i];
        hint(c, h->rule, line + h->dline, h->col, line + h->dend, h->end_col, xstrdup(h->msg));
    }
    for (size_t i = 0; i < e->n_content; i++) c->s->content[line + e->content[i] - 1] = 1;
}

void rules_run_cached(rules_cache *rc, const char *text, size_t len, const parse_note *note,
                      const config *cfg, const rules_facts *facts, long today, rules_result *out)
{
    if (!rc) {
        rules_run(text, len, note, cfg, facts, today, out);
        return;
    }
    memset(out, 0, sizeof *out);
    if (!text) text = "", len = 0;
    scan s;
    scan_body(&s, text, len, note, 1);
    size_t sscap = 0;

    ctx c;
    ctx_init(&c, &s, text, len, note, cfg, facts, today, out);
    unsigned run = text_rules(&c);
    uint64_t env = rc_env(&c, run);
    rc->gen++;
    rc->st.units = s.units.len;
    rc->st.hits = 0;
    rc_hints cap = {0};
    for (size_t ui = 0; ui < s.units.len; ui++) {
        const unit *u = &s.units.items[ui];
        if (u->live) { /* tokenized by the body pass; never cached */
            unit_judge(&c, ui, run, &sscap);
            continue;
        }
        size_t b = s.lines.items[u->line - 1], e = line_end(&s, u->end_line);
        uint64_t h = env;
        h = rc_round(h, (uint64_t)u->heading);
        h = rc_round(h, (uint64_t)(uint32_t)u->col);
        h = rc_round(h, (uint64_t)(uint32_t)(u->end_line - u->line));
        h = rc_round(h, (uint64_t)(uint32_t)u->end_col);
        h = rc_round(h, u->ce - u->cb);
        for (size_t i = u->cb; i < u->ce; i++) {
            const icall *k = &s.calls.items[i];
            size_t ls = s.lines.items[k->line - 1];
            h = rc_round(h, (uint64_t)(uint32_t)(k->line - u->line));
            h = rc_round(h, ((uint64_t)(k->from - ls) << 32) ^ (uint64_t)(k->to - ls));
        }
        h = rc_final(rc_bytes(h, text + b, e - b));
        rc_entry *en = rc_find(rc, h, e - b);
        if (en) {
            en->gen = rc->gen;
            rc->st.hits++;
            rc_replay(&c, en, u->line);
            continue;
        }
        size_t tmark = s.toks.len, amark = s.arena.len;
        unit_tokenize(&s, ui);
        cap.len = 0;
        c.capture = &cap;
        c.cap_line = u->line;
        unit_judge(&c, ui, run, &sscap);
        c.capture = NULL;
        rc_entry ne;
        memset(&ne, 0, sizeof ne);
        ne.key = h;
        ne.nbytes = e - b;
        ne.gen = rc->gen;
        if (cap.len) {
            ne.n_hints = cap.len;
            ne.hints = xmalloc(cap.len * sizeof *ne.hints);
            memcpy(ne.hints, cap.items, cap.len * sizeof *ne.hints);
        }
        for (size_t i = u->tb; i < u->te; i++) { /* tokens come in line order */
            int d = s.toks.items[i].line - u->line;
            if (ne.n_content && ne.content[ne.n_content - 1] == d) continue;
            ne.content = xrealloc(ne.content, (ne.n_content + 1) * sizeof *ne.content);
            ne.content[ne.n_content++] = d;
        }
        en = rc_insert(rc, &ne);
        rc_replay(&c, en, u->line);
        s.toks.len = tmark; /* this unit's tokens are done with */
        s.arena.len = amark;
    }
    VEC_FREE(&cap);
    rule_notes(&c);

    if (out->len > 1) qsort(out->items, out->len, sizeof *out->items, hint_cmp);
    rc_sweep(rc);
    ctx_free(&c);
    scan_free(&s);
}

void rules_result_free(rules_result *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->len; i++) free(r->items[i].message);
    free(r->items);
    memset(r, 0, sizeof *r);
}
