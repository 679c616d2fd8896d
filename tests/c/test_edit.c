/* test_edit.c -- tests for the note editor: golden edits per frontmatter
 * style, CRLF / no final newline / unicode traps, idempotence, the add-then-
 * remove round trip and cap's nothing-lost property over random notes,
 * rename traps, buffer-edit conversion, and the atomic writer under faults. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "edit.h"
#include "parse.h"
#include "test.h"
#include "util.h"

/* ------------------------------------------------------------- helpers */

static char out_buf[1 << 16];
static int last_rc;
static edit_error last_err;

/* Runs an edit and returns the new text (or "ERR <code>: <msg>"). */
enum { OP_ADD, OP_REMOVE, OP_RENAME, OP_CAP, OP_PROMOTE };

static const char *run_op(int op, const char *text, const char *a, const char *b, int n1,
                          int n2)
{
    edit_list e;
    edit_error_free(&last_err);
    const char *tags[2] = {a, b};
    size_t nt = b ? 2 : 1;
    size_t len = strlen(text);
    switch (op) {
    case OP_ADD: last_rc = edit_tag_add(text, len, tags, nt, &e, &last_err); break;
    case OP_REMOVE: last_rc = edit_tag_remove(text, len, tags, nt, &e, NULL, &last_err); break;
    case OP_RENAME: last_rc = edit_tag_rename(text, len, a, b, &e, &last_err); break;
    case OP_CAP: last_rc = edit_cap(text, len, n1, &e, &last_err); break;
    default: last_rc = edit_promote(text, len, n1, n2 >> 16, n2 & 0xFFFF, &e, &last_err); break;
    }
    if (last_rc) {
        snprintf(out_buf, sizeof out_buf, "ERR %d: %s", last_rc, last_err.msg);
        return out_buf;
    }
    size_t nl;
    char *nt2 = edit_apply(text, len, &e, &nl);
    snprintf(out_buf, sizeof out_buf, "%s", nt2);
    free(nt2);
    edit_list_free(&e);
    return out_buf;
}

#define ADD(t, a) run_op(OP_ADD, (t), (a), NULL, 0, 0)
#define ADD2(t, a, b) run_op(OP_ADD, (t), (a), (b), 0, 0)
#define REMOVE(t, a) run_op(OP_REMOVE, (t), (a), NULL, 0, 0)
#define RENAME(t, a, b) run_op(OP_RENAME, (t), (a), (b), 0, 0)
#define CAP(t, n) run_op(OP_CAP, (t), NULL, NULL, (n), 0)
#define PROMOTE(t, cap, line, park) run_op(OP_PROMOTE, (t), NULL, NULL, (cap), ((line) << 16) | (park))

/* Number of replacements an op produces (0 = no change). */
static size_t n_edits(int op, const char *text, const char *a, const char *b, int n1)
{
    edit_list e;
    edit_error err;
    const char *tags[2] = {a, b};
    size_t nt = b ? 2 : 1, len = strlen(text);
    int rc;
    if (op == OP_ADD) rc = edit_tag_add(text, len, tags, nt, &e, &err);
    else if (op == OP_REMOVE) rc = edit_tag_remove(text, len, tags, nt, &e, NULL, &err);
    else if (op == OP_RENAME) rc = edit_tag_rename(text, len, a, b, &e, &err);
    else rc = edit_cap(text, len, n1, &e, &err);
    size_t n = rc ? (size_t)-1 : e.n;
    edit_list_free(&e);
    edit_error_free(&err);
    return n;
}

/* --------------------------------------------- nvim_buf_set_text model */

typedef struct {
    char **l;
    size_t n;
} blines;

static blines split_buf(const char *t, size_t len, int dos)
{
    blines b = {NULL, 0};
    b.l = xmalloc((len + 2) * sizeof *b.l);
    size_t s = 0;
    for (;;) {
        const char *q = memchr(t + s, '\n', len - s);
        if (!q) {
            if (s < len || b.n == 0) b.l[b.n++] = xstrndup(t + s, len - s);
            break;
        }
        size_t e = (size_t)(q - t);
        size_t ce = (dos && e > s && t[e - 1] == '\r') ? e - 1 : e;
        b.l[b.n++] = xstrndup(t + s, ce - s);
        s = e + 1;
        if (s == len) break;
    }
    return b;
}

static void set_text(blines *b, int sr, int sc, int er, int ec, const char *repl)
{
    /* replacement lines */
    size_t nr = 1;
    for (const char *p = repl; *p; p++) nr += *p == '\n';
    char **rl = xmalloc(nr * sizeof *rl);
    size_t k = 0;
    const char *p = repl;
    for (;;) {
        const char *q = strchr(p, '\n');
        if (!q) {
            rl[k++] = xstrdup(p);
            break;
        }
        rl[k++] = xstrndup(p, (size_t)(q - p));
        p = q + 1;
    }
    char *pre = xstrndup(b->l[sr], (size_t)sc);
    char *suf = xstrdup(b->l[er] + ec);
    char *first = xasprintf("%s%s", pre, rl[0]);
    free(rl[0]);
    rl[0] = first;
    char *last = xasprintf("%s%s", rl[nr - 1], suf);
    free(rl[nr - 1]);
    rl[nr - 1] = last;
    free(pre), free(suf);
    size_t nold = (size_t)(er - sr + 1);
    for (size_t i = 0; i < nold; i++) free(b->l[sr + (int)i]);
    size_t nn = b->n - nold + nr;
    char **nl = xmalloc((nn + 1) * sizeof *nl);
    memcpy(nl, b->l, (size_t)sr * sizeof *nl);
    memcpy(nl + sr, rl, nr * sizeof *nl);
    memcpy(nl + sr + nr, b->l + er + 1, (b->n - (size_t)er - 1) * sizeof *nl);
    free(b->l);
    free(rl);
    b->l = nl;
    b->n = nn;
}

static char *join_buf(blines *b, const char *eol, int final_nl)
{
    buf_t o = {0};
    for (size_t i = 0; i < b->n; i++) {
        if (i) buf_adds(&o, eol);
        buf_adds(&o, b->l[i]);
    }
    if (final_nl) buf_adds(&o, eol);
    buf_cstr(&o);
    for (size_t i = 0; i < b->n; i++) free(b->l[i]);
    free(b->l);
    return o.data;
}

/* Applying the buffer edits (last to first) to the buffer's lines gives the
 * same text as applying the byte edits to the bytes. */
static int buffer_roundtrip(const char *t, size_t len, const edit_list *e, int dos)
{
    size_t nl;
    char *want = edit_apply(t, len, e, &nl);
    edit_buf_edit *be;
    size_t n = edit_to_buffer(t, len, e, dos, &be);
    blines b = split_buf(t, len, dos);
    for (size_t i = n; i > 0; i--)
        set_text(&b, be[i - 1].start_line, be[i - 1].start_col, be[i - 1].end_line,
                 be[i - 1].end_col, be[i - 1].text);
    char *got = join_buf(&b, dos ? "\r\n" : "\n", nl > 0 && want[nl - 1] == '\n');
    int ok = !strcmp(got, want);
    if (!ok) fprintf(stderr, "buffer mismatch:\n--- want\n%s\n--- got\n%s\n", want, got);
    edit_buf_edits_free(be, n);
    free(got);
    free(want);
    return ok;
}

/* ------------------------------------------------------- tag add: styles */

static void test_add_flow(void)
{
    ASSERT_STR_EQ(ADD("---\ntitle: x\ntags: [a, b]\n---\nbody\n", "c"),
                  "---\ntitle: x\ntags: [a, b, c]\n---\nbody\n");
    ASSERT_STR_EQ(ADD("---\ntags: [a,b]\n---\n", "c"), "---\ntags: [a,b,c]\n---\n");
    ASSERT_STR_EQ(ADD("---\ntags: [ a , b ]\n---\n", "c"), "---\ntags: [ a , b , c ]\n---\n");
    ASSERT_STR_EQ(ADD("---\ntags: [a]\n---\n", "c"), "---\ntags: [a, c]\n---\n");
    ASSERT_STR_EQ(ADD2("---\ntags: [a, b]\n---\n", "c", "#D"), "---\ntags: [a, b, c, D]\n---\n");
    /* multi-line flow with a trailing comma */
    ASSERT_STR_EQ(ADD("---\ntags: [\n  a,\n  b,\n]\n---\n", "c"),
                  "---\ntags: [\n  a,\n  b,\n  c,\n]\n---\n");
}

static void test_add_flow_quoted(void)
{
    ASSERT_STR_EQ(ADD("---\ntags: [\"a\", \"b\"]\n---\n", "c"),
                  "---\ntags: [\"a\", \"b\", \"c\"]\n---\n");
    ASSERT_STR_EQ(ADD("---\ntags: ['a', 'b']\n---\n", "c"), "---\ntags: ['a', 'b', 'c']\n---\n");
    /* a quoted "#" prefix is kept as the list's habit */
    ASSERT_STR_EQ(ADD("---\ntags: [\"#a\", \"#b\"]\n---\n", "c"),
                  "---\ntags: [\"#a\", \"#b\", \"#c\"]\n---\n");
    /* values YAML would not read back as themselves are quoted */
    ASSERT_STR_EQ(ADD("---\ntags: [a]\n---\n", "null"), "---\ntags: [a, \"null\"]\n---\n");
    ASSERT_STR_EQ(ADD("---\ntags: [a]\n---\n", "-x"), "---\ntags: [a, \"-x\"]\n---\n");
}

