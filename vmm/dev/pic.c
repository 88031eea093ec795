/* pic.c: i8259A master/slave pair and ELCR (see pic.h for what is emulated). */
#include <string.h>

#include "dev/pic.h"

#define NO_IRQ 8 /* priority rank meaning "nothing" */

static bool is_master(const struct pic_chip *c)
{
	return c == &c->pair->chip[0];
}

/* Inputs that are level triggered: ELCR per pin, or all of them with LTIM. */
static uint8_t level_mask(const struct pic_chip *c)
{
	return c->ltim ? 0xff : c->elcr;
}

/* Rank (0 = highest) of the highest-priority IR set in (mask), or NO_IRQ.
 * Rotation only moves where the ranking starts: IR (highest) is rank 0. */
static unsigned priority(const struct pic_chip *c, uint8_t mask)
{
	unsigned rank;

	if (!mask)
		return NO_IRQ;
	for (rank = 0; !(mask & (1u << ((rank + c->highest) & 7))); rank++)
		;
	return rank;
}

/* The IR the chip would present now, or -1: the highest unmasked request,
 * if it outranks everything in service. */
static int pending_irq(const struct pic_chip *c)
{
	unsigned req = priority(c, c->irr & ~c->imr);
	uint8_t in_service = c->isr;

	if (req == NO_IRQ)
		return -1;
	/* Special mask mode: a masked level no longer blocks lower ones. */
	if (c->special_mask)
		in_service &= ~c->imr;
	/* Special fully nested: the slave may interrupt its own service
	 * routine with a higher-priority request of its own. */
	if (c->sfnm && is_master(c))
		in_service &= ~(1u << PIC_CASCADE_IRQ);
	if (req >= priority(c, in_service))
		return -1;
	return (int)((req + c->highest) & 7);
}

/* One IR pin changes level: edge inputs latch IRR on 0->1 only, level inputs
 * make IRR follow the pin. */
static void set_input(struct pic_chip *c, unsigned irq, int level)
{
	uint8_t bit = (uint8_t)(1u << irq);

	if (level_mask(c) & bit) {
		if (level)
			c->irr |= bit;
		else
			c->irr &= ~bit;
	} else if (level && !(c->input & bit)) {
		c->irr |= bit;
	}
	if (level)
		c->input |= bit;
	else
		c->input &= ~bit;
}

/* After a trigger-mode change, level inputs request exactly while high. */
static void sync_level_irr(struct pic_chip *c)
{
	uint8_t level = level_mask(c);

	c->irr = (uint8_t)((c->irr & ~level) | (c->input & level));
}

/* Recompute both INT outputs; the slave's feeds the master's IR2. */
static void update_locked(struct pic *p)
{
	struct pic_chip *m = &p->chip[0], *s = &p->chip[1];
	int level = pending_irq(s) >= 0;

	if (level != s->int_level) {
		s->int_level = level;
		set_input(m, PIC_CASCADE_IRQ, level);
	}
	level = pending_irq(m) >= 0;
	if (level != m->int_level) {
		m->int_level = level;
		if (p->out.set)
			p->out.set(p->out.ctx, level);
	}
}

/* Acknowledge (irq): IRR -> ISR, or straight through in auto-EOI mode. */
static void intack(struct pic_chip *c, unsigned irq)
{
	uint8_t bit = (uint8_t)(1u << irq);

	if (!c->auto_eoi)
		c->isr |= bit;
	else if (c->rotate_auto_eoi)
		c->highest = (uint8_t)((irq + 1) & 7);
	/* A level request stays in IRR while its pin is high: that is what
	 * re-raises it after the EOI. */
	if (!(level_mask(c) & bit))
		c->irr &= ~bit;
}

/* Everything ICW1 resets (datasheet "Initialization Command Words"); the
 * ELCR and the pin levels survive. */
static void init_reset(struct pic_chip *c)
{
	c->irr = 0;
	c->isr = c->imr = 0;
	c->vector_base = c->icw3 = 0;
	c->highest = 0;
	c->init_state = PIC_INIT_DONE;
	c->icw4_needed = c->single = c->ltim = false;
	c->auto_eoi = c->rotate_auto_eoi = c->sfnm = false;
	c->special_mask = c->poll = c->read_isr = false;
	sync_level_irr(c);
}

