/* recdev.h: a bus device for the bus and exit tests that remembers its
 * last access and counts them; its reads return (read_value). */
#ifndef MVM_TEST_RECDEV_H
#define MVM_TEST_RECDEV_H

#include "core/bus.h"

struct recdev {
	uint64_t offset;
	unsigned size;	 /* 0: never reached */
	uint64_t value;	 /* the last write's */
	uint64_t read_value;
	unsigned reads, writes;
};

static uint64_t recdev_read(void *dev, uint64_t offset, unsigned size)
{
	struct recdev *d = dev;

	d->offset = offset;
	d->size = size;
	d->reads++;
	return d->read_value;
}

static void recdev_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct recdev *d = dev;

	d->offset = offset;
	d->size = size;
	d->value = value;
	d->writes++;
}

#endif
