#ifndef SBX_CGROUP_H
#define SBX_CGROUP_H

#include <cjson/cJSON.h>
#include <sys/types.h>

struct sbx_child;

/*
 * A bwrap sandbox's cgroup: the limits (resources.h) hold for every process of
 * the sandbox and for every client that enters it (nsenter.h), and the run's
 * end kills whatever is left in it.
 *
 * Where it is made, in this order:
 * - cgroup v2 with systemd: a transient scope (`systemd-run --scope`; --user
 *   for a user), named after the run, with TasksMax, MemoryMax and CPUQuota;
 * - cgroup v2 or v1 without it: a directory sbx makes, named after the run,
 *   under the cgroup sbx runs in (/proc/self/cgroup), in each hierarchy it
 *   needs (v1: pids, memory, cpu), so that an administrator's limits above
 *   still hold; never in a hierarchy's root: from the root (root only) under
 *   ROOT/sbx instead. A user needs a cgroup delegated to them to run in (one
 *   they own: see the README, and tests/cgroup-delegate.sh);
 * - nowhere: `sbx doctor` says why and the run warns (resources.h).
 *
 * A process is started inside (sbx_cgroup_start) by moving sbx itself in
 * just for the spawn, so that not one fork of the child happens outside.
 * The paths sbx made are kept in the run's owner record (owner.h), which the
 * sandbox cannot write, for `sbx attach` and for reaping a killed run's.
 */

struct sbx_limits {
	long long pids;		/* processes and threads; 0: no limit */
	long long memory;	/* bytes; 0: no limit */
	int cpus;		/* 0: no limit */
};

enum sbx_cgroup_way { SBX_CGROUP_NONE, SBX_CGROUP_V1, SBX_CGROUP_V2, SBX_CGROUP_SYSTEMD };

#define SBX_CGROUP_MAX 3

struct sbx_cgroup {
	enum sbx_cgroup_way way;
	int nr;
	char *dir[SBX_CGROUP_MAX];	/* the sandbox's, one per hierarchy */
	char *home[SBX_CGROUP_MAX];	/* sbx's own there, where it goes back after a start */
	const char *ctrl[SBX_CGROUP_MAX];	/* v1: the controller of each */
	char *unit;			/* systemd: the scope's name */
	unsigned user : 1;		/* systemd: the user's manager */
	struct sbx_limits want;		/* what was asked */
	/* The limits that do not hold and why ("memory: ..."), or NULL; for doctor and the warning. */
	char *missing;
};

#define SBX_CGROUP_INIT { SBX_CGROUP_NONE, 0, { NULL }, { NULL }, { NULL }, NULL, 0, { 0, 0, 0 }, NULL }

/*
 * Finds where a cgroup for limits l can be made: without making it, when
 * name is NULL (cg->dir are then the directories it would be made in). With
 * a name (which starts with "sbx-"), makes it and writes the limits.
 * Returns 0 (what does not hold is in cg->missing: nothing holds when
 * cg->way is SBX_CGROUP_NONE); -1 with a message for what should not fail.
 */
int sbx_cgroup_create(struct sbx_cgroup *cg, const char *name, const struct sbx_limits *l);

/* sbx_child_start(c), with the child born in cg (or as it is, when cg holds nothing). */
int sbx_cgroup_start(struct sbx_cgroup *cg, struct sbx_child *c);

/*
 * Moves process pid (and so what it starts later) into cg. Returns 0 or -1
 * with a message (systemd: a scope its manager would not move pid into is
 * a warning).
 */
int sbx_cgroup_add(const struct sbx_cgroup *cg, pid_t pid);

/* Adds "cgroup": {"way", "dirs": [...], "unit"} to a run's record. */
void sbx_cgroup_record(const struct sbx_cgroup *cg, cJSON *record);
/*
 * The cgroup a record names; nothing (SBX_CGROUP_NONE) when it names none,
 * or paths that are not a cgroup sbx makes (under /sys/fs/cgroup, a last
 * component "sbx-...", no "..").
 */
void sbx_cgroup_from_record(const cJSON *record, struct sbx_cgroup *cg);

/*
 * Kills what is left in cg (cgroup.kill where the kernel has it; v1 has
 * not: each member, until none is left) and removes the directories sbx
 * made. A directory that stays busy is left for the next reap. Releases cg.
 */
void sbx_cgroup_destroy(struct sbx_cgroup *cg);
void sbx_cgroup_release(struct sbx_cgroup *cg);

/* Destroys what a killed run called name left where this sbx would make its cgroup. */
void sbx_cgroup_reap(const char *name);

#endif
