/* query.c -- the tag-query language of `find`: tokenizer, parser, evaluator.
 *
 * Syntax (SPEC §2), informally:
 *
 *     or   := and ('OR' and)*
 *     and  := not (['AND'] not)*          juxtaposition means AND
 *     not  := ('NOT' | '-') not | atom    NOT binds tightest
 *     atom := '(' or ')' | term
 *
 * Decisions and invariants:
 * - Keywords AND, OR, NOT are recognised in any ASCII case (`and` is AND). A
 *   tag spelled like a keyword is written with its '#': `#and`.
 * - Words are split on ASCII whitespace; '(' and ')' are tokens of their own
 *   wherever they appear. A '-' at the start of a word is NOT and must be
 *   followed directly by its operand (`-risk`, `-(a b)`); a lone '-' is an
 *   error. Inside a word '-' is an ordinary tag character (`short-term`).
 * - Terms: `#tag` / `tag`, `@person`, and `field:value` for the fields
 *   client, type, after, before (field names in any case). `client:[[Acme
 *   Corp]]` may contain spaces and parentheses inside the brackets; the
 *   brackets and the spaces just inside them are stripped.
 * - Values are normalised: tags/clients/people/types ASCII-lowercased; a tag
 *   loses its leading '#' and trailing '/'s; a person loses the '@' and any
 *   trailing '.' (as in the body, where a '.' cannot end a name); dates are
 *   checked with date_valid().
 * - A tag term stays a plain tag: the evaluator hands it to the caller's
 *   term function, which is responsible for parent semantics (`topic` also
 *   matches `topic/...`).
 * - Errors name the 1-based byte position of the offending token; for a
 *   bad value (`after:x`, `type:x`) that is the position of the value. Text
 *   quoted in messages is cut at 40 bytes on a UTF-8 boundary, and control
 *   bytes and invalid UTF-8 are shown as '?', so a message is always valid
 *   UTF-8 of bounded length.
 * - Depth: at most QUERY_MAX_DEPTH nested '(' / NOT, so hostile input cannot
 *   exhaust the stack. AND/OR chains of any length are built right-deep
 *   (a AND (b AND c)) and every walker (free, eval, to_string) loops along
 *   that right spine, recursing only into left operands: recursion depth is
 *   bounded by the nesting depth, not by the number of terms.
 *
 * Canonical string (query_to_string): an s-expression, with AND/OR chains
 * flattened: `risk OR client:acme -@bob` renders as
 * `(or (tag risk) (and (client acme) (not (person bob))))`. Term heads are
 * tag, client, person, type, after, before. A value is written bare unless it
 * is empty or contains whitespace, '(', ')', '"' or '\\'; then it is written
 * in double quotes with '"' and '\\' escaped by '\\'.
 */
#include "query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define QUERY_MAX_DEPTH 64
#define QUOTE_MAX 40

/* ---- tokens ------------------------------------------------------------ */

enum tok_kind { T_END, T_WORD, T_LPAREN, T_RPAREN, T_AND, T_OR, T_NOT, T_DASH };

typedef struct {
    int kind;
    size_t pos; /* 0-based byte offset in the query */
    size_t len;
} token;

typedef struct {
    const char *q;
    size_t n;
    size_t off;    /* tokenizer position */
    token cur;     /* lookahead */
    int depth;
    char *err;
    size_t errlen;
    int failed;
} parser;

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int is_delim(char c)
{
    return is_space(c) || c == '(' || c == ')';
}

static int ascii_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int ascii_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* Appends `s[0..n)` to b for an error message: at most QUOTE_MAX bytes, cut
 * on a code-point boundary, control bytes and invalid UTF-8 as '?'. */
