/* test_rtc.c: the MC146818A RTC through its ports, with a fake clock, timer and IRQ line. */
#include <string.h>

#include "core/bus.h"
#include "check.h"
#include "dev/rtc.h"
#include "fakeclock.h"
#include "indexed.h"

#define NS 1000000000LL
#define MS 1000000LL
#define T0 1795629878LL		 /* 2026-11-25 18:04:38 UTC, a Wednesday */
#define MONO0 5000000000ULL	 /* the monotonic clock has its own origin */
#define B24 RTC_B_24_12		 /* register B at reset: 24-hour, BCD */

struct irq_record {
	int irq_level;
	int irq_raises;
};

static struct fakeclock clk; /* deadline 0: disarmed */
static struct irq_record f;
static struct rtc r;

static void record_irq(void *ctx, unsigned gsi, int level)
{
	struct irq_record *rec = ctx;

	(void)gsi;
	rec->irq_raises += level && !rec->irq_level;
	rec->irq_level = level;
}

static void setup_at(int64_t wall_ns)
{
	memset(&f, 0, sizeof(f));
	fakeclock_start(&clk, MONO0, wall_ns);
	rtc_init(&r, (struct irq_line){ record_irq, &f, RTC_IRQ }, fake_vclock(&clk),
		 fake_vtimer(&clk));
}

static void setup(void)
{
	setup_at(T0 * NS);
}

/* Both clocks move together, as they do on a host that is not being stepped. */
static void advance(int64_t ns)
{
	clk.now += (uint64_t)ns;
}

/* What the board does: the one-shot timer fires at its deadline. */
static void expire(void)
{
	advance((int64_t)(clk.deadline - clk.now));
	clk.deadline = 0;
	rtc_timer_expired(&r);
}

static const struct indexed cmos = { &rtc_ops, &r, 0, 1, 1 };

static uint8_t rd(unsigned index)
{
	return (uint8_t)indexed_read(&cmos, index);
}

static void wr(unsigned index, uint8_t v)
{
	indexed_write(&cmos, index, v);
}

/* A register's index and the value it holds (or is given). */
struct reg {
	unsigned index;
	uint8_t value;
};

static void check_regs(int line, const struct reg *want, size_t n)
{
	for (size_t i = 0; i < n; i++)
		CHECK_EQ_ROW(line, i, rd(want[i].index), want[i].value);
}

#define REGS(...)                                                                            \
	check_regs(__LINE__, (const struct reg[]){ __VA_ARGS__ }, LEN_OF(struct reg, __VA_ARGS__))

/* Write the registers in order, the clock halted meanwhile (SET). */
static void set_halted(const struct reg *regs, size_t n)
{
	wr(RTC_REG_B, RTC_B_SET | B24);
	for (size_t i = 0; i < n; i++)
		wr(regs[i].index, regs[i].value);
}

#define SET_HALTED(...)                                                                      \
	set_halted((const struct reg[]){ __VA_ARGS__ }, LEN_OF(struct reg, __VA_ARGS__))

static void set_alarm(uint8_t hours, uint8_t minutes, uint8_t seconds)
{
	wr(RTC_SECONDS_ALARM, seconds);
	wr(RTC_MINUTES_ALARM, minutes);
	wr(RTC_HOURS_ALARM, hours);
}

/* ceil(k * 976562.5 ns): the k-th 1024 Hz tick (RS = 6, the reset rate:
 * 32 cycles of 32.768 kHz) after a second boundary. */
static uint64_t tick_1024(uint64_t k)
{
	return (k * 1953125 + 1) / 2;
}

static void test_rtc_reset_values_match_qemu(void)
{
	REGS({ RTC_REG_A, 0x26 }, { RTC_REG_B, 0x02 }, { RTC_REG_C, 0x00 }, { RTC_REG_D, 0x80 });
	CHECK_EQ(f.irq_level, 0);
	CHECK_EQ(clk.arms, 0); /* no interrupt enabled, no timer */
	CHECK_EQ(rtc_nmi_masked(&r), 0);
}

