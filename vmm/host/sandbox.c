/* sandbox.c: the seccomp-BPF allowlists (see sandbox.h). */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "host/sandbox.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Everything any thread may do once running.  No call that names a path:
 * the files mvm needs are open before this (the trace files are renamed
 * into place by a process forked before it, outfile.h). */
static const unsigned short process_calls[] = {
	SYS_read, SYS_write, SYS_readv, SYS_writev, SYS_pread64, SYS_pwrite64, SYS_preadv,
	SYS_pwritev, SYS_close, SYS_fstat, SYS_newfstatat /* fstat in glibc */, SYS_lseek,
	SYS_fcntl, SYS_fdatasync, SYS_fsync,
	SYS_mmap, SYS_munmap, SYS_mprotect, SYS_madvise, SYS_brk, SYS_mremap,
	SYS_rt_sigaction, SYS_rt_sigprocmask, SYS_rt_sigreturn, SYS_sigaltstack,
	SYS_epoll_wait, SYS_epoll_pwait, SYS_epoll_ctl, SYS_timerfd_settime,
	SYS_timerfd_gettime, SYS_getrandom, SYS_sysinfo /* qsort */, SYS_wait4 /* committer */,
	SYS_futex, SYS_clone, SYS_clone3, SYS_set_robust_list, SYS_rseq, SYS_sched_yield,
	SYS_sched_getaffinity, SYS_exit, SYS_exit_group, SYS_tgkill, SYS_tkill, SYS_getpid,
	SYS_gettid, SYS_clock_gettime, SYS_clock_nanosleep, SYS_nanosleep, SYS_restart_syscall,
	SYS_seccomp, /* for the vCPU threads' own, narrower filter */
	SYS_ioctl,   /* only the requests below */
	SYS_prctl,   /* only PR_SET_NAME */
};

/* Register writes run device code here: KVM ioctls, eventfd and timerfd
 * writes, console output, and epoll_ctl when a virtio driver starts or
 * resets a device (its backend polling turns on or off). */
static const unsigned short vcpu_calls[] = {
	SYS_read, SYS_write, SYS_writev, SYS_timerfd_settime, SYS_epoll_ctl, SYS_futex,
	SYS_rt_sigreturn, SYS_rt_sigprocmask, SYS_mmap, SYS_munmap, SYS_mprotect, SYS_madvise,
	SYS_exit, SYS_exit_group, SYS_gettid, SYS_getpid, SYS_clock_gettime, SYS_sched_yield,
	SYS_sigaltstack, /* thread exit under ASan */
	SYS_restart_syscall, SYS_ioctl,
};

/* The ioctls of a running machine: vCPU runs, resets and boot-state
 * set-up, interrupt routing and injection, virtio notifications; the tap's
 * virtio header size (set when the driver starts the device); and the
 * terminal's get/set, to restore it at exit.  Not TIOCSTI, not tap or
 * block-device set-up, nothing that creates a VM, vCPU or device. */
static const unsigned long run_ioctls[] = {
	KVM_RUN, KVM_GET_REGS, KVM_SET_REGS, KVM_GET_SREGS, KVM_SET_SREGS, KVM_GET_FPU, KVM_SET_FPU,
	KVM_SET_LAPIC, KVM_SET_MP_STATE, KVM_GET_VCPU_EVENTS, KVM_SET_VCPU_EVENTS,
	KVM_SET_MSRS, KVM_INTERRUPT, KVM_IRQ_LINE, KVM_SET_GSI_ROUTING, KVM_IRQFD,
	KVM_IOEVENTFD, KVM_SET_IRQCHIP, KVM_SET_PIT2, TCGETS, TCSETS,
	TUNSETVNETHDRSZ, /* virtio-net: the header size the driver negotiated */
};

/* prctl: only a thread naming itself (vCPU threads, started again at reset). */
static const unsigned long prctl_ops[] = { PR_SET_NAME };

/* Calls admitted only for some values of one argument. */
struct arg_rule {
	unsigned short nr;
	unsigned char arg;
	const unsigned long *values;
	unsigned n;
};

static const struct arg_rule arg_rules[] = {
	{ SYS_ioctl, 1, run_ioctls, COUNT(run_ioctls) },
	{ SYS_prctl, 0, prctl_ops, COUNT(prctl_ops) },
};

/* The jumps to the final ALLOW are 8-bit: every list must fit. */
#define FILTER_FIXED (6 + 5 * COUNT(arg_rules))
_Static_assert(COUNT(process_calls) + COUNT(run_ioctls) + COUNT(prctl_ops) + FILTER_FIXED <= 255,
	       "process filter too long for 8-bit jumps");
