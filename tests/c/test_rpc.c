/* test_rpc.c -- msgpack-rpc framing: split frames, several per read,
 * garbage, hostile counts and sizes, bad messages. */
#include <msgpack.h>

#include "rpc.h"
#include "test.h"

static void encode_hello(buf_t *b, uint32_t id)
{
    json_t *p = json_pack("[{s:s}]", "k", "v");
    rpc_encode_request(b, id, "rapport.hello", p);
    json_decref(p);
}

static void test_roundtrip(void)
{
    buf_t b = {0};
    encode_hello(&b, 7);
    rpc_reader r;
    rpc_reader_init(&r);
    rpc_feed(&r, b.data, b.len);
    rpc_msg m;
    char err[256];
    uint32_t id;
    ASSERT_EQ(RPC_MESSAGE, rpc_next(&r, &m, err, sizeof(err), &id));
    ASSERT_EQ(RPC_REQUEST, m.kind);
    ASSERT_EQ(7, m.id);
    ASSERT_STR_EQ("rapport.hello", m.method);
    ASSERT_STR_EQ("v", json_string_value(json_object_get(json_array_get(m.params, 0), "k")));
    rpc_msg_free(&m);
    ASSERT_EQ(RPC_NEED_MORE, rpc_next(&r, &m, err, sizeof(err), &id));
    rpc_reader_free(&r);
    buf_free(&b);
}

static void test_split_every_byte(void)
{
    buf_t b = {0};
    encode_hello(&b, 1);
    encode_hello(&b, 2);
    rpc_reader r;
    rpc_reader_init(&r);
    int got = 0;
    for (size_t i = 0; i < b.len; i++) {
        rpc_feed(&r, b.data + i, 1);
        rpc_msg m;
        char err[256];
        uint32_t id;
        int rc;
        while ((rc = rpc_next(&r, &m, err, sizeof(err), &id)) == RPC_MESSAGE) {
            got++;
            ASSERT_EQ(got, m.id);
            rpc_msg_free(&m);
        }
        ASSERT_EQ(RPC_NEED_MORE, rc);
    }
    ASSERT_EQ(2, got);
    rpc_reader_free(&r);
    buf_free(&b);
}

static void test_many_in_one_read(void)
{
    buf_t b = {0};
    for (uint32_t i = 0; i < 1000; i++) encode_hello(&b, i);
    rpc_reader r;
    rpc_reader_init(&r);
    rpc_feed(&r, b.data, b.len);
    rpc_msg m;
    char err[256];
    uint32_t id, n = 0;
    while (rpc_next(&r, &m, err, sizeof(err), &id) == RPC_MESSAGE) {
        ASSERT_EQ(n, m.id);
        n++;
        rpc_msg_free(&m);
    }
    ASSERT_EQ(1000, n);
    rpc_reader_free(&r);
    buf_free(&b);
}

static long scan(const char *bytes, size_t n)
{
    char err[256];
    return rpc_prescan((const unsigned char *)bytes, n, RPC_MAX_FRAME, RPC_MAX_DEPTH, err, sizeof(err));
}

static void test_prescan_hostile_counts(void)
{
    /* array32 of 2^20: needs more bytes, never an allocation */
    ASSERT_EQ(0, scan("\xdd\x00\x10\x00\x00", 5));
    /* array32 of 2^27 (FACTS.md): more elements than a frame can hold */
    ASSERT_EQ(-1, scan("\xdd\x08\x00\x00\x00", 5));
    /* array32 of 2^32-1: over the frame limit */
    ASSERT_EQ(-1, scan("\xdd\xff\xff\xff\xff", 5));
    /* map32 of 2^31: 2^32 children, over the limit */
    ASSERT_EQ(-1, scan("\xdf\x80\x00\x00\x00", 5));
    /* str32 of 4 GiB */
    ASSERT_EQ(-1, scan("\xdb\xff\xff\xff\xff", 5));
    /* bin32 of 2^30: over the 64 MiB frame limit */
    ASSERT_EQ(-1, scan("\xc6\x40\x00\x00\x00", 5));
    /* the never-used byte */
    ASSERT_EQ(-1, scan("\xc1", 1));
    /* complete small objects */
    ASSERT_EQ(1, scan("\xc0", 1));
    ASSERT_EQ(3, scan("\x92\x01\x02", 3));
    ASSERT_EQ(0, scan("\x92\x01", 2));
}

static void test_prescan_depth(void)
{
    char deep[100];
    memset(deep, 0x91, sizeof(deep)); /* [[[[...]]]] */
    ASSERT_EQ(-1, scan(deep, sizeof(deep)));
    char ok[RPC_MAX_DEPTH + 1];
    memset(ok, 0x91, RPC_MAX_DEPTH);
    ok[RPC_MAX_DEPTH] = (char)0xc0;
    ASSERT_EQ(RPC_MAX_DEPTH + 1, scan(ok, sizeof(ok)));
}

static void test_bad_message_keeps_stream(void)
{
    /* [0, 5, 42, []]: method is not a string -> bad message with the id, then a good one */
    rpc_reader r;
    rpc_reader_init(&r);
    rpc_feed(&r, "\x94\x00\x05\x2a\x90", 5);
    buf_t b = {0};
    encode_hello(&b, 6);
    rpc_feed(&r, b.data, b.len);
    rpc_msg m;
    char err[256];
    uint32_t id;
    ASSERT_EQ(RPC_BAD_MESSAGE, rpc_next(&r, &m, err, sizeof(err), &id));
    ASSERT_EQ(5, id);
    ASSERT_EQ(RPC_MESSAGE, rpc_next(&r, &m, err, sizeof(err), &id));
    ASSERT_EQ(6, m.id);
    rpc_msg_free(&m);
    /* not an array */
    rpc_feed(&r, "\x2a", 1);
    ASSERT_EQ(RPC_BAD_MESSAGE, rpc_next(&r, &m, err, sizeof(err), &id));
    ASSERT_EQ(UINT32_MAX, id);
    /* invalid UTF-8 in a string parameter */
    rpc_feed(&r, "\x94\x00\x09\xa1m\x91\xa2\xff\xfe", 9);
    ASSERT_EQ(RPC_BAD_MESSAGE, rpc_next(&r, &m, err, sizeof(err), &id));
    ASSERT_EQ(9, id);
    rpc_reader_free(&r);
    buf_free(&b);
}

