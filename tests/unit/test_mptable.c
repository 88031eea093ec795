/* test_mptable.c: the MP table a direct boot gets. */
#include <string.h>

#include "boot/mptable.h"
#include "check.h"
#include "kvm/cpuid.h"

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

static struct guest_mem mem;
static const struct cpu_topology two = { 1, 2, 1 };

static const uint8_t *table(void)
{
	return mem_ptr(&mem, MPTABLE_CONFIG, 44);
}

static void test_mptable_floating_pointer_points_at_valid_config(void)
{
	const uint8_t *mpf;
	uint32_t config;

	CHECK_EQ(mem_init(&mem, 64 << 20, 0), 0);
	CHECK_EQ(mptable_write(&mem, &two, 2, 2, 0x806f8, 0x178bfbff), 0);
	mpf = mem_ptr(&mem, MPTABLE_FLOATING, 16);
	CHECK(!memcmp(mpf, "_MP_", 4));
	CHECK_EQ(sum(mpf, 16), 0);
	CHECK_EQ(mpf[8], 1);  /* length in 16-byte units */
	CHECK_EQ(mpf[9], 4);  /* spec 1.4 */
	CHECK_EQ(mpf[11], 0); /* feature 1: a table is present */
	memcpy(&config, mpf + 4, 4);
	CHECK_EQ(config, MPTABLE_CONFIG);
	CHECK(!memcmp(table(), "PCMP", 4));
	mem_free(&mem);
}

static void test_mptable_entries_for_two_cpus(void)
{
	const uint8_t *t, *e;
	uint16_t len, count;

	CHECK_EQ(mem_init(&mem, 64 << 20, 0), 0);
	CHECK_EQ(mptable_write(&mem, &two, 2, 2, 0x806f8, 0x178bfbff), 0);
	t = table();
	memcpy(&len, t + 4, 2);
	memcpy(&count, t + 34, 2);
	CHECK_EQ(sum(mem_ptr(&mem, MPTABLE_CONFIG, len), len), 0);
	/* 2 CPUs, 1 bus, 1 IOAPIC, 15 ISA interrupts, 2 local interrupts */
	CHECK_EQ(count, 21);
	CHECK_EQ(len, 44 + 2 * 20 + 8 + 8 + 17 * 8);
	e = t + 44;
	CHECK_EQ(e[0], 0);
	CHECK_EQ(e[1], 0);    /* APIC ID 0 */
	CHECK_EQ(e[3], 3);    /* enabled, boot processor */
	CHECK_EQ(e[20 + 1], 1);
	CHECK_EQ(e[20 + 3], 1); /* enabled, not BSP */
	e += 40;
	CHECK(e[0] == 1 && !memcmp(e + 2, "ISA   ", 6));
	e += 8;
	CHECK_EQ(e[0], 2);
	CHECK_EQ(e[1], 2); /* IOAPIC ID */
	e += 8;
	CHECK_EQ(e[0], 3);
	CHECK_EQ(e[5], 0); /* ISA IRQ 0 ... */
	CHECK_EQ(e[7], 2); /* ... on pin 2 */
	CHECK_EQ(e[8 + 5], 1);
	CHECK_EQ(e[8 + 7], 1);
	CHECK_EQ(e[16 + 5], 3); /* no entry for IRQ 2 */
	mem_free(&mem);
}

static void test_mptable_255_cpus_fit(void)
{
	const struct cpu_topology flat255 = { 1, 255, 1 }, flat256 = { 1, 256, 1 };

	CHECK_EQ(mem_init(&mem, 64 << 20, 0), 0);
	CHECK_EQ(mptable_write(&mem, &flat255, 255, 255, 0, 0), 0);
	CHECK_EQ(mptable_write(&mem, &flat256, 256, 255, 0, 0), (uint64_t)-22);
	CHECK_EQ(mptable_write(&mem, &flat255, 0, 0, 0, 0), (uint64_t)-22);
	mem_free(&mem);
}

