/*
 * fdt.h: the device tree microvm exposes as fw_cfg file "etc/fdt" (for
 * firmware; Linux is not given it), built with libfdt.  Layout as QEMU's
 * microvm-dt.c: root "linux,microvm" with 2/2 address/size cells, /chosen
 * (stdout-path to the serial port when it exists), /ioapic1@fec00000
 * ("intel,ce4100-ioapic", phandle 1), one /virtio_mmio@<base> per
 * transport with a device, /serial@3f8 ("ns16550", IRQ 4) and /rtc@70
 * ("motorola,mc146818", IRQ 8) when present; interrupts are <pin 0>.
 */
#ifndef MVM_BOOT_FDT_H
#define MVM_BOOT_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MICROVM_FDT_MAX_VIRTIO 8

struct microvm_fdt {
	bool serial;
	bool rtc;
	unsigned nvirtio;
	uint64_t virtio_base[MICROVM_FDT_MAX_VIRTIO];
	unsigned virtio_gsi[MICROVM_FDT_MAX_VIRTIO];
};

/* Build the blob into (buf) of (size) bytes; its total size, or -1. */
int microvm_fdt_build(const struct microvm_fdt *d, void *buf, size_t size);

#endif
