/* config.c -- settings: defaults, .rapport/config.json, setup(); compiled once.
 *
 * Design invariants:
 *  - The defaults are one JSON document built from const tables; it is also
 *    the schema: a key is known when the defaults have it, and its type is
 *    the default's type. Each layer (vault file, setup()) is checked against
 *    it and merged into a copy; what does not fit is dropped with a warning,
 *    so the effective document is always well-typed and compile() cannot fail.
 *  - The effective document is canonical (sorted keys, compact, reals for
 *    real settings), so its FNV-1a hash is stable across runs and equal
 *    settings written differently hash the same.
 *  - The only I/O is reading the vault file (json_load_file).
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ------------------------------------------------------------ defaults */

static const char *const def_first_person[] = {"we", "our", "ours", "us", "i", "my", "me"};
static const char *const def_client_words[] = {"they", "their", "theirs", "them",
                                               "you",  "your",  "yours"};
static const char *const def_collaborative[] = {
    "together", "jointly", "both", "joint", "with them",
};

/* DOMAIN.md's example phrases and more; see config.h for the syntax and
 * rules.c for how OWN / PUSH / TIME phrases are judged. */
static const char *const def_phrases[] = {
    /* time: pressure only when it is ours */
    "end of quarter",
    "end of the quarter",
    "end of q1|q2|q3|q4",
    "eoq",
    "quarter-end",
    "quarter close",
    "before the quarter ends|closes",
    "quarterly target|targets",
    /* our numbers */
    "make|makes|making|made|hit|hits|hitting|meet|meeting|reach|reaching|miss|missing|missed our|my numbers|number|target|targets|quota",
    "my number",
    "our|my quota|quotas",
    "behind on|against our|my quota|quotas|target|targets|numbers|number",
    "our|my quarterly target|targets|numbers|quota",
    "our|my sales target|targets|numbers",
    "our|my kpis|kpi",
    "our|my non-billable hours|time",
    "our|my billable hours|target|targets",
    "our|my utilization|utilisation",
    "my|our commission",
    "my pipeline",
    "our sales pipeline",
    "deal|deals|opportunity in our|my pipeline",
    "end of our quarter|year",
    "before our quarter ends|closes",
    "quota attainment",
    /* pushing the sale */
    "need|needs|needed to close|sign the|this|that|a deal|sale|contract|renewal|order|extension|bundle|po",
    "close|closing the|this|that deal|sale",
    "seal|sealing|sealed the|this|that deal",
    "get|getting|land|landing the|this|that deal",
    "rush|rushing|rushed the|this|that sale|deal|signature|close",
    "panic mode",
    "pipeline pressure",
    "book|booking|booked it|this|them this quarter",
    "book|booking|booked the revenue this quarter",
    "book|booking the revenue",
    "sell|selling them everything",
    "push|pushed|pushing for a|the signature",
    "push|pushed|pushing them to sign|commit|decide",
    "upsell|upselling them",
};

/* A rule's own knobs beyond severity/enabled/weight. */
static void rule_knobs(json_t *r, int id, int full_lists)
{
    json_t *a;
    switch (id) {
    case RULE_SELF_FOCUS:
        json_object_set_new(r, "min_first_person", json_integer(3));
        json_object_set_new(r, "ratio", json_real(2.0));
        if (!full_lists) {
            json_object_set_new(r, "first_person_extra", json_array());
            json_object_set_new(r, "client_words_extra", json_array());
            json_object_set_new(r, "collaborative_extra", json_array());
            break;
        }
        a = json_array();
        for (size_t i = 0; i < ARRAY_LEN(def_first_person); i++)
            json_array_append_new(a, json_string(def_first_person[i]));
        json_object_set_new(r, "first_person", a);
        a = json_array();
        for (size_t i = 0; i < ARRAY_LEN(def_client_words); i++)
            json_array_append_new(a, json_string(def_client_words[i]));
        json_object_set_new(r, "client_words", a);
        a = json_array();
        for (size_t i = 0; i < ARRAY_LEN(def_collaborative); i++)
            json_array_append_new(a, json_string(def_collaborative[i]));
        json_object_set_new(r, "collaborative", a);
        break;
    case RULE_URGENCY:
        json_object_set_new(r, "asap", json_true());
        if (!full_lists) {
            json_object_set_new(r, "phrases_extra", json_array());
            break;
        }
        a = json_array();
        for (size_t i = 0; i < ARRAY_LEN(def_phrases); i++)
            json_array_append_new(a, json_string(def_phrases[i]));
        json_object_set_new(r, "phrases", a);
        break;
    case RULE_VAGUE_TASK:
        json_object_set_new(r, "owner", json_true());
        json_object_set_new(r, "due", json_true());
        break;
    default: break;
    }
}

