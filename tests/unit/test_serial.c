/* test_serial.c: every 16550A register through the bus interface. */
#include <linux/serial_reg.h>
#include <string.h>

#include "check.h"
#include "dev/serial.h"

struct fakes {
	int irq_level;
	int irq_changes;
	uint8_t out[64];
	size_t nout;
	size_t accept; /* bytes the host side takes before it stops reading */
	unsigned sink_calls;
	unsigned drained; /* rx_drained events */
};

static void record_irq(void *ctx, unsigned gsi, int level)
{
	struct fakes *f = ctx;

	(void)gsi;
	f->irq_level = level;
	f->irq_changes++;
}

static size_t record_out(void *ctx, const uint8_t *buf, size_t n)
{
	struct fakes *f = ctx;

	f->sink_calls++;
	n = n < f->accept ? n : f->accept;
	n = n < sizeof(f->out) - f->nout ? n : sizeof(f->out) - f->nout;
	memcpy(f->out + f->nout, buf, n);
	f->nout += n;
	f->accept -= n;
	return n;
}

static void record_drained(void *ctx)
{
	struct fakes *f = ctx;

	f->drained++;
}

static struct fakes f;
static struct serial s;

static void setup(void)
{
	memset(&f, 0, sizeof(f));
	f.accept = (size_t)-1;
	serial_init(&s, (struct irq_line){ record_irq, &f, 4 }, (struct serial_sink){ record_out, &f },
		    (struct serial_events){ record_drained, &f });
}

static uint8_t rd(unsigned reg)
{
	return (uint8_t)serial_ops.read(&s, reg, 1);
}

static void wr(unsigned reg, uint8_t v)
{
	serial_ops.write(&s, reg, 1, v);
}

static void test_serial_reset_values(void)
{
	setup();
	CHECK_EQ(rd(UART_IER), 0);
	CHECK_EQ(rd(UART_IIR), UART_IIR_NO_INT);
	CHECK_EQ(rd(UART_LCR), 0);
	CHECK_EQ(rd(UART_MCR), UART_MCR_OUT2);
	CHECK_EQ(rd(UART_LSR), UART_LSR_TEMT | UART_LSR_THRE);
	CHECK_EQ(rd(UART_MSR), UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS);
	CHECK_EQ(rd(UART_SCR), 0);
	CHECK_EQ(f.irq_level, 0);
}

static void test_serial_scratch_holds_value(void)
{
	setup();
	wr(UART_SCR, 0xa5);
	CHECK_EQ(rd(UART_SCR), 0xa5);
}

static void test_serial_dlab_exposes_divisor(void)
{
	setup();
	wr(UART_LCR, UART_LCR_DLAB | UART_LCR_WLEN8);
	CHECK_EQ(rd(UART_DLL), 0x0c); /* 9600 baud at reset */
	CHECK_EQ(rd(UART_DLM), 0);
	wr(UART_DLL, 0x01);
	wr(UART_DLM, 0x02);
	CHECK_EQ(rd(UART_DLL), 0x01);
	CHECK_EQ(rd(UART_DLM), 0x02);
	CHECK_EQ(f.nout, 0); /* DLL writes are not transmitted */
	wr(UART_LCR, UART_LCR_WLEN8);
	CHECK_EQ(rd(UART_IER), 0);
	CHECK_EQ(rd(UART_LCR), UART_LCR_WLEN8);
}

static void test_serial_thr_write_goes_to_sink(void)
{
	setup();
	wr(UART_TX, 'h');
	wr(UART_TX, 'i');
	CHECK_EQ(f.nout, 2);
	CHECK(!memcmp(f.out, "hi", 2));
	CHECK_EQ(rd(UART_LSR) & (UART_LSR_THRE | UART_LSR_TEMT), UART_LSR_THRE | UART_LSR_TEMT);
}

static void test_serial_enabling_thri_raises_irq_and_iir_read_clears_it(void)
{
	setup();
	wr(UART_IER, UART_IER_THRI);
	CHECK_EQ(f.irq_level, 1);
	CHECK_EQ(rd(UART_IIR), UART_IIR_THRI);
	CHECK_EQ(f.irq_level, 0);
	CHECK_EQ(rd(UART_IIR), UART_IIR_NO_INT);
}

static void test_serial_thr_write_rearms_thri(void)
{
	setup();
	wr(UART_IER, UART_IER_THRI);
	rd(UART_IIR);
	wr(UART_TX, 'x');
	CHECK_EQ(f.irq_level, 1);
	CHECK_EQ(rd(UART_IIR), UART_IIR_THRI);
}

