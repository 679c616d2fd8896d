/* test_store.c -- the SQLite store: schema, writes, FTS upkeep, caches, concurrency. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "index.h"
#include "parse.h"
#include "query.h"
#include "store.h"
#include "test.h"
#include "util.h"

static char dir[256], db[300];

static void fresh(void)
{
    if (dir[0]) {
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0) fprintf(stderr, "cleanup failed\n");
    }
    snprintf(dir, sizeof(dir), "/tmp/rapport-store-XXXXXX");
    if (!mkdtemp(dir)) { perror("mkdtemp"); exit(2); }
    snprintf(db, sizeof(db), "%s/index.sqlite3", dir);
}

static store *open_store(unsigned flags)
{
    char msg[512], err[512];
    store *s = NULL;
    if (store_open(&s, db, flags, msg, sizeof(msg), err, sizeof(err))) fprintf(stderr, "open: %s\n", err);
    return s;
}

/* Parses `text` as the note at `path` and stores it. */
static int put(store *s, const char *path, const char *text, int64_t mtime)
{
    parse_note pn;
    parse_note_text(path, text, strlen(text), &pn);
    store_stat st = {path, (int64_t)strlen(text), mtime, mtime, (uint64_t)mtime, 0};
    char err[512];
    int rc = store_put_note(s, &st, text, strlen(text), &pn, err, sizeof(err));
    if (rc) fprintf(stderr, "put %s: %s\n", path, err);
    parse_note_free(&pn);
    return rc;
}

static size_t hits(store *s, const char *q)
{
    store_hit_list h;
    char err[512];
    if (store_search(s, q, 0, &h, err, sizeof(err))) {
        fprintf(stderr, "search %s: %s\n", q, err);
        return 999;
    }
    size_t n = h.len;
    store_hits_free(&h);
    return n;
}

static void test_open(void)
{
    fresh();
    store *s = open_store(0);
    ASSERT(s != NULL);
    ASSERT_EQ(store_count_notes(s), 0);
    struct stat st;
    ASSERT_EQ(stat(db, &st), 0);
    ASSERT_EQ(st.st_mode & 0777, 0600);
    char lock[400];
    snprintf(lock, sizeof(lock), "%s.lock", db);
    ASSERT_EQ(stat(lock, &st), 0);
    char err[512];
    ASSERT_EQ(store_integrity(s, err, sizeof(err)), 0);
    /* A second connection (the indexer's) at the same time. */
    store *w = open_store(STORE_WRITER);
    ASSERT(w != NULL);
    store_close(w);
    store_close(s);
}

