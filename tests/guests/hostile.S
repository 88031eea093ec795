/* hostile.S: every device, accessed the way no driver would: each port of
 * each legacy device (and its neighbours) read and written with 1, 2 and
 * 4-byte accesses of garbage; the IOAPIC and all eight virtio-mmio slots
 * read at every offset with 1, 2, 4 and 8 bytes, and written with odd
 * sizes and unaligned offsets (the virtio slots with 32-bit garbage too);
 * then 64 KiB poured into the UART.  Interrupts stay off; a sane UART is
 * restored before the last line, which mvm must live to print. */
	.include "common.S"
	.set GARBAGE, 0xa5a5a5a5
	.set FLOOD, 65536

main16:
	jmp to_long_mode

	.code64
main64:
	lea ports + LOW_BASE, %rsi
1:	movzwl (%rsi), %ebx		/* first port, 0: end of the list */
	test %ebx, %ebx
	jz 3f
	movzwl 2(%rsi), %ecx		/* how many */
2:	mov %ebx, %edx
	in %dx, %al
	in %dx, %ax
	in %dx, %eax
	mov $GARBAGE, %eax
	out %al, %dx
	out %ax, %dx
	out %eax, %dx
	inc %ebx
	loop 2b
	add $4, %rsi
	jmp 1b

3:	mov $IOAPIC, %rdi		/* IOAPIC: reads everywhere, odd writes */
	mov $0x48, %ecx
	call mmio_sweep

	mov $VIRTIO0, %rdi		/* eight virtio-mmio slots */
	mov $8 * 0x200, %ecx
	call mmio_sweep
	mov $VIRTIO0, %rdi		/* 32-bit garbage in every register */
	mov $8 * 0x200 / 4, %ecx
4:	movl $GARBAGE, (%rdi)
	movl $0xffffffff, (%rdi)
	add $4, %rdi
	loop 4b

	call uart_sane
	mov $0x100000, %rsi		/* the flood: 64 KiB, one exit per byte */
	mov $FLOOD, %rcx
	mov $COM1, %dx
	rep outsb
	call uart_sane
	lea survived + LOW_BASE, %rsi
	jmp finish64

/* Reads of 1, 2, 4, 8 bytes at every offset of [%rdi, %rdi + %ecx), and
 * writes of 1, 2 and 8 bytes at odd offsets only. */
mmio_sweep:
1:	movb (%rdi), %al
	movw (%rdi), %ax
	movl (%rdi), %eax
	movq (%rdi), %rax
	test $1, %edi
	jz 2f
	movb $0xa5, (%rdi)
	movw $0xa5a5, (%rdi)
	movq $-1, (%rdi)
2:	inc %rdi
	loop 1b
	ret

/* 8N1, no loopback, no interrupts: what puts64 needs after the garbage. */
uart_sane:
	mov $COM1 + 3, %dx		/* LCR: DLAB off, 8 bits */
	mov $3, %al
	out %al, %dx
	mov $COM1 + 4, %dx		/* MCR: no loopback */
	xor %al, %al
	out %al, %dx
	mov $COM1 + 1, %dx		/* IER */
	out %al, %dx
	ret

/* (first port, count): every legacy device and the ports around them. */
ports:
	.word 0x1e, 6		/* PIC master, neighbours */
	.word 0x3e, 8		/* PIT */
	.word 0x60, 6		/* port 0x61 and around */
	.word 0x6e, 6		/* RTC */
	.word 0x9e, 6		/* PIC slave */
	.word 0xf2, 6		/* boot markers */
	.word 0x3f6, 12		/* UART */
	.word 0x4ce, 6		/* ELCR */
	.word 0x50e, 16		/* fw_cfg ports and DMA */
	.word 0, 0

survived: .asciz "mvm survived the hostile guest\n"
