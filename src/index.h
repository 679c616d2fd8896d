/* index.h -- incremental indexing of the vault into the store.
 *
 * An indexer owns a vault (vault.h) and its own write connection to the
 * database (store.h). It never touches libuv: index_run / index_file may be
 * called from a libuv worker thread (one call at a time per indexer) while
 * the main thread reads through a separate read store (WAL).
 *
 * Freshness (SPEC §1.1): a file is re-read only when its size, mtime (ns),
 * ctime (ns) or inode changed. Files that are too large (> 8 MiB), binary
 * (NUL bytes), not valid UTF-8 or unreadable are remembered as skipped (so
 * they are not re-read until they change) and listed by `check`, as are links
 * out of the vault, symlink loops, bad frontmatter, `tags: #a`, repeated
 * sections. Duplicate client ids are computed by store_check.
 *
 * index_run reads and parses files on INDEX_READERS threads feeding the
 * calling thread, which alone writes (one transaction per batch).
 */
#ifndef RAPPORT_INDEX_H
#define RAPPORT_INDEX_H

#include <stddef.h>
#include <stdint.h>

enum {
    INDEX_OK = 0,
    INDEX_ERR = -1,      /* see err; store errors pass through as STORE_E* */
};

#define INDEX_MAX_FILE_SIZE (8u << 20)

typedef struct indexer indexer;

/* Called on the indexing thread: after the walk (done 0, what "scan") and
 * then every few hundred files while writing (what = the path just written);
 * done == total at the end. Must not block for long. */
typedef void (*index_progress_fn)(void *ud, size_t done, size_t total, const char *what);

typedef struct {
    size_t files;        /* notes found by the walk (skipped ones included) */
    size_t indexed;      /* files (re-)read: new or changed */
    size_t removed;      /* paths gone from the vault, dropped from the index */
    size_t skipped;      /* of `indexed`, those skipped (too big, binary, ...) */
    int cold;            /* 1 when the index was empty (bulk mode used) */
    double ms;           /* wall time of the call */
} index_stats;

/* Opens the vault at `root` and a write connection to `db_path` (see
 * store_open for `msg`: set when a bad database was moved aside). */
int index_open(indexer **out, const char *root, const char *db_path, char *msg, size_t msglen,
               char *err, size_t errlen);
void index_close(indexer *ix);

enum {
    INDEX_FULL = 1,      /* re-read every file, fresh or not (`index --full`) */
};

/* Brings the whole index up to date: walk, compare, re-read what changed,
 * drop what is gone. `progress` may be NULL. Returns 0 or a negative code
 * (the index is then left as of the last committed batch). */
int index_run(indexer *ix, unsigned flags, index_progress_fn progress, void *ud,
              index_stats *stats, char *err, size_t errlen);

/* Brings one vault-relative path up to date (a save in the editor): indexes
 * it when new or changed, drops it when gone, hidden, ignored or no longer a
 * note. A file reachable by another indexed path is kept under the first of
 * the two in byte order. `stats` may be NULL. */
int index_file(indexer *ix, const char *rel, index_stats *stats, char *err, size_t errlen);

/* The indexer's own connection, for reads on the thread that drives the
 * indexer while no index call is running: a single-threaded CLI can use it
 * instead of opening a second connection (~0.6 ms). The rpc server, which
 * indexes on a worker thread, keeps its own read store. */
struct store *index_store(indexer *ix);

/* Sets the number of reader threads for index_run (0 = read on the calling
 * thread; default 2). For benchmarks and tests. */
void index_set_readers(indexer *ix, int n);

#endif
