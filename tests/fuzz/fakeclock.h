/* fakeclock.h: a clock the fuzz input moves forward, and a timer that only
 * remembers its deadline, for the timer devices (PIT, RTC). */
#ifndef MVM_FUZZ_FAKECLOCK_H
#define MVM_FUZZ_FAKECLOCK_H

#include "core/clock.h"

struct fakeclock {
	uint64_t now, deadline;
};

static uint64_t fake_now(void *ctx)
{
	return ((struct fakeclock *)ctx)->now;
}

static int64_t fake_realtime(void *ctx)
{
	return 1700000000LL * 1000000000LL + (int64_t)((struct fakeclock *)ctx)->now;
}

static void fake_arm(void *ctx, uint64_t deadline)
{
	((struct fakeclock *)ctx)->deadline = deadline;
}

static inline struct vclock fake_vclock(struct fakeclock *c)
{
	return (struct vclock){ fake_now, fake_realtime, c };
}

static inline struct vtimer fake_vtimer(struct fakeclock *c)
{
	return (struct vtimer){ fake_arm, c };
}

#endif
