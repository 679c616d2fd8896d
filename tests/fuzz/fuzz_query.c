/* fuzz_query.c -- libFuzzer harness for the tag-query parser and evaluator.
 *
 * For every input: parse; on error the message must be non-empty and name a
 * position; on success render, check a round trip (an infix rendering of the
 * tree parses back to the same canonical form) and compare query_eval with a
 * naive bitmask evaluator over a 64-note universe. Any mismatch aborts.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
 *       tests/fuzz/fuzz_query.c src/query.c src/util.c -o build/fuzz/fuzz_query
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                          \
    do {                                                                  \
        if (!(c)) {                                                       \
            fprintf(stderr, "fuzz_query: check failed: %s (line %d)\n", #c, __LINE__); \
            abort();                                                      \
        }                                                                 \
    } while (0)

/* ---- infix rendering that query_parse must accept ---------------------- */

/* Renders n; *max gets the nesting depth ('(' and NOT) of the rendering,
 * which must stay within the parser's limit for the round trip to hold. */
static void infix(buf_t *b, const query_node *n, int depth, int *max)
{
    if (depth > *max) *max = depth;
    switch (n->kind) {
    case QN_TERM: {
        const char *v = n->value;
        switch (n->term) {
        case QT_TAG: buf_printf(b, "#%s", v); break;
        case QT_PERSON: buf_printf(b, "@%s", v); break;
        case QT_TYPE: buf_printf(b, "type:%s", v); break;
        case QT_AFTER: buf_printf(b, "after:%s", v); break;
        case QT_BEFORE: buf_printf(b, "before:%s", v); break;
        case QT_CLIENT: {
            int bare = strncmp(v, "[[", 2) != 0;
            for (const char *s = v; *s && bare; s++)
                if (strchr(" \t\n\r\f\v()", *s)) bare = 0;
            if (bare) buf_printf(b, "client:%s", v);
            else buf_printf(b, "client:[[%s]]", v);
            break;
        }
        default: CHECK(0);
        }
        return;
    }
    case QN_NOT:
        buf_adds(b, "NOT ");
        infix(b, n->a, depth + 1, max);
        return;
    case QN_AND:
    case QN_OR: {
        int kind = n->kind;
        buf_addc(b, '(');
        for (int first = 1;; first = 0) {
            if (!first) buf_adds(b, kind == QN_AND ? " AND " : " OR ");
            infix(b, n->kind == kind ? n->a : n, depth + 1, max);
            if (n->kind != kind) break;
            n = n->b;
        }
        buf_addc(b, ')');
        return;
    }
    default: CHECK(0);
    }
}

/* ---- differential evaluation ------------------------------------------- */

static uint64_t hash_str(const char *s, int term)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)term;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return h;
}

/* Note i (0..63) matches a term when bit i of its hash is set; ids are
 * spread out (i * 7 - 100) to exercise negative ids. */
static int fake_term(void *ctx, const query_node *t, query_set *out)
{
    (void)ctx;
    uint64_t m = hash_str(t->value, t->term);
    for (int i = 63; i >= 0; i--) /* reversed: the evaluator must sort */
        if (m >> i & 1) query_set_add(out, (int64_t)i * 7 - 100);
    return 0;
}

static uint64_t naive(const query_node *n)
{
    switch (n->kind) {
    case QN_TERM: return hash_str(n->value, n->term);
    case QN_NOT: return ~naive(n->a);
    case QN_AND: return naive(n->a) & naive(n->b);
    case QN_OR: return naive(n->a) | naive(n->b);
    default: CHECK(0);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *q = xstrndup((const char *)data, size);
    char err[160];
    query_node *n = query_parse(q, err, sizeof(err));
    if (!n) {
        CHECK(err[0] != '\0');
        CHECK(utf8_valid(err, strlen(err)));
        CHECK(strcmp(err, "empty query") == 0 || strstr(err, " at position ") != NULL);
        free(q);
        return 0;
    }
    char *canon = query_to_string(n);
    CHECK(canon[0] == '(');

    buf_t b = {0};
    int depth = 0;
    infix(&b, n, 0, &depth);
    const char *again = buf_cstr(&b);
    if (depth <= 64) {
        query_node *m = query_parse(again, err, sizeof(err));
        if (!m) fprintf(stderr, "fuzz_query: re-parse of \"%s\" failed: %s\n", again, err);
        CHECK(m != NULL);
        char *canon2 = query_to_string(m);
        if (strcmp(canon, canon2) != 0)
            fprintf(stderr, "fuzz_query: round trip\n  %s\n  %s\n", canon, canon2);
        CHECK(strcmp(canon, canon2) == 0);
        free(canon2);
        query_free(m);
    }
    buf_free(&b);

    query_set all = {0}, r = {0};
    for (int64_t i = 0; i < 64; i++) query_set_add(&all, i * 7 - 100);
    CHECK(query_eval(n, &all, fake_term, NULL, &r) == 0);
    uint64_t want = naive(n);
    size_t k = 0;
    for (int i = 0; i < 64; i++) {
        if (!(want >> i & 1)) continue;
        CHECK(k < r.len && r.ids[k] == (int64_t)i * 7 - 100);
        k++;
    }
    CHECK(k == r.len);
    query_set_free(&r);
    query_set_free(&all);

    free(canon);
    query_free(n);
    free(q);
    return 0;
}
