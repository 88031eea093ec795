/*
 * effects.c: main effects and two-factor interactions of the matrix's
 * factorial design (see effects.h), effects.csv, the effects plot and the
 * summary a person reads.
 *
 * Estimation works on cell means: effect S = (2 / 2^k) * sum over cells of
 * sign_S(cell) * mean(cell), the unweighted-means analysis.  When cells have
 * unequal replicate counts (a round cut short, a boot that failed) every cell
 * still weighs the same, so no effect is confounded with which cells got the
 * extra boots, and the variance of an effect is exactly
 * sigma^2 * 4 / 2^k / n_h with n_h the harmonic mean of the replicate counts
 * (4 / 4^k * sum 1/n_c).  sigma^2 is the pooled within-cell variance when any
 * cell has two or more boots (df = boots - cells); with one boot per cell
 * it is estimated from the interactions of three or more factors (Yates),
 * assumed negligible, each of which then estimates the effects' variance.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "effects.h"
#include "stats.h"
#include "trace.h"
#include "util.h"

#define MAX_FACTORS 9 /* 2^9 cells: far beyond any matrix that is run */

struct factor {
	int axis;
	const char *low, *high;
};

struct design {
	struct factor f[MAX_FACTORS];
	unsigned k;
	size_t cells;
	double *sum, *sumsq; /* per cell */
	size_t *count;
	double median;       /* of the metric over the rows used */
};

const char *effects_axis_name(int ax)
{
	static const char *name[AX_COUNT];

	if (!name[0]) {
		struct matrix_config m;

		matrix_defaults(&m); /* the names live in matrix.c's static table */
		for (int i = 0; i < AX_COUNT; i++)
			name[i] = m.axis[i].name;
		matrix_free(&m);
	}
	return name[ax];
}

static bool usable(const struct row *r, enum metric m, bool skip_flagged)
{
	return !strcmp(r->status, "ok") && !isnan(r->m[m]) && !(skip_flagged && r->flag && *r->flag);
}

static const char *value_of(const struct row *r, int ax)
{
	return r->v[ax] ? r->v[ax] : "";
}

/* The distinct values of axis (ax) among (use)d rows, up to (max); their count (max + 1 when more). */
static unsigned distinct(const struct row *rows, size_t n, const bool *use, int ax,
			 const char **v, unsigned max)
{
	unsigned k = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned j = 0;

		if (!use[i])
			continue;
		while (j < k && strcmp(v[j], value_of(&rows[i], ax)))
			j++;
		if (j == k) {
			if (k == max)
				return max + 1;
			v[k++] = value_of(&rows[i], ax);
		}
	}
	return k;
}

/* "on" is the high level of an on/off axis; otherwise the later value in byte order
 * (so that an append axis "" / "quiet" measures adding "quiet"). */
static void order_levels(struct factor *f, const char *a, const char *b)
{
	bool swap = !strcmp(a, "on") || (strcmp(b, "on") && strcmp(a, b) > 0);

	f->low = swap ? b : a;
	f->high = swap ? a : b;
}

static int find_factors(const struct row *rows, size_t n, const bool *use, struct design *d,
			char *why, size_t len)
{
	d->k = 0;
	for (int ax = 0; ax < AX_COUNT; ax++) {
		const char *v[3];
		unsigned k = distinct(rows, n, use, ax, v, 2);

		if (k > 2) {
			snprintf(why, len, "%s has more than two values: effects need two-level factors "
				 "(estimate them per value)", effects_axis_name(ax));
			return -1;
		}
		if (k < 2)
			continue;
		if (d->k == MAX_FACTORS) {
			snprintf(why, len, "more than %d two-level factors", MAX_FACTORS);
			return -1;
		}
		d->f[d->k].axis = ax;
		order_levels(&d->f[d->k++], v[0], v[1]);
	}
	if (d->k == 0) {
		snprintf(why, len, "no axis has two values among the ok boots");
		return -1;
	}
	return 0;
}

static size_t cell_of(const struct design *d, const struct row *r)
{
	size_t c = 0;

	for (unsigned f = 0; f < d->k; f++)
		c |= (size_t)!strcmp(value_of(r, d->f[f].axis), d->f[f].high) << f;
	return c;
}

