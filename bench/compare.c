/*
 * compare.c: "mvm-bench compare BASE NEW": is NEW slower than BASE?  The
 * verdict is the overall change across configurations: a stratified
 * permutation test of the mean log-ratio (each configuration a stratum: a
 * boot is exchanged only with boots of its own configuration), which uses
 * every boot at once.  Per configuration, one-sided exact Mann-Whitney tests
 * with Holm's correction over the configurations, tested only when the
 * overall test is significant in that direction (serial gatekeeping: the
 * family-wise error of everything printed stays at alpha); a change counts
 * only if it is also larger than the threshold.  Exit status 1 when the
 * overall change or a configuration regressed, or when the new side has
 * missing or failed boots (a broken build is not "not comparable").
 *
 * merge.c's "mvm-bench merge OUT DIR..." lives here too: it combines the
 * rows of shards into one results directory.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "effects.h"
#include "plot.h"
#include "results.h"
#include "stats.h"
#include "util.h"

static int load(const char *arg, struct row **rows, size_t *n)
{
	char path[PATH_MAX];
	struct stat st;
	size_t bad;
	int err;

	snprintf(path, sizeof(path), "%s%s", arg,
		 stat(arg, &st) == 0 && S_ISDIR(st.st_mode) ? "/runs.csv" : "");
	err = results_read(path, rows, n, &bad);
	if (err == -EINVAL)
		return bench_error("%s: line %zu is not a runs.csv row", path, bad) * 2;
	if (err)
		return bench_error("cannot read %s: %s", path, strerror(-err)) * 2;
	return 0;
}

static int metric_index(const char *name)
{
	for (int m = 0; m < M_COUNT; m++)
		if (!strcmp(metric_name[m], name))
			return m;
	return -1;
}

/* The ok values of metric (m) for configuration (ref). */
static size_t values(const struct row *rows, size_t n, const struct row *ref, int m, double *x)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (results_same_config(&rows[i], ref) && !strcmp(rows[i].status, "ok") &&
		    !isnan(rows[i].m[m]) && rows[i].m[m] > 0)
			x[k++] = rows[i].m[m];
	return k;
}

static double median_of(const double *x, size_t n)
{
	double *c = malloc((n ? n : 1) * sizeof(*c)), med;

	if (!c)
		return NAN;
	memcpy(c, x, n * sizeof(*c));
	med = stats_median(c, n);
	free(c);
	return med;
}

/* The smallest one-sided p an exact rank test of na + nb values can reach. */
static double smallest_p(size_t na, size_t nb)
{
	double c = 1;

	for (size_t i = 1; i <= nb; i++)
		c = c * (double)(na + i) / (double)i;
	return 1 / c;
}

int compare_strata(const struct stratum *s, size_t n, double threshold, double alpha,
		   unsigned perms, uint64_t seed, struct gate *g)
{
	double *slower = calloc(n ? n : 1, sizeof(*slower)), *faster = calloc(n ? n : 1, sizeof(*faster));

	memset(g, 0, sizeof(*g));
	g->config = calloc(n ? n : 1, sizeof(*g->config));
	if (!slower || !faster || !g->config || stats_stratified_logratio(s, n, perms, seed, &g->overall)) {
		free(slower);
		free(faster);
		free(g->config);
		g->config = NULL;
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct config_verdict *c = &g->config[i];
		bool both = s[i].na >= 2 && s[i].nb >= 2;

		c->change = (median_of(s[i].b, s[i].nb) / median_of(s[i].a, s[i].na) - 1) * 100;
		slower[i] = both ? stats_mann_whitney_greater(s[i].a, s[i].na, s[i].b, s[i].nb) : 1;
		faster[i] = both ? stats_mann_whitney_greater(s[i].b, s[i].nb, s[i].a, s[i].na) : 1;
		c->callable = both && smallest_p(s[i].na, s[i].nb) <= alpha / (double)n;
	}
	g->overall_regression = g->overall.p_greater < alpha && g->overall.change * 100 > threshold;
	g->overall_improvement = g->overall.p_less < alpha && g->overall.change * 100 < -threshold;
	stats_holm(slower, n, slower);
	stats_holm(faster, n, faster);
	for (size_t i = 0; i < n; i++) {
		struct config_verdict *c = &g->config[i];

		c->p_slower = slower[i];
		c->p_faster = faster[i];
		c->regression = g->overall.p_greater < alpha && slower[i] < alpha && c->change > threshold;
		c->improvement = g->overall.p_less < alpha && faster[i] < alpha && c->change < -threshold;
		g->regressions += c->regression;
		g->improvements += c->improvement;
	}
	free(slower);
	free(faster);
	return 0;
}

/* "pit=on,pic=off,...": the axes that differ between the configurations (all when one). */
static void config_name(const struct row *r, const struct row *rows, size_t n, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (int ax = 0; ax < AX_COUNT && off < len; ax++) {
		bool varies = false;

		for (size_t i = 0; i < n && !varies; i++)
			varies = strcmp(rows[i].v[ax] ? rows[i].v[ax] : "", r->v[ax] ? r->v[ax] : "");
		if (varies || n == 1 || (ax >= AX_PIT && ax <= AX_OPTION_ROMS))
			off += (size_t)snprintf(buf + off, len - off, "%s%s=%s", off ? "," : "",
						effects_axis_name(ax), r->v[ax] ? r->v[ax] : "");
	}
}

