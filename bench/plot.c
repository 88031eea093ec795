/* plot.c: gnuplot data files and script for a results directory. */
#include <limits.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "stats.h"
#include "util.h"

#define MAX_GROUPS 512

static const char *const axis_label[AX_COUNT] = {
	"vmm", "firmware", "kernel", "pit", "pic", "rtc", "isa-serial", "x-option-roms", "append",
};

/* Does axis (ax) take more than one value among (g)? */
static bool axis_varies(const struct row *const *g, size_t n, int ax)
{
	for (size_t i = 1; i < n; i++)
		if (strcmp(g[i]->v[ax], g[0]->v[ax]))
			return true;
	return false;
}

/* A configuration named by the settings that vary among the plotted ones:
 * "pit=off,rtc=on" (all of them fixed: "all"). */
static void label(const struct row *r, const struct row *const *g, size_t n, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (int ax = 0; ax < AX_COUNT && off < len; ax++) {
		const char *v = r->v[ax], *k = ax == AX_KERNEL ? strrchr(v, '/') : NULL;

		if (!axis_varies(g, n, ax))
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%s=%s", off ? "," : "", axis_label[ax],
					k ? k + 1 : *v ? v : "\"\"");
	}
	if (!off)
		snprintf(buf, len, "all");
	/* gnuplot reads the label as a quoted string: no quotes inside. */
	for (char *p = buf; *p; p++)
		if (*p == '"')
			*p = '\'';
}

/* Median of metric (m) over ok rows where (same)(row, ref) holds. */
static double median_of(const struct row *rows, size_t n, const struct row *ref, int m,
			int (*same)(const struct row *, const struct row *))
{
	double *x = malloc((n ? n : 1) * sizeof(*x)), v;
	size_t k = 0;

	for (size_t i = 0; x && i < n; i++)
		if (!strcmp(rows[i].status, "ok") && same(&rows[i], ref) && !isnan(rows[i].m[m]))
			x[k++] = rows[i].m[m];
	v = k ? stats_median(x, k) : NAN;
	free(x);
	return v;
}

static int same_config(const struct row *a, const struct row *b)
{
	return results_same_config(a, b);
}

static int same_vmm_firmware(const struct row *a, const struct row *b)
{
	return !strcmp(a->v[AX_VMM], b->v[AX_VMM]) && !strcmp(a->v[AX_FIRMWARE], b->v[AX_FIRMWARE]);
}

/* Representative rows of the distinct groups (configs with an ok boot). */
static size_t groups(const struct row *rows, size_t n, int (*same)(const struct row *, const struct row *),
		     const struct row **out)
{
	size_t g = 0;

	for (size_t i = 0; i < n; i++) {
		size_t k = 0;

		if (strcmp(rows[i].status, "ok"))
			continue;
		while (k < g && !same(out[k], &rows[i]))
			k++;
		if (k == g && g < MAX_GROUPS)
			out[g++] = &rows[i];
	}
	return g;
}

static FILE *open_in(const char *dir, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return fopen(path, "w");
}

static void v(FILE *f, double x, double scale)
{
	fprintf(f, isnan(x) ? " 0" : " %.4f", isnan(x) ? 0 : x * scale);
}

/* The time to init of an ok row (the end of the boot when it has no init). */
static double init_or_total(const struct row *r)
{
	return isnan(r->m[M_INIT_MS]) ? r->m[M_TOTAL_MS] : r->m[M_INIT_MS];
}

struct group {
	const struct row *rep; /* one row of the configuration */
	double median, lo, hi; /* time to init, ms; its median's 95 % interval (NAN if n < 3) */
};

static int by_median(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	return (x->median > y->median) - (x->median < y->median);
}

/* Every configuration with an ok boot, sorted by its median time to init. */
static size_t sorted_groups(const struct row *rows, size_t n, struct group *out)
{
	const struct row *g[MAX_GROUPS];
	size_t ng = groups(rows, n, same_config, g);
	double *x = malloc((n ? n : 1) * sizeof(*x));

	for (size_t i = 0; x && i < ng; i++) {
		size_t k = 0;

		for (size_t r = 0; r < n; r++)
			if (!strcmp(rows[r].status, "ok") && same_config(&rows[r], g[i]) &&
			    !isnan(init_or_total(&rows[r])))
				x[k++] = init_or_total(&rows[r]);
		out[i] = (struct group){ g[i], k ? stats_median(x, k) : NAN, NAN, NAN };
		if (k)
			stats_median_ci95(x, k, &out[i].lo, &out[i].hi);
	}
	free(x);
	qsort(out, ng, sizeof(*out), by_median);
	return ng;
}

