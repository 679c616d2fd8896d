/* store.c -- the SQLite index: schema, writes of parsed notes, queries.
 *
 * Design invariants:
 * - The only file that includes sqlite3.h. Every statement is a constant in
 *   `sql[]`, prepared once per connection (lazily) and bound; nothing is
 *   string-built. DDL runs from constant strings too.
 * - `notes` holds the small per-note facts (scanned often: freshness,
 *   queries); the full text lives in `bodies`, which is the external content
 *   table of the FTS5 index `notes_fts` (one row per note, so highlight()
 *   works). A trigger deletes a note's child rows with its `notes` row.
 * - FTS maintenance is deferred to the end of each transaction (fts_flush,
 *   called by store_commit): FTS5 flushes its pending-terms buffer at every
 *   statement savepoint, and most of our statements open one (UNIQUE
 *   constraints, triggers), so per-note FTS inserts would write one tiny
 *   segment per note and spend the build merging them (measured: 0.8 s of
 *   CPU at 10k notes, against 0.12 s batched). Until the flush, a replaced
 *   note's old `bodies` row stays (its text is needed for the FTS 'delete'),
 *   so note ids are assigned explicitly and never reused within a
 *   transaction.
 * - Child tables are WITHOUT ROWID keyed by (note_id, ...) so a note's rows
 *   are contiguous and its deletion is a range delete.
 * - Tags, people and client ids are stored lowercased (the parser does it);
 *   TEXT uses the BINARY collation, i.e. bytewise order, as SPEC §2 wants.
 * - The schema version is PRAGMA user_version; migrations only go forward.
 *   A database we cannot read, or from a newer version, is moved aside and
 *   rebuilt, only under an exclusive flock on `<db>.lock`.
 */
#include "store.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BUSY_TIMEOUT_MS 5000

/* ---- schema ------------------------------------------------------------- */

static const char schema_v1[] =
    "CREATE TABLE notes("
    "  id INTEGER PRIMARY KEY,"
    "  path TEXT NOT NULL UNIQUE,"
    "  size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, ctime_ns INTEGER NOT NULL,"
    "  inode INTEGER NOT NULL,"
    "  type TEXT NOT NULL,"                 /* 'note' | 'client' | 'meeting' */
    "  client TEXT, date TEXT, title TEXT,"
    "  status TEXT NOT NULL DEFAULT 'active',"
    "  priority_cap INTEGER, cadence INTEGER," /* NULL when absent */
    "  fm_end_line INTEGER NOT NULL DEFAULT 0,"
    "  fm_error TEXT,"
    "  ignore TEXT,"                        /* rapport-ignore ids, space-separated */
    "  tags TEXT NOT NULL DEFAULT '[]',"    /* distinct tags, JSON array, sorted */
    "  people TEXT NOT NULL DEFAULT '[]'"   /* distinct mentions + fm people, likewise */
    ");"
    "CREATE INDEX notes_client ON notes(client);"
    "CREATE INDEX notes_date ON notes(date);"
    "CREATE INDEX notes_inode ON notes(inode);"
    "CREATE TABLE bodies(id INTEGER PRIMARY KEY, body TEXT NOT NULL);"
    "CREATE TABLE skipped(path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER,"
    "  ctime_ns INTEGER, inode INTEGER) WITHOUT ROWID;"
    /* One b-tree each, keyed for the queries; a note's rows are found
     * through its notes.tags / notes.people lists. */
    "CREATE TABLE tags(tag TEXT NOT NULL, note_id INTEGER NOT NULL,"
    "  PRIMARY KEY(tag, note_id)) WITHOUT ROWID;"
    "CREATE TABLE mentions(person TEXT NOT NULL, note_id INTEGER NOT NULL,"
    "  PRIMARY KEY(person, note_id)) WITHOUT ROWID;"
    "CREATE TABLE sections(note_id INTEGER NOT NULL, kind INTEGER NOT NULL," /* parse_section_kind */
    "  line INTEGER NOT NULL, end_line INTEGER NOT NULL, PRIMARY KEY(note_id, kind)) WITHOUT ROWID;"
    "CREATE TABLE items(note_id INTEGER NOT NULL, line INTEGER NOT NULL, kind INTEGER NOT NULL,"
    "  end_line INTEGER NOT NULL, text TEXT NOT NULL, task INTEGER NOT NULL,"
    "  PRIMARY KEY(note_id, line)) WITHOUT ROWID;"
    "CREATE TABLE tasks(note_id INTEGER NOT NULL, line INTEGER NOT NULL, col INTEGER NOT NULL,"
    "  text TEXT NOT NULL, done INTEGER NOT NULL, owner TEXT, due TEXT, section INTEGER NOT NULL,"
    "  PRIMARY KEY(note_id, line)) WITHOUT ROWID;"
    "CREATE TABLE quotes(note_id INTEGER NOT NULL, line INTEGER NOT NULL, text TEXT NOT NULL,"
    "  PRIMARY KEY(note_id, line)) WITHOUT ROWID;"
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;"
    "CREATE TABLE problems(path TEXT NOT NULL, line INTEGER NOT NULL, message TEXT NOT NULL,"
    "  kind INTEGER NOT NULL);"
    "CREATE INDEX problems_path ON problems(path);"
    "CREATE VIRTUAL TABLE notes_fts USING fts5(body, content='bodies', content_rowid='id',"
    "  tokenize='unicode61 remove_diacritics 2');"
    /* No merging on commit (a save must stay fast); store_maintain merges. */
    "INSERT INTO notes_fts(notes_fts, rank) VALUES ('automerge', 0);"
    "PRAGMA user_version = 1;"
    "CREATE TRIGGER notes_ad AFTER DELETE ON notes BEGIN"
    "  DELETE FROM tags WHERE tag IN (SELECT value FROM json_each(old.tags)) AND note_id = old.id;"
    "  DELETE FROM mentions WHERE person IN (SELECT value FROM json_each(old.people))"
    "    AND note_id = old.id;"
    "  DELETE FROM sections WHERE note_id = old.id;"
    "  DELETE FROM items WHERE note_id = old.id;"
    "  DELETE FROM tasks WHERE note_id = old.id;"
    "  DELETE FROM quotes WHERE note_id = old.id;"
    "END;";

/* v2: report.c's per-note cache of rule counts (store_note_rules_put). A row
 * is valid for the notes row it was computed from: it goes away with that row
 * (trigger) and is only used while mtime_ns and size still match (ids can be
 * reused across transactions, see S_MAX_ID). `hash` says which settings
 * (and client facts) produced `data`; `data` is opaque here. */
static const char schema_v2[] =
    "CREATE TABLE note_rules(note_id INTEGER PRIMARY KEY, mtime_ns INTEGER NOT NULL,"
    "  size INTEGER NOT NULL, hash INTEGER NOT NULL, data TEXT NOT NULL);"
    "CREATE TRIGGER notes_ad_rules AFTER DELETE ON notes BEGIN"
    "  DELETE FROM note_rules WHERE note_id = old.id;"
    "END;"
    "PRAGMA user_version = 2;";

/* migrations[v] takes a database from version v to v + 1 and ends by
 * setting user_version to v + 1 (pragmas cannot take bound values). */
static const char *const migrations[STORE_SCHEMA_VERSION] = {schema_v1, schema_v2};

/* ---- statements ------------------------------------------------------- */

enum {
    S_BEGIN, S_COMMIT, S_ROLLBACK,
    S_LIST_FILES, S_GET_NOTE_FILE, S_GET_SKIPPED_FILE, S_PATH_BY_INODE, S_COUNT_NOTES,
    S_DEL_NOTE, S_DEL_SKIPPED, S_DEL_FILE_PROBLEMS, S_INS_NOTE, S_INS_BODY, S_INS_TAG,
    S_INS_MENTION, S_INS_SECTION, S_INS_ITEM, S_INS_TASK, S_INS_QUOTE, S_INS_SKIPPED,
    S_INS_PROBLEM, S_CLEAR_PROBLEMS,
    S_TAGS, S_ALL_IDS, S_TERM_TAG, S_TERM_CLIENT, S_TERM_PERSON, S_TERM_TYPE, S_TERM_AFTER,
    S_TERM_BEFORE, S_NOTE_REFS, S_SEARCH, S_HIGHLIGHT, S_CHECK, S_ALL_TAGS, S_ALL_PEOPLE,
    S_ALL_CLIENTS, S_LIST_PROBLEMS, S_NOTE_ID, S_MAX_ID, S_BODY, S_FTS_DEL, S_FTS_INS, S_DEL_BODY,
    S_CLEAR_NOTES, S_CLEAR_BODIES, S_CLEAR_SKIPPED, S_CLEAR_FILE_PROBLEMS, S_FTS_DELETE_ALL,
    S_FTS_MERGE, S_FTS_OPTIMIZE, S_TERM_TAG_KIDS, S_DATA_VERSION, S_QUICK_CHECK, S_FTS_INTEGRITY,
    S_META_GET, S_META_SET, S_META_DEL, S_CLIENT, S_PRIORITIES,
    S_CLEAR_TAGS, S_CLEAR_MENTIONS, S_CLEAR_SECTIONS, S_CLEAR_ITEMS, S_CLEAR_TASKS, S_CLEAR_QUOTES,
    S_CLEAR_NOTE_RULES, S_CNOTES, S_CPEOPLE, S_CSEC_ITEMS, S_NOTE_ITEMS, S_RTASKS, S_CQUOTES,
    S_READ_BEGIN, S_READ_END, S_RULES_PUT, S_PERSON_NOTES,
    S_COUNT
};

