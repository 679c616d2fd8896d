/* report.h -- cross-note views over the index: the facts the client rules
 * need, open commitments (`tasks`), engagement health (`health`) and the
 * call-prep brief (`prep`). Results are the --json values of SPEC §2. */
#ifndef RAPPORT_REPORT_H
#define RAPPORT_REPORT_H

#include <jansson.h>

#include "config.h"
#include "rules.h"
#include "store.h"

/* Facts about one client (SPEC §1.4) as of `today`. */
typedef struct {
    rules_facts rules;        /* stakeholders, days_since (-1: no contact), name words, cap */
    char *client;             /* lowercased id, or NULL */
    char *client_path;        /* its client note, or NULL */
    char *title;              /* the client note's title, or NULL */
    char *last_contact;       /* "YYYY-MM-DD" or NULL */
    int cadence;              /* the client note's cadence, else the configured default */
    int archived;             /* the client note says status: archived */
    char **stakeholders;      /* distinct, sorted, minus team */
    size_t n_stakeholders;
    char **words;             /* storage behind rules.client_words */
    size_t n_words;
} report_facts;

/* Fills `out` for `client` (NULL: an empty set of facts, cross-note rules
 * off). Never fails: what the index cannot tell stays unknown. */
void report_client_facts(store *s, const config *cfg, const char *client, const char *today,
                         report_facts *out);
void report_facts_free(report_facts *f);

/* Options of `tasks`. */
typedef struct {
    const char *client;       /* NULL: every client (and notes of none) */
    int ours, theirs, overdue_only;
} report_task_filter;

/* `tasks`: open commitments, overdue first, then by due date (none last),
 * path, line. Returns 0 or a negative store code (err set). */
int report_tasks(store *s, const config *cfg, const report_task_filter *f, const char *today,
                 json_t **out, char *err, size_t errlen);

/* `health`: one row per active client (or just `client`), worst first.
 * `vault` is the root, for reading notes whose rule counts are not cached. */
int report_health(store *s, const config *cfg, const char *vault, const char *client,
                  const char *today, json_t **out, char *err, size_t errlen);

/* `prep`: the brief as JSON (SPEC §2 shape) and its markdown rendering. */
int report_prep(store *s, const config *cfg, const char *vault, const char *client,
                const char *today, json_t **out, char *err, size_t errlen);
char *report_prep_markdown(const json_t *prep);

#endif
