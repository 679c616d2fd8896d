/* test_report.c -- client facts, tasks, health (score, trend, cache) and prep
 * over temporary vaults: the bundled demo and small hand-made ones. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "index.h"
#include "parse.h"
#include "report.h"
#include "rules.h"
#include "store.h"
#include "test.h"
#include "util.h"

#define TODAY "2026-11-23"

/* The bundled demo vault: run from the project root (make test). */
#ifndef RAPPORT_DEMO
#define RAPPORT_DEMO "demo"
#endif

static char vdir[256], dbpath[300];
static indexer *ix;
static config *cfg;

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

static void rmtree(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "rm -rf %s failed\n", dir);
}

static void close_vault(void)
{
    if (ix) index_close(ix);
    ix = NULL;
    if (cfg) config_free(cfg);
    cfg = NULL;
    if (vdir[0]) rmtree(vdir);
    vdir[0] = '\0';
}

/* A fresh temp vault; `demo` copies the bundled demo vault into it. */
static void open_vault(int demo)
{
    close_vault();
    snprintf(vdir, sizeof(vdir), "/tmp/rapport-report-XXXXXX");
    if (!mkdtemp(vdir)) { perror("mkdtemp"); exit(2); }
    if (demo) {
        char cmd[600];
        const char *src = access(RAPPORT_DEMO "/clients", F_OK) == 0 ? RAPPORT_DEMO : "../../demo";
        snprintf(cmd, sizeof(cmd), "cp -R '%s'/. '%s'/", src, vdir);
        if (system(cmd) != 0) { fprintf(stderr, "copy of the demo failed\n"); exit(2); }
    } else {
        put(".rapport/config.json", "{\"team\": [\"sam\", \"alex\"], \"priority_cap\": 3}\n");
    }
    snprintf(dbpath, sizeof(dbpath), "%s/.rapport/index.sqlite3", vdir);
}

static void load_config(const char *extra_json)
{
    if (cfg) config_free(cfg);
    char path[512];
    snprintf(path, sizeof(path), "%s/.rapport/config.json", vdir);
    json_t *setup = extra_json ? json_loads(extra_json, 0, NULL) : NULL;
    cfg = config_load(path, setup, NULL);
    json_decref(setup);
}

static int reindex(void)
{
    char err[256], msg[256];
    if (!ix && index_open(&ix, vdir, dbpath, msg, sizeof msg, err, sizeof err) != 0) {
        fprintf(stderr, "index_open: %s\n", err);
        return -1;
    }
    index_stats st;
    if (index_run(ix, 0, NULL, NULL, &st, err, sizeof err) != 0) {
        fprintf(stderr, "index_run: %s\n", err);
        return -1;
    }
    if (!cfg) load_config(NULL);
    return 0;
}

static store *S(void) { return index_store(ix); }

static json_t *health(const char *client, const char *today)
{
    json_t *out = NULL;
    char err[256];
    int rc = report_health(S(), cfg, vdir, client, today, &out, err, sizeof err);
    if (rc) fprintf(stderr, "health: %d %s\n", rc, err);
    return out;
}

static json_t *row_of(json_t *rows, const char *client)
{
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
        if (!strcmp(json_string_value(json_object_get(r, "client")), client)) return r;
    return NULL;
}

static int has_signal(json_t *row, const char *rule)
{
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(row, "signals"), i, s)
        if (!strcmp(json_string_value(json_object_get(s, "rule")), rule)) return 1;
    return 0;
}

static const char *signal_msg(json_t *row, const char *rule)
{
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(row, "signals"), i, s)
        if (!strcmp(json_string_value(json_object_get(s, "rule")), rule))
            return json_string_value(json_object_get(s, "message"));
    return NULL;
}

static long long geti(json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }
static const char *gets(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

static char *trend_str(json_t *row)
{
    buf_t b = {0};
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(row, "trend"), i, v)
        buf_printf(&b, i ? ",%lld" : "%lld", (long long)json_integer_value(v));
    char *r = xstrdup(buf_cstr(&b));
    buf_free(&b);
    return r;
}

/* ---- the hand-made vault ----------------------------------------------------- */

