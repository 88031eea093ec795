/*
 * startup.c: "mvm-bench startup": VMM start-up time and footprint, mvm
 * against QEMU's microvm, side by side in one interleaved run.
 *
 * Both VMMs boot the same tiny firmware payload (tests/guests/firstexit.S,
 * whose first instruction writes boot marker 1 to port 0xf4) with the same
 * options, under the same host tracer: the time from the VMM's exec
 * (sched_process_exec) to its first guest exit (the first kvm_pio or
 * kvm_userspace_exit of any of its threads), and, once the guest has
 * halted, the VMM's RSS and PSS excluding guest RAM (from smaps).
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "host.h"
#include "hosttrace.h"
#include "stats.h"
#include "util.h"

#define MAX_RUNS 1000
#define FIRST_EXIT_TIMEOUT_MS 20000
#define RAM_MIB 128

struct vmm {
	const char *name;
	const char *binary;
	double exec_to_exit_ms[MAX_RUNS];
	double rss_kib[MAX_RUNS];
	double pss_kib[MAX_RUNS];
	unsigned runs;
	unsigned failures;
};

struct run_state {
	pid_t pid;
	uint64_t exec_ts;
	uint64_t first_exit_ts;
};

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int on_event(const struct ht_event *e, void *ctx)
{
	struct run_state *r = ctx;

	if (e->kind == HT_EXEC && e->pid == r->pid && !r->exec_ts)
		r->exec_ts = e->ts;
	if ((e->kind == HT_PIO || e->kind == HT_USERSPACE_EXIT || e->kind == HT_MMIO) &&
	    !r->first_exit_ts)
		r->first_exit_ts = e->ts;
	return 0;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int one_run(struct hosttrace *ht, struct vmm *v, const char *payload)
{
	char ram[16];
	const char *argv[] = { v->binary, "-M", "microvm", "-enable-kvm", "-cpu",
			       "host,-arch-capabilities", "-m", ram, "-bios", payload,
			       "-nodefaults", "-no-user-config", "-display", "none", NULL };
	struct run_state r = { 0 };
	unsigned waited = 0;
	double rss = 0, pss = 0;
	int status, err = 0;

	snprintf(ram, sizeof(ram), "%dm", RAM_MIB);
	r.pid = hosttrace_spawn(ht, argv, -1, -1, -1);
	if (r.pid < 0)
		return (int)r.pid;
	while (!r.first_exit_ts && waited < FIRST_EXIT_TIMEOUT_MS && !interrupted) {
		sleep_ms(2);
		waited += 2;
		hosttrace_poll(ht, on_event, &r);
		if (waitpid(r.pid, &status, WNOHANG) == r.pid) {
			r.pid = 0;
			break;
		}
	}
	/* The guest is halted now: what the VMM holds is its steady footprint. */
	if (r.pid > 0 && r.first_exit_ts)
		err = host_footprint(r.pid, (uint64_t)RAM_MIB << 20, &rss, &pss);
	if (r.pid > 0) {
		kill(r.pid, SIGKILL);
		waitpid(r.pid, NULL, 0);
	}
	hosttrace_stop(ht);
	hosttrace_poll(ht, on_event, &r);
	if (!r.exec_ts || !r.first_exit_ts || err)
		return -EIO;
	v->exec_to_exit_ms[v->runs] = (double)(r.first_exit_ts - r.exec_ts) / 1e6;
	v->rss_kib[v->runs] = rss;
	v->pss_kib[v->runs] = pss;
	v->runs++;
	return 0;
}

static void print_row(struct vmm *v)
{
	printf("%-6s %4u %9.3f %9.3f %9.3f %9.0f %9.0f\n", v->name, v->runs,
	       stats_median(v->exec_to_exit_ms, v->runs),
	       stats_quantile(v->exec_to_exit_ms, v->runs, 0.1),
	       stats_quantile(v->exec_to_exit_ms, v->runs, 0.9),
	       stats_median(v->rss_kib, v->runs), stats_median(v->pss_kib, v->runs));
}

static int usage(void)
{
	fprintf(stderr, "usage: mvm-bench startup [-n RUNS] [-p PAYLOAD] [--mvm PATH] [--qemu PATH]\n");
	return 2;
}

int bench_startup(int argc, char **argv)
{
	struct vmm vmms[2] = {
		{ .name = "mvm", .binary = "build/mvm" },
		{ .name = "qemu", .binary = "qemu-system-x86_64" },
	};
	const char *payload = "build/guests/firstexit.bin", *why = "";
	unsigned runs = 10;
	struct hosttrace *ht;
	double t_ratio, rss_mib;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc)
			runs = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "-p") && i + 1 < argc)
			payload = argv[++i];
		else if (!strcmp(argv[i], "--mvm") && i + 1 < argc)
			vmms[0].binary = argv[++i];
		else if (!strcmp(argv[i], "--qemu") && i + 1 < argc)
			vmms[1].binary = argv[++i];
		else
			return usage();
	}
	if (runs == 0 || runs > MAX_RUNS || access(payload, R_OK))
		return bench_error("startup: need 1-%d runs and a readable payload '%s'", MAX_RUNS, payload);
	ht = hosttrace_open(&why);
	if (!ht)
		return bench_error("startup: %s", why);
	signal(SIGINT, on_interrupt);
	signal(SIGTERM, on_interrupt);
	srand((unsigned)time(NULL));
	fprintf(stderr, "startup: %u interleaved runs of %s under mvm and QEMU\n", runs, payload);
	for (unsigned i = 0; i < runs && !interrupted; i++) {
		unsigned first = (unsigned)rand() % 2; /* random order: drift hits both */

		for (unsigned k = 0; k < 2; k++) {
			struct vmm *v = &vmms[(first + k) % 2];

			if (one_run(ht, v, payload))
				v->failures++;
		}
	}
	hosttrace_close(ht);
	if (interrupted || !vmms[0].runs || !vmms[1].runs)
		return bench_error("startup: incomplete (mvm %u runs, qemu %u runs, %u+%u failed)",
				   vmms[0].runs, vmms[1].runs, vmms[0].failures, vmms[1].failures);
	printf("%-6s %4s %9s %9s %9s %9s %9s\n", "vmm", "runs", "exec_ms", "p10_ms", "p90_ms",
	       "rss_kib", "pss_kib");
	print_row(&vmms[0]);
	print_row(&vmms[1]);
	t_ratio = stats_median(vmms[0].exec_to_exit_ms, vmms[0].runs) /
		  stats_median(vmms[1].exec_to_exit_ms, vmms[1].runs);
	rss_mib = stats_median(vmms[0].rss_kib, vmms[0].runs) / 1024;
	printf("ratio mvm/qemu exec->first guest exit: %.4f (target <= 0.1000)\n", t_ratio);
	printf("ratio mvm/qemu RSS excluding guest RAM: %.4f; mvm RSS overhead %.2f MiB (target <= 1.50)\n",
	       stats_median(vmms[0].rss_kib, vmms[0].runs) / stats_median(vmms[1].rss_kib, vmms[1].runs),
	       rss_mib);
	return 0;
}
