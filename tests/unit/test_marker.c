/* test_marker.c: the 0xf4/0xf5 boot-marker ports. */
#include "check.h"
#include "dev/marker.h"
#include "probe.h"

static void test_marker_byte_write_is_recorded(void)
{
	struct marker m;
	struct bus b;

	CHECK_EQ(probes_init(1, 8), 0);
	probes_attach(0);
	marker_init(&m, MARKER_BASE);
	bus_init(&b, "pio");
	CHECK_EQ(bus_register(&b, MARKER_BASE, MARKER_NPORTS, &marker_ops, &m), 0);
	bus_write(&b, 0xf5, 1, 1);
	bus_write(&b, 0xf4, 1, 6);
	CHECK_EQ(m.count, 2);
	CHECK_EQ(m.last[0], 6);
	CHECK_EQ(m.last[1], 1);
	CHECK_EQ(probe_tls->n, 2);
	CHECK_EQ(probe_tls->rec[0].kind, PROBE_MARKER);
	CHECK_EQ(probe_tls->rec[0].addr, 0xf5);
	CHECK_EQ(probe_tls->rec[1].value, 6);
	probes_free();
}

static void test_marker_other_sizes_and_reads_are_unassigned(void)
{
	struct marker m;
	struct bus b;

	marker_init(&m, MARKER_BASE);
	bus_init(&b, "pio");
	CHECK_EQ(bus_register(&b, MARKER_BASE, MARKER_NPORTS, &marker_ops, &m), 0);
	bus_write(&b, 0xf4, 4, 0x12345678); /* isa-debug-exit style: not on microvm */
	bus_write(&b, 0xf4, 2, 1);
	CHECK_EQ(m.count, 0);
	CHECK_EQ(bus_read(&b, 0xf4, 1), 0xff);
	CHECK_EQ(b.unassigned_writes, 2);
	CHECK_EQ(b.unassigned_reads, 1);
}

int main(void)
{
	RUN(test_marker_byte_write_is_recorded);
	RUN(test_marker_other_sizes_and_reads_are_unassigned);
	return check_summary("marker");
}
