/* hvc_lines.S: 32 transmitq buffers of 4 KiB (63 bytes and a newline per
 * line) through the virtio console (the first -device, so the last
 * slot), one at a time, each waited for in the used ring, then a triple
 * fault: 128 KiB for the output back-pressure tests.  Legacy layout. */
	.include "common.S"
	.set TXQ, 1
	.set CHAINS, 32

main16:
	jmp to_long_mode

	.code64
main64:
	mov $VIRTIO_LAST, %rbx
	mov $3, %eax			/* console */
	call virtio_device_is64
	jne fail
	call fill_buffer
	mov $TXQ, %edx
	call virtio_queue_up64
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
	jmp finish64

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