static void small_vault(void)
{
    open_vault(0);
    put("clients/zeta.md",
        "---\ntype: client\ncadence: 14\n---\n# Zeta Works\n\n"
        "## Needs\n\n- Faster onboarding for 40 new hires.\n\n"
        "## Stakeholders\n\n- @ann - COO, owns onboarding\n- @bob - HR lead\n- @alex - our lead\n");
    /* contact on 10-10, a promise due 11-01 */
    put("meetings/2026-10-10-zeta.md",
        "---\nclient: zeta\ntags: [kickoff]\n---\n# Zeta kickoff\n\nWith @ann. They walked through the hiring plan.\n\n"
        "> \"Forty people start in January.\" (@ann)\n\n"
        "## Next steps\n\n- [ ] @sam send the onboarding plan due:2026-11-01\n");
    /* contact on 11-18: a checked task, a silenced overdue one, a new one */
    put("meetings/2026-11-18-zeta.md",
        "---\nclient: zeta\n---\n# Zeta check-in\n\nWith @ann and @cara.\n\n"
        "> \"The buddy system works.\"\n\n"
        "## Next steps\n\n"
        "- [x] @ann shared the org chart\n"
        "- [ ] @sam old promise due:2026-10-01 <!-- rapport-ignore: overdue -->\n"
        "- [ ] @ann intro to @cara due:2026-12-01\n");
    /* future meeting: not a contact yet, its missing next step not judged */
    put("meetings/2026-12-01-zeta.md", "---\nclient: zeta\n---\n# Zeta planning\n\nAgenda to come.\n");
    put("clients/solo.md",
        "---\ntype: client\n---\n# Solo Ltd\n\n## Needs\n\n- A working invoice flow.\n\n"
        "## Stakeholders\n\n- Dana Smith, CFO\n- @alex - our account lead\n");
    put("meetings/2026-11-20-solo.md",
        "---\nclient: solo\n---\n# Solo call\n\nWith Dana.\n\n## Next steps\n\n- [ ] @sam send the invoice template due:2026-11-30\n");
    put("clients/old.md", "---\ntype: client\nstatus: archived\n---\n# Old Co\n\n## Needs\n\n- Nothing.\n");
    put("notes/yonder-idea.md",
        "---\nclient: \"[[Yonder]]\"\n---\n# Yonder idea\n\n- [ ] call them about the idea\n");
    if (reindex()) exit(2);
}

static void test_facts_small(void)
{
    small_vault();
    report_facts f;
    report_client_facts(S(), cfg, "zeta", TODAY, &f);
    ASSERT_STR_EQ(f.client, "zeta");
    ASSERT_STR_EQ(f.client_path, "clients/zeta.md");
    ASSERT_STR_EQ(f.last_contact, "2026-11-18");
    ASSERT_EQ(f.rules.days_since, 5);
    ASSERT_EQ(f.cadence, 14);
    ASSERT_EQ(f.archived, 0);
    ASSERT_EQ(f.rules.client_cap, -1);
    /* ann, bob (list), cara (mention); alex and sam are the team */
    ASSERT_EQ(f.rules.stakeholders, 3);
    ASSERT_EQ(f.n_stakeholders, 3);
    ASSERT_STR_EQ(f.stakeholders[0], "ann");
    ASSERT_STR_EQ(f.stakeholders[1], "bob");
    ASSERT_STR_EQ(f.stakeholders[2], "cara");
    /* "zeta" from the id, "works" from the title */
    ASSERT_EQ(f.rules.n_client_words, 2);
    ASSERT_STR_EQ(f.rules.client_words[0], "zeta");
    ASSERT_STR_EQ(f.rules.client_words[1], "works");
    report_facts_free(&f);

    /* plain-text stakeholder names, minus the team; "ltd" is not a name word */
    report_client_facts(S(), cfg, "Solo", TODAY, &f);
    ASSERT_EQ(f.rules.stakeholders, 1); /* "dana smith" */
    ASSERT_STR_EQ(f.stakeholders[0], "dana smith");
    ASSERT_EQ(f.rules.days_since, 3);
    ASSERT_EQ(f.cadence, cfg->cadence);
    ASSERT_EQ(f.rules.n_client_words, 1);
    ASSERT_STR_EQ(f.rules.client_words[0], "solo");
    report_facts_free(&f);

    report_client_facts(S(), cfg, "old", TODAY, &f);
    ASSERT_EQ(f.archived, 1);
    ASSERT_EQ(f.rules.days_since, -1);
    ASSERT_NULL(f.last_contact);
    report_facts_free(&f);

    /* a client known only from a note's client: value ([[ ]] stripped) */
    report_client_facts(S(), cfg, "[[Yonder]]", TODAY, &f);
    ASSERT_STR_EQ(f.client, "yonder");
    ASSERT_NULL(f.client_path);
    ASSERT_EQ(f.rules.stakeholders, 0);
    report_facts_free(&f);

    /* the store's per-person dates: ann is in the undated client note; last on 11-18 */
    store_cperson_list pl;
    char err[256];
    ASSERT_EQ(store_client_people(S(), "zeta", &pl, err, sizeof err), 0);
    int found = 0;
    for (size_t i = 0; i < pl.len; i++) {
        if (strcmp(pl.items[i].person, "ann")) continue;
        found = 1;
        ASSERT_STR_EQ(pl.items[i].first, ""); /* the undated client note names her */
        ASSERT_STR_EQ(pl.items[i].last, "2026-11-18");
    }
    store_cpeople_free(&pl);
    ASSERT(found);

    report_client_facts(S(), cfg, NULL, TODAY, &f);
    ASSERT_EQ(f.rules.stakeholders, -1);
    ASSERT_EQ(f.rules.days_since, -1);
    ASSERT_NULL(f.client);
    report_facts_free(&f);
}