static void test_replace_and_fts(void)
{
    fresh();
    store *s = open_store(STORE_WRITER);
    ASSERT(s != NULL);
    char err[512];
    ASSERT_EQ(store_begin(s, err, sizeof(err)), 0);
    ASSERT_EQ(put(s, "a.md", "# A\n\nalpha #one\n", 1), 0);
    ASSERT_EQ(put(s, "b.md", "# B\n\nbeta #two @ann\n", 1), 0);
    /* The same path twice in one transaction: the first text never reaches
     * the FTS index. */
    ASSERT_EQ(put(s, "a.md", "# A\n\ngamma #three\n", 2), 0);
    ASSERT_EQ(store_commit(s, err, sizeof(err)), 0);
    ASSERT_EQ(store_integrity(s, err, sizeof(err)), 0);
    ASSERT_EQ(hits(s, "alpha"), 0);
    ASSERT_EQ(hits(s, "gamma"), 1);
    ASSERT_EQ(hits(s, "beta"), 1);
    ASSERT_EQ(store_count_notes(s), 2);

    /* Replacements across transactions, and a deletion. */
    for (int i = 0; i < 30; i++) {
        char text[128];
        snprintf(text, sizeof(text), "# A\n\nword%d #t%d\n", i, i);
        ASSERT_EQ(store_begin(s, err, sizeof(err)), 0);
        ASSERT_EQ(put(s, "a.md", text, 10 + i), 0);
        ASSERT_EQ(store_commit(s, err, sizeof(err)), 0);
    }
    ASSERT_EQ(hits(s, "word0"), 0);
    ASSERT_EQ(hits(s, "word29"), 1);
    ASSERT_EQ(hits(s, "gamma"), 0);
    store_tag_list t;
    ASSERT_EQ(store_tags(s, &t, err, sizeof(err)), 0);
    ASSERT_EQ(t.len, 2); /* t29, two */
    ASSERT_STR_EQ(t.items[0].tag, "t29");
    store_tags_free(&t);
    ASSERT_EQ(store_begin(s, err, sizeof(err)), 0);
    ASSERT_EQ(store_delete_path(s, "b.md", err, sizeof(err)), 0);
    ASSERT_EQ(store_commit(s, err, sizeof(err)), 0);
    ASSERT_EQ(hits(s, "beta"), 0);
    store_string_list l;
    ASSERT_EQ(store_all_people(s, &l, err, sizeof(err)), 0);
    ASSERT_EQ(l.len, 0);
    store_strings_free(&l);
    ASSERT_EQ(store_maintain(s, 500, err, sizeof(err)), 0);
    ASSERT_EQ(store_maintain(s, -1, err, sizeof(err)), 0);
    ASSERT_EQ(store_integrity(s, err, sizeof(err)), 0);

    /* A rollback leaves no trace, FTS included. */
    ASSERT_EQ(store_begin(s, err, sizeof(err)), 0);
    ASSERT_EQ(put(s, "c.md", "# C\n\ndelta\n", 5), 0);
    store_rollback(s);
    ASSERT_EQ(hits(s, "delta"), 0);
    ASSERT_EQ(store_integrity(s, err, sizeof(err)), 0);

    /* clear_all: nothing left, and the FTS index agrees. */
    ASSERT_EQ(store_begin(s, err, sizeof(err)), 0);
    ASSERT_EQ(store_clear_all(s, err, sizeof(err)), 0);
    ASSERT_EQ(put(s, "d.md", "# D\n\nepsilon\n", 5), 0);
    ASSERT_EQ(store_commit(s, err, sizeof(err)), 0);
    ASSERT_EQ(store_count_notes(s), 1);
    ASSERT_EQ(hits(s, "word29"), 0);
    ASSERT_EQ(hits(s, "epsilon"), 1);
    ASSERT_EQ(store_integrity(s, err, sizeof(err)), 0);
    store_close(s);
}

