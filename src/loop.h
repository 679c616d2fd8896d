/* loop.h -- the libuv side of the helper: stdio streams, timers, a work queue
 * and directory watchers. The only module that calls uv_ functions. */
#ifndef RAPPORT_LOOP_H
#define RAPPORT_LOOP_H

#include <stddef.h>

typedef void (*loop_read_cb)(void *ud, const char *data, size_t len);
typedef void (*loop_eof_cb)(void *ud);
typedef void (*loop_fn)(void *arg);
typedef void (*loop_watch_cb)(void *ud, const char *dir, const char *name);

typedef struct loop_timer loop_timer;

void loop_init(void);
/* Starts reading stdin (a pipe, a tty or a regular file: FACTS.md). */
int loop_stdin(loop_read_cb on_read, loop_eof_cb on_eof, void *ud);
/* Queues bytes for stdout (copied). */
void loop_write(const char *data, size_t len);
/* Runs `work` on the thread pool, then `done` on the loop thread. */
void loop_work(loop_fn work, loop_fn done, void *arg);

loop_timer *loop_timer_new(loop_fn cb, void *arg);
void loop_timer_start(loop_timer *t, unsigned long ms, unsigned long repeat_ms);
void loop_timer_stop(loop_timer *t);

/* Wakes the loop thread from any thread: `cb` runs there (sends coalesce). */
typedef struct loop_async loop_async;
loop_async *loop_async_new(loop_fn cb, void *arg);
void loop_async_send(loop_async *a);

/* Watches one directory (not recursive); `name` is the changed entry or NULL. */
int loop_watch(const char *dir, loop_watch_cb cb, void *ud);
void loop_unwatch_all(void);
size_t loop_watch_count(void);

/* Runs until loop_stop() and every handle is closed. */
int loop_run(void);
void loop_stop(void);

#endif
