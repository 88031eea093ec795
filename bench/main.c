/* main.c: mvm-bench: boot-time and footprint benchmarks around mvm. */
#include <stdio.h>
#include <string.h>

#include "bench.h"

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "startup"))
		return bench_startup(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "run"))
		return bench_run(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "compare"))
		return bench_compare(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "effects"))
		return bench_effects(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "simulate"))
		return bench_simulate(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "merge"))
		return bench_merge(argc - 1, argv + 1);
	if (argc == 3 && !strcmp(argv[1], "summarize"))
		return bench_summarize(argv[2]);
	if (argc >= 2 && !strcmp(argv[1], "probe-cost"))
		return bench_probe_cost(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "probes-onoff"))
		return bench_probes_onoff(argc - 1, argv + 1);
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
