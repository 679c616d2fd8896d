/*
 * gen.c -- deterministic benchmark vault generator for rapport.nvim.
 *
 *   gcc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -o build/gen bench/gen.c
 *   build/gen DIR N [SEED]
 *
 * Writes N markdown notes under DIR (which must be absent or empty):
 *
 *   clients/<id>.md                 max(5, N/50) client notes (~2%)
 *   meetings/YYYY-MM-DD-<id>[-callK].md  ~80% meetings (K: 2nd+ that day)
 *   notes/<area>-NN/<slug>.md       the rest, <= 500 files per directory
 *   .rapport/config.json            team and priority cap
 *   .rapport/templates/             client.md and meeting.md
 *   .expected-tags.tsv              tag<TAB>count, bytewise by tag
 *
 * The expected-tags file counts, for every tag, the notes that carry it:
 * in the frontmatter `tags` (flow list, block list or single string, some
 * values quoted as "#tag") or inline in the body. Each note counts once
 * per distinct tag, and a child is counted apart from its parent (a note
 * with only #topic/pricing counts for topic/pricing, not for topic). Tags
 * are counted lowercased; a few inline ones are written capitalized.
 *
 * Inline tags are emitted only where they are unambiguous: at the start of
 * a line or after a space or '(', followed by a space, ',', '.', ';', ':',
 * ')' or the end of the line, never in code, comments, quotes or URLs. The
 * vault also holds things that look like tags but are not (a '#include' in
 * a fenced block, '# comment' lines in an indented block, URL fragments,
 * e-mail addresses, inline code, HTML comments); their names are never in
 * the tag vocabulary, so they cannot disturb the counts of real tags.
 *
 * Output depends only on N and SEED (own PRNG, fixed "today" 2026-11-23).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define WRAP 76
#define DIR_MAX_FILES 500

/* ------------------------------------------------------------------ PRNG */

static uint64_t rng_state;

static uint64_t rng_next(void) /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static unsigned rnd(unsigned n) /* uniform-ish in [0, n) */
{
    return n ? (unsigned)(((rng_next() >> 32) * (uint64_t)n) >> 32) : 0;
}

static int chance(unsigned percent) { return rnd(100) < percent; }

#define PICK(a) ((a)[rnd((unsigned)NELEM(a))])

/* ------------------------------------------------------------ word lists */

/* The tag vocabulary: at most 64 (one bit each per note), all lowercase. */
static const char *const TAGS[] = {
    "risk", "topic/pricing", "follow-up", "topic/security", "decision",
    "renewal", "topic/integration", "risk/timeline", "expansion", "qbr",
    "topic/onboarding", "escalation", "workshop", "pilot", "rollout",
    "risk/churn", "topic/reporting", "feedback", "adoption", "budget",
    "topic/migration", "procurement", "contract", "training", "go-live",
    "kickoff", "champion", "exec-sponsor", "risk/budget", "topic/compliance",
    "support", "incident", "health-check", "success-plan", "roadmap",
    "topic/pricing/discounts", "topic/security/sso", "risk/legal",
    "stakeholder-map", "internal", "idea", "reading", "playbook", "retro",
    "account-plan", "partner", "reference", "case-study", "status/active",
    "status/on-hold", "status/blocked", "industry/logistics",
    "industry/healthcare", "industry/retail", "industry/energy",
    "industry/finance", "industry/manufacturing", "topic/performance",
    "fy27", "q4",
};
#define NTAGS ((unsigned)NELEM(TAGS))
_Static_assert(NELEM(TAGS) <= 64, "tag masks are 64 bits");

/* Indices into TAGS with special meaning. */
enum { TAG_INDUSTRY_FIRST = 51, TAG_INDUSTRY_N = 6, TAG_STATUS_FIRST = 48 };

static const char *const CLIENT_A[] = {
    "acme", "borealis", "cobalt", "dunmore", "ember", "fjord", "granite",
    "harbor", "ironwood", "juniper", "kestrel", "larch", "meridian",
    "northgate", "orchid", "pinnacle", "quarry", "redwood", "saltmarsh",
    "tamarack", "umber", "vantage", "westbrook", "yarrow", "zephyr",
    "alder", "brightwater", "cinder", "driftwood", "elmstead", "foxglove",
};
static const char *const CLIENT_B[] = {
    "logistics", "health", "retail", "energy", "foods", "capital",
    "systems", "manufacturing", "insurance", "telecom", "pharma",
    "airlines", "utilities", "media", "mining", "hotels", "shipping",
    "analytics", "textiles", "water", "bank", "motors", "labs",
};
/* Tells apart the clients past the first |CLIENT_A| x |CLIENT_B| ones. */
static const char *const REGION[] = {
    "nordics", "iberia", "benelux", "dach", "uk", "france", "italia",
    "polska", "baltics", "ireland", "austria", "swiss", "canada", "apac",
};
static const int CLIENT_B_INDUSTRY[] = {
    0, 1, 2, 3, 2, 4, 5, 5, 4, 5, 1, 0, 3, 2, 3, 2, 0, 4, 5, 3, 4, 5, 1,
};
_Static_assert(NELEM(CLIENT_B) == NELEM(CLIENT_B_INDUSTRY), "industries");

