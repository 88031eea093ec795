/*
 * cpuid.h: the CPUID a vCPU sees: KVM's supported set, its APIC ID, and the
 * features -cpu switches on or off (names as QEMU spells them).
 */
#ifndef MVM_CPUID_H
#define MVM_CPUID_H

#include <linux/kvm.h>
#include <stdbool.h>

#define CPUID_MAX_FEATURE_REQUESTS 32

struct cpu_feature_request {
	const char *name;
	bool on;
};

/* True if -cpu may switch feature (name). */
bool cpuid_feature_known(const char *name);

/* Set or clear feature (name) in every matching entry; false if unknown. */
bool cpuid_apply_feature(struct kvm_cpuid2 *cpuid, const char *name, bool on);

/* Identity and topology of vCPU (apic_id) of (ncpus): APIC IDs in leaves 1,
 * 0xb and 0x1f, one package of ncpus single-thread cores (leaves 1, 4, 0xb). */
void cpuid_set_topology(struct kvm_cpuid2 *cpuid, unsigned apic_id, unsigned ncpus);

/* Platform adjustments: TSC-deadline timer when KVM emulates it, no
 * extended MSI destination IDs. */
void cpuid_set_platform(struct kvm_cpuid2 *cpuid, bool tsc_deadline);

#endif
