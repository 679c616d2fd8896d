/* main.c -- argument parsing and the CLI front end of the subcommands.
 *
 * The CLI builds the same parameter map the rpc methods take (SPEC §2, §4)
 * from argv and calls the command table; output is the --json value or a
 * human rendering of it. Flags are the --long ones and may come anywhere;
 * `--` ends them; a word with a single leading '-' is an argument.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "cmd.h"
#include "loop.h"
#include "report.h"
#include "server.h"
#include "util.h"
#include "vault.h"

/* Positional spec: space-separated words; `name` required, `name?` optional,
 * `name*` the rest joined with spaces (required), `name+` the rest as a list. */
typedef struct {
    const char *cli;    /* "tags", "tag add" */
    const char *cmd;    /* command table name */
    const char *args;
    const char *flags;  /* allowed command flags, space-separated; "x=" takes a value */
    const char *help;
} cli_def;

static const cli_def clis[] = {
    {"index", "index", "", "full", "build or update the index"},
    {"tags", "tags", "", "", "list tags with note counts"},
    {"find", "find", "query*", "", "notes matching a tag query"},
    {"search", "search", "text*", "", "full-text search"},
    {"check", "check", "", "", "notes with problems"},
    {"tag add", "tag_add", "path tags+", "", "add tags to a note's frontmatter"},
    {"tag remove", "tag_remove", "path tags+", "", "remove tags from a note's frontmatter"},
    {"tag rename", "tag_rename", "old new", "dry-run", "rename a tag and its children everywhere"},
    {"priorities", "priorities", "client?", "", "priority lists and their caps"},
    {"cap", "cap", "path", "cap=", "move priorities past the cap to the Parking lot"},
    {"promote", "promote", "path line", "park=", "move a Parking lot item into Priorities"},
    {"hints", "hints", "file", "path=", "run the hint rules on one note (FILE, or - for stdin)"},
    {"tasks", "tasks", "client?", "ours theirs overdue", "open commitments, overdue first"},
    {"health", "health", "client?", "", "engagement health per active client"},
    {"prep", "prep", "client", "", "a call-prep brief (markdown)"},
    {"capture", "capture", "client text*", "", "add a timestamped line to today's meeting note"},
    {"new client", "new_client", "name*", "", "a new client note from the template"},
    {"new meeting", "new_meeting", "client", "date=", "a new meeting note from the template"},
    {"init", "init", "", "", "create .rapport/ with default config and templates"},
    {"status", "status", "", "", "helper status"},
    {"rpc", NULL, "", "", "serve msgpack-rpc on stdin/stdout"},
    {NULL, NULL, NULL, NULL, NULL},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: rapport [--vault DIR] [--db FILE] [--json] [--today YYYY-MM-DD] COMMAND [ARGS]\n\n"
               "commands:\n");
    for (const cli_def *d = clis; d->cli; d++) fprintf(f, "  %-22s %s\n", d->cli, d->help);
    fprintf(f, "  %-22s %s\n", "--version", "print version and protocol version");
}

static int die_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "rapport: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see rapport --help)\n");
    return 2;
}

/* Does `flags` (space-separated) allow `name`? Sets *takes_value. */
static int flag_allowed(const char *flags, const char *name, size_t n, int *takes_value)
{
    const char *p = flags;
    while (*p) {
        while (*p == ' ') p++;
        const char *e = p;
        while (*e && *e != ' ') e++;
        size_t len = (size_t)(e - p);
        int val = len && p[len - 1] == '=';
        if (val) len--;
        if (len == n && strncmp(p, name, n) == 0) {
            *takes_value = val;
            return 1;
        }
        p = e;
    }
    return 0;
}

