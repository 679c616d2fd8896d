/* test_vault.c -- vault paths: root discovery, confinement, ignore rules, db path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "util.h"
#include "vault.h"

static char tmp[256];   /* a scratch dir holding the vault and things outside it */
static char vroot[300]; /* tmp/v */

static void mk(const char *rel)
{
    char p[600];
    snprintf(p, sizeof(p), "%s/%s", tmp, rel);
    mkdir(p, 0755);
}

static void touch(const char *rel, const char *text)
{
    char p[600];
    snprintf(p, sizeof(p), "%s/%s", tmp, rel);
    FILE *f = fopen(p, "w");
    if (!f) { perror(p); exit(2); }
    fputs(text, f);
    fclose(f);
}

static void ln(const char *target, const char *rel)
{
    char p[600];
    snprintf(p, sizeof(p), "%s/%s", tmp, rel);
    if (symlink(target, p) != 0) perror(p);
}

static void setup(void)
{
    snprintf(tmp, sizeof(tmp), "/tmp/rapport-vault-XXXXXX");
    if (!mkdtemp(tmp)) { perror("mkdtemp"); exit(2); }
    /* Make tmp physical so expectations compare with realpath results. */
    char *r = realpath(tmp, NULL);
    snprintf(tmp, sizeof(tmp), "%s", r);
    free(r);
    snprintf(vroot, sizeof(vroot), "%s/v", tmp);
    mk("v");
    mk("v/.rapport");
    mk("v/notes");
    mk("v/notes/deep");
    mk("outside");
    touch("v/notes/a.md", "# a\n");
    touch("outside/x.md", "# x\n");
    ln("../../outside/x.md", "v/notes/out.md");
    ln("a.md", "v/notes/in.md");
    ln("../outside", "v/outdir");
    ln("notes", "v/notes-link");
}

static void test_find_root(void)
{
    char p[600];
    snprintf(p, sizeof(p), "%s/notes/deep", vroot);
    char *r = vault_find_root(p);
    ASSERT_STR_EQ(r, vroot);
    free(r);
    r = vault_find_root(vroot);
    ASSERT_STR_EQ(r, vroot);
    free(r);
    snprintf(p, sizeof(p), "%s/outside", tmp);
    r = vault_find_root(p);
    ASSERT_NULL(r);
    ASSERT_NULL(vault_find_root("/nonexistent/dir"));
}

static void test_resolve(void)
{
    vault v;
    char err[512];
    ASSERT_EQ(vault_open(&v, vroot, err, sizeof(err)), 0);
    char *rel = NULL;
    char old[1024];
    if (!getcwd(old, sizeof(old))) return;
    char p[600];
    snprintf(p, sizeof(p), "%s/notes", vroot);
    ASSERT_EQ(chdir(p), 0);

    ASSERT_EQ(vault_resolve(&v, "a.md", &rel, err, sizeof(err)), 0);
    ASSERT_STR_EQ(rel, "notes/a.md");
    free(rel);
    ASSERT_EQ(vault_resolve(&v, "./deep/../a.md", &rel, err, sizeof(err)), 0);
    ASSERT_STR_EQ(rel, "notes/a.md");
    free(rel);
    /* Not existing yet, but its directory does. */
    ASSERT_EQ(vault_resolve(&v, "deep/new.md", &rel, err, sizeof(err)), 0);
    ASSERT_STR_EQ(rel, "notes/deep/new.md");
    free(rel);
    /* Absolute inside: accepted. */
    snprintf(p, sizeof(p), "%s/notes/a.md", vroot);
    ASSERT_EQ(vault_resolve(&v, p, &rel, err, sizeof(err)), 0);
    ASSERT_STR_EQ(rel, "notes/a.md");
    free(rel);
    /* A link inside the vault keeps the name it was given. */
    ASSERT_EQ(vault_resolve(&v, "in.md", &rel, err, sizeof(err)), 0);
    ASSERT_STR_EQ(rel, "notes/in.md");
    free(rel);
    ASSERT_EQ(vault_resolve(&v, "../notes-link/a.md", &rel, err, sizeof(err)), 0);
    ASSERT_STR_EQ(rel, "notes-link/a.md");
    free(rel);
    /* Outside: refused, also through links. */
    ASSERT_EQ(vault_resolve(&v, "../../outside/x.md", &rel, err, sizeof(err)), VAULT_EOUTSIDE);
    ASSERT_NULL(rel);
    ASSERT_EQ(vault_resolve(&v, "out.md", &rel, err, sizeof(err)), VAULT_EOUTSIDE);
    ASSERT_EQ(vault_resolve(&v, "../outdir/x.md", &rel, err, sizeof(err)), VAULT_EOUTSIDE);
    ASSERT_EQ(vault_resolve(&v, "/etc/passwd", &rel, err, sizeof(err)), VAULT_EOUTSIDE);
    ASSERT_EQ(vault_resolve(&v, "..", &rel, err, sizeof(err)), VAULT_EOUTSIDE); /* the root itself */
    ASSERT_EQ(vault_resolve(&v, "../../v-other/x.md", &rel, err, sizeof(err)), VAULT_ENOENT);
    /* From outside the vault, a path through a link to the vault is confined physically. */
    snprintf(p, sizeof(p), "%s/outside", tmp);
    ASSERT_EQ(chdir(p), 0);
    ln("../v", "outside/to-vault");
    ASSERT_EQ(vault_resolve(&v, "to-vault/notes/a.md", &rel, err, sizeof(err)), 0);
    ASSERT_STR_EQ(rel, "notes/a.md");
    free(rel);
    ASSERT_EQ(chdir(old), 0);
    vault_close(&v);
}

