/* serial.c: 16550A UART state machine (see serial.h for what is emulated). */
#include <linux/serial_reg.h>
#include <stdbool.h>
#include <string.h>

#include "dev/serial.h"

/* Each FIFO holds 16 bytes, or a single holding register with FIFOs off. */
static unsigned fifo_capacity(const struct serial *s)
{
	return (s->fcr & UART_FCR_ENABLE_FIFO) ? SERIAL_FIFO_SIZE : 1;
}

static unsigned rx_trigger(const struct serial *s)
{
	static const unsigned level[4] = { 1, 4, 8, 14 };

	return (s->fcr & UART_FCR_ENABLE_FIFO) ? level[s->fcr >> UART_FCR_R_TRIG_SHIFT] : 1;
}

/* The highest-priority pending interrupt, as IIR bits 3:0. */
static uint8_t pending_iir(const struct serial *s)
{
	if ((s->ier & UART_IER_RLSI) && (s->lsr & UART_LSR_BRK_ERROR_BITS))
		return UART_IIR_RLSI;
	if ((s->ier & UART_IER_RDI) && s->rx_count)
		return s->rx_count < rx_trigger(s) ? UART_IIR_RX_TIMEOUT : UART_IIR_RDI;
	if ((s->ier & UART_IER_THRI) && s->thr_ipending)
		return UART_IIR_THRI;
	if ((s->ier & UART_IER_MSI) && (s->msr & UART_MSR_ANY_DELTA))
		return UART_IIR_MSI;
	return UART_IIR_NO_INT;
}

static void update_irq(struct serial *s)
{
	int level = pending_iir(s) != UART_IIR_NO_INT;

	if (level != s->irq_level) {
		s->irq_level = level;
		irq_set(&s->irq, level);
	}
}

static void rx_clear(struct serial *s)
{
	s->rx_head = s->rx_count = 0;
	s->lsr &= ~UART_LSR_DR;
}

static void rx_push(struct serial *s, uint8_t byte)
{
	if (s->rx_count >= fifo_capacity(s)) {
		s->lsr |= UART_LSR_OE;
		return;
	}
	s->rx[(s->rx_head + s->rx_count++) % SERIAL_FIFO_SIZE] = byte;
	s->lsr |= UART_LSR_DR;
}

static uint8_t rx_pop(struct serial *s)
{
	uint8_t byte;

	if (!s->rx_count)
		return 0;
	byte = s->rx[s->rx_head];
	s->rx_head = (s->rx_head + 1) % SERIAL_FIFO_SIZE;
	if (!--s->rx_count)
		s->lsr &= ~UART_LSR_DR;
	return byte;
}

/* MSR as seen in loopback: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD. */
static void loopback_msr(struct serial *s)
{
	uint8_t lines = 0, delta;

	lines |= (s->mcr & UART_MCR_DTR) ? UART_MSR_DSR : 0;
	lines |= (s->mcr & UART_MCR_RTS) ? UART_MSR_CTS : 0;
	lines |= (s->mcr & UART_MCR_OUT1) ? UART_MSR_RI : 0;
	lines |= (s->mcr & UART_MCR_OUT2) ? UART_MSR_DCD : 0;
	/* Delta bits sit 4 below their line; TERI only on RI's trailing edge. */
	delta = (uint8_t)(((lines ^ s->msr) & 0xb0) >> 4);
	if ((s->msr & UART_MSR_RI) && !(lines & UART_MSR_RI))
		delta |= UART_MSR_TERI;
	s->msr = (uint8_t)(lines | (s->msr & UART_MSR_ANY_DELTA) | delta);
}

/* The transmitter's output: the receiver in loopback, else the sink;
 * returns how many bytes left. */
static size_t tx_send(struct serial *s, const uint8_t *buf, size_t n)
{
	if (s->mcr & UART_MCR_LOOP) {
		for (size_t i = 0; i < n; i++)
			rx_push(s, buf[i]);
		return n;
	}
	return s->out.write ? s->out.write(s->out.ctx, buf, n) : n;
}

/* THRE and TEMT follow the transmit FIFO; becoming empty raises the
 * THR-empty interrupt. */
static void tx_update(struct serial *s)
{
	if (s->tx_count) {
		s->lsr &= ~(UART_LSR_THRE | UART_LSR_TEMT);
	} else if (!(s->lsr & UART_LSR_THRE)) {
		s->lsr |= UART_LSR_THRE | UART_LSR_TEMT;
		s->thr_ipending = 1;
	}
}

/* Send the transmit FIFO, oldest byte first, while the sink takes it. */
static void tx_flush(struct serial *s)
{
	while (s->tx_count) {
		unsigned chunk = SERIAL_FIFO_SIZE - s->tx_head;
		size_t n;

		chunk = chunk < s->tx_count ? chunk : s->tx_count;
		n = tx_send(s, s->tx + s->tx_head, chunk);
		if (!n)
			break;
		n = n < chunk ? n : chunk;
		s->tx_head = (unsigned)((s->tx_head + n) % SERIAL_FIFO_SIZE);
		s->tx_count -= (unsigned)n;
	}
	tx_update(s);
}

static void tx_clear(struct serial *s)
{
	s->tx_head = s->tx_count = 0;
	tx_update(s);
}

static void transmit(struct serial *s, uint8_t byte)
{
	/* Writing THR acknowledges the THR-empty interrupt; a byte written
	 * while the FIFO is full is lost, as on the chip. */
	s->thr_ipending = 0;
	if (s->tx_count < fifo_capacity(s)) {
		s->tx[(s->tx_head + s->tx_count++) % SERIAL_FIFO_SIZE] = byte;
		s->lsr &= ~(UART_LSR_THRE | UART_LSR_TEMT);
	}
	tx_flush(s);
}

