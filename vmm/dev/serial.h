/*
 * serial.h: 16550A UART (8 byte registers at COM1 0x3f8, IRQ 4).
 *
 * Spec: National Semiconductor PC16550D datasheet; register names from
 * <linux/serial_reg.h>.  Reset values follow QEMU's 16550A (MCR = OUT2,
 * MSR = DCD|DSR|CTS, divisor 12).  Emulated: every register, DLAB, the
 * 16-byte receive FIFO with trigger levels, FCR clears, THRE/RDI/RLS/MSI
 * interrupts with 16550 priorities, loopback (TX to RX, MCR to MSR), scratch.
 *
 * Transmission: a byte written to THR goes into the transmit FIFO (16 bytes,
 * or the 1-byte holding register with FIFOs off) and on to the sink at
 * once if the host takes it, so THRE and TEMT are set again before the
 * guest looks.  When the host is not reading, the sink takes nothing and
 * the bytes wait: THRE and TEMT stay clear, as a transmitter stays busy on
 * a slow line, until serial_tx_ready() says the host takes bytes again and
 * the FIFO empties (THRE, and its interrupt if enabled).  A byte written
 * while the FIFO is full is lost, as on the chip.  The device never waits.
 *
 * Reception: the board queues host input with serial_receive() while the
 * FIFO has room; the device tells it (events) when the receiver has
 * drained, so the board need not poll for room.
 *
 * The device keeps no lock: every entry is serialized by the bus's lock
 * rule (core/bus.h), and its sink and events run inside that section.
 *
 * Deliberately not emulated: baud-rate timing, the character-timeout delay
 * (data below the trigger level is reported as a timeout interrupt at
 * once), break, parity and framing errors.  Accesses are 1 byte.
 */
#ifndef MVM_SERIAL_H
#define MVM_SERIAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/bus.h"
#include "core/irq.h"

#define SERIAL_COM1_BASE 0x3f8
#define SERIAL_COM1_IRQ 4
#define SERIAL_NREGS 8
#define SERIAL_FIFO_SIZE 16

/* Where transmitted bytes go (inside the device's section): returns how
 * many it took, fewer (0) while the host does not read.  Never waits. */
struct serial_sink {
	size_t (*write)(void *ctx, const uint8_t *buf, size_t n);
	void *ctx;
};

/* What the UART tells its board; a NULL callback is not called.  Runs
 * inside the device's section: must not wait. */
struct serial_events {
	/* The receiver became empty and connected to the line again (the
	 * guest read its last byte, cleared the FIFO or left loopback, or a
	 * reset): a FIFO's worth of input fits now. */
	void (*rx_drained)(void *ctx);
	void *ctx;
};

struct serial {
	struct irq_line irq;
	struct serial_sink out;
	struct serial_events events;
	int irq_level;
	int thr_ipending; /* THR-empty interrupt pending */
	uint8_t ier, lcr, mcr, lsr, msr, scr, dll, dlm, fcr;
	uint8_t rx[SERIAL_FIFO_SIZE];
	unsigned rx_head, rx_count;
	uint8_t tx[SERIAL_FIFO_SIZE]; /* bytes the sink has not taken yet */
	unsigned tx_head, tx_count;
};

extern const struct bus_ops serial_ops;

/* Initialise (s) in its reset state with its interrupt line, sink and
 * events handler. */
void serial_init(struct serial *s, struct irq_line irq, struct serial_sink out,
		 struct serial_events events);

/* Back to the reset state (guest reset). */
void serial_reset(struct serial *s);

/* Queue host input for the guest; returns how many bytes fitted. */
size_t serial_receive(struct serial *s, const uint8_t *buf, size_t n);

/* Bytes serial_receive() would accept now. */
size_t serial_rx_room(struct serial *s);

/* The sink takes bytes again: hand it the transmit FIFO; THRE (and its
 * interrupt) once the FIFO is empty. */
void serial_tx_ready(struct serial *s);

#endif
