/* vcpu.c: vCPU creation, CPUID, reset state and the KVM_RUN loop. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "boot/longmode.h"
#include "kvm/cpuid.h"
#include "core/log.h"
#include "probe.h"
#include "host/sandbox.h"
#include "kvm/vcpu.h"

#define CPUID_MAX_ENTRIES 256
#define KICK_SIGNAL SIGUSR1

static int setup_cpuid(struct vcpu *v, struct vm *vm, const struct cpu_topology *topo,
		       const struct cpu_feature_request *req, unsigned nreq)
{
	size_t bytes = sizeof(struct kvm_cpuid2) + CPUID_MAX_ENTRIES * sizeof(struct kvm_cpuid_entry2);
	struct kvm_cpuid2 *cpuid = calloc(1, bytes);
	int err = 0;

	if (!cpuid)
		return -ENOMEM;
	cpuid->nent = CPUID_MAX_ENTRIES;
	if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid)) {
		err = -errno;
		goto out;
	}
	cpuid_set_topology(cpuid, topo, v->index);
	cpuid_set_platform(cpuid, ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) > 0);
	for (unsigned i = 0; i < nreq; i++)
		cpuid_apply_feature(cpuid, req[i].name, req[i].on);
	if (ioctl(v->fd, KVM_SET_CPUID2, cpuid))
		err = -errno;
out:
	free(cpuid);
	return err;
}

/* Machine-check banks as QEMU gives them: 10 banks, MCG_CTL_P and
 * MCG_SER_P where KVM has them (KVM alone would offer all it supports). */
#define MCE_BANKS 10
#define MCG_CTL_P (1ULL << 8)
#define MCG_SER_P (1ULL << 24)

static int setup_mce(struct vcpu *v, struct vm *vm)
{
	int max_banks = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MCE);
	uint64_t supported, cap;

	if (max_banks <= 0)
		return 0;
	if (ioctl(vm->kvm_fd, KVM_X86_GET_MCE_CAP_SUPPORTED, &supported))
		return -errno;
	cap = (supported & (MCG_CTL_P | MCG_SER_P)) |
	      (uint64_t)(max_banks < MCE_BANKS ? max_banks : MCE_BANKS);
	return ioctl(v->fd, KVM_X86_SETUP_MCE, &cap) ? -errno : 0;
}

/* LAPIC register offsets within kvm_lapic_state.regs */
#define LAPIC_LVT0 0x350
#define LVT_MASKED 0x10000u

static int snapshot_reset_state(struct vcpu *v)
{
	uint32_t lvt0 = LVT_MASKED;

	if (ioctl(v->fd, KVM_GET_REGS, &v->reset_regs) ||
	    ioctl(v->fd, KVM_GET_SREGS, &v->reset_sregs) ||
	    ioctl(v->fd, KVM_GET_FPU, &v->reset_fpu) ||
	    ioctl(v->fd, KVM_GET_LAPIC, &v->reset_lapic))
		return -errno;
	/* KVM's reset leaves the BSP's LINT0 in ExtINT mode; QEMU's microvm
	 * hands every vCPU a masked LVT0, so a guest that enables interrupts
	 * before programming its APIC gets no PIC interrupt. */
	memcpy(&v->reset_lapic.regs[LAPIC_LVT0], &lvt0, sizeof(lvt0));
	return 0;
}

int vcpu_create(struct vcpu *v, struct vm *vm, unsigned index, const struct cpu_topology *topo,
		const struct cpu_feature_request *req, unsigned nreq, const char **why)
{
	void *run;

	memset(v, 0, sizeof(*v));
	v->index = index;
	/* KVM's vCPU id is the in-kernel LAPIC's APIC ID: the one CPUID reports */
	v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)cpu_topology_apic_id(topo, index));
	if (v->fd < 0) {
		*why = "KVM_CREATE_VCPU failed";
		return -errno;
	}
	run = mmap(NULL, (size_t)vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (run == MAP_FAILED) {
		*why = "cannot map kvm_run";
		return -errno;
	}
	v->run = run;
	v->run_size = vm->run_size;
	if (setup_cpuid(v, vm, topo, req, nreq)) {
		*why = "cannot set CPUID";
		return -errno;
	}
	if (setup_mce(v, vm)) {
		*why = "cannot set up machine checks";
		return -errno;
	}
	if (snapshot_reset_state(v)) {
		*why = "cannot read the vCPU's initial state";
		return -errno;
	}
	return 0;
}

