/* test_pic.c: every i8259A register and command through the port interface. */
#include <string.h>

#include "check.h"
#include "dev/pic.h"

#define MASTER_CMD PIC_MASTER_BASE
#define MASTER_DATA (PIC_MASTER_BASE + 1)
#define SLAVE_CMD PIC_SLAVE_BASE
#define SLAVE_DATA (PIC_SLAVE_BASE + 1)
#define ELCR_MASTER PIC_ELCR_BASE
#define ELCR_SLAVE (PIC_ELCR_BASE + 1)

/* The vector bases Linux programs (ICW2): IRQ 0 -> 0x30, IRQ 8 -> 0x38. */
#define MASTER_BASE 0x30
#define SLAVE_BASE 0x38

struct fakes {
	int level;
	int changes;
};

static void record_output(void *ctx, int level)
{
	struct fakes *f = ctx;

	f->level = level;
	f->changes++;
}

static struct fakes f;
static struct pic pic;
static struct bus io;

static void setup(void)
{
	memset(&f, 0, sizeof(f));
	pic_init(&pic, (struct pic_output){ record_output, &f });
	bus_init(&io, "pio");
	CHECK_EQ(bus_register(&io, PIC_MASTER_BASE, PIC_NREGS, &pic_ops, &pic.chip[0]), 0);
	CHECK_EQ(bus_register(&io, PIC_SLAVE_BASE, PIC_NREGS, &pic_ops, &pic.chip[1]), 0);
	CHECK_EQ(bus_register(&io, PIC_ELCR_BASE, 2, &pic_elcr_ops, &pic), 0);
}

static uint8_t rd(uint16_t port)
{
	return (uint8_t)bus_read(&io, port, 1);
}

static void wr(uint16_t port, uint8_t v)
{
	bus_write(&io, port, 1, v);
}

static uint8_t irr(uint16_t cmd)
{
	wr(cmd, PIC_OCW3_SEL | PIC_OCW3_RR);
	return rd(cmd);
}

static uint8_t isr(uint16_t cmd)
{
	wr(cmd, PIC_OCW3_SEL | PIC_OCW3_RR | PIC_OCW3_RIS);
	return rd(cmd);
}

/* Linux's init_8259A(): cascade on IR2, 8086 mode, (icw4) extra, all unmasked. */
static void program(uint8_t icw4)
{
	wr(MASTER_CMD, PIC_ICW1_INIT | PIC_ICW1_IC4);
	wr(MASTER_DATA, MASTER_BASE);
	wr(MASTER_DATA, 1u << PIC_CASCADE_IRQ);
	wr(MASTER_DATA, PIC_ICW4_UPM | icw4);
	wr(SLAVE_CMD, PIC_ICW1_INIT | PIC_ICW1_IC4);
	wr(SLAVE_DATA, SLAVE_BASE);
	wr(SLAVE_DATA, PIC_CASCADE_IRQ);
	wr(SLAVE_DATA, PIC_ICW4_UPM | icw4);
	wr(MASTER_DATA, 0);
	wr(SLAVE_DATA, 0);
}

static void setup_programmed(void)
{
	setup();
	program(0);
}

static void edge(unsigned irq)
{
	pic_set_irq(&pic, irq, 1);
	pic_set_irq(&pic, irq, 0);
}

/* An edge on (irq), acknowledged by the CPU: in service from now on. */
static void serve(unsigned irq)
{
	edge(irq);
	pic_read_irq(&pic);
}

static void test_pic_reset_state_all_clear(void)
{
	const uint16_t cmd[] = { MASTER_CMD, SLAVE_CMD };

	setup();
	for (unsigned chip = 0; chip < 2; chip++) {
		CHECK_EQ_ROW(__LINE__, chip, irr(cmd[chip]), 0);
		CHECK_EQ_ROW(__LINE__, chip, isr(cmd[chip]), 0);
		CHECK_EQ_ROW(__LINE__, chip, rd(cmd[chip] + 1), 0); /* IMR */
		CHECK_EQ_ROW(__LINE__, chip, rd(ELCR_MASTER + chip), 0);
	}
	CHECK_EQ(pic_output(&pic), 0);
	CHECK_EQ(f.changes, 0);
}

static void test_pic_command_port_reads_irr_by_default(void)
{
	pic_set_irq(&pic, 3, 1);
	CHECK_EQ(rd(MASTER_CMD), 1u << 3);
}

