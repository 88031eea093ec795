/* fuzz_pit.c: i8254 port sequences, gate changes, time passing and timer
 * expiries in any order. */
#include "dev/pit.h"
#include "fakeclock.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fakeclock clk;
	static struct pit pit;
	struct fuzz_in in = { data, size };

	clk.now = 1000000000ULL;
	pit_init(&pit, (struct irq_line){ 0 }, fake_vclock(&clk), fake_vtimer(&clk));
	while (in.n) {
		uint8_t c = in.p[0];

		if (c >= 0xe0) {
			fuzz_take(&in, 1);
			if (c & 0x10) /* time passes: up to ~4 s */
				clk.now += fuzz_take(&in, 4);
			else if (c & 0x08)
				pit_set_gate(&pit, c & 7, c & 1);
			else
				pit_timer_expired(&pit);
		} else if (!fuzz_access(&in, &pit_ops, &pit, 4)) {
			break;
		}
	}
	return 0;
}
