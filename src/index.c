/* index.c -- incremental indexing of the vault into the store.
 *
 * index_run: walk (vault_walk, sorted), merge-join with the store's file
 * list (sorted), then a pipeline: reader threads claim changed files in path
 * order, read + validate + parse them into job slots; the calling thread
 * writes slots in order through the indexer's own connection, committing
 * every BATCH files. Readers stay at most WINDOW slots ahead of the writer,
 * which bounds memory. No libuv here; the caller picks the thread.
 */
#include "index.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parse.h"
#include "store.h"
#include "util.h"
#include "vault.h"

#define BATCH 2000
#define WINDOW 512
#define PROGRESS_EVERY 256

struct indexer {
    vault v;
    store *st;
    int rootfd;
    int readers;
};


int index_open(indexer **out, const char *root, const char *db_path, char *msg, size_t msglen,
               char *err, size_t errlen)
{
    *out = NULL;
    indexer *ix = xcalloc(1, sizeof(*ix));
    ix->rootfd = -1;
    ix->readers = 2;
    int rc = vault_open(&ix->v, root, err, errlen);
    if (rc) goto fail;
    ix->rootfd = open(ix->v.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (ix->rootfd < 0) {
        seterr(err, errlen, "%s: %s", ix->v.root, strerror(errno));
        rc = INDEX_ERR;
        goto fail;
    }
    rc = store_open(&ix->st, db_path, STORE_WRITER, msg, msglen, err, errlen);
    if (rc) goto fail;
    *out = ix;
    return 0;
fail:
    index_close(ix);
    return rc;
}

void index_close(indexer *ix)
{
    if (!ix) return;
    store_close(ix->st);
    if (ix->rootfd >= 0) close(ix->rootfd);
    vault_close(&ix->v);
    free(ix);
}

store *index_store(indexer *ix)
{
    return ix->st;
}

void index_set_readers(indexer *ix, int n)
{
    ix->readers = n < 0 ? 0 : n > 8 ? 8 : n;
}

/* ---- one file ------------------------------------------------------------ */

typedef struct {
    const char *path;     /* borrowed from the listing */
    store_stat st;        /* the walk's stat (have_st), else fstat of the open file */
    int have_st;
    char *text;
    size_t len;
    parse_note pn;
    int parsed;
    int gone;             /* vanished or no longer a regular file */
    char *skip;           /* reason when skipped */
    atomic_int ready;     /* set by the reader when the slot may be written */
} job;

static void job_clear(job *j)
{
    free(j->text);
    free(j->skip);
    if (j->parsed) parse_note_free(&j->pn);
    j->text = NULL;
    j->skip = NULL;
    j->parsed = 0;
}

/* Reads, validates and parses one file (any thread). */
static void job_read(indexer *ix, job *j)
{
    j->st.path = j->path;
    int fd = openat(ix->rootfd, j->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR) j->gone = 1;
        else j->skip = xasprintf("file not readable: %s", strerror(errno));
        if (j->skip) {
            /* Remember it with the walk's stat so it is not retried until it changes. */
            struct stat sb;
            if (fstatat(ix->rootfd, j->path, &sb, 0) == 0) {
                j->st.size = (int64_t)sb.st_size;
                j->st.mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
                j->st.ctime_ns = (int64_t)sb.st_ctim.tv_sec * 1000000000 + sb.st_ctim.tv_nsec;
                j->st.inode = (uint64_t)sb.st_ino;
            }
        }
        return;
    }
    /* The walk's stat is at most as new as the bytes read next, so a change
     * in between makes the next walk re-read the file: never stale. */
    if (!j->have_st) {
        struct stat sb;
        if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            j->gone = 1;
            goto done;
        }
        j->st.size = (int64_t)sb.st_size;
        j->st.mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
        j->st.ctime_ns = (int64_t)sb.st_ctim.tv_sec * 1000000000 + sb.st_ctim.tv_nsec;
        j->st.inode = (uint64_t)sb.st_ino;
    }
    if (j->st.size > (int64_t)INDEX_MAX_FILE_SIZE) {
        j->skip = xasprintf("file larger than 8 MiB (%lld bytes): skipped", (long long)j->st.size);
        goto done;
    }
    /* Ask for one byte more than expected: a short read of a regular file
     * means end of file, so the usual case is a single read(2). */
    size_t cap = (size_t)j->st.size + 2, len = 0;
    char *text = xmalloc(cap);
    for (;;) {
        if (len + 1 >= cap) {
            if (cap > INDEX_MAX_FILE_SIZE + 2) break; /* grew while reading */
            cap *= 2;
            text = xrealloc(text, cap);
        }
        size_t want = cap - 1 - len;
        ssize_t r = read(fd, text + len, want);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            j->skip = errno == EAGAIN ? xstrdup("not a regular file: skipped")
                                      : xasprintf("file not readable: %s", strerror(errno));
            free(text);
            goto done;
        }
        len += (size_t)r;
        if ((size_t)r < want) break;
    }
    text[len] = '\0';
    if (len > INDEX_MAX_FILE_SIZE) {
        j->skip = xasprintf("file larger than 8 MiB (%zu bytes): skipped", len);
        free(text);
        goto done;
    }
    if (memchr(text, '\0', len)) {
        j->skip = xstrdup("binary file (NUL bytes): skipped");
        free(text);
        goto done;
    }
    if (!utf8_valid(text, len)) {
        j->skip = xstrdup("not valid UTF-8: skipped");
        free(text);
        goto done;
    }
    j->text = text;
    j->len = len;
    parse_note_text(j->path, text, len, &j->pn);
    j->parsed = 1;
