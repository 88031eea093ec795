/*
 * probe.h: timestamped boot probes recorded inside mvm.
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

enum probe_kind {
	PROBE_VMM_START,	 /* main() entered */
	PROBE_VM_CREATED,	 /* KVM VM, memory and devices ready */
	PROBE_FIRST_RUN,	 /* first KVM_RUN of a vCPU */
	PROBE_EXIT,		 /* KVM_RUN returned: reason, addr, size, dir, value */
	PROBE_MARKER,		 /* byte written to 0xf4/0xf5: addr = port, value */
	PROBE_SERIAL_FIRST_BYTE, /* first byte the guest wrote to ttyS0 */
	PROBE_SHUTDOWN,		 /* guest shutdown (triple fault) */
	PROBE_RESET,		 /* guest reset (triple fault without -no-reboot) */
	PROBE_VMM_EXIT,		 /* about to exit */
	PROBE_NKINDS
};

enum probe_dir { PROBE_DIR_NONE, PROBE_DIR_READ, PROBE_DIR_WRITE };

struct probe_rec {
	uint64_t t_ns; /* CLOCK_MONOTONIC */
	uint8_t kind;
	uint8_t size;
	uint8_t dir;
	uint8_t pad;
	uint32_t reason; /* KVM exit reason for PROBE_EXIT */
	uint64_t addr;	 /* port or guest-physical address */
	uint64_t value;
};

struct probe_buf {
	struct probe_rec *rec;
	uint32_t cap;
	uint32_t n;
	uint64_t dropped;
	int vcpu; /* -1 for the main thread */
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

/* Write all records merged by time as CSV (header first) to (path),
 * atomically (temporary file + rename).  Returns 0 or -errno. */
int probes_write_csv(const char *path) __attribute__((warn_unused_result));

/* One line: the boot phases found in the records, as offsets from VMM start. */
void probes_print_summary(FILE *out);

/* Names used in the CSV. */
const char *probe_kind_name(unsigned kind);
const char *probe_exit_reason_name(unsigned reason);

void probes_free(void);

#endif
