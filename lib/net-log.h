#ifndef SBX_NET_LOG_H
#define SBX_NET_LOG_H

/*
 * Every decision of a run's proxy, one line each, in
 * $XDG_STATE_HOME/sbx/net/RUN.log (`sbx net log` shows it):
 *
 *   # sbx network log: run RUN sandbox SANDBOX mode MODE project DIR
 *   2026-12-05T10:00:00Z allow CONNECT api.anthropic.com:443 (the agent claude ...) -> 160.79.104.10
 *   2026-12-05T10:00:01Z deny GET example.org:80: 'example.org' port 80 is not in network.allow ...
 *
 * Hosts in it were checked to be names or addresses before they were
 * logged; anything else a sandbox sent is logged as printable ASCII only.
 * A log past 1 MiB moves to RUN.log.old; the newest 50 logs are kept.
 */

/* $XDG_STATE_HOME/sbx/net/RUN.log; NULL with a message. */
char *sbx_net_log_path(const char *run);

/*
 * Starts a run's log with its header (the directory made, older logs beyond
 * the newest 50 removed). Returns the path, or NULL with a message.
 */
char *sbx_net_log_begin(const char *run, const char *sandbox, const char *mode,
			const char *project);

/* The proxy's side: appends one decision (detail may be NULL). Never fails loudly. */
struct sbx_net_log {
	char *path;
	int fd;
};

void sbx_net_log_open(struct sbx_net_log *l, const char *path);
void sbx_net_log_close(struct sbx_net_log *l);
void sbx_net_log_write(struct sbx_net_log *l, const char *verdict, const char *kind,
		       const char *host, int port, const char *detail);

/*
 * The log `sbx net log [NAME]` shows: the newest whose run or sandbox is
 * NAME, or without NAME the newest of the project in dir (any project when
 * dir is NULL). NULL with a message naming what was looked for.
 */
char *sbx_net_log_find(const char *name, const char *dir);

/* The run a log's header names (for following it while the run lives); NULL if none. */
char *sbx_net_log_run(const char *path);

#endif
