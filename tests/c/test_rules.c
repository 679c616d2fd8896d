/* test_rules.c -- the hint rules (SPEC §3): labelled sentence tables for the
 * text rules, every structural rule, anchors, silencing, the demo vault, and
 * the 1,000-line timing. */
#include <dirent.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include "config.h"
#include "parse.h"
#include "rules.h"
#include "test.h"
#include "util.h"

#define TODAY "2026-11-23"

static config *CFG;

typedef struct {
    parse_note note;
    rules_result res;
} run_t;

/* Every rules_run below is checked against rules_run_cached: with one cache
 * shared by all the tests (a cold run, then a warm one). */
static rules_cache *CACHE;
static int cache_mismatches, cache_checks;

/* 0 when a and b are the same hints in the same order with the same counts;
 * else prints the first difference. */
static int res_diff(const char *label, const rules_result *a, const rules_result *b)
{
    for (int k = 0; k < RULES_COUNT; k++)
        if (a->counts[k] != b->counts[k]) {
            fprintf(stderr, "  %s: counts[%s] %d != %d\n", label, rules_table[k].id, a->counts[k],
                    b->counts[k]);
            return 1;
        }
    if (a->len != b->len) {
        fprintf(stderr, "  %s: %zu hints != %zu\n", label, a->len, b->len);
        return 1;
    }
    for (size_t i = 0; i < a->len; i++) {
        const rules_hint *x = &a->items[i], *y = &b->items[i];
        if (x->line != y->line || x->col != y->col || x->end_line != y->end_line ||
            x->end_col != y->end_col || x->rule != y->rule || x->severity != y->severity ||
            strcmp(x->message, y->message)) {
            fprintf(stderr, "  %s: hint %zu: %d:%d-%d:%d %s %d \"%s\" != %d:%d-%d:%d %s %d \"%s\"\n",
                    label, i, x->line, x->col, x->end_line, x->end_col, rules_table[x->rule].id,
                    x->severity, x->message, y->line, y->col, y->end_line, y->end_col,
                    rules_table[y->rule].id, y->severity, y->message);
            return 1;
        }
    }
    return 0;
}

/* rules_run_cached (as the cache stands, then warm) == `want`. */
static void check_cached(rules_cache *c, const char *label, const char *text, size_t len,
                         const parse_note *n, const config *cfg, const rules_facts *f, long today,
                         const rules_result *want)
{
    for (int pass = 0; pass < 2; pass++) {
        rules_result got;
        rules_run_cached(c, text, len, n, cfg, f, today, &got);
        cache_checks++;
        if (res_diff(label, want, &got)) cache_mismatches++;
        rules_result_free(&got);
    }
}

static run_t R_facts(const char *path, const char *text, const config *cfg, const rules_facts *f)
{
    run_t r;
    parse_note_text(path, text, strlen(text), &r.note);
    rules_run(text, strlen(text), &r.note, cfg ? cfg : CFG, f, date_to_days(TODAY), &r.res);
    check_cached(CACHE, path, text, strlen(text), &r.note, cfg ? cfg : CFG, f, date_to_days(TODAY),
                 &r.res);
    return r;
}
static run_t R(const char *path, const char *text) { return R_facts(path, text, NULL, NULL); }

static void R_free(run_t *r)
{
    rules_result_free(&r->res);
    parse_note_free(&r->note);
}

static int count(const run_t *r, int rule) { return r->res.counts[rule]; }

static const rules_hint *first(const run_t *r, int rule)
{
    for (size_t i = 0; i < r->res.len; i++)
        if (r->res.items[i].rule == rule) return &r->res.items[i];
    return NULL;
}

static void dump(const char *label, const run_t *r)
{
    for (size_t i = 0; i < r->res.len; i++) {
        const rules_hint *h = &r->res.items[i];
        printf("    %s:%d:%d-%d:%d %s [%s] %s\n", label, h->line, h->col, h->end_line, h->end_col,
               rules_table[h->rule].id, rules_severity_name(h->severity), h->message);
    }
}

/* ------------------------------------------------------------ tables */

typedef struct {
    int fires;
    const char *text;
} row;

static const row urgency_rows[] = {
    /* our pressure */
    {1, "It's the end of the quarter for us and we are behind on our quota, so we pushed for a "
        "signature on the whole bundle."},
    {1, "We need to hit our numbers this month, so I want the renewal signed before Friday."},
    {1, "Our quarterly target depends on this extension landing."},
    {1, "I told Owen we could book it this quarter if they sign early."},
    {1, "We need to close the deal before the quarter ends."},
    {1, "Let's seal the deal on Thursday's call."},
    {1, "This is the biggest deal in my pipeline."},
    {1, "EOQ is in two weeks and we still need their PO."},
    {1, "Management is in panic mode about our utilization."},
    {1, "We are behind on our quota and need this one."},
    {1, "My number for Q4 is still 200k short."},
    {1, "We have to make our numbers, so let's pitch the full bundle."},
    {1, "Our KPIs this quarter are all about new bookings."},
    {1, "Our non-billable hours are way up since September."},
    {1, "We need the signature ASAP."},
    {1, "Get them to sign ASAP."},
    {1, "I need them to commit as soon as possible."},
    {1, "Pipeline pressure is high, so we may rush the sale."},
    {1, "The plan is to sell them everything at once."},
    {1, "We pushed for a signature on Friday."},
    {1, "Pushing them to sign before their budget review."},
    {1, "Our utilization is at 62%, so we need another project here."},
    {1, "We are at 0.9M booked against our quarterly target of 1.4M."},
    {1, "If we miss our target this quarter, the whole team feels it."},
    {1, "Alex wants to book the revenue before year-end."},
    {1, "We need to land the deal before the end of the quarter."},
    {1, "We have to meet our numbers in Q4."},
    {1, "Sam is worried about making our numbers."},
    {1, "Because of our quota we should upsell them the analytics module."},
    {1, "It is quarter-end for us, so the discount only holds until Friday."},
    {1, "We need to close this\ndeal before the quarter\nends."},
    {1, "- [ ] @sam push them to sign the SOW due:2026-12-01"},
    /* not our pressure: their deadlines, their urgency, other meanings */
    {0, "Their board meets at quarter end and wants an audit-readiness update then."},
    {0, "@dana needs the billing export spec ASAP so her team can plan the December close."},
    {0, "Ben needs it ASAP."},
    {0, "We agreed to close the loop with @mei on Friday."},
    {0, "Finance will close the books on the 5th."},
    {0, "Their KPIs are on-time pickup and cost per drop."},
    {0, "They are behind on their quota for the spring campaign."},
    {0, "The quota for returns was raised last year."},
    {0, "@owen has to close the budget before the end of the quarter."},
    {0, "They want click-and-collect live before the quarter ends."},
    {0, "Dana said the month-end close takes six days."},
    {0, "We will send the DPIA answers ASAP."},
    {0, "We need to send @grace the retention answers ASAP."},
    {0, "The regulator's audit is at quarter end, which is their real deadline."},
    {0, "\xE2\x80\x9CWe have to hit our numbers,\xE2\x80\x9D @nadia said about her own team."},
    {0, "@nadia told us: \"we need to close this deal by March\"."},
    {0, "They asked us to rush the DPIA review."},
    {0, "Their CFO is in panic mode about the audit."},
    {0, "The client wants to close the deal with their logistics partner before spring."},
    {0, "We never push for a signature before the pilot results are in."},
    {0, "Don't bring our quota into this call."},
    {0, "```\nend of quarter: our quota report\n```"},
    {0, "Run `make our numbers` before the demo."},
    {0, "See https://example.com/end-of-quarter/our-quota for the template."},
    {0, "> We are behind on our quota. - @nadia"},
    {0, "Setup notes <!-- our quota, end of quarter --> for later."},
    {0, "Their quarterly target is 40 stores live."},
    {0, "We closed the loop on the pricing question."},
    {0, "Their fiscal year ends in June, so budgets close at quarter end."},
    {0, "@raj wants the Rotterdam numbers as soon as possible."},
    {0, "She wants to get the deal signed with their supplier."},
    {0, "The pilot showed our numbers were right: re-plan time is down 70%."},
    {0, "Their team needs to close the month faster."},
    {0, "I'll share the utilization report from their depots."},
    {0, "We need a decision from them on the DPIA approach."},
    {0, "Email sales@acme-logistics.example about the quota export."},
    {0, "They asked us to send the spec ASAP."},
    {0, "    our quota and end of quarter in an indented code block"},
    {0, "## Quarter planning\n\nTheir end of quarter is busy for the stores."},
    {0, "We must get back to @grace ASAP on the retention question."},
};

