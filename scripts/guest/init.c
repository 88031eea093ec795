/*
 * init.c: the benchmark guest's /init, built without libc.
 *
 * Where guest system calls work it writes boot marker 8 (init_user, see
 * probes/boot_markers.h) to port 0xf4, prints one line on the console and
 * reboots the guest, which on microvm with "reboot=t" is a triple fault and
 * under "-no-reboot" ends the VMM with status 0.  On hosts where the first
 * system call kills it, the kernel panics; the kernel's marker 7 then marks
 * "init reached".
 */
#include "sys.h"

#define MARKER_PORT 0xf4
#define MARKER_INIT_USER 8

void _start(void) __attribute__((noreturn));

void _start(void)
{
	if (sys3(SYS_ioperm, MARKER_PORT, 1, 1) == 0)
		__asm__ volatile("outb %b0, %w1"
				 :
				 : "a"(MARKER_INIT_USER), "Nd"(MARKER_PORT));
	say("mvm-init: user space reached\n");
	reboot_now();
	for (;;)
		__asm__ volatile("pause");
}
