/* cmd_hints.c -- `hints`: the rules of SPEC §3 on one note (its saved file or
 * the buffer's unsaved text), with the cross-note facts from the index. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "edit.h"
#include "parse.h"
#include "report.h"
#include "rpc.h"
#include "rules.h"
#include "util.h"

#define MAX_NOTE_BYTES (8u << 20)

/* ---- buffer mirrors ----
 *
 * While a note is edited, the plugin sends only the lines that changed since
 * its last request ({path, first, last, lines, count}: lines [first, last) of
 * the previous text become `lines`, and the result has `count` lines); the
 * full text travels on attach and after any mismatch. The mirrors live on
 * the loop thread only, a few at a time (least recently used goes first).
 * Each keeps a rules cache so unchanged paragraphs are not judged again. */

#define MAX_MIRRORS 16

typedef struct {
    char *path;                 /* vault-relative; NULL when the slot is free */
    VEC(char *) lines;          /* without their '\n' */
    rules_cache *rules;         /* paragraphs judged last time */
    uint64_t used;
} mirror;

static mirror mirrors[MAX_MIRRORS];
static uint64_t mirror_clock;

static void mirror_clear(mirror *m)
{
    for (size_t i = 0; i < m->lines.len; i++) free(m->lines.items[i]);
    VEC_FREE(&m->lines);
    free(m->path);
    m->path = NULL;
    rules_cache_free(m->rules);
    m->rules = NULL;
}

static mirror *mirror_get(const char *rel, int create)
{
    mirror *lru = &mirrors[0];
    for (size_t i = 0; i < MAX_MIRRORS; i++) {
        if (mirrors[i].path && strcmp(mirrors[i].path, rel) == 0) {
            mirrors[i].used = ++mirror_clock;
            return &mirrors[i];
        }
        if (!mirrors[i].path || mirrors[i].used < lru->used) lru = &mirrors[i];
        if (!mirrors[i].path) lru->used = 0;
    }
    if (!create) return NULL;
    mirror_clear(lru);
    lru->path = xstrdup(rel);
    lru->rules = rules_cache_new();
    lru->used = ++mirror_clock;
    return lru;
}

/* Replaces the mirror with `text` split into lines (a final '\n' ends the
 * last line rather than starting an empty one). */
static void mirror_set(mirror *m, const char *text, size_t len)
{
    for (size_t i = 0; i < m->lines.len; i++) free(m->lines.items[i]);
    m->lines.len = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || text[i] == '\n') {
            if (i == len && start == len && len > 0) break;
            VEC_PUSH(&m->lines, xstrndup(text + start, i - start));
            start = i + 1;
        }
    }
}

static char *mirror_text(const mirror *m, size_t *len)
{
    buf_t b = {0};
    for (size_t i = 0; i < m->lines.len; i++) {
        buf_adds(&b, m->lines.items[i]);
        buf_addc(&b, '\n');
    }
    *len = b.len;
    return b.data ? b.data : xstrdup("");
}

/* Applies a line delta; RPC_ECONFLICT when it does not fit the mirror (the
 * plugin then sends the whole text). */
static int mirror_apply(mirror *m, json_t *params, char *err, size_t errlen)
{
    long long first, last, count;
    json_t *lines = json_object_get(params, "lines");
    if (param_int(params, "first", 1, &first, err, errlen) < 0 ||
        param_int(params, "last", 1, &last, err, errlen) < 0 ||
        param_int(params, "count", 1, &count, err, errlen) < 0 || !json_is_array(lines))
        return RPC_EMETHOD;
    size_t n = json_array_size(lines);
    if (first < 0 || last < first || (size_t)last > m->lines.len ||
        /* NOLINTNEXTLINE(bugprone-misplaced-widening-cast): not widening, both are 64-bit; no overflow */
        (long long)(m->lines.len - (size_t)(last - first) + n) != count) {
        snprintf(err, errlen, "buffer mirror out of step: resend the text");
        return RPC_ECONFLICT;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *l = json_array_get(lines, i);
        if (!json_is_string(l)) {
            snprintf(err, errlen, "parameter 'lines' must hold strings");
            return RPC_EMETHOD;
        }
    }
    size_t f = (size_t)first, old = (size_t)(last - first);
    for (size_t i = f; i < f + old; i++) free(m->lines.items[i]);
    size_t tail = m->lines.len - f - old;
    size_t need = m->lines.len - old + n;
    if (need > m->lines.cap) {
        m->lines.cap = need + need / 2 + 8;
        m->lines.items = xrealloc(m->lines.items, m->lines.cap * sizeof(char *));
    }
    memmove(m->lines.items + f + n, m->lines.items + f + old, tail * sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        json_t *l = json_array_get(lines, i);
        m->lines.items[f + i] = xstrndup(json_string_value(l), json_string_length(l));
    }
    m->lines.len = m->lines.len - old + n;
    return 0;
}

/* Facts of the last client judged, reused until the index or today changes. */
static struct {
    char *client;
    char today[11];
    unsigned gen;
    int valid;
    report_facts facts;
} facts_cache;

static const rules_facts *client_facts(cmd_ctx *c, const config *cfg, const char *client,
                                       const char *today)
{
    if (!client) return NULL;
    unsigned gen = __atomic_load_n(&c->index_gen, __ATOMIC_RELAXED);
    if (!facts_cache.valid || facts_cache.gen != gen || strcmp(facts_cache.today, today) ||
        strcmp(facts_cache.client, client)) {
        if (facts_cache.valid) report_facts_free(&facts_cache.facts);
        free(facts_cache.client);
        report_client_facts(c->rd, cfg, client, today, &facts_cache.facts);
        facts_cache.client = xstrdup(client);
        memcpy(facts_cache.today, today, 11);
        facts_cache.gen = gen;
        facts_cache.valid = 1;
    }
    return &facts_cache.facts.rules;
}

