/* test_pit.c: the i8254 through its ports, with a hand-stepped clock and timer. */
#include <string.h>

#include "check.h"
#include "dev/pit.h"
#include "fakeclock.h"

#define T0 1000000000ull /* the fake clock's reading at setup: 1 s */
#define NSEC_PER_SEC 1000000000ull
#define UNREAD (-1)	 /* in a probe: not looked at */

struct irq_record {
	int irq_level;
	int irq_changes;
	unsigned irq_gsi;
};

static struct fakeclock clk; /* now; deadline: the last value given to the timer */
static struct irq_record f;
static struct pit p;

static void record_irq(void *ctx, unsigned gsi, int level)
{
	struct irq_record *r = ctx;

	r->irq_gsi = gsi;
	r->irq_level = level;
	r->irq_changes++;
}

static void setup_at(uint64_t start)
{
	memset(&f, 0, sizeof(f));
	fakeclock_start(&clk, start, 0);
	pit_init(&p, (struct irq_line){ record_irq, &f, PIT_IRQ }, fake_vclock(&clk),
		 fake_vtimer(&clk));
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
	clk.now = load + clk_ns(clocks);
}

static uint8_t rd(unsigned port)
{
	return (uint8_t)pit_ops.read(&p, port, 1);
}

static void wr(unsigned port, uint8_t v)
{
	pit_ops.write(&p, port, 1, v);
}

/* Control word (cw) for (counter), then the count, LSB first; returns the load time. */
static uint64_t load(unsigned counter, unsigned cw, uint16_t count)
{
	wr(PIT_CONTROL, (uint8_t)cw);
	wr(counter, (uint8_t)count);
	wr(counter, (uint8_t)(count >> 8));
	return clk.now;
}

/* LSB-then-MSB access, binary. */
static uint64_t program(unsigned counter, unsigned mode, uint16_t count)
{
	return load(counter, PIT_CW_SC(counter) | PIT_CW_RW_LSB_MSB | PIT_CW_M(mode), count);
}

/* Counter 1, mode 0, counting in BCD from (bcd). */
static void program_bcd(uint16_t bcd)
{
	load(1, PIT_CW_SC(1) | PIT_CW_RW_LSB_MSB | PIT_CW_M(0) | PIT_CW_BCD, bcd);
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

/* Successive byte reads of (port). */
static void check_reads(int line, unsigned port, const int *want, size_t n)
{
	for (size_t i = 0; i < n; i++)
		CHECK_EQ_ROW(line, i, rd(port), want[i]);
}

#define READS(port, ...)                                                                     \
	check_reads(__LINE__, port, (const int[]){ __VA_ARGS__ }, LEN_OF(int, __VA_ARGS__))

/* A rising gate: the trigger of modes 1 and 5; returns its time. */
static uint64_t trigger(unsigned counter)
{
	pit_set_gate(&p, counter, 0);
	pit_set_gate(&p, counter, 1);
	return clk.now;
}

/* What a counter shows (clocks) pulses after a load: OUT, then the
 * latched count (either UNREAD: not looked at). */
struct probe {
	uint64_t clocks;
	int out;
	int count;
};

static void check_probes(int line, unsigned counter, uint64_t load_time, const struct probe *pr,
			 size_t n)
{
	for (size_t i = 0; i < n; i++) {
		at(load_time, pr[i].clocks);
		if (pr[i].out != UNREAD)
			CHECK_EQ_ROW(line, i, out_of(counter), pr[i].out);
		if (pr[i].count != UNREAD)
			CHECK_EQ_ROW(line, i, count_of(counter), pr[i].count);
	}
}

#define PROBES(counter, load_time, ...)                                                      \
	check_probes(__LINE__, counter, load_time, (const struct probe[]){ __VA_ARGS__ },    \
		     LEN_OF(struct probe, __VA_ARGS__))

/* Counter 0 right after a load (the first row), then each time its timer
 * fires at its deadline: the IRQ line's level, and the deadline in clocks
 * after the load (0: disarmed). */
struct edge {
	int level;
	uint64_t next;
};

static void fire(void)
{
	clk.now = clk.deadline;
	pit_timer_expired(&p);
}

static void check_edges(int line, uint64_t load_time, const struct edge *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			fire();
		CHECK_EQ_ROW(line, i, f.irq_level, e[i].level);
		CHECK_EQ_ROW(line, i, clk.deadline, e[i].next ? load_time + clk_ns(e[i].next) : 0);
	}
}