static const char *const FIRST[] = {
    "dana", "raj", "mei", "tomas", "priya", "owen", "grace", "nadia",
    "felix", "ruth", "kofi", "ingrid", "lars", "hugo", "amara", "bruno",
    "carla", "dmitri", "elena", "farid", "gwen", "hamid", "isla", "jonas",
    "keiko", "liam", "marta", "nikos", "olga", "pavel", "quinn", "rosa",
    "sven", "tariq", "ursula", "viktor", "wen", "ximena", "yusuf", "zoe",
    "ana", "ben", "chloe", "diego", "esther", "femi", "gus", "hana",
    "ivan", "jade", "kai", "lena", "milo", "noor", "oscar", "petra",
};
static const char *const TEAM[] = { "sam", "alex", "jordan", "morgan", "riley", "casey" };

static const char *const ROLES[] = {
    "CFO", "COO", "CTO", "CIO", "Head of Operations", "VP Sales",
    "IT security lead", "procurement manager", "project sponsor",
    "finance controller", "Head of Customer Service", "data protection officer",
    "warehouse manager", "plant manager", "Head of eCommerce",
    "compliance officer", "programme manager", "store operations director",
};
static const char *const GOALS[] = {
    "wants the close down to 3 days", "measured on on-time delivery",
    "owns the budget for next year", "approves every new integration",
    "worried about adoption on the floor", "needs a fixed price",
    "sponsors the pilot", "her team will have to use it daily",
    "his team runs the night shift", "wants fewer vendors, not more",
    "cares about audit findings", "pushes for self-service reporting",
};