static void quote_text(buf_t *b, const char *s, size_t n)
{
    size_t i = 0, out = 0;
    while (i < n && out < QUOTE_MAX) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            buf_addc(b, (c < 0x20 || c == 0x7f) ? '?' : (char)c);
            i++, out++;
            continue;
        }
        uint32_t cp;
        int k = utf8_decode(s + i, n - i, &cp);
        if (k == 0) {
            buf_addc(b, '?');
            i++, out++;
            continue;
        }
        if (out + (size_t)k > QUOTE_MAX) break;
        buf_add(b, s + i, (size_t)k);
        i += (size_t)k, out += (size_t)k;
    }
    if (i < n) buf_adds(b, "...");
}

/* Records the first error: `fmt` may hold one "%s", filled with the quoted
 * text s[0..n) (pass s = NULL for none); " at position P" is appended, then
 * `hint` when not NULL. */
static void fail_hint(parser *p, size_t pos, const char *fmt, const char *s, size_t n,
                      const char *hint)
{
    if (p->failed) return;
    p->failed = 1;
    if (!p->err || p->errlen == 0) return;
    buf_t b = {0};
    const char *hole = strstr(fmt, "%s");
    if (hole && s) {
        buf_add(&b, fmt, (size_t)(hole - fmt));
        quote_text(&b, s, n);
        buf_adds(&b, hole + 2);
    } else {
        buf_adds(&b, fmt);
    }
    buf_printf(&b, " at position %zu", pos + 1);
    if (hint) buf_adds(&b, hint);
    snprintf(p->err, p->errlen, "%s", buf_cstr(&b));
    buf_free(&b);
}

static void fail(parser *p, size_t pos, const char *fmt, const char *s, size_t n)
{
    fail_hint(p, pos, fmt, s, n, NULL);
}

static void fail_plain(parser *p, const char *msg)
{
    if (p->failed) return;
    p->failed = 1;
    if (p->err && p->errlen) snprintf(p->err, p->errlen, "%s", msg);
}

static int word_is(const parser *p, const token *t, const char *kw)
{
    size_t k = strlen(kw);
    return t->len == k && ascii_ncasecmp(p->q + t->pos, kw, k) == 0;
}

/* Reads the next token into p->cur. A `client:[[...]]` word extends to the
 * closing "]]" across spaces and parentheses. */
static void next(parser *p)
{
    const char *q = p->q;
    while (p->off < p->n && is_space(q[p->off])) p->off++;
    token t = {T_END, p->off, 0};
    if (p->off >= p->n) {
        p->cur = t;
        return;
    }
    char c = q[p->off];
    if (c == '(' || c == ')') {
        t.kind = c == '(' ? T_LPAREN : T_RPAREN;
        t.len = 1;
        p->off++;
        p->cur = t;
        return;
    }
    if (c == '-') {
        t.kind = T_DASH;
        t.len = 1;
        p->off++;
        p->cur = t;
        return;
    }
    size_t i = p->off;
    static const char cl[] = "client:[[";
    if (p->n - i >= sizeof(cl) - 1 && ascii_ncasecmp(q + i, cl, sizeof(cl) - 1) == 0) {
        size_t j = i + sizeof(cl) - 1;
        while (j + 1 < p->n && !(q[j] == ']' && q[j + 1] == ']')) j++;
        if (j + 1 >= p->n) {
            fail(p, i + 7, "missing ']]' for '[['", NULL, 0);
            p->cur = t; /* T_END: the parser stops on p->failed */
            return;
        }
        i = j + 2;
        if (i < p->n && !is_delim(q[i])) {
            size_t e = i;
            while (e < p->n && !is_delim(q[e])) e++;
            fail(p, i, "unexpected '%s' after ']]'", q + i, e - i);
            p->cur = t;
            return;
        }
    } else {
        while (i < p->n && !is_delim(q[i])) i++;
    }
    t.kind = T_WORD;
    t.len = i - p->off;
    p->off = i;
    if (word_is(p, &t, "and")) t.kind = T_AND;
    else if (word_is(p, &t, "or")) t.kind = T_OR;
    else if (word_is(p, &t, "not")) t.kind = T_NOT;
    p->cur = t;
}

/* ---- terms ------------------------------------------------------------- */