static void test_pic_icw_sequence_programs_vector_base(void)
{
	edge(0);
	CHECK_EQ(pic_read_irq(&pic), MASTER_BASE + 0);
}

static void test_pic_icw2_low_three_bits_ignored(void)
{
	setup();
	wr(MASTER_CMD, PIC_ICW1_INIT | PIC_ICW1_SNGL);
	wr(MASTER_DATA, MASTER_BASE | 0x05);
	edge(4);
	CHECK_EQ(pic_read_irq(&pic), MASTER_BASE + 4);
}

static void test_pic_single_mode_without_icw4_skips_icw3_and_icw4(void)
{
	setup();
	wr(MASTER_CMD, PIC_ICW1_INIT | PIC_ICW1_SNGL);
	wr(MASTER_DATA, MASTER_BASE);
	wr(MASTER_DATA, 0x5a); /* sequence over: this is OCW1 */
	CHECK_EQ(rd(MASTER_DATA), 0x5a);
}

static void test_pic_single_mode_with_icw4_skips_icw3(void)
{
	setup();
	wr(MASTER_CMD, PIC_ICW1_INIT | PIC_ICW1_SNGL | PIC_ICW1_IC4);
	wr(MASTER_DATA, MASTER_BASE);
	wr(MASTER_DATA, PIC_ICW4_UPM | PIC_ICW4_AEOI);
	wr(MASTER_DATA, 0x5a);
	CHECK_EQ(rd(MASTER_DATA), 0x5a);
	serve(1);
	CHECK_EQ(isr(MASTER_CMD), 0); /* the ICW4 took effect */
}

static void test_pic_imr_write_reads_back(void)
{
	wr(MASTER_DATA, 0xa5);
	wr(SLAVE_DATA, 0x3c);
	CHECK_EQ(rd(MASTER_DATA), 0xa5);
	CHECK_EQ(rd(SLAVE_DATA), 0x3c);
}

static void test_pic_icw1_clears_imr_isr_and_pending_edge(void)
{
	wr(MASTER_DATA, 0xf0);
	serve(0);
	edge(1);
	wr(MASTER_CMD, PIC_ICW1_INIT | PIC_ICW1_IC4);
	CHECK_EQ(rd(MASTER_DATA), 0);
	CHECK_EQ(isr(MASTER_CMD), 0);
	CHECK_EQ(irr(MASTER_CMD), 0);
	CHECK_EQ(pic_output(&pic), 0);
}

static void test_pic_edge_on_irq1_raises_output(void)
{
	pic_set_irq(&pic, 1, 1);
	CHECK_EQ(pic_output(&pic), 1);
	CHECK_EQ(f.level, 1);
	CHECK_EQ(irr(MASTER_CMD), 1u << 1);
}

static void test_pic_read_irq_returns_vector_and_moves_irr_to_isr(void)
{
	edge(1);
	CHECK_EQ(pic_read_irq(&pic), MASTER_BASE + 1);
	CHECK_EQ(irr(MASTER_CMD), 0);
	CHECK_EQ(isr(MASTER_CMD), 1u << 1);
	CHECK_EQ(pic_output(&pic), 0);
}

static void test_pic_edge_input_held_high_requests_once(void)
{
	pic_set_irq(&pic, 1, 1);
	pic_read_irq(&pic);
	wr(MASTER_CMD, PIC_OCW2_NON_SPECIFIC_EOI);
	pic_set_irq(&pic, 1, 1); /* still high: no new edge */
	CHECK_EQ(irr(MASTER_CMD), 0);
	CHECK_EQ(pic_output(&pic), 0);
}

static void test_pic_edge_latched_after_input_drops(void)
{
	edge(3);
	CHECK_EQ(irr(MASTER_CMD), 1u << 3);
	CHECK_EQ(pic_read_irq(&pic), MASTER_BASE + 3);
}

static void test_pic_non_specific_eoi_clears_highest_isr_bit(void)
{
	serve(4);
	serve(1); /* IRQ 1 nests inside IRQ 4 */
	wr(MASTER_CMD, PIC_OCW2_NON_SPECIFIC_EOI);
	CHECK_EQ(isr(MASTER_CMD), 1u << 4);
}

static void test_pic_specific_eoi_clears_named_isr_bit(void)
{
	serve(4);
	serve(1);
	wr(MASTER_CMD, PIC_OCW2_SPECIFIC_EOI | 4);
	CHECK_EQ(isr(MASTER_CMD), 1u << 1);
}

