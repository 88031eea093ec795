/* test_ioapic.c: IOAPIC registers, redirection entries, edge/level delivery, EOI. */
#include <string.h>

#include "check.h"
#include "dev/ioapic.h"
#include "indexed.h"

struct fake_sink {
	unsigned routes, deliveries;
	unsigned last_pin;
	struct ioapic_msi last;
};

static struct fake_sink f;
static struct ioapic io;

static void fake_route(void *ctx, unsigned pin, struct ioapic_msi msi)
{
	(void)ctx;
	(void)pin;
	(void)msi;
	f.routes++;
}

static void fake_deliver(void *ctx, unsigned pin, struct ioapic_msi msi)
{
	(void)ctx;
	f.deliveries++;
	f.last_pin = pin;
	f.last = msi;
}

static void setup(void)
{
	memset(&f, 0, sizeof(f));
	ioapic_init(&io, (struct ioapic_sink){ fake_route, fake_deliver, NULL });
}

/* IOREGSEL at 0x00, IOWIN at 0x10. */
static const struct indexed window = { &ioapic_ops, &io, 0x00, 0x10, 4 };

static uint32_t reg_read(unsigned reg)
{
	return (uint32_t)indexed_read(&window, reg);
}

static void reg_write(unsigned reg, uint32_t v)
{
	indexed_write(&window, reg, v);
}

static void program(unsigned pin, uint32_t low, uint32_t high)
{
	reg_write(0x11 + 2 * pin, high);
	reg_write(0x10 + 2 * pin, low);
}

#define LEVEL (1u << 15)
#define MASKED (1u << 16)
#define REMOTE_IRR (1u << 14)

static void test_ioapic_version_and_id_registers(void)
{
	setup();
	CHECK_EQ(reg_read(0x01), 0x00170020);
	CHECK_EQ(reg_read(0x00), 0);
	reg_write(0x00, 0x05000000);
	CHECK_EQ(reg_read(0x00), 0x05000000);
	CHECK_EQ(reg_read(0x02), 0x05000000);
}

static void test_ioapic_ioregsel_reads_back(void)
{
	setup();
	ioapic_ops.write(&io, 0x00, 4, 0x23);
	CHECK_EQ(ioapic_ops.read(&io, 0x00, 4), 0x23);
}

static void test_ioapic_entries_reset_masked(void)
{
	setup();
	for (unsigned pin = 0; pin < IOAPIC_NPINS; pin++)
		CHECK_EQ(reg_read(0x10 + 2 * pin), MASKED);
	CHECK_EQ(reg_read(0x10 + 2 * IOAPIC_NPINS), 0xffffffff); /* beyond the table */
}

static void test_ioapic_masked_pin_does_not_deliver(void)
{
	setup();
	ioapic_set_irq(&io, 4, 1);
	CHECK_EQ(f.deliveries, 0);
}

static void test_ioapic_edge_delivers_message_from_entry(void)
{
	setup();
	program(4, 0x34, 0x01000000); /* vector 0x34, fixed, physical, dest 1 */
	ioapic_set_irq(&io, 4, 1);
	CHECK_EQ(f.deliveries, 1);
	CHECK_EQ(f.last_pin, 4);
	CHECK_EQ(f.last.address, 0xfee01000);
	CHECK_EQ(f.last.data, 0x34);
}

static void test_ioapic_edge_delivers_on_every_assert(void)
{
	/* QEMU's model: a re-assert while high is a new interrupt. */
	setup();
	program(5, 0x40, 0);
	ioapic_set_irq(&io, 5, 1);
	ioapic_set_irq(&io, 5, 1);
	ioapic_set_irq(&io, 5, 0);
	CHECK_EQ(f.deliveries, 2);
}

static void test_ioapic_level_sets_remote_irr_until_eoi(void)
{
	setup();
	program(9, LEVEL | 0x51, 0);
	ioapic_set_irq(&io, 9, 1);
	CHECK_EQ(f.deliveries, 1);
	CHECK_EQ(f.last.data, 0x51 | (1u << 15));
	CHECK(reg_read(0x10 + 18) & REMOTE_IRR);
	ioapic_set_irq(&io, 9, 1);
	CHECK_EQ(f.deliveries, 1); /* Remote IRR holds it */
}

static void test_ioapic_eoi_redelivers_level_still_high(void)
{
	setup();
	program(9, LEVEL | 0x51, 0);
	ioapic_set_irq(&io, 9, 1);
	ioapic_eoi(&io, 0x51);
	CHECK_EQ(f.deliveries, 2);
	ioapic_set_irq(&io, 9, 0);
	ioapic_eoi(&io, 0x51);
	CHECK_EQ(f.deliveries, 2);
	CHECK_EQ(reg_read(0x10 + 18) & REMOTE_IRR, 0);
}

