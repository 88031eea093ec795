/* microvm.c: the board: what is where, wired in one readable place. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot/firmware.h"
#include "boot/image.h"
#include "boot/linux.h"
#include "boot/longmode.h"
#include "log.h"
#include "microvm.h"
#include "probe.h"

/* Guest command-line workarounds for the nested kvm_pvm backend, whose
 * emulator lacks these instructions (see docs: host-kvm). */
#define PVM_COMPAT_ARGS "noxsave clearcpuid=141,151,154,158,295,306,308,514,515"

#define E820_RAM 1
#define E820_RESERVED 2
#define MPTABLE_AREA 0x9fc00ULL /* MP table / "EBDA" below 640 KiB */

static int input_error(const char *what, const char *path, int err)
{
	log_err("%s '%s': %s", what, path, strerror(-err));
	return MICROVM_EINPUT;
}

/* ---- kernel command line ---- */

static bool pvm_compat_wanted(const struct microvm *m)
{
	if (m->cfg->pvm_compat == ONOFFAUTO_AUTO)
		return m->vm.kvm_pvm;
	return m->cfg->pvm_compat == ONOFFAUTO_ON;
}

static int build_cmdline(struct microvm *m)
{
	const char *user = m->cfg->append;
	bool compat = m->cfg->kernel && pvm_compat_wanted(m);
	size_t len = strlen(user) + sizeof(PVM_COMPAT_ARGS) + 2;

	m->cmdline = malloc(len);
	if (!m->cmdline)
		return MICROVM_EVMM;
	snprintf(m->cmdline, len, "%s%s%s", user, compat && *user ? " " : "",
		 compat ? PVM_COMPAT_ARGS : "");
	m->pvm_compat_applied = compat;
	return MICROVM_OK;
}

/* ---- memory ---- */

static int firmware_size(const struct microvm *m, uint64_t *size)
{
	const char *why;
	struct stat st;

	*size = 0;
	if (!m->cfg->bios)
		return MICROVM_OK;
	if (stat(m->cfg->bios, &st))
		return input_error("cannot open firmware", m->cfg->bios, -errno);
	if (firmware_check_size((size_t)st.st_size, &why)) {
		log_err("firmware '%s': %s", m->cfg->bios, why);
		return MICROVM_EINPUT;
	}
	*size = (uint64_t)st.st_size;
	return MICROVM_OK;
}