static void test_add_block(void)
{
    ASSERT_STR_EQ(ADD("---\ntags:\n  - a\n  - b\nx: 1\n---\n", "c"),
                  "---\ntags:\n  - a\n  - b\n  - c\nx: 1\n---\n");
    ASSERT_STR_EQ(ADD("---\ntags:\n    - a\n---\n", "c"), "---\ntags:\n    - a\n    - c\n---\n");
    ASSERT_STR_EQ(ADD("---\ntags:\n- a\nnext: 1\n---\n", "c"),
                  "---\ntags:\n- a\n- c\nnext: 1\n---\n");
    ASSERT_STR_EQ(ADD("---\ntags:\n  -   a\n---\n", "c"), "---\ntags:\n  -   a\n  -   c\n---\n");
    ASSERT_STR_EQ(ADD("---\ntags:\n  - 'a'  # why\n---\n", "c"),
                  "---\ntags:\n  - 'a'  # why\n  - 'c'\n---\n");
}

static void test_add_single_and_empty(void)
{
    ASSERT_STR_EQ(ADD("---\ntags: a\n---\n", "c"), "---\ntags: [a, c]\n---\n");
    ASSERT_STR_EQ(ADD("---\ntags: a, b\n---\n", "c"), "---\ntags: [a, b, c]\n---\n");
    ASSERT_STR_EQ(ADD("---\ntags: a b\n---\n", "c"), "---\ntags: [a, b, c]\n---\n");
    ASSERT_STR_EQ(ADD("---\ntags: \"a\"\n---\n", "c"), "---\ntags: [\"a\", \"c\"]\n---\n");
    ASSERT_STR_EQ(ADD("---\ntags: a\n---\n", "A"), "---\ntags: a\n---\n"); /* present */
    /* fuzz_edit: a single string value that needs quotes in a flow list sets
     * the list's quoting for the new tags too (the flow-list rule), so that
     * add, remove, add gives the first add's bytes */
    ASSERT_STR_EQ(ADD("---\ntags: r[\n---\n", "c"), "---\ntags: [\"r[\", \"c\"]\n---\n");
    ASSERT_STR_EQ(ADD("---\ntags: [\"r[\"]\n---\n", "c"), "---\ntags: [\"r[\", \"c\"]\n---\n");
    ASSERT_STR_EQ(ADD("---\ntags: \"#a\"\n---\n", "c"), "---\ntags: [\"#a\", \"#c\"]\n---\n");
    ASSERT_STR_EQ(ADD("---\ntags: []\n---\n", "c"), "---\ntags: [c]\n---\n");
    ASSERT_STR_EQ(ADD("---\ntags: [ ]\n---\n", "c"), "---\ntags: [ c ]\n---\n");
    ASSERT_STR_EQ(ADD("---\ntags:\n---\n", "c"), "---\ntags: [c]\n---\n");
    ASSERT_STR_EQ(ADD("---\ntags: ~\n---\n", "c"), "---\ntags: [c]\n---\n");
    ASSERT_STR_EQ(ADD("---\ntags:   # later\n---\n", "c"), "---\ntags: [c]   # later\n---\n");
}

static void test_add_key_or_fm_absent(void)
{
    ASSERT_STR_EQ(ADD("---\ntitle: x\n---\nbody\n", "c"), "---\ntitle: x\ntags: [c]\n---\nbody\n");
    ASSERT_STR_EQ(ADD("---\n---\nbody\n", "c"), "---\ntags: [c]\n---\nbody\n");
    ASSERT_STR_EQ(ADD("---\npeople:\n  - ana\n---\n", "c"),
                  "---\npeople:\n  - ana\ntags: [c]\n---\n");
    ASSERT_STR_EQ(ADD("# Title\n\ntext #x\n", "c"), "---\ntags: [c]\n---\n# Title\n\ntext #x\n");
    ASSERT_STR_EQ(ADD("", "c"), "---\ntags: [c]\n---\n");
    ASSERT_STR_EQ(ADD("\xEF\xBB\xBF", "c"), "\xEF\xBB\xBF---\ntags: [c]\n---\n"); /* fuzz_edit */
    ASSERT(strstr(ADD("---\n\xEF\xBB\xBF\n---\n", "c"), "byte order mark") != NULL); /* fuzz_edit */
    {
        /* An empty file is one empty line in Neovim: the buffer form must not
         * leave a blank line after the new frontmatter (found by fuzz_edit). */
        const char *tags[] = {"c"};
        edit_list e;
        edit_error err;
        ASSERT_EQ(edit_tag_add("", 0, tags, 1, &e, &err), 0);
        ASSERT(buffer_roundtrip("", 0, &e, 0));
        edit_list_free(&e);
    }
    ASSERT_STR_EQ(ADD("no newline", "c"), "---\ntags: [c]\n---\nno newline");
    ASSERT_STR_EQ(ADD("\xEF\xBB\xBFhi\n", "c"), "\xEF\xBB\xBF---\ntags: [c]\n---\nhi\n");
    ASSERT_STR_EQ(ADD("# T\r\nx\r\n", "c"), "---\r\ntags: [c]\r\n---\r\n# T\r\nx\r\n");
    /* a thematic break at the top is not frontmatter: ours goes above it */
    ASSERT_STR_EQ(ADD("---\ntext\n", "c"), "---\ntags: [c]\n---\n---\ntext\n");
}

static void test_add_keeps_comments_and_unknown_keys(void)
{
    const char *in = "---\n# a comment\ntitle: \"Q3 – review\"   # trailing\nweird key: {a: [1, 2]}\n"
                     "tags: [a] # keep me\nz_last:\n  - x: 1\n    y: 2\n---\nbody\n";
    const char *want = "---\n# a comment\ntitle: \"Q3 – review\"   # trailing\nweird key: {a: [1, 2]}\n"
                       "tags: [a, c] # keep me\nz_last:\n  - x: 1\n    y: 2\n---\nbody\n";
    ASSERT_STR_EQ(ADD(in, "c"), want);
    /* an indented mapping gets the new key at its indentation */
    ASSERT_STR_EQ(ADD("---\n  a: 1\n  b: 2\n---\n", "c"), "---\n  a: 1\n  b: 2\n  tags: [c]\n---\n");
}

static void test_add_crlf_and_no_final_newline(void)
{
    ASSERT_STR_EQ(ADD("---\r\ntags:\r\n  - a\r\n---\r\nbody\r\n", "c"),
                  "---\r\ntags:\r\n  - a\r\n  - c\r\n---\r\nbody\r\n");
    ASSERT_STR_EQ(ADD("---\r\ntitle: x\r\n---\r\nbody", "c"),
                  "---\r\ntitle: x\r\ntags: [c]\r\n---\r\nbody");
    ASSERT_STR_EQ(ADD("---\ntags: [a]\n---\nbody", "c"), "---\ntags: [a, c]\n---\nbody");
    ASSERT_STR_EQ(ADD("---\ntags: [a]\n---", "c"), "---\ntags: [a, c]\n---");
}

static void test_add_unicode_offsets(void)
{
    /* libyaml counts characters: multi-byte text before the key and items */
    ASSERT_STR_EQ(ADD("---\ntitle: Café ☕ – ünïcødé\nnote: \"日本語\"\ntags: [café, b]\n---\n", "c"),
                  "---\ntitle: Café ☕ – ünïcødé\nnote: \"日本語\"\ntags: [café, b, c]\n---\n");
    ASSERT_STR_EQ(ADD("---\ntags: [ünï, \"日本\"]\n---\n", "naïve"),
                  "---\ntags: [ünï, \"日本\", \"naïve\"]\n---\n");
    ASSERT_STR_EQ(REMOVE("---\nt: 😀😀😀\ntags: [ünï, 日本, b]\n---\n", "日本"),
                  "---\nt: 😀😀😀\ntags: [ünï, b]\n---\n");
    ASSERT_STR_EQ(ADD("---\nt: ☕\ntags:\n  - é\n---\n", "ü"), "---\nt: ☕\ntags:\n  - é\n  - ü\n---\n");
    /* fuzz_edit: after an empty block item ("-" alone) the new one gets its
     * space ("-Risk" is not a list item) */
    ASSERT_STR_EQ(ADD("---\ntags:\n-\n---", "Risk"), "---\ntags:\n-\n- Risk\n---");
}