static const char *const sql[S_COUNT] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    /* Sorted in C: a plain table scan beats ORDER BY (index + row lookups). */
    [S_LIST_FILES] =
        "SELECT path, size, mtime_ns, ctime_ns, inode, 0 FROM notes "
        "UNION ALL SELECT path, size, mtime_ns, ctime_ns, inode, 1 FROM skipped",
    [S_GET_NOTE_FILE] = "SELECT size, mtime_ns, ctime_ns, inode FROM notes WHERE path = ?1",
    [S_GET_SKIPPED_FILE] = "SELECT size, mtime_ns, ctime_ns, inode FROM skipped WHERE path = ?1",
    [S_PATH_BY_INODE] = "SELECT path FROM notes WHERE inode = ?1 AND path <> ?2 ORDER BY path LIMIT 1",
    [S_COUNT_NOTES] = "SELECT count(*) FROM notes",
    [S_DEL_NOTE] = "DELETE FROM notes WHERE path = ?1",
    [S_DEL_SKIPPED] = "DELETE FROM skipped WHERE path = ?1",
    [S_DEL_FILE_PROBLEMS] = "DELETE FROM problems WHERE path = ?1 AND kind = 0",
    [S_INS_NOTE] =
        "INSERT INTO notes(path, size, mtime_ns, ctime_ns, inode, type, client, date, title,"
        " status, priority_cap, cadence, fm_end_line, fm_error, ignore, id, tags, people)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
    [S_INS_BODY] = "INSERT INTO bodies(id, body) VALUES (?1, ?2)",
    /* One statement per note: ?2 is the note's JSON list (distinct). */
    [S_INS_TAG] = "INSERT OR IGNORE INTO tags(tag, note_id) SELECT value, ?1 FROM json_each(?2)",
    [S_INS_MENTION] =
        "INSERT OR IGNORE INTO mentions(person, note_id) SELECT value, ?1 FROM json_each(?2)",
    [S_INS_SECTION] =
        "INSERT OR IGNORE INTO sections(note_id, kind, line, end_line) VALUES (?1, ?2, ?3, ?4)",
    [S_INS_ITEM] =
        "INSERT OR IGNORE INTO items(note_id, line, kind, end_line, text, task)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [S_INS_TASK] =
        "INSERT OR IGNORE INTO tasks(note_id, line, col, text, done, owner, due, section)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [S_INS_QUOTE] = "INSERT OR IGNORE INTO quotes(note_id, line, text) VALUES (?1, ?2, ?3)",
    [S_INS_SKIPPED] =
        "INSERT OR REPLACE INTO skipped(path, size, mtime_ns, ctime_ns, inode)"
        " VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_INS_PROBLEM] = "INSERT INTO problems(path, line, message, kind) VALUES (?1, ?2, ?3, ?4)",
    [S_CLEAR_PROBLEMS] = "DELETE FROM problems WHERE kind = ?1",
    [S_TAGS] = "SELECT tag, count(*) FROM tags GROUP BY tag ORDER BY tag",
    [S_ALL_IDS] = "SELECT id FROM notes ORDER BY id",
    /* A tag and its children: "t", then "t/" <= x < "t0" ('0' follows
     * '/'): two index ranges, no LIKE (and no escaping to get wrong). */
    [S_TERM_TAG] = "SELECT note_id FROM tags WHERE tag = ?1",
    [S_TERM_TAG_KIDS] = "SELECT note_id FROM tags WHERE tag >= ?1 || '/' AND tag < ?1 || '0'",
    [S_DATA_VERSION] = "PRAGMA data_version",
    [S_QUICK_CHECK] = "PRAGMA quick_check",
    [S_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    /* The client note of a client id: the first by path (SPEC §1.4). */
    [S_CLIENT] =
        "SELECT path, title, status, priority_cap, cadence FROM notes"
        " WHERE type = 'client' AND client = ?1 ORDER BY path LIMIT 1",
    /* Notes with a Priorities section (?2 = SEC_PRIORITIES), optionally of
     * one client (?1), with their item count and the caps that apply. */
    [S_PRIORITIES] =
        "SELECT n.path, n.client,"
        "  (SELECT count(*) FROM items i WHERE i.note_id = n.id AND i.kind = ?2),"
        "  n.priority_cap,"
        "  (SELECT c.priority_cap FROM notes c WHERE c.type = 'client' AND c.client = n.client"
        "   ORDER BY c.path LIMIT 1)"
        " FROM notes n JOIN sections s ON s.note_id = n.id AND s.kind = ?2"
        " WHERE ?1 IS NULL OR n.client = ?1 ORDER BY n.path",
    [S_META_SET] = "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)",
    [S_META_DEL] = "DELETE FROM meta WHERE key = ?1",
    [S_FTS_INTEGRITY] = "INSERT INTO notes_fts(notes_fts, rank) VALUES ('integrity-check', 1)",
    [S_TERM_CLIENT] = "SELECT id FROM notes WHERE client = ?1",
    [S_TERM_PERSON] = "SELECT note_id FROM mentions WHERE person = ?1",
    [S_TERM_TYPE] = "SELECT id FROM notes WHERE type = ?1",
    [S_TERM_AFTER] = "SELECT id FROM notes WHERE date > ?1",
    [S_TERM_BEFORE] = "SELECT id FROM notes WHERE date < ?1",
    /* ?1: a JSON array of ids; one statement instead of one per result. */
    [S_NOTE_REFS] =
        "SELECT id, path, title, client FROM notes WHERE id IN (SELECT value FROM json_each(?1))"
        " ORDER BY path",
    [S_SEARCH] =
        "SELECT n.id, n.path FROM notes_fts f JOIN notes n ON n.id = f.rowid"
        " WHERE notes_fts MATCH ?1 ORDER BY f.rank, n.path LIMIT ?2",
    [S_HIGHLIGHT] =
        "SELECT highlight(notes_fts, 0, char(1), char(2)) FROM notes_fts"
        " WHERE notes_fts MATCH ?1 AND rowid = ?2",
    [S_CHECK] =
        "SELECT path, line, message FROM problems"
        " UNION ALL"
        " SELECT n.path, 0, 'duplicate client id \"' || n.client || '\" (already used by '"
        "   || (SELECT min(m.path) FROM notes m WHERE m.type = 'client' AND m.client = n.client)"
        "   || '; that note wins)'"
        " FROM notes n WHERE n.type = 'client' AND n.client IS NOT NULL AND EXISTS ("
        "   SELECT 1 FROM notes m WHERE m.type = 'client' AND m.client = n.client"
        "   AND m.path < n.path)"
        " ORDER BY 1, 2, 3",
    [S_ALL_TAGS] = "SELECT DISTINCT tag FROM tags ORDER BY tag",
    [S_ALL_PEOPLE] = "SELECT DISTINCT person FROM mentions ORDER BY person",
    [S_NOTE_ID] = "SELECT id FROM notes WHERE path = ?1",
    [S_MAX_ID] = "SELECT max(coalesce((SELECT max(id) FROM bodies), 0), coalesce((SELECT max(id) FROM notes), 0))",
    /* FTS writes must not be INSERT ... SELECT per row: each such statement
     * opens a savepoint, which flushes FTS5's buffer (see the top). */
    [S_BODY] = "SELECT body FROM bodies WHERE id = ?1",
    [S_FTS_DEL] = "INSERT INTO notes_fts(notes_fts, rowid, body) VALUES ('delete', ?1, ?2)",
    [S_FTS_INS] =
        "INSERT INTO notes_fts(rowid, body) SELECT id, body FROM bodies WHERE id BETWEEN ?1 AND ?2",
    [S_DEL_BODY] = "DELETE FROM bodies WHERE id = ?1",
    [S_CLEAR_TAGS] = "DELETE FROM tags",
    [S_CLEAR_MENTIONS] = "DELETE FROM mentions",
    [S_CLEAR_SECTIONS] = "DELETE FROM sections",
    [S_CLEAR_ITEMS] = "DELETE FROM items",
    [S_CLEAR_TASKS] = "DELETE FROM tasks",
    [S_CLEAR_QUOTES] = "DELETE FROM quotes",
    [S_CLEAR_NOTES] = "DELETE FROM notes",
    [S_CLEAR_BODIES] = "DELETE FROM bodies",
    [S_CLEAR_SKIPPED] = "DELETE FROM skipped",
    [S_CLEAR_FILE_PROBLEMS] = "DELETE FROM problems WHERE kind = 0",
    [S_FTS_DELETE_ALL] = "INSERT INTO notes_fts(notes_fts) VALUES ('delete-all')",
    [S_FTS_MERGE] = "INSERT INTO notes_fts(notes_fts, rank) VALUES ('merge', ?1)",
    [S_FTS_OPTIMIZE] = "INSERT INTO notes_fts(notes_fts) VALUES ('optimize')",
    [S_LIST_PROBLEMS] = "SELECT path, line, message FROM problems WHERE kind = ?1 ORDER BY 1, 2, 3",
    [S_ALL_CLIENTS] = "SELECT DISTINCT client FROM notes WHERE client IS NOT NULL ORDER BY client",
    [S_CLEAR_NOTE_RULES] = "DELETE FROM note_rules",
    /* ---- report.c: set-based reads, aggregated in C ---- */
    /* Notes that belong to a client (all, or ?1's), with their cached rule
     * results while still valid for the row. */
    [S_CNOTES] =
        "SELECT n.id, n.path, n.client, n.type, n.date, n.title, n.status, n.priority_cap,"
        " n.cadence, n.tags, n.fm_end_line, n.mtime_ns, n.size, r.hash, r.data, n.people"
        " FROM notes n LEFT JOIN note_rules r"
        "  ON r.note_id = n.id AND r.mtime_ns = n.mtime_ns AND r.size = n.size"
        " WHERE n.client IS NOT NULL AND (?1 IS NULL OR n.client = ?1)", /* sorted in C */
    /* People of a client's notes (mentions + fm people, via notes.people:
     * `mentions` has no note_id index), grouped: the earliest date ('' when
     * an undated note names them) and the latest. */
    [S_CPEOPLE] =
        "SELECT n.client, j.value, min(coalesce(n.date, '')), max(n.date)"
        " FROM notes n, json_each(n.people) j"
        " WHERE n.client IS NOT NULL AND (?1 IS NULL OR n.client = ?1)"
        " GROUP BY n.client, j.value",
    /* Items of section kind ?2 in client notes (all clients, or ?1's). */
    [S_CSEC_ITEMS] =
        "SELECT n.client, n.path, i.line, i.end_line, i.text, i.task, n.id"
        " FROM notes n CROSS JOIN items i ON i.note_id = n.id AND i.kind = ?2" /* notes first */
        " WHERE n.type = 'client' AND n.client IS NOT NULL AND (?1 IS NULL OR n.client = ?1)"
        " ORDER BY n.client, n.path, i.line",
    [S_NOTE_ITEMS] =
        "SELECT n.client, n.path, i.line, i.end_line, i.text, i.task, n.id"
        " FROM notes n JOIN items i ON i.note_id = n.id AND i.kind = ?2"
        " WHERE n.id = ?1 ORDER BY i.line",
    /* Tasks (all, or of client ?1; done ?2: -1 any, 0 open, 1 checked). */
    [S_RTASKS] =
        "SELECT n.id, n.path, n.client, n.date, t.line, t.col, t.text, t.done, t.owner, t.due,"
        " t.section FROM tasks t JOIN notes n ON n.id = t.note_id"
        " WHERE (?1 IS NULL OR n.client = ?1) AND (?2 < 0 OR t.done = ?2)",
    /* Quotes of client ?1's meeting notes dated <= ?2 (or undated), newest
     * note first, then in the note's order; ?3 rows at most (-1 all). */
    [S_CQUOTES] =
        "SELECT n.path, n.date, q.line, q.text FROM notes n JOIN quotes q ON q.note_id = n.id"
        " WHERE n.client = ?1 AND n.type = 'meeting' AND (n.date IS NULL OR n.date <= ?2)"
        " ORDER BY n.date IS NULL, n.date DESC, n.path DESC, q.line LIMIT ?3",
    [S_READ_BEGIN] = "BEGIN",
    [S_READ_END] = "COMMIT",
    /* Only while the notes row is still the one the data was computed from. */
    [S_RULES_PUT] =
        "INSERT OR REPLACE INTO note_rules(note_id, mtime_ns, size, hash, data)"
        " SELECT id, mtime_ns, size, ?4, ?5 FROM notes"
        " WHERE id = ?1 AND mtime_ns = ?2 AND size = ?3",
    /* Notes of client ?1 naming person ?2, latest date first. */
    [S_PERSON_NOTES] =
        "SELECT n.id, n.path, n.date FROM notes n, json_each(n.people) j"
        " WHERE n.client = ?1 AND j.value = ?2"
        " ORDER BY n.date IS NULL, n.date DESC, n.path LIMIT 1",
};