/* The defaults (full_lists) or the `rapport init` view of them. */
static json_t *defaults_doc(int full_lists)
{
    json_t *d = json_object();
    json_object_set_new(d, "team", json_array());
    json_object_set_new(d, "priority_cap", json_integer(3));
    json_object_set_new(d, "cadence", json_integer(14));
    json_object_set_new(d, "rescan_interval", json_integer(60));
    json_t *rules = json_object();
    for (int i = 0; i < RULES_COUNT; i++) {
        json_t *r = json_object();
        json_object_set_new(r, "severity", json_string(rules_severity_name(rules_table[i].severity)));
        json_object_set_new(r, "enabled", json_true());
        json_object_set_new(r, "weight", json_integer(rules_table[i].weight));
        rule_knobs(r, i, full_lists);
        json_object_set_new(rules, rules_table[i].id, r);
    }
    json_object_set_new(d, "rules", rules);
    return d;
}

/* ------------------------------------------------------------- reports */

static void warn(config_report *rep, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(config_report *rep, const char *fmt, ...)
{
    if (!rep) return;
    va_list ap;
    va_start(ap, fmt);
    char *s = xvasprintf(fmt, ap);
    va_end(ap);
    rep->warnings = xrealloc(rep->warnings, (rep->n_warnings + 1) * sizeof *rep->warnings);
    rep->warnings[rep->n_warnings++] = s;
}

void config_report_free(config_report *rep)
{
    if (!rep) return;
    free(rep->error);
    for (size_t i = 0; i < rep->n_warnings; i++) free(rep->warnings[i]);
    free(rep->warnings);
    memset(rep, 0, sizeof *rep);
}

/* --------------------------------------------------------------- merge */

static const char *type_name(const json_t *v)
{
    /* every caller passes a non-NULL value (foreach items, checked roots) */
    /* cppcheck-suppress [nullPointerRedundantCheck,ctunullpointer] */
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "a list";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "a whole number";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "true or false";
    default: return "null";
    }
}

/* Smallest allowed value of an integer setting. */
static long long int_min(const char *key)
{
    if (!strcmp(key, "priority_cap") || !strcmp(key, "cadence") ||
        !strcmp(key, "min_first_person") || !strcmp(key, "rescan_interval"))
        return 1;
    return 0;
}

/* Checks `v` against the default `sv` for key `key` (path `kp` for messages).
 * Returns a new reference to the value to store, or NULL (warned). */