static void test_health_small(void)
{
    small_vault();
    json_t *rows = health(NULL, TODAY);
    ASSERT(rows);
    /* old is archived: left out; yonder has notes only */
    ASSERT_EQ(json_array_size(rows), 3);
    ASSERT_NULL(row_of(rows, "old"));
    json_t *z = row_of(rows, "zeta");
    ASSERT(z);
    /* trend days 10-05 .. 11-23: gone dark from 10-26 (16 days > 14), the
     * 11-01 promise overdue from 11-02, contact again on 11-18 */
    char *t = trend_str(z);
    ASSERT_STR_EQ(t, "100,100,100,75,60,60,60,85");
    free(t);
    ASSERT_EQ(geti(z, "score"), 85);
    ASSERT_STR_EQ(gets(z, "last_contact"), "2026-11-18");
    ASSERT_EQ(geti(z, "days_since"), 5);
    ASSERT_EQ(geti(z, "cadence"), 14);
    ASSERT_EQ(geti(z, "open_tasks"), 3);
    ASSERT_EQ(geti(z, "overdue_tasks"), 2); /* the silenced one still counts as overdue */
    ASSERT_EQ(geti(z, "stakeholders"), 3);
    ASSERT_EQ(json_array_size(json_object_get(z, "signals")), 1);
    ASSERT(has_signal(z, "overdue"));
    ASSERT_STR_EQ(signal_msg(z, "overdue"),
                  "1 of our promises is past due: deliver it or tell them when they will have it.");

    json_t *s = row_of(rows, "solo");
    ASSERT(s);
    ASSERT_EQ(geti(s, "score"), 90);
    ASSERT(has_signal(s, "single-threaded"));
    ASSERT_EQ(geti(s, "stakeholders"), 1);

    json_t *y = row_of(rows, "yonder");
    ASSERT(y);
    ASSERT_EQ(geti(y, "score"), 95); /* vague-task */
    ASSERT(has_signal(y, "vague-task"));
    ASSERT(json_is_null(json_object_get(y, "last_contact")));
    ASSERT(json_is_null(json_object_get(y, "days_since")));

    /* worst first, then by client */
    ASSERT_STR_EQ(gets(json_array_get(rows, 0), "client"), "zeta");
    ASSERT_STR_EQ(gets(json_array_get(rows, 1), "client"), "solo");
    ASSERT_STR_EQ(gets(json_array_get(rows, 2), "client"), "yonder");
    json_decref(rows);

    /* one client; an archived one gives no row; an unknown one is an error */
    rows = health("ZETA", TODAY);
    ASSERT_EQ(json_array_size(rows), 1);
    json_decref(rows);
    rows = health("old", TODAY);
    ASSERT_EQ(json_array_size(rows), 0);
    json_decref(rows);
    json_t *out = NULL;
    char err[256] = "";
    ASSERT_EQ(report_health(S(), cfg, vdir, "nobody", TODAY, &out, err, sizeof err), STORE_ENOTFOUND);
    ASSERT_NULL(out);
    ASSERT(strstr(err, "nobody"));
}

