/* test_pit.c: the i8254 through its ports, with a hand-stepped clock and timer. */
#include <string.h>

#include "check.h"
#include "dev/pit.h"

#define T0 1000000000ull /* the fake clock's reading at setup: 1 s */
#define NSEC_PER_SEC 1000000000ull

struct fakes {
	uint64_t now;
	uint64_t deadline; /* last value given to the timer */
	int arms;
	int irq_level;
	int irq_changes;
	unsigned irq_gsi;
};

static struct fakes f;
static struct pit p;

static uint64_t fake_now(void *ctx)
{
	return ((struct fakes *)ctx)->now;
}

static int64_t fake_realtime(void *ctx)
{
	(void)ctx;
	return 0;
}

static void fake_arm(void *ctx, uint64_t deadline)
{
	struct fakes *fk = ctx;

	fk->deadline = deadline;
	fk->arms++;
}

static void record_irq(void *ctx, unsigned gsi, int level)
{
	struct fakes *fk = ctx;

	fk->irq_gsi = gsi;
	fk->irq_level = level;
	fk->irq_changes++;
}

static void setup_at(uint64_t start)
{
	memset(&f, 0, sizeof(f));
	f.now = start;
	pit_init(&p, (struct irq_line){ record_irq, &f, PIT_IRQ },
		 (struct vclock){ fake_now, fake_realtime, &f }, (struct vtimer){ fake_arm, &f });
}

static void setup(void)
{
	setup_at(T0);
}

/* The first nanosecond after a load at which (clocks) pulses have passed. */
static uint64_t clk_ns(uint64_t clocks)
{
	return (clocks * NSEC_PER_SEC + PIT_FREQ - 1) / PIT_FREQ;
}

/* Step the fake clock to (clocks) pulses after (load). */
static void at(uint64_t load, uint64_t clocks)
{
	f.now = load + clk_ns(clocks);
}

static uint8_t rd(unsigned port)
{
	return (uint8_t)pit_ops.read(&p, port, 1);
}

static void wr(unsigned port, uint8_t v)
{
	pit_ops.write(&p, port, 1, v);
}

/* Control word for LSB-then-MSB access, then the count; returns the load time. */
static uint64_t program(unsigned counter, unsigned mode, uint16_t count)
{
	wr(PIT_CONTROL, (uint8_t)(PIT_CW_SC(counter) | PIT_CW_RW_LSB_MSB | PIT_CW_M(mode)));
	wr(counter, (uint8_t)count);
	wr(counter, (uint8_t)(count >> 8));
	return f.now;
}

/* Two reads, LSB then MSB. */
static unsigned word(unsigned counter)
{
	unsigned lsb = rd(counter);

	return lsb | (unsigned)rd(counter) << 8;
}

/* Counter latch command, then LSB and MSB (for LSB-then-MSB counters). */
static unsigned count_of(unsigned counter)
{
	wr(PIT_CONTROL, (uint8_t)(PIT_CW_SC(counter) | PIT_CW_RW_LATCH));
	return word(counter);
}

static uint8_t status_of(unsigned counter)
{
	wr(PIT_CONTROL, (uint8_t)(PIT_CW_READ_BACK | PIT_RB_NOT_COUNT | PIT_RB_CNT(counter)));
	return rd(counter);
}

static int out_of(unsigned counter)
{
	return !!(status_of(counter) & PIT_STATUS_OUTPUT);
}

/* ---- reset ---- */

static void test_pit_reset_status_is_mode3_binary_out_high(void)
{
	setup();
	/* OUTPUT, RW 00, M 011, binary; no NULL COUNT: the count is loaded. */
	CHECK_EQ(status_of(0), 0x86);
	CHECK_EQ(status_of(1), 0x86);
	CHECK_EQ(status_of(2), 0x86); /* gate low forces OUT high in mode 3 */
}

static void test_pit_reset_counter0_square_wave_raises_irq_and_arms_half_period(void)
{
	setup();
	CHECK_EQ(f.irq_gsi, PIT_IRQ);
	CHECK_EQ(f.irq_level, 1);
	CHECK_EQ(f.irq_changes, 1);
	CHECK_EQ(f.deadline, T0 + clk_ns(32768)); /* half of 65536 */
}

