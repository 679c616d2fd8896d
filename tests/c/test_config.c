/* test_config.c -- settings: defaults, merge rules, errors, warnings, the hash. */
#include <jansson.h>
#include <stdio.h>
#include <unistd.h>

#include "config.h"
#include "rules.h"
#include "test.h"
#include "util.h"

static config *S(const char *js, config_report *rep)
{
    return config_load_string(js, strlen(js), "config.json", NULL, rep);
}

/* 1 when some warning contains `part`. */
static int warned(const config_report *rep, const char *part)
{
    for (size_t i = 0; i < rep->n_warnings; i++)
        if (strstr(rep->warnings[i], part)) return 1;
    return 0;
}

static void test_defaults(void)
{
    config *c = config_default();
    ASSERT_EQ(c->priority_cap, 3);
    ASSERT_EQ(c->cadence, 14);
    ASSERT_EQ(c->rescan_interval, 60);
    ASSERT_EQ(c->n_team, 0);
    for (int i = 0; i < RULES_COUNT; i++) {
        ASSERT_EQ(c->rule[i].enabled, 1);
        ASSERT_EQ(c->rule[i].severity, rules_table[i].severity);
        ASSERT_EQ(c->rule[i].weight, rules_table[i].weight);
    }
    ASSERT_EQ(c->rule[RULE_SELF_FOCUS].severity, RULES_INFO);
    ASSERT_EQ(c->rule[RULE_GONE_DARK].weight, 25);
    ASSERT_EQ(c->sf_min_first_person, 3);
    ASSERT(c->sf_ratio == 2.0);
    ASSERT(c->urgency.len > 30);
    ASSERT(config_words_get(&c->sf_first_person, "we", 2) >= 0);
    ASSERT(config_words_get(&c->sf_client_words, "theirs", 6) >= 0);
    ASSERT(config_words_get(&c->sf_client_words, "we", 2) < 0);
    ASSERT(config_words_get(&c->urgency.first, "eoq", 3) >= 0);
    ASSERT_EQ(c->urgency_asap, 1);
    ASSERT(c->hash != 0);
    ASSERT(c->json && c->json[0] == '{');
    config_free(c);
}

static void test_phrase_kinds(void)
{
    config_report rep;
    config *c = S("{\"rules\": {\"urgency\": {\"phrases\": [\"Our  Quota\", \"seal the deal\", "
                  "\"end of Quarter\", \"quarter-end|qe\", \"!!!\"]}}}", &rep);
    ASSERT_NULL(rep.error);
    ASSERT_EQ(c->urgency.len, 4);
    ASSERT(warned(&rep, "\"!!!\" has no words"));
    ASSERT_EQ(c->urgency.items[0].kind, CONFIG_PHRASE_OWN);
    ASSERT_STR_EQ(c->urgency.items[0].words[0], "our");
    ASSERT_STR_EQ(c->urgency.items[0].words[1], "quota");
    ASSERT_EQ(c->urgency.items[1].kind, CONFIG_PHRASE_PUSH);
    ASSERT_EQ(c->urgency.items[2].kind, CONFIG_PHRASE_TIME);
    ASSERT_EQ(c->urgency.items[3].n_words, 2); /* quarter | end|qe */
    ASSERT_STR_EQ(c->urgency.items[3].words[1], "end|qe");
    config_free(c);
    config_report_free(&rep);
}

static void test_vault_overrides(void)
{
    config_report rep;
    config *c = S("{\"priority_cap\": 5, \"cadence\": 21.0, \"team\": [\"@Sam\", \"alex\"],"
                  " \"rules\": {\"urgency\": {\"severity\": \"error\", \"weight\": 30},"
                  " \"gone-dark\": {\"enabled\": false}}}", &rep);
    ASSERT_NULL(rep.error);
    ASSERT_EQ(rep.n_warnings, 0);
    ASSERT_EQ(c->priority_cap, 5);
    ASSERT_EQ(c->cadence, 21);
    ASSERT_EQ(c->n_team, 2);
    ASSERT_STR_EQ(c->team[0], "sam");
    ASSERT(config_in_team(c, "@SAM"));
    ASSERT(config_in_team(c, "alex"));
    ASSERT(!config_in_team(c, "raj"));
    ASSERT(!config_in_team(c, NULL));
    ASSERT_EQ(c->rule[RULE_URGENCY].severity, RULES_ERROR);
    ASSERT_EQ(c->rule[RULE_URGENCY].weight, 30);
    ASSERT_EQ(c->rule[RULE_GONE_DARK].enabled, 0);
    ASSERT_EQ(c->rule[RULE_OVERDUE].enabled, 1);
    config_free(c);
    config_report_free(&rep);
}