/* The APIC ID CPUID gives vCPU (index) of (t): leaf 1 EBX[31:24]. */
static unsigned cpuid_apic_id(const struct cpu_topology *t, unsigned index)
{
	struct {
		struct kvm_cpuid2 h;
		struct kvm_cpuid_entry2 e[1];
	} c = { .h.nent = 1, .e[0] = { .function = 1 } };

	cpuid_set_topology(&c.h, t, index);
	return c.e[0].ebx >> 24;
}

/* Processor entries that do not list the APIC ID their vCPU's CPUID
 * reports, or get the BSP flag wrong. */
static unsigned mismatched_cpus(const struct cpu_topology *t, unsigned ncpus)
{
	const uint8_t *e = table() + 44;
	unsigned bad = 0;

	for (unsigned i = 0; i < ncpus; i++, e += 20)
		bad += e[0] != 0 || e[1] != cpuid_apic_id(t, i) || e[3] != (i ? 1 : 3);
	return bad;
}

static void test_mptable_apic_ids_match_cpuid_for_every_count(void)
{
	unsigned bad_counts = 0;

	CHECK_EQ(mem_init(&mem, 64 << 20, 0), 0);
	for (unsigned n = 1; n <= 255; n++) {
		struct cpu_topology t = { 1, n, 1 };

		CHECK_EQ(mptable_write(&mem, &t, n, (uint8_t)n, 0, 0), 0);
		bad_counts += mismatched_cpus(&t, n) != 0;
	}
	CHECK_EQ(bad_counts, 0);
	mem_free(&mem);
}

static void test_mptable_apic_ids_match_cpuid_for_splits(void)
{
	static const struct cpu_topology splits[] = {
		{ 2, 3, 1 }, { 2, 3, 2 }, { 2, 50, 2 }, { 1, 100, 2 }, { 2, 2, 63 }, { 255, 1, 1 },
		{ 1, 1, 255 }, { 3, 7, 3 },
	};

	CHECK_EQ(mem_init(&mem, 64 << 20, 0), 0);
	for (unsigned i = 0; i < sizeof(splits) / sizeof(splits[0]); i++) {
		const struct cpu_topology *t = &splits[i];
		unsigned n = t->sockets * t->cores * t->threads;

		CHECK_EQ(mptable_write(&mem, t, n, 255, 0, 0), 0);
		CHECK_EQ(mismatched_cpus(t, n), 0);
		/* the first vCPUs only, as with cpus < maxcpus */
		CHECK_EQ(mptable_write(&mem, t, n / 2 + 1, 255, 0, 0), 0);
		CHECK_EQ(mismatched_cpus(t, n / 2 + 1), 0);
	}
	mem_free(&mem);
}

/* An ID the table cannot hold, or two APICs with one ID, is refused. */
static void test_mptable_refuses_ids_that_collide_or_overflow(void)
{
	CHECK_EQ(mem_init(&mem, 64 << 20, 0), 0);
	/* 5 sockets of 51 cores: the last APIC ID is 4 << 6 | 50 = 306 */
	CHECK_EQ(mptable_write(&mem, &(struct cpu_topology){ 5, 51, 1 }, 255, 255, 0, 0),
		 (uint64_t)-22);
	CHECK_EQ(mptable_write(&mem, &(struct cpu_topology){ 5, 51, 1 }, 200, 255, 0, 0), 0);
	/* the IOAPIC's ID is a CPU's */
	CHECK_EQ(mptable_write(&mem, &(struct cpu_topology){ 1, 2, 1 }, 2, 1, 0, 0), (uint64_t)-22);
	CHECK_EQ(mptable_write(&mem, &(struct cpu_topology){ 1, 0, 1 }, 1, 1, 0, 0), (uint64_t)-22);
	mem_free(&mem);
}

int main(void)
{
	RUN(test_mptable_floating_pointer_points_at_valid_config);
	RUN(test_mptable_entries_for_two_cpus);
	RUN(test_mptable_255_cpus_fit);
	RUN(test_mptable_apic_ids_match_cpuid_for_every_count);
	RUN(test_mptable_apic_ids_match_cpuid_for_splits);
	RUN(test_mptable_refuses_ids_that_collide_or_overflow);
	return check_summary("mptable");
}
