/* test_stats.c: quantiles, MAD, the median interval and its coverage,
 * Mann-Whitney with ties, Holm, Student's t, the stratified test; the exact
 * values are computed here independently (enumeration, Pascal's triangle). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

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

/* C(n, k) / 2^n summed for k < j, from Pascal's triangle (exact in doubles up to n = 60). */
static double lower_tail_by_pascal(unsigned n, unsigned j)
{
	double row[64] = { 1 }, sum = 0;

	for (unsigned r = 1; r <= n; r++)
		for (unsigned k = r; k >= 1; k--)
			row[k] += row[k - 1];
	for (unsigned k = 0; k < j; k++)
		sum += row[k];
	return sum / ldexp(1, (int)n);
}

static void test_stats_median_ci_coverage_is_the_binomial_one(void)
{
	double x[60], lo, hi;

	for (int i = 0; i < 60; i++)
		x[i] = i + 1;
	for (unsigned n = 3; n <= 60; n++) {
		double cov = stats_median_ci95(x, n, &lo, &hi);
		unsigned j = (unsigned)lo, best = 1;

		/* The widest j (narrowest interval) still at 95 %, or 1 when none is. */
		for (unsigned k = 1; k <= n / 2; k++)
			if (1 - 2 * lower_tail_by_pascal(n, k) >= 0.95)
				best = k;
		CHECK_EQ_ROW(__LINE__, n, j, best);
		CHECK_EQ_ROW(__LINE__, n, (unsigned)hi, n + 1 - best);
		CHECK(fabs(cov - (1 - 2 * lower_tail_by_pascal(n, best))) < 1e-12);
	}
	CHECK(NEAR(stats_median_ci95(x, 3, &lo, &hi), 0.75));
	CHECK(NEAR(stats_median_ci95(x, 4, &lo, &hi), 0.875));
	CHECK(NEAR(stats_median_ci95(x, 5, &lo, &hi), 0.9375) && lo == 1 && hi == 5);
	CHECK(NEAR(stats_median_ci95(x, 6, &lo, &hi), 0.96875) && lo == 1 && hi == 6);
	stats_median_ci95(x, 20, &lo, &hi); /* ranks 6 and 15 */
	CHECK(lo == 6 && hi == 15);
	CHECK(isnan(stats_median_ci95(x, 2, &lo, &hi)) && isnan(lo) && isnan(hi));
}

/* The exact one-sided p by listing every assignment of the pooled values
 * to the groups: the fraction whose U (pairs b > a, ties one half) is at
 * least the observed one. */
static double mann_whitney_by_enumeration(const double *a, unsigned na, const double *b,
					  unsigned nb)
{
	double v[24], u_obs = 0;
	unsigned n = na + nb, hits = 0, total = 0;

	for (unsigned i = 0; i < n; i++)
		v[i] = i < na ? a[i] : b[i - na];
	for (unsigned i = 0; i < na; i++)
		for (unsigned j = 0; j < nb; j++)
			u_obs += (b[j] > a[i]) + 0.5 * (b[j] == a[i]);
	for (uint32_t set = 0; set < (1u << n); set++) { /* set: the members of b */
		double u = 0;

		if ((unsigned)__builtin_popcount(set) != nb)
			continue;
		for (unsigned i = 0; i < n; i++)
			for (unsigned j = 0; j < n; j++)
				if (!(set >> i & 1) && (set >> j & 1))
					u += (v[j] > v[i]) + 0.5 * (v[j] == v[i]);
		total++;
		hits += u >= u_obs - 1e-9;
	}
	return (double)hits / total;
}

static void test_stats_mann_whitney_exact_without_ties(void)
{
	const double a[] = { 1, 2, 3 }, b[] = { 4, 5, 6 };
	const double base[] = { 10.1, 10.3, 9.9, 10.0, 10.2 }, slow[] = { 11.0, 11.2, 10.9, 11.4, 11.1 };

	CHECK(NEAR(stats_mann_whitney_greater(a, 3, b, 3), 1.0 / 20));
	CHECK(NEAR(stats_mann_whitney_greater(b, 3, a, 3), 1.0));
	CHECK(NEAR(stats_mann_whitney_greater(base, 5, slow, 5), 1.0 / 252));
}

static void test_stats_mann_whitney_ties_are_exact(void)
{
	const double same_a[] = { 7, 7, 7, 7, 7 }, same_b[] = { 9, 9, 9, 9, 9 };
	double thirty[30], three[3] = { 2, 2, 2 };

	/* Constant within each group: still one extreme assignment of C(10, 5). */
	CHECK(NEAR(stats_mann_whitney_greater(same_a, 5, same_b, 5), 1.0 / 252));
	for (int i = 0; i < 30; i++)
		thirty[i] = 1;
	CHECK(NEAR(stats_mann_whitney_greater(thirty, 30, three, 3), 1.0 / 5456)); /* C(33, 3) */
	CHECK(NEAR(stats_mann_whitney_greater(three, 3, thirty, 30), 1.0));
}

