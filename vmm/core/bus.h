/*
 * bus.h: one address-range dispatcher, used for both port I/O and MMIO.
 *
 * Devices register [base, base + len) with a const ops table and an opaque
 * pointer; the bus hands them the offset from base, never an absolute
 * address.  Registration refuses empty, wrapping and overlapping ranges.
 * Accesses nobody claims, or that a device does not accept (size, or a range
 * straddling its end), drop writes and read as all-ones (bus_read: what
 * unassigned I/O ports give) or as the caller's value (bus_read_or: 0 for
 * MMIO, as QEMU's unassigned memory); both are counted.
 *
 * Locking, the one rule: every device registered on a bus has one mutex,
 * the bus's, shared by all of its ranges there (ranges belong to the same
 * device when they were registered with the same (dev) pointer).
 * bus_read() and bus_write() hold it around the device's read or write.
 * Every other entry into the device, from any thread (its timer, host
 * input, a backend's completion or worker thread, the board's reset),
 * takes the same mutex: bus_lock_device() / bus_unlock_device(), or, for
 * code that knows only the device (a virtio transport and its backends),
 * bus_lock() / bus_unlock() on the handle bus_device() gave it at
 * creation.  So a device runs one entry at a time and keeps no lock of its
 * own; set-up before the vCPUs run needs none.
 *
 * What a device calls while its mutex is held (its irq line, byte sink,
 * events) must not wait, and must not enter a device that could enter it
 * back: the only device-to-device calls are interrupt lines, which go one
 * way, to the interrupt controllers (PIC, IOAPIC).  Those are entered from
 * inside every other device's section and hold an internal lock of their
 * own as the innermost level (and the host ends, an output buffer's lock,
 * below that).  Registration happens before the vCPUs run and is not
 * locked.
 */
#ifndef MVM_BUS_H
#define MVM_BUS_H

#include <pthread.h>
#include <stdint.h>

#define BUS_MAX_RANGES 48

struct bus_ops {
	const char *name;
	/* Bit n set: accesses of (1 << n) bytes are accepted (1, 2, 4, 8). */
	unsigned sizes;
	uint64_t (*read)(void *dev, uint64_t offset, unsigned size);
	void (*write)(void *dev, uint64_t offset, unsigned size, uint64_t value);
};

#define BUS_SIZE_1 (1u << 0)
#define BUS_SIZE_2 (1u << 1)
#define BUS_SIZE_4 (1u << 2)
#define BUS_SIZE_8 (1u << 3)
#define BUS_SIZE_ANY (BUS_SIZE_1 | BUS_SIZE_2 | BUS_SIZE_4 | BUS_SIZE_8)

/* A device on the bus, with the mutex of the locking rule. */
struct bus_device {
	const void *dev;
	pthread_mutex_t lock;
};

struct bus_range {
	uint64_t base;
	uint64_t len;
	const struct bus_ops *ops;
	void *dev;
	struct bus_device *owner; /* dev's entry in device[] */
	uint64_t reads;	 /* updated with relaxed atomics: vCPUs share ranges */
	uint64_t writes;
};

struct bus {
	const char *name;
	struct bus_range range[BUS_MAX_RANGES]; /* sorted by base */
	unsigned nranges;
	struct bus_device device[BUS_MAX_RANGES]; /* in registration order, never moved */
	unsigned ndevices;
	uint64_t unassigned_reads;
	uint64_t unassigned_writes;
};

void bus_init(struct bus *bus, const char *name);

/* 0, or -EINVAL (empty/wrapping range, no ops), -EEXIST (overlap), -ENOSPC. */
int bus_register(struct bus *bus, uint64_t base, uint64_t len,
		 const struct bus_ops *ops, void *dev) __attribute__((warn_unused_result));

/* The range containing [addr, addr + size), or NULL. */
const struct bus_range *bus_find(const struct bus *bus, uint64_t addr, unsigned size);

/* Dispatch one access of (size) bytes; unclaimed reads return all-ones. */
uint64_t bus_read(struct bus *bus, uint64_t addr, unsigned size);
/* The same, but an unclaimed read returns (unassigned), cut to (size). */
uint64_t bus_read_or(struct bus *bus, uint64_t addr, unsigned size, uint64_t unassigned);
void bus_write(struct bus *bus, uint64_t addr, unsigned size, uint64_t value);

/* (dev)'s entry, whose mutex guards it; NULL if it has no range on (bus). */
struct bus_device *bus_device(struct bus *bus, const void *dev);

/* Take and release a device's mutex (the locking rule above). */
void bus_lock(struct bus_device *d);
void bus_unlock(struct bus_device *d);

/* The same for (dev), which must have a range on (bus). */
void bus_lock_device(struct bus *bus, const void *dev);
void bus_unlock_device(struct bus *bus, const void *dev);

/* All-ones of (size) bytes. */
static inline uint64_t bus_ones(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

#endif