done:
    close(fd);
}

static const char *section_name_at(const parse_note *pn, int line)
{
    for (size_t i = 0; i < pn->n_headings; i++)
        if (pn->headings[i].line == line && pn->headings[i].kind >= 0 &&
            pn->headings[i].kind < SEC_COUNT)
            return parse_section_names[pn->headings[i].kind];
    return "section";
}

/* Writes one job (writer thread, inside a transaction). */
static int job_write(indexer *ix, job *j, index_stats *stats, char *err, size_t errlen)
{
    store *s = ix->st;
    int rc;
    if (j->gone) {
        stats->removed++;
        return store_delete_path(s, j->path, err, errlen);
    }
    stats->indexed++;
    if (j->skip) {
        stats->skipped++;
        rc = store_put_skipped(s, &j->st, err, errlen);
        if (!rc) rc = store_add_problem(s, j->path, 0, j->skip, STORE_PROBLEM_FILE, err, errlen);
        return rc;
    }
    const parse_note *pn = &j->pn;
    rc = store_put_note(s, &j->st, j->text, j->len, pn, err, errlen);
    if (rc) return rc;
    if (pn->fm.error) {
        char *m = xasprintf("frontmatter does not parse: %s", pn->fm.error);
        rc = store_add_problem(s, j->path, pn->fm.error_line, m, STORE_PROBLEM_FILE, err, errlen);
        free(m);
        if (rc) return rc;
    }
    if (pn->fm.tags_comment > 0) {
        rc = store_add_problem(s, j->path, pn->fm.tags_comment,
                               "`tags: #...` is a YAML comment, not a tag: write `tags: [a, b]`",
                               STORE_PROBLEM_FILE, err, errlen);
        if (rc) return rc;
    }
    for (size_t i = 0; i < pn->n_dup_sections; i++) {
        int line = pn->dup_sections[i];
        char *m = xasprintf("repeated section \"%s\": only the first one counts",
                            section_name_at(pn, line));
        rc = store_add_problem(s, j->path, line, m, STORE_PROBLEM_FILE, err, errlen);
        free(m);
        if (rc) return rc;
    }
    return 0;
}

/* ---- the pipeline ------------------------------------------------------- */

/* Synchronisation: claims (`next`), slot readiness and progress (`written`)
 * are atomics; the mutex and condition variables are only for sleeping. A
 * sleeper publishes that it waits, then re-checks under the mutex; a waker
 * publishes its change, then checks for sleepers (both seq_cst), so one of
 * the two always sees the other and no wake-up is lost. */
