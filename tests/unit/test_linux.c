/* test_linux.c: vmlinux/bzImage loading, zero page, initrd, command line,
 * long-mode tables, and rejection of truncated or corrupt images. */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot/linux.h"
#include "boot/longmode.h"
#include "check.h"

#define RAM (64ULL << 20)
#define SETUP_SECTS 1
#define SETUP_SIZE ((SETUP_SECTS + 1) * 512)

static struct guest_mem mem;
static const struct boot_e820_entry e820[] = {
	{ 0, 0x9fc00, 1 },
	{ 0x100000, RAM - 0x100000, 1 },
};

static uint8_t bz[SETUP_SIZE + 4096];

static struct setup_header *bz_header(void)
{
	return (struct setup_header *)(bz + 0x1f1);
}

/* A minimal bzImage: a setup sector with a 2.15 header, then 4 KiB of "kernel". */
static struct image make_bzimage(void)
{
	memset(bz, 0, sizeof(bz));
	*bz_header() = (struct setup_header){
		.setup_sects = SETUP_SECTS,
		.boot_flag = 0xaa55,
		.jump = 0x66eb, /* jmp: the header ends at 0x268 */
		.header = 0x53726448,
		.version = 0x20f,
		.loadflags = LOADED_HIGH,
		.initrd_addr_max = 0x37ffffff,
		.kernel_alignment = 0x200000,
		.relocatable_kernel = 1,
		.xloadflags = XLF_KERNEL_64,
		.cmdline_size = 255,
		.pref_address = 0x1000000,
		.init_size = 0x800000,
	};
	memset(bz + SETUP_SIZE, 0x90, 4096);
	return (struct image){ bz, sizeof(bz) };
}

static uint8_t elf[0x3000];

static Elf64_Ehdr *elf_header(void)
{
	return (Elf64_Ehdr *)elf;
}

static Elf64_Phdr *elf_load_segment(void)
{
	return (Elf64_Phdr *)(elf + sizeof(Elf64_Ehdr));
}

/* A minimal vmlinux: one PT_LOAD of 0x1000 file bytes + 0x1000 bss at 16 MiB. */
static struct image make_elf(void)
{
	memset(elf, 0, sizeof(elf));
	*elf_header() = (Elf64_Ehdr){
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB },
		.e_type = ET_EXEC,
		.e_machine = EM_X86_64,
		.e_entry = 0x1000000,
		.e_phoff = sizeof(Elf64_Ehdr),
		.e_phentsize = sizeof(Elf64_Phdr),
		.e_phnum = 1,
	};
	*elf_load_segment() = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = 0x1000,
					    .p_paddr = 0x1000000, .p_filesz = 0x1000,
					    .p_memsz = 0x2000 };
	memset(elf + 0x1000, 0xf4, 0x1000);
	return (struct image){ elf, sizeof(elf) };
}

static const struct boot_params *zero_page(void)
{
	return mem_ptr(&mem, LINUX_ZERO_PAGE, sizeof(struct boot_params));
}

/* Each test: fresh RAM, and both kernels freshly made. */
static struct image bzimage, vmlinux;
static struct linux_boot b;
static const char *why;

static void setup(void)
{
	mem_free(&mem);
	CHECK_EQ(mem_init(&mem, RAM, 0), 0);
	bzimage = make_bzimage();
	vmlinux = make_elf();
	why = NULL;
}

static int load(struct image k, struct image initrd, const char *cmdline)
{
	return linux_load(&mem, k, initrd, cmdline, e820, 2, &b, &why);
}

/* (k) alone is refused with -(err), the reason naming (part) (NULL: any). */
static void check_refused(int line, struct image k, int err, const char *part)
{
	CHECK_EQ_ROW(line, -1, load(k, (struct image){ 0 }, ""), (uint64_t)-err);
	CHECK_EQ_ROW(line, -1, !part || (why && strstr(why, part)), 1);
}

#define REFUSED(k, err, part) check_refused(__LINE__, k, err, part)

