/* cmd_edit.c -- the commands that change notes: tag add/remove/rename,
 * priorities, cap, promote. The edit engine (edit.c) computes byte-range
 * edits; here they are either written to disk (atomic, conflict-checked) or,
 * for notes open in Neovim, returned as buffer edits (SPEC §4 "Open
 * buffers": params.texts = {[path] = {text, tick}}). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "edit.h"
#include "parse.h"
#include "query.h"
#include "rpc.h"
#include "store.h"
#include "util.h"

/* One note being edited: where its text came from and what to do with edits. */
typedef struct {
    char *rel, *abs;
    char *text;
    size_t len;
    int buffer;          /* text from params.texts: answer with buffer edits */
    json_t *tick;        /* the buffer's changedtick, echoed back */
} note_src;

static void src_free(note_src *n)
{
    free(n->rel);
    free(n->abs);
    free(n->text);
    json_decref(n->tick);
    memset(n, 0, sizeof(*n));
}

/* The buffer text sent for `rel` (keys may be relative or absolute). */
static json_t *buffer_entry(cmd_ctx *c, json_t *params, const char *rel)
{
    json_t *texts = json_object_get(params, "texts");
    if (!json_is_object(texts)) return NULL;
    json_t *e = json_object_get(texts, rel);
    if (!e) {
        char *abs = xasprintf("%s/%s", c->vault, rel);
        e = json_object_get(texts, abs);
        free(abs);
    }
    return e;
}

/* Fills n with the note's text (its buffer's, when sent); on error n is
 * left empty. */
static int load(cmd_ctx *c, json_t *params, const char *path, note_src *n, char *err, size_t errlen)
{
    memset(n, 0, sizeof(*n));
    int rc = cmd_open(c, err, errlen);
    if (!rc) rc = cmd_rel_path(c, path, &n->rel, err, errlen);
    if (rc) return rc;
    n->abs = xasprintf("%s/%s", c->vault, n->rel);
    json_t *e = buffer_entry(c, params, n->rel);
    if (e) {
        json_t *t = json_is_array(e) ? json_array_get(e, 0) : json_object_get(e, "text");
        json_t *tick = json_is_array(e) ? json_array_get(e, 1) : json_object_get(e, "tick");
        if (!json_is_string(t)) {
            snprintf(err, errlen, "texts[%s] must be {text, tick}", n->rel);
            src_free(n);
            return RPC_EMETHOD;
        }
        n->len = json_string_length(t);
        n->text = xstrndup(json_string_value(t), n->len);
        n->buffer = 1;
        n->tick = json_incref(tick ? tick : json_null());
        return 0;
    }
    edit_error ee = {0};
    if (edit_read_file(n->abs, &n->text, &n->len, &ee) < 0) {
        snprintf(err, errlen, "%s", ee.msg);
        int code = edit_rpc_code(ee.code);
        edit_error_free(&ee);
        src_free(n);
        return code;
    }
    return 0;
}

json_t *cmd_buffer_edits(const char *rel, json_t *tick, const char *text, size_t len,
                         const void *list)
{
    const edit_list *e = list;
    edit_buf_edit *be = NULL;
    size_t k = edit_to_buffer(text, len, e, edit_dos_format(text, len), &be);
    json_t *edits = json_array();
    for (size_t i = 0; i < k; i++)
        json_array_append_new(edits, json_pack("{s:i, s:i, s:i, s:i, s:s%}", "start_line",
                                               be[i].start_line, "start_col", be[i].start_col,
                                               "end_line", be[i].end_line, "end_col", be[i].end_col,
                                               "text", be[i].text, be[i].len));
    edit_buf_edits_free(be, k);
    return json_pack("{s:s, s:O, s:o}", "path", rel, "tick", tick ? tick : json_null(), "edits", edits);
}

static json_t *buffer_edits_json(const note_src *n, const edit_list *e)
{
    return cmd_buffer_edits(n->rel, n->tick, n->text, n->len, e);
}