static const row self_focus_rows[] = {
    {1, "I think our analytics module is the strongest thing we sell, and our team knows it best, "
        "so we should lead with it in our proposal."},
    {1, "We need this extension to land this year; it is the biggest deal in my pipeline and our "
        "quarterly target depends on it. I told Owen we could book it this quarter if they sign."},
    {1, "Our team is stretched, so I want to keep our scope narrow and bill our senior people "
        "first."},
    {1, "We want to showcase our new platform, and I'd like my team to run the demo."},
    {1, "My priority is to get our case study published before we pitch to other retailers."},
    {1, "We presented our roadmap, our pricing and our references; I think we impressed them."},
    {1, "Our margin on this account is thin, so we should push our managed service and I will "
        "raise it with my director."},
    {1, "I spent the call explaining our methodology and why we are different from our "
        "competitors."},
    {1, "We keep our own timeline: our release train ships in March, and we can't move it for "
        "one client."},
    {1, "Our team will be on site; we bring our own laptops and I will host the workshop in our "
        "format."},
    {1, "- We want to upsell our analytics add-on and I think we can get it into our next SOW."},
    {1, "My goal for the next call is to get our foot in the door with their IT team and show "
        "them our platform, which we built for exactly this."},
    {1, "We should position our premium tier first; I don't want us to leave money on the "
        "table."},
    {1, "Our bench is full next month, so I need this project to start on time and we need the "
        "staff busy."},
    {1, "Internally we agreed our goal is a bigger footprint:\nmy plan is to get us into two more "
        "departments."},
    {0, "We agreed to map both schemas together with their IT team before we promise any dates."},
    {0, "They want fewer missed pickups; their dispatchers re-plan by hand every morning, and we "
        "can help them."},
    {0, "@raj framed the goal plainly: fewer missed pickups, not more software."},
    {0, "We asked how the spring work fits their three-year plan. @nadia will bring the plan to "
        "the next call."},
    {0, "We worked jointly with @grace on the DPIA; our part was the data-flow diagram and we "
        "answered in writing."},
    {0, "Our job is to help them reach their goals: their on-time rate, their billing close and "
        "their audit."},
    {0, "We will review the numbers together with @raj and @tomas after four weeks, before we "
        "talk about our next depot."},
    {0, "I asked what they want to achieve this year, and they said the audit matters most to "
        "them."},
    {0, "@dana: \"We need our close down to three days, and our team needs the export in our ERP "
        "format.\""},
    {0, "> We don't need another dashboard. We need our 6 a.m. re-plan to stop eating my\n"
        "> dispatchers' first hour. I said it twice."},
    {0, "```\nwe our us I my me we our\n```"},
    {0, "We both want the pilot to succeed: our data team and their front desks will sit "
        "together in Troms\xC3\xB8."},
    {0, "You told us your board wants our proposal by Friday; we will send it with your numbers "
        "in it."},
    {0, "Acme's dispatchers trust our plans now; we saw it in Rotterdam, where Acme cut re-plan "
        "time by 70% and our team barely helped."},
    {0, "We met @priya, @owen and @grace; our notes are in the shared folder and I filed them."},
    {0, "US market entry is their big goal for 2027; we discussed our experience there."},
    {0, "We'll need their sign-off, their data and their people; we can't do it without them."},
    {0, "Notes from our side: none."},
    {0, "We ran the workshop together and both teams left with the same list; our next step is "
        "theirs to schedule."},
    {0, "I'll send my notes to them, and they will pick the two pilot clinics from their list."},
    {0, "Their CFO wants the close in three days. Our export could get them there; we should ask "
        "what their finance team needs first."},
    {0, "Our pricing playbook: price the next step, not the whole roadmap, and ask them what they "
        "would drop."},
    {0, "<!-- we our us I my me -->"},
    {0, "See https://we.example/our/us/i/my for our own template."},
    {0, "For us, the pilot is a way to learn how their clinics work; we want their staff to say "
        "what they need."},
    {0, "## Our plan, our team, our pricing, my notes"},
    {0, "We jointly own the rollout plan with our Rotterdam contacts, and we meet weekly."},
    {0, "\xE2\x80\x9CWe want our own people on it, and I want my name on the report,\xE2\x80\x9D "
        "said @hugo."},
};

static const row vague_rows[] = {
    {1, "- [ ] look into pricing options for the loyalty module"},
    {1, "- [ ] @alex follow up on the loyalty module"},
    {1, "- [ ] @raj check with finance whether the ERP import accepts CSV"},
    {1, "- [ ] send the DPIA answers due:2026-12-01"},
    {1, "* [ ] Draft the SOW"},
    {1, "1. [ ] schedule the training sessions"},
    {1, "- [ ] @sam book the workshop next week"},
    {1, "- [ ] @grace share the DPIA template by Friday"},
    {1, "- [ ] email dana.okafor@acme.example the export spec due:2026-12-01"},
    {1, "- [ ] @sam prepare the agenda due:2026-13-45"},
    {1, "- parent item\n  - [ ] @alex update the runbook"},
    {1, "- [ ] ask @felix about the rate limits"},
    {1, "- [ ] `@sam` send the spec due:2026-12-01"},
    {1, "- [ ] Ship the report due:2026-12-05 (owner TBD)"},
    {1, "+ [ ] @alex draft the training outline"},
    {1, "- [ ] @kofi set up a meeting with @ingrid"},
    {1, "- [ ] due:2026-12-01"},
    {1, "- [ ] @alex"},
    {1, "- [ ] Rank the remaining priorities with Nadia"},
    {1, "- [ ] @sam send the deck due 2026-12-01"},
    {0, "- [ ] @sam send the revised SOW with billing first due:2026-11-13"},
    {0, "- [x] look into pricing"},
    {0, "- [X] send stuff"},
    {0, "- [ ] @alex draft the store-manager training outline due:2026-12-04"},
    {0, "- [ ] @ruth nominate five pilot stores for click-and-collect due:2026-11-27"},
    {0, "- [ ] due:2026-12-01 @raj confirm Antwerp"},
    {0, "- [ ] @raj confirm Antwerp as the next depot DUE:2026-12-02"},
    {0, "- look into pricing options"},
    {0, "- [] look into pricing"},
    {0, "```\n- [ ] look into pricing\n```"},
    {0, "> - [ ] look into pricing"},
    {0, "Intro.\n\n    - [ ] indented code, not a task"},
    {0, "<!-- - [ ] template task -->"},
    {0, "- [ ] @priya's office to confirm access due:2026-12-02"},
    {0, "- [ ]@sam no space after the box"},
    {0, "Task syntax: `- [ ] text @owner due:YYYY-MM-DD`"},
    {0, "- [x] @alex send the integration questionnaire to @mei due:2026-09-11"},
    {0, "- [ ] @sam draft the Q1 success review agenda with @raj due:2026-12-04"},
    {0, "- [ ] @lars pick two crews for the field trial due:2026-11-14"},
    {0, "1. [ ] @alex run two console training sessions due:2026-12-04"},
    {0, "- [ ] @hugo send sample order files due:2026-12-10 #intro"},
};

static const char *const acme_words[] = {"Acme", "Logistics"};

/* Runs a table; every row must match its label. Prints FP/FN counts. */
static int run_table(const char *name, int rule, const row *rows, size_t n, const char *path,
                     const char *prefix)
{
    int tp = 0, tn = 0, fp = 0, fn = 0;
    rules_facts f = {5, 3, acme_words, 2, -1};
    for (size_t i = 0; i < n; i++) {
        char *text = xasprintf("%s%s\n", prefix, rows[i].text);
        run_t r = R_facts(path, text, NULL, &f);
        int got = count(&r, rule) > 0;
        if (got && rows[i].fires) tp++;
        else if (!got && !rows[i].fires) tn++;
        else {
            if (got) fp++;
            else fn++;
            fprintf(stderr, "  %s row %zu: expected %s: %s\n", name, i + 1,
                    rows[i].fires ? "a hint" : "no hint", rows[i].text);
            dump(name, &r);
        }
        R_free(&r);
        free(text);
    }
    printf("  %-11s %zu rows (%d positive, %d negative): %d false positives, %d false negatives\n",
           name, n, tp + fn, tn + fp, fp, fn);
    return fp + fn;
}

static void test_table_urgency(void)
{
    ASSERT(ARRAY_LEN(urgency_rows) >= 40);
    ASSERT_EQ(run_table("urgency", RULE_URGENCY, urgency_rows, ARRAY_LEN(urgency_rows),
                        "meetings/2026-11-20-acme-logistics.md", "# Call\n\n"),
              0);
}

static void test_table_self_focus(void)
{
    ASSERT(ARRAY_LEN(self_focus_rows) >= 40);
    ASSERT_EQ(run_table("self-focus", RULE_SELF_FOCUS, self_focus_rows, ARRAY_LEN(self_focus_rows),
                        "meetings/2026-11-20-acme-logistics.md", "# Call\n\n"),
              0);
}

static void test_table_vague_task(void)
{
    ASSERT(ARRAY_LEN(vague_rows) >= 40);
    ASSERT_EQ(run_table("vague-task", RULE_VAGUE_TASK, vague_rows, ARRAY_LEN(vague_rows),
                        "meetings/2026-11-20-acme-logistics.md", "# Call\n\n## Next steps\n\n"),
              0);
}

/* ------------------------------------------------------- text anchors */

