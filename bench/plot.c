/* plot.c: gnuplot data files and script for a results directory. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "stats.h"
#include "util.h"

#define MAX_GROUPS 512

/* Short label: "mvm/direct 11011" (pit pic rtc isa-serial x-option-roms). */
static void label(const struct row *r, char *buf, size_t len, int with_kernel)
{
	const char *k = strrchr(r->v[AX_KERNEL], '/');

	snprintf(buf, len, "%s/%s%s%s %c%c%c%c%c", r->v[AX_VMM], r->v[AX_FIRMWARE],
		 with_kernel ? " " : "", with_kernel ? (k ? k + 1 : r->v[AX_KERNEL]) : "",
		 r->v[AX_PIT][1] == 'n' ? '1' : '0', r->v[AX_PIC][1] == 'n' ? '1' : '0',
		 r->v[AX_RTC][1] == 'n' ? '1' : '0', r->v[AX_ISA_SERIAL][1] == 'n' ? '1' : '0',
		 r->v[AX_OPTION_ROMS][1] == 'n' ? '1' : '0');
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

static int write_data(const char *dir, const struct row *rows, size_t n, int kernels)
{
	const struct row *g[MAX_GROUPS];
	FILE *ph = open_in(dir, "phases.dat"), *fp = open_in(dir, "footprint.dat");
	FILE *bt = open_in(dir, "boot-time.dat"), *fw = open_in(dir, "firmware.dat");
	size_t ng = groups(rows, n, same_config, g);
	char lab[256];

	if (!ph || !fp || !bt || !fw)
		return -1;
	for (size_t i = 0; i < ng; i++) {
		label(g[i], lab, sizeof(lab), kernels);
		fprintf(ph, "%zu \"%s\"", i, lab);
		for (int m = M_VMM_MS; m <= M_USER_MS; m++)
			v(ph, median_of(rows, n, g[i], m, same_config), 1e-3);
		fprintf(fp, "%zu \"%s\"", i, lab);
		v(fp, median_of(rows, n, g[i], M_RSS_KIB, same_config), 1.0 / 1024);
		v(fp, median_of(rows, n, g[i], M_PSS_KIB, same_config), 1.0 / 1024);
		fprintf(ph, "\n");
		fprintf(fp, "\n");
		for (size_t r = 0; r < n; r++)
			if (!strcmp(rows[r].status, "ok") && same_config(&rows[r], g[i]))
				fprintf(bt, "%zu %.4f\n", i, (isnan(rows[r].m[M_INIT_MS]) ?
						rows[r].m[M_TOTAL_MS] : rows[r].m[M_INIT_MS]) / 1e3);
	}
	ng = groups(rows, n, same_vmm_firmware, g);
	for (size_t i = 0; i < ng; i++) {
		fprintf(fw, "%zu \"%s/%s\"", i, g[i]->v[AX_VMM], g[i]->v[AX_FIRMWARE]);
		for (int m = M_VMM_MS; m <= M_USER_MS; m++)
			v(fw, median_of(rows, n, g[i], m, same_vmm_firmware), 1e-3);
		fprintf(fw, "\n");
	}
	fclose(ph);
	fclose(fp);
	fclose(bt);
	fclose(fw);
	return 0;
}

static const char script[] =
	"# mvm-bench plots: gnuplot plots.gp (in this directory) redraws them.\n"
	"set encoding utf8\n"
	"set style fill solid 0.85 border -1\n"
	"set boxwidth 0.75\n"
	"set grid ytics\n"
	"set key outside top center horizontal\n"
	"set xtics rotate by -60 font ',8' nomirror\n"
	"labels = 'bits after the name: pit pic rtc isa-serial x-option-roms (1 = on)'\n"
	"do for [t in 'pngcairo svg'] {\n"
	"  ext = (t eq 'svg') ? 'svg' : 'png'\n"
	"  set terminal t size 1400,750 noenhanced\n"
	"  set output 'phases.'.ext\n"
	"  set title 'Boot phases per configuration (median)'\n"
	"  set xlabel labels\n"
	"  set ylabel 'seconds'\n"
	"  set style data histograms\n"
	"  set style histogram rowstacked\n"
	"  plot 'phases.dat' using 3:xtic(2) title 'vmm', '' using 4 title 'firmware', "
	"'' using 5 title 'kernel', '' using 6 title 'user'\n"
	"  set output 'boot-time.'.ext\n"
	"  set title 'Time to init, every boot'\n"
	"  set style data points\n"
	"  plot 'boot-time.dat' using ($1 + (rand(0) - 0.5) * 0.3):2 pt 7 ps 0.7 title 'boot', "
	"'phases.dat' using 1:($3+$4+$5):xtic(2) pt 2 ps 2.5 lw 2 title 'median to init'\n"
	"  set output 'footprint.'.ext\n"
	"  set title 'VMM footprint without guest RAM (median)'\n"
	"  set ylabel 'MiB'\n"
	"  set style data histograms\n"
	"  set style histogram clustered gap 1\n"
	"  plot 'footprint.dat' using 3:xtic(2) title 'RSS', '' using 4 title 'PSS'\n"
	"  set output 'firmware.'.ext\n"
	"  set title 'Direct boot vs qboot vs SeaBIOS (median over all combinations)'\n"
	"  set xlabel 'vmm/firmware'\n"
	"  set ylabel 'seconds'\n"
	"  set xtics rotate by 0\n"
	"  set style histogram rowstacked\n"
	"  plot 'firmware.dat' using 3:xtic(2) title 'vmm', '' using 4 title 'firmware', "
	"'' using 5 title 'kernel', '' using 6 title 'user'\n"
	"  set xtics rotate by -60\n"
	"}\n";

int plot_all(const char *dir, const struct row *rows, size_t n)
{
	char cmd[PATH_MAX + 64];
	FILE *gp;
	int kernels = 0;

	for (size_t i = 1; i < n; i++)
		kernels |= strcmp(rows[i].v[AX_KERNEL], rows[0].v[AX_KERNEL]) != 0;
	if (write_data(dir, rows, n, kernels)) {
		bench_error("cannot write plot data in %s", dir);
		return -1;
	}
	gp = open_in(dir, "plots.gp");
	if (!gp)
		return -1;
	fputs(script, gp);
	fclose(gp);
	snprintf(cmd, sizeof(cmd), "cd '%s' && gnuplot plots.gp 2>gnuplot.log", dir);
	if (system(cmd)) {
		bench_error("gnuplot failed (see %s/gnuplot.log)", dir);
		return -1;
	}
	return 0;
}