static void write_icw1(struct pic_chip *c, uint8_t v)
{
	init_reset(c);
	c->icw4_needed = v & PIC_ICW1_IC4;
	c->single = v & PIC_ICW1_SNGL;
	c->ltim = v & PIC_ICW1_LTIM;
	sync_level_irr(c);
	c->init_state = PIC_INIT_ICW2;
}

static enum pic_init_state after_icw3(const struct pic_chip *c)
{
	return c->icw4_needed ? PIC_INIT_ICW4 : PIC_INIT_DONE;
}

static void write_data(struct pic_chip *c, uint8_t v)
{
	switch (c->init_state) {
	case PIC_INIT_ICW2:
		/* 8086 mode: T7-T3 from ICW2, the IR number in the low bits. */
		c->vector_base = v & 0xf8;
		c->init_state = c->single ? after_icw3(c) : PIC_INIT_ICW3;
		break;
	case PIC_INIT_ICW3:
		c->icw3 = v;
		c->init_state = after_icw3(c);
		break;
	case PIC_INIT_ICW4:
		c->auto_eoi = v & PIC_ICW4_AEOI;
		c->sfnm = v & PIC_ICW4_SFNM;
		c->init_state = PIC_INIT_DONE;
		break;
	default:
		c->imr = v; /* OCW1 */
		break;
	}
}

/* Non-specific EOI: the highest-priority level in service is the one being
 * finished (fully nested assumption). */
static void eoi_highest(struct pic_chip *c, bool rotate)
{
	unsigned rank = priority(c, c->isr);
	unsigned irq;

	if (rank == NO_IRQ)
		return;
	irq = (rank + c->highest) & 7;
	c->isr &= (uint8_t)~(1u << irq);
	if (rotate)
		c->highest = (uint8_t)((irq + 1) & 7);
}

static void write_ocw2(struct pic_chip *c, uint8_t v)
{
	unsigned level = v & PIC_OCW2_L_MASK;

	switch (v & (PIC_OCW2_R | PIC_OCW2_SL | PIC_OCW2_EOI)) {
	case PIC_OCW2_NON_SPECIFIC_EOI:
		eoi_highest(c, false);
		break;
	case PIC_OCW2_ROTATE_NON_SPECIFIC_EOI:
		eoi_highest(c, true);
		break;
	case PIC_OCW2_SPECIFIC_EOI:
		c->isr &= (uint8_t)~(1u << level);
		break;
	case PIC_OCW2_ROTATE_SPECIFIC_EOI:
		c->isr &= (uint8_t)~(1u << level);
		c->highest = (uint8_t)((level + 1) & 7);
		break;
	case PIC_OCW2_SET_PRIORITY:
		/* L names the new lowest priority level. */
		c->highest = (uint8_t)((level + 1) & 7);
		break;
	case PIC_OCW2_ROTATE_AEOI_SET:
		c->rotate_auto_eoi = true;
		break;
	case PIC_OCW2_ROTATE_AEOI_CLEAR:
		c->rotate_auto_eoi = false;
		break;
	default:
		break; /* PIC_OCW2_NOP */
	}
}

static void write_ocw3(struct pic_chip *c, uint8_t v)
{
	if (v & PIC_OCW3_P)
		c->poll = true;
	if (v & PIC_OCW3_RR)
		c->read_isr = v & PIC_OCW3_RIS;
	if (v & PIC_OCW3_ESMM)
		c->special_mask = v & PIC_OCW3_SMM;
}

static void write_command(struct pic_chip *c, uint8_t v)
{
	if (v & PIC_ICW1_INIT)
		write_icw1(c, v);
	else if (v & PIC_OCW3_SEL)
		write_ocw3(c, v);
	else
		write_ocw2(c, v);
}

static void pic_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct pic_chip *c = dev;
	struct pic *p = c->pair;

	(void)size;
	pthread_mutex_lock(&p->lock);
	/* A0 selects the port; only two are decoded. */
	if (offset & 1)
		write_data(c, (uint8_t)value);
	else
		write_command(c, (uint8_t)value);
	update_locked(p);
	pthread_mutex_unlock(&p->lock);
}

/* A read after the poll command is an interrupt acknowledge of this chip
 * alone: it returns the poll word and never involves the other chip. */