static json_t *conform(const char *src, const char *kp, const char *key, const json_t *sv,
                       json_t *v, config_report *rep)
{
    switch (json_typeof(sv)) {
    case JSON_ARRAY: {
        if (!json_is_array(v)) break;
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) {
            if (!json_is_string(e) || !json_string_length(e)) {
                warn(rep, "%s: %s[%zu]: expected a non-empty string, got %s (setting ignored)",
                     src, kp, i + 1, json_is_string(e) ? "an empty string" : type_name(e));
                return NULL;
            }
        }
        return json_incref(v);
    }
    case JSON_INTEGER: {
        long long n;
        if (json_is_integer(v)) {
            n = json_integer_value(v);
        } else if (json_is_real(v) && json_real_value(v) > -1e15 && json_real_value(v) < 1e15 &&
                   (double)(long long)json_real_value(v) == json_real_value(v)) {
            n = (long long)json_real_value(v); /* 21.0 from Lua is 21 */
        } else {
            break;
        }
        long long lo = int_min(key), hi = !strcmp(key, "weight") ? 100 : 1000000;
        if (n < lo || n > hi) {
            warn(rep, "%s: %s: expected a whole number from %lld to %lld, got %lld (setting ignored)",
                 src, kp, lo, hi, n);
            return NULL;
        }
        return json_integer(n);
    }
    case JSON_REAL:
        if (!json_is_number(v)) break;
        if (!(json_number_value(v) > 0) || json_number_value(v) > 1e6) {
            warn(rep, "%s: %s: expected a number above 0, got %g (setting ignored)", src, kp,
                 json_number_value(v));
            return NULL;
        }
        return json_real(json_number_value(v));
    case JSON_TRUE:
    case JSON_FALSE:
        if (!json_is_boolean(v)) break;
        return json_incref(v);
    case JSON_STRING:
        if (!json_is_string(v)) break;
        if (!strcmp(key, "severity") && rules_severity_parse(json_string_value(v)) < 0) {
            warn(rep, "%s: %s: expected \"error\", \"warn\", \"info\" or \"hint\", got \"%s\" "
                      "(setting ignored)", src, kp, json_string_value(v));
            return NULL;
        }
        return json_incref(v);
    default: break;
    }
    warn(rep, "%s: %s: expected %s, got %s (setting ignored)", src, kp, type_name(sv), type_name(v));
    return NULL;
}

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n > m && !strcmp(s + n - m, suf);
}

/* Merges layer object `l` into `e` (the effective object at the same place),
 * with `s` (the defaults there) as the schema. `kp` is the key path so far. */
static void merge(json_t *e, const json_t *s, json_t *l, const char *src, const char *kp,
                  config_report *rep)
{
    for (int pass = 0; pass < 2; pass++) { /* plain keys, then <list>_extra */
        const char *key;
        json_t *v;
        json_object_foreach(l, key, v) {
            int extra = has_suffix(key, "_extra");
            if (extra != pass) continue;
            char *path = kp[0] ? xasprintf("%s.%s", kp, key) : xstrdup(key);
            if (extra) {
                char *base = xstrndup(key, strlen(key) - 6);
                const json_t *sv = json_object_get(s, base);
                if (!json_is_array(sv)) {
                    warn(rep, "%s: unknown setting '%s' (ignored)", src, path);
                } else {
                    json_t *ok = conform(src, path, base, sv, v, rep);
                    if (ok) {
                        json_t *cur = json_object_get(e, base);
                        json_t *out = json_copy(cur);
                        size_t i, j;
                        json_t *x, *y;
                        json_array_foreach(ok, i, x) {
                            int dup = 0;
                            json_array_foreach(out, j, y) if (json_equal(x, y)) dup = 1;
                            if (!dup) json_array_append(out, x);
                        }
                        json_object_set_new(e, base, out);
                        json_decref(ok);
                    }
                }
                free(base);
                free(path);
                continue;
            }
            const json_t *sv = json_object_get(s, key);
            if (!sv) {
                warn(rep, "%s: unknown setting '%s' (ignored)", src, path);
            } else if (json_is_object(sv)) {
                if (!json_is_object(v))
                    warn(rep, "%s: %s: expected an object, got %s (setting ignored)", src, path,
                         type_name(v));
                else
                    merge(json_object_get(e, key), sv, v, src, path, rep);
            } else {
                json_t *ok = conform(src, path, key, sv, v, rep);
                if (ok) json_object_set_new(e, key, ok);
            }
            free(path);
        }
    }
}

/* Applies one layer: `health.weights.<id>` becomes `rules.<id>.weight`, the
 * rest merges into `e`. */