static void test_health_cache(void)
{
    small_vault();
    json_t *cold = health(NULL, TODAY);
    json_t *warm = health(NULL, TODAY);
    ASSERT(cold && warm);
    ASSERT(json_equal(cold, warm));
    json_decref(cold);
    json_decref(warm);

    /* A changed note is re-judged: zeta loses its Needs (no-needs, 15). */
    put("clients/zeta.md",
        "---\ntype: client\ncadence: 14\n---\n# Zeta Works\n\n"
        "## Stakeholders\n\n- @ann - COO, owns onboarding\n- @bob - HR lead\n");
    ASSERT_EQ(reindex(), 0);
    json_t *rows = health("zeta", TODAY);
    json_t *z = json_array_get(rows, 0);
    ASSERT_EQ(geti(z, "score"), 70);
    ASSERT(has_signal(z, "no-needs"));
    json_decref(rows);

    /* Other settings: other weights and a disabled rule, never stale counts. */
    load_config("{\"rules\": {\"overdue\": {\"weight\": 40}, \"no-needs\": {\"enabled\": false}}}");
    rows = health("zeta", TODAY);
    z = json_array_get(rows, 0);
    ASSERT_EQ(geti(z, "score"), 60);
    ASSERT(!has_signal(z, "no-needs"));
    json_decref(rows);
    load_config(NULL);
    rows = health("zeta", TODAY);
    ASSERT_EQ(geti(json_array_get(rows, 0), "score"), 70);
    json_decref(rows);

    /* A renamed client note changes the client's name words (self-focus
     * counts them): that client's cache is recomputed, the answer stays right. */
    put("meetings/2026-11-19-zeta.md",
        "---\nclient: zeta\n---\n# Zeta notes\n\nWe think our plan is our best offer for Acme, and Acme agrees.\n\n- [ ] @sam next step due:2026-12-10\n");
    ASSERT_EQ(reindex(), 0);
    rows = health("zeta", TODAY);
    ASSERT(has_signal(json_array_get(rows, 0), "self-focus"));
    json_decref(rows);
    put("clients/zeta.md",
        "---\ntype: client\ncadence: 14\n---\n# Zeta Acme\n\n"
        "## Stakeholders\n\n- @ann - COO, owns onboarding\n- @bob - HR lead\n");
    ASSERT_EQ(reindex(), 0);
    rows = health("zeta", TODAY);
    /* "Acme" now names the client: 3 first-person words against 2 is below the ratio */
    ASSERT(!has_signal(json_array_get(rows, 0), "self-focus"));
    json_decref(rows);
}

/* While another connection holds the write lock, health still answers
 * (without caching), and fills the cache afterwards. */
static void test_health_busy(void)
{
    small_vault();
    store *other = NULL;
    char err[256], msg[256];
    ASSERT_EQ(store_open(&other, dbpath, 0, msg, sizeof msg, err, sizeof err), 0);
    ASSERT_EQ(store_begin(other, err, sizeof err), 0);
    uint64_t t0 = now_ns();
    json_t *busy = health(NULL, TODAY);
    uint64_t ms = (now_ns() - t0) / 1000000;
    ASSERT(busy);
    ASSERT(ms < 1000);
    store_rollback(other);
    store_close(other);
    json_t *after = health(NULL, TODAY);
    json_t *warm = health(NULL, TODAY);
    ASSERT(json_equal(busy, after));
    ASSERT(json_equal(after, warm));
    json_decref(busy);
    json_decref(after);
    json_decref(warm);
}