static const char *const SUBJ_CLIENT[] = {
    "Their ops team", "Finance", "Procurement", "Their IT team",
    "The steering group", "The project sponsor", "Their CFO",
    "Store operations", "Legal", "The night shift", "Their board",
    "The regional lead", "Customer service", "The data team",
};
static const char *const VERB[] = {
    "wants", "asked about", "is worried about", "needs", "pushed back on",
    "confirmed", "will review", "signed off on", "raised", "questioned",
    "is still waiting for", "liked", "asked us to simplify", "is happy with",
    "has concerns about", "wants a demo of", "prefers to phase",
};
static const char *const OBJ[] = {
    "the rollout plan", "the data migration", "the renewal terms",
    "the single sign-on setup", "the Q1 timeline", "the reporting pack",
    "a fixed price for next year", "the pilot results", "training for the store staff",
    "the API rate limits", "the retention policy", "the cutover weekend",
    "the dashboard for on-time delivery", "the billing export",
    "the support model after go-live", "the integration with their ERP",
    "the security questionnaire", "the scope of phase two",
    "the data-processing agreement", "the onboarding checklist",
    "the escalation path", "the change-management plan",
    "the forecast accuracy numbers", "the backlog of open tickets",
    "the warehouse scanner app", "the audit trail", "the price per site",
};
static const char *const TAIL[] = {
    "before the holidays", "by the end of the month", "for the board pack",
    "after the audit", "this quarter", "in the next sprint",
    "before anything else", "for the two pilot sites", "once legal is done",
    "ahead of the peak season", "for their spring launch", "next week",
};
static const char *const OPENERS[] = {
    "Good call overall.", "Short call, mostly status.",
    "Tense start, better ending.", "They came well prepared.",
    "Half of the agenda moved to next week.", "First call with the new sponsor.",
    "Most of the time went on one topic.", "Clear decisions this time.",
};
static const char *const OBSERVATIONS[] = {
    "The numbers from the pilot sites look better than expected",
    "Adoption is uneven between the regions",
    "Nobody owns the data quality problem yet",
    "The old system stays in place until the audit is closed",
    "Their team is stretched thin after two resignations",
    "The integration works in test but not yet with production volumes",
    "The renewal depends on the results of the first quarter",
    "They compare us with an in-house build",
    "Training is the bottleneck, not the software",
    "The reporting is trusted again since the fix in the spring",
    "Budget for next year is not approved before February",
    "The security review found two minor issues, both fixed",
};
static const char *const SELF_FOCUS[] = {
    "We need to hit our numbers this quarter, and our best lever is the "
    "premium tier. I want our proposal on their desk before our pipeline review.",
    "I think our analytics module is the strongest thing we sell, so we "
    "should lead with it and keep the whole project with us.",
    "Our utilization is low this month, so we should propose the extra "
    "workshop days; my target depends on it.",
};
static const char *const COLLAB[] = {
    "We agreed to review the results together with them after four weeks.",
    "We will map the data flows jointly with their IT team.",
    "We both want the cutover to happen on a quiet weekend.",
};
static const char *const QUOTES[] = {
    "We don't need another dashboard. We need fewer missed deliveries.",
    "If the front desk has to open one more window, they won't use it.",
    "Show me what goes live by March. The rest can wait.",
    "I can sell this internally if the export fits our ERP.",
    "My crews will use anything that is faster than the paper form.",
    "We can't sign anything until the data-protection review is closed.",
    "Help me say no to the other items for now.",
    "The last vendor promised a lot and delivered half.",
    "I need something I can show the board in January.",
    "Honestly, the training matters more to us than the features.",
};
static const char *const TASK_VERB[] = {
    "send", "share", "draft", "review", "book", "confirm", "prepare",
    "update", "check", "schedule", "collect", "write up",
};
static const char *const TASK_OBJ[] = {
    "the revised SOW", "the meeting summary", "the pilot numbers",
    "the security answers", "a fixed-price option", "the training outline",
    "the cutover checklist", "the data-flow diagram", "the renewal quote",
    "the list of pilot sites", "the API credentials", "the go-live date",
    "the stakeholder map", "the success plan", "the test results",
};
static const char *const MEETING_KIND[] = {
    "weekly sync", "steering committee", "QBR", "pricing review",
    "security review", "workshop", "check-in", "renewal call",
    "pilot review", "kickoff", "go-live readiness", "escalation call",
    "roadmap session", "training debrief",
};
static const char *const NOTE_AREA[] = {
    "planning", "playbooks", "research", "reading", "ideas", "internal",
    "training", "retros",
};
static const char *const NOTE_TITLE_A[] = {
    "Notes on", "Thoughts on", "Checklist for", "Lessons from", "Draft:",
    "Ideas for", "Reading notes:", "Plan for", "Questions about",
};
static const char *const NOTE_TITLE_B[] = {
    "discovery calls", "pricing conversations", "renewals",
    "stakeholder mapping", "onboarding new clients", "quarterly reviews",
    "handling escalations", "security questionnaires", "pilot design",
    "saying no to scope", "running workshops", "account planning",
    "reference calls", "change management",
};
static const char *const PRIO[] = {
    "Live route planning in the first depot", "One on-time dashboard for all sites",
    "Remove manual re-keying into billing", "Single sign-on for all staff",
    "Cut checkout abandonment on mobile", "Relaunch the loyalty programme",
    "Clean up the asset register", "Train the new dispatchers",
    "Move reporting off the legacy system", "Same-day pickup in every store",
    "Reduce no-shows in the pilot clinics", "Close the month in three days",
    "Automate the customs paperwork", "Real-time stock across channels",
};
static const char *const PARKED[] = {
    "Mobile app refresh", "Carbon reporting per shipment",
    "Chatbot for customer service", "Second data centre",
    "Supplier portal", "Predictive maintenance pilot",
};

/* ----------------------------------------------------------- the buffer */

static char *buf;
static size_t blen, bcap;

static void bput(const char *s, size_t n)
{
    if (blen + n + 1 > bcap) {
        while (blen + n + 1 > bcap) bcap = bcap ? bcap * 2 : 1 << 16;
        buf = realloc(buf, bcap);
        if (!buf) { perror("gen: realloc"); exit(1); }
    }
    memcpy(buf + blen, s, n);
    blen += n;
}
static void bs(const char *s) { bput(s, strlen(s)); }
static void bf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void bf(const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    if ((size_t)n >= sizeof tmp) n = (int)sizeof tmp - 1;
    bput(tmp, (size_t)n);
}

/* Paragraph writer with word wrapping. Continuation lines get `indent`
 * spaces, so list items stay list items. Words never start with a list
 * marker, '>' or "#<space>", so a wrapped line cannot change structure. */
static size_t col;
static int indent, at_line_start;