static void test_pit_reset_counter1_counts_counter2_gated_off(void)
{
	setup();
	at(T0, 100);
	/* RW 00 reads LSB only; mode 3 steps by two: 65536 - 200 = 0xff38. */
	wr(PIT_CONTROL, PIT_CW_SC(1) | PIT_CW_RW_LATCH);
	CHECK_EQ(rd(PIT_COUNTER1), 0x38);
	CHECK_EQ(rd(PIT_COUNTER2), 0x00); /* still 65536: gate 2 is low */
}

static void test_pit_reset_restores_defaults(void)
{
	setup();
	program(0, 0, 1000);
	wr(PIT_CONTROL, PIT_CW_SC(2) | PIT_CW_RW_LSB | PIT_CW_M(4) | PIT_CW_BCD);
	f.now += 5000;
	pit_reset(&p);
	CHECK_EQ(status_of(0), 0x86);
	CHECK_EQ(status_of(2), 0x86);
	CHECK_EQ(f.irq_level, 1);
	CHECK_EQ(f.deadline, T0 + 5000 + clk_ns(32768));
}

/* ---- access modes ---- */

static void test_pit_lsb_only_write_leaves_msb_zero(void)
{
	setup();
	wr(PIT_CONTROL, PIT_CW_SC(1) | PIT_CW_RW_LSB | PIT_CW_M(0));
	wr(PIT_COUNTER1, 0x34);
	CHECK_EQ(rd(PIT_COUNTER1), 0x34);
	CHECK_EQ(rd(PIT_COUNTER1), 0x34); /* no flip-flop in LSB mode */
	at(T0, 0x33);
	CHECK_EQ(out_of(1), 0);
	at(T0, 0x34); /* terminal count after 0x0034 pulses: the MSB was 0 */
	CHECK_EQ(out_of(1), 1);
}

static void test_pit_msb_only_write_and_read(void)
{
	setup();
	wr(PIT_CONTROL, PIT_CW_SC(1) | PIT_CW_RW_MSB | PIT_CW_M(0));
	wr(PIT_COUNTER1, 0x12); /* count 0x1200 */
	CHECK_EQ(rd(PIT_COUNTER1), 0x12);
	CHECK_EQ(rd(PIT_COUNTER1), 0x12);
	at(T0, 1); /* 0x11ff */
	CHECK_EQ(rd(PIT_COUNTER1), 0x11);
	at(T0, 0x1200);
	CHECK_EQ(out_of(1), 1);
}

static void test_pit_lsb_msb_write_takes_lsb_first(void)
{
	setup();
	program(1, 0, 0x1234);
	CHECK_EQ(count_of(1), 0x1234);
	at(T0, 0x10);
	CHECK_EQ(count_of(1), 0x1224);
}

static void test_pit_read_flip_flop_alternates_lsb_msb(void)
{
	setup();
	program(1, 0, 0xabcd);
	CHECK_EQ(rd(PIT_COUNTER1), 0xcd);
	CHECK_EQ(rd(PIT_COUNTER1), 0xab);
	CHECK_EQ(rd(PIT_COUNTER1), 0xcd);
	CHECK_EQ(rd(PIT_COUNTER1), 0xab);
}

static void test_pit_control_word_resets_both_flip_flops(void)
{
	setup();
	program(1, 0, 0xabcd);
	rd(PIT_COUNTER1); /* read flip-flop now at MSB */
	wr(PIT_COUNTER1, 0x55); /* write flip-flop now at MSB */
	program(1, 0, 0x1234);
	CHECK_EQ(rd(PIT_COUNTER1), 0x34);
	CHECK_EQ(rd(PIT_COUNTER1), 0x12);
}

static void test_pit_reads_and_writes_interleave(void)
{
	/* Datasheet: read LSB, write LSB, read MSB, write MSB is allowed. */
	setup();
	program(1, 0, 0xabcd);
	CHECK_EQ(rd(PIT_COUNTER1), 0xcd);
	wr(PIT_COUNTER1, 0x34);
	CHECK_EQ(rd(PIT_COUNTER1), 0xab);
	wr(PIT_COUNTER1, 0x12);
	CHECK_EQ(count_of(1), 0x1234);
}

/* ---- latch and read-back ---- */