static void describe_cell(const struct design *d, size_t c, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
	for (unsigned f = 0; f < d->k && off < len; f++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s=%s", f ? "," : "",
					effects_axis_name(d->f[f].axis), c >> f & 1 ? d->f[f].high : d->f[f].low);
}

static int fill_cells(const struct row *rows, size_t n, const bool *use, enum metric m,
		      struct design *d, char *why, size_t len)
{
	double *all = malloc((n ? n : 1) * sizeof(*all));
	size_t used = 0;

	d->cells = (size_t)1 << d->k;
	d->sum = calloc(d->cells, sizeof(*d->sum));
	d->sumsq = calloc(d->cells, sizeof(*d->sumsq));
	d->count = calloc(d->cells, sizeof(*d->count));
	if (!all || !d->sum || !d->sumsq || !d->count) {
		free(all);
		snprintf(why, len, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		size_t c;

		if (!use[i])
			continue;
		c = cell_of(d, &rows[i]);
		d->sum[c] += rows[i].m[m];
		d->sumsq[c] += rows[i].m[m] * rows[i].m[m];
		d->count[c]++;
		all[used++] = rows[i].m[m];
	}
	d->median = stats_median(all, used);
	free(all);
	for (size_t c = 0; c < d->cells; c++)
		if (!d->count[c]) {
			char cell[512];

			describe_cell(d, c, cell, sizeof(cell));
			snprintf(why, len, "not a full factorial: no ok boot of %s", cell);
			return -1;
		}
	return 0;
}

/* Contrast S (a set of factors, as bits) of the cell means. */
static double contrast(const struct design *d, size_t s)
{
	double e = 0;

	for (size_t c = 0; c < d->cells; c++) {
		double mean = d->sum[c] / (double)d->count[c];

		e += __builtin_popcountll(s & ~c) & 1 ? -mean : mean;
	}
	return e * 2 / (double)d->cells;
}

/* The variance of one effect and its degrees of freedom, or -1 with why. */
static int error_term(const struct design *d, double *var, unsigned *df, const char **method,
		      char *why, size_t len)
{
	double within = 0, inv_n = 0;
	size_t boots = 0;

	for (size_t c = 0; c < d->cells; c++) {
		double mean = d->sum[c] / (double)d->count[c];

		within += fmax(0, d->sumsq[c] - mean * d->sum[c]);
		boots += d->count[c];
		inv_n += 1.0 / (double)d->count[c];
	}
	if (boots > d->cells) {
		*df = (unsigned)(boots - d->cells);
		*var = within / *df * 4 * inv_n / ((double)d->cells * (double)d->cells);
		*method = "replicates";
		return 0;
	}
	*var = 0;
	*df = 0;
	for (size_t s = 1; s < d->cells; s++)
		if (__builtin_popcountll(s) >= 3) {
			double e = contrast(d, s);

			*var += e * e;
			(*df)++;
		}
	if (!*df) {
		snprintf(why, len, "one boot per cell and only %u factors: no error term "
			 "(repeat the matrix)", d->k);
		return -1;
	}
	*var /= *df;
	*method = "higher-order interactions";
	return 0;
}

static void name_factor(const struct design *d, unsigned f, char *buf, size_t len)
{
	const struct factor *x = &d->f[f];

	if (!strcmp(x->high, "on") && !strcmp(x->low, "off"))
		snprintf(buf, len, "%s", effects_axis_name(x->axis));
	else
		snprintf(buf, len, "%s=%s", effects_axis_name(x->axis), *x->high ? x->high : "\"\"");
}

static void name_effect(const struct design *d, size_t s, char *buf, size_t len)
{
	char part[96];
	size_t off = 0;

	buf[0] = 0;
	for (unsigned f = 0; f < d->k; f++)
		if (s >> f & 1) {
			name_factor(d, f, part, sizeof(part));
			off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s%s",
						off ? " x " : "", part);
		}
}

static void free_design(struct design *d)
{
	free(d->sum);
	free(d->sumsq);
	free(d->count);
}

