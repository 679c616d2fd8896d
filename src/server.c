/* server.c -- the rpc peer: frames in, commands run, replies out.
 *
 * Two ways in (SPEC §4): a msgpack-rpc request [0, id, "rapport.<cmd>",
 * [params]] answered by a response, and the non-blocking pattern Neovim uses:
 * a notification "rapport.request" [id, method, params] answered by an
 * `nvim_exec_lua` notification that calls client.on_reply(id, err, result).
 * Commands marked CMD_ASYNC run on the thread pool; everything else runs on
 * the loop thread and must be quick. Bad frames get an error reply when they
 * carry a request id; a corrupt stream is logged and ends the helper cleanly.
 */
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "rpc.h"
#include "util.h"
#include "watch.h"

typedef struct {
    uint32_t id;
    server_reply_cb cb;
    void *ud;
} pending_t;

/* Where a command's answer goes. */
typedef struct {
    int lua;            /* 1: on_reply notification; 0: rpc response */
    uint32_t rpc_id;
    json_t *lua_id;     /* the client's id, echoed back as is */
} reply_to;

static struct {
    cmd_ctx *ctx;
    rpc_reader rd;
    uint32_t next_id;
    VEC(pending_t) pending;
    int exit_code;
    int done;
    int closing;              /* server_detach: nothing more is sent */
    int index_ready;          /* the watcher's first index run has finished */
    VEC(struct job *) waiting; /* queries that arrived before it */
} S;

static void send_buf(buf_t *b)
{
    if (!S.closing) loop_write(b->data, b->len);
    buf_free(b);
}

void server_request(const char *method, json_t *params, server_reply_cb cb, void *ud)
{
    buf_t b = {0};
    uint32_t id = S.next_id++;
    rpc_encode_request(&b, id, method, params);
    json_decref(params);
    pending_t p = {id, cb, ud};
    VEC_PUSH(&S.pending, p);
    send_buf(&b);
}

void server_notify(const char *method, json_t *params)
{
    buf_t b = {0};
    rpc_encode_notification(&b, method, params);
    json_decref(params);
    send_buf(&b);
}

void server_call_lua(const char *fn, json_t *args)
{
    char *code = xasprintf("return require('rapport.client').%s(...)", fn);
    server_notify("nvim_exec_lua", json_pack("[so]", code, args));
    free(code);
}

static void reply(reply_to *to, int code, const char *msg, json_t *result)
{
    json_t *err = code ? rpc_error(code, msg) : json_null();
    if (!result) result = json_null();
    if (to->lua) {
        server_call_lua("on_reply", json_pack("[OOO]", to->lua_id, err, result));
    } else {
        buf_t b = {0};
        rpc_encode_response(&b, to->rpc_id, err, result);
        send_buf(&b);
    }
    json_decref(err);
    json_decref(result);
    json_decref(to->lua_id);
    to->lua_id = NULL;
}

/* ---- running commands ---- */

typedef struct job {
    const cmd_def *def;
    json_t *params;
    reply_to to;
    int code;
    json_t *result;
    char err[512];
} job_t;

static void job_run(void *arg)
{
    job_t *j = arg;
    j->err[0] = '\0';
    j->result = NULL;
    j->code = j->def->fn(S.ctx, j->params, &j->result, j->err, sizeof(j->err));
    if (j->code && !j->err[0]) snprintf(j->err, sizeof(j->err), "%s failed", j->def->name);
}

static void job_done(void *arg)
{
    job_t *j = arg;
    if (j->code) {
        json_decref(j->result);
        j->result = NULL;
    }
    if (j->code == 0 && S.ctx->warnings && json_is_object(j->result))
        json_object_set(j->result, "warnings", S.ctx->warnings);
    json_decref(S.ctx->warnings);
    S.ctx->warnings = NULL;
    reply(&j->to, j->code, j->err, j->result);
    json_decref(j->params);
    free(j);
    if (S.ctx->index_changed) {
        S.ctx->index_changed = 0;
        watch_push_cache(S.ctx);
    }
}

/* `rapport.peer`: the helper calls back into Neovim (nvim_get_api_info) and
 * answers with what it learnt, proving the channel works both ways
 * (:checkhealth uses it; live features rely on the same path). */
static void peer_reply(void *ud, json_t *error, json_t *result)
{
    reply_to *to = ud;
    if (!json_is_null(error) || !json_is_array(result) || json_array_size(result) < 2) {
        reply(to, RPC_EIO, "Neovim did not answer nvim_get_api_info", NULL);
    } else {
        json_t *info = json_array_get(result, 1);
        json_t *ver = json_object_get(info, "version");
        reply(to, 0, NULL,
              json_pack("{s:O, s:O}", "channel", json_array_get(result, 0), "api_level",
                        json_is_object(ver) ? json_object_get(ver, "api_level") : json_null()));
    }
    free(to);
}

static void start_job(job_t *j)
{
    if (j->def->flags & CMD_ASYNC) {
        loop_work(job_run, job_done, j);
    } else {
        job_run(j);
        job_done(j);
    }
}

