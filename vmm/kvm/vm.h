/*
 * vm.h: the KVM VM: /dev/kvm, the VM fd, memory slots and the in-kernel
 * interrupt controllers.
 */
#ifndef MVM_VM_H
#define MVM_VM_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/mem.h"

/* KVM's own pages (EPT identity map, then three TSS pages), reserved in e820. */
#define VM_KVM_IDENTITY_MAP 0xfeffc000ULL
#define VM_KVM_TSS (VM_KVM_IDENTITY_MAP + 0x1000)
#define VM_KVM_RESERVED_SIZE 0x4000ULL

/* kernel-irqchip=: split (only the LAPICs in KVM; PIC, IOAPIC and PIT are
 * mvm's) or on (KVM's PIC, IOAPIC and PIT too). */
enum irqchip_mode { IRQCHIP_SPLIT, IRQCHIP_ON };

struct vm {
	int kvm_fd;
	int vm_fd;
	int run_size; /* bytes of a vCPU's kvm_run mapping */
	bool kvm_pvm; /* the nested kvm_pvm backend (see host-kvm notes) */
	/* kernel-irqchip=on: KVM's controllers as created, restored at reset */
	bool kernel_irqchip;
	struct kvm_irqchip chip_reset[3];
	bool kernel_pit;
	struct kvm_pit_state2 pit_reset;
};

/* Open /dev/kvm, check the API and create the VM.  0 or -errno; (why)
 * names the step that failed. */
int vm_open(struct vm *vm, const char **why) __attribute__((warn_unused_result));

/* Register every region of (mem) as a memory slot. */
int vm_map_memory(struct vm *vm, const struct guest_mem *mem)
	__attribute__((warn_unused_result));

/* KVM's PIC + IOAPIC + LAPICs, and, if (pit), its i8254. */
int vm_create_kernel_irqchip(struct vm *vm, bool pit) __attribute__((warn_unused_result));

/* Put KVM's PIC, IOAPIC and PIT back in their state at creation. */
int vm_reset_kernel_irqchip(struct vm *vm) __attribute__((warn_unused_result));

/* irq_line backend for the in-kernel irqchip: (ctx) is the struct vm. */
void vm_irq_line(void *ctx, unsigned gsi, int level);

void vm_close(struct vm *vm);

#endif
