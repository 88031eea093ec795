/*
 * sandbox.h: seccomp allowlists, installed once the machine is built.
 *
 * After set-up mvm opens, renames and removes nothing (boot files are read
 * once, the trace files are open before), starts no programs and makes no
 * new sockets, so a guest that took over a device model still cannot reach
 * the host beyond the file descriptors mvm already holds.  ioctl is
 * admitted by request: the KVM ioctls of a running machine and the
 * terminal's get/set.  Two layers: one for the whole process (every thread,
 * through TSYNC; threads started later inherit it), and a narrower one each
 * vCPU thread adds for itself: they run the port-I/O devices on the guest's
 * behalf and need little more than KVM ioctls, eventfd/timerfd writes and
 * console output.  A system call outside the list stops mvm with a
 * one-line message naming it, after the denied hook (the terminal's
 * restore) has run.
 */
#ifndef MVM_SANDBOX_H
#define MVM_SANDBOX_H

/* Called, in signal context, when a call is denied, before mvm exits. */
void sandbox_set_denied_hook(void (*fn)(void));

/* Install the process-wide filter; 0 or -errno. */
int sandbox_enter_process(void) __attribute__((warn_unused_result));

/* Add the vCPU thread's filter to the calling thread; 0 or -errno. */
int sandbox_enter_vcpu(void) __attribute__((warn_unused_result));

#endif
