/*
 * fwcfg_linux.h: -kernel, -initrd and -append for firmware, through fw_cfg,
 * as QEMU's x86_load_linux() provides them (microvm-spec 4.4).
 *
 * A bzImage (boot protocol >= 2.02, loaded high) is split into SETUP_DATA
 * (the real-mode part with its header patched: command line pointer,
 * loader type 0xB0, CAN_USE_HEAP and heap end, initrd address and size)
 * and KERNEL_DATA, with setup at 0x10000, kernel at 1 MiB and the command
 * line at 0x20000.  An ELF with a PVH note is loaded into guest RAM by the
 * VMM and described by KERNEL_ENTRY/ADDR/SIZE, with its first 8 KiB as
 * SETUP_DATA so firmware can see the ELF magic.  The initrd goes below
 * the kernel's initrd limit, page aligned.
 */
#ifndef MVM_BOOT_FWCFG_LINUX_H
#define MVM_BOOT_FWCFG_LINUX_H

#include "dev/fw_cfg.h"
#include "boot/linux.h"
#include "core/mem.h"

enum fwcfg_kernel { FWCFG_KERNEL_BZIMAGE, FWCFG_KERNEL_PVH };

#define FWCFG_LINUX_SETUP_ADDR 0x10000u
#define FWCFG_LINUX_CMDLINE_ADDR 0x20000u
#define FWCFG_LINUX_KERNEL_ADDR 0x100000u

/*
 * Fill the kernel, initrd and command-line items of (f) (PVH segments go
 * straight into (mem)); (*kind) says which boot path the firmware will
 * take.  0, or -EINVAL / -E2BIG / -ENOMEM with (why) set.
 */
int fwcfg_linux_setup(struct fw_cfg *f, const struct guest_mem *mem, struct image kernel,
		      struct image initrd, const char *cmdline, enum fwcfg_kernel *kind,
		      const char **why) __attribute__((warn_unused_result));

#endif
