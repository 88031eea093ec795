/*
 * probecost.c: what probes cost.
 *
 * "mvm-bench probe-cost": the per-event cost of recording one exit, as the
 * vCPU loop does (clock read + store into the thread's buffer), against the
 * same loop with probes off (a thread-local load and a branch), best of
 * several rounds: on a freshly mapped buffer, as a boot writes it (its page
 * faults included), and on the same buffer once resident.
 *
 * "mvm-bench probes-onoff": the same Linux boot with probes on (--trace) and
 * off, after a warm-up boot, in pairs whose order runs ABBA, timed
 * identically by the host tracer from exec to the init marker (7); prints
 * the medians, the per-pair ratios with an interval of their median and its
 * exact coverage, and the cost the fresh-buffer measurement predicts for the
 * number of records a boot makes (run-to-run noise on a shared host can be
 * several per cent, far more than the probes' cost).
 */
#include <errno.h>
#include <math.h>
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
	double fresh_best, warm_best, off_best, fresh_median;
};

/* One round on a fresh buffer, as a boot writes it (every page faulted in
 * by the records), then again on the same, now resident, buffer. */
static int measure_round(double *fresh, double *warm)
{
	if (probes_init(1, EVENTS_PER_ROUND))
		return -1;
	probes_attach(0);
	*fresh = ns_per_event();
	probe_tls->n = 0;
	*warm = ns_per_event();
	if (probes_dropped()) {
		probes_free();
		return -1;
	}
	probes_free();
	return 0;
}

/* Best of ROUNDS rounds with probes off, on a fresh buffer and on a warm
 * one, interleaved; 0 or -1. */
static int measure_probe_cost(struct probe_cost *pc)
{
	double fresh[ROUNDS], warm[ROUNDS], off[ROUNDS];

	for (int r = 0; r < ROUNDS; r++) {
		probes_attach(5); /* no buffers: probes off */
		off[r] = ns_per_event();
		if (measure_round(&fresh[r], &warm[r]))
			return -1;
	}
	pc->fresh_best = stats_quantile(fresh, ROUNDS, 0.0);
	pc->warm_best = stats_quantile(warm, ROUNDS, 0.0);
	pc->off_best = stats_quantile(off, ROUNDS, 0.0);
	pc->fresh_median = stats_median(fresh, ROUNDS);
	return 0;
}

int bench_probe_cost(int argc, char **argv)
{
	struct probe_cost pc;

	(void)argc;
	(void)argv;
	if (measure_probe_cost(&pc))
		return bench_error("probe-cost: cannot allocate the probe buffer, or records were dropped");
	printf("probe cost per exit event, as a boot pays it (fresh buffer): %.1f ns with probes on, "
	       "%.1f ns off, %.1f ns added (goal <= 50 ns; best of %d rounds of %u events; median "
	       "on %.1f ns)\n", pc.fresh_best, pc.off_best, pc.fresh_best - pc.off_best, ROUNDS,
	       EVENTS_PER_ROUND, pc.fresh_median);
	printf("on a buffer already faulted in: %.1f ns on, %.1f ns added (the page faults of a "
	       "fresh buffer are the difference)\n", pc.warm_best, pc.warm_best - pc.off_best);
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

/* ABBA: pairs 0 and 3 of every four run off first, 1 and 2 on first, so
 * that neither the position in a pair nor a linear drift of the host
 * favours one side (alternating pairs give an odd count one more
 * off-first pair and line up with any period-2 effect). */
static int on_first(unsigned pair)
{
	return pair % 4 == 1 || pair % 4 == 2;
}

/* P(B <= k) for B ~ Binomial(n, 1/2). */
static double binomial_half_cdf(unsigned n, unsigned k)
{
	double term = 1, sum = 0;

	for (unsigned i = 0; i <= k && i <= n; i++) {
		sum += term;
		term = term * (double)(n - i) / (double)(i + 1);
	}
	return sum / pow(2.0, n);
}

/*
 * The distribution-free interval of a median from (n) sorted values:
 * [x_(k), x_(n+1-k)] covers it with probability 1 - 2 P(B <= k - 1); the
 * narrowest with coverage >= 95 %, else (n < 6) [min, max] with the
 * coverage it has, which is what the caller must print.
 */
static double median_interval(const double *sorted, unsigned n, double *lo, double *hi)
{
	unsigned k = 1;

	while (k + 1 <= (n + 1) / 2 && 1 - 2 * binomial_half_cdf(n, k) >= 0.95)
		k++;
	*lo = sorted[k - 1];
	*hi = sorted[n - k];
	return n ? 1 - 2 * binomial_half_cdf(n, k - 1) : 0;
}

/* The per-pair ratios, their median with its interval and that interval's
 * exact coverage, and what the measured per-event cost (on a fresh buffer,
 * as a boot writes it) predicts for this many records: on a noisy host the
 * prediction is the tighter bound. */
static void report_onoff(double *on, double *off, unsigned pairs, long records)
{
	double ratio[64], lo, hi, on_med, off_med, added_ms, coverage;
	struct probe_cost pc;

	for (unsigned i = 0; i < pairs; i++) {
		ratio[i] = on[i] / off[i];
		printf("pair %u (%s first): on %.3f s, off %.3f s, ratio %.4f\n", i + 1,
		       on_first(i) ? "on" : "off", on[i], off[i], ratio[i]);
	}
	on_med = stats_median(on, pairs);
	off_med = stats_median(off, pairs);
	stats_median(ratio, pairs); /* sorts */
	coverage = median_interval(ratio, pairs, &lo, &hi);
	printf("Linux boot, exec -> init marker: probes on %.3f s, off %.3f s (medians of %u "
	       "pairs in ABBA order after a warm-up boot)\n", on_med, off_med, pairs);
	printf("ratio on/off: median of pair ratios %.4f, interval [%.4f, %.4f] covering the median "
	       "with %.1f %% (exact, n = %u%s; goal <= 1.01)\n", stats_median(ratio, pairs), lo, hi,
	       100 * coverage, pairs, coverage < 0.95 ? ": fewer than 6 pairs cannot give 95 %" : "");
	if (measure_probe_cost(&pc))
		return;
	added_ms = (double)records * (pc.fresh_best - pc.off_best) / 1e6;
	printf("cost model: %ld probe records per boot x %.1f ns added (fresh buffer) = %.2f ms, "
	       "%.4f%% of the boot (goal <= 1%%)\n", records, pc.fresh_best - pc.off_best, added_ms,
	       100.0 * added_ms / (off_med * 1e3));
}

int bench_probes_onoff(int argc, char **argv)
{
	const char *guest = "build/guest", *why = "";
	double on[64], off[64], warmup;
	unsigned pairs = 6; /* the fewest whose median interval reaches 95 % */
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
	fprintf(stderr, "probes-onoff: warm-up boot (not counted)\n");
	if (boot_once(ht, guest, 1, &warmup, &records)) {
		hosttrace_close(ht);
		return bench_error("probes-onoff: the warm-up boot did not reach the init marker");
	}
	for (unsigned i = 0; i < pairs; i++) {
		int first = on_first(i);

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