static void test_urgency_anchor_spans_lines(void)
{
    run_t r = R("note.md", "# T\n\nToday we are behind on our\n  quota, sadly.\n");
    ASSERT_EQ(count(&r, RULE_URGENCY), 1);
    const rules_hint *h = first(&r, RULE_URGENCY);
    ASSERT_EQ(h->line, 3);
    ASSERT_EQ(h->col, 13); /* "behind" */
    ASSERT_EQ(h->end_line, 4);
    ASSERT_EQ(h->end_col, 7); /* after "quota" */
    ASSERT_EQ(h->severity, RULES_WARN);
    ASSERT(strstr(h->message, "\"behind on our quota\"") != NULL);
    ASSERT(strstr(h->message, "theirs") != NULL);
    R_free(&r);
}

static void test_urgency_no_match_across_gaps(void)
{
    /* a phrase never spans a sentence end, code, a paragraph break or a quote */
    run_t r = R("note.md", "# T\n\nWe saw our. Quota went up.\n\nIt was our `x` quota.\n\nour\n\nquota\n\n"
                           "our \"big\" quota\n");
    ASSERT_EQ(count(&r, RULE_URGENCY), 0);
    R_free(&r);
}

static void test_urgency_hyphen_and_case(void)
{
    run_t r = R("note.md", "# T\n\nEND-OF-QUARTER for us. We hit Our Numbers.\n");
    ASSERT_EQ(count(&r, RULE_URGENCY), 2);
    ASSERT_EQ(first(&r, RULE_URGENCY)->col, 0);
    ASSERT_EQ(first(&r, RULE_URGENCY)->end_col, 14);
    R_free(&r);
}

static void test_self_focus_anchor(void)
{
    run_t r = R("note.md", "---\ntype: note\n---\n# T\n\n  We want our deal and I want my bonus,\n"
                           "so we push our offer.\n\nNext.\n");
    ASSERT_EQ(count(&r, RULE_SELF_FOCUS), 1);
    const rules_hint *h = first(&r, RULE_SELF_FOCUS);
    ASSERT_EQ(h->line, 6);
    ASSERT_EQ(h->col, 2);
    ASSERT_EQ(h->end_line, 7);
    ASSERT_EQ(h->end_col, 21);
    ASSERT_EQ(h->severity, RULES_INFO);
    ASSERT(strstr(h->message, "What's in it for them?") || strstr(h->message, "what's in it for them?"));
    R_free(&r);
}

static void test_self_focus_settings(void)
{
    json_t *setup = json_pack("{s:{s:{s:i, s:f}}}", "rules", "self-focus", "min_first_person", 2,
                              "ratio", 1.0);
    config_report rep;
    config *c = config_load(NULL, setup, &rep);
    ASSERT_EQ(rep.n_warnings, 0);
    run_t r = R_facts("note.md", "# T\n\nWe like our plan; they like it too.\n", c, NULL);
    ASSERT_EQ(count(&r, RULE_SELF_FOCUS), 1);
    R_free(&r);
    r = R("note.md", "# T\n\nWe like our plan; they like it too.\n");
    ASSERT_EQ(count(&r, RULE_SELF_FOCUS), 0);
    R_free(&r);
    config_free(c);
    config_report_free(&rep);
    json_decref(setup);
}

static void test_urgency_phrases_extra(void)
{
    config_report rep;
    const char *js = "{\"rules\": {\"urgency\": {\"phrases_extra\": [\"our bonus|bonuses\"]}}}";
    config *c = config_load_string(js, strlen(js), "config.json", NULL, &rep);
    ASSERT_NULL(rep.error);
    run_t r = R_facts("note.md", "# T\n\nThis decides our bonuses. And our quota.\n", c, NULL);
    ASSERT_EQ(count(&r, RULE_URGENCY), 2);
    R_free(&r);
    config_free(c);
    config_report_free(&rep);
    js = "{\"rules\": {\"urgency\": {\"phrases\": [\"our bonus\"], \"asap\": false}}}";
    c = config_load_string(js, strlen(js), "config.json", NULL, &rep);
    r = R_facts("note.md", "# T\n\nThis decides our bonus. And our quota. We need it ASAP.\n", c, NULL);
    ASSERT_EQ(count(&r, RULE_URGENCY), 1);
    R_free(&r);
    config_free(c);
    config_report_free(&rep);
}

/* ----------------------------------------------------- structural rules */

static const char client_note[] =
    "---\n"
    "type: client\n"
    "cadence: 21\n"
    "---\n"
    "# Cobalt Retail\n"
    "\n"
    "## Needs\n"
    "\n"
    "- Stock that agrees\n"
    "\n"
    "## Stakeholders\n"
    "\n"
    "- @nadia - Head of eCommerce\n"
    "\n"
    "## Priorities\n"
    "\n"
    "1. Unify inventory (short)\n"
    "2. Mobile checkout #short-term\n"
    "3. Loyalty relaunch (long)\n"
    "4. POS reporting\n"
    "5. Same-day pickup (short)\n";

static void test_over_cap(void)
{
    run_t r = R("clients/cobalt.md", client_note);
    ASSERT_EQ(count(&r, RULE_OVER_CAP), 1);
    const rules_hint *h = first(&r, RULE_OVER_CAP);
    ASSERT_EQ(h->line, 15);
    ASSERT_EQ(h->col, 0);
    ASSERT_EQ(h->end_line, 15);
    ASSERT_EQ(h->end_col, 13);
    ASSERT(strstr(h->message, "5 priorities, cap 3") != NULL);
    ASSERT(strstr(h->message, "with the client") != NULL);
    ASSERT_EQ(count(&r, RULE_SHORT_TERM_ONLY), 0); /* one is long-term */
    R_free(&r);

    /* the note's cap, then the client's cap (facts), then the setting */
    char *t = xasprintf("---\npriority_cap: 5\n%s", client_note + 4);
    r = R("clients/cobalt.md", t);
    ASSERT_EQ(count(&r, RULE_OVER_CAP), 0);
    R_free(&r);
    free(t);
    const char *plan = "# Plan\n\n## Priorities\n\n- a\n- b\n- c\n- d\n";
    rules_facts f = {3, 2, NULL, 0, 4};
    r = R_facts("clients/cobalt/plan.md", plan, NULL, &f);
    ASSERT_EQ(count(&r, RULE_OVER_CAP), 0);
    R_free(&r);
    f.client_cap = 3;
    r = R_facts("clients/cobalt/plan.md", plan, NULL, &f);
    ASSERT_EQ(count(&r, RULE_OVER_CAP), 1);
    ASSERT(strstr(first(&r, RULE_OVER_CAP)->message, "4 priorities, cap 3") != NULL);
    R_free(&r);
    r = R("note.md", "# Plan\n\n## Priorities\n\n- a\n- b\n- c\n  - nested does not count\n");
    ASSERT_EQ(count(&r, RULE_OVER_CAP), 0);
    R_free(&r);
}

static void test_short_term_only(void)
{
    const char *t = "---\ntype: client\n---\n# X\n\n## Priorities\n\n- a (short)\n- b #short-term\n"
                    "- c (Short)\n";
    run_t r = R("clients/x.md", t);
    ASSERT_EQ(count(&r, RULE_SHORT_TERM_ONLY), 1);
    const rules_hint *h = first(&r, RULE_SHORT_TERM_ONLY);
    ASSERT_EQ(h->line, 6);
    ASSERT(strstr(h->message, "long-term plan") != NULL);
    R_free(&r);
    /* one unmarked item, a long one, no items, or not a client note: silent */
    r = R("clients/x.md", "# X\n\n## Priorities\n\n- a (short)\n- b\n");
    ASSERT_EQ(count(&r, RULE_SHORT_TERM_ONLY), 0);
    R_free(&r);
    r = R("clients/x.md", "# X\n\n## Priorities\n\n- a (short)\n- b #long-term\n");
    ASSERT_EQ(count(&r, RULE_SHORT_TERM_ONLY), 0);
    R_free(&r);
    r = R("clients/x.md", "# X\n\n## Priorities\n\n");
    ASSERT_EQ(count(&r, RULE_SHORT_TERM_ONLY), 0);
    R_free(&r);
    r = R("notes/x.md", "# X\n\n## Priorities\n\n- a (short)\n");
    ASSERT_EQ(count(&r, RULE_SHORT_TERM_ONLY), 0);
    R_free(&r);
    r = R("clients/x.md", "# X\n\n## Priorities\n\n- a #short-terminal\n");
    ASSERT_EQ(count(&r, RULE_SHORT_TERM_ONLY), 0);
    R_free(&r);
}

