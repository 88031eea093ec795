/* test_fwcfg_linux.c: -kernel/-initrd/-append as fw_cfg items (bzImage, PVH). */
#include <elf.h>
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "boot/fwcfg_linux.h"
#include "check.h"

#define RAM (64ULL << 20)

static struct guest_mem mem;
static struct fw_cfg f;
static uint8_t bz[2 * 512 + 4096];
static uint8_t elf[0x3000];

static void setup(void)
{
	fw_cfg_free(&f);
	mem_free(&mem);
	CHECK_EQ(mem_init(&mem, RAM, 0), 0);
	fw_cfg_init(&f, &mem, (struct fw_cfg_events){ 0 });
}

static struct image make_bzimage(void)
{
	struct setup_header *h = (struct setup_header *)(bz + 0x1f1);

	memset(bz, 0, sizeof(bz));
	h->setup_sects = 1;
	h->boot_flag = 0xaa55;
	h->header = 0x53726448;
	h->version = 0x20f;
	h->loadflags = LOADED_HIGH;
	h->initrd_addr_max = 0x37ffffff;
	h->cmdline_size = 255;
	memset(bz + 1024, 0x90, 4096);
	return (struct image){ bz, sizeof(bz) };
}

/* An ELF with one PT_LOAD at 16 MiB and a Xen PVH note (entry 0x1000100). */
static struct image make_pvh_elf(int with_note)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)elf;
	Elf64_Phdr *ph = (Elf64_Phdr *)(elf + sizeof(*eh));
	Elf64_Nhdr *n = (Elf64_Nhdr *)(elf + 0x800);

	memset(elf, 0, sizeof(elf));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_entry = 0x1000000;
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 2;
	ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = 0x1000, .p_paddr = 0x1000000,
			      .p_filesz = 0x1000, .p_memsz = 0x2000 };
	ph[1] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = 0x800, .p_filesz = with_note ? 20 : 0 };
	*n = (Elf64_Nhdr){ 4, 4, 18 };
	memcpy(elf + 0x800 + 12, "Xen", 4);
	memcpy(elf + 0x800 + 16, &(uint32_t){ 0x1000100 }, 4);
	return (struct image){ elf, sizeof(elf) };
}

/* The little-endian u32 item (key), read through the data port. */
static uint32_t item32(uint16_t key)
{
	uint32_t v = 0;

	fw_cfg_io_ops.write(&f, 0, 2, key);
	for (int i = 0; i < 4; i++)
		v |= (uint32_t)fw_cfg_io_ops.read(&f, 1, 1) << (8 * i);
	return v;
}

static void test_fwcfg_linux_bzimage_items_and_patched_header(void)
{
	static const uint8_t initrd[5000];
	enum fwcfg_kernel kind;
	const char *why = NULL;
	struct setup_header h;
	uint8_t setup_data[1024];

	setup();
	CHECK_EQ(fwcfg_linux_setup(&f, &mem, make_bzimage(), (struct image){ initrd, sizeof(initrd) },
				   "console=ttyS0", &kind, &why), 0);
	CHECK_EQ(kind, FWCFG_KERNEL_BZIMAGE);
	CHECK_EQ(item32(FW_CFG_SETUP_ADDR), 0x10000);
	CHECK_EQ(item32(FW_CFG_SETUP_SIZE), 1024);
	CHECK_EQ(item32(FW_CFG_KERNEL_ADDR), 0x100000);
	CHECK_EQ(item32(FW_CFG_KERNEL_SIZE), 4096);
	CHECK_EQ(item32(FW_CFG_CMDLINE_ADDR), 0x20000);
	CHECK_EQ(item32(FW_CFG_CMDLINE_SIZE), 14);
	CHECK_EQ(item32(FW_CFG_INITRD_SIZE), sizeof(initrd));
	CHECK_EQ(item32(FW_CFG_INITRD_ADDR), (RAM - 1 - sizeof(initrd)) & ~0xfffu); /* clamped to RAM */
	fw_cfg_io_ops.write(&f, 0, 2, FW_CFG_SETUP_DATA);
	for (unsigned i = 0; i < sizeof(setup_data); i++)
		setup_data[i] = (uint8_t)fw_cfg_io_ops.read(&f, 1, 1);
	memcpy(&h, setup_data + 0x1f1, sizeof(h));
	CHECK_EQ(h.cmd_line_ptr, 0x20000);
	CHECK_EQ(h.type_of_loader, 0xb0);
	CHECK(h.loadflags & CAN_USE_HEAP);
	CHECK_EQ(h.heap_end_ptr, 0xfe00);
	CHECK_EQ(h.ramdisk_size, sizeof(initrd));
}

