/*
 * ioapic.h: the I/O APIC of microvm's split irqchip (82093AA register set,
 * version 0x20 with the EOI register, 24 pins) at 0xFEC00000.
 *
 * Registers: IOREGSEL (+0x00), IOWIN (+0x10), EOI (+0x40); indirect ID (0),
 * VER (1, reads 0x00170020), ARB (2), redirection table (0x10 + 2 * pin).
 * Accepted sizes: 4 bytes (1, 2 and 8 are treated as unassigned, as
 * Linux and firmware only use 32-bit accesses).  Reset: every entry masked,
 * edge, vector 0, ID 0.
 *
 * Delivery follows QEMU's userspace IOAPIC: an unmasked edge-triggered pin
 * delivers on every assert (even when its input is already high, so a
 * device that re-asserts gets a new interrupt); a level-triggered pin
 * delivers when its input is high and Remote IRR is clear, sets Remote
 * IRR, and is delivered again at EOI if the input is still high.  Input
 * polarity is not inverted (ISA devices are active-high, as in QEMU).
 * ExtINT entries are not delivered (KVM ignores ExtINT MSIs; the i8259
 * reaches the CPU through LINT0 instead).
 */
#ifndef MVM_IOAPIC_H
#define MVM_IOAPIC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/bus.h"

#define IOAPIC_BASE 0xfec00000ULL
#define IOAPIC_SIZE 0x1000
#define IOAPIC_NPINS 24
#define IOAPIC_VERSION 0x20

/* An interrupt message as the redirection entry describes it. */
struct ioapic_msi {
	uint64_t address;
	uint32_t data;
};

/* How the IOAPIC reaches the local APICs; called with the IOAPIC lock held. */
struct ioapic_sink {
	/* Entry (pin) was rewritten: its message is now (msi). */
	void (*route)(void *ctx, unsigned pin, struct ioapic_msi msi);
	/* Send pin's current message once. */
	void (*deliver)(void *ctx, unsigned pin, struct ioapic_msi msi);
	void *ctx;
};

struct ioapic {
	pthread_mutex_t lock;
	struct ioapic_sink sink;
	uint32_t ioregsel;
	uint8_t id;
	uint32_t input; /* current input level of each pin */
	uint64_t rte[IOAPIC_NPINS];
	uint64_t delivered[IOAPIC_NPINS]; /* interrupts sent per pin */
};

extern const struct bus_ops ioapic_ops;

void ioapic_init(struct ioapic *io, struct ioapic_sink sink);
void ioapic_reset(struct ioapic *io);

/* Drive input (pin) to (level); pins beyond 23 are ignored. */
void ioapic_set_irq(struct ioapic *io, unsigned pin, int level);

/* End of interrupt for (vector): from the EOI register or from KVM. */
void ioapic_eoi(struct ioapic *io, unsigned vector);

/* The interrupt message redirection entry (rte) describes. */
struct ioapic_msi ioapic_rte_to_msi(uint64_t rte);

#endif
