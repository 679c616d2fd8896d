/* rpc.h -- msgpack-rpc framing (pure over bytes: no handles, no I/O).
 *
 * Bytes arrive in arbitrary pieces; rpc_feed() appends them to a bounded
 * buffer and hands out whole messages. Every frame is pre-scanned before
 * msgpack-c sees it (FACTS.md: msgpack-c trusts container counts and
 * allocates for them): each str/bin/ext length and each container count is
 * checked against the frame limit and the nesting depth is bounded, so a
 * hostile header costs nothing. Messages are decoded into jansson values
 * (the value type shared with the CLI's JSON output) and encoded back.
 */
#ifndef RAPPORT_RPC_H
#define RAPPORT_RPC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define RPC_MAX_FRAME (64u << 20) /* 64 MiB: a whole 8 MiB note plus room */
#define RPC_MAX_DEPTH 32

enum rpc_kind { RPC_REQUEST = 0, RPC_RESPONSE = 1, RPC_NOTIFICATION = 2 };

/* Error codes of SPEC §4. */
enum rpc_code {
    RPC_OK = 0,
    RPC_EINPUT = 1,   /* bad input */
    RPC_EMETHOD = 2,  /* unknown method or bad parameters */
    RPC_ENOTFOUND = 3,
    RPC_ECONFLICT = 4,
    RPC_EIO = 5,
};

typedef struct {
    int kind;          /* enum rpc_kind */
    uint32_t id;       /* requests and responses */
    char *method;      /* requests and notifications */
    json_t *params;    /* requests and notifications: an array */
    json_t *error;     /* responses: null or [code, message] (or what the peer sent) */
    json_t *result;    /* responses */
} rpc_msg;

typedef struct {
    buf_t in;          /* bytes received; in.data[start..len) not yet consumed */
    size_t start;
    size_t max_frame;
} rpc_reader;

/* Results of rpc_next(). */
enum { RPC_NEED_MORE = 0, RPC_MESSAGE = 1, RPC_BAD_FRAME = -1, RPC_BAD_MESSAGE = -2 };

void rpc_reader_init(rpc_reader *r);
void rpc_reader_free(rpc_reader *r);
void rpc_feed(rpc_reader *r, const char *data, size_t len);

/* Takes the next message out of the buffer.
 * RPC_MESSAGE: *msg is filled (free with rpc_msg_free).
 * RPC_NEED_MORE: wait for more bytes.
 * RPC_BAD_MESSAGE: a well-formed frame that is not a valid rpc message; it is
 *   consumed; `err` says why and *id is the request id when one could be read
 *   (else UINT32_MAX) so the caller can answer with an error.
 * RPC_BAD_FRAME: the stream is corrupt (invalid msgpack, over the limits);
 *   nothing can be resynchronised: the caller reports and closes. */
int rpc_next(rpc_reader *r, rpc_msg *msg, char *err, size_t errlen, uint32_t *id);
void rpc_msg_free(rpc_msg *msg);

/* Pre-scan: checks one msgpack object at p[0..n). Returns the object's byte
 * length when it is complete and within limits, 0 when more bytes are
 * needed, -1 when invalid or over the limits (message in err). */
long rpc_prescan(const unsigned char *p, size_t n, size_t max_frame, int max_depth, char *err,
                 size_t errlen);

/* Encoders: append one message to `out`. `error` may be NULL (nil). */
void rpc_encode_request(buf_t *out, uint32_t id, const char *method, json_t *params);
void rpc_encode_response(buf_t *out, uint32_t id, json_t *error, json_t *result);
void rpc_encode_notification(buf_t *out, const char *method, json_t *params);

/* The error value [code, message]. */
json_t *rpc_error(int code, const char *message);

#endif
