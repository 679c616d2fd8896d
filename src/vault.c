/* vault.c -- paths of the vault: root discovery, confinement, ignore rules, walk.
 *
 * The walk is readdir + fstatat relative to an open directory fd (no path
 * building for system calls, ~2.7 µs a file). Symlinks are rare, so each one
 * costs a realpath(3) to decide whether it stays inside the vault; directory
 * loops are detected with the (dev, inode) stack of the directories being
 * walked. Duplicates (hard links, links to files or directories inside the
 * vault) are removed after sorting, keeping the bytewise-first path.
 */
#include "vault.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define VAULT_MAX_DEPTH 64
#define VAULT_MAX_FILES 2000000


static int has_md_suffix(const char *name, size_t n)
{
    return n > 3 && memcmp(name + n - 3, ".md", 3) == 0;
}

/* 1 when `p` (physical, absolute) is `root` or below it. */
static int inside(const vault *v, const char *p)
{
    return strncmp(p, v->root, v->root_len) == 0 &&
           (p[v->root_len] == '/' || p[v->root_len] == '\0' || v->root_len == 1);
}

/* ---- .rapportignore ---------------------------------------------------- */

typedef struct {
    char *pat;
    int neg, dir_only, anchored;
} ign_rule;

struct vault_ignore {
    ign_rule *rules;
    size_t n;
};

/* Glob match of pattern p against s: '*' and '?' never match '/', "**" as a
 * whole component matches any number of components, '\' escapes. */
static int glob(const char *base, const char *p, const char *s)
{
    while (*p) {
        if (p[0] == '*' && p[1] == '*' && (p == base || p[-1] == '/') &&
            (p[2] == '/' || p[2] == '\0')) {
            if (p[2] == '\0') return 1;
            p += 3;
            for (;;) {
                if (glob(base, p, s)) return 1;
                s = strchr(s, '/');
                if (!s) return 0;
                s++;
            }
        }
        if (*p == '*') {
            while (*p == '*') p++;
            for (;;) {
                if (glob(base, p, s)) return 1;
                if (!*s || *s == '/') return 0;
                s++;
            }
        }
        if (*p == '?') {
            if (!*s || *s == '/') return 0;
            p++, s++;
            continue;
        }
        if (*p == '\\' && p[1]) p++;
        if (*p != *s) return 0;
        p++, s++;
    }
    return *s == '\0';
}

static void ignore_stamp(const char *root, int64_t stamp[3])
{
    char *path = xasprintf("%s/.rapportignore", root);
    struct stat st;
    if (stat(path, &st) == 0) {
        stamp[0] = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
        stamp[1] = (int64_t)st.st_size;
        stamp[2] = (int64_t)st.st_ino;
    } else {
        stamp[0] = stamp[1] = stamp[2] = 0;
    }
    free(path);
}

static vault_ignore *ignore_load(const char *root)
{
    char *path = xasprintf("%s/.rapportignore", root);
    FILE *f = fopen(path, "r");
    free(path);
    if (!f) return NULL;
    vault_ignore *ig = xcalloc(1, sizeof(*ig));
    size_t cap = 0;
    char line[4096];
    while (fgets(line, sizeof(line), f)) {
        size_t n = strcspn(line, "\r\n");
        line[n] = '\0';
        while (n > 0 && line[n - 1] == ' ' && !(n > 1 && line[n - 2] == '\\')) line[--n] = '\0';
        char *p = line;
        if (!*p || *p == '#') continue;
        ign_rule r = {0};
        if (*p == '!') r.neg = 1, p++;
        else if (*p == '\\' && (p[1] == '!' || p[1] == '#')) p++;
        n = strlen(p);
        if (n > 0 && p[n - 1] == '/') r.dir_only = 1, p[--n] = '\0';
        if (!*p) continue;
        if (strchr(p, '/')) r.anchored = 1;
        if (*p == '/') p++;
        if (!*p) continue;
        if (ig->n == cap) {
            cap = cap ? cap * 2 : 8;
            ig->rules = xrealloc(ig->rules, cap * sizeof(*ig->rules));
        }
        r.pat = xstrdup(p);
        ig->rules[ig->n++] = r;
    }
    fclose(f);
    return ig;
}

static void ignore_free(vault_ignore *ig)
{
    if (!ig) return;
    for (size_t i = 0; i < ig->n; i++) free(ig->rules[i].pat);
    free(ig->rules);
    free(ig);
}

