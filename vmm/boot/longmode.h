/*
 * longmode.h: the minimal 64-bit environment a direct kernel boot starts in:
 * a flat GDT (code 0x10, data 0x18, as the boot protocol asks) and identity
 * page tables for the first 4 GiB with 2 MiB pages, in low guest memory.
 */
#ifndef MVM_BOOT_LONGMODE_H
#define MVM_BOOT_LONGMODE_H

#include <stdint.h>

#include "core/mem.h"

#define LONGMODE_GDT 0x500ULL
#define LONGMODE_GDT_ENTRIES 4
#define LONGMODE_CODE_SEL 0x10
#define LONGMODE_DATA_SEL 0x18
#define LONGMODE_STACK 0x8ff0ULL
#define LONGMODE_PML4 0x9000ULL /* then PDPT at +0x1000, 4 PDs after it */
#define LONGMODE_TABLES_END 0xf000ULL

/* GDT entry for a flat segment with (flags) in bits 52-55 and (access). */
#define LONGMODE_GDT_ENTRY(flags, access) \
	((((uint64_t)(flags)) << 52) | (((uint64_t)(access)) << 40) | 0x000f00000000ffffULL)

/* Write the GDT and page tables.  0 or -EFAULT if RAM is too small. */
int longmode_write_tables(const struct guest_mem *mem) __attribute__((warn_unused_result));

#endif
