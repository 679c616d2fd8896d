/* loop.c -- libuv: stdio, timers, thread-pool work, directory watchers.
 *
 * One loop (uv_default_loop) per process. stdin may be a pipe, a tty or a
 * regular file; uv_pipe_open on a file aborts inside epoll (FACTS.md), so
 * uv_guess_handle() decides between a stream and uv_fs_read.
 */
#include "loop.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "util.h"

struct loop_timer {
    uv_timer_t h;
    loop_fn cb;
    void *arg;
};

typedef struct {
    uv_fs_event_t h;
    loop_watch_cb cb;
    void *ud;
    char *dir;
} watch_t;

typedef struct {
    uv_work_t req;
    loop_fn work, done;
    void *arg;
} work_t;

typedef struct {
    uv_write_t req;
    char *data;
} write_t;

static struct {
    uv_loop_t *loop;
    uv_pipe_t in_pipe;
    uv_tty_t in_tty;
    uv_stream_t *in;
    uv_fs_t in_fs;
    char in_file_buf[65536];
    int in_is_file;
    uv_stream_t *out;
    uv_pipe_t out_pipe;
    loop_read_cb on_read;
    loop_eof_cb on_eof;
    void *ud;
    VEC(watch_t *) watches;
} L;

void loop_init(void)
{
    L.loop = uv_default_loop();
}

/* ---- stdin ---- */

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    UNUSED(h);
    buf->base = xmalloc(suggested);
    buf->len = suggested;
}

static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    if (n > 0) L.on_read(L.ud, buf->base, (size_t)n);
    free(buf->base);
    if (n < 0) {
        uv_read_stop(s);
        L.on_eof(L.ud);
    }
}

static void file_read_cb(uv_fs_t *req)
{
    ssize_t n = req->result;
    uv_fs_req_cleanup(req);
    if (n > 0) {
        L.on_read(L.ud, L.in_file_buf, (size_t)n);
        uv_buf_t b = uv_buf_init(L.in_file_buf, sizeof(L.in_file_buf));
        uv_fs_read(L.loop, &L.in_fs, 0, &b, 1, -1, file_read_cb);
    } else {
        L.on_eof(L.ud);
    }
}

int loop_stdin(loop_read_cb on_read, loop_eof_cb on_eof, void *ud)
{
    L.on_read = on_read, L.on_eof = on_eof, L.ud = ud;
    uv_handle_type t = uv_guess_handle(0);
    if (t == UV_NAMED_PIPE) {
        uv_pipe_init(L.loop, &L.in_pipe, 0);
        if (uv_pipe_open(&L.in_pipe, 0) < 0) return -1;
        L.in = (uv_stream_t *)&L.in_pipe;
    } else if (t == UV_TTY) {
        uv_tty_init(L.loop, &L.in_tty, 0, 1);
        L.in = (uv_stream_t *)&L.in_tty;
    } else {
        /* A regular file, /dev/null or something else: plain reads. */
        L.in_is_file = 1;
        uv_buf_t b = uv_buf_init(L.in_file_buf, sizeof(L.in_file_buf));
        return uv_fs_read(L.loop, &L.in_fs, 0, &b, 1, -1, file_read_cb);
    }
    return uv_read_start(L.in, alloc_cb, read_cb);
}

/* ---- stdout ---- */

static void write_cb(uv_write_t *req, int status)
{
    write_t *w = (write_t *)req;
    if (status < 0 && status != UV_ECANCELED) {
        fprintf(stderr, "rapport: write to stdout failed: %s\n", uv_strerror(status));
        loop_stop();
    }
    free(w->data);
    free(w);
}

void loop_write(const char *data, size_t len)
{
    if (!L.out) {
        if (uv_guess_handle(1) == UV_NAMED_PIPE) {
            uv_pipe_init(L.loop, &L.out_pipe, 0);
            if (uv_pipe_open(&L.out_pipe, 1) == 0) L.out = (uv_stream_t *)&L.out_pipe;
        }
    }
    if (!L.out) { /* a file or a tty: blocking writes are fine there */
        while (len) {
            ssize_t n = write(1, data, len);
            if (n < 0) return;
            data += n, len -= (size_t)n;
        }
        return;
    }
    write_t *w = xmalloc(sizeof(*w));
    w->data = xmalloc(len);
    memcpy(w->data, data, len);
    uv_buf_t b = uv_buf_init(w->data, (unsigned)len);
    if (uv_write(&w->req, L.out, &b, 1, write_cb) < 0) {
        free(w->data);
        free(w);
    }
}