/* A code point allowed in a tag or mention name that counts as a letter:
 * any non-ASCII one outside U+00A0-U+00BF and U+2000-U+206F (SPEC §1.3). */
static int nonascii_letter(uint32_t cp)
{
    return cp >= 0x80 && !(cp >= 0xA0 && cp <= 0xBF) && !(cp >= 0x2000 && cp <= 0x206F);
}

/* Tag name rules of SPEC §1.3 on s[0..n) (no '#', trailing '/' removed). */
static int tag_valid(const char *s, size_t n)
{
    int letter = 0;
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            if (ascii_alpha(c)) letter = 1;
            else if (!ascii_digit(c) && c != '_' && c != '-' && c != '/') return 0;
            i++;
            continue;
        }
        uint32_t cp;
        int k = utf8_decode(s + i, n - i, &cp);
        if (k == 0 || !nonascii_letter(cp)) return 0;
        letter = 1;
        i += (size_t)k;
    }
    return letter;
}

/* Mention rules: starts with a letter, then letters, digits, '_', '-', '.'. */
static int person_valid(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            if (i == 0 ? !ascii_alpha(c)
                       : !(ascii_alpha(c) || ascii_digit(c) || c == '_' || c == '-' || c == '.'))
                return 0;
            i++;
            continue;
        }
        uint32_t cp;
        int k = utf8_decode(s + i, n - i, &cp);
        if (k == 0 || !nonascii_letter(cp)) return 0;
        i += (size_t)k;
    }
    return n > 0;
}

/* A client id: valid UTF-8, no control bytes, no '[' or ']' (file names
 * cannot hold them in a wiki link, and they would make `[[...]]` ambiguous). */
static int client_valid(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f || c == '[' || c == ']') return 0;
    }
    return n > 0 && utf8_valid(s, n);
}

static query_node *new_term(int term, const char *v, size_t n)
{
    query_node *t = xcalloc(1, sizeof(*t));
    t->kind = QN_TERM;
    t->term = term;
    t->value = ascii_lower_dup(v, n);
    return t;
}

static query_node *new_op(int kind, query_node *a, query_node *b)
{
    query_node *t = xcalloc(1, sizeof(*t));
    t->kind = kind;
    t->a = a;
    t->b = b;
    return t;
}

/* Turns the word token `t` into a term node, or fails. */
static query_node *parse_term(parser *p, const token *t)
{
    const char *w = p->q + t->pos;
    size_t n = t->len;
    size_t pos = t->pos;

    if (w[0] == '@') {
        size_t k = n - 1;
        while (k > 0 && w[k] == '.') k--; /* w[1..k] without trailing dots */
        if (n == 1) {
            fail(p, pos, "expected a name after '@'", NULL, 0);
            return NULL;
        }
        if (!person_valid(w + 1, k)) {
            fail(p, pos, "invalid person '%s'", w, n);
            return NULL;
        }
        return new_term(QT_PERSON, w + 1, k);
    }

    const char *colon = memchr(w, ':', n);
    if (w[0] != '#' && colon) {
        size_t fl = (size_t)(colon - w);
        const char *v = colon + 1;
        size_t vn = n - fl - 1, vpos = pos + fl + 1;
        int term;
        if (fl == 6 && ascii_ncasecmp(w, "client", 6) == 0) term = QT_CLIENT;
        else if (fl == 4 && ascii_ncasecmp(w, "type", 4) == 0) term = QT_TYPE;
        else if (fl == 5 && ascii_ncasecmp(w, "after", 5) == 0) term = QT_AFTER;
        else if (fl == 6 && ascii_ncasecmp(w, "before", 6) == 0) term = QT_BEFORE;
        else {
            fail_hint(p, pos, "unknown field '%s'", w, fl + 1,
                      " (client:, type:, after:, before:)");
            return NULL;
        }
        if (vn == 0) {
            fail(p, pos, "expected a value after '%s'", w, fl + 1);
            return NULL;
        }
        switch (term) {
        case QT_CLIENT: {
            const char *s = v;
            size_t sn = vn;
            if (sn >= 4 && s[0] == '[' && s[1] == '[') { /* the tokenizer saw the "]]" */
                s += 2, sn -= 4;
                while (sn && is_space(*s)) s++, sn--;
                while (sn && is_space(s[sn - 1])) sn--;
            }
            if (!client_valid(s, sn)) {
                fail(p, vpos, "invalid client '%s'", v, vn);
                return NULL;
            }
            return new_term(QT_CLIENT, s, sn);
        }
        case QT_TYPE:
            if (!((vn == 6 && ascii_ncasecmp(v, "client", 6) == 0) ||
                  (vn == 7 && ascii_ncasecmp(v, "meeting", 7) == 0) ||
                  (vn == 4 && ascii_ncasecmp(v, "note", 4) == 0))) {
                fail_hint(p, vpos, "unknown type '%s'", v, vn, " (client, meeting or note)");
                return NULL;
            }
            return new_term(QT_TYPE, v, vn);
        default:
            if (!date_valid(v, vn)) {
                fail_hint(p, vpos, "invalid date '%s'", v, vn, " (YYYY-MM-DD)");
                return NULL;
            }
            return new_term(term, v, vn);
        }
    }

    const char *s = w;
    size_t sn = n;
    if (s[0] == '#') s++, sn--;
    if (sn == 0) {
        fail(p, pos, "expected a tag after '#'", NULL, 0);
        return NULL;
    }
    while (sn && s[sn - 1] == '/') sn--;
    if (!tag_valid(s, sn)) {
        fail(p, pos, "invalid tag '%s'", w, n);
        return NULL;
    }
    return new_term(QT_TAG, s, sn);
}

