/* rtc.c: MC146818A RTC and CMOS state machine (see rtc.h for what is emulated). */
#include <string.h>

#include "dev/rtc.h"

#define NS_PER_SEC 1000000000LL
#define SEC_PER_DAY 86400
#define CHAIN_HZ 32768	/* divider-chain output: the 32.768 kHz time base */
#define UIP_CYCLES 8	/* tBUC: UIP rises 244 us (8 cycles) before an update */
#define RESET_A (RTC_A_DV_32K | 0x06)
#define RESET_B RTC_B_24_12
#define C_FLAGS (RTC_C_PF | RTC_C_AF | RTC_C_UF)
#define TIME_NONE INT64_MAX

/*
 * Time model.  The divider chain runs at wall-clock speed: its time is
 * now_wall_ns + chain_offset_ns, and its second boundaries are the update
 * cycles.  While counting (chain running, SET clear) the time of day in
 * seconds since 1970 is the chain's second plus sec_offset.  While halted
 * (SET, or the divider held in reset) the time lives in the time registers
 * in cmos[] as the guest last saw or wrote them; resuming converts them
 * back.  Flags in C are evaluated lazily over chain time, so missed
 * periods coalesce and the vtimer is only needed to raise IRQ 8.
 */

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

static int64_t floor_mod(int64_t a, int64_t b)
{
	return a - floor_div(a, b) * b;
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* Days from 1970-01-01 to (y)-(m)-(d), m in 1..12, proleptic Gregorian. */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	/* Count years from March so that the leap day ends the year. */
	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468; /* 719468: 0000-03-01 to 1970-01-01 */
}

static void civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t z = days + 719468, era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;

	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = era * 400 + yoe + (*m <= 2);
}

