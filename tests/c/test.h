/* test.h -- a tiny unit-test harness in the libuv style: ASSERT_* print both
 * sides; each test binary ends with "N passed, N failed". */
#ifndef RAPPORT_TEST_H
#define RAPPORT_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_passed, test_failed, test_cur_failed;
static const char *test_cur;

#define TEST_FAIL_AT(...)                                                      \
    do {                                                                       \
        fprintf(stderr, "  FAIL %s (%s:%d): ", test_cur, __FILE__, __LINE__);  \
        fprintf(stderr, __VA_ARGS__);                                          \
        fputc('\n', stderr);                                                   \
        test_cur_failed = 1;                                                   \
    } while (0)

#define ASSERT(c)                                                              \
    do { if (!(c)) { TEST_FAIL_AT("%s", #c); return; } } while (0)
#define ASSERT_EQ(a, b)                                                        \
    do {                                                                       \
        long long _a = (long long)(a), _b = (long long)(b);                    \
        if (_a != _b) { TEST_FAIL_AT("%s == %s: %lld != %lld", #a, #b, _a, _b); return; } \
    } while (0)
#define ASSERT_STR_EQ(a, b)                                                    \
    do {                                                                       \
        const char *_a = (a), *_b = (b);                                       \
        if (!_a || !_b || strcmp(_a, _b) != 0) {                               \
            TEST_FAIL_AT("%s == %s: \"%s\" != \"%s\"", #a, #b,                 \
                         _a ? _a : "(null)", _b ? _b : "(null)");              \
            return;                                                            \
        }                                                                      \
    } while (0)
#define ASSERT_NULL(a)                                                         \
    do { if ((a) != NULL) { TEST_FAIL_AT("%s is not NULL", #a); return; } } while (0)

#define RUN(fn)                                                                \
    do {                                                                       \
        test_cur = #fn;                                                        \
        test_cur_failed = 0;                                                   \
        fn();                                                                  \
        if (test_cur_failed) test_failed++; else test_passed++;                \
    } while (0)

#define TEST_END()                                                             \
    do {                                                                       \
        printf("%d passed, %d failed\n", test_passed, test_failed);            \
        return test_failed ? 1 : 0;                                            \
    } while (0)

#endif