/* MSRs a reset must clear: KVM's paravirtual ones keep writing guest memory
 * (kvmclock, steal time) into the previous boot's structures otherwise. */
static int clear_pv_msrs(struct vcpu *v)
{
	static const uint32_t index[] = {
		0x11, 0x12,				/* MSR_KVM_WALL_CLOCK, SYSTEM_TIME */
		0x4b564d00, 0x4b564d01, 0x4b564d02,	/* *_NEW, ASYNC_PF_EN */
		0x4b564d03, 0x4b564d04, 0x4b564d05,	/* STEAL_TIME, PV_EOI_EN, POLL_CONTROL */
		0x6e0,					/* IA32_TSC_DEADLINE */
	};
	enum { N = sizeof(index) / sizeof(index[0]) };
	/* A union: an array after the flexible one is a GNU extension. */
	union {
		struct kvm_msrs hdr;
		uint8_t bytes[sizeof(struct kvm_msrs) + N * sizeof(struct kvm_msr_entry)];
	} msrs = { .hdr.nmsrs = N };

	for (unsigned i = 0; i < N; i++)
		msrs.hdr.entries[i].index = index[i];
	/* KVM_SET_MSRS returns how many it set; unsupported ones stop the list. */
	return ioctl(v->fd, KVM_SET_MSRS, &msrs) < 0 ? -errno : 0;
}

int vcpu_reset(struct vcpu *v)
{
	struct kvm_mp_state mp = { v->index ? KVM_MP_STATE_UNINITIALIZED : KVM_MP_STATE_RUNNABLE };
	struct kvm_vcpu_events events;

	if (ioctl(v->fd, KVM_SET_SREGS, &v->reset_sregs) ||
	    ioctl(v->fd, KVM_SET_REGS, &v->reset_regs) ||
	    ioctl(v->fd, KVM_SET_FPU, &v->reset_fpu) ||
	    ioctl(v->fd, KVM_SET_LAPIC, &v->reset_lapic) ||
	    ioctl(v->fd, KVM_SET_MP_STATE, &mp) ||
	    ioctl(v->fd, KVM_GET_VCPU_EVENTS, &events))
		return -errno;
	memset(&events.exception, 0, sizeof(events.exception));
	memset(&events.interrupt, 0, sizeof(events.interrupt));
	events.nmi.injected = events.nmi.pending = 0;
	events.flags = KVM_VCPUEVENT_VALID_NMI_PENDING;
	if (ioctl(v->fd, KVM_SET_VCPU_EVENTS, &events))
		return -errno;
	return clear_pv_msrs(v);
}

static struct kvm_segment flat_segment(uint16_t selector, uint8_t type, bool code)
{
	return (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = selector, .type = type,
		.present = 1, .dpl = 0, .db = code ? 0 : 1, .s = 1, .l = code ? 1 : 0, .g = 1,
	};
}

int vcpu_set_long_mode(struct vcpu *v, uint64_t entry, uint64_t zero_page)
{
	struct kvm_sregs s = v->reset_sregs;
	struct kvm_regs r = { .rflags = 2, .rip = entry, .rsi = zero_page,
			      .rsp = LONGMODE_STACK, .rbp = LONGMODE_STACK };
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };

	s.cs = flat_segment(LONGMODE_CODE_SEL, 0xb, true);
	s.ds = s.es = s.fs = s.gs = s.ss = flat_segment(LONGMODE_DATA_SEL, 0x3, false);
	s.gdt.base = LONGMODE_GDT;
	s.gdt.limit = LONGMODE_GDT_ENTRIES * 8 - 1;
	s.idt.base = 0;
	s.idt.limit = 0;
	s.cr0 = 0x80000011; /* PG | ET | PE */
	s.cr3 = LONGMODE_PML4;
	s.cr4 = 0x20; /* PAE */
	s.efer = 0x500; /* LMA | LME */
	if (ioctl(v->fd, KVM_SET_SREGS, &s) || ioctl(v->fd, KVM_SET_REGS, &r) ||
	    ioctl(v->fd, KVM_SET_FPU, &fpu))
		return -errno;
	return 0;
}

