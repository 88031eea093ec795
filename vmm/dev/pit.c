/* pit.c: i8254 programmable interval timer (see pit.h for what is emulated). */
#include <string.h>

#include "dev/pit.h"

#define NSEC_PER_SEC 1000000000ull

/* Control word fields (82C54 datasheet, "Control Word Format"). */
#define CW_SC(v) (((v) >> 6) & 3u)
#define CW_RW(v) (((v) >> 4) & 3u)
#define CW_M(v) (((v) >> 1) & 7u)
#define SC_READ_BACK 3u
#define RW_LATCH 0u
#define RW_LSB 1u
#define RW_MSB 2u
#define RW_LSB_MSB 3u

/* CLK pulses counted in (ns) nanoseconds (128-bit: no overflow for 584 years). */
static uint64_t ns_to_clocks(uint64_t ns)
{
	return (uint64_t)((unsigned __int128)ns * PIT_FREQ / NSEC_PER_SEC);
}

/* The first nanosecond by which (clocks) pulses have been counted. */
static uint64_t clocks_to_ns(uint64_t clocks)
{
	return (uint64_t)(((unsigned __int128)clocks * NSEC_PER_SEC + PIT_FREQ - 1) / PIT_FREQ);
}

/* Modes 6 and 7 are "don't care" aliases of 2 and 3 (M2 ignored). */
static unsigned mode_of(const struct pit_channel *c)
{
	return c->mode > 5 ? c->mode - 4u : c->mode;
}

static int triggered_mode(const struct pit_channel *c)
{
	return mode_of(c) == 1 || mode_of(c) == 5;
}

static uint32_t modulus(const struct pit_channel *c)
{
	return c->bcd ? 10000 : 65536;
}

static uint32_t bcd_to_bin(uint16_t v)
{
	return (v >> 12) * 1000u + ((v >> 8) & 15) * 100u + ((v >> 4) & 15) * 10u + (v & 15);
}

static uint16_t bin_to_bcd(uint32_t v)
{
	return (uint16_t)((v / 1000 % 10) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10);
}

/* The count register as a number of CLK pulses: 0 is the largest count. */
static uint32_t cr_clocks(const struct pit_channel *c)
{
	uint32_t n = c->bcd ? bcd_to_bin(c->cr) % 10000 : c->cr;

	return n ? n : modulus(c);
}

/* CLK pulses counted since the count was loaded. */
static uint64_t elapsed(const struct pit_channel *c, uint64_t now)
{
	if (!c->counting || now < c->start_ns)
		return c->base;
	return c->base + ns_to_clocks(now - c->start_ns);
}

/*
 * Mode 3's CE (datasheet): an even count steps N, N-2, ... 2 in each half; an
 * odd one is loaded as N - 1 and steps by two, staying high one clock longer.
 */
static uint32_t square_ce(uint32_t n, uint32_t phase)
{
	uint32_t high = (n + 1) / 2;
	uint32_t k = phase < high ? phase : phase - high;

	return (n & ~1u) - 2 * k;
}

/* The CE after (d) pulses, as a number below the modulus. */
static uint32_t ce_value(const struct pit_channel *c, uint64_t d)
{
	uint32_t m = modulus(c);

	switch (mode_of(c)) {
	case 2:
		return (uint32_t)(c->n - d % c->n) % m;
	case 3:
		return square_ce(c->n, (uint32_t)(d % c->n)) % m;
	default: /* one-shot modes keep counting down through zero */
		return (uint32_t)((c->n % m + m - d % m) % m);
	}
}

/* The CE as the guest reads it (BCD-encoded in BCD mode). */
static uint16_t read_ce(const struct pit_channel *c, uint64_t now)
{
	uint32_t v;

	if (!c->loaded)
		return c->frozen;
	v = ce_value(c, elapsed(c, now));
	return c->bcd ? bin_to_bcd(v) : (uint16_t)v;
}

static int channel_out(const struct pit_channel *c, uint64_t now)
{
	unsigned mode = mode_of(c);
	uint64_t d;

	if (!c->loaded)
		return mode != 0; /* a control word sets OUT low in mode 0, high otherwise */
	if (!c->counting && (mode == 2 || mode == 3))
		return 1; /* gate low forces OUT high */
	d = elapsed(c, now);
	switch (mode) {
	case 0:
	case 1:
		return d >= c->n;
	case 2:
		return d % c->n != c->n - 1;
	case 3:
		return d % c->n < (c->n + 1) / 2;
	default: /* 4, 5: strobe low for one clock at terminal count */
		return d != c->n;
	}
}

/* The first pulse count after (d) at which OUT changes, or 0 for none. */
static uint64_t next_edge(const struct pit_channel *c, uint64_t d)
{
	uint64_t n = c->n, period = d - d % n;

	switch (mode_of(c)) {
	case 0:
	case 1:
		return d < n ? n : 0;
	case 2:
		if (n == 1)
			return 0;
		return d % n < n - 1 ? period + n - 1 : period + n;
	case 3:
		if (n == 1)
			return 0;
		return d % n < (n + 1) / 2 ? period + (n + 1) / 2 : period + n;
	default:
		return d < n ? n : d == n ? n + 1 : 0;
	}
}