/* Applies `e` to the note: buffer edits into *buffer_edits, or an atomic
 * write + re-index. On success the note's text becomes the new text. */
static int commit(cmd_ctx *c, note_src *n, const edit_list *e, json_t **buffer_edits, char *err,
                  size_t errlen)
{
    if (e->n == 0) return 0;
    size_t nlen;
    char *next = edit_apply(n->text, n->len, e, &nlen);
    if (n->buffer) {
        if (!*buffer_edits) *buffer_edits = json_array();
        json_array_append_new(*buffer_edits, buffer_edits_json(n, e));
    } else {
        edit_error ee = {0};
        if (edit_write_file(n->abs, n->text, n->len, next, nlen, &ee) < 0) {
            snprintf(err, errlen, "%s", ee.msg);
            int code = edit_rpc_code(ee.code);
            edit_error_free(&ee);
            free(next);
            return code;
        }
        cmd_reindex_path(c, n->rel);
    }
    free(n->text);
    n->text = next;
    n->len = nlen;
    return 0;
}

static int edit_fail(edit_error *ee, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s", ee->msg);
    int code = edit_rpc_code(ee->code);
    edit_error_free(ee);
    return code;
}

/* The `tags` parameter: a list of strings (or one string). */
static int tag_list(json_t *params, const char ***out, size_t *n, char *err, size_t errlen)
{
    json_t *t = json_object_get(params, "tags");
    if (json_is_string(t)) {
        *out = xmalloc(sizeof(char *));
        (*out)[0] = json_string_value(t);
        *n = 1;
        return 0;
    }
    if (!json_is_array(t) || json_array_size(t) == 0) {
        snprintf(err, errlen, "parameter 'tags' must be a non-empty list of tags");
        return RPC_EMETHOD;
    }
    *n = json_array_size(t);
    *out = xcalloc(*n, sizeof(char *));
    for (size_t i = 0; i < *n; i++) {
        json_t *v = json_array_get(t, i);
        if (!json_is_string(v)) {
            free(*out);
            snprintf(err, errlen, "parameter 'tags' must hold strings");
            return RPC_EMETHOD;
        }
        (*out)[i] = json_string_value(v);
    }
    return 0;
}

static json_t *fm_tags_json(const char *text, size_t len, const char *rel)
{
    parse_note pn;
    parse_note_text(rel, text, len, &pn);
    json_t *a = json_array();
    for (size_t i = 0; i < pn.n_tags; i++)
        if (pn.tags[i].fm) json_array_append_new(a, json_string(pn.tags[i].name));
    parse_note_free(&pn);
    return a;
}

static int tag_edit(cmd_ctx *c, json_t *params, json_t **result, char *err, size_t errlen, int add)
{
    const char *path;
    const char **tags = NULL;
    size_t n_tags = 0;
    if (param_str(params, "path", 1, &path, err, errlen) < 0) return RPC_EMETHOD;
    int rc = tag_list(params, &tags, &n_tags, err, errlen);
    if (rc) return rc;
    note_src n;
    rc = load(c, params, path, &n, err, errlen);
    if (rc) return free(tags), rc;
    edit_list e = {0};
    edit_error ee = {0};
    edit_lines left = {0};
    int r = add ? edit_tag_add(n.text, n.len, tags, n_tags, &e, &ee)
                : edit_tag_remove(n.text, n.len, tags, n_tags, &e, &left, &ee);
    free(tags);
    json_t *bedits = NULL;
    if (r < 0) rc = edit_fail(&ee, err, errlen);
    else rc = commit(c, &n, &e, &bedits, err, errlen);
    if (!rc) {
        *result = json_pack("{s:s, s:o}", "path", n.rel, "tags", fm_tags_json(n.text, n.len, n.rel));
        if (bedits) json_object_set_new(*result, "buffer_edits", bedits);
        if (left.n) {
            json_t *w = json_array();
            for (size_t i = 0; i < left.n; i++)
                json_array_append_new(w, json_sprintf("inline tag left in the body on line %d",
                                                      left.lines[i]));
            json_object_set_new(*result, "warnings", w);
        }
    } else {
        json_decref(bedits);
    }
    edit_lines_free(&left);
    edit_list_free(&e);
    src_free(&n);
    return rc;
}

