/* rpc.c -- msgpack-rpc framing and message <-> jansson conversion.
 *
 * Invariants:
 *  - msgpack-c only ever sees a frame that rpc_prescan() accepted, so every
 *    container count and length it reads is backed by bytes in the buffer and
 *    nesting is at most RPC_MAX_DEPTH.
 *  - The input buffer never holds more than max_frame bytes of one frame:
 *    a frame that claims more is rejected before it is buffered whole.
 */
#include "rpc.h"

#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t be(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v = (v << 8) | p[i];
    return v;
}

/* Header of the object at p (n >= 1 bytes): its header length, payload length
 * and child count. Returns -1 for the never-used byte 0xc1. `need` is set
 * when the header itself is not complete. */
static int header(const unsigned char *p, size_t n, size_t *hdr, uint64_t *payload,
                  uint64_t *children, int *need)
{
    unsigned char b = p[0];
    *hdr = 1, *payload = 0, *children = 0, *need = 0;
    if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) return 0;
    if (b >= 0x80 && b <= 0x8f) return *children = 2 * (uint64_t)(b & 0x0f), 0;
    if (b >= 0x90 && b <= 0x9f) return *children = b & 0x0f, 0;
    if (b >= 0xa0 && b <= 0xbf) return *payload = b & 0x1f, 0;
    int lenbytes = 0, extra = 0, fixed = -1, kind = 0; /* kind 1: payload, 2: array, 3: map */
    switch (b) {
    case 0xc1: return -1;
    case 0xc4: case 0xd9: lenbytes = 1, kind = 1; break;
    case 0xc5: case 0xda: lenbytes = 2, kind = 1; break;
    case 0xc6: case 0xdb: lenbytes = 4, kind = 1; break;
    case 0xc7: lenbytes = 1, extra = 1, kind = 1; break;
    case 0xc8: lenbytes = 2, extra = 1, kind = 1; break;
    case 0xc9: lenbytes = 4, extra = 1, kind = 1; break;
    case 0xca: fixed = 4; break;
    case 0xcb: fixed = 8; break;
    case 0xcc: case 0xd0: fixed = 1; break;
    case 0xcd: case 0xd1: fixed = 2; break;
    case 0xce: case 0xd2: fixed = 4; break;
    case 0xcf: case 0xd3: fixed = 8; break;
    case 0xd4: fixed = 2; break;
    case 0xd5: fixed = 3; break;
    case 0xd6: fixed = 5; break;
    case 0xd7: fixed = 9; break;
    case 0xd8: fixed = 17; break;
    case 0xdc: lenbytes = 2, kind = 2; break;
    case 0xdd: lenbytes = 4, kind = 2; break;
    case 0xde: lenbytes = 2, kind = 3; break;
    case 0xdf: lenbytes = 4, kind = 3; break;
    default: return -1;
    }
    if (fixed >= 0) return *payload = (uint64_t)fixed, 0;
    if (n < 1u + (size_t)lenbytes) return *need = 1, 0;
    uint64_t len = be(p + 1, lenbytes);
    *hdr = 1u + (size_t)lenbytes + (size_t)extra;
    if (kind == 1) *payload = len;
    else if (kind == 2) *children = len;
    else *children = 2 * len;
    return 0;
}

