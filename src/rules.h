/* rules.h -- the hint rules of SPEC §3 (pure: note text + parse + settings -> hints).
 *
 * rules_run() judges one note: its text (the same bytes parse_note_text saw),
 * its parse, the compiled settings, optional cross-note facts and today's
 * date. No I/O, no globals (const tables only); safe to call from several
 * threads with one shared config.
 *
 * Positions follow SPEC §2: `line`/`end_line` are 1-based from the file's
 * first line (frontmatter included); `col`/`end_col` are 0-based byte offsets,
 * end exclusive. "Line 1" anchors are the first line after the frontmatter.
 *
 * Not judged by the text rules (self-focus, urgency): frontmatter, fenced and
 * indented code, inline code, HTML comments, URLs and e-mail addresses, `>`
 * blockquotes, "double-quoted", “curly-quoted” and «guillemet» spans, #tags.
 *
 * Silencing: a line containing `rapport-ignore` silences every hint that
 * starts on it; `<!-- rapport-ignore: a, b -->` only rules a and b. The
 * frontmatter list `rapport-ignore: [a, b]` silences those rules for the
 * note ("all" silences every rule). Disabled rules (settings) do not run.
 */
#ifndef RAPPORT_RULES_H
#define RAPPORT_RULES_H

#include <stddef.h>

#include "parse.h"

struct config;

enum rules_id {
    RULE_SELF_FOCUS = 0,
    RULE_URGENCY,
    RULE_OVER_CAP,
    RULE_NO_NEEDS,
    RULE_VAGUE_TASK,
    RULE_OVERDUE,
    RULE_NO_NEXT_STEP,
    RULE_SINGLE_THREADED,
    RULE_GONE_DARK,
    RULE_SHORT_TERM_ONLY,
    RULES_COUNT
};

/* The numbers of vim.diagnostic.severity and LSP. */
enum rules_severity { RULES_ERROR = 1, RULES_WARN = 2, RULES_INFO = 3, RULES_HINT = 4 };

/* The rule table (SPEC §3), shared by config defaults, health and docs. */
typedef struct {
    const char *id;          /* "self-focus", ... */
    int severity;            /* default */
    int weight;              /* default health weight */
    int scope;               /* RULES_SCOPE_* */
    const char *summary;     /* one line, for docs */
} rules_def;

enum { RULES_SCOPE_TEXT = 0, RULES_SCOPE_NOTE, RULES_SCOPE_CLIENT };

extern const rules_def rules_table[RULES_COUNT];

/* Rule id -> enum rules_id, or -1. */
int rules_find(const char *id);
/* "error", "warn", "info", "hint" (NULL for other values). */
const char *rules_severity_name(int severity);
/* The inverse, or -1. */
int rules_severity_parse(const char *name);

/* Cross-note facts, computed by the caller from the index (SPEC §1.4).
 * Without them (NULL), single-threaded and gone-dark do not run. */
typedef struct {
    int stakeholders;             /* distinct stakeholders of the note's client; -1 unknown */
    long days_since;              /* today - last contact; -1 when no contact (never fires) */
    const char *const *client_words; /* words of the client note's title (any case) */
    size_t n_client_words;
    int client_cap;               /* the client note's priority_cap, or -1 */
} rules_facts;

typedef struct {
    int line, col, end_line, end_col;
    int rule;                     /* enum rules_id */
    int severity;                 /* enum rules_severity, after settings */
    char *message;
} rules_hint;

typedef struct {
    rules_hint *items;            /* sorted by line, col (then rule) */
    size_t len, cap;
    int counts[RULES_COUNT];      /* hints per rule after silencing (health signals) */
} rules_result;

/* Judges the note. `text`/`len` are the bytes that produced `note` (valid
 * UTF-8); `today` is days since 1970-01-01 (date_to_days). `facts` may be
 * NULL. Fills `out` (which the caller frees with rules_result_free). */
void rules_run(const char *text, size_t len, const parse_note *note,
               const struct config *cfg, const rules_facts *facts, long today,
               rules_result *out);
void rules_result_free(rules_result *r);

/* A per-document cache for rules_run_cached (SPEC §3: "text rules are
 * paragraph-local, so a helper re-evaluates only changed paragraphs"). One
 * per buffer; not thread-safe (one caller at a time). It keeps the
 * text-rule hints of each unit (paragraph, list item's text, heading) of the
 * latest run, keyed by a hash of the unit's bytes, the settings and the
 * client's names; entries the latest run did not use are dropped, so it holds
 * about one document. */
typedef struct rules_cache rules_cache;
rules_cache *rules_cache_new(void);
void rules_cache_free(rules_cache *c);

/* rules_run, with the text rules judged again only for the units that
 * changed since the previous call with this cache: the result is identical
 * (same hints, order, positions, messages and counts). `c` NULL: rules_run. */
void rules_run_cached(rules_cache *c, const char *text, size_t len, const parse_note *note,
                      const struct config *cfg, const rules_facts *facts, long today,
                      rules_result *out);

/* About the latest run: units judged or replayed, replayed ones (hits); and
 * the entries kept. */
typedef struct {
    size_t units, hits, entries;
} rules_cache_stats;
void rules_cache_get_stats(const rules_cache *c, rules_cache_stats *st);

#endif
