/* store.h -- the SQLite index: schema, writes of parsed notes, queries.
 *
 * The database is a cache of the vault (SPEC §1.1): everything in it can be
 * rebuilt from the files. This is the only module that includes sqlite3.h.
 *
 * Connections: one `store` is one SQLite connection (opened NOMUTEX), used
 * by one thread at a time. WAL mode lets a read store (main thread) and the
 * indexer's write store (a worker thread) work at once; two helpers on one
 * vault share the file through WAL and a 5 s busy timeout. A read store
 * caches `tags` and the id universe of NOT queries until another
 * connection commits (PRAGMA data_version).
 *
 * Schema (version STORE_SCHEMA_VERSION; lines are 1-based file lines):
 *   notes(id, path UNIQUE, size, mtime_ns, ctime_ns, inode, type 'note'|
 *         'client'|'meeting', client, date, title, status, priority_cap,
 *         cadence (NULL when absent), fm_end_line, fm_error, ignore (space-
 *         separated rule ids), tags, people (JSON arrays, distinct, sorted))
 *   bodies(id, body)            full text; external content of notes_fts
 *   notes_fts(body)             FTS5, one row per note, rowid = notes.id
 *   tags(tag, note_id)          PK (tag, note_id): distinct tags per note
 *   mentions(person, note_id)   PK (person, note_id): @mentions + fm people
 *   sections(note_id, kind, line, end_line)        kind: parse_section_kind
 *   items(note_id, line, kind, end_line, text, task) top-level section items
 *   tasks(note_id, line, col, text, done, owner, due, section)
 *   quotes(note_id, line, text)
 *   skipped(path, size, mtime_ns, ctime_ns, inode) files not indexed, so
 *                               they are not re-read until they change
 *   problems(path, line, message, kind)            rows of `check`
 *   meta(key, value)            e.g. the indexer's vault fingerprint
 *   note_rules(note_id, mtime_ns, size, hash, data)  report.c's per-note
 *                               rule counts; deleted with the note (trigger)
 * Deleting a notes row deletes its tags/mentions/sections/items/tasks/quotes
 * (trigger); bodies and the FTS index follow at commit. Queries for other
 * modules (tasks, health, prep) belong in store.c as prepared statements.
 *
 * Errors: functions return 0 or a negative STORE_E* code and write a
 * one-line reason into `err` (may be NULL). Out-of-memory aborts (xmalloc).
 * Returned arrays are owned by the caller and freed with the matching
 * *_free function. Strings are UTF-8; paths are vault-relative with '/'.
 */
#ifndef RAPPORT_STORE_H
#define RAPPORT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "parse.h"
#include "query.h"
#include "util.h"

enum {
    STORE_OK = 0,
    STORE_ERR = -1,      /* an SQLite error (message in err) */
    STORE_EBUSY = -2,    /* the database stayed locked past the busy timeout */
    STORE_EIO = -3,      /* the file or its lock could not be opened; the disk is
                            full or failed (SQLITE_FULL, SQLITE_IOERR, ...) */
    STORE_ENOTFOUND = -4,
};

/* Schema version kept in PRAGMA user_version. */
#define STORE_SCHEMA_VERSION 2

typedef struct store store;

enum {
    STORE_WRITER = 1,    /* the indexer's connection: larger page cache */
};

/* Opens (creating when absent, mode 0600) the database at `path`. Under an
 * exclusive flock on `<path>.lock`: a file SQLite cannot read as a database,
 * or one with a newer schema version, is renamed `<path>.bad-<YYYYmmdd-
 * HHMMSS>` (its -wal/-shm too) and a fresh one is created; `msg` (may be
 * NULL) then says so, else msg[0] is '\0'. Older schemas are migrated
 * forward. Sets WAL, synchronous=NORMAL, busy_timeout=5000. */
int store_open(store **out, const char *path, unsigned flags, char *msg, size_t msglen,
               char *err, size_t errlen);
void store_close(store *s);

/* Transactions: begin is BEGIN IMMEDIATE (takes the write lock now, waiting
 * up to the busy timeout). Writes must happen inside one: the full-text
 * index is brought up to date at commit. Rollback never fails visibly. */
int store_begin(store *s, char *err, size_t errlen);
int store_commit(store *s, char *err, size_t errlen);
void store_rollback(store *s);

