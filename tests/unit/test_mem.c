/* test_mem.c: the microvm memory map and checked guest-address translation. */
#include <string.h>

#include "check.h"
#include "core/mem.h"

static void test_mem_small_ram_is_one_region_at_zero(void)
{
	struct guest_mem m;

	CHECK_EQ(mem_init(&m, 64 << 20, 0), 0);
	CHECK_EQ(m.nregions, 1);
	CHECK_EQ(m.below_4g, 64 << 20);
	CHECK_EQ(m.above_4g, 0);
	CHECK(mem_ptr(&m, 0, 64 << 20) == m.ram);
	CHECK(mem_ptr(&m, (64 << 20) - 1, 2) == NULL);
	mem_free(&m);
}

static void test_mem_ram_above_3g_moves_to_4g(void)
{
	struct guest_mem m;

	CHECK_EQ(mem_init(&m, 4ULL << 30, 0), 0);
	CHECK_EQ(m.below_4g, 3ULL << 30);
	CHECK_EQ(m.above_4g, 1ULL << 30);
	CHECK(mem_ptr(&m, MEM_4G, 4096) == m.ram + (3ULL << 30));
	CHECK(mem_ptr(&m, 3ULL << 30, 1) == NULL); /* the hole below 4 GiB */
	mem_free(&m);
}

static void test_mem_firmware_is_mapped_high_and_aliased_low(void)
{
	struct guest_mem m;

	CHECK_EQ(mem_init(&m, 64 << 20, 0x10000), 0);
	CHECK_EQ(m.nregions, 4);
	CHECK(mem_ptr(&m, MEM_4G - 0x10000, 0x10000) == m.fw);
	CHECK(mem_ptr(&m, 0xf0000, 0x10000) == m.fw);
	CHECK(mem_ptr(&m, 0xeffff, 1) == m.ram + 0xeffff);
	CHECK(mem_ptr(&m, 0x100000, 1) == m.ram + 0x100000);
	CHECK(mem_ptr(&m, 0xeffff, 2) == NULL); /* spans RAM and the window */
	mem_free(&m);
}

static void test_mem_large_firmware_aliases_its_last_128k(void)
{
	struct guest_mem m;

	CHECK_EQ(mem_init(&m, 64 << 20, 0x40000), 0);
	CHECK(mem_ptr(&m, 0xe0000, 0x20000) == m.fw + 0x20000);
	CHECK(mem_ptr(&m, MEM_4G - 0x40000, 1) == m.fw);
	mem_free(&m);
}

static void test_mem_bad_sizes_are_refused(void)
{
	struct guest_mem m;

	CHECK(mem_init(&m, 1 << 20, 0) != 0);
	CHECK(mem_init(&m, 64 << 20, 0x1000) != 0);
	CHECK(mem_init(&m, 64 << 20, 32 << 20) != 0);
}

static void test_mem_ptr_refuses_zero_length_and_wrap(void)
{
	struct guest_mem m;
	uint8_t b = 0;

	CHECK_EQ(mem_init(&m, 64 << 20, 0), 0);
	CHECK(mem_ptr(&m, 0, 0) == NULL);
	CHECK(mem_ptr(&m, ~0ULL - 1, 4) == NULL);
	CHECK(mem_ptr(&m, 16, ~0ULL) == NULL);
	CHECK(mem_write(&m, (64 << 20), &b, 1) != 0);
	CHECK(mem_read(&m, ~0ULL, &b, 1) != 0);
	mem_free(&m);
}

static void test_mem_write_then_read(void)
{
	struct guest_mem m;
	char buf[6] = "";

	CHECK_EQ(mem_init(&m, 64 << 20, 0), 0);
	CHECK_EQ(mem_write(&m, 0x1000, "hello", 6), 0);
	CHECK_EQ(mem_read(&m, 0x1000, buf, 6), 0);
	CHECK(!strcmp(buf, "hello"));
	mem_free(&m);
}

int main(void)
{
	RUN(test_mem_small_ram_is_one_region_at_zero);
	RUN(test_mem_ram_above_3g_moves_to_4g);
	RUN(test_mem_firmware_is_mapped_high_and_aliased_low);
	RUN(test_mem_large_firmware_aliases_its_last_128k);
	RUN(test_mem_bad_sizes_are_refused);
	RUN(test_mem_ptr_refuses_zero_length_and_wrap);
	RUN(test_mem_write_then_read);
	return check_summary("mem");
}
