/*
 * bench/project-detect.sh's helper (not part of sbx): times sbx's project
 * detection in this process, the first call (what every sbx command pays:
 * loading the git module, initialising libgit2, discovering the repository)
 * and a second one, then `git rev-parse --show-toplevel --git-common-dir` as
 * a subprocess, the way sbx would have to run it. Linked with libsbx.a;
 * the git module is loaded by dlopen, as sbx does.
 *
 * usage: project-detect files|libgit2 N
 * prints "first_us second_us subprocess_us" (the subprocess the mean of N
 * runs) and the detected directories on stderr. "files" is what sbx does
 * (lib/gitlayout.h, libgit2 only when unsure), "libgit2" always asks libgit2.
 */
#include "project.h"
#include "error.h"

#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static double detect_us(unsigned flags, int verbose)
{
	struct sbx_project p;
	double start = now_us(), took;

	if (sbx_project_detect_flags(&p, NULL, flags)) {
		fprintf(stderr, "project-detect: %s\n", sbx_last_error());
		exit(1);
	}
	took = now_us() - start;
	if (verbose)
		fprintf(stderr, "dir=%s common=%s worktree=%d\n", p.dir,
			p.common_dir ? p.common_dir : "-", p.is_worktree);
	sbx_project_release(&p);
	return took;
}

static double rev_parse_us(int n)
{
	char *argv[] = { "git", "rev-parse", "--show-toplevel", "--git-common-dir", NULL };
	posix_spawn_file_actions_t fa;
	double start = now_us();

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 1, 0);
	for (int i = 0; i < n; i++) {
		pid_t pid;
		int status;

		if (posix_spawnp(&pid, "git", &fa, NULL, argv, environ) ||
		    waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "project-detect: git rev-parse failed\n");
			exit(1);
		}
	}
	posix_spawn_file_actions_destroy(&fa);
	return (now_us() - start) / n;
}

int main(int argc, char **argv)
{
	unsigned flags = argc > 1 && !strcmp(argv[1], "libgit2") ? SBX_PROJECT_LIBGIT2 : 0;
	int n = argc > 2 ? atoi(argv[2]) : 1;
	double first = detect_us(flags, 1), second = detect_us(flags, 0);

	printf("%.1f %.1f %.1f\n", first, second, rev_parse_us(n > 0 ? n : 1));
	return 0;
}
