/* cmd.h -- the subcommands, shared by the CLI and the rpc server.
 *
 * Each command takes the parameter map of SPEC §4 (the CLI builds the same
 * map from argv) and returns its --json value; the CLI prints it, the server
 * sends it. One table drives both.
 */
#ifndef RAPPORT_CMD_H
#define RAPPORT_CMD_H

#include <jansson.h>
#include <stddef.h>

typedef struct store store;
typedef struct indexer indexer;
struct config;

typedef struct {
    char *vault;        /* absolute path of the vault root */
    char *db_path;
    char today[11];     /* "YYYY-MM-DD" when fixed by --today/$RAPPORT_TODAY, else "" */
    int rpc;            /* 1 in the rpc server: the watcher keeps the index fresh */
    json_t *settings;   /* rapport.configure(): setup()'s settings (rpc only) */
    store *rd;          /* read connection (main thread) */
    indexer *ix;        /* the indexer (own write connection) */
    double started;     /* process start, seconds since the epoch */
    json_t *warnings;   /* collected during one command, may be NULL */
    int index_changed;  /* set when a command changed the index */
    unsigned index_gen; /* bumped whenever the index may have changed */
    struct config *cfg; /* effective settings (cmd_config) */
    long long cfg_mtime_ns;
    int cfg_settings_gen, settings_gen;
    /* Progress of long indexing (rpc): called on the indexing thread. */
    void (*progress)(void *ud, size_t done, size_t total, const char *what);
    void *progress_ud;
} cmd_ctx;

typedef int (*cmd_fn)(cmd_ctx *c, json_t *params, json_t **result, char *err, size_t errlen);

enum {
    CMD_FRESH = 1,      /* bring the index up to date first (CLI: walk; rpc: the watcher's) */
    CMD_NOSTORE = 2,    /* needs no database */
    CMD_ASYNC = 4,      /* rpc: runs on the thread pool (long work) */
};

typedef struct {
    const char *name;   /* "tags", "tag_add", ...; rpc method "rapport.<name>" */
    cmd_fn fn;
    unsigned flags;
} cmd_def;

const cmd_def *cmd_lookup(const char *name);
extern const cmd_def cmd_table[];

/* Opens the indexer and the read store when not yet open (cmd_index.c). */
int cmd_open(cmd_ctx *c, char *err, size_t errlen);
/* cmd_open, and for the CLI an index update first (SPEC §2: never stale). */
int cmd_fresh(cmd_ctx *c, char *err, size_t errlen);
void cmd_close(cmd_ctx *c);

/* The commands, by file; all have the cmd_fn signature. */
#define CMD_DECLARE(name) int name(cmd_ctx *c, json_t *params, json_t **result, char *err, size_t errlen)
/* cmd_index.c */
CMD_DECLARE(cmd_index);
CMD_DECLARE(cmd_index_file);
CMD_DECLARE(cmd_tags);
CMD_DECLARE(cmd_find);
CMD_DECLARE(cmd_search);
CMD_DECLARE(cmd_check);
CMD_DECLARE(cmd_complete);

/* cmd_edit.c */
CMD_DECLARE(cmd_tag_add);
CMD_DECLARE(cmd_tag_remove);
CMD_DECLARE(cmd_tag_rename);
CMD_DECLARE(cmd_priorities);
CMD_DECLARE(cmd_cap);
CMD_DECLARE(cmd_promote);
/* cmd_hints.c */
CMD_DECLARE(cmd_hints);
CMD_DECLARE(cmd_note);
CMD_DECLARE(cmd_hints_detach);
/* cmd_capture.c */
CMD_DECLARE(cmd_init);
CMD_DECLARE(cmd_new_client);
CMD_DECLARE(cmd_new_meeting);
CMD_DECLARE(cmd_capture);
/* cmd_report.c */
CMD_DECLARE(cmd_tasks);
CMD_DECLARE(cmd_health);
CMD_DECLARE(cmd_prep);

/* The effective settings: defaults, .rapport/config.json (reloaded when it
 * changes), then setup()'s (rpc). Never NULL. */
const struct config *cmd_config(cmd_ctx *c);

/* Re-indexes one vault-relative path after a write (cmd_index.c). */
void cmd_reindex_path(cmd_ctx *c, const char *rel);
void cmd_reindex_paths(cmd_ctx *c, char *const *rels, size_t n);

/* Resolves a `path` parameter (vault-relative or absolute) to a confined
 * vault-relative path; RPC_EINPUT when outside the vault. */
int cmd_rel_path(cmd_ctx *c, const char *path, char **rel, char *err, size_t errlen);

/* The buffer_edits entry (SPEC §4) for edits `e` against a buffer's text
 * (cmd_edit.c); `e` is an edit_list. */
json_t *cmd_buffer_edits(const char *rel, json_t *tick, const char *text, size_t len,
                         const void *e);

/* A client id as typed (any case, maybe `[[id]]`) in the index's form. */
char *cmd_client_id(const char *s);

/* Today's date for this request ("YYYY-MM-DD"). */
void cmd_today(const cmd_ctx *c, char out[11]);

/* Parameter helpers: return 0 or -1 with a message naming the parameter. */
int param_str(json_t *p, const char *key, int required, const char **out, char *err, size_t errlen);
int param_int(json_t *p, const char *key, int required, long long *out, char *err, size_t errlen);
int param_bool(json_t *p, const char *key, int *out, char *err, size_t errlen);

#endif