/* ---- parser ------------------------------------------------------------ */

static query_node *parse_or(parser *p);

static const char *tok_text(const parser *p, const token *t)
{
    switch (t->kind) {
    case T_AND: return "AND";
    case T_OR: return "OR";
    case T_NOT: return "NOT";
    case T_DASH: return "-";
    case T_LPAREN: return "(";
    default: return p->q + t->pos;
    }
}

/* Fails for a missing operand after the operator token `op`, according to
 * what stands at p->cur instead. */
static void fail_operand(parser *p, const token *op)
{
    const token *t = &p->cur;
    if (t->kind == T_END) fail(p, op->pos, "expected a term after '%s'", tok_text(p, op),
                               strlen(tok_text(p, op)));
    else fail(p, t->pos, "unexpected '%s'", p->q + t->pos, t->len);
}

static int starts_operand(int kind)
{
    return kind == T_WORD || kind == T_LPAREN || kind == T_NOT || kind == T_DASH;
}

static int enter(parser *p, size_t pos)
{
    if (++p->depth > QUERY_MAX_DEPTH) {
        char msg[64];
        snprintf(msg, sizeof(msg), "query nested too deeply (over %d levels)", QUERY_MAX_DEPTH);
        fail(p, pos, msg, NULL, 0);
        return 0;
    }
    return 1;
}

/* not := ('NOT' | '-') not | atom. Called with an operand start at p->cur. */
static query_node *parse_not(parser *p)
{
    token t = p->cur;
    if (t.kind == T_NOT || t.kind == T_DASH) {
        if (!enter(p, t.pos)) return NULL;
        next(p);
        if (p->failed) return NULL;
        if (!starts_operand(p->cur.kind) || (t.kind == T_DASH && p->cur.pos != t.pos + 1)) {
            if (t.kind == T_DASH && p->cur.pos != t.pos + 1)
                fail(p, t.pos, "expected a term after '-'", NULL, 0);
            else fail_operand(p, &t);
            return NULL;
        }
        query_node *a = parse_not(p);
        if (!a) return NULL;
        p->depth--;
        return new_op(QN_NOT, a, NULL);
    }
    if (t.kind == T_LPAREN) {
        if (!enter(p, t.pos)) return NULL;
        next(p);
        if (p->failed) return NULL;
        if (!starts_operand(p->cur.kind)) {
            fail_operand(p, &t);
            return NULL;
        }
        query_node *a = parse_or(p);
        if (!a) return NULL;
        if (p->cur.kind != T_RPAREN) {
            /* parse_or stops only at ')' or the end */
            fail(p, t.pos, "missing ')' for '('", NULL, 0);
            query_free(a);
            return NULL;
        }
        p->depth--;
        next(p);
        if (p->failed) {
            query_free(a);
            return NULL;
        }
        return a;
    }
    /* T_WORD */
    query_node *n = parse_term(p, &t);
    if (!n) return NULL;
    next(p);
    if (p->failed) {
        query_free(n);
        return NULL;
    }
    return n;
}