static void test_fwcfg_linux_initrd_limit_is_below_4g_ram(void)
{
	static const uint8_t initrd[4096];
	enum fwcfg_kernel kind;
	const char *why = NULL;
	struct image k = make_bzimage();

	setup();
	((struct setup_header *)(bz + 0x1f1))->xloadflags = XLF_CAN_BE_LOADED_ABOVE_4G;
	CHECK_EQ(fwcfg_linux_setup(&f, &mem, k, (struct image){ initrd, sizeof(initrd) }, "", &kind,
				   &why), 0);
	CHECK_EQ(item32(FW_CFG_INITRD_ADDR), (RAM - 1 - sizeof(initrd)) & ~0xfffu);
}

static void test_fwcfg_linux_long_cmdline_and_old_protocol_refused(void)
{
	char cmdline[300];
	enum fwcfg_kernel kind;
	const char *why = NULL;
	struct image k = make_bzimage();

	setup();
	memset(cmdline, 'x', sizeof(cmdline) - 1);
	cmdline[sizeof(cmdline) - 1] = 0;
	CHECK_EQ(fwcfg_linux_setup(&f, &mem, k, (struct image){ 0 }, cmdline, &kind, &why),
		 (uint64_t)-E2BIG);
	((struct setup_header *)(bz + 0x1f1))->version = 0x201;
	CHECK_EQ(fwcfg_linux_setup(&f, &mem, k, (struct image){ 0 }, "", &kind, &why),
		 (uint64_t)-EINVAL);
	CHECK(why && strstr(why, "2.02"));
}

static void test_fwcfg_linux_pvh_elf_loaded_and_described(void)
{
	enum fwcfg_kernel kind;
	const char *why = NULL;

	setup();
	CHECK_EQ(fwcfg_linux_setup(&f, &mem, make_pvh_elf(1), (struct image){ 0 }, "x", &kind, &why), 0);
	CHECK_EQ(kind, FWCFG_KERNEL_PVH);
	CHECK_EQ(item32(FW_CFG_KERNEL_ENTRY), 0x1000100);
	CHECK_EQ(item32(FW_CFG_KERNEL_ADDR), 0x1000000);
	CHECK_EQ(item32(FW_CFG_KERNEL_SIZE), 0x2000);
	CHECK_EQ(item32(FW_CFG_SETUP_SIZE), 8192);
	fw_cfg_io_ops.write(&f, 0, 2, FW_CFG_SETUP_DATA);
	CHECK_EQ(fw_cfg_io_ops.read(&f, 1, 1), 0x7f); /* the ELF magic */
}

/* An ELF has no header with the limit: x86 Linux's COMMAND_LINE_SIZE holds,
 * as on the direct path (the kernel would cut the line silently). */
static void test_fwcfg_linux_pvh_cmdline_over_2047_refused(void)
{
	static char cmdline[2049];
	enum fwcfg_kernel kind;
	const char *why = NULL;

	memset(cmdline, 'x', 2047);
	setup();
	CHECK_EQ(fwcfg_linux_setup(&f, &mem, make_pvh_elf(1), (struct image){ 0 }, cmdline, &kind, &why), 0);
	cmdline[2047] = 'x';
	setup();
	CHECK_EQ(fwcfg_linux_setup(&f, &mem, make_pvh_elf(1), (struct image){ 0 }, cmdline, &kind, &why),
		 (uint64_t)-E2BIG);
	CHECK(why && strstr(why, "command line"));
}

static void test_fwcfg_linux_elf_without_pvh_note_refused(void)
{
	enum fwcfg_kernel kind;
	const char *why = NULL;

	setup();
	CHECK_EQ(fwcfg_linux_setup(&f, &mem, make_pvh_elf(0), (struct image){ 0 }, "", &kind, &why),
		 (uint64_t)-EINVAL);
	CHECK(why && strstr(why, "PVH"));
}

static void test_fwcfg_linux_garbage_refused(void)
{
	static const uint8_t junk[600] = "not a kernel";
	enum fwcfg_kernel kind;
	const char *why = NULL;

	setup();
	CHECK_EQ(fwcfg_linux_setup(&f, &mem, (struct image){ junk, sizeof(junk) }, (struct image){ 0 },
				   "", &kind, &why), (uint64_t)-EINVAL);
}

int main(void)
{
	RUN(test_fwcfg_linux_bzimage_items_and_patched_header);
	RUN(test_fwcfg_linux_initrd_limit_is_below_4g_ram);
	RUN(test_fwcfg_linux_long_cmdline_and_old_protocol_refused);
	RUN(test_fwcfg_linux_pvh_elf_loaded_and_described);
	RUN(test_fwcfg_linux_elf_without_pvh_note_refused);
	RUN(test_fwcfg_linux_pvh_cmdline_over_2047_refused);
	RUN(test_fwcfg_linux_garbage_refused);
	fw_cfg_free(&f);
	mem_free(&mem);
	return check_summary("fwcfg_linux");
}
