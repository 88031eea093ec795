/*
 * boot_markers.h: boot-marker ports and values, shared by mvm, mvm-trace,
 * the guest patches and the parsers.
 *
 * The convention is qboot's benchmark.h as extended by qemu-boot-time: one
 * byte written to port 0xf4 (Linux, option ROMs) or 0xf5 (firmware), so
 * that traces of mvm, of QEMU with the same guests, and of qboot built with
 * BENCHMARK_HACK line up.  On mvm these ports are markers and nothing else:
 * a write never ends the VM (microvm has no debug-exit device).
 */
#ifndef MVM_BOOT_MARKERS_H
#define MVM_BOOT_MARKERS_H

#define MARKER_PORT_LINUX 0xf4
#define MARKER_PORT_FW 0xf5

enum boot_marker {
	MARKER_FW_START = 1,		/* 0xf5: firmware main() entered */
	MARKER_LINUX_START_FWCFG = 2,	/* 0xf4: qboot, multiboot kernel jump */
	MARKER_LINUX_START_BOOT = 3,	/* 0xf4: jump to the bzImage setup code */
	MARKER_LINUX_START_PVHBOOT = 4, /* 0xf4: jump to a PVH entry */
	MARKER_FW_DO_BOOT = 5,		/* 0xf5: SeaBIOS do_boot() */
	MARKER_LINUX_START_KERNEL = 6,	/* 0xf4: start_kernel() (mvm's guest patch) */
	MARKER_LINUX_START_USER = 7,	/* 0xf4: kernel about to run init (patch) */
	MARKER_INIT_USER = 8,		/* 0xf4: mvm's /init ran its first instruction */
};

/* Name of a marker value as qemu-boot-time prints it, or NULL if custom. */
static inline const char *boot_marker_name(unsigned value)
{
	static const char *const names[] = {
		[MARKER_FW_START] = "fw_start",
		[MARKER_LINUX_START_FWCFG] = "linux_start_fwcfg",
		[MARKER_LINUX_START_BOOT] = "linux_start_boot",
		[MARKER_LINUX_START_PVHBOOT] = "linux_start_pvhboot",
		[MARKER_FW_DO_BOOT] = "fw_do_boot",
		[MARKER_LINUX_START_KERNEL] = "linux_start_kernel",
		[MARKER_LINUX_START_USER] = "linux_start_user",
		[MARKER_INIT_USER] = "init_user",
	};

	return value < sizeof(names) / sizeof(names[0]) ? names[value] : 0;
}

#endif
