/* storm.S: an interrupt storm: the i8254 at its fastest (count 2, ~600 kHz)
 * into IOAPIC pin 2; the guest takes 20000 timer interrupts as fast as mvm
 * delivers them (missed periods are dropped, not queued) and mvm ends
 * normally at the triple fault. */
	.include "common.S"
	.set WANT, 20000

main16:
	jmp to_long_mode

	.code64
main64:
	mov $2, %dx			/* the shortest mode-2 period */
	mov $WANT, %ecx
	lea done + LOW_BASE, %rsi
	jmp pit_ticks64

done:	.asciz "20000 timer interrupts\n"