static void test_add_refusals(void)
{
    /* Text the parser cannot read is refused by every edit, never rewritten. */
    ASSERT(strstr(ADD("---\ntags: [a]\n---\n\xff oops\n", "c"), "ERR -1: the note is not valid UTF-8") != NULL);
    ASSERT(strstr(CAP("## Priorities\n- a\n- b\xc3\n", 1), "ERR -1: the note is not valid UTF-8") != NULL);
    {
        const char *tags[] = {"c"};
        edit_list e;
        edit_error err;
        ASSERT_EQ(edit_tag_remove("---\ntags: [c]\n---\n\0\n", 20, tags, 1, &e, NULL, &err), EDIT_EINVAL);
        ASSERT(strstr(err.msg, "NUL bytes") != NULL);
        ASSERT_EQ(e.n, 0);
    }
    ASSERT(strncmp(ADD("---\ntags: [a\nx: : :\n---\n", "c"), "ERR -2", 6) == 0);
    ASSERT(strstr(out_buf, "frontmatter does not parse") != NULL);
    /* fuzz_edit: a block item below its dash ("-" then " l"): a copy of its
     * line would continue its value ("l - c"), removing its line would leave
     * a null item; refused, named */
    ASSERT(strstr(ADD("---\ntags:\n-\n l\n---", "c"),
                  "ERR -2: the `tags` item at line 4 is not on the line of its dash") != NULL);
    ASSERT(strstr(REMOVE("---\ntags:\n- a\n-\n  l\n---\n", "l"), "ERR -2") != NULL);
    ASSERT_STR_EQ(REMOVE("---\ntags:\n- a\n-\n  l\n---\n", "a"), "---\ntags:\n-\n  l\n---\n");
    /* fuzz_edit: a YAML tag or anchor on the value or an item is refused
     * (`tags: !` became "tags: [c] !", which does not parse) */
    ASSERT(strncmp(ADD("---\ntags: !\n---", "c"), "ERR -2", 6) == 0);
    ASSERT(strncmp(ADD("---\ntags: !!str a\n---\n", "c"), "ERR -2", 6) == 0);
    ASSERT(strncmp(ADD("---\ntags: &x [a]\n---\n", "c"), "ERR -2", 6) == 0);
    ASSERT(strncmp(ADD("---\ntags: [a, !t \"b\"]\n---\n", "c"), "ERR -2", 6) == 0);
    ASSERT(strncmp(RENAME("---\ntags: [!t \"a\"]\n---\n", "a", "b"), "ERR -2", 6) == 0);
    /* fuzz_edit: a `--- x` line starts a second YAML document (the parser
     * reads the first only): no `tags` key is appended into the second */
    ASSERT(strncmp(ADD("---\nt:\n--- s\n---", "c"), "ERR -2", 6) == 0);
    ASSERT(strstr(out_buf, "document marker") != NULL);
    /* fuzz_edit: a comment inside an empty flow list: "[topic#" would make
     * the comment part of the tag; refused as remove refuses it */
    ASSERT(strncmp(ADD("---\ntags: [#\n]\n---\n", "c"), "ERR -2", 6) == 0);
    ASSERT(strncmp(ADD("---\ntags: [\n# c\n]\n---\n", "c"), "ERR -2", 6) == 0);
    ASSERT(strncmp(ADD("---\ntags: [a]\n---\n", "bad tag"), "ERR -1", 6) == 0);
    ASSERT(strstr(out_buf, "'bad tag'") != NULL);
    ASSERT(strncmp(ADD("---\ntags: [a]\n---\n", "123"), "ERR -1", 6) == 0);
    ASSERT(strncmp(ADD("---\ntags: {a: 1}\n---\n", "c"), "ERR -2", 6) == 0);
    ASSERT(strncmp(ADD("---\ntags: |\n  a\n---\n", "c"), "ERR -2", 6) == 0);
    ASSERT(strncmp(ADD("---\ntags: [[a]]\n---\n", "c"), "ERR -2", 6) == 0);
    ASSERT(strncmp(ADD("---\n- a\n- b\n---\n", "c"), "ERR -2", 6) == 0);
    ASSERT(strncmp(ADD("---\n{tags: [a]}\n---\n", "c"), "ERR -2", 6) == 0);
    ASSERT_EQ(edit_rpc_code(EDIT_EFM), 1);
    ASSERT_EQ(edit_rpc_code(EDIT_ECONFLICT), 4);
}

static void test_add_idempotent(void)
{
    const char *cases[] = {
        "---\ntags: [a, b]\n---\n", "---\ntags:\n  - a\n---\n", "---\ntags: a\n---\n",
        "---\ntags: []\n---\n",     "---\ntitle: x\n---\n",     "plain\n",
        "---\r\ntags: [a]\r\n---\r\nx",
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char once[4096];
        snprintf(once, sizeof once, "%s", ADD(cases[i], "New/Tag"));
        ASSERT_EQ(n_edits(OP_ADD, once, "new/tag", NULL, 0), 0);
        ASSERT_EQ(n_edits(OP_ADD, once, "#NEW/TAG/", NULL, 0), 0);
    }
}

/* ------------------------------------------------------------ tag remove */

static void test_remove(void)
{
    ASSERT_STR_EQ(REMOVE("---\ntags: [a, b, c]\n---\n", "b"), "---\ntags: [a, c]\n---\n");
    ASSERT_STR_EQ(REMOVE("---\ntags: [a, b, c]\n---\n", "a"), "---\ntags: [b, c]\n---\n");
    ASSERT_STR_EQ(REMOVE("---\ntags: [a, b, c]\n---\n", "C"), "---\ntags: [a, b]\n---\n");
    ASSERT_STR_EQ(REMOVE("---\ntags: [a]\n---\n", "a"), "---\ntags: []\n---\n");
    ASSERT_STR_EQ(REMOVE("---\ntags: [ \"#a\" ]\n---\n", "a"), "---\ntags: [ ]\n---\n");
    ASSERT_STR_EQ(run_op(OP_REMOVE, "---\ntags: [a, b, c]\n---\n", "a", "b", 0, 0),
                  "---\ntags: [c]\n---\n");
    ASSERT_STR_EQ(run_op(OP_REMOVE, "---\ntags: [a, b, c]\n---\n", "a", "c", 0, 0),
                  "---\ntags: [b]\n---\n");
    ASSERT_STR_EQ(REMOVE("---\ntags:\n  - a\n  - b\n---\n", "a"), "---\ntags:\n  - b\n---\n");
    ASSERT_STR_EQ(REMOVE("---\ntags:\n  - a\nx: 1\n---\n", "a"), "---\ntags: []\nx: 1\n---\n");
    ASSERT_STR_EQ(REMOVE("---\ntags:  # mine\n  - a\n---\n", "a"), "---\ntags: []  # mine\n---\n");
    ASSERT_STR_EQ(REMOVE("---\r\ntags:\r\n- a\r\n- b\r\n---\r\n", "b"), "---\r\ntags:\r\n- a\r\n---\r\n");
    ASSERT_STR_EQ(REMOVE("---\ntags: a, b\n---\n", "b"), "---\ntags: [a]\n---\n");
    ASSERT_STR_EQ(REMOVE("---\ntags: a\n---\n", "a"), "---\ntags: []\n---\n");
    /* absent: nothing to do; idempotent */
    ASSERT_EQ(n_edits(OP_REMOVE, "---\ntags: [a]\n---\n", "z", NULL, 0), 0);
    ASSERT_EQ(n_edits(OP_REMOVE, "no fm #z\n", "z", NULL, 0), 0);
    ASSERT_EQ(n_edits(OP_REMOVE, "---\ntags: []\n---\n", "a", NULL, 0), 0);
    /* a comment inside the list survives */
    ASSERT_STR_EQ(REMOVE("---\ntags: [a, # note\n  b, c]\n---\n", "c"), "---\ntags: [a, # note\n  b]\n---\n");
}

static void test_remove_reports_inline(void)
{
    const char *t = "---\ntags: [risk]\n---\nA #risk here\nand `#risk` not\n#Risk again #risk\n";
    edit_list e;
    edit_lines left;
    edit_error err;
    const char *tags[] = {"risk"};
    ASSERT_EQ(edit_tag_remove(t, strlen(t), tags, 1, &e, &left, &err), 0);
    ASSERT_EQ(left.n, 2);
    ASSERT_EQ(left.lines[0], 4);
    ASSERT_EQ(left.lines[1], 6);
    char *n = edit_apply(t, strlen(t), &e, NULL);
    ASSERT_STR_EQ(n, "---\ntags: []\n---\nA #risk here\nand `#risk` not\n#Risk again #risk\n");
    free(n);
    edit_list_free(&e);
    edit_lines_free(&left);
}

/* ------------------------------------------- property: add then remove */

static uint64_t rng = 0x1234567;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return n ? (unsigned)(rng % n) : 0;
}
#define PICK(a) ((a)[rnd((unsigned)ARRAY_LEN(a))])

static const char *const VOCAB[] = {"risk", "topic/pricing", "Follow-Up", "café", "日本",
                                    "a_b", "q3", "renewal", "x-1", "ünï/sub"};

static void gen_item(buf_t *b, const char *name, int style, int hash)
{
    const char *q = style == 1 ? "'" : style == 2 ? "\"" : "";
    buf_printf(b, "%s%s%s%s", q, hash && style ? "#" : "", name, q);
}