/* A counter value as the guest sees it: binary if DM, else BCD. */
static uint8_t to_reg(const struct rtc *r, unsigned v)
{
	if (r->cmos[RTC_REG_B] & RTC_B_DM)
		return (uint8_t)v;
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

/* Invalid BCD digits are taken at face value (0xff is 165), as QEMU does. */
static unsigned from_reg(const struct rtc *r, uint8_t v)
{
	if (r->cmos[RTC_REG_B] & RTC_B_DM)
		return v;
	return (v >> 4) * 10u + (v & 0x0f);
}

static uint8_t hour_to_reg(const struct rtc *r, unsigned h)
{
	if (r->cmos[RTC_REG_B] & RTC_B_24_12)
		return to_reg(r, h);
	/* 12-hour mode: 12, 1..11 with PM in bit 7 (00:xx is 12 AM). */
	return (uint8_t)(to_reg(r, h % 12 ? h % 12 : 12) | (h >= 12 ? RTC_HOURS_PM : 0));
}

static unsigned hour_from_reg(const struct rtc *r, uint8_t v)
{
	unsigned h = from_reg(r, (uint8_t)(v & ~RTC_HOURS_PM));

	if (r->cmos[RTC_REG_B] & RTC_B_24_12)
		return h;
	return h % 12 + ((v & RTC_HOURS_PM) ? 12 : 0);
}

/* Registers 0-9 except the alarms (1, 3, 5), and the century byte. */
static int is_time_reg(unsigned index)
{
	return index == RTC_CENTURY || (index <= RTC_YEAR && (index > RTC_HOURS || !(index & 1)));
}

static void time_to_regs(struct rtc *r, int64_t t)
{
	int64_t days = floor_div(t, SEC_PER_DAY), sod = t - days * SEC_PER_DAY, year;
	unsigned month, mday;

	civil_from_days(days, &year, &month, &mday);
	r->cmos[RTC_SECONDS] = to_reg(r, (unsigned)(sod % 60));
	r->cmos[RTC_MINUTES] = to_reg(r, (unsigned)(sod / 60 % 60));
	r->cmos[RTC_HOURS] = hour_to_reg(r, (unsigned)(sod / 3600));
	/* 1970-01-01 was a Thursday; Sunday is 1. */
	r->cmos[RTC_DAY_OF_WEEK] = to_reg(r, (unsigned)floor_mod(days + 4, 7) + 1);
	r->cmos[RTC_DAY_OF_MONTH] = to_reg(r, mday);
	r->cmos[RTC_MONTH] = to_reg(r, month);
	/* base_year 2000: the year register is year % 100, the century byte the rest. */
	r->cmos[RTC_YEAR] = to_reg(r, (unsigned)(year % 100));
	r->cmos[RTC_CENTURY] = to_reg(r, (unsigned)(year / 100));
}

/* Out-of-range fields carry over like mktime() (month 13 is next January);
 * the day of week is ignored.  Never earlier than year 0. */
static int64_t regs_to_time(const struct rtc *r)
{
	int64_t year = from_reg(r, r->cmos[RTC_CENTURY]) * 100LL + from_reg(r, r->cmos[RTC_YEAR]);
	int64_t month = from_reg(r, r->cmos[RTC_MONTH]), t;

	year += floor_div(month - 1, 12);
	month = floor_mod(month - 1, 12) + 1;
	t = (days_from_civil(year, month, 1) + from_reg(r, r->cmos[RTC_DAY_OF_MONTH]) - 1) *
	    SEC_PER_DAY;
	t += hour_from_reg(r, r->cmos[RTC_HOURS]) * 3600LL;
	t += from_reg(r, r->cmos[RTC_MINUTES]) * 60LL + from_reg(r, r->cmos[RTC_SECONDS]);
	if (t < days_from_civil(0, 1, 1) * SEC_PER_DAY)
		t = days_from_civil(0, 1, 1) * SEC_PER_DAY;
	return t;
}

/* DV2-0 of 000, 001 and 010 run (QEMU treats all three as 32.768 kHz). */
static int chain_running(const struct rtc *r)
{
	return (r->cmos[RTC_REG_A] & RTC_A_DV_MASK) <= RTC_A_DV_32K;
}

static int counting(const struct rtc *r)
{
	return chain_running(r) && !(r->cmos[RTC_REG_B] & RTC_B_SET);
}

static int64_t chain_now(const struct rtc *r)
{
	return r->now_wall_ns + r->chain_offset_ns;
}

/* Only meaningful while counting. */
static int64_t time_now(const struct rtc *r)
{
	return floor_div(chain_now(r), NS_PER_SEC) + r->sec_offset;
}

static int update_in_progress(const struct rtc *r)
{
	int64_t ns = floor_mod(chain_now(r), NS_PER_SEC);

	return counting(r) && ns * CHAIN_HZ / NS_PER_SEC >= CHAIN_HZ - UIP_CYCLES;
}

struct alarm_match {
	uint8_t sec[60], min[60], hour[24];
};

/* The chip compares each alarm byte with its counter as the guest sees it. */
static int alarm_byte_matches(uint8_t alarm, uint8_t counter)
{
	return (alarm & RTC_ALARM_DONT_CARE) == RTC_ALARM_DONT_CARE || alarm == counter;
}

/* Which seconds, minutes and hours match; 0 if some field never matches. */
static int alarm_match(const struct rtc *r, struct alarm_match *m)
{
	unsigned v, any_sec = 0, any_min = 0, any_hour = 0;

	for (v = 0; v < 60; v++) {
		m->sec[v] = (uint8_t)alarm_byte_matches(r->cmos[RTC_SECONDS_ALARM], to_reg(r, v));
		m->min[v] = (uint8_t)alarm_byte_matches(r->cmos[RTC_MINUTES_ALARM], to_reg(r, v));
		any_sec |= m->sec[v];
		any_min |= m->min[v];
	}
	for (v = 0; v < 24; v++) {
		m->hour[v] = (uint8_t)alarm_byte_matches(r->cmos[RTC_HOURS_ALARM],
							 hour_to_reg(r, v));
		any_hour |= m->hour[v];
	}
	return any_sec && any_min && any_hour;
}

/* The first second after (t) whose time of day matches the alarm, or TIME_NONE. */
static int64_t alarm_next(const struct rtc *r, int64_t t)
{
	struct alarm_match m;
	int64_t day = floor_div(t + 1, SEC_PER_DAY), sod = t + 1 - day * SEC_PER_DAY;

	if (!alarm_match(r, &m))
		return TIME_NONE;
	/* Every field can match, so this ends within two days, skipping
	 * whole hours and minutes: a few hundred steps at most. */
	for (;;) {
		if (sod >= SEC_PER_DAY) {
			day++;
			sod = 0;
		}
		if (!m.hour[sod / 3600])
			sod = (sod / 3600 + 1) * 3600;
		else if (!m.min[sod / 60 % 60])
			sod = (sod / 60 + 1) * 60;
		else if (!m.sec[sod % 60])
			sod++;
		else
			return day * SEC_PER_DAY + sod;
	}
}

/* Periodic interrupt period in 32.768 kHz cycles, 0 when RS3-0 = 0. */
static unsigned periodic_cycles(const struct rtc *r)
{
	unsigned rs = r->cmos[RTC_REG_A] & RTC_A_RS_MASK;

	if (!rs)
		return 0;
	/* With the 32.768 kHz time base RS 1 and 2 give 256 and 128 Hz, as RS 8 and 9. */
	if (rs <= 2)
		rs += 7;
	return 1u << (rs - 1);
}

/* Periodic ticks since chain time 0; they divide each second exactly. */
static int64_t tick_index(int64_t chain, unsigned cycles)
{
	int64_t sec = floor_div(chain, NS_PER_SEC), ns = chain - sec * NS_PER_SEC;

	return sec * (CHAIN_HZ / cycles) + ns * CHAIN_HZ / NS_PER_SEC / cycles;
}

/* Chain time of the first tick after (chain), rounded up to the nanosecond
 * and computed from the second, so that deadlines never drift. */
static int64_t next_tick(int64_t chain, unsigned cycles)
{
	int64_t per_sec = CHAIN_HZ / cycles, idx = tick_index(chain, cycles) + 1;
	int64_t sec = floor_div(idx, per_sec), cycle = (idx - sec * per_sec) * cycles;

	return sec * NS_PER_SEC + (cycle * NS_PER_SEC + CHAIN_HZ - 1) / CHAIN_HZ;
}

/* Set the flags of every event in (flags_until_ns, now]; the datasheet sets
 * them whether or not their interrupt is enabled. */
static void catch_up(struct rtc *r)
{
	int64_t from = r->flags_until_ns, to = chain_now(r);
	int64_t from_sec = floor_div(from, NS_PER_SEC), to_sec = floor_div(to, NS_PER_SEC);
	unsigned cycles = periodic_cycles(r);

	r->flags_until_ns = to;
	/* A wall clock stepped backwards just restarts the bookkeeping. */
	if (to <= from || !chain_running(r))
		return;
	if (cycles && tick_index(to, cycles) != tick_index(from, cycles))
		r->cmos[RTC_REG_C] |= RTC_C_PF;
	if (!counting(r) || to_sec == from_sec)
		return;
	r->cmos[RTC_REG_C] |= RTC_C_UF;
	if (alarm_next(r, from_sec + r->sec_offset) <= to_sec + r->sec_offset)
		r->cmos[RTC_REG_C] |= RTC_C_AF;
}

static void update_irq(struct rtc *r)
{
	uint8_t c = r->cmos[RTC_REG_C] & C_FLAGS;
	int level = (c & r->cmos[RTC_REG_B] & C_FLAGS) != 0;

	r->cmos[RTC_REG_C] = (uint8_t)(c | (level ? RTC_C_IRQF : 0));
	if (level != r->irq_level) {
		r->irq_level = level;
		irq_set(&r->irq, level);
	}
}

/* Chain time of the next event that would raise IRQ 8, or TIME_NONE. */
static int64_t next_irq_event(const struct rtc *r)
{
	int64_t chain = chain_now(r), sec = floor_div(chain, NS_PER_SEC), next = TIME_NONE, t;
	uint8_t b = r->cmos[RTC_REG_B];

	/* With IRQF up the line cannot change until C is read: no timer. */
	if ((r->cmos[RTC_REG_C] & RTC_C_IRQF) || !chain_running(r))
		return TIME_NONE;
	if ((b & RTC_B_PIE) && periodic_cycles(r))
		next = next_tick(chain, periodic_cycles(r));
	if (counting(r) && (b & RTC_B_UIE))
		next = min64(next, (sec + 1) * NS_PER_SEC);
	if (counting(r) && (b & RTC_B_AIE)) {
		t = alarm_next(r, sec + r->sec_offset);
		if (t != TIME_NONE)
			next = min64(next, (t - r->sec_offset) * NS_PER_SEC);
	}
	return next;
}

static void rearm(struct rtc *r)
{
	int64_t next = next_irq_event(r);
	uint64_t deadline = 0;

	if (next != TIME_NONE)
		deadline = r->now_mono_ns + (uint64_t)(next - chain_now(r));
	/* Only tell the board about changes: guests poll register A. */
	if (deadline != r->deadline_ns) {
		r->deadline_ns = deadline;
		vtimer_arm(&r->timer, deadline);
	}
}

static void sample_clocks(struct rtc *r)
{
	r->now_mono_ns = vclock_now(&r->clock);
	r->now_wall_ns = r->clock.realtime_ns(r->clock.ctx);
}

static void access_begin(struct rtc *r)
{
	sample_clocks(r);
	catch_up(r);
	update_irq(r);
}

static void access_end(struct rtc *r)
{
	update_irq(r);
	rearm(r);
}

/* Load registers A and B, moving the time between counting and halted. */
static void set_mode(struct rtc *r, uint8_t a, uint8_t b)
{
	int was_running = chain_running(r), was_counting = counting(r);

	/* Halting keeps the registers as they were, in the old DM/24-hour format. */
	if (was_counting)
		time_to_regs(r, time_now(r));
	r->cmos[RTC_REG_A] = a;
	r->cmos[RTC_REG_B] = b;
	/* Out of divider reset, the first update cycle begins 500 ms later. */
	if (!was_running && chain_running(r))
		r->chain_offset_ns = NS_PER_SEC / 2 - floor_mod(r->now_wall_ns, NS_PER_SEC);
	/* Resuming counts on from the registers at the chain's sub-second phase. */
	if (!was_counting && counting(r))
		r->sec_offset = regs_to_time(r) - floor_div(chain_now(r), NS_PER_SEC);
	r->flags_until_ns = chain_now(r);
}

static void write_time(struct rtc *r, unsigned index, uint8_t v)
{
	int64_t now;

	/* Halted: the guest loads the registers; they count once resumed. */
	if (!counting(r)) {
		r->cmos[index] = v;
		return;
	}
	/* Running: change that field of the current time, keep the phase. */
	now = time_now(r);
	time_to_regs(r, now);
	r->cmos[index] = v;
	r->sec_offset += regs_to_time(r) - now;
}

static void write_data(struct rtc *r, unsigned index, uint8_t v)
{
	switch (index) {
	case RTC_REG_A:
		set_mode(r, (uint8_t)(v & ~RTC_A_UIP), r->cmos[RTC_REG_B]); /* UIP is read-only */
		break;
	case RTC_REG_B:
		/* SET clears UIE (datasheet; QEMU does so on every write with SET). */
		if (v & RTC_B_SET)
			v = (uint8_t)(v & ~RTC_B_UIE);
		set_mode(r, r->cmos[RTC_REG_A], v);
		break;
	case RTC_REG_C:
	case RTC_REG_D:
		break; /* read-only */
	default:
		if (is_time_reg(index))
			write_time(r, index, v);
		else
			r->cmos[index] = v; /* alarms and storage */
		break;
	}
}

static uint8_t read_data(struct rtc *r, unsigned index, int peek)
{
	uint8_t v;

	switch (index) {
	case RTC_REG_A:
		return (uint8_t)(r->cmos[RTC_REG_A] | (update_in_progress(r) ? RTC_A_UIP : 0));
	case RTC_REG_C:
		v = r->cmos[RTC_REG_C];
		/* Reading C acknowledges every flag and drops IRQ 8. */
		if (!peek) {
			r->cmos[RTC_REG_C] = 0;
			update_irq(r);
		}
		return v;
	case RTC_REG_D:
		return RTC_D_VRT; /* the battery never runs down */
	}
	if (is_time_reg(index) && counting(r))
		time_to_regs(r, time_now(r));
	return r->cmos[index];
}

static uint64_t rtc_read(void *dev, uint64_t offset, unsigned size)
{
	struct rtc *r = dev;
	uint8_t v;

	(void)size;
	if (offset != 1)
		return 0xff; /* the index port is write-only */
	access_begin(r);
	v = read_data(r, r->index, 0);
	access_end(r);
	return v;
}

static void rtc_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct rtc *r = dev;
	uint8_t v = (uint8_t)value;

	(void)size;
	if (offset == 0) {
		/* Bit 7 is the chipset's NMI gate, not part of the index. */
		r->index = v & (RTC_CMOS_SIZE - 1);
		r->nmi_masked = v >> 7;
	} else if (offset == 1) {
		access_begin(r);
		write_data(r, r->index, v);
		access_end(r);
	}
}

