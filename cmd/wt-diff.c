/*
 * sbx wt diff: what an agent changed on its branch, committed and not, as
 * git's --stat summary or with --patch the whole diff. The git module reads
 * the worktree (lib/gitmod.h, struct sbx_git_diff); this file only prints.
 */
#include "wt.h"
#include "error.h"
#include "term.h"
#include "worktree.h"
#include "xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* git's --stat: the graph no wider than this, the whole line as wide as the terminal or 80. */
#define GRAPH_MAX 40

struct out {
	int color;		/* colour (a terminal, no NO_COLOR) */
	int tty;		/* control characters made visible */
	struct sbx_buf line;
};

/* A path as git quotes it (core.quotePath): in quotes with C escapes when it has to be. */
static char *quote_path(const char *path)
{
	static const char escapes[] = "abtnvfr";
	struct sbx_buf b = SBX_BUF_INIT;
	const unsigned char *p = (const unsigned char *)path;
	int plain = 1;

	for (const unsigned char *q = p; *q && plain; q++)
		plain = *q >= 0x20 && *q < 0x7f && *q != '"' && *q != '\\';
	if (plain)
		return sbx_strdup(path);
	sbx_buf_addch(&b, '"');
	for (; *p; p++) {
		if (*p >= '\a' && *p <= '\r')
			sbx_buf_addf(&b, "\\%c", escapes[*p - '\a']);
		else if (*p == '"' || *p == '\\')
			sbx_buf_addf(&b, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			sbx_buf_addf(&b, "\\%03o", *p);
		else
			sbx_buf_addch(&b, (char)*p);
	}
	sbx_buf_addch(&b, '"');
	return sbx_buf_detach(&b);
}

static char *display_name(const struct sbx_git_diff_file *f)
{
	char *old, *new, *name;

	if (f->status != 'R')
		return quote_path(f->new_path);
	old = quote_path(f->old_path);
	new = quote_path(f->new_path);
	name = sbx_asprintf("%s => %s", old, new);
	free(old);
	free(new);
	return name;
}

static int digits(size_t n)
{
	int d = 1;

	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

static int columns(void)
{
	struct winsize ws;

	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
		return ws.ws_col;
	return 80;
}

/* git's scale_linear: n of max as a bar of at most width, never 0 for n > 0. */
static size_t scale(size_t n, int width, size_t max)
{
	return n ? 1 + n * (size_t)(width - 1) / max : 0;
}

static void print_bar(const struct out *o, size_t adds, size_t dels, int width, size_t max)
{
	if (max > (size_t)width) {
		size_t total = scale(adds + dels, width, max);

		if (total < 2 && adds && dels)
			total = 2;
		if (adds < dels) {
			adds = scale(adds, width, max);
			dels = total - adds;
		} else {
			dels = scale(dels, width, max);
			adds = total - dels;
		}
	}
	if (adds) {
		printf("%s", o->color ? sbx_color(stdout, SBX_COLOR_GREEN) : "");
		for (size_t i = 0; i < adds; i++)
			putchar('+');
		printf("%s", o->color ? sbx_color(stdout, SBX_COLOR_RESET) : "");
	}
	if (dels) {
		printf("%s", o->color ? sbx_color(stdout, SBX_COLOR_RED) : "");
		for (size_t i = 0; i < dels; i++)
			putchar('-');
		printf("%s", o->color ? sbx_color(stdout, SBX_COLOR_RESET) : "");
	}
}

/* git diff --stat's lines and summary, with the same widths and words. */
static void print_stat(const struct out *o, const struct sbx_git_diff *d)
{
	char **names = sbx_calloc(d->nr_files + 1, sizeof(*names)), *bin;
	size_t max_change = 0, adds = 0, dels = 0;
	int width = columns(), name_w = 0, num_w, graph_w, bin_w = 0;

	for (size_t i = 0; i < d->nr_files; i++) {
		const struct sbx_git_diff_file *f = &d->files[i];

		names[i] = display_name(f);
		if ((int)strlen(names[i]) > name_w)
			name_w = (int)strlen(names[i]);
		if (f->binary) {
			bin = sbx_asprintf("Bin %lld -> %lld bytes", f->old_size, f->new_size);
			if ((int)strlen(bin) > bin_w)
				bin_w = (int)strlen(bin);
			free(bin);
		} else if (f->adds + f->dels > max_change) {
			max_change = f->adds + f->dels;
		}
		adds += f->adds;
		dels += f->dels;
	}
	num_w = digits(max_change);
	if (bin_w && num_w < 3)
		num_w = 3;	/* "Bin" */
	graph_w = (int)max_change + 4 > bin_w ? (int)max_change : bin_w - 4;
	if (graph_w > GRAPH_MAX)
		graph_w = GRAPH_MAX;
	if (name_w + num_w + 6 + graph_w > width) {
		if (graph_w > width * 3 / 8 - num_w - 6)
			graph_w = width * 3 / 8 - num_w - 6 < 6 ? 6 : width * 3 / 8 - num_w - 6;
		if (name_w > width - num_w - 6 - graph_w)
			name_w = width - num_w - 6 - graph_w;
	}
	for (size_t i = 0; i < d->nr_files; i++) {
		const struct sbx_git_diff_file *f = &d->files[i];
		int len = (int)strlen(names[i]);
		const char *name = names[i];

		/* Too long: its end, after "...", as git does. */
		if (len > name_w) {
			printf(" ...");
			name += len - name_w + 3;
			len = name_w - 3;
		}
		printf(" %s%*s | ", name, name_w - len - (name != names[i] ? 3 : 0), "");
		if (f->binary) {
			printf("%*s %lld -> %lld bytes\n", num_w, "Bin", f->old_size, f->new_size);
			free(names[i]);
			continue;
		}
		printf("%*zu%s", num_w, f->adds + f->dels, f->adds + f->dels ? " " : "");
		print_bar(o, f->adds, f->dels, graph_w, max_change);
		putchar('\n');
		free(names[i]);
	}
	free(names);
	printf(" %zu file%s changed", d->nr_files, d->nr_files == 1 ? "" : "s");
	if (adds || !dels)
		printf(", %zu insertion%s(+)", adds, adds == 1 ? "" : "s");
	if (dels || !adds)
		printf(", %zu deletion%s(-)", dels, dels == 1 ? "" : "s");
	putchar('\n');
}

/* One line of the patch (lib/gitmod.h, struct sbx_git_diff), as git colours it. */
static void print_line(char origin, const char *text, size_t len, void *data)
{
	struct out *o = data;
	enum sbx_color c = origin == '+' ? SBX_COLOR_GREEN : origin == '-' ? SBX_COLOR_RED
			 : origin == 'F' ? SBX_COLOR_BOLD : origin == 'H' ? SBX_COLOR_CYAN
			 : SBX_COLOR_RESET;
	int colored = o->color && c != SBX_COLOR_RESET;

	sbx_buf_reset(&o->line);
	if (origin == '+' || origin == '-' || origin == ' ')
		sbx_buf_addch(&o->line, origin);
	/* The lines are the agent's: on a terminal none may steer it. */
	if (o->tty)
		sbx_term_visible(&o->line, text, len);
	else
		sbx_buf_add(&o->line, text, len);
	if (colored) {
		/* Line by line, as git does, so that a pager cut in between shows no colour. */
		const char *p = o->line.buf, *end = p + o->line.len;

		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

			fputs(sbx_color(stdout, c), stdout);
			fwrite(p, 1, n, stdout);
			fputs(sbx_color(stdout, SBX_COLOR_RESET), stdout);
			if (nl)
				putchar('\n');
			p += n + (nl != NULL);
		}
		return;
	}
	fwrite(o->line.buf, 1, o->line.len, stdout);
}

int sbx_wt_diff(struct sbx_wt *wt, int argc, char **argv)
{
	const struct sbx_git_worktree *found = NULL;
	struct sbx_git_diff d;
	struct sbx_git_worktree *w = NULL;
	struct out o = { 0, 0, SBX_BUF_INIT };
	char *recorded = NULL;
	size_t nr = 0;
	int i, ret;

	if (argc < 3)
		return sbx_usage_error(wt->ctx, "'diff' needs the BRANCH of a worktree (see 'sbx wt ls')");
	if (argc > 3)
		return sbx_usage_error(wt->ctx, "unexpected argument '%s'", argv[3]);
	if (wt->git->worktrees(wt->repo.dir, 0, &w, &nr))
		return sbx_fail(wt->ctx, SBX_WT_REFUSED);
	memset(&d, 0, sizeof(d));
	i = sbx_wt_find_branch(w, nr, argv[2]);
	found = i > 0 ? &w[i] : NULL;
	/* Its path is only what the record claims: nothing is read through it. */
	if (found && found->broken) {
		sbx_error("cannot read the worktree recorded as '%s': %s", found->path, found->problem);
		ret = sbx_fail(wt->ctx, SBX_WT_REFUSED);
		goto out;
	}
	recorded = sbx_worktree_base_load(wt->repo.common_dir, argv[2]);
	d.range.branch = argv[2];
	d.range.recorded = recorded;
	if (found && !found->missing) {
		d.worktree_name = found->name;
		d.worktree_dir = found->path;
	}
	o.color = sbx_color_enabled(stdout);
	o.tty = isatty(STDOUT_FILENO);
	if (sbx_opt_count(wt->ctx, "patch")) {
		d.line = print_line;
		d.data = &o;
	}
	ret = wt->git->diff(wt->repo.dir, &d);
	if (ret) {
		ret = sbx_wt_fail(wt, ret);
		goto out;
	}
	if (!d.nr_files && d.range.base)
		sbx_note("sbx wt: no changes on '%s' since %.7s\n", argv[2], d.range.base);
	else if (!d.nr_files)
		sbx_note("sbx wt: no changes on '%s'\n", argv[2]);
	else if (!d.line)
		print_stat(&o, &d);
out:
	sbx_buf_release(&o.line);
	sbx_git_diff_release(&d);
	sbx_git_worktrees_free(w, nr);
	free(recorded);
	return ret;
}
