/*
 * irqchip.h: the board's interrupt fabric.
 *
 * kernel-irqchip=split (microvm's default): the local APICs are in KVM; the
 * IOAPIC and the i8259 pair are userspace models.  A GSI fans out as QEMU
 * does it: GSI 0-15 to the PIC input of the same number (when the PIC
 * exists) and to the IOAPIC, GSI 0 on IOAPIC pin 2 (the IRQ0 override),
 * GSI 16-23 to the IOAPIC only.  The IOAPIC reaches the CPUs through KVM
 * MSI routes (one per pin, so that KVM reports EOIs of level-triggered
 * vectors); the PIC's output reaches the boot CPU as an ExtINT injected by
 * its vCPU thread (KVM_INTERRUPT).
 *
 * kernel-irqchip=on: KVM's own PIC, IOAPIC (and PIT, if wanted); a GSI is
 * a KVM_IRQ_LINE.
 */
#ifndef MVM_IRQCHIP_H
#define MVM_IRQCHIP_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>

#include "core/bus.h"
#include "dev/ioapic.h"
#include "dev/pic.h"
#include "core/irq.h"
#include "kvm/vm.h"

#define IRQCHIP_NGSI IOAPIC_NPINS

/* What the split irqchip asks of KVM: load its GSI routing table (an MSI
 * route per IOAPIC pin) and fire one of those routes.  0 or -errno.
 * irqchip_create() points them at the VM's ioctls. */
struct irqchip_kvm {
	int (*set_routes)(void *ctx, const struct kvm_irq_routing_entry *route, unsigned n);
	int (*fire_route)(void *ctx, unsigned gsi);
	void *ctx;
};

struct irqchip {
	enum irqchip_mode mode;
	struct vm *vm;
	struct irqchip_kvm kvm; /* kernel-irqchip=split */
	bool has_pic;
	struct pic pic;
	struct ioapic ioapic;
	pthread_mutex_t route_lock;
	struct kvm_irq_routing_entry route[IRQCHIP_NGSI];
	bool routes_dirty;
	int extint;	 /* PIC output level (atomic) */
	void (*kick_bsp)(void *ctx);
	void *kick_ctx;
};

/*
 * Create the interrupt controllers of (mode) in (vm); must precede vCPU
 * creation.  (pic): the i8259 pair exists; (kernel_pit): create KVM's PIT
 * (only with kernel-irqchip=on).  0 or -errno.
 */
int irqchip_create(struct irqchip *c, struct vm *vm, enum irqchip_mode mode, bool pic,
		   bool kernel_pit) __attribute__((warn_unused_result));

/* The userspace half of kernel-irqchip=split over (kvm), as irqchip_create()
 * builds it once KVM's split mode is on: the fuzzer drives it this way. */
void irqchip_init_split(struct irqchip *c, bool pic, struct irqchip_kvm kvm);

/* Put the userspace controllers on the buses (nothing for kernel-irqchip=on). */
int irqchip_register(struct irqchip *c, struct bus *pio, struct bus *mmio)
	__attribute__((warn_unused_result));

/* The line a device on (gsi) drives. */
struct irq_line irqchip_line(struct irqchip *c, unsigned gsi);

/* (kick)(ctx) makes the boot vCPU leave KVM_RUN to take a PIC interrupt. */
void irqchip_set_kick(struct irqchip *c, void (*kick)(void *ctx), void *ctx);

/* vCPU side: EOI broadcast from KVM, and the ExtINT path. */
void irqchip_eoi(void *ctx, unsigned vector);
bool irqchip_extint_pending(void *ctx);
int irqchip_extint_ack(void *ctx);

void irqchip_reset(struct irqchip *c);

#endif