static void test_serial_ier_keeps_low_four_bits(void)
{
	setup();
	wr(UART_IER, 0xff);
	CHECK_EQ(rd(UART_IER), 0x0f);
}

static void test_serial_receive_sets_dr_and_rdi(void)
{
	setup();
	wr(UART_IER, UART_IER_RDI);
	CHECK_EQ(serial_receive(&s, (const uint8_t *)"a", 1), 1);
	CHECK_EQ(rd(UART_LSR) & UART_LSR_DR, UART_LSR_DR);
	CHECK_EQ(f.irq_level, 1);
	CHECK_EQ(rd(UART_IIR), UART_IIR_RDI);
	CHECK_EQ(rd(UART_RX), 'a');
	CHECK_EQ(rd(UART_LSR) & UART_LSR_DR, 0);
	CHECK_EQ(f.irq_level, 0);
}

static void test_serial_without_fifo_holds_one_byte(void)
{
	setup();
	CHECK_EQ(serial_rx_room(&s), 1);
	CHECK_EQ(serial_receive(&s, (const uint8_t *)"abc", 3), 1);
	CHECK_EQ(serial_rx_room(&s), 0);
}

static void test_serial_fifo_holds_sixteen_bytes_in_order(void)
{
	uint8_t in[20];

	setup();
	for (unsigned i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)i;
	wr(UART_FCR, UART_FCR_ENABLE_FIFO);
	CHECK_EQ(serial_receive(&s, in, sizeof(in)), SERIAL_FIFO_SIZE);
	for (unsigned i = 0; i < SERIAL_FIFO_SIZE; i++)
		CHECK_EQ(rd(UART_RX), i);
	CHECK_EQ(rd(UART_LSR) & UART_LSR_DR, 0);
}

static void test_serial_fifo_below_trigger_reports_timeout(void)
{
	setup();
	wr(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_TRIGGER_4);
	wr(UART_IER, UART_IER_RDI);
	serial_receive(&s, (const uint8_t *)"ab", 2);
	CHECK_EQ(rd(UART_IIR), 0xc0 | UART_IIR_RX_TIMEOUT);
	serial_receive(&s, (const uint8_t *)"cd", 2);
	CHECK_EQ(rd(UART_IIR), 0xc0 | UART_IIR_RDI);
}

static void test_serial_fcr_clear_rcvr_empties_fifo(void)
{
	setup();
	wr(UART_FCR, UART_FCR_ENABLE_FIFO);
	serial_receive(&s, (const uint8_t *)"abc", 3);
	wr(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR);
	CHECK_EQ(rd(UART_LSR) & UART_LSR_DR, 0);
	CHECK_EQ(serial_rx_room(&s), SERIAL_FIFO_SIZE);
}

static void test_serial_iir_shows_fifo_enabled_bits(void)
{
	setup();
	wr(UART_FCR, UART_FCR_ENABLE_FIFO);
	CHECK_EQ(rd(UART_IIR), 0xc0 | UART_IIR_NO_INT);
	wr(UART_FCR, 0);
	CHECK_EQ(rd(UART_IIR), UART_IIR_NO_INT);
}

static void test_serial_lcr_write_does_not_touch_fifo(void)
{
	/* The FCR/LCR confusion a register-level test catches: 8N1 = 0x03. */
	setup();
	wr(UART_FCR, UART_FCR_ENABLE_FIFO);
	serial_receive(&s, (const uint8_t *)"ab", 2);
	wr(UART_LCR, UART_LCR_WLEN8);
	CHECK_EQ(rd(UART_RX), 'a');
	CHECK_EQ(rd(UART_LCR), UART_LCR_WLEN8);
}

static void test_serial_loopback_mirrors_mcr_in_msr(void)
{
	/* Linux's 8250 probe: LOOP|OUT2|RTS must read back DCD|CTS (0x90). */
	setup();
	wr(UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2 | UART_MCR_RTS);
	CHECK_EQ(rd(UART_MSR) & 0xf0, 0x90);
	wr(UART_MCR, UART_MCR_LOOP | UART_MCR_DTR | UART_MCR_OUT1);
	CHECK_EQ(rd(UART_MSR) & 0xf0, UART_MSR_DSR | UART_MSR_RI);
}

