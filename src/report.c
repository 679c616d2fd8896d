/* report.c -- cross-note views over the index: client facts, tasks, health, prep.
 *
 * Design invariants:
 * - Reads are set-based: one statement per kind of fact (notes of clients,
 *   their people, Stakeholders items, open tasks), inside one read snapshot,
 *   aggregated here. Nothing loops over notes issuing queries, except to fill
 *   the rule cache for notes not seen before.
 * - Text and structure rules (everything but overdue, gone-dark and
 *   single-threaded, whose answers depend on the day) are judged once per
 *   version of a note and cached in the store's note_rules table (see "Rule
 *   cache" below). The text judged is the note's indexed body, the very bytes
 *   the parser saw, so the cache can never disagree with the index.
 * - Sorting follows SPEC §2: bytewise on paths, ties on line.
 *
 * Health score (for doc/rapport.txt):
 *
 *   For each active client (a client note, or notes naming it, and not
 *   `status: archived`), and for a day D:
 *
 *     notes(D)   = the client's notes dated on or before D, plus undated ones
 *     fired(r)   = how often rule r fires on notes(D):
 *                  text and note rules (self-focus, urgency, over-cap,
 *                  no-needs, vague-task, no-next-step, short-term-only) as
 *                  the hints show them today, silencing included;
 *                  overdue: open tasks of notes(D) due before D (tasks as
 *                    they are now: checking one off improves the past too);
 *                  single-threaded: fewer than 2 stakeholders named in
 *                    notes(D) and the client note's Stakeholders list;
 *                  gone-dark: D - (latest meeting of notes(D)) > cadence;
 *                    never when there was no meeting at all
 *     score(D)   = clamp(100 - sum of weight(r) over rules with fired(r) > 0,
 *                        0, 100)
 *
 *   A rule counts once however often it fires; its count is in the signal's
 *   message. weight(r) is `rules.<id>.weight` (defaults: self-focus 5,
 *   urgency 10, over-cap 10, no-needs 15, vague-task 5, overdue 15,
 *   no-next-step 10, single-threaded 10, gone-dark 25, short-term-only 5); a
 *   disabled rule never fires. Client rules (no-needs, short-term-only,
 *   single-threaded, gone-dark) fire on the client note only, so a client
 *   without a client note is judged by its notes' rules alone.
 *   `score` is score(today); `trend` is score(today - 7k) for k = 7..0, so
 *   its last value is `score`. open_tasks, overdue_tasks count every open
 *   task of the client's notes (any owner, any date); `stakeholders` is the
 *   count as of today.
 *
 * Rule cache: note_rules(note_id, mtime_ns, size, hash, data). A row is used
 * only while the notes row has the same id, mtime_ns and size (the indexer
 * replaces a changed note's row and a trigger deletes the cache row with it)
 * and while `hash` equals the hash of (settings, the client's name words,
 * the client note's priority_cap, the encoding version): a settings change,
 * or a renamed client note, re-judges that client's notes. To fill a row the
 * note is judged with facts that make every client rule fire if it can
 * (stakeholders 0, no contact for ages) and with today in the far future, so
 * the cached counts of single-threaded and gone-dark say whether those rules
 * may fire on the note at all (enabled, not silenced), and the overdue hints
 * name the tasks that may be overdue: the open tasks with a due date that
 * got no overdue hint (silenced) are stored with the counts. Cache writes
 * happen after the reads, in one transaction that waits at most
 * CACHE_BUSY_MS for the lock; when the indexer holds it, the answer is
 * computed without caching.
 */
#include "report.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "edit.h"
#include "parse.h"
#include "util.h"

#define FAR_FUTURE "9999-12-31"
#define CACHE_VERSION 1        /* bump when the cached data's meaning changes */
#define CACHE_BUSY_MS 20
#define TREND_DAYS 8
#define PREP_QUOTES 5
#define PREP_MEETINGS 3
#define SUMMARY_BYTES 160

/* ---- small helpers --------------------------------------------------------- */


