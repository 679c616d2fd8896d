/* watch.c -- keeps the rpc server's index fresh: a watcher per vault
 * directory, a debounce, a slow safety rescan (inotify drops events on
 * overflow without a word: FACTS.md), progress for long runs, and the
 * completion cache pushed to Neovim after each change.
 *
 * Indexing always runs on the thread pool; at most one run at a time, and
 * events during a run schedule exactly one more.
 */
#include "watch.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "loop.h"
#include "server.h"
#include "util.h"
#include "vault.h"

#define DEBOUNCE_MS 100
#define MAX_WATCHED_DIRS 8192
#define MAX_DIR_DEPTH 64

static struct {
    cmd_ctx *c;
    loop_timer *debounce, *rescan;
    loop_async *wake;
    int running, again, first;
    int code;
    char err[512];
    json_t *result;
    /* progress, written by the indexing thread */
    pthread_mutex_t mu;
    size_t done, total;
    int progress_pending;
} W = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void schedule(void *arg);

static void on_fs_event(void *ud, const char *dir, const char *name)
{
    UNUSED(ud), UNUSED(dir);
    /* Editors' swap and temp files are hidden; everything else may matter
     * (a note, or a directory holding notes). */
    if (name && name[0] == '.') return;
    loop_timer_start(W.debounce, DEBOUNCE_MS, 0);
}

static void watch_tree(const vault *v, const char *abs, const char *rel, int depth)
{
    if (loop_watch_count() >= MAX_WATCHED_DIRS || depth > MAX_DIR_DEPTH) return;
    if (loop_watch(abs, on_fs_event, NULL) < 0) return;
    DIR *d = opendir(abs);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) continue;
        char *sub = xasprintf("%s/%s", abs, e->d_name);
        char *subrel = rel[0] ? xasprintf("%s/%s", rel, e->d_name) : xstrdup(e->d_name);
        struct stat st;
        if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode) && !vault_ignored(v, subrel, 1))
            watch_tree(v, sub, subrel, depth + 1);
        free(sub);
        free(subrel);
    }
    closedir(d);
}

/* (Re)builds the watcher set: the vault's directories, hidden and ignored
 * ones left out. Symlinked directories are covered by the rescan. */
static void rewatch(void)
{
    vault v;
    char err[256];
    loop_unwatch_all();
    if (vault_open(&v, W.c->vault, err, sizeof(err)) < 0) return;
    watch_tree(&v, v.root, "", 0);
    vault_close(&v);
}

static void progress_cb(void *ud, size_t done, size_t total, const char *what)
{
    UNUSED(ud), UNUSED(what);
    pthread_mutex_lock(&W.mu);
    W.done = done, W.total = total, W.progress_pending = 1;
    pthread_mutex_unlock(&W.mu);
    loop_async_send(W.wake);
}

static void send_progress(void *arg)
{
    UNUSED(arg);
    pthread_mutex_lock(&W.mu);
    size_t done = W.done, total = W.total;
    int pending = W.progress_pending;
    W.progress_pending = 0;
    pthread_mutex_unlock(&W.mu);
    if (pending)
        server_call_lua("on_progress", json_pack("[i{s:I,s:I,s:s}]", 0, "done", (json_int_t)done,
                                                 "total", (json_int_t)total, "what", "indexing"));
}

void watch_push_cache(cmd_ctx *c)
{
    const cmd_def *d = cmd_lookup("complete");
    json_t *res = NULL;
    char err[256];
    if (d->fn(c, NULL, &res, err, sizeof(err)) == 0)
        server_call_lua("on_cache", json_pack("[so]", c->vault, res));
    else
        fprintf(stderr, "rapport: completion cache: %s\n", err);
}

static void run_work(void *arg)
{
    UNUSED(arg);
    const cmd_def *d = cmd_lookup("index");
    W.result = NULL;
    W.err[0] = '\0';
    W.code = d->fn(W.c, NULL, &W.result, W.err, sizeof(W.err));
}

static void run_done(void *arg)
{
    UNUSED(arg);
    W.running = 0;
    server_index_ready(); /* even after a failure: answer rather than hang */
    send_progress(NULL);
    if (W.code) {
        fprintf(stderr, "rapport: indexing failed: %s\n", W.err);
    } else {
        json_int_t changed = json_integer_value(json_object_get(W.result, "indexed")) +
                             json_integer_value(json_object_get(W.result, "removed"));
        if (changed || W.first) {
            if (W.first) {
                fprintf(stderr, "rapport: indexed %lld files in %lld ms\n",
                        json_integer_value(json_object_get(W.result, "files")),
                        json_integer_value(json_object_get(W.result, "ms")));
            }
            watch_push_cache(W.c);
            /* Rebuilding the watchers drops events queued on the old ones:
             * one more (cheap, incremental) run catches what they held. */
            rewatch();
            W.again = 1;
        }
        W.first = 0;
    }
    json_decref(W.result);
    W.result = NULL;
    if (W.again) {
        W.again = 0;
        schedule(NULL);
    }
}

static void schedule(void *arg)
{
    UNUSED(arg);
    if (W.running) {
        W.again = 1;
        return;
    }
    W.running = 1;
    loop_work(run_work, run_done, NULL);
}

void watch_start(cmd_ctx *c, unsigned rescan_seconds)
{
    W.c = c;
    W.first = 1;
    c->progress = progress_cb;
    c->progress_ud = NULL;
    W.wake = loop_async_new(send_progress, NULL);
    W.debounce = loop_timer_new(schedule, NULL);
    W.rescan = loop_timer_new(schedule, NULL);
    if (rescan_seconds)
        loop_timer_start(W.rescan, rescan_seconds * 1000ul, rescan_seconds * 1000ul);
    rewatch();
    schedule(NULL);
}
