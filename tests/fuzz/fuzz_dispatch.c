/* fuzz_dispatch.c -- libFuzzer harness for the whole rpc way in: bytes as
 * if read from Neovim's pipe go through the server (framing, request and
 * notification shapes, method lookup, parameter checks) into the real
 * commands, over a copy of the demo vault and its index. Every byte the
 * helper sends back must decode as well-formed msgpack-rpc.
 *
 * The loop and the watcher are replaced by the stubs below: work meant for
 * the thread pool runs at once, writes are decoded and checked. Commands
 * may write notes (tag add, capture, ...): the vault is put back from the
 * demo every RESET inputs, so it cannot grow without bound.
 *
 * Run from the repository root (tests/fuzz/run.sh does). The vault lives in
 * /dev/shm when there is one, so the fsyncs of writes cost little.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "loop.h"
#include "rpc.h"
#include "server.h"
#include "util.h"
#include "watch.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { RESET = 512 };

static cmd_ctx ctx;
static char root[256];
static unsigned long inputs;

/* ---- stubs for loop.c and watch.c ---- */

void loop_write(const char *data, size_t len)
{
    rpc_reader r;
    rpc_reader_init(&r);
    rpc_feed(&r, data, len);
    rpc_msg m;
    char err[256];
    uint32_t id;
    int rc = rpc_next(&r, &m, err, sizeof(err), &id);
    if (rc != RPC_MESSAGE) {
        fprintf(stderr, "fuzz_dispatch: the helper sent a bad frame (%d): %s\n", rc, err);
        abort();
    }
    /* Responses, and requests or notifications to Neovim's own API. */
    if (m.kind != RPC_RESPONSE && strncmp(m.method, "nvim_", 5) != 0) {
        fprintf(stderr, "fuzz_dispatch: the helper called '%s'\n", m.method);
        abort();
    }
    rpc_msg_free(&m);
    if (rpc_next(&r, &m, err, sizeof(err), &id) != RPC_NEED_MORE) {
        fprintf(stderr, "fuzz_dispatch: one write held more than one message\n");
        abort();
    }
    rpc_reader_free(&r);
}

void loop_work(loop_fn work, loop_fn done, void *arg)
{
    work(arg);
    done(arg);
}

void loop_stop(void) {}
int loop_stdin(loop_read_cb on_read, loop_eof_cb on_eof, void *ud)
{
    UNUSED(on_read), UNUSED(on_eof), UNUSED(ud);
    return -1;
}
int loop_run(void) { return 0; }
void watch_start(cmd_ctx *c, unsigned rescan_seconds) { UNUSED(c), UNUSED(rescan_seconds); }
void watch_push_cache(cmd_ctx *c) { UNUSED(c); }

/* ---- the vault ---- */

static void run(const char *cmd)
{
    if (system(cmd) != 0) {
        fprintf(stderr, "fuzz_dispatch: failed: %s\n", cmd);
        exit(1);
    }
}

static void fresh_vault(void)
{
    char cmd[800];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s/vault' && cp -R demo '%s/vault'", root, root);
    run(cmd);
    char err[512];
    ctx.rpc = 0; /* the CLI's freshness walk brings the index up to date */
    if (cmd_fresh(&ctx, err, sizeof(err)) != 0) {
        fprintf(stderr, "fuzz_dispatch: index: %s\n", err);
        exit(1);
    }
    ctx.rpc = 1;
}

static void remove_root(void)
{
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    if (system(cmd) != 0) fprintf(stderr, "fuzz_dispatch: could not remove %s\n", root);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    UNUSED(argc), UNUSED(argv);
    struct stat st;
    const char *base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
    snprintf(root, sizeof(root), "%s/rapport-fuzz-XXXXXX", base);
    if (!mkdtemp(root)) {
        perror("mkdtemp");
        exit(1);
    }
    char *vault = xasprintf("%s/vault", root);
    ctx.vault = vault;
    ctx.db_path = xasprintf("%s/index.db", root);
    memcpy(ctx.today, "2026-11-23", 11);
    atexit(remove_root);
    fresh_vault();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (++inputs % RESET == 0) fresh_vault();
    json_decref(ctx.settings); /* rapport.configure from an earlier input */
    ctx.settings = NULL;
    server_attach(&ctx);
    server_index_ready();
    server_feed((const char *)data, size);
    server_detach();
    return 0;
}