/* Absolute time of the next OUT transition after (now), or 0 for none. */
static uint64_t next_deadline(const struct pit_channel *c, uint64_t now)
{
	uint64_t edge;

	if (!c->loaded || !c->counting)
		return 0;
	edge = next_edge(c, elapsed(c, now));
	if (!edge)
		return 0;
	/* From the load instant, not from now: periodic deadlines never drift. */
	return c->start_ns + clocks_to_ns(edge - c->base);
}

static void set_irq0(struct pit *p, int level)
{
	if (level != p->irq_level) {
		p->irq_level = level;
		irq_set(&p->irq, level);
	}
}

/* Bring IRQ 0 to counter 0's OUT at (now). */
static void sync_irq0(struct pit *p, uint64_t now)
{
	int out = channel_out(&p->ch[0], now);

	if (p->deadline && now >= p->deadline) {
		/*
		 * A transition was due.  OUT back where it was means at least a
		 * whole pulse went by unseen: replay one edge pair so an edge-
		 * triggered PIC or IOAPIC still gets its interrupt.
		 */
		if (out == p->irq_level)
			set_irq0(p, !out);
		p->deadline = 0;
	}
	set_irq0(p, out);
}

static void arm_irq0(struct pit *p, uint64_t now)
{
	p->deadline = next_deadline(&p->ch[0], now);
	vtimer_arm(&p->timer, p->deadline);
}

/* Transfer the CR to the CE and start counting from (now). */
static void load(struct pit_channel *c, uint64_t now)
{
	c->n = cr_clocks(c);
	c->base = 0;
	c->start_ns = now;
	c->loaded = 1;
	c->null_count = 0;
	c->counting = triggered_mode(c) ? 1 : c->gate;
}

/* Stop the CE where it is; OUT goes to the mode's initial level. */
static void unload(struct pit_channel *c, uint64_t now)
{
	c->frozen = read_ce(c, now);
	c->loaded = 0;
	c->counting = 0;
}

/* Stop the CE where it is, or let it go on from there. */
static void set_counting(struct pit_channel *c, int on, uint64_t now)
{
	if (on)
		c->start_ns = now;
	else
		c->base = elapsed(c, now);
	c->counting = (uint8_t)on;
}

static void gate_edge(struct pit_channel *c, uint64_t now)
{
	switch (mode_of(c)) {
	case 1:
	case 5: /* trigger: (re)load the CR on the rising edge only */
		if (c->gate && c->cr_valid)
			load(c, now);
		break;
	case 2:
	case 3: /* low stops counting; the rising edge reloads */
		if (c->loaded && c->gate)
			load(c, now);
		else if (c->loaded)
			set_counting(c, 0, now);
		break;
	default: /* 0, 4: the gate only enables counting */
		if (c->loaded)
			set_counting(c, c->gate, now);
		break;
	}
}

static void latch_count(struct pit_channel *c, uint64_t now)
{
	/* A second latch before the first is read is ignored (datasheet). */
	if (c->count_latched)
		return;
	c->latch = read_ce(c, now);
	c->count_latched = 1;
	c->latch_msb = 0;
}

static void latch_status(struct pit_channel *c, uint64_t now)
{
	unsigned status = (unsigned)c->rw << 4 | (unsigned)c->mode << 1 | c->bcd;

	if (c->status_latched)
		return;
	if (channel_out(c, now))
		status |= PIT_STATUS_OUTPUT;
	if (c->null_count)
		status |= PIT_STATUS_NULL_COUNT;
	c->status = (uint8_t)status;
	c->status_latched = 1;
}

static void read_back(struct pit *p, uint8_t v, uint64_t now)
{
	for (unsigned i = 0; i < PIT_NCHANNELS; i++) {
		if (!(v & PIT_RB_CNT(i)))
			continue;
		if (!(v & PIT_RB_NOT_COUNT))
			latch_count(&p->ch[i], now);
		if (!(v & PIT_RB_NOT_STATUS))
			latch_status(&p->ch[i], now);
	}
}

static void write_control(struct pit *p, uint8_t v, uint64_t now)
{
	struct pit_channel *c;

	if (CW_SC(v) == SC_READ_BACK) {
		read_back(p, v, now);
		return;
	}
	c = &p->ch[CW_SC(v)];
	if (CW_RW(v) == RW_LATCH) {
		latch_count(c, now); /* mode and access are left alone */
		return;
	}
	unload(c, now);
	c->rw = (uint8_t)CW_RW(v);
	c->mode = (uint8_t)CW_M(v);
	c->bcd = v & PIT_CW_BCD;
	c->cr_valid = 0;
	c->null_count = 1;
	c->write_msb = c->read_msb = 0;
	c->count_latched = c->status_latched = 0;
}

