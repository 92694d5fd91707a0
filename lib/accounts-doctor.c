/*
 * `sbx doctor`'s lines for the agents' accounts: whether credentials are
 * stored, and whether they work, by the agent's own cheap check (no model
 * call) in a sandbox where one starts in an instant (bwrap); on Lima a check
 * would boot a VM, so there they are "stored, not checked".
 */
#include "accounts.h"
#include "agents.h"
#include "config.h"
#include "credentials.h"
#include "error.h"
#include "json.h"
#include "paths.h"
#include "session.h"
#include "spawn.h"
#include "xalloc.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Is the agent's command where a bwrap sandbox finds it (its PATH: sbx's tools, /usr)? */
static int installed(const struct sbx_agent *a)
{
	const char *dirs[] = { "/usr/local/bin", "/usr/bin", "/bin", NULL };
	char *data = sbx_data_dir(), *p;
	int found;

	if (a->command[0] == '/') {
		free(data);
		return access(a->command, X_OK) == 0;
	}
	p = data ? sbx_asprintf("%s/bwrap/tools/bin/%s", data, a->command) : NULL;
	found = p && access(p, X_OK) == 0;
	free(p);
	free(data);
	for (size_t i = 0; dirs[i] && !found; i++) {
		p = sbx_asprintf("%s/%s", dirs[i], a->command);
		found = access(p, X_OK) == 0;
		free(p);
	}
	sbx_clear_error();
	return found;
}

/* Runs the agent's check in a sandbox with no terminal and no output; its exit code. */
static int run_check(const char *agent)
{
	struct sbx_session_opts o = { 0 };
	struct sbx_session s;
	int saved[3], null, code = -1;

	o.command = "check";
	o.agent = agent;
	if (sbx_session_prepare(&s, &o)) {
		sbx_session_release(&s);
		return -1;
	}
	s.persistent = 0;
	s.tmux = 0;
	sbx_strvec_clear(&s.command);
	sbx_strvec_push(&s.command, s.agent.command);
	sbx_strvec_pushv(&s.command, (const char *const *)s.agent.check_args.v);
	fflush(stdout);
	fflush(stderr);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int fd = 0; fd < 3; fd++) {
		saved[fd] = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		if (null >= 0)
			dup2(null, fd);
	}
	code = s.backend->run(&s);
	for (int fd = 0; fd < 3; fd++) {
		if (saved[fd] >= 0) {
			dup2(saved[fd], fd);
			close(saved[fd]);
		}
	}
	if (null >= 0)
		close(null);
	sbx_session_release(&s);
	return code;
}

/* The first of the agent's variables that env, envPass or secrets set, or NULL. */
static const char *configured_auth(const struct sbx_config *cfg, const struct sbx_agent *a)
{
	const cJSON *pass = sbx_config_get(cfg, "envPass");

	for (size_t i = 0; a->auth_env[i]; i++) {
		char *env = sbx_asprintf("env.%s", a->auth_env[i]);
		char *secret = sbx_asprintf("secrets.%s", a->auth_env[i]);
		int found = sbx_config_get(cfg, env) || sbx_config_get(cfg, secret);

		for (const cJSON *p = pass ? pass->child : NULL; p && !found; p = p->next)
			found = cJSON_IsString(p) && !strcmp(p->valuestring, a->auth_env[i]) &&
				getenv(p->valuestring);
		free(env);
		free(secret);
		if (found)
			return a->auth_env[i];
	}
	return NULL;
}

static void check_agent(const struct sbx_config *cfg, const char *name, const char *chosen,
			const char *backend, sbx_report_fn report)
{
	struct sbx_agent a;
	char *what, *where, *detail = NULL, *fix = NULL;
	cJSON *cred = NULL;
	int stored;

	if (sbx_agent_resolve(&a, name, cfg)) {
		sbx_clear_error();
		return;
	}
	what = sbx_asprintf("login %s", name);
	if (!a.can_login)
		goto out;
	stored = sbx_credentials_load(name, &cred);
	sbx_credentials_free(cred);
	if (stored < 0) {
		fix = sbx_asprintf("correct it, or 'sbx logout --agent %s' and log in again", name);
		report(SBX_CHECK_FAIL, what, sbx_last_error(), fix);
		sbx_clear_error();
		goto out;
	}
	if (!stored) {
		const char *var = cfg ? configured_auth(cfg, &a) : NULL;

		if (var) {
			detail = sbx_asprintf("not stored; %s comes from the configuration", var);
			report(SBX_CHECK_OK, what, detail, NULL);
		} else if (chosen && !strcmp(chosen, name)) {
			fix = sbx_asprintf("sbx login --agent %s (or pass %s with \"secrets\" or "
					   "\"envPass\")", name, a.auth_env[0] ? a.auth_env[0]
					   : "its credentials");
			report(SBX_CHECK_WARN, what, "no credentials stored", fix);
		}
		goto out;
	}
	where = sbx_credentials_where(name);
	if (!a.check_args.nr || !backend || strcmp(backend, "bwrap") || !installed(&a)) {
		detail = sbx_asprintf("stored in %s, not checked%s", where,
				      !a.check_args.nr ? " (the agent has no check)" :
				      backend && !strcmp(backend, "lima") ?
				      " (a check would boot a VM)" : "");
		report(SBX_CHECK_OK, what, detail, NULL);
	} else {
		int code = run_check(name);

		if (code == 0) {
			detail = sbx_asprintf("stored in %s; '%s %s' says they work", where,
					      a.command, a.check_args.v[0]);
			report(SBX_CHECK_OK, what, detail, NULL);
		} else {
			detail = sbx_asprintf("stored in %s, but the agent's check failed (%s%d)",
					      where, code < 0 ? "" : "exit ", code < 0 ? -1 : code);
			fix = sbx_asprintf("sbx login --agent %s", name);
			report(SBX_CHECK_FAIL, what, detail, fix);
		}
		sbx_clear_error();
	}
	free(where);
out:
	free(detail);
	free(fix);
	free(what);
	sbx_agent_release(&a);
}

void sbx_accounts_doctor(const struct sbx_config *cfg, sbx_report_fn report)
{
	const char *chosen = cfg ? sbx_config_string(cfg, "agent") : NULL;
	const char *backend = cfg ? sbx_config_string(cfg, "backend") : NULL;
	const cJSON *agents = cfg ? sbx_config_get(cfg, "agents") : NULL;

	/* As sbx_backend_choose: lima where limactl is found, unless configured. */
	if (!backend && sbx_which("limactl"))
		backend = "lima";
	for (size_t i = 0; sbx_builtin_agents[i]; i++)
		check_agent(cfg, sbx_builtin_agents[i], chosen, backend, report);
	for (const cJSON *e = agents ? agents->child : NULL; e; e = e->next) {
		int builtin = 0;

		for (size_t i = 0; sbx_builtin_agents[i]; i++)
			builtin |= !strcmp(sbx_builtin_agents[i], e->string);
		if (!builtin)
			check_agent(cfg, e->string, chosen, backend, report);
	}
}
