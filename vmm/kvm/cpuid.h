/*
 * cpuid.h: the CPUID a vCPU sees: KVM's supported set, its APIC ID, and the
 * features -cpu switches on or off (names as QEMU spells them).
 */
#ifndef MVM_CPUID_H
#define MVM_CPUID_H

#include <linux/kvm.h>
#include <stdbool.h>

#include "core/topology.h"

#define CPUID_MAX_FEATURE_REQUESTS 32

struct cpu_feature_request {
	const char *name;
	bool on;
};

/* True if -cpu may switch feature (name). */
bool cpuid_feature_known(const char *name);

/* Set or clear feature (name) in every matching entry; false if unknown. */
bool cpuid_apply_feature(struct kvm_cpuid2 *cpuid, const char *name, bool on);

/* Identity and topology of vCPU (index) of (t): its APIC ID in leaves 1,
 * 0xb, 0x1f and 0x8000001e; the field widths and counts of (t) in leaves 1,
 * 4, 0xb, 0x1f, 0x80000008 and 0x8000001e; which vCPUs share each cache in
 * leaves 4 and 0x8000001d (L1 and L2 per core, L3 per socket).  The APIC ID
 * must fit leaf 1's 8 bits (config_parse() refuses -smp where it does not). */
void cpuid_set_topology(struct kvm_cpuid2 *cpuid, const struct cpu_topology *t, unsigned index);

/* Platform adjustments: TSC-deadline timer when KVM emulates it, no
 * extended MSI destination IDs. */
void cpuid_set_platform(struct kvm_cpuid2 *cpuid, bool tsc_deadline);

#endif