struct store {
    sqlite3 *db;
    char *path;
    unsigned flags;
    sqlite3_stmt *st[S_COUNT];
    int64_t next_id;               /* next note id in this transaction; 0 = unknown */
    VEC(int64_t) fts_del, fts_ins; /* deferred FTS work (see the top) */
    buf_t tags_json, people_json;  /* scratch for store_put_note */
    int wal_frames;                /* frames in the WAL after our last commit */
    int bulk;                      /* store_set_bulk(on) */
    /* Read caches, valid while data_version (and our own writes) say the
     * database is unchanged: `tags` and the id universe of NOT queries. */
    int64_t cache_version;         /* -1: invalid */
    int have_tags, have_all;
    store_tag_list tags_cache;
    query_set all_cache;
};

#define WAL_BACKSTOP_FRAMES 8000   /* ~64 MB of 8 KiB pages: checkpoint even in a save */

/* Checkpoints and, when no reader still uses the WAL, truncates it to zero
 * bytes: a WAL left with (even checkpointed) frames costs every process that
 * opens the database first a scan of all of them to rebuild the wal-index
 * (measured: +45 ms per CLI call after a cold build). Never waits: with the
 * busy timeout off, readers in the way just make it a passive checkpoint. */
static void checkpoint(store *s)
{
    sqlite3_busy_timeout(s->db, 0);
    sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    s->wal_frames = 0;
}

static int on_wal(void *ud, sqlite3 *db, const char *name, int frames)
{
    (void)db;
    (void)name;
    ((store *)ud)->wal_frames = frames;
    return SQLITE_OK;
}


/* STORE_* for an SQLite primary result code. A full disk or an I/O error
 * is the machine's trouble, not the file's: never a reason to move the
 * database aside (store_open). */
static int classify(int prim)
{
    switch (prim) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return STORE_EBUSY;
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_NOMEM:
    case SQLITE_INTERRUPT: return STORE_EIO;
    default: return STORE_ERR;
    }
}

static int fail(store *s, int rc, char *err, size_t errlen, const char *what)
{
    seterr(err, errlen, "database: %s: %s", what, s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
    int prim = rc & 0xff;
    return classify(prim);
}

/* The prepared statement `id`, reset and unbound, or NULL with err set. */
static sqlite3_stmt *stmt(store *s, int id, char *err, size_t errlen)
{
    sqlite3_stmt *st = s->st[id];
    if (!st) {
        int rc = sqlite3_prepare_v3(s->db, sql[id], -1, SQLITE_PREPARE_PERSISTENT, &s->st[id], NULL);
        if (rc != SQLITE_OK) {
            fail(s, rc, err, errlen, "prepare");
            return NULL;
        }
        st = s->st[id];
    } else {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
    return st;
}

/* Runs a statement that returns no rows; resets it afterwards. */
static int run(store *s, sqlite3_stmt *st, char *err, size_t errlen, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return fail(s, rc, err, errlen, what);
    return 0;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v) sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else sqlite3_bind_null(st, i);
}

static char *col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? xstrndup((const char *)t, (size_t)sqlite3_column_bytes(st, i)) : NULL;
}

/* ---- read caches ---------------------------------------------------------- */

static void cache_drop(store *s)
{
    store_tags_free(&s->tags_cache);
    query_set_free(&s->all_cache);
    s->have_tags = s->have_all = 0;
    s->cache_version = -1;
}

/* Drops the caches when the database changed since they were filled.
 * data_version changes on other connections' commits; our own writes go
 * through store_begin, which drops them. */
static void cache_check(store *s)
{
    sqlite3_stmt *st = stmt(s, S_DATA_VERSION, NULL, 0);
    int64_t v = -1;
    if (st && sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
    if (st) sqlite3_reset(st);
    if (v < 0 || v != s->cache_version) {
        cache_drop(s);
        s->cache_version = v;
    }
}

/* ---- open / recovery ---------------------------------------------------- */

static int exec(store *s, const char *q, char *err, size_t errlen)
{
    char *m = NULL;
    int rc = sqlite3_exec(s->db, q, NULL, NULL, &m);
    if (rc != SQLITE_OK) {
        seterr(err, errlen, "database: %s", m ? m : sqlite3_errstr(rc));
        sqlite3_free(m);
        int prim = rc & 0xff;
        return classify(prim);
    }
    return 0;
}

static void close_db(store *s)
{
    for (int i = 0; i < S_COUNT; i++) {
        sqlite3_finalize(s->st[i]);
        s->st[i] = NULL;
    }
    if (s->db) sqlite3_close_v2(s->db);
    s->db = NULL;
}

/* Result of probing a database file. */
enum { PROBE_OK, PROBE_BAD, PROBE_FAIL };

/* Opens the connection and reads user_version; classifies a failure as a
 * bad file (move aside) or a transient one (report). */
/* Debian builds SQLite with memory statistics on (a global mutex around
 * every allocation) and without lookaside, so allocation is hot: turn the
 * statistics off, once, before SQLite initialises (this file is its only
 * user; if it was initialised already the call fails harmlessly). */
static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;

static void sqlite_setup(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_initialize();
}

static int probe(store *s, int *version, char *why, size_t whylen)
{
    pthread_once(&sqlite_once, sqlite_setup);
    /* NOMUTEX: a store is used by one thread at a time (see store.h). */
    int rc = sqlite3_open_v2(s->path, &s->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_extended_result_codes(s->db, 1);
        sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
        sqlite3_stmt *st = NULL;
        rc = sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL);
        if (rc == SQLITE_OK) {
            rc = sqlite3_step(st);
            if (rc == SQLITE_ROW) {
                *version = sqlite3_column_int(st, 0);
                rc = SQLITE_OK;
            }
        }
        sqlite3_finalize(st);
        /* Reading the schema touches page 1 and the schema table. */
        if (rc == SQLITE_OK)
            rc = sqlite3_exec(s->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
    }
    if (rc == SQLITE_OK) return PROBE_OK;
    snprintf(why, whylen, "%s", s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
    int prim = rc & 0xff;
    close_db(s);
    if (prim == SQLITE_NOTADB || prim == SQLITE_CORRUPT || prim == SQLITE_CANTOPEN ||
        prim == SQLITE_PERM || prim == SQLITE_READONLY || prim == SQLITE_AUTH)
        return PROBE_BAD;
    return PROBE_FAIL;
}

/* Renames path (and its -wal/-shm) to path.bad-<stamp>; returns the new
 * name (malloc'd) or NULL. */
static char *move_aside(const char *path)
{
    char stamp[32];
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
    char *dst = NULL;
    for (int i = 0; i < 100; i++) {
        free(dst);
        dst = i ? xasprintf("%s.bad-%s-%d", path, stamp, i) : xasprintf("%s.bad-%s", path, stamp);
        if (access(dst, F_OK) != 0) break;
    }
    if (rename(path, dst) != 0 && errno != ENOENT) {
        free(dst);
        return NULL;
    }
    static const char *const sfx[] = {"-wal", "-shm"};
    for (size_t i = 0; i < 2; i++) {
        char *a = xasprintf("%s%s", path, sfx[i]);
        char *b = xasprintf("%s%s", dst, sfx[i]);
        if (rename(a, b) != 0) unlink(a);
        free(a);
        free(b);
    }
    return dst;
}

static int migrate(store *s, int version, char *err, size_t errlen)
{
    for (int v = version; v < STORE_SCHEMA_VERSION; v++) {
        int rc = exec(s, "BEGIN IMMEDIATE", err, errlen);
        if (rc) return rc;
        rc = exec(s, migrations[v], err, errlen);
        if (!rc) rc = exec(s, "COMMIT", err, errlen);
        if (rc) {
            exec(s, "ROLLBACK", NULL, 0);
            return rc;
        }
    }
    return 0;
}

static int configure(store *s, char *err, size_t errlen)
{
    /* Takes effect only on a new, empty file (before WAL): 8 KiB pages made
     * the 10k-note cold build ~15% faster than 4 KiB (fewer splits and WAL
     * frames); 16 KiB gained nothing more. */
    int rc = exec(s, "PRAGMA page_size = 8192", err, errlen);
    if (!rc) rc = exec(s, "PRAGMA journal_mode = WAL", err, errlen);
    /* The writer never checkpoints inside a commit (a save could pay an
     * fsync and a WAL copy): store_maintain does, from index_run. */
    if (!rc && (s->flags & STORE_WRITER)) {
        rc = exec(s, "PRAGMA wal_autocheckpoint = 0", err, errlen);
        sqlite3_wal_hook(s->db, on_wal, s);
    }
    if (!rc) rc = exec(s, "PRAGMA synchronous = NORMAL", err, errlen);
    if (!rc) rc = exec(s, "PRAGMA temp_store = MEMORY", err, errlen);
    /* A cache of files the user has in the clear anyway: no zeroing of
     * freed content (Debian's build defaults secure_delete on). */
    if (!rc) rc = exec(s, "PRAGMA secure_delete = OFF", err, errlen);
    if (!rc) rc = exec(s, (s->flags & STORE_WRITER) ? "PRAGMA cache_size = -16384"
                                                    : "PRAGMA cache_size = -8192", err, errlen);
    return rc;
}

int store_open(store **out, const char *path, unsigned flags, char *msg, size_t msglen,
               char *err, size_t errlen)
{
    *out = NULL;
    if (msg && msglen) msg[0] = '\0';
    store *s = xcalloc(1, sizeof(*s));
    s->cache_version = -1;
    s->path = xstrdup(path);
    s->flags = flags;
    char *lockpath = xasprintf("%s.lock", path);
    char why[256] = "";
    int rc = 0, version = 0;
    int lfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lfd < 0 || flock(lfd, LOCK_EX) != 0) {
        seterr(err, errlen, "%s: %s", lockpath, strerror(errno));
        rc = STORE_EIO;
        goto cleanup;
    }
    /* Create the file ourselves so it gets mode 0600 (SQLite would use
     * 0644 & ~umask); the -wal and -shm files inherit its mode. */
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) close(fd);

    for (int attempt = 0;; attempt++) {
        int p = probe(s, &version, why, sizeof(why));
        if (p == PROBE_OK && version > STORE_SCHEMA_VERSION) {
            snprintf(why, sizeof(why), "schema version %d is newer than this rapport's %d",
                     version, STORE_SCHEMA_VERSION);
            close_db(s);
            p = PROBE_BAD;
        }
        if (p == PROBE_OK) {
            rc = configure(s, err, errlen);
            if (!rc) rc = migrate(s, version, err, errlen);
            if (!rc) break;
            if (rc == STORE_EBUSY || rc == STORE_EIO || attempt > 0) goto cleanup;
            /* Not our schema (or broken in a way the probe missed). */
            snprintf(why, sizeof(why), "%s", err ? err : "cannot set up the schema");
            close_db(s);
            p = PROBE_BAD;
        }
        if (p == PROBE_FAIL || attempt > 0) {
            seterr(err, errlen, "%s: %s", path, why);
            rc = STORE_ERR;
            goto cleanup;
        }
        char *dst = move_aside(path);
        if (!dst) {
            seterr(err, errlen, "%s: %s; cannot move it aside: %s", path, why, strerror(errno));
            rc = STORE_EIO;
            goto cleanup;
        }
        if (msg && msglen)
            snprintf(msg, msglen, "database %s was unusable (%s); moved it to %s and rebuilt it",
                     path, why, dst);
        free(dst);
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd >= 0) close(fd);
    }