static void test_list_replace_and_extra(void)
{
    config *d = config_default();
    size_t n = d->urgency.len;
    config_free(d);

    config_report rep;
    config *c = S("{\"rules\": {\"urgency\": {\"phrases_extra\": [\"our bonus\", \"our quota\"]}}}", &rep);
    ASSERT_EQ(rep.n_warnings, 0);
    ASSERT_EQ(c->urgency.len, n + 2); /* "our|my quota|quotas" is not "our quota": both kept */
    config_free(c);
    config_report_free(&rep);

    c = S("{\"rules\": {\"urgency\": {\"phrases\": [\"our bonus\"]}}}", &rep);
    ASSERT_EQ(c->urgency.len, 1);
    config_free(c);
    config_report_free(&rep);

    /* in one layer the list is replaced first, then extended; duplicates dropped */
    c = S("{\"rules\": {\"urgency\": {\"phrases_extra\": [\"b\", \"a\"], \"phrases\": [\"a\"]}}}", &rep);
    ASSERT_EQ(c->urgency.len, 2);
    ASSERT_STR_EQ(c->urgency.items[0].text, "a");
    ASSERT_STR_EQ(c->urgency.items[1].text, "b");
    config_free(c);
    config_report_free(&rep);

    /* team_extra adds to the vault's team from setup() */
    json_t *setup = json_pack("{s:[s], s:i}", "team_extra", "kim", "priority_cap", 2);
    const char *js = "{\"team\": [\"sam\"], \"priority_cap\": 5}";
    c = config_load_string(js, strlen(js), "config.json", setup, &rep);
    ASSERT_EQ(rep.n_warnings, 0);
    ASSERT_EQ(c->n_team, 2);
    ASSERT_STR_EQ(c->team[1], "kim");
    ASSERT_EQ(c->priority_cap, 2); /* setup wins */
    config_free(c);
    config_report_free(&rep);
    json_decref(setup);

    /* self-focus word lists */
    c = S("{\"rules\": {\"self-focus\": {\"client_words_extra\": [\"Hospital\"],"
          " \"collaborative\": [\"hand in hand\"]}}}", &rep);
    ASSERT_EQ(rep.n_warnings, 0);
    ASSERT(config_words_get(&c->sf_client_words, "hospital", 8) >= 0);
    ASSERT(config_words_get(&c->sf_client_words, "they", 4) >= 0);
    ASSERT_EQ(c->sf_collaborative.len, 1);
    config_free(c);
    config_report_free(&rep);
}

