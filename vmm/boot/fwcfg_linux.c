/* fwcfg_linux.c: kernel, initrd and command line as fw_cfg items (see fwcfg_linux.h). */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot/fwcfg_linux.h"

#define HDR_OFFSET 0x1f1
#define HDRS_MAGIC 0x53726448
#define LOADER_QEMU 0xb0
#define PVH_SETUP_SIZE 8192

#define FAIL(msg) do { *why = (msg); return -EINVAL; } while (0)

static int add(struct fw_cfg *f, uint16_t key, const void *data, uint32_t len, int err)
{
	return err ? err : fw_cfg_add(f, key, data, len);
}

static int add32(struct fw_cfg *f, uint16_t key, uint32_t v, int err)
{
	return err ? err : fw_cfg_add_u32(f, key, v);
}

static int add_cmdline(struct fw_cfg *f, const char *cmdline, int err)
{
	uint32_t len = (uint32_t)strlen(cmdline) + 1;

	err = add32(f, FW_CFG_CMDLINE_SIZE, len, err);
	return add(f, FW_CFG_CMDLINE_DATA, cmdline, len, err);
}

/* The initrd below (limit), page aligned; 0 with no initrd. */
static int add_initrd(struct fw_cfg *f, struct image initrd, uint64_t limit, uint32_t *addr,
		      const char **why)
{
	int err;

	*addr = 0;
	if (!initrd.size)
		return 0;
	if (initrd.size >= limit || initrd.size > UINT32_MAX) {
		*why = "initrd does not fit below the kernel's initrd limit";
		return -E2BIG;
	}
	*addr = (uint32_t)((limit - initrd.size) & ~0xfffULL);
	err = add32(f, FW_CFG_INITRD_ADDR, *addr, 0);
	err = add32(f, FW_CFG_INITRD_SIZE, (uint32_t)initrd.size, err);
	return add(f, FW_CFG_INITRD_DATA, initrd.data, (uint32_t)initrd.size, err);
}

static uint64_t initrd_limit(const struct guest_mem *mem, const struct setup_header *h)
{
	uint64_t max = 0x37ffffff;

	if (h->version >= 0x20c && (h->xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G))
		max = 0xffffffff;
	else if (h->version >= 0x203)
		max = h->initrd_addr_max;
	return max < mem->below_4g - 1 ? max : mem->below_4g - 1;
}

static int bzimage(struct fw_cfg *f, const struct guest_mem *mem, struct image k,
		   struct image initrd, const char *cmdline, const char **why)
{
	struct setup_header h;
	size_t setup_size;
	uint32_t initrd_addr;
	uint8_t *setup;
	int err;

	memcpy(&h, k.data + HDR_OFFSET, sizeof(h));
	if (h.version < 0x202 || !(h.loadflags & LOADED_HIGH))
		FAIL("bzImage: boot protocol before 2.02 or not loaded high: not supported");
	setup_size = ((size_t)(h.setup_sects ? h.setup_sects : 4) + 1) * 512;
	if (setup_size >= k.size || k.size - setup_size > UINT32_MAX)
		FAIL("bzImage: truncated");
	if (h.version >= 0x206 && strlen(cmdline) > h.cmdline_size) {
		*why = "kernel command line longer than the kernel accepts";
		return -E2BIG;
	}
	err = add_initrd(f, initrd, initrd_limit(mem, &h), &initrd_addr, why);
	if (err)
		return err;
	setup = malloc(setup_size);
	if (!setup)
		return -ENOMEM;
	/* The setup part as the firmware copies it, with QEMU's header patches. */
	memcpy(setup, k.data, setup_size);
	h.cmd_line_ptr = FWCFG_LINUX_CMDLINE_ADDR;
	h.type_of_loader = LOADER_QEMU;
	h.loadflags |= CAN_USE_HEAP;
	h.heap_end_ptr = FWCFG_LINUX_CMDLINE_ADDR - FWCFG_LINUX_SETUP_ADDR - 0x200;
	h.ramdisk_image = initrd_addr;
	h.ramdisk_size = (uint32_t)initrd.size;
	memcpy(setup + HDR_OFFSET, &h, sizeof(h));
	err = add32(f, FW_CFG_SETUP_ADDR, FWCFG_LINUX_SETUP_ADDR, 0);
	err = add32(f, FW_CFG_SETUP_SIZE, (uint32_t)setup_size, err);
	err = add(f, FW_CFG_SETUP_DATA, setup, (uint32_t)setup_size, err);
	err = add32(f, FW_CFG_KERNEL_ADDR, FWCFG_LINUX_KERNEL_ADDR, err);
	err = add32(f, FW_CFG_KERNEL_SIZE, (uint32_t)(k.size - setup_size), err);
	err = add(f, FW_CFG_KERNEL_DATA, k.data + setup_size, (uint32_t)(k.size - setup_size), err);
	err = add32(f, FW_CFG_CMDLINE_ADDR, FWCFG_LINUX_CMDLINE_ADDR, err);
	free(setup);
	return add_cmdline(f, cmdline, err);
}

static int pvh(struct fw_cfg *f, const struct guest_mem *mem, struct image k, struct image initrd,
	       const char *cmdline, const char **why)
{
	struct linux_elf elf;
	uint32_t initrd_addr;
	int err = linux_load_elf(mem, k, &elf, why);

	if (err)
		return err;
	if (!elf.pvh_entry)
		FAIL("ELF kernel has no PVH entry note: firmware cannot boot it (firmware=none boots it directly)");
	if (strlen(cmdline) >= LINUX_ELF_CMDLINE_SIZE) {
		*why = "kernel command line longer than the kernel accepts (2047 bytes for an ELF kernel)";
		return -E2BIG;
	}
	err = add_initrd(f, initrd, mem->below_4g - 1, &initrd_addr, why);
	if (err)
		return err;
	err = add32(f, FW_CFG_KERNEL_ENTRY, (uint32_t)elf.pvh_entry, 0);
	err = add32(f, FW_CFG_KERNEL_ADDR, (uint32_t)elf.lo, err);
	err = add32(f, FW_CFG_KERNEL_SIZE, (uint32_t)(elf.hi - elf.lo), err);
	err = add32(f, FW_CFG_SETUP_SIZE, PVH_SETUP_SIZE, err);
	err = add(f, FW_CFG_SETUP_DATA, k.data, k.size < PVH_SETUP_SIZE ? (uint32_t)k.size : PVH_SETUP_SIZE, err);
	return add_cmdline(f, cmdline, err);
}

int fwcfg_linux_setup(struct fw_cfg *f, const struct guest_mem *mem, struct image kernel,
		      struct image initrd, const char *cmdline, enum fwcfg_kernel *kind,
		      const char **why)
{
	if (kernel.size >= SELFMAG && !memcmp(kernel.data, ELFMAG, SELFMAG)) {
		*kind = FWCFG_KERNEL_PVH;
		return pvh(f, mem, kernel, initrd, cmdline, why);
	}
	if (kernel.size >= HDR_OFFSET + sizeof(struct setup_header) &&
	    !memcmp(kernel.data + 0x202, "HdrS", 4)) {
		*kind = FWCFG_KERNEL_BZIMAGE;
		return bzimage(f, mem, kernel, initrd, cmdline, why);
	}
	FAIL("kernel is neither a bzImage nor an ELF with a PVH note");
}