int cmd_tag_add(cmd_ctx *c, json_t *params, json_t **result, char *err, size_t errlen)
{
    return tag_edit(c, params, result, err, errlen, 1);
}

int cmd_tag_remove(cmd_ctx *c, json_t *params, json_t **result, char *err, size_t errlen)
{
    return tag_edit(c, params, result, err, errlen, 0);
}

int cmd_tag_rename(cmd_ctx *c, json_t *params, json_t **result, char *err, size_t errlen)
{
    const char *old_tag, *new_tag;
    int dry;
    if (param_str(params, "old", 1, &old_tag, err, errlen) < 0 ||
        param_str(params, "new", 1, &new_tag, err, errlen) < 0 ||
        param_bool(params, "dry_run", &dry, err, errlen) < 0)
        return RPC_EMETHOD;
    char *oldn = parse_tag_normalize(old_tag, strlen(old_tag));
    char *newn = parse_tag_normalize(new_tag, strlen(new_tag));
    if (!oldn || !newn) {
        snprintf(err, errlen, "'%s' is not a valid tag name", !oldn ? old_tag : new_tag);
        free(oldn), free(newn);
        return RPC_EINPUT;
    }
    free(newn);
    int rc = cmd_fresh(c, err, errlen);
    if (rc) return free(oldn), rc;
    /* Candidates: the notes carrying the tag or a child (the index is fresh). */
    char qerr[128];
    char *qs = xasprintf("#%s", oldn);
    query_node *q = query_parse(qs, qerr, sizeof(qerr));
    free(qs);
    free(oldn);
    store_ref_list refs = {0};
    if (!q || store_find(c->rd, q, &refs, err, errlen) < 0) rc = RPC_EIO;
    query_free(q);
    json_t *changes = json_array(), *bedits = NULL;
    edit_batch *batch = dry ? NULL : edit_batch_new();
    VEC(char *) written = {0};
    for (size_t i = 0; !rc && i < refs.len; i++) {
        note_src n;
        rc = load(c, params, refs.items[i].path, &n, err, errlen);
        if (rc) break;
        edit_list e = {0};
        edit_error ee = {0};
        if (edit_tag_rename(n.text, n.len, old_tag, new_tag, &e, &ee) < 0) {
            snprintf(err, errlen, "%s: %s", n.rel, ee.msg);
            rc = edit_rpc_code(ee.code);
            edit_error_free(&ee);
        } else if (e.n) {
            edit_change *ch = NULL;
            size_t k = edit_changes(n.text, n.len, &e, &ch);
            for (size_t j = 0; j < k; j++)
                json_array_append_new(changes, json_pack("{s:s, s:i, s:s, s:s}", "path", n.rel,
                                                         "line", ch[j].line, "before",
                                                         ch[j].before, "after", ch[j].after));
            edit_changes_free(ch, k);
            if (!dry && n.buffer) {
                if (!bedits) bedits = json_array();
                json_array_append_new(bedits, buffer_edits_json(&n, &e));
            } else if (!dry) {
                size_t nlen;
                char *next = edit_apply(n.text, n.len, &e, &nlen);
                if (edit_batch_add(batch, n.abs, n.text, n.len, next, nlen, &ee) < 0) {
                    snprintf(err, errlen, "%s", ee.msg);
                    rc = edit_rpc_code(ee.code);
                    edit_error_free(&ee);
                } else {
                    VEC_PUSH(&written, xstrdup(n.rel));
                }
                free(next);
            }
        }
        edit_list_free(&e);
        src_free(&n);
    }
    if (!rc && batch) {
        edit_error ee = {0};
        if (edit_batch_commit(batch, &ee) < 0) {
            snprintf(err, errlen, "%s", ee.msg);
            rc = edit_rpc_code(ee.code);
            edit_error_free(&ee);
        }
        cmd_reindex_paths(c, written.items, written.len);
    }
    for (size_t i = 0; i < written.len; i++) free(written.items[i]);
    VEC_FREE(&written);
    if (batch) edit_batch_free(batch);
    store_note_refs_free(&refs);
    if (rc) {
        json_decref(changes);
        json_decref(bedits);
        return rc;
    }
    *result = json_pack("{s:o}", "changes", changes);
    if (bedits) json_object_set_new(*result, "buffer_edits", bedits);
    return 0;
}