int vault_ignored(const vault *v, const char *rel, int is_dir)
{
    const vault_ignore *ig = v->ignore;
    if (!ig) return 0;
    const char *slash = strrchr(rel, '/');
    const char *name = slash ? slash + 1 : rel;
    for (size_t i = ig->n; i-- > 0;) {
        const ign_rule *r = &ig->rules[i];
        if (r->dir_only && !is_dir) continue;
        if (glob(r->pat, r->pat, r->anchored ? rel : name)) return !r->neg;
    }
    return 0;
}

int vault_excluded(const vault *v, const char *rel)
{
    size_t n = strlen(rel);
    if (!has_md_suffix(rel, n) || rel[0] == '/') return 1;
    char *tmp = xstrdup(rel);
    int ex = 0;
    for (char *comp = tmp;;) {
        char *slash = strchr(comp, '/');
        if (comp[0] == '.' || comp[0] == '/' || comp[0] == '\0') { ex = 1; break; }
        if (slash) *slash = '\0';
        if (vault_ignored(v, tmp, slash != NULL)) { ex = 1; break; }
        if (!slash) break;
        *slash = '/';
        comp = slash + 1;
    }
    free(tmp);
    return ex;
}

/* ---- root, open, resolve ------------------------------------------------ */

char *vault_find_root(const char *start_dir)
{
    char *dir = realpath(start_dir, NULL);
    if (!dir) return NULL;
    for (;;) {
        char *marker = xasprintf("%s/.rapport", strcmp(dir, "/") == 0 ? "" : dir);
        struct stat st;
        int ok = stat(marker, &st) == 0 && S_ISDIR(st.st_mode);
        free(marker);
        if (ok) return dir;
        char *slash = strrchr(dir, '/');
        if (!slash || strcmp(dir, "/") == 0) break;
        if (slash == dir) slash[1] = '\0';
        else *slash = '\0';
    }
    free(dir);
    return NULL;
}

int vault_open(vault *v, const char *root, char *err, size_t errlen)
{
    memset(v, 0, sizeof(*v));
    char *r = realpath(root, NULL);
    if (!r) {
        int e = errno;
        seterr(err, errlen, "%s: %s", root, strerror(e));
        return e == ENOENT ? VAULT_ENOENT : VAULT_EIO;
    }
    struct stat st;
    if (stat(r, &st) != 0 || !S_ISDIR(st.st_mode)) {
        seterr(err, errlen, "%s: not a directory", root);
        free(r);
        return VAULT_EIO;
    }
    v->root = r;
    v->root_len = strlen(r);
    ignore_stamp(r, v->ignore_stamp);
    v->ignore = ignore_load(r);
    return 0;
}

int vault_reload_ignore(vault *v)
{
    int64_t now[3];
    ignore_stamp(v->root, now);
    if (memcmp(now, v->ignore_stamp, sizeof(now)) == 0) return 0;
    memcpy(v->ignore_stamp, now, sizeof(now));
    ignore_free(v->ignore);
    v->ignore = ignore_load(v->root);
    return 1;
}

void vault_close(vault *v)
{
    if (!v) return;
    free(v->root);
    ignore_free(v->ignore);
    memset(v, 0, sizeof(*v));
}

/* Lexically normalises an absolute path in place: "//", "." and ".." go. */
static void normalize(char *p)
{
    char *out = p;
    const char *s = p;
    while (*s) {
        while (*s == '/') s++;
        if (!*s) break;
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 1 && s[0] == '.') {
            /* skip */
        } else if (n == 2 && s[0] == '.' && s[1] == '.') {
            while (out > p && *--out != '/') {}
        } else {
            *out++ = '/';
            memmove(out, s, n);
            out += n;
        }
        s += n;
    }
    if (out == p) *out++ = '/';
    *out = '\0';
}

/* realpath of p, or of its directory + its last name when p does not exist. */
static char *real_or_parent(const char *p)
{
    char *r = realpath(p, NULL);
    if (r || errno != ENOENT) return r;
    const char *slash = strrchr(p, '/');
    if (!slash) return NULL;
    const char *name = slash + 1;
    if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) return NULL;
    char *dir = slash == p ? xstrdup("/") : xstrndup(p, (size_t)(slash - p));
    char *rd = realpath(dir, NULL);
    free(dir);
    if (!rd) return NULL;
    char *out = xasprintf("%s/%s", strcmp(rd, "/") == 0 ? "" : rd, name);
    free(rd);
    return out;
}

