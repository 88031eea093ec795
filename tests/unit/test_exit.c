/* test_exit.c: exit decoding and dispatch with fabricated kvm_run structures. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kvm/exit.h"
#include "recdev.h"

static const struct bus_ops rec_ops = { "rec", BUS_SIZE_ANY, recdev_read, recdev_write };

static struct kvm_run *run;
static struct bus pio, mmio;
static struct recdev dev;
static struct exit_access a; /* what the last dispatch reported */

static void setup(void)
{
	/* The two pages KVM maps at least: kvm_run, then the port I/O data. */
	static union {
		struct kvm_run run;
		uint8_t page[2 * 4096];
	} page;

	memset(&page, 0, sizeof(page));
	run = &page.run;
	dev = (struct recdev){ .read_value = 0x5a };
	bus_init(&pio, "pio");
	bus_init(&mmio, "mmio");
	CHECK_EQ(bus_register(&pio, 0x3f8, 8, &rec_ops, &dev), 0);
	CHECK_EQ(bus_register(&mmio, 0xfeb00000, 0x200, &rec_ops, &dev), 0);
}

static void io_exit(int dir, uint16_t port, uint8_t size, uint32_t count)
{
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = (uint8_t)dir;
	run->io.port = port;
	run->io.size = size;
	run->io.count = count;
	run->io.data_offset = 4096; /* KVM_PIO_PAGE_OFFSET pages on x86 */
}

static uint8_t *io_data(void)
{
	return (uint8_t *)run + 4096;
}

static void mmio_exit(uint64_t addr, uint32_t len, uint8_t is_write)
{
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = addr;
	run->mmio.len = len;
	run->mmio.is_write = is_write;
}

static enum exit_action dispatch(void)
{
	return exit_dispatch(run, &pio, &mmio, &a);
}

static void test_exit_io_out_dispatches_value(void)
{
	io_exit(KVM_EXIT_IO_OUT, 0x3f9, 1, 1);
	io_data()[0] = 0x41;
	CHECK_EQ(dispatch(), EXIT_CONTINUE);
	CHECK_EQ(dev.offset, 1);
	CHECK_EQ(dev.value, 0x41);
	CHECK_EQ(a.addr, 0x3f9);
	CHECK_EQ(a.write, 1);
	CHECK_EQ(a.value, 0x41);
}

static void test_exit_io_in_fills_data(void)
{
	io_exit(KVM_EXIT_IO_IN, 0x3fd, 1, 1);
	CHECK_EQ(dispatch(), EXIT_CONTINUE);
	CHECK_EQ(io_data()[0], 0x5a);
	CHECK_EQ(a.value, 0x5a);
	CHECK_EQ(a.write, 0);
}

static void test_exit_io_in_unassigned_reads_all_ones(void)
{
	io_exit(KVM_EXIT_IO_IN, 0xcf8, 4, 1);
	CHECK_EQ(dispatch(), EXIT_CONTINUE);
	CHECK_EQ(exit_le_load(io_data(), 4), 0xffffffff);
}

static void test_exit_string_io_dispatches_every_item(void)
{
	io_exit(KVM_EXIT_IO_OUT, 0x3f8, 1, 5);
	memcpy(io_data(), "hello", 5);
	CHECK_EQ(dispatch(), EXIT_CONTINUE);
	CHECK_EQ(dev.writes, 5);
	CHECK_EQ(dev.value, 'o');
	CHECK_EQ(a.value, 'h');
}

static void test_exit_string_io_filling_the_data_page_is_served(void)
{
	io_exit(KVM_EXIT_IO_IN, 0x3f8, 4, 1024);
	CHECK_EQ(dispatch(), EXIT_CONTINUE);
	CHECK_EQ(dev.reads, 1024);
	CHECK_EQ(exit_le_load(io_data() + 4092, 4), 0x5a);
}

/* KVM never hands these over; if it did, the data is not where mvm may
 * look, so nothing is dispatched and the vCPU stops. */
