/* test_stats.c: quantiles, MAD, median CI, Mann-Whitney. */
#include <math.h>

#include "check.h"
#include "stats.h"

#define NEAR(a, b) (fabs((a) - (b)) < 1e-9)

static void test_stats_quantiles(void)
{
	double x[] = { 5, 1, 4, 2, 3 };

	CHECK(NEAR(stats_median(x, 5), 3));
	CHECK(NEAR(stats_quantile(x, 5, 0.1), 1.4));
	CHECK(NEAR(stats_quantile(x, 5, 0.9), 4.6));
	CHECK(NEAR(stats_quantile(x, 5, 0.0), 1));
	CHECK(isnan(stats_median(x, 0)));
}

static void test_stats_mad(void)
{
	const double x[] = { 1, 1, 2, 2, 4, 6, 9 };

	CHECK(NEAR(stats_mad(x, 7), 1)); /* median 2; deviations 1 1 0 0 2 4 7 */
}

static void test_stats_median_ci(void)
{
	double x[20], lo, hi;

	for (int i = 0; i < 20; i++)
		x[i] = i + 1;
	stats_median_ci95(x, 20, &lo, &hi); /* ranks 6 and 15 */
	CHECK(NEAR(lo, 6));
	CHECK(NEAR(hi, 15));
	stats_median_ci95(x, 2, &lo, &hi);
	CHECK(isnan(lo) && isnan(hi));
}

static void test_stats_mann_whitney_exact(void)
{
	const double a[] = { 1, 2, 3 }, b[] = { 4, 5, 6 };

	/* b's rank sum 15 is the largest of the C(6,3) = 20 outcomes. */
	CHECK(NEAR(stats_mann_whitney_greater(a, 3, b, 3), 1.0 / 20));
	CHECK(NEAR(stats_mann_whitney_greater(b, 3, a, 3), 1.0));
}

static void test_stats_mann_whitney_five_each(void)
{
	const double base[] = { 10.1, 10.3, 9.9, 10.0, 10.2 }, slow[] = { 11.0, 11.2, 10.9, 11.4, 11.1 };

	CHECK(NEAR(stats_mann_whitney_greater(base, 5, slow, 5), 1.0 / 252));
}

static void test_stats_mann_whitney_ties_use_normal_approximation(void)
{
	const double a[] = { 1, 2, 2, 3 }, b[] = { 2, 3, 3, 4 };
	double p = stats_mann_whitney_greater(a, 4, b, 4);

	CHECK(p > 0.05 && p < 0.5);
}

int main(void)
{
	RUN(test_stats_quantiles);
	RUN(test_stats_mad);
	RUN(test_stats_median_ci);
	RUN(test_stats_mann_whitney_exact);
	RUN(test_stats_mann_whitney_five_each);
	RUN(test_stats_mann_whitney_ties_use_normal_approximation);
	return check_summary("stats");
}
