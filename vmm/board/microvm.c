/* microvm.c: the board: what is where, wired in one readable place. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "boot/fdt.h"
#include "boot/firmware.h"
#include "boot/fwcfg_linux.h"
#include "boot/image.h"
#include "boot/linux.h"
#include "boot/longmode.h"
#include "boot/mptable.h"
#include "core/log.h"
#include "board/microvm.h"
#include "probe.h"

/* Guest command-line workarounds for the nested kvm_pvm backend, whose
 * emulator lacks these instructions (README: "This project's machines"). */
#define PVM_COMPAT_ARGS "noxsave clearcpuid=141,151,154,158,295,306,308,514,515"

#define E820_RAM 1
#define E820_RESERVED 2

/* Where firmware and option ROMs are found when named without a path, as
 * QEMU's data directories (Debian: qemu-system-data, seabios). */
static const char *const data_dirs[] = { "/usr/share/qemu", "/usr/share/seabios", NULL };
#define DEFAULT_FIRMWARE "qboot.rom"

static int input_error(const char *what, const char *path, int err)
{
	log_err("%s '%s': %s", what, path, strerror(-err));
	return MICROVM_EINPUT;
}

/* ---- machine options, with QEMU's meaning of "auto" ---- */

static int resolve_options(struct microvm *m)
{
	const struct vm_config *c = m->cfg;

	m->has_pit = c->pit != ONOFFAUTO_OFF;
	m->has_pic = c->pic != ONOFFAUTO_OFF;
	/* rtc=auto means "on unless KVM", and mvm always runs on KVM. */
	m->has_rtc = c->rtc == ONOFFAUTO_ON;
	/* QEMU: the ISA serial exists only if serial0 has a backend. */
	m->has_serial = c->isa_serial && c->serial != SERIAL_NONE;
	if (c->irqchip == IRQCHIP_ON && !m->has_pic) {
		log_err("pic=off needs kernel-irqchip=split (KVM's own irqchip always has a PIC)");
		return MICROVM_EINPUT;
	}
	return MICROVM_OK;
}

/* ---- kernel command line ---- */

static bool pvm_compat_wanted(const struct microvm *m)
{
	if (m->cfg->pvm_compat == ONOFFAUTO_AUTO)
		return m->vm.kvm_pvm;
	return m->cfg->pvm_compat == ONOFFAUTO_ON;
}

/* The user's -append, QEMU's virtio_mmio.device= entries (auto-kernel-
 * cmdline), then the kvm_pvm workarounds when they apply. */
static int build_cmdline(struct microvm *m)
{
	const char *user = m->cfg->append;
	bool compat = m->cfg->kernel && pvm_compat_wanted(m);
	char virtio[VIRTIO_MMIO_SLOTS * 64] = "";
	size_t len;

	if (m->cfg->kernel && m->cfg->auto_kernel_cmdline &&
	    microvm_virtio_cmdline(m, virtio, sizeof(virtio)))
		return MICROVM_EVMM;
	len = strlen(user) + strlen(virtio) + sizeof(PVM_COMPAT_ARGS) + 2;
	m->cmdline = malloc(len);
	if (!m->cmdline)
		return MICROVM_EVMM;
	snprintf(m->cmdline, len, "%s%s%s%s", user, virtio, compat ? " " : "",
		 compat ? PVM_COMPAT_ARGS : "");
	m->pvm_compat_applied = compat;
	return MICROVM_OK;
}

/* ---- memory ---- */

/* (name) as given if it has a '/' or is readable as it is (QEMU tries the
 * plain name first too), else the first match in -L and the data
 * directories; malloc'd, NULL if not found. */