static void test_ignore(void)
{
    touch("v/.rapportignore",
          "# comment\n"
          "\n"
          "drafts/\n"
          "*.tmp.md\n"
          "!keep.tmp.md\n"
          "/top.md\n"
          "archive/**/old-*.md\n"
          "**/scratch\n"
          "a?c.md\n"
          "\\#literal.md\n");
    vault v;
    char err[512];
    ASSERT_EQ(vault_open(&v, vroot, err, sizeof(err)), 0);
    ASSERT_EQ(vault_ignored(&v, "drafts", 1), 1);
    ASSERT_EQ(vault_ignored(&v, "x/drafts", 1), 1);
    ASSERT_EQ(vault_ignored(&v, "drafts", 0), 0); /* a file named drafts */
    ASSERT_EQ(vault_ignored(&v, "n/x.tmp.md", 0), 1);
    ASSERT_EQ(vault_ignored(&v, "n/keep.tmp.md", 0), 0);
    ASSERT_EQ(vault_ignored(&v, "top.md", 0), 1);
    ASSERT_EQ(vault_ignored(&v, "sub/top.md", 0), 0);
    ASSERT_EQ(vault_ignored(&v, "archive/old-1.md", 0), 1);
    ASSERT_EQ(vault_ignored(&v, "archive/2020/q1/old-1.md", 0), 1);
    ASSERT_EQ(vault_ignored(&v, "archive/2020/new-1.md", 0), 0);
    ASSERT_EQ(vault_ignored(&v, "scratch", 1), 1);
    ASSERT_EQ(vault_ignored(&v, "a/b/scratch", 1), 1);
    ASSERT_EQ(vault_ignored(&v, "abc.md", 0), 1);
    ASSERT_EQ(vault_ignored(&v, "a/c.md", 0), 0); /* '?' does not match '/' */
    ASSERT_EQ(vault_ignored(&v, "#literal.md", 0), 1);
    /* vault_excluded: hidden, ignored directories on the way, non-notes. */
    ASSERT_EQ(vault_excluded(&v, "notes/a.md"), 0);
    ASSERT_EQ(vault_excluded(&v, "drafts/a.md"), 1);
    ASSERT_EQ(vault_excluded(&v, "x/drafts/y/a.md"), 1);
    ASSERT_EQ(vault_excluded(&v, ".git/a.md"), 1);
    ASSERT_EQ(vault_excluded(&v, "notes/.a.md"), 1);
    ASSERT_EQ(vault_excluded(&v, "notes/a.txt"), 1);
    ASSERT_EQ(vault_excluded(&v, "notes//a.md"), 1);
    vault_close(&v);
    char p[600];
    snprintf(p, sizeof(p), "%s/.rapportignore", vroot);
    unlink(p);
}

