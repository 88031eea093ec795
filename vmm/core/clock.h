/*
 * clock.h: time and timers as devices see them.
 *
 * Devices never read host clocks or arm host timers themselves: the board
 * injects a vclock and, for devices with time-driven interrupts, a vtimer.
 * Unit tests inject fakes and step time by hand.
 */
#ifndef MVM_CLOCK_H
#define MVM_CLOCK_H

#include <stdint.h>

struct vclock {
	/* Monotonic nanoseconds (CLOCK_MONOTONIC in mvm). */
	uint64_t (*monotonic_ns)(void *ctx);
	/* Wall-clock nanoseconds since the Unix epoch (CLOCK_REALTIME in mvm). */
	int64_t (*realtime_ns)(void *ctx);
	void *ctx;
};

/*
 * A one-shot timer owned by one device.  The device calls arm() with an
 * absolute monotonic deadline (0 disarms; a new call replaces the previous
 * deadline).  When the deadline passes, the board calls the device's
 * "timer expired" function from its event loop thread, without any device
 * lock held; the device re-arms from there if it needs to.
 */
struct vtimer {
	void (*arm)(void *ctx, uint64_t deadline_ns);
	void *ctx;
};

static inline uint64_t vclock_now(const struct vclock *c)
{
	return c->monotonic_ns(c->ctx);
}

static inline void vtimer_arm(const struct vtimer *t, uint64_t deadline_ns)
{
	if (t->arm)
		t->arm(t->ctx, deadline_ns);
}

#endif