static void today_local(char out[11])
{
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    long days = date_to_days("1970-01-01");
    char buf[11];
    snprintf(buf, sizeof buf, "%04u-%02u-%02u", (unsigned)(tm.tm_year + 1900) % 10000u,
             (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u);
    if (date_valid(buf, 10)) days = date_to_days(buf);
    date_from_days(days, out);
}

/* The day to use: `today` when it is a valid date, else the local date. */
static void resolve_today(const char *today, char out[11])
{
    if (today && strlen(today) == 10 && date_valid(today, 10)) memcpy(out, today, 11);
    else today_local(out);
}

/* A client id as stored: "[[ ]]" stripped, trimmed, ASCII-lowercased. */
static char *client_key(const char *client)
{
    size_t n = strlen(client);
    const char *p = client;
    while (n && (*p == ' ' || *p == '\t')) p++, n--;
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
    if (n >= 4 && !memcmp(p, "[[", 2) && !memcmp(p + n - 2, "]]", 2)) p += 2, n -= 4;
    return ascii_lower_dup(p, n);
}

/* Notes dated on or before `day` (a date string), plus undated ones. */
static int in_set(const char *date, const char *day) { return !date || strcmp(date, day) <= 0; }

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

static int is_word_byte(unsigned char c)
{
    return c >= 0x80 || (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z');
}

static int is_alpha_byte(unsigned char c) { return c >= 0x80 || ((c | 32) >= 'a' && (c | 32) <= 'z'); }

/* Trimmed copy of s[0..n). */
static char *trim_dup(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r')) n--;
    return xstrndup(s, n);
}

/* One-line copy of an item text (continuation lines joined with spaces). */
static char *one_line(const char *s)
{
    char *r = xstrdup(s ? s : "");
    for (char *p = r; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t') *p = ' ';
    return r;
}

/* ---- client name words ------------------------------------------------------ */

typedef VEC(char *) strvec;

static void strvec_free(strvec *v)
{
    for (size_t i = 0; i < v->len; i++) free(v->items[i]);
    VEC_FREE(v);
}

static int strvec_has(const strvec *v, const char *s)
{
    for (size_t i = 0; i < v->len; i++)
        if (!strcmp(v->items[i], s)) return 1;
    return 0;
}

/* Adds the lowercased words of s (split on anything but letters and digits)
 * to `out`, skipping tiny and generic words. */
static void add_words(strvec *out, const char *s)
{
    static const char *const stop[] = {"the", "and", "of", "a", "an", "inc", "ltd", "llc", "gmbh",
                                       "co", "corp", "group", "for", "in", "on", "at", "to", "plc",
                                       "ag", "sa", "bv", "nv"};
    if (!s) return;
    size_t i = 0, n = strlen(s);
    while (i < n) {
        while (i < n && !is_word_byte((unsigned char)s[i])) i++;
        size_t b = i;
        while (i < n && is_word_byte((unsigned char)s[i])) i++;
        if (i - b < 2) continue;
        char *w = ascii_lower_dup(s + b, i - b);
        int skip = strvec_has(out, w);
        for (size_t j = 0; !skip && j < ARRAY_LEN(stop); j++)
            if (!strcmp(stop[j], w)) skip = 1;
        if (skip) free(w);
        else VEC_PUSH(out, w);
    }
}

static void client_words(strvec *out, const char *id, const char *title)
{
    add_words(out, id);
    add_words(out, title);
}

/* The cache key of a client's notes (see "Rule cache" above). */
static int64_t client_hash(const config *cfg, const strvec *words, int cap)
{
    uint64_t h = 14695981039346656037ull;
    int v = CACHE_VERSION;
    h = fnv(h, &v, sizeof v);
    h = fnv(h, &cfg->hash, sizeof cfg->hash);
    h = fnv(h, &cap, sizeof cap);
    for (size_t i = 0; i < words->len; i++) h = fnv(h, words->items[i], strlen(words->items[i]) + 1);
    return (int64_t)(h >> 1);
}

/* ---- stakeholders ------------------------------------------------------------- */

typedef struct {
    char *key;          /* lowercase, for comparing */
    char *name;         /* as written (mentions: lowercase, no '@') */
    char first[11];     /* earliest date naming them; "" = an undated note does */
    char last[11];      /* latest date naming them, "" = none */
    int has_first;
    int team;           /* one of us: kept to skip repeated checks, never shown */
    char *role;         /* from the Stakeholders item, or NULL */
    char *path;         /* the Stakeholders item's note, or NULL */
    int line;
} person;
typedef VEC(person) person_list;

static void people_free(person_list *l)
{
    for (size_t i = 0; i < l->len; i++) {
        person *p = &l->items[i];
        free(p->key), free(p->name), free(p->role), free(p->path);
    }
    VEC_FREE(l);
}

/* Adds (or merges) a person named in a note dated `date` (NULL: undated).
 * Returns the entry, or NULL for the team and empty names. A client has
 * tens of people: a linear search beats hashing here. */
static person *people_add(person_list *l, const config *cfg, const char *name, const char *date)
{
    person *p = NULL;
    for (size_t i = 0; i < l->len && !p; i++)
        if (!ascii_casecmp(l->items[i].key, name)) p = &l->items[i];
    if (!p) {
        if (!*name) return NULL;
        person np;
        memset(&np, 0, sizeof np);
        np.key = ascii_lower_dup(name, strlen(name));
        np.name = xstrdup(name);
        np.team = config_in_team(cfg, np.key);
        VEC_PUSH(l, np);
        p = &l->items[l->len - 1];
    }
    if (!date || strlen(date) != 10) {
        p->first[0] = '\0';
        p->has_first = 1;
    } else {
        if (!p->has_first || (p->first[0] && strcmp(date, p->first) < 0)) memcpy(p->first, date, 11);
        p->has_first = 1;
        if (!p->last[0] || strcmp(date, p->last) > 0) memcpy(p->last, date, 11);
    }
    return p->team ? NULL : p;
}

/* The value of 4 hex digits at p (stops at a NUL), or -1. */
static int hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char h = p[i];
        int d = h >= '0' && h <= '9' ? h - '0' : (h | 32) >= 'a' && (h | 32) <= 'f' ? (h | 32) - 'a' + 10 : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Next string of a JSON array of strings (notes.people), decoded into `b`;
 * NULL at the end or on anything unexpected. *pp starts at the '['. */
static const char *json_next_string(const char **pp, buf_t *b)
{
    const char *p = *pp;
    while (*p == ' ' || *p == '[' || *p == ',' || *p == '\n' || *p == '\t' || *p == '\r') p++;
    if (*p != '"') return NULL;
    p++;
    b->len = 0;
    while (*p && *p != '"') {
        if (*p != '\\') {
            buf_addc(b, *p++);
            continue;
        }
        p++;
        char c = *p++;
        switch (c) {
        case 'n': buf_addc(b, '\n'); break;
        case 't': buf_addc(b, '\t'); break;
        case 'r': buf_addc(b, '\r'); break;
        case 'b': buf_addc(b, '\b'); break;
        case 'f': buf_addc(b, '\f'); break;
        case 'u': {
            int cp = hex4(p);
            if (cp < 0) return NULL;
            p += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && p[0] == '\\' && p[1] == 'u') {
                int lo = hex4(p + 2);
                if (lo >= 0xDC00 && lo < 0xE000) cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00), p += 6;
            }
            char u[4];
            size_t n = 0;
            if (cp < 0x80) u[n++] = (char)cp;
            else if (cp < 0x800) u[n++] = (char)(0xC0 | cp >> 6), u[n++] = (char)(0x80 | (cp & 63));
            else if (cp < 0x10000)
                u[n++] = (char)(0xE0 | cp >> 12), u[n++] = (char)(0x80 | (cp >> 6 & 63)),
                u[n++] = (char)(0x80 | (cp & 63));
            else
                u[n++] = (char)(0xF0 | cp >> 18), u[n++] = (char)(0x80 | (cp >> 12 & 63)),
                u[n++] = (char)(0x80 | (cp >> 6 & 63)), u[n++] = (char)(0x80 | (cp & 63));
            buf_add(b, u, n);
            break;
        }
        case '\0': return NULL;
        default: buf_addc(b, c); break; /* \" \\ \/ */
        }
    }
    if (*p != '"') return NULL;
    *pp = p + 1;
    return buf_cstr(b);
}

/* Adds everyone a note names (its `people` JSON list). */
static void add_note_people(person_list *l, const config *cfg, const store_cnote *n, buf_t *scratch)
{
    const char *p = n->people;
    const char *name;
    while ((name = json_next_string(&p, scratch))) people_add(l, cfg, name, n->date);
}

/* The role in a Stakeholders item: the text after " - " (or an en/em dash),
 * or NULL. */
static const char *item_sep(const char *t, size_t *seplen)
{
    static const char *const seps[] = {" - ", " \xe2\x80\x93 ", " \xe2\x80\x94 "};
    const char *best = NULL;
    for (size_t i = 0; i < ARRAY_LEN(seps); i++) {
        const char *p = strstr(t, seps[i]);
        if (p && (!best || p < best)) best = p, *seplen = strlen(seps[i]);
    }
    return best;
}

/* The people a Stakeholders item names (SPEC §1.4): its @mentions, else the
 * text up to " - " or ",". Names are pushed to `out` (mentions without '@',
 * lowercased; plain names as written). */
static void item_people(const char *t, strvec *out)
{
    size_t n = strlen(t);
    for (size_t i = 0; i < n; i++) {
        if (t[i] != '@') continue;
        if (i > 0 && !(t[i - 1] == ' ' || t[i - 1] == '\t' || t[i - 1] == '(' || t[i - 1] == '\n'))
            continue;
        if (i + 1 >= n || !is_alpha_byte((unsigned char)t[i + 1])) continue;
        size_t b = i + 1, e = b;
        while (e < n && (is_word_byte((unsigned char)t[e]) || t[e] == '_' || t[e] == '-' ||
                         t[e] == '.'))
            e++;
        while (e > b && t[e - 1] == '.') e--;
        char *m = ascii_lower_dup(t + b, e - b);
        if (strvec_has(out, m)) free(m);
        else VEC_PUSH(out, m);
        i = e;
    }
    if (out->len) return;
    size_t sl = 0;
    const char *sep = item_sep(t, &sl);
    size_t end = sep ? (size_t)(sep - t) : n;
    const char *comma = memchr(t, ',', end);
    if (comma) end = (size_t)(comma - t);
    const char *nl = memchr(t, '\n', end);
    if (nl) end = (size_t)(nl - t);
    char *name = trim_dup(t, end);
    /* "**Dana**" -> "Dana" */
    size_t k = strlen(name);
    while (k >= 2 && (name[0] == '*' || name[0] == '_') && name[k - 1] == name[0]) {
        memmove(name, name + 1, k - 2);
        name[k - 2] = '\0';
        k -= 2;
    }
    if (*name) VEC_PUSH(out, name);
    else free(name);
}

static char *item_role(const char *t)
{
    size_t sl = 0;
    const char *sep = item_sep(t, &sl);
    if (!sep) return NULL;
    char *r = trim_dup(sep + sl, strlen(sep + sl));
    char *o = one_line(r);
    free(r);
    if (!*o) {
        free(o);
        return NULL;
    }
    return o;
}

/* Adds the people of one Stakeholders item (of a client note dated `date`). */
static void add_item_people(person_list *l, const config *cfg, const store_item *it,
                            const char *date)
{
    strvec names = {0};
    item_people(it->text, &names);
    for (size_t i = 0; i < names.len; i++) {
        person *p = people_add(l, cfg, names.items[i], date);
        if (p && !p->path) {
            p->path = xstrdup(it->path);
            p->line = it->line;
            p->role = item_role(it->text);
        }
    }
    strvec_free(&names);
}

static int cmp_person_key(const void *a, const void *b)
{
    return strcmp(((const person *)a)->key, ((const person *)b)->key);
}

/* ---- client facts ------------------------------------------------------------ */

/* Stakeholders of one client (all its notes, any date): the client note's
 * Stakeholders items, then everyone its notes name. */
static int client_people(store *s, const config *cfg, const char *id, const store_cnote_list *notes,
                         const char *client_path, const char *client_date, person_list *out,
                         char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (client_path) {
        store_item_list items;
        int rc = store_client_section_items(s, id, SEC_STAKEHOLDERS, &items, err, errlen);
        if (rc) return rc;
        for (size_t i = 0; i < items.len; i++)
            if (!strcmp(items.items[i].path, client_path))
                add_item_people(out, cfg, &items.items[i], client_date);
        store_items_free(&items);
    }
    buf_t scratch = {0};
    for (size_t i = 0; i < notes->len; i++) add_note_people(out, cfg, &notes->items[i], &scratch);
    buf_free(&scratch);
    return 0;
}

static size_t count_people(const person_list *l)
{
    size_t n = 0;
    for (size_t i = 0; i < l->len; i++) n += !l->items[i].team;
    return n;
}

void report_client_facts(store *s, const config *cfg, const char *client, const char *today,
                         report_facts *out)
{
    memset(out, 0, sizeof *out);
    out->rules.stakeholders = -1;
    out->rules.days_since = -1;
    out->rules.client_cap = -1;
    out->cadence = cfg->cadence;
    if (!client || !*client) return;
    char day[11];
    resolve_today(today, day);
    char *id = client_key(client);
    if (!*id) {
        free(id);
        return;
    }
    out->client = id;

    store_client_info ci;
    char *cdate = NULL;
    if (store_client(s, id, &ci, NULL, 0) == 0) {
        out->client_path = ci.path;
        out->title = ci.title;
        out->archived = ci.status && !strcmp(ci.status, "archived");
        out->rules.client_cap = ci.priority_cap >= 1 ? ci.priority_cap : -1;
        if (ci.cadence >= 1) out->cadence = ci.cadence;
        free(ci.status);
    }

    strvec words = {0};
    client_words(&words, id, out->title);
    out->words = words.items;
    out->n_words = words.len;
    out->rules.client_words = (const char *const *)out->words;
    out->rules.n_client_words = out->n_words;

    store_cnote_list notes;
    if (store_client_notes(s, id, &notes, NULL, 0) != 0) return;
    {
        const char *last = NULL;
        for (size_t i = 0; i < notes.len; i++) {
            const store_cnote *n = &notes.items[i];
            if (out->client_path && !strcmp(n->path, out->client_path) && n->date)
                cdate = xstrdup(n->date);
            if (n->type == PARSE_MEETING && n->date && strcmp(n->date, day) <= 0 &&
                (!last || strcmp(n->date, last) > 0))
                last = n->date;
        }
        if (last) {
            out->last_contact = xstrdup(last);
            out->rules.days_since = date_to_days(day) - date_to_days(last);
        }
    }

    person_list pl;
    if (client_people(s, cfg, id, &notes, out->client_path, cdate, &pl, NULL, 0) == 0) {
        if (pl.len > 1) qsort(pl.items, pl.len, sizeof *pl.items, cmp_person_key);
        out->stakeholders = xcalloc(pl.len ? pl.len : 1, sizeof(char *));
        for (size_t i = 0; i < pl.len; i++)
            if (!pl.items[i].team) out->stakeholders[out->n_stakeholders++] = xstrdup(pl.items[i].key);
        out->rules.stakeholders = (int)count_people(&pl);
        people_free(&pl);
    }
    store_cnotes_free(&notes);
    free(cdate);
}

void report_facts_free(report_facts *f)
{
    if (!f) return;
    free(f->client);
    free(f->client_path);
    free(f->title);
    free(f->last_contact);
    for (size_t i = 0; i < f->n_stakeholders; i++) free(f->stakeholders[i]);
    free(f->stakeholders);
    for (size_t i = 0; i < f->n_words; i++) free(f->words[i]);
    free(f->words);
    memset(f, 0, sizeof *f);
}

/* ---- tasks --------------------------------------------------------------------- */

static int task_ours(const config *cfg, const store_task *t)
{
    return !t->owner || config_in_team(cfg, t->owner);
}

static int task_overdue(const store_task *t, const char *day)
{
    return t->due && strcmp(t->due, day) < 0;
}

/* Overdue first, then by due date (none last), path, line. */
typedef struct { const store_task *t; int overdue; } task_key;

static int cmp_task(const void *a, const void *b)
{
    const task_key *kx = a, *ky = b;
    const store_task *x = kx->t, *y = ky->t;
    if (kx->overdue != ky->overdue) return ky->overdue - kx->overdue;
    if (!x->due != !y->due) return x->due ? -1 : 1;
    if (x->due) {
        int c = strcmp(x->due, y->due);
        if (c) return c;
    }
    int c = strcmp(x->path, y->path);
    if (c) return c;
    return (x->line > y->line) - (x->line < y->line);
}

/* Sorts v[0..n) in `tasks` order as of `day` (thread-safe: no globals). */
static void sort_tasks(const store_task **v, size_t n, const char *day)
{
    if (n < 2) return;
    task_key *k = xmalloc(n * sizeof *k);
    for (size_t i = 0; i < n; i++) k[i] = (task_key){v[i], task_overdue(v[i], day)};
    qsort(k, n, sizeof *k, cmp_task);
    for (size_t i = 0; i < n; i++) v[i] = k[i].t;
    free(k);
}

static json_t *task_json(const config *cfg, const store_task *t, const char *day)
{
    json_t *o = json_object();
    json_object_set_new(o, "path", json_string(t->path));
    json_object_set_new(o, "line", json_integer(t->line));
    json_object_set_new(o, "text", json_string(t->text));
    json_object_set_new(o, "owner", t->owner ? json_string(t->owner) : json_null());
    json_object_set_new(o, "due", t->due ? json_string(t->due) : json_null());
    json_object_set_new(o, "ours", json_boolean(task_ours(cfg, t)));
    json_object_set_new(o, "overdue", json_boolean(task_overdue(t, day)));
    return o;
}

int report_tasks(store *s, const config *cfg, const report_task_filter *f, const char *today,
                 json_t **out, char *err, size_t errlen)
{
    *out = NULL;
    char day[11];
    resolve_today(today, day);
    char *id = f && f->client ? client_key(f->client) : NULL;
    store_task_list tl;
    int rc = store_tasks(s, id, 0, &tl, err, errlen);
    free(id);
    if (rc) return rc;
    const store_task **v = xcalloc(tl.len ? tl.len : 1, sizeof *v);
    size_t n = 0;
    int ours = f && f->ours, theirs = f && f->theirs;
    for (size_t i = 0; i < tl.len; i++) {
        const store_task *t = &tl.items[i];
        int o = task_ours(cfg, t);
        if (ours != theirs && o != ours) continue;
        if (f && f->overdue_only && !task_overdue(t, day)) continue;
        v[n++] = t;
    }
    sort_tasks(v, n, day);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(arr, task_json(cfg, v[i], day));
    free(v);
    store_tasks_free(&tl);
    *out = arr;
    return 0;
}

/* ---- health ---------------------------------------------------------------------- */

/* A note's rule results, decoded from the cache. */
typedef struct {
    int ok;
    int counts[RULES_COUNT];
    VEC(int) silenced;    /* open tasks with a due date whose overdue hint is silenced */
} note_rules;

typedef struct {
    char *id;
    const store_cnote *cn;      /* the client note (first by path), or NULL */
    size_t first, n;            /* slice of ctx.notes */
    int skip;                   /* archived (and not asked for), or filtered out */
    int archived, cap, cadence;
    int64_t hash;
    strvec words;
    person_list people;
    VEC(const store_task *) tasks; /* open tasks */
    /* results */
    int score, trend[TREND_DAYS];
    int fired[RULES_COUNT];     /* as of today */
    int stakeholders;           /* as of today */
    int open_tasks, overdue_tasks, overdue_ours;
    char last_contact[11];      /* "" = none */
    long days_since;
} hclient;

typedef struct {
    store_cnote_list notes;
    note_rules *nr;             /* parallel to notes */
    store_task_list tasks;
    hclient *clients;
    size_t n_clients;
    struct idx { int64_t id; size_t i; } *by_id; /* notes by id, for tasks */
} hctx;

static void hctx_free(hctx *h)
{
    for (size_t i = 0; i < h->n_clients; i++) {
        hclient *c = &h->clients[i];
        free(c->id);
        strvec_free(&c->words);
        people_free(&c->people);
        VEC_FREE(&c->tasks);
    }
    free(h->clients);
    for (size_t i = 0; i < h->notes.len; i++) VEC_FREE(&h->nr[i].silenced);
    free(h->nr);
    free(h->by_id);
    store_cnotes_free(&h->notes);
    store_tasks_free(&h->tasks);
    memset(h, 0, sizeof *h);
}

static hclient *find_client(hctx *h, const char *id)
{
    size_t lo = 0, hi = h->n_clients;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(h->clients[mid].id, id);
        if (!c) return &h->clients[mid];
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

static int cmp_idx(const void *a, const void *b)
{
    const struct idx *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

static const note_rules *rules_of(const hctx *h, int64_t id)
{
    size_t lo = 0, hi = h->notes.len;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (h->by_id[mid].id == id) return &h->nr[h->by_id[mid].i];
        if (h->by_id[mid].id < id) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

/* Cache data: "c0,c1,...,cN-1;l1,l2,..." (counts per rule in rules_table
 * order; lines of silenced open due tasks). */
static int decode_rules(const char *d, note_rules *out)
{
    memset(out->counts, 0, sizeof out->counts);
    out->silenced.len = 0;
    const char *p = d;
    for (int r = 0; r < RULES_COUNT; r++) {
        char *e;
        long v = strtol(p, &e, 10);
        if (e == p || v < 0 || v > 1000000) return -1;
        out->counts[r] = (int)v;
        p = e;
        if (r + 1 < RULES_COUNT) {
            if (*p != ',') return -1;
            p++;
        }
    }
    if (*p != ';') return -1;
    p++;
    while (*p) {
        char *e;
        long v = strtol(p, &e, 10);
        if (e == p || v <= 0 || v > 100000000) return -1;
        VEC_PUSH(&out->silenced, (int)v);
        p = e;
        if (*p == ',') p++;
        else if (*p) return -1;
    }
    out->ok = 1;
    return 0;
}

/* Judges one note for the cache (see "Rule cache"); returns the data. */
static char *judge_note(const config *cfg, const hclient *c, const store_cnote *n,
                        const char *text, size_t len)
{
    parse_note pn;
    parse_note_text(n->path, text, len, &pn);
    rules_facts facts = {0, 1L << 30, (const char *const *)c->words.items, c->words.len,
                         c->cap};
    rules_result rr;
    rules_run(text, len, &pn, cfg, &facts, date_to_days(FAR_FUTURE), &rr);
    buf_t b = {0};
    for (int r = 0; r < RULES_COUNT; r++) buf_printf(&b, r ? ",%d" : "%d", rr.counts[r]);
    buf_addc(&b, ';');
    int first = 1;
    for (size_t i = 0; i < pn.n_tasks; i++) {
        const parse_task *t = &pn.tasks[i];
        if (t->done || !t->due) continue;
        int hinted = 0;
        for (size_t j = 0; j < rr.len && !hinted; j++)
            hinted = rr.items[j].rule == RULE_OVERDUE && rr.items[j].line == t->line;
        if (hinted) continue;
        buf_printf(&b, first ? "%d" : ",%d", t->line);
        first = 0;
    }
    rules_result_free(&rr);
    parse_note_free(&pn);
    char *r = xstrdup(buf_cstr(&b));
    buf_free(&b);
    return r;
}

/* Reads the note's text: the indexed body, else the file in the vault. */
static char *note_text(store *s, const char *vault, const store_cnote *n, size_t *len)
{
    char *text = NULL;
    if (store_note_body(s, n->id, &text, len, NULL, 0) == 0) return text;
    if (!vault) return NULL;
    char *path = xasprintf("%s/%s", vault, n->path);
    edit_error ee;
    memset(&ee, 0, sizeof ee);
    if (edit_read_file(path, &text, len, &ee) != 0) text = NULL;
    free(path);
    return text;
}

/* Loads everything health needs for all clients (or `client`) in one read
 * snapshot, fills missing cache rows, then writes them. */
static int health_load(store *s, const config *cfg, const char *vault, const char *client,
                       int with_archived, hctx *h, char *err, size_t errlen)
{
    memset(h, 0, sizeof *h);
    int rc = store_read_begin(s, err, errlen);
    if (rc) return rc;
    VEC(store_rules_entry) put = {0};
    strvec put_data = {0};

    if ((rc = store_client_notes(s, client, &h->notes, err, errlen))) goto cleanup;
    if (client && !h->notes.len) {
        seterr(err, errlen, "%s: no such client", client);
        rc = STORE_ENOTFOUND;
        goto cleanup;
    }
    h->nr = xcalloc(h->notes.len ? h->notes.len : 1, sizeof *h->nr);
    h->by_id = xcalloc(h->notes.len ? h->notes.len : 1, sizeof *h->by_id);
    for (size_t i = 0; i < h->notes.len; i++) h->by_id[i] = (struct idx){h->notes.items[i].id, i};
    qsort(h->by_id, h->notes.len, sizeof *h->by_id, cmp_idx);

    /* Group by client (the list is sorted by client, path). */
    h->clients = xcalloc(h->notes.len ? h->notes.len : 1, sizeof *h->clients);
    for (size_t i = 0; i < h->notes.len;) {
        size_t j = i;
        while (j < h->notes.len && !strcmp(h->notes.items[j].client, h->notes.items[i].client)) j++;
        hclient *c = &h->clients[h->n_clients++];
        c->id = xstrdup(h->notes.items[i].client);
        c->first = i;
        c->n = j - i;
        for (size_t k = i; k < j && !c->cn; k++)
            if (h->notes.items[k].type == PARSE_CLIENT) c->cn = &h->notes.items[k];
        c->archived = c->cn && !strcmp(c->cn->status, "archived");
        c->skip = c->archived && !with_archived;
        c->cap = c->cn && c->cn->priority_cap >= 1 ? c->cn->priority_cap : -1;
        c->cadence = c->cn && c->cn->cadence >= 1 ? c->cn->cadence : cfg->cadence;
        client_words(&c->words, c->id, c->cn ? c->cn->title : NULL);
        c->hash = client_hash(cfg, &c->words, c->cap);
        i = j;
    }

    /* Stakeholders: the client notes' Stakeholders items, then everyone
     * named in the clients' notes. */
    store_item_list items;
    if ((rc = store_client_section_items(s, client, SEC_STAKEHOLDERS, &items, err, errlen)))
        goto cleanup;
    for (size_t i = 0; i < items.len; i++) {
        hclient *c = find_client(h, items.items[i].client);
        if (c && !c->skip && c->cn && !strcmp(c->cn->path, items.items[i].path))
            add_item_people(&c->people, cfg, &items.items[i], c->cn->date);
    }
    store_items_free(&items);
    buf_t scratch = {0};
    for (size_t ci = 0; ci < h->n_clients; ci++) {
        hclient *c = &h->clients[ci];
        for (size_t k = c->first; !c->skip && k < c->first + c->n; k++)
            add_note_people(&c->people, cfg, &h->notes.items[k], &scratch);
    }
    buf_free(&scratch);

    if ((rc = store_tasks(s, client, 0, &h->tasks, err, errlen))) goto cleanup;
    for (size_t i = 0; i < h->tasks.len; i++) {
        const store_task *t = &h->tasks.items[i];
        hclient *c = t->client ? find_client(h, t->client) : NULL;
        if (c && !c->skip) VEC_PUSH(&c->tasks, t);
    }

    /* Rule results: cached, else judged now (and queued for the cache). */
    for (size_t ci = 0; ci < h->n_clients; ci++) {
        hclient *c = &h->clients[ci];
        if (c->skip) continue;
        for (size_t k = c->first; k < c->first + c->n; k++) {
            const store_cnote *n = &h->notes.items[k];
            if (n->rule_data && n->rule_hash == c->hash && decode_rules(n->rule_data, &h->nr[k]) == 0)
                continue;
            size_t len = 0;
            char *text = note_text(s, vault, n, &len);
            if (!text) continue; /* unknown: judged as clean */
            char *data = judge_note(cfg, c, n, text, len);
            free(text);
            decode_rules(data, &h->nr[k]);
            store_rules_entry e = {n->id, n->mtime_ns, n->size, c->hash, data};
            VEC_PUSH(&put, e);
            VEC_PUSH(&put_data, data);
        }
    }
cleanup:
    store_read_end(s);
    if (!rc && put.len) {
        /* Best effort: a busy database just means no caching this time. */
        store_note_rules_put(s, put.items, put.len, CACHE_BUSY_MS, NULL, 0);
    }
    VEC_FREE(&put);
    strvec_free(&put_data);
    if (rc) hctx_free(h);
    return rc;
}

static int silenced(const note_rules *r, int line)
{
    if (!r) return 0;
    for (size_t i = 0; i < r->silenced.len; i++)
        if (r->silenced.items[i] == line) return 1;
    return 0;
}

/* The fired counts for client c as of `day`; returns the score. Fills
 * last_contact/days_since/stakeholders for that day. */
static int score_day(const hctx *h, const config *cfg, const hclient *c, const char *day,
                     int fired[RULES_COUNT], char last[11], long *days_since, int *stakeholders,
                     int *overdue_ours)
{
    static const int note_rules_ids[] = {RULE_SELF_FOCUS, RULE_URGENCY, RULE_OVER_CAP,
                                         RULE_NO_NEEDS, RULE_VAGUE_TASK, RULE_NO_NEXT_STEP,
                                         RULE_SHORT_TERM_ONLY};
    memset(fired, 0, RULES_COUNT * sizeof *fired);
    last[0] = '\0';
    for (size_t k = c->first; k < c->first + c->n; k++) {
        const store_cnote *n = &h->notes.items[k];
        if (!in_set(n->date, day)) continue;
        if (n->type == PARSE_MEETING && n->date && strcmp(n->date, last) > 0)
            memcpy(last, n->date, 11);
        if (!h->nr[k].ok) continue;
        for (size_t r = 0; r < ARRAY_LEN(note_rules_ids); r++)
            fired[note_rules_ids[r]] += h->nr[k].counts[note_rules_ids[r]];
    }
    int ours = 0;
    for (size_t i = 0; i < c->tasks.len; i++) {
        const store_task *t = c->tasks.items[i];
        if (!in_set(t->date, day) || !task_overdue(t, day)) continue;
        if (silenced(rules_of(h, t->note_id), t->line)) continue;
        fired[RULE_OVERDUE]++;
        ours += task_ours(cfg, t);
    }
    if (overdue_ours) *overdue_ours = ours;
    int sh = 0;
    for (size_t i = 0; i < c->people.len; i++) {
        const person *p = &c->people.items[i];
        if (!p->team && p->has_first && strcmp(p->first, day) <= 0) sh++;
    }
    *stakeholders = sh;
    *days_since = last[0] ? date_to_days(day) - date_to_days(last) : -1;
    if (c->cn && in_set(c->cn->date, day)) {
        const note_rules *cr = &h->nr[(size_t)(c->cn - h->notes.items)];
        if (cr->ok && cr->counts[RULE_SINGLE_THREADED] && sh < 2) fired[RULE_SINGLE_THREADED] = 1;
        if (cr->ok && cr->counts[RULE_GONE_DARK] && *days_since >= 0 && *days_since > c->cadence)
            fired[RULE_GONE_DARK] = 1;
    }
    int score = 100;
    for (int r = 0; r < RULES_COUNT; r++)
        if (fired[r] > 0 && cfg->rule[r].enabled) score -= cfg->rule[r].weight;
    return score < 0 ? 0 : score > 100 ? 100 : score;
}

static void health_compute(hctx *h, const config *cfg, const char *day)
{
    long today = date_to_days(day);
    for (size_t ci = 0; ci < h->n_clients; ci++) {
        hclient *c = &h->clients[ci];
        if (c->skip) continue;
        for (int k = 0; k < TREND_DAYS; k++) {
            char d[11], last[11];
            date_from_days(today - 7L * (TREND_DAYS - 1 - k), d);
            int fired[RULES_COUNT], sh, ours;
            long ds;
            c->trend[k] = score_day(h, cfg, c, d, fired, last, &ds, &sh, &ours);
            if (k == TREND_DAYS - 1) {
                c->score = c->trend[k];
                memcpy(c->fired, fired, sizeof fired);
                memcpy(c->last_contact, last, sizeof last);
                c->days_since = ds;
                c->stakeholders = sh;
                c->overdue_ours = ours;
            }
        }
        c->open_tasks = (int)c->tasks.len;
        c->overdue_tasks = 0;
        for (size_t i = 0; i < c->tasks.len; i++) c->overdue_tasks += task_overdue(c->tasks.items[i], day);
    }
}

static const char *plural(int n) { return n == 1 ? "" : "s"; }

/* The signal's message: what fired (with its count) and what to do next. */
static char *signal_message(const hclient *c, int r)
{
    int n = c->fired[r];
    switch (r) {
    case RULE_SELF_FOCUS:
        return xasprintf("%d paragraph%s mostly about us: tie %s to one of their needs or "
                         "objectives (what's in it for them?).", n, plural(n),
                         n == 1 ? "it" : "each");
    case RULE_URGENCY:
        return xasprintf("%d mention%s of our own pressure (quarter-end, quota, our numbers): "
                         "check whether it is theirs or ours before the next call.", n, plural(n));
    case RULE_OVER_CAP:
        return xasprintf("%d priority list%s over the cap: rank %s with them, then keep the top "
                         "ones and park the rest (:Rapport cap).", n, plural(n),
                         n == 1 ? "it" : "them");
    case RULE_NO_NEEDS:
        return xstrdup("No needs, objectives or challenges recorded yet: ask \"What do you want "
                       "to achieve this year?\" and \"What is getting in the way?\"");
    case RULE_VAGUE_TASK:
        return xasprintf("%d open task%s without an owner or a due date: agree who does what "
                         "by when.", n, plural(n));
    case RULE_OVERDUE: {
        int theirs = n - c->overdue_ours;
        if (c->overdue_ours && theirs)
            return xasprintf("%d tasks are past due (%d ours, %d theirs): deliver ours or say "
                             "when they will have them; ask what would help with theirs.", n,
                             c->overdue_ours, theirs);
        if (c->overdue_ours)
            return n == 1 ? xstrdup("1 of our promises is past due: deliver it or tell them when "
                                    "they will have it.")
                          : xasprintf("%d of our promises are past due: deliver them or tell them "
                                      "when they will have them.", n);
        return n == 1 ? xstrdup("1 of their tasks is past due: ask whether it is still useful or "
                                "what would help, and agree a new date.")
                      : xasprintf("%d of their tasks are past due: ask whether they are still "
                                  "useful or what would help, and agree new dates.", n);
    }
    case RULE_NO_NEXT_STEP:
        return xasprintf("%d meeting%s ended without a next step: agree one concrete step with "
                         "an owner and a date.", n, plural(n));
    case RULE_SINGLE_THREADED:
        return c->stakeholders == 0
                   ? xstrdup("No stakeholders known yet: ask who is affected, who decides and "
                             "who will have to adopt it.")
                   : xstrdup("Only one stakeholder known: ask who else is affected, and who "
                             "will have to adopt it.");
    case RULE_GONE_DARK:
        return xasprintf("No contact for %ld days (cadence %d): reread our last notes first "
                         "(promises we owe, pressure we brought), then suggest a low-pressure "
                         "check-in.", c->days_since, c->cadence);
    case RULE_SHORT_TERM_ONLY:
        return xstrdup("Their priorities are all short-term: ask how they serve their long-term "
                       "plan.");
    default:
        return xstrdup("");
    }
}

/* Signals in order of weight (heaviest first), then rule order. */
static json_t *signals_json(const hclient *c, const config *cfg)
{
    int order[RULES_COUNT], n = 0;
    for (int r = 0; r < RULES_COUNT; r++)
        if (c->fired[r] > 0 && cfg->rule[r].enabled) order[n++] = r;
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && cfg->rule[order[j]].weight > cfg->rule[order[j - 1]].weight; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    json_t *a = json_array();
    for (int i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "rule", json_string(rules_table[order[i]].id));
        char *m = signal_message(c, order[i]);
        json_object_set_new(o, "message", json_string(m));
        free(m);
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *health_row(const hclient *c, const config *cfg)
{
    json_t *o = json_object();
    json_object_set_new(o, "client", json_string(c->id));
    json_object_set_new(o, "score", json_integer(c->score));
    json_t *t = json_array();
    for (int k = 0; k < TREND_DAYS; k++) json_array_append_new(t, json_integer(c->trend[k]));
    json_object_set_new(o, "trend", t);
    json_object_set_new(o, "last_contact", c->last_contact[0] ? json_string(c->last_contact) : json_null());
    json_object_set_new(o, "days_since", c->days_since >= 0 ? json_integer(c->days_since) : json_null());
    json_object_set_new(o, "cadence", json_integer(c->cadence));
    json_object_set_new(o, "open_tasks", json_integer(c->open_tasks));
    json_object_set_new(o, "overdue_tasks", json_integer(c->overdue_tasks));
    json_object_set_new(o, "stakeholders", json_integer(c->stakeholders));
    json_object_set_new(o, "signals", signals_json(c, cfg));
    return o;
}

static int cmp_health(const void *a, const void *b)
{
    const hclient *x = *(const hclient *const *)a, *y = *(const hclient *const *)b;
    if (x->score != y->score) return x->score - y->score;
    return strcmp(x->id, y->id);
}

int report_health(store *s, const config *cfg, const char *vault, const char *client,
                  const char *today, json_t **out, char *err, size_t errlen)
{
    *out = NULL;
    char day[11];
    resolve_today(today, day);
    char *id = client ? client_key(client) : NULL;
    hctx h;
    int rc = health_load(s, cfg, vault, id, 0, &h, err, errlen);
    free(id);
    if (rc) return rc;
    health_compute(&h, cfg, day);
    const hclient **v = xcalloc(h.n_clients ? h.n_clients : 1, sizeof *v);
    size_t n = 0;
    for (size_t i = 0; i < h.n_clients; i++)
        if (!h.clients[i].skip) v[n++] = &h.clients[i];
    if (n > 1) qsort(v, n, sizeof *v, cmp_health);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(arr, health_row(v[i], cfg));
    free(v);
    hctx_free(&h);
    *out = arr;
    return 0;
}

/* ---- prep -------------------------------------------------------------------------- */

static json_t *item_json(const char *text, const char *path, int line)
{
    json_t *o = json_object();
    char *t = one_line(text);
    json_object_set_new(o, "text", json_string(t));
    free(t);
    json_object_set_new(o, "path", json_string(path));
    json_object_set_new(o, "line", json_integer(line));
    return o;
}

static json_t *section_json(store *s, const store_cnote *cn, int kind, size_t *count, int *measured)
{
    json_t *a = json_array();
    if (count) *count = 0;
    if (!cn) return a;
    store_item_list l;
    if (store_note_items(s, cn->id, kind, &l, NULL, 0) != 0) return a;
    for (size_t i = 0; i < l.len; i++) {
        json_array_append_new(a, item_json(l.items[i].text, l.items[i].path, l.items[i].line));
        if (measured) {
            static const char *const months[] = {"january", "february", "march", "april", "may",
                                                 "june", "july", "august", "september", "october",
                                                 "november", "december"};
            const char *t = l.items[i].text;
            if (strpbrk(t, "0123456789%")) *measured = 1;
            char *lo = ascii_lower_dup(t, strlen(t));
            for (size_t m = 0; m < ARRAY_LEN(months) && !*measured; m++)
                if (strstr(lo, months[m])) *measured = 1;
            free(lo);
        }
    }
    if (count) *count = l.len;
    store_items_free(&l);
    return a;
}

/* The first lines of a note's text after the frontmatter and headings, on
 * one line, about SUMMARY_BYTES long (cut at a word, with "…"). */
static char *summary_of(const char *text, size_t len, int fm_end_line)
{
    buf_t b = {0};
    int line = 1;
    size_t i = 0;
    while (i < len && b.len < SUMMARY_BYTES) {
        const char *e = memchr(text + i, '\n', len - i);
        size_t le = e ? (size_t)(e - text) : len;
        const char *p = text + i;
        size_t n = le - i;
        i = e ? le + 1 : len;
        if (line++ <= fm_end_line) continue;
        while (n && (*p == ' ' || *p == '\t')) p++, n--;
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\r' || p[n - 1] == '\t')) n--;
        if (!n || *p == '#') continue;
        int rule = 1;
        for (size_t k = 0; k < n; k++)
            if (p[k] != '=' && p[k] != '-' && p[k] != ' ') rule = 0;
        if (rule) continue; /* setext underline or thematic break */
        if (n >= 3 && !memcmp(p, "```", 3)) continue;
        /* list and quote markers */
        if (n >= 2 && (*p == '-' || *p == '*' || *p == '+' || *p == '>') && (p[1] == ' ' || *p == '>')) {
            p++, n--;
            while (n && *p == ' ') p++, n--;
            if (n >= 3 && p[0] == '[' && p[2] == ']' && (p[1] == ' ' || p[1] == 'x' || p[1] == 'X')) {
                p += 3, n -= 3;
                while (n && *p == ' ') p++, n--;
            }
        }
        if (b.len) buf_addc(&b, ' ');
        buf_add(&b, p, n);
    }
    if (!b.len) return xstrdup("");
    const char *s = buf_cstr(&b);
    if (b.len <= SUMMARY_BYTES) {
        char *r = xstrdup(s);
        buf_free(&b);
        return r;
    }
    size_t cut = SUMMARY_BYTES;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80) cut--;
    /* A whole sentence when one ends late enough: no ellipsis needed. */
    for (size_t k = cut; k > SUMMARY_BYTES * 3 / 5; k--) {
        if ((s[k - 1] == '.' || s[k - 1] == '!' || s[k - 1] == '?') && s[k] == ' ') {
            char *r = xstrndup(s, k);
            buf_free(&b);
            return r;
        }
    }
    size_t w = cut;
    while (w > SUMMARY_BYTES / 2 && s[w] != ' ') w--;
    if (s[w] == ' ') cut = w;
    while (cut > 0 && (s[cut - 1] == ' ' || s[cut - 1] == ',' || s[cut - 1] == ';')) cut--;
    char *r = xasprintf("%.*s\xe2\x80\xa6", (int)cut, s);
    buf_free(&b);
    return r;
}

/* The line of the first "@person" in a note's text (1 when not found). */
static int mention_line(const char *text, size_t len, const char *who)
{
    size_t pn = strlen(who);
    int line = 1;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n') line++;
        else if (text[i] == '@' && i + 1 + pn <= len && !ascii_ncasecmp(text + i + 1, who, pn) &&
                 (i + 1 + pn == len || !(is_word_byte((unsigned char)text[i + 1 + pn]) ||
                                         text[i + 1 + pn] == '_' || text[i + 1 + pn] == '-')))
            return line;
    }
    return 1;
}

static int cmp_person_prep(const void *a, const void *b)
{
    const person *x = a, *y = b;
    if (!x->path != !y->path) return x->path ? -1 : 1; /* listed ones first, in list order */
    if (x->path) {
        int c = strcmp(x->path, y->path);
        if (c) return c;
        return (x->line > y->line) - (x->line < y->line);
    }
    if (!x->last[0] != !y->last[0]) return x->last[0] ? -1 : 1; /* then the most recently named */
    if (x->last[0]) {
        int c = strcmp(y->last, x->last);
        if (c) return c;
    }
    return strcmp(x->key, y->key);
}

static int cmp_cnote_date_desc(const void *a, const void *b)
{
    const store_cnote *x = *(const store_cnote *const *)a, *y = *(const store_cnote *const *)b;
    int c = strcmp(y->date, x->date);
    return c ? c : strcmp(y->path, x->path);
}

int report_prep(store *s, const config *cfg, const char *vault, const char *client,
                const char *today, json_t **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!client || !*client) {
        seterr(err, errlen, "prep: which client?");
        return STORE_ENOTFOUND;
    }
    char day[11];
    resolve_today(today, day);
    char *id = client_key(client);
    hctx h;
    int rc = health_load(s, cfg, vault, id, 1, &h, err, errlen);
    if (rc) {
        free(id);
        return rc;
    }
    health_compute(&h, cfg, day);
    hclient *c = &h.clients[0];
    const store_cnote *cn = c->cn;
    json_t *o = json_object();
    json_object_set_new(o, "client", json_string(c->id));
    json_object_set_new(o, "score", json_integer(c->score));
    json_object_set_new(o, "signals", signals_json(c, cfg));
    json_object_set_new(o, "last_contact", c->last_contact[0] ? json_string(c->last_contact) : json_null());
    json_object_set_new(o, "days_since", c->days_since >= 0 ? json_integer(c->days_since) : json_null());
    json_object_set_new(o, "cadence", json_integer(c->cadence));

    int measured = 0;
    size_t n_obj = 0, n_prio = 0;
    json_object_set_new(o, "needs", section_json(s, cn, SEC_NEEDS, NULL, NULL));
    json_object_set_new(o, "objectives", section_json(s, cn, SEC_OBJECTIVES, &n_obj, &measured));
    json_object_set_new(o, "challenges", section_json(s, cn, SEC_CHALLENGES, NULL, NULL));

    /* In their words: the latest quotes from their meetings. */
    json_t *qa = json_array();
    store_quote_list ql;
    if (store_client_quotes(s, c->id, day, PREP_QUOTES, &ql, NULL, 0) == 0) {
        for (size_t i = 0; i < ql.len; i++)
            json_array_append_new(qa, item_json(ql.items[i].text, ql.items[i].path, ql.items[i].line));
        store_quotes_free(&ql);
    }
    json_object_set_new(o, "quotes", qa);

    /* Open commitments, ours then theirs, each in `tasks` order. */
    const store_task **tv = xcalloc(c->tasks.len ? c->tasks.len : 1, sizeof *tv);
    for (size_t i = 0; i < c->tasks.len; i++) tv[i] = c->tasks.items[i];
    sort_tasks(tv, c->tasks.len, day);
    json_t *ours = json_array(), *theirs = json_array();
    for (size_t i = 0; i < c->tasks.len; i++)
        json_array_append_new(task_ours(cfg, tv[i]) ? ours : theirs, task_json(cfg, tv[i], day));
    free(tv);
    json_t *cm = json_object();
    json_object_set_new(cm, "ours", ours);
    json_object_set_new(cm, "theirs", theirs);
    json_object_set_new(o, "commitments", cm);

    /* Meetings up to today, newest first. */
    VEC(const store_cnote *) meetings = {0};
    for (size_t k = c->first; k < c->first + c->n; k++) {
        const store_cnote *n = &h.notes.items[k];
        if (n->type == PARSE_MEETING && n->date && strcmp(n->date, day) <= 0) VEC_PUSH(&meetings, n);
    }
    if (meetings.len > 1) qsort(meetings.items, meetings.len, sizeof *meetings.items, cmp_cnote_date_desc);

    /* Done since the last call: tasks checked in the last meeting note. */
    json_t *done = json_array();
    if (meetings.len) {
        store_task_list dl;
        if (store_tasks(s, c->id, 1, &dl, NULL, 0) == 0) {
            const store_task **dv = xcalloc(dl.len ? dl.len : 1, sizeof *dv);
            size_t nd = 0;
            for (size_t i = 0; i < dl.len; i++)
                if (dl.items[i].note_id == meetings.items[0]->id) dv[nd++] = &dl.items[i];
            sort_tasks(dv, nd, day);
            for (size_t i = 0; i < nd; i++) json_array_append_new(done, task_json(cfg, dv[i], day));
            free(dv);
            store_tasks_free(&dl);
        }
    }
    json_object_set_new(o, "done", done);

    int cap = c->cap >= 1 ? c->cap : cfg->priority_cap;
    json_t *pr = json_object();
    json_object_set_new(pr, "items", section_json(s, cn, SEC_PRIORITIES, &n_prio, NULL));
    json_object_set_new(pr, "cap", json_integer(cap));
    json_object_set_new(pr, "over", json_boolean(n_prio > (size_t)cap));
    json_object_set_new(o, "priorities", pr);

    /* Suggested questions, by the signals that fired (DOMAIN.md). */
    json_t *qs = json_array();
    if (c->fired[RULE_NO_NEEDS]) {
        json_array_append_new(qs, json_string("What do you want to achieve this year?"));
        json_array_append_new(qs, json_string("What is getting in the way?"));
    }
    if (c->fired[RULE_OVER_CAP] || n_prio > (size_t)cap)
        json_array_append_new(qs, json_string("Which of these matters most if we can only do one?"));
    if (c->fired[RULE_SHORT_TERM_ONLY])
        json_array_append_new(qs, json_string("How does this fit your long-term plan?"));
    if (c->fired[RULE_SINGLE_THREADED])
        json_array_append_new(qs, json_string("Who else is affected, and who will have to adopt it?"));
    if (c->fired[RULE_GONE_DARK])
        json_array_append_new(qs, json_string("How has working with us felt lately?"));
    if (n_obj && !measured)
        json_array_append_new(qs, json_string("How will you know this worked?"));
    json_array_append_new(qs, json_string("What more could we look at that we haven't?"));
    json_object_set_new(o, "questions", qs);

    /* The last three meetings. */
    json_t *ma = json_array();
    for (size_t i = 0; i < meetings.len && i < PREP_MEETINGS; i++) {
        const store_cnote *n = meetings.items[i];
        json_t *m = json_object();
        json_object_set_new(m, "path", json_string(n->path));
        json_object_set_new(m, "date", json_string(n->date));
        json_t *tags = json_loads(n->tags, 0, NULL);
        json_object_set_new(m, "tags", json_is_array(tags) ? tags : json_array());
        if (tags && !json_is_array(tags)) json_decref(tags);
        size_t len = 0;
        char *text = note_text(s, vault, n, &len);
        char *sum = text ? summary_of(text, len, n->fm_end_line) : xstrdup("");
        json_object_set_new(m, "summary", json_string(sum));
        free(sum);
        free(text);
        json_array_append_new(ma, m);
    }
    VEC_FREE(&meetings);
    json_object_set_new(o, "meetings", ma);

    /* Stakeholders: the listed ones in list order (with their role), then
     * the others, most recently named first. */
    if (c->people.len > 1) qsort(c->people.items, c->people.len, sizeof *c->people.items, cmp_person_prep);
    json_t *sa = json_array();
    for (size_t i = 0; i < c->people.len; i++) {
        person *p = &c->people.items[i];
        if (p->team) continue;
        json_t *so = json_object();
        json_object_set_new(so, "name", json_string(p->name));
        json_object_set_new(so, "role", p->role ? json_string(p->role) : json_null());
        json_object_set_new(so, "last_mentioned", p->last[0] ? json_string(p->last) : json_null());
        /* Additive keys: where to look (markdown shows every item's path:line). */
        if (p->path) {
            json_object_set_new(so, "path", json_string(p->path));
            json_object_set_new(so, "line", json_integer(p->line));
        } else {
            int64_t nid = 0;
            char *path = NULL;
            if (store_person_last_note(s, c->id, p->key, &nid, &path, NULL, NULL, 0) == 0) {
                char *text = NULL;
                size_t len = 0;
                int line = 1;
                if (store_note_body(s, nid, &text, &len, NULL, 0) == 0) line = mention_line(text, len, p->key);
                free(text);
                json_object_set_new(so, "path", json_string(path));
                json_object_set_new(so, "line", json_integer(line));
            }
            free(path);
        }
        json_array_append_new(sa, so);
    }
    json_object_set_new(o, "stakeholders", sa);
    json_object_set_new(o, "parking_lot", section_json(s, cn, SEC_PARKING_LOT, NULL, NULL));

    hctx_free(&h);
    free(id);
    *out = o;
    return 0;
}

/* ---- prep as markdown ------------------------------------------------------------------ */

static const char *jstr(const json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

static void md_ref(buf_t *b, const json_t *o)
{
    const char *path = json_string_value(json_object_get(o, "path"));
    if (path) buf_printf(b, " (%s:%lld)", path, (long long)json_integer_value(json_object_get(o, "line")));
}

static void md_items(buf_t *b, const char *title, const json_t *a, const char *none)
{
    buf_printf(b, "\n## %s\n\n", title);
    if (!json_array_size(a)) {
        buf_printf(b, "_%s_\n", none);
        return;
    }
    size_t i;
    const json_t *it;
    json_array_foreach(a, i, it) {
        buf_printf(b, "- %s", jstr(it, "text"));
        md_ref(b, it);
        buf_addc(b, '\n');
    }
}

static void md_tasks(buf_t *b, const json_t *a, int checked)
{
    size_t i;
    const json_t *t;
    json_array_foreach(a, i, t) {
        buf_printf(b, "- [%c] %s", checked ? 'x' : ' ', jstr(t, "text"));
        if (json_is_true(json_object_get(t, "overdue")) && !checked) buf_adds(b, " **overdue**");
        md_ref(b, t);
        buf_addc(b, '\n');
    }
}

char *report_prep_markdown(const json_t *prep)
{
    buf_t b = {0};
    const json_t *v;
    buf_printf(&b, "# Prep: %s — health %lld/100", jstr(prep, "client"),
               (long long)json_integer_value(json_object_get(prep, "score")));
    v = json_object_get(prep, "last_contact");
    if (json_is_string(v)) {
        long long d = json_integer_value(json_object_get(prep, "days_since"));
        if (d == 0) buf_printf(&b, " · last contact %s (today)", json_string_value(v));
        else buf_printf(&b, " · last contact %s (%lld day%s ago)", json_string_value(v), d, d == 1 ? "" : "s");
    } else
        buf_adds(&b, " · no contact yet");
    buf_printf(&b, " · cadence %lld days\n",
               (long long)json_integer_value(json_object_get(prep, "cadence")));
    size_t i;
    const json_t *it;
    v = json_object_get(prep, "signals");
    if (json_array_size(v)) {
        buf_addc(&b, '\n');
        json_array_foreach(v, i, it) buf_printf(&b, "> %s\n", jstr(it, "message"));
    }

    md_items(&b, "Needs", json_object_get(prep, "needs"), "None recorded: ask what they need.");
    md_items(&b, "Objectives", json_object_get(prep, "objectives"), "None recorded.");
    md_items(&b, "Challenges", json_object_get(prep, "challenges"), "None recorded.");
    md_items(&b, "In their words", json_object_get(prep, "quotes"), "No quotes from their meetings yet.");

    const json_t *cm = json_object_get(prep, "commitments");
    buf_adds(&b, "\n## Open commitments\n\n");
    const json_t *ours = json_object_get(cm, "ours"), *theirs = json_object_get(cm, "theirs");
    if (!json_array_size(ours) && !json_array_size(theirs)) buf_adds(&b, "_Nothing open._\n");
    if (json_array_size(ours)) {
        buf_adds(&b, "Ours:\n\n");
        md_tasks(&b, ours, 0);
    }
    if (json_array_size(theirs)) {
        buf_adds(&b, json_array_size(ours) ? "\nTheirs:\n\n" : "Theirs:\n\n");
        md_tasks(&b, theirs, 0);
    }

    buf_adds(&b, "\n## Done since the last call\n\n");
    v = json_object_get(prep, "done");
    if (json_array_size(v)) md_tasks(&b, v, 1);
    else buf_adds(&b, "_Nothing checked off in the last meeting note._\n");

    const json_t *pr = json_object_get(prep, "priorities");
    const json_t *pi = json_object_get(pr, "items");
    long long cap = json_integer_value(json_object_get(pr, "cap"));
    char title[96];
    snprintf(title, sizeof title, "Priorities (%zu, cap %lld%s)", json_array_size(pi), cap,
             json_is_true(json_object_get(pr, "over"))
                 ? ": over the cap; rank them together, then park the rest"
                 : "");
    md_items(&b, title, pi, "None recorded.");

    buf_adds(&b, "\n## Questions to ask\n\n");
    json_array_foreach(json_object_get(prep, "questions"), i, it)
        buf_printf(&b, "- %s\n", json_string_value(it) ? json_string_value(it) : "");

    buf_adds(&b, "\n## Last meetings\n\n");
    v = json_object_get(prep, "meetings");
    if (!json_array_size(v)) buf_adds(&b, "_No meetings yet._\n");
    json_array_foreach(v, i, it) {
        buf_printf(&b, "- %s", jstr(it, "date"));
        size_t k;
        const json_t *tg;
        json_array_foreach(json_object_get(it, "tags"), k, tg)
            buf_printf(&b, " #%s", json_string_value(tg) ? json_string_value(tg) : "");
        const char *sum = jstr(it, "summary");
        if (*sum) buf_printf(&b, ": %s", sum);
        buf_printf(&b, " (%s:1)\n", jstr(it, "path"));
    }

    buf_adds(&b, "\n## Stakeholders\n\n");
    v = json_object_get(prep, "stakeholders");
    if (!json_array_size(v)) buf_adds(&b, "_None known: ask who else is affected._\n");
    json_array_foreach(v, i, it) {
        const char *name = jstr(it, "name");
        /* mentions are stored without '@' and lowercased; plain names as written */
        int mention = 1;
        for (const char *p = name; *p; p++)
            if (*p == ' ' || (*p >= 'A' && *p <= 'Z')) mention = 0;
        buf_printf(&b, "- %s%s", mention ? "@" : "", name);
        const json_t *role = json_object_get(it, "role");
        if (json_is_string(role)) buf_printf(&b, " — %s", json_string_value(role));
        const json_t *lm = json_object_get(it, "last_mentioned");
        if (json_is_string(lm)) buf_printf(&b, " (last mentioned %s)", json_string_value(lm));
        md_ref(&b, it);
        buf_addc(&b, '\n');
    }
    md_items(&b, "Parking lot", json_object_get(prep, "parking_lot"), "Empty.");
    const char *s = buf_cstr(&b);
    char *r = xstrdup(s);
    buf_free(&b);
    return r;
}