long rpc_prescan(const unsigned char *p, size_t n, size_t max_frame, int max_depth, char *err,
                 size_t errlen)
{
    uint64_t left[RPC_MAX_DEPTH + 2];
    int depth = 0;
    size_t pos = 0;
    if (max_depth > RPC_MAX_DEPTH) max_depth = RPC_MAX_DEPTH;
    left[0] = 1;
    while (depth >= 0) {
        if (left[depth] == 0) {
            depth--;
            continue;
        }
        left[depth]--;
        if (pos >= n) return 0;
        size_t hdr;
        uint64_t payload, children;
        int need;
        if (header(p + pos, n - pos, &hdr, &payload, &children, &need) < 0) {
            snprintf(err, errlen, "invalid msgpack byte 0x%02x at offset %zu", p[pos], pos);
            return -1;
        }
        if (need) return 0;
        if (payload > max_frame || hdr + payload > max_frame - pos) {
            snprintf(err, errlen, "frame larger than %zu bytes", max_frame);
            return -1;
        }
        /* Each child takes at least one byte. */
        if (children > max_frame - pos - hdr - payload) {
            snprintf(err, errlen, "container count %llu over the frame limit",
                     (unsigned long long)children);
            return -1;
        }
        pos += hdr + (size_t)payload;
        if (children) {
            if (depth + 1 > max_depth) {
                snprintf(err, errlen, "nesting deeper than %d", max_depth);
                return -1;
            }
            left[++depth] = children;
        }
    }
    return pos > n ? 0 : (long)pos;
}

void rpc_reader_init(rpc_reader *r)
{
    memset(r, 0, sizeof(*r));
    r->max_frame = RPC_MAX_FRAME;
}

void rpc_reader_free(rpc_reader *r)
{
    buf_free(&r->in);
}

void rpc_feed(rpc_reader *r, const char *data, size_t len)
{
    /* Compact lazily: consumed bytes are dropped before new ones are added. */
    if (r->start) {
        memmove(r->in.data, r->in.data + r->start, r->in.len - r->start);
        r->in.len -= r->start;
        r->start = 0;
    }
    buf_add(&r->in, data, len);
}

/* ---- msgpack_object -> json_t ---- */

static json_t *to_json(const msgpack_object *o, char *err, size_t errlen);

static json_t *ext_to_json(const msgpack_object *o)
{
    /* Neovim's handles (Buffer, Window, Tabpage) are ext types holding a
     * msgpack integer: surface them as that integer. */
    msgpack_unpacked u;
    json_t *v = NULL;
    /* The payload is bytes the frame's prescan did not look into: a
     * container header there would make msgpack-c allocate whatever count it
     * claims (found by fuzz_rpc: 64 GiB). Only a lone scalar is unpacked. */
    char perr[64];
    const unsigned char *ep = (const unsigned char *)o->via.ext.ptr;
    if (o->via.ext.size == 0 ||
        rpc_prescan(ep, o->via.ext.size, o->via.ext.size, 0, perr, sizeof(perr)) != (long)o->via.ext.size)
        return json_null();
    msgpack_unpacked_init(&u);
    if (msgpack_unpack_next(&u, o->via.ext.ptr, o->via.ext.size, NULL) == MSGPACK_UNPACK_SUCCESS) {
        if (u.data.type == MSGPACK_OBJECT_POSITIVE_INTEGER)
            v = json_integer((json_int_t)u.data.via.u64);
        else if (u.data.type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
            v = json_integer((json_int_t)u.data.via.i64);
    }
    msgpack_unpacked_destroy(&u);
    return v ? v : json_null();
}

static json_t *to_json(const msgpack_object *o, char *err, size_t errlen)
{
    switch (o->type) {
    case MSGPACK_OBJECT_NIL: return json_null();
    case MSGPACK_OBJECT_BOOLEAN: return json_boolean(o->via.boolean);
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        return json_integer(o->via.u64 > INT64_MAX ? INT64_MAX : (json_int_t)o->via.u64);
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: return json_integer((json_int_t)o->via.i64);
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: return json_real(o->via.f64);
    case MSGPACK_OBJECT_STR:
    case MSGPACK_OBJECT_BIN: {
        const char *p = o->type == MSGPACK_OBJECT_STR ? o->via.str.ptr : o->via.bin.ptr;
        size_t n = o->type == MSGPACK_OBJECT_STR ? o->via.str.size : o->via.bin.size;
        json_t *s = json_stringn(n ? p : "", n); /* msgpack-c leaves ptr NULL for "" */
        if (!s) snprintf(err, errlen, "string is not valid UTF-8");
        return s;
    }
    case MSGPACK_OBJECT_ARRAY: {
        json_t *a = json_array();
        for (uint32_t i = 0; i < o->via.array.size; i++) {
            json_t *v = to_json(&o->via.array.ptr[i], err, errlen);
            if (!v) return json_decref(a), NULL;
            json_array_append_new(a, v);
        }
        return a;
    }
    case MSGPACK_OBJECT_MAP: {
        json_t *m = json_object();
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            const msgpack_object *k = &o->via.map.ptr[i].key;
            if (k->type != MSGPACK_OBJECT_STR || k->via.str.size == 0 ||
                memchr(k->via.str.ptr, 0, k->via.str.size) ||
                !utf8_valid(k->via.str.ptr, k->via.str.size)) {
                snprintf(err, errlen, "map keys must be non-empty UTF-8 strings");
                return json_decref(m), NULL;
            }
            json_t *v = to_json(&o->via.map.ptr[i].val, err, errlen);
            if (!v) return json_decref(m), NULL;
            char *key = xstrndup(k->via.str.ptr, k->via.str.size);
            json_object_set_new(m, key, v);
            free(key);
        }
        return m;
    }
    case MSGPACK_OBJECT_EXT: return ext_to_json(o);
    }
    snprintf(err, errlen, "unsupported msgpack type");
    return NULL;
}

