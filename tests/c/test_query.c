/* test_query.c -- tag-query parser, canonical form and set evaluator. */
#include "query.h"

#include "test.h"
#include "util.h"

/* Parses q and returns its canonical form, or "ERR: <message>" (static). */
static const char *P(const char *q)
{
    static char out[4096];
    char err[256];
    query_node *n = query_parse(q, err, sizeof(err));
    if (!n) {
        snprintf(out, sizeof(out), "ERR: %s", err);
        return out;
    }
    char *s = query_to_string(n);
    snprintf(out, sizeof(out), "%s", s);
    free(s);
    query_free(n);
    return out;
}

/* ---- a fake store ------------------------------------------------------ */

typedef struct {
    int64_t id;
    const char *tags[4];
    const char *client; /* NULL: none */
    const char *type;
    const char *date;   /* NULL: none */
    const char *people[3];
} fake_note;

static const fake_note notes[] = {
    {1, {"risk", "topic/pricing"}, "acme", "meeting", "2024-01-10", {"bob"}},
    {2, {"topic"}, "acme", "client", NULL, {NULL}},
    {3, {"risk"}, "beta corp", "meeting", "2024-02-01", {"alice"}},
    {4, {"topic/pricing/eu"}, NULL, "note", "2024-03-05", {NULL}},
    {5, {NULL}, "beta corp", "meeting", "2023-12-31", {"bob", "alice"}},
    {7, {"topicality"}, NULL, "note", "2024-01-10", {NULL}},
};

typedef struct {
    int calls;
    int dirty_out; /* set when the evaluator passed a non-empty set */
} fake_ctx;

/* The storage layer's job, faked: a tag matches itself and its children. */
static int tag_matches(const char *have, const char *want)
{
    size_t n = strlen(want);
    return strncmp(have, want, n) == 0 && (have[n] == '\0' || have[n] == '/');
}

static int note_matches(const fake_note *nt, const query_node *t)
{
    switch (t->term) {
    case QT_TAG:
        for (size_t i = 0; i < ARRAY_LEN(nt->tags) && nt->tags[i]; i++)
            if (tag_matches(nt->tags[i], t->value)) return 1;
        return 0;
    case QT_CLIENT: return nt->client && strcmp(nt->client, t->value) == 0;
    case QT_PERSON:
        for (size_t i = 0; i < ARRAY_LEN(nt->people) && nt->people[i]; i++)
            if (strcmp(nt->people[i], t->value) == 0) return 1;
        return 0;
    case QT_TYPE: return strcmp(nt->type, t->value) == 0;
    case QT_AFTER: return nt->date && strcmp(nt->date, t->value) > 0;
    case QT_BEFORE: return nt->date && strcmp(nt->date, t->value) < 0;
    default: return 0;
    }
}

static int fake_term(void *ctx, const query_node *t, query_set *out)
{
    fake_ctx *c = ctx;
    c->calls++;
    if (out->len || out->ids) c->dirty_out = 1;
    if (t->term == QT_TAG && strcmp(t->value, "boom") == 0) {
        query_set_add(out, 1); /* partial output must not leak */
        return -5;
    }
    if (t->term == QT_TAG && strcmp(t->value, "unsorted") == 0) {
        query_set_add(out, 4);
        query_set_add(out, 1);
        query_set_add(out, 4);
        query_set_add(out, 2);
        return 0;
    }
    for (size_t i = 0; i < ARRAY_LEN(notes); i++)
        if (note_matches(&notes[i], t)) query_set_add(out, notes[i].id);
    return 0;
}

static fake_ctx last_ctx;

