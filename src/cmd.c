/* cmd.c -- the command table and the commands that need no index. */
#include "cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

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
    *result = json_true();
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
    {NULL, NULL, 0},
};

const cmd_def *cmd_lookup(const char *name)
{
    for (const cmd_def *d = cmd_table; d->name; d++)
        if (strcmp(d->name, name) == 0) return d;
    return NULL;
}
