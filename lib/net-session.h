#ifndef SBX_NET_SESSION_H
#define SBX_NET_SESSION_H

#include "backend.h"
#include "net-policy.h"
#include "spawn.h"
#include "strvec.h"

/*
 * What every backend does with a session's network: the proxy process it
 * starts for the sandbox (`sbx net serve`, net-proxy.h), and the variables
 * that send the sandbox's programs through it.
 */

/*
 * The proxy of one sandbox: a fork of this sbx (no exec: starting a program
 * again would cost more than the proxy does), which keeps nothing of sbx's
 * but the policy and its two descriptors, and ends with it.
 */
struct sbx_net_proxy {
	pid_t pid;		/* 0: none */
	int lifeline;		/* the write end of the pipe whose end tells it to go */
};

#define SBX_NET_PROXY_INIT { 0, -1 }

/*
 * Starts the proxy for policy p on the listening socket listen_fd (which it
 * takes: closed here), logging to log (net-log.h; NULL: nowhere).
 */
int sbx_net_proxy_start(struct sbx_net_proxy *px, const struct sbx_net_policy *p, int listen_fd,
			const char *log);
/* Ends it and waits for it; nothing to do when it was never started. */
void sbx_net_proxy_stop(struct sbx_net_proxy *px);
/*
 * Lets it go without ending it: a keeper (tmux.h), forked after it started,
 * holds its lifeline too and ends it.
 */
void sbx_net_proxy_leave(struct sbx_net_proxy *px);

/*
 * The variables for a proxy at url ("http://127.0.0.1:3128", with
 * credentials where it wants them), as NAME=value: HTTP_PROXY, HTTPS_PROXY,
 * ALL_PROXY and their lowercase forms, NO_PROXY (loopback), NODE_USE_ENV_PROXY
 * (Node 22.21 and later; older Node ignores every one of them and fails
 * closed) and GIT_SSH_COMMAND, whose ProxyCommand is `sbx net connect`.
 */
void sbx_net_proxy_env(const char *url, struct sbx_strvec *env);

/* A random token for Proxy-Authorization (letters and digits). */
char *sbx_net_new_token(void);

/*
 * Where the configuration's mode cannot hold on Lima: the docker plugin puts
 * the agent in the docker group, which is root in the guest (a privileged
 * container flushes the rules). The one line that says so, or NULL.
 */
const char *sbx_net_unenforced(const struct sbx_config *cfg, const char *backend);

/* sbx doctor's line for the network: the mode, and a warning where it is weak. */
void sbx_net_doctor(const struct sbx_config *cfg, sbx_report_fn report);

#endif
