/* pic_pit.S: real mode: program both i8259s and the i8254 (channel 0,
 * mode 2, ~1 kHz), take 10 timer interrupts through the PIC, then stop. */
	.include "common.S"
	.set WANT, 10

main16:
	xor %ax, %ax
	mov %ax, %ds
	movw $0, TICKS
	movw $irq0, 0x20 * 4		/* IVT[0x20] = f000:irq0 */
	movw $0xf000, 0x20 * 4 + 2
	mov $0x11, %al			/* ICW1: edge, cascade, ICW4 follows */
	out %al, $0x20
	out %al, $0xa0
	mov $0x20, %al			/* ICW2: vectors 0x20 and 0x28 */
	out %al, $0x21
	mov $0x28, %al
	out %al, $0xa1
	mov $0x04, %al			/* ICW3: slave on IRQ 2 */
	out %al, $0x21
	mov $0x02, %al
	out %al, $0xa1
	mov $0x01, %al			/* ICW4: 8086 mode */
	out %al, $0x21
	out %al, $0xa1
	mov $0xfe, %al			/* OCW1: only IRQ 0 */
	out %al, $0x21
	mov $0xff, %al
	out %al, $0xa1
	call lint0_extint16
	mov $1193, %dx			/* 1.000 kHz */
	pit_rate_dx
	sti
1:	hlt
	cmpw $WANT, TICKS
	jb 1b
	cli
	mov $done, %si
	jmp finish16

irq0:
	push %ax
	push %ds
	xor %ax, %ax
	mov %ax, %ds
	incw TICKS
	mov $0x20, %al			/* non-specific EOI */
	out %al, $0x20
	pop %ds
	pop %ax
	iret

done:	.asciz "10 timer interrupts through the PIC\n"