static void apply_layer(json_t *e, const json_t *schema, const json_t *layer, const char *src,
                        config_report *rep)
{
    json_t *l = json_deep_copy(layer);
    json_t *health = json_object_get(l, "health");
    json_t *wraps = json_array();
    if (health) {
        if (!json_is_object(health)) {
            warn(rep, "%s: health: expected an object, got %s (setting ignored)", src,
                 type_name(health));
        } else {
            const char *key;
            json_t *v;
            json_object_foreach(health, key, v) {
                if (strcmp(key, "weights") != 0) {
                    warn(rep, "%s: unknown setting 'health.%s' (ignored)", src, key);
                } else if (!json_is_object(v)) {
                    warn(rep, "%s: health.weights: expected an object, got %s (setting ignored)",
                         src, type_name(v));
                } else {
                    const char *id;
                    json_t *w;
                    json_object_foreach(v, id, w) {
                        if (rules_find(id) < 0) {
                            warn(rep, "%s: unknown setting 'health.weights.%s' (ignored)", src, id);
                            continue;
                        }
                        json_t *wrap = json_pack("{s:{s:{s:O}}}", "rules", id, "weight", w);
                        if (wrap) json_array_append_new(wraps, wrap);
                    }
                }
            }
        }
        json_object_del(l, "health");
    }
    merge(e, schema, l, src, "", rep);
    size_t i;
    json_t *wrap;
    json_array_foreach(wraps, i, wrap) {
        const char *id = json_object_iter_key(json_object_iter(json_object_get(wrap, "rules")));
        char *src2 = xasprintf("%s (health.weights.%s)", src, id);
        merge(e, schema, wrap, src2, "", rep);
        free(src2);
    }
    json_decref(wraps);
    json_decref(l);
}

/* ------------------------------------------------------------ wordsets */

static uint64_t fnv1a(const char *s, size_t n, uint64_t h)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}
#define FNV_BASIS 14695981039346656037ULL

static size_t words_slot(const config_words *w, const char *s, size_t n, uint64_t h)
{
    size_t mask = w->cap - 1, i = (size_t)h & mask;
    /* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): false alarm, words_put's new arrays are fresh */
    while (w->keys[i] && !(w->lens[i] == n && !memcmp(w->keys[i], s, n))) i = (i + 1) & mask;
    return i;
}

uint64_t config_words_hash(const char *s, size_t n)
{
    return fnv1a(s, n, FNV_BASIS);
}

int config_words_get_h(const config_words *w, const char *s, size_t n, uint64_t h)
{
    if (!w->cap) return -1;
    size_t i = words_slot(w, s, n, h);
    return w->keys[i] ? w->vals[i] : -1;
}

int config_words_get(const config_words *w, const char *s, size_t n)
{
    return config_words_get_h(w, s, n, fnv1a(s, n, FNV_BASIS));
}

/* Inserts the word (if absent) with value `val`; returns its value. */
static int words_put(config_words *w, const char *s, size_t n, int val)
{
    if ((w->len + 1) * 2 > w->cap) {
        config_words nw = {0};
        nw.cap = w->cap ? w->cap * 2 : 16;
        nw.keys = xcalloc(nw.cap, sizeof *nw.keys);
        nw.lens = xcalloc(nw.cap, sizeof *nw.lens);
        nw.vals = xcalloc(nw.cap, sizeof *nw.vals);
        for (size_t i = 0; i < w->cap; i++) {
            if (!w->keys[i]) continue;
            size_t j = words_slot(&nw, w->keys[i], w->lens[i], fnv1a(w->keys[i], w->lens[i], FNV_BASIS));
            nw.keys[j] = w->keys[i];
            nw.lens[j] = w->lens[i];
            nw.vals[j] = w->vals[i];
        }
        nw.len = w->len;
        free(w->keys);
        free(w->lens);
        free(w->vals);
        *w = nw;
    }
    size_t i = words_slot(w, s, n, fnv1a(s, n, FNV_BASIS));
    /* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): the arrays freed above were replaced */
    if (w->keys[i]) return w->vals[i];
    w->keys[i] = xstrndup(s, n);
    w->lens[i] = n; /* NOLINT(clang-analyzer-unix.Malloc): as above */
    w->vals[i] = val;
    w->len++;
    return val;
}