static void test_files_and_problems(void)
{
    fresh();
    store *s = open_store(STORE_WRITER);
    ASSERT(s != NULL);
    char err[512];
    ASSERT_EQ(store_begin(s, err, sizeof(err)), 0);
    ASSERT_EQ(put(s, "n.md", "# N\n", 7), 0);
    store_stat sk = {"big.md", 9 << 20, 3, 4, 5, 0};
    ASSERT_EQ(store_put_skipped(s, &sk, err, sizeof(err)), 0);
    ASSERT_EQ(store_add_problem(s, "big.md", 0, "file larger than 8 MiB", STORE_PROBLEM_FILE, err, sizeof(err)), 0);
    ASSERT_EQ(store_add_problem(s, "link.md", 0, "symlink leads out", STORE_PROBLEM_WALK, err, sizeof(err)), 0);
    ASSERT_EQ(store_add_problem(s, "n.md", 3, "repeated section", STORE_PROBLEM_FILE, err, sizeof(err)), 0);
    ASSERT_EQ(store_commit(s, err, sizeof(err)), 0);

    store_file_list f;
    ASSERT_EQ(store_list_files(s, &f, err, sizeof(err)), 0);
    ASSERT_EQ(f.len, 2);
    ASSERT_STR_EQ(f.items[0].path, "big.md");
    ASSERT_EQ(f.items[0].skipped, 1);
    ASSERT_EQ(f.items[0].size, 9 << 20);
    ASSERT_STR_EQ(f.items[1].path, "n.md");
    ASSERT_EQ(f.items[1].mtime_ns, 7);
    store_files_free(&f);
    store_file one;
    ASSERT_EQ(store_get_file(s, "big.md", &one, err, sizeof(err)), 0);
    ASSERT_EQ(one.skipped, 1);
    ASSERT_EQ(store_get_file(s, "none.md", &one, err, sizeof(err)), STORE_ENOTFOUND);

    store_problem_list p;
    ASSERT_EQ(store_check(s, &p, err, sizeof(err)), 0);
    ASSERT_EQ(p.len, 3);
    ASSERT_STR_EQ(p.items[0].path, "big.md");
    ASSERT_STR_EQ(p.items[1].path, "link.md");
    ASSERT_STR_EQ(p.items[2].path, "n.md");
    ASSERT_EQ(p.items[2].line, 3);
    store_problems_free(&p);

    /* Re-storing a note drops its file problems; the walk's stay. */
    ASSERT_EQ(store_begin(s, err, sizeof(err)), 0);
    ASSERT_EQ(put(s, "n.md", "# N2\n", 8), 0);
    ASSERT_EQ(store_delete_path(s, "big.md", err, sizeof(err)), 0);
    ASSERT_EQ(store_commit(s, err, sizeof(err)), 0);
    ASSERT_EQ(store_check(s, &p, err, sizeof(err)), 0);
    ASSERT_EQ(p.len, 1);
    ASSERT_STR_EQ(p.items[0].path, "link.md");
    store_problems_free(&p);
    ASSERT_EQ(store_list_problems(s, STORE_PROBLEM_WALK, &p, err, sizeof(err)), 0);
    ASSERT_EQ(p.len, 1);
    store_problems_free(&p);
    ASSERT_EQ(store_begin(s, err, sizeof(err)), 0);
    ASSERT_EQ(store_clear_problems(s, STORE_PROBLEM_WALK, err, sizeof(err)), 0);
    ASSERT_EQ(store_commit(s, err, sizeof(err)), 0);
    ASSERT_EQ(store_check(s, &p, err, sizeof(err)), 0);
    ASSERT_EQ(p.len, 0);
    store_problems_free(&p);

    char *other = store_path_by_inode(s, 8, "x.md");
    ASSERT_STR_EQ(other, "n.md");
    free(other);
    ASSERT_NULL(store_path_by_inode(s, 8, "n.md"));
    store_close(s);
}