static void test_tasks_small(void)
{
    small_vault();
    json_t *out = NULL;
    char err[256];
    report_task_filter f = {0};
    ASSERT_EQ(report_tasks(S(), cfg, &f, TODAY, &out, err, sizeof err), 0);
    /* 4 open with dates or not: overdue (10-01, 11-01), then due 11-30,
     * 12-01, then no due */
    ASSERT_EQ(json_array_size(out), 5);
    json_t *r0 = json_array_get(out, 0);
    ASSERT_STR_EQ(gets(r0, "path"), "meetings/2026-11-18-zeta.md");
    ASSERT_EQ(geti(r0, "line"), 13);
    ASSERT(json_is_true(json_object_get(r0, "overdue")));
    ASSERT(json_is_true(json_object_get(r0, "ours")));
    ASSERT_STR_EQ(gets(r0, "owner"), "sam");
    ASSERT_STR_EQ(gets(r0, "due"), "2026-10-01");
    ASSERT_STR_EQ(gets(json_array_get(out, 1), "due"), "2026-11-01");
    ASSERT_STR_EQ(gets(json_array_get(out, 2), "due"), "2026-11-30");
    ASSERT_STR_EQ(gets(json_array_get(out, 3), "due"), "2026-12-01");
    json_t *r4 = json_array_get(out, 4);
    ASSERT(json_is_null(json_object_get(r4, "due")));
    ASSERT(json_is_null(json_object_get(r4, "owner")));
    ASSERT(json_is_true(json_object_get(r4, "ours"))); /* no owner is ours */
    ASSERT(json_is_false(json_object_get(r4, "overdue")));
    ASSERT_STR_EQ(gets(r4, "text"), "call them about the idea");
    json_decref(out);

    f.theirs = 1;
    ASSERT_EQ(report_tasks(S(), cfg, &f, TODAY, &out, err, sizeof err), 0);
    ASSERT_EQ(json_array_size(out), 1);
    ASSERT_STR_EQ(gets(json_array_get(out, 0), "owner"), "ann");
    json_decref(out);
    f.theirs = 0;
    f.ours = 1;
    ASSERT_EQ(report_tasks(S(), cfg, &f, TODAY, &out, err, sizeof err), 0);
    ASSERT_EQ(json_array_size(out), 4);
    json_decref(out);
    f.ours = 0;
    f.overdue_only = 1;
    ASSERT_EQ(report_tasks(S(), cfg, &f, TODAY, &out, err, sizeof err), 0);
    ASSERT_EQ(json_array_size(out), 2);
    json_decref(out);
    f.overdue_only = 0;
    f.client = "Solo";
    ASSERT_EQ(report_tasks(S(), cfg, &f, TODAY, &out, err, sizeof err), 0);
    ASSERT_EQ(json_array_size(out), 1);
    ASSERT_STR_EQ(gets(json_array_get(out, 0), "path"), "meetings/2026-11-20-solo.md");
    json_decref(out);
    /* another day: nothing overdue on 2026-09-01 */
    f.client = NULL;
    f.overdue_only = 1;
    ASSERT_EQ(report_tasks(S(), cfg, &f, "2026-09-01", &out, err, sizeof err), 0);
    ASSERT_EQ(json_array_size(out), 0);
    json_decref(out);
}

