/* realmode.S: real mode from the reset vector: serial output, boot markers,
 * all-ones reads from unassigned ports, then a triple fault. */
	.include "common.S"

main16:
	mov $MARKER_FW, %dx
	mov $1, %al			/* fw_start */
	out %al, %dx
	mov $hello, %si
	call puts16
	mov $0x80, %dx			/* unassigned: port 0x80 does not exist */
	in %dx, %al
	cmp $0xff, %al
	jne fail
	mov $0x1234, %dx
	in %dx, %ax
	cmp $0xffff, %ax
	jne fail
	mov $0xcf8, %dx			/* no PCI on microvm */
	in %dx, %eax
	cmp $0xffffffff, %eax
	jne fail
	mov $ok, %si
	call puts16
	mov $MARKER_LINUX, %dx
	mov $6, %al
	out %al, %dx
	mov $7, %al
	out %al, %dx
	jmp triple16
fail:
	mov $bad, %si
	jmp finish16

hello:	.asciz "hello from real mode\n"
ok:	.asciz "unassigned ports read all-ones\n"
bad:	.asciz "FAIL: unassigned port did not read all-ones\n"
