/* bench.h: mvm-bench's sub-commands, which main.c dispatches to. */
#ifndef MVM_BENCH_H
#define MVM_BENCH_H

int bench_startup(int argc, char **argv);
int bench_run(int argc, char **argv);
int bench_compare(int argc, char **argv);
int bench_merge(int argc, char **argv);

/* Recompute (dir)/summary.csv and the plots from (dir)/runs.csv. */
int bench_summarize(const char *dir);

int bench_probe_cost(int argc, char **argv);
int bench_probes_onoff(int argc, char **argv);

#endif