static void test_prep_small(void)
{
    small_vault();
    json_t *p = NULL;
    char err[256];
    ASSERT_EQ(report_prep(S(), cfg, vdir, "zeta", TODAY, &p, err, sizeof err), 0);
    ASSERT_STR_EQ(gets(p, "client"), "zeta");
    ASSERT_EQ(geti(p, "score"), 85);
    ASSERT_EQ(json_array_size(json_object_get(p, "needs")), 1);
    json_t *need = json_array_get(json_object_get(p, "needs"), 0);
    ASSERT_STR_EQ(gets(need, "text"), "Faster onboarding for 40 new hires.");
    ASSERT_STR_EQ(gets(need, "path"), "clients/zeta.md");
    ASSERT_EQ(geti(need, "line"), 9);
    /* quotes: newest meeting first */
    json_t *q = json_object_get(p, "quotes");
    ASSERT_EQ(json_array_size(q), 2);
    ASSERT_STR_EQ(gets(json_array_get(q, 0), "text"), "\"The buddy system works.\"");
    ASSERT_STR_EQ(gets(json_array_get(q, 1), "path"), "meetings/2026-10-10-zeta.md");
    /* commitments: ours (both overdue, earliest due first), theirs */
    json_t *cm = json_object_get(p, "commitments");
    ASSERT_EQ(json_array_size(json_object_get(cm, "ours")), 2);
    ASSERT_EQ(json_array_size(json_object_get(cm, "theirs")), 1);
    ASSERT_STR_EQ(gets(json_array_get(json_object_get(cm, "ours"), 0), "due"), "2026-10-01");
    /* done: checked in the last meeting (11-18; 12-01 is in the future) */
    json_t *done = json_object_get(p, "done");
    ASSERT_EQ(json_array_size(done), 1);
    ASSERT_STR_EQ(gets(json_array_get(done, 0), "text"), "@ann shared the org chart");
    /* priorities: none, cap from the settings */
    json_t *pr = json_object_get(p, "priorities");
    ASSERT_EQ(json_array_size(json_object_get(pr, "items")), 0);
    ASSERT_EQ(geti(pr, "cap"), 3);
    ASSERT(json_is_false(json_object_get(pr, "over")));
    /* meetings: up to today, newest first, with tags and a summary */
    json_t *m = json_object_get(p, "meetings");
    ASSERT_EQ(json_array_size(m), 2);
    ASSERT_STR_EQ(gets(json_array_get(m, 0), "date"), "2026-11-18");
    ASSERT_STR_EQ(gets(json_array_get(m, 1), "summary"),
                  "With @ann. They walked through the hiring plan. \"Forty people start in "
                  "January.\" (@ann) @sam send the onboarding plan due:2026-11-01");
    /* stakeholders: the list first (with roles), then others by last mention */
    json_t *st = json_object_get(p, "stakeholders");
    ASSERT_EQ(json_array_size(st), 3);
    ASSERT_STR_EQ(gets(json_array_get(st, 0), "name"), "ann");
    ASSERT_STR_EQ(gets(json_array_get(st, 0), "role"), "COO, owns onboarding");
    ASSERT_STR_EQ(gets(json_array_get(st, 0), "last_mentioned"), "2026-11-18");
    ASSERT_STR_EQ(gets(json_array_get(st, 1), "name"), "bob");
    ASSERT(json_is_null(json_object_get(json_array_get(st, 1), "last_mentioned")));
    json_t *cara = json_array_get(st, 2);
    ASSERT_STR_EQ(gets(cara, "name"), "cara");
    ASSERT(json_is_null(json_object_get(cara, "role")));
    ASSERT_STR_EQ(gets(cara, "path"), "meetings/2026-11-18-zeta.md");
    ASSERT_EQ(geti(cara, "line"), 6);
    /* questions: nothing fired but the one always asked */
    ASSERT_EQ(json_array_size(json_object_get(p, "questions")), 1);
    char *md = report_prep_markdown(p);
    ASSERT(strstr(md, "# Prep: zeta — health 85/100 · last contact 2026-11-18 (5 days ago) · cadence 14 days\n"));
    ASSERT(strstr(md, "- @ann — COO, owns onboarding (last mentioned 2026-11-18) (clients/zeta.md:13)\n"));
    ASSERT(strstr(md, "- [x] @ann shared the org chart (meetings/2026-11-18-zeta.md:12)\n"));
    free(md);
    json_decref(p);
}

/* ---- the demo vault ------------------------------------------------------------- */

static void test_demo_health(void)
{
    open_vault(1);
    ASSERT_EQ(reindex(), 0);
    json_t *rows = health(NULL, TODAY);
    ASSERT(rows);
    ASSERT_EQ(json_array_size(rows), 5);
    /* the stories of welcome.md */
    json_t *b = row_of(rows, "borealis-health");
    ASSERT(has_signal(b, "gone-dark"));
    const char *gd = signal_msg(b, "gone-dark");
    ASSERT(!strstr(gd, "chase") && !strstr(gd, "follow up") && !strstr(gd, "Follow up"));
    ASSERT(strstr(gd, "42 days"));
    ASSERT(has_signal(row_of(rows, "cobalt-retail"), "over-cap"));
    ASSERT(has_signal(row_of(rows, "dunmore-energy"), "short-term-only"));
    ASSERT(has_signal(row_of(rows, "ember-foods"), "no-needs"));
    ASSERT(!has_signal(row_of(rows, "acme-logistics"), "gone-dark"));
    /* sorted by score, then client; the trend ends at the score */
    long long prev = -1;
    const char *prevc = "";
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        long long sc = geti(r, "score");
        ASSERT(sc >= prev);
        if (sc == prev) ASSERT(strcmp(gets(r, "client"), prevc) > 0);
        prev = sc;
        prevc = gets(r, "client");
        json_t *t = json_object_get(r, "trend");
        ASSERT_EQ(json_array_size(t), 8);
        ASSERT_EQ(json_integer_value(json_array_get(t, 7)), sc);
        ASSERT_EQ(sc, 100 - 0 - (100 - sc)); /* in range */
        ASSERT(sc >= 0 && sc <= 100);
    }
    ASSERT_STR_EQ(gets(json_array_get(rows, 0), "client"), "borealis-health");
    json_decref(rows);
}

/* Health's signals equal the rules that fire when each of the client's
 * notes (dated up to today) is judged directly with the client's facts. */