/* ---- priorities ---- */

/* The cap a client's notes inherit: its client note's priority_cap, else -1. */
static int client_cap(cmd_ctx *c, const char *client)
{
    if (!client) return -1;
    long long cap = -1;
    store_client_info info;
    if (store_client(c->rd, client, &info, NULL, 0) == 0) {
        cap = info.priority_cap;
        store_client_info_free(&info);
    }
    return (int)cap;
}

static json_t *prio_row(cmd_ctx *c, const char *rel, const char *text, size_t len)
{
    parse_note pn;
    parse_note_text(rel, text, len, &pn);
    edit_prio p = edit_priorities(&pn, client_cap(c, pn.client), cmd_config(c)->priority_cap);
    json_t *row = json_pack("{s:s, s:s?, s:i, s:i, s:b}", "path", rel, "client", pn.client,
                            "count", p.count, "cap", p.cap, "over", p.over);
    parse_note_free(&pn);
    return row;
}

/* One note's list, with its items' lines, for the buffer's cap marker
 * (rpc: {path, text}); [] when the note has no Priorities section. */
static int note_priorities(cmd_ctx *c, json_t *params, const char *path, json_t **result,
                           char *err, size_t errlen)
{
    char *rel = NULL;
    int rc = cmd_open(c, err, errlen);
    if (!rc) rc = cmd_rel_path(c, path, &rel, err, errlen);
    if (rc) return rc;
    json_t *tv = json_object_get(params, "text");
    char *text = NULL;
    size_t len = 0;
    if (json_is_string(tv)) {
        len = json_string_length(tv);
        text = xstrndup(json_string_value(tv), len);
    } else {
        char *abs = xasprintf("%s/%s", c->vault, rel);
        edit_error ee = {0};
        int r = edit_read_file(abs, &text, &len, &ee);
        free(abs);
        if (r < 0) return free(rel), edit_fail(&ee, err, errlen);
    }
    parse_note pn;
    parse_note_text(rel, text, utf8_valid(text, len) ? len : 0, &pn);
    *result = json_array();
    const parse_section *sec = parse_find_section(&pn, SEC_PRIORITIES);
    if (sec) {
        edit_prio p = edit_priorities(&pn, client_cap(c, pn.client), cmd_config(c)->priority_cap);
        json_t *items = json_array();
        for (size_t i = 0; i < sec->n_items; i++) {
            const parse_item *it = &pn.items[sec->first_item + i];
            json_array_append_new(items, json_pack("{s:i, s:i}", "line", it->line, "end_line",
                                                   it->end_line));
        }
        json_array_append_new(*result, json_pack("{s:s, s:s?, s:i, s:i, s:b, s:o}", "path", rel,
                                                 "client", pn.client, "count", p.count, "cap",
                                                 p.cap, "over", p.over, "items", items));
    }
    parse_note_free(&pn);
    free(text);
    free(rel);
    return 0;
}