static void words_free(config_words *w)
{
    for (size_t i = 0; i < w->cap; i++) free(w->keys[i]);
    free(w->keys);
    free(w->lens);
    free(w->vals);
    memset(w, 0, sizeof *w);
}

/* ------------------------------------------------------------- phrases */

static int is_word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c >= 0x80 || c == '\'';
}

static int in_list(const char *w, size_t n, const char *const *list, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (strlen(list[i]) == n && !memcmp(list[i], w, n)) return 1;
    return 0;
}

static const char *const fp_words[] = {"we", "our", "ours", "us", "i", "my", "me", "mine"};
static const char *const push_words[] = {
    "deal", "deals", "sale", "sales", "sell", "selling", "sold", "book", "booking", "booked",
    "pipeline", "seal", "sealing", "sealed", "rush", "rushing", "rushed", "panic", "quota",
    "quotas", "commission", "upsell", "upselling", "signature", "push", "pushed", "pushing",
    "close", "closing", "eoq",
};

/* Splits a phrase into lowercase words (blanks and hyphens separate; '|'
 * alternatives kept; other punctuation dropped). Returns 0 when it has no word. */
static int phrase_compile(const char *text, config_phrase *p)
{
    memset(p, 0, sizeof *p);
    VEC(char *) words = {0};
    buf_t cur = {0};
    size_t n = strlen(text);
    for (size_t i = 0; i <= n; i++) {
        unsigned char c = i < n ? (unsigned char)text[i] : ' ';
        if (c == 0xE2 && i + 2 < n && (unsigned char)text[i + 1] == 0x80 &&
            (unsigned char)text[i + 2] == 0x99) { /* ’ */
            buf_addc(&cur, '\'');
            i += 2;
            continue;
        }
        if (is_word_byte(c)) {
            buf_addc(&cur, (char)(c >= 'A' && c <= 'Z' ? c + 32 : c));
        } else if (c == '|') {
            if (cur.len && cur.data[cur.len - 1] != '|') buf_addc(&cur, '|');
        } else if (cur.len) {
            while (cur.len && cur.data[cur.len - 1] == '|') cur.len--;
            if (cur.len) VEC_PUSH(&words, xstrndup(cur.data, cur.len));
            cur.len = 0;
        }
    }
    buf_free(&cur);
    if (!words.len) return 0;
    p->text = xstrdup(text);
    p->words = words.items;
    p->n_words = words.len;
    int own = 0, push = 0;
    for (size_t w = 0; w < p->n_words; w++) {
        const char *s = p->words[w];
        while (*s) {
            size_t k = strcspn(s, "|");
            if (in_list(s, k, fp_words, ARRAY_LEN(fp_words))) own = 1;
            if (in_list(s, k, push_words, ARRAY_LEN(push_words))) push = 1;
            s += k;
            if (*s) s++;
        }
    }
    p->kind = own ? CONFIG_PHRASE_OWN : push ? CONFIG_PHRASE_PUSH : CONFIG_PHRASE_TIME;
    return 1;
}

static void phrases_build(config_phrases *ps, const json_t *arr, const char *kp, config_report *rep)
{
    memset(ps, 0, sizeof *ps);
    size_t n = json_array_size(arr);
    ps->items = xcalloc(n ? n : 1, sizeof *ps->items);
    VEC(int *) lists = {0};
    VEC(size_t) lens = {0};
    for (size_t i = 0; i < n; i++) {
        const char *t = json_string_value(json_array_get(arr, i));
        config_phrase *p = &ps->items[ps->len];
        if (!t || !phrase_compile(t, p)) {
            warn(rep, "settings: %s[%zu]: \"%s\" has no words (ignored)", kp, i + 1, t ? t : "");
            continue;
        }
        int id = (int)ps->len++;
        const char *s = p->words[0];
        while (*s) {
            size_t k = strcspn(s, "|");
            int v = words_put(&ps->first, s, k, (int)lists.len);
            if (v == (int)lists.len) {
                VEC_PUSH(&lists, (int *)NULL);
                VEC_PUSH(&lens, (size_t)0);
            }
            /* NOLINTNEXTLINE(clang-analyzer-core.NullDereference): v < lists.len (values are list indexes) */
            lists.items[v] = xrealloc(lists.items[v], (lens.items[v] + 1) * sizeof(int));
            lists.items[v][lens.items[v]++] = id;
            s += k;
            if (*s) s++;
        }
    }
    ps->lists = lists.items;
    ps->list_lens = lens.items;
}