static void test_rtc_index_port_reads_all_ones(void)
{
	rtc_ops.write(&r, 0, 1, RTC_REG_D);
	CHECK_EQ(rtc_ops.read(&r, 0, 1), 0xff);
}

static void test_rtc_bcd_time_registers_show_wall_clock(void)
{
	REGS({ RTC_SECONDS, 0x38 }, { RTC_MINUTES, 0x04 }, { RTC_HOURS, 0x18 },
	     { RTC_DAY_OF_WEEK, 4 }, /* Wednesday, Sunday = 1 */
	     { RTC_DAY_OF_MONTH, 0x25 }, { RTC_MONTH, 0x11 }, { RTC_YEAR, 0x26 });
}

static void test_rtc_century_byte_is_bcd_year_over_100(void)
{
	CHECK_EQ(rd(RTC_CENTURY), 0x20);
}

static void test_rtc_binary_mode_time_registers(void)
{
	wr(RTC_REG_B, B24 | RTC_B_DM);
	REGS({ RTC_SECONDS, 38 }, { RTC_MINUTES, 4 }, { RTC_HOURS, 18 }, { RTC_DAY_OF_MONTH, 25 },
	     { RTC_MONTH, 11 }, { RTC_YEAR, 26 }, { RTC_CENTURY, 20 });
}

static void test_rtc_12_hour_mode_sets_pm_bit(void)
{
	wr(RTC_REG_B, 0);
	CHECK_EQ(rd(RTC_HOURS), RTC_HOURS_PM | 0x06);
}

static void test_rtc_12_hour_binary_mode_sets_pm_bit(void)
{
	wr(RTC_REG_B, RTC_B_DM);
	CHECK_EQ(rd(RTC_HOURS), RTC_HOURS_PM | 6);
}

static void test_rtc_12_hour_mode_midnight_is_12_am(void)
{
	setup_at(1795566600LL * NS); /* 2026-11-25 00:30:00 */
	wr(RTC_REG_B, 0);
	CHECK_EQ(rd(RTC_HOURS), 0x12);
}

static void test_rtc_12_hour_mode_noon_is_12_pm(void)
{
	setup_at(1795608000LL * NS); /* 2026-11-25 12:00:00 */
	wr(RTC_REG_B, 0);
	CHECK_EQ(rd(RTC_HOURS), RTC_HOURS_PM | 0x12);
}

static void test_rtc_time_advances_with_wall_clock(void)
{
	advance(22 * NS);
	REGS({ RTC_SECONDS, 0x00 }, { RTC_MINUTES, 0x05 });
}

static void test_rtc_year_rollover_updates_century(void)
{
	setup_at(4102444799LL * NS); /* 2099-12-31 23:59:59 */
	advance(NS);
	REGS({ RTC_YEAR, 0x00 }, { RTC_CENTURY, 0x21 }, { RTC_MONTH, 0x01 },
	     { RTC_DAY_OF_MONTH, 0x01 }, { RTC_DAY_OF_WEEK, 6 }, /* 2100-01-01 is a Friday */
	     { RTC_HOURS, 0x00 });
}

static void test_rtc_set_bit_halts_updates(void)
{
	wr(RTC_REG_B, RTC_B_SET | B24);
	advance(5 * NS);
	REGS({ RTC_SECONDS, 0x38 }, { RTC_REG_C, RTC_C_PF }); /* the divider runs on, but no UF */
}

static void test_rtc_time_written_under_set_keeps_running(void)
{
	SET_HALTED({ RTC_YEAR, 0x30 }, { RTC_MONTH, 0x01 }, { RTC_DAY_OF_MONTH, 0x02 },
		   { RTC_HOURS, 0x03 }, { RTC_MINUTES, 0x04 }, { RTC_SECONDS, 0x05 });
	advance(3 * NS); /* still halted */
	wr(RTC_REG_B, B24);
	advance(NS);
	REGS({ RTC_SECONDS, 0x06 }, { RTC_MINUTES, 0x04 }, { RTC_HOURS, 0x03 },
	     { RTC_DAY_OF_MONTH, 0x02 }, { RTC_MONTH, 0x01 }, { RTC_YEAR, 0x30 },
	     { RTC_DAY_OF_WEEK, 4 }); /* 2030-01-02 is a Wednesday */
}