static void test_demo_consistency(void)
{
    open_vault(1);
    ASSERT_EQ(reindex(), 0);
    json_t *rows = health(NULL, TODAY);
    store_cnote_list notes;
    char err[256];
    ASSERT_EQ(store_client_notes(S(), NULL, &notes, err, sizeof err), 0);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        const char *client = gets(r, "client");
        report_facts f;
        report_client_facts(S(), cfg, client, TODAY, &f);
        int counts[RULES_COUNT] = {0};
        for (size_t k = 0; k < notes.len; k++) {
            store_cnote *n = &notes.items[k];
            if (strcmp(n->client, client) || (n->date && strcmp(n->date, TODAY) > 0)) continue;
            char *text = NULL;
            size_t len = 0;
            ASSERT_EQ(store_note_body(S(), n->id, &text, &len, err, sizeof err), 0);
            parse_note pn;
            parse_note_text(n->path, text, len, &pn);
            rules_result rr;
            rules_run(text, len, &pn, cfg, &f.rules, date_to_days(TODAY), &rr);
            for (int k2 = 0; k2 < RULES_COUNT; k2++) counts[k2] += rr.counts[k2];
            rules_result_free(&rr);
            parse_note_free(&pn);
            free(text);
        }
        for (int k2 = 0; k2 < RULES_COUNT; k2++) {
            if ((counts[k2] > 0) != has_signal(r, rules_table[k2].id))
                TEST_FAIL_AT("%s: rule %s: direct %d, health %d", client, rules_table[k2].id,
                             counts[k2], has_signal(r, rules_table[k2].id));
        }
        report_facts_free(&f);
    }
    store_cnotes_free(&notes);
    json_decref(rows);
}

static void test_demo_tasks(void)
{
    open_vault(1);
    ASSERT_EQ(reindex(), 0);
    json_t *out = NULL;
    char err[256];
    report_task_filter f = {0};
    ASSERT_EQ(report_tasks(S(), cfg, &f, TODAY, &out, err, sizeof err), 0);
    ASSERT(json_array_size(out) > 5);
    /* the order: overdue first, then due (none last), path, line */
    size_t i;
    json_t *r, *prev = NULL;
    json_array_foreach(out, i, r) {
        if (prev) {
            int po = json_is_true(json_object_get(prev, "overdue")), o = json_is_true(json_object_get(r, "overdue"));
            ASSERT(po >= o);
            if (po == o) {
                const char *pd = gets(prev, "due"), *d = gets(r, "due");
                ASSERT(!(pd == NULL && d != NULL));
                if (pd && d) ASSERT(strcmp(pd, d) <= 0);
                if ((!pd && !d) || (pd && d && !strcmp(pd, d))) {
                    int c = strcmp(gets(prev, "path"), gets(r, "path"));
                    ASSERT(c < 0 || (c == 0 && geti(prev, "line") < geti(r, "line")));
                }
            }
        }
        prev = r;
    }
    json_decref(out);
    f.overdue_only = 1;
    f.theirs = 1;
    ASSERT_EQ(report_tasks(S(), cfg, &f, TODAY, &out, err, sizeof err), 0);
    json_array_foreach(out, i, r) {
        ASSERT(json_is_true(json_object_get(r, "overdue")));
        ASSERT(json_is_false(json_object_get(r, "ours")));
    }
    json_decref(out);
}

static int find_str(json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
        if (!strcmp(json_string_value(v), s)) return (int)i;
    return -1;
}

