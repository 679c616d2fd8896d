/* fuzz_rules.c -- libFuzzer harness for the hint rules (and the settings loader).
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc tests/fuzz/fuzz_rules.c \
 *       src/rules.c src/config.c src/parse.c src/util.c -lyaml -ljansson -o fuzz_rules
 *
 * Valid UTF-8 inputs only (the indexer checks first). The first byte picks the
 * note's path and the cross-note facts; when its bit 3 is set the input is
 * also loaded as a config.json (it must never crash; the rules then run with
 * whatever it compiled to). Every hint is checked: sorted, inside the text,
 * a known rule, a message; the per-rule counts add up. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "parse.h"
#include "rules.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const paths[] = {
    "note.md", "clients/acme.md", "clients/acme/notes.md", "meetings/2026-01-05-acme.md",
    "a/meetings/b/2026-02-30.md", "", "clients/", "meetings/2026-11-20-acme-logistics.md",
};
static const char *const words[] = {"Acme", "Logistics", "the", "’s", ""};

static config *base_cfg;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    if (!utf8_valid(text, size)) return 0;
    if (!base_cfg) {
        const char *js = "{\"team\": [\"sam\", \"alex\"]}";
        base_cfg = config_load_string(js, strlen(js), "config.json", NULL, NULL);
    }
    unsigned sel = size ? data[0] : 0;
    const char *path = paths[sel % ARRAY_LEN(paths)];

    config *own = NULL;
    if (sel & 8) {
        config_report rep;
        own = config_load_string(text, size, "config.json", NULL, &rep);
        config_report_free(&rep);
    }
    const config *cfg = own ? own : base_cfg;

    rules_facts f = {(int)(sel >> 4) % 4 - 1, (long)(sel >> 3) * 3 - 2, words, ARRAY_LEN(words),
                     (int)(sel % 5) - 1};

    parse_note n;
    parse_note_text(path, text, size, &n);

    /* line table for the checks */
    size_t nlines = 1;
    for (size_t i = 0; i < size; i++) nlines += text[i] == '\n';
    size_t *starts = xmalloc((nlines + 1) * sizeof *starts);
    size_t k = 0;
    starts[k++] = 0;
    for (size_t i = 0; i < size; i++)
        if (text[i] == '\n') starts[k++] = i + 1;
    starts[nlines] = size + 1;

    rules_result r;
    rules_run(text, size, &n, cfg, (sel & 4) ? &f : NULL, date_to_days("2026-11-23"), &r);
    int total = 0;
    for (int i = 0; i < RULES_COUNT; i++) total += r.counts[i];
    if ((size_t)total != r.len) __builtin_trap();
    for (size_t i = 0; i < r.len; i++) {
        const rules_hint *h = &r.items[i];
        if (h->rule < 0 || h->rule >= RULES_COUNT || !h->message || !h->message[0]) __builtin_trap();
        if (!rules_severity_name(h->severity)) __builtin_trap();
        if (h->line < 1 || (size_t)h->line > nlines || h->end_line < h->line ||
            (size_t)h->end_line > nlines)
            __builtin_trap();
        if (h->col < 0 || h->end_col < 0) __builtin_trap();
        size_t llen = starts[h->line] - 1 - starts[h->line - 1];
        size_t elen = starts[h->end_line] - 1 - starts[h->end_line - 1];
        if ((size_t)h->col > llen || (size_t)h->end_col > elen) __builtin_trap();
        if (h->line == h->end_line && h->end_col < h->col) __builtin_trap();
        if (i && (r.items[i - 1].line > h->line ||
                  (r.items[i - 1].line == h->line && r.items[i - 1].col > h->col)))
            __builtin_trap();
    }
    rules_result_free(&r);
    free(starts);
    parse_note_free(&n);
    config_free(own);
    return 0;
}
