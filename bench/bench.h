/* bench.h: mvm-bench's sub-commands. */
#ifndef MVM_BENCH_H
#define MVM_BENCH_H

/* Print "mvm-bench: <message>" and return exit status 1. */
int bench_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int bench_startup(int argc, char **argv);
int bench_probe_cost(int argc, char **argv);
int bench_probes_onoff(int argc, char **argv);

#endif
