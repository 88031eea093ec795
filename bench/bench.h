/* bench.h: mvm-bench's sub-commands, which main.c dispatches to, and the
 * regression gate's decision, which compare and simulate share. */
#ifndef MVM_BENCH_H
#define MVM_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include "stats.h"

int bench_startup(int argc, char **argv);
int bench_run(int argc, char **argv);
int bench_compare(int argc, char **argv);
int bench_merge(int argc, char **argv);
int bench_effects(int argc, char **argv);
int bench_simulate(int argc, char **argv);

/* Recompute (dir)/summary.csv and the plots from (dir)/runs.csv. */
int bench_summarize(const char *dir);

int bench_probe_cost(int argc, char **argv);
int bench_probes_onoff(int argc, char **argv);

/* One configuration's verdict in compare. */
struct config_verdict {
	double change;             /* % change of the median */
	double p_slower, p_faster; /* Holm-adjusted one-sided exact Mann-Whitney p */
	bool callable;             /* enough boots that Holm's first step can reject */
	bool regression, improvement;
};

struct gate {
	struct stratified overall; /* the main verdict */
	bool overall_regression, overall_improvement;
	unsigned regressions, improvements; /* configurations */
	struct config_verdict *config;      /* one per stratum; caller frees */
};

/* compare's decision on (n) configurations' base and new values (see
 * compare.c): 0, or -1 when no stratum has values on both sides. */
int compare_strata(const struct stratum *s, size_t n, double threshold, double alpha,
		   unsigned perms, uint64_t seed, struct gate *g);

#endif
