/* boot.c: what the guest boots, firmware or a kernel: the images read
 * once, put in memory at creation and at every reset (board.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board/board.h"
#include "boot/firmware.h"
#include "boot/fwcfg_linux.h"
#include "boot/linux.h"
#include "boot/longmode.h"
#include "boot/mptable.h"
#include "cli/config.h"
#include "core/log.h"

/* Guest command-line workarounds for the nested kvm_pvm backend, whose
 * emulator lacks these instructions (README: "This project's machines"). */
#define PVM_COMPAT_ARGS "noxsave clearcpuid=141,151,154,158,295,306,308,514,515"

/* Where firmware and option ROMs are found when named without a path, as
 * QEMU's data directories (Debian: qemu-system-data, seabios). */
static const char *const data_dirs[] = { "/usr/share/qemu", "/usr/share/seabios", NULL };
#define DEFAULT_FIRMWARE "qboot.rom"

void microvm_boot_init(struct microvm_boot *boot)
{
	memset(boot, 0, sizeof(*boot));
	boot->fw_image.fd = boot->kernel_image.fd = boot->initrd_image.fd = -1;
}

/* (name) as given if it has a '/' or is readable as it is (QEMU tries the
 * plain name first too), else the first match in -L and the data
 * directories; malloc'd, NULL if not found. */
static char *find_data_file(const struct microvm_board *b, const char *name)
{
	const char *dirs[4] = { b->cfg->datadir, data_dirs[0], data_dirs[1], NULL };
	char path[4096];

	if (strchr(name, '/') || access(name, R_OK) == 0)
		return strdup(name);
	for (int i = 0; i < 3; i++) {
		if (!dirs[i])
			continue;
		snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
		if (access(path, R_OK) == 0)
			return strdup(path);
	}
	return NULL;
}

/* -bios, else qboot for -kernel (QEMU's microvm default), else none. */
static int choose_firmware(struct microvm_board *b)
{
	const char *name = b->cfg->bios;

	if (b->cfg->direct_boot)
		return MICROVM_OK;
	if (!name)
		name = DEFAULT_FIRMWARE;
	b->boot.firmware = find_data_file(b, name);
	if (!b->boot.firmware) {
		log_err("cannot find firmware '%s' (in -L, %s, %s); -M microvm,firmware=none boots "
			"-kernel without firmware", name, data_dirs[0], data_dirs[1]);
		return MICROVM_EINPUT;
	}
	return MICROVM_OK;
}

/* The firmware is read once: every reset restores this copy. */
int microvm_boot_read_firmware(struct microvm_board *b)
{
	const char *why;
	int err = choose_firmware(b);

	if (err || !b->boot.firmware)
		return err;
	err = boot_image_read(b->boot.firmware, &b->boot.fw_image);
	if (err)
		return microvm_input_error("cannot open firmware", b->boot.firmware, err);
	if (firmware_check_size(b->boot.fw_image.size, &why)) {
		log_err("firmware '%s': %s", b->boot.firmware, why);
		return MICROVM_EINPUT;
	}
	return MICROVM_OK;
}

static bool pvm_compat_wanted(const struct microvm_board *b)
{
	if (b->cfg->pvm_compat == ONOFFAUTO_AUTO)
		return b->vm.kvm_pvm;
	return b->cfg->pvm_compat == ONOFFAUTO_ON;
}

/* The user's -append, QEMU's virtio_mmio.device= entries (auto-kernel-
 * cmdline), then the kvm_pvm workarounds when they apply. */
int microvm_boot_cmdline(struct microvm_board *b)
{
	const char *user = b->cfg->append;
	bool compat = b->cfg->kernel && pvm_compat_wanted(b);
	char virtio[VIRTIO_MMIO_SLOTS * 64] = "";
	size_t len;

	if (b->cfg->kernel && b->cfg->auto_kernel_cmdline &&
	    virtio_slots_cmdline(&b->dev.virtio, virtio, sizeof(virtio)))
		return MICROVM_EVMM;
	len = strlen(user) + strlen(virtio) + sizeof(PVM_COMPAT_ARGS) + 2;
	b->boot.cmdline = malloc(len);
	if (!b->boot.cmdline)
		return MICROVM_EVMM;
	snprintf(b->boot.cmdline, len, "%s%s%s%s", user, virtio, compat ? " " : "",
		 compat ? PVM_COMPAT_ARGS : "");
	b->boot.pvm_compat = compat;
	return MICROVM_OK;
}