static void test_rtc_clearing_set_keeps_subsecond_phase(void)
{
	setup_at(T0 * NS + 300 * MS);
	SET_HALTED({ RTC_SECONDS, 0x00 });
	wr(RTC_REG_B, B24);
	advance(700 * MS - 1);
	CHECK_EQ(rd(RTC_SECONDS), 0x00);
	advance(1);
	CHECK_EQ(rd(RTC_SECONDS), 0x01);
}

static void test_rtc_write_while_running_changes_that_field(void)
{
	wr(RTC_MINUTES, 0x30);
	REGS({ RTC_MINUTES, 0x30 }, { RTC_SECONDS, 0x38 }, { RTC_HOURS, 0x18 });
}

static void test_rtc_guest_century_write_changes_year(void)
{
	SET_HALTED({ RTC_CENTURY, 0x19 });
	wr(RTC_REG_B, B24);
	/* 1926-11-25 was a Thursday. */
	REGS({ RTC_CENTURY, 0x19 }, { RTC_YEAR, 0x26 }, { RTC_DAY_OF_WEEK, 5 });
}

static void test_rtc_month_13_carries_into_next_year(void)
{
	SET_HALTED({ RTC_MONTH, 0x13 });
	wr(RTC_REG_B, B24);
	/* 2027-01-25 is a Monday. */
	REGS({ RTC_MONTH, 0x01 }, { RTC_YEAR, 0x27 }, { RTC_DAY_OF_WEEK, 2 });
}

static void test_rtc_writing_set_clears_uie(void)
{
	wr(RTC_REG_B, RTC_B_SET | RTC_B_UIE | B24);
	CHECK_EQ(rd(RTC_REG_B), RTC_B_SET | B24);
}

static void test_rtc_uip_only_in_last_244_us_of_a_second(void)
{
	setup_at(T0 * NS + NS - 245000); /* 245 us before the update */
	CHECK_EQ(rd(RTC_REG_A) & RTC_A_UIP, 0);
	advance(1000); /* 244 us before it */
	CHECK_EQ(rd(RTC_REG_A) & RTC_A_UIP, RTC_A_UIP);
	advance(243999); /* the last nanosecond of the second */
	CHECK_EQ(rd(RTC_REG_A) & RTC_A_UIP, RTC_A_UIP);
	advance(1);
	CHECK_EQ(rd(RTC_REG_A) & RTC_A_UIP, 0);
	CHECK_EQ(rd(RTC_SECONDS), 0x39);
}

static void test_rtc_uip_stays_clear_while_set(void)
{
	setup_at(T0 * NS + NS - 1000);
	wr(RTC_REG_B, RTC_B_SET | B24);
	CHECK_EQ(rd(RTC_REG_A) & RTC_A_UIP, 0);
}

static void test_rtc_uip_is_read_only(void)
{
	wr(RTC_REG_A, RTC_A_UIP | 0x26);
	CHECK_EQ(rd(RTC_REG_A), 0x26);
}

static void test_rtc_divider_reset_stops_clock_and_delays_first_update(void)
{
	wr(RTC_REG_A, 0x70);
	advance(3 * NS + 123 * MS);
	CHECK_EQ(rd(RTC_SECONDS), 0x38);
	wr(RTC_REG_A, 0x26);
	advance(500 * MS - 1);
	CHECK_EQ(rd(RTC_SECONDS), 0x38);
	advance(1);
	CHECK_EQ(rd(RTC_SECONDS), 0x39);
}