static void phrases_free(config_phrases *ps)
{
    for (size_t i = 0; i < ps->len; i++) {
        free(ps->items[i].text);
        for (size_t j = 0; j < ps->items[i].n_words; j++) free(ps->items[i].words[j]);
        free(ps->items[i].words);
    }
    free(ps->items);
    for (size_t i = 0; i < ps->first.len; i++) free(ps->lists[i]);
    free(ps->lists);
    free(ps->list_lens);
    words_free(&ps->first);
}

/* A list of single words (lowercased, '@' stripped) into a wordset. */
static void words_build(config_words *w, const json_t *arr)
{
    memset(w, 0, sizeof *w);
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        const char *s = json_string_value(e);
        if (!s) continue;
        if (s[0] == '@') s++;
        buf_t b = {0};
        for (size_t k = 0; s[k]; k++) {
            if (!strncmp(s + k, "\xE2\x80\x99", 3)) { /* ’ -> ' */
                buf_addc(&b, '\'');
                k += 2;
            } else {
                buf_addc(&b, s[k] >= 'A' && s[k] <= 'Z' ? (char)(s[k] + 32) : s[k]);
            }
        }
        if (b.len) words_put(w, b.data, b.len, 1);
        buf_free(&b);
    }
}

/* ------------------------------------------------------------- compile */

static const json_t *get(const json_t *o, const char *a, const char *b, const char *c)
{
    const json_t *v = json_object_get(o, a);
    if (b) v = json_object_get(v, b);
    if (c) v = json_object_get(v, c);
    return v;
}

static config *compile(json_t *e, config_report *rep)
{
    config *c = xcalloc(1, sizeof *c);
    const json_t *team = json_object_get(e, "team");
    c->n_team = json_array_size(team);
    c->team = xcalloc(c->n_team ? c->n_team : 1, sizeof *c->team);
    for (size_t i = 0; i < c->n_team; i++) {
        const char *s = json_string_value(json_array_get(team, i));
        if (s[0] == '@') s++;
        c->team[i] = ascii_lower_dup(s, strlen(s));
    }
    c->priority_cap = (int)json_integer_value(json_object_get(e, "priority_cap"));
    c->cadence = (int)json_integer_value(json_object_get(e, "cadence"));
    c->rescan_interval = (int)json_integer_value(json_object_get(e, "rescan_interval"));
    for (int i = 0; i < RULES_COUNT; i++) {
        const char *id = rules_table[i].id;
        c->rule[i].enabled = json_is_true(get(e, "rules", id, "enabled"));
        c->rule[i].severity = rules_severity_parse(json_string_value(get(e, "rules", id, "severity")));
        c->rule[i].weight = (int)json_integer_value(get(e, "rules", id, "weight"));
    }
    const char *sf = rules_table[RULE_SELF_FOCUS].id, *ur = rules_table[RULE_URGENCY].id,
               *vt = rules_table[RULE_VAGUE_TASK].id;
    c->sf_min_first_person = (int)json_integer_value(get(e, "rules", sf, "min_first_person"));
    c->sf_ratio = json_real_value(get(e, "rules", sf, "ratio"));
    words_build(&c->sf_first_person, get(e, "rules", sf, "first_person"));
    words_build(&c->sf_client_words, get(e, "rules", sf, "client_words"));
    phrases_build(&c->sf_collaborative, get(e, "rules", sf, "collaborative"),
                  "rules.self-focus.collaborative", rep);
    phrases_build(&c->urgency, get(e, "rules", ur, "phrases"), "rules.urgency.phrases", rep);
    c->urgency_asap = json_is_true(get(e, "rules", ur, "asap"));
    c->vt_owner = json_is_true(get(e, "rules", vt, "owner"));
    c->vt_due = json_is_true(get(e, "rules", vt, "due"));

    c->json = json_dumps(e, JSON_SORT_KEYS | JSON_COMPACT | JSON_REAL_PRECISION(17));
    if (!c->json) c->json = xstrdup("{}");
    c->hash = fnv1a(c->json, strlen(c->json), FNV_BASIS);
    return c;
}

