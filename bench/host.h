/* host.h: facts about the host and the files a benchmark uses. */
#ifndef MVM_BENCH_HOST_H
#define MVM_BENCH_HOST_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* RSS and PSS (KiB) of every mapping of (pid) smaller than (guest_ram)
 * bytes, i.e. the VMM's own footprint without guest RAM.  0 or -errno. */
int host_footprint(pid_t pid, uint64_t guest_ram, double *rss_kib, double *pss_kib);

/* Has (pid) exec'd yet, i.e. does it run another program than this one?
 * (A forked child waiting to exec still has the runner's memory.) */
bool host_has_exec(pid_t pid);

/* The nonvoluntary context switches of (pid)'s vCPU threads (named "CPU
 * N/KVM" by mvm and QEMU alike), summed from /proc/PID/task/TID/status: how
 * often the host took the CPU from the guest.  -1 when no vCPU thread is
 * there (yet, or any more). */
long long host_vcpu_nonvoluntary_switches(pid_t pid);

/* Steal and total time of (cpu) so far, in clock ticks, from /proc/stat
 * (steal: time the hypervisor under this host ran something else).  0 or
 * -errno. */
int host_cpu_steal(int cpu, unsigned long long *steal, unsigned long long *total);

/* The SHA-256 of a file as 64 hex digits (cached), or "" if unreadable. */
const char *host_file_sha256(const char *path);

/* Full path of (name) found in $PATH when it has no '/'; static storage. */
const char *host_which(const char *name);

/* Size of a file in bytes, or -1. */
long long host_file_size(const char *path);

/* First line printed by (cmd), without its newline ("" on failure). */
void host_command_line(const char *cmd, char *buf, size_t len);

#endif
