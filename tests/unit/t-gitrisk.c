/*
 * Host git configuration that points into the project (lib/gitrisk.h):
 * which keys, resolved against what, through includes, and what is not a
 * risk (programs on PATH, absolute paths outside, the read-only hooks).
 */
#include "tap.h"
#include "scratch.h"

#include "error.h"
#include "gitrisk.h"
#include "project.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

static struct sbx_git_risk *risks;
static size_t nr;

/* Detects the project at rel and reads its risks; 0 or -1. */
static int scan(const char *rel)
{
	struct sbx_project p;
	char *dir = sbx_asprintf("%s/%s", scratch, rel);
	int ret = sbx_project_detect(&p, dir);

	sbx_git_risks_free(risks, nr);
	risks = NULL;
	nr = 0;
	if (!ret) {
		ret = sbx_git_risks(&p, &risks, &nr);
		sbx_project_release(&p);
	}
	if (ret)
		diag("%s", sbx_last_error());
	free(dir);
	return ret;
}

/* The risk of key, or NULL. */
static const struct sbx_git_risk *risk(const char *key)
{
	for (size_t i = 0; i < nr; i++)
		if (!strcmp(risks[i].key, key))
			return &risks[i];
	return NULL;
}

/* key is a risk naming target (relative to the scratch directory), set in file (likewise). */
static void flagged(const char *key, const char *target, const char *file)
{
	const struct sbx_git_risk *r = risk(key);
	char *t = sbx_asprintf("%s/%s", scratch, target), *f = sbx_asprintf("%s/%s", scratch, file);

	if (ok(r != NULL, "%s is flagged", key)) {
		is_str(r->target, t, "%s: naming what it points to", key);
		is_str(r->file, f, "%s: and the file that sets it", key);
	} else {
		ok(0, "# %s: not flagged", key);
		ok(0, "# %s: not flagged", key);
	}
	free(t);
	free(f);
}

int main(void)
{
	char *home, *line;

	scratch_init();
	home = sbx_asprintf("%s/home", scratch);
	setenv("HOME", home, 1);
	unsetenv("XDG_CONFIG_HOME");
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_AUTHOR_NAME", "t", 1);
	setenv("GIT_AUTHOR_EMAIL", "t@t", 1);
	setenv("GIT_COMMITTER_NAME", "t", 1);
	setenv("GIT_COMMITTER_EMAIL", "t@t", 1);
	unsetenv("GIT_DIR");
	unsetenv("GIT_WORK_TREE");
	sh("mkdir home && git init -q -b main p && git init -q -b main clean");

	ok(scan("clean") == 0 && nr == 0, "a fresh repository: nothing");

	sh("git -C p config core.hooksPath .husky && "
	   "git -C p config filter.lfs.clean 'git-lfs clean -- %%f' && "
	   "git -C p config filter.x.smudge './tools/smudge --fast' && "
	   "git -C p config diff.pdf.textconv \"sh -c 'exec tools/pdf2txt \\\"\\$1\\\"' --\" && "
	   "git -C p config core.fsmonitor true && "
	   "git -C p config core.sshCommand 'ssh -F ~/.ssh/config' && "
	   "git -C p config alias.st status && "
	   "git -C p config alias.lint '!f() { ./scripts/lint; }; f' && "
	   "git -C p config gpg.ssh.program /usr/bin/ssh-keygen && "
	   "git -C p config credential.helper \"store --file=$PWD/p/.creds\" && "
	   "git -C p config credential.https://example.com.helper '!f() { echo url=https://x/y; }; f' && "
	   "git -C p config include.path ../shared/gitconfig && "
	   "mkdir p/shared && printf '[include]\\n\\tpath = more\\n[core]\\n\\teditor = bin/ed\\n' "
	   ">p/shared/gitconfig && printf '[merge \"m\"]\\n\\tdriver = ./merge %%%%O %%%%A\\n' "
	   ">p/shared/more");
	if (!ok(scan("p") == 0, "read"))
		return done_testing();
	flagged("core.hooksPath", "p/.husky", "p/.git/config");
	flagged("filter.x.smudge", "p/tools/smudge", "p/.git/config");
	flagged("diff.pdf.textconv", "p/tools/pdf2txt", "p/.git/config");
	flagged("alias.lint", "p/scripts/lint", "p/.git/config");
	flagged("credential.helper", "p/.creds", "p/.git/config");
	flagged("include.path", "p/shared/gitconfig", "p/.git/config");
	flagged("core.editor", "p/bin/ed", "p/shared/gitconfig");
	flagged("merge.m.driver", "p/merge", "p/shared/more");
	ok(!risk("filter.lfs.clean"), "a program on PATH is not");
	ok(!risk("core.fsmonitor"), "nor the built-in fsmonitor");
	ok(!risk("core.sshCommand"), "nor a file in the home");
	ok(!risk("alias.st"), "nor an alias that runs git");
	ok(!risk("gpg.ssh.program"), "nor an absolute path outside");
	ok(!risk("credential.https://example.com.helper"), "nor a URL");
	ok(risks && !strcmp(risks[nr - 3].target + strlen(scratch), "/p/shared/more"),
	   "an include in an included file, relative to that file");
	is_int((int)nr, 9, "and nothing else");
	for (size_t i = 0; nr != 9 && i < nr; i++)
		diag("%s -> %s", risks[i].key, risks[i].target);
	line = sbx_git_risk_describe(risk("core.hooksPath"), 1);
	like(line, "core.hooksPath in '", "a line names the key and the file");
	like(line, "/p/.husky' inside the project, which a sandbox can write: git on the host "
	     "would run or read what the agent put there; move it out of the project, or unset "
	     "it (git config --file '", "what it points to, why, and the fix");
	like(line, "/p/.git/config' --unset core.hooksPath)", "with the command");
	ok(!strchr(line, '\n'), "in one line");
	free(line);

	/* What the sandbox cannot write: the hooks and config bound read-only. */
	sh("git -C clean config core.hooksPath \"$PWD/clean/.git/hooks\"");
	ok(scan("clean") == 0 && nr == 0, "the git directory's own hooks are not a risk");
	sh("git -C clean config core.hooksPath \"$PWD/clean/.git/objects/x\"");
	ok(scan("clean") == 0 && risk("core.hooksPath"), "elsewhere in the git directory they are");

	/* The global configuration, relative to the home; through a link to what is not there yet. */
	sh("git config --global include.path gitconfig.d/x && mkdir home/gitconfig.d && "
	   "ln -s ../../clean/tools home/gitconfig.d/tools && "
	   "printf '[core]\\n\\tpager = ~/gitconfig.d/tools/pager\\n' >home/gitconfig.d/x");
	if (ok(scan("clean") == 0, "read with a global configuration")) {
		ok(!risk("include.path"), "an include in the home is not a risk");
		flagged("core.pager", "home/gitconfig.d/tools/pager", "home/gitconfig.d/x");
		ok(scan("p") == 0 && !risk("core.pager"), "a link to another project is not");
	}

	/* In a linked worktree, relative paths are its own. */
	sh("git -C p commit -q --allow-empty -m p && git -C p worktree add -q ../wt -b wt");
	if (ok(scan("wt") == 0, "read in a linked worktree"))
		flagged("core.hooksPath", "wt/.husky", "p/.git/config");

	sbx_git_risks_free(risks, nr);
	free(home);
	scratch_done();
	return done_testing();
}
