/*
 * run.c: "mvm-bench run": the matrix from the command line and a config
 * file, its dry-run listing, the output directory (resumed when it already
 * has rows: a torn last row cut off, only missing boots run), meta.json,
 * warm-up boots, then rounds of every cell in a fresh order until the main
 * effects on the time to init are precise enough (--until-ci), the budget
 * would be overrun (--budget), or -n rounds ran; then summary.csv, the
 * plots and the effects (effects.h).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "effects.h"
#include "host.h"
#include "matrix.h"
#include "plot.h"
#include "results.h"
#include "runner.h"
#include "stats.h"
#include "util.h"

#ifndef MVM_VERSION
#define MVM_VERSION "unknown"
#endif

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: mvm-bench run [-c CONFIG] [--AXIS v1,v2...] [--until-ci PCT] [--budget DURATION]\n"
		"                     [-n ROUNDS] [--warmup N]\n"
		"                     [--timeout S] [-j JOBS] [--shard I/N] [--seed N] [-o DIR]\n"
		"                     [--mem SIZE] [--smp N] [--append ARGS] [--mvm PATH] [--qemu PATH]\n"
		"                     [--append-axis ARGS ARGS...] [--dry-run] [--no-plots]\n"
		"  axes: --vmm mvm,qemu --firmware direct,qboot,seabios --kernel GUEST_DIR,...\n"
		"        --pit --pic --rtc --isa-serial --x-option-roms (on,off)\n"
		"        --append-axis \"\" \"initcall_debug\": kernel command-line variants, each\n"
		"        added to --append (a config file: append-axis = \"\" \"initcall_debug\")\n");
	return 2;
}

struct run_opts {
	struct matrix_config cfg;
	bool plots;
};

static int parse(struct run_opts *o, int argc, char **argv)
{
	char err[256];

	matrix_defaults(&o->cfg);
	o->plots = true;
	/* The config file first, so that options override it. */
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], "-c") && matrix_load(&o->cfg, argv[i + 1], err, sizeof(err)))
			return bench_error("%s", err) * 2;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *key = a + 2;

		if (!strcmp(a, "--dry-run")) {
			o->cfg.dry_run = true;
			continue;
		}
		if (!strcmp(a, "--no-plots")) {
			o->plots = false;
			continue;
		}
		if (!strcmp(a, "--append-axis")) {
			/* Every following argument up to the next option is one variant. */
			int first = i + 1;

			while (i + 1 < argc && argv[i + 1][0] != '-')
				i++;
			if (matrix_set_append_axis(&o->cfg, (const char *const *)argv + first,
						   (unsigned)(i + 1 - first), err, sizeof(err)))
				return bench_error("%s", err) * 2;
			continue;
		}
		if (i + 1 >= argc || a[0] != '-')
			return usage();
		if (!strcmp(a, "-c")) {
			i++;
			continue;
		}
		key = !strcmp(a, "-n") ? "repeat" : !strcmp(a, "-j") ? "jobs" : !strcmp(a, "-o") ? "out"
		      : a[1] == '-' ? key : NULL;
		if (!key || matrix_set(&o->cfg, key, argv[++i], err, sizeof(err)))
			return key ? bench_error("%s", err) * 2 : usage();
	}
	return 0;
}

static void list_cells(const struct cell *cells, size_t n, const struct matrix_config *m)
{
	size_t runnable = 0;

	for (size_t i = 0; i < n; i++) {
		bool mine = cells[i].id % m->shard_count == m->shard_index;

		printf("%4u %s %s%s\n", cells[i].id, cells[i].key,
		       !mine ? "(other shard)" : cells[i].skip ? "skipped: " : "run",
		       mine && cells[i].skip ? cells[i].skip : "");
		runnable += mine && !cells[i].skip;
	}
	printf("%zu cells, %zu to run in this shard: %u warm-up boot(s), then rounds of %zu boots "
	       "(each cell once, a fresh order each round) until every main effect's interval is "
	       "within +-%.2f %% of the median time to init, %u s, or %u rounds\n",
	       n, runnable, m->warmup, runnable, m->until_ci_pct, m->budget_s, m->repeat);
}