static void test_no_needs(void)
{
    /* all three empty: the first of them (template comments do not count) */
    const char *t = "---\ntype: client\n---\n# Ember\n\n## Objectives\n\n<!-- ask them -->\n\n"
                    "## Needs\n\n## Challenges\n\n## Stakeholders\n\n- @hugo\n";
    run_t r = R("clients/ember.md", t);
    ASSERT_EQ(count(&r, RULE_NO_NEEDS), 1);
    const rules_hint *h = first(&r, RULE_NO_NEEDS);
    ASSERT_EQ(h->line, 6);
    ASSERT(strstr(h->message, "What do you want to achieve this year?") != NULL);
    ASSERT(strstr(h->message, "fill in") == NULL);
    R_free(&r);
    /* all missing: line 1 after the frontmatter */
    r = R("clients/ember.md", "---\ntype: client\n---\n\n# Ember\n");
    ASSERT_EQ(count(&r, RULE_NO_NEEDS), 1);
    ASSERT_EQ(first(&r, RULE_NO_NEEDS)->line, 4);
    ASSERT_EQ(first(&r, RULE_NO_NEEDS)->end_col, 0);
    R_free(&r);
    /* prose in one section is enough */
    r = R("clients/ember.md", "# Ember\n\n## Needs\n\n## Challenges\n\nThe night shift re-types orders.\n");
    ASSERT_EQ(count(&r, RULE_NO_NEEDS), 0);
    R_free(&r);
    r = R("clients/ember.md", "# Ember\n\n## Objectives\n\n- Fewer re-typed orders\n");
    ASSERT_EQ(count(&r, RULE_NO_NEEDS), 0);
    R_free(&r);
    /* not a client note; an archived client */
    r = R("notes/ember.md", "# Ember\n\n## Needs\n");
    ASSERT_EQ(count(&r, RULE_NO_NEEDS), 0);
    R_free(&r);
    r = R("clients/ember.md", "---\nstatus: archived\n---\n# Ember\n\n## Needs\n");
    ASSERT_EQ(r.res.len, 0);
    R_free(&r);
}

static void test_tasks(void)
{
    const char *t = "# Call\n\n## Next steps\n\n"
                    "- [ ] @sam send the SOW due:2026-11-13\n"     /* line 5: ours, overdue */
                    "  * [ ] @grace share the template due:2026-11-22\n" /* 6: theirs, 1 day */
                    "- [ ] @sam today is fine due:2026-11-23\n"   /* 7: not overdue */
                    "- [x] @sam done due:2026-01-01\n"            /* 8: done */
                    "- [ ] no owner due:2026-11-01\n";            /* 9: overdue + vague */
    run_t r = R("meetings/2026-11-20-x.md", t);
    ASSERT_EQ(count(&r, RULE_OVERDUE), 3);
    ASSERT_EQ(count(&r, RULE_VAGUE_TASK), 1);
    const rules_hint *h = first(&r, RULE_OVERDUE);
    ASSERT_EQ(h->line, 5);
    ASSERT_EQ(h->col, 0);
    ASSERT_EQ(h->end_line, 5);
    ASSERT_EQ(h->end_col, 38);
    ASSERT(strstr(h->message, "Our promise is 10 days past due (2026-11-13)") != NULL);
    ASSERT_EQ(r.res.items[1].line, 6);
    ASSERT_EQ(r.res.items[1].col, 2);
    ASSERT(strstr(r.res.items[1].message, "@grace's task is 1 day past due") != NULL);
    /* line 9: overdue and vague, sorted by rule order */
    ASSERT_EQ(r.res.items[2].line, 9);
    ASSERT_EQ(r.res.items[2].rule, RULE_VAGUE_TASK);
    ASSERT(strstr(r.res.items[2].message, "no owner") != NULL);
    ASSERT_EQ(r.res.items[3].rule, RULE_OVERDUE);
    ASSERT_EQ(count(&r, RULE_NO_NEXT_STEP), 0);
    R_free(&r);
}

static void test_team_owner_is_ours(void)
{
    const char *js = "{\"team\": [\"@Sam\", \"alex\"]}";
    config *c = config_load_string(js, strlen(js), "config.json", NULL, NULL);
    run_t r = R_facts("note.md", "- [ ] @alex ship it due:2026-11-20\n- [ ] @raj ship it due:2026-11-20\n",
                      c, NULL);
    ASSERT_EQ(count(&r, RULE_OVERDUE), 2);
    ASSERT(strstr(r.res.items[0].message, "Our promise") != NULL);
    ASSERT(strstr(r.res.items[1].message, "@raj's task") != NULL);
    R_free(&r);
    config_free(c);
}

static void test_no_next_step(void)
{
    run_t r = R("meetings/2026-11-10-ember.md",
                "---\ntype: meeting\n---\nIntro line.\n\n# Ember - intro\n\n## Notes\n\n- a\n");
    ASSERT_EQ(count(&r, RULE_NO_NEXT_STEP), 1);
    ASSERT_EQ(first(&r, RULE_NO_NEXT_STEP)->line, 6);
    R_free(&r);
    r = R("meetings/2026-11-10-ember.md", "no heading\n");
    ASSERT_EQ(count(&r, RULE_NO_NEXT_STEP), 1);
    ASSERT_EQ(first(&r, RULE_NO_NEXT_STEP)->line, 1);
    R_free(&r);
    /* a Next steps item, or a task anywhere, is a next step */
    r = R("meetings/2026-11-10-ember.md", "# M\n\n## Next steps\n\n- Hugo sends order samples\n");
    ASSERT_EQ(count(&r, RULE_NO_NEXT_STEP), 0);
    R_free(&r);
    r = R("meetings/2026-11-10-ember.md", "# M\n\n## Notes\n\n- [x] @sam sent the deck\n");
    ASSERT_EQ(count(&r, RULE_NO_NEXT_STEP), 0);
    R_free(&r);
    r = R("notes/x.md", "# M\n");
    ASSERT_EQ(count(&r, RULE_NO_NEXT_STEP), 0);
    R_free(&r);
}

static void test_single_threaded(void)
{
    rules_facts f = {1, 3, NULL, 0, -1};
    run_t r = R_facts("clients/cobalt.md", client_note, NULL, &f);
    ASSERT_EQ(count(&r, RULE_SINGLE_THREADED), 1);
    ASSERT_EQ(first(&r, RULE_SINGLE_THREADED)->line, 11);
    ASSERT(strstr(first(&r, RULE_SINGLE_THREADED)->message, "who will have to adopt it") != NULL);
    R_free(&r);
    f.stakeholders = 0;
    r = R_facts("clients/x.md", "# X\n", NULL, &f);
    ASSERT_EQ(first(&r, RULE_SINGLE_THREADED)->line, 1);
    R_free(&r);
    f.stakeholders = 2;
    r = R_facts("clients/cobalt.md", client_note, NULL, &f);
    ASSERT_EQ(count(&r, RULE_SINGLE_THREADED), 0);
    R_free(&r);
    f.stakeholders = -1;
    r = R_facts("clients/cobalt.md", client_note, NULL, &f);
    ASSERT_EQ(count(&r, RULE_SINGLE_THREADED), 0);
    R_free(&r);
    r = R("clients/cobalt.md", client_note); /* no facts */
    ASSERT_EQ(count(&r, RULE_SINGLE_THREADED), 0);
    ASSERT_EQ(count(&r, RULE_GONE_DARK), 0);
    R_free(&r);
}

static void test_gone_dark(void)
{
    rules_facts f = {3, 22, NULL, 0, -1};
    run_t r = R_facts("clients/cobalt.md", client_note, NULL, &f); /* cadence 21 */
    ASSERT_EQ(count(&r, RULE_GONE_DARK), 1);
    const rules_hint *h = first(&r, RULE_GONE_DARK);
    ASSERT_EQ(h->line, 5); /* line 1 after the frontmatter */
    ASSERT_EQ(h->col, 0);
    ASSERT_EQ(h->end_col, 15);
    ASSERT_EQ(h->severity, RULES_WARN);
    ASSERT(strstr(h->message, "22 days (cadence 21)") != NULL);
    ASSERT(strstr(h->message, "chase") == NULL && strstr(h->message, "follow up") == NULL);
    ASSERT(strstr(h->message, "check-in") != NULL);
    R_free(&r);
    f.days_since = 21;
    r = R_facts("clients/cobalt.md", client_note, NULL, &f);
    ASSERT_EQ(count(&r, RULE_GONE_DARK), 0);
    R_free(&r);
    f.days_since = -1; /* never any contact: never fires */
    r = R_facts("clients/cobalt.md", client_note, NULL, &f);
    ASSERT_EQ(count(&r, RULE_GONE_DARK), 0);
    R_free(&r);
    f.days_since = 15; /* no cadence in the note: the setting (14) */
    r = R_facts("clients/x.md", "# X\n", NULL, &f);
    ASSERT_EQ(count(&r, RULE_GONE_DARK), 1);
    R_free(&r);
    r = R_facts("meetings/2026-01-01-x.md", "# X\n\n- [ ] @a b due:2027-01-01\n", NULL, &f);
    ASSERT_EQ(count(&r, RULE_GONE_DARK), 0); /* client notes only */
    R_free(&r);
}

/* ------------------------------------------------------------ silencing */