static int estimate(const struct design *d, struct effect **out, size_t *nout, char *why,
		    size_t len)
{
	const char *method;
	double var, t;
	unsigned df;
	size_t k = 0;

	if (error_term(d, &var, &df, &method, why, len))
		return -1;
	t = stats_t_quantile(0.975, df);
	*out = calloc(d->k + d->k * (d->k - 1) / 2, sizeof(**out));
	if (!*out) {
		snprintf(why, len, "out of memory");
		return -1;
	}
	for (unsigned order = 1; order <= 2; order++)
		for (size_t s = 1; s < d->cells; s++) {
			struct effect *e = &(*out)[k];

			if ((unsigned)__builtin_popcountll(s) != order)
				continue;
			name_effect(d, s, e->name, sizeof(e->name));
			e->order = order;
			e->est = contrast(d, s);
			e->lo = e->est - t * sqrt(var);
			e->hi = e->est + t * sqrt(var);
			e->pct = d->median ? e->est / d->median * 100 : NAN;
			e->df = df;
			e->method = method;
			k++;
		}
	*nout = k;
	return 0;
}

int effects_compute(const struct row *rows, size_t n, enum metric m, bool skip_flagged,
		    struct effect **out, size_t *nout, char *why, size_t len)
{
	bool *use = calloc(n ? n : 1, sizeof(*use));
	struct design d = { 0 };
	int err;