static void default_out_dir(struct matrix_config *m)
{
	char buf[PATH_MAX], date[32];
	time_t t = time(NULL);
	struct tm tm;

	if (m->out_dir)
		return;
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y%m%d-%H%M%S", &tm);
	snprintf(buf, sizeof(buf), "results/%s-%s", date, MVM_VERSION);
	m->out_dir = strdup(buf);
}

static int make_dirs(const char *dir)
{
	char logs[PATH_MAX], path[PATH_MAX];

	snprintf(path, sizeof(path), "%s", dir);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		mkdir(path, 0755);
		*p = '/';
	}
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	snprintf(logs, sizeof(logs), "%s/logs", dir);
	if (mkdir(logs, 0755) && errno != EEXIST)
		return -errno;
	return access(dir, W_OK) ? -errno : 0;
}

/* Every file a runnable cell needs must exist before hours of boots. */
static int preflight(const struct run_opts *o, const struct cell *cells, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct cell *c = &cells[i];
		const char *files[] = { "vmlinux", "bzImage", "initramfs.cpio" };
		char path[PATH_MAX];

		if (c->skip)
			continue;
		for (int k = 0; k < 3; k++) {
			snprintf(path, sizeof(path), "%s/%s", c->v[AX_KERNEL], files[k]);
			if (access(path, R_OK))
				return bench_error("kernel '%s': cannot read %s (build it with "
						   "scripts/build-guest.sh -o DIR)", c->v[AX_KERNEL], path);
		}
		if (access(host_which(strcmp(c->v[AX_VMM], "qemu") ? o->cfg.mvm : o->cfg.qemu), X_OK))
			return bench_error("cannot run %s", c->v[AX_VMM]);
	}
	return 0;
}

/* Does runs.csv have task (t)'s boot? */
static bool have_row(const struct task *t, const struct row *rows, size_t nrows)
{
	struct row probe = { .rep = t->rep };

	for (int ax = 0; ax < AX_COUNT; ax++)
		probe.v[ax] = (char *)t->cell->v[ax];
	for (size_t i = 0; i < nrows; i++)
		if (rows[i].rep == probe.rep && results_same_config(&probe, &rows[i]))
			return true;
	return false;
}

/* Keep the tasks runs.csv has no row for; how many are left. */
static size_t drop_done(struct task *tasks, size_t ntasks, const struct row *rows, size_t nrows)
{
	size_t kept = 0;

	for (size_t t = 0; t < ntasks; t++)
		if (!have_row(&tasks[t], rows, nrows))
			tasks[kept++] = tasks[t];
	return kept;
}

/* The skipped cells, each recorded once (as rep 0). */
static void record_skipped(const char *runs, const struct cell *cells, size_t ncells,
			   const struct matrix_config *m, const struct row *rows, size_t nrows)
{
	for (size_t c = 0; c < ncells; c++) {
		struct row r = { .note = (char *)cells[c].skip };
		bool have = false;

		if (!cells[c].skip || cells[c].id % m->shard_count != m->shard_index)
			continue;
		for (int ax = 0; ax < AX_COUNT; ax++)
			r.v[ax] = (char *)cells[c].v[ax];
		for (size_t i = 0; i < nrows && !have; i++)
			have = results_same_config(&r, &rows[i]);
		snprintf(r.status, sizeof(r.status), "skipped");
		for (int k = 0; k < M_COUNT; k++)
			r.m[k] = NAN;
		if (!have && results_append(runs, &r))
			fprintf(stderr, "mvm-bench: cannot write %s\n", runs);
	}
}

/*
 * The rows a resumed run starts from: a torn last row (a run killed while
 * writing) is cut off, and its boot runs again; a file damaged elsewhere
 * is left alone and refused, rather than appended to.  0 or -1.
 */
