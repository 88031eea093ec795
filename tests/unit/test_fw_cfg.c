/* test_fw_cfg.c: fw_cfg ports, items, directory and DMA against fake guest RAM. */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dev/fw_cfg.h"

#define RAM (16ULL << 20)
#define DESC 0x1000ULL
#define BUF 0x2000ULL

static struct guest_mem mem;
static struct fw_cfg f;

/* What the device told its events handler: counts, and the last event. */
static struct {
	unsigned selects, reads;
	uint16_t key;
	uint32_t size, bytes;
	bool dma;
} seen;

static void record_select(void *ctx, uint16_t key, uint32_t size)
{
	(void)ctx;
	seen.selects++;
	seen.key = key;
	seen.size = size;
}

static void record_read(void *ctx, uint16_t key, bool dma, uint32_t bytes)
{
	(void)ctx;
	seen.reads++;
	seen.key = key;
	seen.dma = dma;
	seen.bytes = bytes;
}

static const struct fw_cfg_events recorder = { record_select, record_read, NULL };
static const struct fw_cfg_events no_events;

static void setup(void)
{
	fw_cfg_free(&f);
	mem_free(&mem);
	memset(&seen, 0, sizeof(seen));
	CHECK_EQ(mem_init(&mem, RAM, 0), 0);
	CHECK_EQ(fw_cfg_init(&f, &mem, recorder), 0);
}

static void sel(uint16_t key)
{
	fw_cfg_io_ops.write(&f, 0, 2, key);
}

static uint8_t port_byte(void)
{
	return (uint8_t)fw_cfg_io_ops.read(&f, 1, 1);
}

/* Run one DMA descriptor at DESC, as firmware does: low half last. */
static uint32_t dma(uint32_t control, uint32_t len, uint64_t addr)
{
	struct fw_cfg_dma_access d = { htobe32(control), htobe32(len), htobe64(addr) };

	CHECK_EQ(mem_write(&mem, DESC, &d, sizeof(d)), 0);
	fw_cfg_dma_ops.write(&f, 0, 4, htobe32((uint32_t)(DESC >> 32)));
	fw_cfg_dma_ops.write(&f, 4, 4, htobe32((uint32_t)DESC));
	CHECK_EQ(mem_read(&mem, DESC, &d, sizeof(d)), 0);
	return be32toh(d.control);
}

static uint8_t *ram(uint64_t a)
{
	return mem_ptr(&mem, a, 1);
}

static void test_fw_cfg_signature_and_id_through_the_port(void)
{
	char sig[5] = "";

	setup();
	sel(FW_CFG_SIGNATURE);
	for (int i = 0; i < 4; i++)
		sig[i] = (char)port_byte();
	CHECK(!strcmp(sig, "QEMU"));
	sel(FW_CFG_ID);
	CHECK_EQ(port_byte(), FW_CFG_VERSION | FW_CFG_VERSION_DMA);
}

static void test_fw_cfg_reads_past_the_end_are_zero(void)
{
	setup();
	sel(FW_CFG_SIGNATURE);
	for (int i = 0; i < 4; i++)
		port_byte();
	CHECK_EQ(port_byte(), 0);
	CHECK_EQ(fw_cfg_io_ops.read(&f, 0, 1), 0); /* 0x510 reads data too */
}

static void test_fw_cfg_select_restarts_the_item(void)
{
	setup();
	sel(FW_CFG_SIGNATURE);
	port_byte();
	sel(FW_CFG_SIGNATURE);
	CHECK_EQ(port_byte(), 'Q');
}

static void test_fw_cfg_wrong_sized_port_accesses_do_nothing(void)
{
	setup();
	sel(FW_CFG_SIGNATURE);
	CHECK_EQ(fw_cfg_io_ops.read(&f, 0, 2), 0xffff);
	fw_cfg_io_ops.write(&f, 0, 1, FW_CFG_ID); /* 8-bit data write: ignored */
	fw_cfg_io_ops.write(&f, 1, 2, FW_CFG_ID);
	CHECK_EQ(port_byte(), 'Q');
}

static void test_fw_cfg_invalid_key_reads_zeros(void)
{
	setup();
	sel(0x7fff);
	CHECK_EQ(port_byte(), 0);
	CHECK_EQ(dma(FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ | (0x1234u << 16), 4, BUF), 0);
	CHECK_EQ(*ram(BUF), 0);
}

static void test_fw_cfg_numbered_items_are_little_endian(void)
{
	setup();
	CHECK_EQ(fw_cfg_add_u32(&f, FW_CFG_NB_CPUS, 0x01020304), 0);
	sel(FW_CFG_NB_CPUS);
	CHECK_EQ(port_byte(), 4);
	CHECK_EQ(port_byte(), 3);
	CHECK_EQ(fw_cfg_add_u16(&f, FW_CFG_IRQ0_OVERRIDE, 1), 0);
	CHECK(fw_cfg_add(&f, FW_CFG_FILE_DIR, "x", 1) == -EINVAL);
	CHECK(fw_cfg_add(&f, 0x4242, "x", 1) == -EINVAL);
}