/* Deliver exception (nr) (no error code) with RIP advanced by (skip). */
static int inject_exception(struct vcpu *v, unsigned nr, unsigned skip)
{
	struct kvm_regs regs;
	struct kvm_vcpu_events events;

	if (ioctl(v->fd, KVM_GET_REGS, &regs) || ioctl(v->fd, KVM_GET_VCPU_EVENTS, &events))
		return -errno;
	regs.rip += skip;
	events.exception.injected = 1;
	events.exception.nr = (uint8_t)nr;
	events.exception.has_error_code = 0;
	events.flags = 0;
	if (ioctl(v->fd, KVM_SET_REGS, &regs) || ioctl(v->fd, KVM_SET_VCPU_EVENTS, &events))
		return -errno;
	return 0;
}

/* int3 the emulator could not execute: a trap, so #BP after the byte. */
static int emulate_int3(struct vcpu *v)
{
	return inject_exception(v, 3, 1);
}

/* fwait (9B) the emulator could not execute: #NM when CR0.MP and CR0.TS
 * are set, #MF when the x87 status word has an exception pending (ES),
 * else nothing happens and the next instruction runs. */
static int emulate_fwait(struct vcpu *v)
{
	struct kvm_sregs s;
	struct kvm_fpu fpu;
	struct kvm_regs regs;

	if (ioctl(v->fd, KVM_GET_SREGS, &s) || ioctl(v->fd, KVM_GET_FPU, &fpu))
		return -errno;
	if ((s.cr0 & 0xa) == 0xa) /* MP | TS */
		return inject_exception(v, 7, 0);
	if (fpu.fsw & 0x80)	  /* ES */
		return inject_exception(v, 16, 0);
	if (ioctl(v->fd, KVM_GET_REGS, &regs))
		return -errno;
	regs.rip += 1;
	return ioctl(v->fd, KVM_SET_REGS, &regs) ? -errno : 0;
}

static void report_failure(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	struct kvm_regs regs = { 0 };
	char bytes[64] = "";
	size_t len = 0;

	ioctl(v->fd, KVM_GET_REGS, &regs);
	if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR &&
	    run->emulation_failure.suberror == KVM_INTERNAL_ERROR_EMULATION &&
	    (run->emulation_failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES)) {
		unsigned n = run->emulation_failure.insn_size;

		for (unsigned i = 0; i < n && i < 15; i++)
			len += (size_t)snprintf(bytes + len, sizeof(bytes) - len, " %02x",
						run->emulation_failure.insn_bytes[i]);
		log_err("vCPU %u: KVM cannot emulate the instruction at RIP 0x%llx, bytes:%s",
			v->index, (unsigned long long)regs.rip, bytes);
	} else if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR) {
		log_err("vCPU %u: KVM internal error, suberror %u, at RIP 0x%llx", v->index,
			run->internal.suberror, (unsigned long long)regs.rip);
	} else {
		log_err("vCPU %u: unhandled KVM exit reason %u (%s) at RIP 0x%llx", v->index,
			run->exit_reason, probe_exit_reason_name(run->exit_reason),
			(unsigned long long)regs.rip);
	}
}

static void record_exit(uint64_t t, const struct kvm_run *run, const struct exit_access *a)
{
	probe_emit_at(t, PROBE_EXIT, run->exit_reason, a->addr, a->size,
		      a->size ? (a->write ? PROBE_DIR_WRITE : PROBE_DIR_READ) : PROBE_DIR_NONE,
		      a->value);
}

/*
 * The i8259's output reaches the boot CPU as an external interrupt: inject
 * it when the guest can take one, else ask KVM to exit as soon as it can.
 */
static void prepare_extint(struct vcpu *v)
{
	const struct vcpu_env *env = v->env;
	struct kvm_interrupt irq;
	int vector;

	if (v->index != 0 || !env->extint_pending || !env->extint_pending(env->irq_ctx)) {
		v->run->request_interrupt_window = 0;
		return;
	}
	if (v->run->ready_for_interrupt_injection && v->run->if_flag) {
		vector = env->extint_ack(env->irq_ctx);
		irq.irq = (uint32_t)vector;
		if (vector >= 0 && ioctl(v->fd, KVM_INTERRUPT, &irq))
			log_warn("vCPU %u: KVM_INTERRUPT %d failed: %s", v->index, vector,
				 strerror(errno));
	}
	v->run->request_interrupt_window = env->extint_pending(env->irq_ctx);
}

