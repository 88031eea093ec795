/* bus.c: sorted range table with overlap checks, unassigned-access counters
 * and the devices' locks (see bus.h). */
#include <errno.h>
#include <string.h>

#include "core/bus.h"

void bus_init(struct bus *bus, const char *name)
{
	memset(bus, 0, sizeof(*bus));
	bus->name = name;
}

struct bus_device *bus_device(struct bus *bus, const void *dev)
{
	for (unsigned i = 0; i < bus->ndevices; i++)
		if (bus->device[i].dev == dev)
			return &bus->device[i];
	return NULL;
}

/* (dev)'s entry, made on its first range (there are no more devices than
 * ranges, so there is room). */
static struct bus_device *owner_of(struct bus *bus, const void *dev)
{
	struct bus_device *d = bus_device(bus, dev);

	if (d)
		return d;
	d = &bus->device[bus->ndevices++];
	d->dev = dev;
	pthread_mutex_init(&d->lock, NULL);
	return d;
}

void bus_lock(struct bus_device *d)
{
	pthread_mutex_lock(&d->lock);
}

void bus_unlock(struct bus_device *d)
{
	pthread_mutex_unlock(&d->lock);
}

void bus_lock_device(struct bus *bus, const void *dev)
{
	bus_lock(bus_device(bus, dev));
}

void bus_unlock_device(struct bus *bus, const void *dev)
{
	bus_unlock(bus_device(bus, dev));
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
	bus->range[i] = (struct bus_range){ .base = base, .len = len, .ops = ops, .dev = dev,
					    .owner = owner_of(bus, dev) };
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
	uint64_t value;

	if (!r || !r->ops->read) {
		__atomic_fetch_add(&bus->unassigned_reads, 1, __ATOMIC_RELAXED);
		return unassigned & bus_ones(size);
	}
	__atomic_fetch_add(&r->reads, 1, __ATOMIC_RELAXED);
	bus_lock(r->owner);
	value = r->ops->read(r->dev, addr - r->base, size);
	bus_unlock(r->owner);
	return value & bus_ones(size);
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
	bus_lock(r->owner);
	r->ops->write(r->dev, addr - r->base, size, value & bus_ones(size));
	bus_unlock(r->owner);
}