static void test_tag_edges(void)
{
    fresh();
    store *s = open_store(STORE_WRITER);
    ASSERT(s != NULL);
    char err[512];
    ASSERT_EQ(store_begin(s, err, sizeof(err)), 0);
    /* Names next to the child range bounds: "topic-x" and "topic.x" sort
     * between "topic" and "topic/", "topic0" just after "topic/~". */
    ASSERT_EQ(put(s, "1.md", "#topic\n", 1), 0);
    ASSERT_EQ(put(s, "2.md", "#topic/a\n", 1), 0);
    ASSERT_EQ(put(s, "3.md", "#topic-x\n", 1), 0);
    ASSERT_EQ(put(s, "4.md", "#topic0\n", 1), 0);
    ASSERT_EQ(put(s, "5.md", "#topic/a/b #topic/a\n", 1), 0);
    ASSERT_EQ(put(s, "6.md", "#topics\n", 1), 0);
    ASSERT_EQ(store_commit(s, err, sizeof(err)), 0);
    static const struct { const char *q, *want; } cases[] = {
        {"topic", "1.md 2.md 5.md"},
        {"topic/a", "2.md 5.md"},
        {"topic/a/b", "5.md"},
        {"topic-x", "3.md"},
        {"topic0", "4.md"},
        {"NOT topic", "3.md 4.md 6.md"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        query_node *q = query_parse(cases[i].q, err, sizeof(err));
        ASSERT(q != NULL);
        store_ref_list r;
        ASSERT_EQ(store_find(s, q, &r, err, sizeof(err)), 0);
        buf_t b = {0};
        for (size_t k = 0; k < r.len; k++) buf_printf(&b, "%s%s", k ? " " : "", r.items[k].path);
        const char *got = buf_cstr(&b);
        if (strcmp(got, cases[i].want) != 0) TEST_FAIL_AT("find %s: \"%s\" != \"%s\"", cases[i].q, got, cases[i].want);
        buf_free(&b);
        store_note_refs_free(&r);
        query_free(q);
        if (test_cur_failed) return;
    }
    store_tag_list t;
    ASSERT_EQ(store_tags(s, &t, err, sizeof(err)), 0);
    buf_t b = {0};
    for (size_t k = 0; k < t.len; k++) buf_printf(&b, "%s=%lld ", t.items[k].tag, (long long)t.items[k].count);
    ASSERT_STR_EQ(buf_cstr(&b), "topic=1 topic-x=1 topic/a=2 topic/a/b=1 topic0=1 topics=1 ");
    buf_free(&b);
    store_tags_free(&t);
    store_close(s);
}

static void test_clients_priorities(void)
{
    fresh();
    store *s = open_store(STORE_WRITER);
    ASSERT(s != NULL);
    char err[512];
    ASSERT_EQ(store_begin(s, err, sizeof(err)), 0);
    ASSERT_EQ(put(s, "clients/acme.md",
                  "---\ntype: client\npriority_cap: 2\ncadence: 7\n---\n# Acme\n\n"
                  "## Priorities\n\n- a\n- b\n- c\n", 1), 0);
    ASSERT_EQ(put(s, "clients/zz-acme.md", "---\ntype: client\nclient: acme\n---\n# Dup\n", 1), 0);
    ASSERT_EQ(put(s, "meetings/2026-01-01-acme.md",
                  "---\nclient: acme\n---\n# M\n\n## Priorities\n\n- x\n  - nested\n", 1), 0);
    ASSERT_EQ(put(s, "notes/own.md",
                  "---\nclient: acme\npriority_cap: 5\n---\n# O\n\n## Priorities\n\n- x\n", 1), 0);
    ASSERT_EQ(put(s, "notes/free.md", "# F\n\n## Priorities\n\n- 1\n- 2\n- 3\n- 4\n", 1), 0);
    ASSERT_EQ(put(s, "notes/none.md", "# N\n\n- not a priority\n", 1), 0);
    ASSERT_EQ(store_commit(s, err, sizeof(err)), 0);

    store_client_info ci;
    ASSERT_EQ(store_client(s, "acme", &ci, err, sizeof(err)), 0);
    ASSERT_STR_EQ(ci.path, "clients/acme.md"); /* the first by path wins */
    ASSERT_EQ(ci.priority_cap, 2);
    ASSERT_EQ(ci.cadence, 7);
    ASSERT_STR_EQ(ci.status, "active");
    store_client_info_free(&ci);
    ASSERT_EQ(store_client(s, "nobody", &ci, err, sizeof(err)), STORE_ENOTFOUND);

    store_prio_list pl;
    ASSERT_EQ(store_priorities(s, NULL, 3, &pl, err, sizeof(err)), 0);
    ASSERT_EQ(pl.len, 4);
    ASSERT_STR_EQ(pl.items[0].path, "clients/acme.md");
    ASSERT_EQ(pl.items[0].count, 3);
    ASSERT_EQ(pl.items[0].cap, 2);
    ASSERT_STR_EQ(pl.items[1].path, "meetings/2026-01-01-acme.md");
    ASSERT_EQ(pl.items[1].count, 1); /* nested items belong to their parent */
    ASSERT_EQ(pl.items[1].cap, 2);   /* inherited from the client note */
    ASSERT_STR_EQ(pl.items[2].path, "notes/free.md");
    ASSERT_NULL(pl.items[2].client);
    ASSERT_EQ(pl.items[2].count, 4);
    ASSERT_EQ(pl.items[2].cap, 3);   /* the default */
    ASSERT_STR_EQ(pl.items[3].path, "notes/own.md");
    ASSERT_EQ(pl.items[3].cap, 5);   /* its own */
    store_prios_free(&pl);
    ASSERT_EQ(store_priorities(s, "acme", 3, &pl, err, sizeof(err)), 0);
    ASSERT_EQ(pl.len, 3);
    store_prios_free(&pl);
    store_close(s);
}

/* A writer thread re-indexing while the main thread queries. */
static char vault_dir[300];
static atomic_int writer_done, writer_failed;

static void *writer_main(void *arg)
{
    (void)arg;
    indexer *ix = NULL;
    char msg[256], err[512];
    if (index_open(&ix, vault_dir, db, msg, sizeof(msg), err, sizeof(err))) {
        writer_failed = 1;
        writer_done = 1;
        return NULL;
    }
    for (int round = 0; round < 20 && !writer_failed; round++) {
        char path[400], text[128];
        snprintf(path, sizeof(path), "%s/n%02d.md", vault_dir, round % 5);
        snprintf(text, sizeof(text), "# N\n\n#round%d word%d\n", round, round);
        FILE *f = fopen(path, "w");
        if (f) {
            fputs(text, f);
            fclose(f);
        }
        if (index_run(ix, 0, NULL, NULL, NULL, err, sizeof(err))) {
            fprintf(stderr, "writer: %s\n", err);
            writer_failed = 1;
        }
    }
    index_close(ix);
    writer_done = 1;
    return NULL;
}

static void test_concurrent(void)
{
    fresh();
    snprintf(vault_dir, sizeof(vault_dir), "%s/vault", dir);
    mkdir(vault_dir, 0700);
    for (int i = 0; i < 40; i++) {
        char path[400];
        snprintf(path, sizeof(path), "%s/base%02d.md", vault_dir, i);
        FILE *f = fopen(path, "w");
        fprintf(f, "# Base %d\n\n#base word\n", i);
        fclose(f);
    }
    store *s = open_store(0);
    ASSERT(s != NULL);
    writer_done = writer_failed = 0;
    pthread_t th;
    ASSERT_EQ(pthread_create(&th, NULL, writer_main, NULL), 0);
    char err[512];
    int queries = 0, errors = 0;
    query_node *q = query_parse("base OR -base", err, sizeof(err));
    while (!writer_done) {
        store_tag_list t;
        store_ref_list r;
        store_hit_list h;
        errors += store_tags(s, &t, err, sizeof(err)) != 0;
        store_tags_free(&t);
        errors += store_find(s, q, &r, err, sizeof(err)) != 0;
        store_note_refs_free(&r);
        errors += store_search(s, "word", 10, &h, err, sizeof(err)) != 0;
        store_hits_free(&h);
        queries++;
    }
    pthread_join(th, NULL);
    query_free(q);
    ASSERT_EQ(writer_failed, 0);
    ASSERT_EQ(errors, 0);
    ASSERT(queries > 0);
    store_tag_list t;
    ASSERT_EQ(store_tags(s, &t, err, sizeof(err)), 0);
    /* base=40, then round15..round19 on n00..n04 */
    ASSERT_EQ(t.len, 6);
    ASSERT_STR_EQ(t.items[0].tag, "base");
    ASSERT_EQ(t.items[0].count, 40);
    ASSERT_STR_EQ(t.items[5].tag, "round19");
    store_tags_free(&t);
    ASSERT_EQ(store_integrity(s, err, sizeof(err)), 0);
    store_close(s);
}

int main(void)
{
    RUN(test_open);
    RUN(test_replace_and_fts);
    RUN(test_files_and_problems);
    RUN(test_tag_edges);
    RUN(test_clients_priorities);
    RUN(test_concurrent);
    if (dir[0]) {
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0) fprintf(stderr, "cleanup failed\n");
    }
    TEST_END();
}
