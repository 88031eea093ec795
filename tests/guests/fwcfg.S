/* fwcfg.S: real mode: the fw_cfg signature through the data port, the file
 * directory by DMA (names printed), and a DMA to memory that is not RAM,
 * which must come back with the ERROR bit and write nothing. */
	.include "common.S"
	.set DESC, 0x600		/* DMA descriptor (big-endian fields) */
	.set BUF, 0x800			/* directory copy */

main16:
	xor %ax, %ax
	mov %ax, %ds
	mov $0x510, %dx			/* select key 0: the signature */
	out %ax, %dx
	mov $0x511, %dx
	mov $4, %cx
1:	in %dx, %al
	call putc16
	loop 1b
	mov $'\n', %al
	call putc16
	mov $0x0019000a, %eax		/* SELECT | READ, key 0x19 (directory) */
	mov $4 + 64 * 16, %ebx
	mov $BUF, %esi
	call dma
	jc fail
	mov BUF, %ecx			/* count, big-endian */
	bswap %ecx
	mov $BUF + 4 + 8, %si		/* first name */
2:	jecxz 3f
	push %si
	call puts_ds16
	pop %si
	mov $' ', %al
	call putc16
	add $64, %si
	dec %ecx
	jmp 2b
3:	mov $'\n', %al
	call putc16
	mov $0x0000000a, %eax		/* SELECT | READ key 0 into non-RAM */
	mov $16, %ebx
	mov $0xd0000000, %esi
	call dma
	jnc fail
	mov $dma_error, %si
	jmp finish16
fail:
	mov $failed, %si
	jmp finish16

/* DMA with control %eax, length %ebx, address %esi; CF set on ERROR. */
dma:
	bswap %eax
	mov %eax, DESC
	bswap %ebx
	mov %ebx, DESC + 4
	movl $0, DESC + 8
	bswap %esi
	mov %esi, DESC + 12
	mov $DESC, %eax
	bswap %eax
	mov $0x518, %dx			/* the low half starts the transfer */
	out %eax, %dx
1:	mov DESC, %eax
	bswap %eax
	test $~1, %eax			/* done when only ERROR may be left */
	jnz 1b
	shr $1, %eax			/* ERROR into CF */
	ret

dma_error: .asciz "DMA to non-RAM: error\n"
failed:	.asciz "FAIL\n"