/* ------------------------------------------------------------- loading */

static config *load(json_t *vault, const char *name, const json_t *setup, config_report *rep)
{
    json_t *schema = defaults_doc(1);
    json_t *e = json_deep_copy(schema);
    if (vault) apply_layer(e, schema, vault, name, rep);
    if (setup) {
        if (json_is_object(setup)) apply_layer(e, schema, setup, "setup", rep);
        else warn(rep, "setup: settings must be an object, got %s (ignored)", type_name(setup));
    }
    config *c = compile(e, rep);
    json_decref(e);
    json_decref(schema);
    return c;
}

static json_t *check_root(json_t *root, const char *name, config_report *rep)
{
    if (root && !json_is_object(root)) {
        if (rep && !rep->error)
            rep->error = xasprintf("%s:1:1: the settings must be a JSON object ({...}), got %s",
                                   name, type_name(root));
        json_decref(root);
        return NULL;
    }
    return root;
}

static void json_error_report(const json_error_t *err, const char *name, config_report *rep)
{
    if (rep && !rep->error)
        rep->error = xasprintf("%s:%d:%d: %s", name, err->line > 0 ? err->line : 1,
                               err->column > 0 ? err->column : 1, err->text);
}

config *config_default(void)
{
    return load(NULL, NULL, NULL, NULL);
}

config *config_load_string(const char *text, size_t len, const char *name, const json_t *setup,
                           config_report *rep)
{
    if (rep) memset(rep, 0, sizeof *rep);
    if (!name) name = "config.json";
    json_t *root = NULL;
    if (text) {
        json_error_t err;
        root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
        if (!root) json_error_report(&err, name, rep);
        root = check_root(root, name, rep);
    }
    config *c = load(root, name, setup, rep);
    json_decref(root);
    return c;
}

config *config_load(const char *path, const json_t *setup, config_report *rep)
{
    if (rep) memset(rep, 0, sizeof *rep);
    json_t *root = NULL;
    if (path) {
        FILE *f = fopen(path, "rb");
        if (!f) {
            if (errno != ENOENT && rep)
                rep->error = xasprintf("%s: %s", path, strerror(errno));
        } else {
            fclose(f);
            json_error_t err;
            root = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
            if (!root) json_error_report(&err, path, rep);
            root = check_root(root, path, rep);
        }
    }
    config *c = load(root, path, setup, rep);
    json_decref(root);
    return c;
}

void config_free(config *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->n_team; i++) free(c->team[i]);
    free(c->team);
    words_free(&c->sf_first_person);
    words_free(&c->sf_client_words);
    phrases_free(&c->sf_collaborative);
    phrases_free(&c->urgency);
    free(c->json);
    free(c);
}

int config_in_team(const config *c, const char *handle)
{
    if (!handle) return 0;
    if (handle[0] == '@') handle++;
    for (size_t i = 0; i < c->n_team; i++)
        if (!ascii_casecmp(c->team[i], handle)) return 1;
    return 0;
}

char *config_default_text(void)
{
    json_t *d = defaults_doc(0);
    json_t *h = json_object();
    json_object_set_new(h, "weights", json_object());
    json_object_set_new(d, "health", h);
    char *s = json_dumps(d, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(d);
    char *r = xasprintf("%s\n", s ? s : "{}");
    free(s);
    return r;
}

char *config_defaults_json(void)
{
    json_t *d = defaults_doc(1);
    char *s = json_dumps(d, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(d);
    char *r = xasprintf("%s\n", s ? s : "{}");
    free(s);
    return r;
}