static void test_fw_cfg_directory_sorted_and_renumbered(void)
{
	struct fw_cfg_file e;
	uint32_t count;

	setup();
	CHECK_EQ(fw_cfg_add_file(&f, "etc/e820", "abcd", 4), 0);
	CHECK_EQ(fw_cfg_add_file(&f, "bootorder", "/rom\0", 5), 0);
	CHECK_EQ(fw_cfg_file_key(&f, "bootorder"), FW_CFG_FILE_FIRST);
	CHECK_EQ(fw_cfg_file_key(&f, "etc/e820"), FW_CFG_FILE_FIRST + 1);
	CHECK_EQ(fw_cfg_file_key(&f, "nothing"), FW_CFG_INVALID);
	CHECK_EQ(dma(FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ | (FW_CFG_FILE_DIR << 16),
		     4 + 2 * sizeof(e), BUF), 0);
	memcpy(&count, ram(BUF), 4);
	CHECK_EQ(be32toh(count), 2);
	memcpy(&e, ram(BUF + 4 + sizeof(e)), sizeof(e));
	CHECK(!strcmp(e.name, "etc/e820"));
	CHECK_EQ(be32toh(e.size), 4);
	CHECK_EQ(be16toh(e.select), FW_CFG_FILE_FIRST + 1);
	CHECK(!strcmp(fw_cfg_key_name(&f, FW_CFG_FILE_FIRST + 1), "etc/e820"));
	CHECK(!strcmp(fw_cfg_key_name(&f, FW_CFG_KERNEL_SIZE), "kernel_size"));
}

static void test_fw_cfg_file_limits(void)
{
	char name[80];

	setup();
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	CHECK_EQ(fw_cfg_add_file(&f, name, "x", 1), (uint64_t)-EINVAL);
	CHECK_EQ(fw_cfg_add_file(&f, "", "x", 1), (uint64_t)-EINVAL);
	for (int i = 0; i < FW_CFG_MAX_FILES; i++) {
		snprintf(name, sizeof(name), "opt/%02d", i);
		CHECK_EQ(fw_cfg_add_file(&f, name, "x", 1), 0);
	}
	CHECK_EQ(fw_cfg_add_file(&f, "opt/one-too-many", "x", 1), (uint64_t)-ENOSPC);
	CHECK_EQ(fw_cfg_add_file(&f, "opt/05", "yy", 2), 0); /* replacing is fine */
	CHECK_EQ(fw_cfg_file_key(&f, "opt/05"), FW_CFG_FILE_FIRST + 5);
}

static void test_fw_cfg_dma_read_and_port_share_the_offset(void)
{
	setup();
	CHECK_EQ(fw_cfg_add_file(&f, "etc/data", "0123456789", 10), 0);
	sel(FW_CFG_FILE_FIRST);
	port_byte();
	port_byte();
	CHECK_EQ(dma(FW_CFG_DMA_CTL_READ, 3, BUF), 0);
	CHECK(!memcmp(ram(BUF), "234", 3));
	CHECK_EQ(port_byte(), '5');
	CHECK_EQ(dma(FW_CFG_DMA_CTL_SKIP, 2, 0), 0);
	CHECK_EQ(port_byte(), '8');
}

static void test_fw_cfg_dma_past_the_end_fills_zeros(void)
{
	setup();
	CHECK_EQ(fw_cfg_add_file(&f, "etc/data", "ab", 2), 0);
	memset(ram(BUF), 0xee, 8);
	CHECK_EQ(dma(FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ | (FW_CFG_FILE_FIRST << 16), 8, BUF), 0);
	CHECK(!memcmp(ram(BUF), "ab\0\0\0\0\0\0", 8));
}

static void test_fw_cfg_dma_write_is_an_error(void)
{
	setup();
	CHECK_EQ(dma(FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_WRITE, 4, BUF), FW_CFG_DMA_CTL_ERROR);
}

static void test_fw_cfg_dma_outside_ram_is_an_error_and_writes_nothing(void)
{
	setup();
	memset(ram(RAM - 4), 0x5a, 4);
	CHECK_EQ(dma(FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ, 8, RAM - 4), FW_CFG_DMA_CTL_ERROR);
	CHECK_EQ(*ram(RAM - 4), 0x5a); /* nothing partial */
	CHECK_EQ(dma(FW_CFG_DMA_CTL_READ, 16, 0xd0000000), FW_CFG_DMA_CTL_ERROR);
	CHECK_EQ(dma(FW_CFG_DMA_CTL_READ, 16, ~0ULL - 4), FW_CFG_DMA_CTL_ERROR); /* wraps */
	CHECK_EQ(dma(FW_CFG_DMA_CTL_READ, 0xffffffff, BUF), FW_CFG_DMA_CTL_ERROR);
}

