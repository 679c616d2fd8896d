/* cmd_report.c -- the cross-note views: tasks, health, prep (report.c does
 * the work; here parameters become filters and codes become rpc codes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "report.h"
#include "rpc.h"
#include "util.h"

static int open_fresh(cmd_ctx *c, json_t *params, const char **client, char **lc, char *err,
                      size_t errlen)
{
    if (param_str(params, "client", 0, client, err, errlen) < 0) return RPC_EMETHOD;
    *lc = *client ? cmd_client_id(*client) : NULL;
    return cmd_fresh(c, err, errlen);
}

int cmd_tasks(cmd_ctx *c, json_t *params, json_t **result, char *err, size_t errlen)
{
    const char *client;
    char *lc = NULL;
    report_task_filter f = {0};
    int rc = open_fresh(c, params, &client, &lc, err, errlen);
    if (!rc && (param_bool(params, "ours", &f.ours, err, errlen) < 0 ||
                param_bool(params, "theirs", &f.theirs, err, errlen) < 0 ||
                param_bool(params, "overdue", &f.overdue_only, err, errlen) < 0))
        rc = RPC_EMETHOD;
    if (!rc && f.ours && f.theirs) {
        snprintf(err, errlen, "--ours and --theirs exclude each other");
        rc = RPC_EINPUT;
    }
    if (!rc) {
        char today[11];
        cmd_today(c, today);
        f.client = lc;
        if (report_tasks(c->rd, cmd_config(c), &f, today, result, err, errlen) < 0) rc = RPC_EIO;
    }
    free(lc);
    return rc;
}

int cmd_health(cmd_ctx *c, json_t *params, json_t **result, char *err, size_t errlen)
{
    const char *client;
    char *lc = NULL;
    int rc = open_fresh(c, params, &client, &lc, err, errlen);
    if (!rc) {
        char today[11];
        cmd_today(c, today);
        int r = report_health(c->rd, cmd_config(c), c->vault, lc, today, result, err, errlen);
        if (r == STORE_ENOTFOUND) rc = RPC_ENOTFOUND;
        else if (r < 0) rc = RPC_EIO;
    }
    free(lc);
    return rc;
}

int cmd_prep(cmd_ctx *c, json_t *params, json_t **result, char *err, size_t errlen)
{
    const char *client;
    char *lc = NULL;
    int rc = open_fresh(c, params, &client, &lc, err, errlen);
    if (!rc && !lc) {
        snprintf(err, errlen, "missing parameter 'client'");
        rc = RPC_EMETHOD;
    }
    if (!rc) {
        char today[11];
        cmd_today(c, today);
        int r = report_prep(c->rd, cmd_config(c), c->vault, lc, today, result, err, errlen);
        if (r == STORE_ENOTFOUND) rc = RPC_ENOTFOUND;
        else if (r < 0) rc = RPC_EIO;
    }
    if (!rc && json_is_true(json_object_get(params, "markdown"))) {
        char *md = report_prep_markdown(*result);
        json_object_set_new(*result, "markdown", json_string(md));
        free(md);
    }
    free(lc);
    return rc;
}
