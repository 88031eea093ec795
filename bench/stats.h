/* stats.h: small descriptive statistics for benchmark samples. */
#ifndef MVM_BENCH_STATS_H
#define MVM_BENCH_STATS_H

#include <stddef.h>

/* Quantile q in [0, 1] of (n) samples (linear interpolation); sorts (x). */
double stats_quantile(double *x, size_t n, double q);

static inline double stats_median(double *x, size_t n)
{
	return stats_quantile(x, n, 0.5);
}

/* Median absolute deviation from the median (unscaled); sorts a copy. */
double stats_mad(const double *x, size_t n);

/* Distribution-free 95 % confidence interval of the median from order
 * statistics (ranks n/2 -+ 1.96 sqrt(n)/2); NAN bounds when n < 3.
 * (x) must be sorted. */
void stats_median_ci95(const double *sorted, size_t n, double *lo, double *hi);

/*
 * One-sided Mann-Whitney U test that (b) tends to be larger than (a):
 * the exact p-value (rank-sum distribution, no ties assumed) when both
 * samples are small, the normal approximation with tie and continuity
 * correction otherwise.
 */
double stats_mann_whitney_greater(const double *a, size_t na, const double *b, size_t nb);

#endif