#define EDGES(load_time, ...)                                                                \
	check_edges(__LINE__, load_time, (const struct edge[]){ __VA_ARGS__ },               \
		    LEN_OF(struct edge, __VA_ARGS__))

/* ---- reset ---- */

static void test_pit_reset_status_is_mode3_binary_out_high(void)
{
	/* OUTPUT, RW 00, M 011, binary; no NULL COUNT: the count is loaded. */
	CHECK_EQ(status_of(0), 0x86);
	CHECK_EQ(status_of(1), 0x86);
	CHECK_EQ(status_of(2), 0x86); /* gate low forces OUT high in mode 3 */
}

static void test_pit_reset_counter0_square_wave_raises_irq_and_arms_half_period(void)
{
	CHECK_EQ(f.irq_gsi, PIT_IRQ);
	CHECK_EQ(f.irq_level, 1);
	CHECK_EQ(f.irq_changes, 1);
	CHECK_EQ(clk.deadline, T0 + clk_ns(32768)); /* half of 65536 */
}

static void test_pit_reset_counter1_counts_counter2_gated_off(void)
{
	at(T0, 100);
	/* RW 00 reads LSB only; mode 3 steps by two: 65536 - 200 = 0xff38. */
	wr(PIT_CONTROL, PIT_CW_SC(1) | PIT_CW_RW_LATCH);
	CHECK_EQ(rd(PIT_COUNTER1), 0x38);
	CHECK_EQ(rd(PIT_COUNTER2), 0x00); /* still 65536: gate 2 is low */
}

static void test_pit_reset_restores_defaults(void)
{
	program(0, 0, 1000);
	wr(PIT_CONTROL, PIT_CW_SC(2) | PIT_CW_RW_LSB | PIT_CW_M(4) | PIT_CW_BCD);
	clk.now += 5000;
	pit_reset(&p);
	CHECK_EQ(status_of(0), 0x86);
	CHECK_EQ(status_of(2), 0x86);
	CHECK_EQ(f.irq_level, 1);
	CHECK_EQ(clk.deadline, T0 + 5000 + clk_ns(32768));
}

/* ---- access modes ---- */

static void test_pit_lsb_only_write_leaves_msb_zero(void)
{
	wr(PIT_CONTROL, PIT_CW_SC(1) | PIT_CW_RW_LSB | PIT_CW_M(0));
	wr(PIT_COUNTER1, 0x34);
	/* no flip-flop in LSB mode */
	READS(PIT_COUNTER1, 0x34, 0x34);
	/* Terminal count after 0x0034 pulses: the MSB was 0. */
	PROBES(1, T0, { 0x33, 0, UNREAD }, { 0x34, 1, UNREAD });
}

static void test_pit_msb_only_write_and_read(void)
{
	wr(PIT_CONTROL, PIT_CW_SC(1) | PIT_CW_RW_MSB | PIT_CW_M(0));
	wr(PIT_COUNTER1, 0x12); /* count 0x1200 */
	READS(PIT_COUNTER1, 0x12, 0x12);
	at(T0, 1); /* 0x11ff */
	CHECK_EQ(rd(PIT_COUNTER1), 0x11);
	PROBES(1, T0, { 0x1200, 1, UNREAD });
}