static void test_demo_prep(void)
{
    open_vault(1);
    ASSERT_EQ(reindex(), 0);
    char err[256];
    json_t *p = NULL;
    static const char *const keys[] = {"client", "score", "signals", "last_contact", "days_since",
                                       "cadence", "needs", "objectives", "challenges", "quotes",
                                       "commitments", "done", "priorities", "questions",
                                       "meetings", "stakeholders", "parking_lot"};

    ASSERT_EQ(report_prep(S(), cfg, vdir, "cobalt-retail", TODAY, &p, err, sizeof err), 0);
    for (size_t i = 0; i < ARRAY_LEN(keys); i++)
        if (!json_object_get(p, keys[i])) TEST_FAIL_AT("prep lacks %s", keys[i]);
    ASSERT_EQ(json_object_size(p), ARRAY_LEN(keys));
    json_t *pr = json_object_get(p, "priorities");
    ASSERT_EQ(json_array_size(json_object_get(pr, "items")), 5);
    ASSERT_EQ(geti(pr, "cap"), 3);
    ASSERT(json_is_true(json_object_get(pr, "over")));
    json_t *qs = json_object_get(p, "questions");
    ASSERT(find_str(qs, "Which of these matters most if we can only do one?") >= 0);
    ASSERT_EQ(find_str(qs, "What more could we look at that we haven't?"), (int)json_array_size(qs) - 1);
    ASSERT(json_array_size(json_object_get(p, "meetings")) == 3);
    json_t *sh = json_array_get(json_object_get(p, "stakeholders"), 0);
    ASSERT(json_is_string(json_object_get(sh, "name")));
    ASSERT(json_object_get(sh, "role"));
    ASSERT(json_object_get(sh, "last_mentioned"));
    json_t *cm = json_object_get(p, "commitments");
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(cm, "ours"), i, t) {
        ASSERT(json_is_true(json_object_get(t, "ours")));
        ASSERT_EQ(json_object_size(t), 7);
    }
    json_array_foreach(json_object_get(cm, "theirs"), i, t) ASSERT(json_is_false(json_object_get(t, "ours")));

    char *md = report_prep_markdown(p);
    static const char *const order[] = {"# Prep: cobalt-retail", "## Needs", "## Objectives",
                                        "## Challenges", "## In their words", "## Open commitments",
                                        "## Done since the last call", "## Priorities",
                                        "## Questions to ask", "## Last meetings",
                                        "## Stakeholders", "## Parking lot"};
    const char *at = md;
    for (size_t k = 0; k < ARRAY_LEN(order); k++) {
        const char *n = strstr(at, order[k]);
        if (!n) {
            TEST_FAIL_AT("markdown: %s missing or out of order", order[k]);
            break;
        }
        at = n;
    }
    ASSERT(strstr(md, "(clients/cobalt-retail.md:"));
    ASSERT(strstr(md, "over the cap"));
    free(md);
    json_decref(p);

    ASSERT_EQ(report_prep(S(), cfg, vdir, "dunmore-energy", TODAY, &p, err, sizeof err), 0);
    ASSERT(find_str(json_object_get(p, "questions"), "How does this fit your long-term plan?") >= 0);
    json_decref(p);
    ASSERT_EQ(report_prep(S(), cfg, vdir, "ember-foods", TODAY, &p, err, sizeof err), 0);
    qs = json_object_get(p, "questions");
    ASSERT_EQ(find_str(qs, "What do you want to achieve this year?"), 0);
    ASSERT_EQ(find_str(qs, "What is getting in the way?"), 1);
    json_decref(p);
    ASSERT_EQ(report_prep(S(), cfg, vdir, "borealis-health", TODAY, &p, err, sizeof err), 0);
    ASSERT(find_str(json_object_get(p, "questions"), "How has working with us felt lately?") >= 0);
    ASSERT_EQ(geti(p, "days_since"), 42);
    json_decref(p);
    ASSERT_EQ(report_prep(S(), cfg, vdir, "acme-logistics", TODAY, &p, err, sizeof err), 0);
    json_t *st = json_object_get(p, "stakeholders");
    ASSERT_EQ(json_array_size(st), 4);
    ASSERT_STR_EQ(gets(json_array_get(st, 0), "name"), "dana");
    ASSERT_STR_EQ(gets(json_array_get(st, 0), "role"), "CFO, wants close in 3 days");
    ASSERT_STR_EQ(gets(json_array_get(st, 1), "last_mentioned"), "2026-11-20");
    ASSERT_EQ(json_array_size(json_object_get(p, "parking_lot")), 3);
    ASSERT(json_array_size(json_object_get(p, "quotes")) >= 1);
    ASSERT_STR_EQ(gets(json_array_get(json_object_get(p, "quotes"), 0), "path"),
                  "meetings/2026-11-20-acme-logistics.md");
    json_decref(p);

    p = NULL;
    ASSERT_EQ(report_prep(S(), cfg, vdir, "nobody", TODAY, &p, err, sizeof err), STORE_ENOTFOUND);
    ASSERT_NULL(p);
}

int main(void)
{
    RUN(test_facts_small);
    RUN(test_health_small);
    RUN(test_health_cache);
    RUN(test_health_busy);
    RUN(test_tasks_small);
    RUN(test_prep_small);
    RUN(test_demo_health);
    RUN(test_demo_consistency);
    RUN(test_demo_tasks);
    RUN(test_demo_prep);
    close_vault();
    TEST_END();
}
