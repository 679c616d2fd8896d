/* fuzz_edit.c -- libFuzzer harness for the note edits: arbitrary bytes as a
 * note, one operation picked by the first bytes. Whatever the input, an edit
 * either refuses with a clean code or its result keeps every piece of text:
 *
 *   add      body bytes unchanged; adding again changes nothing; removing
 *            takes the tag out of the frontmatter and leaves the body; a
 *            second add after that remove gives the first add's bytes
 *            (when the first add changed something)
 *   remove   body bytes unchanged; the tag is gone from the frontmatter and
 *            every other frontmatter tag is still there
 *   rename   same number of tag occurrences in the body; no OLD left
 *   cap      frontmatter bytes unchanged; the multiset of item texts equal;
 *            at most `cap` priorities; capping again changes nothing
 *   promote  the multiset of item texts equal
 *
 * and the Neovim buffer form of every edit (edit_to_buffer, applied last to
 * first) gives the same bytes as edit_apply. A self-check refusal
 * (EDIT_EINTERNAL) counts as a finding: it means an edit was wrong.
 *
 * Input: byte 0 = operation, byte 1 and 2 = parameters, the rest = the note.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edit.h"
#include "parse.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const TAGS[] = {"new", "topic", "topic/sub", "Risk", "null", "-dash", "日本/語",
                                   "a", "x_y-z", "ÉTÉ"};
#define NTAGS (sizeof(TAGS) / sizeof(TAGS[0]))

#define CHECK(c)                                                                          \
    do {                                                                                  \
        if (!(c)) {                                                                       \
            fprintf(stderr, "fuzz_edit: %s failed at line %d\n", #c, __LINE__);         \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

static int ok_code(int rc, const edit_error *err)
{
    if (rc == 0 || rc == EDIT_EINVAL || rc == EDIT_EFM || rc == EDIT_ENOTFOUND ||
        rc == EDIT_EOVERCAP)
        return 1;
    fprintf(stderr, "fuzz_edit: code %d: %s\n", rc, err->msg);
    return 0;
}

/* The buffer text Neovim would hold (lines joined by '\n', the final line
 * ending dropped; with dos, every "\r\n" read as one line ending), with the
 * buffer edits applied from the last to the first, written back out. */
static char *via_buffer(const char *t, size_t len, const edit_list *e, int dos, int final_nl,
                        size_t *out_len)
{
    buf_t b = {0};
    for (size_t i = 0; i < len; i++) {
        if (dos && t[i] == '\r' && i + 1 < len && t[i + 1] == '\n') continue;
        buf_add(&b, &t[i], 1);
    }
    if (b.len && b.data[b.len - 1] == '\n') b.len--;
    buf_cstr(&b); /* never NULL below */
    edit_buf_edit *be;
    size_t n = edit_to_buffer(t, len, e, dos, &be);
    for (size_t k = n; k > 0; k--) {
        const edit_buf_edit *x = &be[k - 1];
        size_t off[2];
        int want[2][2] = {{x->start_line, x->start_col}, {x->end_line, x->end_col}};
        for (int w = 0; w < 2; w++) {
            size_t o = 0;
            for (int line = 0; line < want[w][0]; line++) {
                const char *nl = memchr(b.data + o, '\n', b.len - o);
                CHECK(nl != NULL);
                o = (size_t)(nl - b.data) + 1;
            }
            const char *nl = memchr(b.data + o, '\n', b.len - o);
            size_t line_len = nl ? (size_t)(nl - (b.data + o)) : b.len - o;
            CHECK(want[w][1] >= 0 && (size_t)want[w][1] <= line_len);
            off[w] = o + (size_t)want[w][1];
        }
        CHECK(off[0] <= off[1]);
        buf_t nb = {0};
        buf_add(&nb, b.data, off[0]);
        buf_add(&nb, x->text, x->len);
        buf_add(&nb, b.data + off[1], b.len - off[1]);
        buf_cstr(&nb);
        buf_free(&b);
        b = nb;
    }
    edit_buf_edits_free(be, n);
    buf_t o = {0};
    for (size_t i = 0; i < b.len; i++) {
        if (dos && b.data[i] == '\n') buf_add(&o, "\r", 1);
        buf_add(&o, &b.data[i], 1);
    }
    if (final_nl) buf_add(&o, dos ? "\r\n" : "\n", dos ? 2 : 1);
    buf_free(&b);
    *out_len = o.len;
    buf_cstr(&o);
    return o.data;
}

