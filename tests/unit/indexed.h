/* indexed.h: for the unit tests of devices whose registers sit behind an
 * index and a data register (the RTC's CMOS, the IOAPIC's window): one
 * register read or written through the device's bus_ops, as a guest does
 * it, the index first. */
#ifndef MVM_TEST_INDEXED_H
#define MVM_TEST_INDEXED_H

#include "core/bus.h"

struct indexed {
	const struct bus_ops *ops;
	void *dev;
	uint64_t index_at, data_at; /* offsets in the device's range */
	unsigned size;		    /* of each access */
};

static inline uint64_t indexed_read(const struct indexed *x, uint64_t index)
{
	x->ops->write(x->dev, x->index_at, x->size, index);
	return x->ops->read(x->dev, x->data_at, x->size);
}

static inline void indexed_write(const struct indexed *x, uint64_t index, uint64_t v)
{
	x->ops->write(x->dev, x->index_at, x->size, index);
	x->ops->write(x->dev, x->data_at, x->size, v);
}

#endif