static void test_linux_bzimage_loads_at_1m_with_64bit_entry(void)
{
	CHECK_EQ(load(bzimage, (struct image){ 0 }, "console=ttyS0"), 0);
	CHECK_EQ(b.entry, 0x100200);
	CHECK_EQ(b.zero_page, LINUX_ZERO_PAGE);
	CHECK_EQ(*(uint8_t *)mem_ptr(&mem, 0x100000, 1), 0x90);
	CHECK_EQ(zero_page()->hdr.header, 0x53726448);
	CHECK_EQ(zero_page()->hdr.version, 0x20f);
	CHECK_EQ(zero_page()->hdr.type_of_loader, 0xff);
	CHECK_EQ(zero_page()->hdr.cmd_line_ptr, LINUX_CMDLINE);
	CHECK(!strcmp(mem_ptr(&mem, LINUX_CMDLINE, 14), "console=ttyS0"));
	CHECK_EQ(zero_page()->e820_entries, 2);
	CHECK_EQ(zero_page()->e820_table[1].addr, 0x100000);
	CHECK_EQ(zero_page()->e820_table[1].size, RAM - 0x100000);
}

static void test_linux_initrd_at_top_of_ram_page_aligned(void)
{
	static const uint8_t initrd[5000] = { 1, 2, 3 };

	CHECK_EQ(load(bzimage, (struct image){ initrd, sizeof(initrd) }, ""), 0);
	CHECK_EQ(b.initrd_addr, (RAM - sizeof(initrd)) & ~0xfffULL);
	CHECK_EQ(zero_page()->hdr.ramdisk_image, b.initrd_addr);
	CHECK_EQ(zero_page()->hdr.ramdisk_size, sizeof(initrd));
	CHECK_EQ(*(uint8_t *)mem_ptr(&mem, b.initrd_addr + 2, 1), 3);
}

static void test_linux_initrd_respects_initrd_addr_max(void)
{
	static const uint8_t initrd[4096];
	bz_header()->initrd_addr_max = 0x2000000 - 1;
	CHECK_EQ(load(bzimage, (struct image){ initrd, sizeof(initrd) }, ""), 0);
	CHECK_EQ(b.initrd_addr, 0x2000000 - 4096);
}

static void test_linux_initrd_too_big_is_refused(void)
{
	struct image big = { bz, RAM - (16 << 20) };

	CHECK_EQ(load(bzimage, big, ""), (uint64_t)-E2BIG);
	CHECK(why && strstr(why, "initrd"));
}

static void test_linux_cmdline_longer_than_header_allows_is_refused(void)
{
	char cmdline[300];

	memset(cmdline, 'x', sizeof(cmdline) - 1);
	cmdline[sizeof(cmdline) - 1] = 0;
	CHECK_EQ(load(bzimage, (struct image){ 0 }, cmdline), (uint64_t)-E2BIG);
	CHECK(why && strstr(why, "command line"));
}

static void test_linux_bzimage_without_64bit_entry_is_refused(void)
{
	bz_header()->xloadflags = 0;
	REFUSED(bzimage, EINVAL, "64-bit");
}

static void test_linux_truncated_bzimage_is_refused(void)
{
	struct image k = bzimage;

	k.size = 0x240; /* header cut short */
	REFUSED(k, EINVAL, NULL);
	k.size = SETUP_SIZE; /* setup only, no kernel */
	REFUSED(k, EINVAL, "truncated");
}

static void test_linux_bzimage_larger_than_ram_is_refused(void)
{
	bz_header()->init_size = 0x8000000; /* 128 MiB */
	REFUSED(bzimage, E2BIG, NULL);
}

static void test_linux_elf_loads_segments_and_zeroes_bss(void)
{
	uint8_t *p;

	memset(mem_ptr(&mem, 0x1001000, 16), 0x77, 16); /* stale bytes where bss goes */
	CHECK_EQ(load(vmlinux, (struct image){ 0 }, "x"), 0);
	CHECK_EQ(b.entry, 0x1000000);
	CHECK_EQ(b.kernel_end, 0x1002000);
	p = mem_ptr(&mem, 0x1000000, 0x2000);
	CHECK_EQ(p[0], 0xf4);
	CHECK_EQ(p[0xfff], 0xf4);
	CHECK_EQ(p[0x1000], 0);
	CHECK_EQ(zero_page()->hdr.boot_flag, 0xaa55);
	CHECK_EQ(zero_page()->hdr.header, 0x53726448);
	CHECK_EQ(zero_page()->hdr.cmd_line_ptr, LINUX_CMDLINE);
}