int cmd_priorities(cmd_ctx *c, json_t *params, json_t **result, char *err, size_t errlen)
{
    const char *client, *path;
    if (param_str(params, "client", 0, &client, err, errlen) < 0 ||
        param_str(params, "path", 0, &path, err, errlen) < 0)
        return RPC_EMETHOD;
    if (path) return note_priorities(c, params, path, result, err, errlen);
    int rc = cmd_fresh(c, err, errlen);
    if (rc) return rc;
    char *lc = client ? cmd_client_id(client) : NULL;
    store_prio_list pl = {0};
    int r = store_priorities(c->rd, lc, cmd_config(c)->priority_cap, &pl, err, errlen);
    free(lc);
    if (r < 0) return RPC_EIO;
    json_t *a = json_array();
    for (size_t i = 0; i < pl.len; i++)
        json_array_append_new(a, json_pack("{s:s, s:s?, s:i, s:i, s:b}", "path", pl.items[i].path,
                                           "client", pl.items[i].client, "count",
                                           pl.items[i].count, "cap", pl.items[i].cap, "over",
                                           pl.items[i].count > pl.items[i].cap));
    store_prios_free(&pl);
    *result = a;
    return 0;
}

/* cap and promote share their ending: the priorities row after the change. */
static int prio_edit(cmd_ctx *c, json_t *params, json_t **result, char *err, size_t errlen,
                     int promote)
{
    const char *path;
    long long cap_arg = -1, line = 0, park = 0;
    if (param_str(params, "path", 1, &path, err, errlen) < 0 ||
        param_int(params, "cap", 0, &cap_arg, err, errlen) < 0 ||
        (promote && param_int(params, "line", 1, &line, err, errlen) < 0) ||
        (promote && param_int(params, "park", 0, &park, err, errlen) < 0))
        return RPC_EMETHOD;
    if (params && json_object_get(params, "cap") && cap_arg < 1) {
        snprintf(err, errlen, "--cap must be 1 or more");
        return RPC_EINPUT;
    }
    note_src n;
    int rc = load(c, params, path, &n, err, errlen);
    if (rc) return rc;
    parse_note pn;
    parse_note_text(n.rel, n.text, n.len, &pn);
    edit_prio p = edit_priorities(&pn, client_cap(c, pn.client), cmd_config(c)->priority_cap);
    parse_note_free(&pn);
    int cap = cap_arg > 0 ? (int)cap_arg : p.cap;
    edit_list e = {0};
    edit_error ee = {0};
    int r = promote ? edit_promote(n.text, n.len, cap, (int)line, (int)park, &e, &ee)
                    : edit_cap(n.text, n.len, cap, &e, &ee);
    json_t *bedits = NULL;
    if (r < 0) {
        if (ee.code == EDIT_EOVERCAP && ee.n_items) {
            /* List the priorities so the user can pick one to park. */
            buf_t b = {0};
            buf_printf(&b, "%s; choose one to park with --park LINE:", ee.msg);
            for (size_t i = 0; i < ee.n_items; i++)
                buf_printf(&b, " [%d] %s;", ee.items[i].line, ee.items[i].text);
            snprintf(err, errlen, "%s", buf_cstr(&b));
            buf_free(&b);
            rc = RPC_EINPUT;
            edit_error_free(&ee);
        } else {
            rc = edit_fail(&ee, err, errlen);
        }
    } else {
        rc = commit(c, &n, &e, &bedits, err, errlen);
    }
    if (!rc) {
        *result = prio_row(c, n.rel, n.text, n.len);
        if (cap_arg > 0) json_object_set_new(*result, "cap", json_integer(cap));
        if (bedits) json_object_set_new(*result, "buffer_edits", bedits);
    }
    edit_list_free(&e);
    src_free(&n);
    return rc;
}

int cmd_cap(cmd_ctx *c, json_t *params, json_t **result, char *err, size_t errlen)
{
    return prio_edit(c, params, result, err, errlen, 0);
}

int cmd_promote(cmd_ctx *c, json_t *params, json_t **result, char *err, size_t errlen)
{
    return prio_edit(c, params, result, err, errlen, 1);
}
