/* fuzz_loader.c: the kernel and firmware loaders on arbitrary images: the
 * ELF (vmlinux, PVH note) and bzImage paths of linux_load, the fw_cfg
 * kernel items a firmware boot gets, and firmware_load. */
#include "boot/firmware.h"
#include "boot/fwcfg_linux.h"
#include "boot/linux.h"
#include "fuzz.h"

#define RAM (64ULL << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct guest_mem mem;
	static const struct boot_e820_entry e820[] = { { 0, 0x9fc00, 1 }, { 0x100000, RAM - 0x100000, 1 } };
	struct image kernel = { data, size }, initrd = { data, size / 2 };
	struct linux_boot boot;
	const char *why;

	if (!mem.ram && mem_init(&mem, RAM, 0x20000))
		return 0;
	static struct fw_cfg f;
	enum fwcfg_kernel kind;

	(void)linux_load(&mem, kernel, initrd, "console=ttyS0", e820, 2, &boot, &why);
	fw_cfg_init(&f, &mem, (struct fw_cfg_events){ 0 });
	(void)fwcfg_linux_setup(&f, &mem, kernel, initrd, "console=ttyS0", &kind, &why);
	fw_cfg_free(&f);
	if (size % 0x10000 == 0)
		(void)firmware_load(&mem, kernel);
	return 0;
}