int cmd_hints(cmd_ctx *c, json_t *params, json_t **result, char *err, size_t errlen)
{
    const char *path, *text_param;
    if (param_str(params, "path", 1, &path, err, errlen) < 0) return RPC_EMETHOD;
    json_t *tv = json_object_get(params, "text");
    if (tv && !json_is_string(tv)) {
        snprintf(err, errlen, "parameter 'text' must be a string");
        return RPC_EMETHOD;
    }
    text_param = tv ? json_string_value(tv) : NULL;
    int delta = !tv && json_object_get(params, "lines");
    char *rel = NULL;
    int rc = cmd_rel_path(c, path, &rel, err, errlen);
    if (!rc) rc = c->rpc ? cmd_open(c, err, errlen) : cmd_fresh(c, err, errlen);
    if (rc) return free(rel), rc;

    char *text = NULL;
    size_t len = 0;
    rules_cache *cache = NULL;
    if (delta) {
        mirror *m = mirror_get(rel, 0);
        if (!m) {
            snprintf(err, errlen, "no text of %s yet: send the whole text", rel);
            free(rel);
            return RPC_ECONFLICT;
        }
        rc = mirror_apply(m, params, err, errlen);
        if (rc) {
            if (rc == RPC_ECONFLICT) mirror_clear(m);
            free(rel);
            return rc;
        }
        text = mirror_text(m, &len);
        cache = m->rules;
    } else if (text_param) {
        len = json_string_length(tv);
        text = xstrndup(text_param, len);
        if (c->rpc) {
            mirror *m = mirror_get(rel, 1);
            mirror_set(m, text, len);
            cache = m->rules;
        }
    } else {
        char *abs = xasprintf("%s/%s", c->vault, rel);
        edit_error ee = {0};
        int r = edit_read_file(abs, &text, &len, &ee);
        free(abs);
        if (r < 0) {
            snprintf(err, errlen, "%s", ee.msg);
            edit_error_free(&ee);
            free(rel);
            return RPC_ENOTFOUND;
        }
    }
    if (len > MAX_NOTE_BYTES || !utf8_valid(text, len) || memchr(text, 0, len)) {
        snprintf(err, errlen, "%s: not judged (over 8 MiB, binary or not UTF-8)", rel);
        free(text);
        free(rel);
        return RPC_EINPUT;
    }

    const config *cfg = cmd_config(c);
    char today[11];
    cmd_today(c, today);
    parse_note pn;
    parse_note_text(rel, text, len, &pn);
    const rules_facts *facts = client_facts(c, cfg, pn.client, today);
    rules_result res = {0};
    rules_run_cached(cache, text, len, &pn, cfg, facts, date_to_days(today), &res);

    json_t *a = json_array();
    for (size_t i = 0; i < res.len; i++) {
        const rules_hint *h = &res.items[i];
        json_array_append_new(a, json_pack("{s:i, s:i, s:i, s:i, s:s, s:s, s:s}", "line", h->line,
                                           "col", h->col, "end_line", h->end_line, "end_col",
                                           h->end_col, "rule", rules_table[h->rule].id,
                                           "severity", rules_severity_name(h->severity),
                                           "message", h->message));
    }
    rules_result_free(&res);
    parse_note_free(&pn);
    free(text);
    free(rel);
    *result = a;
    return 0;
}

/* `hints_detach`: forget the mirror of a note whose buffer closed. */
int cmd_hints_detach(cmd_ctx *c, json_t *params, json_t **result, char *err, size_t errlen)
{
    const char *path;
    char *rel = NULL;
    if (param_str(params, "path", 1, &path, err, errlen) < 0) return RPC_EMETHOD;
    if (cmd_rel_path(c, path, &rel, err, errlen)) return RPC_EINPUT;
    mirror *m = mirror_get(rel, 0);
    if (m) mirror_clear(m);
    free(rel);
    *result = json_true();
    return 0;
}

/* `note`: what the parser sees in one note (its file, or the buffer text):
 * {path, type, client, date, title, tags}. Lets the plugin know the client
 * of the current buffer without re-implementing the rules of SPEC §1.4. */
int cmd_note(cmd_ctx *c, json_t *params, json_t **result, char *err, size_t errlen)
{
    const char *path;
    if (param_str(params, "path", 1, &path, err, errlen) < 0) return RPC_EMETHOD;
    json_t *tv = json_object_get(params, "text");
    char *rel = NULL;
    int rc = cmd_rel_path(c, path, &rel, err, errlen);
    if (rc) return rc;
    char *text = NULL;
    size_t len = 0;
    if (json_is_string(tv)) {
        len = json_string_length(tv);
        text = xstrndup(json_string_value(tv), len);
    } else {
        char *abs = xasprintf("%s/%s", c->vault, rel);
        edit_error ee = {0};
        if (edit_read_file(abs, &text, &len, &ee) < 0) {
            edit_error_free(&ee);
            text = xstrdup(""), len = 0; /* a new, unsaved note */
        }
        free(abs);
    }
    parse_note pn;
    parse_note_text(rel, text, utf8_valid(text, len) ? len : 0, &pn);
    static const char *const types[] = {"note", "client", "meeting"};
    json_t *tags = json_array();
    for (size_t i = 0; i < pn.n_tags; i++) json_array_append_new(tags, json_string(pn.tags[i].name));
    *result = json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:o}", "path", rel, "type", types[pn.type],
                        "client", pn.client, "date", pn.date, "title", pn.title, "tags", tags);
    parse_note_free(&pn);
    free(text);
    free(rel);
    return 0;
}
