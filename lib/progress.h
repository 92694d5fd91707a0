#ifndef SBX_PROGRESS_H
#define SBX_PROGRESS_H

#include <stdarg.h>
#include <time.h>

#include "error.h"

/*
 * A long step (a limactl call, a copy): one line on stderr, "sbx: LABEL:
 * done in 12.3s". On a terminal the line is redrawn with the seconds so far
 * while the step runs (call sbx_progress_tick); elsewhere it is printed
 * once, when the step ends. Nothing with -q.
 */
struct sbx_progress {
	char label[160];
	struct timespec start;
	long drawn;
	unsigned tty : 1;
	unsigned quiet : 1;
};

void sbx_progress_begin(struct sbx_progress *p, const char *fmt, ...) SBX_PRINTF(2, 3);
/*
 * The same, with a quiet step's line only redrawn, never printed at the end
 * (a run starting its sandbox: the agent's output starts on a clean screen),
 * and without redrawing when redraw is 0 (streamed log lines would garble it).
 */
void sbx_progress_vbegin(struct sbx_progress *p, int quiet, int redraw, const char *fmt,
			 va_list ap) SBX_PRINTF(4, 0);
/* Seconds since t0 (CLOCK_MONOTONIC). */
double sbx_progress_elapsed(const struct timespec *t0);
/* Redraws the line when a second more has passed; milliseconds until the next one. */
long sbx_progress_tick(struct sbx_progress *p);
void sbx_progress_end(struct sbx_progress *p, int ok);

#endif
