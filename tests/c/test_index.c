/* test_index.c -- the indexer and the store over a temporary vault. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "index.h"
#include "query.h"
#include "store.h"
#include "test.h"
#include "util.h"

static char vdir[256], dbpath[300];

static void put(const char *rel, const char *text)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", vdir, rel);
    for (char *p = path + strlen(vdir) + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        mkdir(path, 0755);
        *p = '/';
    }
    FILE *f = fopen(path, "wb");
    if (!f) { perror(path); exit(2); }
    fwrite(text, 1, strlen(text), f);
    fclose(f);
}

static void put_bytes(const char *rel, const char *b, size_t n)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", vdir, rel);
    FILE *f = fopen(path, "wb");
    fwrite(b, 1, n, f);
    fclose(f);
}

static void rm(const char *rel)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", vdir, rel);
    unlink(path);
}

static void mv(const char *a, const char *b)
{
    char pa[1024], pb[1024];
    snprintf(pa, sizeof(pa), "%s/%s", vdir, a);
    snprintf(pb, sizeof(pb), "%s/%s", vdir, b);
    rename(pa, pb);
}

static void link_to(const char *target, const char *rel)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", vdir, rel);
    if (symlink(target, path) != 0) perror(path);
}

static void rmtree(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", dir, dir);
    if (system(cmd) != 0) fprintf(stderr, "rm -rf %s failed\n", dir);
}

static void fresh_vault(void)
{
    if (vdir[0]) rmtree(vdir);
    snprintf(vdir, sizeof(vdir), "/tmp/rapport-test-XXXXXX");
    if (!mkdtemp(vdir)) { perror("mkdtemp"); exit(2); }
    char d[300];
    snprintf(d, sizeof(d), "%s/.rapport", vdir);
    mkdir(d, 0700);
    snprintf(dbpath, sizeof(dbpath), "%s/.rapport/index.sqlite3", vdir);
}

static void base_notes(void)
{
    put("clients/acme.md",
        "---\ntype: client\ntags: [vip]\n---\n# Acme Corp\n\n## Stakeholders\n\n- @ben - CFO\n");
    put("meetings/2026-01-10-acme.md",
        "---\nclient: acme\ndate: 2026-01-10\n---\n# Kickoff\n\nTalked about #topic/pricing with @ben.\n"
        "\nThe quarterly budget review is next.\n");
    put("meetings/2026-02-01-acme.md",
        "---\nclient: acme\ndate: 2026-02-01\n---\n# Follow-up\n\nMore #topic and #risk here.\n");
    put("notes/idea.md", "# Idea\n\nA #risk note about pricing strategy.\n");
}

static indexer *open_ix(void)
{
    char msg[512], err[512];
    indexer *ix = NULL;
    int rc = index_open(&ix, vdir, dbpath, msg, sizeof(msg), err, sizeof(err));
    if (rc) fprintf(stderr, "index_open: %s\n", err);
    return ix;
}

static store *open_rd(void)
{
    char msg[512], err[512];
    store *s = NULL;
    if (store_open(&s, dbpath, 0, msg, sizeof(msg), err, sizeof(err))) fprintf(stderr, "%s\n", err);
    return s;
}

/* Renders find results as "path|path|..." */
static char *find_str(store *s, const char *q)
{
    char err[256];
    query_node *n = query_parse(q, err, sizeof(err));
    if (!n) return xasprintf("parse error: %s", err);
    store_ref_list r;
    buf_t b = {0};
    if (store_find(s, n, &r, err, sizeof(err))) {
        query_free(n);
        return xasprintf("error: %s", err);
    }
    for (size_t i = 0; i < r.len; i++) {
        if (i) buf_addc(&b, '|');
        buf_adds(&b, r.items[i].path);
    }
    store_note_refs_free(&r);
    query_free(n);
    buf_cstr(&b);
    return b.data;
}

static char *tags_str(store *s)
{
    store_tag_list t;
    buf_t b = {0};
    char err[256];
    if (store_tags(s, &t, err, sizeof(err))) return xstrdup(err);
    for (size_t i = 0; i < t.len; i++) buf_printf(&b, "%s%s=%lld", i ? " " : "", t.items[i].tag, (long long)t.items[i].count);
    store_tags_free(&t);
    buf_cstr(&b);
    return b.data;
}

static char *check_str(store *s)
{
    store_problem_list p;
    buf_t b = {0};
    char err[256];
    if (store_check(s, &p, err, sizeof(err))) return xstrdup(err);
    for (size_t i = 0; i < p.len; i++)
        buf_printf(&b, "%s:%d:%s\n", p.items[i].path, p.items[i].line, p.items[i].message);
    store_problems_free(&p);
    buf_cstr(&b);
    return b.data;
}

#define ASSERT_HAS(hay, needle)                                                          \
    do {                                                                                 \
        const char *_h = (hay);                                                          \
        if (!_h || !strstr(_h, (needle))) {                                              \
            TEST_FAIL_AT("\"%s\" not in \"%s\"", (needle), _h ? _h : "(null)");        \
            return;                                                                      \
        }                                                                                \
    } while (0)

/* ---------------------------------------------------------------------- */

static void test_fts_query(void)
{
    char *q = store_fts_query("budget \"quarterly review\" a\"b");
    ASSERT_STR_EQ(q, "\"budget\" \"quarterly review\" \"a\" \"b\"");
    free(q);
    q = store_fts_query("say \"\"hi\"\" NEAR( x* -y :z");
    ASSERT_STR_EQ(q, "\"say\" \"hi\" \"NEAR(\" \"x*\" \"-y\" \":z\"");
    free(q);
    ASSERT_NULL(store_fts_query("  \" - * : ( "));
    ASSERT_NULL(store_fts_query(""));
    q = store_fts_query("\"unterminated phrase");
    ASSERT_STR_EQ(q, "\"unterminated phrase\"");
    free(q);
}

