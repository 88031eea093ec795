/* ioapic_pit.S: 64-bit: route IRQ 0 (IOAPIC pin 2, the override) to
 * vector 0x30 through the local APIC, program the i8254 at ~1 kHz and
 * take 10 timer interrupts. */
	.include "common.S"
	.set TICKS, 0x500

main16:
	jmp to_long_mode

	.code64
main64:
	movl $0, TICKS
	lea pit_irq + LOW_BASE, %rax
	mov $0x30, %rdi
	call set_gate
	call apic_setup
	mov $2, %edi			/* pin 2: vector 0x30, edge, fixed */
	mov $0x30, %eax
	call set_rte
	mov $0x34, %al			/* counter 0, LSB then MSB, mode 2 */
	out %al, $0x43
	mov $0xa9, %al			/* 1193 = 1.000 kHz */
	out %al, $0x40
	mov $0x04, %al
	out %al, $0x40
	sti
1:	hlt
	cmpl $10, TICKS
	jb 1b
	cli
	lea done + LOW_BASE, %rsi
	call puts64
	jmp triple64

pit_irq:
	incl TICKS
	call lapic_eoi
	iretq

done:	.asciz "10 timer interrupts through the IOAPIC\n"