static int load_for_resume(const char *runs, struct row **rows, size_t *nrows)
{
	long long cut;
	size_t bad = 0;
	int err;

	*rows = NULL;
	*nrows = 0;
	if (access(runs, F_OK))
		return 0;
	cut = results_repair(runs);
	if (cut > 0)
		fprintf(stderr, "mvm-bench: %s ended in a torn row (a run killed while writing it): "
				"cut its %lld bytes off; that boot runs again\n", runs, cut);
	err = cut < 0 && cut != -EINVAL ? (int)cut : results_read(runs, rows, nrows, &bad);
	if (err == -EINVAL)
		bench_error("%s line %zu is damaged: not resuming into it (move it away or fix it)",
			    runs, bad);
	else if (err)
		bench_error("cannot read %s: %s", runs, strerror(-err));
	return err ? -1 : 0;
}

/* Boots of rounds 0..rounds-1 that runs.csv does not have yet. */
static size_t boots_to_go(const struct matrix_config *m, const struct cell *cells, size_t ncells,
			  const struct row *rows, size_t nrows)
{
	size_t left = 0, nt;

	for (unsigned round = 0; round < m->repeat; round++) {
		struct task *t = matrix_round(m, cells, ncells, round, &nt);

		left += t ? drop_done(t, nt, rows, nrows) : nt;
		free(t);
	}
	return left;
}

static int finish_outputs(const char *dir, bool plots, bool effects);

int bench_summarize(const char *dir)
{
	return finish_outputs(dir, true, false);
}

/* How many ok and flagged rows (rows) has. */
static void count_rows(const struct row *rows, size_t n, size_t *ok, size_t *flagged)
{
	*ok = *flagged = 0;
	for (size_t i = 0; i < n; i++) {
		*ok += !strcmp(rows[i].status, "ok");
		*flagged += rows[i].flag && *rows[i].flag;
	}
}

static int finish_outputs(const char *dir, bool plots, bool effects)
{
	char runs[PATH_MAX], summary[PATH_MAX];
	struct row *rows;
	size_t n, bad, torn, ok, flagged;
	int err;

	snprintf(runs, sizeof(runs), "%s/runs.csv", dir);
	snprintf(summary, sizeof(summary), "%s/summary.csv", dir);
	err = results_read_torn(runs, &rows, &n, &bad, &torn);
	if (err == -EINVAL)
		return bench_error("%s: line %zu is not a runs.csv row", runs, bad);
	if (err)
		return bench_error("cannot read %s: %s", runs, strerror(-err));
	if (torn)
		fprintf(stderr, "mvm-bench: %s: line %zu is a torn row (a run killed while writing "
				"it), left out\n", runs, torn);
	count_rows(rows, n, &ok, &flagged);
	printf("%zu boots, %zu ok, %zu flagged as disturbed by the host (runs.csv column flag)\n",
	       n, ok, flagged);
	err = results_write_summary(summary, rows, n);
	if (err)
		bench_error("cannot write %s: %s", summary, strerror(-err));
	if (!err && plots)
		err = plot_all(dir, rows, n);
	/* The effects of the factors, for every run; an error here is no
	 * failure of the run (a design that is not two-level has none). */
	if (effects)
		effects_report(dir, rows, n, stdout);
	results_free(rows, n);
	return err ? 1 : 0;
}

/* ---- the adaptive loop ---- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double median_init(const struct row *rows, size_t n)
{
	double *x = malloc((n ? n : 1) * sizeof(*x)), m;
	size_t k = 0;

	for (size_t i = 0; x && i < n; i++)
		if (!strcmp(rows[i].status, "ok") && !isnan(rows[i].m[M_INIT_MS]))
			x[k++] = rows[i].m[M_INIT_MS];
	m = k ? stats_median(x, k) : NAN;
	free(x);
	return m;
}

/*
 * How precise the design's main effects on the time to init are after the
 * rows so far: the widest 95 % half-width as a % of the median time to
 * init (effects.h), or NAN with why in (why).
 */
static double widest_halfwidth_pct(const char *runs, char *why, size_t len)
{
	struct row *rows;
	struct effect *e = NULL;
	size_t n, ne = 0, bad;
	double pct = NAN;

	snprintf(why, len, "cannot read runs.csv");
	if (results_read(runs, &rows, &n, &bad))
		return NAN;
	if (effects_compute(rows, n, M_INIT_MS, false, &e, &ne, why, len) == 0)
		pct = effects_widest_main_halfwidth_pct(e, ne, median_init(rows, n));
	if (isnan(pct) && e)
		snprintf(why, len, "no main effect on init_ms to measure");
	free(e);
	results_free(rows, n);
	return pct;
}

