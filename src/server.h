/* server.h -- the msgpack-rpc peer on stdin/stdout (`rapport rpc`). */
#ifndef RAPPORT_SERVER_H
#define RAPPORT_SERVER_H

#include <jansson.h>

#include "cmd.h"

/* Called with the peer's answer to one of our requests (error is JSON null
 * on success). The values are borrowed. */
typedef void (*server_reply_cb)(void *ud, json_t *error, json_t *result);

/* Serves until stdin reaches EOF; returns the process exit code. */
int server_run(cmd_ctx *c);

/* The parts of server_run without stdin, the watcher or the loop, for the
 * dispatch fuzzer: attach to a context, feed bytes as if read from stdin
 * (replies go to loop_write), detach (pending requests to the peer get an
 * error, held queries are dropped). */
void server_attach(cmd_ctx *c);
void server_feed(const char *data, size_t len);
void server_detach(void);

/* Sends a request to the peer (Neovim); `params` is stolen. */
void server_request(const char *method, json_t *params, server_reply_cb cb, void *ud);
/* Sends a notification; `params` is stolen. */
void server_notify(const char *method, json_t *params);
/* The first index run finished (watch.c): queries held until then run. */
void server_index_ready(void);

/* Calls a function of the Lua client: require("rapport.client")[fn](args...). */
void server_call_lua(const char *fn, json_t *args);

#endif
