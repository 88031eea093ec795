/*
 * hosttrace.h: host-side tracing of any VMM process with libtracefs and
 * libtraceevent: a private tracefs instance on the CLOCK_MONOTONIC ("mono")
 * trace clock, following every thread of a child it starts (set_event_pid
 * plus event-fork, armed before exec), recording the KVM events common KVM
 * code raises (kvm_pio, kvm_mmio, kvm_userspace_exit) and the child's exec.
 * Needs root (tracefs); mounts tracefs when it is not mounted.
 */
#ifndef MVM_HOSTTRACE_H
#define MVM_HOSTTRACE_H

#include <stdint.h>
#include <sys/types.h>

enum ht_kind { HT_EXEC, HT_PIO, HT_MMIO, HT_USERSPACE_EXIT };

struct ht_event {
	uint64_t ts; /* CLOCK_MONOTONIC ns */
	int tid;
	enum ht_kind kind;
	uint32_t rw;	 /* HT_PIO: 1 = out; HT_MMIO: KVM_TRACE_MMIO_* type */
	uint32_t port;	 /* HT_PIO */
	uint32_t size;	 /* HT_PIO, HT_MMIO */
	uint32_t count;	 /* HT_PIO (string I/O) */
	uint64_t value;	 /* HT_PIO, HT_MMIO */
	uint64_t gpa;	 /* HT_MMIO */
	uint32_t reason; /* HT_USERSPACE_EXIT: KVM exit reason */
	int exec_pid;	 /* HT_EXEC */
};

struct hosttrace;

typedef int (*hosttrace_cb)(const struct ht_event *ev, void *ctx);

/* Create the instance and parser.  NULL on failure, with (why) set. */
struct hosttrace *hosttrace_open(const char **why);

/* Start (argv) as a traced child with (out_fd)/(err_fd) as its stdout and
 * stderr (-1: inherit).  Returns the child's pid or -errno. */
pid_t hosttrace_spawn(struct hosttrace *ht, const char *const argv[], int out_fd, int err_fd);

/* Deliver every event recorded since the last call, in time order; a
 * non-zero return from (cb) stops early.  Returns events delivered or -1. */
int hosttrace_poll(struct hosttrace *ht, hosttrace_cb cb, void *ctx);

/* Stop recording (the buffer keeps what it has for a last poll). */
void hosttrace_stop(struct hosttrace *ht);

/* Events the kernel could not store (full buffer), per the instance stats. */
unsigned long long hosttrace_lost(struct hosttrace *ht);

/* Disable, remove the instance, free everything. */
void hosttrace_close(struct hosttrace *ht);

#endif
