/* config.h -- settings: built-in defaults, then .rapport/config.json, then setup().
 *
 * The three layers use the same keys (SPEC §3):
 *
 *   team              list of our people's handles ("@" optional)
 *   priority_cap      default cap of a Priorities list (>= 1, default 3)
 *   cadence           default days between contacts (>= 1, default 14)
 *   rescan_interval   seconds between the helper's safety rescans (default 60)
 *   rules.<id>        severity ("error"|"warn"|"info"|"hint"), enabled (bool),
 *                     weight (0..100, the health score), and per-rule knobs:
 *     self-focus        min_first_person (3), ratio (2.0), first_person,
 *                       client_words, collaborative (lists)
 *     urgency           phrases (list), asap (bool: judge "ASAP" when we push)
 *     vague-task        owner, due (bool: require an owner / a due date)
 *   health.weights.<id>  an alias of rules.<id>.weight (in one layer, the
 *                     alias is applied after rules.<id>.weight)
 *
 * Merge rules: objects merge key by key; a scalar or a list replaces the value
 * below it; `<list>_extra` (e.g. `phrases_extra`) appends to the list as it
 * stands after that layer's own `<list>` (duplicates dropped). Unknown keys
 * and values of the wrong type or range are ignored with a warning; they
 * never fail the load. A vault file that does not parse (or is not an
 * object) is an error reported as "path:line:col: message"; the defaults
 * (and setup()) still apply.
 *
 * Phrase syntax (urgency.phrases, collaborative): words separated by blanks,
 * matched case-insensitively on word boundaries, across line breaks inside a
 * paragraph; "a|b" at one position matches either word; a hyphen separates
 * words ("quarter-end" matches "quarter end" too).
 *
 * A compiled `config` is immutable: share it read-only across threads.
 */
#ifndef RAPPORT_CONFIG_H
#define RAPPORT_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "rules.h"

typedef struct json_t json_t;

/* A set of lowercase words (open addressing); values are small ints. */
typedef struct {
    char **keys;
    size_t *lens;
    int *vals;
    size_t cap;          /* a power of two, or 0 when empty */
    size_t len;
} config_words;

/* Returns the value stored for the word s[0..n) (compared exactly: callers
 * pass lowercase), or -1. The _h form takes config_words_hash(s, n), for
 * callers that look one word up in several sets. */
int config_words_get(const config_words *w, const char *s, size_t n);
uint64_t config_words_hash(const char *s, size_t n);
int config_words_get_h(const config_words *w, const char *s, size_t n, uint64_t h);

/* How an urgency phrase is judged (see rules.c): OWN names our pressure
 * itself ("our quota"); PUSH is a sales action ("seal the deal"), ours unless
 * the sentence's nearest subject is theirs; TIME is a date that is pressure
 * only when it is ours ("end of quarter ... for us"). */
enum { CONFIG_PHRASE_OWN = 0, CONFIG_PHRASE_PUSH, CONFIG_PHRASE_TIME };

typedef struct {
    char *text;          /* as configured */
    char **words;        /* lowercase; each "alt1|alt2|..." */
    size_t n_words;
    int kind;            /* CONFIG_PHRASE_* */
} config_phrase;

/* A phrase list with an index from each alternative of the first word to
 * the phrases starting with it (phrase ids in `lists[v]` for v = the word's
 * value in `first`). */
typedef struct {
    config_phrase *items;
    size_t len;
    config_words first;
    int **lists;
    size_t *list_lens;
} config_phrases;

typedef struct {
    int enabled;
    int severity;        /* enum rules_severity */
    int weight;
} config_rule;

typedef struct config {
    char **team;         /* lowercase handles without '@' */
    size_t n_team;
    int priority_cap;
    int cadence;
    int rescan_interval;
    config_rule rule[RULES_COUNT];

    /* self-focus */
    int sf_min_first_person;
    double sf_ratio;
    config_words sf_first_person;
    config_words sf_client_words;
    config_phrases sf_collaborative;

    /* urgency */
    config_phrases urgency;
    int urgency_asap;

    /* vague-task */
    int vt_owner, vt_due;

    char *json;          /* the effective settings, canonical (sorted keys, compact) */
    uint64_t hash;       /* FNV-1a 64 of `json` */
} config;

/* What a load reports. `error`: the vault file could not be used. */
typedef struct {
    char *error;
    char **warnings;
    size_t n_warnings;
} config_report;

/* Defaults only. Never NULL. */
config *config_default(void);

/* Defaults, then the vault file at `path` (NULL or a missing file: skipped),
 * then `setup` (a JSON object, or NULL). Never NULL; problems go to `rep`
 * (which may be NULL). */
config *config_load(const char *path, const json_t *setup, config_report *rep);

/* The same with the vault file's text in memory (`name` is used in messages). */
config *config_load_string(const char *text, size_t len, const char *name,
                           const json_t *setup, config_report *rep);

void config_free(config *c);
void config_report_free(config_report *rep);

/* 1 when `handle` (with or without '@', any case) is in team. */
int config_in_team(const config *c, const char *handle);

/* The text `rapport init` writes to .rapport/config.json: every top-level
 * setting and every rule with its severity, enabled, weight and scalar knobs;
 * list knobs appear as empty `<list>_extra` entries so the built-in lists keep
 * improving (set `<list>` itself to replace one). Caller frees. */
char *config_default_text(void);

/* The built-in defaults as one JSON document (pretty, key order kept): the
 * lists in full, for docs and `rapport config`-style output. Caller frees. */
char *config_defaults_json(void);

#endif