static void para_begin(const char *first, int cont_indent)
{
    bs(first);
    col = strlen(first);
    indent = cont_indent;
    at_line_start = first[0] == 0;
}
static void word(const char *w)
{
    size_t n = strlen(w);
    if (!at_line_start && col + 1 + n > WRAP) {
        bs("\n");
        for (int i = 0; i < indent; i++) bs(" ");
        col = (size_t)indent;
        at_line_start = 1;
    }
    if (!at_line_start) { bs(" "); col++; }
    bput(w, n);
    col += n;
    at_line_start = 0;
}
static void words(const char *s) /* split on spaces */
{
    char w[256];
    while (*s) {
        while (*s == ' ') s++;
        size_t n = strcspn(s, " ");
        if (!n) break;
        if (n >= sizeof w) n = sizeof w - 1;
        memcpy(w, s, n);
        w[n] = 0;
        word(w);
        s += n;
    }
}
static void para_end(void) { bs("\n"); }

/* ------------------------------------------------------------------ tags */

static uint64_t note_mask;         /* distinct tags of the current note */
static unsigned long tag_count[64];

static unsigned pick_tag(void) /* skewed towards the front of TAGS */
{
    unsigned a = rnd(NTAGS), b = rnd(NTAGS);
    return a < b ? a : b;
}

/* Emit an inline tag as one word: `before` is "" or "(", `after` is "" or
 * one of ",", ".", ")", ").", ";", ":". */
static void inline_tag2(unsigned t, const char *before, const char *after)
{
    char w[96];
    int cap = chance(2); /* #Risk: the same tag as #risk */
    snprintf(w, sizeof w, "%s#%c%s%s", before,
             cap ? TAGS[t][0] - 'a' + 'A' : TAGS[t][0], TAGS[t] + 1, after);
    word(w);
    note_mask |= 1ULL << t;
}
static void inline_tag(unsigned t, const char *after) { inline_tag2(t, "", after); }

static void maybe_inline_tags(unsigned percent)
{
    if (!chance(percent)) return;
    unsigned t = pick_tag();
    inline_tag(t, "");
    if (chance(25)) {
        unsigned u = pick_tag();
        if (u != t) inline_tag(u, "");
    }
}

/* Frontmatter `tags` in one of the styles the spec allows. */
static void fm_tags(const unsigned *t, unsigned n)
{
    if (n == 0) {
        if (chance(30)) bs("tags: []\n");
        return;
    }
    unsigned style = rnd(10);
    if (n == 1 && style < 2) {
        bf("tags: %s\n", TAGS[t[0]]);
    } else if (style < 6) {
        bs("tags: [");
        for (unsigned i = 0; i < n; i++) {
            if (i) bs(", ");
            if (chance(5)) bf("\"#%s\"", TAGS[t[i]]);
            else bs(TAGS[t[i]]);
        }
        bs("]\n");
    } else {
        bs("tags:\n");
        for (unsigned i = 0; i < n; i++) {
            if (chance(5)) bf("  - \"#%s\"\n", TAGS[t[i]]);
            else bf("  - %s\n", TAGS[t[i]]);
        }
    }
    for (unsigned i = 0; i < n; i++) note_mask |= 1ULL << t[i];
}

static unsigned random_tags(unsigned *t, unsigned max)
{
    unsigned n = rnd(max + 1), k = 0;
    for (unsigned i = 0; i < n; i++) {
        unsigned x = pick_tag(), dup = 0;
        for (unsigned j = 0; j < k; j++) dup |= t[j] == x;
        if (!dup) t[k++] = x;
    }
    return k;
}

/* ----------------------------------------------------------------- dates */

static long days_from_civil(int y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const long era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long)doe - 719468;
}
static void civil_from_days(long z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const long era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)yoe + (int)era * 400 + (*m <= 2);
}
static void fmt_date(char out[11], long day)
{
    int y;
    unsigned m, d;
    civil_from_days(day, &y, &m, &d);
    out[0] = (char)('0' + y / 1000 % 10);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    out[10] = 0;
}

static long TODAY, FIRST_DAY;
#define NDAYS ((unsigned)(TODAY - FIRST_DAY + 1))

/* --------------------------------------------------------------- clients */

typedef struct {
    char id[64];
    char name[80];
    int industry;
    unsigned npeople;
    unsigned char people[6];
} Client;

static Client *clients;
static unsigned nclients;