/* ---- work ---- */

static void work_cb(uv_work_t *req)
{
    work_t *w = req->data;
    w->work(w->arg);
}

static void after_work_cb(uv_work_t *req, int status)
{
    UNUSED(status);
    work_t *w = req->data;
    if (w->done) w->done(w->arg);
    free(w);
}

void loop_work(loop_fn work, loop_fn done, void *arg)
{
    work_t *w = xcalloc(1, sizeof(*w));
    w->work = work, w->done = done, w->arg = arg;
    w->req.data = w;
    uv_queue_work(L.loop, &w->req, work_cb, after_work_cb);
}

/* ---- timers ---- */

static void timer_cb(uv_timer_t *h)
{
    loop_timer *t = h->data;
    t->cb(t->arg);
}

loop_timer *loop_timer_new(loop_fn cb, void *arg)
{
    loop_timer *t = xcalloc(1, sizeof(*t));
    t->cb = cb, t->arg = arg;
    uv_timer_init(L.loop, &t->h);
    t->h.data = t;
    uv_unref((uv_handle_t *)&t->h); /* timers never keep the helper alive */
    return t;
}

void loop_timer_start(loop_timer *t, unsigned long ms, unsigned long repeat_ms)
{
    uv_timer_start(&t->h, timer_cb, ms, repeat_ms);
}

void loop_timer_stop(loop_timer *t)
{
    uv_timer_stop(&t->h);
}

/* ---- async wake-ups ---- */

struct loop_async {
    uv_async_t h;
    loop_fn cb;
    void *arg;
};

static void async_cb(uv_async_t *h)
{
    loop_async *a = h->data;
    a->cb(a->arg);
}

loop_async *loop_async_new(loop_fn cb, void *arg)
{
    loop_async *a = xcalloc(1, sizeof(*a));
    a->cb = cb, a->arg = arg;
    uv_async_init(L.loop, &a->h, async_cb);
    a->h.data = a;
    uv_unref((uv_handle_t *)&a->h);
    return a;
}

void loop_async_send(loop_async *a)
{
    uv_async_send(&a->h);
}

/* ---- watchers ---- */

static void watch_close_cb(uv_handle_t *h)
{
    free(h->data);
}

static void fs_event_cb(uv_fs_event_t *h, const char *name, int events, int status)
{
    UNUSED(events);
    watch_t *w = h->data;
    if (status < 0) return;
    w->cb(w->ud, w->dir, name);
}

int loop_watch(const char *dir, loop_watch_cb cb, void *ud)
{
    watch_t *w = xcalloc(1, sizeof(*w));
    w->cb = cb, w->ud = ud, w->dir = xstrdup(dir);
    uv_fs_event_init(L.loop, &w->h);
    w->h.data = w;
    int rc = uv_fs_event_start(&w->h, fs_event_cb, dir, 0);
    if (rc < 0) {
        free(w->dir);
        uv_close((uv_handle_t *)&w->h, watch_close_cb); /* frees w once closed */
        return rc;
    }
    uv_unref((uv_handle_t *)&w->h);
    VEC_PUSH(&L.watches, w);
    return 0;
}

void loop_unwatch_all(void)
{
    for (size_t i = 0; i < L.watches.len; i++) {
        watch_t *w = L.watches.items[i];
        uv_fs_event_stop(&w->h);
        free(w->dir);
        uv_close((uv_handle_t *)&w->h, watch_close_cb);
    }
    L.watches.len = 0;
}

size_t loop_watch_count(void)
{
    return L.watches.len;
}

/* ---- run ---- */

int loop_run(void)
{
    return uv_run(L.loop, UV_RUN_DEFAULT);
}

static void close_walk_cb(uv_handle_t *h, void *arg)
{
    UNUSED(arg);
    if (!uv_is_closing(h)) uv_close(h, NULL);
}

void loop_stop(void)
{
    loop_unwatch_all();
    uv_walk(L.loop, close_walk_cb, NULL);
    uv_stop(L.loop);
}
