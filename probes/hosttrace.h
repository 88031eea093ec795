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

enum ht_kind {
	HT_EXEC,	   /* sched:sched_process_exec */
	HT_PROCESS_EXIT,   /* sched:sched_process_exit */
	HT_IOCTL,	   /* syscalls:sys_enter_ioctl, KVM_CREATE_VM and KVM_RUN only */
	HT_PIO,		   /* kvm:kvm_pio */
	HT_MMIO,	   /* kvm:kvm_mmio */
	HT_USERSPACE_EXIT, /* kvm:kvm_userspace_exit */
	HT_KVM_EXIT,	   /* kvm:kvm_exit (VMX/SVM hosts only) */
	HT_KVM_ENTRY,	   /* kvm:kvm_entry (VMX/SVM hosts only) */
	HT_NKINDS
};

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
	uint32_t reason; /* HT_USERSPACE_EXIT: KVM exit reason; HT_KVM_EXIT: hardware code */
	int pid;	 /* HT_EXEC, HT_PROCESS_EXIT */
	uint64_t cmd;	 /* HT_IOCTL */
};

struct hosttrace;

typedef int (*hosttrace_cb)(const struct ht_event *ev, void *ctx);

/* Create the instance and parser.  NULL on failure, with (why) set. */
struct hosttrace *hosttrace_open(const char **why);

/* Start (argv) as a traced child with (out_fd)/(err_fd) as its stdout and
 * stderr (-1: inherit), pinned to (cpu) unless it is -1.  Returns the
 * child's pid or -errno. */
pid_t hosttrace_spawn(struct hosttrace *ht, const char *const argv[], int out_fd, int err_fd,
		      int cpu);

/* Deliver every event recorded since the last call, in time order; a
 * non-zero return from (cb) stops early.  Returns events delivered or -1. */
int hosttrace_poll(struct hosttrace *ht, hosttrace_cb cb, void *ctx);

/* Stop recording (the buffer keeps what it has for a last poll). */
void hosttrace_stop(struct hosttrace *ht);

/* Whether kvm:kvm_exit / kvm:kvm_entry exist on this kernel (they may still
 * never fire: on kvm_pvm hosts only common KVM code's events do). */
int hosttrace_has_kvm_exit(struct hosttrace *ht);

/* Events the kernel could not store (full buffer), per the instance stats. */
unsigned long long hosttrace_lost(struct hosttrace *ht);

/* Disable, remove the instance, free everything. */
void hosttrace_close(struct hosttrace *ht);

/* The first line of (path) (a /proc file such as comm) into (buf); false,
 * and (buf) empty, when it cannot be read. */
bool proc_read_line(const char *path, char *buf, size_t len);

#endif
