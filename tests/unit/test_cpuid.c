/* test_cpuid.c: feature switches, APIC IDs and topology in CPUID. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cpuid.h"

static struct kvm_cpuid2 *make(void)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 8 * sizeof(struct kvm_cpuid_entry2));

	c->nent = 6;
	c->entries[0] = (struct kvm_cpuid_entry2){ .function = 1, .eax = 0x806f8, .ebx = 0x00010800,
						   .ecx = 1u << 21, .edx = 0 };
	c->entries[1] = (struct kvm_cpuid_entry2){ .function = 7, .edx = 1u << 29 };
	c->entries[2] = (struct kvm_cpuid_entry2){ .function = 0xb, .index = 0 };
	c->entries[3] = (struct kvm_cpuid_entry2){ .function = 0xb, .index = 1 };
	c->entries[4] = (struct kvm_cpuid_entry2){ .function = 0x40000001, .eax = 0x01ffffff };
	c->entries[5] = (struct kvm_cpuid_entry2){ .function = 4, .eax = 0xfc000121 };
	return c;
}

static void test_cpuid_feature_switches(void)
{
	struct kvm_cpuid2 *c = make();

	CHECK(cpuid_apply_feature(c, "arch-capabilities", false));
	CHECK_EQ(c->entries[1].edx, 0);
	CHECK(cpuid_apply_feature(c, "tsc-deadline", true));
	CHECK(c->entries[0].ecx & (1u << 24));
	CHECK(!cpuid_apply_feature(c, "warpdrive", true));
	CHECK(cpuid_feature_known("kvmclock"));
	free(c);
}

static void test_cpuid_topology_of_vcpu_3_of_4(void)
{
	struct kvm_cpuid2 *c = make();

	cpuid_set_topology(c, 3, 4);
	CHECK_EQ(c->entries[0].ebx >> 24, 3);
	CHECK_EQ((c->entries[0].ebx >> 16) & 0xff, 4);
	CHECK(c->entries[0].edx & (1u << 28));
	CHECK_EQ(c->entries[2].edx, 3);
	CHECK_EQ(c->entries[3].eax, 2);
	CHECK_EQ(c->entries[3].ebx, 4);
	CHECK_EQ((c->entries[3].ecx >> 8) & 0xff, 2);
	CHECK_EQ(c->entries[5].eax >> 26, 3);
	free(c);
}

static void test_cpuid_single_cpu_has_no_htt(void)
{
	struct kvm_cpuid2 *c = make();

	c->entries[0].edx = 1u << 28;
	cpuid_set_topology(c, 0, 1);
	CHECK_EQ(c->entries[0].edx & (1u << 28), 0);
	CHECK_EQ((c->entries[0].ebx >> 16) & 0xff, 1);
	free(c);
}

static void test_cpuid_platform_clears_ext_dest_id(void)
{
	struct kvm_cpuid2 *c = make();

	cpuid_set_platform(c, true);
	CHECK_EQ(c->entries[4].eax & (1u << 15), 0);
	CHECK(c->entries[4].eax & 1);
	CHECK(c->entries[0].ecx & (1u << 24));
	free(c);
}

int main(void)
{
	RUN(test_cpuid_feature_switches);
	RUN(test_cpuid_topology_of_vcpu_3_of_4);
	RUN(test_cpuid_single_cpu_has_no_htt);
	RUN(test_cpuid_platform_clears_ext_dest_id);
	return check_summary("cpuid");
}
