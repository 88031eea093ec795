/* test_marker.c: the 0xf4/0xf5 boot-marker ports. */
#include "check.h"
#include "dev/marker.h"

/* The markers the device reported, in order. */
static struct {
	unsigned n;
	uint16_t port[4];
	uint8_t value[4];
} seen;

static void record_marker(void *ctx, uint16_t port, uint8_t value)
{
	(void)ctx;
	if (seen.n < 4) {
		seen.port[seen.n] = port;
		seen.value[seen.n] = value;
	}
	seen.n++;
}

static void test_marker_byte_write_is_an_event(void)
{
	struct marker m;
	struct bus b;

	seen.n = 0;
	marker_init(&m, MARKER_BASE, (struct marker_events){ record_marker, NULL });
	bus_init(&b, "pio");
	CHECK_EQ(bus_register(&b, MARKER_BASE, MARKER_NPORTS, &marker_ops, &m), 0);
	bus_write(&b, 0xf5, 1, 1);
	bus_write(&b, 0xf4, 1, 6);
	CHECK_EQ(m.count, 2);
	CHECK_EQ(m.last[0], 6);
	CHECK_EQ(m.last[1], 1);
	CHECK_EQ(seen.n, 2);
	CHECK_EQ(seen.port[0], 0xf5);
	CHECK_EQ(seen.value[0], 1);
	CHECK_EQ(seen.port[1], 0xf4);
	CHECK_EQ(seen.value[1], 6);
}

static void test_marker_other_sizes_and_reads_are_unassigned(void)
{
	struct marker m;
	struct bus b;

	seen.n = 0;
	marker_init(&m, MARKER_BASE, (struct marker_events){ record_marker, NULL });
	bus_init(&b, "pio");
	CHECK_EQ(bus_register(&b, MARKER_BASE, MARKER_NPORTS, &marker_ops, &m), 0);
	bus_write(&b, 0xf4, 4, 0x12345678); /* isa-debug-exit style: not on microvm */
	bus_write(&b, 0xf4, 2, 1);
	CHECK_EQ(m.count, 0);
	CHECK_EQ(seen.n, 0);
	CHECK_EQ(bus_read(&b, 0xf4, 1), 0xff);
	CHECK_EQ(b.unassigned_writes, 2);
	CHECK_EQ(b.unassigned_reads, 1);
}

int main(void)
{
	RUN(test_marker_byte_write_is_an_event);
	RUN(test_marker_other_sizes_and_reads_are_unassigned);
	return check_summary("marker");
}
