/* marker.c: boot-marker ports (see marker.h). */
#include <string.h>

#include "dev/marker.h"

static void marker_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct marker *m = dev;

	(void)size;
	__atomic_fetch_add(&m->count, 1, __ATOMIC_RELAXED);
	m->last[offset] = (uint8_t)value;
	if (m->events.written)
		m->events.written(m->events.ctx, (uint16_t)(m->base + offset), (uint8_t)value);
}

const struct bus_ops marker_ops = {
	.name = "boot-marker",
	.sizes = BUS_SIZE_1,
	.write = marker_write,
};

void marker_init(struct marker *m, uint16_t base, struct marker_events events)
{
	memset(m, 0, sizeof(*m));
	m->base = base;
	m->events = events;
}