/* A random note whose frontmatter has a flow or block `tags` list. */
static void gen_note(buf_t *b, int *dos, char used[][32], size_t *nused)
{
    const char *eol = rnd(4) == 0 ? "\r\n" : "\n";
    *dos = eol[0] == '\r';
    *nused = 0;
    buf_printf(b, "---%s", eol);
    static const char *const keys[] = {
        "title: Café ☕ – “quoted” %s", "# a comment%s", "client: \"[[Acme]]\"%s",
        "date: 2026-01-02%s", "ünï: ✓ ✓%s", "people:%s  - \"@ana\"%s", "extra: {a: [1, 2]}%s",
        "priority_cap: 3%s", "note: >%s  folded text%s",
    };
    unsigned nk = rnd(4);
    for (unsigned i = 0; i < nk; i++) buf_printf(b, PICK(keys), eol, eol);
    unsigned n = rnd(5);
    int flow = n == 0 || rnd(2);
    unsigned style = rnd(3);
    int hash = rnd(4) == 0;
    if (flow) {
        static const char *const seps[] = {", ", ",", " , ", ",  "};
        const char *sep = PICK(seps);
        int multi = rnd(5) == 0;
        const char *pad = rnd(4) == 0 ? " " : "";
        buf_printf(b, "tags: [%s", multi ? eol : pad);
        for (unsigned i = 0; i < n; i++) {
            const char *nm = PICK(VOCAB);
            snprintf(used[(*nused)++], 32, "%s", nm);
            if (multi) buf_adds(b, "  ");
            gen_item(b, nm, rnd(5) == 0 ? (int)rnd(3) : (int)style, hash);
            if (i + 1 < n) buf_printf(b, "%s", multi ? "," : sep);
            if (multi) buf_adds(b, eol);
        }
        if (multi && n && rnd(2)) b->len -= strlen(eol), buf_printf(b, ",%s", eol);
        buf_printf(b, "%s]%s%s", multi ? "" : pad, rnd(4) == 0 ? " # tags" : "", eol);
    } else {
        static const char *const ind[] = {"", "  ", "    "};
        const char *in = PICK(ind);
        const char *dash = rnd(4) == 0 ? "-   " : "- ";
        buf_printf(b, "tags:%s%s", rnd(5) == 0 ? "  # list" : "", eol);
        for (unsigned i = 0; i < n; i++) {
            const char *nm = PICK(VOCAB);
            snprintf(used[(*nused)++], 32, "%s", nm);
            buf_printf(b, "%s%s", in, dash);
            gen_item(b, nm, (int)style, hash);
            buf_printf(b, "%s%s", rnd(6) == 0 ? "  # c" : "", eol);
        }
    }
    nk = rnd(3);
    for (unsigned i = 0; i < nk; i++) buf_printf(b, PICK(keys), eol, eol);
    buf_printf(b, "---%s", eol);
    static const char *const body[] = {
        "# Title #risk", "Text with #café and `#code` and http://x.io/#frag", "", "- item #q3",
        "```", "#include <x>", "```", "<!-- #hidden -->", "Ünïcødé ☕ line",
    };
    unsigned nb = rnd(6);
    for (unsigned i = 0; i < nb; i++) buf_printf(b, "%s%s", PICK(body), eol);
    if (rnd(4) == 0 && b->len >= 2 && nb) { /* no final newline */
        b->len -= strlen(eol);
        b->data[b->len] = '\0';
    }
    buf_cstr(b);
}

static void test_property_add_remove_roundtrip(void)
{
    static const char *const fresh[] = {"new", "New/Child", "zeta", "ÉTÉ", "null", "-dash",
                                        "x_y-z", "日本/語"};
    int cases = 0;
    for (int iter = 0; iter < 1500; iter++) {
        buf_t b = {0};
        int dos;
        char used[8][32];
        size_t nused;
        gen_note(&b, &dos, used, &nused);
        const char *tag = PICK(fresh);
        char *norm = parse_tag_normalize(tag, strlen(tag));
        int present = 0;
        for (size_t i = 0; i < nused; i++) {
            char *u = parse_tag_normalize(used[i], strlen(used[i]));
            present |= !strcmp(u, norm);
            free(u);
        }
        free(norm);
        if (present) {
            buf_free(&b);
            continue;
        }
        const char *tags[] = {tag};
        edit_list e1, e2, e3;
        edit_error err;
        int rc = edit_tag_add(b.data, b.len, tags, 1, &e1, &err);
        if (rc) fprintf(stderr, "add failed (%s) on:\n%s\n", err.msg, b.data);
        ASSERT_EQ(rc, 0);
        ASSERT(e1.n > 0);
        ASSERT(buffer_roundtrip(b.data, b.len, &e1, dos));
        size_t n1;
        char *t1 = edit_apply(b.data, b.len, &e1, &n1);
        ASSERT_EQ(edit_tag_add(t1, n1, tags, 1, &e3, &err), 0); /* idempotent */
        ASSERT_EQ(e3.n, 0);
        rc = edit_tag_remove(t1, n1, tags, 1, &e2, NULL, &err);
        if (rc) fprintf(stderr, "remove failed (%s) on:\n%s\n", err.msg, t1);
        ASSERT_EQ(rc, 0);
        size_t n2;
        char *t2 = edit_apply(t1, n1, &e2, &n2);
        if (n2 != b.len || memcmp(t2, b.data, n2))
            fprintf(stderr, "round trip differs:\n%s\n--- after add\n%s\n--- after remove\n%s\n",
                    b.data, t1, t2);
        ASSERT_EQ(n2, b.len);
        ASSERT(!memcmp(t2, b.data, n2));
        free(t1), free(t2);
        edit_list_free(&e1), edit_list_free(&e2), edit_list_free(&e3);
        buf_free(&b);
        cases++;
    }
    ASSERT(cases >= 500);
}

/* ------------------------------------------------------------ tag rename */

static void test_rename_children_inline_merge(void)
{
    const char *in = "---\ntags: [topic, other, \"#topic/x\"]\n---\n"
                     "# Heading #Topic/Pricing\n"
                     "See #topic, #topics and #topic/deep/er.\n"
                     "`#topic` in code, <!-- #topic --> and http://x.io/page#topic\n"
                     "```\n#topic in a fence\n```\n"
                     "    #topic indented code\n";
    const char *want = "---\ntags: [subject, other, \"#subject/x\"]\n---\n"
                       "# Heading #subject/Pricing\n"
                       "See #subject, #topics and #subject/deep/er.\n"
                       "`#topic` in code, <!-- #topic --> and http://x.io/page#topic\n"
                       "```\n#topic in a fence\n```\n"
                       "    #topic indented code\n";
    ASSERT_STR_EQ(RENAME(in, "topic", "subject"), want);
    ASSERT_EQ(n_edits(OP_RENAME, want, "topic", "subject", 0), 0); /* idempotent */

    /* merge: NEW already listed */
    ASSERT_STR_EQ(RENAME("---\ntags: [topic, subject, b]\n---\n", "topic", "subject"),
                  "---\ntags: [subject, b]\n---\n");
    ASSERT_STR_EQ(RENAME("---\ntags: [subject, topic]\n---\n", "topic", "subject"),
                  "---\ntags: [subject]\n---\n");
    ASSERT_STR_EQ(RENAME("---\ntags:\n  - topic\n  - Subject\n  - topic/a\n---\n", "topic", "subject"),
                  "---\ntags:\n  - Subject\n  - subject/a\n---\n");
    ASSERT_STR_EQ(RENAME("---\ntags: [topic, topic, subject]\n---\n", "topic", "subject"),
                  "---\ntags: [subject]\n---\n");
    /* single strings */
    ASSERT_STR_EQ(RENAME("---\ntags: topic, b\n---\n", "topic", "subject"),
                  "---\ntags: subject, b\n---\n");
    ASSERT_STR_EQ(RENAME("---\ntags: topic subject\n---\n", "topic", "subject"),
                  "---\ntags: [subject]\n---\n");
    ASSERT_STR_EQ(RENAME("---\ntags: \"topic\"\n---\n", "topic", "subject"),
                  "---\ntags: \"subject\"\n---\n");
    /* fuzz_edit: a new name that needs quotes cannot go in place among other
     * text of a single string (`"null",` does not parse): a flow list */
    ASSERT_STR_EQ(RENAME("---\ntags: topic,\n---", "topic", "null"), "---\ntags: [\"null\"]\n---");
    ASSERT_STR_EQ(RENAME("---\ntags: a topic\n---\n", "topic", "null"),
                  "---\ntags: [a, \"null\"]\n---\n");
    /* NEW written as given; child part kept as written */
    ASSERT_STR_EQ(RENAME("#TOPIC/Sub and #topic\n", "topic", "Subject/New"),
                  "#Subject/New/Sub and #Subject/New\n");
    /* a parent is not renamed by its child's name */
    ASSERT_EQ(n_edits(OP_RENAME, "#topic and #topic2\n", "topic/x", "y", 0), 0);
    /* refusals */
    ASSERT(strncmp(RENAME("#a\n", "a", "not valid"), "ERR -1", 6) == 0);
    ASSERT(strncmp(RENAME("---\ntags: [a\n---\n#a\n", "a", "b"), "ERR -2", 6) == 0);
}

static void test_rename_quoted_escapes_and_crlf(void)
{
    /* escapes: the item is rewritten whole, in its quoting style */
    ASSERT_STR_EQ(RENAME("---\ntags: [\"\\x74opic\"]\n---\n", "topic", "s"), "---\ntags: [\"s\"]\n---\n");
    ASSERT_STR_EQ(RENAME("---\r\ntags:\r\n  - 'topic/a'\r\n---\r\nx #topic\r\n", "topic", "s"),
                  "---\r\ntags:\r\n  - 's/a'\r\n---\r\nx #s\r\n");
    ASSERT_STR_EQ(RENAME("---\ntags: [a]\n---\n☕ #café ☕ #café/x", "café", "thé"),
                  "---\ntags: [a]\n---\n☕ #thé ☕ #thé/x");
}