typedef struct {
    indexer *ix;
    job *jobs;
    size_t n;
    atomic_size_t next;          /* next job to claim */
    atomic_size_t written;       /* jobs written so far (updated every few) */
    atomic_int stop;
    atomic_size_t writer_waits;  /* the writer sleeps until this job - 1 is ready; 0: awake */
    atomic_int readers_wait;     /* readers sleeping for space */
    pthread_mutex_t mu;
    pthread_cond_t ready, space;
} pipeline;

static void *reader_main(void *arg)
{
    pipeline *p = arg;
    /* Jobs this thread read, freed here once written: glibc's per-thread
     * arenas make a free() from another thread contend with our mallocs
     * (measured: ~40k futex calls per 10k notes when the writer freed). */
    size_t mine[WINDOW + 1], head = 0, tail = 0;
    for (;;) {
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->n || atomic_load(&p->stop)) break;
        if (i >= atomic_load(&p->written) + WINDOW) {
            pthread_mutex_lock(&p->mu);
            atomic_fetch_add(&p->readers_wait, 1);
            while (!atomic_load(&p->stop) && i >= atomic_load(&p->written) + WINDOW)
                pthread_cond_wait(&p->space, &p->mu);
            atomic_fetch_sub(&p->readers_wait, 1);
            pthread_mutex_unlock(&p->mu);
            if (atomic_load(&p->stop)) break;
        }
        /* Now written > i - WINDOW, so after this sweep fewer than WINDOW of
         * our jobs are unfreed: the ring (WINDOW + 1 slots) cannot overflow. */
        size_t done = atomic_load(&p->written);
        while (tail != head && mine[tail] < done) {
            job_clear(&p->jobs[mine[tail]]);
            tail = (tail + 1) % (WINDOW + 1);
        }
        job *j = &p->jobs[i];
        if (j->gone) continue; /* a deletion: nothing to read, already ready */
        job_read(p->ix, j);
        mine[head] = i;
        head = (head + 1) % (WINDOW + 1);
        atomic_store(&j->ready, 1);
        if (atomic_load(&p->writer_waits) == i + 1) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->ready);
            pthread_mutex_unlock(&p->mu);
        }
    }
    return NULL;
}

static void set_walk_stat(job *j, const vault_file *f)
{
    j->have_st = 1;
    j->st.size = f->size;
    j->st.mtime_ns = f->mtime_ns;
    j->st.ctime_ns = f->ctime_ns;
    j->st.inode = f->inode;
}

static int same_stat(const vault_file *f, const store_file *k)
{
    return f->size == k->size && f->mtime_ns == k->mtime_ns && f->ctime_ns == k->ctime_ns &&
           f->inode == k->inode;
}

/* The fingerprint of a walk: a 64-bit hash of every file's path and stat
 * tuple and every walk problem, in order. The meta key FP_KEY holds the
 * fingerprint of the walk the index reflects exactly; every write clears it
 * in its transaction and index_run sets it in its last one. An unchanged
 * fingerprint lets index_run skip reading the index's file list (a fresh
 * CLI process pays ~15 ms for that at 10k notes). */
#define FP_KEY "vault_fingerprint"

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i]; /* NOLINT(clang-analyzer-core.uninitialized.Assign): bytes of initialised int64s */
        h *= 1099511628211ull;
    }
    return h;
}

static int64_t fingerprint(const vault_listing *l)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < l->n_files; i++) {
        const vault_file *f = &l->files[i];
        h = mix(h, f->path, strlen(f->path) + 1);
        int64_t v[4] = {f->size, f->mtime_ns, f->ctime_ns, (int64_t)f->inode};
        h = mix(h, v, sizeof(v));
    }
    h = mix(h, "\1", 1);
    for (size_t i = 0; i < l->n_problems; i++) {
        h = mix(h, l->problems[i].path, strlen(l->problems[i].path) + 1);
        h = mix(h, l->problems[i].message, strlen(l->problems[i].message) + 1);
    }
    return (int64_t)(h & 0x7fffffffffffffffull);
}