struct outcome {
	const char *stopped_by; /* "precision", "budget", "rounds", "interrupted", "error" */
	unsigned rounds;	/* rounds complete in runs.csv */
	size_t boots;		/* boots run by this invocation (warm-ups included) */
	double widest_pct;	/* after the last round; NAN when unknown */
	double seconds;
};

/* Round (round) after (per_boot_s) seconds per boot so far: can it finish in the budget? */
static bool fits_budget(const struct matrix_config *m, double elapsed, double per_boot_s,
			size_t boots)
{
	if (isnan(per_boot_s)) /* no estimate yet: the first round always runs */
		return elapsed < m->budget_s;
	return elapsed + per_boot_s * (double)boots <= m->budget_s;
}

/* Rounds 0..repeat-1 (those runs.csv lacks), until a stop rule holds. */
static int run_rounds(struct runner *r, const struct matrix_config *m, const struct cell *cells,
		      size_t ncells, double t0, struct outcome *out)
{
	double per_boot_s = NAN;
	char label[32], why[256];

	out->stopped_by = "rounds";
	for (unsigned round = 0; round < m->repeat; round++) {
		struct row *rows = NULL;
		size_t nrows = 0, bad, nt, left;
		struct task *t = matrix_round(m, cells, ncells, round, &nt);
		double started = now_s();
		int err;

		if (!t)
			return bench_error("out of memory");
		if (results_read(r->runs_path, &rows, &nrows, &bad) && access(r->runs_path, F_OK) == 0) {
			free(t);
			return bench_error("cannot read %s (line %zu)", r->runs_path, bad);
		}
		left = drop_done(t, nt, rows, nrows);
		results_free(rows, nrows);
		if (left && !fits_budget(m, started - t0, per_boot_s, left)) {
			fprintf(stderr, "mvm-bench: round %u would end after the %u s budget (%.0f s "
					"spent, about %.0f s a round): stopping\n", round + 1,
				m->budget_s, started - t0, per_boot_s * (double)left);
			out->stopped_by = "budget";
			free(t);
			break;
		}
		snprintf(label, sizeof(label), "round %u", round + 1);
		r->label = label;
		err = left ? runner_run(r, t, left) : 0;
		free(t);
		out->boots += r->done;
		if (left && r->done)
			per_boot_s = (now_s() - started) / (double)r->done;
		if (err) {
			out->stopped_by = err == -EINTR ? "interrupted" : "error";
			return err;
		}
		out->rounds = round + 1;
		if (round == 0)
			continue; /* one boot per cell: no error term from replicates yet */
		out->widest_pct = widest_halfwidth_pct(r->runs_path, why, sizeof(why));
		if (isnan(out->widest_pct)) {
			fprintf(stderr, "mvm-bench: after round %u: no precision to stop on (%s)\n",
				round + 1, why);
			continue;
		}
		fprintf(stderr, "mvm-bench: after round %u: widest main-effect interval on init "
				"+-%.2f %% of the median (stop at %.2f %%)\n", round + 1,
			out->widest_pct, m->until_ci_pct);
		if (out->widest_pct <= m->until_ci_pct) {
			out->stopped_by = "precision";
			break;
		}
	}
	return 0;
}

static const char *stop_sentence(const struct outcome *o, const struct matrix_config *m)
{
	static char buf[256];

	if (!strcmp(o->stopped_by, "precision"))
		snprintf(buf, sizeof(buf), "every main effect's interval within +-%.2f %% of the median "
			 "time to init (+-%.2f %%)", m->until_ci_pct, o->widest_pct);
	else if (!strcmp(o->stopped_by, "budget"))
		snprintf(buf, sizeof(buf), "the %u s budget (another round would not have fit)",
			 m->budget_s);
	else if (!strcmp(o->stopped_by, "rounds"))
		snprintf(buf, sizeof(buf), "the round limit (-n %u)", m->repeat);
	else
		snprintf(buf, sizeof(buf), "%s", o->stopped_by);
	return buf;
}