static void test_rapport_ignore(void)
{
    const char *t = "# T\n\n"
                    "We are behind on our quota. <!-- rapport-ignore -->\n"          /* 3 */
                    "\n"
                    "We, our, I and my quota. <!-- rapport-ignore: urgency -->\n"    /* 5 */
                    "\n"
                    "We, our, I and my quota. <!-- rapport-ignore: self-focus, urgency -->\n" /* 7 */
                    "\n"
                    "- [ ] vague task rapport-ignore\n"                              /* 9 */
                    "- [ ] vague task <!-- rapport-ignore:overdue -->\n"            /* 10 */
                    "- [ ] vague task <!-- rapport-ignore: bogus -->\n";           /* 11 */
    run_t r = R("note.md", t);
    ASSERT_EQ(count(&r, RULE_URGENCY), 0);
    ASSERT_EQ(count(&r, RULE_SELF_FOCUS), 1);
    ASSERT_EQ(first(&r, RULE_SELF_FOCUS)->line, 5);
    ASSERT_EQ(count(&r, RULE_VAGUE_TASK), 2);
    ASSERT_EQ(r.res.len, 3);
    R_free(&r);

    /* the frontmatter list silences the note; "all" every rule */
    r = R("note.md", "---\nrapport-ignore: [urgency, vague-task]\n---\nOur quota. We, our, I, my.\n"
                     "- [ ] x\n");
    ASSERT_EQ(count(&r, RULE_URGENCY), 0);
    ASSERT_EQ(count(&r, RULE_VAGUE_TASK), 0);
    ASSERT_EQ(count(&r, RULE_SELF_FOCUS), 1);
    R_free(&r);
    r = R("note.md", "---\nrapport-ignore: all\n---\nOur quota. We, our, I, my.\n- [ ] x\n");
    ASSERT_EQ(r.res.len, 0);
    R_free(&r);
}

static void test_disabled_and_severity(void)
{
    const char *js = "{\"rules\": {\"vague-task\": {\"enabled\": false},"
                     " \"urgency\": {\"severity\": \"error\"}}}";
    config_report rep;
    config *c = config_load_string(js, strlen(js), "config.json", NULL, &rep);
    ASSERT_EQ(rep.n_warnings, 0);
    run_t r = R_facts("note.md", "Our quota.\n- [ ] x\n", c, NULL);
    ASSERT_EQ(count(&r, RULE_VAGUE_TASK), 0);
    ASSERT_EQ(count(&r, RULE_URGENCY), 1);
    ASSERT_EQ(first(&r, RULE_URGENCY)->severity, RULES_ERROR);
    R_free(&r);
    config_free(c);
    config_report_free(&rep);
}

static void test_sorted_and_counts(void)
{
    const char *t = "---\ntype: client\n---\n# X\n\n- [ ] b\nOur quota. Our quota.\n\n"
                    "## Priorities\n\n- a (short)\n- b (short)\n- c (short)\n- d (short)\n";
    rules_facts f = {1, 30, NULL, 0, -1};
    run_t r = R_facts("clients/x.md", t, NULL, &f);
    for (size_t i = 1; i < r.res.len; i++) {
        const rules_hint *a = &r.res.items[i - 1], *b = &r.res.items[i];
        ASSERT(a->line < b->line || (a->line == b->line && a->col <= b->col));
    }
    int total = 0;
    for (int k = 0; k < RULES_COUNT; k++) total += r.res.counts[k];
    ASSERT_EQ(total, (int)r.res.len);
    ASSERT_EQ(count(&r, RULE_URGENCY), 2);
    ASSERT_EQ(count(&r, RULE_GONE_DARK), 1);
    ASSERT_EQ(count(&r, RULE_OVER_CAP), 1);
    ASSERT_EQ(count(&r, RULE_SHORT_TERM_ONLY), 1);
    ASSERT_EQ(count(&r, RULE_SINGLE_THREADED), 1);
    ASSERT_EQ(count(&r, RULE_NO_NEEDS), 1);
    ASSERT_EQ(r.res.items[0].line, 4); /* gone-dark, no-needs, single-threaded at line 1 */
    R_free(&r);
}

static void test_rule_table(void)
{
    ASSERT_EQ(rules_find("self-focus"), RULE_SELF_FOCUS);
    ASSERT_EQ(rules_find("short-term-only"), RULE_SHORT_TERM_ONLY);
    ASSERT_EQ(rules_find("nope"), -1);
    ASSERT_EQ(rules_table[RULE_GONE_DARK].weight, 25);
    ASSERT_EQ(rules_table[RULE_URGENCY].severity, RULES_WARN);
    ASSERT_STR_EQ(rules_severity_name(RULES_HINT), "hint");
    ASSERT_EQ(rules_severity_parse("info"), RULES_INFO);
    int sum = 0;
    for (int i = 0; i < RULES_COUNT; i++) sum += rules_table[i].weight;
    ASSERT_EQ(sum, 5 + 10 + 10 + 15 + 5 + 15 + 10 + 10 + 25 + 5);
}

static void test_edge_inputs(void)
{
    const char *ins[] = {"", "\n", "---\n---\n", "---\ntype: client\n---", "\"", "\xE2\x80\x9C",
                         "```", "<!--", "- [ ]", "@", "#", "a'", "\r\n\r\n", "> \"x",
                         "we we we\r\nour\r\n", "1. [ ] x\n   ```\n   our quota\n"};
    for (size_t i = 0; i < ARRAY_LEN(ins); i++) {
        rules_facts f = {0, 100, NULL, 0, -1};
        run_t r = R_facts(i % 2 ? "clients/x.md" : "meetings/2026-01-01-x.md", ins[i], NULL, &f);
        for (size_t j = 0; j < r.res.len; j++) {
            ASSERT(r.res.items[j].line >= 1);
            ASSERT(r.res.items[j].end_line >= r.res.items[j].line);
        }
        R_free(&r);
    }
}

/* ------------------------------------------------------------ the demo */

typedef struct {
    char *path;     /* vault-relative */
    char *text;
    size_t len;
    parse_note n;
} demo_note;

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    buf_t b = {0};
    char tmp[8192];
    size_t k;
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0) buf_add(&b, tmp, k);
    fclose(f);
    *len = b.len;
    buf_cstr(&b);
    return b.data;
}

/* Stakeholders per SPEC §1.4: the client note's Stakeholders items
 * (mentions, else the text up to " - " or ","), its notes' people and
 * @mentions, minus team. */
static int stakeholders(const demo_note *d, size_t n, const char *client, const config *cfg)
{
    VEC(char *) seen = {0};
#define ADD(s)                                                                  \
    do {                                                                        \
        char *_s = (s);                                                         \
        int _dup = config_in_team(cfg, _s);                                      \
        for (size_t _k = 0; _k < seen.len && !_dup; _k++)                        \
            if (!ascii_casecmp(seen.items[_k], _s)) _dup = 1;                    \
        if (_dup) free(_s);                                                     \
        else VEC_PUSH(&seen, _s);                                                \
    } while (0)
    for (size_t i = 0; i < n; i++) {
        const parse_note *p = &d[i].n;
        if (!p->client || strcmp(p->client, client)) continue;
        if (p->type == PARSE_CLIENT) {
            const parse_section *s = parse_find_section(p, SEC_STAKEHOLDERS);
            for (size_t j = 0; s && j < s->n_items; j++) {
                const parse_item *it = &p->items[s->first_item + j];
                int any = 0;
                for (size_t m = 0; m < p->n_mentions; m++)
                    if (p->mentions[m].line >= it->line && p->mentions[m].line <= it->end_line &&
                        !p->mentions[m].fm) {
                        ADD(xstrdup(p->mentions[m].name));
                        any = 1;
                    }
                if (!any) {
                    size_t k = strcspn(it->text, ",");
                    const char *dash = strstr(it->text, " - ");
                    if (dash && (size_t)(dash - it->text) < k) k = (size_t)(dash - it->text);
                    ADD(ascii_lower_dup(it->text, k));
                }
            }
        }
        for (size_t m = 0; m < p->n_mentions; m++) ADD(xstrdup(p->mentions[m].name));
    }
#undef ADD
    int k = (int)seen.len;
    for (size_t i = 0; i < seen.len; i++) free(seen.items[i]);
    VEC_FREE(&seen);
    return k;
}

