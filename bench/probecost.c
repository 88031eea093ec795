/*
 * probecost.c: what probes cost.
 *
 * "mvm-bench probe-cost": the per-event cost of recording one exit, as the
 * vCPU loop does (clock read + store into the thread's buffer), against the
 * same loop with probes off (a thread-local load and a branch), both timed
 * in one run, best of several rounds.
 *
 * "mvm-bench probes-onoff": the same Linux boot with probes on (--trace) and
 * off, interleaved, timed identically by the host tracer from exec to the
 * init marker (7); prints the medians, the per-pair ratios with a 95 %
 * interval, and the cost the per-event measurement predicts for the number
 * of records a boot makes (run-to-run noise on a shared host can be several
 * per cent, far more than the probes' cost).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "boot_markers.h"
#include "hosttrace.h"
#include "probe.h"
#include "stats.h"
#include "util.h"

#define EVENTS_PER_ROUND 2000000u
#define ROUNDS 7

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The vCPU loop's probe code for one exit (see vcpu.c: run_once). */
static __attribute__((noinline)) void record_one_exit(uint64_t i)
{
	uint64_t t = probes_on() ? probe_now() : 0;

	probe_emit_at(t, PROBE_EXIT, 2, 0x3f8, 1, PROBE_DIR_WRITE, i & 0xff);
}

static double ns_per_event(void)
{
	uint64_t t0 = mono_ns();

	for (uint64_t i = 0; i < EVENTS_PER_ROUND; i++)
		record_one_exit(i);
	return (double)(mono_ns() - t0) / EVENTS_PER_ROUND;
}

struct probe_cost {
	double on_best, off_best, on_median;
};

/* Best of ROUNDS rounds with probes off and on, interleaved; 0 or -1. */
static int measure_probe_cost(struct probe_cost *pc)
{
	double on[ROUNDS], off[ROUNDS];

	if (probes_init(1, EVENTS_PER_ROUND))
		return -1;
	for (int r = 0; r < ROUNDS; r++) {
		probes_attach(5); /* no such buffer: probes off */
		off[r] = ns_per_event();
		probes_attach(0);
		probe_tls->n = 0; /* reuse the (already faulted-in) buffer */
		on[r] = ns_per_event();
	}
	if (probes_dropped()) {
		probes_free();
		return -1;
	}
	pc->on_best = stats_quantile(on, ROUNDS, 0.0);
	pc->off_best = stats_quantile(off, ROUNDS, 0.0);
	pc->on_median = stats_median(on, ROUNDS);
	probes_free();
	return 0;
}

int bench_probe_cost(int argc, char **argv)
{
	struct probe_cost pc;

	(void)argc;
	(void)argv;
	if (measure_probe_cost(&pc))
		return bench_error("probe-cost: cannot allocate the probe buffer, or records were dropped");
	printf("probe cost per exit event: %.1f ns with probes on, %.1f ns off, "
	       "%.1f ns added (goal <= 50 ns; best of %d rounds of %u events; median on %.1f ns)\n",
	       pc.on_best, pc.off_best, pc.on_best - pc.off_best, ROUNDS, EVENTS_PER_ROUND,
	       pc.on_median);
	return 0;
}

/* ---- probes on vs off over a Linux boot ---- */

struct boot_times {
	pid_t pid;
	uint64_t exec, init;
};

static int on_event(const struct ht_event *e, void *ctx)
{
	struct boot_times *b = ctx;

	if (e->kind == HT_EXEC && e->pid == b->pid && !b->exec)
		b->exec = e->ts;
	if (e->kind == HT_PIO && e->rw == 1 && e->port == MARKER_PORT_LINUX &&
	    e->value == MARKER_LINUX_START_USER && !b->init)
		b->init = e->ts;
	return 0;
}

/* Records in a probe trace: its lines minus the header. */
static long trace_records(const char *path)
{
	FILE *f = fopen(path, "r");
	long lines = 0;
	int c;

	if (!f)
		return 0;
	while ((c = getc(f)) != EOF)
		lines += c == '\n';
	fclose(f);
	return lines > 0 ? lines - 1 : 0;
}

