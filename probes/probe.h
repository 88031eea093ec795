/*
 * probe.h: timestamped boot probes recorded inside mvm (schema: trace.h).
 *
 * Each thread that records (the main thread and every vCPU thread) owns a
 * preallocated buffer of fixed-size records; recording is a clock read and
 * a store into that buffer: no allocation, lock or system call.  A full
 * buffer drops the record and counts it; the count is reported.  Probes
 * are compiled in and switched on at run time (--trace, --probe-summary):
 * when off, recording is one thread-local load and a branch.
 */
#ifndef MVM_PROBE_H
#define MVM_PROBE_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "trace.h"

struct probe_buf {
	struct probe_rec *rec;
	const char **name; /* rec[i]'s name where rec[i].flags has PROBE_REC_NAMED */
	uint32_t cap;
	uint32_t n;
	uint64_t dropped;
	int vcpu; /* -1 for the main thread */
	int tid;
};

/* The calling thread's buffer, NULL when probes are off. */
extern __thread struct probe_buf *probe_tls;

static inline uint64_t probe_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline void probe_emit_at(uint64_t t_ns, enum probe_kind kind, uint32_t reason,
				 uint64_t addr, unsigned size, enum probe_dir dir,
				 uint64_t value)
{
	struct probe_buf *b = probe_tls;

	if (!b)
		return;
	if (b->n == b->cap) {
		b->dropped++;
		return;
	}
	b->rec[b->n++] = (struct probe_rec){ t_ns, (uint8_t)kind, (uint8_t)size,
					     (uint8_t)dir, 0, reason, addr, value };
}

static inline void probe_emit(enum probe_kind kind, uint64_t addr, uint64_t value)
{
	if (probe_tls)
		probe_emit_at(probe_now(), kind, 0, addr, 0, PROBE_DIR_NONE, value);
}

/*
 * The calling vCPU thread handles an exit that just left KVM_RUN: what the
 * guest did then is stamped with this time, not a later clock read, until
 * probe_exit_end().  Returns the time (0 when probes are off).
 */
uint64_t probe_exit_begin(void);
void probe_exit_end(void);

/* An event the guest caused: stamped with the time of the exit being
 * handled on this thread (probe_exit_begin), or now outside one. */
void probe_emit_guest(enum probe_kind kind, uint32_t reason, uint64_t addr, unsigned size,
		      enum probe_dir dir, uint64_t value);

/* The same, with a name for the trace's detail column (a fw_cfg item's);
 * (name) is kept, not copied: it must stay valid until the trace is
 * written (static, or owned by the machine). */
void probe_emit_guest_named(enum probe_kind kind, uint32_t reason, uint64_t addr, unsigned size,
			    enum probe_dir dir, uint64_t value, const char *name);

static inline int probes_on(void)
{
	return probe_tls != 0;
}

/*
 * Allocate (nthreads) buffers of (cap) records each: buffer 0 for the main
 * thread, buffer i + 1 for vCPU i.  Returns 0 or -errno.
 */
int probes_init(unsigned nthreads, uint32_t cap) __attribute__((warn_unused_result));

/* Make buffer (index) the calling thread's; no-op if probes are off. */
void probes_attach(unsigned index);

/* Records dropped because a buffer was full, over all buffers. */
uint64_t probes_dropped(void);

/* Every record of every buffer, merged by time; malloc'd (NULL if none or
 * out of memory, with *n = 0). */
struct trace_event *probes_collect(size_t *n);

void probes_free(void);

#endif