static void test_rtc_alarm_match_sets_af_and_raises_irq(void)
{
	set_alarm(0x18, 0x04, 0x40);
	wr(RTC_REG_B, RTC_B_AIE | B24);
	CHECK_EQ(clk.deadline, MONO0 + 2 * NS); /* 18:04:40 */
	expire();
	CHECK_EQ(f.irq_level, 1);
	CHECK_EQ(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_PF | RTC_C_AF | RTC_C_UF);
	CHECK_EQ(f.irq_level, 0);
}

static void test_rtc_alarm_dont_care_fires_every_minute(void)
{
	set_alarm(RTC_ALARM_DONT_CARE, 0xff, 0x00);
	wr(RTC_REG_B, RTC_B_AIE | B24);
	CHECK_EQ(clk.deadline, MONO0 + 22 * NS); /* 18:05:00 */
	expire();
	CHECK_EQ(rd(RTC_REG_C) & RTC_C_AF, RTC_C_AF);
	CHECK_EQ(clk.deadline, MONO0 + 82 * NS); /* 18:06:00 */
}

static void test_rtc_alarm_in_12_hour_mode_compares_pm_bit(void)
{
	wr(RTC_REG_B, 0);
	set_alarm(RTC_HOURS_PM | 0x07, 0x00, 0x00); /* 7 PM */
	wr(RTC_REG_B, RTC_B_AIE);
	CHECK_EQ(clk.deadline, MONO0 + (55 * 60 + 22) * NS); /* 19:00:00 */
}

static void test_rtc_alarm_flag_set_with_aie_disabled_irq_low(void)
{
	set_alarm(0x18, 0x04, 0x40);
	advance(3 * NS);
	CHECK_EQ(rd(RTC_REG_C), RTC_C_PF | RTC_C_AF | RTC_C_UF);
	CHECK_EQ(f.irq_raises, 0);
	CHECK_EQ(clk.arms, 0);
}

static void test_rtc_alarm_does_not_fire_while_set(void)
{
	set_alarm(0x18, 0x04, 0x40);
	wr(RTC_REG_B, RTC_B_SET | RTC_B_AIE | B24);
	CHECK_EQ(clk.deadline, 0);
	advance(3 * NS);
	CHECK_EQ(rd(RTC_REG_C), RTC_C_PF);
	CHECK_EQ(f.irq_raises, 0);
}

static void test_rtc_periodic_1024_hz_deadlines_do_not_drift(void)
{
	uint64_t k;
	int missed = 0;

	wr(RTC_REG_B, RTC_B_PIE | B24); /* A = 0x26 at reset: 1024 Hz */
	/* Ten seconds of ticks, each acknowledged like a guest handler does. */
	for (k = 1; k <= 10240; k++) {
		missed += clk.deadline != MONO0 + tick_1024(k);
		expire();
		missed += (rd(RTC_REG_C) & (RTC_C_IRQF | RTC_C_PF)) != (RTC_C_IRQF | RTC_C_PF);
	}
	CHECK_EQ(missed, 0);
	CHECK_EQ(clk.deadline, MONO0 + 10 * NS + 976563);
	CHECK_EQ(f.irq_raises, 10240);
}

static void test_rtc_rates_1_and_2_are_256_and_128_hz(void)
{
	wr(RTC_REG_A, 0x21);
	wr(RTC_REG_B, RTC_B_PIE | B24);
	CHECK_EQ(clk.deadline, MONO0 + 3906250);
	wr(RTC_REG_A, 0x22);
	CHECK_EQ(clk.deadline, MONO0 + 7812500);
}

static void test_rtc_rates_3_and_15_are_8192_and_2_hz(void)
{
	wr(RTC_REG_A, 0x23);
	wr(RTC_REG_B, RTC_B_PIE | B24);
	CHECK_EQ(clk.deadline, MONO0 + 122071); /* 122070.3125 ns, rounded up */
	wr(RTC_REG_A, 0x2f);
	CHECK_EQ(clk.deadline, MONO0 + 500 * MS);
}