static bool is_first_of_config(const struct row *rows, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (results_same_config(&rows[j], &rows[i]))
			return false;
	return true;
}

/* Missing or failed boots of the new side, one line each; how many configurations have them. */
static unsigned check_new_side(const struct row *base, size_t nb, const struct row *nw, size_t nn,
			       int m)
{
	unsigned broken = 0;
	char name[1024];

	for (size_t i = 0; i < nb; i++) {
		size_t k = 0;

		if (!is_first_of_config(base, i) || strcmp(base[i].status, "ok"))
			continue;
		for (size_t j = 0; j < nn; j++)
			k += results_same_config(&nw[j], &base[i]);
		if (!k) {
			config_name(&base[i], base, nb, name, sizeof(name));
			printf("new side: no boot of %s (renamed or dropped?)\n", name);
			broken++;
		}
	}
	for (size_t i = 0; i < nn; i++) {
		size_t runs = 0, failed = 0, no_value = 0;
		const char *why = "";

		if (!is_first_of_config(nw, i))
			continue;
		for (size_t j = i; j < nn; j++) {
			if (!results_same_config(&nw[j], &nw[i]) || !strcmp(nw[j].status, "skipped"))
				continue;
			runs++;
			if (strcmp(nw[j].status, "ok")) {
				failed++;
				why = nw[j].status;
			} else if (isnan(nw[j].m[m])) {
				no_value++;
			}
		}
		if (failed || no_value) {
			config_name(&nw[i], nw, nn, name, sizeof(name));
			printf("new side: %zu of %zu boots of %s failed (%s)%s\n", failed + no_value, runs,
			       name, failed ? why : "no value", failed && no_value ? " or have no value" : "");
			broken++;
		}
	}
	return broken;
}

struct sides {
	struct stratum *s;
	const struct row **ref;
	double *values;
	size_t n;
};

/* The strata: every configuration with ok values on both sides. */
static int make_strata(const struct row *base, size_t nb, const struct row *nw, size_t nn, int m,
		       struct sides *x)
{
	double *v;

	x->s = calloc(nb + 1, sizeof(*x->s));
	x->ref = calloc(nb + 1, sizeof(*x->ref));
	x->values = v = calloc(nb + nn + 1, sizeof(*v));
	x->n = 0;
	if (!x->s || !x->ref || !v)
		return -1;
	for (size_t i = 0; i < nb; i++) {
		struct stratum *s = &x->s[x->n];

		if (!is_first_of_config(base, i))
			continue;
		s->a = v;
		s->na = values(base, nb, &base[i], m, v);
		s->b = v + s->na;
		s->nb = values(nw, nn, &base[i], m, v + s->na);
		if (!s->na || !s->nb)
			continue;
		v += s->na + s->nb;
		x->ref[x->n++] = &base[i];
	}
	return 0;
}

static void print_configs(const struct sides *x, const struct gate *g, const struct row *base,
			  size_t nb)
{
	char name[1024];

	printf("%-56s %4s %4s %10s %10s %8s %9s  %s\n", "configuration", "base", "new", "base_med",
	       "new_med", "change", "holm_p", "verdict");
	for (size_t i = 0; i < x->n; i++) {
		const struct config_verdict *c = &g->config[i];
		const char *verdict = c->regression ? "REGRESSION" : c->improvement ? "improvement" :
				      !c->callable ? "too few boots for a verdict" : "no change";

		config_name(x->ref[i], base, nb, name, sizeof(name));
		printf("%-56s %4zu %4zu %10.1f %10.1f %+7.2f%% %9.4f  %s\n", name, x->s[i].na,
		       x->s[i].nb, median_of(x->s[i].a, x->s[i].na), median_of(x->s[i].b, x->s[i].nb),
		       c->change, c->change >= 0 ? c->p_slower : c->p_faster, verdict);
	}
}

static void print_overall(const struct gate *g, size_t n, double alpha, unsigned perms)
{
	const struct stratified *o = &g->overall;
	unsigned callable = 0;

	for (size_t i = 0; i < n; i++)
		callable += g->config[i].callable;
	printf("overall: %+.2f %% [%+.2f, %+.2f] over %u configuration(s) (stratified permutation "
	       "test of the mean log-ratio, %u permutations): p(slower) %.4f, p(faster) %.4f: %s\n",
	       o->change * 100, o->lo * 100, o->hi * 100, o->strata, perms, o->p_greater, o->p_less,
	       g->overall_regression ? "REGRESSION" : g->overall_improvement ? "improvement" :
	       "no change");
	printf("per configuration: Holm over %zu configurations, tested only when the overall test "
	       "is significant in that direction; %u of %zu have enough boots for a verdict "
	       "(smallest attainable p <= %.4f)\n", n, callable, n, alpha / (double)n);
}

