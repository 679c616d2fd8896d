/* cmd_capture.c -- capture, new client|meeting, init: notes created or
 * appended to from templates (capture.c does the work, durably). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "cmd.h"
#include "edit.h"
#include "parse.h"
#include "query.h"
#include "rpc.h"
#include "store.h"
#include "util.h"

static json_t *strings(char **v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(a, json_string(v[i]));
    return a;
}

static int fail(edit_error *ee, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s", ee->msg);
    int code = edit_rpc_code(ee->code);
    edit_error_free(ee);
    return code;
}

static json_t *result_json(const capture_result *r, int with_line)
{
    json_t *o = json_pack("{s:s}", "path", r->path ? r->path : "");
    if (with_line) json_object_set_new(o, "line", json_integer(r->line));
    if (r->n_warnings) json_object_set_new(o, "warnings", strings(r->warnings, r->n_warnings));
    return o;
}

int cmd_init(cmd_ctx *c, json_t *params, json_t **result, char *err, size_t errlen)
{
    UNUSED(params);
    capture_result r = {0};
    edit_error ee = {0};
    if (capture_init(c->vault, &r, &ee) < 0) return capture_result_free(&r), fail(&ee, err, errlen);
    *result = json_pack("{s:s, s:o, s:o}", "path", ".rapport", "created",
                        strings(r.created_files, r.n_created), "kept",
                        strings(r.kept_files, r.n_kept));
    capture_result_free(&r);
    return 0;
}

static int clock_now(cmd_ctx *c, capture_when *now, char *err, size_t errlen)
{
    edit_error ee = {0};
    if (capture_clock(c->today[0] ? c->today : NULL, now, &ee) < 0) return fail(&ee, err, errlen);
    return 0;
}

int cmd_new_client(cmd_ctx *c, json_t *params, json_t **result, char *err, size_t errlen)
{
    const char *name;
    if (param_str(params, "name", 1, &name, err, errlen) < 0) return RPC_EMETHOD;
    capture_when now;
    int rc = clock_now(c, &now, err, errlen);
    if (rc) return rc;
    capture_result r = {0};
    edit_error ee = {0};
    if (capture_new_client(c->vault, name, &now, &r, &ee) < 0)
        return capture_result_free(&r), fail(&ee, err, errlen);
    *result = result_json(&r, 0);
    cmd_reindex_path(c, r.path);
    capture_result_free(&r);
    return 0;
}

/* What the index knows of a client: its client note's title, whether any
 * note names it at all. */
static void client_known(cmd_ctx *c, const char *client, char **title, int *known)
{
    store_client_info info;
    *title = NULL;
    *known = 0;
    if (store_client(c->rd, client, &info, NULL, 0) == 0) {
        *known = 1;
        if (info.title) *title = xstrdup(info.title);
        store_client_info_free(&info);
        return;
    }
    char qerr[128];
    char *qs = xasprintf("client:[[%s]]", client);
    query_node *q = query_parse(qs, qerr, sizeof(qerr));
    free(qs);
    store_ref_list refs = {0};
    if (q && store_find(c->rd, q, &refs, NULL, 0) == 0) *known = refs.len > 0;
    store_note_refs_free(&refs);
    query_free(q);
}

int cmd_new_meeting(cmd_ctx *c, json_t *params, json_t **result, char *err, size_t errlen)
{
    const char *client, *date;
    if (param_str(params, "client", 1, &client, err, errlen) < 0 ||
        param_str(params, "date", 0, &date, err, errlen) < 0)
        return RPC_EMETHOD;
    if (date && !date_valid(date, strlen(date))) {
        snprintf(err, errlen, "--date wants YYYY-MM-DD, not '%s'", date);
        return RPC_EINPUT;
    }
    capture_when now;
    int rc = clock_now(c, &now, err, errlen);
    if (!rc) rc = cmd_fresh(c, err, errlen);
    if (rc) return rc;
    char *lc = cmd_client_id(client), *title = NULL;
    int known;
    client_known(c, lc, &title, &known);
    capture_result r = {0};
    edit_error ee = {0};
    rc = capture_new_meeting(c->vault, lc, title, date, &now, &r, &ee) < 0 ? fail(&ee, err, errlen) : 0;
    if (!rc) {
        *result = result_json(&r, 0);
        if (!known)
            json_object_set_new(*result, "warnings",
                                json_pack("[s]", "unknown client: no client note and no note names it yet"));
        cmd_reindex_path(c, r.path);
    }
    capture_result_free(&r);
    free(lc);
    free(title);
    return rc;
}