static void test_serial_loopback_msr_deltas(void)
{
	setup();
	wr(UART_MCR, UART_MCR_LOOP);
	rd(UART_MSR); /* clear the deltas of entering loopback */
	wr(UART_MCR, UART_MCR_LOOP | UART_MCR_RTS | UART_MCR_OUT1);
	CHECK_EQ(rd(UART_MSR), UART_MSR_CTS | UART_MSR_RI | UART_MSR_DCTS);
	wr(UART_MCR, UART_MCR_LOOP);
	CHECK_EQ(rd(UART_MSR), UART_MSR_DCTS | UART_MSR_TERI);
	CHECK_EQ(rd(UART_MSR), 0);
}

static void test_serial_msi_interrupt_on_modem_delta(void)
{
	setup();
	wr(UART_MCR, UART_MCR_LOOP);
	rd(UART_MSR);
	wr(UART_IER, UART_IER_MSI);
	wr(UART_MCR, UART_MCR_LOOP | UART_MCR_DTR);
	CHECK_EQ(f.irq_level, 1);
	CHECK_EQ(rd(UART_IIR), UART_IIR_MSI);
	rd(UART_MSR);
	CHECK_EQ(f.irq_level, 0);
}

static void test_serial_loopback_sends_tx_to_rx_not_sink(void)
{
	setup();
	wr(UART_MCR, UART_MCR_LOOP);
	wr(UART_TX, 'z');
	CHECK_EQ(f.nout, 0);
	CHECK_EQ(rd(UART_LSR) & UART_LSR_DR, UART_LSR_DR);
	CHECK_EQ(rd(UART_RX), 'z');
	CHECK_EQ(serial_receive(&s, (const uint8_t *)"q", 1), 0); /* line disconnected */
}

static void test_serial_overrun_sets_oe_and_rls_until_lsr_read(void)
{
	setup();
	wr(UART_MCR, UART_MCR_LOOP);
	wr(UART_IER, UART_IER_RLSI);
	wr(UART_TX, '1');
	wr(UART_TX, '2'); /* no FIFO: the holding register is full */
	CHECK_EQ(f.irq_level, 1);
	CHECK_EQ(rd(UART_IIR), UART_IIR_RLSI);
	CHECK_EQ(rd(UART_LSR) & UART_LSR_OE, UART_LSR_OE);
	CHECK_EQ(rd(UART_LSR) & UART_LSR_OE, 0);
	CHECK_EQ(f.irq_level, 0);
	CHECK_EQ(rd(UART_RX), '1');
}

static void test_serial_interrupt_priority(void)
{
	setup();
	wr(UART_IER, UART_IER_RDI | UART_IER_THRI);
	serial_receive(&s, (const uint8_t *)"a", 1);
	CHECK_EQ(rd(UART_IIR), UART_IIR_RDI);
	rd(UART_RX);
	CHECK_EQ(rd(UART_IIR), UART_IIR_THRI);
}

static void test_serial_lsr_msr_writes_are_ignored(void)
{
	setup();
	wr(UART_LSR, 0);
	wr(UART_MSR, 0);
	CHECK_EQ(rd(UART_LSR), UART_LSR_TEMT | UART_LSR_THRE);
	CHECK_EQ(rd(UART_MSR), UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS);
}

static void test_serial_reset_clears_state_and_irq(void)
{
	setup();
	wr(UART_IER, UART_IER_THRI);
	wr(UART_SCR, 7);
	serial_reset(&s);
	CHECK_EQ(f.irq_level, 0);
	CHECK_EQ(rd(UART_IER), 0);
	CHECK_EQ(rd(UART_SCR), 0);
}

static void test_serial_irq_changes_only_on_level_change(void)
{
	setup();
	wr(UART_IER, UART_IER_THRI);
	wr(UART_SCR, 1);
	wr(UART_SCR, 2);
	CHECK_EQ(f.irq_changes, 1);
}

static const uint8_t BOTH_EMPTY = UART_LSR_THRE | UART_LSR_TEMT;

/* ---- transmit back-pressure: a host that does not read ---- */

static void write_bytes(unsigned n, uint8_t first)
{
	for (unsigned i = 0; i < n; i++)
		wr(UART_TX, (uint8_t)(first + i));
}

static void test_serial_unread_host_keeps_transmitter_busy(void)
{
	setup();
	f.accept = 0;
	wr(UART_TX, 'a');
	CHECK_EQ(rd(UART_LSR) & BOTH_EMPTY, 0);
	CHECK_EQ(f.nout, 0);
}

