/* legacy.S: which legacy devices answer?  Reads the PIC's IMR (0x21), the
 * PIT's control port (0x43), RTC register D and the UART's LSR (0x3fd) and
 * reports each value as a boot marker on port 0xf4 (so it is seen in the
 * trace even without a console), then triple-faults.  An absent device
 * reads 0xff. */
	.include "common.S"

main16:
	in $0x21, %al
	out %al, $MARKER_LINUX
	in $0x43, %al
	out %al, $MARKER_LINUX
	mov $0x0d, %al
	out %al, $0x70
	in $0x71, %al
	out %al, $MARKER_LINUX
	mov $COM1 + 5, %dx
	in %dx, %al
	out %al, $MARKER_LINUX
	jmp triple16
