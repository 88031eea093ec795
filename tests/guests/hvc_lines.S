/* hvc_lines.S: 32 transmitq buffers of 4 KiB (63 bytes and a newline per
 * line) through the virtio console (the first -device, so the last
 * slot), one at a time, each waited for in the used ring, then a triple
 * fault: 128 KiB for the output back-pressure tests.  Legacy layout. */
	.include "common.S"
	.set VIRTIO, 0xfeb00000 + 7 * 0x200
	.set MAGIC, 0x000
	.set DEVICE_ID, 0x008
	.set PAGE_SIZE, 0x028
	.set QUEUE_SEL, 0x030
	.set QUEUE_NUM, 0x038
	.set QUEUE_ALIGN, 0x03c
	.set QUEUE_PFN, 0x040
	.set QUEUE_NOTIFY, 0x050
	.set STATUS, 0x070
	.set RING, 0x10000		/* descriptors; avail at +0x80; used at +0x1000 */
	.set AVAIL, RING + 0x80
	.set USED, RING + 0x1000
	.set BUF, 0x20000
	.set TXQ, 1
	.set CHAINS, 32

main16:
	jmp to_long_mode

	.code64
main64:
	mov $VIRTIO, %rbx
	cmpl $0x74726976, MAGIC(%rbx)
	jne fail
	cmpl $3, DEVICE_ID(%rbx)	/* console */
	jne fail
	call fill_buffer
	movl $0, STATUS(%rbx)
	mov $RING, %rdi
	xor %eax, %eax
	mov $0x2000 / 4, %ecx
	rep stosl
	movl $1, STATUS(%rbx)		/* ACKNOWLEDGE */
	movl $3, STATUS(%rbx)		/* DRIVER */
	movl $4096, PAGE_SIZE(%rbx)
	movl $TXQ, QUEUE_SEL(%rbx)
	movl $8, QUEUE_NUM(%rbx)
	movl $4096, QUEUE_ALIGN(%rbx)
	movl $RING / 4096, QUEUE_PFN(%rbx)
	movl $7, STATUS(%rbx)		/* DRIVER_OK */
	movq $BUF, RING			/* descriptor 0: the whole buffer */
	movl $4096, RING + 8
	movw $0, RING + 12
	xor %r8d, %r8d			/* chains offered */
1:	mov %r8d, %eax
	and $7, %eax
	movw $0, AVAIL + 4(,%rax,2)	/* ring[idx % 8] = descriptor 0 */
	inc %r8d
	movw %r8w, AVAIL + 2
	movl $TXQ, QUEUE_NOTIFY(%rbx)
2:	cmpw %r8w, USED + 2		/* wait until the device took it */
	jne 2b
	cmp $CHAINS, %r8d
	jne 1b
	jmp triple64
fail:
	lea bad + LOW_BASE, %rsi
	call puts64
	jmp triple64

/* 64 lines of 63 letters and a newline at BUF. */
fill_buffer:
	mov $BUF, %rdi
	mov $64, %edx
1:	mov $'h', %al
	mov $63, %ecx
	rep stosb
	movb $'\n', (%rdi)
	inc %rdi
	dec %edx
	jnz 1b
	ret

bad:	.asciz "FAIL: no virtio console in the last slot\n"