static void make_clients(unsigned n)
{
    clients = calloc(n, sizeof *clients);
    if (!clients) { perror("gen: calloc"); exit(1); }
    const unsigned na = (unsigned)NELEM(CLIENT_A), nb = (unsigned)NELEM(CLIENT_B);
    for (unsigned i = 0; i < n; i++) {
        Client *c = &clients[i];
        unsigned a = i % na, b = (i / na + i) % nb, round = i / (na * nb);
        /* (a, b) pairs repeat only after na*nb clients; round tells apart */
        char A[24], B[24];
        snprintf(A, sizeof A, "%s", CLIENT_A[a]);
        snprintf(B, sizeof B, "%s", CLIENT_B[b]);
        char R[24] = "";
        if (round && round <= NELEM(REGION)) snprintf(R, sizeof R, "%s", REGION[round - 1]);
        else if (round) snprintf(R, sizeof R, "%u", round + 1);
        snprintf(c->id, sizeof c->id, "%s-%s%s%s", A, B, *R ? "-" : "", R);
        A[0] = (char)(A[0] - 'a' + 'A');
        B[0] = (char)(B[0] - 'a' + 'A');
        if (R[0] >= 'a' && R[0] <= 'z') R[0] = (char)(R[0] - 'a' + 'A');
        snprintf(c->name, sizeof c->name, "%s %s%s%s", A, B, *R ? " " : "", R);
        c->industry = CLIENT_B_INDUSTRY[b];
        c->npeople = 1 + rnd(5);
        for (unsigned k = 0; k < c->npeople; k++) {
            unsigned p, dup;
            do {
                p = rnd((unsigned)NELEM(FIRST));
                dup = 0;
                for (unsigned j = 0; j < k; j++) dup |= c->people[j] == p;
            } while (dup);
            c->people[k] = (unsigned char)p;
        }
    }
}

/* A few key accounts get a large share of the meetings. */
static unsigned pick_client(void)
{
    if (chance(12)) return rnd(nclients < 5 ? nclients : 5);
    return rnd(nclients);
}

static const char *person_of(const Client *c) { return FIRST[c->people[rnd(c->npeople)]]; }
static const char *team_member(void) { return TEAM[rnd(3) + (chance(20) ? 3 : 0)]; }

/* ------------------------------------------------------------ sentences */

static void sentence(const Client *c)
{
    char w[64];
    if (c && chance(35)) {
        snprintf(w, sizeof w, "@%s", person_of(c));
        word(w);
    } else {
        words(PICK(SUBJ_CLIENT));
    }
    words(PICK(VERB));
    words(PICK(OBJ));
    if (chance(40)) words(PICK(TAIL));
    /* a tag may close the sentence: "... terms #renewal." or "(#renewal)." */
    unsigned r = rnd(100);
    if (r < 9) {
        inline_tag(pick_tag(), ".");
    } else if (r < 11) {
        inline_tag2(pick_tag(), "(", ").");
    } else if (r < 13) {
        inline_tag(pick_tag(), chance(50) ? ";" : ",");
        word(chance(50) ? "details to follow." : "see the summary.");
    } else {
        bs(".");
        col++;
    }
}

static void paragraph(const Client *c, unsigned nsent)
{
    para_begin("", 0);
    if (chance(30)) {
        words(PICK(OBSERVATIONS));
        bs(".");
        col++;
    }
    for (unsigned i = 0; i < nsent; i++) sentence(c);
    maybe_inline_tags(15);
    para_end();
}

static void bullet(const Client *c)
{
    para_begin("-", 2);
    if (chance(50)) {
        words(PICK(OBSERVATIONS));
        if (chance(15)) {
            inline_tag(pick_tag(), ".");
        } else {
            bs(".");
            col++;
        }
    } else {
        sentence(c);
    }
    if (chance(40)) sentence(c);
    maybe_inline_tags(10);
    para_end();
}

/* A task written on `day`: due a few days to weeks later; the older the
 * note, the likelier it is checked off (a few old ones stay open). */
static void task(const Client *c, long day)
{
    char w[64];
    int done = chance(day < TODAY - 60 ? 85 : day < TODAY - 14 ? 50 : 20);
    para_begin(done ? "- [x]" : "- [ ]", 2);
    int owner = chance(85);
    if (owner) {
        if (c && chance(40)) snprintf(w, sizeof w, "@%s", person_of(c));
        else snprintf(w, sizeof w, "@%s", team_member());
        word(w);
    }
    unsigned v = rnd((unsigned)NELEM(TASK_VERB));
    words(TASK_VERB[v]);
    words(PICK(TASK_OBJ));
    if (c && chance(30)) {
        snprintf(w, sizeof w, "%s @%s", v < 2 ? "to" : "with", person_of(c));
        words(w);
    }
    if (chance(80)) {
        char d[11];
        fmt_date(d, day + 2 + (long)rnd(28));
        snprintf(w, sizeof w, "due:%s", d);
        word(w);
    }
    maybe_inline_tags(8);
    para_end();
}

static void quote(const Client *c)
{
    bs("> \"");
    bs(PICK(QUOTES));
    bs("\"");
    if (c) bf(" — @%s", person_of(c));
    bs("\n");
}

