/* fuzz_pit.c: i8254 port sequences, gate changes, time passing and timer
 * expiries in any order. */
#include "dev/pit.h"
#include "fakeclock.h"
#include "fuzz.h"

static struct fakeclock clk;
static struct pit pit;

static void event(uint8_t c, struct fuzz_in *in)
{
	switch (c & 0x18) {
	case 0x00:
		pit_timer_expired(&pit);
		break;
	case 0x08:
		pit_set_gate(&pit, c & 7, c & 1);
		break;
	default: /* time passes: up to ~4 s */
		clk.now += fuzz_take(in, 4);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fakeclock_start(&clk, 1000000000ULL, 1700000001LL * 1000000000LL);
	pit_init(&pit, (struct irq_line){ 0 }, fake_vclock(&clk), fake_vtimer(&clk));
	fuzz_events_and_accesses(data, size, &pit_ops, &pit, 4, 0xe0, event);
	return 0;
}