static void test_unknown_and_bad_values(void)
{
    config_report rep;
    config *c = S("{\"colour\": \"red\", \"priority_cap\": \"3\", \"cadence\": 0,"
                  " \"team\": [\"sam\", 3],"
                  " \"rules\": {\"bogus\": {}, \"urgency\": {\"phrase\": [\"x\"], \"severity\": \"loud\","
                  " \"weight\": 101, \"asap\": \"yes\"}, \"over-cap\": 4, \"self-focus\": {\"ratio\": -1,"
                  " \"nope_extra\": []}},"
                  " \"health\": {\"weights\": {\"gone-dark\": 40, \"made-up\": 1}, \"colours\": 1}}", &rep);
    ASSERT_NULL(rep.error);
    ASSERT(warned(&rep, "unknown setting 'colour'"));
    ASSERT(warned(&rep, "priority_cap: expected a whole number, got a string"));
    ASSERT(warned(&rep, "cadence: expected a whole number from 1"));
    ASSERT(warned(&rep, "team[2]: expected a non-empty string"));
    ASSERT(warned(&rep, "unknown setting 'rules.bogus'"));
    ASSERT(warned(&rep, "unknown setting 'rules.urgency.phrase'"));
    ASSERT(warned(&rep, "rules.urgency.severity: expected \"error\""));
    ASSERT(warned(&rep, "rules.urgency.weight: expected a whole number from 0 to 100"));
    ASSERT(warned(&rep, "rules.urgency.asap: expected true or false"));
    ASSERT(warned(&rep, "rules.over-cap: expected an object"));
    ASSERT(warned(&rep, "rules.self-focus.ratio: expected a number above 0"));
    ASSERT(warned(&rep, "unknown setting 'rules.self-focus.nope_extra'"));
    ASSERT(warned(&rep, "unknown setting 'health.weights.made-up'"));
    ASSERT(warned(&rep, "unknown setting 'health.colours'"));
    for (size_t i = 0; i < rep.n_warnings; i++) ASSERT(strncmp(rep.warnings[i], "config.json: ", 13) == 0);
    /* every bad value left its default; the good ones applied */
    ASSERT_EQ(c->priority_cap, 3);
    ASSERT_EQ(c->cadence, 14);
    ASSERT_EQ(c->n_team, 0);
    ASSERT_EQ(c->rule[RULE_URGENCY].severity, RULES_WARN);
    ASSERT_EQ(c->rule[RULE_URGENCY].weight, 10);
    ASSERT(c->sf_ratio == 2.0);
    ASSERT_EQ(c->rule[RULE_GONE_DARK].weight, 40); /* the health.weights alias */
    config_free(c);
    config_report_free(&rep);
}

static void test_health_weights_alias_order(void)
{
    /* in one layer the alias wins; a later layer's rules.<id>.weight wins over it */
    config_report rep;
    json_t *setup = json_pack("{s:{s:{s:i}}}", "rules", "gone-dark", "weight", 7);
    const char *js = "{\"rules\": {\"gone-dark\": {\"weight\": 5}}, \"health\": {\"weights\": {\"gone-dark\": 30}}}";
    config *c = config_load_string(js, strlen(js), "config.json", NULL, &rep);
    ASSERT_EQ(c->rule[RULE_GONE_DARK].weight, 30);
    config_free(c);
    config_report_free(&rep);
    c = config_load_string(js, strlen(js), "config.json", setup, &rep);
    ASSERT_EQ(c->rule[RULE_GONE_DARK].weight, 7);
    config_free(c);
    config_report_free(&rep);
    json_decref(setup);
}

static void test_bad_json(void)
{
    config_report rep;
    config *c = S("{\n  \"team\": [\"sam\",\n  \"priority_cap\" 4\n}\n", &rep);
    ASSERT(rep.error != NULL);
    ASSERT(strncmp(rep.error, "config.json:3:", 14) == 0);
    ASSERT_EQ(c->priority_cap, 3); /* the defaults apply */
    ASSERT_EQ(c->n_team, 0);
    config_free(c);
    config_report_free(&rep);

    c = S("[1, 2]", &rep);
    ASSERT(rep.error != NULL);
    ASSERT(strstr(rep.error, "config.json:1:1: the settings must be a JSON object") != NULL);
    config_free(c);
    config_report_free(&rep);

    c = S("{\"cadence\": 3, \"cadence\": 4}", &rep);
    ASSERT(rep.error != NULL && strstr(rep.error, "duplicate") != NULL);
    config_free(c);
    config_report_free(&rep);

    c = S("", &rep);
    ASSERT(rep.error != NULL);
    config_free(c);
    config_report_free(&rep);

    /* setup that is not an object: a warning, defaults */
    json_t *bad = json_integer(3);
    c = config_load(NULL, bad, &rep);
    ASSERT_NULL(rep.error);
    ASSERT(warned(&rep, "setup: settings must be an object"));
    config_free(c);
    config_report_free(&rep);
    json_decref(bad);
}