static void test_rename_changes_preview(void)
{
    const char *t = "---\r\ntags: [topic]\r\n---\r\nline #topic and #topic/x\r\nnone\r\n#topic\r\n";
    edit_list e;
    edit_error err;
    ASSERT_EQ(edit_tag_rename(t, strlen(t), "topic", "subj", &e, &err), 0);
    edit_change *c;
    size_t n = edit_changes(t, strlen(t), &e, &c);
    ASSERT_EQ(n, 3);
    ASSERT_EQ(c[0].line, 2);
    ASSERT_STR_EQ(c[0].before, "tags: [topic]");
    ASSERT_STR_EQ(c[0].after, "tags: [subj]");
    ASSERT_EQ(c[1].line, 4);
    ASSERT_STR_EQ(c[1].before, "line #topic and #topic/x");
    ASSERT_STR_EQ(c[1].after, "line #subj and #subj/x");
    ASSERT_EQ(c[2].line, 6);
    ASSERT_STR_EQ(c[2].after, "#subj");
    ASSERT(buffer_roundtrip(t, strlen(t), &e, 1));
    ASSERT(buffer_roundtrip(t, strlen(t), &e, 0));
    edit_changes_free(c, n);
    edit_list_free(&e);
}

/* ------------------------------------------------------------- priorities */

static void test_priorities(void)
{
    const char *t = "---\npriority_cap: 2\n---\n## Priorities\n- a\n- b\n- c\n";
    parse_note n;
    parse_note_text("x.md", t, strlen(t), &n);
    edit_prio p = edit_priorities(&n, 5, 3);
    ASSERT_EQ(p.count, 3);
    ASSERT_EQ(p.cap, 2);
    ASSERT_EQ(p.over, 1);
    parse_note_free(&n);
    t = "## Priorities\n- a\n- b\n- c\n";
    parse_note_text("x.md", t, strlen(t), &n);
    p = edit_priorities(&n, 5, 3);
    ASSERT_EQ(p.cap, 5);
    ASSERT_EQ(p.over, 0);
    p = edit_priorities(&n, -1, 3);
    ASSERT_EQ(p.cap, 3);
    ASSERT_EQ(p.over, 0);
    p = edit_priorities(&n, -1, 2);
    ASSERT_EQ(p.over, 1);
    parse_note_free(&n);
    parse_note_text("x.md", "no list\n", 8, &n);
    p = edit_priorities(&n, -1, 3);
    ASSERT_EQ(p.count, 0);
    ASSERT_EQ(p.has_section, 0);
    parse_note_free(&n);
}

/* -------------------------------------------------------------------- cap */

static void test_cap_creates_parking_lot(void)
{
    ASSERT_STR_EQ(CAP("---\ntags: [a]\n---\n# N\n\n## Priorities\n\n1. a\n2. b\n   cont\n   - nested\n3. c\n\n## Next steps\n- x\n", 1),
                  "---\ntags: [a]\n---\n# N\n\n## Priorities\n\n1. a\n\n## Parking lot\n\n1. b\n   cont\n   - nested\n2. c\n\n## Next steps\n- x\n");
    /* fuzz_edit found it: two moved neighbours both claimed the blank line
     * between them (overlapping edits, refused as a bug) */
    ASSERT_STR_EQ(CAP("# Priorities\n1. a\n2. b\n\n3. c\n", 1),
                  "# Priorities\n1. a\n\n# Parking lot\n1. b\n2. c\n");
    ASSERT_STR_EQ(CAP("# Priorities\n1.\n2.\n\n3.", 1), "# Priorities\n1.\n\n# Parking lot\n1.\n2.");
    /* fuzz_edit: text after a moved item that is in no item (after an empty
     * item or a closed fence) must not become a lazy continuation of the
     * item before: a blank line keeps them apart */
    ASSERT_STR_EQ(CAP("Priorities\n-\n- -\n-\n0", 1),
                  "Priorities\n-\n- -\n\n0\n\nParking lot\n-----------\n-");
    ASSERT_STR_EQ(CAP("## Priorities\n- a\n- ```\n  x\n  ```\nafter\n", 1),
                  "## Priorities\n- a\n\nafter\n\n## Parking lot\n- ```\n  x\n  ```\n");
    /* fuzz_edit: the text line of a setext heading can continue a paragraph
     * too (after the cut, and after a new Parking lot) */
    ASSERT_STR_EQ(CAP("# Priorities\n- l\n-\nNote\n-\n", 1),
                  "# Priorities\n- l\n\nNote\n-\n\n# Parking lot\n-\n");
    ASSERT_STR_EQ(CAP("# Priorities\n- l\n- ```\n  c\n  ```\nNext\n====\n", 1),
                  "# Priorities\n- l\n\n# Parking lot\n- ```\n  c\n  ```\n\nNext\n====\n");
    ASSERT_STR_EQ(CAP("# Priorities\n- a\n-\n#@\n-", 1), /* "#@" is no ATX heading */
                  "# Priorities\n- a\n\n#@\n-\n\n# Parking lot\n-");
    /* fuzz_edit: a cut that reaches the end of a note without a final
     * newline takes the blank lines before it (the note kept none) */
    ASSERT_STR_EQ(CAP("## Parking lot\n- p\n\n## Priorities\n- a\n\n- b\n- c", 1),
                  "## Parking lot\n- p\n- b\n- c\n\n## Priorities\n- a");
    ASSERT_STR_EQ(CAP("# Parking lot\n# Priorities\n-\n-\n\n-\n-\n\n-\n\n-\n-", 2),
                  "# Parking lot\n-\n-\n-\n-\n-\n# Priorities\n-\n-");
    /* fuzz_edit: indented text after where the items go would become part
     * of the last one even after a blank line: refused, named */
    ASSERT(strstr(CAP("## Priorities\n- a\n- b\n> q\n  Next\n---\n", 1),
                  "ERR -1: cap: line 5 (indented text") != NULL);
    /* fuzz_edit: ... also past blank lines (here the text of a setext heading
     * would join the item put before it) */
    ASSERT(strstr(CAP("Priorities\n-\n-\n*\nl\n\n  l\n-", 1),
                  "ERR -1: cap: line 7 (indented text") != NULL);
    /* fuzz_edit: a last line "-\r\r" without a newline keeps both '\r' when
     * moved (only the line break the move added is dropped again) */
    ASSERT_STR_EQ(CAP("# Priorities\n0.\n- T\n-\r\r", 1),
                  "# Priorities\n0.\n\n# Parking lot\n- T\n-\r\r");
    /* fuzz_edit: re-indenting counts columns: a tab cannot lose one (" -"
     * to "-" kept "\t  t" at column 6, indented code under "-") */
    ASSERT_STR_EQ(CAP("# Priorities\n0.\n4.\n -\n\t  t", 1),
                  "# Priorities\n0.\n\n# Parking lot\n1.\n-\n     t");
    ASSERT_STR_EQ(CAP("# Priorities\n- a\n- b\n\t- c\n\n# Parking lot\n1. x\n", 1),
                  "# Priorities\n- a\n\n# Parking lot\n1. x\n2. b\n     - c\n");
    /* fuzz_edit: a moved item whose HTML comment never closes would swallow
     * what follows its new place (here the Priorities heading) */
    ASSERT(strstr(CAP("# Parking lot\n\n# Priorities\n-\n-\n- <!--", 2),
                  "ERR -1: cap: the item at line 6 opens an HTML comment") != NULL);
    /* fuzz_edit: adjacent cuts are one cut for the lines around it */
    ASSERT_STR_EQ(CAP("# Priorities\n3. r\n-\n\n-\nt", 1),
                  "# Priorities\n3. r\n\nt\n\n# Parking lot\n-\n-");
    /* fuzz_edit: a Priorities section that ends in an unclosed HTML comment or
     * fence would swallow the new Parking lot: refused, not mangled */
    ASSERT(strstr(CAP("# Priorities\n-\n-\n<!--", 1), "ERR -1") != NULL);
    ASSERT(strstr(CAP("# Priorities\n-\n-\n<!--", 1), "never closed") != NULL);
    ASSERT(strstr(CAP("## Priorities\n- a\n- b\n\n```\ncode\n", 1), "never closed") != NULL);
    /* fuzz_edit: moved items take the column of the list they join (one
     * indented past an empty item would nest in it) */
    ASSERT_STR_EQ(CAP("# Priorities\n-\n-\nt\n  - T", 1),
                  "# Priorities\n-\n\nt\n\n# Parking lot\n-\n- T");
    ASSERT_STR_EQ(CAP("## Priorities\n- a\n\nabout b:\n\n  - b\n    more\n\n## Parking lot\n- x\n", 1),
                  "## Priorities\n- a\n\nabout b:\n\n## Parking lot\n- x\n- b\n  more\n");
    /* fuzz_edit: items appended after a last item that text in no item
     * follows are kept apart from it by a blank line */
    ASSERT_STR_EQ(CAP("## Priorities\n- a\n- x\n\n## Parking lot\n-\nt\n", 1),
                  "## Priorities\n- a\n\n## Parking lot\n-\n- x\n\nt\n");
    /* fuzz_edit: a heading indented 4+ columns is one only inside the item
     * above it; moving that item would turn it into indented code */
    ASSERT(strstr(CAP("# Priorities\n1.\n2.\nv\n- a\n\t# Parking lot", 2),
                  "ERR -1: cap: the heading at line 6 is indented") != NULL);
    /* and a frontmatter that does not parse is left as it is, not a reason
     * to refuse (cap never touches it) */
    ASSERT_STR_EQ(CAP("---\n@\n---\n# Priorities\n- a\n- b\n", 1),
                  "---\n@\n---\n# Priorities\n- a\n\n# Parking lot\n- b\n");
    /* tight list, heading without a blank after it */
    ASSERT_STR_EQ(CAP("## Priorities\n- a\n- b\n- c\n", 2),
                  "## Priorities\n- a\n- b\n\n## Parking lot\n- c\n");
    /* loose list: the blank lines between moved items go with them */
    ASSERT_STR_EQ(CAP("### Priorities\n\n- a\n\n- b\n\n- c\n\n### Notes\ntext\n", 1),
                  "### Priorities\n\n- a\n\n### Parking lot\n\n- b\n- c\n\n### Notes\ntext\n");
    /* setext Priorities: setext Parking lot */
    ASSERT_STR_EQ(CAP("Priorities\n----------\n- a\n- b\n", 1),
                  "Priorities\n----------\n- a\n\nParking lot\n-----------\n- b\n");
    /* no final newline, CRLF */
    ASSERT_STR_EQ(CAP("## Priorities\n- a\n- b", 1), "## Priorities\n- a\n\n## Parking lot\n- b");
    ASSERT_STR_EQ(CAP("## Priorities\r\n- a\r\n- b\r\n  more\r\n", 1),
                  "## Priorities\r\n- a\r\n\r\n## Parking lot\r\n- b\r\n  more\r\n");
    /* at or under the cap: nothing */
    ASSERT_EQ(n_edits(OP_CAP, "## Priorities\n- a\n- b\n", NULL, NULL, 2), 0);
    ASSERT(strncmp(CAP("## Needs\n- a\n", 1), "ERR -3", 6) == 0);
    ASSERT(strncmp(CAP("## Priorities\n- a\n", 0), "ERR -1", 6) == 0);
}

