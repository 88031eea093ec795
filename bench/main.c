/* main.c: mvm-bench: boot-time and footprint benchmarks around mvm. */
#include <stdio.h>
#include <string.h>

#include "bench.h"

/* Sub-commands that take their own argument vector (argv[0] is the name). */
static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "startup", bench_startup },	{ "run", bench_run },
	{ "compare", bench_compare },	{ "effects", bench_effects },
	{ "simulate", bench_simulate }, { "merge", bench_merge },
	{ "probe-cost", bench_probe_cost }, { "probes-onoff", bench_probes_onoff },
};

int main(int argc, char **argv)
{
	for (size_t i = 0; argc >= 2 && i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	if (argc == 3 && !strcmp(argv[1], "summarize"))
		return bench_summarize(argv[2]);
	fprintf(stderr, "usage: mvm-bench COMMAND [options]\n"
			"  run           the boot matrix: runs.csv, summary.csv, meta.json, plots\n"
			"  compare       BASE NEW: the overall change and per configuration; the gate\n"
			"  effects       DIR: what each factor of the matrix does (effects.csv, plot)\n"
			"  simulate      the statistics' error rates and coverage on simulated runs\n"
			"  merge         OUT DIR...: combine shards of one matrix\n"
			"  summarize     DIR: recompute summary.csv and plots\n"
			"  startup       VMM exec to first guest exit and footprint, mvm vs QEMU\n"
			"  probe-cost    cost of one probe event in the exit path\n"
			"  probes-onoff  the same Linux boot with probes on and off\n");
	return 2;
}