static void test_pic_nop_command_changes_nothing(void)
{
	serve(5);
	wr(MASTER_CMD, PIC_OCW2_NOP | 5);
	CHECK_EQ(isr(MASTER_CMD), 1u << 5);
}

static void test_pic_lower_irq_number_wins(void)
{
	edge(6);
	edge(3);
	CHECK_EQ(pic_read_irq(&pic), MASTER_BASE + 3);
}

static void test_pic_higher_priority_interrupts_lower_in_service(void)
{
	serve(4);
	edge(1);
	CHECK_EQ(pic_output(&pic), 1);
	CHECK_EQ(pic_read_irq(&pic), MASTER_BASE + 1);
	CHECK_EQ(isr(MASTER_CMD), (1u << 1) | (1u << 4));
}

static void test_pic_lower_priority_waits_for_eoi(void)
{
	serve(1);
	edge(4);
	CHECK_EQ(pic_output(&pic), 0);
	wr(MASTER_CMD, PIC_OCW2_NON_SPECIFIC_EOI);
	CHECK_EQ(pic_output(&pic), 1);
	CHECK_EQ(pic_read_irq(&pic), MASTER_BASE + 4);
}

static void test_pic_equal_priority_waits_for_eoi(void)
{
	serve(3);
	edge(3);
	CHECK_EQ(pic_output(&pic), 0);
}

static void test_pic_rotate_on_non_specific_eoi_makes_serviced_lowest(void)
{
	serve(0);
	wr(MASTER_CMD, PIC_OCW2_ROTATE_NON_SPECIFIC_EOI);
	CHECK_EQ(isr(MASTER_CMD), 0);
	edge(0);
	edge(5);
	CHECK_EQ(pic_read_irq(&pic), MASTER_BASE + 5); /* order is now 1..7, 0 */
}

static void test_pic_rotate_on_specific_eoi_makes_named_lowest(void)
{
	serve(3);
	wr(MASTER_CMD, PIC_OCW2_ROTATE_SPECIFIC_EOI | 3);
	CHECK_EQ(isr(MASTER_CMD), 0);
	edge(3);
	edge(7);
	CHECK_EQ(pic_read_irq(&pic), MASTER_BASE + 7); /* order is now 4..7, 0..3 */
}

static void test_pic_set_priority_makes_named_lowest(void)
{
	wr(MASTER_CMD, PIC_OCW2_SET_PRIORITY | 4);
	edge(3);
	edge(6);
	CHECK_EQ(pic_read_irq(&pic), MASTER_BASE + 6); /* order is now 5..7, 0..4 */
}

static void test_pic_rotated_non_specific_eoi_clears_highest_by_rotation(void)
{
	wr(MASTER_CMD, PIC_OCW2_SET_PRIORITY | 4);
	serve(1);
	serve(6); /* 6 outranks 1 now */
	wr(MASTER_CMD, PIC_OCW2_NON_SPECIFIC_EOI);
	CHECK_EQ(isr(MASTER_CMD), 1u << 1);
}

static void test_pic_auto_eoi_leaves_isr_clear(void)
{
	setup();
	program(PIC_ICW4_AEOI);
	edge(4);
	CHECK_EQ(pic_read_irq(&pic), MASTER_BASE + 4);
	CHECK_EQ(isr(MASTER_CMD), 0);
	edge(5);
	CHECK_EQ(pic_output(&pic), 1); /* nothing in service blocks IRQ 5 */
}

static void test_pic_rotate_in_auto_eoi_set_rotates_on_ack(void)
{
	setup();
	program(PIC_ICW4_AEOI);
	wr(MASTER_CMD, PIC_OCW2_ROTATE_AEOI_SET);
	serve(3);
	edge(0);
	edge(4);
	CHECK_EQ(pic_read_irq(&pic), MASTER_BASE + 4);
}

static void test_pic_rotate_in_auto_eoi_clear_keeps_priorities(void)
{
	setup();
	program(PIC_ICW4_AEOI);
	wr(MASTER_CMD, PIC_OCW2_ROTATE_AEOI_SET);
	wr(MASTER_CMD, PIC_OCW2_ROTATE_AEOI_CLEAR);
	serve(3);
	edge(0);
	edge(4);
	CHECK_EQ(pic_read_irq(&pic), MASTER_BASE + 0);
}