static void test_pit_counter_latch_freezes_value_until_read(void)
{
	setup();
	program(1, 0, 1000);
	at(T0, 100);
	wr(PIT_CONTROL, PIT_CW_SC(1) | PIT_CW_RW_LATCH);
	at(T0, 300);
	CHECK_EQ(rd(PIT_COUNTER1), 900 & 0xff);
	CHECK_EQ(rd(PIT_COUNTER1), 900 >> 8);
	CHECK_EQ(rd(PIT_COUNTER1), 700 & 0xff); /* released: live again */
	CHECK_EQ(rd(PIT_COUNTER1), 700 >> 8);
}

static void test_pit_second_latch_before_read_is_ignored(void)
{
	setup();
	program(1, 0, 1000);
	at(T0, 100);
	wr(PIT_CONTROL, PIT_CW_SC(1) | PIT_CW_RW_LATCH);
	at(T0, 200);
	CHECK_EQ(count_of(1), 900);
}

static void test_pit_latch_command_keeps_mode_and_access(void)
{
	setup();
	program(1, 2, 1000);
	wr(PIT_CONTROL, PIT_CW_SC(1) | PIT_CW_RW_LATCH);
	CHECK_EQ(status_of(1), PIT_STATUS_OUTPUT | PIT_CW_RW_LSB_MSB | PIT_CW_M(2));
	CHECK_EQ(rd(PIT_COUNTER1), 1000 & 0xff);
	CHECK_EQ(rd(PIT_COUNTER1), 1000 >> 8);
}

static void test_pit_read_back_latches_count_of_selected_counters_only(void)
{
	setup();
	program(0, 0, 1000);
	program(1, 0, 2000);
	program(2, 0, 3000);
	pit_set_gate(&p, 2, 1);
	at(T0, 10);
	wr(PIT_CONTROL, PIT_CW_READ_BACK | PIT_RB_NOT_STATUS | PIT_RB_CNT(0) | PIT_RB_CNT(1));
	at(T0, 50);
	CHECK_EQ(word(PIT_COUNTER0), 990);
	CHECK_EQ(word(PIT_COUNTER1), 1990);
	CHECK_EQ(word(PIT_COUNTER2), 2950); /* not latched: live */
}

static void test_pit_read_back_status_reports_every_field(void)
{
	setup();
	/* Right after the control word: OUT high (mode 2), NULL COUNT. */
	wr(PIT_CONTROL, PIT_CW_SC(1) | PIT_CW_RW_MSB | PIT_CW_M(2) | PIT_CW_BCD);
	CHECK_EQ(status_of(1), 0xe5); /* OUTPUT | NULL COUNT | RW 10 | M 010 | BCD */
	wr(PIT_COUNTER1, 0x10);
	CHECK_EQ(status_of(1), 0xa5); /* count loaded: NULL COUNT clear */
	wr(PIT_CONTROL, PIT_CW_SC(1) | PIT_CW_RW_LSB | PIT_CW_M(0));
	CHECK_EQ(status_of(1), 0x50); /* OUT low in mode 0, NULL COUNT, RW 01, M 000 */
	wr(PIT_COUNTER1, 5);
	at(T0, 5);
	CHECK_EQ(status_of(1), 0x90); /* terminal count: OUTPUT */
}

static void test_pit_read_back_status_comes_before_count(void)
{
	setup();
	program(1, 0, 1000);
	at(T0, 1);
	wr(PIT_CONTROL, PIT_CW_READ_BACK | PIT_RB_CNT(1));
	CHECK_EQ(rd(PIT_COUNTER1), PIT_CW_RW_LSB_MSB | PIT_CW_M(0));
	CHECK_EQ(rd(PIT_COUNTER1), 999 & 0xff);
	CHECK_EQ(rd(PIT_COUNTER1), 999 >> 8);
}

static void test_pit_latched_status_holds_until_read(void)
{
	setup();
	program(1, 0, 100);
	wr(PIT_CONTROL, PIT_CW_READ_BACK | PIT_RB_NOT_COUNT | PIT_RB_CNT(1));
	at(T0, 200);
	wr(PIT_CONTROL, PIT_CW_READ_BACK | PIT_RB_NOT_COUNT | PIT_RB_CNT(1)); /* ignored */
	CHECK_EQ(rd(PIT_COUNTER1) & PIT_STATUS_OUTPUT, 0);
	CHECK_EQ(out_of(1), 1);
}

