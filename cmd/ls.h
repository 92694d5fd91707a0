#ifndef SBX_LS_H
#define SBX_LS_H

#include "agent-status.h"
#include "cmd.h"
#include "columns.h"

/* The colour of an agent's state: waiting (for you) stands out, done is green. */
enum sbx_color sbx_agent_color(enum sbx_agent_state state);
/* An agent's cells: its state, for how long, repository and branch, the head of its message. */
void sbx_agent_cells(struct sbx_columns *t, const struct sbx_agent_status *st, long long now);
#define SBX_AGENT_HEAD 60

/*
 * `sbx ls --watch` (ls-watch.c): the agents as the notification server
 * pushes them, redrawn on a terminal, one line per change otherwise (JSON
 * with json). Returns the exit code.
 */
int sbx_ls_watch(struct sbx_ctx *ctx, int json);

#endif
