/* util.h -- small shared helpers: allocation, growable buffers, vectors, UTF-8. */
#ifndef RAPPORT_UTIL_H
#define RAPPORT_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define RAPPORT_VERSION "0.1.0"
#define RAPPORT_PROTOCOL 1

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define UNUSED(x) ((void)(x))

/* Out-of-memory aborts with a message: callers never see NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Writes a one-line error message into err[0..errlen) (err may be NULL). */
void seterr(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Growable byte buffer; `data` is always NUL-terminated when len > 0 or
 * after buf_cstr(). */
typedef struct {
    char *data;
    size_t len, cap;
} buf_t;

void buf_reserve(buf_t *b, size_t extra);
void buf_add(buf_t *b, const void *p, size_t n);
void buf_adds(buf_t *b, const char *s);
void buf_addc(buf_t *b, char c);
void buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *buf_cstr(buf_t *b);
void buf_free(buf_t *b);

/* Typed vector: VEC(int) v = {0}; VEC_PUSH(&v, 3); */
#define VEC(T) struct { T *items; size_t len, cap; }
#define VEC_PUSH(v, x)                                                        \
    do {                                                                      \
        if ((v)->len == (v)->cap) {                                           \
            (v)->cap = (v)->cap ? (v)->cap * 2 : 8;                           \
            (v)->items = xrealloc((v)->items, (v)->cap * sizeof(*(v)->items)); \
        }                                                                     \
        (v)->items[(v)->len++] = (x);                                         \
    } while (0)
#define VEC_FREE(v) (free((v)->items), (v)->items = NULL, (v)->len = (v)->cap = 0)

/* UTF-8: returns 1 when s[0..n) is valid UTF-8 (no overlongs, no surrogates). */
int utf8_valid(const char *s, size_t n);
/* Decodes one code point at s (n bytes available); returns its length (>= 1)
 * and stores the code point, or returns 0 for an invalid sequence. */
int utf8_decode(const char *s, size_t n, uint32_t *cp);

/* ASCII lowercase copy / in place. */
char *ascii_lower_dup(const char *s, size_t n);
void ascii_lower(char *s);
int ascii_casecmp(const char *a, const char *b);
int ascii_ncasecmp(const char *a, const char *b, size_t n);

/* "YYYY-MM-DD" checks and day arithmetic (proleptic Gregorian, UTC-free). */
int date_valid(const char *s, size_t n);
long date_to_days(const char *ymd);            /* days since 1970-01-01 */
void date_from_days(long days, char out[11]);  /* writes "YYYY-MM-DD" */

/* Monotonic clock in nanoseconds. */
uint64_t now_ns(void);

#endif
