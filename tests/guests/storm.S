/* storm.S: an interrupt storm: the i8254 at its fastest (count 2, ~600 kHz)
 * into IOAPIC pin 2; the guest takes 20000 timer interrupts as fast as mvm
 * delivers them (missed periods are dropped, not queued) and mvm ends
 * normally at the triple fault. */
	.include "common.S"
	.set TICKS, 0x500
	.set WANT, 20000

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
	mov $2, %al			/* the shortest mode-2 period */
	out %al, $0x40
	xor %al, %al
	out %al, $0x40
	sti
1:	hlt
	cmpl $WANT, TICKS
	jb 1b
	cli
	lea done + LOW_BASE, %rsi
	call puts64
	jmp triple64

pit_irq:
	incl TICKS
	call lapic_eoi
	iretq

done:	.asciz "20000 timer interrupts\n"
