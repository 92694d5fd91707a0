#ifndef SBX_PROGRESS_H
#define SBX_PROGRESS_H

#include <time.h>

#include "error.h"

/*
 * A long step outside Lima (lima.h has Lima's own, for limactl calls), in the
 * same form: one line on stderr, "sbx: LABEL: done in 12.3s". On a terminal
 * the line is redrawn with the seconds so far while the step runs (call
 * sbx_progress_tick); elsewhere it is printed once, when the step ends.
 * Nothing with -q.
 */
struct sbx_progress {
	char label[160];
	struct timespec start;
	long drawn;
	unsigned tty : 1;
	unsigned quiet : 1;
};

void sbx_progress_begin(struct sbx_progress *p, const char *fmt, ...) SBX_PRINTF(2, 3);
/* Redraws the line when a second more has passed; milliseconds until the next one. */
long sbx_progress_tick(struct sbx_progress *p);
void sbx_progress_end(struct sbx_progress *p, int ok);

#endif
