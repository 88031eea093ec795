/* virtio_hostile.S: a guest that gives virtio-blk (the first -device, so
 * the last slot) a descriptor loop.  The device must set NEEDS_RESET with a
 * config interrupt and stop; after the driver resets it, a proper read of
 * sector 0 must work again.  Legacy (version 1) register layout. */
	.include "common.S"
	/* BUF: the request header, data at +0x100, status at +0x400. */

main16:
	jmp to_long_mode

	.code64
main64:
	mov $VIRTIO_LAST, %rbx
	mov $2, %eax			/* block */
	call virtio_device_is64
	jne fail

	/* Round 1: descriptor 0 chains to itself. */
	xor %edx, %edx			/* queue 0 */
	call virtio_queue_up64
	movq $BUF, RING			/* addr */
	movl $16, RING + 8		/* len */
	movw $1, RING + 12		/* flags: NEXT */
	movw $0, RING + 14		/* next: itself */
	call offer_and_notify
	mov $1000000, %ecx
1:	testl $0x40, STATUS(%rbx)	/* DEVICE_NEEDS_RESET */
	jnz 2f
	loop 1b
	jmp fail
2:	testl $2, INT_STATUS(%rbx)	/* configuration change interrupt */
	jz fail
	lea reset_msg + LOW_BASE, %rsi
	call puts64

	/* Round 2: reset, then read sector 0 properly. */
	movl $2, INT_ACK(%rbx)
	xor %edx, %edx
	call virtio_queue_up64
	cmpl $0x40, STATUS(%rbx)	/* the reset cleared NEEDS_RESET */
	jae fail
	movl $0, BUF			/* VIRTIO_BLK_T_IN */
	movl $0, BUF + 4
	movq $0, BUF + 8		/* sector 0 */
	movb $0xff, BUF + 0x400
	movq $BUF, RING
	movl $16, RING + 8
	movw $1, RING + 12
	movw $1, RING + 14
	movq $BUF + 0x100, RING + 16
	movl $512, RING + 24
	movw $3, RING + 28		/* NEXT | WRITE */
	movw $2, RING + 30
	movq $BUF + 0x400, RING + 32
	movl $1, RING + 40
	movw $2, RING + 44		/* WRITE */
	call offer_and_notify
	mov $1000000, %ecx
3:	cmpw $1, USED + 2
	je 4f
	loop 3b				/* no exits: the main thread does the I/O */
	jmp fail
4:	cmpb $0, BUF + 0x400		/* VIRTIO_BLK_S_OK */
	jne fail
	cmpl $0x444d564d, BUF + 0x100	/* "MVMD", written there by the test */
	jne fail
	lea works_msg + LOW_BASE, %rsi
	jmp finish64
fail:
	lea bad + LOW_BASE, %rsi
	jmp finish64

/* Make descriptor 0 available and tell the device. */
offer_and_notify:
	movw $0, AVAIL + 4		/* ring[0] = 0 */
	movw $1, AVAIL + 2		/* idx = 1 */
	movl $0, QUEUE_NOTIFY(%rbx)
	ret

reset_msg: .asciz "descriptor loop: device needs reset\n"
works_msg: .asciz "after reset: sector 0 read\n"
bad:	.asciz "FAIL\n"