static void test_demo_vault(void)
{
    static const char *const dirs[] = {"demo/clients", "demo/meetings", "demo/notes"};
    VEC(demo_note) notes = {0};
    for (size_t i = 0; i < ARRAY_LEN(dirs); i++) {
        DIR *dh = opendir(dirs[i]);
        if (!dh) {
            printf("  (demo vault not found: run from the project root; skipped)\n");
            return;
        }
        struct dirent *de;
        VEC(char *) names = {0};
        while ((de = readdir(dh)))
            if (strlen(de->d_name) > 3 && !strcmp(de->d_name + strlen(de->d_name) - 3, ".md"))
                VEC_PUSH(&names, xstrdup(de->d_name));
        closedir(dh);
        for (size_t a = 0; a < names.len; a++) /* sorted, for stable output */
            for (size_t b = a + 1; b < names.len; b++)
                if (strcmp(names.items[a], names.items[b]) > 0) {
                    char *x = names.items[a];
                    names.items[a] = names.items[b];
                    names.items[b] = x;
                }
        for (size_t a = 0; a < names.len; a++) {
            demo_note d;
            char *full = xasprintf("%s/%s", dirs[i], names.items[a]);
            d.path = xstrdup(full + 5);
            d.text = slurp(full, &d.len);
            free(full);
            free(names.items[a]);
            if (!d.text) continue;
            parse_note_text(d.path, d.text, d.len, &d.n);
            VEC_PUSH(&notes, d);
        }
        VEC_FREE(&names);
    }
    config_report rep;
    config *cfg = config_load("demo/.rapport/config.json", NULL, &rep);
    ASSERT_NULL(rep.error);
    ASSERT_EQ(rep.n_warnings, 0);
    config_report_free(&rep);

    long today = date_to_days(TODAY);
    int total = 0;
    int per_rule[RULES_COUNT] = {0};
    VEC(char *) got = {0};
    for (size_t i = 0; i < notes.len; i++) {
        demo_note *d = &notes.items[i];
        rules_facts f = {-1, -1, NULL, 0, -1};
        char *words[16];
        size_t nw = 0;
        if (d->n.client) {
            f.stakeholders = stakeholders(notes.items, notes.len, d->n.client, cfg);
            long last = -1;
            for (size_t j = 0; j < notes.len; j++) {
                const parse_note *m = &notes.items[j].n;
                if (m->type == PARSE_MEETING && m->client && !strcmp(m->client, d->n.client) &&
                    m->date && date_to_days(m->date) <= today && date_to_days(m->date) > last)
                    last = date_to_days(m->date);
                if (m->type == PARSE_CLIENT && m->client && !strcmp(m->client, d->n.client)) {
                    f.client_cap = m->priority_cap;
                    char *title = xstrdup(m->title);
                    for (char *tk = strtok(title, " "); tk && nw < 16; tk = strtok(NULL, " "))
                        words[nw++] = xstrdup(tk);
                    free(title);
                }
            }
            f.days_since = last >= 0 ? today - last : -1;
            f.client_words = (const char *const *)words;
            f.n_client_words = nw;
        }
        rules_result res;
        rules_run(d->text, d->len, &d->n, cfg, d->n.client ? &f : NULL, today, &res);
        check_cached(CACHE, d->path, d->text, d->len, &d->n, cfg, d->n.client ? &f : NULL, today,
                     &res);
        for (size_t k = 0; k < res.len; k++) {
            const rules_hint *h = &res.items[k];
            printf("    %s:%d:%d %s: %s\n", d->path, h->line, h->col, rules_table[h->rule].id,
                   h->message);
            VEC_PUSH(&got, xasprintf("%s:%d:%s", d->path, h->line, rules_table[h->rule].id));
            per_rule[h->rule]++;
            total++;
        }
        rules_result_free(&res);
        for (size_t k = 0; k < nw; k++) free(words[k]);
    }
    printf("  demo: %d hints over %zu notes;", total, notes.len);
    for (int k = 0; k < RULES_COUNT; k++)
        if (per_rule[k]) printf(" %s %d", rules_table[k].id, per_rule[k]);
    printf("\n");

    /* what a careful reader expects (checked by hand against each note) */
    static const char *const expected[] = {
        "clients/borealis-health.md:8:gone-dark",
        "clients/cobalt-retail.md:33:over-cap",
        "clients/dunmore-energy.md:33:short-term-only",
        "clients/ember-foods.md:12:no-needs",
        "meetings/2026-09-15-borealis-health.md:33:overdue",
        "meetings/2026-09-22-cobalt-retail.md:22:self-focus",
        "meetings/2026-09-22-cobalt-retail.md:33:vague-task",
        "meetings/2026-10-06-acme-logistics.md:31:vague-task",
        "meetings/2026-10-12-borealis-health.md:19:self-focus",
        "meetings/2026-10-12-borealis-health.md:19:urgency",
        "meetings/2026-10-12-borealis-health.md:21:urgency",
        "meetings/2026-10-12-borealis-health.md:28:overdue",
        "meetings/2026-10-12-borealis-health.md:29:overdue",
        "meetings/2026-10-20-cobalt-retail.md:18:self-focus",
        "meetings/2026-10-20-cobalt-retail.md:18:urgency",
        "meetings/2026-10-20-cobalt-retail.md:28:overdue",
        "meetings/2026-10-20-cobalt-retail.md:30:vague-task",
        "meetings/2026-10-27-dunmore-energy.md:38:overdue",
        "meetings/2026-11-03-acme-logistics.md:29:overdue",
        "meetings/2026-11-10-ember-foods.md:7:no-next-step",
    };
    int missing = 0;
    for (size_t i = 0; i < ARRAY_LEN(expected); i++) {
        int found = 0;
        for (size_t j = 0; j < got.len && !found; j++)
            if (got.items[j] && !strcmp(got.items[j], expected[i])) {
                free(got.items[j]);
                got.items[j] = NULL;
                found = 1;
            }
        if (!found) {
            fprintf(stderr, "  demo: missing %s\n", expected[i]);
            missing++;
        }
    }
    int unexpected = 0;
    for (size_t j = 0; j < got.len; j++)
        if (got.items[j]) {
            fprintf(stderr, "  demo: unexpected %s\n", got.items[j]);
            free(got.items[j]);
            unexpected++;
        }
    printf("  demo: %zu expected hints, %d missing, %d unexpected (false-positive rate %.0f%%)\n",
           ARRAY_LEN(expected), missing, unexpected, total ? 100.0 * unexpected / total : 0.0);
    VEC_FREE(&got);
    for (size_t i = 0; i < notes.len; i++) {
        parse_note_free(&notes.items[i].n);
        free(notes.items[i].path);
        free(notes.items[i].text);
    }
    VEC_FREE(&notes);
    config_free(cfg);
    ASSERT_EQ(missing, 0);
    ASSERT_EQ(unexpected, 0);
}

/* --------------------------------------------------------------- timing */

static void test_timing_1000_lines(void)
{
    static const char *const para[] = {
        "## Notes %d\n",
        "\n",
        "- @raj walked us through the morning re-plan; their dispatchers spend ~50 minutes.\n",
        "- We agreed to map both schemas together with their IT team before any dates.\n",
        "  Hamburg runs the old WMS, so the integration has to handle both versions.\n",
        "\n",
        "It's the end of the quarter for us and we are behind on our quota, so we\n",
        "pushed for a signature on the whole bundle before the quarter ends.\n",
        "\n",
        "> \"Show me what gets click-and-collect live by March.\" - @nadia\n",
        "\n",
        "See https://wiki.example/ops/rotterdam#cutover and `make our numbers`.\n",
        "\n",
        "```\nour quota\n```\n",
        "- [ ] @sam send the revised SOW with billing first due:2026-11-13\n",
        "- [ ] look into pricing options for the loyalty module\n",
        "\n",
    };
    buf_t b = {0};
    buf_adds(&b, "---\ntype: meeting\nclient: acme\ndate: 2026-11-20\n---\n# Big note\n\n");
    int lines = 7, k = 0;
    while (lines < 1000) {
        for (size_t i = 0; i < ARRAY_LEN(para) && lines < 1000; i++) {
            if (i == 0) buf_printf(&b, para[0], k++);
            else buf_adds(&b, para[i]);
            for (const char *p = para[i]; *p; p++) lines += *p == '\n';
        }
    }
    buf_cstr(&b);
    parse_note n;
    uint64_t t0 = now_ns();
    parse_note_text("meetings/2026-11-20-acme.md", b.data, b.len, &n);
    uint64_t t1 = now_ns();
    long today = date_to_days(TODAY);
    rules_facts f = {3, 3, acme_words, 2, -1};
    int iters = 200;
    size_t hints = 0;
    uint64_t best = UINT64_MAX, sum = 0;
    for (int i = 0; i < iters; i++) {
        rules_result res;
        uint64_t a = now_ns();
        rules_run(b.data, b.len, &n, CFG, &f, today, &res);
        uint64_t z = now_ns() - a;
        sum += z;
        if (z < best) best = z;
        hints = res.len;
        rules_result_free(&res);
    }
    printf("  timing: 1,000-line note (%zu bytes): parse %.0f us; rules best %.0f us, mean %.0f us "
           "(%zu hints)\n", b.len, (double)(t1 - t0) / 1e3, (double)best / 1e3,
           (double)sum / iters / 1e3, hints);
    ASSERT(hints > 100);
    parse_note_free(&n);
    buf_free(&b);
}

/* Inputs built to make a naive scanner quadratic: one huge sentence full of
 * ASAP and phrases, unmatched backtick runs, unclosed quotes and brackets. */
static void test_pathological_linear(void)
{
    static const char *const unit[] = {
        "we need ASAP our quota and they push them ", "` `` ``` a `` ", "\"x ",
        "](( ", "<!-- ", "@a@b@c #x#y ", "end of the quarter for us and ",
    };
    for (size_t u = 0; u < ARRAY_LEN(unit); u++) {
        buf_t b = {0};
        buf_adds(&b, "# T\n\n");
        while (b.len < 200000) buf_adds(&b, unit[u]);
        buf_adds(&b, "\n");
        buf_cstr(&b);
        parse_note n;
        parse_note_text("meetings/2026-01-01-x.md", b.data, b.len, &n);
        rules_result res;
        uint64_t t0 = now_ns();
        rules_run(b.data, b.len, &n, CFG, NULL, date_to_days(TODAY), &res);
        double ms = (double)(now_ns() - t0) / 1e6;
        check_cached(CACHE, "pathological", b.data, b.len, &n, CFG, NULL, date_to_days(TODAY), &res);
        printf("  pathological %zu (%zu bytes): %.1f ms, %zu hints\n", u, b.len, ms, res.len);
        rules_result_free(&res);
        parse_note_free(&n);
        buf_free(&b);
        ASSERT(ms < 2000);
    }
}


