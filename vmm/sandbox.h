/*
 * sandbox.h: seccomp allowlists, installed once the machine is built.
 *
 * After set-up mvm opens nothing but its trace file (and, on a guest reset,
 * the boot files again), starts no programs and makes no new sockets, so a
 * guest that took over a device model still cannot reach the host beyond
 * the file descriptors mvm already holds.  Two layers: one for the whole
 * process (installed in the main thread before the vCPU threads start,
 * which inherit it), and a narrower one each vCPU thread adds for itself:
 * they run the port-I/O devices on the guest's behalf and need little more
 * than KVM ioctls, eventfd/timerfd writes and console output.  A system
 * call outside the list stops mvm with a one-line message naming it.
 */
#ifndef MVM_SANDBOX_H
#define MVM_SANDBOX_H

/* Install the process-wide filter; 0 or -errno. */
int sandbox_enter_process(void) __attribute__((warn_unused_result));

/* Add the vCPU thread's filter to the calling thread; 0 or -errno. */
int sandbox_enter_vcpu(void) __attribute__((warn_unused_result));

#endif