static void test_pit_lsb_msb_write_takes_lsb_first(void)
{
	PROBES(1, program(1, 0, 0x1234), { 0, UNREAD, 0x1234 }, { 0x10, UNREAD, 0x1224 });
}

static void test_pit_read_flip_flop_alternates_lsb_msb(void)
{
	program(1, 0, 0xabcd);
	READS(PIT_COUNTER1, 0xcd, 0xab, 0xcd, 0xab);
}

static void test_pit_control_word_resets_both_flip_flops(void)
{
	program(1, 0, 0xabcd);
	rd(PIT_COUNTER1); /* read flip-flop now at MSB */
	wr(PIT_COUNTER1, 0x55); /* write flip-flop now at MSB */
	program(1, 0, 0x1234);
	READS(PIT_COUNTER1, 0x34, 0x12);
}

static void test_pit_reads_and_writes_interleave(void)
{
	/* Datasheet: read LSB, write LSB, read MSB, write MSB is allowed. */
	program(1, 0, 0xabcd);
	CHECK_EQ(rd(PIT_COUNTER1), 0xcd);
	wr(PIT_COUNTER1, 0x34);
	CHECK_EQ(rd(PIT_COUNTER1), 0xab);
	wr(PIT_COUNTER1, 0x12);
	CHECK_EQ(count_of(1), 0x1234);
}

/* ---- latch and read-back ---- */

/* Counter 1 counting down from 1000 in mode 0, latched 100 pulses in. */
static void latch_counter1_at_100(void)
{
	program(1, 0, 1000);
	at(T0, 100);
	wr(PIT_CONTROL, PIT_CW_SC(1) | PIT_CW_RW_LATCH);
}

static void test_pit_counter_latch_freezes_value_until_read(void)
{
	latch_counter1_at_100();
	at(T0, 300);
	READS(PIT_COUNTER1, 900 & 0xff, 900 >> 8, 700 & 0xff, 700 >> 8); /* then live again */
}

static void test_pit_second_latch_before_read_is_ignored(void)
{
	latch_counter1_at_100();
	at(T0, 200);
	CHECK_EQ(count_of(1), 900);
}

static void test_pit_latch_command_keeps_mode_and_access(void)
{
	program(1, 2, 1000);
	wr(PIT_CONTROL, PIT_CW_SC(1) | PIT_CW_RW_LATCH);
	CHECK_EQ(status_of(1), PIT_STATUS_OUTPUT | PIT_CW_RW_LSB_MSB | PIT_CW_M(2));
	READS(PIT_COUNTER1, 1000 & 0xff, 1000 >> 8);
}

static void test_pit_read_back_latches_count_of_selected_counters_only(void)
{
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
	program(1, 0, 1000);
	at(T0, 1);
	wr(PIT_CONTROL, PIT_CW_READ_BACK | PIT_RB_CNT(1));
	READS(PIT_COUNTER1, PIT_CW_RW_LSB_MSB | PIT_CW_M(0), 999 & 0xff, 999 >> 8);
}

static void test_pit_latched_status_holds_until_read(void)
{
	program(1, 0, 100);
	wr(PIT_CONTROL, PIT_CW_READ_BACK | PIT_RB_NOT_COUNT | PIT_RB_CNT(1));
	at(T0, 200);
	wr(PIT_CONTROL, PIT_CW_READ_BACK | PIT_RB_NOT_COUNT | PIT_RB_CNT(1)); /* ignored */
	CHECK_EQ(rd(PIT_COUNTER1) & PIT_STATUS_OUTPUT, 0);
	CHECK_EQ(out_of(1), 1);
}

static void test_pit_control_word_drops_pending_latches(void)
{
	program(1, 0, 1000);
	wr(PIT_CONTROL, PIT_CW_READ_BACK | PIT_RB_CNT(1));
	program(1, 0, 500);
	READS(PIT_COUNTER1, 500 & 0xff, 500 >> 8);
}

/* ---- counting ---- */

