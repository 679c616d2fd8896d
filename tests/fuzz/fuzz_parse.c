/* fuzz_parse.c -- libFuzzer harness for the note parser.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
 *       tests/fuzz/fuzz_parse.c src/parse.c src/util.c -lyaml -o fuzz_parse
 *
 * The indexer only hands valid UTF-8 to the parser, so invalid inputs are
 * skipped. The first byte picks the note's path (path defaults are exercised
 * too); the whole input, that byte included, is the note. Every result field
 * is walked so a bad pointer or length shows up here, not in a caller. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const paths[] = {
    "note.md", "clients/acme.md", "clients/acme/notes.md", "meetings/2026-01-05-acme.md",
    "a/meetings/b/2026-02-30.md", "", "clients/", "x/y/z/clients/Q/meetings/2026-03-01 call.MD",
};

static volatile size_t sink;

static void touch_str(const char *s)
{
    if (s) sink += strlen(s);
}

/* Line starts of the input, computed once per input. */
static size_t *starts;
static size_t nstarts, capstarts;

static void index_lines(const char *t, size_t n)
{
    nstarts = 0;
    for (size_t i = 0;; ) {
        if (nstarts == capstarts) {
            capstarts = capstarts ? capstarts * 2 : 256;
            starts = xrealloc(starts, capstarts * sizeof *starts);
        }
        starts[nstarts++] = i;
        const char *q = i < n ? memchr(t + i, '\n', n - i) : NULL;
        if (!q) break;
        i = (size_t)(q - t) + 1;
    }
}

/* A body ref's span is sigil + name (ASCII case-insensitively); a frontmatter
 * ref's span lies within its line. */
static void check_ref(const char *t, size_t n, const parse_ref *r, char sigil)
{
    if (r->line < 1 || (size_t)r->line > nstarts) __builtin_trap();
    size_t ls = starts[r->line - 1];
    size_t e = (size_t)r->line < nstarts ? starts[r->line] - 1 : n;
    if (e > ls && t[e - 1] == '\r') e--;
    if ((size_t)r->end_col > e - ls) __builtin_trap();
    if (r->fm) return;
    size_t nl = strlen(r->name);
    if ((size_t)(r->end_col - r->col) != nl + 1) __builtin_trap();
    if (t[ls + (size_t)r->col] != sigil) __builtin_trap();
    if (ascii_ncasecmp(t + ls + (size_t)r->col + 1, r->name, nl) != 0) __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    if (!utf8_valid(text, size)) return 0;
    const char *path = paths[size ? data[0] % ARRAY_LEN(paths) : 0];

    parse_note n;
    parse_note_text(path, text, size, &n);
    index_lines(text, size);

    touch_str(n.fm.error);
    touch_str(n.client);
    touch_str(n.date);
    touch_str(n.title);
    touch_str(n.status);
    for (size_t i = 0; i < n.n_ignore; i++) touch_str(n.ignore[i]);
    for (size_t i = 0; i < n.n_tags; i++) {
        touch_str(n.tags[i].name);
        if (n.tags[i].col < 0 || n.tags[i].end_col < n.tags[i].col || n.tags[i].line < 1)
            __builtin_trap();
        check_ref(text, size, &n.tags[i], '#');
    }
    for (size_t i = 0; i < n.n_mentions; i++) {
        touch_str(n.mentions[i].name);
        if (n.mentions[i].col < 0 || n.mentions[i].end_col < n.mentions[i].col)
            __builtin_trap();
        check_ref(text, size, &n.mentions[i], '@');
    }
    for (size_t i = 0; i < n.n_headings; i++) touch_str(n.headings[i].text);
    for (size_t i = 0; i < n.n_sections; i++) {
        const parse_section *s = &n.sections[i];
        if (s->first_item + s->n_items > n.n_items || s->end_line < s->line) __builtin_trap();
        if ((size_t)s->heading >= n.n_headings) __builtin_trap();
    }
    for (size_t i = 0; i < n.n_items; i++) {
        touch_str(n.items[i].text);
        if (n.items[i].end_line < n.items[i].line) __builtin_trap();
    }
    for (size_t i = 0; i < n.n_tasks; i++) {
        touch_str(n.tasks[i].text);
        touch_str(n.tasks[i].owner);
        touch_str(n.tasks[i].due);
    }
    for (size_t i = 0; i < n.n_quotes; i++) touch_str(n.quotes[i].text);
    if (n.fm.body_off > size) __builtin_trap();

    /* the tag normaliser on the raw bytes as well */
    char *t = parse_tag_normalize(text, size);
    touch_str(t);
    free(t);

    parse_note_free(&n);
    return 0;
}