static void write_fcr(struct serial *s, uint8_t value)
{
	/* Toggling the FIFO enable clears both FIFOs. */
	if ((value ^ s->fcr) & UART_FCR_ENABLE_FIFO) {
		rx_clear(s);
		tx_clear(s);
	}
	if (value & UART_FCR_CLEAR_RCVR)
		rx_clear(s);
	if (value & UART_FCR_CLEAR_XMIT)
		tx_clear(s);
	s->fcr = value & (UART_FCR_ENABLE_FIFO | UART_FCR_TRIGGER_MASK);
}

static void write_ier(struct serial *s, uint8_t value)
{
	uint8_t changed = (value ^ s->ier) & UART_IER_THRI;

	s->ier = value & 0x0f;
	/* Enabling THRI with an empty THR raises the interrupt (drivers rely
	 * on this to start transmission). */
	if (changed)
		s->thr_ipending = (s->ier & UART_IER_THRI) && (s->lsr & UART_LSR_THRE);
}

static void write_mcr(struct serial *s, uint8_t value)
{
	s->mcr = value & 0x1f;
	if (s->mcr & UART_MCR_LOOP)
		loopback_msr(s);
	else
		s->msr = (uint8_t)((s->msr & UART_MSR_ANY_DELTA) | UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS);
}

/* The receiver can take a full FIFO from the line. */
static bool rx_idle(const struct serial *s)
{
	return !s->rx_count && !(s->mcr & UART_MCR_LOOP);
}

/* The end of every entry: the line follows the state, and the board hears
 * of a receiver that drained. */
static void settle(struct serial *s, bool was_idle)
{
	update_irq(s);
	if (!was_idle && rx_idle(s) && s->events.rx_drained)
		s->events.rx_drained(s->events.ctx);
}

static void serial_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct serial *s = dev;
	uint8_t v = (uint8_t)value;
	bool was_idle = rx_idle(s);
	int dlab = s->lcr & UART_LCR_DLAB;

	(void)size;
	switch (offset) {
	case UART_TX: if (dlab) s->dll = v; else transmit(s, v); break;
	case UART_IER: if (dlab) s->dlm = v; else write_ier(s, v); break;
	case UART_FCR: write_fcr(s, v); break;
	case UART_LCR: s->lcr = v; break;
	case UART_MCR: write_mcr(s, v); break;
	case UART_SCR: s->scr = v; break;
	default: break; /* LSR and MSR are read-only (factory test writes ignored) */
	}
	settle(s, was_idle);
}

static uint8_t read_iir(struct serial *s)
{
	uint8_t iir = pending_iir(s);

	/* Reading IIR acknowledges a THR-empty interrupt. */
	if (iir == UART_IIR_THRI)
		s->thr_ipending = 0;
	if (s->fcr & UART_FCR_ENABLE_FIFO)
		iir |= 0xc0;
	return iir;
}

static uint8_t read_lsr(struct serial *s)
{
	uint8_t lsr = s->lsr;

	s->lsr &= ~UART_LSR_BRK_ERROR_BITS;
	return lsr;
}

static uint8_t read_msr(struct serial *s)
{
	uint8_t msr = s->msr;

	s->msr &= ~UART_MSR_ANY_DELTA;
	return msr;
}

static uint64_t serial_read(void *dev, uint64_t offset, unsigned size)
{
	struct serial *s = dev;
	uint8_t v = 0xff;
	bool was_idle = rx_idle(s);
	int dlab = s->lcr & UART_LCR_DLAB;

	(void)size;
	switch (offset) {
	case UART_RX: v = dlab ? s->dll : rx_pop(s); break;
	case UART_IER: v = dlab ? s->dlm : s->ier; break;
	case UART_IIR: v = read_iir(s); break;
	case UART_LCR: v = s->lcr; break;
	case UART_MCR: v = s->mcr; break;
	case UART_LSR: v = read_lsr(s); break;
	case UART_MSR: v = read_msr(s); break;
	case UART_SCR: v = s->scr; break;
	}
	settle(s, was_idle);
	return v;
}

const struct bus_ops serial_ops = {
	.name = "serial",
	.sizes = BUS_SIZE_1,
	.read = serial_read,
	.write = serial_write,
};

static void reset_state(struct serial *s)
{
	s->ier = s->lcr = s->scr = s->fcr = 0;
	s->mcr = UART_MCR_OUT2;
	s->lsr = UART_LSR_TEMT | UART_LSR_THRE;
	s->msr = UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	s->dll = 0x0c; /* 9600 baud */
	s->dlm = 0;
	s->thr_ipending = 0;
	s->tx_head = s->tx_count = 0;
	rx_clear(s);
	update_irq(s);
}

void serial_init(struct serial *s, struct irq_line irq, struct serial_sink out,
		 struct serial_events events)
{
	memset(s, 0, sizeof(*s));
	s->irq = irq;
	s->out = out;
	s->events = events;
	reset_state(s);
}

void serial_reset(struct serial *s)
{
	bool was_idle = rx_idle(s);

	reset_state(s);
	settle(s, was_idle);
}

size_t serial_rx_room(struct serial *s)
{
	return (s->mcr & UART_MCR_LOOP) ? 0 : fifo_capacity(s) - s->rx_count;
}

size_t serial_receive(struct serial *s, const uint8_t *buf, size_t n)
{
	size_t i = 0;

	/* In loopback the receiver is disconnected from the line. */
	while (!(s->mcr & UART_MCR_LOOP) && i < n && s->rx_count < fifo_capacity(s))
		rx_push(s, buf[i++]);
	update_irq(s);
	return i;
}

void serial_tx_ready(struct serial *s)
{
	tx_flush(s);
	update_irq(s);
}