static void test_rtc_rate_zero_disarms_timer(void)
{
	wr(RTC_REG_B, RTC_B_PIE | B24);
	CHECK(clk.deadline != 0);
	wr(RTC_REG_A, 0x20);
	CHECK_EQ(clk.deadline, 0);
}

static void test_rtc_late_expiry_coalesces_missed_periods(void)
{
	wr(RTC_REG_B, RTC_B_PIE | B24);
	advance(10 * MS); /* ten ticks and a quarter late */
	rtc_timer_expired(&r);
	CHECK_EQ(f.irq_raises, 1);
	CHECK_EQ(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_PF);
	CHECK_EQ(clk.deadline, MONO0 + tick_1024(11));
}

static void test_rtc_update_ended_interrupt_once_per_second(void)
{
	setup_at(T0 * NS + 250 * MS);
	wr(RTC_REG_B, RTC_B_UIE | B24);
	CHECK_EQ(clk.deadline, MONO0 + 750 * MS);
	expire();
	CHECK_EQ(f.irq_level, 1);
	CHECK_EQ(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_PF | RTC_C_UF);
	CHECK_EQ(clk.deadline, MONO0 + 1750 * MS);
	expire();
	CHECK_EQ(f.irq_raises, 2);
}

static void test_rtc_reading_c_clears_flags_and_lowers_irq(void)
{
	wr(RTC_REG_B, RTC_B_UIE | B24);
	expire();
	CHECK_EQ(f.irq_level, 1);
	CHECK_EQ(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_PF | RTC_C_UF);
	CHECK_EQ(f.irq_level, 0);
	CHECK_EQ(rd(RTC_REG_C), 0);
}

static void test_rtc_no_timer_while_irqf_pending(void)
{
	wr(RTC_REG_B, RTC_B_UIE | B24);
	expire();
	CHECK_EQ(clk.deadline, 0); /* re-armed only once C is read */
	rd(RTC_REG_C);
	CHECK_EQ(clk.deadline, MONO0 + 2 * NS);
}

static void test_rtc_periodic_flag_set_with_pie_disabled_irq_low(void)
{
	advance(MS);
	CHECK_EQ(rd(RTC_REG_C), RTC_C_PF);
	CHECK_EQ(f.irq_raises, 0);
	CHECK_EQ(clk.arms, 0);
}

static void test_rtc_enabling_interrupt_with_pending_flag_raises_irq(void)
{
	advance(1500 * MS);
	wr(RTC_REG_B, RTC_B_UIE | B24);
	CHECK_EQ(f.irq_level, 1);
	CHECK_EQ(rd(RTC_REG_C), RTC_C_IRQF | RTC_C_PF | RTC_C_UF);
}

static void test_rtc_disabling_interrupt_lowers_irq(void)
{
	wr(RTC_REG_B, RTC_B_UIE | B24);
	expire();
	wr(RTC_REG_B, B24);
	CHECK_EQ(f.irq_level, 0);
	CHECK_EQ(rd(RTC_REG_C), RTC_C_PF | RTC_C_UF);
}

static void test_rtc_reg_c_ignores_writes(void)
{
	wr(RTC_REG_C, 0xf0);
	CHECK_EQ(rd(RTC_REG_C), 0);
	CHECK_EQ(f.irq_level, 0);
}

static void test_rtc_reg_d_reads_vrt_and_ignores_writes(void)
{
	wr(RTC_REG_D, 0x00);
	CHECK_EQ(rd(RTC_REG_D), RTC_D_VRT);
	wr(RTC_REG_D, 0x7f);
	CHECK_EQ(rd(RTC_REG_D), RTC_D_VRT);
}

static void test_rtc_index_bit_7_masks_nmi(void)
{
	rtc_ops.write(&r, 0, 1, 0x80 | RTC_REG_D);
	CHECK_EQ(rtc_nmi_masked(&r), 1);
	CHECK_EQ(rtc_ops.read(&r, 1, 1), RTC_D_VRT); /* bit 7 is not part of the index */
	rtc_ops.write(&r, 0, 1, RTC_REG_D);
	CHECK_EQ(rtc_nmi_masked(&r), 0);
}