/* Evaluates q over the fake store: "1,3", "" for none, or "ERR <rc>". */
static const char *E(const char *q)
{
    static char out[512];
    char err[256];
    query_node *n = query_parse(q, err, sizeof(err));
    if (!n) {
        snprintf(out, sizeof(out), "PARSE: %s", err);
        return out;
    }
    query_set all = {0};
    for (size_t i = 0; i < ARRAY_LEN(notes); i++) query_set_add(&all, notes[i].id);
    query_set r = {0};
    memset(&last_ctx, 0, sizeof(last_ctx));
    int rc = query_eval(n, &all, fake_term, &last_ctx, &r);
    if (rc) {
        snprintf(out, sizeof(out), "ERR %d", rc);
    } else {
        buf_t b = {0};
        for (size_t i = 0; i < r.len; i++) buf_printf(&b, "%s%lld", i ? "," : "", (long long)r.ids[i]);
        snprintf(out, sizeof(out), "%s", buf_cstr(&b));
        buf_free(&b);
    }
    query_set_free(&r);
    query_set_free(&all);
    query_free(n);
    return out;
}

/* ---- parsing ----------------------------------------------------------- */

static void test_precedence(void)
{
    ASSERT_STR_EQ(P("a OR b c"), "(or (tag a) (and (tag b) (tag c)))");
    ASSERT_STR_EQ(P("a b OR c"), "(or (and (tag a) (tag b)) (tag c))");
    ASSERT_STR_EQ(P("NOT a b"), "(and (not (tag a)) (tag b))");
    ASSERT_STR_EQ(P("-a OR b"), "(or (not (tag a)) (tag b))");
    ASSERT_STR_EQ(P("a -b"), "(and (tag a) (not (tag b)))");
    ASSERT_STR_EQ(P("a AND b OR c AND d"), "(or (and (tag a) (tag b)) (and (tag c) (tag d)))");
    ASSERT_STR_EQ(P("a OR b OR c"), "(or (tag a) (tag b) (tag c))");
    ASSERT_STR_EQ(P("a AND b c"), "(and (tag a) (tag b) (tag c))");
    ASSERT_STR_EQ(P("NOT NOT a"), "(not (not (tag a)))");
    ASSERT_STR_EQ(P("--a"), "(not (not (tag a)))");
    ASSERT_STR_EQ(P("NOT -a"), "(not (not (tag a)))");
    ASSERT_STR_EQ(P("a OR NOT b AND c"), "(or (tag a) (and (not (tag b)) (tag c)))");
}

static void test_parentheses(void)
{
    ASSERT_STR_EQ(P("(a OR b) c"), "(and (or (tag a) (tag b)) (tag c))");
    ASSERT_STR_EQ(P("a (b OR c)"), "(and (tag a) (or (tag b) (tag c)))");
    ASSERT_STR_EQ(P("NOT (a OR b)"), "(not (or (tag a) (tag b)))");
    ASSERT_STR_EQ(P("-(a b)"), "(not (and (tag a) (tag b)))");
    ASSERT_STR_EQ(P("((a))"), "(tag a)");
    ASSERT_STR_EQ(P("(a)(b)"), "(and (tag a) (tag b))");
    ASSERT_STR_EQ(P("a(b)"), "(and (tag a) (tag b))");
    /* same-kind groups are flattened in the canonical form */
    ASSERT_STR_EQ(P("(a OR b) OR c"), "(or (tag a) (tag b) (tag c))");
    ASSERT_STR_EQ(P("(a b) (c d)"), "(and (tag a) (tag b) (tag c) (tag d))");
    ASSERT_STR_EQ(P("  \t( a\nOR b )  "), "(or (tag a) (tag b))");
}

static void test_keywords(void)
{
    ASSERT_STR_EQ(P("a or b and c"), "(or (tag a) (and (tag b) (tag c)))");
    ASSERT_STR_EQ(P("not a Or b"), "(or (not (tag a)) (tag b))");
    /* a tag spelled like a keyword needs its '#' */
    ASSERT_STR_EQ(P("#and #OR #not"), "(and (tag and) (tag or) (tag not))");
    ASSERT_STR_EQ(P("android order notes"), "(and (tag android) (tag order) (tag notes))");
}

