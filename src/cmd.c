/* cmd.c -- the command table and the commands that need no index. */
#include "cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "rpc.h"
#include "util.h"

int param_str(json_t *p, const char *key, int required, const char **out, char *err, size_t errlen)
{
    json_t *v = json_is_object(p) ? json_object_get(p, key) : NULL;
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (!required) return 0;
        snprintf(err, errlen, "missing parameter '%s'", key);
        return -1;
    }
    if (!json_is_string(v)) {
        snprintf(err, errlen, "parameter '%s' must be a string", key);
        return -1;
    }
    if (strlen(json_string_value(v)) != json_string_length(v)) {
        snprintf(err, errlen, "parameter '%s' contains a NUL byte", key);
        return -1;
    }
    *out = json_string_value(v);
    return 0;
}

int param_int(json_t *p, const char *key, int required, long long *out, char *err, size_t errlen)
{
    json_t *v = json_is_object(p) ? json_object_get(p, key) : NULL;
    if (!v || json_is_null(v)) {
        if (!required) return 0;
        snprintf(err, errlen, "missing parameter '%s'", key);
        return -1;
    }
    if (json_is_string(v)) { /* the CLI passes numbers as words */
        char *end;
        const char *s = json_string_value(v);
        long long n = strtoll(s, &end, 10);
        if (!*s || *end) {
            snprintf(err, errlen, "parameter '%s' must be an integer, not '%s'", key, s);
            return -1;
        }
        *out = n;
        return 0;
    }
    if (!json_is_integer(v)) {
        snprintf(err, errlen, "parameter '%s' must be an integer", key);
        return -1;
    }
    *out = json_integer_value(v);
    return 0;
}

int param_bool(json_t *p, const char *key, int *out, char *err, size_t errlen)
{
    json_t *v = json_is_object(p) ? json_object_get(p, key) : NULL;
    *out = 0;
    if (!v || json_is_null(v)) return 0;
    if (!json_is_boolean(v)) {
        snprintf(err, errlen, "parameter '%s' must be true or false", key);
        return -1;
    }
    *out = json_is_true(v);
    return 0;
}

char *cmd_client_id(const char *s)
{
    char *id = ascii_lower_dup(s, strlen(s));
    size_t n = strlen(id);
    if (n > 4 && id[0] == '[' && id[1] == '[' && id[n - 1] == ']' && id[n - 2] == ']') {
        memmove(id, id + 2, n - 4);
        id[n - 4] = '\0';
    }
    return id;
}

void cmd_today(const cmd_ctx *c, char out[11])
{
    if (c->today[0]) {
        memcpy(out, c->today, 11);
        return;
    }
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

const struct config *cmd_config(cmd_ctx *c)
{
    char *path = xasprintf("%s/.rapport/config.json", c->vault);
    struct stat st;
    long long mtime = stat(path, &st) == 0 ? (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec : -1;
    if (!c->cfg || mtime != c->cfg_mtime_ns || c->settings_gen != c->cfg_settings_gen) {
        config_report rep = {0};
        config_free(c->cfg);
        c->cfg = config_load(mtime >= 0 ? path : NULL, c->settings, &rep);
        c->cfg_mtime_ns = mtime;
        c->cfg_settings_gen = c->settings_gen;
        if (rep.error) fprintf(stderr, "rapport: settings: %s (defaults used)\n", rep.error);
        for (size_t i = 0; i < rep.n_warnings; i++)
            fprintf(stderr, "rapport: settings: %s\n", rep.warnings[i]);
        config_report_free(&rep);
    }
    free(path);
    return c->cfg;
}

static int cmd_hello(cmd_ctx *c, json_t *params, json_t **result, char *err, size_t errlen)
{
    UNUSED(c), UNUSED(params), UNUSED(err), UNUSED(errlen);
    *result = json_pack("{s:s, s:i}", "version", RAPPORT_VERSION, "protocol", RAPPORT_PROTOCOL);
    return 0;
}

static int cmd_configure(cmd_ctx *c, json_t *params, json_t **result, char *err, size_t errlen)
{
    if (!json_is_object(params)) {
        snprintf(err, errlen, "settings must be a map");
        return RPC_EMETHOD;
    }
    json_decref(c->settings);
    c->settings = json_deep_copy(params);
    c->settings_gen++;
    config_report rep = {0};
    struct config *probe = config_load(NULL, c->settings, &rep);
    json_t *warnings = json_array();
    for (size_t i = 0; i < rep.n_warnings; i++)
        json_array_append_new(warnings, json_string(rep.warnings[i]));
    config_report_free(&rep);
    config_free(probe);
    *result = json_pack("{s:o}", "warnings", warnings);
    return 0;
}

static double wall_now(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static int cmd_status(cmd_ctx *c, json_t *params, json_t **result, char *err, size_t errlen)
{
    UNUSED(params), UNUSED(err), UNUSED(errlen);
    *result = json_pack("{s:s, s:i, s:i, s:s, s:s?, s:f}", "version", RAPPORT_VERSION, "protocol",
                        RAPPORT_PROTOCOL, "pid", (int)getpid(), "vault", c->vault, "database",
                        c->db_path, "uptime", wall_now() - c->started);
    return 0;
}


const cmd_def cmd_table[] = {
    {"hello", cmd_hello, CMD_NOSTORE},
    {"configure", cmd_configure, CMD_NOSTORE},
    {"status", cmd_status, CMD_NOSTORE},
    {"index", cmd_index, CMD_ASYNC},
    {"index_file", cmd_index_file, 0},
    {"tags", cmd_tags, CMD_FRESH},
    {"find", cmd_find, CMD_FRESH},
    {"search", cmd_search, CMD_FRESH},
    {"check", cmd_check, CMD_FRESH},
    {"complete", cmd_complete, CMD_FRESH},
    {"tag_add", cmd_tag_add, 0},
    {"tag_remove", cmd_tag_remove, 0},
    {"tag_rename", cmd_tag_rename, CMD_FRESH},
    {"priorities", cmd_priorities, CMD_FRESH},
    {"cap", cmd_cap, 0},
    {"promote", cmd_promote, 0},
    {"hints", cmd_hints, CMD_FRESH},
    {"note", cmd_note, 0},
    {"hints_detach", cmd_hints_detach, 0},
    {"tasks", cmd_tasks, CMD_FRESH},
    {"health", cmd_health, CMD_FRESH},
    {"prep", cmd_prep, CMD_FRESH},
    {"capture", cmd_capture, 0},
    {"new_client", cmd_new_client, 0},
    {"new_meeting", cmd_new_meeting, 0},
    {"init", cmd_init, CMD_NOSTORE},
    {NULL, NULL, 0},
};

const cmd_def *cmd_lookup(const char *name)
{
    for (const cmd_def *d = cmd_table; d->name; d++)
        if (strcmp(d->name, name) == 0) return d;
    return NULL;
}
