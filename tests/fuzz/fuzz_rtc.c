/* fuzz_rtc.c: MC146818 index/data sequences with time passing and
 * periodic/update/alarm timer expiries. */
#include "dev/rtc.h"
#include "fakeclock.h"
#include "fuzz.h"

static struct fakeclock clk;
static struct rtc rtc;

static void event(uint8_t c, struct fuzz_in *in)
{
	if (c & 1)
		clk.now += fuzz_take(in, 5); /* up to ~18 minutes */
	else
		rtc_timer_expired(&rtc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fakeclock_start(&clk, 1000000000ULL, 1700000001LL * 1000000000LL);
	rtc_init(&rtc, (struct irq_line){ 0 }, fake_vclock(&clk), fake_vtimer(&clk));
	fuzz_events_and_accesses(data, size, &rtc_ops, &rtc, 2, 0xf0, event);
	return 0;
}