static void test_stats_mann_whitney_matches_enumeration(void)
{
	uint64_t rng = 42;

	/* Heavily tied samples of every shape up to 8 + 8, each side being larger. */
	for (int trial = 0; trial < 200; trial++) {
		unsigned na = 1 + (unsigned)(stats_rand(&rng) % 8), nb = 1 + (unsigned)(stats_rand(&rng) % 8);
		double a[8], b[8], p, q;

		for (unsigned i = 0; i < na; i++)
			a[i] = (double)(stats_rand(&rng) % 4);
		for (unsigned i = 0; i < nb; i++)
			b[i] = (double)(stats_rand(&rng) % 4) + (trial % 3 == 0);
		p = stats_mann_whitney_greater(a, na, b, nb);
		q = mann_whitney_by_enumeration(a, na, b, nb);
		CHECK_EQ_ROW(__LINE__, trial, (long long)llround(p * 1e12), (long long)llround(q * 1e12));
	}
}

static void test_stats_mann_whitney_large_samples_use_the_normal_approximation(void)
{
	double a[25], b[25];

	for (int i = 0; i < 25; i++) {
		a[i] = i;
		b[i] = i + 0.5;
	}
	/* The exact p here is 0.40875 (rank-sum distribution of 25 of 50); the
	 * approximation with continuity correction is within 0.005. */
	CHECK(fabs(stats_mann_whitney_greater(a, 25, b, 25) - 0.40875) < 0.005);
}

static void test_stats_holm_steps_down(void)
{
	const double p[] = { 0.04, 0.001, 0.03, 0.5 };
	double adj[4];

	/* Sorted 0.001 0.03 0.04 0.5 times 4 3 2 1: 0.004 0.09 0.08 -> 0.09 (monotone) 0.5. */
	stats_holm(p, 4, adj);
	CHECK(NEAR(adj[1], 0.004));
	CHECK(NEAR(adj[2], 0.09));
	CHECK(NEAR(adj[0], 0.09));
	CHECK(NEAR(adj[3], 0.5));
}

static void test_stats_t_quantiles_match_the_table(void)
{
	static const struct {
		double df, t;
	} table[] = { { 1, 12.7062047 }, { 2, 4.30265273 }, { 5, 2.57058184 },
		      { 10, 2.22813885 }, { 30, 2.04227246 }, { 1000, 1.96233908 } };

	for (size_t i = 0; i < LEN_OF(int, 0, 0, 0, 0, 0, 0); i++)
		CHECK(fabs(stats_t_quantile(0.975, table[i].df) - table[i].t) < 1e-6);
	CHECK(fabs(stats_t_quantile(0.025, 10) + 2.22813885) < 1e-6);
}

/* The exact stratified p: every split of each of the two 2 + 2 strata. */
static double stratified_by_enumeration(const double v[2][4], double obs)
{
	static const int pairs[6][2] = { { 0, 1 }, { 0, 2 }, { 0, 3 }, { 1, 2 }, { 1, 3 }, { 2, 3 } };
	unsigned hits = 0;

	for (int x = 0; x < 6; x++)
		for (int y = 0; y < 6; y++) {
			double t = 0;
			const int *pick[2] = { pairs[x], pairs[y] };

			for (int s = 0; s < 2; s++) {
				double all = 0, b = log(v[s][pick[s][0]]) + log(v[s][pick[s][1]]);

				for (int i = 0; i < 4; i++)
					all += log(v[s][i]);
				t += b / 2 - (all - b) / 2;
			}
			hits += t / 2 >= obs - 1e-12;
		}
	return hits / 36.0;
}

static void test_stats_stratified_permutation_p(void)
{
	const double v[2][4] = { { 10, 11, 12, 14 }, { 20, 21, 25, 24 } }; /* a a b b */
	const struct stratum s[2] = { { v[0], v[0] + 2, 2, 2 }, { v[1], v[1] + 2, 2, 2 } };
	double obs = ((log(12 * 14) - log(10 * 11)) / 2 + (log(25 * 24) - log(20 * 21)) / 2) / 2;
	struct stratified r;

	CHECK(stats_stratified_logratio(s, 2, 40000, 1, &r) == 0);
	CHECK(fabs(r.change - expm1(obs)) < 1e-12);
	CHECK(fabs(r.p_greater - stratified_by_enumeration(v, obs)) < 0.01); /* exact 2/36 */
	CHECK(r.strata == 2 && r.df == 4 && r.lo < r.change && r.change < r.hi);
	CHECK(r.p_less > 0.9);
}

int main(void)
{
	RUN(test_stats_quantiles);
	RUN(test_stats_mad);
	RUN(test_stats_median_ci_coverage_is_the_binomial_one);
	RUN(test_stats_mann_whitney_exact_without_ties);
	RUN(test_stats_mann_whitney_ties_are_exact);
	RUN(test_stats_mann_whitney_matches_enumeration);
	RUN(test_stats_mann_whitney_large_samples_use_the_normal_approximation);
	RUN(test_stats_holm_steps_down);
	RUN(test_stats_t_quantiles_match_the_table);
	RUN(test_stats_stratified_permutation_p);
	return check_summary("stats");
}