static void test_exit_io_data_beyond_the_data_page_fails(void)
{
	io_exit(KVM_EXIT_IO_OUT, 0x3f8, 1, 4097);
	CHECK_EQ(dispatch(), EXIT_FAIL);
	io_exit(KVM_EXIT_IO_IN, 0x3f8, 4, 0x40000001); /* size * count wraps 32 bits */
	CHECK_EQ(dispatch(), EXIT_FAIL);
	io_exit(KVM_EXIT_IO_IN, 0x3f8, 2, 1);
	run->io.data_offset = 2 * 4096 - 1;
	CHECK_EQ(dispatch(), EXIT_FAIL);
	run->io.data_offset = ~0ULL - 1; /* would wrap the pointer */
	CHECK_EQ(dispatch(), EXIT_FAIL);
	CHECK_EQ(dev.reads + dev.writes, 0);
	CHECK_EQ(pio.unassigned_reads + pio.unassigned_writes, 0);
}

/* Data inside struct kvm_run itself: reads into it would rewrite the
 * count being looped on. */
static void test_exit_io_data_inside_kvm_run_fails(void)
{
	io_exit(KVM_EXIT_IO_IN, 0x3f8, 4, 1);
	run->io.data_offset = (uint64_t)((uint8_t *)&run->io.count - (uint8_t *)run);
	CHECK_EQ(dispatch(), EXIT_FAIL);
	CHECK_EQ(dev.reads, 0);
	CHECK_EQ(run->io.count, 1);
}

static void test_exit_io_of_no_port_size_or_no_items_fails(void)
{
	io_exit(KVM_EXIT_IO_IN, 0x3f8, 0, 0xffffffff); /* would loop 2^32 times */
	CHECK_EQ(dispatch(), EXIT_FAIL);
	io_exit(KVM_EXIT_IO_IN, 0x3f8, 8, 1);
	CHECK_EQ(dispatch(), EXIT_FAIL);
	io_exit(KVM_EXIT_IO_IN, 0x3f8, 3, 1);
	CHECK_EQ(dispatch(), EXIT_FAIL);
	io_exit(KVM_EXIT_IO_OUT, 0x3f8, 1, 0);
	CHECK_EQ(dispatch(), EXIT_FAIL);
	CHECK_EQ(dev.reads + dev.writes, 0);
}

static void test_exit_mmio_write_and_read(void)
{
	mmio_exit(0xfeb00070, 4, 1);
	exit_le_store(run->mmio.data, 4, 0x12345678);
	CHECK_EQ(dispatch(), EXIT_CONTINUE);
	CHECK_EQ(dev.offset, 0x70);
	CHECK_EQ(dev.value, 0x12345678);
	run->mmio.is_write = 0;
	run->mmio.len = 8;
	CHECK_EQ(dispatch(), EXIT_CONTINUE);
	CHECK_EQ(exit_le_load(run->mmio.data, 8), 0x5a);
	CHECK_EQ(a.size, 8);
}

/* As QEMU: unassigned memory reads 0 (unassigned_mem_read), unlike ports. */
static void test_exit_mmio_unassigned_read_is_zero(void)
{
	for (unsigned len = 1; len <= 8; len *= 2) {
		mmio_exit(0xd0000000, len, 0);
		memset(run->mmio.data, 0xa5, sizeof(run->mmio.data));
		CHECK_EQ(dispatch(), EXIT_CONTINUE);
		CHECK_EQ(exit_le_load(run->mmio.data, len), 0);
		CHECK_EQ(a.value, 0);
		CHECK_EQ(a.size, len);
	}
	CHECK_EQ(mmio.unassigned_reads, 4);
	CHECK_EQ(dev.reads, 0);
}

static void test_exit_mmio_read_straddling_a_device_end_is_zero(void)
{
	mmio_exit(0xfeb001fc, 8, 0); /* 4 bytes in the device, 4 past it */
	memset(run->mmio.data, 0xa5, sizeof(run->mmio.data));
	CHECK_EQ(dispatch(), EXIT_CONTINUE);
	CHECK_EQ(exit_le_load(run->mmio.data, 8), 0);
	CHECK_EQ(dev.reads, 0);
}

static void test_exit_mmio_oversized_length_is_unassigned(void)
{
	mmio_exit(0xfeb00000, 64, 1);
	CHECK_EQ(dispatch(), EXIT_CONTINUE);
	CHECK_EQ(dev.writes, 0);
	CHECK_EQ(mmio.unassigned_writes, 1);
}

