/*
 * The command a bwrap sandbox runs (bwrap.h): where the sandbox will find
 * it, and so whether bwrap can exec it without the launcher; and the agent's
 * CLI, installed with npm into sbx's own tools prefix when the host has none.
 *
 * The sandbox's PATH is the host's own directories, read-only, behind sbx's
 * two: SBX_BIN_DIR (the host's sbx, for hooks) and the tools prefix's bin,
 * so sbx finds on the host what the sandbox will find.
 */
#include "backend.h"
#include "bwrap.h"
#include "error.h"
#include "fsutil.h"
#include "paths.h"
#include "progress.h"
#include "session.h"
#include "spawn.h"
#include "term.h"
#include "xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/timerfd.h>
#endif

/* The sandbox's PATH after the tools prefix: the host's, bound read-only at the same place. */
static const char *const system_bin[] = { "/usr/local/bin", "/usr/bin", "/bin", NULL };
/* What the sandbox shows at the same path as the host (bind_system in bwrap.c). */
static const char *const same_place[] = { "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64",
	"/libx32", "/etc/alternatives", NULL };
/* Links lead through at most this many hops before sbx lets the launcher decide. */
#define MAX_HOPS 16

char *sbx_bwrap_tools_dir(void)
{
	char *data = sbx_data_dir(), *tools;

	if (!data)
		return NULL;
	tools = sbx_asprintf("%s/bwrap/tools", data);
	free(data);
	return tools;
}

static int under(const char *path, const char *dir)
{
	size_t len = strlen(dir);

	return !strncmp(path, dir, len) && (path[len] == '/' || !path[len]);
}

/* Is path (clean) shown at the same place in the sandbox, or in the tools prefix? */
static int visible(const char *path, const char *tools)
{
	if (tools && under(path, tools))
		return 1;
	for (size_t i = 0; same_place[i]; i++)
		if (under(path, same_place[i]))
			return 1;
	return 0;
}

/*
 * Does path, on the host, lead to a program by a way the sandbox has too?
 * Each link on the way must stay where the sandbox shows the same thing: an
 * absolute one in the system directories (the tools prefix is elsewhere
 * inside), a relative one also within the tools prefix.
 */
static int reachable(const char *start, const char *tools)
{
	char *path = sbx_path_clean(start);
	int hops = 0, ok = 0;
	struct stat st;

	while (visible(path, tools) && !lstat(path, &st)) {
		char target[4096], *dir, *next;
		ssize_t n;

		if (!S_ISLNK(st.st_mode)) {
			ok = S_ISREG(st.st_mode) && !access(path, X_OK);
			break;
		}
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0 || ++hops > MAX_HOPS)
			break;
		target[n] = '\0';
		if (target[0] == '/') {
			if (tools && under(target, tools))
				break;
			next = sbx_path_clean(target);
		} else {
			dir = sbx_strndup(path, (size_t)(strrchr(path, '/') - path));
			next = sbx_asprintf("%s/%s", dir, target);
			free(dir);
			free(path);
			path = next;
			next = sbx_path_clean(path);
		}
		free(path);
		path = next;
	}
	free(path);
	return ok;
}

/* Does a mount of the session cover or lie under path? Then the host's view is not the sandbox's. */
static int mounted_over(const struct sbx_session *s, const char *path)
{
	for (size_t i = 0; i < s->nr_mounts; i++) {
		const char *g = s->mounts[i].guest;

		if (g[0] == '/' && (under(path, g) || under(g, path)))
			return 1;
	}
	return 0;
}

/*
 * Where the sandbox finds cmd, as a host path, or NULL. The first PATH entry
 * that has it decides: when the sandbox could not run what is there, NULL
 * leaves it to the launcher, which says what happened.
 */
static char *find(const struct sbx_session *s, const char *cmd, const char *tools)
{
	char *path;

	if (strchr(cmd, '/'))
		return cmd[0] == '/' && !(tools && under(cmd, tools)) && reachable(cmd, NULL) &&
		       !mounted_over(s, cmd) ? sbx_strdup(cmd) : NULL;
	/* The host's own sbx, bound for the hooks, comes first on the sandbox's PATH. */
	if (!strcmp(cmd, "sbx"))
		return NULL;
	/*
	 * A mount on the way shows the sandbox something the host does not have
	 * there; sbx's own two entries (bwrap.c's SBX_BIN_DIR) come first.
	 */
	if (mounted_over(s, "/opt/sbx/bin") || mounted_over(s, SBX_BWRAP_TOOLS_MOUNT "/bin"))
		return NULL;
	path = tools ? sbx_asprintf("%s/bin/%s", tools, cmd) : NULL;
	if (path && !access(path, F_OK))
		return reachable(path, tools) ? path : NULL;
	for (size_t i = 0; system_bin[i]; i++) {
		struct stat st;

		free(path);
		path = NULL;
		if (mounted_over(s, system_bin[i]))
			break;
		path = sbx_asprintf("%s/%s", system_bin[i], cmd);
		if (lstat(path, &st))
			continue;
		if (reachable(path, NULL))
			return path;
		break;
	}
	free(path);
	return NULL;
}