/* Applies e and checks the buffer form agrees; returns the new text. */
static char *apply(const char *t, size_t len, const edit_list *e, size_t *out_len)
{
    char *r = edit_apply(t, len, e, out_len);
    /* Neovim keeps a BOM out of the buffer ('bomb'): the buffer form only
     * ever sees text without one. */
    if (len >= 3 && !memcmp(t, "\xEF\xBB\xBF", 3)) return r;
    int dos = edit_dos_format(t, len);
    size_t bl;
    char *b = via_buffer(t, len, e, dos, *out_len > 0 && r[*out_len - 1] == '\n', &bl);
    if (bl != *out_len || memcmp(b, r, bl) != 0) {
        fprintf(stderr, "buffer form differs\n--- bytes\n%.*s\n--- buffer\n%.*s\n", (int)*out_len, r,
                (int)bl, b);
        abort();
    }
    free(b);
    return r;
}

static size_t body_off(const char *t, size_t len)
{
    parse_note pn;
    parse_note_text("x.md", t, len, &pn);
    size_t off = pn.fm.present ? pn.fm.body_off : 0;
    parse_note_free(&pn);
    return off;
}

/* Sorted item texts joined by '\x01', and the tag names (fm or body) joined. */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *items_key(const char *t, size_t len)
{
    parse_note pn;
    parse_note_text("x.md", t, len, &pn);
    char **v = xmalloc((pn.n_items + 1) * sizeof *v);
    for (size_t i = 0; i < pn.n_items; i++) v[i] = pn.items[i].text;
    qsort(v, pn.n_items, sizeof *v, cmp_str);
    buf_t b = {0};
    for (size_t i = 0; i < pn.n_items; i++) {
        buf_adds(&b, v[i]);
        buf_add(&b, "\x01", 1);
    }
    buf_cstr(&b);
    free(v);
    parse_note_free(&pn);
    return b.data;
}

static size_t count_tags(const char *t, size_t len, int fm, const char *name, int children)
{
    parse_note pn;
    parse_note_text("x.md", t, len, &pn);
    size_t n = 0, k = name ? strlen(name) : 0;
    for (size_t i = 0; i < pn.n_tags; i++) {
        if (pn.tags[i].fm != fm) continue;
        const char *s = pn.tags[i].name;
        if (!name || !strcmp(s, name) || (children && !strncmp(s, name, k) && s[k] == '/')) n++;
    }
    parse_note_free(&pn);
    return n;
}

static int same_suffix(const char *a, size_t al, size_t aoff, const char *b, size_t bl, size_t boff)
{
    return al - aoff == bl - boff && !memcmp(a + aoff, b + boff, al - aoff);
}

static void op_add(const char *t, size_t len, const char *tag)
{
    const char *tags[] = {tag};
    edit_list e1, e2, e3;
    edit_error err;
    int rc = edit_tag_add(t, len, tags, 1, &e1, &err);
    CHECK(ok_code(rc, &err));
    if (rc) return;
    size_t n1;
    char *t1 = apply(t, len, &e1, &n1);
    /* The body is the same bytes (a new frontmatter only goes before it). */
    size_t o0 = body_off(t, len), o1 = body_off(t1, n1);
    if (o0 == 0 && len >= 3 && !memcmp(t, "\xef\xbb\xbf", 3)) o0 = 3; /* the BOM stays first */
    CHECK(same_suffix(t, len, o0, t1, n1, o1));
    char *norm = parse_tag_normalize(tag, strlen(tag));
    CHECK(count_tags(t1, n1, 1, norm, 0) >= 1);
    CHECK(edit_tag_add(t1, n1, tags, 1, &e3, &err) == 0 && e3.n == 0);
    rc = edit_tag_remove(t1, n1, tags, 1, &e2, NULL, &err);
    CHECK(rc == 0);
    size_t n2;
    char *t2 = apply(t1, n1, &e2, &n2);
    CHECK(count_tags(t2, n2, 1, norm, 0) == 0);
    CHECK(same_suffix(t1, n1, o1, t2, n2, body_off(t2, n2)));
    edit_list e4;
    CHECK(edit_tag_add(t2, n2, tags, 1, &e4, &err) == 0);
    size_t n4;
    char *t4 = apply(t2, n2, &e4, &n4);
    /* Only when the first add wrote TAG: one the note already had (e1 empty)
     * may sit anywhere in its list, or in a single string that remove
     * rewrites as a flow list, and add (which appends) cannot put it back
     * there. edit.h promises the round trip for lists lacking TAG only. */
    if (e1.n && (n4 != n1 || memcmp(t4, t1, n1))) {
        fprintf(stderr, "add after remove differs\n--- first add\n%.*s\n--- again\n%.*s\n", (int)n1,
                t1, (int)n4, t4);
        abort();
    }
    free(norm);
    free(t1), free(t2), free(t4);
    edit_list_free(&e1), edit_list_free(&e2), edit_list_free(&e3), edit_list_free(&e4);
}

