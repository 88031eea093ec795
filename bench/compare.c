/*
 * compare.c: "mvm-bench compare BASE NEW": per configuration, the change of
 * a metric's median between two result sets and its significance (one-sided
 * Mann-Whitney U test); a change counts only if it is both significant
 * (p < alpha) and larger than the threshold.  Exit status 1 when any
 * configuration regressed: the building block of performance-regression CI.
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
		    !isnan(rows[i].m[m]))
			x[k++] = rows[i].m[m];
	return k;
}

struct verdicts {
	unsigned regressions, improvements, unchanged, too_few;
};

static void compare_one(const struct row *ref, const double *a, size_t na, double *b, size_t nb,
			double threshold, double alpha, struct verdicts *v)
{
	double *sa = malloc(na * sizeof(*sa)), ma, mb, change, p_slower, p_faster;
	const char *verdict = "no change";

	memcpy(sa, a, na * sizeof(*sa));
	ma = stats_median(sa, na);
	mb = stats_median(b, nb);
	change = (mb - ma) / ma * 100.0;
	p_slower = stats_mann_whitney_greater(a, na, b, nb);
	p_faster = stats_mann_whitney_greater(b, nb, a, na);
	if (p_slower < alpha && change > threshold) {
		verdict = "REGRESSION";
		v->regressions++;
	} else if (p_faster < alpha && change < -threshold) {
		verdict = "improvement";
		v->improvements++;
	} else {
		v->unchanged++;
	}
	printf("%-60.60s %4zu %4zu %10.1f %10.1f %+7.2f%% %9.4f  %s\n", "", na, nb, ma, mb, change,
	       change >= 0 ? p_slower : p_faster, verdict);
	(void)ref;
	free(sa);
}

static void print_config(const struct row *r)
{
	printf("%s %s %s pit=%s pic=%s rtc=%s isa-serial=%s x-option-roms=%s\n", r->v[AX_VMM],
	       r->v[AX_FIRMWARE], r->v[AX_KERNEL], r->v[AX_PIT], r->v[AX_PIC], r->v[AX_RTC],
	       r->v[AX_ISA_SERIAL], r->v[AX_OPTION_ROMS]);
}

int bench_compare(int argc, char **argv)
{
	const char *metric = "init_ms";
	double threshold = 5.0, alpha = 0.05; /* boot times here vary by several % */
	struct row *base, *new_rows;
	struct verdicts v = { 0 };
	size_t nb, nn;
	int m, err, pos = 0;
	const char *file[2];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--metric") && i + 1 < argc)
			metric = argv[++i];
		else if (!strcmp(argv[i], "--threshold") && i + 1 < argc)
			threshold = atof(argv[++i]);
		else if (!strcmp(argv[i], "--alpha") && i + 1 < argc)
			alpha = atof(argv[++i]);
		else if (pos < 2 && argv[i][0] != '-')
			file[pos++] = argv[i];
		else
			pos = 3;
	}
	m = metric_index(metric);
	if (pos != 2 || m < 0 || threshold < 0 || alpha <= 0 || alpha >= 1)
		return bench_error("usage: mvm-bench compare BASE NEW [--metric NAME] "
				   "[--threshold PERCENT] [--alpha P]") * 2;
	if ((err = load(file[0], &base, &nb)) || (err = load(file[1], &new_rows, &nn)))
		return err;
	printf("metric %s; a change counts when |change| > %.1f %% and one-sided Mann-Whitney "
	       "p < %.3f\n", metric, threshold, alpha);
	printf("%-60s %4s %4s %10s %10s %8s %9s  %s\n", "configuration", "base", "new",
	       "base_med", "new_med", "change", "p", "verdict");
	for (size_t i = 0; i < nb; i++) {
		double *a = malloc(nb * sizeof(*a)), *b = malloc((nn + 1) * sizeof(*b));
		size_t na, k;
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = results_same_config(&base[j], &base[i]);
		na = seen ? 0 : values(base, nb, &base[i], m, a);
		k = seen ? 0 : values(new_rows, nn, &base[i], m, b);
		if (!seen && (na || k)) {
			print_config(&base[i]);
			if (na < 2 || k < 2) {
				printf("%-60s %4zu %4zu  too few ok boots to compare\n", "", na, k);
				v.too_few++;
			} else {
				compare_one(&base[i], a, na, b, k, threshold, alpha, &v);
			}
		}
		free(a);
		free(b);
	}
	printf("%u regression(s), %u improvement(s), %u unchanged, %u not comparable\n",
	       v.regressions, v.improvements, v.unchanged, v.too_few);
	results_free(base, nb);
	results_free(new_rows, nn);
	return v.regressions ? 1 : 0;
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
