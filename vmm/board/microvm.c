/*
 * microvm.c: the board, QEMU's microvm machine (docs/system/i386/microvm.rst),
 * as its datasheet.  What is where:
 *
 *   part                 where                             GSI   present
 *   RAM                  0 - 3 GiB, the rest from 4 GiB    -     always (-m)
 *   firmware             below 4 GiB, its last 128 KiB     -     -bios; qboot for -kernel;
 *                        also below 1 MiB                        none: firmware=none
 *   i8259 PIC pair       ports 0x20, 0xa0, ELCR 0x4d0      -     pic != off
 *   i8254 PIT            ports 0x40-0x43                   0     pit != off
 *   MC146818 RTC, CMOS   ports 0x70-0x71                   8     rtc=on
 *   boot markers         ports 0xf4-0xf5                   -     always
 *   16550A UART (ttyS0)  ports 0x3f8-0x3ff                 4     isa-serial=on, -serial not none
 *   fw_cfg               ports 0x510-0x511, DMA 0x514      -     always
 *   virtio-mmio x 8      0xfeb00000 + 512 * i              5+i   always, the first -device
 *                                                                in slot 7 (virtio_slots.h)
 *   IOAPIC               0xfec00000                        -     always
 *   LAPICs               0xfee00000                        -     always (KVM's)
 *
 * kernel-irqchip=split (the default): the PIC, PIT and IOAPIC are mvm's;
 * kernel-irqchip=on: they are KVM's, the PIC cannot be switched off, and
 * virtio interrupts are irqfds.  Options are QEMU's, with its "auto".
 *
 * microvm_create() makes the machine in that order, but for fw_cfg last
 * (its device tree and e820 map describe the rest), then the vCPUs and the
 * boot images (boot.c); run.c runs it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "board/board.h"
#include "boot/fdt.h"
#include "cli/config.h"
#include "core/log.h"
#include "probe.h"

/* ---- the layout: machine options, with QEMU's meaning of "auto" ---- */

static int resolve_layout(struct microvm_layout *l, const struct vm_config *c)
{
	l->split_irqchip = c->irqchip == IRQCHIP_SPLIT;
	l->pic = c->pic != ONOFFAUTO_OFF;
	l->pit = c->pit != ONOFFAUTO_OFF;
	l->pit_in_userspace = l->pit && l->split_irqchip;
	/* rtc=auto means "on unless KVM", and mvm always runs on KVM. */
	l->rtc = c->rtc == ONOFFAUTO_ON;
	/* QEMU: the ISA serial exists only if serial0 has a backend. */
	l->serial = c->isa_serial && c->serial != SERIAL_NONE;
	if (!l->split_irqchip && !l->pic) {
		log_err("pic=off needs kernel-irqchip=split (KVM's own irqchip always has a PIC)");
		return MICROVM_EINPUT;
	}
	return MICROVM_OK;
}

/* ---- memory ---- */

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

/* RAM, and the firmware's region sized by its image. */
static int setup_memory(struct microvm_board *b)
{
	int r = check_ram_size(b->cfg->ram_size);

	if (!r)
		r = microvm_boot_read_firmware(b);
	if (r)
		return r;
	if (mem_init(&b->mem, b->cfg->ram_size, b->boot.fw_image.size)) {
		log_err("cannot allocate %llu MiB of guest RAM",
			(unsigned long long)(b->cfg->ram_size >> 20));
		return MICROVM_EINPUT;
	}
	if (vm_map_memory(&b->vm, &b->mem)) {
		log_err("KVM_SET_USER_MEMORY_REGION failed: %s", strerror(errno));
		return MICROVM_EVMM;
	}
	return MICROVM_OK;
}

/* ---- interrupt controllers ---- */

