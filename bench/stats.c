/* stats.c: see stats.h. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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

double stats_binom_half_cdf(long k, size_t n)
{
	double sum = 0;

	if (k < 0)
		return 0;
	for (long i = 0; i <= k && i <= (long)n; i++)
		sum += exp(lgamma((double)n + 1) - lgamma((double)i + 1) -
			   lgamma((double)(n - (size_t)i) + 1) - (double)n * M_LN2);
	return sum < 1 ? sum : 1;
}

double stats_median_ci95(const double *sorted, size_t n, double *lo, double *hi)
{
	size_t j = 1;

	*lo = *hi = NAN;
	if (n < 3)
		return NAN;
	/* Widen from the middle out: the largest j whose interval still covers 95 %. */
	while (j + 1 <= n / 2 && 1 - 2 * stats_binom_half_cdf((long)j, n) >= 0.95)
		j++;
	*lo = sorted[j - 1];
	*hi = sorted[n - j];
	return 1 - 2 * stats_binom_half_cdf((long)j - 1, n);
}

/* ---- Mann-Whitney ---- */

struct ranked {
	double v;
	bool is_b;
};

static int cmp_ranked(const void *a, const void *b)
{
	return cmp_double(&((const struct ranked *)a)->v, &((const struct ranked *)b)->v);
}

/* Doubled mid-ranks (integers even with ties) of the pooled, sorted sample;
 * returns the tie term sum(t^3 - t) over tie groups. */
static double doubled_midranks(const struct ranked *p, size_t n, long *r2)
{
	double ties = 0;

	for (size_t i = 0; i < n;) {
		size_t t = 1;

		while (i + t < n && p[i + t].v == p[i].v)
			t++;
		for (size_t k = i; k < i + t; k++)
			r2[k] = (long)(2 * i + t + 1); /* twice the mean of ranks i+1 .. i+t */
		ties += (double)t * (double)t * (double)t - (double)t;
		i += t;
	}
	return ties;
}

/* P(sum of doubled ranks of a random (k)-subset >= w2), counting subsets by
 * their sum with a dynamic program over the pooled values. */
static double exact_upper_tail(const long *r2, size_t n, size_t k, long w2)
{
	size_t max = (size_t)n * (n + 1);
	double *count = calloc((k + 1) * (max + 1), sizeof(*count)), total = 0, tail = 0;

	if (!count)
		return NAN;
	count[0] = 1; /* count[j * (max + 1) + s]: j-subsets of the values so far with sum s */
	for (size_t i = 0; i < n; i++)
		for (size_t j = (i + 1 < k ? i + 1 : k); j >= 1; j--)
			for (size_t s = max; s >= (size_t)r2[i]; s--)
				count[j * (max + 1) + s] += count[(j - 1) * (max + 1) + s - (size_t)r2[i]];
	for (size_t s = 0; s <= max; s++) {
		total += count[k * (max + 1) + s];
		if ((long)s >= w2)
			tail += count[k * (max + 1) + s];
	}
	free(count);
	return tail / total;
}