/* Builds a right-deep chain of `kind` over items[0..n). */
static query_node *chain(int kind, query_node **items, size_t n)
{
    query_node *r = items[n - 1];
    for (size_t i = n - 1; i-- > 0;) r = new_op(kind, items[i], r);
    return r;
}

static void free_items(query_node **items, size_t n)
{
    for (size_t i = 0; i < n; i++) query_free(items[i]);
}

/* and := not (['AND'] not)*. Called with an operand start at p->cur. */
static query_node *parse_and(parser *p)
{
    VEC(query_node *) v = {0};
    query_node *r = NULL;
    for (;;) {
        query_node *x = parse_not(p);
        if (!x) goto cleanup;
        VEC_PUSH(&v, x);
        if (p->cur.kind == T_AND) {
            token op = p->cur;
            next(p);
            if (p->failed) goto cleanup;
            if (!starts_operand(p->cur.kind)) {
                fail_operand(p, &op);
                goto cleanup;
            }
        } else if (!starts_operand(p->cur.kind)) {
            break;
        }
    }
    r = chain(QN_AND, v.items, v.len);
    v.len = 0;
cleanup:
    free_items(v.items, v.len);
    VEC_FREE(&v);
    return r;
}

/* or := and ('OR' and)*. Called with an operand start at p->cur; returns
 * with p->cur at ')' or the end. */
static query_node *parse_or(parser *p)
{
    VEC(query_node *) v = {0};
    query_node *r = NULL;
    for (;;) {
        query_node *x = parse_and(p);
        if (!x) goto cleanup;
        VEC_PUSH(&v, x);
        if (p->cur.kind != T_OR) break;
        token op = p->cur;
        next(p);
        if (p->failed) goto cleanup;
        if (!starts_operand(p->cur.kind)) {
            fail_operand(p, &op);
            goto cleanup;
        }
    }
    r = chain(QN_OR, v.items, v.len);
    v.len = 0;
cleanup:
    free_items(v.items, v.len);
    VEC_FREE(&v);
    return r;
}

query_node *query_parse(const char *q, char *err, size_t errlen)
{
    parser p = {0};
    p.q = q ? q : "";
    p.n = strlen(p.q);
    p.err = err;
    p.errlen = errlen;
    if (err && errlen) err[0] = '\0';
    next(&p);
    if (p.failed) return NULL;
    if (p.cur.kind == T_END) {
        fail_plain(&p, "empty query");
        return NULL;
    }
    if (!starts_operand(p.cur.kind)) {
        fail(&p, p.cur.pos, "unexpected '%s'", p.q + p.cur.pos, p.cur.len);
        return NULL;
    }
    query_node *n = parse_or(&p);
    if (!n) return NULL;
    if (p.cur.kind != T_END) {
        /* parse_or stops at ')' (unmatched here) or the end */
        fail(&p, p.cur.pos, "unexpected '%s'", p.q + p.cur.pos, p.cur.len);
        query_free(n);
        return NULL;
    }
    return n;
}

void query_free(query_node *n)
{
    while (n) {
        query_node *next_n = NULL;
        if (n->kind == QN_AND || n->kind == QN_OR) {
            query_free(n->a);
            next_n = n->b;
        } else if (n->kind == QN_NOT) {
            next_n = n->a;
        }
        free(n->value);
        free(n);
        n = next_n;
    }
}