static void test_basic(void)
{
    fresh_vault();
    base_notes();
    indexer *ix = open_ix();
    ASSERT(ix != NULL);
    index_stats st;
    char err[512];
    ASSERT_EQ(index_run(ix, 0, NULL, NULL, &st, err, sizeof(err)), 0);
    ASSERT_EQ(st.files, 4);
    ASSERT_EQ(st.indexed, 4);
    ASSERT_EQ(st.removed, 0);
    /* The CLI may read through the indexer's own connection. */
    store_tag_list own;
    ASSERT_EQ(store_tags(index_store(ix), &own, err, sizeof(err)), 0);
    ASSERT_EQ(own.len, 4);
    store_tags_free(&own);
    /* A second run reads nothing. */
    ASSERT_EQ(index_run(ix, 0, NULL, NULL, &st, err, sizeof(err)), 0);
    ASSERT_EQ(st.indexed, 0);
    ASSERT_EQ(st.files, 4);
    /* --full re-reads everything. */
    ASSERT_EQ(index_run(ix, INDEX_FULL, NULL, NULL, &st, err, sizeof(err)), 0);
    ASSERT_EQ(st.indexed, 4);

    store *s = open_rd();
    ASSERT(s != NULL);
    char *t = tags_str(s);
    ASSERT_STR_EQ(t, "risk=2 topic=1 topic/pricing=1 vip=1");
    free(t);

    char *f = find_str(s, "topic");
    ASSERT_STR_EQ(f, "meetings/2026-01-10-acme.md|meetings/2026-02-01-acme.md");
    free(f);
    f = find_str(s, "#topic/pricing");
    ASSERT_STR_EQ(f, "meetings/2026-01-10-acme.md");
    free(f);
    f = find_str(s, "top"); /* no prefix match without '/' */
    ASSERT_STR_EQ(f, "");
    free(f);
    f = find_str(s, "risk -client:acme");
    ASSERT_STR_EQ(f, "notes/idea.md");
    free(f);
    f = find_str(s, "client:acme");
    ASSERT_STR_EQ(f, "clients/acme.md|meetings/2026-01-10-acme.md|meetings/2026-02-01-acme.md");
    free(f);
    f = find_str(s, "@ben type:meeting");
    ASSERT_STR_EQ(f, "meetings/2026-01-10-acme.md");
    free(f);
    f = find_str(s, "after:2026-01-10");
    ASSERT_STR_EQ(f, "meetings/2026-02-01-acme.md");
    free(f);
    f = find_str(s, "before:2026-02-01 OR vip");
    ASSERT_STR_EQ(f, "clients/acme.md|meetings/2026-01-10-acme.md");
    free(f);
    f = find_str(s, "NOT (risk OR topic)");
    ASSERT_STR_EQ(f, "clients/acme.md");
    free(f);

    store_ref_list r;
    query_node *q = query_parse("vip", err, sizeof(err));
    ASSERT_EQ(store_find(s, q, &r, err, sizeof(err)), 0);
    ASSERT_EQ(r.len, 1);
    ASSERT_STR_EQ(r.items[0].title, "Acme Corp");
    ASSERT_STR_EQ(r.items[0].client, "acme");
    store_note_refs_free(&r);
    query_free(q);
    q = query_parse("risk", err, sizeof(err));
    ASSERT_EQ(store_find(s, q, &r, err, sizeof(err)), 0);
    ASSERT_EQ(r.len, 2);
    ASSERT_STR_EQ(r.items[1].path, "notes/idea.md");
    ASSERT_NULL(r.items[1].client);
    store_note_refs_free(&r);
    query_free(q);

    store_hit_list h;
    ASSERT_EQ(store_search(s, "quarterly budget", 0, &h, err, sizeof(err)), 0);
    ASSERT_EQ(h.len, 1);
    ASSERT_STR_EQ(h.items[0].path, "meetings/2026-01-10-acme.md");
    ASSERT_EQ(h.items[0].line, 9);
    ASSERT_STR_EQ(h.items[0].snippet, "The quarterly budget review is next.");
    store_hits_free(&h);
    ASSERT_EQ(store_search(s, "\"budget quarterly\"", 0, &h, err, sizeof(err)), 0);
    ASSERT_EQ(h.len, 0);
    store_hits_free(&h);
    ASSERT_EQ(store_search(s, "pricing", 0, &h, err, sizeof(err)), 0);
    ASSERT_EQ(h.len, 2);
    store_hits_free(&h);
    ASSERT_EQ(store_search(s, "pricing", 1, &h, err, sizeof(err)), 0);
    ASSERT_EQ(h.len, 1);
    store_hits_free(&h);

    store_string_list l;
    ASSERT_EQ(store_all_people(s, &l, err, sizeof(err)), 0);
    ASSERT_EQ(l.len, 1);
    ASSERT_STR_EQ(l.items[0], "ben");
    store_strings_free(&l);
    ASSERT_EQ(store_all_clients(s, &l, err, sizeof(err)), 0);
    ASSERT_EQ(l.len, 1);
    ASSERT_STR_EQ(l.items[0], "acme");
    store_strings_free(&l);
    ASSERT_EQ(store_all_tags(s, &l, err, sizeof(err)), 0);
    ASSERT_EQ(l.len, 4);
    store_strings_free(&l);

    char *c = check_str(s);
    ASSERT_STR_EQ(c, "");
    free(c);
    store_close(s);
    index_close(ix);
}

static void test_search_hostile(void)
{
    fresh_vault();
    base_notes();
    indexer *ix = open_ix();
    ASSERT(ix != NULL);
    char err[512];
    ASSERT_EQ(index_run(ix, 0, NULL, NULL, NULL, err, sizeof(err)), 0);
    store *s = open_rd();
    ASSERT(s != NULL);
    static const char *const bad[] = {
        "\"", "*", "NEAR(", "-", ":", "a:b", "body:pricing", "\"unterminated", "AND OR NOT",
        "^pricing", "pricing*", "(pricing", "pricing)", "'", "''", "NEAR(a b, 3)", "{body}: x",
        "\"\"\"", "-pricing", "+pricing", "pri\"cing", "\xe2\x80\x99", "x AND", "",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        store_hit_list h;
        int rc = store_search(s, bad[i], 0, &h, err, sizeof(err));
        if (rc) TEST_FAIL_AT("search [%s]: %s", bad[i], err);
        ASSERT_EQ(rc, 0);
        store_hits_free(&h);
    }
    store_hit_list h;
    ASSERT_EQ(store_search(s, "-pricing", 0, &h, err, sizeof(err)), 0);
    ASSERT_EQ(h.len, 2); /* '-' is not NOT: the word is required */
    store_hits_free(&h);
    store_close(s);
    index_close(ix);
}