static void test_tags(void)
{
    ASSERT_STR_EQ(P("risk"), "(tag risk)");
    ASSERT_STR_EQ(P("#Risk"), "(tag risk)");
    ASSERT_STR_EQ(P("topic/Pricing"), "(tag topic/pricing)");
    ASSERT_STR_EQ(P("#topic/pricing/"), "(tag topic/pricing)");
    ASSERT_STR_EQ(P("short-term"), "(tag short-term)");
    ASSERT_STR_EQ(P("-short-term"), "(not (tag short-term))");
    ASSERT_STR_EQ(P("#-x"), "(tag -x)");
    ASSERT_STR_EQ(P("q3_2024"), "(tag q3_2024)");
    ASSERT_STR_EQ(P("#café"), "(tag café)");
    ASSERT_STR_EQ(P("#CAFÉ"), "(tag cafÉ)"); /* ASCII lowercasing only */
    ASSERT_STR_EQ(P("#日本"), "(tag 日本)");
    ASSERT_STR_EQ(P("#2024x"), "(tag 2024x)");
    ASSERT_STR_EQ(P("#2024"), "ERR: invalid tag '#2024' at position 1");
    ASSERT_STR_EQ(P("a 42"), "ERR: invalid tag '42' at position 3");
    ASSERT_STR_EQ(P("#a.b"), "ERR: invalid tag '#a.b' at position 1");
    ASSERT_STR_EQ(P("a#b"), "ERR: invalid tag 'a#b' at position 1");
    ASSERT_STR_EQ(P("#"), "ERR: expected a tag after '#' at position 1");
    ASSERT_STR_EQ(P("#/"), "ERR: invalid tag '#/' at position 1");
    /* U+00A0-U+00BF and U+2000-U+206F are not name characters */
    ASSERT_STR_EQ(P("a\xc2\xa0" "b"), "ERR: invalid tag 'a\xc2\xa0" "b' at position 1");
    ASSERT_STR_EQ(P("it\xe2\x80\x99s"), "ERR: invalid tag 'it\xe2\x80\x99s' at position 1");
    ASSERT_STR_EQ(P("x\xc2\xbf"), "ERR: invalid tag 'x\xc2\xbf' at position 1");
    ASSERT_STR_EQ(P("x\xc3\x80"), "(tag x\xc3\x80)"); /* U+00C0 is fine */
    ASSERT_STR_EQ(P("x\xe2\x81\xb0"), "(tag x\xe2\x81\xb0)"); /* U+2070 is fine */
    /* invalid UTF-8 is rejected and shown as '?' */
    ASSERT_STR_EQ(P("ab\xff"), "ERR: invalid tag 'ab?' at position 1");
    ASSERT_STR_EQ(P("ab\xc3"), "ERR: invalid tag 'ab?' at position 1");
}

static void test_clients(void)
{
    ASSERT_STR_EQ(P("client:Acme"), "(client acme)");
    ASSERT_STR_EQ(P("CLIENT:acme"), "(client acme)");
    ASSERT_STR_EQ(P("client:[[acme]]"), "(client acme)");
    ASSERT_STR_EQ(P("client:[[ Beta Corp ]]"), "(client \"beta corp\")");
    ASSERT_STR_EQ(P("client:[[a (b)]] x"), "(and (client \"a (b)\") (tag x))");
    ASSERT_STR_EQ(P("(client:[[acme]])"), "(client acme)");
    ASSERT_STR_EQ(P("-client:acme"), "(not (client acme))");
    ASSERT_STR_EQ(P("client:a.b-c"), "(client a.b-c)");
    ASSERT_STR_EQ(P("client:a\"b"), "(client \"a\\\"b\")");
    ASSERT_STR_EQ(P("client:"), "ERR: expected a value after 'client:' at position 1");
    ASSERT_STR_EQ(P("x client:[[acme"), "ERR: missing ']]' for '[[' at position 10");
    ASSERT_STR_EQ(P("client:[[acme]]x"), "ERR: unexpected 'x' after ']]' at position 16");
    ASSERT_STR_EQ(P("client:[[]]"), "ERR: invalid client '[[]]' at position 8");
    ASSERT_STR_EQ(P("client:[[  ]]"), "ERR: invalid client '[[  ]]' at position 8");
    ASSERT_STR_EQ(P("client:[[a\x01]]"), "ERR: invalid client '[[a?]]' at position 8");
    ASSERT_STR_EQ(P("client:a\xff"), "ERR: invalid client 'a?' at position 8");
    ASSERT_STR_EQ(P("client:[[a] ]]"), "ERR: invalid client '[[a] ]]' at position 8");
    ASSERT_STR_EQ(P("client:[[[[a]]"), "ERR: invalid client '[[[[a]]' at position 8");
    ASSERT_STR_EQ(P("client:a]"), "ERR: invalid client 'a]' at position 8");
}