static void test_pic_icw1_without_ic4_clears_auto_eoi(void)
{
	setup();
	program(PIC_ICW4_AEOI);
	wr(MASTER_CMD, PIC_ICW1_INIT);
	wr(MASTER_DATA, MASTER_BASE);
	wr(MASTER_DATA, 1u << PIC_CASCADE_IRQ);
	serve(4);
	CHECK_EQ(isr(MASTER_CMD), 1u << 4);
}

static void test_pic_poll_returns_request_and_acknowledges(void)
{
	edge(5);
	wr(MASTER_CMD, PIC_OCW3_SEL | PIC_OCW3_P);
	CHECK_EQ(rd(MASTER_CMD), PIC_POLL_INT | 5);
	CHECK_EQ(isr(MASTER_CMD), 1u << 5);
	CHECK_EQ(irr(MASTER_CMD), 0);
	CHECK_EQ(pic_output(&pic), 0);
}

static void test_pic_poll_without_request_returns_zero(void)
{
	wr(MASTER_CMD, PIC_OCW3_SEL | PIC_OCW3_P);
	CHECK_EQ(rd(MASTER_DATA), 0);
}

static void test_pic_poll_applies_to_one_read(void)
{
	wr(MASTER_DATA, 0x81);
	wr(MASTER_CMD, PIC_OCW3_SEL | PIC_OCW3_P);
	CHECK_EQ(rd(MASTER_DATA), 0); /* the poll word, not the IMR */
	CHECK_EQ(rd(MASTER_DATA), 0x81);
}

static void test_pic_ocw3_selects_isr_then_irr(void)
{
	serve(6); /* IRQ 6 in service */
	edge(7); /* IRQ 7 requested */
	wr(MASTER_CMD, PIC_OCW3_SEL | PIC_OCW3_RR | PIC_OCW3_RIS);
	CHECK_EQ(rd(MASTER_CMD), 1u << 6);
	wr(MASTER_CMD, PIC_OCW3_SEL | PIC_OCW3_RR);
	CHECK_EQ(rd(MASTER_CMD), 1u << 7);
}

static void test_pic_ocw3_without_rr_keeps_selection(void)
{
	serve(6);
	wr(MASTER_CMD, PIC_OCW3_SEL | PIC_OCW3_RR | PIC_OCW3_RIS);
	wr(MASTER_CMD, PIC_OCW3_SEL | PIC_OCW3_RIS); /* RR = 0: no action */
	CHECK_EQ(rd(MASTER_CMD), 1u << 6);
}

static void test_pic_data_port_reads_imr_whatever_ocw3_selects(void)
{
	wr(MASTER_DATA, 0x42);
	wr(MASTER_CMD, PIC_OCW3_SEL | PIC_OCW3_RR | PIC_OCW3_RIS);
	CHECK_EQ(rd(MASTER_DATA), 0x42);
}

static void test_pic_special_mask_mode_lets_lower_priority_in(void)
{
	serve(3);
	edge(5);
	CHECK_EQ(pic_output(&pic), 0);
	wr(MASTER_DATA, 1u << 3);
	wr(MASTER_CMD, PIC_OCW3_SEL | PIC_OCW3_ESMM | PIC_OCW3_SMM);
	CHECK_EQ(pic_output(&pic), 1);
	CHECK_EQ(pic_read_irq(&pic), MASTER_BASE + 5);
}

static void test_pic_special_mask_mode_reset_restores_nesting(void)
{
	serve(3);
	wr(MASTER_DATA, 1u << 3);
	wr(MASTER_CMD, PIC_OCW3_SEL | PIC_OCW3_ESMM | PIC_OCW3_SMM);
	wr(MASTER_CMD, PIC_OCW3_SEL | PIC_OCW3_ESMM);
	edge(5);
	CHECK_EQ(pic_output(&pic), 0);
}

static void test_pic_level_input_stays_requested_while_high(void)
{
	wr(ELCR_MASTER, 1u << 5);
	pic_set_irq(&pic, 5, 1);
	CHECK_EQ(pic_read_irq(&pic), MASTER_BASE + 5);
	CHECK_EQ(irr(MASTER_CMD), 1u << 5);
	CHECK_EQ(pic_output(&pic), 0); /* blocked by its own ISR bit */
}

