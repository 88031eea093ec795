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
#define SYS_write 1
#define SYS_ioperm 173
#define SYS_reboot 169

#define MARKER_PORT 0xf4
#define MARKER_INIT_USER 8

#define REBOOT_MAGIC1 0xfee1dead
#define REBOOT_MAGIC2 672274793
#define REBOOT_CMD_RESTART 0x01234567

static long sys3(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

static long sys4(long nr, long a, long b, long c, long d)
{
	register long r10 __asm__("r10") = d;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return ret;
}

void _start(void) __attribute__((noreturn));

void _start(void)
{
	static const char msg[] = "mvm-init: user space reached\n";

	if (sys3(SYS_ioperm, MARKER_PORT, 1, 1) == 0)
		__asm__ volatile("outb %b0, %w1"
				 :
				 : "a"(MARKER_INIT_USER), "Nd"(MARKER_PORT));
	sys3(SYS_write, 1, (long)msg, sizeof(msg) - 1);
	sys4(SYS_reboot, REBOOT_MAGIC1, REBOOT_MAGIC2, REBOOT_CMD_RESTART, 0);
	for (;;)
		__asm__ volatile("pause");
}