static void test_people(void)
{
    ASSERT_STR_EQ(P("@Bob"), "(person bob)");
    ASSERT_STR_EQ(P("@bob."), "(person bob)");
    ASSERT_STR_EQ(P("@j.doe-2_x"), "(person j.doe-2_x)");
    ASSERT_STR_EQ(P("@Zoë"), "(person zoë)");
    ASSERT_STR_EQ(P("-@bob"), "(not (person bob))");
    ASSERT_STR_EQ(P("@"), "ERR: expected a name after '@' at position 1");
    ASSERT_STR_EQ(P("a @1bob"), "ERR: invalid person '@1bob' at position 3");
    ASSERT_STR_EQ(P("@bo/b"), "ERR: invalid person '@bo/b' at position 1");
    ASSERT_STR_EQ(P("@..."), "ERR: invalid person '@...' at position 1");
}

static void test_fields(void)
{
    ASSERT_STR_EQ(P("type:meeting"), "(type meeting)");
    ASSERT_STR_EQ(P("Type:Client"), "(type client)");
    ASSERT_STR_EQ(P("type:note"), "(type note)");
    ASSERT_STR_EQ(P("type:x"), "ERR: unknown type 'x' at position 6 (client, meeting or note)");
    ASSERT_STR_EQ(P("a type:"), "ERR: expected a value after 'type:' at position 3");
    ASSERT_STR_EQ(P("after:2024-01-01"), "(after 2024-01-01)");
    ASSERT_STR_EQ(P("BEFORE:2024-02-29"), "(before 2024-02-29)");
    ASSERT_STR_EQ(P("after:2024-01-01 before:2024-02-01"),
                  "(and (after 2024-01-01) (before 2024-02-01))");
    ASSERT_STR_EQ(P("after:x"), "ERR: invalid date 'x' at position 7 (YYYY-MM-DD)");
    ASSERT_STR_EQ(P("a before:2023-02-29"),
                  "ERR: invalid date '2023-02-29' at position 10 (YYYY-MM-DD)");
    ASSERT_STR_EQ(P("after:2024-1-01"), "ERR: invalid date '2024-1-01' at position 7 (YYYY-MM-DD)");
    ASSERT_STR_EQ(P("after:2024-01-01x"),
                  "ERR: invalid date '2024-01-01x' at position 7 (YYYY-MM-DD)");
    ASSERT_STR_EQ(P("after:"), "ERR: expected a value after 'after:' at position 1");
    ASSERT_STR_EQ(P("foo:bar"),
                  "ERR: unknown field 'foo:' at position 1 (client:, type:, after:, before:)");
    ASSERT_STR_EQ(P("a :x"), "ERR: unknown field ':' at position 3 (client:, type:, after:, before:)");
}

