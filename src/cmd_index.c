/* cmd_index.c -- the index-backed commands: index, index_file, tags, find,
 * search, check, complete. They turn store results into the --json values
 * of SPEC §2. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "index.h"
#include "query.h"
#include "rpc.h"
#include "store.h"
#include "util.h"
#include "vault.h"

/* The indexer is used by one thread at a time: the rpc server runs long
 * indexing on the thread pool while the loop thread may index a saved file. */
static pthread_mutex_t ix_lock = PTHREAD_MUTEX_INITIALIZER;

static void warn(cmd_ctx *c, const char *msg)
{
    fprintf(stderr, "rapport: %s\n", msg);
    if (!c->warnings) c->warnings = json_array();
    json_array_append_new(c->warnings, json_string(msg));
}

/* Opens the indexer (first: it may move a bad database aside) and the read
 * connection. Called on the loop thread or under ix_lock. */
int cmd_open(cmd_ctx *c, char *err, size_t errlen)
{
    char msg[512] = "";
    if (!c->ix && index_open(&c->ix, c->vault, c->db_path, msg, sizeof(msg), err, errlen) < 0)
        return RPC_EIO;
    if (msg[0]) warn(c, msg);
    msg[0] = '\0';
    /* The CLI reads through the indexer's connection (one open, ~0.6 ms
     * saved); the rpc server reads on the loop thread while the indexer
     * writes on the thread pool, so it has a connection of its own. */
    if (!c->rd && !c->rpc) c->rd = index_store(c->ix);
    if (!c->rd && store_open(&c->rd, c->db_path, 0, msg, sizeof(msg), err, errlen) < 0)
        return RPC_EIO;
    if (msg[0]) warn(c, msg);
    return 0;
}

void cmd_close(cmd_ctx *c)
{
    if (c->rd && c->rpc) store_close(c->rd);
    if (c->ix) index_close(c->ix);
    config_free(c->cfg);
    c->cfg = NULL;
    c->ix = NULL;
    c->rd = NULL;
}

static json_t *stats_json(const index_stats *st)
{
    return json_pack("{s:I, s:I, s:I, s:I}", "files", (json_int_t)st->files, "indexed",
                     (json_int_t)st->indexed, "removed", (json_int_t)st->removed, "ms",
                     (json_int_t)(st->ms + 0.5));
}

/* Brings the index up to date. */
static int cmd_refresh(cmd_ctx *c, int full, index_progress_fn progress, void *ud, index_stats *st,
                char *err, size_t errlen)
{
    int rc = cmd_open(c, err, errlen);
    if (rc) return rc;
    pthread_mutex_lock(&ix_lock);
    int r = index_run(c->ix, full ? INDEX_FULL : 0, progress, ud, st, err, errlen);
    if (r >= 0 && st->indexed + st->removed > 0) __atomic_add_fetch(&c->index_gen, 1, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&ix_lock);
    return r < 0 ? RPC_EIO : 0;
}

int cmd_index(cmd_ctx *c, json_t *params, json_t **result, char *err, size_t errlen)
{
    int full;
    if (param_bool(params, "full", &full, err, errlen) < 0) return RPC_EMETHOD;
    index_stats st;
    int rc = cmd_refresh(c, full, c->progress, c->progress_ud, &st, err, errlen);
    if (rc) return rc;
    *result = stats_json(&st);
    return 0;
}

int cmd_rel_path(cmd_ctx *c, const char *p, char **rel, char *err, size_t errlen)
{
    vault v;
    if (vault_open(&v, c->vault, err, errlen) < 0) return RPC_EIO;
    char *arg = p[0] == '/' ? xstrdup(p) : xasprintf("%s/%s", c->vault, p);
    int r = vault_resolve(&v, arg, rel, err, errlen);
    free(arg);
    vault_close(&v);
    return r < 0 ? RPC_EINPUT : 0;
}

int cmd_index_file(cmd_ctx *c, json_t *params, json_t **result, char *err, size_t errlen)
{
    char *rel = NULL;
    const char *p;
    if (param_str(params, "path", 1, &p, err, errlen) < 0) return RPC_EMETHOD;
    int rc = cmd_rel_path(c, p, &rel, err, errlen);
    if (!rc) rc = cmd_open(c, err, errlen);
    if (rc) return free(rel), rc;
    index_stats st;
    memset(&st, 0, sizeof(st));
    pthread_mutex_lock(&ix_lock);
    int r = index_file(c->ix, rel, &st, err, errlen);
    pthread_mutex_unlock(&ix_lock);
    c->index_gen++;
    free(rel);
    if (r < 0) return RPC_EIO;
    *result = stats_json(&st);
    c->index_changed = st.indexed + st.removed > 0;
    return 0;
}

void cmd_reindex_paths(cmd_ctx *c, char *const *rels, size_t n)
{
    /* Past a handful, one incremental run (a walk, then the changed files in
     * batched transactions) beats a transaction per file. */
    if (n <= 8) {
        for (size_t i = 0; i < n; i++) cmd_reindex_path(c, rels[i]);
        return;
    }
    char err[256];
    index_stats st;
    if (cmd_refresh(c, 0, NULL, NULL, &st, err, sizeof(err)))
        fprintf(stderr, "rapport: re-index: %s\n", err);
    c->index_changed = 1;
}

