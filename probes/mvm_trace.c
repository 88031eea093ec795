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

#include "boot_markers.h"
#include "hosttrace.h"
#include "phases.h"
#include "trace.h"

#define MAX_THREADS 512
#define DRAIN_INTERVAL_MS 10
#define COM1 0x3f8
#define COM1_LCR (COM1 + 3)
#define LCR_DLAB 0x80
#define KVM_TRACE_MMIO_WRITE 2
#define IOCTL_KVM_CREATE_VM 0xae01
#define IOCTL_KVM_RUN 0xae80

struct thread_state {
	int tid;
	int vcpu;		 /* -1 until its first KVM_RUN */
	bool has_pending;	 /* a write exit's details, waiting for its exit event */
	struct probe_rec pending;
};

struct tracer {
	struct trace_event *ev;
	size_t n, cap;
	pid_t child;
	struct thread_state thread[MAX_THREADS];
	unsigned nthreads;
	int next_vcpu;
	bool vm_created, dlab, serial_seen;
	unsigned long long kvm_exits, userspace_exits;
};

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

static struct thread_state *thread_of(struct tracer *t, int tid)
{
	for (unsigned i = 0; i < t->nthreads; i++)
		if (t->thread[i].tid == tid)
			return &t->thread[i];
	if (t->nthreads == MAX_THREADS)
		return &t->thread[MAX_THREADS - 1]; /* shared overflow slot */
	t->thread[t->nthreads] = (struct thread_state){ .tid = tid, .vcpu = -1 };
	return &t->thread[t->nthreads++];
}

static void add(struct tracer *t, const struct thread_state *th, struct probe_rec r)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 4096;
		struct trace_event *bigger = realloc(t->ev, cap * sizeof(*bigger));

		if (!bigger)
			return; /* out of memory: the event is lost, like a full buffer */
		t->ev = bigger;
		t->cap = cap;
	}
	t->ev[t->n++] = (struct trace_event){ r, th ? th->vcpu : -1, th ? th->tid : 0 };
}

static struct probe_rec rec(uint64_t ts, enum probe_kind kind)
{
	return (struct probe_rec){ .t_ns = ts, .kind = (uint8_t)kind };
}

/* A guest port write: boot markers, the UART's DLAB, the first ttyS0 byte. */
static void pio_write(struct tracer *t, struct thread_state *th, const struct ht_event *e)
{
	struct probe_rec r = rec(e->ts, PROBE_MARKER);

	if ((e->port == MARKER_PORT_LINUX || e->port == MARKER_PORT_FW) && e->size == 1) {
		r.addr = e->port;
		r.value = e->value & 0xff;
		add(t, th, r);
	}
	if (e->port == COM1_LCR)
		t->dlab = e->value & LCR_DLAB;
	if (e->port == COM1 && !t->dlab && !t->serial_seen) {
		t->serial_seen = true;
		r = rec(e->ts, PROBE_SERIAL_FIRST_BYTE);
		r.addr = COM1;
		r.value = e->value & 0xff;
		add(t, th, r);
	}
}

static void on_pio(struct tracer *t, struct thread_state *th, const struct ht_event *e)
{
	if (e->rw != 1)
		return; /* reads complete after the exit: no details for them */
	pio_write(t, th, e);
	th->pending = (struct probe_rec){ .addr = e->port, .size = (uint8_t)e->size,
					  .dir = PROBE_DIR_WRITE, .value = e->value };
	th->has_pending = true;
}

static void on_mmio(struct thread_state *th, const struct ht_event *e)
{
	if (e->rw != KVM_TRACE_MMIO_WRITE)
		return;
	th->pending = (struct probe_rec){ .addr = e->gpa, .size = (uint8_t)e->size,
					  .dir = PROBE_DIR_WRITE, .value = e->value };
	th->has_pending = true;
}

static void on_userspace_exit(struct tracer *t, struct thread_state *th, const struct ht_event *e)
{
	struct probe_rec r = th->has_pending ? th->pending : (struct probe_rec){ 0 };

	r.t_ns = e->ts;
	r.kind = PROBE_EXIT;
	r.reason = e->reason;
	if ((e->reason != KVM_EXIT_IO && e->reason != KVM_EXIT_MMIO) || !th->has_pending)
		r.addr = r.size = r.dir = 0, r.value = 0;
	th->has_pending = false;
	t->userspace_exits++;
	add(t, th, r);
	if (e->reason == KVM_EXIT_SHUTDOWN)
		add(t, th, rec(e->ts, PROBE_SHUTDOWN));
}