/* Today's meeting notes of the client, by path (the index's view; capture.c
 * re-checks each). */
static void candidates(cmd_ctx *c, const char *client, const char *date, store_ref_list *refs)
{
    char prev[11], next[11];
    long d = date_to_days(date);
    date_from_days(d - 1, prev);
    date_from_days(d + 1, next);
    char qerr[128];
    char *qs = xasprintf("type:meeting client:[[%s]] after:%s before:%s", client, prev, next);
    query_node *q = query_parse(qs, qerr, sizeof(qerr));
    free(qs);
    if (q) store_find(c->rd, q, refs, NULL, 0);
    query_free(q);
}

/* The buffer text sent for `rel`, if the note is open with changes. */
static json_t *buffer_text(cmd_ctx *c, json_t *params, const char *rel, json_t **tick)
{
    json_t *texts = json_object_get(params, "texts");
    if (!json_is_object(texts)) return NULL;
    char *abs = xasprintf("%s/%s", c->vault, rel);
    json_t *e = json_object_get(texts, abs);
    free(abs);
    if (!e) e = json_object_get(texts, rel);
    if (!json_is_array(e) || !json_is_string(json_array_get(e, 0))) return NULL;
    *tick = json_array_get(e, 1);
    return json_array_get(e, 0);
}

/* Capture into an open, modified buffer: the same placement, returned as
 * buffer edits for the plugin to apply and save. */
static int capture_buffer(const char *rel, json_t *tv, json_t *tick, const char *hhmm,
                          const char *text, json_t **result, char *err, size_t errlen)
{
    const char *bt = json_string_value(tv);
    size_t blen = json_string_length(tv);
    char *line_text = NULL;
    int is_task = 0, line = 0;
    edit_error ee = {0};
    edit_list e = {0};
    if (capture_entry(text, strlen(text), hhmm, &line_text, &is_task, &ee) < 0)
        return fail(&ee, err, errlen);
    parse_note pn;
    parse_note_text(rel, bt, blen, &pn);
    int r = capture_place(bt, blen, &pn, line_text, is_task, &e, &line, &ee);
    parse_note_free(&pn);
    free(line_text);
    if (r < 0) return edit_list_free(&e), fail(&ee, err, errlen);
    *result = json_pack("{s:s, s:i, s:[o]}", "path", rel, "line", line, "buffer_edits",
                        cmd_buffer_edits(rel, tick, bt, blen, &e));
    edit_list_free(&e);
    return 0;
}

int cmd_capture(cmd_ctx *c, json_t *params, json_t **result, char *err, size_t errlen)
{
    const char *client, *text;
    if (param_str(params, "client", 1, &client, err, errlen) < 0 ||
        param_str(params, "text", 1, &text, err, errlen) < 0)
        return RPC_EMETHOD;
    capture_when now;
    int rc = clock_now(c, &now, err, errlen);
    if (!rc) rc = cmd_fresh(c, err, errlen);
    if (rc) return rc;
    char *lc = cmd_client_id(client), *title = NULL;
    int known;
    client_known(c, lc, &title, &known);
    store_ref_list refs = {0};
    candidates(c, lc, now.date, &refs);

    /* The target open with unsaved changes: through the buffer. */
    json_t *tick = NULL, *tv = refs.len ? buffer_text(c, params, refs.items[0].path, &tick) : NULL;
    if (tv) {
        rc = capture_buffer(refs.items[0].path, tv, tick, now.time, text, result, err, errlen);
    } else {
        const char **cands = xcalloc(refs.len + 1, sizeof(char *));
        for (size_t i = 0; i < refs.len; i++) cands[i] = refs.items[i].path;
        capture_req req = {.client = lc, .title_of = title, .candidates = cands,
                           .n_candidates = refs.len, .client_known = known, .now = now};
        capture_result r = {0};
        edit_error ee = {0};
        if (capture_note(c->vault, &req, text, strlen(text), &r, &ee) < 0) {
            rc = fail(&ee, err, errlen);
        } else {
            *result = result_json(&r, 1);
            cmd_reindex_path(c, r.path);
        }
        capture_result_free(&r);
        free(cands);
    }
    store_note_refs_free(&refs);
    free(lc);
    free(title);
    return rc;
}