static void test_exit_shutdown_and_system_events(void)
{
	run->exit_reason = KVM_EXIT_SHUTDOWN;
	CHECK_EQ(dispatch(), EXIT_SHUTDOWN);
	run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
	run->system_event.type = KVM_SYSTEM_EVENT_RESET;
	CHECK_EQ(dispatch(), EXIT_RESET);
	run->system_event.type = KVM_SYSTEM_EVENT_SHUTDOWN;
	CHECK_EQ(dispatch(), EXIT_SHUTDOWN);
	run->system_event.type = 99;
	CHECK_EQ(dispatch(), EXIT_FAIL);
}

static void emulation_failure(const uint8_t *insn, uint8_t len)
{
	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	run->emulation_failure.suberror = KVM_INTERNAL_ERROR_EMULATION;
	run->emulation_failure.ndata = 3;
	run->emulation_failure.flags = KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
	run->emulation_failure.insn_size = len;
	memcpy(run->emulation_failure.insn_bytes, insn, len);
}

static void test_exit_int3_emulation_failure_is_int3(void)
{
	emulation_failure((const uint8_t[]){ 0xcc }, 1);
	CHECK_EQ(dispatch(), EXIT_INT3);
}

static void test_exit_fwait_emulation_failure_is_fwait(void)
{
	emulation_failure((const uint8_t[]){ 0x9b, 0x65, 0x48, 0xc7, 0x05 }, 5);
	CHECK_EQ(dispatch(), EXIT_FWAIT);
	run->emulation_failure.insn_size = 0; /* no bytes: cannot know */
	CHECK_EQ(dispatch(), EXIT_FAIL);
}

static void test_exit_other_emulation_failure_fails(void)
{
	emulation_failure((const uint8_t[]){ 0x48, 0x0f, 0xc7, 0x0e }, 4);
	CHECK_EQ(dispatch(), EXIT_FAIL);
	emulation_failure((const uint8_t[]){ 0xcc }, 1);
	run->emulation_failure.flags = 0; /* bytes not valid: cannot know */
	CHECK_EQ(dispatch(), EXIT_FAIL);
}

static void test_exit_unknown_reason_fails(void)
{
	run->exit_reason = 0x7777;
	CHECK_EQ(dispatch(), EXIT_FAIL);
	run->exit_reason = KVM_EXIT_HLT; /* never with an in-kernel LAPIC */
	CHECK_EQ(dispatch(), EXIT_FAIL);
}

static void test_exit_intr_and_eoi(void)
{
	run->exit_reason = KVM_EXIT_INTR;
	CHECK_EQ(dispatch(), EXIT_CONTINUE);
	run->exit_reason = KVM_EXIT_IOAPIC_EOI;
	CHECK_EQ(dispatch(), EXIT_EOI);
}

int main(void)
{
	check_setup = setup;
	RUN(test_exit_io_out_dispatches_value);
	RUN(test_exit_io_in_fills_data);
	RUN(test_exit_io_in_unassigned_reads_all_ones);
	RUN(test_exit_string_io_dispatches_every_item);
	RUN(test_exit_string_io_filling_the_data_page_is_served);
	RUN(test_exit_io_data_beyond_the_data_page_fails);
	RUN(test_exit_io_data_inside_kvm_run_fails);
	RUN(test_exit_io_of_no_port_size_or_no_items_fails);
	RUN(test_exit_mmio_write_and_read);
	RUN(test_exit_mmio_unassigned_read_is_zero);
	RUN(test_exit_mmio_read_straddling_a_device_end_is_zero);
	RUN(test_exit_mmio_oversized_length_is_unassigned);
	RUN(test_exit_shutdown_and_system_events);
	RUN(test_exit_int3_emulation_failure_is_int3);
	RUN(test_exit_fwait_emulation_failure_is_fwait);
	RUN(test_exit_other_emulation_failure_fails);
	RUN(test_exit_unknown_reason_fails);
	RUN(test_exit_intr_and_eoi);
	return check_summary("exit");
}