cleanup:
    if (lfd >= 0) close(lfd); /* releases the flock */
    free(lockpath);
    if (rc) {
        store_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

void store_close(store *s)
{
    if (!s) return;
    if (s->db) cache_drop(s);
    close_db(s);
    VEC_FREE(&s->fts_del);
    VEC_FREE(&s->fts_ins);
    buf_free(&s->tags_json);
    buf_free(&s->people_json);
    free(s->path);
    free(s);
}

static void pending_reset(store *s)
{
    s->fts_del.len = s->fts_ins.len = 0;
    s->next_id = 0;
}

/* The deferred FTS work: remove the old texts (bound values, one statement
 * each), add the new ones (their ids are contiguous: next_id counts up
 * within a transaction, so one range statement), then drop the old bodies. */
static int fts_flush(store *s, char *err, size_t errlen)
{
    int rc = 0;
    for (size_t i = 0; i < s->fts_del.len && !rc; i++) {
        sqlite3_stmt *q = stmt(s, S_BODY, err, errlen);
        sqlite3_stmt *d = stmt(s, S_FTS_DEL, err, errlen);
        if (!q || !d) return STORE_ERR;
        sqlite3_bind_int64(q, 1, s->fts_del.items[i]);
        int r = sqlite3_step(q);
        if (r == SQLITE_ROW) {
            sqlite3_bind_int64(d, 1, s->fts_del.items[i]);
            sqlite3_bind_value(d, 2, sqlite3_column_value(q, 0));
            rc = run(s, d, err, errlen, "full-text delete");
        } else if (r != SQLITE_DONE) {
            rc = fail(s, r, err, errlen, "full-text delete");
        }
        sqlite3_reset(q);
    }
    if (!rc && s->fts_ins.len) {
        /* Ids assigned in this transaction: contiguous but for holes left
         * by notes replaced again within it (their bodies are gone). */
        int64_t lo = s->fts_ins.items[0], hi = s->fts_ins.items[s->fts_ins.len - 1];
        assert(hi - lo + 1 >= (int64_t)s->fts_ins.len);
        sqlite3_stmt *st = stmt(s, S_FTS_INS, err, errlen);
        if (!st) return STORE_ERR;
        sqlite3_bind_int64(st, 1, lo);
        sqlite3_bind_int64(st, 2, hi);
        rc = run(s, st, err, errlen, "full-text insert");
    }
    for (size_t i = 0; i < s->fts_del.len && !rc; i++) {
        sqlite3_stmt *st = stmt(s, S_DEL_BODY, err, errlen);
        if (!st) return STORE_ERR;
        sqlite3_bind_int64(st, 1, s->fts_del.items[i]);
        rc = run(s, st, err, errlen, "delete body");
    }
    if (!rc) pending_reset(s);
    return rc;
}

int store_begin(store *s, char *err, size_t errlen)
{
    pending_reset(s);
    cache_drop(s);
    sqlite3_stmt *st = stmt(s, S_BEGIN, err, errlen);
    return st ? run(s, st, err, errlen, "begin") : STORE_ERR;
}

int store_commit(store *s, char *err, size_t errlen)
{
    int rc = fts_flush(s, err, errlen);
    if (rc) return rc;
    sqlite3_stmt *st = stmt(s, S_COMMIT, err, errlen);
    rc = st ? run(s, st, err, errlen, "commit") : STORE_ERR;
    /* Bulk builds checkpoint (no fsync then) once the WAL passes ~32 MB,
     * so it does not grow to the database's size on big builds. */
    if (!rc && s->wal_frames > (s->bulk ? WAL_BACKSTOP_FRAMES / 2 : WAL_BACKSTOP_FRAMES)) {
        sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        s->wal_frames = 0;
    }
    return rc;
}

int store_maintain(store *s, int work, char *err, size_t errlen)
{
    int rc = 0;
    if (work != 0) {
        if ((rc = store_begin(s, err, errlen))) return rc;
        sqlite3_stmt *st = stmt(s, work < 0 ? S_FTS_OPTIMIZE : S_FTS_MERGE, err, errlen);
        if (!st) rc = STORE_ERR;
        else {
            if (work > 0) sqlite3_bind_int(st, 1, work);
            rc = run(s, st, err, errlen, "full-text merge");
        }
        if (!rc) rc = store_commit(s, err, errlen);
        if (rc) {
            store_rollback(s);
            return rc;
        }
    }
    checkpoint(s);
    /* The writer's page cache only helps while it writes: give it back
     * (the helper's RSS budget is 30 MB at 10k notes). */
    sqlite3_db_release_memory(s->db);
    malloc_trim(0);
    return 0;
}

void store_rollback(store *s)
{
    pending_reset(s);
    if (sqlite3_get_autocommit(s->db)) return;
    sqlite3_stmt *st = stmt(s, S_ROLLBACK, NULL, 0);
    if (st) run(s, st, NULL, 0, "rollback");
}

int store_clear_all(store *s, char *err, size_t errlen)
{
    /* Children first (then the notes trigger finds nothing to delete); the
     * FTS index is emptied wholesale, so no per-note 'delete' is needed. */
    static const int ids[] = {S_CLEAR_TAGS, S_CLEAR_MENTIONS, S_CLEAR_SECTIONS, S_CLEAR_ITEMS,
                              S_CLEAR_TASKS, S_CLEAR_QUOTES, S_CLEAR_NOTE_RULES, S_CLEAR_NOTES, S_FTS_DELETE_ALL,
                              S_CLEAR_BODIES, S_CLEAR_SKIPPED, S_CLEAR_FILE_PROBLEMS};
    int rc = 0;
    for (size_t i = 0; !rc && i < ARRAY_LEN(ids); i++) {
        sqlite3_stmt *st = stmt(s, ids[i], err, errlen);
        rc = st ? run(s, st, err, errlen, "clear") : STORE_ERR;
    }
    pending_reset(s);
    return rc;
}

int store_set_bulk(store *s, int on, size_t expect, char *err, size_t errlen)
{
    s->bulk = on;
    if (on) {
        /* Past ~20k notes the b-trees outgrow the writer's 16 MB cache and
         * the build slows superlinearly; 64 MB measured ~30% faster at 100k. */
        if (expect > 20000) {
            int rc = exec(s, "PRAGMA cache_size = -65536", err, errlen);
            if (rc) return rc;
        }
        int rc = exec(s, "PRAGMA synchronous = OFF", err, errlen);
        if (!rc) rc = exec(s, "PRAGMA wal_autocheckpoint = 0", err, errlen);
        return rc;
    }
    /* Leaving bulk mode: checkpoint (still without fsyncs), then make the
     * database file durable with one fdatasync before normal WAL commits
     * resume. Only a power loss during the build itself can then damage the
     * file, and the build starts over (or store_open moves a broken file
     * aside). */
    checkpoint(s);
    exec(s, "PRAGMA cache_size = -16384", NULL, 0);
    int fd = open(s->path, O_RDWR | O_CLOEXEC);
    if (fd >= 0) {
        fdatasync(fd);
        close(fd);
    }
    int rc = exec(s, (s->flags & STORE_WRITER) ? "PRAGMA wal_autocheckpoint = 0"
                                                : "PRAGMA wal_autocheckpoint = 1000", err, errlen);
    if (!rc) rc = exec(s, "PRAGMA synchronous = NORMAL", err, errlen);
    return rc;
}

/* ---- freshness ---------------------------------------------------------- */

static int cmp_file_path(const void *a, const void *b)
{
    return strcmp(((const store_file *)a)->path, ((const store_file *)b)->path);
}

int store_list_files(store *s, store_file_list *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = stmt(s, S_LIST_FILES, err, errlen);
    if (!st) return STORE_ERR;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_file f;
        f.path = col_dup(st, 0);
        f.size = sqlite3_column_int64(st, 1);
        f.mtime_ns = sqlite3_column_int64(st, 2);
        f.ctime_ns = sqlite3_column_int64(st, 3);
        f.inode = (uint64_t)sqlite3_column_int64(st, 4);
        f.skipped = sqlite3_column_int(st, 5);
        VEC_PUSH(out, f);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        store_files_free(out);
        return fail(s, rc, err, errlen, "list files");
    }
    if (out->len > 1) qsort(out->items, out->len, sizeof(*out->items), cmp_file_path);
    return 0;
}