static void test_incremental(void)
{
    fresh_vault();
    base_notes();
    indexer *ix = open_ix();
    ASSERT(ix != NULL);
    store *s = open_rd(); /* a reader open during the writes */
    ASSERT(s != NULL);
    char err[512];
    index_stats st;
    ASSERT_EQ(index_run(ix, 0, NULL, NULL, &st, err, sizeof(err)), 0);

    /* Modify: size changes. */
    put("notes/idea.md", "# Idea\n\nNow about #growth only.\n");
    /* Delete. */
    rm("meetings/2026-02-01-acme.md");
    /* Rename. */
    mv("meetings/2026-01-10-acme.md", "meetings/2026-01-11-acme.md");
    ASSERT_EQ(index_run(ix, 0, NULL, NULL, &st, err, sizeof(err)), 0);
    ASSERT_EQ(st.files, 3);
    ASSERT_EQ(st.indexed, 2);
    ASSERT_EQ(st.removed, 2);
    char *t = tags_str(s);
    ASSERT_STR_EQ(t, "growth=1 topic/pricing=1 vip=1");
    free(t);
    char *f = find_str(s, "topic");
    ASSERT_STR_EQ(f, "meetings/2026-01-11-acme.md");
    free(f);
    store_hit_list h;
    ASSERT_EQ(store_search(s, "strategy", 0, &h, err, sizeof(err)), 0);
    ASSERT_EQ(h.len, 0);
    store_hits_free(&h);
    ASSERT_EQ(store_search(s, "growth", 0, &h, err, sizeof(err)), 0);
    ASSERT_EQ(h.len, 1);
    store_hits_free(&h);

    /* Same size, new content: mtime/ctime differ. */
    usleep(2000);
    put("notes/idea.md", "# Idea\n\nNow about #hiring only.\n");
    ASSERT_EQ(index_file(ix, "notes/idea.md", &st, err, sizeof(err)), 0);
    ASSERT_EQ(st.indexed, 1);
    ASSERT_EQ(index_file(ix, "notes/idea.md", &st, err, sizeof(err)), 0);
    ASSERT_EQ(st.indexed, 0); /* fresh: nothing read */
    t = tags_str(s);
    ASSERT_STR_EQ(t, "hiring=1 topic/pricing=1 vip=1");
    free(t);

    /* index_file: new file, deleted file, hidden and ignored paths. */
    put("notes/new.md", "# New\n#fresh\n");
    ASSERT_EQ(index_file(ix, "notes/new.md", &st, err, sizeof(err)), 0);
    ASSERT_EQ(st.indexed, 1);
    f = find_str(s, "fresh");
    ASSERT_STR_EQ(f, "notes/new.md");
    free(f);
    rm("notes/new.md");
    ASSERT_EQ(index_file(ix, "notes/new.md", &st, err, sizeof(err)), 0);
    ASSERT_EQ(st.removed, 1);
    f = find_str(s, "fresh");
    ASSERT_STR_EQ(f, "");
    free(f);
    put(".hidden/x.md", "#secret\n");
    ASSERT_EQ(index_file(ix, ".hidden/x.md", &st, err, sizeof(err)), 0);
    ASSERT_EQ(st.indexed, 0);

    /* .rapportignore */
    put(".rapportignore", "# comment\n\ndrafts/\n*.tmp.md\n!keep.tmp.md\n");
    put("drafts/a.md", "#draft\n");
    put("notes/b.tmp.md", "#draft\n");
    put("notes/keep.tmp.md", "#kept\n");
    ASSERT_EQ(index_run(ix, 0, NULL, NULL, &st, err, sizeof(err)), 0); /* re-reads the ignore file */
    t = tags_str(s);
    ASSERT_STR_EQ(t, "hiring=1 kept=1 topic/pricing=1 vip=1");
    free(t);
    ASSERT_EQ(index_file(ix, "drafts/a.md", &st, err, sizeof(err)), 0);
    ASSERT_EQ(st.indexed, 0);

    /* Ignoring an indexed file later drops it at the next run (same
     * indexer: a helper keeps it for its lifetime). */
    put(".rapportignore", "notes/\n");
    ASSERT_EQ(index_run(ix, 0, NULL, NULL, &st, err, sizeof(err)), 0);
    t = tags_str(s);
    ASSERT_STR_EQ(t, "draft=1 topic/pricing=1 vip=1");
    free(t);
    store_close(s);
    index_close(ix);
}