static void test_cap_appends_to_parking_lot(void)
{
    /* ordered parking lot: numbers continue, markers converted, children re-indented */
    ASSERT_STR_EQ(CAP("## Priorities\n- a\n- b\n  - child\n- c\n\n## Parking lot\n1. x\n2. y\n\n## Notes\n", 1),
                  "## Priorities\n- a\n\n## Parking lot\n1. x\n2. y\n3. b\n   - child\n4. c\n\n## Notes\n");
    /* bulleted parking lot takes ordered items as bullets */
    ASSERT_STR_EQ(CAP("## Priorities\n1. a\n2. b\n   text\n\n## Parking lot\n* x\n", 1),
                  "## Priorities\n1. a\n\n## Parking lot\n* x\n* b\n  text\n");
    /* parking lot before priorities, loose */
    ASSERT_STR_EQ(CAP("## Parking lot\n\n- x\n\n- y\n\n## Priorities\n- a\n- b\n", 1),
                  "## Parking lot\n\n- x\n\n- y\n\n- b\n\n## Priorities\n- a\n");
    /* empty parking lot, with text */
    ASSERT_STR_EQ(CAP("## Priorities\n- a\n- b\n## Parking lot\nLater.\n", 1),
                  "## Priorities\n- a\n## Parking lot\nLater.\n\n- b\n");
    /* 1. 1. 1. stays 1. */
    ASSERT_STR_EQ(CAP("## Priorities\n1. a\n1. b\n1. c\n", 1),
                  "## Priorities\n1. a\n\n## Parking lot\n1. b\n1. c\n");
    /* a fenced block and a task inside a moved item */
    ASSERT_STR_EQ(CAP("## Priorities\n- a\n- [ ] b\n  ```\n  - not an item\n  ```\n", 1),
                  "## Priorities\n- a\n\n## Parking lot\n- [ ] b\n  ```\n  - not an item\n  ```\n");
    /* idempotent */
    const char *once = "## Priorities\n- a\n\n## Parking lot\n- b\n";
    ASSERT_EQ(n_edits(OP_CAP, once, NULL, NULL, 1), 0);
}

/* Random notes with Priorities: cap never loses an item, keeps the
 * frontmatter bytes, is idempotent and converts to buffer edits. */
static void gen_prio_note(buf_t *b, int *dos)
{
    const char *eol = rnd(4) == 0 ? "\r\n" : "\n";
    *dos = eol[0] == '\r';
    if (rnd(2)) buf_printf(b, "---%stitle: Café ☕%stags: [a]%s---%s", eol, eol, eol, eol);
    buf_printf(b, "# Client ☕%s%s", eol, eol);
    static const char *const other[] = {"## Needs", "## Notes", "## Next steps"};
    int setext = rnd(6) == 0;
    int lvl = 2 + (int)rnd(2);
    if (rnd(3) == 0) buf_printf(b, "%s%s- n1%s- n2%s%s", PICK(other), eol, eol, eol, eol);
    int pl_first = rnd(4) == 0;
    unsigned pln = rnd(4);
    int plord = rnd(2);
    const char *plbul = rnd(2) ? "-" : "*";
    if (pl_first) {
        buf_printf(b, "## Parking lot%s", eol);
        for (unsigned i = 0; i < pln; i++)
            plord ? buf_printf(b, "%u. p%u%s", i + 1, i, eol) : buf_printf(b, "%s p%u%s", plbul, i, eol);
        buf_adds(b, eol);
    }
    if (setext) buf_printf(b, "Priorities%s----------%s", eol, eol);
    else buf_printf(b, "%.*s Priorities%s", lvl, "#####", eol);
    int gap = rnd(2), loose = rnd(3) == 0, ord = rnd(2), cst = rnd(5) == 0;
    if (gap) buf_adds(b, eol);
    unsigned n = rnd(9);
    for (unsigned i = 0; i < n; i++) {
        if (loose && i) buf_adds(b, eol);
        if (ord) buf_printf(b, "%u. ", cst ? 1 : i + 1);
        else buf_adds(b, rnd(5) == 0 ? "+ " : "- ");
        if (rnd(4) == 0) buf_adds(b, "[ ] ");
        buf_printf(b, "item %u ☕ #t%u%s", i, i, eol);
        const char *ind = ord ? (i + 1 >= 10 ? "    " : "   ") : "  ";
        switch (rnd(6)) {
        case 0: buf_printf(b, "%scontinued text%s", ind, eol); break;
        case 1: buf_printf(b, "%s- nested %u%s%s  - deeper%s", ind, i, eol, ind, eol); break;
        case 2: buf_printf(b, "%s%s%sparagraph in item%s", eol, ind, "", eol); break;
        case 3: buf_printf(b, "%s```%s%s- code line%s%s```%s", ind, eol, ind, eol, ind, eol); break;
        default: break;
        }
    }
    if (!pl_first && rnd(2)) {
        buf_printf(b, "%s## Parking lot%s", eol, eol);
        if (rnd(3) == 0) buf_printf(b, "Some words.%s", eol);
        for (unsigned i = 0; i < pln; i++)
            plord ? buf_printf(b, "%u. p%u%s", i + 1, i, eol) : buf_printf(b, "%s p%u%s", plbul, i, eol);
    }
    if (rnd(2)) buf_printf(b, "%s%s%s- s1%s", eol, PICK(other), eol, eol);
    if (rnd(4) == 0 && b->len > 2) {
        b->len -= strlen(eol);
        b->data[b->len] = '\0';
    }
    buf_cstr(b);
}

static void test_property_cap(void)
{
    int moved_cases = 0;
    for (int iter = 0; iter < 1500; iter++) {
        buf_t b = {0};
        int dos;
        gen_prio_note(&b, &dos);
        parse_note pn;
        parse_note_text("x.md", b.data, b.len, &pn);
        const parse_section *P = parse_find_section(&pn, SEC_PRIORITIES);
        int cap = 1 + (int)rnd(5);
        edit_list e;
        edit_error err;
        int rc = edit_cap(b.data, b.len, cap, &e, &err);
        if (rc) fprintf(stderr, "cap %d failed (%s) on:\n%s\n", cap, err.msg, b.data);
        ASSERT_EQ(rc, 0);
        if (P && P->n_items > (size_t)cap) {
            ASSERT(e.n > 0);
            moved_cases++;
        }
        ASSERT(buffer_roundtrip(b.data, b.len, &e, dos));
        size_t n1;
        char *t1 = edit_apply(b.data, b.len, &e, &n1);
        parse_note p2;
        parse_note_text("x.md", t1, n1, &p2);
        /* multiset of item texts, frontmatter bytes, final newline */
        ASSERT_EQ(p2.n_items, pn.n_items);
        if (pn.fm.present) {
            ASSERT_EQ(p2.fm.body_off, pn.fm.body_off);
            ASSERT(!memcmp(t1, b.data, pn.fm.body_off));
        }
        ASSERT_EQ(n1 && t1[n1 - 1] == '\n', b.len && b.data[b.len - 1] == '\n');
        const parse_section *P2 = parse_find_section(&p2, SEC_PRIORITIES);
        if (P) ASSERT_EQ(P2->n_items, P->n_items < (size_t)cap ? P->n_items : (size_t)cap);
        /* idempotent */
        edit_list e2;
        ASSERT_EQ(edit_cap(t1, n1, cap, &e2, &err), 0);
        ASSERT_EQ(e2.n, 0);
        parse_note_free(&p2);
        parse_note_free(&pn);
        free(t1);
        edit_list_free(&e);
        buf_free(&b);
    }
    ASSERT(moved_cases >= 300);
}

