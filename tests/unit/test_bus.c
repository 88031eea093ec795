/* test_bus.c: range registration, dispatch, unassigned accesses, counters. */
#include <errno.h>
#include <string.h>

#include "core/bus.h"
#include "check.h"
#include "recdev.h"

static const struct bus_ops any_ops = { "fake", BUS_SIZE_ANY, recdev_read, recdev_write };
static const struct bus_ops byte_ops = { "fake8", BUS_SIZE_1, recdev_read, recdev_write };

/* Each test's bus (named "t") and device, fresh. */
static struct bus b;
static struct recdev d;

static void setup(void)
{
	bus_init(&b, "t");
	d = (struct recdev){ 0 };
}

static void test_bus_register_overlap_is_refused(void)
{
	CHECK_EQ(bus_register(&b, 0x100, 0x10, &any_ops, &d), 0);
	CHECK_EQ(bus_register(&b, 0x10f, 1, &any_ops, &d), (uint64_t)-EEXIST);
	CHECK_EQ(bus_register(&b, 0xf0, 0x11, &any_ops, &d), (uint64_t)-EEXIST);
	CHECK_EQ(bus_register(&b, 0xf0, 0x10, &any_ops, &d), 0);
	CHECK_EQ(bus_register(&b, 0x110, 1, &any_ops, &d), 0);
	CHECK_EQ(b.nranges, 3);
}

static void test_bus_register_empty_or_wrapping_is_refused(void)
{
	CHECK_EQ(bus_register(&b, 0x100, 0, &any_ops, NULL), (uint64_t)-EINVAL);
	CHECK_EQ(bus_register(&b, ~0ULL, 2, &any_ops, NULL), (uint64_t)-EINVAL);
	CHECK_EQ(bus_register(&b, 0x100, 1, NULL, NULL), (uint64_t)-EINVAL);
	CHECK_EQ(bus_register(&b, ~0ULL, 1, &any_ops, NULL), 0);
}

static void test_bus_register_full_table_is_refused(void)
{
	for (unsigned i = 0; i < BUS_MAX_RANGES; i++)
		CHECK_EQ(bus_register(&b, i * 16, 16, &any_ops, NULL), 0);
	CHECK_EQ(bus_register(&b, 0x10000, 1, &any_ops, NULL), (uint64_t)-ENOSPC);
}

static void test_bus_unassigned_reads_all_ones_and_counts(void)
{
	CHECK_EQ(bus_read(&b, 0x80, 1), 0xff);
	CHECK_EQ(bus_read(&b, 0x80, 2), 0xffff);
	CHECK_EQ(bus_read(&b, 0x80, 4), 0xffffffff);
	CHECK_EQ(bus_read(&b, 0x80, 8), ~0ULL);
	bus_write(&b, 0x80, 1, 0);
	CHECK_EQ(b.unassigned_reads, 4);
	CHECK_EQ(b.unassigned_writes, 1);
}

static const struct bus_ops write_only_ops = { "wo", BUS_SIZE_ANY, NULL, recdev_write };

/* The MMIO side: unassigned reads give the caller's value (0 there). */
static void test_bus_read_or_gives_the_value_for_unassigned(void)
{
	d.read_value = 0x1234;
	CHECK_EQ(bus_register(&b, 0x1000, 0x10, &byte_ops, &d), 0);
	CHECK_EQ(bus_register(&b, 0x2000, 0x10, &write_only_ops, &d), 0);
	CHECK_EQ(bus_read_or(&b, 0x80, 4, 0), 0);		/* nobody there */
	CHECK_EQ(bus_read_or(&b, 0x1000, 2, 0), 0);		/* size not accepted */
	CHECK_EQ(bus_read_or(&b, 0x100f, 1, 0), 0x34);		/* the device's */
	CHECK_EQ(bus_read_or(&b, 0x2000, 4, 0), 0);		/* no read side */
	CHECK_EQ(bus_read_or(&b, 0x80, 2, 0x5a5a5a), 0x5a5a);	/* truncated to size */
	CHECK_EQ(b.unassigned_reads, 4);
	CHECK_EQ(b.range[0].reads, 1);
}

static void test_bus_dispatch_passes_offset_size_value(void)
{
	d.read_value = 0x1234;
	CHECK_EQ(bus_register(&b, 0xfeb00000, 0x200, &any_ops, &d), 0);
	bus_write(&b, 0xfeb00070, 4, 0xdeadbeef);
	CHECK_EQ(d.offset, 0x70);
	CHECK_EQ(d.size, 4);
	CHECK_EQ(d.value, 0xdeadbeef);
	CHECK_EQ(bus_read(&b, 0xfeb00008, 2), 0x1234);
	CHECK_EQ(d.offset, 8);
	CHECK_EQ(b.range[0].reads, 1);
	CHECK_EQ(b.range[0].writes, 1);
}

static void test_bus_read_value_is_truncated_to_size(void)
{
	d.read_value = 0x11223344;
	CHECK_EQ(bus_register(&b, 0x10, 8, &any_ops, &d), 0);
	CHECK_EQ(bus_read(&b, 0x10, 1), 0x44);
}