static void test_fw_cfg_dma_descriptor_outside_ram_is_ignored(void)
{
	setup();
	fw_cfg_dma_ops.write(&f, 4, 4, htobe32(0xfffffff0));
	fw_cfg_dma_ops.write(&f, 0, 8, htobe64(0x4000000000ULL));
	CHECK_EQ(f.selects, 0);
}

/* Start the descriptor at guest (desc) with one 64-bit write. */
static void dma_at(uint64_t desc)
{
	fw_cfg_dma_ops.write(&f, 0, 8, htobe64(desc));
}

/* As QEMU does: a descriptor that cannot be read whole still gets ERROR in
 * its control word when that word is guest memory, so a guest polling it
 * sees the transfer end. */
static void test_fw_cfg_dma_descriptor_straddling_the_end_of_ram_reports_error(void)
{
	uint32_t ctl = htobe32(FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ), got;

	setup();
	for (uint64_t back = 4; back < sizeof(struct fw_cfg_dma_access); back += 4) {
		CHECK_EQ(mem_write(&mem, RAM - back, &ctl, sizeof(ctl)), 0);
		dma_at(RAM - back);
		CHECK_EQ(mem_read(&mem, RAM - back, &got, sizeof(got)), 0);
		CHECK_EQ(be32toh(got), FW_CFG_DMA_CTL_ERROR);
	}
	CHECK_EQ(f.selects, 0); /* nothing of the descriptor was acted on */
}

static void test_fw_cfg_dma_control_word_straddling_the_end_of_ram_is_left_alone(void)
{
	setup();
	memset(ram(RAM - 2), 0x5a, 2);
	dma_at(RAM - 2);
	CHECK_EQ(*ram(RAM - 2), 0x5a);
	CHECK_EQ(*ram(RAM - 1), 0x5a);
	CHECK_EQ(f.selects, 0);
}

static void test_fw_cfg_dma_address_high_half_and_64bit_write(void)
{
	struct fw_cfg_dma_access d = { htobe32(FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ), htobe32(4),
				       htobe64(BUF) };

	setup();
	CHECK_EQ(mem_write(&mem, DESC, &d, sizeof(d)), 0);
	fw_cfg_dma_ops.write(&f, 0, 8, htobe64(DESC));
	CHECK(!memcmp(ram(BUF), "QEMU", 4));
	fw_cfg_dma_ops.write(&f, 0, 4, htobe32(1)); /* high half 1: 4 GiB + ... */
	fw_cfg_dma_ops.write(&f, 4, 4, htobe32((uint32_t)DESC));
	CHECK_EQ(f.selects, 1); /* that descriptor is not in RAM */
	CHECK_EQ(mem_write(&mem, DESC, &d, sizeof(d)), 0); /* control was written back as 0 */
	fw_cfg_dma_ops.write(&f, 4, 4, htobe32((uint32_t)DESC)); /* the high half was reset */
	CHECK_EQ(f.selects, 2);
}

static void test_fw_cfg_dma_register_reads_signature(void)
{
	setup();
	CHECK_EQ(fw_cfg_dma_ops.read(&f, 0, 4), 0x554d4551); /* "QEMU" in memory order */
	CHECK_EQ(fw_cfg_dma_ops.read(&f, 4, 4), 0x47464320); /* " CFG" */
	CHECK_EQ(fw_cfg_dma_ops.read(&f, 7, 1), 'G');
}

/* An allocator that fails from its (allocs_left)th call on. */
static int allocs_left;

static void *failing_alloc(size_t size)
{
	if (allocs_left <= 0)
		return NULL;
	allocs_left--;
	return malloc(size);
}

static void test_fw_cfg_init_reports_a_failed_allocation(void)
{
	struct fw_cfg g;
	int ok_after = -1;

	setup();
	/* Fail each of init's allocations in turn, then let them all through. */
	for (int n = 0; n < 8 && ok_after < 0; n++) {
		allocs_left = n;
		if (fw_cfg_init_alloc(&g, &mem, no_events, failing_alloc) == 0)
			ok_after = n;
		else
			CHECK(g.dir.data == NULL && g.legacy[FW_CFG_SIGNATURE].data == NULL);
		fw_cfg_free(&g);
	}
	CHECK(ok_after > 0);
	CHECK_EQ(fw_cfg_init(&g, &mem, no_events), 0);
	fw_cfg_free(&g);
}