int bench_compare(int argc, char **argv)
{
	const char *metric = "init_ms";
	double threshold = 5.0, alpha = 0.05; /* boot times here vary by several % */
	unsigned perms = 9999, broken;
	struct row *base, *new_rows;
	struct sides x = { 0 };
	struct gate g = { 0 };
	size_t nb, nn;
	int m, err, pos = 0, status;
	const char *file[2];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--metric") && i + 1 < argc)
			metric = argv[++i];
		else if (!strcmp(argv[i], "--threshold") && i + 1 < argc)
			threshold = atof(argv[++i]);
		else if (!strcmp(argv[i], "--alpha") && i + 1 < argc)
			alpha = atof(argv[++i]);
		else if (!strcmp(argv[i], "--permutations") && i + 1 < argc)
			perms = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (pos < 2 && argv[i][0] != '-')
			file[pos++] = argv[i];
		else
			pos = 3;
	}
	m = metric_index(metric);
	if (pos != 2 || m < 0 || threshold < 0 || alpha <= 0 || alpha >= 1 || perms < 99)
		return bench_error("usage: mvm-bench compare BASE NEW [--metric NAME] "
				   "[--threshold PERCENT] [--alpha P] [--permutations N (>= 99)]") * 2;
	if ((err = load(file[0], &base, &nb)) || (err = load(file[1], &new_rows, &nn)))
		return err;
	printf("metric %s; a change counts when |change| > %.1f %% and p < %.3f\n", metric,
	       threshold, alpha);
	broken = check_new_side(base, nb, new_rows, nn, m);
	if (make_strata(base, nb, new_rows, nn, m, &x) || x.n == 0 ||
	    compare_strata(x.s, x.n, threshold, alpha, perms, 1, &g)) {
		printf("no configuration has ok boots on both sides: nothing to compare\n");
		status = 1;
	} else {
		print_configs(&x, &g, base, nb);
		print_overall(&g, x.n, alpha, perms);
		printf("%u regression(s), %u improvement(s), %zu unchanged\n", g.regressions,
		       g.improvements, x.n - g.regressions - g.improvements);
		status = g.overall_regression || g.regressions;
	}
	if (broken)
		printf("gate: FAIL: %u configuration(s) of the new side have missing or failed boots\n",
		       broken);
	else
		printf("gate: %s\n", status ? "FAIL: regression" : "pass");
	free(g.config);
	free(x.s);
	free(x.ref);
	free(x.values);
	results_free(base, nb);
	results_free(new_rows, nn);
	return status || broken ? 1 : 0;
}

/* ---- merge ---- */

static int append_meta(FILE *out, const char *dir, int first)
{
	char path[PATH_MAX], buf[4096];
	FILE *in;
	size_t n;

	snprintf(path, sizeof(path), "%s/meta.json", dir);
	in = fopen(path, "r");
	fprintf(out, "%s\n", first ? "" : ",");
	if (!in) {
		fprintf(out, "null");
		return 0;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	return 0;
}

static bool already(const struct row *rows, size_t n, const struct row *r)
{
	for (size_t i = 0; i < n; i++)
		if (results_same_config(&rows[i], r) && rows[i].rep == r->rep &&
		    !strcmp(rows[i].status, r->status))
			return true;
	return false;
}

int bench_merge(int argc, char **argv)
{
	char runs[PATH_MAX], path[PATH_MAX];
	struct row *all = NULL;
	size_t total = 0, rows_out = 0;
	FILE *meta;

	if (argc < 3)
		return bench_error("usage: mvm-bench merge OUT_DIR SHARD_DIR...") * 2;
	if (mkdir(argv[1], 0755) && errno != EEXIST)
		return bench_error("cannot create %s: %s", argv[1], strerror(errno)) * 2;
	snprintf(runs, sizeof(runs), "%s/runs.csv", argv[1]);
	if (access(runs, F_OK) == 0)
		return bench_error("%s exists: merge into a new directory", runs) * 2;
	for (int i = 2; i < argc; i++) {
		struct row *rows;
		size_t n;
		int err = load(argv[i], &rows, &n);

		if (err)
			return err;
		for (size_t k = 0; k < n; k++) {
			if (already(all, total, &rows[k]) || results_append(runs, &rows[k]))
				continue;
			rows_out++;
		}
		all = realloc(all, (total + n) * sizeof(*all));
		memcpy(all + total, rows, n * sizeof(*rows));
		total += n;
		free(rows);
	}
	snprintf(path, sizeof(path), "%s/meta.json", argv[1]);
	meta = fopen(path, "w");
	if (meta) {
		fprintf(meta, "{\"merged_from\": %d, \"shards\": [", argc - 2);
		for (int i = 2; i < argc; i++)
			append_meta(meta, argv[i], i == 2);
		fprintf(meta, "\n]}\n");
		fclose(meta);
	}
	results_free(all, total);
	printf("merged %zu rows from %d directories into %s\n", rows_out, argc - 2, argv[1]);
	return bench_summarize(argv[1]);
}
