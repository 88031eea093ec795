/*
 * pit.h: i8254 programmable interval timer (ports 0x40-0x43, counter 0 on IRQ 0).
 *
 * Spec: Intel 82C54 CHMOS Programmable Interval Timer datasheet (order no.
 * 231244); where it is silent or ambiguous the behaviour follows QEMU's
 * hw/timer/i8254.c and i8254_common.c.  Input clock PIT_FREQ (1193182 Hz).
 * Accesses are 1 byte: offsets 0-2 are counters 0-2, offset 3 is the control
 * word register, which reads as 0 (QEMU; it is write-only on the chip).
 *
 * Emulated: modes 0-5 (6 and 7 behave as 2 and 3 but read back as written);
 * RW modes LSB, MSB and LSB-then-MSB with their read and write flip-flops;
 * the counter latch command; the read-back command (count and/or status of
 * any set of counters; status = OUTPUT, NULL COUNT, RW, M, BCD); BCD
 * counting; count 0 meaning 65536 (10000 in BCD); the gate input of each
 * counter, level-sensitive or edge-triggered as the mode says.  Counts and
 * OUT are functions of the time elapsed on the injected monotonic clock,
 * never ticked, so a read anywhere in a period is exact.  Counter 0's OUT
 * drives IRQ 0 (level = OUT) and the injected vtimer is armed for its next
 * transition; counters 1 and 2 have no interrupt.  Gates 0 and 1 are high,
 * gate 2 low (microvm has no port 0x61 to move them; pit_set_gate() can).
 *
 * Reset values (undefined on the chip; QEMU's choice): every counter in mode
 * 3, binary, count 0 (65536), counting from the reset instant, so counter 0
 * is an 18.2 Hz square wave; RW field 00, under which accesses act as LSB
 * only until a control word is written; no latches, NULL COUNT clear.
 *
 * Choices where the datasheet and QEMU differ or the datasheet is silent:
 *  - A count is loaded into the counting element (CE) the instant its last
 *    byte is written, not on the next CLK pulse (QEMU): in mode 0 OUT rises
 *    N clocks after the write, not N + 1.
 *  - A new count written in mode 2 or 3 takes effect at once and restarts
 *    the period (QEMU), not at the end of the current period or half-cycle.
 *  - Modes 1 and 5 wait for a gate rising edge (datasheet; QEMU starts them
 *    on the write).  Counter 0's gate never moves on microvm, so there they
 *    never fire.
 *  - OUT follows the datasheet waveforms: mode 2 low for one clock at the
 *    end of each period, modes 4/5 low for one clock at terminal count (QEMU
 *    draws these pulses high; the rising edges, which interrupt, coincide).
 *  - Mode 3 with an odd count loads N - 1 and steps by two (datasheet), so it
 *    reads N-1, N-3, ... 0 while high and N-1, ... 2 while low.
 *  - A control word drops pending count and status latches (datasheet:
 *    "until read or the counter is reprogrammed"); a latched count is read
 *    LSB then MSB independently of the read flip-flop (QEMU).
 *  - In mode 0 the first byte of an LSB-then-MSB count stops the counter and
 *    sets OUT low (datasheet); the second byte loads the new count.
 *  - BCD digits above 9 count with their binary weight, modulo 10000.
 *
 * Deliberately not emulated: sub-clock phase of CLK and GATE (the gate acts
 * at the instant pit_set_gate() is called); OUT of counters 1 and 2 (not
 * wired: no PC speaker, no port 0x61); mode 2 with count 1 (illegal: OUT
 * stays low, no interrupt); any floor on the interrupt rate a guest can
 * program (counts of 2 or 3 make the timer fire as fast as the board runs).
 */
#ifndef MVM_PIT_H
#define MVM_PIT_H

#include <stdint.h>

#include "core/bus.h"
#include "core/clock.h"
#include "core/irq.h"

#define PIT_BASE 0x40
#define PIT_NPORTS 4
#define PIT_IRQ 0
#define PIT_FREQ 1193182u /* input clock, Hz */
#define PIT_NCHANNELS 3

/* Port offsets. */
#define PIT_COUNTER0 0
#define PIT_COUNTER1 1
#define PIT_COUNTER2 2
#define PIT_CONTROL 3