int vault_resolve(const vault *v, const char *arg, char **out_rel, char *err, size_t errlen)
{
    *out_rel = NULL;
    char *abs = NULL, *phys = NULL;
    int rc = VAULT_EOUTSIDE;
    if (arg[0] == '/') {
        abs = xstrdup(arg);
    } else {
        char *cwd = getcwd(NULL, 0);
        if (!cwd) {
            seterr(err, errlen, "%s: %s", arg, strerror(errno));
            return VAULT_EIO;
        }
        abs = xasprintf("%s/%s", cwd, arg);
        free(cwd);
    }
    char *norm = xstrdup(abs);
    normalize(norm);
    /* 1. As named, when that is below the root and resolves inside. */
    if (strncmp(norm, v->root, v->root_len) == 0 && norm[v->root_len] == '/' &&
        norm[v->root_len + 1]) {
        phys = real_or_parent(norm);
        if (phys && inside(v, phys) && strcmp(phys, v->root) != 0) {
            *out_rel = xstrdup(norm + v->root_len + 1);
            rc = 0;
            goto cleanup;
        }
        free(phys);
    }
    /* 2. The physical target. */
    phys = real_or_parent(abs);
    if (!phys) {
        seterr(err, errlen, "%s: %s", arg, strerror(errno));
        rc = errno == ENOENT ? VAULT_ENOENT : VAULT_EIO;
        goto cleanup;
    }
    if (!inside(v, phys) || strcmp(phys, v->root) == 0) {
        seterr(err, errlen, "%s: outside the vault %s", arg, v->root);
        rc = VAULT_EOUTSIDE;
        goto cleanup;
    }
    *out_rel = xstrdup(phys + v->root_len + 1);
    rc = 0;
cleanup:
    free(abs);
    free(norm);
    free(phys);
    return rc;
}

int vault_stat(const vault *v, const char *rel, vault_file *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (vault_excluded(v, rel)) {
        seterr(err, errlen, "%s: not a note of the vault", rel);
        return VAULT_ENOENT;
    }
    char *full = xasprintf("%s/%s", v->root, rel);
    int rc = 0;
    struct stat st;
    if (lstat(full, &st) != 0) {
        seterr(err, errlen, "%s: %s", rel, strerror(errno));
        rc = errno == ENOENT || errno == ENOTDIR ? VAULT_ENOENT : VAULT_EIO;
        goto cleanup;
    }
    /* Confinement: any link on the way (the file or a directory) must keep
     * the target inside. Cheap check first: no link at all when the
     * physical path equals the lexical one. */
    char *phys = realpath(full, NULL);
    if (!phys) {
        int e = errno;
        seterr(err, errlen, "%s: %s", rel, e == ELOOP ? "symlink loop" : strerror(e));
        rc = e == ENOENT ? VAULT_ENOENT : VAULT_EIO;
        goto cleanup;
    }
    int ok = inside(v, phys);
    free(phys);
    if (!ok) {
        seterr(err, errlen, "%s: symlink leads out of the vault", rel);
        rc = VAULT_EOUTSIDE;
        goto cleanup;
    }
    if (stat(full, &st) != 0 || !S_ISREG(st.st_mode)) {
        seterr(err, errlen, "%s: not a regular file", rel);
        rc = VAULT_ENOENT;
        goto cleanup;
    }
    out->path = xstrdup(rel);
    out->size = (int64_t)st.st_size;
    out->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    out->ctime_ns = (int64_t)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec;
    out->inode = (uint64_t)st.st_ino;
    out->dev = (uint64_t)st.st_dev;
cleanup:
    free(full);
    return rc;
}

/* ---- walk ---------------------------------------------------------------- */

typedef struct {
    const vault *v;
    VEC(vault_file) files;
    VEC(vault_problem) problems;
    buf_t rel;                              /* current directory, "" or "a/b/" */
    struct { dev_t dev; ino_t ino; } stack[VAULT_MAX_DEPTH + 1];
    int depth;
    int linked;                             /* >0 inside a symlinked directory */
    int any_alias;                          /* a duplicate is possible */
    int capped;
} walker;

static void add_problem(walker *w, const char *name, const char *msg)
{
    vault_problem p = {xasprintf("%s%s", w->rel.data ? w->rel.data : "", name), xstrdup(msg)};
    VEC_PUSH(&w->problems, p);
}

