/*
 * linux.h: direct Linux boot through the 64-bit boot protocol.
 *
 * Loads an uncompressed vmlinux ELF (PT_LOAD segments at their physical
 * addresses, entry e_entry) or a bzImage (protected-mode part at 1 MiB,
 * entry at +0x200, needs XLF_KERNEL_64), an initrd at the top of low RAM,
 * the command line and a zero page with the board's e820 map.  The vCPU
 * then starts in long mode (see longmode.h) with RSI = the zero page.
 * Src: Documentation/arch/x86/boot.rst, zero-page.rst.
 */
#ifndef MVM_BOOT_LINUX_H
#define MVM_BOOT_LINUX_H

#include <asm/bootparam.h>
#include <stddef.h>
#include <stdint.h>

#include "core/mem.h"

#define LINUX_ZERO_PAGE 0x7000ULL
#define LINUX_CMDLINE 0x20000ULL
#define LINUX_CMDLINE_MAX 0x10000ULL /* bytes available at LINUX_CMDLINE */
/* x86 Linux's COMMAND_LINE_SIZE (with the NUL): the limit for an ELF kernel,
 * which has no setup header to say otherwise. */
#define LINUX_ELF_CMDLINE_SIZE 2048
#define LINUX_BZIMAGE_LOAD 0x100000ULL

struct image {
	const uint8_t *data;
	size_t size;
};

struct linux_boot {
	uint64_t entry;	    /* 64-bit entry point (guest-physical) */
	uint64_t zero_page; /* value for RSI */
	uint64_t initrd_addr;
	uint64_t kernel_end; /* first byte above the kernel's footprint */
};

struct linux_elf {
	uint64_t entry;	    /* e_entry: the 64-bit entry of a vmlinux */
	uint64_t lo, hi;    /* physical span of the loaded segments */
	uint64_t pvh_entry; /* XEN_ELFNOTE_PHYS32_ENTRY, 0 if the ELF has none */
};

/* Load an ELF kernel's PT_LOAD segments at their physical addresses and
 * find its PVH entry.  0, or -EINVAL / -E2BIG with (why) set. */
int linux_load_elf(const struct guest_mem *mem, struct image img, struct linux_elf *out,
		   const char **why) __attribute__((warn_unused_result));

/*
 * Load (kernel), optional (initrd) (size 0: none) and (cmdline) into (mem)
 * and build the zero page with (e820) (nr entries).  0 on success; on
 * failure -EINVAL (bad image), -E2BIG (does not fit), with (why) set to a
 * message naming the problem.
 */
int linux_load(const struct guest_mem *mem, struct image kernel, struct image initrd,
	       const char *cmdline, const struct boot_e820_entry *e820, unsigned nr,
	       struct linux_boot *out, const char **why) __attribute__((warn_unused_result));

#endif
