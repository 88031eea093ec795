/* longmode.c: GDT and identity page tables for direct 64-bit boot. */
#include <errno.h>

#include "boot/longmode.h"

#define PTE_P 0x1ULL
#define PTE_RW 0x2ULL
#define PTE_PS 0x80ULL

int longmode_write_tables(const struct guest_mem *mem)
{
	static const uint64_t gdt[LONGMODE_GDT_ENTRIES] = {
		0,
		0,
		LONGMODE_GDT_ENTRY(0xa, 0x9b), /* 0x10: 64-bit code, present, accessed */
		LONGMODE_GDT_ENTRY(0xc, 0x93), /* 0x18: 4 GiB data, present, accessed */
	};
	uint64_t *pml4 = mem_ptr(mem, LONGMODE_PML4, LONGMODE_TABLES_END - LONGMODE_PML4);
	uint64_t *pdpt, *pd;

	if (!pml4 || mem_write(mem, LONGMODE_GDT, gdt, sizeof(gdt)))
		return -EFAULT;
	pdpt = pml4 + 512;
	pd = pdpt + 512;
	for (unsigned i = 0; i < 512; i++)
		pml4[i] = i ? 0 : (LONGMODE_PML4 + 0x1000) | PTE_P | PTE_RW;
	for (unsigned i = 0; i < 512; i++)
		pdpt[i] = i < 4 ? (LONGMODE_PML4 + 0x2000 + i * 0x1000ULL) | PTE_P | PTE_RW : 0;
	for (unsigned i = 0; i < 4 * 512; i++)
		pd[i] = ((uint64_t)i << 21) | PTE_P | PTE_RW | PTE_PS;
	return 0;
}