/* Control word: SC1 SC0 | RW1 RW0 | M2 M1 M0 | BCD. */
#define PIT_CW_SC(counter) ((unsigned)(counter) << 6)
#define PIT_CW_READ_BACK (3u << 6) /* SC = 11 */
#define PIT_CW_RW_LATCH (0u << 4) /* counter latch command */
#define PIT_CW_RW_LSB (1u << 4)
#define PIT_CW_RW_MSB (2u << 4)
#define PIT_CW_RW_LSB_MSB (3u << 4)
#define PIT_CW_M(mode) ((unsigned)(mode) << 1)
#define PIT_CW_BCD 0x01u

/* Read-back command: 1 1 /COUNT /STATUS CNT2 CNT1 CNT0 0. */
#define PIT_RB_NOT_COUNT 0x20u /* 0: latch the count */
#define PIT_RB_NOT_STATUS 0x10u /* 0: latch the status */
#define PIT_RB_CNT(counter) (0x02u << (counter))

/* Status byte: OUTPUT | NULL COUNT | RW1 RW0 | M2 M1 M0 | BCD. */
#define PIT_STATUS_OUTPUT 0x80u
#define PIT_STATUS_NULL_COUNT 0x40u

struct pit_channel {
	uint64_t start_ns; /* when the CE last started or resumed counting */
	uint64_t base; /* CLK pulses counted before start_ns */
	uint32_t n; /* the loaded count, in CLK pulses (1..65536) */
	uint16_t cr; /* count register: the last complete count written */
	uint16_t frozen; /* what the CE reads while no count is loaded */
	uint16_t latch; /* output latch filled by a latch command */
	uint8_t status; /* latched status byte */
	uint8_t rw, mode, bcd; /* control word fields as written */
	uint8_t lsb; /* first byte of an LSB-then-MSB count */
	uint8_t gate;
	uint8_t write_msb, read_msb, latch_msb; /* flip-flops: next byte is the MSB */
	uint8_t count_latched, status_latched;
	uint8_t null_count; /* CR written but not yet loaded into the CE */
	uint8_t cr_valid; /* a count was written since the control word */
	uint8_t loaded; /* the CE holds a count and OUT follows it */
	uint8_t counting; /* the gate (or a trigger) lets the CE count */
};

/* No lock of its own: the bus's rule (core/bus.h) serializes port I/O,
 * the board's timer expiry, reset and gate changes. */
struct pit {
	struct irq_line irq;
	struct vclock clock;
	struct vtimer timer;
	struct pit_channel ch[PIT_NCHANNELS];
	uint64_t deadline; /* armed for counter 0's next OUT transition, 0: none */
	int irq_level;
};

/* Register at PIT_BASE, length PIT_NPORTS, with dev = the struct pit. */
extern const struct bus_ops pit_ops;

/*
 * Initialise (p) in its reset state.  (irq0) is driven with counter 0's OUT,
 * (clock) is the time base, (timer) is armed for OUT's next transition.  All
 * three must be usable already: this raises IRQ 0 (OUT starts high in mode 3)
 * and arms the timer before returning.
 */
void pit_init(struct pit *p, struct irq_line irq0, struct vclock clock, struct vtimer timer);

/* Back to the reset state (guest reset); IRQ 0 and the timer follow. */
void pit_reset(struct pit *p);

/*
 * The board calls this from its event loop, holding the device's lock
 * (core/bus.h), once the deadline last given to the vtimer has passed.  It sets IRQ 0 to
 * counter 0's OUT now and arms the first transition after now (or disarms).
 * If the call comes so late that OUT has already gone and come back (a mode
 * 2 or 4 pulse, a whole mode 3 cycle), one pulse is replayed on IRQ 0 (OUT
 * inverted, then restored) so an edge-triggered controller still sees one
 * interrupt; further missed periods are dropped, never replayed.  Periodic
 * deadlines are computed from the instant the count was loaded, so lateness
 * never accumulates.  Spurious or early calls are harmless.
 */
void pit_timer_expired(struct pit *p);

/*
 * Drive the gate input of counter (channel) (0-2; others are ignored) to
 * (level) (nonzero = high).  Modes 0 and 4 count only while it is high;
 * modes 2 and 3 stop with OUT high while it is low and restart on a rising
 * edge; modes 1 and 5 start (or restart) on a rising edge.
 */
void pit_set_gate(struct pit *p, unsigned channel, int level);

#endif
