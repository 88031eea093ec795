/* test_cpuid.c: feature switches, APIC IDs and topology in CPUID. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kvm/cpuid.h"

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

	cpuid_set_topology(c, &(struct cpu_topology){ 1, 4, 1 }, 3);
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
	cpuid_set_topology(c, &(struct cpu_topology){ 1, 1, 1 }, 0);
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

/* ---- topology: what a guest decodes from CPUID, as Linux does ---- */

#define HOST_ENTRIES 20

/* A host-like table: KVM passes the host's topology fields through, so
 * every one of them starts out wrong for the guest. */
static struct kvm_cpuid2 *make_host(void)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + HOST_ENTRIES * sizeof(struct kvm_cpuid_entry2));
	struct kvm_cpuid_entry2 *e = c->entries;
	/* leaf 4 / 0x8000001d EAX: type, level, host sharing 127 and cores 63 */
	static const uint32_t caches[] = { 0x21, 0x22, 0x43, 0x63, 0 };
	unsigned n = 0;

	e[n++] = (struct kvm_cpuid_entry2){ .function = 1, .eax = 0x806f8, .ebx = 0x2a400800,
					    .ecx = 1u << 21, .edx = 1u << 28 };
	for (unsigned i = 0; i < 5; i++) {
		uint32_t eax = caches[i] ? caches[i] | (127u << 14) | (63u << 26) : 0;

		e[n++] = (struct kvm_cpuid_entry2){ .function = 4, .index = i, .eax = eax };
	}
	for (unsigned i = 0; i < 3; i++) {
		e[n++] = (struct kvm_cpuid_entry2){ .function = 0xb, .index = i, .eax = 1, .ebx = 2,
						    .ecx = 0x100 | i, .edx = 0x2a };
		e[n++] = (struct kvm_cpuid_entry2){ .function = 0x1f, .index = i, .eax = 1, .ebx = 2,
						    .ecx = 0x100 | i, .edx = 0x2a };
	}
	e[n++] = (struct kvm_cpuid_entry2){ .function = 0x80000008, .eax = 0x3030, .ecx = 0x707f };
	for (unsigned i = 0; i < 4; i++) {
		uint32_t eax = caches[i] ? (caches[i] & 0xff) | (127u << 14) : 0;

		e[n++] = (struct kvm_cpuid_entry2){ .function = 0x8000001d, .index = i, .eax = eax };
	}
	e[n++] = (struct kvm_cpuid_entry2){ .function = 0x8000001e };
	c->nent = n;
	return c;
}

static const struct kvm_cpuid_entry2 *leaf(const struct kvm_cpuid2 *c, uint32_t fn, uint32_t idx)
{
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn && c->entries[i].index == idx)
			return &c->entries[i];
	return NULL;
}

/* Linux's get_count_order(): bits needed to number (n) things. */
static unsigned order(unsigned n)
{
	unsigned bits = 0;

	while ((1u << bits) < n)
		bits++;
	return bits;
}

/* What the guest sees on one vCPU, decoded field by field. */
struct guest_view {
	unsigned xapic_id, x2apic_id_b, x2apic_id_1f, ext_apic_id;
	unsigned smt_shift, pkg_shift, threads_at_smt, threads_at_core;
	unsigned leaf1_ids, leaf4_cores, l1_sharing, l3_sharing, amd_nc, amd_id_size;
	unsigned amd_l1_sharing, amd_l3_sharing, amd_threads_per_core, amd_core_id, amd_node_id;
	bool htt, level_types_ok, cache_list_ok;
};

static struct guest_view decode(const struct kvm_cpuid2 *c)
{
	const struct kvm_cpuid_entry2 *l1 = leaf(c, 1, 0), *b0 = leaf(c, 0xb, 0), *b1 = leaf(c, 0xb, 1);
	const struct kvm_cpuid_entry2 *b2 = leaf(c, 0xb, 2), *f0 = leaf(c, 0x1f, 0);
	const struct kvm_cpuid_entry2 *e8 = leaf(c, 0x80000008, 0), *e1e = leaf(c, 0x8000001e, 0);
	struct guest_view g = {
		.xapic_id = l1->ebx >> 24, .x2apic_id_b = b0->edx, .x2apic_id_1f = f0->edx,
		.ext_apic_id = e1e->eax, .smt_shift = b0->eax & 0x1f, .pkg_shift = b1->eax & 0x1f,
		.threads_at_smt = b0->ebx & 0xffff, .threads_at_core = b1->ebx & 0xffff,
		.leaf1_ids = (l1->ebx >> 16) & 0xff, .leaf4_cores = (leaf(c, 4, 0)->eax >> 26) + 1,
		.l1_sharing = ((leaf(c, 4, 0)->eax >> 14) & 0xfff) + 1,
		.l3_sharing = ((leaf(c, 4, 3)->eax >> 14) & 0xfff) + 1,
		.amd_nc = (e8->ecx & 0xff) + 1, .amd_id_size = (e8->ecx >> 12) & 0xf,
		.amd_l1_sharing = ((leaf(c, 0x8000001d, 0)->eax >> 14) & 0xfff) + 1,
		.amd_l3_sharing = ((leaf(c, 0x8000001d, 3)->eax >> 14) & 0xfff) + 1,
		.amd_threads_per_core = ((e1e->ebx >> 8) & 0xff) + 1, .amd_core_id = e1e->ebx & 0xff,
		.amd_node_id = e1e->ecx & 0xff,
		.htt = l1->edx & (1u << 28),
	};