static void dispatch(const char *method, json_t *params, reply_to to)
{
    const cmd_def *def = NULL;
    if (strcmp(method, "rapport.peer") == 0) {
        reply_to *held = xmalloc(sizeof(*held));
        *held = to;
        server_request("nvim_get_api_info", json_array(), peer_reply, held);
        return;
    }
    if (strncmp(method, "rapport.", 8) == 0) def = cmd_lookup(method + 8);
    if (!def) {
        char *m = xasprintf("unknown method '%s'", method);
        reply(&to, RPC_EMETHOD, m, NULL);
        free(m);
        return;
    }
    /* The one parameter is a map (or nothing). */
    json_t *p = NULL;
    if (json_is_array(params) && json_array_size(params) > 0) p = json_array_get(params, 0);
    if (json_is_array(params) && json_array_size(params) > 1) {
        reply(&to, RPC_EMETHOD, "bad parameters: expected one map", NULL);
        return;
    }
    if (p && json_is_null(p)) p = NULL;
    if (p && !json_is_object(p)) {
        reply(&to, RPC_EMETHOD, "bad parameters: expected a map", NULL);
        return;
    }
    job_t *j = xcalloc(1, sizeof(*j));
    j->def = def;
    j->params = p ? json_incref(p) : json_object();
    j->to = to;
    if ((def->flags & CMD_FRESH) && !S.index_ready) {
        /* Right after start the index may be empty: answer once it is built. */
        VEC_PUSH(&S.waiting, j);
        return;
    }
    start_job(j);
}

void server_index_ready(void)
{
    if (S.index_ready) return;
    S.index_ready = 1;
    for (size_t i = 0; i < S.waiting.len; i++) start_job(S.waiting.items[i]);
    VEC_FREE(&S.waiting);
}

static void on_message(rpc_msg *m)
{
    if (m->kind == RPC_REQUEST) {
        reply_to to = {0, m->id, NULL};
        dispatch(m->method, m->params, to);
    } else if (m->kind == RPC_NOTIFICATION) {
        if (strcmp(m->method, "rapport.request") != 0) {
            fprintf(stderr, "rapport: ignored notification '%s'\n", m->method);
            return;
        }
        json_t *a = m->params;
        if (json_array_size(a) < 2 || json_array_size(a) > 3 ||
            !json_is_string(json_array_get(a, 1))) {
            fprintf(stderr, "rapport: rapport.request needs [id, method, params]\n");
            return;
        }
        reply_to to = {1, 0, json_incref(json_array_get(a, 0))};
        json_t *params = json_array_size(a) == 3 ? json_pack("[O]", json_array_get(a, 2))
                                                 : json_array();
        dispatch(json_string_value(json_array_get(a, 1)), params, to);
        json_decref(params);
    } else {
        for (size_t i = 0; i < S.pending.len; i++) {
            if (S.pending.items[i].id != m->id) continue;
            pending_t p = S.pending.items[i];
            S.pending.items[i] = S.pending.items[--S.pending.len];
            if (p.cb) p.cb(p.ud, m->error, m->result);
            return;
        }
        fprintf(stderr, "rapport: response to unknown request %u\n", m->id);
    }
}

static void finish(int code)
{
    if (S.done) return;
    S.done = 1;
    S.exit_code = code;
    loop_stop();
}

void server_feed(const char *data, size_t len)
{
    if (S.done) return;
    rpc_feed(&S.rd, data, len);
    for (;;) {
        rpc_msg m;
        char err[256];
        uint32_t id;
        int rc = rpc_next(&S.rd, &m, err, sizeof(err), &id);
        if (rc == RPC_NEED_MORE) break;
        if (rc == RPC_MESSAGE) {
            on_message(&m);
            rpc_msg_free(&m);
        } else if (rc == RPC_BAD_MESSAGE) {
            fprintf(stderr, "rapport: bad rpc message: %s\n", err);
            if (id != UINT32_MAX) {
                reply_to to = {0, id, NULL};
                char *msg = xasprintf("bad parameters: %s", err);
                reply(&to, RPC_EMETHOD, msg, NULL);
                free(msg);
            }
        } else {
            /* A corrupt stream cannot be resynchronised: say so and stop. */
            fprintf(stderr, "rapport: bad rpc stream: %s; closing\n", err);
            server_notify("nvim_exec_lua",
                          json_pack("[s[s]]",
                                    "local ok, c = pcall(require, 'rapport.client') "
                                    "if ok and c.on_helper_error then c.on_helper_error(...) end",
                                    err));
            finish(1);
            return;
        }
    }
}

static void on_read(void *ud, const char *data, size_t len)
{
    UNUSED(ud);
    server_feed(data, len);
}

static void on_eof(void *ud)
{
    UNUSED(ud);
    finish(0);
}

void server_attach(cmd_ctx *c)
{
    memset(&S, 0, sizeof(S));
    S.ctx = c;
    S.next_id = 1;
    rpc_reader_init(&S.rd);
}

void server_detach(void)
{
    /* Requests to the peer that will never be answered now: each callback
     * gets an error, so what it holds is released. */
    S.closing = 1;
    json_t *gone = rpc_error(RPC_EIO, "the helper is stopping");
    while (S.pending.len) {
        pending_t p = S.pending.items[--S.pending.len];
        if (p.cb) p.cb(p.ud, gone, json_null());
    }
    json_decref(gone);
    for (size_t i = 0; i < S.waiting.len; i++) {
        json_decref(S.waiting.items[i]->params);
        json_decref(S.waiting.items[i]->to.lua_id);
        free(S.waiting.items[i]);
    }
    VEC_FREE(&S.waiting);
    rpc_reader_free(&S.rd);
    VEC_FREE(&S.pending);
}

int server_run(cmd_ctx *c)
{
    server_attach(c);
    if (loop_stdin(on_read, on_eof, NULL) < 0) {
        fprintf(stderr, "rapport: cannot read stdin\n");
        return 1;
    }
    char err[512];
    if (cmd_open(c, err, sizeof(err)) == 0) {
        watch_start(c, 60);
    } else {
        fprintf(stderr, "rapport: cannot open the index: %s\n", err);
        server_index_ready(); /* answer (with errors) rather than wait */
    }
    loop_run();
    loop_run(); /* let closing handles finish */
    int code = S.exit_code;
    server_detach();
    cmd_close(c);
    return code;
}
