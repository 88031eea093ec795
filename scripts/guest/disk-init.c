/*
 * disk-init.c: the programs on the full guest's ext4 root, built without libc.
 *
 * Default (/sbin/init): spin without a single system call, so the kernel
 * stays up (answering pings over in-kernel IP autoconfiguration) even on
 * hosts where guest system calls do not work.
 *
 * -DPATTERN (/sbin/pattern, booted with init=/sbin/pattern): write a 4 KiB
 * pattern to the start of /dev/vdb, fsync it, print "pattern written" and
 * reboot; the host then checks its image file.  Needs working guest system
 * calls, i.e. a bare-metal KVM host.
 */
#include "sys.h"

#define PATTERN_TEXT "mvm-pattern\n" /* 12 bytes, repeated */
#define PATTERN_LEN 4096

void _start(void) __attribute__((noreturn));

#ifdef PATTERN
static char block[PATTERN_LEN];

static int write_pattern(void)
{
	static const char text[] = PATTERN_TEXT;
	long fd = sys3(SYS_open, (long)"/dev/vdb", O_RDWR, 0);

	if (fd < 0)
		return -1;
	for (int i = 0; i < PATTERN_LEN; i++)
		block[i] = text[i % (sizeof(text) - 1)];
	if (sys3(SYS_write, fd, (long)block, PATTERN_LEN) != PATTERN_LEN || sys3(SYS_fsync, fd, 0, 0))
		return -1;
	return (int)sys3(SYS_close, fd, 0, 0);
}

void _start(void)
{
	say(write_pattern() ? "pattern failed\n" : "pattern written\n");
	reboot_now();
	for (;;)
		__asm__ volatile("pause");
}
#else
void _start(void)
{
	for (;;)
		__asm__ volatile("pause");
}
#endif
