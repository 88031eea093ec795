/* cpuid.c: CPUID feature switches and per-vCPU identity. */
#include <stdint.h>
#include <string.h>

#include "kvm/cpuid.h"

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

/* ---- topology ---- */

static unsigned min_u(unsigned a, unsigned b)
{
	return a < b ? a : b;
}

/* Leaf 1: the 8-bit APIC ID, and the IDs a package spans; 8 bits cannot
 * say 256, and 255 rounds up to the same shift (SDM; QEMU saturates too). */
static void set_leaf_1(struct kvm_cpuid_entry2 *e, const struct cpu_place *p)
{
	uint32_t ids = min_u(1u << p->pkg_shift, 255);

	e->ebx = (e->ebx & 0xffff) | (p->apic_id & 0xff) << 24 | ids << 16;
	if (p->per_pkg > 1)
		e->edx |= 1u << 28; /* HTT: more than one logical processor per package */
	else
		e->edx &= ~(1u << 28);
}

/* Leaves 4 and 0x8000001d, EAX[25:14]: the IDs sharing this cache, L1 and
 * L2 within a core, L3 within a socket (the host's sharing would group
 * vCPUs that are not siblings). */
static void set_cache_sharing(struct kvm_cpuid_entry2 *e, const struct cpu_place *p)
{
	unsigned level = (e->eax >> 5) & 7;
	uint32_t ids = 1u << (level <= 2 ? p->core_shift : p->pkg_shift);

	e->eax = (e->eax & ~(0xfffu << 14)) | (min_u(ids, 4096) - 1) << 14;
}

/* Leaf 4 (Intel caches); its subleaf with cache type 0 ends the list and
 * stays as it is. */
static void set_leaf_4(struct kvm_cpuid_entry2 *e, const struct cpu_place *p)
{
	/* EAX[31:26]: core IDs per package - 1, in 6 bits: 64 at most. */
	uint32_t cores = min_u(1u << (p->pkg_shift - p->core_shift), 64);

	if (!(e->eax & 0x1f))
		return;
	set_cache_sharing(e, p);
	e->eax = (e->eax & 0x03ffffff) | (cores - 1) << 26;
}

/* Leaves 0xb and 0x1f: SMT level, core level (shifting out the whole
 * package, as there is no die level), then the end of the list. */
static void set_ext_level(struct kvm_cpuid_entry2 *e, const struct cpu_place *p)
{
	e->edx = p->apic_id;
	if (e->index == 0) {
		e->eax = p->core_shift;
		e->ebx = p->threads;
		e->ecx = 1u << 8;
	} else if (e->index == 1) {
		e->eax = p->pkg_shift;
		e->ebx = p->per_pkg;
		e->ecx = 2u << 8 | 1;
	} else {
		e->eax = e->ebx = 0;
		e->ecx = e->index & 0xff; /* level type 0: invalid, the end */
	}
}

/* AMD's 0x80000008 ECX: threads per package - 1 (NC) and the APIC ID
 * bits below the package (ApicIdSize); reserved (zero) on Intel, where
 * the guest ignores them. */
static void set_amd_package(struct kvm_cpuid_entry2 *e, const struct cpu_place *p)
{
	e->ecx = (e->ecx & ~0xf0ffu) | p->pkg_shift << 12 | (p->per_pkg - 1);
}

/* AMD's 0x8000001e: extended APIC ID; threads per core - 1 and core ID;
 * one node per socket.  KVM leaves it zero, as if every vCPU were APIC 0. */
static void set_amd_ids(struct kvm_cpuid_entry2 *e, const struct cpu_place *p)
{
	e->eax = p->apic_id;
	e->ebx = (e->ebx & ~0xffffu) | (p->threads - 1) << 8 | (p->core & 0xff);
	e->ecx = (e->ecx & ~0x7ffu) | (p->socket & 0xff);
}

void cpuid_set_topology(struct kvm_cpuid2 *cpuid, const struct cpu_topology *t, unsigned index)
{
	struct cpu_place p = cpu_place_of(t, index);

	for (uint32_t i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		switch (e->function) {
		case 1: set_leaf_1(e, &p); break;
		case 4: set_leaf_4(e, &p); break;
		case 0xb: case 0x1f: set_ext_level(e, &p); break;
		case 0x80000008: set_amd_package(e, &p); break;
		case 0x8000001d:
			if (e->eax & 0x1f)
				set_cache_sharing(e, &p);
			break;
		case 0x8000001e: set_amd_ids(e, &p); break;
		default: break;
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
