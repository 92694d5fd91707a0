#ifndef SBX_RESOURCES_H
#define SBX_RESOURCES_H

#include "backend.h"
#include "cgroup.h"

struct sbx_config;

/*
 * A bwrap sandbox's resource limits, from the configuration's "resources"
 * (pids, memory, cpus; 0: none), on by default: a fork bomb or a runaway
 * build in a sandbox must not take the host down. Held by a cgroup
 * (cgroup.h). Lima's limits are its VM's cpus and memory.
 */

/* The limits cfg asks for; memory "N%" is that share of the host's memory. */
void sbx_resources_get(const struct sbx_config *cfg, struct sbx_limits *l);

/*
 * The cgroup of a sandbox called name, with cfg's limits; when some or all
 * of them cannot hold here, one warning says which and why, the first time
 * for that reason (remembered in $XDG_STATE_HOME/sbx/limits-warned), as
 * `sbx doctor` says it every time. Never fails: a sandbox without limits
 * still runs.
 */
void sbx_resources_cgroup(const struct sbx_config *cfg, const char *name, struct sbx_cgroup *cg);

/* `sbx doctor`'s line: the limits and how they hold, or why not. */
void sbx_resources_doctor(const struct sbx_config *cfg, sbx_report_fn report);

#endif