static void test_rtc_cmos_storage_through_ports(void)
{
	wr(0x40, 0xa5);
	wr(0x7f, 0x5a);
	REGS({ 0x40, 0xa5 }, { 0x7f, 0x5a });
	CHECK_EQ(rtc_get_cmos(&r, 0x40), 0xa5);
}

static void test_rtc_board_set_cmos_is_seen_by_guest(void)
{
	rtc_set_cmos(&r, 0x15, 0x80); /* base memory 640 KiB, low byte */
	rtc_set_cmos(&r, 0x16, 0x02);
	REGS({ 0x15, 0x80 }, { 0x16, 0x02 });
}

static void test_rtc_board_access_out_of_range_is_ignored(void)
{
	rtc_set_cmos(&r, 0x90, 0x12);
	CHECK_EQ(rtc_get_cmos(&r, 0x90), 0xff);
	CHECK_EQ(rtc_get_cmos(&r, 0x10), 0x00);
}

static void test_rtc_board_get_cmos_does_not_clear_c(void)
{
	advance(MS);
	CHECK_EQ(rtc_get_cmos(&r, RTC_REG_C), RTC_C_PF);
	CHECK_EQ(rd(RTC_REG_C), RTC_C_PF);
}

static void test_rtc_index_wraps_to_7_bits(void)
{
	wr(0x80 | 0x10, 0x5a);
	CHECK_EQ(rtc_get_cmos(&r, 0x10), 0x5a);
	CHECK_EQ(rd(0x10), 0x5a);
}

static void test_rtc_reset_restores_registers_keeps_cmos_and_time(void)
{
	wr(0x40, 0x11);
	wr(RTC_SECONDS_ALARM, 0x40);
	wr(RTC_REG_A, 0x2f);
	wr(RTC_REG_B, RTC_B_UIE | RTC_B_DM | B24);
	expire();
	rtc_ops.write(&r, 0, 1, 0x80);
	rtc_reset(&r);
	CHECK_EQ(f.irq_level, 0);
	CHECK_EQ(rtc_nmi_masked(&r), 0);
	REGS({ RTC_REG_A, 0x26 }, { RTC_REG_B, 0x02 }, { RTC_REG_C, 0x00 }, { RTC_REG_D, 0x80 },
	     { 0x40, 0x11 }, { RTC_SECONDS_ALARM, 0x40 }, { RTC_SECONDS, 0x39 });
}

static void test_rtc_reset_resumes_a_halted_clock(void)
{
	SET_HALTED({ RTC_MINUTES, 0x10 });
	rtc_reset(&r);
	advance(NS);
	REGS({ RTC_MINUTES, 0x10 }, { RTC_SECONDS, 0x39 });
}

static void test_rtc_wall_clock_step_back_sets_no_flags(void)
{
	clk.wall_base -= 10 * NS;
	REGS({ RTC_REG_C, 0 }, { RTC_SECONDS, 0x28 });
	advance(NS);
	CHECK_EQ(rd(RTC_REG_C) & RTC_C_UF, RTC_C_UF);
}

static void test_rtc_bus_accepts_only_byte_accesses(void)
{
	struct bus bus;

	bus_init(&bus, "pio");
	CHECK_EQ(bus_register(&bus, RTC_PORT_BASE, RTC_PORT_LEN, &rtc_ops, &r), 0);
	bus_write(&bus, 0x70, 1, RTC_REG_A);
	CHECK_EQ(bus_read(&bus, 0x71, 1), 0x26);
	CHECK_EQ(bus_read(&bus, 0x70, 2), 0xffff);
}

/* Every index and value the guest can send, with time passing: no crash. */
static void test_rtc_every_index_and_value_is_harmless(void)
{
	unsigned i, v;

	for (i = 0; i < 256; i++) {
		for (v = 0; v < 256; v++) {
			wr(i, (uint8_t)v);
			rd(i);
			advance(37 * MS);
			if (clk.deadline && clk.deadline <= clk.now)
				expire();
		}
	}
	CHECK_EQ(rd(RTC_REG_D), RTC_D_VRT);
}