static void test_errors(void)
{
    ASSERT_STR_EQ(P(""), "ERR: empty query");
    ASSERT_STR_EQ(P("  \t\n"), "ERR: empty query");
    ASSERT_STR_EQ(P("(a OR b))"), "ERR: unexpected ')' at position 9");
    ASSERT_STR_EQ(P("risk) b"), "ERR: unexpected ')' at position 5");
    ASSERT_STR_EQ(P(")"), "ERR: unexpected ')' at position 1");
    ASSERT_STR_EQ(P("()"), "ERR: unexpected ')' at position 2");
    ASSERT_STR_EQ(P("a ("), "ERR: expected a term after '(' at position 3");
    ASSERT_STR_EQ(P("a (b"), "ERR: missing ')' for '(' at position 3");
    ASSERT_STR_EQ(P("((a) b"), "ERR: missing ')' for '(' at position 1");
    ASSERT_STR_EQ(P("a b AND"), "ERR: expected a term after 'AND' at position 5");
    ASSERT_STR_EQ(P("a or"), "ERR: expected a term after 'OR' at position 3");
    ASSERT_STR_EQ(P("NOT"), "ERR: expected a term after 'NOT' at position 1");
    ASSERT_STR_EQ(P("a -"), "ERR: expected a term after '-' at position 3");
    ASSERT_STR_EQ(P("a - b"), "ERR: expected a term after '-' at position 3");
    ASSERT_STR_EQ(P("-)"), "ERR: unexpected ')' at position 2");
    ASSERT_STR_EQ(P("AND a"), "ERR: unexpected 'AND' at position 1");
    ASSERT_STR_EQ(P("or"), "ERR: unexpected 'or' at position 1");
    ASSERT_STR_EQ(P("a OR OR b"), "ERR: unexpected 'OR' at position 6");
    ASSERT_STR_EQ(P("a AND OR b"), "ERR: unexpected 'OR' at position 7");
    ASSERT_STR_EQ(P("a AND )"), "ERR: unexpected ')' at position 7");
    ASSERT_STR_EQ(P("NOT OR"), "ERR: unexpected 'OR' at position 5");
    ASSERT_STR_EQ(P("(a OR)"), "ERR: unexpected ')' at position 6");
    /* the first error wins, even when a later one would also apply */
    ASSERT_STR_EQ(P("#1 )"), "ERR: invalid tag '#1' at position 1");
}

static void test_error_buffer(void)
{
    char err[16];
    ASSERT_NULL(query_parse("a (b", err, sizeof(err)));
    ASSERT_STR_EQ(err, "missing ')' for");                      /* truncated, terminated */
    ASSERT_NULL(query_parse("a (b", NULL, 0));                  /* no buffer is fine */
    ASSERT_NULL(query_parse(NULL, err, sizeof(err)));
    ASSERT_STR_EQ(err, "empty query");
    char one[1] = {'x'};
    ASSERT_NULL(query_parse(")", one, sizeof(one)));
    ASSERT_EQ(one[0], '\0');
    /* success clears the buffer */
    char ok[8] = "junk";
    query_node *n = query_parse("a", ok, sizeof(ok));
    ASSERT(n != NULL);
    ASSERT_STR_EQ(ok, "");
    query_free(n);
    query_free(NULL);
}

static void test_error_quoting(void)
{
    /* long text is cut at 40 bytes; a control byte shows as '?' */
    ASSERT_STR_EQ(P("#aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.x"),
                  "ERR: invalid tag '#aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' at position 1");
    ASSERT_STR_EQ(P("a\x01" "b"), "ERR: invalid tag 'a?b' at position 1");
    /* the cut never splits a code point: 39 ASCII bytes + a 2-byte é */
    ASSERT_STR_EQ(P("#aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaé.x"),
                  "ERR: invalid tag '#aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' at position 1");
}

static void test_depth_limit(void)
{
    buf_t b = {0};
    for (int i = 0; i < 64; i++) buf_addc(&b, '(');
    buf_addc(&b, 'a');
    for (int i = 0; i < 64; i++) buf_addc(&b, ')');
    ASSERT_STR_EQ(P(buf_cstr(&b)), "(tag a)");
    b.len = 0;
    for (int i = 0; i < 65; i++) buf_addc(&b, '(');
    buf_addc(&b, 'a');
    for (int i = 0; i < 65; i++) buf_addc(&b, ')');
    ASSERT_STR_EQ(P(buf_cstr(&b)), "ERR: query nested too deeply (over 64 levels) at position 65");
    b.len = 0;
    for (int i = 0; i < 65; i++) buf_adds(&b, "NOT ");
    buf_adds(&b, "a");
    ASSERT_STR_EQ(P(buf_cstr(&b)), "ERR: query nested too deeply (over 64 levels) at position 257");
    b.len = 0;
    for (int i = 0; i < 100000; i++) buf_addc(&b, '-');
    buf_adds(&b, "a");
    ASSERT_STR_EQ(P(buf_cstr(&b)), "ERR: query nested too deeply (over 64 levels) at position 65");
    b.len = 0;
    for (int i = 0; i < 100000; i++) buf_adds(&b, "(-");
    ASSERT_STR_EQ(P(buf_cstr(&b)), "ERR: query nested too deeply (over 64 levels) at position 65");
    buf_free(&b);
}