static void test_pit_bcd_counts_in_decimal(void)
{
	program_bcd(0x0100); /* 100 decimal */
	PROBES(1, T0, { 1, UNREAD, 0x0099 }, { 11, UNREAD, 0x0089 }, { 99, 0, UNREAD },
	       { 100, 1, UNREAD });
}

static void test_pit_bcd_count_zero_is_10000(void)
{
	program_bcd(0);
	PROBES(1, T0, { 1, UNREAD, 0x9999 }, { 9999, 0, UNREAD }, { 10000, 1, UNREAD });
}

static void test_pit_binary_count_zero_is_65536(void)
{
	program(0, 0, 0);
	CHECK_EQ(count_of(0), 0);
	CHECK_EQ(clk.deadline, T0 + clk_ns(65536));
	at(T0, 1);
	CHECK_EQ(count_of(0), 0xffff);
}

static void test_pit_reads_are_exact_anywhere_in_a_period(void)
{
	program(1, 2, 1000);
	at(T0, 1234567); /* 1234 periods + 567 pulses */
	CHECK_EQ(count_of(1), 1000 - 567);
	clk.now += 1; /* still within the same pulse */
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
	/* At 101 it keeps counting through zero. */
	PROBES(1, program(1, 0, 100), { 0, 0, UNREAD }, { 99, 0, UNREAD }, { 100, 1, UNREAD },
	       { 101, UNREAD, 0xffff }, { 100000, 1, UNREAD });
}

static void test_pit_mode0_irq_rises_at_deadline_then_disarms(void)
{
	EDGES(program(0, 0, 1000), { 0, 1000 }, { 1, 0 }); /* control word: OUT low */
	CHECK_EQ(f.irq_changes, 3); /* reset high, control word low, terminal count high */
}

static void test_pit_mode0_first_byte_stops_counter_and_lowers_out(void)
{
	program(0, 0, 100);
	at(T0, 150);
	pit_timer_expired(&p);
	CHECK_EQ(f.irq_level, 1);
	wr(PIT_COUNTER0, 0xe8); /* LSB of 1000 */
	CHECK_EQ(f.irq_level, 0);
	CHECK_EQ(clk.deadline, 0);
	at(T0, 170);
	CHECK_EQ(word(PIT_COUNTER0), 0x10000 - 50); /* frozen */
	wr(PIT_COUNTER0, 0x03);
	CHECK_EQ(count_of(0), 1000);
	CHECK_EQ(clk.deadline, clk.now + clk_ns(1000));
}

static void test_pit_mode1_waits_for_gate_trigger(void)
{
	uint64_t t;

	program(1, 1, 10);
	at(T0, 50);
	CHECK_EQ(status_of(1), PIT_STATUS_OUTPUT | PIT_STATUS_NULL_COUNT | 0x32);
	t = trigger(1);
	CHECK_EQ(status_of(1), 0x32); /* OUT low, count loaded */
	PROBES(1, t, { 0, UNREAD, 10 }, { 9, 0, UNREAD }, { 10, 1, UNREAD });
}

static void test_pit_mode1_retrigger_restarts_one_shot(void)
{
	program(1, 1, 10);
	trigger(1);
	at(T0, 5);
	PROBES(1, trigger(1), { 9, 0, 1 }, { 10, 1, UNREAD });
}

static void test_pit_mode1_on_counter0_arms_only_after_trigger(void)
{
	program(0, 1, 100);
	CHECK_EQ(clk.deadline, 0);
	CHECK_EQ(f.irq_level, 1);
	trigger(0);
	CHECK_EQ(f.irq_level, 0);
	CHECK_EQ(clk.deadline, T0 + clk_ns(100));
}

static void test_pit_mode2_irq_falls_then_rises_at_each_period_end(void)
{
	EDGES(program(0, 2, 1000), { 1, 999 }, { 0, 1000 }, { 1, 1999 });
}