static void test_bus_unaccepted_size_is_unassigned(void)
{
	CHECK_EQ(bus_register(&b, 0x3f8, 8, &byte_ops, &d), 0);
	CHECK_EQ(bus_read(&b, 0x3f8, 2), 0xffff);
	bus_write(&b, 0x3f8, 4, 1);
	CHECK_EQ(d.size, 0);
	CHECK_EQ(b.unassigned_reads, 1);
	CHECK_EQ(b.unassigned_writes, 1);
	CHECK_EQ(bus_read(&b, 0x3f8, 3), 0xffffff);
}

static void test_bus_access_straddling_the_end_is_unassigned(void)
{
	CHECK_EQ(bus_register(&b, 0x510, 2, &any_ops, &d), 0);
	CHECK_EQ(bus_read(&b, 0x511, 2), 0xffff);
	CHECK_EQ(bus_read(&b, 0x510, 2), 0);
	CHECK(bus_find(&b, 0x511, 1) != NULL);
	CHECK(bus_find(&b, 0x511, 2) == NULL);
}

static void test_bus_access_wider_than_the_range_is_unassigned(void)
{
	d.read_value = 0x5a;
	/* (len - size) would wrap: a 4-byte access must not reach a 1-byte range */
	CHECK_EQ(bus_register(&b, 0x80, 1, &any_ops, &d), 0);
	CHECK_EQ(bus_read(&b, 0x80, 4), 0xffffffff);
	bus_write(&b, 0x80, 8, 1);
	CHECK_EQ(d.size, 0);
	CHECK(bus_find(&b, 0x80, 2) == NULL);
	CHECK_EQ(b.unassigned_reads, 1);
	CHECK_EQ(b.unassigned_writes, 1);
	CHECK_EQ(bus_read(&b, 0x80, 1), 0x5a);
}

static void test_bus_lookup_finds_each_of_many_ranges(void)
{
	struct recdev devs[8];

	/* Registered out of order; lookup must still find each. */
	for (unsigned i = 0; i < 8; i++) {
		unsigned slot = (i * 5) % 8;

		devs[slot].read_value = slot;
		CHECK_EQ(bus_register(&b, 0x1000 + slot * 0x200, 0x200, &any_ops, &devs[slot]), 0);
	}
	for (unsigned i = 0; i < 8; i++)
		CHECK_EQ(bus_read(&b, 0x1000 + i * 0x200 + 0x1ff, 1), i);
	CHECK_EQ(bus_read(&b, 0x1000 + 8 * 0x200, 1), 0xff);
	CHECK_EQ(bus_read(&b, 0xfff, 1), 0xff);
}

/* The locking rule: a device's accesses run holding its lock. */
static struct bus *locked_bus;
static int lock_was_held;

static uint64_t lock_checking_read(void *dev, uint64_t offset, unsigned size)
{
	struct bus_device *held = bus_device(locked_bus, dev);

	(void)offset;
	(void)size;
	lock_was_held = pthread_mutex_trylock(&held->lock) == EBUSY;
	return 0;
}

static const struct bus_ops lock_checking_ops = { "locks", BUS_SIZE_ANY, lock_checking_read, NULL };

static void test_bus_access_holds_the_device_lock(void)
{
	bus_init(&b, "pio");
	locked_bus = &b;
	CHECK_EQ(bus_register(&b, 0x10, 4, &lock_checking_ops, &d), 0);
	lock_was_held = 0;
	bus_read(&b, 0x10, 1);
	CHECK(lock_was_held);
	bus_lock_device(&b, &d); /* released after the access: free again */
	bus_unlock_device(&b, &d);
}

static void test_bus_ranges_of_one_device_share_its_lock(void)
{
	struct recdev other = { 0 };

	bus_init(&b, "pio");
	CHECK_EQ(bus_register(&b, 0x10, 2, &any_ops, &d), 0);
	CHECK_EQ(bus_register(&b, 0x20, 2, &any_ops, &d), 0);
	CHECK_EQ(bus_register(&b, 0x30, 2, &any_ops, &other), 0);
	CHECK(bus_device(&b, &d) != NULL);
	CHECK_EQ(b.ndevices, 2);
	CHECK(bus_device(&b, &d) != bus_device(&b, &other));
	CHECK(bus_device(&b, &b) == NULL); /* no range */
}

int main(void)
{
	check_setup = setup;
	RUN(test_bus_register_overlap_is_refused);
	RUN(test_bus_register_empty_or_wrapping_is_refused);
	RUN(test_bus_register_full_table_is_refused);
	RUN(test_bus_unassigned_reads_all_ones_and_counts);
	RUN(test_bus_read_or_gives_the_value_for_unassigned);
	RUN(test_bus_dispatch_passes_offset_size_value);
	RUN(test_bus_read_value_is_truncated_to_size);
	RUN(test_bus_unaccepted_size_is_unassigned);
	RUN(test_bus_access_straddling_the_end_is_unassigned);
	RUN(test_bus_access_wider_than_the_range_is_unassigned);
	RUN(test_bus_lookup_finds_each_of_many_ranges);
	RUN(test_bus_access_holds_the_device_lock);
	RUN(test_bus_ranges_of_one_device_share_its_lock);
	return check_summary("bus");
}
