/* ioapic_pit.S: 64-bit: route IRQ 0 (IOAPIC pin 2, the override) to
 * vector 0x30 through the local APIC, program the i8254 at ~1 kHz and
 * take 10 timer interrupts. */
	.include "common.S"

main16:
	jmp to_long_mode

	.code64
main64:
	mov $1193, %dx			/* 1.000 kHz */
	mov $10, %ecx
	lea done + LOW_BASE, %rsi
	jmp pit_ticks64

done:	.asciz "10 timer interrupts through the IOAPIC\n"
