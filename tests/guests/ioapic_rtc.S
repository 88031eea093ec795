/* ioapic_rtc.S: 64-bit: the RTC's periodic interrupt (IRQ 8) on IOAPIC
 * pin 8 programmed level-triggered: each interrupt is acknowledged by
 * reading register C and an EOI, which the IOAPIC sees (Remote IRR). */
	.include "common.S"
	.set TICKS, 0x500

main16:
	jmp to_long_mode

	.code64
main64:
	movl $0, TICKS
	lea rtc_irq + LOW_BASE, %rax
	mov $0x31, %rdi
	call set_gate
	call apic_setup
	mov $8, %edi			/* pin 8: vector 0x31, level, fixed */
	mov $0x8031, %eax
	call set_rte
	mov $0x0b, %al			/* register B: periodic interrupt, 24 h */
	out %al, $0x70
	mov $0x42, %al
	out %al, $0x71
	sti
1:	hlt
	cmpl $4, TICKS
	jb 1b
	cli
	lea done + LOW_BASE, %rsi
	call puts64
	jmp triple64

rtc_irq:
	push %rax
	incl TICKS
	mov $0x0c, %al			/* reading register C lowers IRQ 8 */
	out %al, $0x70
	in $0x71, %al
	call lapic_eoi
	pop %rax
	iretq

done:	.asciz "4 level-triggered RTC interrupts through the IOAPIC\n"