double stats_mann_whitney_greater(const double *a, size_t na, const double *b, size_t nb)
{
	size_t n = na + nb;
	struct ranked *p;
	long *r2, w2 = 0, sum2;
	double ties, mean, var, z, result;

	if (na == 0 || nb == 0)
		return NAN;
	p = malloc(n * sizeof(*p));
	r2 = malloc(n * sizeof(*r2));
	if (!p || !r2) {
		free(p);
		free(r2);
		return NAN;
	}
	for (size_t i = 0; i < n; i++)
		p[i] = (struct ranked){ i < na ? a[i] : b[i - na], i >= na };
	qsort(p, n, sizeof(*p), cmp_ranked);
	ties = doubled_midranks(p, n, r2);
	for (size_t i = 0; i < n; i++)
		w2 += p[i].is_b ? r2[i] : 0;
	sum2 = (long)(n * (n + 1));
	if ((na < 20 || nb < 20) && n <= 100) {
		/* Count over the smaller side: b's sum >= w2 is a's sum <= sum2 - w2. */
		if (nb <= na) {
			result = exact_upper_tail(r2, n, nb, w2);
		} else {
			for (size_t i = 0; i < n; i++)
				r2[i] = -r2[i] + (long)(2 * n + 2); /* reflect: a's low sums are high */
			result = exact_upper_tail(r2, n, na, (long)na * (long)(2 * n + 2) - (sum2 - w2));
		}
	} else {
		mean = (double)nb * (double)(n + 1) / 2.0;
		var = (double)na * (double)nb / 12.0 *
		      ((double)(n + 1) - ties / ((double)n * (double)(n - 1)));
		z = var > 0 ? ((double)w2 / 2.0 - mean - 0.5) / sqrt(var) : INFINITY;
		result = 0.5 * erfc(z / sqrt(2.0));
	}
	free(p);
	free(r2);
	return result;
}

/* ---- multiple comparisons ---- */

struct ranked_p {
	double p;
	size_t i;
};

static int cmp_ranked_p(const void *a, const void *b)
{
	return cmp_double(&((const struct ranked_p *)a)->p, &((const struct ranked_p *)b)->p);
}

void stats_holm(const double *p, size_t n, double *adj)
{
	struct ranked_p *s = malloc((n ? n : 1) * sizeof(*s));
	double run = 0;

	if (!s) {
		for (size_t i = 0; i < n; i++)
			adj[i] = 1; /* reject nothing rather than too much */
		return;
	}
	for (size_t i = 0; i < n; i++)
		s[i] = (struct ranked_p){ isnan(p[i]) ? 1 : p[i], i };
	qsort(s, n, sizeof(*s), cmp_ranked_p);
	for (size_t k = 0; k < n; k++) {
		double a = (double)(n - k) * s[k].p;

		run = fmax(run, fmin(1, a)); /* adjusted p-values never decrease down the list */
		adj[s[k].i] = run;
	}
	free(s);
}

/* ---- Student's t ---- */

/* Continued fraction of the regularized incomplete beta (modified Lentz). */
static double beta_fraction(double a, double b, double x)
{
	const double tiny = 1e-300;
	double c = 1, d = 1 - (a + b) * x / (a + 1), h;

	d = 1 / (fabs(d) < tiny ? tiny : d);
	h = d;
	for (int m = 1; m <= 300; m++) {
		double aa = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)), del;

		for (int half = 0; half < 2; half++) {
			d = 1 + aa * d;
			d = 1 / (fabs(d) < tiny ? tiny : d);
			c = 1 + aa / c;
			c = fabs(c) < tiny ? tiny : c;
			h *= d * c;
			aa = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
		}
		del = d * c;
		if (fabs(del - 1) < 1e-15)
			break;
	}
	return h;
}

static double incomplete_beta(double a, double b, double x)
{
	double front;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return front * beta_fraction(a, b, x) / a;
	return 1 - front * beta_fraction(b, a, 1 - x) / b;
}

/* P(T <= t) for Student's t with (df) degrees of freedom. */
static double t_cdf(double t, double df)
{
	double tail = 0.5 * incomplete_beta(df / 2, 0.5, df / (df + t * t));

	return t > 0 ? 1 - tail : tail;
}