static void test_linux_elf_segment_outside_file_is_refused(void)
{
	elf_load_segment()->p_filesz = 0x10000;
	elf_load_segment()->p_memsz = 0x10000;
	REFUSED(vmlinux, EINVAL, "outside the file");
}

static void test_linux_elf_offset_overflow_is_refused(void)
{
	elf_load_segment()->p_offset = ~0ULL - 8;
	REFUSED(vmlinux, EINVAL, NULL);
}

static void test_linux_elf_segment_beyond_ram_is_refused(void)
{
	elf_load_segment()->p_paddr = RAM - 0x1000;
	elf_header()->e_entry = RAM - 0x1000;
	REFUSED(vmlinux, E2BIG, NULL);
}

static void test_linux_elf_bad_headers_are_refused(void)
{
	struct image k = vmlinux;

	elf_header()->e_machine = EM_386;
	REFUSED(k, EINVAL, NULL);
	make_elf();
	elf_header()->e_phnum = 0xffff; /* table beyond the file */
	REFUSED(k, EINVAL, NULL);
	make_elf();
	elf_header()->e_entry = 0x5000000;
	REFUSED(k, EINVAL, "entry");
	make_elf();
	k.size = 40; /* ELF magic, truncated header */
	REFUSED(k, EINVAL, NULL);
}

static void test_linux_unknown_format_is_refused(void)
{
	static const uint8_t junk[4096] = "MZ not a kernel";

	CHECK_EQ(load((struct image){ junk, sizeof(junk) }, (struct image){ 0 }, ""),
		 (uint64_t)-EINVAL);
	CHECK_EQ(load((struct image){ junk, 0 }, (struct image){ 0 }, ""),
		 (uint64_t)-EINVAL);
	CHECK(why && strstr(why, "neither"));
}

static void test_longmode_tables_identity_map_4g(void)
{
	uint64_t *pml4, *pdpt, *pd, *gdt;

	CHECK_EQ(longmode_write_tables(&mem), 0);
	pml4 = mem_ptr(&mem, LONGMODE_PML4, 8);
	pdpt = mem_ptr(&mem, LONGMODE_PML4 + 0x1000, 8 * 4);
	pd = mem_ptr(&mem, LONGMODE_PML4 + 0x2000, 8 * 2048);
	gdt = mem_ptr(&mem, LONGMODE_GDT, 32);
	CHECK_EQ(pml4[0], (LONGMODE_PML4 + 0x1000) | 3);
	CHECK_EQ(pdpt[3], (LONGMODE_PML4 + 0x5000) | 3);
	CHECK_EQ(pd[0], 0x83);
	CHECK_EQ(pd[2047], 0xffe00000ULL | 0x83);
	CHECK_EQ(gdt[LONGMODE_CODE_SEL / 8], 0x00af9b000000ffffULL);
	CHECK_EQ(gdt[LONGMODE_DATA_SEL / 8], 0x00cf93000000ffffULL);
}

int main(void)
{
	check_setup = setup;
	RUN(test_linux_bzimage_loads_at_1m_with_64bit_entry);
	RUN(test_linux_initrd_at_top_of_ram_page_aligned);
	RUN(test_linux_initrd_respects_initrd_addr_max);
	RUN(test_linux_initrd_too_big_is_refused);
	RUN(test_linux_cmdline_longer_than_header_allows_is_refused);
	RUN(test_linux_bzimage_without_64bit_entry_is_refused);
	RUN(test_linux_truncated_bzimage_is_refused);
	RUN(test_linux_bzimage_larger_than_ram_is_refused);
	RUN(test_linux_elf_loads_segments_and_zeroes_bss);
	RUN(test_linux_elf_segment_outside_file_is_refused);
	RUN(test_linux_elf_offset_overflow_is_refused);
	RUN(test_linux_elf_segment_beyond_ram_is_refused);
	RUN(test_linux_elf_bad_headers_are_refused);
	RUN(test_linux_unknown_format_is_refused);
	RUN(test_longmode_tables_identity_map_4g);
	mem_free(&mem);
	return check_summary("linux");
}