static void add_file(walker *w, const char *name, const struct stat *st, int alias)
{
    if (w->files.len >= VAULT_MAX_FILES) {
        if (!w->capped) add_problem(w, name, "too many files: the walk stopped here");
        w->capped = 1;
        return;
    }
    vault_file f;
    f.path = xasprintf("%s%s", w->rel.data ? w->rel.data : "", name);
    f.size = (int64_t)st->st_size;
    f.mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
    f.ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
    f.inode = (uint64_t)st->st_ino;
    f.dev = (uint64_t)st->st_dev;
    if (alias || st->st_nlink > 1) w->any_alias = 1;
    VEC_PUSH(&w->files, f);
}

static void walk_dir(walker *w, int dfd);

static void enter_dir(walker *w, int dfd, const char *name, int via_link)
{
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        char msg[128];
        snprintf(msg, sizeof(msg), "directory not readable: %s", strerror(errno));
        add_problem(w, name, msg);
        return;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return;
    }
    for (int i = 0; i <= w->depth; i++) {
        if (w->stack[i].dev == st.st_dev && w->stack[i].ino == st.st_ino) {
            add_problem(w, name, "symlink loop: skipped");
            close(fd);
            return;
        }
    }
    if (w->depth >= VAULT_MAX_DEPTH) {
        add_problem(w, name, "directory nesting too deep: skipped");
        close(fd);
        return;
    }
    size_t old = w->rel.len;
    buf_adds(&w->rel, name);
    buf_addc(&w->rel, '/');
    w->depth++;
    w->stack[w->depth].dev = st.st_dev;
    w->stack[w->depth].ino = st.st_ino;
    w->linked += via_link;
    walk_dir(w, fd); /* closes fd */
    w->linked -= via_link;
    w->depth--;
    w->rel.len = old;
    if (w->rel.data) w->rel.data[old] = '\0';
}

/* A symlink entry: follow it only when its target stays inside the vault. */
static void walk_link(walker *w, int dfd, const char *name, size_t nlen)
{
    struct stat st;
    int md = has_md_suffix(name, nlen);
    if (fstatat(dfd, name, &st, 0) != 0) {
        if (errno == ELOOP) add_problem(w, name, "symlink loop: skipped");
        else if (md) add_problem(w, name, "broken symlink: skipped");
        return;
    }
    if (!S_ISDIR(st.st_mode) && !(md && S_ISREG(st.st_mode))) return;
    char *full = xasprintf("%s/%s%s", w->v->root, w->rel.data ? w->rel.data : "", name);
    char *phys = realpath(full, NULL);
    free(full);
    if (!phys || !inside(w->v, phys)) {
        add_problem(w, name, "symlink leads out of the vault: skipped");
        free(phys);
        return;
    }
    free(phys);
    if (S_ISDIR(st.st_mode)) {
        size_t old = w->rel.len;
        buf_adds(&w->rel, name);
        int ign = vault_ignored(w->v, w->rel.data, 1);
        w->rel.len = old;
        w->rel.data[old] = '\0';
        if (!ign) enter_dir(w, dfd, name, 1);
    } else {
        add_file(w, name, &st, 1);
    }
}

static void walk_dir(walker *w, int dfd)
{
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *name = de->d_name;
        if (name[0] == '.') continue; /* ".", "..", hidden */
        size_t nlen = strlen(name);
        unsigned char type = de->d_type;
        struct stat st;
        int have_st = 0;
        if (type == DT_UNKNOWN) {
            if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
            have_st = 1;
            type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISLNK(st.st_mode) ? DT_LNK
                 : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
        }
        if (type == DT_REG && !has_md_suffix(name, nlen)) continue;
        if (type != DT_REG && type != DT_DIR && type != DT_LNK) continue;
        if (w->v->ignore) {
            size_t old = w->rel.len;
            buf_adds(&w->rel, name);
            int ign = vault_ignored(w->v, w->rel.data, type == DT_DIR);
            w->rel.len = old;
            w->rel.data[old] = '\0';
            if (ign) continue;
        }
        if (type == DT_DIR) {
            enter_dir(w, dfd, name, 0);
        } else if (type == DT_REG) {
            if (!have_st && fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
            add_file(w, name, &st, w->linked > 0);
        } else {
            walk_link(w, dfd, name, nlen);
        }
    }
    closedir(d);
}

