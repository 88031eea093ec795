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

/* Write (apic_id) into leaf 1 EBX[31:24] and the x2APIC ID leaves 0xb/0x1f. */
void cpuid_set_apic_id(struct kvm_cpuid2 *cpuid, unsigned apic_id);

#endif