int bench_run(int argc, char **argv)
{
	struct run_opts o;
	struct runner r = { .stop = &stop_requested, .tty = isatty(STDERR_FILENO) };
	struct outcome out = { .stopped_by = "rounds", .widest_pct = NAN };
	struct row *rows;
	struct cell *cells;
	struct task *warm;
	size_t ncells, nwarm, nrows, left;
	double t0 = now_s();
	int err;

	if ((err = parse(&o, argc, argv)))
		return err;
	cells = matrix_cells(&o.cfg, &ncells);
	warm = cells ? matrix_warmups(&o.cfg, cells, ncells, &nwarm) : NULL;
	if (!warm)
		return bench_error("out of memory");
	if (o.cfg.dry_run) {
		list_cells(cells, ncells, &o.cfg);
		return 0;
	}
	default_out_dir(&o.cfg);
	if (preflight(&o, cells, ncells))
		return 2;
	if ((err = make_dirs(o.cfg.out_dir)))
		return bench_error("cannot create results directory '%s': %s", o.cfg.out_dir,
				   strerror(-err)) * 2;
	snprintf(r.runs_path, sizeof(r.runs_path), "%s/runs.csv", o.cfg.out_dir);
	if (load_for_resume(r.runs_path, &rows, &nrows))
		return 1;
	left = boots_to_go(&o.cfg, cells, ncells, rows, nrows);
	if (nrows)
		fprintf(stderr, "mvm-bench: resuming %s: %zu rows there, %zu boots to go in at most "
				"%u rounds\n", r.runs_path, nrows, left, o.cfg.repeat);
	record_skipped(r.runs_path, cells, ncells, &o.cfg, rows, nrows);
	results_free(rows, nrows);
	if (meta_write(o.cfg.out_dir, &o.cfg, ncells, NULL))
		return bench_error("cannot write %s/meta.json", o.cfg.out_dir);
	r.cfg = &o.cfg;
	r.out_dir = o.cfg.out_dir;
	gethostname(r.host, sizeof(r.host));
	snprintf(r.git_rev, sizeof(r.git_rev), "%s", MVM_VERSION);
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	fprintf(stderr, "mvm-bench: into %s: %zu cells a round, %zu warm-up boots, then rounds until "
			"every main effect is within +-%.2f %% of the median init, %u s, or %u rounds\n",
		o.cfg.out_dir, matrix_runnable(&o.cfg, cells, ncells), left ? nwarm : 0,
		o.cfg.until_ci_pct, o.cfg.budget_s, o.cfg.repeat);
	r.label = "warm-up";
	err = left && nwarm ? runner_run(&r, warm, nwarm) : 0;
	out.boots = left && nwarm ? r.done : 0;
	if (!err)
		err = run_rounds(&r, &o.cfg, cells, ncells, t0, &out);
	else
		out.stopped_by = err == -EINTR ? "interrupted" : "error";
	runner_close(&r);
	out.seconds = now_s() - t0;
	if (err == -EINTR)
		fprintf(stderr, "\nmvm-bench: stopped; %s has the finished boots; run the same "
				"command with -o %s to resume\n", r.runs_path, o.cfg.out_dir);
	else if (!err)
		printf("stopped by %s, after %u round(s): %zu boots in %.0f s, %zu of them flagged\n",
		       stop_sentence(&out, &o.cfg), out.rounds, out.boots, out.seconds, r.flagged);
	if (meta_write(o.cfg.out_dir, &o.cfg, ncells, &(struct meta_outcome){
		out.stopped_by, out.rounds, out.boots, r.flagged, out.widest_pct, out.seconds }))
		bench_error("cannot write %s/meta.json", o.cfg.out_dir);
	if (err == -1)
		return 1;
	err = finish_outputs(o.cfg.out_dir, o.plots, true) || err;
	printf("results: %s/{runs.csv,summary.csv,effects.csv,meta.json,*.png,*.svg}\n",
	       o.cfg.out_dir);
	free(warm);
	free(cells);
	matrix_free(&o.cfg);
	return err ? 1 : 0;
}