static void test_problems(void)
{
    fresh_vault();
    base_notes();
    put_bytes("bad-utf8.md", "# x\n\xff\xfe oops\n", 11);
    put_bytes("binary.md", "# x\n\0\0\0\n", 8);
    {
        char path[600];
        snprintf(path, sizeof(path), "%s/huge.md", vdir);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ASSERT(fd >= 0);
        ASSERT_EQ(ftruncate(fd, (off_t)INDEX_MAX_FILE_SIZE + 1), 0); /* NULs, but size wins */
        close(fd);
    }
    link_to("/etc/hostname", "outside.md");
    link_to("/tmp", "outdir");
    link_to("..", "notes/loop");
    link_to("self.md", "self.md");
    put("fm.md", "---\nbad: [\n---\n# Body still indexed #ok\n");
    put("tagcomment.md", "---\ntags: #a\n---\n# T\n");
    put("dup.md", "# D\n\n## Needs\n\n- a\n\n## Needs\n\n- b\n");
    put("clients/acme2.md", "---\ntype: client\nclient: acme\n---\n# Acme again\n");
    int unreadable = geteuid() != 0;
    if (unreadable) {
        put("secret.md", "# s\n");
        char p[600];
        snprintf(p, sizeof(p), "%s/secret.md", vdir);
        chmod(p, 0);
    }
    indexer *ix = open_ix();
    ASSERT(ix != NULL);
    char err[512];
    index_stats st;
    ASSERT_EQ(index_run(ix, 0, NULL, NULL, &st, err, sizeof(err)), 0);
    ASSERT_EQ(st.skipped, 3 + (size_t)unreadable);
    store *s = open_rd();
    char *c = check_str(s);
    ASSERT_HAS(c, "bad-utf8.md:0:not valid UTF-8");
    ASSERT_HAS(c, "binary.md:0:binary file");
    ASSERT_HAS(c, "huge.md:0:file larger than 8 MiB");
    ASSERT_HAS(c, "outside.md:0:symlink leads out of the vault");
    ASSERT_HAS(c, "outdir:0:symlink leads out of the vault");
    ASSERT_HAS(c, "notes/loop:0:symlink loop");
    ASSERT_HAS(c, "self.md:0:symlink loop");
    ASSERT_HAS(c, "frontmatter does not parse"); /* the line is libyaml's (parse.c) */
    ASSERT_HAS(c, "\nfm.md:");
    ASSERT_HAS(c, "tagcomment.md:2:`tags: #...` is a YAML comment");
    ASSERT_HAS(c, "dup.md:7:repeated section \"Needs\"");
    ASSERT_HAS(c, "clients/acme2.md:0:duplicate client id \"acme\" (already used by clients/acme.md");
    if (unreadable) ASSERT_HAS(c, "secret.md:0:file not readable");
    /* Sorted by path, line. */
    store_problem_list pl;
    ASSERT_EQ(store_check(s, &pl, err, sizeof(err)), 0);
    for (size_t i = 1; i < pl.len; i++) {
        int cmp = strcmp(pl.items[i - 1].path, pl.items[i].path);
        ASSERT(cmp < 0 || (cmp == 0 && pl.items[i - 1].line <= pl.items[i].line));
    }
    store_problems_free(&pl);
    free(c);
    char *f = find_str(s, "ok");
    ASSERT_STR_EQ(f, "fm.md");
    free(f);

    /* Skipped files are not re-read until they change; a second run writes nothing. */
    ASSERT_EQ(index_run(ix, 0, NULL, NULL, &st, err, sizeof(err)), 0);
    ASSERT_EQ(st.indexed, 0);
    /* Fixing a file clears its problem. */
    put("bad-utf8.md", "# fixed #now\n");
    rm("outside.md");
    rm("notes/loop");
    ASSERT_EQ(index_run(ix, 0, NULL, NULL, &st, err, sizeof(err)), 0);
    ASSERT_EQ(st.indexed, 1);
    c = check_str(s);
    if (strstr(c, "bad-utf8.md") || strstr(c, "outside.md") || strstr(c, "notes/loop"))
        TEST_FAIL_AT("stale problems: %s", c);
    free(c);
    f = find_str(s, "now");
    ASSERT_STR_EQ(f, "bad-utf8.md");
    free(f);
    store_close(s);
    index_close(ix);
}

static void test_links_inside(void)
{
    fresh_vault();
    put("real/a.md", "# A #alpha\n");
    put("real/b.md", "# B #beta\n");
    link_to("real/a.md", "z-link.md");  /* after real/a.md in byte order: dropped */
    link_to("real/b.md", "b-link.md");  /* before real/b.md: wins */
    link_to("real", "alias");           /* directory link: alias/a.md < real/a.md */
    indexer *ix = open_ix();
    ASSERT(ix != NULL);
    char err[512];
    index_stats st;
    ASSERT_EQ(index_run(ix, 0, NULL, NULL, &st, err, sizeof(err)), 0);
    ASSERT_EQ(st.files, 2);
    store *s = open_rd();
    char *f = find_str(s, "alpha OR beta");
    ASSERT_STR_EQ(f, "alias/a.md|alias/b.md");
    free(f);
    /* index_file on the losing path keeps the first. */
    ASSERT_EQ(index_file(ix, "real/a.md", &st, err, sizeof(err)), 0);
    ASSERT_EQ(st.indexed, 0);
    f = find_str(s, "alpha");
    ASSERT_STR_EQ(f, "alias/a.md");
    free(f);
    store_close(s);
    index_close(ix);
}

static void test_index_file_edges(void)
{
    fresh_vault();
    base_notes();
    put("notes/a b.md", "# Spaced #odd\n");
    put("notes/\xc3\xa7" "a.md", "# Cedilla #odd\n");
    put("notes/q\"uote's.md", "# Quotes #odd\n");
    indexer *ix = open_ix();
    ASSERT(ix != NULL);
    char err[512];
    index_stats st;
    ASSERT_EQ(index_run(ix, 0, NULL, NULL, &st, err, sizeof(err)), 0);
    store *s = open_rd();
    char *f = find_str(s, "odd");
    ASSERT_STR_EQ(f, "notes/a b.md|notes/q\"uote's.md|notes/\xc3\xa7" "a.md");
    free(f);

    /* Links out and loops given to index_file: problems, no crash. */
    link_to("/etc/hostname", "notes/out.md");
    link_to("loop2.md", "notes/loop1.md");
    link_to("loop1.md", "notes/loop2.md");
    ASSERT_EQ(index_file(ix, "notes/out.md", &st, err, sizeof(err)), 0);
    ASSERT_EQ(index_file(ix, "notes/loop1.md", &st, err, sizeof(err)), 0);
    ASSERT_EQ(index_file(ix, "notes/../notes/a b.md", &st, err, sizeof(err)), 0); /* not a vault path */
    ASSERT_EQ(st.indexed, 0);
    char *c = check_str(s);
    ASSERT_HAS(c, "notes/out.md:0:symlink leads out of the vault");
    ASSERT_HAS(c, "notes/loop1.md:0:symlink loop: skipped");
    free(c);
    /* The next full walk owns those rows again (loop2 too). */
    ASSERT_EQ(index_run(ix, 0, NULL, NULL, &st, err, sizeof(err)), 0);
    c = check_str(s);
    ASSERT_HAS(c, "notes/loop2.md:0:symlink loop");
    free(c);

    /* --full after edits: same answers, FTS consistent. */
    put("notes/idea.md", "# Idea\n\nRewritten #fresh text about zebras.\n");
    rm("meetings/2026-02-01-acme.md");
    ASSERT_EQ(index_run(ix, INDEX_FULL, NULL, NULL, &st, err, sizeof(err)), 0);
    ASSERT_EQ(st.removed, 1);
    ASSERT_EQ(st.indexed, st.files);
    store_hit_list h;
    ASSERT_EQ(store_search(s, "zebras", 0, &h, err, sizeof(err)), 0);
    ASSERT_EQ(h.len, 1);
    store_hits_free(&h);
    ASSERT_EQ(store_search(s, "strategy", 0, &h, err, sizeof(err)), 0);
    ASSERT_EQ(h.len, 0);
    store_hits_free(&h);
    ASSERT_EQ(store_integrity(s, err, sizeof(err)), 0);
    /* An unchanged vault: nothing read, nothing written. */
    ASSERT_EQ(index_run(ix, 0, NULL, NULL, &st, err, sizeof(err)), 0);
    ASSERT_EQ(st.indexed + st.removed, 0);
    store_close(s);
    index_close(ix);
}

