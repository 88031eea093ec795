/*
 * run.c: "mvm-bench run": the matrix from the command line and a config
 * file, its dry-run listing, the output directory (resumed when it already
 * has rows), meta.json, the boots, then summary.csv and the plots.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "host.h"
#include "matrix.h"
#include "plot.h"
#include "results.h"
#include "runner.h"
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
		"usage: mvm-bench run [-c CONFIG] [--AXIS v1,v2...] [-n REPEAT] [--warmup N]\n"
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

static void list_cells(const struct cell *cells, size_t n, size_t ntasks, const struct matrix_config *m)
{
	size_t runnable = 0;

	for (size_t i = 0; i < n; i++) {
		bool mine = cells[i].id % m->shard_count == m->shard_index;

		printf("%4u %s %s%s\n", cells[i].id, cells[i].key,
		       !mine ? "(other shard)" : cells[i].skip ? "skipped: " : "run",
		       mine && cells[i].skip ? cells[i].skip : "");
		runnable += mine && !cells[i].skip;
	}
	printf("%zu cells, %zu to run in this shard, %zu boots (%u warm-up + %u repetitions each)\n",
	       n, runnable, ntasks, m->warmup, m->repeat);
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

/* Remove the tasks runs.csv already has, and record skipped cells once. */
static size_t resume(const char *runs, struct task *tasks, size_t ntasks, const struct cell *cells,
		     size_t ncells, const struct matrix_config *m)
{
	struct row *rows = NULL;
	size_t nrows = 0, bad, kept = 0;

	if (access(runs, F_OK) == 0 && results_read(runs, &rows, &nrows, &bad))
		fprintf(stderr, "mvm-bench: %s line %zu is damaged; not resuming from it\n", runs, bad);
	for (size_t t = 0; t < ntasks; t++) {
		bool done = false;

		for (size_t i = 0; i < nrows && !tasks[t].warmup && !done; i++) {
			struct row probe = { .rep = tasks[t].rep };

			for (int ax = 0; ax < AX_COUNT; ax++)
				probe.v[ax] = (char *)tasks[t].cell->v[ax];
			done = results_same_config(&probe, &rows[i]) && rows[i].rep == probe.rep;
		}
		if (!done)
			tasks[kept++] = tasks[t];
	}
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
			r.m[k] = 0.0 / 0.0;
		if (!have && results_append(runs, &r))
			fprintf(stderr, "mvm-bench: cannot write %s\n", runs);
	}
	if (nrows)
		fprintf(stderr, "mvm-bench: resuming %s: %zu rows there, %zu boots to go\n", runs,
			nrows, kept);
	results_free(rows, nrows);
	return kept;
}

static int finish_outputs(const char *dir, bool plots);

int bench_summarize(const char *dir)
{
	return finish_outputs(dir, true);
}

static int finish_outputs(const char *dir, bool plots)
{
	char runs[PATH_MAX], summary[PATH_MAX];
	struct row *rows;
	size_t n, bad;
	int err;

	snprintf(runs, sizeof(runs), "%s/runs.csv", dir);
	snprintf(summary, sizeof(summary), "%s/summary.csv", dir);
	err = results_read(runs, &rows, &n, &bad);
	if (err)
		return bench_error("cannot read %s: %s", runs, strerror(-err));
	err = results_write_summary(summary, rows, n);
	if (err)
		bench_error("cannot write %s: %s", summary, strerror(-err));
	if (!err && plots)
		err = plot_all(dir, rows, n);
	results_free(rows, n);
	return err ? 1 : 0;
}

int bench_run(int argc, char **argv)
{
	struct run_opts o;
	struct runner r = { .stop = &stop_requested, .tty = isatty(STDERR_FILENO) };
	struct cell *cells;
	struct task *tasks;
	size_t ncells, ntasks;
	int err;

	if ((err = parse(&o, argc, argv)))
		return err;
	cells = matrix_cells(&o.cfg, &ncells);
	tasks = cells ? matrix_tasks(&o.cfg, cells, ncells, &ntasks) : NULL;
	if (!tasks)
		return bench_error("out of memory");
	if (o.cfg.dry_run) {
		list_cells(cells, ncells, ntasks, &o.cfg);
		return 0;
	}
	default_out_dir(&o.cfg);
	if (preflight(&o, cells, ncells))
		return 2;
	if ((err = make_dirs(o.cfg.out_dir)))
		return bench_error("cannot create results directory '%s': %s", o.cfg.out_dir,
				   strerror(-err)) * 2;
	snprintf(r.runs_path, sizeof(r.runs_path), "%s/runs.csv", o.cfg.out_dir);
	ntasks = resume(r.runs_path, tasks, ntasks, cells, ncells, &o.cfg);
	if (meta_write(o.cfg.out_dir, &o.cfg, ncells, ntasks))
		return bench_error("cannot write %s/meta.json", o.cfg.out_dir);
	r.cfg = &o.cfg;
	r.out_dir = o.cfg.out_dir;
	gethostname(r.host, sizeof(r.host));
	snprintf(r.git_rev, sizeof(r.git_rev), "%s", MVM_VERSION);
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	fprintf(stderr, "mvm-bench: %zu boots into %s\n", ntasks, o.cfg.out_dir);
	err = runner_run(&r, tasks, ntasks);
	if (err == -EINTR)
		fprintf(stderr, "\nmvm-bench: stopped; %s has the finished boots; run the same "
				"command with -o %s to resume\n", r.runs_path, o.cfg.out_dir);
	if (err == -1)
		return 1;
	err = finish_outputs(o.cfg.out_dir, o.plots) || err;
	printf("results: %s/{runs.csv,summary.csv,meta.json,*.png,*.svg}\n", o.cfg.out_dir);
	free(tasks);
	free(cells);
	matrix_free(&o.cfg);
	return err ? 1 : 0;
}