static void test_pic_level_input_reraises_after_eoi(void)
{
	wr(ELCR_MASTER, 1u << 5);
	pic_set_irq(&pic, 5, 1);
	pic_read_irq(&pic);
	wr(MASTER_CMD, PIC_OCW2_NON_SPECIFIC_EOI);
	CHECK_EQ(pic_output(&pic), 1);
	CHECK_EQ(pic_read_irq(&pic), MASTER_BASE + 5);
}

static void test_pic_level_input_low_withdraws_request(void)
{
	wr(ELCR_MASTER, 1u << 5);
	pic_set_irq(&pic, 5, 1);
	pic_set_irq(&pic, 5, 0);
	CHECK_EQ(irr(MASTER_CMD), 0);
	CHECK_EQ(pic_output(&pic), 0);
}

static void test_pic_elcr_write_on_high_input_requests_it(void)
{
	pic_set_irq(&pic, 5, 1);
	pic_read_irq(&pic);
	wr(MASTER_CMD, PIC_OCW2_NON_SPECIFIC_EOI);
	wr(ELCR_MASTER, 1u << 5);
	CHECK_EQ(irr(MASTER_CMD), 1u << 5);
}

static void test_pic_ltim_makes_every_input_level(void)
{
	setup();
	wr(MASTER_CMD, PIC_ICW1_INIT | PIC_ICW1_SNGL | PIC_ICW1_LTIM);
	wr(MASTER_DATA, MASTER_BASE);
	pic_set_irq(&pic, 1, 1); /* IRQ 1 cannot be level via the ELCR */
	pic_read_irq(&pic);
	CHECK_EQ(irr(MASTER_CMD), 1u << 1);
	pic_set_irq(&pic, 1, 0);
	CHECK_EQ(irr(MASTER_CMD), 0);
}

static void test_pic_elcr_master_keeps_mask_f8(void)
{
	setup();
	wr(ELCR_MASTER, 0xff);
	CHECK_EQ(rd(ELCR_MASTER), PIC_ELCR_MASTER_MASK);
}

static void test_pic_elcr_slave_keeps_mask_de(void)
{
	setup();
	wr(ELCR_SLAVE, 0xff);
	CHECK_EQ(rd(ELCR_SLAVE), PIC_ELCR_SLAVE_MASK);
}

static void test_pic_elcr_survives_icw1(void)
{
	wr(ELCR_SLAVE, 0x0c);
	wr(SLAVE_CMD, PIC_ICW1_INIT | PIC_ICW1_IC4);
	CHECK_EQ(rd(ELCR_SLAVE), 0x0c);
}

static void test_pic_cascade_irq10_delivers_slave_base_plus_2(void)
{
	edge(10);
	CHECK_EQ(pic_output(&pic), 1);
	CHECK_EQ(pic_read_irq(&pic), SLAVE_BASE + 2);
	CHECK_EQ(isr(MASTER_CMD), 1u << PIC_CASCADE_IRQ);
	CHECK_EQ(isr(SLAVE_CMD), 1u << 2);
	CHECK_EQ(irr(SLAVE_CMD), 0);
}

static void test_pic_cascade_next_slave_irq_after_both_eois(void)
{
	edge(10);
	pic_read_irq(&pic);
	edge(12);
	CHECK_EQ(pic_output(&pic), 0);
	wr(SLAVE_CMD, PIC_OCW2_NON_SPECIFIC_EOI);
	wr(MASTER_CMD, PIC_OCW2_NON_SPECIFIC_EOI);
	CHECK_EQ(pic_read_irq(&pic), SLAVE_BASE + 4);
}

static void test_pic_slave_irq_beats_lower_master_irq(void)
{
	edge(3);
	edge(14);
	CHECK_EQ(pic_read_irq(&pic), SLAVE_BASE + 6); /* IR2 outranks IR3 */
}

static void test_pic_without_sfnm_slave_cannot_nest(void)
{
	edge(11);
	pic_read_irq(&pic);
	edge(9);
	CHECK_EQ(pic_output(&pic), 0);
}

static void test_pic_sfnm_lets_higher_slave_irq_nest(void)
{
	setup();
	program(PIC_ICW4_SFNM);
	edge(11);
	pic_read_irq(&pic);
	edge(9);
	CHECK_EQ(pic_output(&pic), 1);
	CHECK_EQ(pic_read_irq(&pic), SLAVE_BASE + 1);
}

