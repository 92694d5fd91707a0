/*
 * The benchmarks' helper for baselines (not part of sbx): the mean wall time
 * of running a command, or a sequence of commands, each exec'd directly
 * (posix_spawn, no shell in between), after one warm-up round. A baseline
 * then costs what its programs cost, not a shell's eval as well.
 *
 * usage: exec-time [-e] N [FD=PATH | cd=DIR]... CMD [ARG]... [--then ...]...
 *
 * FD=PATH, before a command, opens PATH read-only at descriptor FD in its
 * child (the memory files and directories sbx hands bwrap by number); cd=DIR
 * runs it in DIR. Standard input, output and error are /dev/null. Prints the
 * mean milliseconds of one round (every command once, in order); with -e,
 * each command's own mean, a line each: the rounds interleave them, so that
 * what else the machine does weighs on each alike. A command that exits
 * non-zero stops it with exit 1, naming the command.
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

struct command {
	char **argv;
	posix_spawn_file_actions_t fa;
	double ms;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int is_fd_arg(const char *a)
{
	size_t n = strspn(a, "0123456789");

	return n > 0 && a[n] == '=' && a[n + 1];
}

static void run(struct command *c)
{
	double start = now_ms();
	pid_t pid;
	int status;

	if (posix_spawnp(&pid, c->argv[0], &c->fa, NULL, c->argv, environ) ||
	    waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "exec-time: '%s' failed\n", c->argv[0]);
		exit(1);
	}
	c->ms += now_ms() - start;
}

int main(int argc, char **argv)
{
	struct command *cmds = calloc((size_t)argc, sizeof(*cmds));
	int each = argc > 1 && !strcmp(argv[1], "-e"), n = argc > 1 + each ? atoi(argv[1 + each]) : 0;
	int nr = 0;
	double start;

	if (n <= 0 || argc < 3 + each || !cmds) {
		fprintf(stderr, "usage: exec-time [-e] N [FD=PATH | cd=DIR]... CMD [ARG]... [--then ...]...\n");
		return 2;
	}
	for (int i = 2 + each; i < argc; nr++) {
		struct command *c = &cmds[nr];

		posix_spawn_file_actions_init(&c->fa);
		posix_spawn_file_actions_addopen(&c->fa, 0, "/dev/null", O_RDONLY, 0);
		posix_spawn_file_actions_addopen(&c->fa, 1, "/dev/null", O_WRONLY, 0);
		posix_spawn_file_actions_adddup2(&c->fa, 1, 2);
		for (; i < argc && (is_fd_arg(argv[i]) || !strncmp(argv[i], "cd=", 3)); i++) {
			if (argv[i][0] == 'c')
				posix_spawn_file_actions_addchdir_np(&c->fa, argv[i] + 3);
			else
				posix_spawn_file_actions_addopen(&c->fa, atoi(argv[i]),
								 strchr(argv[i], '=') + 1, O_RDONLY, 0);
		}
		if (i == argc || !strcmp(argv[i], "--then")) {
			fprintf(stderr, "exec-time: a command is missing\n");
			return 2;
		}
		c->argv = &argv[i];
		while (i < argc && strcmp(argv[i], "--then"))
			i++;
		if (i < argc)
			argv[i++] = NULL;
	}
	for (int k = 0; k < nr; k++) {
		run(&cmds[k]);
		cmds[k].ms = 0;
	}
	start = now_ms();
	for (int round = 0; round < n; round++)
		for (int k = 0; k < nr; k++)
			run(&cmds[k]);
	if (!each)
		printf("%.3f\n", (now_ms() - start) / n);
	for (int k = 0; each && k < nr; k++)
		printf("%.3f\n", cmds[k].ms / n);
	return 0;
}
