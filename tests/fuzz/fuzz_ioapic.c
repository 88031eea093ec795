/* fuzz_ioapic.c: IOAPIC index/window and EOI-register sequences, with
 * input pins moving and EOIs from the local APIC side. */
#include "dev/ioapic.h"
#include "fuzz.h"

static struct ioapic io;

static void sink(void *ctx, unsigned pin, struct ioapic_msi msi)
{
	(void)ctx;
	(void)pin;
	(void)msi;
}

/* 0xe0-0xff: input pin (c & 0x1f) to level (c & 1); 0xc0-0xdf: an EOI
 * for the vector in the next byte. */
static void event(uint8_t c, struct fuzz_in *in)
{
	if (c & 0x20)
		ioapic_set_irq(&io, c & 0x1f, c & 1);
	else
		ioapic_eoi(&io, (unsigned)fuzz_take(in, 1));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ioapic_init(&io, (struct ioapic_sink){ sink, sink, NULL });
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ioapic_reset(&io);
	for (unsigned pin = 0; pin < IOAPIC_NPINS; pin++)
		ioapic_set_irq(&io, pin, 0);
	fuzz_events_and_accesses(data, size, &ioapic_ops, &io, IOAPIC_SIZE, 0xc0, event);
	return 0;
}
