/* A long step's line on stderr (progress.h). */
#include "progress.h"
#include "term.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

double sbx_progress_elapsed(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

void sbx_progress_vbegin(struct sbx_progress *p, int quiet, int redraw, const char *fmt,
			 va_list ap)
{
	vsnprintf(p->label, sizeof(p->label), fmt, ap);
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->drawn = -1;
	p->quiet = quiet || sbx_verbosity() < 0;
	p->tty = redraw && sbx_verbosity() >= 0 && isatty(STDERR_FILENO);
	sbx_progress_tick(p);
}

void sbx_progress_begin(struct sbx_progress *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sbx_progress_vbegin(p, 0, 1, fmt, ap);
	va_end(ap);
}

long sbx_progress_tick(struct sbx_progress *p)
{
	double t = sbx_progress_elapsed(&p->start);
	long sec = (long)t;

	if (p->tty && sec != p->drawn) {
		p->drawn = sec;
		fprintf(stderr, "\r\033[Ksbx: %s ... %lds", p->label, sec);
	}
	return 1000 - (long)((t - (double)sec) * 1000);
}

void sbx_progress_end(struct sbx_progress *p, int ok)
{
	if (p->tty && p->drawn >= 0)
		fputs("\r\033[K", stderr);
	p->drawn = -1;
	if (!p->quiet)
		fprintf(stderr, "sbx: %s: %s%s%s in %.1fs\n", p->label,
			sbx_color(stderr, ok ? SBX_COLOR_GREEN : SBX_COLOR_RED), ok ? "done" : "failed",
			sbx_color(stderr, SBX_COLOR_RESET), sbx_progress_elapsed(&p->start));
}