	/* SMT, then core, then the end of the list; 0x1f says the same as 0xb. */
	g.level_types_ok = ((b0->ecx >> 8) & 0xff) == 1 && ((b1->ecx >> 8) & 0xff) == 2 &&
			   ((b2->ecx >> 8) & 0xff) == 0 && (b2->ecx & 0xff) == 2 && b2->ebx == 0;
	for (uint32_t i = 0; i < 3; i++) {
		const struct kvm_cpuid_entry2 *b = leaf(c, 0xb, i), *f = leaf(c, 0x1f, i);

		g.level_types_ok &= b->eax == f->eax && b->ebx == f->ebx && b->ecx == f->ecx &&
				    b->edx == f->edx;
	}
	/* the cache levels and the end of the cache list stay the host's */
	g.cache_list_ok = leaf(c, 4, 4)->eax == 0 && ((leaf(c, 4, 3)->eax >> 5) & 7) == 3 &&
			  ((leaf(c, 0x8000001d, 3)->eax >> 5) & 7) == 3;
	return g;
}

/* The properties a package of vCPUs is checked for, one bit each. */
enum {
	BAD_APIC_ID = 1,      /* leaf 1, 0xb, 0x1f: one ID per vCPU, as expected */
	BAD_EXT_LEVELS = 2,   /* leaf 0xb / 0x1f shifts, counts and level types */
	BAD_LEGACY = 4,	      /* leaf 1 EBX[23:16] and HTT, leaf 4 EAX[31:26] of each cache */
	BAD_CACHE_SHARE = 8,  /* leaf 4 / 0x8000001d EAX[25:14] */
	BAD_AMD = 16,	      /* 0x80000008 ECX, 0x8000001e */
	BAD_PROPERTIES = 5,
};
static const char *const bad_names[BAD_PROPERTIES] = {
	"APIC IDs", "leaf 0xb/0x1f levels", "leaf 1/4 counts", "cache sharing", "AMD leaves",
};

/* Where vCPU (i) of (t) sits, and the APIC ID the SDM's layout gives it:
 * fields as wide as the thread and core counts need (worked out here, not
 * by cpuid.c, so the two can disagree). */
struct expected {
	unsigned thread, core, socket, smt_bits, core_bits, apic_id;
};

static struct expected expect(const struct cpu_topology *t, unsigned i)
{
	struct expected x = { i % t->threads, i / t->threads % t->cores, i / (t->threads * t->cores),
			      order(t->threads), order(t->cores), 0 };

	x.apic_id = (x.socket << (x.smt_bits + x.core_bits)) | (x.core << x.smt_bits) | x.thread;
	return x;
}