static int cmp_file_path(const void *a, const void *b)
{
    return strcmp(((const vault_file *)a)->path, ((const vault_file *)b)->path);
}

static int cmp_problem_path(const void *a, const void *b)
{
    const vault_problem *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    return c ? c : strcmp(x->message, y->message);
}

static int cmp_idx_identity(const void *a, const void *b, void *ctx)
{
    const vault_file *files = ctx;
    const vault_file *x = &files[*(const size_t *)a], *y = &files[*(const size_t *)b];
    if (x->dev != y->dev) return x->dev < y->dev ? -1 : 1;
    if (x->inode != y->inode) return x->inode < y->inode ? -1 : 1;
    return *(const size_t *)a < *(const size_t *)b ? -1 : 1; /* files are path-sorted */
}

/* Keeps the first path (bytewise) of each (dev, inode). */
static void dedup(walker *w)
{
    size_t n = w->files.len;
    size_t *idx = xmalloc(n * sizeof(*idx));
    char *drop = xcalloc(n ? n : 1, 1);
    for (size_t i = 0; i < n; i++) idx[i] = i;
    if (n > 1) qsort_r(idx, n, sizeof(*idx), cmp_idx_identity, w->files.items); /* glibc */
    for (size_t i = 1; i < n; i++) {
        const vault_file *x = &w->files.items[idx[i - 1]], *y = &w->files.items[idx[i]];
        if (x->dev == y->dev && x->inode == y->inode) drop[idx[i]] = 1;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (drop[i]) free(w->files.items[i].path);
        else w->files.items[k++] = w->files.items[i];
    }
    w->files.len = k;
    free(idx);
    free(drop);
}

int vault_walk(const vault *v, vault_listing *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    walker w;
    memset(&w, 0, sizeof(w));
    w.v = v;
    buf_reserve(&w.rel, 256);
    w.rel.data[0] = '\0';
    int fd = open(v->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        seterr(err, errlen, "%s: %s", v->root, strerror(errno));
        if (fd >= 0) close(fd);
        buf_free(&w.rel);
        return VAULT_EIO;
    }
    w.stack[0].dev = st.st_dev;
    w.stack[0].ino = st.st_ino;
    walk_dir(&w, fd);
    buf_free(&w.rel);
    if (w.files.len > 1) qsort(w.files.items, w.files.len, sizeof(vault_file), cmp_file_path);
    if (w.any_alias) dedup(&w);
    if (w.problems.len > 1) qsort(w.problems.items, w.problems.len, sizeof(vault_problem), cmp_problem_path);
    out->files = w.files.items;
    out->n_files = w.files.len;
    out->problems = w.problems.items;
    out->n_problems = w.problems.len;
    return 0;
}

void vault_listing_free(vault_listing *l)
{
    for (size_t i = 0; i < l->n_files; i++) free(l->files[i].path);
    for (size_t i = 0; i < l->n_problems; i++) {
        free(l->problems[i].path);
        free(l->problems[i].message);
    }
    free(l->files);
    free(l->problems);
    memset(l, 0, sizeof(*l));
}

/* ---- database location ---------------------------------------------------- */

static int mkdirs(char *path, mode_t mode)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        int r = mkdir(path, mode);
        *p = '/';
        if (r != 0 && errno != EEXIST) return -1;
    }
    if (mkdir(path, mode) != 0 && errno != EEXIST) return -1;
    return 0;
}

char *vault_default_db_path(const char *root, char *err, size_t errlen)
{
    const char *xdg = getenv("XDG_STATE_HOME");
    char *dir;
    if (xdg && xdg[0] == '/') {
        dir = xasprintf("%s/rapport", xdg);
    } else {
        const char *home = getenv("HOME");
        if (!home || home[0] != '/') {
            seterr(err, errlen, "cannot locate the database: neither XDG_STATE_HOME nor HOME is set (use --db)");
            return NULL;
        }
        dir = xasprintf("%s/.local/state/rapport", home);
    }
    if (mkdirs(dir, 0700) != 0) {
        seterr(err, errlen, "%s: %s", dir, strerror(errno));
        free(dir);
        return NULL;
    }
    /* FNV-1a 64 of the physical root. */
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *p = (const unsigned char *)root; *p; p++) {
        h ^= *p;
        h *= 1099511628211ull;
    }
    char *path = xasprintf("%s/%016llx.sqlite3", dir, (unsigned long long)h);
    free(dir);
    return path;
}