/*
 * Per configuration, in order of median time to init: phases.dat (phase
 * medians, s), footprint.dat (MiB), boot-time.dat (the median and its
 * interval, s) and boots.dat (every boot: its configuration's index, s).
 */
static int write_data(const char *dir, const struct row *rows, size_t n)
{
	static struct group grp[MAX_GROUPS];
	const struct row *g[MAX_GROUPS], *fwg[MAX_GROUPS];
	FILE *ph = open_in(dir, "phases.dat"), *fp = open_in(dir, "footprint.dat");
	FILE *bt = open_in(dir, "boot-time.dat"), *fw = open_in(dir, "firmware.dat");
	FILE *bo = open_in(dir, "boots.dat");
	size_t ng = sorted_groups(rows, n, grp), nfw;
	char lab[512];
	int err = ph && fp && bt && fw && bo ? 0 : -1;

	for (size_t i = 0; i < ng; i++)
		g[i] = grp[i].rep;
	for (size_t i = 0; !err && i < ng; i++) {
		label(g[i], g, ng, lab, sizeof(lab));
		fprintf(ph, "%zu \"%s\"", i, lab);
		for (int m = M_VMM_MS; m <= M_USER_MS; m++)
			v(ph, median_of(rows, n, g[i], m, same_config), 1e-3);
		fprintf(fp, "%zu \"%s\"", i, lab);
		v(fp, median_of(rows, n, g[i], M_RSS_KIB, same_config), 1.0 / 1024);
		v(fp, median_of(rows, n, g[i], M_PSS_KIB, same_config), 1.0 / 1024);
		/* No interval (n < 3): the whisker collapses onto the median. */
		fprintf(bt, "%zu \"%s\" %.4f %.4f %.4f\n", i, lab, grp[i].median / 1e3,
			(isnan(grp[i].lo) ? grp[i].median : grp[i].lo) / 1e3,
			(isnan(grp[i].hi) ? grp[i].median : grp[i].hi) / 1e3);
		fprintf(ph, "\n");
		fprintf(fp, "\n");
		for (size_t r = 0; r < n; r++)
			if (!strcmp(rows[r].status, "ok") && same_config(&rows[r], g[i]))
				fprintf(bo, "%zu %.4f\n", i, init_or_total(&rows[r]) / 1e3);
	}
	nfw = err ? 0 : groups(rows, n, same_vmm_firmware, fwg);
	for (size_t i = 0; i < nfw; i++) {
		fprintf(fw, "%zu \"%s/%s\"", i, fwg[i]->v[AX_VMM], fwg[i]->v[AX_FIRMWARE]);
		for (int m = M_VMM_MS; m <= M_USER_MS; m++)
			v(fw, median_of(rows, n, fwg[i], m, same_vmm_firmware), 1e-3);
		fprintf(fw, "\n");
	}
	FILE *files[] = { ph, fp, bt, fw, bo };

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (files[i] && fclose(files[i]))
			err = -1;
	return err;
}

/* The settings every plotted configuration shares, for the titles. */
static void fixed_settings(const struct row *rows, size_t n, char *buf, size_t len)
{
	static struct group grp[MAX_GROUPS];
	const struct row *g[MAX_GROUPS];
	size_t ng = sorted_groups(rows, n, grp), off = 0;

	buf[0] = 0;
	for (size_t i = 0; i < ng; i++)
		g[i] = grp[i].rep;
	for (int ax = 0; ng && ax < AX_COUNT && off < len; ax++)
		if (!axis_varies(g, ng, ax) && (ax != AX_APPEND || *g[0]->v[ax]))
			off += (size_t)snprintf(buf + off, len - off, "%s%s=%s", off ? ", " : "",
						axis_label[ax], g[0]->v[ax]);
	for (char *p = buf; *p; p++)
		if (*p == '"' || *p == '\'')
			*p = '`';
}

/* Value axes start at zero, so that a difference looks as large as it is;
 * configurations are in order of median time to init, named by the
 * settings that vary (the fixed ones are in the subtitle). */