static void test_pit_control_word_drops_pending_latches(void)
{
	setup();
	program(1, 0, 1000);
	wr(PIT_CONTROL, PIT_CW_READ_BACK | PIT_RB_CNT(1));
	program(1, 0, 500);
	CHECK_EQ(rd(PIT_COUNTER1), 500 & 0xff);
	CHECK_EQ(rd(PIT_COUNTER1), 500 >> 8);
}

/* ---- counting ---- */

static void test_pit_bcd_counts_in_decimal(void)
{
	setup();
	wr(PIT_CONTROL, PIT_CW_SC(1) | PIT_CW_RW_LSB_MSB | PIT_CW_M(0) | PIT_CW_BCD);
	wr(PIT_COUNTER1, 0x00);
	wr(PIT_COUNTER1, 0x01); /* 100 decimal */
	at(T0, 1);
	CHECK_EQ(count_of(1), 0x0099);
	at(T0, 11);
	CHECK_EQ(count_of(1), 0x0089);
	at(T0, 99);
	CHECK_EQ(out_of(1), 0);
	at(T0, 100);
	CHECK_EQ(out_of(1), 1);
}

static void test_pit_bcd_count_zero_is_10000(void)
{
	setup();
	wr(PIT_CONTROL, PIT_CW_SC(1) | PIT_CW_RW_LSB_MSB | PIT_CW_M(0) | PIT_CW_BCD);
	wr(PIT_COUNTER1, 0);
	wr(PIT_COUNTER1, 0);
	at(T0, 1);
	CHECK_EQ(count_of(1), 0x9999);
	at(T0, 9999);
	CHECK_EQ(out_of(1), 0);
	at(T0, 10000);
	CHECK_EQ(out_of(1), 1);
}

static void test_pit_binary_count_zero_is_65536(void)
{
	setup();
	program(0, 0, 0);
	CHECK_EQ(count_of(0), 0);
	CHECK_EQ(f.deadline, T0 + clk_ns(65536));
	at(T0, 1);
	CHECK_EQ(count_of(0), 0xffff);
}

static void test_pit_reads_are_exact_anywhere_in_a_period(void)
{
	setup();
	program(1, 2, 1000);
	at(T0, 1234567); /* 1234 periods + 567 pulses */
	CHECK_EQ(count_of(1), 1000 - 567);
	f.now += 1; /* still within the same pulse */
	CHECK_EQ(count_of(1), 1000 - 567);
}

static void test_pit_counts_exact_on_a_clock_near_2_pow_62(void)
{
	setup_at(1ull << 62);
	program(1, 0, 60000);
	at(1ull << 62, 12345);
	CHECK_EQ(count_of(1), 60000 - 12345);
}

/* ---- modes ---- */

static void test_pit_mode0_out_rises_at_terminal_count_and_stays(void)
{
	setup();
	program(1, 0, 100);
	CHECK_EQ(out_of(1), 0);
	at(T0, 99);
	CHECK_EQ(out_of(1), 0);
	at(T0, 100);
	CHECK_EQ(out_of(1), 1);
	at(T0, 101);
	CHECK_EQ(count_of(1), 0xffff); /* keeps counting through zero */
	at(T0, 100000);
	CHECK_EQ(out_of(1), 1);
}

static void test_pit_mode0_irq_rises_at_deadline_then_disarms(void)
{
	uint64_t load;

	setup();
	load = program(0, 0, 1000);
	CHECK_EQ(f.irq_level, 0); /* control word: OUT low */
	CHECK_EQ(f.deadline, load + clk_ns(1000));
	f.now = f.deadline;
	pit_timer_expired(&p);
	CHECK_EQ(f.irq_level, 1);
	CHECK_EQ(f.irq_changes, 3); /* reset high, control word low, terminal count high */
	CHECK_EQ(f.deadline, 0);
}

static void test_pit_mode0_first_byte_stops_counter_and_lowers_out(void)
{
	setup();
	program(0, 0, 100);
	at(T0, 150);
	pit_timer_expired(&p);
	CHECK_EQ(f.irq_level, 1);
	wr(PIT_COUNTER0, 0xe8); /* LSB of 1000 */
	CHECK_EQ(f.irq_level, 0);
	CHECK_EQ(f.deadline, 0);
	at(T0, 170);
	CHECK_EQ(word(PIT_COUNTER0), 0x10000 - 50); /* frozen */
	wr(PIT_COUNTER0, 0x03);
	CHECK_EQ(count_of(0), 1000);
	CHECK_EQ(f.deadline, f.now + clk_ns(1000));
}

