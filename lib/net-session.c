/* A session's proxy process and the variables that lead to it (net-session.h). */
#include "net-session.h"
#include "config.h"
#include "error.h"
#include "names.h"
#include "net-proxy.h"
#include "paths.h"
#include "plugin.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

/* Moves fd above the descriptors the proxy is given (3 and 4), so that placing one never closes another. */
static int lift(int fd)
{
	return fd >= 0 ? fcntl(fd, F_DUPFD, 10) : -1;
}

/* In the forked proxy: every descriptor from `from` up closed, as posix_spawn's children have. */
static void close_from(int from)
{
#if defined(__linux__) && defined(SYS_close_range)
	if (!syscall(SYS_close_range, from, ~0U, 0))
		return;
#endif
	for (long fd = from, max = sysconf(_SC_OPEN_MAX); fd < (max > 0 && max < 65536 ? max : 65536);
	     fd++)
		close((int)fd);
}

/* The forked proxy: its descriptors at 3 (listening) and 4 (lifeline), nothing else. Never returns. */
static void proxy_child(const struct sbx_net_policy *p, int listen_fd, int life, const char *log)
{
	static const int ignored[] = { SIGINT, SIGQUIT, SIGHUP, SIGTSTP, SIGTTIN, SIGTTOU };
	struct sbx_proxy_opts o = { p, 3, 4, log };
	int a = lift(listen_fd), b = lift(life), null = open("/dev/null", O_RDONLY);
	sigset_t none;

	/* The terminal's signals are the run's to handle: the run ends the proxy. */
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		signal(ignored[i], SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (a < 0 || b < 0 || dup2(a, 3) != 3 || dup2(b, 4) != 4)
		_exit(125);
	if (null >= 0 && null != 0) {
		dup2(null, 0);
		close(null);
	}
	close_from(5);
#ifdef __linux__
	prctl(PR_SET_NAME, "sbx-proxy", 0, 0, 0);
#endif
	_exit(sbx_proxy_serve(&o) ? 125 : 0);
}

int sbx_net_proxy_start(struct sbx_net_proxy *px, const struct sbx_net_policy *p, int listen_fd,
			const char *log)
{
	int life[2] = { -1, -1 }, ret = -1;
	pid_t pid;

	if (pipe(life)) {
		sbx_error_errno("cannot create a pipe");
		goto out;
	}
	fcntl(life[1], F_SETFD, FD_CLOEXEC);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		sbx_error_errno("cannot fork the network proxy");
		goto out;
	}
	if (!pid)
		proxy_child(p, listen_fd, life[0], log);
	px->pid = pid;
	px->lifeline = life[1];
	life[1] = -1;
	ret = 0;
out:
	for (int i = 0; i < 2; i++)
		if (life[i] >= 0)
			close(life[i]);
	if (listen_fd >= 0)
		close(listen_fd);
	return ret;
}

void sbx_net_proxy_stop(struct sbx_net_proxy *px)
{
	int status;

	if (px->lifeline >= 0)
		close(px->lifeline);
	px->lifeline = -1;
	if (px->pid > 0) {
		kill(px->pid, SIGTERM);
		while (waitpid(px->pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	px->pid = 0;
}

void sbx_net_proxy_leave(struct sbx_net_proxy *px)
{
	if (px->lifeline >= 0)
		close(px->lifeline);
	px->lifeline = -1;
	px->pid = 0;
}

void sbx_net_proxy_env(const char *url, struct sbx_strvec *env)
{
	static const char *const names[] = { "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
		"http_proxy", "https_proxy", "all_proxy", NULL };

	for (size_t i = 0; names[i]; i++)
		sbx_strvec_pushf(env, "%s=%s", names[i], url);
	sbx_strvec_push(env, "NO_PROXY=localhost,127.0.0.1,::1");
	sbx_strvec_push(env, "no_proxy=localhost,127.0.0.1,::1");
	sbx_strvec_push(env, "NODE_USE_ENV_PROXY=1");
	/* ssh has no proxy variable: git over ssh goes through a ProxyCommand. */
	sbx_strvec_push(env, "GIT_SSH_COMMAND=ssh -o 'ProxyCommand=sbx net connect %h %p'");
}

char *sbx_net_new_token(void)
{
	return sbx_random_id(32);
}

const char *sbx_net_unenforced(const struct sbx_config *cfg, const char *backend)
{
	int mode = sbx_net_mode_parse(sbx_config_string(cfg, "network.mode"));

	if (strcmp(backend, "lima") || mode == SBX_NET_HOST || !sbx_plugin_is_enabled(cfg, "docker"))
		return NULL;
	return mode == SBX_NET_ALLOWLIST
		? "the allowlist is not enforced: the docker plugin puts the agent in the docker "
		  "group, which is root in the guest"
		: "the network rules are not enforced: the docker plugin puts the agent in the "
		  "docker group, which is root in the guest";
}

void sbx_net_doctor(const struct sbx_config *cfg, sbx_report_fn report)
{
	const char *backend = cfg ? sbx_config_string(cfg, "backend") : NULL;
	struct sbx_net_policy p;
	const char *weak;
	char *line;

	if (!cfg)
		return;
	if (sbx_net_policy_from_config(&p, cfg, (const char *[]){ sbx_config_string(cfg, "agent"),
								 NULL })) {
		report(SBX_CHECK_FAIL, "network", sbx_last_error(), "correct network.* in the "
		       "configuration ('sbx config validate')");
		return;
	}
	switch (p.mode) {
	case SBX_NET_OPEN:
		line = sbx_strdup("open: any public name, through sbx's proxy; loopback, private and "
				  "metadata addresses refused (network.mode)");
		break;
	case SBX_NET_ALLOWLIST:
		line = sbx_asprintf("allowlist: %zu entries, through sbx's proxy (network.allow, "
				    "network.registries, the agent's own)", p.nr_allow);
		break;
	case SBX_NET_NONE:
		line = sbx_strdup("none: a loopback only (network.mode)");
		break;
	default:
		line = NULL;
		report(SBX_CHECK_WARN, "network", "host: a bwrap sandbox shares the host's network "
		       "namespace (its loopback services, its abstract sockets); a Lima guest reaches "
		       "everything", "set network.mode to \"open\" or \"allowlist\"");
	}
	if (line)
		report(SBX_CHECK_OK, "network", line, NULL);
	weak = sbx_net_unenforced(cfg, backend ? backend : "lima");
	if (weak)
		report(SBX_CHECK_WARN, "network", weak, "drop the docker plugin, or use the bwrap "
		       "backend, until it gives the agent rootless Docker");
	free(line);
	sbx_net_policy_release(&p);
}