static int setup_irqchip(struct microvm_board *b)
{
	const struct microvm_layout *l = &b->layout;
	struct microvm_devices *d = &b->dev;

	if (irqchip_create(&d->irqchip, &b->vm, l->split_irqchip ? IRQCHIP_SPLIT : IRQCHIP_ON,
			   l->pic, l->pit && !l->pit_in_userspace) ||
	    irqchip_register(&d->irqchip, &d->pio, &d->mmio)) {
		log_err("cannot create the interrupt controllers: %s", strerror(errno));
		return MICROVM_EVMM;
	}
	return MICROVM_OK;
}

/* ---- PIT and RTC, on the event loop's timers ---- */

/* The timers fire on the main thread: an entry into the device like any
 * other, under its lock (core/bus.h). */
static void pit_expired(void *ctx)
{
	struct microvm_devices *d = ctx;

	bus_lock_device(&d->pio, &d->pit);
	pit_timer_expired(&d->pit);
	bus_unlock_device(&d->pio, &d->pit);
}

static void rtc_expired(void *ctx)
{
	struct microvm_devices *d = ctx;

	bus_lock_device(&d->pio, &d->rtc);
	rtc_timer_expired(&d->rtc);
	bus_unlock_device(&d->pio, &d->rtc);
}

static int setup_pit(struct microvm_board *b)
{
	struct microvm_devices *d = &b->dev;

	if (!b->layout.pit_in_userspace)
		return MICROVM_OK; /* none, or KVM's (made with the irqchip) */
	if (evloop_add_timer(&b->loop, &d->pit_timer, pit_expired, d))
		return MICROVM_EVMM;
	pit_init(&d->pit, irqchip_line(&d->irqchip, PIT_IRQ), evloop_host_clock(),
		 evloop_vtimer(&d->pit_timer));
	return bus_register(&d->pio, PIT_BASE, PIT_NPORTS, &pit_ops, &d->pit) ? MICROVM_EVMM
										: MICROVM_OK;
}

/* The memory-size bytes microvm writes into CMOS (spec section 7). */
static void set_cmos_memory(struct rtc *rtc, const struct guest_mem *mem)
{
	uint64_t low = mem->below_4g, high = mem->above_4g, v;

	v = low / 1024 < 640 ? low / 1024 : 640;
	rtc_set_cmos(rtc, 0x15, (uint8_t)v);
	rtc_set_cmos(rtc, 0x16, (uint8_t)(v >> 8));
	v = (low - MEM_1M) / 1024 < 65535 ? (low - MEM_1M) / 1024 : 65535;
	rtc_set_cmos(rtc, 0x17, (uint8_t)v);
	rtc_set_cmos(rtc, 0x18, (uint8_t)(v >> 8));
	rtc_set_cmos(rtc, 0x30, (uint8_t)v);
	rtc_set_cmos(rtc, 0x31, (uint8_t)(v >> 8));
	v = low > 16 * MEM_1M ? (low - 16 * MEM_1M) / 65536 : 0;
	v = v < 65535 ? v : 65535;
	rtc_set_cmos(rtc, 0x34, (uint8_t)v);
	rtc_set_cmos(rtc, 0x35, (uint8_t)(v >> 8));
	v = high / 65536;
	rtc_set_cmos(rtc, 0x5b, (uint8_t)v);
	rtc_set_cmos(rtc, 0x5c, (uint8_t)(v >> 8));
	rtc_set_cmos(rtc, 0x5d, (uint8_t)(v >> 16));
}

static int setup_rtc(struct microvm_board *b)
{
	struct microvm_devices *d = &b->dev;

	if (!b->layout.rtc)
		return MICROVM_OK;
	if (evloop_add_timer(&b->loop, &d->rtc_timer, rtc_expired, d))
		return MICROVM_EVMM;
	rtc_init(&d->rtc, irqchip_line(&d->irqchip, RTC_IRQ), evloop_host_clock(),
		 evloop_vtimer(&d->rtc_timer));
	set_cmos_memory(&d->rtc, &b->mem);
	return bus_register(&d->pio, RTC_PORT_BASE, RTC_PORT_LEN, &rtc_ops, &d->rtc) ? MICROVM_EVMM
										      : MICROVM_OK;
}

