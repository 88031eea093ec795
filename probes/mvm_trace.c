/*
 * mvm_trace.c: mvm-trace, the boot timeline of any VMM from the host kernel.
 *
 *   mvm-trace [-o FILE] [-f csv|chrome] -- COMMAND [ARG...]
 *
 * Runs COMMAND (QEMU, mvm, ...) in a private tracefs instance that follows
 * all its threads from before exec, drains the events while it runs, and
 * writes them in mvm's trace schema (trace.h, SCHEMA.md), with the same
 * phase summary mvm prints.  Exits with COMMAND's status.
 */
#include <errno.h>
#include <getopt.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hostconv.h"
#include "phases.h"
#include "trace.h"

#define DRAIN_INTERVAL_MS 10

static struct hosttrace *ht;
static volatile sig_atomic_t pending_signal;

static void on_signal(int sig)
{
	pending_signal = sig;
}

static void cleanup(void)
{
	hosttrace_close(ht); /* removes the instance on every way out */
	ht = NULL;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { 0, (long)ms * 1000000L };

	nanosleep(&ts, NULL);
}

/* Drain while COMMAND runs; returns its wait status. */
static int follow(struct hostconv *t)
{
	int status = 0;

	for (;;) {
		if (pending_signal) {
			kill(t->child, pending_signal); /* passed on: COMMAND decides */
			pending_signal = 0;
		}
		if (hosttrace_poll(ht, hostconv_event, t) < 0)
			fprintf(stderr, "mvm-trace: reading the trace buffers failed\n");
		if (waitpid(t->child, &status, WNOHANG) == t->child)
			break;
		sleep_ms(DRAIN_INTERVAL_MS);
	}
	hosttrace_stop(ht);
	hosttrace_poll(ht, hostconv_event, t);
	return status;
}

static void report(struct hostconv *t)
{
	unsigned long long lost = hosttrace_lost(ht);
	const struct trace_event *ev;
	struct boot_phases p;
	size_t n;

	if (!hosttrace_has_kvm_exit(ht))
		fprintf(stderr, "mvm-trace: this kernel has no kvm:kvm_exit event\n");
	else if (!t->kvm_exits && t->userspace_exits)
		fprintf(stderr, "mvm-trace: kvm:kvm_exit and kvm:kvm_entry never fired (a KVM "
				"backend without them, e.g. kvm_pvm): exits are those that reached "
				"the VMM (kvm_userspace_exit)\n");
	if (lost)
		fprintf(stderr, "mvm-trace: %llu events lost (trace buffer full)\n", lost);
	ev = hostconv_events(t, &n);
	phases_compute(ev, n, &p);
	phases_print(stderr, &p, "mvm-trace");
}

static int usage(void)
{
	fprintf(stderr, "usage: mvm-trace [-o FILE] [-f csv|chrome] -- COMMAND [ARG...]\n");
	return 2;
}

static int exit_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum trace_format format = TRACE_CSV;
	static struct hostconv t;
	const struct trace_event *ev;
	size_t n;
	const char *out = NULL, *why = "";
	int opt, status, err;

	while ((opt = getopt_long(argc, argv, "+o:f:h", longopts, NULL)) != -1) {
		if (opt == 'o')
			out = optarg;
		else if (opt == 'f' && (!strcmp(optarg, "csv") || !strcmp(optarg, "chrome")))
			format = strcmp(optarg, "csv") ? TRACE_CHROME : TRACE_CSV;
		else
			return usage();
	}
	if (optind >= argc)
		return usage();
	ht = hosttrace_open(&why);
	if (!ht) {
		fprintf(stderr, "mvm-trace: %s\n", why);
		return 1;
	}
	atexit(cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	hostconv_init(&t, 0);
	t.child = hosttrace_spawn(ht, (const char *const *)(argv + optind), -1, -1, -1);
	if (t.child < 0) {
		fprintf(stderr, "mvm-trace: cannot start %s: %s\n", argv[optind], strerror(-t.child));
		return 1;
	}
	status = follow(&t);
	report(&t);
	ev = hostconv_events(&t, &n);
	if (out && (err = trace_write(out, format, ev, n, argv[optind]))) {
		fprintf(stderr, "mvm-trace: cannot write '%s': %s\n", out, strerror(-err));
		return 1;
	}
	hostconv_free(&t);
	return exit_status(status);
}
