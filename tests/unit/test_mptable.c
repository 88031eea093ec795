/* test_mptable.c: the MP table a direct boot gets. */
#include <string.h>

#include "boot/mptable.h"
#include "check.h"

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

static struct guest_mem mem;

static const uint8_t *table(void)
{
	return mem_ptr(&mem, MPTABLE_CONFIG, 44);
}

static void test_mptable_floating_pointer_points_at_valid_config(void)
{
	const uint8_t *mpf;
	uint32_t config;

	CHECK_EQ(mem_init(&mem, 64 << 20, 0), 0);
	CHECK_EQ(mptable_write(&mem, 2, 2, 0x806f8, 0x178bfbff), 0);
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
	CHECK_EQ(mptable_write(&mem, 2, 2, 0x806f8, 0x178bfbff), 0);
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
	CHECK_EQ(mem_init(&mem, 64 << 20, 0), 0);
	CHECK_EQ(mptable_write(&mem, 255, 255, 0, 0), 0);
	CHECK_EQ(mptable_write(&mem, 256, 255, 0, 0), (uint64_t)-22);
	CHECK_EQ(mptable_write(&mem, 0, 0, 0, 0), (uint64_t)-22);
	mem_free(&mem);
}

int main(void)
{
	RUN(test_mptable_floating_pointer_points_at_valid_config);
	RUN(test_mptable_entries_for_two_cpus);
	RUN(test_mptable_255_cpus_fit);
	return check_summary("mptable");
}
