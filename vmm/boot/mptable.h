/*
 * mptable.h: the Intel MultiProcessor Specification 1.4 table a directly
 * booted kernel finds (there is no firmware to build one and microvm has
 * no ACPI): one processor entry per vCPU (its APIC ID as CPUID reports it,
 * cpu_topology_apic_id(); the BSP, vCPU 0, first),
 * an ISA bus, the IOAPIC, ISA IRQs 0-15 on IOAPIC pins 0-15 with the IRQ0
 * override (IRQ 0 on pin 2, nothing for IRQ 2), ExtINT on LINT0 of CPU 0
 * and NMI on LINT1 of all CPUs: the layout qboot builds for microvm.
 * The floating pointer sits at MPTABLE_FLOATING (last KiB below 640 KiB,
 * where Linux scans), the configuration table at MPTABLE_CONFIG.
 */
#ifndef MVM_BOOT_MPTABLE_H
#define MVM_BOOT_MPTABLE_H

#include <stdint.h>

#include "core/topology.h"
#include "core/mem.h"

#define MPTABLE_START 0x9e000ULL /* reserved in e820 up to 640 KiB */
#define MPTABLE_CONFIG MPTABLE_START
#define MPTABLE_FLOATING 0x9fc00ULL
#define MPTABLE_MAX_CPUS 255

/* Write the tables for the first (ncpus) vCPUs of (topo); (cpuid_1_eax,
 * cpuid_1_edx) fill the processor signature and features.  0, -EFAULT, or
 * -EINVAL when an APIC ID does not fit the table's 8 bits below the
 * broadcast ID 255, or the IOAPIC's ID is also a CPU's. */
int mptable_write(const struct guest_mem *mem, const struct cpu_topology *topo, unsigned ncpus,
		  uint8_t ioapic_id, uint32_t cpuid_1_eax, uint32_t cpuid_1_edx)
	__attribute__((warn_unused_result));

#endif
