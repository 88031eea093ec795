/* fuzz_rtc.c: MC146818 index/data sequences with time passing and
 * periodic/update/alarm timer expiries. */
#include "dev/rtc.h"
#include "fakeclock.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fakeclock clk;
	static struct rtc rtc;
	struct fuzz_in in = { data, size };

	clk.now = 1000000000ULL;
	rtc_init(&rtc, (struct irq_line){ 0 }, fake_vclock(&clk), fake_vtimer(&clk));
	while (in.n) {
		uint8_t c = in.p[0];

		if (c >= 0xf0) {
			fuzz_take(&in, 1);
			if (c & 1)
				clk.now += fuzz_take(&in, 5); /* up to ~18 minutes */
			else
				rtc_timer_expired(&rtc);
		} else if (!fuzz_access(&in, &rtc_ops, &rtc, 2)) {
			break;
		}
	}
	return 0;
}
