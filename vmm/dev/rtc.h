/*
 * rtc.h: MC146818A real-time clock and its 128 bytes of CMOS (ports 0x70-0x71, IRQ 8).
 *
 * Spec: Motorola MC146818A datasheet; where it is silent or ambiguous, QEMU's
 * hw/rtc/mc146818rtc.c with base_year 2000 (year register = year % 100, the
 * century byte 0x32 = year / 100).  Port 0x70 (offset 0) is the index: bits
 * 6:0 select the register, bit 7 is the chipset's NMI-mask bit, stored and
 * exposed by rtc_nmi_masked(); reads of 0x70 return 0xff (write-only on real
 * hardware).  Port 0x71 (offset 1) is the data port.  Accesses are 1 byte.
 *
 * Reset values (QEMU): A = 0x26 (32.768 kHz divider, 1024 Hz rate),
 * B = 0x02 (24-hour, BCD), C = 0x00, D = 0x80 (VRT), index 0, NMI unmasked.
 *
 * Emulated: the time and date registers, computed from the injected wall
 * clock plus a guest-set offset (SET halts them and lets the guest load a new
 * time, which counts on from the same sub-second phase when SET is cleared);
 * BCD and binary, 12- and 24-hour modes; alarm registers with "don't care"
 * bytes 0xc0-0xff; UIP in the last 244 us (8 cycles of 32.768 kHz) before
 * each update; divider reset (DV2-0 above 010, e.g. 11x, stops the clock;
 * restarting it puts the first update 500 ms later); the periodic, alarm and update-ended
 * interrupts with their flags in C (set whether or not enabled), IRQF and
 * IRQ 8 (level, lowered by reading C); the century byte kept in sync;
 * registers 0x0e-0x7f as plain storage.  The clock runs at wall-clock speed
 * and follows host wall-clock steps, like QEMU's default "-rtc clock=host".
 * Out-of-range values the guest loads carry over like mktime() (month 13 is
 * January of the next year); times before year 0 are clamped to it.
 *
 * Deliberately not emulated: the SQW pin (SQWE is stored only); daylight
 * saving (DSE is stored only); the 4.194304 and 1.048576 MHz time bases
 * (DV2-0 = 000 and 001 run like 010, as in QEMU); the day of week as an
 * independent counter (it is computed from the date, as in QEMU; a guest
 * write is readable only while the clock is halted); torn reads during an
 * update cycle (reads are always consistent).
 */
#ifndef MVM_RTC_H
#define MVM_RTC_H

#include <stdint.h>

#include "core/bus.h"
#include "core/clock.h"
#include "core/irq.h"

#define RTC_PORT_BASE 0x70
#define RTC_PORT_LEN 2
#define RTC_IRQ 8
#define RTC_CMOS_SIZE 128

/* Register indexes (datasheet names). */
#define RTC_SECONDS 0x00
#define RTC_SECONDS_ALARM 0x01
#define RTC_MINUTES 0x02
#define RTC_MINUTES_ALARM 0x03
#define RTC_HOURS 0x04
#define RTC_HOURS_ALARM 0x05
#define RTC_DAY_OF_WEEK 0x06
#define RTC_DAY_OF_MONTH 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_REG_A 0x0a
#define RTC_REG_B 0x0b
#define RTC_REG_C 0x0c
#define RTC_REG_D 0x0d
#define RTC_CENTURY 0x32 /* PC/AT convention, not an MC146818 register */

#define RTC_ALARM_DONT_CARE 0xc0 /* alarm bytes 11xxxxxx match every value */
#define RTC_HOURS_PM 0x80	 /* hours register in 12-hour mode */

/* Register A. */
#define RTC_A_UIP 0x80	    /* update in progress (read-only) */
#define RTC_A_DV_MASK 0x70  /* DV2-0 divider select */
#define RTC_A_DV_32K 0x20   /* 32.768 kHz time base */
#define RTC_A_RS_MASK 0x0f  /* RS3-0 periodic rate select */

/* Register B. */
#define RTC_B_SET 0x80
#define RTC_B_PIE 0x40
#define RTC_B_AIE 0x20
#define RTC_B_UIE 0x10
#define RTC_B_SQWE 0x08
#define RTC_B_DM 0x04	 /* 1 = binary, 0 = BCD */
#define RTC_B_24_12 0x02 /* 1 = 24-hour mode */
#define RTC_B_DSE 0x01

/* Register C (read-only, cleared by reading). */
#define RTC_C_IRQF 0x80
#define RTC_C_PF 0x40
#define RTC_C_AF 0x20
#define RTC_C_UF 0x10

/* Register D. */
#define RTC_D_VRT 0x80

/* No lock of its own: the bus's rule (core/bus.h) serializes port I/O,
 * the board's timer callback and reset. */
struct rtc {
	struct irq_line irq;
	struct vclock clock;
	struct vtimer timer;
	/* Registers A-D and storage; the time bytes only while halted. */
	uint8_t cmos[RTC_CMOS_SIZE];
	uint8_t index; /* bits 6:0 of the last index write */
	int nmi_masked;
	int irq_level;
	int64_t chain_offset_ns; /* divider-chain time = wall clock + this */
	int64_t sec_offset;	 /* counting: time = chain seconds + this */
	int64_t flags_until_ns;	 /* C is up to date up to this chain time */
	uint64_t deadline_ns;	 /* what the vtimer is armed for, 0 if not */
	/* Clock samples of the access in progress. */
	int64_t now_wall_ns;
	uint64_t now_mono_ns;
};

/* Register at RTC_PORT_BASE, length RTC_PORT_LEN, with dev = the struct rtc. */
extern const struct bus_ops rtc_ops;

/*
 * Initialise (r) in its reset state, with the time and date taken from
 * (clock)'s wall clock.  (irq8) is driven as a level; (timer) is armed with
 * absolute monotonic deadlines of (clock), after which the board must call
 * rtc_timer_expired().  Nothing is armed until the guest enables an
 * interrupt.  (r) is owned by the caller and must stay put while registered.
 */
void rtc_init(struct rtc *r, struct irq_line irq8, struct vclock clock, struct vtimer timer);

/*
 * Guest reset: registers A-D, the index and the NMI mask back to their reset
 * values, IRQ 8 lowered.  CMOS contents, alarm bytes and the time are kept
 * (a clock halted by SET or divider reset resumes).  QEMU's reset only clears
 * PIE, AIE, SQWE and the C flags; mvm reloads A and B as at power-on.
 */
void rtc_reset(struct rtc *r);

/*
 * Board access to CMOS byte (index) (0-127), e.g. the memory-size bytes at
 * 0x15-0x18, 0x30-0x31, 0x34-0x35 and 0x5b-0x5d.  Both behave like a guest
 * access to port 0x71, except that rtc_get_cmos() does not clear register C.
 * Indexes above 127 read as 0xff and ignore writes.
 */
void rtc_set_cmos(struct rtc *r, unsigned index, uint8_t value);
uint8_t rtc_get_cmos(struct rtc *r, unsigned index);

/*
 * Called by the board from its event loop, holding the device's lock
 * (core/bus.h), once the deadline last passed to the vtimer has passed.  Sets the flags that fell
 * due (missed periods coalesce into one), raises IRQ 8 if enabled and
 * re-arms the vtimer.  A spurious or late call is harmless.
 */
void rtc_timer_expired(struct rtc *r);

/* 1 if the guest's last index write had bit 7 (NMI disable) set, else 0. */
int rtc_nmi_masked(struct rtc *r);

#endif
