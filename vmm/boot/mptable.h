/*
 * mptable.h: the Intel MultiProcessor Specification 1.4 table a directly
 * booted kernel finds (there is no firmware to build one and microvm has
 * no ACPI): one processor entry per vCPU (APIC ID = index, BSP first),
 * an ISA bus, the IOAPIC, ISA IRQs 0-15 on IOAPIC pins 0-15 with the IRQ0
 * override (IRQ 0 on pin 2, nothing for IRQ 2), ExtINT on LINT0 of CPU 0
 * and NMI on LINT1 of all CPUs: the layout qboot builds for microvm.
 * The floating pointer sits at MPTABLE_FLOATING (last KiB below 640 KiB,
 * where Linux scans), the configuration table at MPTABLE_CONFIG.
 */
#ifndef MVM_BOOT_MPTABLE_H
#define MVM_BOOT_MPTABLE_H

#include <stdint.h>

#include "mem.h"

#define MPTABLE_START 0x9e000ULL /* reserved in e820 up to 640 KiB */
#define MPTABLE_CONFIG MPTABLE_START
#define MPTABLE_FLOATING 0x9fc00ULL
#define MPTABLE_MAX_CPUS 255

/* Write the tables for (ncpus) vCPUs; (cpuid_1_eax, cpuid_1_edx) fill the
 * processor signature and features.  0, or -EINVAL / -EFAULT. */
int mptable_write(const struct guest_mem *mem, unsigned ncpus, uint8_t ioapic_id,
		  uint32_t cpuid_1_eax, uint32_t cpuid_1_edx) __attribute__((warn_unused_result));

#endif
