/* marker.c: boot-marker ports (see marker.h). */
#include <string.h>

#include "dev/marker.h"
#include "probe.h"

static void marker_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct marker *m = dev;

	(void)size;
	__atomic_fetch_add(&m->count, 1, __ATOMIC_RELAXED);
	m->last[offset] = (uint8_t)value;
	probe_emit_guest(PROBE_MARKER, 0, m->base + offset, 0, PROBE_DIR_NONE, value);
}

const struct bus_ops marker_ops = {
	.name = "boot-marker",
	.sizes = BUS_SIZE_1,
	.write = marker_write,
};

void marker_init(struct marker *m, uint16_t base)
{
	memset(m, 0, sizeof(*m));
	m->base = base;
}