/* Both lists are sorted by path, then message (walk problems have line 0). */
static int problems_equal(const vault_listing *l, const store_problem_list *p)
{
    if (l->n_problems != p->len) return 0;
    for (size_t i = 0; i < p->len; i++)
        if (strcmp(l->problems[i].path, p->items[i].path) != 0 ||
            strcmp(l->problems[i].message, p->items[i].message) != 0)
            return 0;
    return 1;
}

int index_run(indexer *ix, unsigned flags, index_progress_fn progress, void *ud,
              index_stats *stats, char *err, size_t errlen)
{
    uint64_t t0 = now_ns();
    index_stats local;
    if (!stats) stats = &local;
    memset(stats, 0, sizeof(*stats));
    vault_listing l = {0};
    store_file_list known = {0};
    store_problem_list walkp = {0};
    VEC(job) jobs = {0};
    pipeline p;
    memset(&p, 0, sizeof(p));
    pthread_t th[8];
    int nth = 0, in_tx = 0, bulk = 0, rc;

    if (progress) progress(ud, 0, 0, "scan");
    vault_reload_ignore(&ix->v); /* the walk's result (and fingerprint) follow it */
    if ((rc = vault_walk(&ix->v, &l, err, errlen))) goto cleanup;
    stats->files = l.n_files;
    int64_t fp = fingerprint(&l), old_fp = 0;
    int fp_rc = store_meta_get(ix->st, FP_KEY, &old_fp, err, errlen);
    if (fp_rc && fp_rc != STORE_ENOTFOUND) { rc = fp_rc; goto cleanup; }
    if (!(flags & INDEX_FULL) && fp_rc == 0 && old_fp == fp) goto done; /* nothing changed */
    if ((rc = store_list_files(ix->st, &known, err, errlen))) goto cleanup;
    if ((rc = store_list_problems(ix->st, STORE_PROBLEM_WALK, &walkp, err, errlen))) goto cleanup;
    int full = (flags & INDEX_FULL) != 0;

    /* Merge-join the two sorted lists. Deletions become jobs marked gone. */
    size_t i = 0, k = 0;
    while (i < l.n_files || k < known.len) {
        int c = i >= l.n_files ? 1 : k >= known.len ? -1 : strcmp(l.files[i].path, known.items[k].path);
        job j;
        memset(&j, 0, sizeof(j));
        if (c < 0) {
            set_walk_stat(&j, &l.files[i]);
            j.path = l.files[i++].path;
            j.st.is_new = 1;
        } else if (c > 0) {
            j.path = known.items[k++].path;
            j.gone = 1;
            j.ready = 1;
            if (full) { /* store_clear_all drops it */
                stats->removed++;
                continue;
            }
        } else {
            int fresh = same_stat(&l.files[i], &known.items[k]);
            set_walk_stat(&j, &l.files[i]);
            j.path = l.files[i].path;
            j.st.is_new = full; /* --full cleared the index first */
            i++, k++;
            if (fresh && !full) continue;
        }
        VEC_PUSH(&jobs, j);
    }
    int walk_changed = !problems_equal(&l, &walkp);
    if (jobs.len == 0 && !walk_changed && !(full && known.len)) {
        /* The index matches the walk: record that for next time. */
        if (fp_rc == 0 && old_fp == fp) goto done;
        if ((rc = store_begin(ix->st, err, errlen))) goto cleanup;
        in_tx = 1;
        if ((rc = store_meta_set(ix->st, FP_KEY, &fp, err, errlen))) goto cleanup;
        if ((rc = store_commit(ix->st, err, errlen))) goto cleanup;
        in_tx = 0;
        goto done;
    }

    /* A cold build (empty index, or --full: wipe then build) uses bulk mode. */
    if ((known.len == 0 || full) && jobs.len > 64) {
        if ((rc = store_set_bulk(ix->st, 1, jobs.len, err, errlen))) goto cleanup;
        bulk = 1;
        stats->cold = 1;
    }
    if ((rc = store_begin(ix->st, err, errlen))) goto cleanup;
    in_tx = 1;
    /* Until the last batch commits, the index matches no walk. */
    if ((rc = store_meta_set(ix->st, FP_KEY, NULL, err, errlen))) goto cleanup;
    if (full && known.len && (rc = store_clear_all(ix->st, err, errlen))) goto cleanup;
    if (walk_changed) {
        if ((rc = store_clear_problems(ix->st, STORE_PROBLEM_WALK, err, errlen))) goto cleanup;
        for (size_t q = 0; q < l.n_problems; q++)
            if ((rc = store_add_problem(ix->st, l.problems[q].path, 0, l.problems[q].message,
                                        STORE_PROBLEM_WALK, err, errlen)))
                goto cleanup;
    }

    /* Readers: the gone jobs are already "ready"; readers skip them. */
    p.ix = ix;
    p.jobs = jobs.items;
    p.n = jobs.len;
    atomic_init(&p.next, 0);
    atomic_init(&p.written, 0);
    atomic_init(&p.stop, 0);
    atomic_init(&p.writer_waits, 0);
    atomic_init(&p.readers_wait, 0);
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.ready, NULL);
    pthread_cond_init(&p.space, NULL);
    int want = jobs.len >= 32 ? ix->readers : 0;
    for (int t = 0; t < want; t++)
        if (pthread_create(&th[nth], NULL, reader_main, &p) == 0) nth++;

    size_t since_commit = 0;
    for (size_t w = 0; w < jobs.len; w++) {
        job *j = &jobs.items[w];
        if (nth && !atomic_load(&j->ready)) {
            pthread_mutex_lock(&p.mu);
            atomic_store(&p.writer_waits, w + 1);
            while (!atomic_load(&j->ready)) pthread_cond_wait(&p.ready, &p.mu);
            atomic_store(&p.writer_waits, 0);
            pthread_mutex_unlock(&p.mu);
        } else if (!nth && !j->gone) {
            job_read(ix, j);
        }
        rc = job_write(ix, j, stats, err, errlen);
        if (!nth || j->gone) job_clear(j); /* else its reader frees it */
        if (nth && (w + 1) % 64 == 0) { /* readers may run WINDOW ahead: no hurry */
            atomic_store(&p.written, w + 1);
            if (atomic_load(&p.readers_wait)) {
                pthread_mutex_lock(&p.mu);
                pthread_cond_broadcast(&p.space);
                pthread_mutex_unlock(&p.mu);
            }
        }
        if (rc) goto cleanup;
        if (++since_commit >= BATCH && w + 1 < jobs.len) {
            since_commit = 0;
            if ((rc = store_commit(ix->st, err, errlen))) goto cleanup;
            in_tx = 0;
            if ((rc = store_begin(ix->st, err, errlen))) goto cleanup;
            in_tx = 1;
        }
        if (progress && ((w + 1) % PROGRESS_EVERY == 0)) progress(ud, w + 1, jobs.len, j->path);
    }
    if ((rc = store_meta_set(ix->st, FP_KEY, &fp, err, errlen))) goto cleanup;
    if ((rc = store_commit(ix->st, err, errlen))) goto cleanup;
    in_tx = 0;
    /* Upkeep here, off the save path: merge FTS segments, checkpoint (after
     * a bulk build still with synchronous=OFF: one segment, no fsyncs). */
    if ((rc = store_maintain(ix->st, stats->cold ? -1 : 500, err, errlen))) goto cleanup;
    if (bulk) {
        store_set_bulk(ix->st, 0, 0, NULL, 0);
        bulk = 0;
    }
