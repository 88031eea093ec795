/*
 * microvm.h: the board.  QEMU's microvm machine wired in one place: guest
 * memory, the two buses, the devices with their ports, IRQs and options,
 * the vCPUs, the boot path (firmware or direct kernel), reset and exit.
 */
#ifndef MVM_MICROVM_H
#define MVM_MICROVM_H

#include <stdbool.h>

#include "core/bus.h"
#include "cli/config.h"
#include "dev/fw_cfg.h"
#include "dev/marker.h"
#include "dev/pit.h"
#include "dev/rtc.h"
#include "dev/serial.h"
#include "boot/fdt.h"
#include "boot/image.h"
#include "core/evloop.h"
#include "kvm/irqchip.h"
#include "core/mem.h"
#include "host/outbuf.h"
#include "kvm/vcpu.h"
#include "virtio/blk.h"
#include "virtio/console.h"
#include "virtio/mmio.h"
#include "virtio/net.h"
#include "virtio/rng.h"
#include "kvm/vm.h"

/* Exit statuses, as QEMU's: 0 guest shutdown, 1 VMM failure, 2 bad input. */
enum { MICROVM_OK = 0, MICROVM_EVMM = 1, MICROVM_EINPUT = 2 };

struct microvm {
	const struct vm_config *cfg;
	struct vm vm;
	struct guest_mem mem;
	struct bus pio;
	struct bus mmio;
	struct evloop loop;
	struct irqchip irqchip;
	/* The legacy devices, as the machine options resolved them. */
	bool has_pit, has_pic, has_rtc;
	struct pit pit; /* userspace PIT (split irqchip) */
	struct evloop_timer pit_timer;
	struct rtc rtc;
	struct evloop_timer rtc_timer;
	struct fw_cfg fw_cfg;
	char *firmware;	   /* firmware image path, NULL for a direct boot */
	/* Boot files, read once (boot/image.h); the firmware path hands the
	 * kernel and initrd to fw_cfg and drops them (but for a PVH kernel). */
	struct boot_image fw_image, kernel_image, initrd_image;
	bool reload_pvh; /* firmware boot of a PVH kernel: reload it at reset */
	/* virtio-mmio: the transports and the devices behind them */
	struct virtio_mmio virtio[VIRTIO_MMIO_SLOTS];
	int virtio_irqfd[VIRTIO_MMIO_SLOTS];
	unsigned virtio_first_used; /* slots from here up have a device */
	struct virtio_blk blk[VIRTIO_MMIO_SLOTS];
	struct virtio_net net[VIRTIO_MMIO_SLOTS];
	struct virtio_console con[VIRTIO_MMIO_SLOTS];
	struct chardev chr[VIRTIO_MMIO_SLOTS];
	struct virtio_rng rng[VIRTIO_MMIO_SLOTS];
	/* per slot, for the probes: its transport, whether hvc0 wrote yet */
	struct microvm_slot_watch {
		struct virtio_mmio *t;
		bool hvc_seen;
	} watch[VIRTIO_MMIO_SLOTS];
	unsigned nblk, nnet, ncon, nrng;
	struct serial serial;
	bool has_serial;
	int serial_fd; /* where ttyS0 output goes, -1 to discard */
	struct outbuf serial_outbuf; /* on its way there, never waiting */
	bool serial_first_seen;
	struct marker marker;
	struct vcpu *vcpu;
	unsigned ncpus;
	struct vcpu_env env;
	char *cmdline; /* the kernel command line the guest gets */
	bool pvm_compat_applied;
	int stop_fd;		/* eventfd: a vCPU stopped */
	int stop_why;		/* first enum vcpu_stop reported, or -1 */
	int signal_fd;
	bool quit;
	int status;
	uint8_t input[64]; /* host input not yet accepted by the UART */
	size_t input_len;
	bool stdin_polled;
};

/* Build the machine for (cfg): returns MICROVM_OK, or EINPUT / EVMM after
 * logging one line saying what was wrong. */
int microvm_create(struct microvm *m, const struct vm_config *cfg);

/* Run until the guest shuts down (-no-reboot), a signal, or an error;
 * returns the process exit status. */
int microvm_run(struct microvm *m);

void microvm_destroy(struct microvm *m);

/* Internal to the board (microvm.c, microvm_run.c, microvm_virtio.c). */
int microvm_load_boot(struct microvm *m);
void microvm_reset_devices(struct microvm *m);
int microvm_setup_virtio(struct microvm *m);
int microvm_virtio_cmdline(const struct microvm *m, char *buf, size_t len);
void microvm_virtio_fdt(const struct microvm *m, struct microvm_fdt *d);
void microvm_virtio_reset(struct microvm *m);
void microvm_virtio_close(struct microvm *m);

#endif
