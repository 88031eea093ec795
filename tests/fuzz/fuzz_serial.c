/* fuzz_serial.c: 16550A register sequences mixed with host input and with a
 * host side that takes some, none or all of the output. */
#include <linux/serial_reg.h>

#include "dev/serial.h"
#include "fuzz.h"

static struct serial s;
static size_t accept; /* bytes the sink takes before the host stops reading */

static size_t sink(void *ctx, const uint8_t *buf, size_t n)
{
	(void)ctx;
	(void)buf;
	n = n < accept ? n : accept;
	accept -= n;
	return n;
}

/* The transmitter is empty exactly when its FIFO is, and never overfull. */
static void check_transmitter(void)
{
	if (s.tx_count > SERIAL_FIFO_SIZE || !(s.lsr & UART_LSR_THRE) != !!s.tx_count ||
	    !(s.lsr & UART_LSR_TEMT) != !!s.tx_count)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	static int ready;

	if (!ready) {
		serial_init(&s, (struct irq_line){ 0 }, (struct serial_sink){ sink, NULL },
			    (struct serial_events){ 0 });
		ready = 1;
	}
	serial_reset(&s);
	accept = (size_t)-1;
	while (in.n) {
		if ((in.p[0] & 0xf0) == 0xf0) { /* host input of up to 16 bytes */
			unsigned n = in.p[0] & 0xf;

			fuzz_take(&in, 1);
			n = n < in.n ? n : (unsigned)in.n;
			serial_receive(&s, in.p, n);
			fuzz_take(&in, n);
		} else if ((in.p[0] & 0xf0) == 0xe0) { /* the host reads 0-14 bytes, or all */
			unsigned n = (unsigned)fuzz_take(&in, 1) & 0xf;

			accept = n == 0xf ? (size_t)-1 : n;
			serial_tx_ready(&s);
		} else if (!fuzz_access(&in, &serial_ops, &s, 8)) {
			break;
		}
		check_transmitter();
	}
	return 0;
}