static void corrupt_header_version(int v)
{
    /* user_version is the big-endian 32-bit integer at offset 60. */
    int fd = open(dbpath, O_RDWR);
    unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8),
                          (unsigned char)v};
    if (fd < 0 || pwrite(fd, b, 4, 60) != 4) perror("pwrite");
    if (fd >= 0) close(fd);
}

static int count_bad_files(void)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "ls '%s/.rapport' | grep -c 'index.sqlite3.bad-' ", vdir);
    FILE *p = popen(cmd, "r");
    int n = 0;
    if (p) {
        if (fscanf(p, "%d", &n) != 1) n = 0;
        pclose(p);
    }
    return n;
}

static void test_recovery(void)
{
    fresh_vault();
    base_notes();
    /* Garbage bytes. */
    char junk[8192];
    for (size_t i = 0; i < sizeof(junk); i++) junk[i] = (char)(i * 7 + 3);
    FILE *fp = fopen(dbpath, "wb");
    fwrite(junk, 1, sizeof(junk), fp);
    fclose(fp);
    char msg[512] = "", err[512];
    indexer *ix = NULL;
    ASSERT_EQ(index_open(&ix, vdir, dbpath, msg, sizeof(msg), err, sizeof(err)), 0);
    ASSERT_HAS(msg, "moved it to");
    ASSERT_EQ(count_bad_files(), 1);
    index_stats st;
    ASSERT_EQ(index_run(ix, 0, NULL, NULL, &st, err, sizeof(err)), 0);
    ASSERT_EQ(st.indexed, 4);
    index_close(ix);
    struct stat sb;
    ASSERT_EQ(stat(dbpath, &sb), 0);
    ASSERT_EQ(sb.st_mode & 0777, 0600);

    /* A newer schema version. */
    corrupt_header_version(STORE_SCHEMA_VERSION + 1);
    store *s = NULL;
    msg[0] = '\0';
    ASSERT_EQ(store_open(&s, dbpath, 0, msg, sizeof(msg), err, sizeof(err)), 0);
    ASSERT_HAS(msg, "newer");
    ASSERT_EQ(store_count_notes(s), 0);
    store_close(s);
    sleep(1); /* the stamp has one-second resolution; a suffix handles clashes anyway */
    ASSERT(count_bad_files() >= 2);

    /* A healthy database opens without a message. */
    msg[0] = 'x';
    ASSERT_EQ(store_open(&s, dbpath, 0, msg, sizeof(msg), err, sizeof(err)), 0);
    ASSERT_STR_EQ(msg, "");
    store_close(s);

    /* Truncated to half a page. */
    ix = open_ix();
    ASSERT_EQ(index_run(ix, 0, NULL, NULL, &st, err, sizeof(err)), 0);
    index_close(ix);
    ASSERT_EQ(truncate(dbpath, 100), 0);
    msg[0] = '\0';
    ASSERT_EQ(store_open(&s, dbpath, 0, msg, sizeof(msg), err, sizeof(err)), 0);
    ASSERT_HAS(msg, "moved it to");
    store_close(s);
}

static size_t progress_calls, progress_last_done, progress_last_total;

static void on_progress(void *ud, size_t done, size_t total, const char *what)
{
    (void)ud;
    (void)what;
    progress_calls++;
    progress_last_done = done;
    progress_last_total = total;
}

static void test_many_threads(void)
{
    /* Enough files for the reader threads, in nested directories. */
    fresh_vault();
    char rel[64], text[256];
    for (int i = 0; i < 700; i++) {
        snprintf(rel, sizeof(rel), "d%02d/n%04d.md", i % 13, i);
        snprintf(text, sizeof(text), "# Note %d\n\n#t%d #common @p%d\n\nword%d body text\n", i, i % 10,
                 i % 7, i);
        put(rel, text);
    }
    for (int readers = 0; readers <= 2; readers++) {
        indexer *ix = open_ix();
        ASSERT(ix != NULL);
        index_set_readers(ix, readers);
        char err[512];
        index_stats st;
        progress_calls = 0;
        ASSERT_EQ(index_run(ix, INDEX_FULL, on_progress, NULL, &st, err, sizeof(err)), 0);
        ASSERT_EQ(st.indexed, 700);
        ASSERT(progress_calls >= 3);
        ASSERT_EQ(progress_last_done, 700);
        ASSERT_EQ(progress_last_total, 700);
        store *s = open_rd();
        char *f = find_str(s, "t3 @p0");
        /* i % 10 == 3 and i % 7 == 0: i = 63 + 70k */
        char *want = xstrdup("d11/n0063.md");
        ASSERT_HAS(f, want);
        free(want);
        free(f);
        store_tag_list t;
        ASSERT_EQ(store_tags(s, &t, err, sizeof(err)), 0);
        ASSERT_EQ(t.len, 11);
        ASSERT_STR_EQ(t.items[0].tag, "common");
        ASSERT_EQ(t.items[0].count, 700);
        store_tags_free(&t);
        store_hit_list h;
        ASSERT_EQ(store_search(s, "word123", 0, &h, err, sizeof(err)), 0);
        ASSERT_EQ(h.len, 1);
        ASSERT_EQ(h.items[0].line, 5);
        store_hits_free(&h);
        store_close(s);
        index_close(ix);
    }
}


/* ------------------------------------------------------------ fault tests */

