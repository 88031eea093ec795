/* virtio_hostile.S: a guest that gives virtio-blk (the first -device, so
 * the last slot) a descriptor loop.  The device must set NEEDS_RESET with a
 * config interrupt and stop; after the driver resets it, a proper read of
 * sector 0 must work again.  Legacy (version 1) register layout. */
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
	.set INT_STATUS, 0x060
	.set INT_ACK, 0x064
	.set STATUS, 0x070
	.set RING, 0x10000		/* descriptors; avail at +0x80; used at +0x1000 */
	.set AVAIL, RING + 0x80
	.set USED, RING + 0x1000
	.set BUF, 0x20000		/* request header, data at +0x100, status at +0x400 */

main16:
	jmp to_long_mode

	.code64
main64:
	mov $VIRTIO, %rbx
	cmpl $0x74726976, MAGIC(%rbx)
	jne fail
	cmpl $2, DEVICE_ID(%rbx)
	jne fail

	/* Round 1: descriptor 0 chains to itself. */
	call start_queue
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
	mov $VIRTIO, %rbx		/* puts64 used %bl */

	/* Round 2: reset, then read sector 0 properly. */
	movl $2, INT_ACK(%rbx)
	call start_queue
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
	call puts64
	jmp triple64
fail:
	lea bad + LOW_BASE, %rsi
	call puts64
	jmp triple64

/* Reset the device and set up queue 0 (8 entries) at RING, rings zeroed. */
start_queue:
	movl $0, STATUS(%rbx)
	mov $RING, %rdi
	xor %eax, %eax
	mov $0x2000 / 4, %ecx
	rep stosl
	movl $1, STATUS(%rbx)		/* ACKNOWLEDGE */
	movl $3, STATUS(%rbx)		/* DRIVER */
	movl $4096, PAGE_SIZE(%rbx)
	movl $0, QUEUE_SEL(%rbx)
	movl $8, QUEUE_NUM(%rbx)
	movl $4096, QUEUE_ALIGN(%rbx)
	movl $RING / 4096, QUEUE_PFN(%rbx)
	movl $7, STATUS(%rbx)		/* DRIVER_OK */
	ret

/* Make descriptor 0 available and tell the device. */
offer_and_notify:
	movw $0, AVAIL + 4		/* ring[0] = 0 */
	movw $1, AVAIL + 2		/* idx = 1 */
	movl $0, QUEUE_NOTIFY(%rbx)
	ret

reset_msg: .asciz "descriptor loop: device needs reset\n"
works_msg: .asciz "after reset: sector 0 read\n"
bad:	.asciz "FAIL\n"