static void on_ioctl(struct tracer *t, struct thread_state *th, const struct ht_event *e)
{
	if (e->cmd == IOCTL_KVM_CREATE_VM && !t->vm_created) {
		t->vm_created = true;
		add(t, th, rec(e->ts, PROBE_VM_CREATED));
	} else if (e->cmd == IOCTL_KVM_RUN && th->vcpu < 0) {
		th->vcpu = t->next_vcpu++; /* vCPU index: order of first KVM_RUN */
		add(t, th, rec(e->ts, PROBE_FIRST_RUN));
	}
}

static int on_event(const struct ht_event *e, void *ctx)
{
	struct tracer *t = ctx;
	struct thread_state *th = thread_of(t, e->tid);
	struct probe_rec r;

	switch (e->kind) {
	case HT_EXEC:
		if (e->pid == t->child)
			add(t, th, rec(e->ts, PROBE_VMM_EXEC));
		break;
	case HT_PROCESS_EXIT:
		if (e->pid == t->child)
			add(t, th, rec(e->ts, PROBE_VMM_EXIT));
		break;
	case HT_IOCTL: on_ioctl(t, th, e); break;
	case HT_PIO: on_pio(t, th, e); break;
	case HT_MMIO: on_mmio(th, e); break;
	case HT_USERSPACE_EXIT: on_userspace_exit(t, th, e); break;
	case HT_KVM_EXIT:
		t->kvm_exits++;
		r = rec(e->ts, PROBE_KVM_EXIT);
		r.reason = e->reason;
		add(t, th, r);
		break;
	case HT_KVM_ENTRY:
	case HT_NKINDS:
		break;
	}
	return 0;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { 0, (long)ms * 1000000L };

	nanosleep(&ts, NULL);
}

/* Drain while COMMAND runs; returns its wait status. */
static int follow(struct tracer *t)
{
	int status = 0;

	for (;;) {
		if (pending_signal) {
			kill(t->child, pending_signal); /* passed on: COMMAND decides */
			pending_signal = 0;
		}
		if (hosttrace_poll(ht, on_event, t) < 0)
			fprintf(stderr, "mvm-trace: reading the trace buffers failed\n");
		if (waitpid(t->child, &status, WNOHANG) == t->child)
			break;
		sleep_ms(DRAIN_INTERVAL_MS);
	}
	hosttrace_stop(ht);
	hosttrace_poll(ht, on_event, t);
	return status;
}

static void report(struct tracer *t)
{
	unsigned long long lost = hosttrace_lost(ht);
	struct boot_phases p;

	if (!hosttrace_has_kvm_exit(ht))
		fprintf(stderr, "mvm-trace: this kernel has no kvm:kvm_exit event\n");
	else if (!t->kvm_exits && t->userspace_exits)
		fprintf(stderr, "mvm-trace: kvm:kvm_exit and kvm:kvm_entry never fired (a KVM "
				"backend without them, e.g. kvm_pvm): exits are those that reached "
				"the VMM (kvm_userspace_exit)\n");
	if (lost)
		fprintf(stderr, "mvm-trace: %llu events lost (trace buffer full)\n", lost);
	phases_compute(t->ev, t->n, &p);
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
	static struct tracer t;
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
	t.child = hosttrace_spawn(ht, (const char *const *)(argv + optind), -1, -1);
	if (t.child < 0) {
		fprintf(stderr, "mvm-trace: cannot start %s: %s\n", argv[optind], strerror(-t.child));
		return 1;
	}
	status = follow(&t);
	trace_sort(t.ev, t.n);
	report(&t);
	if (out && (err = trace_write(out, format, t.ev, t.n, argv[optind]))) {
		fprintf(stderr, "mvm-trace: cannot write '%s': %s\n", out, strerror(-err));
		return 1;
	}
	free(t.ev);
	return exit_status(status);
}
