/* test_fdt.c: microvm's etc/fdt, parsed back with libfdt. */
#include <libfdt.h>
#include <string.h>

#include "boot/fdt.h"
#include "check.h"

static char blob[4096];

static const char *prop_str(const char *path, const char *name)
{
	int node = fdt_path_offset(blob, path);

	return node < 0 ? NULL : fdt_getprop(blob, node, name, NULL);
}

static void test_fdt_root_chosen_and_ioapic(void)
{
	struct microvm_fdt d = { .serial = true };
	const fdt32_t *cells;
	int len, node;

	CHECK(microvm_fdt_build(&d, blob, sizeof(blob)) > 0);
	CHECK_EQ(fdt_check_header(blob), 0);
	CHECK(!strcmp(prop_str("/", "compatible"), "linux,microvm"));
	CHECK(!strcmp(prop_str("/chosen", "stdout-path"), "/serial@3f8"));
	node = fdt_path_offset(blob, "/ioapic1@fec00000");
	CHECK(node >= 0);
	CHECK(!strcmp(prop_str("/ioapic1@fec00000", "compatible"), "intel,ce4100-ioapic"));
	CHECK(fdt_getprop(blob, node, "interrupt-controller", &len) && len == 0);
	cells = fdt_getprop(blob, node, "reg", &len);
	CHECK_EQ(len, 16);
	CHECK_EQ(fdt32_to_cpu(cells[1]), 0xfec00000);
	CHECK_EQ(fdt32_to_cpu(cells[3]), 0x1000);
	CHECK_EQ(fdt_get_phandle(blob, node), 1);
}

static void test_fdt_serial_and_rtc_interrupts(void)
{
	struct microvm_fdt d = { .serial = true, .rtc = true };
	const fdt32_t *cells;
	int len;

	CHECK(microvm_fdt_build(&d, blob, sizeof(blob)) > 0);
	CHECK(!strcmp(prop_str("/serial@3f8", "compatible"), "ns16550"));
	cells = fdt_getprop(blob, fdt_path_offset(blob, "/serial@3f8"), "interrupts", &len);
	CHECK(cells && len == 8 && fdt32_to_cpu(cells[0]) == 4 && cells[1] == 0);
	cells = fdt_getprop(blob, fdt_path_offset(blob, "/rtc@70"), "interrupts", &len);
	CHECK(cells && fdt32_to_cpu(cells[0]) == 8);
	CHECK(!strcmp(prop_str("/rtc@70", "compatible"), "motorola,mc146818"));
}

static void test_fdt_absent_devices_have_no_nodes(void)
{
	struct microvm_fdt d = { 0 };

	CHECK(microvm_fdt_build(&d, blob, sizeof(blob)) > 0);
	CHECK(fdt_path_offset(blob, "/serial@3f8") < 0);
	CHECK(fdt_path_offset(blob, "/rtc@70") < 0);
	CHECK(prop_str("/chosen", "stdout-path") == NULL);
}

static void test_fdt_virtio_transports(void)
{
	struct microvm_fdt d = { .nvirtio = 2, .virtio_base = { 0xfeb00e00, 0xfeb00c00 },
				 .virtio_gsi = { 12, 11 } };
	const fdt32_t *cells;
	int len;

	CHECK(microvm_fdt_build(&d, blob, sizeof(blob)) > 0);
	CHECK(!strcmp(prop_str("/virtio_mmio@feb00e00", "compatible"), "virtio,mmio"));
	cells = fdt_getprop(blob, fdt_path_offset(blob, "/virtio_mmio@feb00c00"), "interrupts", &len);
	CHECK(cells && fdt32_to_cpu(cells[0]) == 11);
}

static void test_fdt_too_small_buffer_fails(void)
{
	struct microvm_fdt d = { .serial = true, .rtc = true };

	CHECK_EQ(microvm_fdt_build(&d, blob, 64), (uint64_t)-1);
}

int main(void)
{
	RUN(test_fdt_root_chosen_and_ioapic);
	RUN(test_fdt_serial_and_rtc_interrupts);
	RUN(test_fdt_absent_devices_have_no_nodes);
	RUN(test_fdt_virtio_transports);
	RUN(test_fdt_too_small_buffer_fails);
	return check_summary("fdt");
}