const struct bus_ops rtc_ops = {
	.name = "rtc",
	.sizes = BUS_SIZE_1,
	.read = rtc_read,
	.write = rtc_write,
};

void rtc_init(struct rtc *r, struct irq_line irq8, struct vclock clock, struct vtimer timer)
{
	memset(r, 0, sizeof(*r));
	r->irq = irq8;
	r->clock = clock;
	r->timer = timer;
	r->cmos[RTC_REG_A] = RESET_A;
	r->cmos[RTC_REG_B] = RESET_B;
	r->cmos[RTC_REG_D] = RTC_D_VRT;
	/* Chain and time start in step with the wall clock (UTC). */
	sample_clocks(r);
	r->flags_until_ns = chain_now(r);
}

void rtc_reset(struct rtc *r)
{
	access_begin(r);
	set_mode(r, RESET_A, RESET_B);
	r->cmos[RTC_REG_C] = 0;
	r->index = 0;
	r->nmi_masked = 0;
	access_end(r);
}

void rtc_set_cmos(struct rtc *r, unsigned index, uint8_t value)
{
	if (index >= RTC_CMOS_SIZE)
		return;
	access_begin(r);
	write_data(r, index, value);
	access_end(r);
}

uint8_t rtc_get_cmos(struct rtc *r, unsigned index)
{
	uint8_t v;

	if (index >= RTC_CMOS_SIZE)
		return 0xff;
	access_begin(r);
	v = read_data(r, index, 1);
	access_end(r);
	return v;
}

void rtc_timer_expired(struct rtc *r)
{
	access_begin(r);
	r->deadline_ns = 0; /* the board's one-shot timer has fired */
	access_end(r);
}

int rtc_nmi_masked(struct rtc *r)
{
	return r->nmi_masked;
}