static void test_serial_fifo_holds_sixteen_bytes_for_an_unread_host(void)
{
	setup();
	wr(UART_FCR, UART_FCR_ENABLE_FIFO);
	f.accept = 0;
	write_bytes(SERIAL_FIFO_SIZE + 4, 'a'); /* the last 4: FIFO full, lost */
	CHECK_EQ(rd(UART_LSR) & BOTH_EMPTY, 0);
	f.accept = (size_t)-1;
	serial_tx_ready(&s);
	CHECK_EQ(f.nout, SERIAL_FIFO_SIZE);
	for (unsigned i = 0; i < SERIAL_FIFO_SIZE; i++)
		CHECK_EQ(f.out[i], 'a' + i);
	CHECK_EQ(rd(UART_LSR) & BOTH_EMPTY, BOTH_EMPTY);
}

static void test_serial_without_fifo_holding_register_keeps_one_byte(void)
{
	setup();
	f.accept = 0;
	wr(UART_TX, 'x');
	wr(UART_TX, 'y'); /* THR still full: lost */
	f.accept = (size_t)-1;
	serial_tx_ready(&s);
	CHECK_EQ(f.nout, 1);
	CHECK_EQ(f.out[0], 'x');
}

static void test_serial_drain_sets_thre_and_raises_thri(void)
{
	setup();
	wr(UART_FCR, UART_FCR_ENABLE_FIFO);
	wr(UART_IER, UART_IER_THRI);
	CHECK_EQ(rd(UART_IIR), 0xc0 | UART_IIR_THRI); /* acknowledged */
	f.accept = 0;
	write_bytes(3, '1');
	CHECK_EQ(f.irq_level, 0);
	CHECK_EQ(rd(UART_IIR), 0xc0 | UART_IIR_NO_INT);
	f.accept = (size_t)-1;
	serial_tx_ready(&s);
	CHECK_EQ(f.irq_level, 1);
	CHECK_EQ(rd(UART_LSR) & BOTH_EMPTY, BOTH_EMPTY);
	CHECK_EQ(rd(UART_IIR), 0xc0 | UART_IIR_THRI);
	CHECK_EQ(f.irq_level, 0);
}

static void test_serial_partial_drain_keeps_order_and_thre_clear(void)
{
	setup();
	wr(UART_FCR, UART_FCR_ENABLE_FIFO);
	f.accept = 2;
	write_bytes(5, 'a'); /* "ab" taken, "cde" wait */
	CHECK_EQ(f.nout, 2);
	f.accept = 1;
	serial_tx_ready(&s);
	CHECK_EQ(f.nout, 3);
	CHECK_EQ(rd(UART_LSR) & BOTH_EMPTY, 0);
	write_bytes(2, 'f'); /* queued behind "de", not sent ahead of them */
	CHECK_EQ(f.nout, 3);
	f.accept = (size_t)-1;
	serial_tx_ready(&s);
	CHECK_EQ(f.nout, 7);
	CHECK(!memcmp(f.out, "abcdefg", 7));
	CHECK_EQ(rd(UART_LSR) & BOTH_EMPTY, BOTH_EMPTY);
}

static void test_serial_fifo_wraps_around_across_drains(void)
{
	setup();
	wr(UART_FCR, UART_FCR_ENABLE_FIFO);
	for (unsigned round = 0; round < 3; round++) {
		f.accept = 0;
		write_bytes(11, (uint8_t)('A' + 11 * round));
		f.accept = (size_t)-1;
		serial_tx_ready(&s);
	}
	CHECK_EQ(f.nout, 33);
	for (unsigned i = 0; i < 33; i++)
		CHECK_EQ(f.out[i], 'A' + i);
}

static void test_serial_ready_with_nothing_queued_changes_nothing(void)
{
	setup();
	wr(UART_IER, UART_IER_THRI);
	rd(UART_IIR);
	serial_tx_ready(&s);
	CHECK_EQ(f.irq_level, 0);
	CHECK_EQ(f.sink_calls, 0);
	CHECK_EQ(rd(UART_LSR) & BOTH_EMPTY, BOTH_EMPTY);
}

static void test_serial_clear_xmit_empties_the_waiting_bytes(void)
{
	setup();
	wr(UART_FCR, UART_FCR_ENABLE_FIFO);
	f.accept = 0;
	write_bytes(4, 'a');
	wr(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_XMIT);
	CHECK_EQ(rd(UART_LSR) & BOTH_EMPTY, BOTH_EMPTY);
	f.accept = (size_t)-1;
	serial_tx_ready(&s);
	CHECK_EQ(f.nout, 0);
}

static void test_serial_reset_empties_the_waiting_bytes(void)
{
	setup();
	f.accept = 0;
	wr(UART_TX, 'a');
	serial_reset(&s);
	CHECK_EQ(rd(UART_LSR), BOTH_EMPTY);
	f.accept = (size_t)-1;
	serial_tx_ready(&s);
	CHECK_EQ(f.nout, 0);
}