/* Things that look like tags or mentions but are not (never vocabulary). */
static void trap(void)
{
    switch (rnd(6)) {
    case 0:
        bs("Their gateway firmware reads the status like this:\n\n"
           "```c\n#include <stdint.h>\n#define GW_STATUS_OUTAGE 0x04\n"
           "uint16_t gw_read_status(int port); /* #pragma-free */\n```\n");
        break;
    case 1:
        bs("Device settings, as they sent them:\n\n"
           "    # report interval in seconds\n    interval: 300\n"
           "    #backup_uplink: gsm\n");
        break;
    case 2:
        bs("Runbook: https://wiki.example.com/ops/cutover#rollback-plan and\n"
           "the tracker at <https://tracker.example.org/board#column-3>.\n");
        break;
    case 3:
        bs("Summary sent to ops.team@client.example and cc "
           "first.last@partner.example.\n");
        break;
    case 4:
        bs("Use the `#draft-only` label in their tracker, not `@channel`.\n");
        break;
    default:
        bs("<!-- #scratch: numbers below still to be checked -->\n"
           "Issue C#12 and item#4 are the same bug.\n");
        break;
    }
}

/* ------------------------------------------------------------ the notes */

static void client_note(const Client *c)
{
    unsigned t[8], n = 0;
    t[n++] = TAG_INDUSTRY_FIRST + (unsigned)c->industry;
    if (chance(60)) t[n++] = TAG_STATUS_FIRST + (chance(80) ? 0 : 1 + rnd(2));
    unsigned extra[4], k = random_tags(extra, 2);
    for (unsigned i = 0; i < k; i++) {
        unsigned dup = 0;
        for (unsigned j = 0; j < n; j++) dup |= t[j] == extra[i];
        if (!dup) t[n++] = extra[i];
    }

    bs("---\ntype: client\n");
    fm_tags(t, n);
    static const unsigned CAD[] = { 7, 14, 14, 14, 21, 30 };
    bf("cadence: %u\n", PICK(CAD));
    if (chance(15)) bf("priority_cap: %u\n", 2 + rnd(3));
    if (chance(5)) bs("status: archived\n");
    bs("---\n");
    bf("# %s\n\n", c->name);
    paragraph(c, 3 + rnd(3));

    bs("\n## Needs\n\n");
    if (chance(90)) for (unsigned i = 0, m = 2 + rnd(4); i < m; i++) bullet(c);
    bs("\n## Objectives\n\n");
    if (chance(85)) for (unsigned i = 0, m = 2 + rnd(3); i < m; i++) bullet(c);
    bs("\n## Challenges\n\n");
    if (chance(85)) for (unsigned i = 0, m = 2 + rnd(3); i < m; i++) bullet(c);

    bs("\n## Stakeholders\n\n");
    for (unsigned i = 0; i < c->npeople; i++) {
        bf("- @%s - %s, %s\n", FIRST[c->people[i]], PICK(ROLES), PICK(GOALS));
    }

    bs("\n## Priorities\n\n");
    unsigned np = 1 + rnd(6), only_short = chance(20);
    for (unsigned i = 0; i < np; i++) {
        const char *h = only_short || chance(50) ? " (short)" : chance(70) ? " (long)" : "";
        bf("%u. %s%s", i + 1, PRIO[(i * 5 + rnd(3)) % NELEM(PRIO)], h);
        if (chance(10)) {
            bs(" ");
            unsigned tg = pick_tag();
            bf("#%s", TAGS[tg]);
            note_mask |= 1ULL << tg;
        }
        bs("\n");
    }
    if (chance(30)) {
        bs("\n## Parking lot\n\n");
        for (unsigned i = 0, m = 1 + rnd(3); i < m; i++) bf("- %s\n", PARKED[(i * 2 + rnd(2)) % NELEM(PARKED)]);
    }
    if (chance(50)) {
        bs("\n## Next steps\n\n");
        task(c, TODAY - 30 - (long)rnd(200));
    }
}

static void meeting_note(const Client *c, long day)
{
    char d[11];
    fmt_date(d, day);
    unsigned t[6], n = random_tags(t, 3);

    bs("---\ntype: meeting\n");
    if (chance(95)) {
        if (chance(5)) bf("client: \"[[%s]]\"\n", c->id); /* wiki-link form */
        else bf("client: %s\n", c->id);
    }
    if (chance(90)) bf("date: %s\n", d);
    fm_tags(t, n);
    if (chance(20)) bf("people: [%s, %s]\n", person_of(c), team_member());
    bs("---\n");
    bf("# %s — %s\n\n", c->name, PICK(MEETING_KIND));
    bf("With @%s", person_of(c));
    if (c->npeople > 1 && chance(60)) bf(" and @%s", person_of(c));
    bf("; @%s from our side. %s\n\n", team_member(), PICK(OPENERS));

    bs("## Notes\n\n");
    for (unsigned i = 0, m = 3 + rnd(4); i < m; i++) bullet(c);
    if (chance(65)) { bs("\n"); paragraph(c, 2 + rnd(3)); }
    if (chance(8)) { bs("\n"); bs(PICK(SELF_FOCUS)); bs("\n"); }
    if (chance(10)) { bs("\n"); bs(PICK(COLLAB)); bs("\n"); }
    if (chance(55)) { bs("\n"); quote(c); }
    if (chance(3)) { bs("\n"); trap(); }
    if (chance(90)) {
        bs("\n## Next steps\n\n");
        for (unsigned i = 0, m = 1 + rnd(4); i < m; i++) task(c, day);
    }
}