/* --------------------------------------------------------------- cache */

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static size_t rnd(size_t n) { return n ? (size_t)(rng() % n) : 0; }

/* A long note from the demo vault's bodies (plus lines made to fire and to
 * upset the block structure), about `lines` lines. */
static void long_note(buf_t *b, int lines)
{
    static const char *const files[] = {
        "demo/meetings/2026-10-12-borealis-health.md", "demo/meetings/2026-10-20-cobalt-retail.md",
        "demo/meetings/2026-09-22-cobalt-retail.md",   "demo/notes/account-plan-fy27.md",
        "demo/clients/acme-logistics.md",              "demo/meetings/2026-11-03-acme-logistics.md",
    };
    static const char extra[] =
        "We need to hit our numbers, so I want the renewal signed before Friday. Acme agrees.\n"
        "Our quota, our deal, my bonus and our pipeline: we want it ASAP.\n"
        "\n"
        "- We, our team and I think our plan is our best; my view is ours.\n"
        "  It's the end of the quarter for us. rapport-ignore\n"
        "\n";
    buf_adds(b, "---\ntype: meeting\nclient: acme\ndate: 2026-11-20\n---\n# Big\n\n");
    int n = 7;
    while (n < lines) {
        for (size_t i = 0; i < ARRAY_LEN(files) && n < lines; i++) {
            size_t len;
            char *t = slurp(files[i], &len);
            if (!t) return;
            const char *body = t;
            if (!strncmp(t, "---\n", 4)) {
                const char *e = strstr(t + 4, "\n---\n");
                if (e) body = e + 5;
            }
            for (const char *p = body; *p; p++) n += *p == '\n';
            buf_adds(b, body);
            buf_adds(b, "\n");
            buf_adds(b, extra);
            n += 7;
            free(t);
        }
    }
    buf_cstr(b);
}

/* The start of the line holding byte i. */
static size_t bol(const buf_t *b, size_t i)
{
    while (i > 0 && b->data[i - 1] != '\n') i--;
    return i;
}

static void buf_ins(buf_t *b, size_t at, const char *s, size_t n)
{
    buf_reserve(b, n + 1);
    memmove(b->data + at + n, b->data + at, b->len - at);
    memcpy(b->data + at, s, n);
    b->len += n;
    b->data[b->len] = 0;
}

static void buf_del(buf_t *b, size_t at, size_t n)
{
    memmove(b->data + at, b->data + at + n, b->len - at - n);
    b->len -= n;
    b->data[b->len] = 0;
}

/* One random edit, keeping the text valid UTF-8. */
static void random_edit(buf_t *b)
{
    static const char *const chars[] = {
        "a", "e", " ", " ", "\n", ".", ",", "\"", "`", "#", "-", ">", "@", "we", "our", "\t",
        "\xE2\x80\x9C", "\xE2\x80\x9D", "\xE2\x80\x99", "\xC2\xAB", "\xC2\xBB", "<!--", "-->",
        "*", "1.", "[", "]", "(", ")", "Acme", "them", "ASAP", "quota", "    ",
    };
    static const char *const lines[] = {
        "\n", "\n", "# Heading\n", "===\n", "---\n", "```\n", "~~~~\n", "> quoted our quota\n",
        "- [ ] @sam send it due:2026-11-01\n", "- [ ] look into it\n", "  - nested our quota\n",
        "We want our deal and I want my bonus, our team, our numbers.\n",
        "It's the end of the quarter for us and we are behind on our quota.\n",
        "They need it ASAP for their board.\n", "We need them to sign ASAP.\n",
        "<!-- a comment\n", "still comment -->\n", "<!-- rapport-ignore: urgency -->\n",
        "Our quota. rapport-ignore\n", "    indented code our quota\n", "1. first we our\n",
        "2. second our quota\n", "## Priorities\n", "## Needs\n",
        "\"We want our quota,\" said @nadia.\n", "Acme and Logistics want our help.\n",
    };
    if (!b->len) {
        buf_adds(b, lines[rnd(ARRAY_LEN(lines))]);
        return;
    }
    size_t at = rnd(b->len + 1);
    while (at < b->len && ((unsigned char)b->data[at] & 0xC0) == 0x80) at--; /* char start */
    switch (rnd(9)) {
    case 0:
    case 1: { /* insert a char or a short string */
        const char *s = chars[rnd(ARRAY_LEN(chars))];
        buf_ins(b, at, s, strlen(s));
        break;
    }
    case 2:
    case 3: { /* delete a character */
        if (at >= b->len) break;
        size_t n = 1;
        while (at + n < b->len && ((unsigned char)b->data[at + n] & 0xC0) == 0x80) n++;
        buf_del(b, at, n);
        break;
    }
    case 4: { /* insert a line */
        const char *s = lines[rnd(ARRAY_LEN(lines))];
        buf_ins(b, bol(b, at), s, strlen(s));
        break;
    }
    case 5: { /* delete a line */
        size_t l = bol(b, at), e = l;
        while (e < b->len && b->data[e] != '\n') e++;
        if (e < b->len) e++;
        buf_del(b, l, e - l);
        break;
    }
    case 6: /* split a paragraph */
        buf_ins(b, bol(b, at), "\n", 1);
        break;
    case 7: { /* join: drop the next blank line */
        const char *q = strstr(b->data + at, "\n\n");
        if (q) buf_del(b, (size_t)(q - b->data) + 1, 1);
        break;
    }
    default: { /* move a paragraph (to the next blank line) elsewhere */
        size_t l = bol(b, at);
        const char *q = strstr(b->data + l, "\n\n");
        size_t e = q ? (size_t)(q - b->data) + 2 : b->len;
        if (e - l > 4000) break;
        char *cut = xmalloc(e - l + 1);
        memcpy(cut, b->data + l, e - l);
        size_t n = e - l;
        buf_del(b, l, n);
        buf_ins(b, bol(b, rnd(b->len + 1)), cut, n);
        free(cut);
        break;
    }
    }
}

/* Random edits of a note, judged after each one by rules_run and, with one
 * cache, by rules_run_cached: the same result every time; settings and the
 * client's words change now and then. */
static void edits_vs_cached(const char *path, buf_t *b, int edits, size_t *hits, size_t *units)
{
    const char *c2 = "{\"team\": [\"sam\"], \"rules\": {\"urgency\": {\"phrases_extra\": [\"our bonus\"]},"
                     " \"self-focus\": {\"min_first_person\": 2, \"severity\": \"warn\"}}}";
    const char *c3 = "{\"team\": [\"sam\", \"alex\"], \"rules\": {\"urgency\": {\"enabled\": false}}}";
    const char *c4 = "{\"rules\": {\"self-focus\": {\"enabled\": false}, \"urgency\": {\"asap\": false}}}";
    config *cfgs[4] = {CFG, config_load_string(c2, strlen(c2), "c2", NULL, NULL),
                       config_load_string(c3, strlen(c3), "c3", NULL, NULL),
                       config_load_string(c4, strlen(c4), "c4", NULL, NULL)};
    static const char *const w1[] = {"Acme", "Logistics"};
    static const char *const w2[] = {"Nadia", "Borealis"};
    rules_facts facts[3] = {{3, 3, w1, 2, -1}, {1, 30, w2, 2, 2}, {0, -1, NULL, 0, -1}};
    rules_cache *rc = rules_cache_new();
    long today = date_to_days(TODAY);
    int ci = 0, fi = 0;
    for (int k = 0; k <= edits; k++) {
        if (k) random_edit(b);
        if (rnd(25) == 0) ci = (int)rnd(4);
        if (rnd(25) == 0) fi = (int)rnd(4); /* 3: no facts */
        const rules_facts *f = fi < 3 ? &facts[fi] : NULL;
        parse_note n;
        parse_note_text(path, b->data, b->len, &n);
        rules_result want, got;
        rules_run(b->data, b->len, &n, cfgs[ci], f, today, &want);
        rules_run_cached(rc, b->data, b->len, &n, cfgs[ci], f, today, &got);
        rules_cache_stats st;
        rules_cache_get_stats(rc, &st);
        *hits += st.hits;
        *units += st.units;
        cache_checks++;
        char label[64];
        snprintf(label, sizeof label, "%s edit %d", path, k);
        if (res_diff(label, &want, &got)) {
            cache_mismatches++;
            FILE *o = fopen("/tmp/rules_cache_mismatch.md", "wb");
            if (o) {
                fwrite(b->data, 1, b->len, o);
                fclose(o);
            }
        }
        rules_result_free(&want);
        rules_result_free(&got);
        parse_note_free(&n);
    }
    rules_cache_free(rc);
    for (int i = 1; i < 4; i++) config_free(cfgs[i]);
}

