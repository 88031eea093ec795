/*
 * pic.h: i8259A programmable interrupt controller pair (master at 0x20, slave
 * at 0xA0 cascaded on the master's IR2) plus the PIIX-style ELCR at 0x4D0.
 *
 * Spec: Intel 8259A datasheet (order no. 231468); where it is silent or
 * ambiguous the behaviour follows QEMU's hw/intc/i8259.c, which is what
 * microvm guests were tested against.  Accesses are 1 byte.
 *
 * Emulated: ICW1-ICW4 (edge/level LTIM, single/cascade, ICW4 needed, vector
 * base, auto-EOI, special fully nested mode on the master), OCW1 (IMR),
 * every OCW2 command (non-specific/specific EOI, rotate on either, rotate in
 * auto-EOI set/clear, set priority, no-op), OCW3 (IRR/ISR read select, poll,
 * special mask mode), priority resolution with rotation, per-input edge
 * detection, level triggering via ELCR or LTIM, the slave's INT driving the
 * master's IR2, spurious IR7 (vector base + 7, no ISR bit) on both chips.
 *
 * Reset values (power-on and pic_reset()): IRR, ISR, IMR, ELCR all 0, vector
 * base 0, IR0 highest priority, read select IRR, edge triggered, no init
 * sequence in progress, INT low.  ICW1 does the same except that it keeps the
 * ELCR (as QEMU does) and level-triggered requests still asserted.
 *
 * Deliberately not emulated:
 *  - MCS-80/85 mode (ICW4 uPM = 0), call address interval (ICW1 ADI), the
 *    8080 vector bits of ICW1 and buffered mode (ICW4 BUF, M/S): accepted and
 *    ignored; vectors are always 8086 style (ICW2 & 0xF8 plus the IR number).
 *  - ICW3 is accepted and stored but never consulted: the slave is hardwired
 *    to IR2, as on every PC.  Programming the master in single mode (ICW1
 *    SNGL) makes IR2 an ordinary input whose vector the master supplies.
 *  - Special fully nested mode is emulated only on the master (where it
 *    matters), as in QEMU.
 *  - An edge-triggered request stays latched in IRR when its input drops
 *    before the acknowledge (QEMU, KVM); the datasheet would turn it into a
 *    default IR7.  Level-triggered requests that drop do produce IR7.
 *  - A non-specific EOI in special mask mode clears the highest-priority ISR
 *    bit whether or not it is masked (QEMU).
 *  - The IR2 input of the master belongs to the slave: pic_set_irq(p, 2, ...)
 *    is ignored.
 */
#ifndef MVM_PIC_H
#define MVM_PIC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/bus.h"

#define PIC_MASTER_BASE 0x20
#define PIC_SLAVE_BASE 0xa0
#define PIC_ELCR_BASE 0x4d0
#define PIC_NREGS 2 /* command (A0 = 0) and data (A0 = 1) port */
#define PIC_CASCADE_IRQ 2 /* master input the slave's INT drives */
#define PIC_ELCR_MASTER_MASK 0xf8 /* IRQ 0-2 are always edge triggered */
#define PIC_ELCR_SLAVE_MASK 0xde /* IRQ 8 and 13 are always edge triggered */

/* ICW1, written to the command port: D4 = 1 marks it. */
#define PIC_ICW1_IC4 0x01 /* ICW4 needed */
#define PIC_ICW1_SNGL 0x02 /* single chip, no ICW3 */
#define PIC_ICW1_ADI 0x04 /* call address interval (8080 mode only) */
#define PIC_ICW1_LTIM 0x08 /* level triggered mode */
#define PIC_ICW1_INIT 0x10

/* ICW4, the last data-port write of the sequence when IC4 was set. */
#define PIC_ICW4_UPM 0x01 /* 8086/8088 mode */
#define PIC_ICW4_AEOI 0x02
#define PIC_ICW4_MS 0x04 /* buffered master/slave */
#define PIC_ICW4_BUF 0x08
#define PIC_ICW4_SFNM 0x10