int store_get_file(store *s, const char *path, store_file *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    static const int ids[2] = {S_GET_NOTE_FILE, S_GET_SKIPPED_FILE};
    for (int k = 0; k < 2; k++) {
        sqlite3_stmt *st = stmt(s, ids[k], err, errlen);
        if (!st) return STORE_ERR;
        sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            out->size = sqlite3_column_int64(st, 0);
            out->mtime_ns = sqlite3_column_int64(st, 1);
            out->ctime_ns = sqlite3_column_int64(st, 2);
            out->inode = (uint64_t)sqlite3_column_int64(st, 3);
            out->skipped = k;
            sqlite3_reset(st);
            return 0;
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) return fail(s, rc, err, errlen, "get file");
    }
    return STORE_ENOTFOUND;
}

char *store_path_by_inode(store *s, uint64_t inode, const char *path)
{
    sqlite3_stmt *st = stmt(s, S_PATH_BY_INODE, NULL, 0);
    if (!st) return NULL;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)inode);
    sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
    char *r = sqlite3_step(st) == SQLITE_ROW ? col_dup(st, 0) : NULL;
    sqlite3_reset(st);
    return r;
}

void store_files_free(store_file_list *f)
{
    for (size_t i = 0; i < f->len; i++) free(f->items[i].path);
    VEC_FREE(f);
}

int64_t store_count_notes(store *s)
{
    sqlite3_stmt *st = stmt(s, S_COUNT_NOTES, NULL, 0);
    if (!st) return -1;
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_reset(st);
    return n;
}

/* ---- writes ------------------------------------------------------------- */

static int del_path(store *s, const char *path, int keep_skipped, char *err, size_t errlen)
{
    sqlite3_stmt *q = stmt(s, S_NOTE_ID, err, errlen);
    if (!q) return STORE_ERR;
    sqlite3_bind_text(q, 1, path, -1, SQLITE_STATIC);
    int r = sqlite3_step(q);
    int64_t old = r == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    sqlite3_reset(q);
    if (r != SQLITE_ROW && r != SQLITE_DONE) return fail(s, r, err, errlen, "delete");
    if (r == SQLITE_ROW) {
        if (s->fts_ins.len && old >= s->fts_ins.items[0]) {
            /* Written earlier in this transaction: not in the FTS index
             * yet, so just drop its body (the range insert skips holes). */
            sqlite3_stmt *d = stmt(s, S_DEL_BODY, err, errlen);
            if (!d) return STORE_ERR;
            sqlite3_bind_int64(d, 1, old);
            int rc = run(s, d, err, errlen, "delete body");
            if (rc) return rc;
        } else {
            VEC_PUSH(&s->fts_del, old);
        }
    }
    int ids[3] = {S_DEL_NOTE, S_DEL_FILE_PROBLEMS, S_DEL_SKIPPED};
    for (int k = 0; k < (keep_skipped ? 2 : 3); k++) {
        sqlite3_stmt *st = stmt(s, ids[k], err, errlen);
        if (!st) return STORE_ERR;
        sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
        int rc = run(s, st, err, errlen, "delete");
        if (rc) return rc;
    }
    return 0;
}

int store_delete_path(store *s, const char *path, char *err, size_t errlen)
{
    return del_path(s, path, 0, err, errlen);
}

static const char *type_name(int type)
{
    return type == PARSE_CLIENT ? "client" : type == PARSE_MEETING ? "meeting" : "note";
}

static int cmp_ref_ptr(const void *a, const void *b)
{
    const parse_ref *x = *(const parse_ref *const *)a, *y = *(const parse_ref *const *)b;
    return strcmp(x->name, y->name);
}

static void json_str(buf_t *b, const char *s)
{
    buf_addc(b, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            buf_addc(b, '\\');
            buf_addc(b, (char)c);
        } else if (c < 0x20) {
            buf_printf(b, "\\u%04x", c);
        } else {
            buf_addc(b, (char)c);
        }
    }
    buf_addc(b, '"');
}

/* The distinct names of refs[0..n) as a sorted JSON array into b. */
static void ref_list(buf_t *b, const parse_ref *refs, size_t n)
{
    b->len = 0;
    buf_addc(b, '[');
    const parse_ref *one[32];
    const parse_ref **v = n <= 32 ? one : xmalloc(n * sizeof(*v));
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (refs[i].name) v[k++] = &refs[i];
    if (k > 1) qsort(v, k, sizeof(*v), cmp_ref_ptr);
    for (size_t i = 0, out = 0; i < k; i++) {
        if (i && strcmp(v[i]->name, v[i - 1]->name) == 0) continue;
        if (out++) buf_addc(b, ',');
        json_str(b, v[i]->name);
    }
    buf_addc(b, ']');
    buf_cstr(b);
    if (v != one) free(v);
}

static int ins_refs(store *s, int id, int64_t note, const buf_t *list, char *err, size_t errlen)
{
    if (list->len <= 2) return 0; /* "[]" */
    sqlite3_stmt *st = stmt(s, id, err, errlen);
    if (!st) return STORE_ERR;
    sqlite3_bind_int64(st, 1, note);
    sqlite3_bind_text(st, 2, list->data, (int)list->len, SQLITE_STATIC);
    return run(s, st, err, errlen, "insert tags/mentions");
}

int store_put_note(store *s, const store_stat *fs, const char *text, size_t len,
                   const parse_note *pn, char *err, size_t errlen)
{
    int rc = fs->is_new ? 0 : del_path(s, fs->path, 0, err, errlen);
    if (rc) return rc;
    sqlite3_stmt *st;
    if (!s->next_id) {
        if (!(st = stmt(s, S_MAX_ID, err, errlen))) return STORE_ERR;
        int r = sqlite3_step(st);
        s->next_id = (r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0) + 1;
        sqlite3_reset(st);
        if (r != SQLITE_ROW) return fail(s, r, err, errlen, "next id");
    }
    int64_t id = s->next_id++;
    if (!(st = stmt(s, S_INS_NOTE, err, errlen))) return STORE_ERR;
    buf_t ign = {0};
    for (size_t i = 0; i < pn->n_ignore; i++) {
        if (i) buf_addc(&ign, ' ');
        buf_adds(&ign, pn->ignore[i]);
    }
    sqlite3_bind_text(st, 1, fs->path, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, fs->size);
    sqlite3_bind_int64(st, 3, fs->mtime_ns);
    sqlite3_bind_int64(st, 4, fs->ctime_ns);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)fs->inode);
    sqlite3_bind_text(st, 6, type_name(pn->type), -1, SQLITE_STATIC);
    bind_text(st, 7, pn->client);
    bind_text(st, 8, pn->date);
    bind_text(st, 9, pn->title);
    bind_text(st, 10, pn->status ? pn->status : "active");
    if (pn->priority_cap >= 0) sqlite3_bind_int(st, 11, pn->priority_cap);
    if (pn->cadence >= 0) sqlite3_bind_int(st, 12, pn->cadence);
    sqlite3_bind_int(st, 13, pn->fm.end_line);
    bind_text(st, 14, pn->fm.error);
    bind_text(st, 15, ign.len ? ign.data : NULL);
    sqlite3_bind_int64(st, 16, id);
    ref_list(&s->tags_json, pn->tags, pn->n_tags);
    ref_list(&s->people_json, pn->mentions, pn->n_mentions);
    sqlite3_bind_text(st, 17, s->tags_json.data, (int)s->tags_json.len, SQLITE_STATIC);
    sqlite3_bind_text(st, 18, s->people_json.data, (int)s->people_json.len, SQLITE_STATIC);
    rc = run(s, st, err, errlen, "insert note");
    buf_free(&ign);
    if (rc) return rc;

    if (!(st = stmt(s, S_INS_BODY, err, errlen))) return STORE_ERR;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, text, (int)len, SQLITE_STATIC);
    if ((rc = run(s, st, err, errlen, "insert body"))) return rc;
    VEC_PUSH(&s->fts_ins, id);

    if ((rc = ins_refs(s, S_INS_TAG, id, &s->tags_json, err, errlen))) return rc;
    if ((rc = ins_refs(s, S_INS_MENTION, id, &s->people_json, err, errlen))) return rc;
    for (size_t i = 0; i < pn->n_sections; i++) {
        const parse_section *sec = &pn->sections[i];
        if (!(st = stmt(s, S_INS_SECTION, err, errlen))) return STORE_ERR;
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int(st, 2, sec->kind);
        sqlite3_bind_int(st, 3, sec->line);
        sqlite3_bind_int(st, 4, sec->end_line);
        if ((rc = run(s, st, err, errlen, "insert section"))) return rc;
        for (size_t j = sec->first_item; j < sec->first_item + sec->n_items && j < pn->n_items; j++) {
            const parse_item *it = &pn->items[j];
            if (!(st = stmt(s, S_INS_ITEM, err, errlen))) return STORE_ERR;
            sqlite3_bind_int64(st, 1, id);
            sqlite3_bind_int(st, 2, it->line);
            sqlite3_bind_int(st, 3, sec->kind);
            sqlite3_bind_int(st, 4, it->end_line);
            bind_text(st, 5, it->text ? it->text : "");
            sqlite3_bind_int(st, 6, it->task);
            if ((rc = run(s, st, err, errlen, "insert item"))) return rc;
        }
    }
    for (size_t i = 0; i < pn->n_tasks; i++) {
        const parse_task *t = &pn->tasks[i];
        if (!(st = stmt(s, S_INS_TASK, err, errlen))) return STORE_ERR;
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int(st, 2, t->line);
        sqlite3_bind_int(st, 3, t->col);
        bind_text(st, 4, t->text ? t->text : "");
        sqlite3_bind_int(st, 5, t->done);
        bind_text(st, 6, t->owner);
        bind_text(st, 7, t->due);
        sqlite3_bind_int(st, 8, t->section);
        if ((rc = run(s, st, err, errlen, "insert task"))) return rc;
    }
    for (size_t i = 0; i < pn->n_quotes; i++) {
        if (!(st = stmt(s, S_INS_QUOTE, err, errlen))) return STORE_ERR;
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int(st, 2, pn->quotes[i].line);
        bind_text(st, 3, pn->quotes[i].text ? pn->quotes[i].text : "");
        if ((rc = run(s, st, err, errlen, "insert quote"))) return rc;
    }
    return 0;
}

