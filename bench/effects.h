/*
 * effects.h: what each factor of the matrix does.  The legacy-device
 * matrix is a full 2^k factorial design: every axis with exactly two values
 * among the ok boots is a factor, and each metric gets its main effects
 * (the mean over the cells with the factor's high level minus the mean over
 * those with its low level) and two-factor interactions, each with a 95 %
 * interval from an error term valid for the design: the within-cell spread
 * when cells have replicates, the higher-order interactions (Yates) when
 * every cell has one boot.
 */
#ifndef MVM_BENCH_EFFECTS_H
#define MVM_BENCH_EFFECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "results.h"

/* One estimated effect of the design on one metric. */
struct effect {
	char name[96];      /* "pit" (main effect, order 1) or "pit x rtc" (order 2) */
	unsigned order;     /* 1 main effect, 2 two-factor interaction */
	double est, lo, hi; /* effect in the metric's unit (ms for *_ms): on minus off; 95 % interval */
	double pct;         /* est as a percentage of the grand median of the metric */
	unsigned df;        /* degrees of freedom of the error term used */
	const char *method; /* "replicates" | "higher-order interactions" */
};

/*
 * Two-level factors of (rows): every axis (and the append axis) with exactly
 * two values seen among ok rows of a full factorial.  Effects of metric (m)
 * on ok rows (flagged/disturbed rows included unless skip_flagged).  0, or
 * -1 with why in (why, len) (not a full two-level design, too few rows...).
 * Caller frees *out.
 */
int effects_compute(const struct row *rows, size_t n, enum metric m, bool skip_flagged,
		    struct effect **out, size_t *nout, char *why, size_t len);

/* The widest half-width (hi - lo) / 2 among main effects, as a percentage
 * of the metric's median: what adaptive repetition stops on.  NAN when it
 * cannot be computed. */
double effects_widest_main_halfwidth_pct(const struct effect *e, size_t n, double median);

/* effects.csv for every metric, the effects plot, and the terminal summary,
 * for run dir (dir).  0, or -1 when nothing could be estimated. */
int effects_report(const char *dir, const struct row *rows, size_t n, FILE *summary);

/* The name of axis (ax) as in config files and on the command line ("isa-serial"). */
const char *effects_axis_name(int ax);

#endif