static void test_serial_loopback_transmits_even_with_an_unread_host(void)
{
	setup();
	f.accept = 0;
	wr(UART_MCR, UART_MCR_LOOP);
	wr(UART_TX, 'z');
	CHECK_EQ(rd(UART_LSR) & (BOTH_EMPTY | UART_LSR_DR), BOTH_EMPTY | UART_LSR_DR);
	CHECK_EQ(rd(UART_RX), 'z');
	CHECK_EQ(f.sink_calls, 0);
}

static void test_serial_reading_the_last_byte_tells_the_board(void)
{
	setup();
	wr(UART_FCR, UART_FCR_ENABLE_FIFO);
	serial_receive(&s, (const uint8_t *)"ab", 2);
	rd(UART_RX);
	CHECK_EQ(f.drained, 0); /* one byte still there */
	rd(UART_RX);
	CHECK_EQ(f.drained, 1);
	rd(UART_RX); /* already empty: nothing new */
	CHECK_EQ(f.drained, 1);
}

static void test_serial_clearing_the_fifo_tells_the_board(void)
{
	setup();
	wr(UART_FCR, UART_FCR_ENABLE_FIFO);
	serial_receive(&s, (const uint8_t *)"abc", 3);
	wr(UART_FCR, UART_FCR_ENABLE_FIFO | UART_FCR_CLEAR_RCVR);
	CHECK_EQ(f.drained, 1);
}

static void test_serial_leaving_loopback_tells_the_board(void)
{
	setup();
	wr(UART_MCR, UART_MCR_LOOP);
	CHECK_EQ(f.drained, 0);
	wr(UART_MCR, 0); /* the receiver is on the line again */
	CHECK_EQ(f.drained, 1);
}

static void test_serial_reset_with_input_tells_the_board(void)
{
	setup();
	serial_receive(&s, (const uint8_t *)"a", 1);
	serial_reset(&s);
	CHECK_EQ(f.drained, 1);
}

int main(void)
{
	RUN(test_serial_reset_values);
	RUN(test_serial_reading_the_last_byte_tells_the_board);
	RUN(test_serial_clearing_the_fifo_tells_the_board);
	RUN(test_serial_leaving_loopback_tells_the_board);
	RUN(test_serial_reset_with_input_tells_the_board);
	RUN(test_serial_scratch_holds_value);
	RUN(test_serial_dlab_exposes_divisor);
	RUN(test_serial_thr_write_goes_to_sink);
	RUN(test_serial_enabling_thri_raises_irq_and_iir_read_clears_it);
	RUN(test_serial_thr_write_rearms_thri);
	RUN(test_serial_ier_keeps_low_four_bits);
	RUN(test_serial_receive_sets_dr_and_rdi);
	RUN(test_serial_without_fifo_holds_one_byte);
	RUN(test_serial_fifo_holds_sixteen_bytes_in_order);
	RUN(test_serial_fifo_below_trigger_reports_timeout);
	RUN(test_serial_fcr_clear_rcvr_empties_fifo);
	RUN(test_serial_iir_shows_fifo_enabled_bits);
	RUN(test_serial_lcr_write_does_not_touch_fifo);
	RUN(test_serial_loopback_mirrors_mcr_in_msr);
	RUN(test_serial_loopback_msr_deltas);
	RUN(test_serial_msi_interrupt_on_modem_delta);
	RUN(test_serial_loopback_sends_tx_to_rx_not_sink);
	RUN(test_serial_overrun_sets_oe_and_rls_until_lsr_read);
	RUN(test_serial_interrupt_priority);
	RUN(test_serial_lsr_msr_writes_are_ignored);
	RUN(test_serial_reset_clears_state_and_irq);
	RUN(test_serial_irq_changes_only_on_level_change);
	RUN(test_serial_unread_host_keeps_transmitter_busy);
	RUN(test_serial_fifo_holds_sixteen_bytes_for_an_unread_host);
	RUN(test_serial_without_fifo_holding_register_keeps_one_byte);
	RUN(test_serial_drain_sets_thre_and_raises_thri);
	RUN(test_serial_partial_drain_keeps_order_and_thre_clear);
	RUN(test_serial_fifo_wraps_around_across_drains);
	RUN(test_serial_ready_with_nothing_queued_changes_nothing);
	RUN(test_serial_clear_xmit_empties_the_waiting_bytes);
	RUN(test_serial_reset_empties_the_waiting_bytes);
	RUN(test_serial_loopback_transmits_even_with_an_unread_host);
	return check_summary("serial");
}
