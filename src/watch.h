/* watch.h -- the rpc server's freshness: vault watchers, debounced and
 * periodic re-indexing off the loop thread, the completion cache push. */
#ifndef RAPPORT_WATCH_H
#define RAPPORT_WATCH_H

#include "cmd.h"

/* Watches the vault, indexes it now and after changes, rescans every
 * `rescan_seconds` (0: never). */
void watch_start(cmd_ctx *c, unsigned rescan_seconds);
/* Sends the completion cache (tags, people, clients) to the Lua client. */
void watch_push_cache(cmd_ctx *c);

#endif
