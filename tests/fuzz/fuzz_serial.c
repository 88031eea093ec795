/* fuzz_serial.c: 16550A register sequences mixed with host input. */
#include "dev/serial.h"
#include "fuzz.h"

static struct serial s;

static void sink(void *ctx, const uint8_t *buf, size_t n)
{
	(void)ctx;
	(void)buf;
	(void)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	static int ready;

	if (!ready) {
		serial_init(&s, (struct irq_line){ 0 }, (struct serial_sink){ sink, NULL });
		ready = 1;
	}
	serial_reset(&s);
	while (in.n) {
		if ((in.p[0] & 0xf0) == 0xf0) { /* host input of up to 16 bytes */
			unsigned n = in.p[0] & 0xf;

			fuzz_take(&in, 1);
			n = n < in.n ? n : (unsigned)in.n;
			serial_receive(&s, in.p, n);
			fuzz_take(&in, n);
		} else if (!fuzz_access(&in, &serial_ops, &s, 8)) {
			break;
		}
	}
	return 0;
}