int sbx_bwrap_exec_direct(const struct sbx_session *s, const char *tools)
{
	char *found;

	if (sbx_session_has_env_script(s) || s->scripts.nr || !s->command.nr)
		return 0;
	/* bwrap looks the command up with the PATH of its own environment, the sandbox's. */
	for (size_t i = 0; i < s->public_env.nr; i++)
		if (!strncmp(s->public_env.v[i], "PATH=", 5))
			return 0;
	found = find(s, s->command.v[0], tools);
	free(found);
	return found != NULL;
}

static int agent_installed(const struct sbx_session *s, const char *tools)
{
	char *found;

	if (s->agent.command[0] == '/')
		return !access(s->agent.command, X_OK);
	found = find(s, s->agent.command, tools);
	free(found);
	return found != NULL;
}

/* The install's line, and its clock: a timer each second, as spawn's watch (spawn.h) wants a descriptor. */
struct install_step {
	struct sbx_progress p;
	int timer;
};

static long tick(void *data, int ready)
{
	struct install_step *step = data;
	uint64_t n;

	if (ready && read(step->timer, &n, sizeof(n)) < 0)
		errno = 0;
	sbx_progress_tick(&step->p);
	return -1;
}

static char *log_path(void)
{
	char *state = sbx_state_dir(), *dir, *path = NULL;

	if (!state)
		return NULL;
	dir = sbx_path_join(state, "logs");
	if (!sbx_mkdir_private(dir, 0700))
		path = sbx_path_join(dir, "npm-install.log");
	free(dir);
	free(state);
	return path;
}

int sbx_bwrap_install_agent(const struct sbx_session *s)
{
	struct sbx_child c = SBX_CHILD_INIT;
	struct install_step step;
	struct sbx_child_watch watch;
	char *tools = sbx_bwrap_tools_dir(), *log = NULL;
	int ret = 0, code, fd = -1, devnull = -1;

	if (!tools)
		return -1;
	/* Without npm the launcher says, when the agent is not found, how to install it. */
	if (agent_installed(s, tools) || !s->agent.npm || !sbx_which("npm"))
		goto out;
	ret = -1;
	log = log_path();
	if (!log)
		goto out;
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || devnull < 0) {
		sbx_error_errno("cannot open '%s'", log);
		goto out;
	}
	sbx_strvec_pushv(&c.args, (const char *[]){ "npm", "install", "--global", "--no-fund",
		"--no-audit", "--prefix", tools, s->agent.npm, NULL });
	/* npm's output is not the agent's: it goes to the log, the step is one line. */
	c.in = devnull;
	c.out = fd;
	c.err = fd;
	c.forward_signals = 1;
	step.timer = -1;
#ifdef __linux__
	step.timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (step.timer >= 0) {
		struct itimerspec each = { { 1, 0 }, { 1, 0 } };

		timerfd_settime(step.timer, 0, &each, NULL);
		watch.fd = step.timer;
		watch.on_event = tick;
		watch.data = &step;
		c.watch = &watch;
	}
#else
	(void)watch;
	(void)tick;
#endif
	sbx_progress_begin(&step.p, "installing %s with npm (%s) into %s", s->agent.name,
			   s->agent.npm, tools);
	code = sbx_child_run(&c);
	sbx_progress_end(&step.p, code == 0);
	if (step.timer >= 0)
		close(step.timer);
	if (code == 127)
		sbx_error("cannot install the agent '%s': npm was not found", s->agent.name);
	else if (code)
		sbx_error("cannot install the agent '%s': 'npm install --global %s' failed (exit %d); "
			  "its output is in '%s'", s->agent.name, s->agent.npm, code, log);
	else
		ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (devnull >= 0)
		close(devnull);
	sbx_child_release(&c);
	free(log);
	free(tools);
	return ret;
}