static void test_ioapic_eoi_register_is_an_eoi(void)
{
	setup();
	program(10, LEVEL | 0x60, 0);
	ioapic_set_irq(&io, 10, 1);
	ioapic_set_irq(&io, 10, 0);
	ioapic_ops.write(&io, 0x40, 4, 0x60);
	CHECK_EQ(reg_read(0x10 + 20) & REMOTE_IRR, 0);
}

static void test_ioapic_eoi_of_other_vector_is_ignored(void)
{
	setup();
	program(10, LEVEL | 0x60, 0);
	ioapic_set_irq(&io, 10, 1);
	ioapic_eoi(&io, 0x61);
	CHECK(reg_read(0x10 + 20) & REMOTE_IRR);
	CHECK_EQ(f.deliveries, 1);
}

static void test_ioapic_unmasking_high_level_pin_delivers(void)
{
	setup();
	ioapic_set_irq(&io, 11, 1);
	program(11, LEVEL | 0x70, 0);
	CHECK_EQ(f.deliveries, 1);
}

static void test_ioapic_unmasking_high_edge_pin_does_not_deliver(void)
{
	setup();
	ioapic_set_irq(&io, 11, 1);
	program(11, 0x70, 0);
	CHECK_EQ(f.deliveries, 0);
}

static void test_ioapic_read_only_bits_survive_writes(void)
{
	setup();
	program(9, LEVEL | 0x51, 0);
	ioapic_set_irq(&io, 9, 1);
	reg_write(0x10 + 18, LEVEL | 0x51); /* writing 0 to Remote IRR has no effect */
	CHECK(reg_read(0x10 + 18) & REMOTE_IRR);
}

static void test_ioapic_switch_to_edge_clears_remote_irr(void)
{
	setup();
	program(9, LEVEL | 0x51, 0);
	ioapic_set_irq(&io, 9, 1);
	reg_write(0x10 + 18, 0x51);
	CHECK_EQ(reg_read(0x10 + 18) & REMOTE_IRR, 0);
}

static void test_ioapic_logical_destination_and_delivery_mode_in_message(void)
{
	setup();
	program(3, (1u << 11) | (1u << 8) | 0x22, 0x03000000); /* logical, lowest prio */
	ioapic_set_irq(&io, 3, 1);
	CHECK_EQ(f.last.address, 0xfee03004);
	CHECK_EQ(f.last.data, 0x122);
}

static void test_ioapic_extint_entry_is_not_delivered(void)
{
	setup();
	program(2, (7u << 8), 0);
	ioapic_set_irq(&io, 2, 1);
	CHECK_EQ(f.deliveries, 0);
}

static void test_ioapic_every_entry_write_updates_route(void)
{
	setup();
	f.routes = 0;
	program(7, 0x30, 0);
	CHECK_EQ(f.routes, 2);
}

static void test_ioapic_out_of_range_pin_ignored(void)
{
	setup();
	ioapic_set_irq(&io, 24, 1);
	ioapic_set_irq(&io, 1000, 1);
	CHECK_EQ(f.deliveries, 0);
}

static void test_ioapic_unknown_offsets_read_all_ones(void)
{
	setup();
	CHECK_EQ(ioapic_ops.read(&io, 0x20, 4), 0xffffffff);
	ioapic_ops.write(&io, 0x30, 4, 1); /* ignored */
	CHECK_EQ(ioapic_ops.sizes, BUS_SIZE_4);
}

static void test_ioapic_reset_masks_everything(void)
{
	setup();
	program(4, 0x34, 0);
	reg_write(0x00, 0x01000000);
	ioapic_reset(&io);
	CHECK_EQ(reg_read(0x10 + 8), MASKED);
	CHECK_EQ(reg_read(0x00), 0);
}

int main(void)
{
	RUN(test_ioapic_version_and_id_registers);
	RUN(test_ioapic_ioregsel_reads_back);
	RUN(test_ioapic_entries_reset_masked);
	RUN(test_ioapic_masked_pin_does_not_deliver);
	RUN(test_ioapic_edge_delivers_message_from_entry);
	RUN(test_ioapic_edge_delivers_on_every_assert);
	RUN(test_ioapic_level_sets_remote_irr_until_eoi);
	RUN(test_ioapic_eoi_redelivers_level_still_high);
	RUN(test_ioapic_eoi_register_is_an_eoi);
	RUN(test_ioapic_eoi_of_other_vector_is_ignored);
	RUN(test_ioapic_unmasking_high_level_pin_delivers);
	RUN(test_ioapic_unmasking_high_edge_pin_does_not_deliver);
	RUN(test_ioapic_read_only_bits_survive_writes);
	RUN(test_ioapic_switch_to_edge_clears_remote_irr);
	RUN(test_ioapic_logical_destination_and_delivery_mode_in_message);
	RUN(test_ioapic_extint_entry_is_not_delivered);
	RUN(test_ioapic_every_entry_write_updates_route);
	RUN(test_ioapic_out_of_range_pin_ignored);
	RUN(test_ioapic_unknown_offsets_read_all_ones);
	RUN(test_ioapic_reset_masks_everything);
	return check_summary("ioapic");
}