/* ---- messages ---- */

static int decode(const msgpack_object *o, rpc_msg *msg, char *err, size_t errlen, uint32_t *id)
{
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size < 3 || o->via.array.size > 4) {
        snprintf(err, errlen, "message is not an array of 3 or 4 elements");
        return -1;
    }
    const msgpack_object *a = o->via.array.ptr;
    uint32_t n = o->via.array.size;
    if (a[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER || a[0].via.u64 > 2) {
        snprintf(err, errlen, "message type must be 0, 1 or 2");
        return -1;
    }
    msg->kind = (int)a[0].via.u64;
    if (msg->kind != RPC_NOTIFICATION) {
        if (n != 4 || a[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER || a[1].via.u64 > UINT32_MAX) {
            snprintf(err, errlen, "bad message id");
            return -1;
        }
        msg->id = (uint32_t)a[1].via.u64;
        *id = msg->id;
    } else if (n != 3) {
        snprintf(err, errlen, "a notification has 3 elements");
        return -1;
    }
    if (msg->kind == RPC_RESPONSE) {
        msg->error = to_json(&a[2], err, errlen);
        msg->result = msg->error ? to_json(&a[3], err, errlen) : NULL;
        return msg->error && msg->result ? 0 : -1;
    }
    const msgpack_object *m = &a[n - 2], *p = &a[n - 1];
    if (m->type != MSGPACK_OBJECT_STR && m->type != MSGPACK_OBJECT_BIN) {
        snprintf(err, errlen, "method name must be a string");
        return -1;
    }
    const char *mp = m->type == MSGPACK_OBJECT_STR ? m->via.str.ptr : m->via.bin.ptr;
    size_t mn = m->type == MSGPACK_OBJECT_STR ? m->via.str.size : m->via.bin.size;
    if (mn == 0 || mn > 256 || memchr(mp, 0, mn) || !utf8_valid(mp, mn)) {
        snprintf(err, errlen, "bad method name");
        return -1;
    }
    msg->method = xstrndup(mp, mn);
    if (p->type != MSGPACK_OBJECT_ARRAY) {
        snprintf(err, errlen, "params must be an array");
        return -1;
    }
    msg->params = to_json(p, err, errlen);
    return msg->params ? 0 : -1;
}

int rpc_next(rpc_reader *r, rpc_msg *msg, char *err, size_t errlen, uint32_t *id)
{
    memset(msg, 0, sizeof(*msg));
    *id = UINT32_MAX;
    const char *p = r->in.data + r->start;
    size_t avail = r->in.len - r->start;
    if (avail == 0) return RPC_NEED_MORE;
    long len = rpc_prescan((const unsigned char *)p, avail, r->max_frame, RPC_MAX_DEPTH, err,
                           errlen);
    if (len < 0) return RPC_BAD_FRAME;
    if (len == 0) {
        if (avail >= r->max_frame) {
            snprintf(err, errlen, "frame larger than %zu bytes", r->max_frame);
            return RPC_BAD_FRAME;
        }
        return RPC_NEED_MORE;
    }
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    size_t off = 0;
    int rc = RPC_MESSAGE;
    if (msgpack_unpack_next(&u, p, (size_t)len, &off) != MSGPACK_UNPACK_SUCCESS ||
        off != (size_t)len) {
        snprintf(err, errlen, "invalid msgpack");
        rc = RPC_BAD_FRAME;
    } else if (decode(&u.data, msg, err, errlen, id) < 0) {
        rpc_msg_free(msg);
        rc = RPC_BAD_MESSAGE;
    }
    msgpack_unpacked_destroy(&u);
    if (rc != RPC_BAD_FRAME) r->start += (size_t)len;
    return rc;
}

void rpc_msg_free(rpc_msg *msg)
{
    free(msg->method);
    json_decref(msg->params);
    json_decref(msg->error);
    json_decref(msg->result);
    memset(msg, 0, sizeof(*msg));
}

/* ---- json_t -> msgpack ---- */

static int write_buf(void *data, const char *p, size_t n)
{
    buf_add(data, p, n);
    return 0;
}

static void pack(msgpack_packer *pk, json_t *v)
{
    switch (v ? json_typeof(v) : JSON_NULL) {
    case JSON_NULL: msgpack_pack_nil(pk); break;
    case JSON_TRUE: msgpack_pack_true(pk); break;
    case JSON_FALSE: msgpack_pack_false(pk); break;
    case JSON_INTEGER: msgpack_pack_int64(pk, json_integer_value(v)); break;
    case JSON_REAL: msgpack_pack_double(pk, json_real_value(v)); break;
    case JSON_STRING: {
        size_t n = json_string_length(v);
        msgpack_pack_str(pk, n);
        msgpack_pack_str_body(pk, json_string_value(v), n);
        break;
    }
    case JSON_ARRAY: {
        size_t i;
        json_t *x;
        msgpack_pack_array(pk, json_array_size(v));
        json_array_foreach(v, i, x) pack(pk, x);
        break;
    }
    case JSON_OBJECT: {
        const char *k;
        json_t *x;
        msgpack_pack_map(pk, json_object_size(v));
        json_object_foreach(v, k, x) {
            size_t n = strlen(k);
            msgpack_pack_str(pk, n);
            msgpack_pack_str_body(pk, k, n);
            pack(pk, x);
        }
        break;
    }
    }
}

void rpc_encode_request(buf_t *out, uint32_t id, const char *method, json_t *params)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, write_buf);
    msgpack_pack_array(&pk, 4);
    msgpack_pack_int(&pk, RPC_REQUEST);
    msgpack_pack_uint32(&pk, id);
    msgpack_pack_str(&pk, strlen(method));
    msgpack_pack_str_body(&pk, method, strlen(method));
    pack(&pk, params);
}

void rpc_encode_response(buf_t *out, uint32_t id, json_t *error, json_t *result)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, write_buf);
    msgpack_pack_array(&pk, 4);
    msgpack_pack_int(&pk, RPC_RESPONSE);
    msgpack_pack_uint32(&pk, id);
    pack(&pk, error);
    pack(&pk, result);
}

void rpc_encode_notification(buf_t *out, const char *method, json_t *params)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, write_buf);
    msgpack_pack_array(&pk, 3);
    msgpack_pack_int(&pk, RPC_NOTIFICATION);
    msgpack_pack_str(&pk, strlen(method));
    msgpack_pack_str_body(&pk, method, strlen(method));
    pack(&pk, params);
}

json_t *rpc_error(int code, const char *message)
{
    return json_pack("[is]", code, message);
}