static void plain_note(unsigned ta, unsigned tb)
{
    const Client *c = chance(30) ? &clients[pick_client()] : NULL;
    if (chance(60)) {
        unsigned t[6], n = random_tags(t, 4);
        bs("---\n");
        if (chance(50)) bs("type: note\n");
        if (c) bf("client: %s\n", c->id);
        fm_tags(t, n);
        bs("---\n");
    }
    bf("# %s %s\n\n", NOTE_TITLE_A[ta], NOTE_TITLE_B[tb]);
    for (unsigned i = 0, m = 2 + rnd(3); i < m; i++) {
        paragraph(c, 1 + rnd(4));
        bs("\n");
    }
    if (chance(60)) for (unsigned i = 0, m = 2 + rnd(4); i < m; i++) bullet(c);
    if (chance(20)) { bs("\n## Questions "); inline_tag(pick_tag(), ""); bs("\n\n"); bullet(c); }
    if (chance(30)) { bs("\n"); task(c, TODAY - (long)rnd(365)); }
    if (chance(5)) { bs("\n"); trap(); }
}

/* ----------------------------------------------------------------- files */

static char root[4096];

static void die(const char *what, const char *path)
{
    fprintf(stderr, "gen: %s: %s: %s\n", what, path, strerror(errno));
    exit(1);
}

static void mkdir_p(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(tmp, 0755) && errno != EEXIST) die("mkdir", tmp);
        *p = '/';
    }
    if (mkdir(tmp, 0755) && errno != EEXIST) die("mkdir", tmp);
}

static void write_file(const char *rel)
{
    char path[4096 + 256];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) die("create", path);
    size_t off = 0;
    while (off < blen) {
        ssize_t w = write(fd, buf + off, blen - off);
        if (w < 0) {
            if (errno == EINTR) continue;
            die("write", path);
        }
        off += (size_t)w;
    }
    if (close(fd)) die("close", path);
}

static unsigned long nbytes, nnotes;

static void finish_note(const char *rel)
{
    write_file(rel);
    for (unsigned t = 0; t < NTAGS; t++)
        if (note_mask >> t & 1) tag_count[t]++;
    nbytes += blen;
    nnotes++;
    blen = 0;
    note_mask = 0;
}

static int cmp_tag(const void *a, const void *b)
{
    return strcmp(TAGS[*(const unsigned *)a], TAGS[*(const unsigned *)b]);
}

static void write_support_files(void)
{
    char rel[256];
    snprintf(rel, sizeof rel, "%s/.rapport/templates", root);
    mkdir_p(rel);
    blen = 0;
    bs("{\n  \"team\": [\"sam\", \"alex\", \"jordan\", \"morgan\", \"riley\", \"casey\"],\n"
       "  \"priority_cap\": 3\n}\n");
    write_file(".rapport/config.json");
    blen = 0;
    bs("---\ntype: client\ntags: []\ncadence: 14\n---\n# {{title}}\n\n"
       "## Needs\n\n## Objectives\n\n## Challenges\n\n## Stakeholders\n\n"
       "## Priorities\n\n## Parking lot\n");
    write_file(".rapport/templates/client.md");
    blen = 0;
    bs("---\ntype: meeting\nclient: {{client}}\ndate: {{date}}\ntags: []\n---\n"
       "# {{title}}\n\n{{date}} {{time}}\n\n## Notes\n\n## Next steps\n");
    write_file(".rapport/templates/meeting.md");
    blen = 0;
}

static void write_expected(void)
{
    unsigned order[64];
    for (unsigned i = 0; i < NTAGS; i++) order[i] = i;
    qsort(order, NTAGS, sizeof order[0], cmp_tag);
    blen = 0;
    for (unsigned i = 0; i < NTAGS; i++) {
        if (tag_count[order[i]]) bf("%s\t%lu\n", TAGS[order[i]], tag_count[order[i]]);
    }
    write_file(".expected-tags.tsv");
    blen = 0;
}