/* The e820 map a directly booted kernel gets (firmware builds its own). */
static unsigned direct_boot_e820(const struct microvm_board *b, struct boot_e820_entry *e)
{
	unsigned n = 0;

	e[n++] = (struct boot_e820_entry){ 0, MPTABLE_START, E820_RAM };
	e[n++] = (struct boot_e820_entry){ MPTABLE_START, 0xa0000 - MPTABLE_START, E820_RESERVED };
	e[n++] = (struct boot_e820_entry){ MEM_1M, b->mem.below_4g - MEM_1M, E820_RAM };
	e[n++] = (struct boot_e820_entry){ VM_KVM_IDENTITY_MAP, VM_KVM_RESERVED_SIZE, E820_RESERVED };
	if (b->mem.above_4g)
		e[n++] = (struct boot_e820_entry){ MEM_4G, b->mem.above_4g, E820_RAM };
	return n;
}

/* No firmware builds an MP table for a direct boot: mvm does, as qboot would. */
static int write_mptable(struct microvm_board *b)
{
	uint32_t eax, ebx, ecx, edx;

	__asm__("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(1), "c"(0));
	(void)ebx;
	(void)ecx;
	/* the IOAPIC takes the ID after the last vCPU's (254 at most) */
	return mptable_write(&b->mem, &b->cfg->topo, b->ncpus,
			     (uint8_t)(cpu_topology_apic_id(&b->cfg->topo, b->ncpus - 1) + 1), eax, edx);
}

int microvm_boot_read_kernel(struct microvm_board *b)
{
	int err = boot_image_read(b->cfg->kernel, &b->boot.kernel_image);

	if (err)
		return microvm_input_error("cannot open kernel", b->cfg->kernel, err);
	if (b->cfg->initrd && (err = boot_image_read(b->cfg->initrd, &b->boot.initrd_image)))
		return microvm_input_error("cannot open initrd", b->cfg->initrd, err);
	return MICROVM_OK;
}

/* Views of the kernel and initrd copies for a loader; none left mapped on
 * failure. */
static int map_boot_images(const struct microvm_board *b, struct image *kernel, struct image *initrd)
{
	*initrd = (struct image){ 0 };
	if (boot_image_map(&b->boot.kernel_image, kernel))
		return -1;
	if (boot_image_map(&b->boot.initrd_image, initrd)) {
		boot_image_unmap(kernel);
		return -1;
	}
	return 0;
}

static int load_kernel(struct microvm_board *b)
{
	struct image kernel, initrd;
	struct boot_e820_entry e820[8];
	struct linux_boot boot;
	const char *why;
	int r = MICROVM_EINPUT;

	if (map_boot_images(b, &kernel, &initrd)) {
		log_err("cannot map the kernel image: %s", strerror(errno));
		return MICROVM_EVMM;
	}
	if (longmode_write_tables(&b->mem) || write_mptable(b)) {
		log_err("guest RAM too small for the boot tables");
	} else if (linux_load(&b->mem, kernel, initrd, b->boot.cmdline, e820, direct_boot_e820(b, e820),
			      &boot, &why)) {
		log_err("kernel '%s': %s", b->cfg->kernel, why);
	} else if (vcpu_set_long_mode(&b->vcpu[0], boot.entry, boot.zero_page)) {
		log_err("cannot set the boot vCPU state: %s", strerror(errno));
		r = MICROVM_EVMM;
	} else {
		r = MICROVM_OK;
	}
	boot_image_unmap(&initrd);
	boot_image_unmap(&kernel);
	return r;
}

/* With x-option-roms=on, QEMU exposes the kernel loader ROM SeaBIOS needs
 * and puts it first in the boot order; qboot boots from fw_cfg itself. */
static int add_option_rom(struct microvm_board *b, enum fwcfg_kernel kind)
{
	const char *name = kind == FWCFG_KERNEL_PVH ? "pvh.bin" : "linuxboot_dma.bin";
	char *path = find_data_file(b, name), file[64], order[80];
	struct boot_image copy;
	struct image rom;
	int err;

	if (!path) {
		log_err("cannot find option ROM '%s' (x-option-roms=off boots without it)", name);
		return MICROVM_EINPUT;
	}
	err = boot_image_read(path, &copy);
	free(path);
	if (!err)
		err = boot_image_map(&copy, &rom);
	if (err) {
		boot_image_free(&copy);
		return microvm_input_error("cannot open option ROM", name, err);
	}
	snprintf(file, sizeof(file), "genroms/%s", name);
	snprintf(order, sizeof(order), "/rom@%s", file);
	err = fw_cfg_add_file(&b->dev.fw_cfg, file, rom.data, (uint32_t)rom.size);
	err = err ? err : fw_cfg_add_file(&b->dev.fw_cfg, "bootorder", order, (uint32_t)strlen(order) + 1);
	boot_image_unmap(&rom);
	boot_image_free(&copy);
	return err ? MICROVM_EVMM : MICROVM_OK;
}

/* -kernel/-initrd/-append for the firmware, through fw_cfg, which keeps its
 * own copies for every boot. */
int microvm_boot_kernel_for_firmware(struct microvm_board *b)
{
	struct image kernel, initrd;
	enum fwcfg_kernel kind;
	const char *why;
	int err, r = MICROVM_OK;

	if (map_boot_images(b, &kernel, &initrd)) {
		log_err("cannot map the kernel image: %s", strerror(errno));
		return MICROVM_EVMM;
	}
	err = fwcfg_linux_setup(&b->dev.fw_cfg, &b->mem, kernel, initrd, b->boot.cmdline, &kind, &why);
	if (err) {
		log_err("kernel '%s': %s", b->cfg->kernel, err == -ENOMEM ? "out of memory" : why);
		r = err == -ENOMEM ? MICROVM_EVMM : MICROVM_EINPUT;
	} else if (b->cfg->option_roms) {
		r = add_option_rom(b, kind);
	}
	boot_image_unmap(&initrd);
	boot_image_unmap(&kernel);
	boot_image_free(&b->boot.initrd_image);
	/* A PVH kernel is loaded into RAM, not fetched by the firmware: every
	 * reset loads it again (QEMU's ROM blobs), so its copy is kept. */
	b->boot.reload_pvh = kind == FWCFG_KERNEL_PVH;
	if (!b->boot.reload_pvh)
		boot_image_free(&b->boot.kernel_image);
	return r;
}

/* The PVH kernel's segments, as at start: the last boot may have changed
 * them (microvm_boot_kernel_for_firmware checked the image). */
static int reload_pvh_kernel(struct microvm_board *b)
{
	struct image kernel;
	struct linux_elf elf;
	const char *why = "";
	int err = boot_image_map(&b->boot.kernel_image, &kernel);

	if (!err)
		err = linux_load_elf(&b->mem, kernel, &elf, &why);
	boot_image_unmap(&kernel);
	if (err)
		log_err("cannot load kernel '%s': %s", b->cfg->kernel, *why ? why : strerror(-err));
	return err;
}

static int load_firmware(struct microvm_board *b)
{
	struct image fw;
	int err = boot_image_map(&b->boot.fw_image, &fw);

	if (!err)
		err = firmware_load(&b->mem, fw);
	boot_image_unmap(&fw);
	if (err) {
		log_err("cannot load firmware '%s': %s", b->boot.firmware, strerror(-err));
		return MICROVM_EVMM;
	}
	return b->boot.reload_pvh && reload_pvh_kernel(b) ? MICROVM_EVMM : MICROVM_OK;
}

int microvm_boot_load(struct microvm_board *b)
{
	for (unsigned i = 0; i < b->ncpus; i++) {
		if (vcpu_reset(&b->vcpu[i])) {
			log_err("vCPU %u: cannot reset: %s", i, strerror(errno));
			return MICROVM_EVMM;
		}
	}
	return b->boot.firmware ? load_firmware(b) : load_kernel(b);
}

void microvm_boot_report(const struct microvm_board *b)
{
	if (b->boot.pvm_compat)
		log_info("kvm_pvm host: appending \"%s\" to the kernel command line "
			 "(-M microvm,pvm-compat=off to disable)", PVM_COMPAT_ARGS);
}

void microvm_boot_free(struct microvm_boot *boot)
{
	free(boot->cmdline);
	free(boot->firmware);
	boot_image_free(&boot->fw_image);
	boot_image_free(&boot->kernel_image);
	boot_image_free(&boot->initrd_image);
}