/* Bulk mode for a cold build into an empty database: synchronous=OFF, a
 * checkpoint when the WAL passes ~32 MB, a larger cache for big builds
 * (`expect_notes` > 20k).
 * Leaving it checkpoints, fdatasyncs the database file once and restores
 * NORMAL. Acceptable because the database is a cache: a process crash
 * mid-build loses nothing committed; only a power loss (or OS crash) during
 * the build itself can leave a damaged file, which store_open moves aside
 * when SQLite notices, and `index --full` rebuilds in any case. */
int store_set_bulk(store *s, int on, size_t expect_notes, char *err, size_t errlen);

/* Background upkeep, for an idle moment on the writer's thread (index_run
 * calls it after writing): up to `work` pages of FTS segment merging (0 =
 * none; ~500 is a few ms; -1 = merge everything into one segment, for after
 * a bulk build: ~50 ms at 10k notes), then a WAL checkpoint that also
 * truncates the WAL when no reader is using it (it never waits for one),
 * then gives the connection's page cache back. The writer never merges or
 * checkpoints inside a save's commit, except as a backstop when the WAL
 * passes ~64 MB. */
int store_maintain(store *s, int work, char *err, size_t errlen);

/* Checks the database (PRAGMA quick_check) and that the full-text index
 * matches the stored texts; 0 when both hold. Reads every page: for tests
 * and :checkhealth, not for hot paths. */
int store_integrity(store *s, char *err, size_t errlen);

/* ---- freshness -------------------------------------------------------- */

/* A file as the index last saw it (indexed note or skipped file). */
typedef struct {
    char *path;
    int64_t size, mtime_ns, ctime_ns;
    uint64_t inode;
    int skipped;         /* 1: recorded as skipped (too big, binary, ...) */
} store_file;
typedef VEC(store_file) store_file_list;

/* Every known file, sorted bytewise by path. */
int store_list_files(store *s, store_file_list *out, char *err, size_t errlen);
/* One file by path: 0, STORE_ENOTFOUND, or an error. out->path is NULL'd. */
int store_get_file(store *s, const char *path, store_file *out, char *err, size_t errlen);
/* The path of an indexed note with this inode other than `path`, or NULL
 * (malloc'd): used to keep a file reachable by two paths indexed once. */
char *store_path_by_inode(store *s, uint64_t inode, const char *path);
void store_files_free(store_file_list *f);
/* Number of indexed notes (skipped files not counted). */
int64_t store_count_notes(store *s);

/* ---- writes (inside store_begin/commit) ------------------------------- */

typedef struct {
    const char *path;
    int64_t size, mtime_ns, ctime_ns;
    uint64_t inode;
    int is_new;          /* 1: the caller knows the path is not in the index
                            (no row to replace: saves the lookups) */
} store_stat;

/* Replaces everything known about st->path by the parsed note: its row,
 * tags, mentions, sections, items, tasks, quotes, full text, and drops the
 * path's file problems and skipped row. `text` is the file's bytes. */
int store_put_note(store *s, const store_stat *st, const char *text, size_t len,
                   const parse_note *pn, char *err, size_t errlen);
/* Records st->path as skipped (so it is not re-read until it changes);
 * removes a note previously indexed under that path and its file problems. */
int store_put_skipped(store *s, const store_stat *st, char *err, size_t errlen);
/* Forgets a path: note (and all its rows), skipped row, file problems. */
int store_delete_path(store *s, const char *path, char *err, size_t errlen);
/* Forgets every note, skipped file and file problem (a full rebuild);
 * walk problems stay. */
int store_clear_all(store *s, char *err, size_t errlen);

enum {
    STORE_PROBLEM_FILE = 0,  /* tied to the file's content; replaced when it is re-read */
    STORE_PROBLEM_WALK = 1,  /* found by the walk (links out, loops); replaced per full walk */
};
/* Adds a `check` row; line 0 = none. */
int store_add_problem(store *s, const char *path, int line, const char *message, int kind,
                      char *err, size_t errlen);
int store_clear_problems(store *s, int kind, char *err, size_t errlen);

/* Small integer settings kept with the index (e.g. the indexer's vault
 * fingerprint). get: 0, STORE_ENOTFOUND or an error; set with value NULL
 * deletes the key (writes: inside a transaction). */
int store_meta_get(store *s, const char *key, int64_t *out, char *err, size_t errlen);
int store_meta_set(store *s, const char *key, const int64_t *value, char *err, size_t errlen);

