/* A bwrap sandbox's resource limits (resources.h). */
#include "resources.h"
#include "config.h"
#include "error.h"
#include "fsutil.h"
#include "paths.h"
#include "xalloc.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void sbx_resources_get(const struct sbx_config *cfg, struct sbx_limits *l)
{
	/* No configuration (doctor outside a project, or a bad one): the defaults. */
	struct sbx_config *defaults = cfg ? NULL : sbx_config_new();
	const char *mem;
	size_t len;

	cfg = cfg ? cfg : defaults;
	mem = sbx_config_string(cfg, "resources.memory");
	len = mem ? strlen(mem) : 0;
	l->pids = sbx_config_int(cfg, "resources.pids");
	l->cpus = (int)sbx_config_int(cfg, "resources.cpus");
	l->memory = 0;
	if (len > 1 && mem[len - 1] == '%') {
		long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

		if (pages > 0 && size > 0)
			l->memory = (long long)pages * size / 100 * strtol(mem, NULL, 10);
	} else if (mem) {
		l->memory = sbx_parse_size(mem);
		if (l->memory < 0)
			l->memory = 0;
	}
	sbx_config_free(defaults);
}

static void describe(const struct sbx_limits *l, struct sbx_buf *out)
{
	if (l->pids)
		sbx_buf_addf(out, "pids %lld", l->pids);
	else
		sbx_buf_adds(out, "pids unlimited");
	if (l->memory)
		sbx_buf_addf(out, ", memory %.1fGiB", (double)l->memory / (1024.0 * 1024 * 1024));
	else
		sbx_buf_adds(out, ", memory unlimited");
	if (l->cpus)
		sbx_buf_addf(out, ", cpus %d", l->cpus);
	else
		sbx_buf_adds(out, ", cpus all");
}

/* Has this reason been said before? Remembers it when not. */
static int said_before(const char *reason)
{
	struct sbx_buf old = SBX_BUF_INIT;
	char *state = sbx_state_dir(), *path = NULL;
	int said = 0;

	if (!state)
		goto out;
	path = sbx_path_join(state, "limits-warned");
	said = !sbx_buf_read_file(&old, path) && !strcmp(old.buf, reason);
	if (!said && !sbx_mkdir_p(state, 0700))
		sbx_write_file(path, reason, strlen(reason), 0600);
out:
	sbx_clear_error();
	sbx_buf_release(&old);
	free(state);
	free(path);
	return said;
}

void sbx_resources_cgroup(const struct sbx_config *cfg, const char *name, struct sbx_cgroup *cg)
{
	struct sbx_limits l;

	sbx_resources_get(cfg, &l);
	if (sbx_cgroup_create(cg, name, &l))
		sbx_clear_error();
	if (cg->missing && !said_before(cg->missing))
		sbx_warn("%s limits do not hold: %s; delegate a cgroup to sbx (see the README) "
			 "(said once; 'sbx doctor' says it every time)",
			 cg->way == SBX_CGROUP_NONE ? "the sandbox's" : "some of the sandbox's",
			 cg->missing);
}

void sbx_resources_doctor(const struct sbx_config *cfg, sbx_report_fn report)
{
	static const char *const ways[] = { "none", "cgroup v1", "cgroup v2",
		"cgroup v2, systemd scopes" };
	struct sbx_cgroup cg = SBX_CGROUP_INIT;
	struct sbx_buf what = SBX_BUF_INIT;
	struct sbx_limits l;

	sbx_resources_get(cfg, &l);
	describe(&l, &what);
	if (sbx_cgroup_create(&cg, NULL, &l))
		sbx_clear_error();
	if (!l.pids && !l.memory && !l.cpus)
		report(SBX_CHECK_WARN, "limits", "off: a sandbox can use the whole host",
		       "set \"resources\" (pids, memory, cpus) in the configuration");
	else if (cg.missing) {
		sbx_buf_addf(&what, " (%s): %s", ways[cg.way], cg.missing);
		report(SBX_CHECK_WARN, "limits", what.buf,
		       "delegate a cgroup to sbx: see the README, Resource limits");
	} else {
		sbx_buf_addf(&what, " (%s)", ways[cg.way]);
		report(SBX_CHECK_OK, "limits", what.buf, NULL);
	}
	sbx_cgroup_release(&cg);
	sbx_buf_release(&what);
}
