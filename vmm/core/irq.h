/*
 * irq.h: an interrupt line as devices see it.
 *
 * A device only ever drives a level; what the level does (KVM_IRQ_LINE on an
 * in-kernel irqchip, a userspace PIC/IOAPIC, a recorder in unit tests) is
 * decided by whoever built the line.
 */
#ifndef MVM_IRQ_H
#define MVM_IRQ_H

struct irq_line {
	void (*set_level)(void *ctx, unsigned gsi, int level);
	void *ctx;
	unsigned gsi;
};

static inline void irq_set(const struct irq_line *line, int level)
{
	if (line->set_level)
		line->set_level(line->ctx, line->gsi, level);
}

#endif