static void test_fw_cfg_failed_allocation_leaves_items_and_directory_as_they_were(void)
{
	struct fw_cfg g;
	uint32_t count;

	setup();
	allocs_left = 64;
	CHECK_EQ(fw_cfg_init_alloc(&g, &mem, no_events, failing_alloc), 0);
	CHECK_EQ(fw_cfg_add_file(&g, "etc/a", "a", 1), 0);
	allocs_left = 0;
	CHECK(fw_cfg_add_file(&g, "etc/b", "b", 1) == -ENOMEM);
	CHECK(fw_cfg_add_file(&g, "etc/a", "xy", 2) == -ENOMEM);
	CHECK(fw_cfg_add_u32(&g, FW_CFG_NB_CPUS, 2) == -ENOMEM);
	CHECK_EQ(g.nfiles, 1);
	CHECK_EQ(fw_cfg_file_key(&g, "etc/b"), FW_CFG_INVALID);
	CHECK_EQ(g.file[0].item.len, 1);
	memcpy(&count, g.dir.data, 4);
	CHECK_EQ(be32toh(count), 1);
	CHECK(g.legacy[FW_CFG_NB_CPUS].data == NULL);
	fw_cfg_free(&g);
}

static void test_fw_cfg_reset_clears_the_selection(void)
{
	setup();
	sel(FW_CFG_SIGNATURE);
	port_byte();
	sel(FW_CFG_ID);
	fw_cfg_reset(&f);
	CHECK_EQ(port_byte(), 'Q');
}

static void test_fw_cfg_select_and_port_read_are_events(void)
{
	setup();
	sel(FW_CFG_SIGNATURE);
	CHECK_EQ(seen.selects, 1);
	CHECK_EQ(seen.key, FW_CFG_SIGNATURE);
	CHECK_EQ(seen.size, 4);
	port_byte();
	CHECK_EQ(seen.reads, 1);
	CHECK(!seen.dma);
	CHECK_EQ(seen.bytes, 1);
}

static void test_fw_cfg_dma_read_is_one_event_with_its_bytes(void)
{
	setup();
	dma(FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ | (FW_CFG_ID << 16), 16, BUF);
	CHECK_EQ(seen.selects, 1);
	CHECK_EQ(seen.reads, 1);
	CHECK_EQ(seen.key, FW_CFG_ID);
	CHECK(seen.dma);
	CHECK_EQ(seen.bytes, 16);
}

static void test_fw_cfg_dma_skip_and_write_are_events_of_no_bytes(void)
{
	setup();
	dma(FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_SKIP | (FW_CFG_SIGNATURE << 16), 2, 0);
	CHECK_EQ(seen.reads, 1);
	CHECK_EQ(seen.bytes, 0);
	dma(FW_CFG_DMA_CTL_WRITE, 4, BUF);
	CHECK_EQ(seen.reads, 2);
	CHECK(seen.dma);
	CHECK_EQ(seen.bytes, 0);
}

int main(void)
{
	RUN(test_fw_cfg_signature_and_id_through_the_port);
	RUN(test_fw_cfg_reads_past_the_end_are_zero);
	RUN(test_fw_cfg_select_restarts_the_item);
	RUN(test_fw_cfg_wrong_sized_port_accesses_do_nothing);
	RUN(test_fw_cfg_invalid_key_reads_zeros);
	RUN(test_fw_cfg_numbered_items_are_little_endian);
	RUN(test_fw_cfg_directory_sorted_and_renumbered);
	RUN(test_fw_cfg_file_limits);
	RUN(test_fw_cfg_dma_read_and_port_share_the_offset);
	RUN(test_fw_cfg_dma_past_the_end_fills_zeros);
	RUN(test_fw_cfg_dma_write_is_an_error);
	RUN(test_fw_cfg_dma_outside_ram_is_an_error_and_writes_nothing);
	RUN(test_fw_cfg_dma_descriptor_outside_ram_is_ignored);
	RUN(test_fw_cfg_dma_descriptor_straddling_the_end_of_ram_reports_error);
	RUN(test_fw_cfg_dma_control_word_straddling_the_end_of_ram_is_left_alone);
	RUN(test_fw_cfg_dma_address_high_half_and_64bit_write);
	RUN(test_fw_cfg_dma_register_reads_signature);
	RUN(test_fw_cfg_select_and_port_read_are_events);
	RUN(test_fw_cfg_dma_read_is_one_event_with_its_bytes);
	RUN(test_fw_cfg_dma_skip_and_write_are_events_of_no_bytes);
	RUN(test_fw_cfg_init_reports_a_failed_allocation);
	RUN(test_fw_cfg_failed_allocation_leaves_items_and_directory_as_they_were);
	RUN(test_fw_cfg_reset_clears_the_selection);
	fw_cfg_free(&f);
	mem_free(&mem);
	return check_summary("fw_cfg");
}
