/* fuzz_rpc.c -- libFuzzer harness for the rpc framing: arbitrary bytes, fed
 * in pieces whose sizes come from the input itself, must never crash, leak
 * or allocate beyond the frame limit; every decoded message re-encodes. */
#include <stddef.h>
#include <stdint.h>

#include "rpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rpc_reader r;
    rpc_reader_init(&r);
    r.max_frame = 1u << 20;
    size_t off = 0, step = size ? (size_t)data[0] % 17 + 1 : 1;
    int dead = 0;
    while (off < size && !dead) {
        size_t n = size - off < step ? size - off : step;
        rpc_feed(&r, (const char *)data + off, n);
        off += n;
        for (;;) {
            rpc_msg m;
            char err[256];
            uint32_t id;
            int rc = rpc_next(&r, &m, err, sizeof(err), &id);
            if (rc == RPC_MESSAGE) {
                buf_t b = {0};
                if (m.kind == RPC_REQUEST) rpc_encode_request(&b, m.id, m.method, m.params);
                else if (m.kind == RPC_NOTIFICATION) rpc_encode_notification(&b, m.method, m.params);
                else rpc_encode_response(&b, m.id, m.error, m.result);
                buf_free(&b);
                rpc_msg_free(&m);
                continue;
            }
            if (rc == RPC_BAD_FRAME) dead = 1;
            if (rc != RPC_BAD_MESSAGE) break;
        }
    }
    rpc_reader_free(&r);
    return 0;
}