/* Flat chains of any length: built and walked without deep recursion. */
static void test_long_chains(void)
{
    enum { N = 200000 };
    buf_t b = {0};
    for (int i = 0; i < N; i++) buf_adds(&b, i ? " OR a -b" : "a -b");
    char err[128];
    query_node *n = query_parse(buf_cstr(&b), err, sizeof(err));
    ASSERT(n != NULL);
    char *s = query_to_string(n);
    ASSERT_EQ(strlen(s), strlen("(or)") + (size_t)N * strlen(" (and (tag a) (not (tag b)))"));
    free(s);
    query_set all = {0}, r = {0};
    for (size_t i = 0; i < ARRAY_LEN(notes); i++) query_set_add(&all, notes[i].id);
    fake_ctx c = {0};
    ASSERT_EQ(query_eval(n, &all, fake_term, &c, &r), 0);
    ASSERT_EQ(r.len, 0); /* no note has tag a */
    query_set_free(&r);
    query_set_free(&all);
    query_free(n);
    buf_free(&b);
}

/* ---- evaluation -------------------------------------------------------- */

static void test_eval_terms(void)
{
    ASSERT_STR_EQ(E("risk"), "1,3");
    /* parent semantics come from the term function: topic = topic + topic/... */
    ASSERT_STR_EQ(E("topic"), "1,2,4");
    ASSERT_STR_EQ(E("topic/pricing"), "1,4");
    ASSERT_STR_EQ(E("#topic/pricing/eu"), "4");
    ASSERT_STR_EQ(E("client:ACME"), "1,2");
    ASSERT_STR_EQ(E("client:[[Beta Corp]]"), "3,5");
    ASSERT_STR_EQ(E("@Bob"), "1,5");
    ASSERT_STR_EQ(E("type:meeting"), "1,3,5");
    ASSERT_STR_EQ(E("after:2024-01-10"), "3,4");
    ASSERT_STR_EQ(E("before:2024-01-10"), "5");
    ASSERT_STR_EQ(E("nothing"), "");
}

static void test_eval_ops(void)
{
    ASSERT_STR_EQ(E("risk client:acme"), "1");
    ASSERT_STR_EQ(E("risk AND NOT client:acme"), "3");
    ASSERT_STR_EQ(E("risk -client:acme"), "3");
    ASSERT_STR_EQ(E("-risk"), "2,4,5,7");
    ASSERT_STR_EQ(E("NOT NOT risk"), "1,3");
    ASSERT_STR_EQ(E("-risk -topic"), "5,7");
    ASSERT_STR_EQ(E("risk OR topic"), "1,2,3,4");
    ASSERT_STR_EQ(E("@alice OR type:client risk"), "3,5");
    ASSERT_STR_EQ(E("(@alice OR type:client) risk"), "3");
    ASSERT_STR_EQ(E("-(risk OR topic)"), "5,7");
    ASSERT_STR_EQ(E("after:2024-01-01 before:2024-03-01"), "1,3,7");
    ASSERT_STR_EQ(E("-after:2024-01-01"), "2,5"); /* no date: not after */
    ASSERT_STR_EQ(E("type:meeting -@bob OR type:note -topic"), "3,7");
    ASSERT_STR_EQ(E("risk OR risk OR risk"), "1,3");
    ASSERT_STR_EQ(E("risk risk"), "1,3");
    ASSERT_STR_EQ(E("risk -risk"), "");
}