static void check_empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (errno != ENOENT) die("open", dir);
        mkdir_p(dir);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            fprintf(stderr, "gen: %s: directory not empty\n", dir);
            exit(1);
        }
    }
    closedir(d);
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: gen DIR N [SEED]\n");
        return 2;
    }
    char *end;
    errno = 0;
    unsigned long n = strtoul(argv[2], &end, 10);
    if (errno || *end || !*argv[2] || n > 10000000UL) {
        fprintf(stderr, "gen: N: not a count: %s\n", argv[2]);
        return 2;
    }
    uint64_t seed = 1;
    if (argc == 4) {
        errno = 0;
        seed = strtoull(argv[3], &end, 10);
        if (errno || *end || !*argv[3]) {
            fprintf(stderr, "gen: SEED: not a number: %s\n", argv[3]);
            return 2;
        }
    }
    snprintf(root, sizeof root, "%s", argv[1]);
    size_t rl = strlen(root);
    while (rl > 1 && root[rl - 1] == '/') root[--rl] = 0;
    check_empty_dir(root);

    rng_state = seed ^ 0x5241505041525431ULL; /* "RAPPART1" */
    TODAY = days_from_civil(2026, 11, 23);
    FIRST_DAY = days_from_civil(2024, 1, 1);

    nclients = (unsigned)(n / 50 > 5 ? n / 50 : 5);
    unsigned long n_client_notes = nclients < n ? nclients : n;
    unsigned long n_meetings = n * 8 / 10;
    if (n_meetings > n - n_client_notes) n_meetings = n - n_client_notes;
    unsigned long n_plain = n - n_client_notes - n_meetings;

    make_clients(nclients);
    write_support_files();

    char rel[512];
    snprintf(rel, sizeof rel, "%s/clients", root);
    if (n_client_notes) mkdir_p(rel);
    for (unsigned long i = 0; i < n_client_notes; i++) {
        client_note(&clients[i]);
        snprintf(rel, sizeof rel, "clients/%s.md", clients[i].id);
        finish_note(rel);
    }

    /* Meetings: one counter per (day, client) keeps file names unique. */
    unsigned short *seen = NULL;
    if (n_meetings) {
        snprintf(rel, sizeof rel, "%s/meetings", root);
        mkdir_p(rel);
        seen = calloc((size_t)NDAYS * nclients, sizeof *seen);
        if (!seen) { perror("gen: calloc"); return 1; }
    }
    for (unsigned long i = 0; i < n_meetings; i++) {
        unsigned ci = pick_client();
        /* recent days are a little more likely than old ones */
        unsigned a = rnd(NDAYS), b = rnd(NDAYS);
        long day = FIRST_DAY + (long)(a > b ? a : b);
        const Client *c = &clients[ci];
        meeting_note(c, day);
        unsigned short k = ++seen[(size_t)(day - FIRST_DAY) * nclients + ci];
        char d[11];
        fmt_date(d, day);
        if (k == 1) snprintf(rel, sizeof rel, "meetings/%s-%s.md", d, c->id);
        else snprintf(rel, sizeof rel, "meetings/%s-%s-call%u.md", d, c->id, (unsigned)k);
        finish_note(rel);
    }
    free(seen);

    /* Plain notes: notes/<area>-NN/, at most DIR_MAX_FILES per directory. */
    unsigned nareas = (unsigned)NELEM(NOTE_AREA);
    unsigned long per_area[NELEM(NOTE_AREA)] = { 0 };
    for (unsigned long i = 0; i < n_plain; i++) {
        unsigned area = rnd(nareas);
        unsigned long k = per_area[area]++;
        unsigned long sub = k / DIR_MAX_FILES;
        snprintf(rel, sizeof rel, "%s/notes/%s-%02lu", root, NOTE_AREA[area], sub + 1);
        if (k % DIR_MAX_FILES == 0) mkdir_p(rel);
        unsigned ta = rnd((unsigned)NELEM(NOTE_TITLE_A)), tb = rnd((unsigned)NELEM(NOTE_TITLE_B));
        plain_note(ta, tb);
        char slug[64];
        snprintf(slug, sizeof slug, "%s", NOTE_TITLE_B[tb]);
        for (char *p = slug; *p; p++) if (*p == ' ') *p = '-';
        snprintf(rel, sizeof rel, "notes/%s-%02lu/%s-%05lu.md", NOTE_AREA[area], sub + 1, slug, k + 1);
        finish_note(rel);
    }

    write_expected();
    fprintf(stderr, "gen: %lu notes (%u clients, %lu meetings, %lu plain), %lu bytes, avg %lu\n",
            nnotes, (unsigned)n_client_notes, n_meetings, n_plain, nbytes,
            nnotes ? nbytes / nnotes : 0);
    free(buf);
    free(clients);
    return 0;
}