static int boot_once(struct hosttrace *ht, const char *guest, int probes, double *seconds,
		     long *records)
{
	char kernel[512], initrd[512], trace[] = "/tmp/mvm-probes-onoff-XXXXXX";
	int fd = mkstemp(trace);
	const char *argv[] = { "build/mvm", "-M", "microvm", "-m", "256m", "-kernel", kernel,
			       "-initrd", initrd, "-append", "console=ttyS0 reboot=t panic=-1",
			       "-nodefaults", "-no-user-config", "-serial", "null", "-no-reboot",
			       probes ? "--trace" : NULL, trace, NULL };
	struct boot_times b = { 0 };
	int status = 0;

	if (fd < 0)
		return -errno;
	close(fd);
	snprintf(kernel, sizeof(kernel), "%s/vmlinux", guest);
	snprintf(initrd, sizeof(initrd), "%s/initramfs.cpio", guest);
	b.pid = hosttrace_spawn(ht, argv, -1, -1, -1);
	if (b.pid < 0)
		return (int)b.pid;
	while (waitpid(b.pid, &status, WNOHANG) != b.pid) {
		hosttrace_poll(ht, on_event, &b);
		usleep(10000);
	}
	hosttrace_stop(ht);
	hosttrace_poll(ht, on_event, &b);
	if (probes)
		*records = trace_records(trace);
	unlink(trace);
	if (!WIFEXITED(status) || WEXITSTATUS(status) || !b.exec || !b.init)
		return -EIO;
	*seconds = (double)(b.init - b.exec) / 1e9;
	return 0;
}

/* The per-pair ratios, their median with its 95 % interval, and what the
 * measured per-event cost predicts for this many records: on a noisy host
 * the prediction is the tighter bound. */
static void report_onoff(double *on, double *off, unsigned pairs, long records)
{
	double ratio[64], lo, hi, on_med, off_med, added_ms;
	struct probe_cost pc;

	for (unsigned i = 0; i < pairs; i++) {
		ratio[i] = on[i] / off[i];
		printf("pair %u: on %.3f s, off %.3f s, ratio %.4f\n", i + 1, on[i], off[i], ratio[i]);
	}
	on_med = stats_median(on, pairs);
	off_med = stats_median(off, pairs);
	stats_median(ratio, pairs); /* sorts */
	stats_median_ci95(ratio, pairs, &lo, &hi);
	printf("Linux boot, exec -> init marker: probes on %.3f s, off %.3f s (medians of %u "
	       "interleaved pairs)\n", on_med, off_med, pairs);
	printf("ratio on/off: median of pair ratios %.4f, 95%% CI [%.4f, %.4f] (goal <= 1.01)\n",
	       stats_median(ratio, pairs), lo, hi);
	if (measure_probe_cost(&pc))
		return;
	added_ms = (double)records * (pc.on_best - pc.off_best) / 1e6;
	printf("cost model: %ld probe records per boot x %.1f ns added = %.2f ms, %.4f%% of the "
	       "boot (goal <= 1%%)\n", records, pc.on_best - pc.off_best, added_ms,
	       100.0 * added_ms / (off_med * 1e3));
}

int bench_probes_onoff(int argc, char **argv)
{
	const char *guest = "build/guest", *why = "";
	double on[64], off[64];
	unsigned pairs = 3;
	long records = 0;
	struct hosttrace *ht;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc)
			pairs = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "-g") && i + 1 < argc)
			guest = argv[++i];
		else
			return bench_error("usage: mvm-bench probes-onoff [-n PAIRS] [-g GUEST_DIR]");
	}
	if (pairs == 0 || pairs > 64)
		return bench_error("probes-onoff: 1 to 64 pairs");
	ht = hosttrace_open(&why);
	if (!ht)
		return bench_error("probes-onoff: %s", why);
	for (unsigned i = 0; i < pairs; i++) {
		int first = (int)(i % 2); /* alternate which goes first */

		fprintf(stderr, "probes-onoff: pair %u of %u\n", i + 1, pairs);
		if (boot_once(ht, guest, first, first ? &on[i] : &off[i], &records) ||
		    boot_once(ht, guest, !first, first ? &off[i] : &on[i], &records)) {
			hosttrace_close(ht);
			return bench_error("probes-onoff: a boot did not reach the init marker");
		}
	}
	hosttrace_close(ht);
	report_onoff(on, off, pairs, records);
	return 0;
}