/* ---- sets -------------------------------------------------------------- */

void query_set_add(query_set *s, int64_t id)
{
    if (s->len == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->ids = xrealloc(s->ids, s->cap * sizeof(*s->ids));
    }
    s->ids[s->len++] = id;
}

static int cmp_id(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

static int set_is_sorted(const query_set *s)
{
    for (size_t i = 1; i < s->len; i++)
        if (s->ids[i - 1] >= s->ids[i]) return 0;
    return 1;
}

void query_set_sort(query_set *s)
{
    if (set_is_sorted(s)) return;
    qsort(s->ids, s->len, sizeof(*s->ids), cmp_id);
    size_t w = 0;
    for (size_t i = 0; i < s->len; i++)
        if (w == 0 || s->ids[w - 1] != s->ids[i]) s->ids[w++] = s->ids[i];
    s->len = w;
}

void query_set_free(query_set *s)
{
    free(s->ids);
    s->ids = NULL;
    s->len = s->cap = 0;
}

static void set_reserve(query_set *s, size_t n)
{
    if (s->cap >= n) return;
    s->cap = n;
    s->ids = xrealloc(s->ids, s->cap * sizeof(*s->ids));
}

static void set_swap(query_set *a, query_set *b)
{
    query_set t = *a;
    *a = *b;
    *b = t;
}

enum set_op { OP_AND, OP_OR, OP_MINUS };

/* *x = *x op y, by one linear merge of the two sorted sets. AND and MINUS
 * write in place (the write index never passes the read index). */
static void set_merge(query_set *x, const query_set *y, int op)
{
    if (op == OP_OR) {
        query_set r = {0};
        set_reserve(&r, x->len + y->len);
        size_t i = 0, j = 0;
        while (i < x->len && j < y->len) {
            int64_t a = x->ids[i], b = y->ids[j];
            r.ids[r.len++] = a < b ? a : b;
            i += a <= b;
            j += b <= a;
        }
        while (i < x->len) r.ids[r.len++] = x->ids[i++];
        while (j < y->len) r.ids[r.len++] = y->ids[j++];
        set_swap(x, &r);
        query_set_free(&r);
        return;
    }
    size_t i = 0, j = 0, w = 0;
    while (i < x->len && j < y->len) {
        int64_t a = x->ids[i], b = y->ids[j];
        if (a < b) {
            if (op == OP_MINUS) x->ids[w++] = a;
            i++;
        } else if (b < a) {
            j++;
        } else {
            if (op == OP_AND) x->ids[w++] = a;
            i++, j++;
        }
    }
    if (op == OP_MINUS)
        while (i < x->len) x->ids[w++] = x->ids[i++];
    x->len = w;
}

static void set_copy(query_set *dst, const query_set *src)
{
    dst->len = 0;
    set_reserve(dst, src->len);
    if (src->len) memcpy(dst->ids, src->ids, src->len * sizeof(*src->ids));
    dst->len = src->len;
}

/* ---- evaluation -------------------------------------------------------- */

typedef struct {
    const query_set *all;
    query_term_fn fn;
    void *ctx;
} evaluator;

static int eval(const evaluator *e, const query_node *n, query_set *out);

/* out = all - eval(n) */
static int eval_not(const evaluator *e, const query_node *n, query_set *out)
{
    static const query_set none = {0};
    query_set x = {0};
    int rc = eval(e, n, &x);
    if (rc == 0) {
        set_copy(out, e->all ? e->all : &none);
        set_merge(out, &x, OP_MINUS);
    }
    query_set_free(&x);
    return rc;
}

/* Evaluates an AND or OR chain along its right spine. Within AND, a NOT
 * operand is subtracted directly (a AND NOT b = a - b), and evaluation stops
 * once the running result is empty. */
static int eval_chain(const evaluator *e, const query_node *n, query_set *out)
{
    int kind = n->kind, rc = 0, first = 1;
    query_set x = {0};
    out->len = 0;
    for (;;) {
        const query_node *operand = n;
        int last = 1;
        if (n->kind == kind) {
            operand = n->a;
            last = 0;
        }
        if (kind == QN_AND && !first && out->len == 0) break;
        if (kind == QN_AND && !first && operand->kind == QN_NOT) {
            rc = eval(e, operand->a, &x);
            if (rc) goto cleanup;
            set_merge(out, &x, OP_MINUS);
        } else {
            rc = eval(e, operand, first ? out : &x);
            if (rc) goto cleanup;
            if (!first) set_merge(out, &x, kind == QN_AND ? OP_AND : OP_OR);
        }
        first = 0;
        if (last) break;
        n = n->b;
    }
cleanup:
    query_set_free(&x);
    return rc;
}

static int eval(const evaluator *e, const query_node *n, query_set *out)
{
    out->len = 0;
    switch (n->kind) {
    case QN_TERM: {
        query_set r = {0};
        int rc = e->fn(e->ctx, n, &r);
        if (rc) {
            query_set_free(&r);
            return rc < 0 ? rc : -1;
        }
        query_set_sort(&r); /* cheap when already sorted, as promised */
        set_swap(out, &r);
        query_set_free(&r);
        return 0;
    }
    case QN_NOT: return eval_not(e, n->a, out);
    case QN_AND:
    case QN_OR: return eval_chain(e, n, out);
    default: return -1;
    }
}

int query_eval(const query_node *n, const query_set *all, query_term_fn fn, void *ctx,
               query_set *out)
{
    evaluator e = {all, fn, ctx};
    out->len = 0;
    int rc = eval(&e, n, out);
    if (rc) query_set_free(out);
    return rc;
}

/* ---- canonical string -------------------------------------------------- */

static const char *const term_heads[] = {"tag", "client", "person", "type", "after", "before"};

static void put_value(buf_t *b, const char *v)
{
    int plain = v[0] != '\0';
    for (const char *s = v; *s && plain; s++)
        if (is_delim(*s) || *s == '"' || *s == '\\') plain = 0;
    if (plain) {
        buf_adds(b, v);
        return;
    }
    buf_addc(b, '"');
    for (const char *s = v; *s; s++) {
        if (*s == '"' || *s == '\\') buf_addc(b, '\\');
        buf_addc(b, *s);
    }
    buf_addc(b, '"');
}

static void render(buf_t *b, const query_node *n)
{
    switch (n->kind) {
    case QN_TERM: {
        int t = n->term;
        buf_addc(b, '(');
        buf_adds(b, t >= 0 && t < (int)ARRAY_LEN(term_heads) ? term_heads[t] : "?");
        buf_addc(b, ' ');
        put_value(b, n->value ? n->value : "");
        buf_addc(b, ')');
        return;
    }
    case QN_NOT:
        buf_adds(b, "(not ");
        render(b, n->a);
        buf_addc(b, ')');
        return;
    case QN_AND:
    case QN_OR: {
        int kind = n->kind;
        buf_adds(b, kind == QN_AND ? "(and" : "(or");
        /* flatten the right spine; a same-kind left operand is flattened too */
        for (;;) {
            const query_node *x = n->kind == kind ? n->a : n;
            buf_addc(b, ' ');
            if (x->kind == kind) {
                buf_t inner = {0};
                render(&inner, x); /* "(and ...)" : splice its items */
                size_t skip = kind == QN_AND ? 5 : 4;
                buf_add(b, inner.data + skip, inner.len - skip - 1);
                buf_free(&inner);
            } else {
                render(b, x);
            }
            if (n->kind != kind) break;
            n = n->b;
        }
        buf_addc(b, ')');
        return;
    }
    default: buf_adds(b, "(?)");
    }
}

char *query_to_string(const query_node *n)
{
    buf_t b = {0};
    if (n) render(&b, n);
    buf_cstr(&b); /* allocates and terminates even when empty */
    return b.data;
}
