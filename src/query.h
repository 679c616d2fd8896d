/* query.h -- the tag-query language of `find` (pure: parse + evaluate).
 *
 * Grammar (SPEC §2): terms joined by AND (also juxtaposition), OR, NOT / '-',
 * parentheses; NOT binds tightest, then AND, then OR. Terms: a tag (`risk`,
 * `#risk`; a parent matches its children), `client:ID`, `@person`,
 * `type:TYPE`, `after:DATE`, `before:DATE` (exclusive, by the note's date).
 *
 * Evaluation works on sorted sets of note ids: the caller supplies a function
 * that returns the ids matching one term and the set of all ids; the
 * evaluator combines them. This keeps the module free of storage.
 */
#ifndef RAPPORT_QUERY_H
#define RAPPORT_QUERY_H

#include <stddef.h>
#include <stdint.h>

enum query_term_kind { QT_TAG, QT_CLIENT, QT_PERSON, QT_TYPE, QT_AFTER, QT_BEFORE };
enum query_node_kind { QN_TERM, QN_AND, QN_OR, QN_NOT };

typedef struct query_node {
    int kind;                 /* enum query_node_kind */
    int term;                 /* enum query_term_kind, for QN_TERM */
    char *value;              /* normalised: tags/clients/people lowercased, no '#'/'@' */
    struct query_node *a, *b; /* operands (NOT uses a) */
} query_node;

typedef struct {
    int64_t *ids;
    size_t len, cap;
} query_set;

/* Parses `q`; on error returns NULL and writes a message naming the 1-based
 * byte position into err (e.g. "unexpected ')' at position 7"). An empty
 * query is an error. */
query_node *query_parse(const char *q, char *err, size_t errlen);
void query_free(query_node *n);

/* Fills `out` (sorted, unique) with the ids matching one term; returns 0 or a
 * negative code (the evaluation stops and returns it). */
typedef int (*query_term_fn)(void *ctx, const query_node *term, query_set *out);

/* Evaluates `n`; `all` is the sorted set of every note id (needed for NOT).
 * Result in `out` (sorted, unique). Returns 0 or the term function's error.
 * `out` must be zero-initialised or a set from an earlier call (its contents
 * are replaced); on error it is freed. The term function gets a zeroed set
 * per call; tag terms are passed through as written, so parent semantics
 * (`topic` also matches `topic/...`) are the term function's job. */
int query_eval(const query_node *n, const query_set *all, query_term_fn fn, void *ctx,
               query_set *out);

void query_set_add(query_set *s, int64_t id);   /* append; caller keeps order */
void query_set_sort(query_set *s);              /* sort + unique */
void query_set_free(query_set *s);

/* Renders the tree back as a canonical string (for tests and logs). */
char *query_to_string(const query_node *n);

#endif