static void test_cached_random_edits(void)
{
    size_t hits = 0, units = 0;
    int before = cache_mismatches;
    buf_t b = {0};
    long_note(&b, 1200);
    if (!b.len) {
        printf("  (demo vault not found: skipped)\n");
        return;
    }
    edits_vs_cached("meetings/2026-11-20-acme.md", &b, 300, &hits, &units);
    buf_free(&b);
    for (int round = 0; round < 30; round++) { /* short notes: the edges, densely */
        buf_t s = {0};
        buf_adds(&s, round % 3 ? "# T\n\nWe want our quota.\n\n- [ ] x\n\nThey need it ASAP.\n"
                               : "---\nclient: acme\nrapport-ignore: [self-focus]\n---\nOur quota.\n");
        edits_vs_cached(round % 2 ? "clients/acme.md" : "meetings/2026-11-20-acme.md", &s, 120,
                        &hits, &units);
        buf_free(&s);
    }
    printf("  cache: random edits: %zu of %zu units replayed (%.0f%%)\n", hits, units,
           units ? 100.0 * (double)hits / (double)units : 0.0);
    ASSERT_EQ(cache_mismatches, before);
    ASSERT(hits > units / 2);
}

/* Changes that leave a unit's bytes alone but not its hints, one cache. */
static void test_cached_scenarios(void)
{
    static const char sf[] = "We want our deal and I want my bonus, our team, Acme.\n";
    const char *c2 = "{\"rules\": {\"self-focus\": {\"min_first_person\": 9, \"severity\": \"warn\"}}}";
    config *cfg2 = config_load_string(c2, strlen(c2), "c2", NULL, NULL);
    const char *c3 = "{\"team\": [\"sam\", \"alex\"], \"rules\": {\"self-focus\": {\"enabled\": false}}}";
    config *cfg3 = config_load_string(c3, strlen(c3), "c3", NULL, NULL);
    static const char *const w[] = {"Acme"};
    rules_facts fa = {3, 3, w, 1, -1};
    struct {
        const char *path, *pre, *post;
        const config *cfg;
        const rules_facts *f;
    } steps[] = {
        {"note.md", "# T\n\n", "", NULL, NULL},
        {"note.md", "# T\n\n", "===\n", NULL, NULL},            /* setext: now a heading */
        {"note.md", "# T\n\n", "\n", NULL, NULL},
        {"note.md", "# T\n\n", "\n", NULL, &fa},                /* client words */
        {"note.md", "# T\n\n", "\n", cfg2, &fa},                /* settings */
        {"note.md", "# T\n\n", "\n", cfg3, NULL},               /* self-focus off */
        {"note.md", "# T\n\n", "\n", NULL, NULL},
        {"note.md", "---\nrapport-ignore: [self-focus]\n---\n", "Yes.\n", NULL, NULL},
        {"note.md", "---\ntype: note\n---\n", "Yes.\n", NULL, NULL},  /* not silenced now */
        {"note.md", "---\nclient: acme\n---\n", "", NULL, NULL}, /* client from frontmatter */
        {"note.md", "\xEF\xBB\xBF", "", NULL, NULL},             /* BOM: the unit starts at col 3 */
        {"note.md", "", "", NULL, NULL},
        {"note.md", "- ", "", NULL, NULL},                       /* a list item's text */
        {"note.md", "# T\n\n", "rapport-ignore\n", NULL, NULL},
        {"note.md", "<!-- x -->\n", "", NULL, NULL},
        {"note.md", "<!--\n", "-->\n", NULL, NULL},
        {"clients/acme.md", "---\ntype: client\n---\n# Acme\n\n## Needs\n\n", "", NULL, NULL},
        {"note.md", "", "", NULL, NULL},
    };
    rules_cache *rc = rules_cache_new();
    long today = date_to_days(TODAY);
    int before = cache_mismatches;
    for (size_t i = 0; i < ARRAY_LEN(steps); i++) {
        char *t = xasprintf("%s%s%s", steps[i].pre, sf, steps[i].post);
        const config *cfg = steps[i].cfg ? steps[i].cfg : CFG;
        parse_note n;
        parse_note_text(steps[i].path, t, strlen(t), &n);
        rules_result want;
        rules_run(t, strlen(t), &n, cfg, steps[i].f, today, &want);
        char label[32];
        snprintf(label, sizeof label, "scenario %zu", i);
        check_cached(rc, label, t, strlen(t), &n, cfg, steps[i].f, today, &want);
        rules_result_free(&want);
        parse_note_free(&n);
        free(t);
    }
    rules_cache_free(rc);
    config_free(cfg2);
    config_free(cfg3);
    ASSERT_EQ(cache_mismatches, before);
}

/* Every rules_run of the tests above agreed with rules_run_cached. */
static void test_cached_matches_everywhere(void)
{
    printf("  cache: %d cached runs checked against rules_run\n", cache_checks);
    ASSERT(cache_checks > 200);
    ASSERT_EQ(cache_mismatches, 0);
}

/* A 5,000-line note, one character typed, then the hints again: rules_run
 * against rules_run_cached (SPEC §6: keystroke -> diagnostics), and the parse
 * that runs before them. */
static void test_timing_cached_5000(void)
{
    buf_t b = {0};
    long_note(&b, 5000);
    if (!b.len) {
        printf("  (demo vault not found: skipped)\n");
        return;
    }
    const char *const w[] = {"Acme", "Logistics"};
    rules_facts f = {3, 3, w, 2, -1};
    long today = date_to_days(TODAY);
    rules_cache *rc = rules_cache_new();
    parse_note n;
    parse_note_text("meetings/2026-11-20-acme.md", b.data, b.len, &n);
    rules_result r0;
    rules_run_cached(rc, b.data, b.len, &n, CFG, &f, today, &r0); /* warm */
    rules_result_free(&r0);
    parse_note_free(&n);
    int iters = 40, lines = 0;
    for (size_t i = 0; i < b.len; i++) lines += b.data[i] == '\n';
    uint64_t best_p = UINT64_MAX, best_r = UINT64_MAX, best_c = UINT64_MAX, sum_c = 0;
    size_t hints = 0;
    int mism = 0;
    for (int i = 0; i < iters; i++) {
        /* type a character into a prose line */
        size_t at = rnd(b.len);
        while (at < b.len && b.data[at] != '\n') at++;
        buf_ins(&b, at, i % 2 ? "s" : " ", 1);
        uint64_t t0 = now_ns();
        parse_note_text("meetings/2026-11-20-acme.md", b.data, b.len, &n);
        uint64_t t1 = now_ns();
        rules_result want, got;
        rules_run(b.data, b.len, &n, CFG, &f, today, &want);
        uint64_t t2 = now_ns();
        rules_run_cached(rc, b.data, b.len, &n, CFG, &f, today, &got);
        uint64_t t3 = now_ns();
        if (t1 - t0 < best_p) best_p = t1 - t0;
        if (t2 - t1 < best_r) best_r = t2 - t1;
        if (t3 - t2 < best_c) best_c = t3 - t2;
        sum_c += t3 - t2;
        hints = got.len;
        if (res_diff("5000 lines", &want, &got)) mism++;
        rules_result_free(&want);
        rules_result_free(&got);
        parse_note_free(&n);
    }
    rules_cache_stats st;
    rules_cache_get_stats(rc, &st);
    printf("  timing: %d-line note (%zu bytes, %zu units, %zu hints), one character typed: "
           "parse %.0f us; rules_run %.0f us; rules_run_cached best %.0f us, mean %.0f us "
           "(%zu of %zu units replayed)\n",
           lines, b.len, st.units, hints, (double)best_p / 1e3, (double)best_r / 1e3,
           (double)best_c / 1e3, (double)sum_c / iters / 1e3, st.hits, st.units);
    rules_cache_free(rc);
    buf_free(&b);
    ASSERT_EQ(mism, 0);
    ASSERT(st.hits + 2 >= st.units);
    ASSERT(best_c < best_r);
}

int main(void)
{
    const char *team = "{\"team\": [\"sam\", \"alex\"]}";
    CFG = config_load_string(team, strlen(team), "config.json", NULL, NULL);
    CACHE = rules_cache_new();
    RUN(test_table_urgency);
    RUN(test_table_self_focus);
    RUN(test_table_vague_task);
    RUN(test_urgency_anchor_spans_lines);
    RUN(test_urgency_no_match_across_gaps);
    RUN(test_urgency_hyphen_and_case);
    RUN(test_self_focus_anchor);
    RUN(test_self_focus_settings);
    RUN(test_urgency_phrases_extra);
    RUN(test_over_cap);
    RUN(test_short_term_only);
    RUN(test_no_needs);
    RUN(test_tasks);
    RUN(test_team_owner_is_ours);
    RUN(test_no_next_step);
    RUN(test_single_threaded);
    RUN(test_gone_dark);
    RUN(test_rapport_ignore);
    RUN(test_disabled_and_severity);
    RUN(test_sorted_and_counts);
    RUN(test_rule_table);
    RUN(test_edge_inputs);
    RUN(test_demo_vault);
    RUN(test_timing_1000_lines);
    RUN(test_pathological_linear);
    RUN(test_cached_random_edits);
    RUN(test_cached_scenarios);
    RUN(test_timing_cached_5000);
    RUN(test_cached_matches_everywhere);
    rules_cache_free(CACHE);
    config_free(CFG);
    TEST_END();
}