static void test_walk(void)
{
    vault v;
    char err[512];
    touch("v/notes/b.md", "# b\n");
    touch("v/notes/skip.txt", "no\n");
    mk("v/.git");
    touch("v/.git/c.md", "# hidden\n");
    ln("..", "v/notes/deep/up"); /* a loop */
    ASSERT_EQ(vault_open(&v, vroot, err, sizeof(err)), 0);
    vault_listing l;
    ASSERT_EQ(vault_walk(&v, &l, err, sizeof(err)), 0);
    /* notes/a.md is reachable as notes-link/a.md and notes/in.md too: the
     * bytewise first path wins ("notes-link/" < "notes/" since '-' < '/'). */
    buf_t b = {0};
    for (size_t i = 0; i < l.n_files; i++) buf_printf(&b, "%s;", l.files[i].path);
    ASSERT_STR_EQ(buf_cstr(&b), "notes-link/a.md;notes-link/b.md;");
    buf_free(&b);
    for (size_t i = 0; i < l.n_problems; i++) buf_printf(&b, "%s=%s;", l.problems[i].path, l.problems[i].message);
    ASSERT_STR_EQ(buf_cstr(&b),
                  "notes-link/deep/up=symlink loop: skipped;"
                  "notes-link/out.md=symlink leads out of the vault: skipped;"
                  "notes/deep/up=symlink loop: skipped;"
                  "notes/out.md=symlink leads out of the vault: skipped;"
                  "outdir=symlink leads out of the vault: skipped;");
    buf_free(&b);
    ASSERT(l.files[0].mtime_ns > 0 && l.files[0].size == 4 && l.files[0].inode != 0);
    vault_listing_free(&l);

    vault_file f;
    ASSERT_EQ(vault_stat(&v, "notes/in.md", &f, err, sizeof(err)), 0);
    ASSERT_EQ(f.size, 4);
    free(f.path);
    ASSERT_EQ(vault_stat(&v, "notes/out.md", &f, err, sizeof(err)), VAULT_EOUTSIDE);
    ASSERT_EQ(vault_stat(&v, "notes/none.md", &f, err, sizeof(err)), VAULT_ENOENT);
    ASSERT_EQ(vault_stat(&v, ".git/c.md", &f, err, sizeof(err)), VAULT_ENOENT);
    vault_close(&v);
}

static void test_db_path(void)
{
    char state[600];
    snprintf(state, sizeof(state), "%s/state", tmp);
    setenv("XDG_STATE_HOME", state, 1);
    char err[256];
    char *p = vault_default_db_path(vroot, err, sizeof(err));
    ASSERT(p != NULL);
    char want[700];
    snprintf(want, sizeof(want), "%s/rapport/", state);
    ASSERT(strncmp(p, want, strlen(want)) == 0);
    ASSERT_EQ(strlen(p), strlen(want) + 16 + 8);
    ASSERT(strcmp(p + strlen(p) - 8, ".sqlite3") == 0);
    struct stat st;
    snprintf(want, sizeof(want), "%s/rapport", state);
    ASSERT_EQ(stat(want, &st), 0);
    ASSERT_EQ(st.st_mode & 0777, 0700);
    /* Stable per vault, different across vaults. */
    char *q = vault_default_db_path(vroot, err, sizeof(err));
    ASSERT_STR_EQ(p, q);
    free(q);
    q = vault_default_db_path(tmp, err, sizeof(err));
    ASSERT(strcmp(p, q) != 0);
    free(q);
    free(p);
    /* Relative XDG_STATE_HOME is ignored: falls back to HOME. */
    setenv("XDG_STATE_HOME", "relative", 1);
    setenv("HOME", tmp, 1);
    p = vault_default_db_path(vroot, err, sizeof(err));
    snprintf(want, sizeof(want), "%s/.local/state/rapport/", tmp);
    ASSERT(p && strncmp(p, want, strlen(want)) == 0);
    free(p);
}

int main(void)
{
    setup();
    RUN(test_find_root);
    RUN(test_resolve);
    RUN(test_ignore);
    RUN(test_walk);
    RUN(test_db_path);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    if (system(cmd) != 0) fprintf(stderr, "cleanup failed\n");
    TEST_END();
}
