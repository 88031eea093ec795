/* ioapic_rtc.S: 64-bit: the RTC's periodic interrupt (IRQ 8) on IOAPIC
 * pin 8 programmed level-triggered: each interrupt is acknowledged by
 * reading register C and an EOI, which the IOAPIC sees (Remote IRR). */
	.include "common.S"

main16:
	jmp to_long_mode

	.code64
main64:
	lea rtc_irq + LOW_BASE, %rax
	mov $8, %edi			/* pin 8: vector 0x31, level, fixed */
	mov $0x8031, %r8d
	call irq_route64
	mov $0x0b, %al			/* register B: periodic interrupt, 24 h */
	out %al, $0x70
	mov $0x42, %al
	out %al, $0x71
	mov $4, %ecx
	lea done + LOW_BASE, %rsi
	jmp count_ticks64

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