static double wall_now(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* ---- human output ---- */

/* o.path for a terminal: as is, unless it holds a control character, '"'
 * or '\\' (a file name may hold a newline); then C-quoted, as git shows
 * such names, so each result stays on one line. --json gives the bytes. */
static const char *path_of(json_t *o)
{
    static buf_t ring[2];
    static unsigned next;
    const char *p = json_string_value(json_object_get(o, "path"));
    if (!p) return "";
    int plain = 1;
    for (const unsigned char *c = (const unsigned char *)p; *c && plain; c++)
        plain = *c >= 0x20 && *c != 0x7f && *c != '"' && *c != '\\';
    if (plain) return p;
    buf_t *b = &ring[next++ % 2];
    b->len = 0;
    buf_addc(b, '"');
    for (const unsigned char *c = (const unsigned char *)p; *c; c++) {
        if (*c == '\n') buf_adds(b, "\\n");
        else if (*c == '\t') buf_adds(b, "\\t");
        else if (*c == '"' || *c == '\\') buf_addc(b, '\\'), buf_addc(b, (char)*c);
        else if (*c < 0x20 || *c == 0x7f) buf_printf(b, "\\%03o", *c);
        else buf_addc(b, (char)*c);
    }
    buf_addc(b, '"');
    return buf_cstr(b);
}

static void print_human(const char *cmd, json_t *r)
{
    size_t i;
    json_t *v;
    if (strcmp(cmd, "tags") == 0) {
        json_array_foreach(r, i, v) printf("%s\t%lld\n", json_string_value(json_object_get(v, "tag")),
                                           json_integer_value(json_object_get(v, "count")));
    } else if (strcmp(cmd, "find") == 0) {
        json_array_foreach(r, i, v) printf("%s\n", path_of(v));
    } else if (strcmp(cmd, "search") == 0) {
        json_array_foreach(r, i, v) printf("%s:%lld: %s\n", path_of(v),
                                           json_integer_value(json_object_get(v, "line")),
                                           json_string_value(json_object_get(v, "snippet")));
    } else if (strcmp(cmd, "check") == 0) {
        json_array_foreach(r, i, v) {
            json_t *line = json_object_get(v, "line");
            if (json_is_integer(line))
                printf("%s:%lld: %s\n", path_of(v),
                       json_integer_value(line), json_string_value(json_object_get(v, "message")));
            else
                printf("%s: %s\n", path_of(v),
                       json_string_value(json_object_get(v, "message")));
        }
    } else if (strcmp(cmd, "tag_add") == 0 || strcmp(cmd, "tag_remove") == 0) {
        printf("%s: tags:", path_of(r));
        json_array_foreach(json_object_get(r, "tags"), i, v) printf(" %s", json_string_value(v));
        printf("\n");
        json_array_foreach(json_object_get(r, "warnings"), i, v) printf("  note: %s\n", json_string_value(v));
    } else if (strcmp(cmd, "tag_rename") == 0) {
        json_array_foreach(json_object_get(r, "changes"), i, v) {
            printf("%s:%lld:\n  - %s\n  + %s\n", path_of(v),
                   json_integer_value(json_object_get(v, "line")),
                   json_string_value(json_object_get(v, "before")),
                   json_string_value(json_object_get(v, "after")));
        }
        printf("%zu change(s)\n", json_array_size(json_object_get(r, "changes")));
    } else if (strcmp(cmd, "priorities") == 0 || strcmp(cmd, "cap") == 0 || strcmp(cmd, "promote") == 0) {
        json_t *rows = json_is_array(r) ? json_incref(r) : json_pack("[O]", r);
        json_array_foreach(rows, i, v) {
            json_t *cl = json_object_get(v, "client");
            printf("%s%s%s%s: %lld priorities, cap %lld%s\n", path_of(v),
                   json_is_string(cl) ? " [" : "", json_is_string(cl) ? json_string_value(cl) : "", json_is_string(cl) ? "]" : "",
                   json_integer_value(json_object_get(v, "count")),
                   json_integer_value(json_object_get(v, "cap")),
                   json_is_true(json_object_get(v, "over")) ? "  OVER CAP: rank them with the client, then `rapport cap`" : "");
        }
        json_decref(rows);
    } else if (strcmp(cmd, "hints") == 0) {
        json_array_foreach(r, i, v) printf("%lld:%lld: %s [%s] %s\n", json_integer_value(json_object_get(v, "line")),
                                           json_integer_value(json_object_get(v, "col")) + 1,
                                           json_string_value(json_object_get(v, "severity")),
                                           json_string_value(json_object_get(v, "rule")),
                                           json_string_value(json_object_get(v, "message")));
    } else if (strcmp(cmd, "tasks") == 0) {
        json_array_foreach(r, i, v) {
            json_t *owner = json_object_get(v, "owner"), *due = json_object_get(v, "due");
            printf("%s:%lld: %s%s (%s%s, %s, %s)\n", path_of(v),
                   json_integer_value(json_object_get(v, "line")),
                   json_is_true(json_object_get(v, "overdue")) ? "OVERDUE " : "",
                   json_string_value(json_object_get(v, "text")), json_is_string(owner) ? "@" : "",
                   json_is_string(owner) ? json_string_value(owner) : "no owner",
                   json_is_string(due) ? json_string_value(due) : "no date",
                   json_is_true(json_object_get(v, "ours")) ? "ours" : "theirs");
        }
    } else if (strcmp(cmd, "health") == 0) {
        printf("%-5s %-24s %-12s %-6s %s\n", "score", "client", "last contact", "tasks", "signals");
        json_array_foreach(r, i, v) {
            json_t *lc = json_object_get(v, "last_contact"), *sig;
            size_t k;
            printf("%-5lld %-24s %-12s %lld/%-4lld", json_integer_value(json_object_get(v, "score")),
                   json_string_value(json_object_get(v, "client")),
                   json_is_string(lc) ? json_string_value(lc) : "never",
                   json_integer_value(json_object_get(v, "open_tasks")),
                   json_integer_value(json_object_get(v, "overdue_tasks")));
            json_array_foreach(json_object_get(v, "signals"), k, sig)
                printf("%s%s", k ? ", " : " ", json_string_value(json_object_get(sig, "rule")));
            printf("\n");
        }
    } else if (strcmp(cmd, "prep") == 0) {
        char *md = report_prep_markdown(r);
        fputs(md, stdout);
        free(md);
    } else if (strcmp(cmd, "capture") == 0 || strcmp(cmd, "new_client") == 0 ||
               strcmp(cmd, "new_meeting") == 0 || strcmp(cmd, "init") == 0) {
        json_t *line = json_object_get(r, "line");
        if (json_is_integer(line))
            printf("%s:%lld\n", path_of(r), json_integer_value(line));
        else
            printf("%s\n", path_of(r));
        json_array_foreach(json_object_get(r, "warnings"), i, v)
            fprintf(stderr, "rapport: warning: %s\n", json_string_value(v));
    } else if (strcmp(cmd, "index") == 0) {
        printf("%lld files, %lld indexed, %lld removed in %lld ms\n",
               json_integer_value(json_object_get(r, "files")),
               json_integer_value(json_object_get(r, "indexed")),
               json_integer_value(json_object_get(r, "removed")),
               json_integer_value(json_object_get(r, "ms")));
    } else {
        char *s = json_dumps(r, JSON_INDENT(2) | JSON_ENCODE_ANY);
        if (s) printf("%s\n", s);
        free(s);
    }
}

/* Vault location (SPEC §1.1): --vault, $RAPPORT_VAULT, the nearest ancestor
 * of the current directory holding .rapport/, else the current directory. */
static char *locate_vault(const char *arg, char *err, size_t errlen)
{
    if (!arg || !*arg) arg = getenv("RAPPORT_VAULT");
    if (arg && *arg) {
        char *p = realpath(arg, NULL);
        if (!p) snprintf(err, errlen, "%s: %s", arg, strerror(errno));
        return p;
    }
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof(cwd))) {
        snprintf(err, errlen, "current directory: %s", strerror(errno));
        return NULL;
    }
    char *root = vault_find_root(cwd);
    return root ? root : realpath(cwd, NULL);
}

