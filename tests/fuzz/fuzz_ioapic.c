/* fuzz_ioapic.c: IOAPIC index/window and EOI-register sequences, with
 * input pins moving and EOIs from the local APIC side. */
#include "dev/ioapic.h"
#include "fuzz.h"

static void sink(void *ctx, unsigned pin, struct ioapic_msi msi)
{
	(void)ctx;
	(void)pin;
	(void)msi;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ioapic io;
	static int ready;
	struct fuzz_in in = { data, size };

	if (!ready) {
		ioapic_init(&io, (struct ioapic_sink){ sink, sink, NULL });
		ready = 1;
	}
	ioapic_reset(&io);
	for (unsigned pin = 0; pin < IOAPIC_NPINS; pin++)
		ioapic_set_irq(&io, pin, 0);
	while (in.n) {
		uint8_t c = in.p[0];

		if (c >= 0xc0) {
			fuzz_take(&in, 1);
			if (c & 0x20)
				ioapic_set_irq(&io, c & 0x1f, c & 1);
			else
				ioapic_eoi(&io, (unsigned)fuzz_take(&in, 1));
		} else if (!fuzz_access(&in, &ioapic_ops, &io, IOAPIC_SIZE)) {
			break;
		}
	}
	return 0;
}
