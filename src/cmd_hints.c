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
    char *rel = NULL;
    int rc = cmd_rel_path(c, path, &rel, err, errlen);
    if (!rc) rc = cmd_fresh(c, err, errlen);
    if (rc) return free(rel), rc;

    char *text = NULL;
    size_t len = 0;
    if (text_param) {
        len = json_string_length(tv);
        text = xstrndup(text_param, len);
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
    report_facts facts;
    report_client_facts(c->rd, cfg, pn.client, today, &facts);
    rules_result res = {0};
    rules_run(text, len, &pn, cfg, pn.client ? &facts.rules : NULL, date_to_days(today), &res);

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
    report_facts_free(&facts);
    parse_note_free(&pn);
    free(text);
    free(rel);
    *result = a;
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
