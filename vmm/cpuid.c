/* cpuid.c: CPUID feature switches and per-vCPU identity. */
#include <stdint.h>
#include <string.h>

#include "cpuid.h"

enum cpuid_reg { EAX, EBX, ECX, EDX };

struct cpu_feature {
	const char *name;
	uint32_t leaf;
	uint32_t subleaf;
	enum cpuid_reg reg;
	uint32_t mask;
};

static const struct cpu_feature features[] = {
	{ "cx16", 1, 0, ECX, 1u << 13 },
	{ "x2apic", 1, 0, ECX, 1u << 21 },
	{ "popcnt", 1, 0, ECX, 1u << 23 },
	{ "tsc-deadline", 1, 0, ECX, 1u << 24 },
	{ "xsave", 1, 0, ECX, 1u << 26 },
	{ "avx", 1, 0, ECX, 1u << 28 },
	{ "rdrand", 1, 0, ECX, 1u << 30 },
	{ "hypervisor", 1, 0, ECX, 1u << 31 },
	{ "smep", 7, 0, EBX, 1u << 7 },
	{ "rdseed", 7, 0, EBX, 1u << 18 },
	{ "smap", 7, 0, EBX, 1u << 20 },
	{ "arch-capabilities", 7, 0, EDX, 1u << 29 },
	{ "pdpe1gb", 0x80000001, 0, EDX, 1u << 26 },
	{ "invtsc", 0x80000007, 0, EDX, 1u << 8 },
	{ "kvmclock", 0x40000001, 0, EAX, (1u << 0) | (1u << 3) },
	{ "kvm-asyncpf", 0x40000001, 0, EAX, 1u << 4 },
	{ "kvm-steal-time", 0x40000001, 0, EAX, 1u << 5 },
	{ "kvm-pv-eoi", 0x40000001, 0, EAX, 1u << 6 },
	{ "kvmclock-stable-bit", 0x40000001, 0, EAX, 1u << 24 },
};

static const struct cpu_feature *find_feature(const char *name)
{
	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		if (!strcmp(features[i].name, name))
			return &features[i];
	return NULL;
}

bool cpuid_feature_known(const char *name)
{
	return find_feature(name) != NULL;
}

static uint32_t *reg_of(struct kvm_cpuid_entry2 *e, enum cpuid_reg reg)
{
	switch (reg) {
	case EAX: return &e->eax;
	case EBX: return &e->ebx;
	case ECX: return &e->ecx;
	default: return &e->edx;
	}
}

bool cpuid_apply_feature(struct kvm_cpuid2 *cpuid, const char *name, bool on)
{
	const struct cpu_feature *f = find_feature(name);

	if (!f)
		return false;
	for (uint32_t i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function != f->leaf || e->index != f->subleaf)
			continue;
		if (on)
			*reg_of(e, f->reg) |= f->mask;
		else
			*reg_of(e, f->reg) &= ~f->mask;
	}
	return true;
}

/* Topology: all vCPUs are cores of one package, one thread each. */
static void set_leaf_b(struct kvm_cpuid_entry2 *e, unsigned apic_id, unsigned ncpus, unsigned shift)
{
	e->edx = apic_id;
	if (e->index == 0) {
		e->eax = 0;
		e->ebx = 1;
		e->ecx = (1u << 8); /* level 0: SMT */
	} else if (e->index == 1) {
		e->eax = shift;
		e->ebx = ncpus;
		e->ecx = (2u << 8) | 1; /* level 1: core */
	} else {
		e->eax = e->ebx = 0;
		e->ecx = e->index; /* invalid level: end of the list */
	}
}

void cpuid_set_topology(struct kvm_cpuid2 *cpuid, unsigned apic_id, unsigned ncpus)
{
	unsigned shift = 0;

	while ((1u << shift) < ncpus)
		shift++;
	for (uint32_t i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function == 1) {
			e->ebx = (e->ebx & 0xffff) | (apic_id << 24) | ((1u << shift) << 16);
			e->edx = ncpus > 1 ? e->edx | (1u << 28) : e->edx & ~(1u << 28); /* HTT */
		} else if (e->function == 4) {
			e->eax = (e->eax & 0x03ffffff) | (((1u << shift) - 1) << 26);
		} else if (e->function == 0xb || e->function == 0x1f) {
			set_leaf_b(e, apic_id, ncpus, shift);
		}
	}
}

void cpuid_set_platform(struct kvm_cpuid2 *cpuid, bool tsc_deadline)
{
	/* KVM emulates the TSC-deadline timer but does not list it as supported:
	 * without it a guest with neither PIT nor PIC cannot calibrate its timer. */
	if (tsc_deadline)
		cpuid_apply_feature(cpuid, "tsc-deadline", true);
	for (uint32_t i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		/* KVM_FEATURE_MSI_EXT_DEST_ID: our IOAPIC has 8-bit destinations only. */
		if (e->function == 0x40000001)
			e->eax &= ~(1u << 15);
	}
}