static void op_remove(const char *t, size_t len, const char *tag)
{
    const char *tags[] = {tag};
    edit_list e;
    edit_error err;
    int rc = edit_tag_remove(t, len, tags, 1, &e, NULL, &err);
    CHECK(ok_code(rc, &err));
    if (rc) return;
    size_t n1;
    char *t1 = apply(t, len, &e, &n1);
    char *norm = parse_tag_normalize(tag, strlen(tag));
    CHECK(count_tags(t1, n1, 1, norm, 0) == 0);
    CHECK(count_tags(t1, n1, 1, NULL, 0) ==
          count_tags(t, len, 1, NULL, 0) - count_tags(t, len, 1, norm, 0));
    if (e.n) CHECK(same_suffix(t, len, body_off(t, len), t1, n1, body_off(t1, n1)));
    free(norm);
    free(t1);
    edit_list_free(&e);
}

static void op_rename(const char *t, size_t len, const char *old, const char *nw)
{
    edit_list e;
    edit_error err;
    int rc = edit_tag_rename(t, len, old, nw, &e, &err);
    CHECK(ok_code(rc, &err));
    if (rc) return;
    size_t n1;
    char *t1 = apply(t, len, &e, &n1);
    char *o = parse_tag_normalize(old, strlen(old));
    char *w = parse_tag_normalize(nw, strlen(nw));
    size_t ol = strlen(o);
    int new_under_old = !strncmp(w, o, ol) && (w[ol] == '\0' || w[ol] == '/');
    CHECK(count_tags(t1, n1, 0, NULL, 0) == count_tags(t, len, 0, NULL, 0));
    if (!new_under_old) {
        CHECK(count_tags(t1, n1, 0, o, 1) == 0);
        CHECK(count_tags(t1, n1, 1, o, 1) == 0);
    }
    free(o), free(w);
    free(t1);
    edit_list_free(&e);
}

static void op_cap(const char *t, size_t len, int cap)
{
    edit_list e, e2;
    edit_error err;
    int rc = edit_cap(t, len, cap, &e, &err);
    CHECK(ok_code(rc, &err));
    if (rc) return;
    size_t n1;
    char *t1 = apply(t, len, &e, &n1);
    char *k0 = items_key(t, len), *k1 = items_key(t1, n1);
    CHECK(!strcmp(k0, k1));
    size_t o0 = body_off(t, len);
    CHECK(n1 >= o0 && !memcmp(t, t1, o0));
    parse_note pn;
    parse_note_text("x.md", t1, n1, &pn);
    const parse_section *P = parse_find_section(&pn, SEC_PRIORITIES);
    CHECK(P && P->n_items <= (size_t)cap);
    parse_note_free(&pn);
    CHECK(edit_cap(t1, n1, cap, &e2, &err) == 0 && e2.n == 0);
    free(k0), free(k1), free(t1);
    edit_list_free(&e), edit_list_free(&e2);
}

static void op_promote(const char *t, size_t len, int cap, int line, int park)
{
    edit_list e;
    edit_error err;
    int rc = edit_promote(t, len, cap, line, park, &e, &err);
    CHECK(ok_code(rc, &err));
    edit_error_free(&err);
    if (rc) return;
    size_t n1;
    char *t1 = apply(t, len, &e, &n1);
    char *k0 = items_key(t, len), *k1 = items_key(t1, n1);
    CHECK(!strcmp(k0, k1));
    free(k0), free(k1), free(t1);
    edit_list_free(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3 || size > 64 * 1024) return 0;
    const char *t = (const char *)data + 3;
    size_t len = size - 3;
    const char *a = TAGS[data[1] % NTAGS], *b = TAGS[data[2] % NTAGS];
    switch (data[0] % 5) {
    case 0: op_add(t, len, a); break;
    case 1: op_remove(t, len, a); break;
    case 2: op_rename(t, len, a, b); break;
    case 3: op_cap(t, len, 1 + data[1] % 6); break;
    default: op_promote(t, len, 1 + data[1] % 6, 1 + data[2] % 64, data[1] / 6 % 64); break;
    }
    return 0;
}