/* ---- queries ------------------------------------------------------------ */

/* `tags`: every distinct tag with the number of notes carrying exactly it,
 * sorted bytewise. */
typedef struct { char *tag; int64_t count; } store_tag;
typedef VEC(store_tag) store_tag_list;
int store_tags(store *s, store_tag_list *out, char *err, size_t errlen);
void store_tags_free(store_tag_list *t);

/* `find`: notes matching a parsed tag query (query.h), sorted by path.
 * A tag term matches the tag and its children (`t` and `t/...`); client:,
 * @person (mentions incl. frontmatter people), type:, after:/before: (by the
 * note's date, exclusive; notes without a date never match). */
typedef struct { int64_t id; char *path, *title, *client; /* client may be NULL */ } store_note_ref;
typedef VEC(store_note_ref) store_ref_list;
int store_find(store *s, const query_node *q, store_ref_list *out, char *err, size_t errlen);
void store_note_refs_free(store_ref_list *r);

/* `search`: full-text search. The user's text is turned into a safe FTS5
 * query by store_fts_query (never raw syntax), so no input errors. One hit
 * per note, ordered by bm25 rank, then path. `line` is the 1-based line of
 * the first match; `snippet` is that line, trimmed (cut to ~160 bytes
 * around the match when longer). `limit` 0 = all matches. */
typedef struct { char *path; int line; char *snippet; } store_hit;
typedef VEC(store_hit) store_hit_list;
int store_search(store *s, const char *text, size_t limit, store_hit_list *out, char *err,
                 size_t errlen);
void store_hits_free(store_hit_list *h);
/* The FTS5 query for user text: "quoted phrases" kept, every other
 * whitespace-separated word quoted ("" doubled), all required (AND). NULL
 * when the text has no searchable word. Exposed for tests. */
char *store_fts_query(const char *text);

/* `check`: stored problems plus duplicate client ids (computed: every client
 * note whose id an earlier path already uses), sorted by path, line. */
typedef struct { char *path; int line; /* 0 = none */ char *message; } store_problem;
typedef VEC(store_problem) store_problem_list;
int store_check(store *s, store_problem_list *out, char *err, size_t errlen);
void store_problems_free(store_problem_list *p);
/* The stored problems of one kind (STORE_PROBLEM_*), sorted by path, line,
 * message; duplicate client ids not included. */
int store_list_problems(store *s, int kind, store_problem_list *out, char *err, size_t errlen);

/* The client note of a client id (lowercased): the first by path with
 * type client (SPEC §1.4). 0, STORE_ENOTFOUND or an error. priority_cap and
 * cadence are -1 when absent. */
typedef struct {
    char *path, *title, *status;
    int priority_cap, cadence;
} store_client_info;
int store_client(store *s, const char *client, store_client_info *out, char *err, size_t errlen);
void store_client_info_free(store_client_info *c);

/* `priorities`: every note with a Priorities section (of `client` only,
 * when not NULL), sorted by path; `count` = its top-level items; `cap` = the
 * note's priority_cap (>= 1), else its client note's, else `default_cap`. */
typedef struct {
    char *path, *client; /* client may be NULL */
    int count, cap;
} store_prio;
typedef VEC(store_prio) store_prio_list;
int store_priorities(store *s, const char *client, int default_cap, store_prio_list *out, char *err,
                     size_t errlen);
void store_prios_free(store_prio_list *l);

/* Completion lists, sorted bytewise, distinct. */
typedef VEC(char *) store_string_list;
int store_all_tags(store *s, store_string_list *out, char *err, size_t errlen);
int store_all_people(store *s, store_string_list *out, char *err, size_t errlen);
int store_all_clients(store *s, store_string_list *out, char *err, size_t errlen);
void store_strings_free(store_string_list *l);

/* ---- report queries (tasks, health, prep) --------------------------------
 * Set-based reads: one statement per kind of fact for all clients (or one),
 * aggregated by report.c, instead of per-note loops. */

/* A read snapshot: the reads between begin and end see one state of the
 * database (a deferred read transaction). Not inside store_begin/commit. */
int store_read_begin(store *s, char *err, size_t errlen);
void store_read_end(store *s);

