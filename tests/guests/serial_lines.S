/* serial_lines.S: 512 lines of 63 bytes on COM1, polling LSR.THRE before
 * each byte as a driver does, then "done" and a triple fault: 31.5 KiB,
 * more than a one-page pipe and mvm's output buffer hold, for the output
 * back-pressure tests (a host that reads late, or not at all). */
	.include "common.S"

	.set LINES, 512

main16:
	mov $LINES, %di
1:	mov $line, %si
	call puts16
	dec %di
	jnz 1b
	mov $done, %si
	jmp finish16

line:	.asciz "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ\n"
done:	.asciz "done\n"