static void test_pit_mode1_waits_for_gate_trigger(void)
{
	uint64_t trigger;

	setup();
	program(1, 1, 10);
	at(T0, 50);
	CHECK_EQ(status_of(1), PIT_STATUS_OUTPUT | PIT_STATUS_NULL_COUNT | 0x32);
	pit_set_gate(&p, 1, 0);
	pit_set_gate(&p, 1, 1); /* trigger */
	trigger = f.now;
	CHECK_EQ(status_of(1), 0x32); /* OUT low, count loaded */
	CHECK_EQ(count_of(1), 10);
	at(trigger, 9);
	CHECK_EQ(out_of(1), 0);
	at(trigger, 10);
	CHECK_EQ(out_of(1), 1);
}

static void test_pit_mode1_retrigger_restarts_one_shot(void)
{
	uint64_t retrigger;

	setup();
	program(1, 1, 10);
	pit_set_gate(&p, 1, 0);
	pit_set_gate(&p, 1, 1);
	at(T0, 5);
	pit_set_gate(&p, 1, 0);
	pit_set_gate(&p, 1, 1);
	retrigger = f.now;
	at(retrigger, 9);
	CHECK_EQ(out_of(1), 0);
	CHECK_EQ(count_of(1), 1);
	at(retrigger, 10);
	CHECK_EQ(out_of(1), 1);
}

static void test_pit_mode1_on_counter0_arms_only_after_trigger(void)
{
	setup();
	program(0, 1, 100);
	CHECK_EQ(f.deadline, 0);
	CHECK_EQ(f.irq_level, 1);
	pit_set_gate(&p, 0, 0);
	pit_set_gate(&p, 0, 1);
	CHECK_EQ(f.irq_level, 0);
	CHECK_EQ(f.deadline, T0 + clk_ns(100));
}

static void test_pit_mode2_low_for_one_clock_each_period(void)
{
	setup();
	program(1, 2, 5);
	CHECK_EQ(count_of(1), 5);
	at(T0, 3);
	CHECK_EQ(out_of(1), 1);
	CHECK_EQ(count_of(1), 2);
	at(T0, 4);
	CHECK_EQ(out_of(1), 0);
	CHECK_EQ(count_of(1), 1);
	at(T0, 5);
	CHECK_EQ(out_of(1), 1);
	CHECK_EQ(count_of(1), 5); /* reloaded */
	at(T0, 9);
	CHECK_EQ(out_of(1), 0);
}

static void test_pit_mode2_irq_falls_then_rises_at_each_period_end(void)
{
	uint64_t load;

	setup();
	load = program(0, 2, 1000);
	CHECK_EQ(f.irq_level, 1);
	CHECK_EQ(f.deadline, load + clk_ns(999));
	f.now = f.deadline;
	pit_timer_expired(&p);
	CHECK_EQ(f.irq_level, 0);
	CHECK_EQ(f.deadline, load + clk_ns(1000));
	f.now = f.deadline;
	pit_timer_expired(&p);
	CHECK_EQ(f.irq_level, 1);
	CHECK_EQ(f.deadline, load + clk_ns(1999));
}

