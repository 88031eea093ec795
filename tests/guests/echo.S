/* echo.S: serial input: echo every received byte back; 'q' ends the guest. */
	.include "common.S"

main16:
	mov $ready, %si
	call puts16
1:	mov $COM1 + 5, %dx		/* wait for LSR.DR */
	in %dx, %al
	test $1, %al
	jz 1b
	mov $COM1, %dx
	in %dx, %al
	out %al, %dx
	cmp $'q', %al
	jne 1b
	jmp triple16

ready:	.asciz "echo ready\n"