void cmd_reindex_path(cmd_ctx *c, const char *rel)
{
    char err[256];
    if (cmd_open(c, err, sizeof(err))) return;
    pthread_mutex_lock(&ix_lock);
    if (index_file(c->ix, rel, NULL, err, sizeof(err)) < 0)
        fprintf(stderr, "rapport: re-index %s: %s\n", rel, err);
    pthread_mutex_unlock(&ix_lock);
    c->index_changed = 1;
    c->index_gen++;
}

/* Freshness before a query: the CLI walks; the rpc server's watcher already
 * keeps the index fresh. */
int cmd_fresh(cmd_ctx *c, char *err, size_t errlen)
{
    if (c->rpc) return cmd_open(c, err, errlen);
    index_stats st;
    return cmd_refresh(c, 0, NULL, NULL, &st, err, errlen);
}

int cmd_tags(cmd_ctx *c, json_t *params, json_t **result, char *err, size_t errlen)
{
    UNUSED(params);
    int rc = cmd_fresh(c, err, errlen);
    if (rc) return rc;
    store_tag_list tl = {0};
    if (store_tags(c->rd, &tl, err, errlen) < 0) return RPC_EIO;
    json_t *a = json_array();
    for (size_t i = 0; i < tl.len; i++)
        json_array_append_new(a, json_pack("{s:s, s:I}", "tag", tl.items[i].tag, "count",
                                           (json_int_t)tl.items[i].count));
    store_tags_free(&tl);
    *result = a;
    return 0;
}

int cmd_find(cmd_ctx *c, json_t *params, json_t **result, char *err, size_t errlen)
{
    const char *q;
    if (param_str(params, "query", 1, &q, err, errlen) < 0) return RPC_EMETHOD;
    char qerr[256];
    query_node *n = query_parse(q, qerr, sizeof(qerr));
    if (!n) {
        snprintf(err, errlen, "bad query: %s", qerr);
        return RPC_EINPUT;
    }
    int rc = cmd_fresh(c, err, errlen);
    if (rc) return query_free(n), rc;
    store_ref_list refs = {0};
    int r = store_find(c->rd, n, &refs, err, errlen);
    query_free(n);
    if (r < 0) return RPC_EIO;
    json_t *a = json_array();
    for (size_t i = 0; i < refs.len; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:s?}", "path", refs.items[i].path,
                                           "title", refs.items[i].title, "client",
                                           refs.items[i].client));
    store_note_refs_free(&refs);
    *result = a;
    return 0;
}

int cmd_search(cmd_ctx *c, json_t *params, json_t **result, char *err, size_t errlen)
{
    const char *text;
    long long limit = 0;
    if (param_str(params, "text", 1, &text, err, errlen) < 0) return RPC_EMETHOD;
    if (param_int(params, "limit", 0, &limit, err, errlen) < 0) return RPC_EMETHOD;
    int rc = cmd_fresh(c, err, errlen);
    if (rc) return rc;
    store_hit_list hits = {0};
    if (store_search(c->rd, text, limit > 0 ? (size_t)limit : 0, &hits, err, errlen) < 0)
        return RPC_EIO;
    json_t *a = json_array();
    for (size_t i = 0; i < hits.len; i++)
        json_array_append_new(a, json_pack("{s:s, s:i, s:s}", "path", hits.items[i].path, "line",
                                           hits.items[i].line, "snippet", hits.items[i].snippet));
    store_hits_free(&hits);
    *result = a;
    return 0;
}

int cmd_check(cmd_ctx *c, json_t *params, json_t **result, char *err, size_t errlen)
{
    UNUSED(params);
    int rc = cmd_fresh(c, err, errlen);
    if (rc) return rc;
    store_problem_list pl = {0};
    if (store_check(c->rd, &pl, err, errlen) < 0) return RPC_EIO;
    json_t *a = json_array();
    for (size_t i = 0; i < pl.len; i++) {
        json_t *line = pl.items[i].line > 0 ? json_integer(pl.items[i].line) : json_null();
        json_array_append_new(a, json_pack("{s:s, s:o, s:s}", "path", pl.items[i].path, "line",
                                           line, "message", pl.items[i].message));
    }
    store_problems_free(&pl);
    *result = a;
    return 0;
}

static json_t *strings_json(store_string_list *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->len; i++) json_array_append_new(a, json_string(l->items[i]));
    store_strings_free(l);
    return a;
}

/* {tags, people, clients}: the completion cache the plugin keeps. */
int cmd_complete(cmd_ctx *c, json_t *params, json_t **result, char *err, size_t errlen)
{
    UNUSED(params);
    int rc = cmd_fresh(c, err, errlen);
    if (rc) return rc;
    store_string_list tags = {0}, people = {0}, clients = {0};
    if (store_all_tags(c->rd, &tags, err, errlen) < 0 ||
        store_all_people(c->rd, &people, err, errlen) < 0 ||
        store_all_clients(c->rd, &clients, err, errlen) < 0) {
        store_strings_free(&tags);
        store_strings_free(&people);
        store_strings_free(&clients);
        return RPC_EIO;
    }
    *result = json_pack("{s:o, s:o, s:o}", "tags", strings_json(&tags), "people",
                        strings_json(&people), "clients", strings_json(&clients));
    return 0;
}