static void test_pit_mode2_deadlines_exact_over_1000_periods(void)
{
	uint64_t load;
	int bad = 0, lows = 0;

	setup();
	load = program(0, 2, 11932); /* about 100 Hz: the clock does not divide evenly */
	for (uint64_t k = 1; k <= 1000; k++) {
		bad += f.deadline != load + clk_ns(k * 11932 - 1);
		f.now = f.deadline;
		pit_timer_expired(&p);
		lows += f.irq_level == 0;
		bad += f.deadline != load + clk_ns(k * 11932);
		f.now = f.deadline;
		pit_timer_expired(&p);
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(lows, 1000);
	CHECK_EQ(f.irq_level, 1);
	CHECK_EQ(f.deadline, load + clk_ns(1001 * 11932 - 1));
}

static void test_pit_late_expiry_replays_one_pulse_and_skips_missed_periods(void)
{
	uint64_t load;
	int changes;

	setup();
	load = program(0, 2, 1000);
	changes = f.irq_changes;
	at(load, 10500); /* ten and a half periods late */
	pit_timer_expired(&p);
	CHECK_EQ(f.irq_changes, changes + 2); /* one low-high pulse, not ten */
	CHECK_EQ(f.irq_level, 1);
	CHECK_EQ(f.deadline, load + clk_ns(10999));
}

static void test_pit_expiry_inside_the_low_clock_lowers_irq(void)
{
	uint64_t load;

	setup();
	load = program(0, 2, 1000);
	f.now = f.deadline + 1; /* prompt: still within the one low pulse */
	pit_timer_expired(&p);
	CHECK_EQ(f.irq_level, 0);
	CHECK_EQ(f.deadline, load + clk_ns(1000));
}

static void test_pit_spurious_expiry_changes_nothing(void)
{
	uint64_t deadline;
	int changes;

	setup();
	program(0, 2, 1000);
	deadline = f.deadline;
	changes = f.irq_changes;
	f.now = deadline - 1;
	pit_timer_expired(&p);
	CHECK_EQ(f.irq_changes, changes);
	CHECK_EQ(f.deadline, deadline);
}

static void test_pit_mode2_new_count_takes_effect_at_once(void)
{
	/* QEMU restarts the period on the write; the datasheet would wait. */
	setup();
	program(0, 2, 1000);
	at(T0, 300);
	wr(PIT_COUNTER0, 500 & 0xff);
	wr(PIT_COUNTER0, 500 >> 8);
	CHECK_EQ(count_of(0), 500);
	CHECK_EQ(f.deadline, f.now + clk_ns(499));
}

static void test_pit_mode3_even_count_square_wave(void)
{
	setup();
	program(1, 3, 4);
	CHECK_EQ(count_of(1), 4);
	at(T0, 1);
	CHECK_EQ(out_of(1), 1);
	CHECK_EQ(count_of(1), 2);
	at(T0, 2);
	CHECK_EQ(out_of(1), 0);
	CHECK_EQ(count_of(1), 4);
	at(T0, 3);
	CHECK_EQ(out_of(1), 0);
	CHECK_EQ(count_of(1), 2);
	at(T0, 4);
	CHECK_EQ(out_of(1), 1);
}

static void test_pit_mode3_odd_count_high_one_clock_longer(void)
{
	setup();
	program(1, 3, 5); /* high 3 clocks (CE 4, 2, 0), low 2 (CE 4, 2) */
	CHECK_EQ(count_of(1), 4);
	at(T0, 2);
	CHECK_EQ(out_of(1), 1);
	CHECK_EQ(count_of(1), 0);
	at(T0, 3);
	CHECK_EQ(out_of(1), 0);
	CHECK_EQ(count_of(1), 4);
	at(T0, 4);
	CHECK_EQ(out_of(1), 0);
	CHECK_EQ(count_of(1), 2);
	at(T0, 5);
	CHECK_EQ(out_of(1), 1);
}

static void test_pit_mode3_irq_deadlines_at_half_periods(void)
{
	uint64_t load;

	setup();
	load = program(0, 3, 1001);
	CHECK_EQ(f.deadline, load + clk_ns(501));
	f.now = f.deadline;
	pit_timer_expired(&p);
	CHECK_EQ(f.irq_level, 0);
	CHECK_EQ(f.deadline, load + clk_ns(1001));
	f.now = f.deadline;
	pit_timer_expired(&p);
	CHECK_EQ(f.irq_level, 1);
	CHECK_EQ(f.deadline, load + clk_ns(1502));
}

static void test_pit_mode3_late_by_a_whole_cycle_replays_one_edge(void)
{
	uint64_t load;
	int changes;

	setup();
	load = program(0, 3, 1000);
	changes = f.irq_changes;
	at(load, 1200); /* fell at 500, rose at 1000 */
	pit_timer_expired(&p);
	CHECK_EQ(f.irq_changes, changes + 2);
	CHECK_EQ(f.irq_level, 1);
	CHECK_EQ(f.deadline, load + clk_ns(1500));
}

static void test_pit_mode4_strobe_low_for_one_clock_once(void)
{
	uint64_t load;

	setup();
	load = program(0, 4, 10);
	CHECK_EQ(f.irq_level, 1);
	CHECK_EQ(f.deadline, load + clk_ns(10));
	f.now = f.deadline;
	pit_timer_expired(&p);
	CHECK_EQ(f.irq_level, 0);
	CHECK_EQ(f.deadline, load + clk_ns(11));
	f.now = f.deadline;
	pit_timer_expired(&p);
	CHECK_EQ(f.irq_level, 1);
	CHECK_EQ(f.deadline, 0);
	at(load, 65536 + 10); /* the count wraps but does not strobe again */
	CHECK_EQ(out_of(0), 1);
}

static void test_pit_mode5_strobes_after_gate_trigger(void)
{
	uint64_t trigger;

	setup();
	program(1, 5, 10);
	at(T0, 20);
	CHECK_EQ(out_of(1), 1);
	CHECK_EQ(count_of(1), 0); /* nothing loaded yet: frozen at reset's 65536 */
	pit_set_gate(&p, 1, 0);
	pit_set_gate(&p, 1, 1);
	trigger = f.now;
	at(trigger, 9);
	CHECK_EQ(out_of(1), 1);
	at(trigger, 10);
	CHECK_EQ(out_of(1), 0);
	at(trigger, 11);
	CHECK_EQ(out_of(1), 1);
}

static void test_pit_modes_6_and_7_alias_2_and_3(void)
{
	setup();
	program(1, 6, 5);
	CHECK_EQ(status_of(1) & 0x0e, PIT_CW_M(6)); /* read back as written */
	at(T0, 4);
	CHECK_EQ(out_of(1), 0);
	program(2, 7, 4);
	pit_set_gate(&p, 2, 1);
	at(f.now, 2); /* second half of a period of 4 */
	CHECK_EQ(out_of(2), 0);
}

/* ---- gates ---- */

static void test_pit_gate_low_stops_counting_on_counter2(void)
{
	setup();
	program(2, 0, 1000);
	at(T0, 100);
	CHECK_EQ(count_of(2), 1000);
	pit_set_gate(&p, 2, 1);
	at(f.now, 200);
	CHECK_EQ(count_of(2), 800);
	pit_set_gate(&p, 2, 0);
	at(T0, 5000);
	CHECK_EQ(count_of(2), 800);
	CHECK_EQ(out_of(2), 0);
}

static void test_pit_gate_low_forces_out_high_in_mode3(void)
{
	setup();
	program(2, 3, 100);
	pit_set_gate(&p, 2, 1);
	at(T0, 60);
	CHECK_EQ(out_of(2), 0);
	pit_set_gate(&p, 2, 0);
	CHECK_EQ(out_of(2), 1);
	pit_set_gate(&p, 2, 1); /* rising edge reloads */
	CHECK_EQ(count_of(2), 100);
}

static void test_pit_gate_low_on_counter0_disarms_then_rising_edge_restarts(void)
{
	setup();
	program(0, 2, 1000);
	at(T0, 400);
	pit_set_gate(&p, 0, 0);
	CHECK_EQ(f.deadline, 0);
	CHECK_EQ(f.irq_level, 1);
	f.now += 12345;
	pit_set_gate(&p, 0, 1);
	CHECK_EQ(f.deadline, f.now + clk_ns(999));
}

static void test_pit_set_gate_ignores_bad_channel(void)
{
	setup();
	pit_set_gate(&p, 3, 1);
	pit_set_gate(&p, ~0u, 0);
	CHECK_EQ(status_of(2), 0x86);
}

/* ---- the interface ---- */

static void test_pit_irq_changes_only_on_level_change(void)
{
	setup();
	program(0, 2, 1000);
	program(1, 0, 10);
	program(2, 3, 10);
	status_of(0);
	count_of(0);
	program(0, 2, 2000); /* OUT stays high across the reprogramming */
	CHECK_EQ(f.irq_changes, 1);
}

static void test_pit_control_port_reads_zero(void)
{
	setup();
	CHECK_EQ(rd(PIT_CONTROL), 0);
}

static void test_pit_accepts_only_byte_accesses(void)
{
	CHECK_EQ(pit_ops.sizes, BUS_SIZE_1);
}

static void test_pit_any_byte_on_any_port_is_handled(void)
{
	setup();
	for (unsigned port = 0; port < PIT_NPORTS; port++) {
		for (unsigned v = 0; v < 256; v++) {
			wr(port, (uint8_t)v);
			f.now += 977;
			rd(0);
			rd(1);
			rd(2);
			pit_timer_expired(&p);
		}
	}
	pit_ops.write(&p, PIT_NPORTS, 1, 0); /* beyond the range: ignored */
	CHECK_EQ(pit_ops.read(&p, PIT_NPORTS, 1), 0xff);
	wr(PIT_CONTROL, PIT_CW_SC(1) | PIT_CW_RW_LSB_MSB | PIT_CW_M(2));
	wr(PIT_COUNTER1, 1); /* count 1 in mode 2 is illegal: OUT stays low */
	wr(PIT_COUNTER1, 0);
	CHECK_EQ(out_of(1), 0);
}

int main(void)
{
	RUN(test_pit_reset_status_is_mode3_binary_out_high);
	RUN(test_pit_reset_counter0_square_wave_raises_irq_and_arms_half_period);
	RUN(test_pit_reset_counter1_counts_counter2_gated_off);
	RUN(test_pit_reset_restores_defaults);
	RUN(test_pit_lsb_only_write_leaves_msb_zero);
	RUN(test_pit_msb_only_write_and_read);
	RUN(test_pit_lsb_msb_write_takes_lsb_first);
	RUN(test_pit_read_flip_flop_alternates_lsb_msb);
	RUN(test_pit_control_word_resets_both_flip_flops);
	RUN(test_pit_reads_and_writes_interleave);
	RUN(test_pit_counter_latch_freezes_value_until_read);
	RUN(test_pit_second_latch_before_read_is_ignored);
	RUN(test_pit_latch_command_keeps_mode_and_access);
	RUN(test_pit_read_back_latches_count_of_selected_counters_only);
	RUN(test_pit_read_back_status_reports_every_field);
	RUN(test_pit_read_back_status_comes_before_count);
	RUN(test_pit_latched_status_holds_until_read);
	RUN(test_pit_control_word_drops_pending_latches);
	RUN(test_pit_bcd_counts_in_decimal);
	RUN(test_pit_bcd_count_zero_is_10000);
	RUN(test_pit_binary_count_zero_is_65536);
	RUN(test_pit_reads_are_exact_anywhere_in_a_period);
	RUN(test_pit_counts_exact_on_a_clock_near_2_pow_62);
	RUN(test_pit_mode0_out_rises_at_terminal_count_and_stays);
	RUN(test_pit_mode0_irq_rises_at_deadline_then_disarms);
	RUN(test_pit_mode0_first_byte_stops_counter_and_lowers_out);
	RUN(test_pit_mode1_waits_for_gate_trigger);
	RUN(test_pit_mode1_retrigger_restarts_one_shot);
	RUN(test_pit_mode1_on_counter0_arms_only_after_trigger);
	RUN(test_pit_mode2_low_for_one_clock_each_period);
	RUN(test_pit_mode2_irq_falls_then_rises_at_each_period_end);
	RUN(test_pit_mode2_deadlines_exact_over_1000_periods);
	RUN(test_pit_late_expiry_replays_one_pulse_and_skips_missed_periods);
	RUN(test_pit_expiry_inside_the_low_clock_lowers_irq);
	RUN(test_pit_spurious_expiry_changes_nothing);
	RUN(test_pit_mode2_new_count_takes_effect_at_once);
	RUN(test_pit_mode3_even_count_square_wave);
	RUN(test_pit_mode3_odd_count_high_one_clock_longer);
	RUN(test_pit_mode3_irq_deadlines_at_half_periods);
	RUN(test_pit_mode3_late_by_a_whole_cycle_replays_one_edge);
	RUN(test_pit_mode4_strobe_low_for_one_clock_once);
	RUN(test_pit_mode5_strobes_after_gate_trigger);
	RUN(test_pit_modes_6_and_7_alias_2_and_3);
	RUN(test_pit_gate_low_stops_counting_on_counter2);
	RUN(test_pit_gate_low_forces_out_high_in_mode3);
	RUN(test_pit_gate_low_on_counter0_disarms_then_rising_edge_restarts);
	RUN(test_pit_set_gate_ignores_bad_channel);
	RUN(test_pit_irq_changes_only_on_level_change);
	RUN(test_pit_control_port_reads_zero);
	RUN(test_pit_accepts_only_byte_accesses);
	RUN(test_pit_any_byte_on_any_port_is_handled);
	return check_summary("pit");
}