static char *find_data_file(const struct microvm *m, const char *name)
{
	const char *dirs[4] = { m->cfg->datadir, data_dirs[0], data_dirs[1], NULL };
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
static int choose_firmware(struct microvm *m)
{
	const char *name = m->cfg->bios;

	if (m->cfg->direct_boot)
		return MICROVM_OK;
	if (!name)
		name = DEFAULT_FIRMWARE;
	m->firmware = find_data_file(m, name);
	if (!m->firmware) {
		log_err("cannot find firmware '%s' (in -L, %s, %s); -M microvm,firmware=none boots "
			"-kernel without firmware", name, data_dirs[0], data_dirs[1]);
		return MICROVM_EINPUT;
	}
	return MICROVM_OK;
}

/* The firmware is read once: every reset restores this copy. */
static int read_firmware(struct microvm *m)
{
	const char *why;
	int err;

	if (!m->firmware)
		return MICROVM_OK;
	err = boot_image_read(m->firmware, &m->fw_image);
	if (err)
		return input_error("cannot open firmware", m->firmware, err);
	if (firmware_check_size(m->fw_image.size, &why)) {
		log_err("firmware '%s': %s", m->firmware, why);
		return MICROVM_EINPUT;
	}
	return MICROVM_OK;
}

/* Guest RAM is mapped without reserving it, so a size the host could never
 * back would only fail when the guest touches it: refuse it up front. */
static int check_ram_size(uint64_t ram_size)
{
	struct sysinfo si;
	uint64_t host;

	if (sysinfo(&si))
		return MICROVM_OK;
	host = ((uint64_t)si.totalram + si.totalswap) * si.mem_unit;
	if (ram_size <= host)
		return MICROVM_OK;
	log_err("-m %llu MiB: more than the host's memory (%llu MiB of RAM and swap)",
		(unsigned long long)(ram_size >> 20), (unsigned long long)(host >> 20));
	return MICROVM_EINPUT;
}

static int setup_memory(struct microvm *m)
{
	int r = check_ram_size(m->cfg->ram_size);

	if (!r)
		r = choose_firmware(m);
	if (!r)
		r = read_firmware(m);
	if (r)
		return r;
	if (mem_init(&m->mem, m->cfg->ram_size, m->fw_image.size)) {
		log_err("cannot allocate %llu MiB of guest RAM",
			(unsigned long long)(m->cfg->ram_size >> 20));
		return MICROVM_EINPUT;
	}
	if (vm_map_memory(&m->vm, &m->mem)) {
		log_err("KVM_SET_USER_MEMORY_REGION failed: %s", strerror(errno));
		return MICROVM_EVMM;
	}
	return MICROVM_OK;
}

/* ---- devices ---- */

/* The UART's sink (vCPU thread): what the output buffer takes; nothing
 * while the host does not read, until serial_room(). */
static size_t serial_out(void *ctx, const uint8_t *buf, size_t n)
{
	struct microvm *m = ctx;

	if (!m->serial_first_seen) {
		m->serial_first_seen = true;
		probe_emit_guest(PROBE_SERIAL_FIRST_BYTE, 0, SERIAL_COM1_BASE, 0, PROBE_DIR_NONE, buf[0]);
	}
	return outbuf_write(&m->serial_outbuf, buf, n);
}

/* The host read some ttyS0 output (main thread): the UART may go on. */
static void serial_room(void *ctx)
{
	struct microvm *m = ctx;

	serial_tx_ready(&m->serial);
}

static int setup_serial(struct microvm *m)
{
	const struct vm_config *c = m->cfg;
	int err;

	m->serial_fd = -1;
	if (!m->has_serial)
		return MICROVM_OK;
	outbuf_init(&m->serial_outbuf, &m->loop, serial_room, m);
	if (c->serial == SERIAL_STDIO)
		m->serial_fd = STDOUT_FILENO;
	if (c->serial == SERIAL_FILE) {
		/* A FIFO: open() waits for its reader. */
		m->serial_fd = open(c->serial_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (m->serial_fd < 0)
			return input_error("cannot open serial output", c->serial_path, -errno);
	}
	err = m->serial_fd >= 0 ? outbuf_attach(&m->serial_outbuf, m->serial_fd,
						  m->serial_fd == STDOUT_FILENO) : 0;
	if (err) {
		log_err("cannot set up serial output: %s", strerror(-err));
		return MICROVM_EVMM;
	}
	serial_init(&m->serial, irqchip_line(&m->irqchip, SERIAL_COM1_IRQ),
		    (struct serial_sink){ serial_out, m });
	return bus_register(&m->pio, SERIAL_COM1_BASE, SERIAL_NREGS, &serial_ops, &m->serial)
		       ? MICROVM_EVMM : MICROVM_OK;
}

static void pit_expired(void *dev)
{
	pit_timer_expired(dev);
}

static void rtc_expired(void *dev)
{
	rtc_timer_expired(dev);
}

/* The memory-size bytes microvm writes into CMOS (spec section 7). */
static void set_cmos_memory(struct microvm *m)
{
	uint64_t low = m->mem.below_4g, high = m->mem.above_4g, v;

	v = low / 1024 < 640 ? low / 1024 : 640;
	rtc_set_cmos(&m->rtc, 0x15, (uint8_t)v);
	rtc_set_cmos(&m->rtc, 0x16, (uint8_t)(v >> 8));
	v = (low - MEM_1M) / 1024 < 65535 ? (low - MEM_1M) / 1024 : 65535;
	rtc_set_cmos(&m->rtc, 0x17, (uint8_t)v);
	rtc_set_cmos(&m->rtc, 0x18, (uint8_t)(v >> 8));
	rtc_set_cmos(&m->rtc, 0x30, (uint8_t)v);
	rtc_set_cmos(&m->rtc, 0x31, (uint8_t)(v >> 8));
	v = low > 16 * MEM_1M ? (low - 16 * MEM_1M) / 65536 : 0;
	v = v < 65535 ? v : 65535;
	rtc_set_cmos(&m->rtc, 0x34, (uint8_t)v);
	rtc_set_cmos(&m->rtc, 0x35, (uint8_t)(v >> 8));
	v = high / 65536;
	rtc_set_cmos(&m->rtc, 0x5b, (uint8_t)v);
	rtc_set_cmos(&m->rtc, 0x5c, (uint8_t)(v >> 8));
	rtc_set_cmos(&m->rtc, 0x5d, (uint8_t)(v >> 16));
}

static int setup_timers_devices(struct microvm *m)
{
	struct vclock clock = evloop_host_clock();

	/* With kernel-irqchip=on the PIT is KVM's (created with the irqchip). */
	if (m->has_pit && m->cfg->irqchip == IRQCHIP_SPLIT) {
		if (evloop_add_timer(&m->loop, &m->pit_timer, pit_expired, &m->pit))
			return MICROVM_EVMM;
		pit_init(&m->pit, irqchip_line(&m->irqchip, PIT_IRQ), clock,
			 evloop_vtimer(&m->pit_timer));
		if (bus_register(&m->pio, PIT_BASE, PIT_NPORTS, &pit_ops, &m->pit))
			return MICROVM_EVMM;
	}
	if (m->has_rtc) {
		if (evloop_add_timer(&m->loop, &m->rtc_timer, rtc_expired, &m->rtc))
			return MICROVM_EVMM;
		rtc_init(&m->rtc, irqchip_line(&m->irqchip, RTC_IRQ), clock,
			 evloop_vtimer(&m->rtc_timer));
		set_cmos_memory(m);
		if (bus_register(&m->pio, RTC_PORT_BASE, RTC_PORT_LEN, &rtc_ops, &m->rtc))
			return MICROVM_EVMM;
	}
	return MICROVM_OK;
}

/* ---- fw_cfg: what QEMU's microvm tells its firmware ---- */

/* The guest's fw_cfg accesses as probes, named by item (the names stay
 * valid until the machine is destroyed, after the trace is written). */
static void fw_cfg_selected(void *ctx, uint16_t key, uint32_t size)
{
	struct microvm *m = ctx;

	if (probes_on())
		probe_emit_guest_named(PROBE_FWCFG_SELECT, 0, key, 0, PROBE_DIR_WRITE, size,
				       fw_cfg_key_name(&m->fw_cfg, key));
}

static void fw_cfg_read(void *ctx, uint16_t key, bool dma, uint32_t bytes)
{
	struct microvm *m = ctx;

	if (probes_on())
		probe_emit_guest_named(PROBE_FWCFG_READ, dma, key, dma ? 0 : 1, PROBE_DIR_READ, bytes,
				       fw_cfg_key_name(&m->fw_cfg, key));
}

/* etc/e820 (QEMU under KVM): the KVM pages first, then RAM. */
static int add_e820(struct microvm *m)
{
	struct boot_e820_entry e[3] = {
		{ VM_KVM_IDENTITY_MAP, VM_KVM_RESERVED_SIZE, E820_RESERVED },
		{ 0, m->mem.below_4g, E820_RAM },
		{ MEM_4G, m->mem.above_4g, E820_RAM },
	};

	return fw_cfg_add_file(&m->fw_cfg, "etc/e820", e, (uint32_t)(m->mem.above_4g ? 3 : 2) * sizeof(e[0]));
}

static int add_fdt(struct microvm *m)
{
	struct microvm_fdt d = { .serial = m->has_serial, .rtc = m->has_rtc };
	char blob[4096];
	int len;

	microvm_virtio_fdt(m, &d);
	len = microvm_fdt_build(&d, blob, sizeof(blob));
	return len < 0 ? -EINVAL : fw_cfg_add_file(&m->fw_cfg, "etc/fdt", blob, (uint32_t)len);
}

static int setup_fw_cfg(struct microvm *m)
{
	static const uint8_t uuid[16];
	struct fw_cfg *f = &m->fw_cfg;
	int err;

	if (fw_cfg_init(f, &m->mem, (struct fw_cfg_events){ fw_cfg_selected, fw_cfg_read, m }))
		return MICROVM_EVMM;
	err = fw_cfg_add(f, FW_CFG_UUID, uuid, sizeof(uuid));
	err = err ? err : fw_cfg_add_u64(f, FW_CFG_RAM_SIZE, m->cfg->ram_size);
	err = err ? err : fw_cfg_add_u16(f, FW_CFG_NOGRAPHIC, m->cfg->nographic);
	err = err ? err : fw_cfg_add_u16(f, FW_CFG_NB_CPUS, (uint16_t)m->cfg->cpus);
	err = err ? err : fw_cfg_add_u16(f, FW_CFG_BOOT_MENU, 0);
	err = err ? err : fw_cfg_add_u16(f, FW_CFG_MAX_CPUS, (uint16_t)m->cfg->maxcpus);
	err = err ? err : fw_cfg_add_u32(f, FW_CFG_IRQ0_OVERRIDE, 1);
	err = err ? err : add_e820(m);
	err = err ? err : fw_cfg_add_file(f, "etc/boot-fail-wait", &(uint32_t){ 0xffffffff }, 4);
	err = err ? err : fw_cfg_add_file(f, "bios-geometry", "", 0);
	/* As QEMU: always listed, empty until a boot device (the option ROM). */
	err = err ? err : fw_cfg_add_file(f, "bootorder", "", 0);
	err = err ? err : add_fdt(m);
	if (err || bus_register(&m->pio, FW_CFG_IO_BASE, FW_CFG_IO_LEN, &fw_cfg_io_ops, f) ||
	    bus_register(&m->pio, FW_CFG_DMA_BASE, FW_CFG_DMA_LEN, &fw_cfg_dma_ops, f))
		return MICROVM_EVMM;
	return MICROVM_OK;
}

static void marker_written(void *ctx, uint16_t port, uint8_t value)
{
	(void)ctx;
	probe_emit_guest(PROBE_MARKER, 0, port, 0, PROBE_DIR_NONE, value);
}

static int setup_devices(struct microvm *m)
{
	bool kernel_pit = m->has_pit && m->cfg->irqchip == IRQCHIP_ON;
	int r;

	bus_init(&m->pio, "pio");
	bus_init(&m->mmio, "mmio");
	if (evloop_init(&m->loop))
		return MICROVM_EVMM;
	if (irqchip_create(&m->irqchip, &m->vm, m->cfg->irqchip, m->has_pic, kernel_pit) ||
	    irqchip_register(&m->irqchip, &m->pio, &m->mmio)) {
		log_err("cannot create the interrupt controllers: %s", strerror(errno));
		return MICROVM_EVMM;
	}
	marker_init(&m->marker, MARKER_BASE, (struct marker_events){ marker_written, NULL });
	if (bus_register(&m->pio, MARKER_BASE, MARKER_NPORTS, &marker_ops, &m->marker))
		return MICROVM_EVMM;
	if (setup_timers_devices(m))
		return MICROVM_EVMM;
	r = setup_serial(m);
	if (!r)
		r = microvm_setup_virtio(m);
	return r ? r : setup_fw_cfg(m);
}

void microvm_reset_devices(struct microvm *m)
{
	fw_cfg_reset(&m->fw_cfg);
	microvm_virtio_reset(m);
	irqchip_reset(&m->irqchip);
	if (m->vm.kernel_irqchip && vm_reset_kernel_irqchip(&m->vm))
		log_warn("cannot reset KVM's irqchip: %s", strerror(errno));
	if (m->has_pit && m->cfg->irqchip == IRQCHIP_SPLIT)
		pit_reset(&m->pit);
	if (m->has_rtc)
		rtc_reset(&m->rtc);
	if (m->has_serial)
		serial_reset(&m->serial);
}

/* ---- vCPUs ---- */

static void vcpu_stopped(void *ctx, struct vcpu *v, enum vcpu_stop why)
{
	struct microvm *m = ctx;
	int none = -1;

	(void)v;
	__atomic_compare_exchange_n(&m->stop_why, &none, (int)why, false, __ATOMIC_SEQ_CST,
				    __ATOMIC_SEQ_CST);
	eventfd_write(m->stop_fd, 1);
}

static void kick_bsp(void *ctx)
{
	struct microvm *m = ctx;

	vcpu_kick_irq(&m->vcpu[0]);
}

static int setup_vcpus(struct microvm *m)
{
	const char *why = "";

	m->ncpus = m->cfg->cpus;
	m->vcpu = calloc(m->ncpus, sizeof(*m->vcpu));
	m->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (!m->vcpu || m->stop_fd < 0)
		return MICROVM_EVMM;
	for (unsigned i = 0; i < m->ncpus; i++) {
		if (vcpu_create(&m->vcpu[i], &m->vm, i, &m->cfg->topo, m->cfg->features,
				m->cfg->nfeatures, &why)) {
			log_err("vCPU %u: %s: %s", i, why, strerror(errno));
			return MICROVM_EVMM;
		}
	}
	m->env = (struct vcpu_env){ .pio = &m->pio, .mmio = &m->mmio, .stopped = vcpu_stopped,
				    .sandbox = m->cfg->sandbox,
				    .ctx = m, .eoi = irqchip_eoi, .irq_ctx = &m->irqchip };
	if (m->cfg->irqchip == IRQCHIP_SPLIT && m->has_pic) {
		m->env.extint_pending = irqchip_extint_pending;
		m->env.extint_ack = irqchip_extint_ack;
		irqchip_set_kick(&m->irqchip, kick_bsp, m);
	}
	return MICROVM_OK;
}

/* ---- boot ---- */

/* The e820 map a directly booted kernel gets (firmware builds its own). */
static unsigned direct_boot_e820(const struct microvm *m, struct boot_e820_entry *e)
{
	unsigned n = 0;

	e[n++] = (struct boot_e820_entry){ 0, MPTABLE_START, E820_RAM };
	e[n++] = (struct boot_e820_entry){ MPTABLE_START, 0xa0000 - MPTABLE_START, E820_RESERVED };
	e[n++] = (struct boot_e820_entry){ MEM_1M, m->mem.below_4g - MEM_1M, E820_RAM };
	e[n++] = (struct boot_e820_entry){ VM_KVM_IDENTITY_MAP, VM_KVM_RESERVED_SIZE, E820_RESERVED };
	if (m->mem.above_4g)
		e[n++] = (struct boot_e820_entry){ MEM_4G, m->mem.above_4g, E820_RAM };
	return n;
}

/* No firmware builds an MP table for a direct boot: mvm does, as qboot would. */
static int write_mptable(struct microvm *m)
{
	uint32_t eax, ebx, ecx, edx;

	__asm__("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(1), "c"(0));
	(void)ebx;
	(void)ecx;
	/* the IOAPIC takes the ID after the last vCPU's (254 at most) */
	return mptable_write(&m->mem, &m->cfg->topo, m->ncpus,
			     (uint8_t)(cpu_topology_apic_id(&m->cfg->topo, m->ncpus - 1) + 1), eax, edx);
}

/* Read -kernel and -initrd (if any) into mvm's own copies. */
static int read_boot_images(struct microvm *m)
{
	int err = boot_image_read(m->cfg->kernel, &m->kernel_image);

	if (err)
		return input_error("cannot open kernel", m->cfg->kernel, err);
	if (m->cfg->initrd && (err = boot_image_read(m->cfg->initrd, &m->initrd_image)))
		return input_error("cannot open initrd", m->cfg->initrd, err);
	return MICROVM_OK;
}

/* Views of the kernel and initrd copies for a loader; none left mapped on
 * failure. */
static int map_boot_images(const struct microvm *m, struct image *kernel, struct image *initrd)
{
	*initrd = (struct image){ 0 };
	if (boot_image_map(&m->kernel_image, kernel))
		return -1;
	if (boot_image_map(&m->initrd_image, initrd)) {
		boot_image_unmap(kernel);
		return -1;
	}
	return 0;
}

static int load_kernel(struct microvm *m)
{
	struct image kernel, initrd;
	struct boot_e820_entry e820[8];
	struct linux_boot boot;
	const char *why;
	int r = MICROVM_EINPUT;

	if (map_boot_images(m, &kernel, &initrd)) {
		log_err("cannot map the kernel image: %s", strerror(errno));
		return MICROVM_EVMM;
	}
	if (longmode_write_tables(&m->mem) || write_mptable(m)) {
		log_err("guest RAM too small for the boot tables");
	} else if (linux_load(&m->mem, kernel, initrd, m->cmdline, e820, direct_boot_e820(m, e820),
			      &boot, &why)) {
		log_err("kernel '%s': %s", m->cfg->kernel, why);
	} else if (vcpu_set_long_mode(&m->vcpu[0], boot.entry, boot.zero_page)) {
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
static int add_option_rom(struct microvm *m, enum fwcfg_kernel kind)
{
	const char *name = kind == FWCFG_KERNEL_PVH ? "pvh.bin" : "linuxboot_dma.bin";
	char *path = find_data_file(m, name), file[64], order[80];
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
		return input_error("cannot open option ROM", name, err);
	}
	snprintf(file, sizeof(file), "genroms/%s", name);
	snprintf(order, sizeof(order), "/rom@%s", file);
	err = fw_cfg_add_file(&m->fw_cfg, file, rom.data, (uint32_t)rom.size);
	err = err ? err : fw_cfg_add_file(&m->fw_cfg, "bootorder", order, (uint32_t)strlen(order) + 1);
	boot_image_unmap(&rom);
	boot_image_free(&copy);
	return err ? MICROVM_EVMM : MICROVM_OK;
}

/* -kernel/-initrd/-append for the firmware, through fw_cfg, which keeps its
 * own copies for every boot. */
static int setup_kernel_for_firmware(struct microvm *m)
{
	struct image kernel, initrd;
	enum fwcfg_kernel kind;
	const char *why;
	int err, r = MICROVM_OK;

	if (map_boot_images(m, &kernel, &initrd)) {
		log_err("cannot map the kernel image: %s", strerror(errno));
		return MICROVM_EVMM;
	}
	err = fwcfg_linux_setup(&m->fw_cfg, &m->mem, kernel, initrd, m->cmdline, &kind, &why);
	if (err) {
		log_err("kernel '%s': %s", m->cfg->kernel, err == -ENOMEM ? "out of memory" : why);
		r = err == -ENOMEM ? MICROVM_EVMM : MICROVM_EINPUT;
	} else if (m->cfg->option_roms) {
		r = add_option_rom(m, kind);
	}
	boot_image_unmap(&initrd);
	boot_image_unmap(&kernel);
	boot_image_free(&m->initrd_image);
	/* A PVH kernel is loaded into RAM, not fetched by the firmware: every
	 * reset loads it again (QEMU's ROM blobs), so its copy is kept. */
	m->reload_pvh = kind == FWCFG_KERNEL_PVH;
	if (!m->reload_pvh)
		boot_image_free(&m->kernel_image);
	return r;
}

/* The PVH kernel's segments, as at start: the last boot may have changed
 * them (setup_kernel_for_firmware checked the image). */
static int reload_pvh_kernel(struct microvm *m)
{
	struct image kernel;
	struct linux_elf elf;
	const char *why = "";
	int err = boot_image_map(&m->kernel_image, &kernel);

	if (!err)
		err = linux_load_elf(&m->mem, kernel, &elf, &why);
	boot_image_unmap(&kernel);
	if (err)
		log_err("cannot load kernel '%s': %s", m->cfg->kernel, *why ? why : strerror(-err));
	return err;
}

static int load_firmware(struct microvm *m)
{
	struct image fw;
	int err = boot_image_map(&m->fw_image, &fw);

	if (!err)
		err = firmware_load(&m->mem, fw);
	boot_image_unmap(&fw);
	if (err) {
		log_err("cannot load firmware '%s': %s", m->firmware, strerror(-err));
		return MICROVM_EVMM;
	}
	return m->reload_pvh && reload_pvh_kernel(m) ? MICROVM_EVMM : MICROVM_OK;
}

/* Put images in memory and vCPUs in their start state: at creation and at
 * every guest reset (the guest may have overwritten anything). */
int microvm_load_boot(struct microvm *m)
{
	for (unsigned i = 0; i < m->ncpus; i++) {
		if (vcpu_reset(&m->vcpu[i])) {
			log_err("vCPU %u: cannot reset: %s", i, strerror(errno));
			return MICROVM_EVMM;
		}
	}
	return m->firmware ? load_firmware(m) : load_kernel(m);
}

/* Nothing open: every fd -1, so destroying a machine that failed half-way
 * closes only what it opened (never fd 0). */
static void init_closed(struct microvm *m, const struct vm_config *cfg)
{
	memset(m, 0, sizeof(*m));
	m->cfg = cfg;
	m->stop_why = -1;
	m->vm.kvm_fd = m->vm.vm_fd = -1;
	m->serial_fd = m->stop_fd = m->signal_fd = -1;
	m->loop.epfd = -1;
	m->pit_timer.fd = m->rtc_timer.fd = -1;
	m->fw_image.fd = m->kernel_image.fd = m->initrd_image.fd = -1;
	for (unsigned slot = 0; slot < VIRTIO_MMIO_SLOTS; slot++)
		m->virtio_irqfd[slot] = -1;
}

int microvm_create(struct microvm *m, const struct vm_config *cfg)
{
	const char *why = "";
	int r;

	init_closed(m, cfg);
	r = resolve_options(m);
	if (r)
		return r;
	if (vm_open(&m->vm, &why)) {
		log_err("%s: %s", why, strerror(errno));
		return MICROVM_EVMM;
	}
	r = setup_memory(m);
	if (!r)
		r = setup_devices(m);
	if (!r)
		r = build_cmdline(m);
	if (!r)
		r = setup_vcpus(m);
	if (!r && m->cfg->kernel)
		r = read_boot_images(m);
	if (!r)
		r = microvm_load_boot(m);
	/* After the first load, which must not load a PVH kernel twice. */
	if (!r && m->firmware && m->cfg->kernel)
		r = setup_kernel_for_firmware(m);
	/* Said once, and only for a VM that will run. */
	if (!r && m->pvm_compat_applied)
		log_info("kvm_pvm host: appending \"%s\" to the kernel command line "
			 "(-M microvm,pvm-compat=off to disable)", PVM_COMPAT_ARGS);
	return r;
}

void microvm_destroy(struct microvm *m)
{
	for (unsigned i = 0; m->vcpu && i < m->ncpus; i++)
		vcpu_destroy(&m->vcpu[i]);
	free(m->vcpu);
	free(m->cmdline);
	free(m->firmware);
	boot_image_free(&m->fw_image);
	boot_image_free(&m->kernel_image);
	boot_image_free(&m->initrd_image);
	fw_cfg_free(&m->fw_cfg);
	microvm_virtio_close(m);
	evloop_close(&m->loop);
	if (m->pit_timer.fd >= 0)
		close(m->pit_timer.fd);
	if (m->rtc_timer.fd >= 0)
		close(m->rtc_timer.fd);
	outbuf_detach(&m->serial_outbuf);
	if (m->serial_fd > STDERR_FILENO)
		close(m->serial_fd);
	if (m->stop_fd >= 0)
		close(m->stop_fd);
	if (m->signal_fd >= 0)
		close(m->signal_fd);
	mem_free(&m->mem);
	vm_close(&m->vm);
}