	*out = NULL;
	*nout = 0;
	if (!use) {
		snprintf(why, len, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		use[i] = usable(&rows[i], m, skip_flagged);
	err = find_factors(rows, n, use, &d, why, len) || fill_cells(rows, n, use, m, &d, why, len) ||
	      estimate(&d, out, nout, why, len);
	free_design(&d);
	free(use);
	return err ? -1 : 0;
}

double effects_widest_main_halfwidth_pct(const struct effect *e, size_t n, double median)
{
	double widest = NAN;

	for (size_t i = 0; i < n; i++)
		if (e[i].order == 1 && !(fabs((e[i].hi - e[i].lo) / 2) <= widest))
			widest = fabs((e[i].hi - e[i].lo) / 2);
	return median > 0 ? widest / median * 100 : NAN;
}

/* ---- the report: groups, effects.csv, plot, summary ---- */

/*
 * Axes with more than two values (firmware direct/qboot/seabios, several
 * kernels) are not factors: the ok rows are split by their values into
 * groups, each its own design, labelled "firmware=qboot" (empty label when
 * the whole run is one design).
 */
struct group {
	char label[256];
	struct row *rows; /* shallow copies of the group's ok rows */
	size_t n;
};

static bool same_group(const struct row *a, const struct row *b, const bool *multi)
{
	for (int ax = 0; ax < AX_COUNT; ax++)
		if (multi[ax] && strcmp(value_of(a, ax), value_of(b, ax)))
			return false;
	return true;
}

static void label_group(struct group *g, const struct row *r, const bool *multi)
{
	size_t off = 0;

	g->label[0] = 0;
	for (int ax = 0; ax < AX_COUNT; ax++)
		if (multi[ax] && off < sizeof(g->label))
			off += (size_t)snprintf(g->label + off, sizeof(g->label) - off, "%s%s=%s",
						off ? "," : "", effects_axis_name(ax), value_of(r, ax));
}

static size_t make_groups(const struct row *rows, size_t n, struct group *g, size_t max)
{
	bool *ok = calloc(n ? n : 1, sizeof(*ok)), multi[AX_COUNT];
	size_t ng = 0;

	if (!ok)
		return 0;
	for (size_t i = 0; i < n; i++)
		ok[i] = !strcmp(rows[i].status, "ok");
	for (int ax = 0; ax < AX_COUNT; ax++) {
		const char *v[3];

		multi[ax] = distinct(rows, n, ok, ax, v, 2) > 2;
	}
	for (size_t i = 0; i < n; i++) {
		size_t j = 0;

		if (!ok[i])
			continue;
		while (j < ng && !same_group(&g[j].rows[0], &rows[i], multi))
			j++;
		if (j == ng) {
			if (ng == max || !(g[ng].rows = calloc(n, sizeof(*g[ng].rows))))
				continue;
			label_group(&g[ng], &rows[i], multi);
			g[ng++].n = 0;
		}
		g[j].rows[g[j].n++] = rows[i];
	}
	free(ok);
	return ng;
}

static void free_groups(struct group *g, size_t ng)
{
	for (size_t i = 0; i < ng; i++)
		free(g[i].rows);
}

/* Worth estimating: some ok rows have it, and not all the same value. */
static bool varies(const struct row *rows, size_t n, enum metric m)
{
	double first = NAN;

	for (size_t i = 0; i < n; i++) {
		if (!usable(&rows[i], m, false))
			continue;
		if (isnan(first))
			first = rows[i].m[m];
		else if (rows[i].m[m] != first)
			return true;
	}
	return false;
}

static const char *unit_of(enum metric m)
{
	const char *name = metric_name[m];
	size_t len = strlen(name);

	if (len > 3 && !strcmp(name + len - 3, "_ms"))
		return " ms";
	if (len > 4 && !strcmp(name + len - 4, "_kib"))
		return " KiB";
	return "";
}

/* The effects of every metric of every group, as they go to effects.csv. */
struct estimates {
	struct group g[16];
	size_t ng;
	struct effect *e[16][M_COUNT];
	size_t ne[16][M_COUNT];
	char why[16][M_COUNT][256];
};

static void estimate_all(struct estimates *x, const struct row *rows, size_t n)
{
	x->ng = make_groups(rows, n, x->g, 16);
	for (size_t g = 0; g < x->ng; g++)
		for (int m = 0; m < M_COUNT; m++) {
			x->e[g][m] = NULL;
			x->ne[g][m] = 0;
			if (!varies(x->g[g].rows, x->g[g].n, (enum metric)m))
				snprintf(x->why[g][m], sizeof(x->why[g][m]), "no variation");
			else
				effects_compute(x->g[g].rows, x->g[g].n, (enum metric)m, false, &x->e[g][m],
						&x->ne[g][m], x->why[g][m], sizeof(x->why[g][m]));
		}
}

static void free_estimates(struct estimates *x)
{
	for (size_t g = 0; g < x->ng; g++)
		for (int m = 0; m < M_COUNT; m++)
			free(x->e[g][m]);
	free_groups(x->g, x->ng);
}

static int fill_csv(FILE *f, void *ctx)
{
	const struct estimates *x = ctx;

	fprintf(f, "metric,effect,order,estimate,ci95_low,ci95_high,pct,df,method,group\n");
	for (size_t g = 0; g < x->ng; g++)
		for (int m = 0; m < M_COUNT; m++)
			for (size_t i = 0; i < x->ne[g][m]; i++) {
				const struct effect *e = &x->e[g][m][i];

				fprintf(f, "%s,\"%s\",%u,%.4f,%.4f,%.4f,%.4f,%u,%s,\"%s\"\n",
					metric_name[m], e->name, e->order, e->est, e->lo, e->hi, e->pct,
					e->df, e->method, x->g[g].label);
			}
	return 0;
}

/* The metric the plot and the detailed summary are about: time to init, or
 * to the end of the boot when no boot reached init. */
static enum metric headline(const struct estimates *x, size_t g)
{
	return x->ne[g][M_INIT_MS] || !x->ne[g][M_TOTAL_MS] ? M_INIT_MS : M_TOTAL_MS;
}

static int by_size(const void *a, const void *b)
{
	double x = fabs(((const struct effect *)a)->est), y = fabs(((const struct effect *)b)->est);

	return (x > y) - (x < y);
}

static const char plot_script[] =
	"# mvm-bench effects plot: gnuplot effects.gp (in this directory) redraws it.\n"
	"set encoding utf8\n"
	"set key outside top center horizontal\n"
	"set grid xtics\n"
	"set yzeroaxis lt -1 lw 2\n"
	"set ytics font ',10' nomirror\n"
	"set offsets graph 0.05, graph 0.05, 0, 0\n"
	"set xlabel xunit\n"
	"set yrange [-0.7:rows - 0.3]\n"
	"set style fill solid 0.6 border -1\n"
	"do for [t in 'pngcairo svg'] {\n"
	"  ext = (t eq 'svg') ? 'svg' : 'png'\n"
	"  set terminal t size 1100,(140 + 26 * rows) noenhanced\n"
	"  set output 'effects.'.ext\n"
	"  set title heading\n"
	"  plot 'effects.dat' using ($6 == 1 ? ($3 < 0 ? $3 : 0) : 1/0):1:($3 < 0 ? $3 : 0):"
	"($3 < 0 ? 0 : $3):($1 - 0.35):($1 + 0.35):ytic(2) with boxxyerror lc rgb '#3366aa' "
	"title 'main effect', "
	"'' using ($6 == 2 ? ($3 < 0 ? $3 : 0) : 1/0):1:($3 < 0 ? $3 : 0):($3 < 0 ? 0 : $3):"
	"($1 - 0.35):($1 + 0.35) with boxxyerror lc rgb '#99bbdd' title 'two-factor interaction', "
	"'' using 3:1:4:5 with xerrorbars lc rgb 'black' pt 7 ps 0.5 lw 1.5 "
	"title '95 % interval'\n"
	"}\n";

/* effects.dat: the headline metric's effects of every group, largest at the top. */
static size_t write_plot_data(FILE *f, const struct estimates *x, const char **method,
			      unsigned *df)
{
	size_t row = 0;

	for (size_t g = x->ng; g-- > 0;) {
		enum metric m = headline(x, g);
		struct effect *e = malloc((x->ne[g][m] + 1) * sizeof(*e));

		if (!e)
			continue;
		memcpy(e, x->e[g][m], x->ne[g][m] * sizeof(*e));
		qsort(e, x->ne[g][m], sizeof(*e), by_size);
		for (size_t i = 0; i < x->ne[g][m]; i++, row++) {
			fprintf(f, "%zu \"%s%s%s\" %.4f %.4f %.4f %u\n", row, x->g[g].label,
				*x->g[g].label ? ": " : "", e[i].name, e[i].est, e[i].lo, e[i].hi,
				e[i].order);
			*method = e[i].method;
			*df = e[i].df;
		}
		free(e);
	}
	return row;
}

static int plot_effects(const char *dir, const struct estimates *x)
{
	char path[PATH_MAX], cmd[PATH_MAX + 128];
	const char *method = "";
	enum metric m = x->ng ? headline(x, 0) : M_INIT_MS;
	unsigned df = 0;
	size_t rows;
	FILE *f;

	snprintf(path, sizeof(path), "%s/effects.dat", dir);
	if (!(f = fopen(path, "w")))
		return -1;
	rows = write_plot_data(f, x, &method, &df);
	fclose(f);
	if (!rows)
		return 0;
	snprintf(path, sizeof(path), "%s/effects.gp", dir);
	if (!(f = fopen(path, "w")))
		return -1;
	fprintf(f, "rows = %zu\nxunit = '%s (high level minus low level; on minus off)'\n"
		"heading = 'Effects on %s, sorted by size: 95 %% intervals from %s (df %u)'\n%s",
		rows, *unit_of(m) ? unit_of(m) + 1 : "count", metric_name[m], method, df, plot_script);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cd '%s' && gnuplot effects.gp 2>>gnuplot.log", dir);
	if (system(cmd)) {
		bench_error("gnuplot failed on the effects plot (see %s/gnuplot.log)", dir);
		return -1;
	}
	return 0;
}

/* ---- the summary a person reads ---- */

static bool distinguishable(const struct effect *e)
{
	return e->lo > 0 || e->hi < 0;
}

static void print_effect(FILE *out, const struct effect *e, enum metric m)
{
	const char *unit = unit_of(m);

	fprintf(out, "%s%s: %+.1f%s [%.1f, %.1f] (%+.2f %%)", e->name,
		e->order == 1 && !strchr(e->name, '=') ? "=on" : "", e->est, unit, e->lo, e->hi,
		e->pct);
}

/* The distinguishable effects of (order), then how small the others are. */
static void summarize_order(FILE *out, const struct effect *e, size_t n, unsigned order,
			    enum metric m, const char *indent)
{
	double noise = 0;
	unsigned found = 0, others = 0;

	for (size_t i = 0; i < n; i++) {
		if (e[i].order != order)
			continue;
		if (distinguishable(&e[i])) {
			fprintf(out, "%s", indent);
			print_effect(out, &e[i], m);
			fprintf(out, " to %s\n", metric_name[m]);
			found++;
		} else {
			noise = fmax(noise, (e[i].hi - e[i].lo) / 2);
			others++;
		}
	}
	if (others)
		fprintf(out, "%sno %s%s is distinguishable from noise (|effect| < %.1f%s)\n", indent,
			found ? "other " : "", order == 1 ? "main effect" : "two-factor interaction",
			noise, unit_of(m));
}

/* One line for a secondary metric: its distinguishable main effects. */
static void summarize_briefly(FILE *out, const struct effect *e, size_t n, enum metric m)
{
	unsigned found = 0;
	double noise = 0;

	fprintf(out, "    %s:", metric_name[m]);
	for (size_t i = 0; i < n; i++) {
		if (e[i].order != 1)
			continue;
		if (distinguishable(&e[i])) {
			fprintf(out, "%s ", found++ ? ";" : "");
			print_effect(out, &e[i], m);
		} else {
			noise = fmax(noise, (e[i].hi - e[i].lo) / 2);
		}
	}
	fprintf(out, "%s%s main effects within noise (+-%.1f%s)\n", found ? "; " : " ",
		found ? "other" : "all", noise, unit_of(m));
}

/* Disturbed boots are kept, and the headline said again without them. */
static void summarize_without_flagged(FILE *out, const struct group *g, enum metric m)
{
	size_t flagged = 0, n;
	struct effect *e;
	char why[256];

	for (size_t i = 0; i < g->n; i++)
		flagged += g->rows[i].flag && *g->rows[i].flag;
	if (!flagged)
		return;
	fprintf(out, "  without the %zu boot(s) the host disturbed (flagged):", flagged);
	if (effects_compute(g->rows, g->n, m, true, &e, &n, why, sizeof(why))) {
		fprintf(out, " %s\n", why);
		return;
	}
	fprintf(out, "\n");
	summarize_order(out, e, n, 1, m, "    ");
	free(e);
}

static void summarize_group(FILE *out, const struct estimates *x, size_t g)
{
	static const enum metric brief[] = { M_VMM_MS, M_FIRMWARE_MS, M_KERNEL_MS,
					     M_FIRST_CONSOLE_MS, M_TOTAL_MS, M_EXITS,
					     M_PEAK_RSS_KIB, M_RSS_KIB };
	enum metric m = headline(x, g);
	const struct effect *e = x->e[g][m];

	fprintf(out, "effects%s%s", *x->g[g].label ? " for " : "", x->g[g].label);
	if (!x->ne[g][m]) {
		fprintf(out, ": none estimated for %s: %s\n", metric_name[m], x->why[g][m]);
		return;
	}
	fprintf(out, " (%zu boots; 95 %% intervals from %s, df %u):\n", x->g[g].n, e->method, e->df);
	summarize_order(out, e, x->ne[g][m], 1, m, "  ");
	summarize_order(out, e, x->ne[g][m], 2, m, "  ");
	summarize_without_flagged(out, &x->g[g], m);
	fprintf(out, "  other metrics:\n");
	for (size_t i = 0; i < sizeof(brief) / sizeof(brief[0]); i++)
		if (brief[i] != m && x->ne[g][brief[i]])
			summarize_briefly(out, x->e[g][brief[i]], x->ne[g][brief[i]], brief[i]);
}

int effects_report(const char *dir, const struct row *rows, size_t n, FILE *summary)
{
	struct estimates *x = calloc(1, sizeof(*x));
	char path[PATH_MAX];
	size_t estimated = 0;
	int err;

	if (!x)
		return -1;
	estimate_all(x, rows, n);
	for (size_t g = 0; g < x->ng; g++)
		for (int m = 0; m < M_COUNT; m++)
			estimated += x->ne[g][m];
	snprintf(path, sizeof(path), "%s/effects.csv", dir);
	err = file_write_atomic(path, fill_csv, x);
	if (err)
		bench_error("cannot write %s: %s", path, strerror(-err));
	if (estimated)
		plot_effects(dir, x);
	for (size_t g = 0; summary && g < x->ng; g++)
		summarize_group(summary, x, g);
	if (summary && !x->ng)
		fprintf(summary, "effects: no ok boots\n");
	free_estimates(x);
	free(x);
	return err || !estimated ? -1 : 0;
}

int bench_effects(int argc, char **argv)
{
	char path[PATH_MAX];
	struct row *rows;
	size_t n, bad;
	int err;

	if (argc != 2)
		return bench_error("usage: mvm-bench effects RUN_DIR") * 2;
	snprintf(path, sizeof(path), "%s/runs.csv", argv[1]);
	err = results_read(path, &rows, &n, &bad);
	if (err == -EINVAL)
		return bench_error("%s: line %zu is not a runs.csv row", path, bad) * 2;
	if (err)
		return bench_error("cannot read %s: %s", path, strerror(-err)) * 2;
	err = effects_report(argv[1], rows, n, stdout);
	results_free(rows, n);
	return err ? 1 : 0;
}