static uint8_t poll_read(struct pic_chip *c)
{
	int irq = pending_irq(c);

	c->poll = false;
	if (irq < 0)
		return 0;
	intack(c, (unsigned)irq);
	return (uint8_t)(PIC_POLL_INT | irq);
}

static uint64_t pic_read(void *dev, uint64_t offset, unsigned size)
{
	struct pic_chip *c = dev;
	struct pic *p = c->pair;
	uint8_t v;

	(void)size;
	pthread_mutex_lock(&p->lock);
	if (c->poll)
		v = poll_read(c);
	else if (offset & 1)
		v = c->imr;
	else
		v = c->read_isr ? c->isr : c->irr;
	update_locked(p);
	pthread_mutex_unlock(&p->lock);
	return v;
}

const struct bus_ops pic_ops = {
	.name = "i8259",
	.sizes = BUS_SIZE_1,
	.read = pic_read,
	.write = pic_write,
};

static uint64_t elcr_read(void *dev, uint64_t offset, unsigned size)
{
	struct pic *p = dev;
	uint8_t v;

	(void)size;
	pthread_mutex_lock(&p->lock);
	v = p->chip[offset & 1].elcr;
	pthread_mutex_unlock(&p->lock);
	return v;
}

static void elcr_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct pic *p = dev;
	struct pic_chip *c = &p->chip[offset & 1];

	(void)size;
	pthread_mutex_lock(&p->lock);
	c->elcr = (uint8_t)value & c->elcr_mask;
	sync_level_irr(c);
	update_locked(p);
	pthread_mutex_unlock(&p->lock);
}

const struct bus_ops pic_elcr_ops = {
	.name = "elcr",
	.sizes = BUS_SIZE_1,
	.read = elcr_read,
	.write = elcr_write,
};

static void reset_locked(struct pic *p)
{
	for (unsigned i = 0; i < 2; i++) {
		p->chip[i].elcr = 0;
		init_reset(&p->chip[i]);
	}
	update_locked(p);
}

void pic_init(struct pic *p, struct pic_output out)
{
	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	p->out = out;
	p->chip[0].pair = p->chip[1].pair = p;
	p->chip[0].elcr_mask = PIC_ELCR_MASTER_MASK;
	p->chip[1].elcr_mask = PIC_ELCR_SLAVE_MASK;
	reset_locked(p);
}

void pic_reset(struct pic *p)
{
	pthread_mutex_lock(&p->lock);
	reset_locked(p);
	pthread_mutex_unlock(&p->lock);
}

void pic_set_irq(struct pic *p, unsigned irq, int level)
{
	/* IR2 of the master is the slave's INT, never an external line. */
	if (irq >= 16 || irq == PIC_CASCADE_IRQ)
		return;
	pthread_mutex_lock(&p->lock);
	set_input(&p->chip[irq >> 3], irq & 7, level != 0);
	update_locked(p);
	pthread_mutex_unlock(&p->lock);
}

int pic_output(struct pic *p)
{
	int level;

	pthread_mutex_lock(&p->lock);
	level = p->chip[0].int_level;
	pthread_mutex_unlock(&p->lock);
	return level;
}

/* The slave's half of an acknowledge the master routed to IR2. */
static int slave_vector(struct pic_chip *s)
{
	int irq = pending_irq(s);

	if (irq < 0)
		return s->vector_base + 7; /* spurious IRQ 15 */
	intack(s, (unsigned)irq);
	return s->vector_base + irq;
}

int pic_read_irq(struct pic *p)
{
	struct pic_chip *m = &p->chip[0];
	int irq, vector;

	pthread_mutex_lock(&p->lock);
	irq = pending_irq(m);
	if (irq < 0) {
		vector = m->vector_base + 7; /* spurious IRQ 7: no ISR bit */
	} else {
		if (irq == PIC_CASCADE_IRQ && !m->single)
			vector = slave_vector(&p->chip[1]);
		else
			vector = m->vector_base + irq;
		/* The master sets ISR2 even for a spurious slave vector,
		 * which is why Linux EOIs the master on IRQ 15. */
		intack(m, (unsigned)irq);
	}
	update_locked(p);
	pthread_mutex_unlock(&p->lock);
	return vector;
}
