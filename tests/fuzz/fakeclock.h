/* fakeclock.h: a clock that a test steps by hand (or the fuzz input moves
 * forward), and a timer that only remembers its deadline, for the timer
 * devices (PIT, RTC); the unit tests and the fuzzers share it. */
#ifndef MVM_FUZZ_FAKECLOCK_H
#define MVM_FUZZ_FAKECLOCK_H

#include "core/clock.h"

struct fakeclock {
	uint64_t now;	   /* the monotonic clock, ns */
	int64_t wall_base; /* the wall clock reads wall_base + now */
	uint64_t deadline; /* the timer's last deadline (0: disarmed) */
	int arms;	   /* how often the timer was armed */
};

/* A fresh clock at (now), its wall clock at (wall), both in ns. */
static inline void fakeclock_start(struct fakeclock *c, uint64_t now, int64_t wall)
{
	*c = (struct fakeclock){ .now = now, .wall_base = wall - (int64_t)now };
}

static uint64_t fake_now(void *ctx)
{
	return ((struct fakeclock *)ctx)->now;
}

static int64_t fake_realtime(void *ctx)
{
	struct fakeclock *c = ctx;

	return c->wall_base + (int64_t)c->now;
}

static void fake_arm(void *ctx, uint64_t deadline)
{
	struct fakeclock *c = ctx;

	c->deadline = deadline;
	c->arms++;
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
