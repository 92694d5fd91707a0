/* The values completion knows how to find (complete.h): agents, sandboxes, plugins, worktrees. */
#include "complete.h"
#include "agents.h"
#include "backend.h"
#include "cmd.h"
#include "config.h"
#include "error.h"
#include "gitmod.h"
#include "json.h"
#include "paths.h"
#include "project.h"
#include "spawn.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void sbx_complete_emit(const struct sbx_complete_emit *e, const char *word, const char *desc)
{
	if (strncmp(word, e->prefix, strlen(e->prefix)))
		return;
	sbx_buf_addf(e->out, "%s%s", e->lead, word);
	if (desc && *desc) {
		sbx_buf_addch(e->out, '\t');
		sbx_buf_add(e->out, desc, strcspn(desc, "\t\n"));
	}
	sbx_buf_addch(e->out, '\n');
}

static void agents(const struct sbx_complete_emit *e)
{
	struct sbx_project p;

	for (size_t i = 0; sbx_builtin_agents[i]; i++)
		sbx_complete_emit(e, sbx_builtin_agents[i], "built in");
	/* And those the project's configuration adds. */
	if (!sbx_project_detect(&p, NULL)) {
		struct sbx_config *cfg = sbx_config_load_flags(&p, SBX_CONFIG_QUIET_TRUST);
		const cJSON *conf = cfg ? sbx_config_get(cfg, "agents") : NULL;

		for (const cJSON *a = conf ? conf->child : NULL; a; a = a->next) {
			size_t i = 0;

			while (sbx_builtin_agents[i] && strcmp(sbx_builtin_agents[i], a->string))
				i++;
			if (!sbx_builtin_agents[i])
				sbx_complete_emit(e, a->string, "from the configuration");
		}
		sbx_config_free(cfg);
		sbx_project_release(&p);
	}
	sbx_clear_error();
}

static void sandboxes(const struct sbx_complete_emit *e)
{
	cJSON *all = sbx_list_sandboxes();

	for (const cJSON *s = all->child; s; s = s->next) {
		const char *name = sbx_json_get_string(s, "name");
		const char *project = sbx_json_get_string(s, "project");
		char *desc;

		if (!name)
			continue;
		desc = sbx_asprintf("%s %s, %s%s%s", sbx_json_get_string(s, "backend"),
				    sbx_json_get_string(s, "kind"), sbx_json_get_string(s, "status"),
				    project ? " in " : "", project ? project : "");
		sbx_complete_emit(e, name, desc);
		free(desc);
	}
	cJSON_Delete(all);
}

/* From `sbx plugins --json` (one object per line, or an array), whatever it answers. */
static void plugins(const struct sbx_complete_emit *e)
{
	struct sbx_child c = SBX_CHILD_INIT;
	struct sbx_buf out = SBX_BUF_INIT, err = SBX_BUF_INIT;
	char *self = sbx_self_exe();

	if (self) {
		sbx_strvec_pushv(&c.args, (const char *[]){ self, "plugins", "--json", NULL });
		if (!sbx_child_capture(&c, &out, &err)) {
			for (char *line = out.buf; *line;) {
				size_t len = strcspn(line, "\n");
				cJSON *doc = cJSON_ParseWithLength(line, len);
				const cJSON *items = cJSON_IsArray(doc) ? doc->child : doc;

				for (const cJSON *p = items; p; p = cJSON_IsArray(doc) ? p->next : NULL)
					if (sbx_json_get_string(p, "name"))
						sbx_complete_emit(e, sbx_json_get_string(p, "name"),
						     sbx_json_get_string(p, "summary"));
				cJSON_Delete(doc);
				line += len + (line[len] == '\n');
			}
		}
	}
	sbx_child_release(&c);
	sbx_buf_release(&out);
	sbx_buf_release(&err);
	free(self);
	sbx_clear_error();
}

static void worktrees(const struct sbx_complete_emit *e)
{
	const struct sbx_gitmod *git = sbx_gitmod();
	struct sbx_git_worktree *w = NULL;
	char *cwd = getcwd(NULL, 0);
	size_t nr = 0;

	if (git && cwd && !git->worktrees(cwd, 0, &w, &nr)) {
		for (size_t i = 0; i < nr; i++)
			if (!w[i].main && w[i].branch)
				sbx_complete_emit(e, w[i].branch, w[i].path);
		sbx_git_worktrees_free(w, nr);
	}
	free(cwd);
	sbx_clear_error();
}

void sbx_complete_values(enum sbx_complete_kind k, const struct sbx_complete_emit *e)
{
	static const char *const shell_kinds[] = {
		[SBX_COMP_FILES] = ":files", [SBX_COMP_DIRS] = ":dirs", [SBX_COMP_REFS] = ":refs",
		[SBX_COMP_BRANCHES] = ":branches",
	};

	switch (k) {
	case SBX_COMP_NONE:
		return;
	case SBX_COMP_AGENTS:
		agents(e);
		return;
	case SBX_COMP_BACKENDS:
		for (size_t i = 0; sbx_backends[i]; i++)
			sbx_complete_emit(e, sbx_backends[i]->name, NULL);
		return;
	case SBX_COMP_SANDBOXES:
		sandboxes(e);
		return;
	case SBX_COMP_COMMANDS:
		for (unsigned i = 0; i < sbx_nr_commands; i++)
			sbx_complete_emit(e, sbx_commands[i]->name, sbx_commands[i]->summary);
		return;
	case SBX_COMP_PLUGINS:
		plugins(e);
		return;
	case SBX_COMP_WORKTREES:
		worktrees(e);
		return;
	case SBX_COMP_FILES:
	case SBX_COMP_DIRS:
	case SBX_COMP_REFS:
	case SBX_COMP_BRANCHES:
		sbx_buf_addf(e->out, "%s\n", shell_kinds[k]);
		return;
	}
}
