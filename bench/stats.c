/* stats.c: quantiles. */
#include <math.h>
#include <stdlib.h>

#include "stats.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double stats_quantile(double *x, size_t n, double q)
{
	double pos, frac;
	size_t i;

	if (n == 0)
		return NAN;
	qsort(x, n, sizeof(*x), cmp_double);
	pos = q * (double)(n - 1);
	i = (size_t)pos;
	frac = pos - (double)i;
	return i + 1 < n ? x[i] + frac * (x[i + 1] - x[i]) : x[i];
}

double stats_mad(const double *x, size_t n)
{
	double *d = malloc((n ? n : 1) * sizeof(*d)), med, mad;

	if (!d || n == 0) {
		free(d);
		return NAN;
	}
	for (size_t i = 0; i < n; i++)
		d[i] = x[i];
	med = stats_median(d, n);
	for (size_t i = 0; i < n; i++)
		d[i] = fabs(x[i] - med);
	mad = stats_median(d, n);
	free(d);
	return mad;
}

void stats_median_ci95(const double *sorted, size_t n, double *lo, double *hi)
{
	double half = 1.96 * sqrt((double)n) / 2.0;
	long j = lround((double)n / 2.0 - half), k = lround((double)n / 2.0 + 1.0 + half);

	*lo = *hi = NAN;
	if (n < 3)
		return;
	if (j < 1)
		j = 1;
	if (k > (long)n)
		k = (long)n;
	*lo = sorted[j - 1];
	*hi = sorted[k - 1];
}

/* Ranks (1-based, ties averaged) of the pooled samples; returns b's rank sum. */
static double rank_sum_b(const double *a, size_t na, const double *b, size_t nb, double *tie_term)
{
	size_t n = na + nb;
	double *v = malloc(n * sizeof(*v)), sum = 0;
	int *is_b = malloc(n * sizeof(*is_b));

	*tie_term = 0;
	if (!v || !is_b) {
		free(v);
		free(is_b);
		return NAN;
	}
	for (size_t i = 0; i < n; i++) {
		v[i] = i < na ? a[i] : b[i - na];
		is_b[i] = i >= na;
	}
	for (size_t i = 0; i < n; i++) {
		double less = 0, equal = 0;

		for (size_t j = 0; j < n; j++) {
			less += v[j] < v[i];
			equal += v[j] == v[i];
		}
		if (is_b[i])
			sum += less + (equal + 1) / 2;
		/* Each of a tie group's t members adds t^2 - 1: the group adds t^3 - t. */
		*tie_term += equal > 1 ? equal * equal - 1 : 0;
	}
	free(v);
	free(is_b);
	return sum;
}

/* P(rank sum of nb values drawn from 1..na+nb >= w), by counting subsets. */
static double exact_upper_tail(size_t na, size_t nb, double w)
{
	size_t n = na + nb, max = n * (n + 1) / 2;
	double *count = calloc((nb + 1) * (max + 1), sizeof(*count)), total = 0, tail = 0;

	if (!count)
		return NAN;
	count[0] = 1; /* count[k * (max + 1) + s]: subsets of size k with sum s */
	for (size_t r = 1; r <= n; r++)
		for (size_t k = (r < nb ? r : nb); k >= 1; k--)
			for (size_t s = max; s >= r; s--)
				count[k * (max + 1) + s] += count[(k - 1) * (max + 1) + s - r];
	for (size_t s = 0; s <= max; s++) {
		total += count[nb * (max + 1) + s];
		if ((double)s >= w - 1e-9)
			tail += count[nb * (max + 1) + s];
	}
	free(count);
	return tail / total;
}

double stats_mann_whitney_greater(const double *a, size_t na, const double *b, size_t nb)
{
	double ties, w, mean, var, z;
	size_t n = na + nb;

	if (na == 0 || nb == 0)
		return NAN;
	w = rank_sum_b(a, na, b, nb, &ties);
	if (n <= 40 && ties == 0)
		return exact_upper_tail(na, nb, w);
	mean = (double)nb * (double)(n + 1) / 2.0;
	var = (double)na * (double)nb / 12.0 * ((double)(n + 1) - ties / ((double)n * (double)(n - 1)));
	if (var <= 0)
		return 1.0;
	z = (w - mean - 0.5) / sqrt(var);
	return 0.5 * erfc(z / sqrt(2.0));
}
