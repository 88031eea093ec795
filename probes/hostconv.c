/* hostconv.c: host trace events to trace-schema events (see hostconv.h). */
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>

#include "boot_markers.h"
#include "hostconv.h"

#define COM1 0x3f8
#define COM1_LCR (COM1 + 3)
#define LCR_DLAB 0x80
#define KVM_TRACE_MMIO_READ_UNSATISFIED 0
#define KVM_TRACE_MMIO_READ 1
#define KVM_TRACE_MMIO_WRITE 2
#define KVM_PIO_OUT 1
#define IOCTL_KVM_CREATE_VM 0xae01
#define IOCTL_KVM_RUN 0xae80

static struct thread_state *thread_of(struct hostconv *t, int tid)
{
	for (unsigned i = 0; i < t->nthreads; i++)
		if (t->thread[i].tid == tid)
			return &t->thread[i];
	if (t->nthreads == HOSTCONV_MAX_THREADS)
		return &t->thread[HOSTCONV_MAX_THREADS - 1]; /* shared overflow slot */
	t->thread[t->nthreads] = (struct thread_state){ .tid = tid, .vcpu = -1, .awaiting_read = -1 };
	return &t->thread[t->nthreads++];
}

static void add(struct hostconv *t, const struct thread_state *th, struct probe_rec r)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 4096;
		struct trace_event *bigger = realloc(t->ev, cap * sizeof(*bigger));

		if (!bigger)
			return; /* out of memory: the event is lost, like a full buffer */
		t->ev = bigger;
		t->cap = cap;
	}
	t->ev[t->n++] = (struct trace_event){ r, th ? th->vcpu : -1, th ? th->tid : 0, NULL };
}

static struct probe_rec rec(uint64_t ts, enum probe_kind kind)
{
	return (struct probe_rec){ .t_ns = ts, .kind = (uint8_t)kind };
}

/* A guest port write: boot markers, the UART's DLAB, the first ttyS0 byte. */
static void pio_write(struct hostconv *t, struct thread_state *th, const struct ht_event *e)
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

/* The exit (th) waits for the completion of its read, or NULL. */
static struct probe_rec *awaiting_read(struct hostconv *t, struct thread_state *th)
{
	long i = th->awaiting_read;

	th->awaiting_read = -1;
	if (i < 0 || (size_t)i >= t->n || t->ev[i].tid != th->tid || t->ev[i].r.kind != PROBE_EXIT)
		return NULL;
	return &t->ev[i].r;
}

/*
 * A port read leaves KVM as a userspace exit without a kvm_pio event; KVM
 * traces the read (port, size, value) when the next KVM_RUN completes it.
 * That completion fills in the exit it belongs to, which keeps the exit's
 * time: the same row mvm's own probes record for the read.
 */
static void complete_pio_read(struct hostconv *t, struct thread_state *th,
			      const struct ht_event *e)
{
	struct probe_rec *exit = awaiting_read(t, th);

	if (!exit || exit->reason != KVM_EXIT_IO || exit->size)
		return;
	exit->addr = e->port;
	exit->size = (uint8_t)e->size;
	exit->dir = PROBE_DIR_READ;
	exit->value = e->value;
}

static void on_pio(struct hostconv *t, struct thread_state *th, const struct ht_event *e)
{
	if (e->rw != KVM_PIO_OUT) {
		complete_pio_read(t, th, e);
		return;
	}
	th->awaiting_read = -1;
	pio_write(t, th, e);
	th->pending = (struct probe_rec){ .addr = e->port, .size = (uint8_t)e->size,
					  .dir = PROBE_DIR_WRITE, .value = e->value };
	th->has_pending = true;
}

/* MMIO: a write or a read KVM could not satisfy is traced before its exit
 * (a read without its value); the read's value comes with its completion. */
static void on_mmio(struct hostconv *t, struct thread_state *th, const struct ht_event *e)
{
	struct probe_rec *exit;

	if (e->rw == KVM_TRACE_MMIO_READ) {
		exit = awaiting_read(t, th);
		if (exit && exit->reason == KVM_EXIT_MMIO && exit->addr == e->gpa)
			exit->value = e->value;
		return;
	}
	if (e->rw != KVM_TRACE_MMIO_WRITE && e->rw != KVM_TRACE_MMIO_READ_UNSATISFIED)
		return;
	th->pending = (struct probe_rec){ .addr = e->gpa, .size = (uint8_t)e->size,
					  .dir = e->rw == KVM_TRACE_MMIO_WRITE ? PROBE_DIR_WRITE
									       : PROBE_DIR_READ,
					  .value = e->rw == KVM_TRACE_MMIO_WRITE ? e->value : 0 };
	th->has_pending = true;
}

static void on_userspace_exit(struct hostconv *t, struct thread_state *th, const struct ht_event *e)
{
	struct probe_rec r = th->has_pending ? th->pending : (struct probe_rec){ 0 };
	bool io = e->reason == KVM_EXIT_IO || e->reason == KVM_EXIT_MMIO;

	r.t_ns = e->ts;
	r.kind = PROBE_EXIT;
	r.reason = e->reason;
	if (!io || !th->has_pending)
		r.addr = r.size = r.dir = 0, r.value = 0;
	th->has_pending = false;
	/* A port read (no details yet) or an MMIO read waits for its completion. */
	th->awaiting_read = io && (!r.size || r.dir == PROBE_DIR_READ) ? (long)t->n : -1;
	t->userspace_exits++;
	add(t, th, r);
	if (e->reason == KVM_EXIT_SHUTDOWN)
		add(t, th, rec(e->ts, PROBE_SHUTDOWN));
}

static void on_ioctl(struct hostconv *t, struct thread_state *th, const struct ht_event *e)
{
	if (e->cmd == IOCTL_KVM_CREATE_VM && !t->vm_created) {
		t->vm_created = true;
		add(t, th, rec(e->ts, PROBE_VM_CREATED));
	} else if (e->cmd == IOCTL_KVM_RUN && th->vcpu < 0) {
		th->vcpu = t->next_vcpu++; /* vCPU index: order of first KVM_RUN */
		add(t, th, rec(e->ts, PROBE_FIRST_RUN));
	}
}

int hostconv_event(const struct ht_event *e, void *ctx)
{
	struct hostconv *t = ctx;
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
	case HT_MMIO: on_mmio(t, th, e); break;
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

void hostconv_init(struct hostconv *t, pid_t child)
{
	memset(t, 0, sizeof(*t));
	t->child = child;
}

const struct trace_event *hostconv_events(struct hostconv *t, size_t *n)
{
	trace_sort(t->ev, t->n);
	*n = t->n;
	return t->ev;
}

void hostconv_free(struct hostconv *t)
{
	free(t->ev);
	t->ev = NULL;
	t->n = t->cap = 0;
}