done:
    if (progress) progress(ud, jobs.len, jobs.len, "done");
    rc = 0;
cleanup:
    if (nth) {
        atomic_store(&p.stop, 1);
        pthread_mutex_lock(&p.mu);
        pthread_cond_broadcast(&p.space); /* release readers waiting for space */
        pthread_mutex_unlock(&p.mu);
        for (int t = 0; t < nth; t++) pthread_join(th[t], NULL);
        pthread_mutex_destroy(&p.mu);
        pthread_cond_destroy(&p.ready);
        pthread_cond_destroy(&p.space);
    }
    for (size_t q = 0; q < jobs.len; q++) job_clear(&jobs.items[q]);
    if (in_tx) store_rollback(ix->st);
    if (bulk) store_set_bulk(ix->st, 0, 0, NULL, 0);
    VEC_FREE(&jobs);
    store_problems_free(&walkp);
    store_files_free(&known);
    vault_listing_free(&l);
    stats->ms = (double)(now_ns() - t0) / 1e6;
    return rc;
}

/* ---- one path ------------------------------------------------------------ */

int index_file(indexer *ix, const char *rel, index_stats *stats, char *err, size_t errlen)
{
    uint64_t t0 = now_ns();
    index_stats local;
    if (!stats) stats = &local;
    memset(stats, 0, sizeof(*stats));
    vault_file vf, other_vf;
    memset(&other_vf, 0, sizeof(other_vf));
    store_file known;
    char *other = NULL;
    job j;
    memset(&j, 0, sizeof(j));
    j.path = rel;
    int in_tx = 0, rc;
    char why[512];

    vault_reload_ignore(&ix->v);
    int vs = vault_stat(&ix->v, rel, &vf, why, sizeof(why));
    int kr = store_get_file(ix->st, rel, &known, err, errlen);
    if (kr && kr != STORE_ENOTFOUND) { rc = kr; goto cleanup; }
    int is_known = kr == 0;

    if ((rc = store_begin(ix->st, err, errlen))) goto cleanup;
    in_tx = 1;
    if (vs == VAULT_ENOENT) {
        if (is_known) {
            stats->removed++;
            if ((rc = store_delete_path(ix->st, rel, err, errlen))) goto cleanup;
        }
    } else if (vs == VAULT_EOUTSIDE || vs != 0) {
        if (is_known) stats->removed++;
        if ((rc = store_delete_path(ix->st, rel, err, errlen))) goto cleanup;
        /* vault_stat's reason starts with "<rel>: "; the row has the path. */
        size_t n = strlen(rel);
        const char *reason = strncmp(why, rel, n) == 0 && why[n] == ':' ? why + n + 2 : why;
        char *m = vs == VAULT_EOUTSIDE ? xstrdup("symlink leads out of the vault: skipped")
                                       : xasprintf("%s: skipped", reason);
        rc = store_add_problem(ix->st, rel, 0, m, STORE_PROBLEM_WALK, err, errlen);
        free(m);
        if (rc) goto cleanup;
    } else {
        stats->files = 1;
        /* A file reachable by two paths is indexed under the first in byte order. */
        other = store_path_by_inode(ix->st, vf.inode, rel);
        int alias = 0;
        if (other && vault_stat(&ix->v, other, &other_vf, NULL, 0) == 0 &&
            other_vf.inode == vf.inode && other_vf.dev == vf.dev) {
            if (strcmp(other, rel) < 0) {
                alias = 1;
            } else {
                stats->removed++;
                if ((rc = store_delete_path(ix->st, other, err, errlen))) goto cleanup;
            }
        }
        if (alias) {
            if (is_known) {
                stats->removed++;
                if ((rc = store_delete_path(ix->st, rel, err, errlen))) goto cleanup;
            }
        } else if (!is_known || known.size != vf.size || known.mtime_ns != vf.mtime_ns ||
                   known.ctime_ns != vf.ctime_ns || known.inode != vf.inode) {
            set_walk_stat(&j, &vf);
            job_read(ix, &j);
            rc = job_write(ix, &j, stats, err, errlen);
            if (rc) goto cleanup;
        }
    }
    /* Anything written: the index no longer matches the last full walk. */
    if ((stats->indexed + stats->removed > 0 || (vs != 0 && vs != VAULT_ENOENT)) &&
        (rc = store_meta_set(ix->st, FP_KEY, NULL, err, errlen)))
        goto cleanup;
    rc = store_commit(ix->st, err, errlen);
    if (!rc) in_tx = 0;
cleanup:
    if (in_tx) store_rollback(ix->st);
    job_clear(&j);
    free(other);
    free(other_vf.path);
    if (vs == 0) free(vf.path);
    stats->ms = (double)(now_ns() - t0) / 1e6;
    return rc;
}