/* Bit mask of what disagrees with the topology (t) on its first (n) vCPUs. */
static unsigned check_topology(const struct cpu_topology *t, unsigned n)
{
	static bool seen[256];
	unsigned per_pkg = t->cores * t->threads, bad = 0;

	memset(seen, 0, sizeof(seen));
	for (unsigned i = 0; i < n; i++) {
		struct expected x = expect(t, i);
		unsigned pkg_bits = x.smt_bits + x.core_bits, id = x.apic_id;
		struct kvm_cpuid2 *c = make_host();
		struct guest_view g;

		cpuid_set_topology(c, t, i);
		g = decode(c);
		free(c);
		if (cpu_topology_apic_id(t, i) != id || g.xapic_id != id || g.x2apic_id_b != id ||
		    g.x2apic_id_1f != id || seen[g.xapic_id])
			bad |= BAD_APIC_ID;
		seen[g.xapic_id] = true;
		/* the shifts cut the APIC ID back into thread, core and socket */
		if (g.smt_shift != x.smt_bits || g.pkg_shift != pkg_bits)
			bad |= BAD_EXT_LEVELS;
		else if ((id & ((1u << g.smt_shift) - 1)) != x.thread ||
		    ((id >> g.smt_shift) & ((1u << (g.pkg_shift - g.smt_shift)) - 1)) != x.core ||
		    id >> g.pkg_shift != x.socket || g.threads_at_smt != t->threads ||
		    g.threads_at_core != per_pkg || !g.level_types_ok)
			bad |= BAD_EXT_LEVELS;
		/* as many IDs as the shifts say, saturated in 8 and 6 bits */
		if (order(g.leaf1_ids) != pkg_bits || g.htt != (per_pkg > 1) ||
		    g.leaf4_cores != (x.core_bits > 6 ? 64 : 1u << x.core_bits) || !g.cache_list_ok)
			bad |= BAD_LEGACY;
		if (g.l1_sharing != 1u << x.smt_bits || g.l3_sharing != 1u << pkg_bits ||
		    g.amd_l1_sharing != 1u << x.smt_bits || g.amd_l3_sharing != 1u << pkg_bits)
			bad |= BAD_CACHE_SHARE;
		if (g.ext_apic_id != id || g.amd_nc != per_pkg || g.amd_id_size != pkg_bits ||
		    g.amd_threads_per_core != t->threads || g.amd_core_id != x.core ||
		    g.amd_node_id != x.socket)
			bad |= BAD_AMD;
	}
	return bad;
}

/* Fail once per property, naming the vCPU counts it fails for. */
static void report_counts(const unsigned *bad, unsigned from, unsigned to)
{
	for (unsigned p = 0; p < BAD_PROPERTIES; p++) {
		unsigned first = 0, last = 0, count = 0;

		for (unsigned n = from; n <= to; n++)
			if (bad[n] & (1u << p)) {
				first = first ? first : n;
				last = n;
				count++;
			}
		if (count)
			fprintf(stderr, "  %s wrong for %u of the counts %u-%u (first %u, last %u)\n",
				bad_names[p], count, from, to, first, last);
		CHECK_EQ(count, 0);
	}
}

/* -smp N: one socket of N single-thread cores. */
static void test_cpuid_every_cpu_count_up_to_255_agrees_with_apic_ids(void)
{
	static unsigned bad[256];

	for (unsigned n = 1; n <= 255; n++)
		bad[n] = check_topology(&(struct cpu_topology){ 1, n, 1 }, n);
	report_counts(bad, 1, 255);
}

/* Every split of up to 255 vCPUs whose APIC IDs fit 8 bits (the ones
 * config_parse() accepts), each vCPU of each. */
static void test_cpuid_every_split_agrees_with_apic_ids(void)
{
	static unsigned bad[256];
	unsigned splits = 0;

	for (unsigned s = 1; s <= 255; s++)
		for (unsigned co = 1; s * co <= 255; co++)
			for (unsigned th = 1; s * co * th <= 255; th++) {
				struct cpu_topology t = { s, co, th };
				unsigned n = s * co * th;

				if (expect(&t, n - 1).apic_id > 254)
					continue;
				bad[n] |= check_topology(&t, n);
				splits++;
			}
	report_counts(bad, 1, 255);
	CHECK(splits > 1000);
}

/* Holes where counts are not powers of two: 3 cores take 2 bits. */
static void test_cpuid_apic_ids_of_uneven_splits(void)
{
	static const unsigned two_by_three[] = { 0, 1, 2, 4, 5, 6 };
	static const unsigned two_by_three_by_two[] = { 0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13 };
	struct cpu_topology a = { 2, 3, 1 }, b = { 2, 3, 2 }, c = { 2, 50, 2 };

	for (unsigned i = 0; i < 6; i++)
		CHECK_EQ(cpu_topology_apic_id(&a, i), two_by_three[i]);
	for (unsigned i = 0; i < 12; i++)
		CHECK_EQ(cpu_topology_apic_id(&b, i), two_by_three_by_two[i]);
	/* the second socket of 50 two-thread cores starts at 1 << (1 + 6) */
	CHECK_EQ(cpu_topology_apic_id(&c, 100), 128);
	CHECK_EQ(cpu_topology_apic_id(&c, 199), 128 + 49 * 2 + 1);
}

int main(void)
{
	RUN(test_cpuid_feature_switches);
	RUN(test_cpuid_topology_of_vcpu_3_of_4);
	RUN(test_cpuid_single_cpu_has_no_htt);
	RUN(test_cpuid_platform_clears_ext_dest_id);
	RUN(test_cpuid_every_cpu_count_up_to_255_agrees_with_apic_ids);
	RUN(test_cpuid_every_split_agrees_with_apic_ids);
	RUN(test_cpuid_apic_ids_of_uneven_splits);
	return check_summary("cpuid");
}
