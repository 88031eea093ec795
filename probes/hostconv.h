/*
 * hostconv.h: host kernel trace events of one VMM process (hosttrace.h)
 * turned into mvm's trace schema (trace.h): markers, first serial byte with
 * DLAB tracking, exits with the details of the access that caused them
 * (a read's from its completion event),
 * first KVM_RUN per thread, VM creation, exec and exit.  Shared by
 * mvm-trace and mvm-bench; SCHEMA.md says how each event is derived.
 */
#ifndef MVM_HOSTCONV_H
#define MVM_HOSTCONV_H

#include <stdbool.h>
#include <sys/types.h>

#include "hosttrace.h"
#include "trace.h"

#define HOSTCONV_MAX_THREADS 512

struct thread_state {
	int tid;
	int vcpu;		 /* -1 until its first KVM_RUN */
	bool has_pending;	 /* an access's details, waiting for its exit event */
	struct probe_rec pending;
	/* The last exit of this thread that waits for its read's completion
	 * (KVM traces a read's port, size and value, or an MMIO read's value,
	 * only when the next KVM_RUN completes it); -1 if none. */
	long awaiting_read;
};

struct hostconv {
	struct trace_event *ev;
	size_t n, cap;
	pid_t child;
	struct thread_state thread[HOSTCONV_MAX_THREADS];
	unsigned nthreads;
	int next_vcpu;
	bool vm_created, dlab, serial_seen;
	unsigned long long kvm_exits, userspace_exits;
};

/* Start converting events of the process (child). */
void hostconv_init(struct hostconv *t, pid_t child);

/* hosttrace_poll() callback; (ctx) is the struct hostconv. */
int hostconv_event(const struct ht_event *e, void *ctx);

/* The events so far, sorted by time; owned by (t). */
const struct trace_event *hostconv_events(struct hostconv *t, size_t *n);

void hostconv_free(struct hostconv *t);

#endif