static void test_pic_single_mode_master_answers_irq2_itself(void)
{
	setup();
	wr(MASTER_CMD, PIC_ICW1_INIT | PIC_ICW1_SNGL);
	wr(MASTER_DATA, MASTER_BASE);
	edge(10); /* the slave's INT still drives IR2 */
	CHECK_EQ(pic_read_irq(&pic), MASTER_BASE + 2);
	CHECK_EQ(irr(SLAVE_CMD), 1u << 2);
}

static void test_pic_spurious_irq7_when_request_drops_before_inta(void)
{
	wr(ELCR_MASTER, 1u << 5);
	pic_set_irq(&pic, 5, 1);
	CHECK_EQ(pic_output(&pic), 1);
	pic_set_irq(&pic, 5, 0);
	CHECK_EQ(pic_read_irq(&pic), MASTER_BASE + 7);
	CHECK_EQ(isr(MASTER_CMD), 0);
}

static void test_pic_spurious_irq15_when_slave_request_drops(void)
{
	wr(ELCR_SLAVE, 1u << 2);
	pic_set_irq(&pic, 10, 1);
	pic_set_irq(&pic, 10, 0); /* the master's IR2 edge stays latched */
	CHECK_EQ(pic_read_irq(&pic), SLAVE_BASE + 7);
	CHECK_EQ(isr(SLAVE_CMD), 0);
	CHECK_EQ(isr(MASTER_CMD), 1u << PIC_CASCADE_IRQ);
}

static void test_pic_masked_input_does_not_raise_output(void)
{
	wr(MASTER_DATA, 1u << 4);
	edge(4);
	CHECK_EQ(pic_output(&pic), 0);
	CHECK_EQ(irr(MASTER_CMD), 1u << 4);
}

static void test_pic_unmasking_pending_input_raises_output(void)
{
	wr(MASTER_DATA, 1u << 4);
	edge(4);
	wr(MASTER_DATA, 0);
	CHECK_EQ(pic_output(&pic), 1);
}

static void test_pic_masking_after_raise_gives_spurious_irq7(void)
{
	edge(4);
	wr(MASTER_DATA, 1u << 4);
	CHECK_EQ(pic_output(&pic), 0);
	CHECK_EQ(pic_read_irq(&pic), MASTER_BASE + 7);
}

static void test_pic_output_callback_only_on_level_change(void)
{
	edge(4);
	CHECK_EQ(f.changes, 1);
	edge(1);
	edge(4);
	CHECK_EQ(f.changes, 1); /* INT already high */
	pic_read_irq(&pic);	/* takes IRQ 1; IRQ 4 waits behind it */
	CHECK_EQ(f.changes, 2);
	CHECK_EQ(f.level, 0);
}

static void test_pic_out_of_range_and_cascade_inputs_ignored(void)
{
	pic_set_irq(&pic, 16, 1);
	pic_set_irq(&pic, PIC_CASCADE_IRQ, 1);
	pic_set_irq(&pic, ~0u, 1);
	CHECK_EQ(irr(MASTER_CMD), 0);
	CHECK_EQ(irr(SLAVE_CMD), 0);
	CHECK_EQ(f.changes, 0);
}

static void test_pic_reset_lowers_output_and_clears_elcr(void)
{
	wr(ELCR_MASTER, 1u << 5);
	edge(1);
	pic_reset(&pic);
	CHECK_EQ(pic_output(&pic), 0);
	CHECK_EQ(f.level, 0);
	CHECK_EQ(rd(ELCR_MASTER), 0);
	CHECK_EQ(irr(MASTER_CMD), 0);
}

static void test_pic_wider_accesses_refused_by_bus(void)
{
	wr(MASTER_DATA, 0x12);
	CHECK_EQ(bus_read(&io, MASTER_CMD, 2), 0xffff);
	bus_write(&io, MASTER_DATA - 1, 2, 0x3400);
	CHECK_EQ(rd(MASTER_DATA), 0x12);
}

/* Robustness, not behaviour: every byte to every port, in every state the
 * previous writes leave behind, must neither crash nor trip the sanitizers. */
static void test_pic_every_byte_to_every_port_is_safe(void)
{
	static const uint16_t ports[] = { MASTER_CMD, MASTER_DATA, SLAVE_CMD, SLAVE_DATA,
					  ELCR_MASTER, ELCR_SLAVE };

	for (unsigned v = 0; v < 256; v++) {
		for (unsigned i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
			wr(ports[i], (uint8_t)v);
			rd(ports[i]);
			pic_set_irq(&pic, v & 15, (int)(v & 16));
			pic_read_irq(&pic);
		}
	}
	CHECK_EQ(pic_output(&pic), f.level);
}