/* One KVM_RUN and its exit; returns true while the vCPU should keep going. */
static bool run_once(struct vcpu *v, enum vcpu_stop *why)
{
	struct exit_access access;
	enum exit_action action;
	uint64_t t;

	prepare_extint(v);
	if (!v->first_run_done) {
		v->first_run_done = true;
		probe_emit(PROBE_FIRST_RUN, 0, v->index);
	}
	if (ioctl(v->fd, KVM_RUN, 0) < 0) {
		if (errno == EINTR || errno == EAGAIN) {
			/* Cleared before the next look at pending interrupts, so a
			 * kick that lands after that look still stops KVM_RUN. */
			__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
			return true;
		}
		log_err("vCPU %u: KVM_RUN failed: %s", v->index, strerror(errno));
		*why = VCPU_STOP_ERROR;
		return false;
	}
	t = probe_exit_begin();
	v->exits++;
	action = exit_dispatch(v->run, v->env->pio, v->env->mmio, &access);
	record_exit(t, v->run, &access);
	probe_exit_end();
	switch (action) {
	case EXIT_CONTINUE:
		return true;
	case EXIT_EOI:
		if (v->env->eoi)
			v->env->eoi(v->env->irq_ctx, v->run->eoi.vector);
		return true;
	case EXIT_INT3:
		if (emulate_int3(v) == 0)
			return true;
		break;
	case EXIT_FWAIT:
		if (emulate_fwait(v) == 0)
			return true;
		break;
	case EXIT_SHUTDOWN:
		*why = VCPU_STOP_SHUTDOWN;
		return false;
	case EXIT_RESET:
		*why = VCPU_STOP_RESET;
		return false;
	case EXIT_FAIL:
		break;
	}
	report_failure(v);
	*why = VCPU_STOP_ERROR;
	return false;
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	enum vcpu_stop why = VCPU_STOP_REQUESTED;
	sigset_t kick;
	char name[16];

	/* QEMU's thread names; set by the thread itself (a prctl, which the
	 * sandbox admits, where naming another thread would open /proc). */
	snprintf(name, sizeof(name), "CPU %u/KVM", v->index);
	pthread_setname_np(pthread_self(), name);
	probes_attach(v->probe_index);
	sigemptyset(&kick);
	sigaddset(&kick, KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
	if (v->env->sandbox && sandbox_enter_vcpu()) {
		log_err("vCPU %u: cannot install its seccomp filter: %s", v->index, strerror(errno));
		why = VCPU_STOP_ERROR;
		v->env->stopped(v->env->ctx, v, why);
		return NULL;
	}
	while (!v->stop && run_once(v, &why))
		;
	if (!v->stop && why != VCPU_STOP_REQUESTED)
		v->env->stopped(v->env->ctx, v, why);
	return NULL;
}

static void kick_handler(int sig)
{
	(void)sig;
}

int vcpu_start(struct vcpu *v, const struct vcpu_env *env, unsigned probe_index)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	int err;

	sigaction(KICK_SIGNAL, &sa, NULL); /* no SA_RESTART: KVM_RUN must return */
	v->probe_index = probe_index;
	v->env = env;
	v->stop = false;
	v->run->immediate_exit = 0;
	err = pthread_create(&v->thread, NULL, vcpu_thread, v);
	if (err)
		return -err;
	v->running = true;
	return 0;
}

void vcpu_kick(struct vcpu *v)
{
	if (!v->running)
		return;
	v->stop = true;
	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	pthread_kill(v->thread, KICK_SIGNAL);
}

void vcpu_kick_irq(struct vcpu *v)
{
	if (!v->running || v->stop)
		return;
	__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	pthread_kill(v->thread, KICK_SIGNAL);
}

void vcpu_join(struct vcpu *v)
{
	if (!v->running)
		return;
	pthread_join(v->thread, NULL);
	v->running = false;
}

void vcpu_destroy(struct vcpu *v)
{
	if (v->run)
		munmap(v->run, (size_t)v->run_size);
	if (v->fd > 0)
		close(v->fd);
	v->run = NULL;
	v->fd = -1;
}
