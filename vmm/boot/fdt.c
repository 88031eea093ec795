/* fdt.c: microvm's etc/fdt with libfdt's sequential-write API (see fdt.h). */
#include <libfdt.h>
#include <stdio.h>

#include "dev/ioapic.h"
#include "boot/fdt.h"

#define IOAPIC_PHANDLE 1
#define SERIAL_BASE 0x3f8
#define SERIAL_IRQ 4
#define RTC_BASE 0x70
#define RTC_IRQ 8

/* "reg = <0 base 0 size>" (two address and two size cells). */
static int reg(void *fdt, uint64_t base, uint64_t size)
{
	fdt64_t cells[2] = { cpu_to_fdt64(base), cpu_to_fdt64(size) };

	return fdt_property(fdt, "reg", cells, sizeof(cells));
}

static int interrupts(void *fdt, unsigned pin)
{
	fdt32_t cells[2] = { cpu_to_fdt32(pin), 0 };
	int err = fdt_property(fdt, "interrupts", cells, sizeof(cells));

	return err ? err : fdt_property_u32(fdt, "interrupt-parent", IOAPIC_PHANDLE);
}

static int ioapic(void *fdt)
{
	char name[32];
	int err;

	snprintf(name, sizeof(name), "ioapic1@%llx", (unsigned long long)IOAPIC_BASE);
	err = fdt_begin_node(fdt, name);
	err = err ? err : fdt_property_string(fdt, "compatible", "intel,ce4100-ioapic");
	err = err ? err : fdt_property(fdt, "interrupt-controller", NULL, 0);
	err = err ? err : fdt_property_u32(fdt, "#interrupt-cells", 2);
	err = err ? err : fdt_property_u32(fdt, "#address-cells", 2);
	err = err ? err : reg(fdt, IOAPIC_BASE, IOAPIC_SIZE);
	err = err ? err : fdt_property_u32(fdt, "phandle", IOAPIC_PHANDLE);
	err = err ? err : fdt_property_u32(fdt, "linux,phandle", IOAPIC_PHANDLE);
	return err ? err : fdt_end_node(fdt);
}

static int virtio(void *fdt, uint64_t base, unsigned gsi)
{
	char name[40];
	int err;

	snprintf(name, sizeof(name), "virtio_mmio@%llx", (unsigned long long)base);
	err = fdt_begin_node(fdt, name);
	err = err ? err : fdt_property_string(fdt, "compatible", "virtio,mmio");
	err = err ? err : reg(fdt, base, 0x200);
	err = err ? err : fdt_property(fdt, "dma-coherent", NULL, 0);
	err = err ? err : interrupts(fdt, gsi);
	return err ? err : fdt_end_node(fdt);
}

static int isa_device(void *fdt, const char *name, const char *compatible, uint64_t base,
		      unsigned irq)
{
	int err = fdt_begin_node(fdt, name);

	err = err ? err : fdt_property_string(fdt, "compatible", compatible);
	err = err ? err : reg(fdt, base, 8);
	err = err ? err : interrupts(fdt, irq);
	return err ? err : fdt_end_node(fdt);
}

static int root_and_chosen(void *fdt, const struct microvm_fdt *d)
{
	int err = fdt_begin_node(fdt, "");

	err = err ? err : fdt_property_string(fdt, "compatible", "linux,microvm");
	err = err ? err : fdt_property_u32(fdt, "#address-cells", 2);
	err = err ? err : fdt_property_u32(fdt, "#size-cells", 2);
	err = err ? err : fdt_begin_node(fdt, "chosen");
	if (!err && d->serial)
		err = fdt_property_string(fdt, "stdout-path", "/serial@3f8");
	return err ? err : fdt_end_node(fdt);
}

int microvm_fdt_build(const struct microvm_fdt *d, void *buf, size_t size)
{
	int err = fdt_create(buf, (int)size);

	err = err ? err : fdt_finish_reservemap(buf);
	err = err ? err : root_and_chosen(buf, d);
	err = err ? err : ioapic(buf);
	for (unsigned i = 0; !err && i < d->nvirtio && i < MICROVM_FDT_MAX_VIRTIO; i++)
		err = virtio(buf, d->virtio_base[i], d->virtio_gsi[i]);
	if (!err && d->serial)
		err = isa_device(buf, "serial@3f8", "ns16550", SERIAL_BASE, SERIAL_IRQ);
	if (!err && d->rtc)
		err = isa_device(buf, "rtc@70", "motorola,mc146818", RTC_BASE, RTC_IRQ);
	err = err ? err : fdt_end_node(buf);
	err = err ? err : fdt_finish(buf);
	return err ? -1 : (int)fdt_totalsize(buf);
}
