/* stats.h: the statistics mvm-bench concludes with: descriptive statistics,
 * intervals whose coverage is stated, exact rank tests, family-wise error
 * control, a stratified test across configurations, and the distributions
 * they need. */
#ifndef MVM_BENCH_STATS_H
#define MVM_BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Quantile q in [0, 1] of (n) samples (linear interpolation); sorts (x). */
double stats_quantile(double *x, size_t n, double q);

static inline double stats_median(double *x, size_t n)
{
	return stats_quantile(x, n, 0.5);
}

/* Median absolute deviation from the median (unscaled); sorts a copy. */
double stats_mad(const double *x, size_t n);

/* P(B <= k) for B ~ Binomial(n, 1/2). */
double stats_binom_half_cdf(long k, size_t n);

/*
 * Distribution-free interval of the median from order statistics: the
 * narrowest [x_(j), x_(n+1-j)] whose coverage P(j <= B <= n - j),
 * B ~ Binomial(n, 1/2), is at least 95 %; when even [min, max] covers less
 * (n <= 5), [min, max].  Returns the coverage actually achieved (0.9375 for
 * n = 5, 0.75 for n = 3); NAN bounds and NAN coverage when n < 3.
 * (sorted) must be sorted.
 */
double stats_median_ci95(const double *sorted, size_t n, double *lo, double *hi);

/*
 * One-sided Mann-Whitney U test that (b) tends to be larger than (a): the
 * exact permutation p-value, ties included (the distribution of b's sum of
 * doubled mid-ranks over all C(na+nb, nb) assignments), unless both samples
 * have 20 or more values (or the pooled sample is over 100), where the normal
 * approximation with tie and continuity correction is used.
 */
double stats_mann_whitney_greater(const double *a, size_t na, const double *b, size_t nb);

/* Holm's step-down adjusted p-values of (n) tests: reject where adj < alpha
 * and the family-wise error rate is at most alpha. */
void stats_holm(const double *p, size_t n, double *adj);

/* Quantile (p) of Student's t distribution with (df) degrees of freedom. */
double stats_t_quantile(double p, double df);

/* Deterministic random numbers (splitmix64) for permutations and simulation. */
uint64_t stats_rand(uint64_t *state);
double stats_uniform(uint64_t *state); /* in (0, 1) */
double stats_normal(uint64_t *state);  /* standard normal */

/* One configuration of a two-sided comparison: its base (a) and new (b) values. */
struct stratum {
	const double *a, *b;
	size_t na, nb;
};

struct stratified {
	double change;       /* exp(mean over strata of mean log b - mean log a) - 1 */
	double lo, hi;       /* its 95 % interval (pooled within-group variance of the logs) */
	double p_greater;    /* one-sided: b slower than a */
	double p_less;       /* one-sided: b faster than a */
	unsigned strata, df; /* strata used (both sides >= 1 value), df of the interval */
};

/*
 * The overall change across configurations: the mean over strata of the
 * difference of mean logs, its p-values from (perms) random permutations
 * within each stratum (configurations as strata: a boot is exchanged only
 * with boots of its own configuration), p = (1 + #as extreme) / (1 + perms).
 * Values must be positive.  0, or -1 when no stratum has values on both sides.
 */
int stats_stratified_logratio(const struct stratum *s, size_t n, unsigned perms, uint64_t seed,
			      struct stratified *out);

#endif
