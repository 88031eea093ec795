/* sandbox.c: the seccomp-BPF allowlists (see sandbox.h). */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"

static const unsigned short process_calls[] = {
	SYS_read, SYS_write, SYS_readv, SYS_writev, SYS_pread64, SYS_pwrite64, SYS_preadv,
	SYS_pwritev, SYS_close, SYS_fstat, SYS_newfstatat, SYS_statx, SYS_lseek,
	SYS_openat, SYS_fcntl, SYS_fchmod, SYS_rename, SYS_unlink, SYS_fdatasync, SYS_fsync,
	SYS_mmap, SYS_munmap, SYS_mprotect, SYS_madvise, SYS_brk, SYS_mremap,
	SYS_rt_sigaction, SYS_rt_sigprocmask, SYS_rt_sigreturn, SYS_sigaltstack,
	SYS_ioctl, SYS_epoll_wait, SYS_epoll_pwait, SYS_epoll_ctl, SYS_timerfd_settime,
	SYS_timerfd_gettime, SYS_accept4, SYS_getrandom, SYS_sysinfo /* qsort */,
	SYS_futex, SYS_clone, SYS_clone3, SYS_set_robust_list, SYS_rseq, SYS_sched_yield,
	SYS_sched_getaffinity, SYS_exit, SYS_exit_group, SYS_tgkill, SYS_tkill, SYS_getpid,
	SYS_gettid, SYS_clock_gettime, SYS_clock_nanosleep, SYS_nanosleep, SYS_restart_syscall,
	SYS_seccomp, /* for the vCPU threads' own, narrower filter */
};

/* Register writes run device code here: KVM ioctls, eventfd and timerfd
 * writes, console output, and epoll_ctl when a virtio driver starts or
 * resets a device (its backend polling turns on or off). */
static const unsigned short vcpu_calls[] = {
	SYS_ioctl, SYS_read, SYS_write, SYS_writev, SYS_timerfd_settime, SYS_epoll_ctl, SYS_futex,
	SYS_rt_sigreturn, SYS_rt_sigprocmask, SYS_mmap, SYS_munmap, SYS_mprotect, SYS_madvise,
	SYS_exit, SYS_exit_group, SYS_gettid, SYS_getpid, SYS_clock_gettime, SYS_sched_yield,
	SYS_sigaltstack, /* thread exit under ASan */
	SYS_restart_syscall,
};

#define MAX_CALLS 64

/* SIGSYS from SECCOMP_RET_TRAP: say which call, then stop (async-signal-safe). */
static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	char msg[] = "mvm: error: sandbox: system call 000 is not allowed\n";
	char *digit = strstr(msg, "000") + 2;
	int nr = si->si_syscall;

	(void)sig;
	(void)uc;
	for (int i = 0; i < 3; i++, nr /= 10)
		*digit-- = (char)('0' + nr % 10);
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nothing more to do */
	}
	_exit(1);
}

static int install(const unsigned short *calls, unsigned n)
{
	struct sock_filter f[4 + MAX_CALLS + 2];
	unsigned k = 0;
	struct sock_fprog prog;

	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	/* Each allowed number jumps to the final ALLOW; anything else falls to TRAP. */
	for (unsigned i = 0; i < n && i < MAX_CALLS; i++)
		f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, calls[i],
						      (uint8_t)(n - i), 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog = (struct sock_fprog){ (unsigned short)k, f };
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) ? -errno : 0;
}

int sandbox_enter_process(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGSYS, &sa, NULL) || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	return install(process_calls, sizeof(process_calls) / sizeof(process_calls[0]));
}

int sandbox_enter_vcpu(void)
{
	return install(vcpu_calls, sizeof(vcpu_calls) / sizeof(vcpu_calls[0]));
}
