/*
 * simulate.c: "mvm-bench simulate": the statistics measured on simulated
 * runs whose truth is known, in one run.  An A/A comparison (nothing
 * changed) of 32 configurations x 5 boots per side at 4 % log-normal noise
 * must fail compare's gate in at most 5 % of the trials; effects planted in
 * the 2^5 legacy-device design (+2 % on pit, +1 % on the pic x rtc
 * interaction, nothing elsewhere) must lie inside their 95 % intervals in
 * 93-97 % of the trials, with replicates and with one boot per cell.  Each
 * rate is printed with its binomial standard error; the exit status is 1
 * when a rate misses its bounds by more than three standard errors.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "effects.h"
#include "results.h"
#include "stats.h"
#include "util.h"

#define CONFIGS 32
#define BOOTS 5
#define NOISE 0.04 /* sigma of the log: 4 % */
#define FACTORS 5
#define MEDIAN_MS 6000.0

struct rate {
	unsigned hits, trials;
};

static double pct(struct rate r)
{
	return 100.0 * r.hits / r.trials;
}

static double se_pct(struct rate r)
{
	double p = (double)r.hits / r.trials;

	return 100.0 * sqrt(p * (1 - p) / r.trials);
}

static unsigned misses; /* rates more than 3 standard errors outside their bounds */

/* "name: hits / trials = x % (SE y %) [bounds: ok | OUT]". */
static void report(const char *name, struct rate r, double lo, double hi)
{
	double p = pct(r), se = fmax(se_pct(r), 100.0 / r.trials);
	bool within = p >= lo && p <= hi;

	printf("  %-58s %4u / %u = %5.1f %% (SE %.1f %%)", name, r.hits, r.trials, p, se_pct(r));
	if (lo > 0 || hi < 100)
		printf("  [%g-%g %%: %s]", lo, hi, within ? "ok" : "OUT");
	printf("\n");
	misses += p < lo - 3 * se || p > hi + 3 * se;
}

/* ---- A/A compare ---- */

static void aa_trial(uint64_t *rng, unsigned perms, unsigned trial, struct rate *gate,
		     struct rate *tests, struct rate *old)
{
	double v[CONFIGS][2 * BOOTS];
	struct stratum s[CONFIGS];
	struct gate g;
	bool old_alarm = false;

	for (unsigned c = 0; c < CONFIGS; c++) {
		double mu = MEDIAN_MS * (1 + 0.01 * c);

		for (unsigned i = 0; i < 2 * BOOTS; i++)
			v[c][i] = mu * exp(NOISE * stats_normal(rng));
		s[c] = (struct stratum){ v[c], v[c] + BOOTS, BOOTS, BOOTS };
		/* The gate before Holm: any configuration at p < 0.05 and over 5 %. */
		old_alarm |= stats_mann_whitney_greater(s[c].a, BOOTS, s[c].b, BOOTS) < 0.05 &&
			     stats_median(v[c] + BOOTS, BOOTS) > 1.05 * stats_median(v[c], BOOTS);
	}
	if (!compare_strata(s, CONFIGS, 5.0, 0.05, perms, trial, &g)) {
		gate->hits += g.overall_regression || g.regressions;
		free(g.config);
	}
	if (!compare_strata(s, CONFIGS, 0.0, 0.05, perms, trial, &g)) {
		tests->hits += g.overall_regression || g.regressions;
		free(g.config);
	}
	old->hits += old_alarm;
	gate->trials++;
	tests->trials++;
	old->trials++;
}

static void simulate_aa(unsigned trials, unsigned perms, uint64_t seed)
{
	struct rate gate = { 0 }, tests = { 0 }, old = { 0 };
	uint64_t rng = seed;

	for (unsigned t = 0; t < trials; t++)
		aa_trial(&rng, perms, t, &gate, &tests, &old);
	printf("A/A compare (nothing changed): %d configurations x %d boots per side, %g %% "
	       "log-normal noise, %u permutations, %u trials:\n", CONFIGS, BOOTS, NOISE * 100, perms,
	       trials);
	report("gate alarms, defaults (threshold 5 %, alpha 0.05)", gate, 0, 5);
	report("gate alarms, threshold 0 (the tests alone)", tests, 0, 5);
	report("alarms of the former rule (per config, no correction)", old, 0, 100);
}

/* ---- planted effects ---- */

static const int factor_axis[FACTORS] = { AX_PIT, AX_PIC, AX_RTC, AX_ISA_SERIAL, AX_OPTION_ROMS };

/* The rows of the design: (reps) boots of each of the 32 cells, axes set once. */
static struct row *design_rows(unsigned reps)
{
	static char fixed[][16] = { "mvm", "direct", "build/guest", "", "", "", "", "", "" };
	static char on[] = "on", off[] = "off";
	struct row *rows = calloc((size_t)CONFIGS * reps, sizeof(*rows));