/* A note that belongs to a client (SPEC §1.4), with its cached rule data. */
typedef struct {
    int64_t id;
    char *path, *client;
    char *date, *title;       /* NULL when absent */
    char *status;             /* "active" unless the frontmatter says otherwise */
    char *tags;               /* the note's tags, a JSON array (sorted) */
    char *people;             /* its mentions + frontmatter people, likewise */
    int type;                 /* enum parse_type */
    int priority_cap, cadence;/* -1 when absent */
    int fm_end_line;          /* 0 without frontmatter */
    int64_t mtime_ns, size;   /* as indexed: the key of the rule cache */
    int64_t rule_hash;        /* with rule_data: the cached row, if still valid */
    char *rule_data;          /* NULL: nothing cached for this version of the note */
} store_cnote;
typedef VEC(store_cnote) store_cnote_list;
/* Every note with a client (or only `client`'s), sorted by client, path. */
int store_client_notes(store *s, const char *client, store_cnote_list *out, char *err,
                       size_t errlen);
void store_cnotes_free(store_cnote_list *l);

/* The people (mentions + frontmatter `people`) of clients' notes, one row
 * per (client, person): `first` is the earliest date of a note naming them
 * ("" when an undated note does), `last` the latest (NULL: only undated
 * notes). Unsorted. */
typedef struct { char *client, *person, *first, *last; } store_cperson;
typedef VEC(store_cperson) store_cperson_list;
int store_client_people(store *s, const char *client, store_cperson_list *out, char *err,
                        size_t errlen);
void store_cpeople_free(store_cperson_list *l);

/* The latest note of `client` naming `person` (by date, undated last):
 * 0, STORE_ENOTFOUND or an error; *path malloc'd. */
int store_person_last_note(store *s, const char *client, const char *person, int64_t *id,
                           char **path, char **date, char *err, size_t errlen);

/* Top-level items of a section. */
typedef struct {
    char *client, *path, *text;   /* text: continuation lines joined with '\n' */
    int line, end_line;
    int task;                     /* -1 not a task, 0 open, 1 checked */
    int64_t note_id;
} store_item;
typedef VEC(store_item) store_item_list;
/* Items of section `kind` (enum parse_section_kind) in client notes (all
 * clients' or only `client`'s; duplicate client notes included: the caller
 * keeps the first by path), sorted by client, path, line. */
int store_client_section_items(store *s, const char *client, int kind, store_item_list *out,
                               char *err, size_t errlen);
/* Items of section `kind` of one note, by line. */
int store_note_items(store *s, int64_t note_id, int kind, store_item_list *out, char *err,
                     size_t errlen);
void store_items_free(store_item_list *l);

/* Tasks with their note's path, client and date. `done`: -1 any, 0 open,
 * 1 checked. Unsorted. */
typedef struct {
    int64_t note_id;
    char *path, *client, *date;   /* client, date may be NULL */
    int line, col;
    char *text, *owner, *due;     /* owner (lowercased), due may be NULL */
    int done, section;
} store_task;
typedef VEC(store_task) store_task_list;
int store_tasks(store *s, const char *client, int done, store_task_list *out, char *err,
                size_t errlen);
void store_tasks_free(store_task_list *l);

/* `>` quotes of `client`'s meeting notes dated on or before `max_date`
 * (or undated): newest note first (undated last), then by line; `limit`
 * rows at most (0 = all). */
typedef struct { char *path, *date, *text; int line; } store_quote;
typedef VEC(store_quote) store_quote_list;
int store_client_quotes(store *s, const char *client, const char *max_date, size_t limit,
                        store_quote_list *out, char *err, size_t errlen);
void store_quotes_free(store_quote_list *l);

/* A note's full text as indexed (the bytes the parser saw): 0 (*text
 * malloc'd, NUL-terminated), STORE_ENOTFOUND or an error. */
int store_note_body(store *s, int64_t id, char **text, size_t *len, char *err, size_t errlen);

/* Caches report.c's rule data for notes. Each entry is written only if the
 * notes row `id` still has that mtime_ns and size (else skipped: the note
 * changed meanwhile). One short write transaction that waits at most
 * `busy_ms` for the write lock: STORE_EBUSY then, nothing written (the
 * caller goes on without caching). Not inside store_begin/commit. */
typedef struct { int64_t id, mtime_ns, size, hash; const char *data; } store_rules_entry;
int store_note_rules_put(store *s, const store_rules_entry *e, size_t n, int busy_ms, char *err,
                         size_t errlen);

#endif