/* ---- boot markers: probes stamped with the exit that wrote them ---- */

static void marker_written(void *ctx, uint16_t port, uint8_t value)
{
	(void)ctx;
	probe_emit_guest(PROBE_MARKER, 0, port, 0, PROBE_DIR_NONE, value);
}

static int setup_marker(struct microvm_board *b)
{
	struct microvm_devices *d = &b->dev;

	marker_init(&d->marker, MARKER_BASE, (struct marker_events){ marker_written, NULL });
	return bus_register(&d->pio, MARKER_BASE, MARKER_NPORTS, &marker_ops, &d->marker)
		       ? MICROVM_EVMM : MICROVM_OK;
}

/* ---- the UART, its output never waiting for the host ---- */

/* The UART's sink (vCPU thread, inside the UART's section): what the
 * output buffer takes, without waiting (its own lock is the innermost);
 * nothing while the host does not read, until serial_room(). */
static size_t serial_out(void *ctx, const uint8_t *buf, size_t n)
{
	struct microvm_devices *d = ctx;

	if (!d->serial_first_seen) {
		d->serial_first_seen = true;
		probe_emit_guest(PROBE_SERIAL_FIRST_BYTE, 0, SERIAL_COM1_BASE, 0, PROBE_DIR_NONE, buf[0]);
	}
	return outbuf_write(&d->serial_out, buf, n);
}

/* The host read some ttyS0 output (main thread): the UART may go on. */
static void serial_room(void *ctx)
{
	struct microvm_devices *d = ctx;

	bus_lock_device(&d->pio, &d->serial);
	serial_tx_ready(&d->serial);
	bus_unlock_device(&d->pio, &d->serial);
}

/* The receiver drained (vCPU thread, inside the UART's section): the run
 * loop hands it the input that waits, if any. */
static void serial_rx_drained(void *ctx)
{
	struct microvm_devices *d = ctx;

	if (d->serial_in_waiting) {
		d->serial_in_waiting = false;
		eventfd_write(d->serial_in_fd, 1);
	}
}

