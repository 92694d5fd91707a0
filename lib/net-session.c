/* A session's proxy process and the variables that lead to it (net-session.h). */
#include "net-session.h"
#include "config.h"
#include "error.h"
#include "json.h"
#include "names.h"
#include "paths.h"
#include "plugin.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int sbx_net_proxy_start(struct sbx_net_proxy *px, const struct sbx_net_policy *p, int listen_fd,
			const char *log)
{
	int policy[2] = { -1, -1 }, life[2] = { -1, -1 }, ret = -1;
	char *exe = sbx_self_exe();
	struct sbx_buf text = SBX_BUF_INIT;
	cJSON *doc = NULL;

	if (!exe)
		goto out;
	if (pipe(policy) || pipe(life)) {
		sbx_error_errno("cannot create a pipe");
		goto out;
	}
	for (int i = 0; i < 2; i++) {
		fcntl(policy[i], F_SETFD, FD_CLOEXEC);
		fcntl(life[i], F_SETFD, FD_CLOEXEC);
	}
	sbx_strvec_pushv(&px->child.args, (const char *[]){ exe, "net", "serve", NULL });
	sbx_strvec_pushf(&px->child.args, "--policy-fd=%d", policy[0]);
	sbx_strvec_pushf(&px->child.args, "--listen-fd=%d", listen_fd);
	sbx_strvec_pushf(&px->child.args, "--parent-fd=%d", life[0]);
	if (log)
		sbx_strvec_pushf(&px->child.args, "--log=%s", log);
	/* It needs nothing of ours: no variable, no terminal input. */
	px->child.clean_env = 1;
	sbx_strvec_push(&px->child.env, "PATH=/usr/bin:/bin");
	px->child.pass_fds[px->child.nr_pass_fds++] = policy[0];
	px->child.pass_fds[px->child.nr_pass_fds++] = listen_fd;
	px->child.pass_fds[px->child.nr_pass_fds++] = life[0];
	px->child.in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (sbx_child_start(&px->child))
		goto out;
	doc = sbx_net_policy_to_json(p);
	sbx_json_print(&text, doc, 0);
	/* It reads the policy to its end before it serves anyone. */
	if (write_all(policy[1], text.buf, text.len)) {
		sbx_error_errno("cannot hand the proxy its policy");
		kill(px->child.pid, SIGTERM);
		sbx_child_wait(&px->child);
		goto out;
	}
	px->lifeline = life[1];
	life[1] = -1;
	ret = 0;
out:
	if (px->child.in >= 0)
		close(px->child.in);
	px->child.in = -1;
	px->child.nr_pass_fds = 0;
	for (int i = 0; i < 2; i++) {
		if (policy[i] >= 0)
			close(policy[i]);
		if (life[i] >= 0 && (i == 0 || ret))
			close(life[i]);
	}
	if (listen_fd >= 0)
		close(listen_fd);
	memset(text.buf, 0, text.len);
	sbx_buf_release(&text);
	cJSON_Delete(doc);
	free(exe);
	return ret;
}

void sbx_net_proxy_stop(struct sbx_net_proxy *px)
{
	if (px->lifeline >= 0)
		close(px->lifeline);
	px->lifeline = -1;
	if (px->child.pid > 0) {
		kill(px->child.pid, SIGTERM);
		sbx_child_wait(&px->child);
	}
	sbx_child_release(&px->child);
	sbx_child_init(&px->child);
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