/* OCW2 (command port, D4 = D3 = 0): R, SL and EOI select the command. */
#define PIC_OCW2_L_MASK 0x07
#define PIC_OCW2_EOI 0x20
#define PIC_OCW2_SL 0x40
#define PIC_OCW2_R 0x80
#define PIC_OCW2_ROTATE_AEOI_CLEAR 0x00
#define PIC_OCW2_NON_SPECIFIC_EOI 0x20
#define PIC_OCW2_NOP 0x40
#define PIC_OCW2_SPECIFIC_EOI 0x60
#define PIC_OCW2_ROTATE_AEOI_SET 0x80
#define PIC_OCW2_ROTATE_NON_SPECIFIC_EOI 0xa0
#define PIC_OCW2_SET_PRIORITY 0xc0
#define PIC_OCW2_ROTATE_SPECIFIC_EOI 0xe0

/* OCW3 (command port, D4 = 0, D3 = 1). */
#define PIC_OCW3_RIS 0x01 /* read ISR (1) or IRR (0)... */
#define PIC_OCW3_RR 0x02 /* ...when this is set */
#define PIC_OCW3_P 0x04 /* poll: the next read acknowledges */
#define PIC_OCW3_SEL 0x08 /* marks OCW3 */
#define PIC_OCW3_SMM 0x20 /* set (1) or reset (0) special mask mode... */
#define PIC_OCW3_ESMM 0x40 /* ...when this is set */

/* Poll word: I bit, then the IR number in bits 2:0. */
#define PIC_POLL_INT 0x80

/* Which data-port write the initialisation sequence expects next. */
enum pic_init_state {
	PIC_INIT_DONE,
	PIC_INIT_ICW2,
	PIC_INIT_ICW3,
	PIC_INIT_ICW4,
};

struct pic;

/* One 8259A. */
struct pic_chip {
	uint8_t irr, isr, imr;
	uint8_t input; /* last level driven on each IR pin (edge detection) */
	uint8_t elcr; /* 1 = level triggered (ELCR port) */
	uint8_t elcr_mask; /* ELCR bits the guest may set */
	uint8_t vector_base; /* ICW2 & 0xf8 */
	uint8_t icw3;
	uint8_t highest; /* IR with the highest priority (rotation) */
	enum pic_init_state init_state;
	bool icw4_needed, single, ltim;
	bool auto_eoi, rotate_auto_eoi, sfnm;
	bool special_mask, poll, read_isr;
	int int_level; /* INT output */
	struct pic *pair;
};

/* Called (with the PIC lock held) whenever the master's INT output changes
 * level; it must not call back into the PIC. */
struct pic_output {
	void (*set)(void *ctx, int level);
	void *ctx;
};

struct pic {
	pthread_mutex_t lock; /* vCPU port I/O vs. device threads raising IRQs */
	struct pic_chip chip[2]; /* 0 master, 1 slave */
	struct pic_output out;
};

/* Register twice: PIC_MASTER_BASE, PIC_NREGS with dev = &pic->chip[0], and
 * PIC_SLAVE_BASE, PIC_NREGS with dev = &pic->chip[1]. */
extern const struct bus_ops pic_ops;

/* Register at PIC_ELCR_BASE, length 2 (master, slave), with dev = pic. */
extern const struct bus_ops pic_elcr_ops;

/* Initialise (p) in its reset state; (out) receives the master's INT level.
 * All inputs start low. */
void pic_init(struct pic *p, struct pic_output out);

/* Back to the reset state (guest reset), ELCR included.  Input levels are
 * kept: they are wires driven by the devices, which reset themselves. */
void pic_reset(struct pic *p);

/* Drive input (irq), 0-7 on the master and 8-15 on the slave, to (level).
 * Out-of-range numbers and the cascade input 2 are ignored. */
void pic_set_irq(struct pic *p, unsigned irq, int level);

/* The master's INT level (1: an interrupt is waiting for pic_read_irq()). */
int pic_output(struct pic *p);

/* The CPU's interrupt-acknowledge cycle: returns the vector to deliver and
 * moves the request from IRR to ISR (not to ISR in auto-EOI mode), going
 * through the slave when the master selects IR2.  With nothing left to
 * deliver it returns the spurious vector, base + 7 of the chip concerned,
 * without setting an ISR bit. */
int pic_read_irq(struct pic *p);

#endif