int store_put_skipped(store *s, const store_stat *fs, char *err, size_t errlen)
{
    int rc = fs->is_new ? 0 : del_path(s, fs->path, 1, err, errlen);
    if (rc) return rc;
    sqlite3_stmt *st = stmt(s, S_INS_SKIPPED, err, errlen);
    if (!st) return STORE_ERR;
    sqlite3_bind_text(st, 1, fs->path, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, fs->size);
    sqlite3_bind_int64(st, 3, fs->mtime_ns);
    sqlite3_bind_int64(st, 4, fs->ctime_ns);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)fs->inode);
    return run(s, st, err, errlen, "insert skipped");
}

int store_add_problem(store *s, const char *path, int line, const char *message, int kind,
                      char *err, size_t errlen)
{
    sqlite3_stmt *st = stmt(s, S_INS_PROBLEM, err, errlen);
    if (!st) return STORE_ERR;
    sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, line);
    sqlite3_bind_text(st, 3, message, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, kind);
    return run(s, st, err, errlen, "insert problem");
}

int store_clear_problems(store *s, int kind, char *err, size_t errlen)
{
    sqlite3_stmt *st = stmt(s, S_CLEAR_PROBLEMS, err, errlen);
    if (!st) return STORE_ERR;
    sqlite3_bind_int(st, 1, kind);
    return run(s, st, err, errlen, "clear problems");
}

/* ---- queries ------------------------------------------------------------ */

int store_tags(store *s, store_tag_list *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    cache_check(s);
    if (!s->have_tags) {
        sqlite3_stmt *st = stmt(s, S_TAGS, err, errlen);
        if (!st) return STORE_ERR;
        int rc;
        store_tag_list *c = &s->tags_cache;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            store_tag t = {col_dup(st, 0), sqlite3_column_int64(st, 1)};
            VEC_PUSH(c, t);
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) {
            store_tags_free(c);
            return fail(s, rc, err, errlen, "tags");
        }
        s->have_tags = 1;
    }
    for (size_t i = 0; i < s->tags_cache.len; i++) {
        store_tag t = {xstrdup(s->tags_cache.items[i].tag), s->tags_cache.items[i].count};
        VEC_PUSH(out, t);
    }
    return 0;
}

void store_tags_free(store_tag_list *t)
{
    for (size_t i = 0; i < t->len; i++) free(t->items[i].tag);
    VEC_FREE(t);
}

/* Collects column 0 (an id) of every row of `st` into `out`. */
static int collect_ids(store *s, sqlite3_stmt *st, query_set *out, char *err, size_t errlen)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) query_set_add(out, sqlite3_column_int64(st, 0));
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) return fail(s, rc, err, errlen, "find");
    return 0;
}

typedef struct {
    store *s;
    char *err;
    size_t errlen;
} term_ctx;

static int term_fn(void *ctx, const query_node *term, query_set *out)
{
    term_ctx *c = ctx;
    int id;
    switch (term->term) {
    case QT_TAG: id = S_TERM_TAG; break;
    case QT_CLIENT: id = S_TERM_CLIENT; break;
    case QT_PERSON: id = S_TERM_PERSON; break;
    case QT_TYPE: id = S_TERM_TYPE; break;
    case QT_AFTER: id = S_TERM_AFTER; break;
    case QT_BEFORE: id = S_TERM_BEFORE; break;
    default:
        seterr(c->err, c->errlen, "find: unknown term kind %d", term->term);
        return STORE_ERR;
    }
    sqlite3_stmt *st = stmt(c->s, id, c->err, c->errlen);
    if (!st) return STORE_ERR;
    bind_text(st, 1, term->value ? term->value : "");
    int rc = collect_ids(c->s, st, out, c->err, c->errlen);
    if (!rc && id == S_TERM_TAG) {
        if (!(st = stmt(c->s, S_TERM_TAG_KIDS, c->err, c->errlen))) return STORE_ERR;
        bind_text(st, 1, term->value ? term->value : "");
        rc = collect_ids(c->s, st, out, c->err, c->errlen);
    }
    query_set_sort(out);
    return rc;
}

static int has_not(const query_node *n)
{
    if (!n) return 0;
    return n->kind == QN_NOT || has_not(n->a) || has_not(n->b);
}

int store_find(store *s, const query_node *q, store_ref_list *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    query_set none = {0}, res = {0};
    int rc = 0;
    cache_check(s);
    if (has_not(q) && !s->have_all) { /* only NOT needs the universe */
        sqlite3_stmt *st = stmt(s, S_ALL_IDS, err, errlen);
        if (!st) { rc = STORE_ERR; goto cleanup; }
        if ((rc = collect_ids(s, st, &s->all_cache, err, errlen))) {
            query_set_free(&s->all_cache);
            goto cleanup;
        }
        s->have_all = 1;
    }
    term_ctx c = {s, err, errlen};
    if ((rc = query_eval(q, s->have_all ? &s->all_cache : &none, term_fn, &c, &res))) goto cleanup;
    if (res.len) {
        buf_t ids = {0};
        buf_addc(&ids, '[');
        for (size_t i = 0; i < res.len; i++) buf_printf(&ids, i ? ",%lld" : "%lld", (long long)res.ids[i]);
        buf_addc(&ids, ']');
        sqlite3_stmt *st = stmt(s, S_NOTE_REFS, err, errlen);
        if (!st) {
            buf_free(&ids);
            rc = STORE_ERR;
            goto cleanup;
        }
        sqlite3_bind_text(st, 1, ids.data, (int)ids.len, SQLITE_STATIC);
        int r;
        while ((r = sqlite3_step(st)) == SQLITE_ROW) {
            store_note_ref ref = {sqlite3_column_int64(st, 0), col_dup(st, 1), col_dup(st, 2),
                                  col_dup(st, 3)};
            if (!ref.title) ref.title = xstrdup("");
            VEC_PUSH(out, ref);
        }
        sqlite3_reset(st);
        buf_free(&ids);
        if (r != SQLITE_DONE) {
            rc = fail(s, r, err, errlen, "find");
            goto cleanup;
        }
    }
cleanup:
    query_set_free(&res);
    if (rc) store_note_refs_free(out);
    return rc;
}

void store_note_refs_free(store_ref_list *r)
{
    for (size_t i = 0; i < r->len; i++) {
        free(r->items[i].path);
        free(r->items[i].title);
        free(r->items[i].client);
    }
    VEC_FREE(r);
}

static int is_word_byte(unsigned char c)
{
    return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static void add_phrase(buf_t *q, const char *p, size_t n)
{
    int word = 0;
    for (size_t i = 0; i < n; i++) word |= is_word_byte((unsigned char)p[i]);
    if (!word) return; /* only punctuation: no token, nothing to require */
    if (q->len) buf_addc(q, ' ');
    buf_addc(q, '"');
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"') buf_addc(q, '"');
        buf_addc(q, p[i]);
    }
    buf_addc(q, '"');
}

char *store_fts_query(const char *text)
{
    buf_t q = {0};
    const char *p = text;
    while (*p) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v') {
            p++;
        } else if (*p == '"') {
            const char *e = strchr(p + 1, '"');
            size_t n = e ? (size_t)(e - p - 1) : strlen(p + 1);
            add_phrase(&q, p + 1, n);
            p += n + 1 + (e != NULL);
        } else {
            size_t n = strcspn(p, " \t\n\r\f\v\"");
            add_phrase(&q, p, n);
            p += n;
        }
    }
    if (!q.len) {
        buf_free(&q);
        return NULL;
    }
    return q.data;
}

/* Fills hit->line and hit->snippet from highlight() output `h`, where the
 * first match starts with byte 1 and ends with byte 2. */