static void test_pit_mode2_deadlines_exact_over_1000_periods(void)
{
	uint64_t load;
	int bad = 0, lows = 0;

	load = program(0, 2, 11932); /* about 100 Hz: the clock does not divide evenly */
	for (uint64_t k = 1; k <= 1000; k++) {
		bad += clk.deadline != load + clk_ns(k * 11932 - 1);
		clk.now = clk.deadline;
		pit_timer_expired(&p);
		lows += f.irq_level == 0;
		bad += clk.deadline != load + clk_ns(k * 11932);
		clk.now = clk.deadline;
		pit_timer_expired(&p);
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(lows, 1000);
	CHECK_EQ(f.irq_level, 1);
	CHECK_EQ(clk.deadline, load + clk_ns(1001 * 11932 - 1));
}

/* Counter 0 in (mode) from 1000, its timer served (late) clocks after the
 * load: one low-high pair of IRQ changes, then the deadline (next) clocks
 * after the load. */
static void check_late_expiry(unsigned mode, uint64_t late, uint64_t next)
{
	uint64_t load_time;
	int changes;

	load_time = program(0, mode, 1000);
	changes = f.irq_changes;
	at(load_time, late);
	pit_timer_expired(&p);
	CHECK_EQ(f.irq_changes, changes + 2);
	CHECK_EQ(f.irq_level, 1);
	CHECK_EQ(clk.deadline, load_time + clk_ns(next));
}

static void test_pit_late_expiry_replays_one_pulse_and_skips_missed_periods(void)
{
	check_late_expiry(2, 10500, 10999); /* ten and a half periods late: one pulse, not ten */
}

static void test_pit_expiry_inside_the_low_clock_lowers_irq(void)
{
	uint64_t load;

	load = program(0, 2, 1000);
	clk.now = clk.deadline + 1; /* prompt: still within the one low pulse */
	pit_timer_expired(&p);
	CHECK_EQ(f.irq_level, 0);
	CHECK_EQ(clk.deadline, load + clk_ns(1000));
}

static void test_pit_spurious_expiry_changes_nothing(void)
{
	uint64_t deadline;
	int changes;

	program(0, 2, 1000);
	deadline = clk.deadline;
	changes = f.irq_changes;
	clk.now = deadline - 1;
	pit_timer_expired(&p);
	CHECK_EQ(f.irq_changes, changes);
	CHECK_EQ(clk.deadline, deadline);
}

static void test_pit_mode2_new_count_takes_effect_at_once(void)
{
	/* QEMU restarts the period on the write; the datasheet would wait. */
	program(0, 2, 1000);
	at(T0, 300);
	wr(PIT_COUNTER0, 500 & 0xff);
	wr(PIT_COUNTER0, 500 >> 8);
	CHECK_EQ(count_of(0), 500);
	CHECK_EQ(clk.deadline, clk.now + clk_ns(499));
}

static void test_pit_mode2_low_for_one_clock_each_period(void)
{
	/* Reloaded at 5. */
	PROBES(1, program(1, 2, 5), { 0, UNREAD, 5 }, { 3, 1, 2 }, { 4, 0, 1 }, { 5, 1, 5 },
	       { 9, 0, UNREAD });
}

static void test_pit_mode3_even_count_square_wave(void)
{
	PROBES(1, program(1, 3, 4), { 0, UNREAD, 4 }, { 1, 1, 2 }, { 2, 0, 4 }, { 3, 0, 2 },
	       { 4, 1, UNREAD });
}

static void test_pit_mode3_odd_count_high_one_clock_longer(void)
{
	/* High 3 clocks (CE 4, 2, 0), low 2 (CE 4, 2). */
	PROBES(1, program(1, 3, 5), { 0, UNREAD, 4 }, { 2, 1, 0 }, { 3, 0, 4 }, { 4, 0, 2 },
	       { 5, 1, UNREAD });
}

static void test_pit_mode3_irq_deadlines_at_half_periods(void)
{
	EDGES(program(0, 3, 1001), { 1, 501 }, { 0, 1001 }, { 1, 1502 });
}

static void test_pit_mode3_late_by_a_whole_cycle_replays_one_edge(void)
{
	check_late_expiry(3, 1200, 1500); /* fell at 500, rose at 1000 */
}

static void test_pit_mode4_strobe_low_for_one_clock_once(void)
{
	EDGES(program(0, 4, 10), { 1, 10 }, { 0, 11 }, { 1, 0 });
	at(T0, 65536 + 10); /* the count wraps but does not strobe again */
	CHECK_EQ(out_of(0), 1);
}

static void test_pit_mode5_strobes_after_gate_trigger(void)
{
	/* Nothing loaded yet: frozen at reset's 65536. */
	PROBES(1, program(1, 5, 10), { 20, 1, 0 });
	PROBES(1, trigger(1), { 9, 1, UNREAD }, { 10, 0, UNREAD }, { 11, 1, UNREAD });
}

static void test_pit_modes_6_and_7_alias_2_and_3(void)
{
	program(1, 6, 5);
	CHECK_EQ(status_of(1) & 0x0e, PIT_CW_M(6)); /* read back as written */
	at(T0, 4);
	CHECK_EQ(out_of(1), 0);
	program(2, 7, 4);
	pit_set_gate(&p, 2, 1);
	at(clk.now, 2); /* second half of a period of 4 */
	CHECK_EQ(out_of(2), 0);
}

/* ---- gates ---- */

static void test_pit_gate_low_stops_counting_on_counter2(void)
{
	program(2, 0, 1000);
	at(T0, 100);
	CHECK_EQ(count_of(2), 1000);
	pit_set_gate(&p, 2, 1);
	at(clk.now, 200);
	CHECK_EQ(count_of(2), 800);
	pit_set_gate(&p, 2, 0);
	at(T0, 5000);
	CHECK_EQ(count_of(2), 800);
	CHECK_EQ(out_of(2), 0);
}

static void test_pit_gate_low_forces_out_high_in_mode3(void)
{
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
	program(0, 2, 1000);
	at(T0, 400);
	pit_set_gate(&p, 0, 0);
	CHECK_EQ(clk.deadline, 0);
	CHECK_EQ(f.irq_level, 1);
	clk.now += 12345;
	pit_set_gate(&p, 0, 1);
	CHECK_EQ(clk.deadline, clk.now + clk_ns(999));
}

static void test_pit_set_gate_ignores_bad_channel(void)
{
	pit_set_gate(&p, 3, 1);
	pit_set_gate(&p, ~0u, 0);
	CHECK_EQ(status_of(2), 0x86);
}

/* ---- the interface ---- */

static void test_pit_irq_changes_only_on_level_change(void)
{
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
	CHECK_EQ(rd(PIT_CONTROL), 0);
}

static void test_pit_accepts_only_byte_accesses(void)
{
	CHECK_EQ(pit_ops.sizes, BUS_SIZE_1);
}

static void test_pit_any_byte_on_any_port_is_handled(void)
{
	for (unsigned port = 0; port < PIT_NPORTS; port++) {
		for (unsigned v = 0; v < 256; v++) {
			wr(port, (uint8_t)v);
			clk.now += 977;
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
	check_setup = setup;
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
	RUN(test_pit_mode2_irq_falls_then_rises_at_each_period_end);
	RUN(test_pit_mode2_deadlines_exact_over_1000_periods);
	RUN(test_pit_late_expiry_replays_one_pulse_and_skips_missed_periods);
	RUN(test_pit_expiry_inside_the_low_clock_lowers_irq);
	RUN(test_pit_spurious_expiry_changes_nothing);
	RUN(test_pit_mode2_new_count_takes_effect_at_once);
	RUN(test_pit_mode2_low_for_one_clock_each_period);
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