static void test_garbage_is_bad_frame(void)
{
    rpc_reader r;
    rpc_reader_init(&r);
    rpc_feed(&r, "\xc1\x00\x00", 3);
    rpc_msg m;
    char err[256];
    uint32_t id;
    ASSERT_EQ(RPC_BAD_FRAME, rpc_next(&r, &m, err, sizeof(err), &id));
    ASSERT(strstr(err, "0xc1") != NULL);
    rpc_reader_free(&r);
}

static void test_oversized_frame(void)
{
    rpc_reader r;
    rpc_reader_init(&r);
    r.max_frame = 1024;
    /* [0, 1, "m", [bin of 2000]] arrives in pieces: rejected from its header */
    rpc_feed(&r, "\x94\x00\x01\xa1m\x91\xc5\x07\xd0", 9);
    rpc_msg m;
    char err[256];
    uint32_t id;
    ASSERT_EQ(RPC_BAD_FRAME, rpc_next(&r, &m, err, sizeof(err), &id));
    ASSERT(strstr(err, "larger") != NULL);
    rpc_reader_free(&r);
}

static void test_random_bytes_never_crash(void)
{
    unsigned x = 12345;
    for (int round = 0; round < 2000; round++) {
        rpc_reader r;
        rpc_reader_init(&r);
        char bytes[256];
        size_t n = (size_t)(round % 255) + 1;
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            bytes[i] = (char)(x >> 16);
        }
        rpc_feed(&r, bytes, n);
        for (;;) {
            rpc_msg m;
            char err[256];
            uint32_t id;
            int rc = rpc_next(&r, &m, err, sizeof(err), &id);
            if (rc == RPC_MESSAGE) rpc_msg_free(&m);
            if (rc == RPC_NEED_MORE || rc == RPC_BAD_FRAME) break;
        }
        rpc_reader_free(&r);
    }
    ASSERT(1);
}

static void test_response_and_ext(void)
{
    /* [1, 3, nil, ext(0, int 5)]: Neovim's Buffer handle surfaces as 5 */
    rpc_reader r;
    rpc_reader_init(&r);
    rpc_feed(&r, "\x94\x01\x03\xc0\xd4\x00\x05", 7);
    rpc_msg m;
    char err[256];
    uint32_t id;
    ASSERT_EQ(RPC_MESSAGE, rpc_next(&r, &m, err, sizeof(err), &id));
    ASSERT_EQ(RPC_RESPONSE, m.kind);
    ASSERT_EQ(3, m.id);
    ASSERT(json_is_null(m.error));
    ASSERT_EQ(5, json_integer_value(m.result));
    rpc_msg_free(&m);
    /* fuzz_rpc: an ext whose payload is an array32 header claiming 2^32-1
     * elements made msgpack-c ask for 64 GiB; it is null now, and so is an
     * ext holding anything but one scalar. */
    rpc_feed(&r, "\x94\x01\x04\xc0\xc7\x05\x00\xdd\xff\xff\xff\xff", 12);
    ASSERT_EQ(RPC_MESSAGE, rpc_next(&r, &m, err, sizeof(err), &id));
    ASSERT_EQ(4, m.id);
    ASSERT(json_is_null(m.result));
    rpc_msg_free(&m);
    rpc_feed(&r, "\x94\x01\x05\xc0\xd5\x00\x91\x01", 8);
    ASSERT_EQ(RPC_MESSAGE, rpc_next(&r, &m, err, sizeof(err), &id));
    ASSERT(json_is_null(m.result));
    rpc_msg_free(&m);
    rpc_reader_free(&r);
}

static void test_empty_strings(void)
{
    /* [0, 4, "m", [{"k": ""}]]: an empty string value is a valid parameter;
     * [0, 5, "", []]: an empty method name is a bad message, not a crash. */
    rpc_reader r;
    rpc_reader_init(&r);
    rpc_feed(&r, "\x94\x00\x04\xa1m\x91\x81\xa1k\xa0", 10);
    rpc_feed(&r, "\x94\x00\x05\xa0\x90", 5);
    rpc_msg m;
    char err[256];
    uint32_t id;
    ASSERT_EQ(RPC_MESSAGE, rpc_next(&r, &m, err, sizeof(err), &id));
    ASSERT_STR_EQ("", json_string_value(json_object_get(json_array_get(m.params, 0), "k")));
    rpc_msg_free(&m);
    ASSERT_EQ(RPC_BAD_MESSAGE, rpc_next(&r, &m, err, sizeof(err), &id));
    ASSERT_EQ(5, id);
    rpc_reader_free(&r);
}

int main(void)
{
    RUN(test_empty_strings);
    RUN(test_roundtrip);
    RUN(test_split_every_byte);
    RUN(test_many_in_one_read);
    RUN(test_prescan_hostile_counts);
    RUN(test_prescan_depth);
    RUN(test_bad_message_keeps_stream);
    RUN(test_garbage_is_bad_frame);
    RUN(test_oversized_frame);
    RUN(test_random_bytes_never_crash);
    RUN(test_response_and_ext);
    TEST_END();
}