static void locate(store_hit *hit, const char *h, size_t n)
{
    const char *m = memchr(h, 1, n);
    if (!m) m = h;
    int line = 1;
    const char *ls = h;
    for (const char *p = h; p < m; p++)
        if (*p == '\n') line++, ls = p + 1;
    const char *le = memchr(m, '\n', (size_t)(h + n - m));
    if (!le) le = h + n;
    /* Cut a long line to a window around the match, on UTF-8 boundaries. */
    enum { WIN = 160 };
    const char *a = ls, *b = le;
    if (b - a > WIN) {
        a = m - WIN / 3 > ls ? m - WIN / 3 : ls;
        while (a > ls && ((unsigned char)*a & 0xC0) == 0x80) a--;
        b = a + WIN < le ? a + WIN : le;
        while (b < le && ((unsigned char)*b & 0xC0) == 0x80) b++;
    }
    buf_t sn = {0};
    for (const char *p = a; p < b; p++)
        if (*p != 1 && *p != 2 && *p != '\r') buf_addc(&sn, *p == '\t' ? ' ' : *p);
    const char *t = buf_cstr(&sn);
    size_t ts = 0, te = sn.len;
    while (ts < te && t[ts] == ' ') ts++;
    while (te > ts && t[te - 1] == ' ') te--;
    hit->snippet = xstrndup(t + ts, te - ts);
    hit->line = line;
    buf_free(&sn);
}

int store_search(store *s, const char *text, size_t limit, store_hit_list *out, char *err,
                 size_t errlen)
{
    memset(out, 0, sizeof(*out));
    char *q = store_fts_query(text);
    if (!q) return 0;
    int rc = 0;
    sqlite3_stmt *st = stmt(s, S_SEARCH, err, errlen);
    if (!st) { rc = STORE_ERR; goto cleanup; }
    sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, limit ? (sqlite3_int64)limit : -1);
    VEC(int64_t) ids = {0};
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        store_hit h = {col_dup(st, 1), 0, NULL};
        VEC_PUSH(out, h);
        VEC_PUSH(&ids, sqlite3_column_int64(st, 0));
    }
    sqlite3_reset(st);
    if (r != SQLITE_DONE) {
        rc = fail(s, r, err, errlen, "search");
        VEC_FREE(&ids);
        goto cleanup;
    }
    for (size_t i = 0; i < out->len && !rc; i++) {
        sqlite3_stmt *hs = stmt(s, S_HIGHLIGHT, err, errlen);
        if (!hs) { rc = STORE_ERR; break; }
        sqlite3_bind_text(hs, 1, q, -1, SQLITE_STATIC);
        /* NOLINTNEXTLINE(clang-analyzer-core.NullDereference): ids is pushed with out, same length */
        sqlite3_bind_int64(hs, 2, ids.items[i]);
        r = sqlite3_step(hs);
        if (r == SQLITE_ROW) {
            const char *h = (const char *)sqlite3_column_text(hs, 0);
            locate(&out->items[i], h ? h : "", (size_t)sqlite3_column_bytes(hs, 0));
        } else if (r != SQLITE_DONE) {
            rc = fail(s, r, err, errlen, "search");
        }
        sqlite3_reset(hs);
        if (!out->items[i].snippet) {
            out->items[i].snippet = xstrdup("");
            out->items[i].line = 1;
        }
    }
    VEC_FREE(&ids);
cleanup:
    free(q);
    if (rc) store_hits_free(out);
    return rc;
}

void store_hits_free(store_hit_list *h)
{
    for (size_t i = 0; i < h->len; i++) {
        free(h->items[i].path);
        free(h->items[i].snippet);
    }
    VEC_FREE(h);
}

static int problems(store *s, int id, int kind, store_problem_list *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = stmt(s, id, err, errlen);
    if (!st) return STORE_ERR;
    if (id == S_LIST_PROBLEMS) sqlite3_bind_int(st, 1, kind);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_problem p = {col_dup(st, 0), sqlite3_column_int(st, 1), col_dup(st, 2)};
        VEC_PUSH(out, p);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        store_problems_free(out);
        return fail(s, rc, err, errlen, "check");
    }
    return 0;
}

int store_check(store *s, store_problem_list *out, char *err, size_t errlen)
{
    return problems(s, S_CHECK, 0, out, err, errlen);
}

int store_list_problems(store *s, int kind, store_problem_list *out, char *err, size_t errlen)
{
    return problems(s, S_LIST_PROBLEMS, kind, out, err, errlen);
}

void store_problems_free(store_problem_list *p)
{
    for (size_t i = 0; i < p->len; i++) {
        free(p->items[i].path);
        free(p->items[i].message);
    }
    VEC_FREE(p);
}

static int strings(store *s, int id, store_string_list *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = stmt(s, id, err, errlen);
    if (!st) return STORE_ERR;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char *v = col_dup(st, 0);
        if (v) VEC_PUSH(out, v);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        store_strings_free(out);
        return fail(s, rc, err, errlen, "list");
    }
    return 0;
}

int store_all_tags(store *s, store_string_list *out, char *err, size_t errlen)
{
    return strings(s, S_ALL_TAGS, out, err, errlen);
}

int store_all_people(store *s, store_string_list *out, char *err, size_t errlen)
{
    return strings(s, S_ALL_PEOPLE, out, err, errlen);
}

int store_all_clients(store *s, store_string_list *out, char *err, size_t errlen)
{
    return strings(s, S_ALL_CLIENTS, out, err, errlen);
}

void store_strings_free(store_string_list *l)
{
    for (size_t i = 0; i < l->len; i++) free(l->items[i]);
    VEC_FREE(l);
}

int store_integrity(store *s, char *err, size_t errlen)
{
    sqlite3_stmt *st = stmt(s, S_QUICK_CHECK, err, errlen);
    if (!st) return STORE_ERR;
    int r = sqlite3_step(st);
    if (r != SQLITE_ROW) {
        sqlite3_reset(st);
        return fail(s, r, err, errlen, "quick_check");
    }
    const char *v = (const char *)sqlite3_column_text(st, 0);
    if (!v || strcmp(v, "ok") != 0) {
        seterr(err, errlen, "database: quick_check: %s", v ? v : "(null)");
        sqlite3_reset(st);
        return STORE_ERR;
    }
    sqlite3_reset(st);
    /* Compares the FTS index with the bodies (rank 1: content too). */
    if (!(st = stmt(s, S_FTS_INTEGRITY, err, errlen))) return STORE_ERR;
    return run(s, st, err, errlen, "full-text integrity-check");
}

int store_meta_get(store *s, const char *key, int64_t *out, char *err, size_t errlen)
{
    sqlite3_stmt *st = stmt(s, S_META_GET, err, errlen);
    if (!st) return STORE_ERR;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (r == SQLITE_ROW) return 0;
    if (r == SQLITE_DONE) return STORE_ENOTFOUND;
    return fail(s, r, err, errlen, "meta");
}

int store_meta_set(store *s, const char *key, const int64_t *value, char *err, size_t errlen)
{
    sqlite3_stmt *st = stmt(s, value ? S_META_SET : S_META_DEL, err, errlen);
    if (!st) return STORE_ERR;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (value) sqlite3_bind_int64(st, 2, *value);
    return run(s, st, err, errlen, "meta");
}

static int col_int_or(sqlite3_stmt *st, int i, int dflt)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? dflt : sqlite3_column_int(st, i);
}

int store_client(store *s, const char *client, store_client_info *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    out->priority_cap = out->cadence = -1;
    sqlite3_stmt *st = stmt(s, S_CLIENT, err, errlen);
    if (!st) return STORE_ERR;
    sqlite3_bind_text(st, 1, client, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        out->path = col_dup(st, 0);
        out->title = col_dup(st, 1);
        out->status = col_dup(st, 2);
        out->priority_cap = col_int_or(st, 3, -1);
        out->cadence = col_int_or(st, 4, -1);
    }
    sqlite3_reset(st);
    if (r == SQLITE_ROW) return 0;
    if (r == SQLITE_DONE) return STORE_ENOTFOUND;
    return fail(s, r, err, errlen, "client");
}

void store_client_info_free(store_client_info *c)
{
    free(c->path);
    free(c->title);
    free(c->status);
    memset(c, 0, sizeof(*c));
}

int store_priorities(store *s, const char *client, int default_cap, store_prio_list *out, char *err,
                     size_t errlen)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = stmt(s, S_PRIORITIES, err, errlen);
    if (!st) return STORE_ERR;
    bind_text(st, 1, client);
    sqlite3_bind_int(st, 2, SEC_PRIORITIES);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        int note_cap = col_int_or(st, 3, -1), client_cap = col_int_or(st, 4, -1);
        store_prio p = {col_dup(st, 0), col_dup(st, 1), sqlite3_column_int(st, 2),
                        note_cap >= 1 ? note_cap : client_cap >= 1 ? client_cap : default_cap};
        VEC_PUSH(out, p);
    }
    sqlite3_reset(st);
    if (r != SQLITE_DONE) {
        store_prios_free(out);
        return fail(s, r, err, errlen, "priorities");
    }
    return 0;
}

void store_prios_free(store_prio_list *l)
{
    for (size_t i = 0; i < l->len; i++) {
        free(l->items[i].path);
        free(l->items[i].client);
    }
    VEC_FREE(l);
}

/* ---- report queries ------------------------------------------------------- */

int store_read_begin(store *s, char *err, size_t errlen)
{
    sqlite3_stmt *st = stmt(s, S_READ_BEGIN, err, errlen);
    return st ? run(s, st, err, errlen, "begin read") : STORE_ERR;
}

void store_read_end(store *s)
{
    if (sqlite3_get_autocommit(s->db)) return;
    sqlite3_stmt *st = stmt(s, S_READ_END, NULL, 0);
    if (st) run(s, st, NULL, 0, "end read");
}

static int parse_type_of(const unsigned char *t)
{
    if (!t) return PARSE_NOTE;
    if (!strcmp((const char *)t, "client")) return PARSE_CLIENT;
    if (!strcmp((const char *)t, "meeting")) return PARSE_MEETING;
    return PARSE_NOTE;
}