/* -serial stdio, file:PATH (a FIFO: open() waits for its reader) or null. */
static int open_serial_output(struct microvm_devices *d, const struct vm_config *c)
{
	int err;

	if (c->serial == SERIAL_STDIO) {
		d->serial_fd = STDOUT_FILENO;
		d->serial_in_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (d->serial_in_fd < 0)
			return MICROVM_EVMM;
	}
	if (c->serial == SERIAL_FILE) {
		d->serial_fd = open(c->serial_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (d->serial_fd < 0)
			return microvm_input_error("cannot open serial output", c->serial_path, -errno);
	}
	err = d->serial_fd >= 0 ? outbuf_attach(&d->serial_out, d->serial_fd,
						d->serial_fd == STDOUT_FILENO) : 0;
	if (err) {
		log_err("cannot set up serial output: %s", strerror(-err));
		return MICROVM_EVMM;
	}
	return MICROVM_OK;
}

static int setup_serial(struct microvm_board *b)
{
	struct microvm_devices *d = &b->dev;
	int r;

	if (!b->layout.serial)
		return MICROVM_OK;
	outbuf_init(&d->serial_out, &b->loop, serial_room, d);
	r = open_serial_output(d, b->cfg);
	if (r)
		return r;
	serial_init(&d->serial, irqchip_line(&d->irqchip, SERIAL_COM1_IRQ),
		    (struct serial_sink){ serial_out, d },
		    (struct serial_events){ serial_rx_drained, d });
	return bus_register(&d->pio, SERIAL_COM1_BASE, SERIAL_NREGS, &serial_ops, &d->serial)
		       ? MICROVM_EVMM : MICROVM_OK;
}

/* ---- virtio-mmio: the slots component ---- */

static int setup_virtio(struct microvm_board *b)
{
	struct microvm_devices *d = &b->dev;
	const struct virtio_slots_env env = {
		.cfg = b->cfg, .mem = &b->mem, .mmio = &d->mmio, .loop = &b->loop,
		.irqchip = &d->irqchip, .vm_fd = b->vm.vm_fd, .split_irqchip = b->layout.split_irqchip,
	};

	return virtio_slots_create(&d->virtio, &env);
}

/* ---- fw_cfg: what QEMU's microvm tells its firmware ---- */

/* The guest's fw_cfg accesses as probes, named by item (the names stay
 * valid until the machine is destroyed, after the trace is written). */
static void fw_cfg_selected(void *ctx, uint16_t key, uint32_t size)
{
	struct fw_cfg *f = ctx;

	if (probes_on())
		probe_emit_guest_named(PROBE_FWCFG_SELECT, 0, key, 0, PROBE_DIR_WRITE, size,
				       fw_cfg_key_name(f, key));
}

static void fw_cfg_read(void *ctx, uint16_t key, bool dma, uint32_t bytes)
{
	struct fw_cfg *f = ctx;

	if (probes_on())
		probe_emit_guest_named(PROBE_FWCFG_READ, dma, key, dma ? 0 : 1, PROBE_DIR_READ, bytes,
				       fw_cfg_key_name(f, key));
}

/* etc/e820 (QEMU under KVM): the KVM pages first, then RAM. */
static int add_e820(struct fw_cfg *f, const struct guest_mem *mem)
{
	struct boot_e820_entry e[3] = {
		{ VM_KVM_IDENTITY_MAP, VM_KVM_RESERVED_SIZE, E820_RESERVED },
		{ 0, mem->below_4g, E820_RAM },
		{ MEM_4G, mem->above_4g, E820_RAM },
	};

	return fw_cfg_add_file(f, "etc/e820", e, (uint32_t)(mem->above_4g ? 3 : 2) * sizeof(e[0]));
}

static int add_fdt(struct microvm_board *b)
{
	struct microvm_fdt d = { .serial = b->layout.serial, .rtc = b->layout.rtc };
	char blob[4096];
	int len;

	virtio_slots_fdt(&b->dev.virtio, &d);
	len = microvm_fdt_build(&d, blob, sizeof(blob));
	return len < 0 ? -EINVAL : fw_cfg_add_file(&b->dev.fw_cfg, "etc/fdt", blob, (uint32_t)len);
}

static int add_fw_cfg_items(struct microvm_board *b)
{
	static const uint8_t uuid[16];
	const struct vm_config *c = b->cfg;
	struct fw_cfg *f = &b->dev.fw_cfg;
	int err = fw_cfg_add(f, FW_CFG_UUID, uuid, sizeof(uuid));

	err = err ? err : fw_cfg_add_u64(f, FW_CFG_RAM_SIZE, c->ram_size);
	err = err ? err : fw_cfg_add_u16(f, FW_CFG_NOGRAPHIC, c->nographic);
	err = err ? err : fw_cfg_add_u16(f, FW_CFG_NB_CPUS, (uint16_t)c->cpus);
	err = err ? err : fw_cfg_add_u16(f, FW_CFG_BOOT_MENU, 0);
	err = err ? err : fw_cfg_add_u16(f, FW_CFG_MAX_CPUS, (uint16_t)c->maxcpus);
	err = err ? err : fw_cfg_add_u32(f, FW_CFG_IRQ0_OVERRIDE, 1);
	err = err ? err : add_e820(f, &b->mem);
	err = err ? err : fw_cfg_add_file(f, "etc/boot-fail-wait", &(uint32_t){ 0xffffffff }, 4);
	err = err ? err : fw_cfg_add_file(f, "bios-geometry", "", 0);
	/* As QEMU: always listed, empty until a boot device (the option ROM). */
	err = err ? err : fw_cfg_add_file(f, "bootorder", "", 0);
	return err ? err : add_fdt(b);
}

static int setup_fw_cfg(struct microvm_board *b)
{
	struct microvm_devices *d = &b->dev;
	struct fw_cfg *f = &d->fw_cfg;

	if (fw_cfg_init(f, &b->mem, (struct fw_cfg_events){ fw_cfg_selected, fw_cfg_read, f }) ||
	    add_fw_cfg_items(b) ||
	    bus_register(&d->pio, FW_CFG_IO_BASE, FW_CFG_IO_LEN, &fw_cfg_io_ops, f) ||
	    bus_register(&d->pio, FW_CFG_DMA_BASE, FW_CFG_DMA_LEN, &fw_cfg_dma_ops, f))
		return MICROVM_EVMM;
	return MICROVM_OK;
}

/* ---- the device set ---- */

/* Nothing open: devices_destroy() closes only what was opened. */
static void devices_init(struct microvm_devices *d)
{
	memset(d, 0, sizeof(*d));
	bus_init(&d->pio, "pio");
	bus_init(&d->mmio, "mmio");
	d->pit_timer.fd = d->rtc_timer.fd = d->serial_fd = d->serial_in_fd = -1;
	virtio_slots_init(&d->virtio);
}

/* The datasheet's parts, fw_cfg last: its device tree and e820 map
 * describe the others. */
static int devices_create(struct microvm_board *b)
{
	int (*const setup[])(struct microvm_board *) = {
		setup_irqchip, setup_marker, setup_pit, setup_rtc, setup_serial, setup_virtio,
		setup_fw_cfg,
	};
	int r = MICROVM_OK;

	for (size_t i = 0; i < sizeof(setup) / sizeof(setup[0]) && !r; i++)
		r = setup[i](b);
	return r;
}

/* The vCPUs are stopped.  A reset is an entry into a device like any
 * other, under its lock (core/bus.h); the transports and interrupt
 * controllers take theirs themselves. */
static void devices_reset(struct microvm_board *b)
{
	struct microvm_devices *d = &b->dev;

	bus_lock_device(&d->pio, &d->fw_cfg);
	fw_cfg_reset(&d->fw_cfg);
	bus_unlock_device(&d->pio, &d->fw_cfg);
	virtio_slots_reset(&d->virtio);
	irqchip_reset(&d->irqchip);
	if (b->vm.kernel_irqchip && vm_reset_kernel_irqchip(&b->vm))
		log_warn("cannot reset KVM's irqchip: %s", strerror(errno));
	if (b->layout.pit_in_userspace) {
		bus_lock_device(&d->pio, &d->pit);
		pit_reset(&d->pit);
		bus_unlock_device(&d->pio, &d->pit);
	}
	if (b->layout.rtc) {
		bus_lock_device(&d->pio, &d->rtc);
		rtc_reset(&d->rtc);
		bus_unlock_device(&d->pio, &d->rtc);
	}
	if (b->layout.serial) {
		bus_lock_device(&d->pio, &d->serial);
		serial_reset(&d->serial);
		bus_unlock_device(&d->pio, &d->serial);
	}
}

static void devices_destroy(struct microvm_devices *d)
{
	fw_cfg_free(&d->fw_cfg);
	virtio_slots_destroy(&d->virtio);
	if (d->pit_timer.fd >= 0)
		close(d->pit_timer.fd);
	if (d->rtc_timer.fd >= 0)
		close(d->rtc_timer.fd);
	outbuf_detach(&d->serial_out);
	if (d->serial_fd > STDERR_FILENO)
		close(d->serial_fd);
	if (d->serial_in_fd >= 0)
		close(d->serial_in_fd);
}

/* ---- vCPUs ---- */

static void kick_bsp(void *ctx)
{
	struct microvm_board *b = ctx;

	vcpu_kick_irq(&b->vcpu[0]);
}

/* The vCPUs and what they reach; run.c says where their stops go. */
static int setup_vcpus(struct microvm_board *b)
{
	const struct vm_config *c = b->cfg;
	struct microvm_devices *d = &b->dev;
	const char *why = "";

	b->ncpus = c->cpus;
	b->vcpu = calloc(b->ncpus, sizeof(*b->vcpu));
	if (!b->vcpu)
		return MICROVM_EVMM;
	for (unsigned i = 0; i < b->ncpus; i++) {
		if (vcpu_create(&b->vcpu[i], &b->vm, i, &c->topo, c->features, c->nfeatures, &why)) {
			log_err("vCPU %u: %s: %s", i, why, strerror(errno));
			return MICROVM_EVMM;
		}
	}
	b->env = (struct vcpu_env){ .pio = &d->pio, .mmio = &d->mmio, .sandbox = c->sandbox,
				    .eoi = irqchip_eoi, .irq_ctx = &d->irqchip };
	if (b->layout.split_irqchip && b->layout.pic) {
		b->env.extint_pending = irqchip_extint_pending;
		b->env.extint_ack = irqchip_extint_ack;
		irqchip_set_kick(&d->irqchip, kick_bsp, b);
	}
	return MICROVM_OK;
}

/* ---- the machine ---- */

int microvm_reset(struct microvm_board *b)
{
	devices_reset(b);
	return microvm_boot_load(b);
}

/* Nothing open: every fd -1, so destroying a machine that failed half-way
 * closes only what it opened (never fd 0). */
static void board_init(struct microvm_board *b, const struct vm_config *cfg)
{
	memset(b, 0, sizeof(*b));
	b->cfg = cfg;
	b->vm.kvm_fd = b->vm.vm_fd = -1;
	b->loop.epfd = -1;
	devices_init(&b->dev);
	microvm_boot_init(&b->boot);
}

static int open_vm(struct microvm_board *b)
{
	const char *why = "";

	if (vm_open(&b->vm, &why)) {
		log_err("%s: %s", why, strerror(errno));
		return MICROVM_EVMM;
	}
	return evloop_init(&b->loop) ? MICROVM_EVMM : MICROVM_OK;
}

static int create(struct microvm_board *b)
{
	int r = resolve_layout(&b->layout, b->cfg);

	r = r ? r : open_vm(b);
	r = r ? r : setup_memory(b);
	r = r ? r : devices_create(b);
	r = r ? r : microvm_boot_cmdline(b);
	r = r ? r : setup_vcpus(b);
	if (!r && b->cfg->kernel)
		r = microvm_boot_read_kernel(b);
	r = r ? r : microvm_boot_load(b);
	/* After the first load, which must not load a PVH kernel twice. */
	if (!r && b->boot.firmware && b->cfg->kernel)
		r = microvm_boot_kernel_for_firmware(b);
	return r;
}

int microvm_create(struct microvm *m, const struct vm_config *cfg)
{
	int r;

	m->board = malloc(sizeof(*m->board));
	if (!m->board) {
		log_err("out of memory");
		return MICROVM_EVMM;
	}
	board_init(m->board, cfg);
	r = create(m->board);
	/* Said once, and only for a VM that will run. */
	if (!r)
		microvm_boot_report(m->board);
	return r;
}

bool microvm_serial_on_stdio(const struct microvm *m)
{
	return m->board->layout.serial && m->board->cfg->serial == SERIAL_STDIO;
}

void microvm_destroy(struct microvm *m)
{
	struct microvm_board *b = m->board;

	if (!b)
		return;
	for (unsigned i = 0; b->vcpu && i < b->ncpus; i++)
		vcpu_destroy(&b->vcpu[i]);
	free(b->vcpu);
	microvm_boot_free(&b->boot);
	devices_destroy(&b->dev);
	evloop_close(&b->loop);
	mem_free(&b->mem);
	vm_close(&b->vm);
	free(b);
	m->board = NULL;
}