int main(void)
{
	check_setup = setup_programmed;
	RUN(test_pic_reset_state_all_clear);
	RUN(test_pic_command_port_reads_irr_by_default);
	RUN(test_pic_icw_sequence_programs_vector_base);
	RUN(test_pic_icw2_low_three_bits_ignored);
	RUN(test_pic_single_mode_without_icw4_skips_icw3_and_icw4);
	RUN(test_pic_single_mode_with_icw4_skips_icw3);
	RUN(test_pic_imr_write_reads_back);
	RUN(test_pic_icw1_clears_imr_isr_and_pending_edge);
	RUN(test_pic_edge_on_irq1_raises_output);
	RUN(test_pic_read_irq_returns_vector_and_moves_irr_to_isr);
	RUN(test_pic_edge_input_held_high_requests_once);
	RUN(test_pic_edge_latched_after_input_drops);
	RUN(test_pic_non_specific_eoi_clears_highest_isr_bit);
	RUN(test_pic_specific_eoi_clears_named_isr_bit);
	RUN(test_pic_nop_command_changes_nothing);
	RUN(test_pic_lower_irq_number_wins);
	RUN(test_pic_higher_priority_interrupts_lower_in_service);
	RUN(test_pic_lower_priority_waits_for_eoi);
	RUN(test_pic_equal_priority_waits_for_eoi);
	RUN(test_pic_rotate_on_non_specific_eoi_makes_serviced_lowest);
	RUN(test_pic_rotate_on_specific_eoi_makes_named_lowest);
	RUN(test_pic_set_priority_makes_named_lowest);
	RUN(test_pic_rotated_non_specific_eoi_clears_highest_by_rotation);
	RUN(test_pic_auto_eoi_leaves_isr_clear);
	RUN(test_pic_rotate_in_auto_eoi_set_rotates_on_ack);
	RUN(test_pic_rotate_in_auto_eoi_clear_keeps_priorities);
	RUN(test_pic_icw1_without_ic4_clears_auto_eoi);
	RUN(test_pic_poll_returns_request_and_acknowledges);
	RUN(test_pic_poll_without_request_returns_zero);
	RUN(test_pic_poll_applies_to_one_read);
	RUN(test_pic_ocw3_selects_isr_then_irr);
	RUN(test_pic_ocw3_without_rr_keeps_selection);
	RUN(test_pic_data_port_reads_imr_whatever_ocw3_selects);
	RUN(test_pic_special_mask_mode_lets_lower_priority_in);
	RUN(test_pic_special_mask_mode_reset_restores_nesting);
	RUN(test_pic_level_input_stays_requested_while_high);
	RUN(test_pic_level_input_reraises_after_eoi);
	RUN(test_pic_level_input_low_withdraws_request);
	RUN(test_pic_elcr_write_on_high_input_requests_it);
	RUN(test_pic_ltim_makes_every_input_level);
	RUN(test_pic_elcr_master_keeps_mask_f8);
	RUN(test_pic_elcr_slave_keeps_mask_de);
	RUN(test_pic_elcr_survives_icw1);
	RUN(test_pic_cascade_irq10_delivers_slave_base_plus_2);
	RUN(test_pic_cascade_next_slave_irq_after_both_eois);
	RUN(test_pic_slave_irq_beats_lower_master_irq);
	RUN(test_pic_without_sfnm_slave_cannot_nest);
	RUN(test_pic_sfnm_lets_higher_slave_irq_nest);
	RUN(test_pic_single_mode_master_answers_irq2_itself);
	RUN(test_pic_spurious_irq7_when_request_drops_before_inta);
	RUN(test_pic_spurious_irq15_when_slave_request_drops);
	RUN(test_pic_masked_input_does_not_raise_output);
	RUN(test_pic_unmasking_pending_input_raises_output);
	RUN(test_pic_masking_after_raise_gives_spurious_irq7);
	RUN(test_pic_output_callback_only_on_level_change);
	RUN(test_pic_out_of_range_and_cascade_inputs_ignored);
	RUN(test_pic_reset_lowers_output_and_clears_elcr);
	RUN(test_pic_wider_accesses_refused_by_bus);
	RUN(test_pic_every_byte_to_every_port_is_safe);
	return check_summary("test_pic");
}
