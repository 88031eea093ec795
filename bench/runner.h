/* runner.h: running a matrix's boots (see runner.c). */
#ifndef MVM_BENCH_RUNNER_H
#define MVM_BENCH_RUNNER_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "matrix.h"
#include "results.h"

struct runner {
	const struct matrix_config *cfg;
	const char *out_dir;		/* holds runs.csv and logs/ */
	char runs_path[PATH_MAX];
	char host[64];
	char git_rev[64];
	volatile sig_atomic_t *stop;	/* set by a signal: finish no more boots */
	bool tty;			/* progress bar instead of lines */
	const char *label;		/* what the progress lines say first ("round 2") */
	/* filled while running */
	struct slot *slot;		/* per job; kept until runner_close() */
	uint64_t guest_ram, t0;
	size_t done, total;		/* of the current runner_run() */
	size_t flagged;			/* recorded boots flagged as disturbed, so far */
	bool last_status;
	double last_init_ms;
	char last_flag[160];
	struct switch_rate {
		unsigned cell;
		double rate;
	} *switch_rate;			/* every boot's vCPU preemptions per second so far */
	size_t nrates, rates_cap;
};

/* Run (tasks) (warm-ups are run but not recorded), appending rows to
 * r->runs_path.  0, -EINTR when stopped (unfinished boots leave no row),
 * or -1 when the boots cannot be started at all. */
int runner_run(struct runner *r, const struct task *tasks, size_t ntasks);

/* Close the host tracers and free what runner_run() kept. */
void runner_close(struct runner *r);

#endif