int main(void)
{
	check_setup = setup;
	RUN(test_rtc_reset_values_match_qemu);
	RUN(test_rtc_index_port_reads_all_ones);
	RUN(test_rtc_bcd_time_registers_show_wall_clock);
	RUN(test_rtc_century_byte_is_bcd_year_over_100);
	RUN(test_rtc_binary_mode_time_registers);
	RUN(test_rtc_12_hour_mode_sets_pm_bit);
	RUN(test_rtc_12_hour_binary_mode_sets_pm_bit);
	RUN(test_rtc_12_hour_mode_midnight_is_12_am);
	RUN(test_rtc_12_hour_mode_noon_is_12_pm);
	RUN(test_rtc_time_advances_with_wall_clock);
	RUN(test_rtc_year_rollover_updates_century);
	RUN(test_rtc_set_bit_halts_updates);
	RUN(test_rtc_time_written_under_set_keeps_running);
	RUN(test_rtc_clearing_set_keeps_subsecond_phase);
	RUN(test_rtc_write_while_running_changes_that_field);
	RUN(test_rtc_guest_century_write_changes_year);
	RUN(test_rtc_month_13_carries_into_next_year);
	RUN(test_rtc_writing_set_clears_uie);
	RUN(test_rtc_uip_only_in_last_244_us_of_a_second);
	RUN(test_rtc_uip_stays_clear_while_set);
	RUN(test_rtc_uip_is_read_only);
	RUN(test_rtc_divider_reset_stops_clock_and_delays_first_update);
	RUN(test_rtc_alarm_match_sets_af_and_raises_irq);
	RUN(test_rtc_alarm_dont_care_fires_every_minute);
	RUN(test_rtc_alarm_in_12_hour_mode_compares_pm_bit);
	RUN(test_rtc_alarm_flag_set_with_aie_disabled_irq_low);
	RUN(test_rtc_alarm_does_not_fire_while_set);
	RUN(test_rtc_periodic_1024_hz_deadlines_do_not_drift);
	RUN(test_rtc_rates_1_and_2_are_256_and_128_hz);
	RUN(test_rtc_rates_3_and_15_are_8192_and_2_hz);
	RUN(test_rtc_rate_zero_disarms_timer);
	RUN(test_rtc_late_expiry_coalesces_missed_periods);
	RUN(test_rtc_update_ended_interrupt_once_per_second);
	RUN(test_rtc_reading_c_clears_flags_and_lowers_irq);
	RUN(test_rtc_no_timer_while_irqf_pending);
	RUN(test_rtc_periodic_flag_set_with_pie_disabled_irq_low);
	RUN(test_rtc_enabling_interrupt_with_pending_flag_raises_irq);
	RUN(test_rtc_disabling_interrupt_lowers_irq);
	RUN(test_rtc_reg_c_ignores_writes);
	RUN(test_rtc_reg_d_reads_vrt_and_ignores_writes);
	RUN(test_rtc_index_bit_7_masks_nmi);
	RUN(test_rtc_cmos_storage_through_ports);
	RUN(test_rtc_board_set_cmos_is_seen_by_guest);
	RUN(test_rtc_board_access_out_of_range_is_ignored);
	RUN(test_rtc_board_get_cmos_does_not_clear_c);
	RUN(test_rtc_index_wraps_to_7_bits);
	RUN(test_rtc_reset_restores_registers_keeps_cmos_and_time);
	RUN(test_rtc_reset_resumes_a_halted_clock);
	RUN(test_rtc_wall_clock_step_back_sets_no_flags);
	RUN(test_rtc_bus_accepts_only_byte_accesses);
	RUN(test_rtc_every_index_and_value_is_harmless);
	return check_summary("test_rtc");
}
