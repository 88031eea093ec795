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

#endif
