/* firstexit.S: the start-up benchmark payload: one boot marker as the very
 * first guest exit, then halt with interrupts off (the harness samples the
 * VMM's memory and ends it). */
	.include "common.S"

main16:
	mov $MARKER_LINUX, %dx
	mov $1, %al
	out %al, %dx
1:	hlt
	jmp 1b