_Static_assert(COUNT(vcpu_calls) + COUNT(run_ioctls) + COUNT(prctl_ops) + FILTER_FIXED <= 255,
	       "vCPU filter too long for 8-bit jumps");

static void (*on_denied)(void);

void sandbox_set_denied_hook(void (*fn)(void))
{
	on_denied = fn;
}

/* SIGSYS from SECCOMP_RET_TRAP: restore what the user sees (the terminal),
 * say which call, then stop (async-signal-safe). */
static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	char msg[] = "mvm: error: sandbox: system call 000 is not allowed\n";
	char *digit = strstr(msg, "000") + 2;
	int nr = si->si_syscall;

	(void)sig;
	(void)uc;
	if (on_denied)
		on_denied();
	for (int i = 0; i < 3; i++, nr /= 10)
		*digit-- = (char)('0' + nr % 10);
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nothing more to do */
	}
	_exit(1);
}

struct filter {
	struct sock_filter f[256];
	unsigned k;
};

static void stmt(struct filter *p, uint16_t code, uint32_t k)
{
	p->f[p->k++] = (struct sock_filter)BPF_STMT(code, k);
}

/* A conditional jump from the next slot to absolute slots (t) and (f). */
static void jeq(struct filter *p, uint32_t value, unsigned t, unsigned f)
{
	unsigned pc = p->k;

	p->f[p->k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, value,
						    (uint8_t)(t - pc - 1), (uint8_t)(f - pc - 1));
}

static bool has_rule(unsigned short nr)
{
	for (unsigned i = 0; i < COUNT(arg_rules); i++)
		if (arg_rules[i].nr == nr)
			return true;
	return false;
}

static bool listed(const unsigned short *calls, unsigned n, unsigned short nr)
{
	for (unsigned i = 0; i < n; i++)
		if (calls[i] == nr)
			return true;
	return false;
}

/* (nr) admitted when its argument is one of the rule's values (64 bits:
 * high word 0, low word in the list); else TRAP.  A different call skips
 * the block with the call number still loaded. */
static void rule_block(struct filter *p, const struct arg_rule *r, unsigned allow)
{
	unsigned end = p->k + 5 + r->n, trap = end - 1;

	jeq(p, r->nr, p->k + 1, end);
	stmt(p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[r->arg]) + 4);
	jeq(p, 0, p->k + 1, trap);
	stmt(p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[r->arg]));
	for (unsigned i = 0; i < r->n; i++)
		jeq(p, (uint32_t)r->values[i], allow, p->k + 1);
	stmt(p, BPF_RET | BPF_K, SECCOMP_RET_TRAP);
}

/*
 * The arch check; the plain calls jump to ALLOW; the calls with an argument
 * rule (those of them in (calls)) go through its block; anything else falls
 * to TRAP.
 */
static void build(struct filter *p, const unsigned short *calls, unsigned n)
{
	unsigned allow = 4 + 1;

	for (unsigned i = 0; i < n; i++)
		allow += has_rule(calls[i]) ? 0 : 1;
	for (unsigned i = 0; i < COUNT(arg_rules); i++)
		if (listed(calls, n, arg_rules[i].nr))
			allow += 5 + arg_rules[i].n;
	p->k = 0;
	stmt(p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	jeq(p, AUDIT_ARCH_X86_64, 3, 2);
	stmt(p, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	stmt(p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	for (unsigned i = 0; i < n; i++)
		if (!has_rule(calls[i]))
			jeq(p, calls[i], allow, p->k + 1);
	for (unsigned i = 0; i < COUNT(arg_rules); i++)
		if (listed(calls, n, arg_rules[i].nr))
			rule_block(p, &arg_rules[i], allow);
	stmt(p, BPF_RET | BPF_K, SECCOMP_RET_TRAP);
	stmt(p, BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
}

static int install(const unsigned short *calls, unsigned n, unsigned flags)
{
	struct filter p;
	struct sock_fprog prog;
	long r;

	build(&p, calls, n);
	prog = (struct sock_fprog){ (unsigned short)p.k, p.f };
	r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	if (r > 0) /* TSYNC: the id of a thread that could not be synchronised */
		return -EAGAIN;
	return r ? -errno : 0;
}

int sandbox_enter_process(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGSYS, &sa, NULL) || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	/* TSYNC: threads already running (virtio workers) get it too. */
	return install(process_calls, COUNT(process_calls), SECCOMP_FILTER_FLAG_TSYNC);
}

int sandbox_enter_vcpu(void)
{
	return install(vcpu_calls, COUNT(vcpu_calls), 0);
}