/* ---------------------------------------------------------------- promote */

static void test_promote(void)
{
    const char *t = "## Priorities\n1. a\n2. b\n\n## Parking lot\n- x\n- y\n";
    ASSERT_STR_EQ(PROMOTE(t, 3, 6, 0), "## Priorities\n1. a\n2. b\n3. x\n\n## Parking lot\n- y\n");
    ASSERT_STR_EQ(PROMOTE(t, 3, 7, 0), "## Priorities\n1. a\n2. b\n3. y\n\n## Parking lot\n- x\n");
    /* over the cap without --park: a structured error */
    ASSERT(strncmp(PROMOTE(t, 2, 6, 0), "ERR -6", 6) == 0);
    ASSERT_EQ(last_err.n_items, 2);
    ASSERT_EQ(last_err.items[0].line, 2);
    ASSERT_STR_EQ(last_err.items[0].text, "a");
    ASSERT_EQ(last_err.items[1].line, 3);
    ASSERT_STR_EQ(last_err.items[1].text, "b");
    ASSERT_EQ(edit_rpc_code(last_err.code), 1);
    /* swap */
    ASSERT_STR_EQ(PROMOTE(t, 2, 6, 2), "## Priorities\n1. b\n2. x\n\n## Parking lot\n- y\n- a\n");
    ASSERT_STR_EQ(PROMOTE(t, 2, 7, 3), "## Priorities\n1. a\n2. y\n\n## Parking lot\n- x\n- b\n");
    /* the only parking lot item, nested children come along */
    ASSERT_STR_EQ(PROMOTE("## Priorities\n- a\n\n## Parking lot\n\n1. x\n   - kid\n\n## Notes\n", 1, 6, 2),
                  "## Priorities\n- x\n  - kid\n\n## Parking lot\n\n1. a\n\n## Notes\n");
    /* bad lines */
    ASSERT(strncmp(PROMOTE(t, 3, 2, 0), "ERR -3", 6) == 0);
    ASSERT(strncmp(PROMOTE(t, 2, 6, 6), "ERR -3", 6) == 0);
    ASSERT(strncmp(PROMOTE("## Priorities\n- a\n", 3, 2, 0), "ERR -3", 6) == 0);
    edit_error_free(&last_err);
}

/* ------------------------------------------------------- buffer edits */

static void test_buffer_edits(void)
{
    const char *texts[] = {
        "---\ntags: [a]\n---\nbody #a\n",
        "---\r\ntags: [a]\r\n---\r\nbody #a\r\n",
        "---\r\ntags: [a]\r\n---\r\nbody #a",
        "plain #a\n",
        "plain #a",
    };
    for (size_t i = 0; i < ARRAY_LEN(texts); i++) {
        const char *t = texts[i];
        size_t len = strlen(t);
        int dos = edit_dos_format(t, len);
        ASSERT_EQ(dos, strstr(t, "\r\n") != NULL);
        const char *tags[] = {"zz"};
        edit_list e;
        edit_error err;
        ASSERT_EQ(edit_tag_add(t, len, tags, 1, &e, &err), 0);
        ASSERT(buffer_roundtrip(t, len, &e, dos));
        edit_list_free(&e);
        ASSERT_EQ(edit_tag_rename(t, len, "a", "bb", &e, &err), 0);
        ASSERT(buffer_roundtrip(t, len, &e, dos));
        edit_list_free(&e);
    }
    /* CRLF buffer: no column counts a '\r', no text carries one */
    const char *t = "---\r\ntags:\r\n  - a\r\n---\r\n";
    edit_list e;
    edit_error err;
    const char *tags[] = {"b"};
    ASSERT_EQ(edit_tag_add(t, strlen(t), tags, 1, &e, &err), 0);
    edit_buf_edit *be;
    size_t n = edit_to_buffer(t, strlen(t), &e, 1, &be);
    ASSERT_EQ(n, 1);
    ASSERT_EQ(be[0].start_line, 3);
    ASSERT_EQ(be[0].start_col, 0);
    ASSERT_STR_EQ(be[0].text, "  - b\n");
    edit_buf_edits_free(be, n);
    /* at the end of a file: nvim has no line after the last one */
    edit_list_free(&e);
    ASSERT_EQ(edit_cap("## Priorities\n- a\n- b\n", 22, 1, &e, &err), 0);
    ASSERT(buffer_roundtrip("## Priorities\n- a\n- b\n", 22, &e, 0));
    n = edit_to_buffer("## Priorities\n- a\n- b\n", 22, &e, 0, &be);
    for (size_t i = 0; i < n; i++) ASSERT(be[i].end_line <= 2);
    edit_buf_edits_free(be, n);
    edit_list_free(&e);
    /* mixed line endings: a "unix" buffer keeps the '\r' as text */
    const char *mix = "a\r\nb\n#x\n";
    ASSERT_EQ(edit_dos_format(mix, strlen(mix)), 0);
    ASSERT_EQ(edit_tag_rename(mix, strlen(mix), "x", "y", &e, &err), 0);
    ASSERT(buffer_roundtrip(mix, strlen(mix), &e, 0));
    edit_list_free(&e);
}

/* ------------------------------------------------------------------- I/O */

static char tmpdir[256];

static void mk_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/rapport-test-edit-XXXXXX");
    if (!mkdtemp(tmpdir)) abort();
}

static void put_file(const char *path, const char *s)
{
    FILE *f = fopen(path, "wb");
    fputs(s, f);
    fclose(f);
}

static char *get_file(const char *path)
{
    char *s;
    size_t n;
    edit_error e;
    if (edit_read_file(path, &s, &n, &e)) return xstrdup("(unreadable)");
    return s;
}

/* Files in tmpdir whose name holds ".rapport-" (temp files). */
static int temp_files(void)
{
    DIR *d = opendir(tmpdir);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strstr(de->d_name, ".rapport-")) n++;
    closedir(d);
    return n;
}

static void rm_tmpdir(void)
{
    DIR *d = opendir(tmpdir);
    struct dirent *de;
    char p[512];
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' && (!de->d_name[1] || !strcmp(de->d_name, ".."))) continue;
        snprintf(p, sizeof p, "%s/%s", tmpdir, de->d_name);
        struct stat st;
        if (!lstat(p, &st) && S_ISDIR(st.st_mode)) {
            DIR *d2 = opendir(p);
            struct dirent *e2;
            char q[768];
            while ((e2 = readdir(d2)))
                if (e2->d_name[0] != '.') snprintf(q, sizeof q, "%s/%s", p, e2->d_name), unlink(q);
            closedir(d2);
            rmdir(p);
        } else {
            unlink(p);
        }
    }
    closedir(d);
    rmdir(tmpdir);
}

static void test_write_mode_and_symlink(void)
{
    mk_tmpdir();
    char p[512], l[512];
    snprintf(p, sizeof p, "%s/note.md", tmpdir);
    snprintf(l, sizeof l, "%s/link.md", tmpdir);
    put_file(p, "old\r\n");
    chmod(p, 0640);
    edit_error err;
    ASSERT_EQ(edit_write_file(p, "old\r\n", 5, "new\r\n", 5, &err), 0);
    struct stat st;
    stat(p, &st);
    ASSERT_EQ(st.st_mode & 07777, 0640);
    char *s = get_file(p);
    ASSERT_STR_EQ(s, "new\r\n");
    free(s);
    /* through a symlink: the target is written, the link stays a link */
    ASSERT_EQ(symlink("note.md", l), 0);
    ASSERT_EQ(edit_write_file(l, "new\r\n", 5, "newer", 5, &err), 0);
    lstat(l, &st);
    ASSERT(S_ISLNK(st.st_mode));
    s = get_file(p);
    ASSERT_STR_EQ(s, "newer");
    free(s);
    ASSERT_EQ(temp_files(), 0);
    /* conflict: someone changed the file since we read it */
    put_file(p, "theirs");
    ASSERT_EQ(edit_write_file(p, "newer", 5, "mine", 4, &err), EDIT_ECONFLICT);
    ASSERT_EQ(edit_rpc_code(err.code), 4);
    s = get_file(p);
    ASSERT_STR_EQ(s, "theirs");
    free(s);
    ASSERT_EQ(edit_write_file("/nonexistent/dir/x.md", "", 0, "a", 1, &err), EDIT_ENOTFOUND);
    ASSERT_EQ(temp_files(), 0);
    rm_tmpdir();
}

