/* bus.c: sorted range table with overlap checks and unassigned-access counters. */
#include <errno.h>
#include <string.h>

#include "core/bus.h"

void bus_init(struct bus *bus, const char *name)
{
	memset(bus, 0, sizeof(*bus));
	bus->name = name;
}

int bus_register(struct bus *bus, uint64_t base, uint64_t len,
		 const struct bus_ops *ops, void *dev)
{
	uint64_t last;
	unsigned i;

	if (!len || !ops || __builtin_add_overflow(base, len - 1, &last))
		return -EINVAL;
	if (bus->nranges == BUS_MAX_RANGES)
		return -ENOSPC;
	for (i = 0; i < bus->nranges; i++) {
		const struct bus_range *r = &bus->range[i];

		if (base <= r->base + (r->len - 1) && r->base <= last)
			return -EEXIST;
		if (r->base > base)
			break;
	}
	memmove(&bus->range[i + 1], &bus->range[i], (bus->nranges - i) * sizeof(bus->range[0]));
	bus->range[i] = (struct bus_range){ .base = base, .len = len, .ops = ops, .dev = dev };
	bus->nranges++;
	return 0;
}

static struct bus_range *find(const struct bus *bus, uint64_t addr)
{
	unsigned lo = 0, hi = bus->nranges;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		const struct bus_range *r = &bus->range[mid];

		if (addr < r->base)
			hi = mid;
		else if (addr - r->base >= r->len)
			lo = mid + 1;
		else
			return (struct bus_range *)r;
	}
	return NULL;
}

/* The range that accepts this access, or NULL if it is unassigned for it. */
static struct bus_range *claim(const struct bus *bus, uint64_t addr, unsigned size)
{
	struct bus_range *r = find(bus, addr);

	if (!r || size == 0 || size > 8 || (size & (size - 1)))
		return NULL;
	/* size > len first: (len - size) must not wrap for a range narrower
	 * than the access. */
	if (!(r->ops->sizes & size) || size > r->len || addr - r->base > r->len - size)
		return NULL;
	return r;
}

const struct bus_range *bus_find(const struct bus *bus, uint64_t addr, unsigned size)
{
	return claim(bus, addr, size);
}

uint64_t bus_read_or(struct bus *bus, uint64_t addr, unsigned size, uint64_t unassigned)
{
	struct bus_range *r = claim(bus, addr, size);

	if (!r || !r->ops->read) {
		__atomic_fetch_add(&bus->unassigned_reads, 1, __ATOMIC_RELAXED);
		return unassigned & bus_ones(size);
	}
	__atomic_fetch_add(&r->reads, 1, __ATOMIC_RELAXED);
	return r->ops->read(r->dev, addr - r->base, size) & bus_ones(size);
}

uint64_t bus_read(struct bus *bus, uint64_t addr, unsigned size)
{
	return bus_read_or(bus, addr, size, ~0ULL);
}

void bus_write(struct bus *bus, uint64_t addr, unsigned size, uint64_t value)
{
	struct bus_range *r = claim(bus, addr, size);

	if (!r || !r->ops->write) {
		__atomic_fetch_add(&bus->unassigned_writes, 1, __ATOMIC_RELAXED);
		return;
	}
	__atomic_fetch_add(&r->writes, 1, __ATOMIC_RELAXED);
	r->ops->write(r->dev, addr - r->base, size, value & bus_ones(size));
}
