#ifndef SBX_GITRISK_H
#define SBX_GITRISK_H

#include <stddef.h>

#include "backend.h"
#include "project.h"

/*
 * Host git configuration that points into the project. The sandbox writes
 * the work tree, and no bind can protect a file there: with core.hooksPath
 * at .husky, a filter, diff driver, fsmonitor, ssh command or gpg program
 * naming a script in the project, or an include of a config file in it, git
 * on the host runs what the agent wrote at the user's next git command.
 * sbx cannot fix that, only say so: sbx doctor, and the first sbx run or
 * sbx shell in such a project (then again only when the configuration says
 * something new).
 *
 * The configuration is read as git resolves it (system, global, the
 * repository's, their includes), through libgit2 (lib/gitmod.h).
 */
struct sbx_git_risk {
	char *key;		/* as git's documentation spells it: "core.hooksPath", "filter.x.clean" */
	char *target;		/* the path inside the project it names */
	char *file;		/* the configuration file that sets it; NULL when unknown */
};

/*
 * The risks of p's repository (none outside git), in configuration order.
 * 0, or -1 with a message. Free with sbx_git_risks_free.
 */
int sbx_git_risks(const struct sbx_project *p, struct sbx_git_risk **out, size_t *nr);
void sbx_git_risks_free(struct sbx_git_risk *r, size_t nr);

/* One line for a risk: what it names, why it matters and the fix. Caller frees. */
char *sbx_git_risk_describe(const struct sbx_git_risk *r, int with_fix);

/* sbx doctor's check: a warning per risk, or one ok. */
void sbx_git_risks_doctor(const struct sbx_project *p, sbx_report_fn report);

/*
 * Warns (stderr, one line each) of the risks not warned of before for this
 * project, remembered in $XDG_STATE_HOME/sbx/git-config/. While no
 * configuration file has changed since (a stat each), nothing is read: sbx
 * run pays a few stat calls, not libgit2. Failures are only warned of.
 */
void sbx_git_risks_warn_once(const struct sbx_project *p);

#endif