double stats_t_quantile(double p, double df)
{
	double lo = -1e6, hi = 1e6;

	if (!(p > 0 && p < 1) || !(df > 0))
		return NAN;
	for (int i = 0; i < 200 && hi - lo > 1e-12 * fmax(1, fabs(hi)); i++) {
		double mid = (lo + hi) / 2;

		if (t_cdf(mid, df) < p)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

/* ---- random numbers ---- */

uint64_t stats_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

double stats_uniform(uint64_t *state)
{
	return ((double)(stats_rand(state) >> 11) + 0.5) / 9007199254740992.0;
}

double stats_normal(uint64_t *state)
{
	/* Box-Muller; the second value is dropped to keep the state simple. */
	return sqrt(-2 * log(stats_uniform(state))) * cos(2 * M_PI * stats_uniform(state));
}

/* ---- stratified permutation test ---- */

struct pooled {
	double *v;   /* logs, a's then b's */
	size_t na, nb;
	double sum;  /* of all logs */
};

/* Mean over strata of (mean of the nb values drawn at random - mean of the rest). */
static double permuted_statistic(struct pooled *p, size_t n, uint64_t *rng)
{
	double t = 0;

	for (size_t s = 0; s < n; s++) {
		size_t total = p[s].na + p[s].nb;
		double sum_b = 0;

		for (size_t k = 0; k < p[s].nb; k++) { /* partial Fisher-Yates */
			size_t j = k + (size_t)(stats_rand(rng) % (total - k));
			double x = p[s].v[j];

			p[s].v[j] = p[s].v[k];
			p[s].v[k] = x;
			sum_b += x;
		}
		t += sum_b / (double)p[s].nb - (p[s].sum - sum_b) / (double)p[s].na;
	}
	return t / (double)n;
}

/* Pool stratum (s)'s logs into (p); adds its within-group sum of squares to (ss). */
static int pool_stratum(const struct stratum *s, struct pooled *p, double *ss, double *obs)
{
	double ma = 0, mb = 0;

	p->v = malloc((s->na + s->nb) * sizeof(*p->v));
	if (!p->v)
		return -1;
	p->na = s->na;
	p->nb = s->nb;
	p->sum = 0;
	for (size_t i = 0; i < s->na + s->nb; i++) {
		p->v[i] = log(i < s->na ? s->a[i] : s->b[i - s->na]);
		p->sum += p->v[i];
		*(i < s->na ? &ma : &mb) += p->v[i];
	}
	ma /= (double)s->na;
	mb /= (double)s->nb;
	for (size_t i = 0; i < s->na + s->nb; i++)
		*ss += pow(p->v[i] - (i < s->na ? ma : mb), 2);
	*obs = mb - ma;
	return 0;
}

int stats_stratified_logratio(const struct stratum *s, size_t n, unsigned perms, uint64_t seed,
			      struct stratified *out)
{
	struct pooled *p = calloc(n ? n : 1, sizeof(*p));
	double ss = 0, obs = 0, d, inv = 0, se, t;
	size_t used = 0, ge = 0, le = 0, df = 0;
	uint64_t rng = seed;

	memset(out, 0, sizeof(*out));
	if (!p)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!s[i].na || !s[i].nb)
			continue;
		if (pool_stratum(&s[i], &p[used], &ss, &d))
			break;
		obs += d;
		inv += 1.0 / (double)s[i].na + 1.0 / (double)s[i].nb;
		df += s[i].na + s[i].nb - 2;
		used++;
	}
	if (used == 0) {
		free(p);
		return -1;
	}
	obs /= (double)used;
	for (unsigned k = 0; k < perms; k++) {
		/* The tolerance keeps permutations that equal the observed split counted. */
		t = permuted_statistic(p, used, &rng);
		ge += t >= obs - 1e-12;
		le += t <= obs + 1e-12;
	}
	se = df ? sqrt(ss / (double)df * inv) / (double)used : NAN;
	t = df ? stats_t_quantile(0.975, (double)df) : NAN;
	*out = (struct stratified){
		.change = expm1(obs), .lo = expm1(obs - t * se), .hi = expm1(obs + t * se),
		.p_greater = (1.0 + (double)ge) / (1.0 + perms),
		.p_less = (1.0 + (double)le) / (1.0 + perms),
		.strata = (unsigned)used, .df = (unsigned)df,
	};
	for (size_t i = 0; i < used; i++)
		free(p[i].v);
	free(p);
	return 0;
}