static int setup_memory(struct microvm *m)
{
	uint64_t fw_size;
	int r = firmware_size(m, &fw_size);

	if (r)
		return r;
	if (mem_init(&m->mem, m->cfg->ram_size, fw_size)) {
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

static void serial_out(void *ctx, const uint8_t *buf, size_t n)
{
	struct microvm *m = ctx;

	if (!m->serial_first_seen) {
		m->serial_first_seen = true;
		probe_emit(PROBE_SERIAL_FIRST_BYTE, SERIAL_COM1_BASE, buf[0]);
	}
	while (n && m->serial_fd >= 0) {
		ssize_t w = write(m->serial_fd, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break; /* a closed console must not stop the guest */
		buf += w;
		n -= (size_t)w;
	}
}

static int open_serial_backend(struct microvm *m)
{
	const struct vm_config *c = m->cfg;

	m->serial_fd = -1;
	if (c->serial == SERIAL_STDIO)
		m->serial_fd = STDOUT_FILENO;
	if (c->serial == SERIAL_FILE) {
		m->serial_fd = open(c->serial_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (m->serial_fd < 0)
			return input_error("cannot open serial output", c->serial_path, -errno);
	}
	return MICROVM_OK;
}

static int setup_devices(struct microvm *m)
{
	struct irq_line com1_irq = { vm_irq_line, &m->vm, SERIAL_COM1_IRQ };
	int r;

	bus_init(&m->pio, "pio");
	bus_init(&m->mmio, "mmio");
	marker_init(&m->marker, MARKER_BASE);
	if (bus_register(&m->pio, MARKER_BASE, MARKER_NPORTS, &marker_ops, &m->marker))
		return MICROVM_EVMM;
	/* QEMU: the ISA serial exists only if serial0 has a backend. */
	m->has_serial = m->cfg->isa_serial && m->cfg->serial != SERIAL_NONE;
	if (!m->has_serial)
		return MICROVM_OK;
	r = open_serial_backend(m);
	if (r)
		return r;
	serial_init(&m->serial, com1_irq, (struct serial_sink){ serial_out, m });
	if (bus_register(&m->pio, SERIAL_COM1_BASE, SERIAL_NREGS, &serial_ops, &m->serial))
		return MICROVM_EVMM;
	return MICROVM_OK;
}

static int setup_irqchip(struct microvm *m)
{
	if (m->cfg->irqchip == IRQCHIP_SPLIT) {
		log_err("kernel-irqchip=split is not available yet; use kernel-irqchip=on");
		return MICROVM_EINPUT;
	}
	if (vm_create_kernel_irqchip(&m->vm, m->cfg->pit != ONOFFAUTO_OFF)) {
		log_err("cannot create KVM's in-kernel irqchip: %s", strerror(errno));
		return MICROVM_EVMM;
	}
	return MICROVM_OK;
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

static int setup_vcpus(struct microvm *m)
{
	const char *why = "";

	if (m->cfg->cpus > 1) {
		log_err("-smp %u: only one vCPU is supported so far", m->cfg->cpus);
		return MICROVM_EINPUT;
	}
	m->ncpus = m->cfg->cpus;
	m->vcpu = calloc(m->ncpus, sizeof(*m->vcpu));
	if (!m->vcpu)
		return MICROVM_EVMM;
	for (unsigned i = 0; i < m->ncpus; i++) {
		if (vcpu_create(&m->vcpu[i], &m->vm, i, m->cfg->features, m->cfg->nfeatures, &why)) {
			log_err("vCPU %u: %s: %s", i, why, strerror(errno));
			return MICROVM_EVMM;
		}
	}
	m->env = (struct vcpu_env){ .pio = &m->pio, .mmio = &m->mmio,
				    .stopped = vcpu_stopped, .ctx = m };
	return MICROVM_OK;
}

/* ---- boot ---- */

/* The e820 map a directly booted kernel gets (firmware builds its own). */
static unsigned direct_boot_e820(const struct microvm *m, struct boot_e820_entry *e)
{
	unsigned n = 0;

	e[n++] = (struct boot_e820_entry){ 0, MPTABLE_AREA, E820_RAM };
	e[n++] = (struct boot_e820_entry){ MPTABLE_AREA, 0xa0000 - MPTABLE_AREA, E820_RESERVED };
	e[n++] = (struct boot_e820_entry){ MEM_1M, m->mem.below_4g - MEM_1M, E820_RAM };
	e[n++] = (struct boot_e820_entry){ VM_KVM_IDENTITY_MAP, VM_KVM_RESERVED_SIZE, E820_RESERVED };
	if (m->mem.above_4g)
		e[n++] = (struct boot_e820_entry){ MEM_4G, m->mem.above_4g, E820_RAM };
	return n;
}

static int load_kernel(struct microvm *m)
{
	struct image kernel, initrd = { 0 };
	struct boot_e820_entry e820[8];
	struct linux_boot boot;
	const char *why;
	int err, r = MICROVM_EINPUT;

	err = image_open(m->cfg->kernel, &kernel);
	if (err)
		return input_error("cannot open kernel", m->cfg->kernel, err);
	if (m->cfg->initrd && (err = image_open(m->cfg->initrd, &initrd))) {
		image_close(&kernel);
		return input_error("cannot open initrd", m->cfg->initrd, err);
	}
	if (longmode_write_tables(&m->mem)) {
		log_err("guest RAM too small for boot page tables");
	} else if (linux_load(&m->mem, kernel, initrd, m->cmdline, e820, direct_boot_e820(m, e820),
			      &boot, &why)) {
		log_err("kernel '%s': %s", m->cfg->kernel, why);
	} else if (vcpu_set_long_mode(&m->vcpu[0], boot.entry, boot.zero_page)) {
		log_err("cannot set the boot vCPU state: %s", strerror(errno));
		r = MICROVM_EVMM;
	} else {
		r = MICROVM_OK;
	}
	image_close(&initrd);
	image_close(&kernel);
	return r;
}

static int load_firmware(struct microvm *m)
{
	struct image fw;
	int err = image_open(m->cfg->bios, &fw);

	if (err)
		return input_error("cannot open firmware", m->cfg->bios, err);
	err = firmware_load(&m->mem, fw);
	image_close(&fw);
	if (err) {
		log_err("firmware '%s' changed size while loading", m->cfg->bios);
		return MICROVM_EINPUT;
	}
	return MICROVM_OK;
}

/* Put images in memory and vCPUs in their start state: at creation and at
 * every guest reset (the guest may have overwritten anything). */
static int load_boot(struct microvm *m)
{
	for (unsigned i = 0; i < m->ncpus; i++) {
		if (vcpu_reset(&m->vcpu[i])) {
			log_err("vCPU %u: cannot reset: %s", i, strerror(errno));
			return MICROVM_EVMM;
		}
	}
	if (m->cfg->bios && m->cfg->kernel) {
		log_err("-kernel with -bios needs fw_cfg, which is not available yet");
		return MICROVM_EINPUT;
	}
	return m->cfg->bios ? load_firmware(m) : load_kernel(m);
}

int microvm_create(struct microvm *m, const struct vm_config *cfg)
{
	const char *why = "";
	int r;

	memset(m, 0, sizeof(*m));
	m->cfg = cfg;
	m->stop_why = -1;
	m->serial_fd = m->stop_fd = m->signal_fd = -1;
	m->loop.epfd = -1;
	if (vm_open(&m->vm, &why)) {
		log_err("%s: %s", why, strerror(errno));
		return MICROVM_EVMM;
	}
	r = build_cmdline(m);
	if (!r)
		r = setup_memory(m);
	if (!r)
		r = setup_irqchip(m);
	if (!r)
		r = setup_devices(m);
	if (!r)
		r = setup_vcpus(m);
	if (!r)
		r = load_boot(m);
	/* Said once, and only for a VM that will run. */
	if (!r && m->pvm_compat_applied)
		log_info("kvm_pvm host: appending \"%s\" to the kernel command line "
			 "(-M microvm,pvm-compat=off to disable)", PVM_COMPAT_ARGS);
	return r;
}

/* ---- running ---- */

static void start_vcpus(struct microvm *m)
{
	for (unsigned i = 0; i < m->ncpus; i++) {
		if (vcpu_start(&m->vcpu[i], &m->env, i + 1)) {
			log_err("cannot start vCPU %u thread", i);
			m->quit = true;
			m->status = MICROVM_EVMM;
		}
	}
}

static void stop_vcpus(struct microvm *m)
{
	for (unsigned i = 0; i < m->ncpus; i++)
		vcpu_kick(&m->vcpu[i]);
	for (unsigned i = 0; i < m->ncpus; i++)
		vcpu_join(&m->vcpu[i]);
}

static void reset_machine(struct microvm *m)
{
	stop_vcpus(m);
	probe_emit(PROBE_RESET, 0, 0);
	if (m->has_serial)
		serial_reset(&m->serial);
	if (load_boot(m)) {
		m->quit = true;
		m->status = MICROVM_EVMM;
		return;
	}
	m->stop_why = -1;
	start_vcpus(m);
}

static void on_vcpu_stop(void *ctx, uint32_t events)
{
	struct microvm *m = ctx;
	eventfd_t n;

	(void)events;
	eventfd_read(m->stop_fd, &n);
	switch (m->stop_why) {
	case VCPU_STOP_SHUTDOWN:
	case VCPU_STOP_RESET:
		if (m->cfg->no_reboot) {
			probe_emit(PROBE_SHUTDOWN, 0, 0);
			m->quit = true;
			m->status = MICROVM_OK;
		} else {
			reset_machine(m);
		}
		break;
	case VCPU_STOP_ERROR:
		m->quit = true;
		m->status = MICROVM_EVMM;
		break;
	default:
		break;
	}
}

static void on_signal(void *ctx, uint32_t events)
{
	struct microvm *m = ctx;
	struct signalfd_siginfo si;

	(void)events;
	if (read(m->signal_fd, &si, sizeof(si)) == sizeof(si))
		log_info("terminating on signal %u", si.ssi_signo);
	m->quit = true;
	m->status = MICROVM_OK;
}

static void feed_input(struct microvm *m)
{
	size_t n = serial_receive(&m->serial, m->input, m->input_len);

	memmove(m->input, m->input + n, m->input_len - n);
	m->input_len -= n;
}

static void on_stdin(void *ctx, uint32_t events)
{
	struct microvm *m = ctx;
	ssize_t n = read(STDIN_FILENO, m->input, sizeof(m->input));

	(void)events;
	if (n <= 0) {
		if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
			evloop_del(&m->loop, STDIN_FILENO); /* EOF: the guest runs on */
			m->stdin_polled = false;
		}
		return;
	}
	m->input_len = (size_t)n;
	feed_input(m);
	/* A full FIFO: stop reading until the guest drains it (polled below). */
	if (m->input_len) {
		evloop_del(&m->loop, STDIN_FILENO);
		m->stdin_polled = false;
	}
}

static void retry_input(struct microvm *m)
{
	feed_input(m);
	if (!m->input_len && !m->stdin_polled)
		m->stdin_polled = !evloop_add(&m->loop, STDIN_FILENO, EPOLLIN, on_stdin, m);
}

static int setup_loop(struct microvm *m)
{
	sigset_t sigs;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	/* Blocked before vCPU threads exist, so only the signalfd sees them. */
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	m->signal_fd = signalfd(-1, &sigs, SFD_CLOEXEC);
	m->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (m->signal_fd < 0 || m->stop_fd < 0 || evloop_init(&m->loop) ||
	    evloop_add(&m->loop, m->signal_fd, EPOLLIN, on_signal, m) ||
	    evloop_add(&m->loop, m->stop_fd, EPOLLIN, on_vcpu_stop, m))
		return MICROVM_EVMM;
	if (m->has_serial && m->cfg->serial == SERIAL_STDIO)
		m->stdin_polled = !evloop_add(&m->loop, STDIN_FILENO, EPOLLIN, on_stdin, m);
	return MICROVM_OK;
}

int microvm_run(struct microvm *m)
{
	if (setup_loop(m)) {
		log_err("cannot set up the event loop: %s", strerror(errno));
		return MICROVM_EVMM;
	}
	start_vcpus(m);
	while (!m->quit) {
		if (evloop_run_once(&m->loop, m->input_len ? 10 : -1) < 0) {
			log_err("event loop: %s", strerror(errno));
			m->status = MICROVM_EVMM;
			break;
		}
		if (m->input_len)
			retry_input(m);
	}
	stop_vcpus(m);
	return m->status;
}

void microvm_destroy(struct microvm *m)
{
	for (unsigned i = 0; m->vcpu && i < m->ncpus; i++)
		vcpu_destroy(&m->vcpu[i]);
	free(m->vcpu);
	free(m->cmdline);
	evloop_close(&m->loop);
	if (m->serial_fd > STDERR_FILENO)
		close(m->serial_fd);
	if (m->stop_fd >= 0)
		close(m->stop_fd);
	if (m->signal_fd >= 0)
		close(m->signal_fd);
	mem_free(&m->mem);
	vm_close(&m->vm);
}