static void write_count(struct pit_channel *c, uint16_t v, uint64_t now)
{
	c->cr = v;
	c->cr_valid = 1;
	c->null_count = 1;
	/* Modes 1 and 5 keep the CR until the next gate trigger. */
	if (!triggered_mode(c))
		load(c, now);
}

static void write_counter(struct pit_channel *c, uint8_t v, uint64_t now)
{
	switch (c->rw) {
	case RW_MSB:
		write_count(c, (uint16_t)(v << 8), now);
		break;
	case RW_LSB_MSB:
		if (c->write_msb) {
			c->write_msb = 0;
			write_count(c, (uint16_t)(v << 8 | c->lsb), now);
			break;
		}
		c->lsb = v;
		c->write_msb = 1;
		/* Mode 0: the first byte stops counting and drops OUT at once. */
		if (mode_of(c) == 0 && c->loaded)
			unload(c, now);
		break;
	default: /* LSB, and the RW 00 left by reset */
		write_count(c, v, now);
		break;
	}
}

/* Does this write change counter 0's waveform? */
static int touches_counter0(uint64_t offset, uint8_t v)
{
	if (offset == PIT_COUNTER0)
		return 1;
	return offset == PIT_CONTROL && CW_SC(v) == 0 && CW_RW(v) != RW_LATCH;
}

static void pit_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct pit *p = dev;
	uint8_t v = (uint8_t)value;
	uint64_t now;
	int irq0 = touches_counter0(offset, v);

	(void)size;
	if (offset >= PIT_NPORTS)
		return;
	now = vclock_now(&p->clock);
	/* Deliver a transition that was due before the old waveform goes. */
	if (irq0)
		sync_irq0(p, now);
	if (offset == PIT_CONTROL)
		write_control(p, v, now);
	else
		write_counter(&p->ch[offset], v, now);
	if (irq0) {
		sync_irq0(p, now);
		arm_irq0(p, now);
	}
}

static uint8_t byte_of(uint16_t v, int msb)
{
	return (uint8_t)(msb ? v >> 8 : v);
}

static uint8_t read_latched(struct pit_channel *c)
{
	int msb = c->rw == RW_MSB || (c->rw == RW_LSB_MSB && c->latch_msb);

	if (c->rw == RW_LSB_MSB && !c->latch_msb)
		c->latch_msb = 1;
	else
		c->count_latched = 0;
	return byte_of(c->latch, msb);
}

static uint8_t read_counter(struct pit_channel *c, uint64_t now)
{
	int msb;

	/* Latched status first, then a latched count, then the live CE. */
	if (c->status_latched) {
		c->status_latched = 0;
		return c->status;
	}
	if (c->count_latched)
		return read_latched(c);
	msb = c->rw == RW_MSB || (c->rw == RW_LSB_MSB && c->read_msb);
	if (c->rw == RW_LSB_MSB)
		c->read_msb = !c->read_msb;
	return byte_of(read_ce(c, now), msb);
}

static uint64_t pit_read(void *dev, uint64_t offset, unsigned size)
{
	struct pit *p = dev;

	(void)size;
	if (offset >= PIT_NPORTS)
		return 0xff;
	if (offset == PIT_CONTROL)
		return 0; /* write-only; QEMU reads it as 0 */
	return read_counter(&p->ch[offset], vclock_now(&p->clock));
}

const struct bus_ops pit_ops = {
	.name = "pit",
	.sizes = BUS_SIZE_1,
	.read = pit_read,
	.write = pit_write,
};

static void reset_state(struct pit *p)
{
	uint64_t now = vclock_now(&p->clock);

	for (unsigned i = 0; i < PIT_NCHANNELS; i++) {
		struct pit_channel *c = &p->ch[i];

		memset(c, 0, sizeof(*c));
		c->mode = 3;
		c->gate = i != 2; /* counter 2's gate is port 0x61 bit 0 on a PC */
		c->cr_valid = 1;
		load(c, now);
	}
	p->deadline = 0; /* whatever was due before the reset is gone */
	sync_irq0(p, now);
	arm_irq0(p, now);
}

void pit_init(struct pit *p, struct irq_line irq0, struct vclock clock, struct vtimer timer)
{
	memset(p, 0, sizeof(*p));
	p->irq = irq0;
	p->clock = clock;
	p->timer = timer;
	reset_state(p);
}

void pit_reset(struct pit *p)
{
	reset_state(p);
}

void pit_timer_expired(struct pit *p)
{
	uint64_t now;

	now = vclock_now(&p->clock);
	sync_irq0(p, now);
	arm_irq0(p, now);
}

void pit_set_gate(struct pit *p, unsigned channel, int level)
{
	struct pit_channel *c;
	uint64_t now;

	if (channel >= PIT_NCHANNELS)
		return;
	now = vclock_now(&p->clock);
	c = &p->ch[channel];
	if (channel == 0)
		sync_irq0(p, now);
	if (!!level != c->gate) {
		c->gate = !!level;
		gate_edge(c, now);
	}
	if (channel == 0) {
		sync_irq0(p, now);
		arm_irq0(p, now);
	}
}
