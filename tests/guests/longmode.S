/* longmode.S: reset vector to 64-bit mode; fwait; serial output (polled
 * and with rep outsb), an unassigned MMIO read (0, as QEMU's unassigned
 * memory) and an unassigned port read (all-ones), markers, then a triple
 * fault. */
	.include "common.S"

main16:
	jmp to_long_mode

	.code64
main64:
	fwait				/* ring-0 fwait (Linux's fpu__drop) must just run on */
	lea hello + LOW_BASE, %rsi
	call puts64
	mov $0xd0000000, %rbx		/* above RAM, below the MMIO devices */
	mov $-1, %rax			/* so that a read leaving it alone fails */
	mov (%rbx), %eax
	test %rax, %rax
	jnz fail
	mov $-1, %rax
	mov (%rbx), %rax
	test %rax, %rax
	jnz fail
	xor %eax, %eax
	mov $0xcf8, %dx			/* no PCI on microvm: an unassigned port */
	in %dx, %eax
	cmp $0xffffffff, %eax
	jne fail
	lea rep_msg + LOW_BASE, %rsi	/* string I/O: one exit, many bytes */
	mov $rep_len, %rcx
	mov $COM1, %dx
	rep outsb
	mov $MARKER_LINUX, %dx
	mov $6, %al
	out %al, %dx
	mov $7, %al
	out %al, %dx
	jmp triple64
fail:
	lea bad + LOW_BASE, %rsi
	jmp finish64

hello:	.asciz "hello from long mode\n"
rep_msg: .ascii "unassigned MMIO reads 0, ports all-ones\n"
	.set rep_len, . - rep_msg
bad:	.asciz "FAIL: unassigned MMIO did not read 0 or a port all-ones\n"