/* fault injection */
static int fault_op, fault_errno;
enum { F_NONE, F_OPEN_CREAT, F_WRITE, F_SHORT_WRITE, F_FSYNC, F_FSYNC_DIR, F_RENAME, F_FCHMOD };

static int f_open(const char *p, int fl, mode_t m)
{
    if (fault_op == F_OPEN_CREAT && (fl & O_CREAT)) return errno = fault_errno, -1;
    return open(p, fl, m);
}
static ssize_t f_write(int fd, const void *b, size_t n)
{
    if (fault_op == F_WRITE) return errno = fault_errno, -1;
    if (fault_op == F_SHORT_WRITE) {
        static int calls;
        if (calls++ % 2 == 0) return write(fd, b, n > 1 ? 1 : n); /* partial, then fail */
        return errno = fault_errno, -1;
    }
    return write(fd, b, n);
}
static int f_fsync(int fd)
{
    struct stat st;
    fstat(fd, &st);
    if (fault_op == F_FSYNC && !S_ISDIR(st.st_mode)) return errno = fault_errno, -1;
    if (fault_op == F_FSYNC_DIR && S_ISDIR(st.st_mode)) return errno = fault_errno, -1;
    return fsync(fd);
}
static int f_rename(const char *a, const char *b)
{
    if (fault_op == F_RENAME) return errno = fault_errno, -1;
    return rename(a, b);
}
static int f_fchmod(int fd, mode_t m)
{
    if (fault_op == F_FCHMOD) return errno = fault_errno, -1;
    return fchmod(fd, m);
}

static void test_write_faults(void)
{
    mk_tmpdir();
    char p[512];
    snprintf(p, sizeof p, "%s/note.md", tmpdir);
    const char *orig = "---\ntags: [a]\n---\noriginal text\n";
    put_file(p, orig);
    edit_syscalls.open = f_open;
    edit_syscalls.write = f_write;
    edit_syscalls.fsync = f_fsync;
    edit_syscalls.rename = f_rename;
    edit_syscalls.fchmod = f_fchmod;
    static const int ops[] = {F_OPEN_CREAT, F_WRITE, F_SHORT_WRITE, F_FSYNC, F_RENAME, F_FCHMOD};
    static const int errs[] = {ENOSPC, EROFS, EIO};
    for (size_t i = 0; i < ARRAY_LEN(ops); i++)
        for (size_t j = 0; j < ARRAY_LEN(errs); j++) {
            fault_op = ops[i];
            fault_errno = errs[j];
            edit_error err;
            int rc = edit_write_file(p, orig, strlen(orig), "new", 3, &err);
            ASSERT_EQ(rc, EDIT_EIO);
            ASSERT(strstr(err.msg, strerror(errs[j])) != NULL);
            char *s = get_file(p);
            ASSERT_STR_EQ(s, orig);
            free(s);
            ASSERT_EQ(temp_files(), 0);
        }
    /* after the rename: the directory fsync fails -> reported */
    fault_op = F_FSYNC_DIR;
    fault_errno = EIO;
    edit_error err;
    ASSERT_EQ(edit_write_file(p, orig, strlen(orig), "new", 3, &err), EDIT_EIO);
    ASSERT(strstr(err.msg, "directory fsync") != NULL);
    ASSERT_EQ(temp_files(), 0);
    edit_batch *b = edit_batch_new();
    ASSERT_EQ(edit_batch_add(b, p, "new", 3, "newer", 5, &err), 0);
    ASSERT_EQ(edit_batch_commit(b, &err), EDIT_EIO);
    edit_batch_free(b);
    fault_op = F_NONE;
    edit_sys_reset();
    rm_tmpdir();
}

static void test_batch(void)
{
    mk_tmpdir();
    char d1[512], d2[512], p[3][600];
    snprintf(d1, sizeof d1, "%s/one", tmpdir);
    snprintf(d2, sizeof d2, "%s/two", tmpdir);
    mkdir(d1, 0755);
    mkdir(d2, 0755);
    snprintf(p[0], sizeof p[0], "%s/a.md", d1);
    snprintf(p[1], sizeof p[1], "%s/b.md", d1);
    snprintf(p[2], sizeof p[2], "%s/c.md", d2);
    for (int i = 0; i < 3; i++) put_file(p[i], "#topic x\n");
    edit_batch *b = edit_batch_new();
    edit_error err;
    for (int i = 0; i < 3; i++) {
        const char *t = "#topic x\n";
        edit_list e;
        ASSERT_EQ(edit_tag_rename(t, strlen(t), "topic", "subject", &e, &err), 0);
        size_t nl;
        char *nt = edit_apply(t, strlen(t), &e, &nl);
        ASSERT_EQ(edit_batch_add(b, p[i], t, strlen(t), nt, nl, &err), 0);
        free(nt);
        edit_list_free(&e);
    }
    /* a stale one is refused, the others go on */
    ASSERT_EQ(edit_batch_add(b, p[0], "#other x\n", 9, "zzz", 3, &err), EDIT_ECONFLICT);
    ASSERT_EQ(edit_batch_pending(b), 3);
    ASSERT_EQ(edit_batch_commit(b, &err), 0);
    ASSERT_EQ(edit_batch_pending(b), 0);
    for (int i = 0; i < 3; i++) {
        char *s = get_file(p[i]);
        ASSERT_STR_EQ(s, "#subject x\n");
        free(s);
    }

    /* changed between add and commit: that file is skipped, the others go on */
    ASSERT_EQ(edit_batch_add(b, p[0], "#subject x\n", 11, "A\n", 2, &err), 0);
    ASSERT_EQ(edit_batch_add(b, p[2], "#subject x\n", 11, "C\n", 2, &err), 0);
    put_file(p[0], "theirs, longer\n");
    ASSERT_EQ(edit_batch_commit(b, &err), EDIT_ECONFLICT);
    char *s = get_file(p[0]);
    ASSERT_STR_EQ(s, "theirs, longer\n");
    free(s);
    s = get_file(p[2]);
    ASSERT_STR_EQ(s, "C\n");
    free(s);

    /* an fsync failure at commit: no file changes, no temp stays */
    edit_syscalls.fsync = f_fsync;
    fault_op = F_FSYNC;
    fault_errno = ENOSPC;
    ASSERT_EQ(edit_batch_add(b, p[1], "#subject x\n", 11, "B\n", 2, &err), 0);
    ASSERT_EQ(edit_batch_add(b, p[2], "C\n", 2, "CC\n", 3, &err), 0);
    ASSERT_EQ(edit_batch_commit(b, &err), EDIT_EIO);
    fault_op = F_NONE;
    edit_sys_reset();
    s = get_file(p[1]);
    ASSERT_STR_EQ(s, "#subject x\n");
    free(s);
    s = get_file(p[2]);
    ASSERT_STR_EQ(s, "C\n");
    free(s);
    /* a large batch (the syncfs path) */
    char many[20][640];
    for (int k = 0; k < 20; k++) {
        snprintf(many[k], sizeof many[k], "%s/m%02d.md", d2, k);
        put_file(many[k], "---\ntags: [topic]\n---\n");
        ASSERT_EQ(edit_batch_add(b, many[k], "---\ntags: [topic]\n---\n", 22,
                                 "---\ntags: [subj]\n---\n", 21, &err), 0);
    }
    ASSERT_EQ(edit_batch_commit(b, &err), 0);
    for (int k = 0; k < 20; k++) {
        s = get_file(many[k]);
        ASSERT_STR_EQ(s, "---\ntags: [subj]\n---\n");
        free(s);
    }
    /* a batch freed uncommitted leaves nothing behind */
    ASSERT_EQ(edit_batch_add(b, p[1], "#subject x\n", 11, "B\n", 2, &err), 0);
    edit_batch_free(b);
    s = get_file(p[1]);
    ASSERT_STR_EQ(s, "#subject x\n");
    free(s);
    char sub[600];
    for (int k = 0; k < 2; k++) {
        snprintf(sub, sizeof sub, "%s", k ? d2 : d1);
        DIR *d = opendir(sub);
        struct dirent *de;
        while ((de = readdir(d))) ASSERT(!strstr(de->d_name, ".rapport-"));
        closedir(d);
    }
    rm_tmpdir();
}

int main(void)
{
    RUN(test_add_flow);
    RUN(test_add_flow_quoted);
    RUN(test_add_block);
    RUN(test_add_single_and_empty);
    RUN(test_add_key_or_fm_absent);
    RUN(test_add_keeps_comments_and_unknown_keys);
    RUN(test_add_crlf_and_no_final_newline);
    RUN(test_add_unicode_offsets);
    RUN(test_add_refusals);
    RUN(test_add_idempotent);
    RUN(test_remove);
    RUN(test_remove_reports_inline);
    RUN(test_property_add_remove_roundtrip);
    RUN(test_rename_children_inline_merge);
    RUN(test_rename_quoted_escapes_and_crlf);
    RUN(test_rename_changes_preview);
    RUN(test_priorities);
    RUN(test_cap_creates_parking_lot);
    RUN(test_cap_appends_to_parking_lot);
    RUN(test_property_cap);
    RUN(test_promote);
    RUN(test_buffer_edits);
    RUN(test_write_mode_and_symlink);
    RUN(test_write_faults);
    RUN(test_batch);
    edit_error_free(&last_err);
    TEST_END();
}