/* Everything a query can see of an index, as one string: the notes, tags,
 * problems, a search and a find over every note. */
static char *dump_index(const char *db)
{
    char msg[512], err[512];
    store *s = NULL;
    if (store_open(&s, db, 0, msg, sizeof(msg), err, sizeof(err))) return xasprintf("open: %s", err);
    char *t = tags_str(s), *c = check_str(s), *f = find_str(s, "common OR -common");
    store_hit_list h;
    buf_t b = {0};
    buf_printf(&b, "notes=%lld\ntags=%s\ncheck=%s\nfind=%s\n", (long long)store_count_notes(s), t, c, f);
    if (store_search(s, "body", 1000, &h, err, sizeof(err)) == 0) {
        for (size_t i = 0; i < h.len; i++) buf_printf(&b, "hit %s:%d\n", h.items[i].path, h.items[i].line);
        store_hits_free(&h);
    }
    free(t), free(c), free(f);
    store_close(s);
    buf_cstr(&b);
    return b.data;
}

static void many_notes(int n)
{
    char rel[64], text[256];
    for (int i = 0; i < n; i++) {
        snprintf(rel, sizeof(rel), "d%02d/n%04d.md", i % 17, i);
        snprintf(text, sizeof(text), "---\ntags: [t%d]\n---\n# Note %d\n\n#common @p%d body %d\n", i % 11, i,
                 i % 5, i);
        put(rel, text);
    }
}

static void full_index_into(const char *db)
{
    char msg[512], err[512];
    indexer *ix = NULL;
    if (index_open(&ix, vdir, db, msg, sizeof(msg), err, sizeof(err)) == 0) {
        index_stats st;
        if (index_run(ix, INDEX_FULL, NULL, NULL, &st, err, sizeof(err))) fprintf(stderr, "%s\n", err);
        index_close(ix);
    }
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* SIGKILL at any moment of a full index: the next (incremental) run gives
 * exactly what a fresh full index gives. */
static void test_sigkill_during_index(void)
{
    fresh_vault();
    many_notes(1500);
    char ref_db[400];
    snprintf(ref_db, sizeof(ref_db), "%s/.rapport/reference.sqlite3", vdir);
    full_index_into(ref_db);
    char *want = dump_index(ref_db);
    ASSERT(strstr(want, "notes=1500\n") != NULL);
    static const long delays[] = {1, 5, 15, 30, 60, 100, 160, 250, 400};
    int killed = 0;
    for (size_t i = 0; i < sizeof(delays) / sizeof(*delays); i++) {
        /* the previous round left a complete index: a full run rewrites it */
        pid_t pid = fork();
        ASSERT(pid >= 0);
        if (pid == 0) {
            full_index_into(dbpath);
            _exit(0);
        }
        sleep_ms(delays[i]);
        kill(pid, SIGKILL);
        int status = 0;
        waitpid(pid, &status, 0);
        killed += WIFSIGNALED(status);
        indexer *ix = open_ix();
        ASSERT(ix != NULL);
        char err[512];
        index_stats st;
        ASSERT_EQ(index_run(ix, 0, NULL, NULL, &st, err, sizeof(err)), 0);
        index_close(ix);
        char *got = dump_index(dbpath);
        if (strcmp(got, want) != 0)
            fprintf(stderr, "after a kill at %ld ms:\n%.300s\n--- want\n%.300s\n", delays[i], got, want);
        ASSERT_STR_EQ(got, want);
        free(got);
        store *s = open_rd();
        ASSERT_EQ(store_integrity(s, err, sizeof(err)), 0);
        store_close(s);
    }
    ASSERT(killed >= 3); /* most kills landed while the child was indexing */
    free(want);
}

/* Another process holds the database's write lock for a while: the indexer
 * waits (busy timeout) and succeeds; readers are not blocked (WAL). */
static void test_locked_by_other_process(void)
{
    fresh_vault();
    base_notes();
    indexer *ix = open_ix();
    ASSERT(ix != NULL);
    char err[512];
    index_stats st;
    ASSERT_EQ(index_run(ix, 0, NULL, NULL, &st, err, sizeof(err)), 0);
    int pfd[2];
    ASSERT_EQ(pipe(pfd), 0);
    pid_t pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0) {
        sqlite3 *db = NULL;
        if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) _exit(2);
        if (sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL) != SQLITE_OK) _exit(3);
        if (write(pfd[1], "x", 1) != 1) _exit(4);
        sleep_ms(700);
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        sqlite3_close(db);
        _exit(0);
    }
    close(pfd[1]);
    char x;
    ASSERT_EQ(read(pfd[0], &x, 1), 1);
    close(pfd[0]);
    put("notes/new.md", "# New\n\n#fresh while locked\n");
    store *s = open_rd();
    ASSERT(s != NULL);
    char *t = tags_str(s); /* a reader while the writer lock is held */
    ASSERT_HAS(t, "risk=2");
    free(t);
    ASSERT_EQ(index_run(ix, 0, NULL, NULL, &st, err, sizeof(err)), 0);
    ASSERT_EQ(st.indexed, 1);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    t = tags_str(s);
    ASSERT_HAS(t, "fresh=1");
    free(t);
    store_close(s);
    index_close(ix);
}

/* A VFS in front of the default one that fails writes or syncs on demand,
 * as SQLite's own tests do: disk full, I/O error. */
static sqlite3_vfs *real_vfs, fault_vfs;
static int fault_code, fault_after; /* fail every write once fault_after more have passed */

typedef struct {
    sqlite3_file base;
    sqlite3_file *real;
} fault_file;

static int ff_fail(void)
{
    if (!fault_code) return 0;
    if (fault_after > 0) {
        fault_after--;
        return 0;
    }
    return 1;
}

