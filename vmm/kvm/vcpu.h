/*
 * vcpu.h: one virtual CPU: its KVM fd, CPUID, boot register state, and the
 * thread that runs KVM_RUN and dispatches exits to the buses.
 */
#ifndef MVM_VCPU_H
#define MVM_VCPU_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/bus.h"
#include "kvm/cpuid.h"
#include "kvm/exit.h"
#include "kvm/vm.h"

/* Why a vCPU thread stopped. */
enum vcpu_stop {
	VCPU_STOP_REQUESTED, /* vcpu_kick() */
	VCPU_STOP_SHUTDOWN,  /* guest triple fault / shutdown */
	VCPU_STOP_RESET,     /* guest asked for a reset */
	VCPU_STOP_ERROR,     /* the VMM cannot run this guest; message logged */
};

struct vcpu;

/* What a vCPU needs from its board. */
struct vcpu_env {
	struct bus *pio;
	struct bus *mmio;
	/* Called on the vCPU thread when it stops for any reason but a request. */
	void (*stopped)(void *ctx, struct vcpu *vcpu, enum vcpu_stop why);
	void *ctx;
	/* Level-triggered EOI broadcast (split irqchip), may be NULL. */
	void (*eoi)(void *irq_ctx, unsigned vector);
	/* Userspace i8259 (split irqchip), may be NULL: is its output high,
	 * and the interrupt-acknowledge cycle that returns the vector. */
	bool (*extint_pending)(void *irq_ctx);
	int (*extint_ack)(void *irq_ctx);
	void *irq_ctx;
	bool sandbox; /* each vCPU thread adds its seccomp filter */
};

struct vcpu {
	unsigned index;
	int fd;
	struct kvm_run *run;
	int run_size;
	pthread_t thread;
	bool running;
	volatile bool stop; /* set by vcpu_kick() */
	const struct vcpu_env *env;
	unsigned probe_index;
	uint64_t exits;
	bool first_run_done;
	/* Architectural state right after creation: what a reset restores. */
	struct kvm_regs reset_regs;
	struct kvm_sregs reset_sregs;
	struct kvm_fpu reset_fpu;
	struct kvm_lapic_state reset_lapic;
};

/* Create vCPU (index) of (topo) in (vm), with KVM id = its APIC ID, and the
 * host's CPUID with this vCPU's identity and topology, adjusted by (features). */
int vcpu_create(struct vcpu *v, struct vm *vm, unsigned index, const struct cpu_topology *topo,
		const struct cpu_feature_request *features, unsigned nfeatures,
		const char **why) __attribute__((warn_unused_result));

/* Back to the state right after creation (reset vector for the BSP). */
int vcpu_reset(struct vcpu *v) __attribute__((warn_unused_result));

/* Enter the 64-bit boot protocol state: long mode, flat segments, RIP =
 * (entry), RSI = (zero_page).  Uses the tables longmode.h describes. */
int vcpu_set_long_mode(struct vcpu *v, uint64_t entry, uint64_t zero_page)
	__attribute__((warn_unused_result));

/* Start the vCPU thread; probes buffer (probe_index) is attached to it. */
int vcpu_start(struct vcpu *v, const struct vcpu_env *env, unsigned probe_index)
	__attribute__((warn_unused_result));

/* Ask the thread to leave KVM_RUN and stop; vcpu_join() waits for it. */
void vcpu_kick(struct vcpu *v);

/* Make the thread leave KVM_RUN once to look at pending interrupts. */
void vcpu_kick_irq(struct vcpu *v);
void vcpu_join(struct vcpu *v);

void vcpu_destroy(struct vcpu *v);

#endif