	for (size_t i = 0; rows && i < (size_t)CONFIGS * reps; i++) {
		for (int ax = 0; ax < AX_COUNT; ax++)
			rows[i].v[ax] = fixed[ax];
		for (int f = 0; f < FACTORS; f++)
			rows[i].v[factor_axis[f]] = (i % CONFIGS) >> f & 1 ? on : off;
		snprintf(rows[i].status, sizeof(rows[i].status), "ok");
		for (int m = 0; m < M_COUNT; m++)
			rows[i].m[m] = NAN;
	}
	return rows;
}

/* Planted: +2 % for pit (x = +-1: +-1 %), +1 % for the pic x rtc interaction. */
static double truth_factor(unsigned cell)
{
	double x_pit = cell & 1 ? 1 : -1, x_pic = cell >> 1 & 1 ? 1 : -1, x_rtc = cell >> 2 & 1 ? 1 : -1;

	return 1 + 0.01 * x_pit + 0.005 * x_pic * x_rtc;
}

struct coverage {
	struct rate pit, pic_rtc, nulls, pit_found, pic_rtc_found, null_found;
};

static void count(struct rate *r, bool hit)
{
	r->hits += hit;
	r->trials++;
}

static void effects_trial(struct row *rows, unsigned reps, uint64_t *rng, struct coverage *cov)
{
	double scale = MEDIAN_MS * exp(NOISE * NOISE / 2); /* E[exp(sigma Z)] */
	struct effect *e;
	size_t n;
	char why[256];

	for (size_t i = 0; i < (size_t)CONFIGS * reps; i++)
		rows[i].m[M_INIT_MS] = MEDIAN_MS * truth_factor(i % CONFIGS) *
				       exp(NOISE * stats_normal(rng));
	if (effects_compute(rows, (size_t)CONFIGS * reps, M_INIT_MS, false, &e, &n, why, sizeof(why))) {
		bench_error("simulate: %s", why);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		bool pit = !strcmp(e[i].name, "pit"), pr = !strcmp(e[i].name, "pic x rtc");
		double truth = pit ? 0.02 * scale : pr ? 0.01 * scale : 0;
		bool in = e[i].lo <= truth && truth <= e[i].hi;

		count(pit ? &cov->pit : pr ? &cov->pic_rtc : &cov->nulls, in);
		count(pit ? &cov->pit_found : pr ? &cov->pic_rtc_found : &cov->null_found,
		      truth ? e[i].lo > 0 : e[i].lo > 0 || e[i].hi < 0);
	}
	free(e);
}

static void simulate_effects(unsigned trials, unsigned reps, uint64_t seed)
{
	struct row *rows = design_rows(reps);
	struct coverage cov = { 0 };
	uint64_t rng = seed;

	if (!rows)
		return;
	for (unsigned t = 0; t < trials; t++)
		effects_trial(rows, reps, &rng, &cov);
	printf("planted effects, 2^5 design x %u boot(s) per cell (error from %s, df %u), "
	       "%g %% log-normal noise, %u trials:\n", reps,
	       reps > 1 ? "replicates" : "higher-order interactions",
	       reps > 1 ? CONFIGS * (reps - 1) : 16, NOISE * 100, trials);
	report("pit +2 %: inside its 95 % interval", cov.pit, 93, 97);
	report("pic x rtc +1 %: inside its 95 % interval", cov.pic_rtc, 93, 97);
	report("the 13 effects planted at 0: inside their intervals", cov.nulls, 93, 97);
	report("pit found (interval above 0)", cov.pit_found, 0, 100);
	report("pic x rtc found (interval above 0)", cov.pic_rtc_found, 0, 100);
	report("an effect planted at 0 called nonzero", cov.null_found, 3, 7);
	free(rows);
}

int bench_simulate(int argc, char **argv)
{
	unsigned trials = 1000, perms = 999;
	uint64_t seed = 1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--trials") && i + 1 < argc)
			trials = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--permutations") && i + 1 < argc)
			perms = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else
			trials = 0;
	}
	if (trials == 0 || perms < 99)
		return bench_error("usage: mvm-bench simulate [--trials N] [--permutations N (>= 99)] "
				   "[--seed S]") * 2;
	printf("mvm-bench simulate: seed %llu\n", (unsigned long long)seed);
	simulate_aa(trials, perms, seed);
	simulate_effects(trials, 3, seed + 1);
	simulate_effects(trials, 1, seed + 2);
	if (misses)
		printf("%u rate(s) more than 3 standard errors outside their bounds\n", misses);
	return misses ? 1 : 0;
}