/* ---- main ---- */

/* words: room for argc words; params: the command's parameter map;
 * pending_flags: [name, value] pairs, checked once the command is known.
 * All three belong to main(), so every return here frees them. */
static int cli(int argc, char **argv, const char **words, json_t *params, json_t *pending_flags)
{
    const char *vault_arg = NULL, *db_arg = NULL, *today = NULL;
    int json_out = 0, flags_done = 0;
    int nwords = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (flags_done || strncmp(a, "--", 2) != 0) {
            words[nwords++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            flags_done = 1;
            continue;
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t n = eq ? (size_t)(eq - name) : strlen(name);
        char *key = xstrndup(name, n);
        const char *val = eq ? eq + 1 : NULL;
        int global_val = strcmp(key, "vault") == 0 || strcmp(key, "db") == 0 || strcmp(key, "today") == 0;
        if (global_val && !val) {
            if (i + 1 >= argc) return free(key), die_usage("--%s needs a value", name);
            val = argv[++i];
        }
        if (strcmp(key, "vault") == 0) vault_arg = val;
        else if (strcmp(key, "db") == 0) db_arg = val;
        else if (strcmp(key, "today") == 0) today = val;
        else if (strcmp(key, "json") == 0) json_out = 1;
        else if (strcmp(key, "version") == 0) {
            printf("rapport %s (protocol %d)\n", RAPPORT_VERSION, RAPPORT_PROTOCOL);
            return free(key), 0;
        } else if (strcmp(key, "help") == 0) {
            usage(stdout);
            return free(key), 0;
        } else {
            /* A command flag: a value may follow as the next word (decided later). */
            json_array_append_new(pending_flags, json_pack("[ss?i]", key, val, i));
        }
        free(key);
    }
    if (nwords == 0) {
        usage(stderr);
        return 2;
    }

    /* Longest match of the command words ("tag add" before "tag"). */
    const cli_def *def = NULL;
    int used = 0;
    for (const cli_def *d = clis; d->cli; d++) {
        int k = 1;
        const char *sp = strchr(d->cli, ' ');
        if (sp) {
            if (nwords < 2 || strncmp(d->cli, words[0], (size_t)(sp - d->cli)) != 0 ||
                words[0][sp - d->cli] != '\0' || strcmp(sp + 1, words[1]) != 0)
                continue;
            k = 2;
        } else if (strcmp(d->cli, words[0]) != 0) {
            continue;
        }
        if (k > used) def = d, used = k;
    }
    if (!def) return die_usage("unknown command '%s'", words[0]);

    /* Command flags. */
    size_t fi;
    json_t *f;
    json_array_foreach(pending_flags, fi, f) {
        const char *key = json_string_value(json_array_get(f, 0));
        const char *val = json_string_value(json_array_get(f, 1));
        int takes_value;
        if (!flag_allowed(def->flags, key, strlen(key), &takes_value))
            return die_usage("unknown flag --%s", key);
        char *pkey = xstrdup(key);
        for (char *p = pkey; *p; p++)
            if (*p == '-') *p = '_';
        if (takes_value) {
            if (!val) {
                /* The value is the word right after the flag in argv. */
                int at = (int)json_integer_value(json_array_get(f, 2));
                int w;
                for (w = 0; w < nwords; w++)
                    if (words[w] == argv[at + 1]) break;
                if (at + 1 >= argc || w == nwords) return free(pkey), die_usage("--%s needs a value", key);
                val = words[w];
                memmove(&words[w], &words[w + 1], (size_t)(nwords - w) * sizeof(*words));
                nwords--;
            }
            json_object_set_new(params, pkey, json_string(val));
        } else if (val) {
            return free(pkey), die_usage("--%s takes no value", key);
        } else {
            json_object_set_new(params, pkey, json_true());
        }
        free(pkey);
    }

    /* Positional arguments. */
    int w = used;
    const char *spec = def->args;
    while (*spec) {
        while (*spec == ' ') spec++;
        if (!*spec) break;
        const char *e = spec;
        while (*e && *e != ' ') e++;
        char *name = xstrndup(spec, (size_t)(e - spec));
        size_t nl = strlen(name);
        char mode = strchr("?*+", name[nl - 1]) ? name[nl - 1] : 0;
        if (mode) name[--nl] = '\0';
        if (mode == '*' || mode == '+') {
            if (w >= nwords) return die_usage("missing %s", name);
            if (mode == '*') {
                buf_t b = {0};
                for (; w < nwords; w++) {
                    if (b.len) buf_addc(&b, ' ');
                    buf_adds(&b, words[w]);
                }
                json_object_set_new(params, name, json_string(buf_cstr(&b)));
                buf_free(&b);
            } else {
                json_t *list = json_array();
                for (; w < nwords; w++) json_array_append_new(list, json_string(words[w]));
                json_object_set_new(params, name, list);
            }
        } else if (w < nwords) {
            json_object_set_new(params, name, json_string(words[w++]));
        } else if (mode != '?') {
            return die_usage("missing %s", name);
        }
        free(name);
        spec = e;
    }
    if (w < nwords) return die_usage("unexpected argument '%s'", words[w]);

    /* hints FILE, or `hints - --path REL` with the text on stdin. */
    json_t *fv = json_object_get(params, "file");
    if (json_is_string(fv)) {
        if (strcmp(json_string_value(fv), "-") == 0) {
            if (!json_object_get(params, "path")) return die_usage("%s", "hints - needs --path REL");
            buf_t in = {0};
            char chunk[65536];
            size_t n;
            while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0) buf_add(&in, chunk, n);
            json_t *t = json_stringn(in.data ? in.data : "", in.len);
            buf_free(&in);
            if (!t) {
                fprintf(stderr, "rapport: hints: stdin is not valid UTF-8\n");
                return 1;
            }
            json_object_set_new(params, "text", t);
        } else {
            json_object_set(params, "path", fv);
        }
        json_object_del(params, "file");
    }

    /* A FILE argument is relative to the current directory (SPEC §2);
     * `--path REL` with stdin is relative to the vault. */
    json_t *pv = json_object_get(params, "path");
    if (json_is_string(pv) && !json_object_get(params, "text") && json_string_value(pv)[0] != '/' && strcmp(json_string_value(pv), "-") != 0) {
        char cwd[PATH_MAX];
        if (getcwd(cwd, sizeof(cwd)))
            json_object_set_new(params, "path", json_sprintf("%s/%s", cwd, json_string_value(pv)));
    }

    cmd_ctx c = {0};
    c.started = wall_now();
    if (!today) today = getenv("RAPPORT_TODAY");
    if (today && *today) {
        if (!date_valid(today, strlen(today)))
            return die_usage("--today wants YYYY-MM-DD, not '%s'", today);
        memcpy(c.today, today, 11);
    }
    char err[1024];
    c.vault = locate_vault(vault_arg, err, sizeof(err));
    if (!c.vault) {
        fprintf(stderr, "rapport: vault: %s\n", err);
        return 1;
    }
    if (!db_arg) db_arg = getenv("RAPPORT_DB");
    c.db_path = db_arg && *db_arg ? xstrdup(db_arg) : vault_default_db_path(c.vault, err, sizeof(err));
    if (!c.db_path) {
        fprintf(stderr, "rapport: database: %s\n", err);
        free(c.vault);
        return 1;
    }

    int rc;
    if (!def->cmd) { /* rpc */
        c.rpc = 1;
        loop_init();
        rc = server_run(&c);
    } else {
        const cmd_def *cd = cmd_lookup(def->cmd);
        json_t *result = NULL;
        err[0] = '\0';
        rc = cd->fn(&c, params, &result, err, sizeof(err));
        if (rc) {
            fprintf(stderr, "rapport: %s: %s\n", def->cli, err[0] ? err : "failed");
            rc = rc == 2 ? 2 : 1;
        } else {
            if (json_out) {
                char *s = json_dumps(result, JSON_COMPACT | JSON_ENCODE_ANY);
                printf("%s\n", s);
                free(s);
            } else {
                print_human(def->cmd, result);
            }
        }
        json_decref(result);
        cmd_close(&c);
    }
    json_decref(c.settings);
    free(c.vault);
    free(c.db_path);
    return rc;
}

int main(int argc, char **argv)
{
    const char **words = xcalloc((size_t)argc + 1, sizeof(char *));
    json_t *params = json_object();
    json_t *pending_flags = json_array();
    int rc = cli(argc, argv, words, params, pending_flags);
    json_decref(pending_flags);
    json_decref(params);
    free(words);
    return rc;
}