#define REAL(f) (((fault_file *)(f))->real)
static int ff_close(sqlite3_file *f) { return REAL(f)->pMethods->xClose(REAL(f)); }
static int ff_read(sqlite3_file *f, void *b, int n, sqlite3_int64 o) { return REAL(f)->pMethods->xRead(REAL(f), b, n, o); }
static int ff_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 o)
{
    if (ff_fail()) return fault_code;
    return REAL(f)->pMethods->xWrite(REAL(f), b, n, o);
}
static int ff_truncate(sqlite3_file *f, sqlite3_int64 n) { return REAL(f)->pMethods->xTruncate(REAL(f), n); }
static int ff_sync(sqlite3_file *f, int fl)
{
    if (ff_fail()) return SQLITE_IOERR_FSYNC;
    return REAL(f)->pMethods->xSync(REAL(f), fl);
}
static int ff_size(sqlite3_file *f, sqlite3_int64 *n) { return REAL(f)->pMethods->xFileSize(REAL(f), n); }
static int ff_lock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xLock(REAL(f), l); }
static int ff_unlock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xUnlock(REAL(f), l); }
static int ff_reserved(sqlite3_file *f, int *r) { return REAL(f)->pMethods->xCheckReservedLock(REAL(f), r); }
static int ff_control(sqlite3_file *f, int op, void *a) { return REAL(f)->pMethods->xFileControl(REAL(f), op, a); }
static int ff_sector(sqlite3_file *f) { return REAL(f)->pMethods->xSectorSize(REAL(f)); }
static int ff_dev(sqlite3_file *f) { return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f)); }
static int ff_shm_map(sqlite3_file *f, int pg, int sz, int ext, void volatile **pp) { return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, ext, pp); }
static int ff_shm_lock(sqlite3_file *f, int off, int n, int fl) { return REAL(f)->pMethods->xShmLock(REAL(f), off, n, fl); }
static void ff_shm_barrier(sqlite3_file *f) { REAL(f)->pMethods->xShmBarrier(REAL(f)); }
static int ff_shm_unmap(sqlite3_file *f, int del) { return REAL(f)->pMethods->xShmUnmap(REAL(f), del); }
static int ff_fetch(sqlite3_file *f, sqlite3_int64 o, int n, void **pp) { return REAL(f)->pMethods->xFetch(REAL(f), o, n, pp); }
static int ff_unfetch(sqlite3_file *f, sqlite3_int64 o, void *p) { return REAL(f)->pMethods->xUnfetch(REAL(f), o, p); }

static const sqlite3_io_methods fault_io = {
    3, ff_close, ff_read, ff_write, ff_truncate, ff_sync, ff_size, ff_lock, ff_unlock, ff_reserved,
    ff_control, ff_sector, ff_dev, ff_shm_map, ff_shm_lock, ff_shm_barrier, ff_shm_unmap, ff_fetch,
    ff_unfetch,
};

static int fv_open(sqlite3_vfs *v, const char *name, sqlite3_file *f, int flags, int *out)
{
    (void)v;
    fault_file *ff = (fault_file *)f;
    ff->real = (sqlite3_file *)(ff + 1);
    int rc = real_vfs->xOpen(real_vfs, name, ff->real, flags, out);
    ff->base.pMethods = rc == SQLITE_OK ? &fault_io : NULL;
    return rc;
}
static int fv_delete(sqlite3_vfs *v, const char *n, int d) { (void)v; return real_vfs->xDelete(real_vfs, n, d); }
static int fv_access(sqlite3_vfs *v, const char *n, int fl, int *r) { (void)v; return real_vfs->xAccess(real_vfs, n, fl, r); }
static int fv_full(sqlite3_vfs *v, const char *n, int k, char *o) { (void)v; return real_vfs->xFullPathname(real_vfs, n, k, o); }
static int fv_random(sqlite3_vfs *v, int n, char *o) { (void)v; return real_vfs->xRandomness(real_vfs, n, o); }
static int fv_sleep(sqlite3_vfs *v, int us) { (void)v; return real_vfs->xSleep(real_vfs, us); }
static int fv_time(sqlite3_vfs *v, double *t) { (void)v; return real_vfs->xCurrentTime(real_vfs, t); }
static int fv_lasterr(sqlite3_vfs *v, int n, char *o) { (void)v; return real_vfs->xGetLastError(real_vfs, n, o); }
static int fv_time64(sqlite3_vfs *v, sqlite3_int64 *t) { (void)v; return real_vfs->xCurrentTimeInt64(real_vfs, t); }

static void fault_vfs_install(void)
{
    if (real_vfs) return;
    real_vfs = sqlite3_vfs_find(NULL);
    fault_vfs = *real_vfs;
    fault_vfs.zName = "rapport-fault";
    fault_vfs.szOsFile = (int)sizeof(fault_file) + real_vfs->szOsFile;
    fault_vfs.xOpen = fv_open;
    fault_vfs.xDelete = fv_delete;
    fault_vfs.xAccess = fv_access;
    fault_vfs.xFullPathname = fv_full;
    fault_vfs.xRandomness = fv_random;
    fault_vfs.xSleep = fv_sleep;
    fault_vfs.xCurrentTime = fv_time;
    fault_vfs.xGetLastError = fv_lasterr;
    fault_vfs.xCurrentTimeInt64 = fv_time64;
    fault_vfs.xDlOpen = NULL, fault_vfs.xDlError = NULL, fault_vfs.xDlSym = NULL, fault_vfs.xDlClose = NULL;
    fault_vfs.xSetSystemCall = NULL, fault_vfs.xGetSystemCall = NULL, fault_vfs.xNextSystemCall = NULL;
    sqlite3_vfs_register(&fault_vfs, 1);
}

/* Disk full or an I/O error on any database write: the run fails with a
 * clear message, no note is touched, nothing is moved aside, and once the
 * disk is healthy again the next run gives the full index. */
