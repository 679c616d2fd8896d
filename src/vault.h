/* vault.h -- paths of the vault: root discovery, confinement, ignore rules, walk.
 *
 * Invariants (SPEC §1.1):
 * - `vault.root` is a physical path (realpath): absolute, no trailing '/',
 *   no symlinks. Every path this module hands out is relative to it, uses
 *   '/', and never starts with '/' or contains "." / ".." components.
 * - A path is "inside the vault" when its physical location (after resolving
 *   every symlink) is the root or below it. Nothing outside is ever indexed.
 * - Hidden entries (a name starting with '.') and `.rapportignore` matches
 *   are never indexed; only regular files named `*.md` are notes.
 *
 * Errors: functions return 0 or a negative VAULT_E* code and write a one-line
 * reason into `err` (may be NULL). No globals; safe to call from any thread.
 */
#ifndef RAPPORT_VAULT_H
#define RAPPORT_VAULT_H

#include <stddef.h>
#include <stdint.h>

enum {
    VAULT_OK = 0,
    VAULT_EIO = -1,       /* a system call failed (errno in the message) */
    VAULT_EOUTSIDE = -2,  /* the path resolves outside the vault */
    VAULT_ENOENT = -3,    /* no such file (or no vault found) */
};

typedef struct vault_ignore vault_ignore; /* compiled .rapportignore */

typedef struct {
    char *root;        /* physical absolute path, no trailing '/' */
    size_t root_len;
    vault_ignore *ignore;
    int64_t ignore_stamp[3]; /* .rapportignore's mtime ns, size, inode (0s: absent) */
} vault;

/* One note file found by the walk. Stat values are the target's for a
 * symlinked note. */
typedef struct {
    char *path;        /* vault-relative */
    int64_t size;
    int64_t mtime_ns, ctime_ns;
    uint64_t inode, dev;
} vault_file;

/* Something the walk skipped and `check` should list (links out of the
 * vault, symlink loops, broken links, unreadable directories). */
typedef struct {
    char *path;        /* vault-relative path of the link or directory */
    char *message;
} vault_problem;

typedef struct {
    vault_file *files;       size_t n_files;    /* sorted bytewise by path, unique by (dev, inode) */
    vault_problem *problems; size_t n_problems; /* sorted by path, then message */
} vault_listing;

/* Nearest ancestor of `start_dir` (itself included) that holds a `.rapport/`
 * directory, as a physical path (malloc'd), or NULL when there is none. */
char *vault_find_root(const char *start_dir);

/* Opens the vault at `root` (any path to a directory; it is made physical)
 * and compiles `<root>/.rapportignore` when present. */
int vault_open(vault *v, const char *root, char *err, size_t errlen);
void vault_close(vault *v);

/* Resolves a FILE argument (relative to the current directory, or absolute)
 * and confines it to the vault after resolving links. On success `*out_rel`
 * (malloc'd) is the vault-relative path: the path as the user named it when
 * that lies inside the vault and itself resolves inside it, else the
 * physical target's path. The file itself need not exist, but its directory
 * must. Refuses (VAULT_EOUTSIDE) anything resolving outside the vault and the
 * root directory itself. */
int vault_resolve(const vault *v, const char *arg, char **out_rel, char *err, size_t errlen);

/* Re-reads `.rapportignore` when it changed (or appeared, or went) since
 * it was last read; returns 1 then, else 0. One stat(2). */
int vault_reload_ignore(vault *v);

/* 1 when the vault-relative `rel` is hidden or ignored by .rapportignore
 * (any of its directories included), or is not a `*.md` name; else 0. This
 * is the walk's rule applied to one path (for `index_file`). */
int vault_excluded(const vault *v, const char *rel);

/* 1 when `.rapportignore` alone ignores `rel` (`is_dir`: it names a
 * directory). Only the last matching pattern counts; `!` re-includes. */
int vault_ignored(const vault *v, const char *rel, int is_dir);

/* Walks the vault: readdir + fstatat, following symlinks whose target lies
 * inside the vault (directory loops detected by dev/inode; a file reachable by
 * two paths is listed once, under the first path in byte order). Links out of
 * the vault and loops become problems. Fails only when the root itself cannot
 * be read. */
int vault_walk(const vault *v, vault_listing *out, char *err, size_t errlen);
void vault_listing_free(vault_listing *l);

/* Checks that the vault-relative `rel` is a note inside the vault (not
 * excluded, target inside the vault, a regular file) and stats it (following
 * links). Returns 0, VAULT_ENOENT when it does not exist (or is not a regular
 * file), VAULT_EOUTSIDE when a link leads out, VAULT_EIO otherwise. */
int vault_stat(const vault *v, const char *rel, vault_file *out, char *err, size_t errlen);

/* The default database path for the vault at the physical `root`:
 * `$XDG_STATE_HOME/rapport/<16 hex digits of a hash of root>.sqlite3`, with
 * `~/.local/state` when XDG_STATE_HOME is unset or relative. Creates the
 * directory (mode 0700). Returns a malloc'd path or NULL with err set. */
char *vault_default_db_path(const char *root, char *err, size_t errlen);

#endif