static void test_eval_errors(void)
{
    ASSERT_STR_EQ(E("boom"), "ERR -5");
    ASSERT_STR_EQ(E("risk boom"), "ERR -5");
    ASSERT_STR_EQ(E("risk OR boom"), "ERR -5");
    ASSERT_STR_EQ(E("-boom"), "ERR -5");
    ASSERT_STR_EQ(E("risk -boom"), "ERR -5");
    ASSERT_STR_EQ(E("(risk OR (risk -(risk boom)))"), "ERR -5");
    /* AND stops once its result is empty: later terms are not evaluated */
    ASSERT_STR_EQ(E("nothing boom"), "");
    ASSERT_EQ(last_ctx.calls, 1);
    ASSERT_STR_EQ(E("risk nothing topic type:note"), "");
    ASSERT_EQ(last_ctx.calls, 2);
    ASSERT_EQ(last_ctx.dirty_out, 0);
}

static void test_eval_contract(void)
{
    /* a term function's unsorted, duplicated output is normalised */
    ASSERT_STR_EQ(E("unsorted"), "1,2,4");
    ASSERT_STR_EQ(E("unsorted OR risk"), "1,2,3,4");
    ASSERT_STR_EQ(E("unsorted -topic"), "");
    /* out may be reused: its contents are replaced; on error it is freed */
    char err[64];
    query_node *n = query_parse("risk", err, sizeof(err));
    query_node *bad = query_parse("boom", err, sizeof(err));
    ASSERT(n && bad);
    query_set all = {0}, r = {0};
    for (int64_t i = 1; i <= 7; i++) query_set_add(&all, i);
    fake_ctx c = {0};
    query_set_add(&r, 99);
    ASSERT_EQ(query_eval(n, &all, fake_term, &c, &r), 0);
    ASSERT_EQ(r.len, 2);
    ASSERT_EQ(query_eval(n, &all, fake_term, &c, &r), 0);
    ASSERT_EQ(r.len, 2);
    ASSERT_EQ(query_eval(bad, &all, fake_term, &c, &r), -5);
    ASSERT_EQ(r.len, 0);
    ASSERT_NULL(r.ids);
    /* NOT against `all`: ids outside the store never appear */
    query_node *neg = query_parse("-risk", err, sizeof(err));
    ASSERT_EQ(query_eval(neg, &all, fake_term, &c, &r), 0);
    ASSERT_EQ(r.len, 5);
    ASSERT_EQ(r.ids[0], 2);
    ASSERT_EQ(r.ids[4], 7);
    query_set_free(&r);
    query_set_free(&all);
    query_free(neg);
    query_free(n);
    query_free(bad);
}

static void test_sets(void)
{
    query_set s = {0};
    query_set_sort(&s);
    ASSERT_EQ(s.len, 0);
    int64_t in[] = {5, -3, 5, 9, INT64_MIN, 9, 0, INT64_MAX, -3};
    for (size_t i = 0; i < ARRAY_LEN(in); i++) query_set_add(&s, in[i]);
    query_set_sort(&s);
    ASSERT_EQ(s.len, 6);
    ASSERT(s.ids[0] == INT64_MIN);
    ASSERT_EQ(s.ids[1], -3);
    ASSERT_EQ(s.ids[2], 0);
    ASSERT_EQ(s.ids[3], 5);
    ASSERT_EQ(s.ids[4], 9);
    ASSERT(s.ids[5] == INT64_MAX);
    query_set_free(&s);
    ASSERT_EQ(s.len, 0);
    ASSERT_NULL(s.ids);
    for (int64_t i = 0; i < 1000; i++) query_set_add(&s, 999 - i);
    query_set_sort(&s);
    ASSERT_EQ(s.len, 1000);
    ASSERT_EQ(s.ids[0], 0);
    ASSERT_EQ(s.ids[999], 999);
    query_set_free(&s);
}

int main(void)
{
    RUN(test_precedence);
    RUN(test_parentheses);
    RUN(test_keywords);
    RUN(test_tags);
    RUN(test_clients);
    RUN(test_people);
    RUN(test_fields);
    RUN(test_errors);
    RUN(test_error_buffer);
    RUN(test_error_quoting);
    RUN(test_depth_limit);
    RUN(test_long_chains);
    RUN(test_eval_terms);
    RUN(test_eval_ops);
    RUN(test_eval_errors);
    RUN(test_eval_contract);
    RUN(test_sets);
    TEST_END();
}