static void test_db_write_faults(void)
{
    fresh_vault();
    many_notes(300);
    char ref_db[400];
    snprintf(ref_db, sizeof(ref_db), "%s/.rapport/reference.sqlite3", vdir);
    full_index_into(ref_db);
    char *want = dump_index(ref_db);
    fault_vfs_install();
    static const int codes[] = {SQLITE_FULL, SQLITE_IOERR_WRITE};
    static const int afters[] = {0, 2, 7, 20, 60, 150};
    int failures = 0;
    for (size_t c = 0; c < 2; c++) {
        for (size_t a = 0; a < sizeof(afters) / sizeof(*afters); a++) {
            char msg[512] = "", err[512] = "";
            fault_code = codes[c];
            fault_after = afters[a];
            indexer *ix = NULL;
            int rc = index_open(&ix, vdir, dbpath, msg, sizeof(msg), err, sizeof(err));
            index_stats st;
            if (rc == 0) rc = index_run(ix, INDEX_FULL, NULL, NULL, &st, err, sizeof(err));
            if (ix) index_close(ix);
            fault_code = 0;
            if (rc != 0) {
                failures++;
                if (!strstr(err, "disk") && !strstr(err, "I/O")) fprintf(stderr, "unclear: %s\n", err);
                ASSERT(strstr(err, "disk") != NULL || strstr(err, "I/O") != NULL);
            }
            ASSERT_STR_EQ(msg, ""); /* never taken for a corrupt database */
            ASSERT_EQ(count_bad_files(), 0);
            /* healthy again */
            ix = open_ix();
            ASSERT(ix != NULL);
            ASSERT_EQ(index_run(ix, 0, NULL, NULL, &st, err, sizeof(err)), 0);
            index_close(ix);
            char *got = dump_index(dbpath);
            ASSERT_STR_EQ(got, want);
            free(got);
        }
    }
    ASSERT(failures >= 8);
    char p[600];
    snprintf(p, sizeof(p), "%s/d03/n0003.md", vdir);
    char *text = NULL;
    size_t len = 0;
    FILE *f = fopen(p, "rb");
    ASSERT(f != NULL);
    char buf[512];
    len = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[len] = '\0';
    text = buf;
    ASSERT_STR_EQ(text, "---\ntags: [t3]\n---\n# Note 3\n\n#common @p3 body 3\n");
    free(want);
}

/* Names with spaces, a newline, unicode and a leading dash; a real 20 MiB
 * file; a 100,000-line note. */
static void test_hostile_names_and_sizes(void)
{
    fresh_vault();
    put("with space.md", "# Space\n\n#odd\n");
    put("new\nline.md", "# Newline\n\n#odd\n");
    put("ünï cødé/日本語.md", "# Unicode\n\n#odd\n");
    put("-dash.md", "# Dash\n\n#odd\n");
    put("quote\"and\\back.md", "# Quote\n\n#odd\n");
    {
        char path[600];
        snprintf(path, sizeof(path), "%s/big.md", vdir);
        FILE *f = fopen(path, "wb");
        ASSERT(f != NULL);
        char line[1024];
        memset(line, 'x', sizeof(line) - 1);
        line[sizeof(line) - 1] = '\n';
        for (int i = 0; i < 20 * 1024; i++) fwrite(line, 1, sizeof(line), f); /* 20 MiB of text */
        fclose(f);
    }
    {
        buf_t b = {0};
        buf_adds(&b, "# Long\n\n## Next steps\n\n");
        for (int i = 0; i < 100000; i++) buf_printf(&b, "- [ ] item %d #long\n", i);
        put("long.md", buf_cstr(&b));
        buf_free(&b);
    }
    indexer *ix = open_ix();
    ASSERT(ix != NULL);
    char err[512];
    index_stats st;
    ASSERT_EQ(index_run(ix, 0, NULL, NULL, &st, err, sizeof(err)), 0);
    index_close(ix);
    store *s = open_rd();
    ASSERT_EQ(store_count_notes(s), 6); /* big.md is recorded as skipped, not a note */
    char *t = tags_str(s);
    ASSERT_STR_EQ(t, "long=1 odd=5"); /* notes per tag */
    free(t);
    char *f = find_str(s, "odd");
    ASSERT_STR_EQ(f, "-dash.md|new\nline.md|quote\"and\\back.md|with space.md|ünï cødé/日本語.md");
    free(f);
    char *c = check_str(s);
    ASSERT_HAS(c, "big.md:0:file larger than 8 MiB");
    free(c);
    store_close(s);
}

/* Permission denied on a file and on a directory: both are skipped with a
 * problem, the rest is indexed. Root reads everything, so when the tests run
 * as root (CI does) this part runs in a child that has become nobody. */
static void permission_denied_body(void)
{
    put("open.md", "# Open\n\n#seen\n");
    put("secret.md", "# Secret\n\n#hidden\n");
    put("locked/inside.md", "# Inside\n\n#hidden\n");
    char p[600];
    snprintf(p, sizeof(p), "%s/secret.md", vdir);
    ASSERT_EQ(chmod(p, 0), 0);
    snprintf(p, sizeof(p), "%s/locked", vdir);
    ASSERT_EQ(chmod(p, 0), 0);
    indexer *ix = open_ix();
    ASSERT(ix != NULL);
    char err[512];
    index_stats st;
    ASSERT_EQ(index_run(ix, 0, NULL, NULL, &st, err, sizeof(err)), 0);
    index_close(ix);
    store *s = open_rd();
    ASSERT(s != NULL);
    char *t = tags_str(s), *c = check_str(s);
    ASSERT_STR_EQ(t, "seen=1");
    ASSERT_HAS(c, "secret.md:0:file not readable");
    ASSERT_HAS(c, "locked:0:directory not readable");
    free(t), free(c);
    store_close(s);
    snprintf(p, sizeof(p), "%s/locked", vdir);
    chmod(p, 0755);
}

static void test_permission_denied(void)
{
    fresh_vault();
    if (geteuid() != 0) {
        permission_denied_body();
        return;
    }
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "chown -R 65534:65534 '%s'", vdir);
    ASSERT_EQ(system(cmd), 0);
    pid_t pid = fork();
    ASSERT(pid >= 0);
    if (pid == 0) {
        if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0) _exit(3);
        permission_denied_body();
        _exit(test_cur_failed ? 1 : 0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 0);
}

int main(void)
{
    RUN(test_fts_query);
    RUN(test_basic);
    RUN(test_search_hostile);
    RUN(test_incremental);
    RUN(test_problems);
    RUN(test_links_inside);
    RUN(test_index_file_edges);
    RUN(test_recovery);
    RUN(test_many_threads);
    RUN(test_sigkill_during_index);
    RUN(test_locked_by_other_process);
    RUN(test_db_write_faults);
    RUN(test_hostile_names_and_sizes);
    RUN(test_permission_denied);
    if (vdir[0]) rmtree(vdir);
    TEST_END();
}
