/* index-bench.c -- measures the indexer and the store on a generated vault.
 *
 *   build/index-bench VAULT [--readers N] [--runs N] [--db FILE] [--cold-only 1]
 *
 * Prints one line per measure: cold index (fresh database), warm no-op
 * index_run (walk + compare), bare walk, re-index of one changed note
 * (index_file; median and p99 of 200 saves), tags, 3-term find and search
 * over a read connection, peak RSS. When VAULT/.expected-tags.tsv exists
 * (bench/gen.c writes it) the tags are checked against it. The database
 * defaults to /tmp/index-bench-<pid>.sqlite3 and is removed at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "index.h"
#include "query.h"
#include "store.h"
#include "util.h"
#include "vault.h"

static double ms_since(uint64_t t0)
{
    return (double)(now_ns() - t0) / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void rm_db(const char *db)
{
    static const char *const sfx[] = {"", "-wal", "-shm", ".lock"};
    for (size_t i = 0; i < 4; i++) {
        char *p = xasprintf("%s%s", db, sfx[i]);
        unlink(p);
        free(p);
    }
}

static double cpu_ms(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec * 1e3 + (double)ru.ru_utime.tv_usec / 1e3 +
           (double)ru.ru_stime.tv_sec * 1e3 + (double)ru.ru_stime.tv_usec / 1e3;
}

static long rss_now_kb(void)
{
    long pages = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &rss) != 2) rss = 0;
        fclose(f);
    }
    return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static long rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static int check_expected(const char *vdir, store *s)
{
    char *p = xasprintf("%s/.expected-tags.tsv", vdir);
    FILE *f = fopen(p, "r");
    free(p);
    if (!f) return -1;
    store_tag_list t;
    char err[256];
    if (store_tags(s, &t, err, sizeof(err))) {
        fclose(f);
        return 1;
    }
    char line[1024];
    size_t i = 0;
    int bad = 0;
    while (fgets(line, sizeof(line), f)) {
        char *tab = strchr(line, '\t');
        if (!tab) continue;
        *tab = '\0';
        long long n = atoll(tab + 1);
        if (i >= t.len || strcmp(t.items[i].tag, line) != 0 || t.items[i].count != n) {
            if (bad < 5)
                fprintf(stderr, "  tags mismatch at %zu: expected %s=%lld, got %s=%lld\n", i, line, n,
                        i < t.len ? t.items[i].tag : "(end)", i < t.len ? (long long)t.items[i].count : 0);
            bad++;
        }
        i++;
    }
    if (i != t.len) {
        fprintf(stderr, "  tags: expected %zu, got %zu\n", i, t.len);
        bad++;
    }
    fclose(f);
    store_tags_free(&t);
    return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: index-bench VAULT [--readers N] [--runs N] [--db FILE]\n");
        return 2;
    }
    const char *vdir = argv[1];
    int readers = 2, runs = 3, cold_only = 0;
    char *db = xasprintf("/tmp/index-bench-%d.sqlite3", (int)getpid());
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--readers")) readers = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--runs")) runs = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--db")) { free(db); db = xstrdup(argv[i + 1]); }
        else if (!strcmp(argv[i], "--cold-only")) cold_only = atoi(argv[i + 1]);
    }
    char err[512], msg[512];
    indexer *ix = NULL;
    index_stats st;

    /* Cold: best of `runs` fresh databases. */
    double best = 1e9, best_cpu = 1e9;
    for (int r = 0; r < runs; r++) {
        rm_db(db);
        if (cold_only == 2) printf("database: %s\n", db);
        uint64_t t0 = now_ns();
        double c0 = cpu_ms();
        if (index_open(&ix, vdir, db, msg, sizeof(msg), err, sizeof(err))) {
            fprintf(stderr, "index_open: %s\n", err);
            return 1;
        }
        index_set_readers(ix, readers);
        if (index_run(ix, 0, NULL, NULL, &st, err, sizeof(err))) {
            fprintf(stderr, "index_run: %s\n", err);
            return 1;
        }
        index_close(ix); /* includes the final checkpoint */
        double ms = ms_since(t0), c = cpu_ms() - c0;
        if (ms < best) best = ms;
        if (c < best_cpu) best_cpu = c;
    }
    printf("cold index      %8.1f ms  (%zu files, readers %d, best of %d, open+run+close; CPU %.0f ms all threads)\n",
           best, st.files, readers, runs, best_cpu);
    printf("  of which run  %8.1f ms\n", st.ms);
    if (cold_only) { /* 2: keep the database for inspection */
        if (cold_only != 2) rm_db(db);
        return 0;
    }

    store *s = NULL;
    if (store_open(&s, db, 0, msg, sizeof(msg), err, sizeof(err))) return 1;
    int chk = check_expected(vdir, s); /* before the edits below */
    if (index_open(&ix, vdir, db, msg, sizeof(msg), err, sizeof(err))) return 1;
    index_set_readers(ix, readers);
    double warm = 1e9;
    for (int r = 0; r < 5; r++) {
        index_run(ix, 0, NULL, NULL, &st, err, sizeof(err));
        if (st.ms < warm) warm = st.ms;
    }
    printf("warm index_run  %8.1f ms  (no change: walk + compare)\n", warm);

    vault v;
    vault_open(&v, vdir, err, sizeof(err));
    double walk = 1e9;
    for (int r = 0; r < 5; r++) {
        vault_listing l;
        uint64_t t0 = now_ns();
        vault_walk(&v, &l, err, sizeof(err));
        double ms = ms_since(t0);
        if (ms < walk) walk = ms;
        vault_listing_free(&l);
    }
    printf("bare walk       %8.1f ms\n", walk);

    /* Re-index one changed note: append a line, index_file, 200 times. */
    vault_listing l;
    vault_walk(&v, &l, err, sizeof(err));
    const char *rel = l.n_files ? l.files[l.n_files / 2].path : NULL;
    if (rel) {
        char *full = xasprintf("%s/%s", v.root, rel);
        buf_t orig = {0};
        FILE *in = fopen(full, "rb");
        char chunk[4096];
        size_t got;
        while (in && (got = fread(chunk, 1, sizeof(chunk), in)) > 0) buf_add(&orig, chunk, got);
        if (in) fclose(in);
        enum { N = 200 };
        double t[N];
        for (int i = 0; i < N; i++) {
            FILE *f = fopen(full, "a");
            fprintf(f, "edit %d #bench-edit\n", i);
            fclose(f);
            uint64_t t0 = now_ns();
            index_file(ix, rel, &st, err, sizeof(err));
            t[i] = ms_since(t0);
        }
        qsort(t, N, sizeof(double), cmp_double);
        printf("index_file      %8.3f ms median, %.3f ms p99  (%s, %zu indexed)\n", t[N / 2],
               t[N * 99 / 100], rel, st.indexed);
        FILE *out = fopen(full, "wb");
        if (out) {
            fwrite(orig.data, 1, orig.len, out);
            fclose(out);
        }
        index_file(ix, rel, &st, err, sizeof(err));
        buf_free(&orig);
        free(full);
    }
    vault_listing_free(&l);
    vault_close(&v);

    double tt = 1e9;
    size_t ntags = 0;
    for (int r = 0; r < 20; r++) {
        store_tag_list t;
        uint64_t t0 = now_ns();
        store_tags(s, &t, err, sizeof(err));
        double ms = ms_since(t0);
        if (ms < tt) tt = ms;
        ntags = t.len;
        store_tags_free(&t);
    }
    printf("tags            %8.3f ms  (%zu tags)\n", tt, ntags);

    /* A 3-term find over the most common tags. */
    store_tag_list t;
    store_tags(s, &t, err, sizeof(err));
    for (int variant = 0; variant < 2 && t.len >= 6; variant++) {
        char *q = variant == 0
                      ? xasprintf("%s OR %s -%s", t.items[0].tag, t.items[1].tag, t.items[2].tag)
                      : xasprintf("%s %s OR %s", t.items[3].tag, t.items[4].tag, t.items[5].tag);
        query_node *n = query_parse(q, err, sizeof(err));
        double ft = 1e9;
        size_t nres = 0;
        for (int r = 0; n && r < 20; r++) {
            store_ref_list res;
            uint64_t t0 = now_ns();
            store_find(s, n, &res, err, sizeof(err));
            double ms = ms_since(t0);
            if (ms < ft) ft = ms;
            nres = res.len;
            store_note_refs_free(&res);
        }
        printf("find            %8.3f ms  (%s: %zu results)\n", ft, q, nres);
        query_free(n);
        free(q);
    }
    store_tags_free(&t);
    static const char *const searches[] = {"budget", "pricing review", "\"next steps\""};
    for (size_t k = 0; k < ARRAY_LEN(searches); k++) {
        double sm = 1e9;
        size_t nres = 0;
        for (int r = 0; r < 5; r++) {
            store_hit_list h;
            uint64_t t0 = now_ns();
            store_search(s, searches[k], 50, &h, err, sizeof(err));
            double ms = ms_since(t0);
            if (ms < sm) sm = ms;
            nres = h.len;
            store_hits_free(&h);
        }
        printf("search          %8.3f ms  (%s, limit 50: %zu hits)\n", sm, searches[k], nres);
    }
    printf("RSS now         %8ld KB  (indexer + read store open, after the queries)\n", rss_now_kb());
    store_close(s);
    index_close(ix);
    printf("peak RSS        %8ld KB  (includes the cold builds)\n", rss_kb());
    if (chk >= 0) printf("expected tags   %s\n", chk ? "MISMATCH" : "ok");
    rm_db(db);
    free(db);
    return chk > 0;
}