static const char script[] =
	"# mvm-bench plots: gnuplot plots.gp (in this directory) redraws them.\n"
	"set encoding utf8\n"
	"set style fill solid 0.85 border -1\n"
	"set boxwidth 0.75\n"
	"set grid ytics\n"
	"set key outside top center horizontal\n"
	"load 'fixed.gp'\n"
	"set xtics rotate by 60 right font ',8' nomirror\n"
	"set bmargin 15\n"
	"set lmargin 24\n"
	"set rmargin 3\n"
	"set yrange [0:*]\n"
	"set xrange [-0.75:nconf - 0.25]\n"
	"do for [t in 'pngcairo svg'] {\n"
	"  ext = (t eq 'svg') ? 'svg' : 'png'\n"
	"  set terminal t size 1400,800 noenhanced\n"
	"  set output 'phases.'.ext\n"
	"  set title \"Boot phases per configuration (median), sorted by median time to init\\n\".fixed\n"
	"  set ylabel 'seconds'\n"
	"  set style data histograms\n"
	"  set style histogram rowstacked\n"
	"  plot 'phases.dat' using 3:xtic(2) title 'vmm', '' using 4 title 'firmware', "
	"'' using 5 title 'kernel', '' using 6 title 'user'\n"
	"  set output 'boot-time.'.ext\n"
	"  set title \"Time to init: every boot, and the median with its 95 % interval\\n\".fixed\n"
	"  set style data points\n"
	"  plot 'boots.dat' using ($1 + (rand(0) - 0.5) * 0.3):2 pt 7 ps 0.6 lc rgb '#9090c0' "
	"title 'boot', 'boot-time.dat' using 1:3:4:5:xtic(2) with yerrorbars pt 5 ps 1.2 lw 2 "
	"lc rgb '#c03020' title 'median, 95 % interval'\n"
	"  set output 'footprint.'.ext\n"
	"  set title \"VMM footprint without guest RAM (median of each boot's time-weighted mean)\\n\".fixed\n"
	"  set ylabel 'MiB'\n"
	"  set style data histograms\n"
	"  set style histogram clustered gap 1\n"
	"  plot 'footprint.dat' using 3:xtic(2) title 'RSS', '' using 4 title 'PSS'\n"
	"  set output 'firmware.'.ext\n"
	"  set title 'Direct boot vs qboot vs SeaBIOS (median over all combinations)'\n"
	"  set ylabel 'seconds'\n"
	"  set xtics rotate by 0 center\n"
	"  set xrange [-0.75:nfw - 0.25]\n"
	"  set style histogram rowstacked\n"
	"  plot 'firmware.dat' using 3:xtic(2) title 'vmm', '' using 4 title 'firmware', "
	"'' using 5 title 'kernel', '' using 6 title 'user'\n"
	"  set xtics rotate by 60 right\n"
	"  set xrange [-0.75:nconf - 0.25]\n"
	"}\n";

static size_t count_groups(const struct row *rows, size_t n,
			   int (*same)(const struct row *, const struct row *))
{
	const struct row *g[MAX_GROUPS];
	size_t ng = groups(rows, n, same, g);

	return ng ? ng : 1;
}

static int write_script(const char *dir, const struct row *rows, size_t n)
{
	char fixed[1024];
	FILE *gp = open_in(dir, "fixed.gp");

	if (!gp)
		return -1;
	fixed_settings(rows, n, fixed, sizeof(fixed));
	fprintf(gp, "fixed = '%s'\nnconf = %zu\nnfw = %zu\n", fixed[0] ? fixed : "(every setting varies)",
		count_groups(rows, n, same_config), count_groups(rows, n, same_vmm_firmware));
	fclose(gp);
	gp = open_in(dir, "plots.gp");
	if (!gp)
		return -1;
	fputs(script, gp);
	return fclose(gp) ? -1 : 0;
}

int plot_all(const char *dir, const struct row *rows, size_t n)
{
	char cmd[PATH_MAX + 64];

	if (write_data(dir, rows, n) || write_script(dir, rows, n)) {
		bench_error("cannot write plot data in %s", dir);
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "cd '%s' && gnuplot plots.gp 2>gnuplot.log", dir);
	if (system(cmd)) {
		bench_error("gnuplot failed (see %s/gnuplot.log)", dir);
		return -1;
	}
	return 0;
}