static int cmp_cnote(const void *a, const void *b)
{
    const store_cnote *x = a, *y = b;
    int c = strcmp(x->client, y->client);
    return c ? c : strcmp(x->path, y->path);
}

int store_client_notes(store *s, const char *client, store_cnote_list *out, char *err,
                       size_t errlen)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = stmt(s, S_CNOTES, err, errlen);
    if (!st) return STORE_ERR;
    bind_text(st, 1, client);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        store_cnote n;
        memset(&n, 0, sizeof(n));
        n.id = sqlite3_column_int64(st, 0);
        n.path = col_dup(st, 1);
        n.client = col_dup(st, 2);
        n.type = parse_type_of(sqlite3_column_text(st, 3));
        n.date = col_dup(st, 4);
        n.title = col_dup(st, 5);
        n.status = col_dup(st, 6);
        if (!n.status) n.status = xstrdup("active");
        n.priority_cap = col_int_or(st, 7, -1);
        n.cadence = col_int_or(st, 8, -1);
        n.tags = col_dup(st, 9);
        if (!n.tags) n.tags = xstrdup("[]");
        n.fm_end_line = sqlite3_column_int(st, 10);
        n.mtime_ns = sqlite3_column_int64(st, 11);
        n.size = sqlite3_column_int64(st, 12);
        n.rule_hash = sqlite3_column_int64(st, 13);
        n.rule_data = col_dup(st, 14);
        n.people = col_dup(st, 15);
        if (!n.people) n.people = xstrdup("[]");
        VEC_PUSH(out, n);
    }
    sqlite3_reset(st);
    if (r != SQLITE_DONE) {
        store_cnotes_free(out);
        return fail(s, r, err, errlen, "client notes");
    }
    /* A table scan and a sort here beat ORDER BY (index + row lookups). */
    if (out->len > 1) qsort(out->items, out->len, sizeof(*out->items), cmp_cnote);
    return 0;
}

void store_cnotes_free(store_cnote_list *l)
{
    for (size_t i = 0; i < l->len; i++) {
        store_cnote *n = &l->items[i];
        free(n->path);
        free(n->client);
        free(n->date);
        free(n->title);
        free(n->status);
        free(n->tags);
        free(n->rule_data);
        free(n->people);
    }
    VEC_FREE(l);
}

int store_client_people(store *s, const char *client, store_cperson_list *out, char *err,
                        size_t errlen)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = stmt(s, S_CPEOPLE, err, errlen);
    if (!st) return STORE_ERR;
    bind_text(st, 1, client);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        store_cperson p = {col_dup(st, 0), col_dup(st, 1), col_dup(st, 2), col_dup(st, 3)};
        if (!p.first) p.first = xstrdup("");
        if (!p.client || !p.person) {
            free(p.client), free(p.person), free(p.first), free(p.last);
            continue;
        }
        VEC_PUSH(out, p);
    }
    sqlite3_reset(st);
    if (r != SQLITE_DONE) {
        store_cpeople_free(out);
        return fail(s, r, err, errlen, "client people");
    }
    return 0;
}

void store_cpeople_free(store_cperson_list *l)
{
    for (size_t i = 0; i < l->len; i++) {
        free(l->items[i].client);
        free(l->items[i].person);
        free(l->items[i].first);
        free(l->items[i].last);
    }
    VEC_FREE(l);
}

int store_person_last_note(store *s, const char *client, const char *person, int64_t *id,
                           char **path, char **date, char *err, size_t errlen)
{
    *path = NULL;
    if (date) *date = NULL;
    sqlite3_stmt *st = stmt(s, S_PERSON_NOTES, err, errlen);
    if (!st) return STORE_ERR;
    bind_text(st, 1, client);
    bind_text(st, 2, person);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        if (id) *id = sqlite3_column_int64(st, 0);
        *path = col_dup(st, 1);
        if (date) *date = col_dup(st, 2);
    }
    sqlite3_reset(st);
    if (r == SQLITE_ROW) return 0;
    if (r == SQLITE_DONE) return STORE_ENOTFOUND;
    return fail(s, r, err, errlen, "person");
}

static int items_query(store *s, sqlite3_stmt *st, store_item_list *out, char *err, size_t errlen)
{
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        store_item it = {col_dup(st, 0), col_dup(st, 1), col_dup(st, 4), sqlite3_column_int(st, 2),
                         sqlite3_column_int(st, 3), sqlite3_column_int(st, 5),
                         sqlite3_column_int64(st, 6)};
        if (!it.text) it.text = xstrdup("");
        VEC_PUSH(out, it);
    }
    sqlite3_reset(st);
    if (r != SQLITE_DONE) {
        store_items_free(out);
        return fail(s, r, err, errlen, "items");
    }
    return 0;
}

int store_client_section_items(store *s, const char *client, int kind, store_item_list *out,
                               char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = stmt(s, S_CSEC_ITEMS, err, errlen);
    if (!st) return STORE_ERR;
    bind_text(st, 1, client);
    sqlite3_bind_int(st, 2, kind);
    return items_query(s, st, out, err, errlen);
}

int store_note_items(store *s, int64_t note_id, int kind, store_item_list *out, char *err,
                     size_t errlen)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = stmt(s, S_NOTE_ITEMS, err, errlen);
    if (!st) return STORE_ERR;
    sqlite3_bind_int64(st, 1, note_id);
    sqlite3_bind_int(st, 2, kind);
    return items_query(s, st, out, err, errlen);
}

void store_items_free(store_item_list *l)
{
    for (size_t i = 0; i < l->len; i++) {
        free(l->items[i].client);
        free(l->items[i].path);
        free(l->items[i].text);
    }
    VEC_FREE(l);
}

int store_tasks(store *s, const char *client, int done, store_task_list *out, char *err,
                size_t errlen)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = stmt(s, S_RTASKS, err, errlen);
    if (!st) return STORE_ERR;
    bind_text(st, 1, client);
    sqlite3_bind_int(st, 2, done);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        store_task t;
        t.note_id = sqlite3_column_int64(st, 0);
        t.path = col_dup(st, 1);
        t.client = col_dup(st, 2);
        t.date = col_dup(st, 3);
        t.line = sqlite3_column_int(st, 4);
        t.col = sqlite3_column_int(st, 5);
        t.text = col_dup(st, 6);
        if (!t.text) t.text = xstrdup("");
        t.done = sqlite3_column_int(st, 7);
        t.owner = col_dup(st, 8);
        t.due = col_dup(st, 9);
        t.section = sqlite3_column_int(st, 10);
        VEC_PUSH(out, t);
    }
    sqlite3_reset(st);
    if (r != SQLITE_DONE) {
        store_tasks_free(out);
        return fail(s, r, err, errlen, "tasks");
    }
    return 0;
}

void store_tasks_free(store_task_list *l)
{
    for (size_t i = 0; i < l->len; i++) {
        store_task *t = &l->items[i];
        free(t->path);
        free(t->client);
        free(t->date);
        free(t->text);
        free(t->owner);
        free(t->due);
    }
    VEC_FREE(l);
}

int store_client_quotes(store *s, const char *client, const char *max_date, size_t limit,
                        store_quote_list *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = stmt(s, S_CQUOTES, err, errlen);
    if (!st) return STORE_ERR;
    bind_text(st, 1, client);
    bind_text(st, 2, max_date ? max_date : "9999-12-31");
    sqlite3_bind_int64(st, 3, limit ? (sqlite3_int64)limit : -1);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        store_quote q = {col_dup(st, 0), col_dup(st, 1), col_dup(st, 3), sqlite3_column_int(st, 2)};
        if (!q.text) q.text = xstrdup("");
        VEC_PUSH(out, q);
    }
    sqlite3_reset(st);
    if (r != SQLITE_DONE) {
        store_quotes_free(out);
        return fail(s, r, err, errlen, "quotes");
    }
    return 0;
}

void store_quotes_free(store_quote_list *l)
{
    for (size_t i = 0; i < l->len; i++) {
        free(l->items[i].path);
        free(l->items[i].date);
        free(l->items[i].text);
    }
    VEC_FREE(l);
}

int store_note_body(store *s, int64_t id, char **text, size_t *len, char *err, size_t errlen)
{
    *text = NULL;
    if (len) *len = 0;
    sqlite3_stmt *st = stmt(s, S_BODY, err, errlen);
    if (!st) return STORE_ERR;
    sqlite3_bind_int64(st, 1, id);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        *text = xstrndup(t ? t : "", n);
        if (len) *len = n;
    }
    sqlite3_reset(st);
    if (r == SQLITE_ROW) return 0;
    if (r == SQLITE_DONE) return STORE_ENOTFOUND;
    return fail(s, r, err, errlen, "body");
}

int store_note_rules_put(store *s, const store_rules_entry *e, size_t n, int busy_ms, char *err,
                         size_t errlen)
{
    if (!n) return 0;
    /* A reader's cache write must not wait behind the indexer: a short busy
     * timeout, and the caller carries on without caching on STORE_EBUSY. */
    sqlite3_busy_timeout(s->db, busy_ms);
    sqlite3_stmt *st = stmt(s, S_BEGIN, err, errlen);
    int rc = st ? run(s, st, err, errlen, "begin") : STORE_ERR;
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    if (rc) return rc;
    for (size_t i = 0; i < n && !rc; i++) {
        if (!(st = stmt(s, S_RULES_PUT, err, errlen))) {
            rc = STORE_ERR;
            break;
        }
        sqlite3_bind_int64(st, 1, e[i].id);
        sqlite3_bind_int64(st, 2, e[i].mtime_ns);
        sqlite3_bind_int64(st, 3, e[i].size);
        sqlite3_bind_int64(st, 4, e[i].hash);
        bind_text(st, 5, e[i].data ? e[i].data : "");
        rc = run(s, st, err, errlen, "rule cache");
    }
    if (!rc) {
        sqlite3_busy_timeout(s->db, busy_ms);
        st = stmt(s, S_COMMIT, err, errlen);
        rc = st ? run(s, st, err, errlen, "commit") : STORE_ERR;
        sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    }
    if (rc) store_rollback(s);
    return rc;
}
