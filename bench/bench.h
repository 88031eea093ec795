/* bench.h: mvm-bench's sub-commands. */
#ifndef MVM_BENCH_H
#define MVM_BENCH_H

/* Print "mvm-bench: <message>" and return exit status 1. */
int bench_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#include <stddef.h>

#include "matrix.h"

int bench_startup(int argc, char **argv);
int bench_run(int argc, char **argv);
int bench_compare(int argc, char **argv);
int bench_merge(int argc, char **argv);

/* Recompute (dir)/summary.csv and the plots from (dir)/runs.csv. */
int bench_summarize(const char *dir);

/* Write (dir)/meta.json for matrix (m); 0 or -errno. */
int meta_write(const char *dir, const struct matrix_config *m, size_t ncells, size_t nboots);
int bench_probe_cost(int argc, char **argv);
int bench_probes_onoff(int argc, char **argv);

#endif