static void test_files(void)
{
    char dir[] = "/tmp/rapport-config-XXXXXX";
    ASSERT(mkdtemp(dir) != NULL);
    char *path = xasprintf("%s/config.json", dir);
    config_report rep;

    config *c = config_load(path, NULL, &rep); /* missing: defaults, no error */
    ASSERT_NULL(rep.error);
    config *d = config_default();
    ASSERT(c->hash == d->hash);
    config_free(c);
    config_report_free(&rep);

    FILE *f = fopen(path, "w");
    ASSERT(f != NULL);
    fputs("{\n  \"priority_cap\": 4,\n  \"team\": [\"sam\"\n}\n", f);
    fclose(f);
    c = config_load(path, NULL, &rep);
    ASSERT(rep.error != NULL);
    char *want = xasprintf("%s:4:", path);
    ASSERT(strncmp(rep.error, want, strlen(want)) == 0);
    printf("  bad file error: %s\n", rep.error);
    ASSERT_EQ(c->priority_cap, 3);
    free(want);
    config_free(c);
    config_report_free(&rep);

    f = fopen(path, "w");
    fputs("{\"priority_cap\": 4, \"shiny\": true}", f);
    fclose(f);
    c = config_load(path, NULL, &rep);
    ASSERT_NULL(rep.error);
    ASSERT_EQ(c->priority_cap, 4);
    ASSERT_EQ(rep.n_warnings, 1);
    ASSERT(strstr(rep.warnings[0], path) == rep.warnings[0]);
    config_free(c);
    config_report_free(&rep);

    unlink(path);
    rmdir(dir);
    free(path);
    config_free(d);
}

static void test_hash(void)
{
    config *a = config_default(), *b = config_default();
    ASSERT(a->hash == b->hash);
    ASSERT_STR_EQ(a->json, b->json);
    config_report rep;
    /* the same settings written differently hash the same */
    config *c = S("{}", &rep);
    ASSERT(c->hash == a->hash);
    config_free(c);
    config_report_free(&rep);
    config *x = S("{\"cadence\": 10, \"rules\": {\"self-focus\": {\"ratio\": 3}}}", &rep);
    config *y = S("{\"rules\": {\"self-focus\": {\"ratio\": 3.0}}, \"cadence\": 10.0}", &rep);
    ASSERT(x->hash == y->hash);
    ASSERT(x->hash != a->hash);
    config_report_free(&rep);
    /* unknown keys do not change it */
    c = S("{\"cadence\": 10, \"rules\": {\"self-focus\": {\"ratio\": 3}}, \"zzz\": 1}", &rep);
    ASSERT(c->hash == x->hash);
    config_free(c);
    config_report_free(&rep);
    /* any effective change does */
    c = S("{\"team\": [\"sam\"]}", &rep);
    ASSERT(c->hash != a->hash);
    config_free(c);
    config_report_free(&rep);
    printf("  default settings hash: %016llx (%zu bytes of canonical JSON)\n",
           (unsigned long long)a->hash, strlen(a->json));
    config_free(x);
    config_free(y);
    config_free(a);
    config_free(b);
}

static void test_default_text(void)
{
    char *t = config_default_text();
    json_error_t err;
    json_t *j = json_loads(t, 0, &err);
    ASSERT(j != NULL);
    ASSERT(json_is_object(json_object_get(json_object_get(j, "rules"), "urgency")));
    ASSERT(json_is_array(json_object_get(json_object_get(json_object_get(j, "rules"), "urgency"),
                                         "phrases_extra")));
    ASSERT(strstr(t, "\"severity\": \"warn\"") != NULL);
    ASSERT(strstr(t, "\"min_first_person\": 3") != NULL);
    json_decref(j);
    /* loading what init writes gives exactly the defaults, without a warning */
    config_report rep;
    config *c = S(t, &rep);
    config *d = config_default();
    ASSERT_NULL(rep.error);
    ASSERT_EQ(rep.n_warnings, 0);
    ASSERT(c->hash == d->hash);
    config_free(c);
    config_free(d);
    config_report_free(&rep);
    free(t);

    t = config_defaults_json();
    ASSERT(strstr(t, "\"end of quarter\"") != NULL);
    c = S(t, &rep);
    d = config_default();
    ASSERT_EQ(rep.n_warnings, 0);
    ASSERT(c->hash == d->hash);
    config_free(c);
    config_free(d);
    config_report_free(&rep);
    free(t);
}

int main(void)
{
    RUN(test_defaults);
    RUN(test_phrase_kinds);
    RUN(test_vault_overrides);
    RUN(test_list_replace_and_extra);
    RUN(test_unknown_and_bad_values);
    RUN(test_health_weights_alias_order);
    RUN(test_bad_json);
    RUN(test_files);
    RUN(test_hash);
    RUN(test_default_text);
    TEST_END();
}
