/*
 * board.h: the board's parts, shared by its files: microvm.c builds and
 * resets the machine (its datasheet), boot.c puts the guest's images in
 * place, run.c is the main thread's loop, virtio_slots.c the virtio-mmio
 * slots.  The rest of mvm sees only microvm.h.
 *
 * Three objects with lifetimes of their own:
 *   layout   what is where: the machine options resolved, from the
 *            configuration alone, before anything is opened; constant;
 *   devices  the device set with its buses and host ends: made once guest
 *            memory and the event loop exist, reset with the guest,
 *            destroyed before them;
 *   run      the main thread's loop state: lives for one microvm_run().
 */
#ifndef MVM_BOARD_H
#define MVM_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "board/microvm.h"
#include "board/virtio_slots.h"
#include "boot/image.h"
#include "core/bus.h"
#include "core/evloop.h"
#include "core/log.h"
#include "core/mem.h"
#include "dev/fw_cfg.h"
#include "dev/marker.h"
#include "dev/pit.h"
#include "dev/rtc.h"
#include "dev/serial.h"
#include "host/outbuf.h"
#include "kvm/irqchip.h"
#include "kvm/vcpu.h"
#include "kvm/vm.h"

#define E820_RAM 1
#define E820_RESERVED 2

/* A file of the user's that cannot be used: said, and bad input. */
static inline int microvm_input_error(const char *what, const char *path, int err)
{
	log_err("%s '%s': %s", what, path, strerror(-err));
	return MICROVM_EINPUT;
}

/* What is where (microvm.c's table): which optional parts exist. */
struct microvm_layout {
	bool split_irqchip;    /* PIC, IOAPIC and PIT are mvm's; only the LAPICs KVM's */
	bool pic;	       /* the i8259 pair */
	bool pit;	       /* an i8254 ... */
	bool pit_in_userspace; /* ... that mvm emulates (else KVM's) */
	bool rtc;
	bool serial;	       /* the 16550A at COM1 */
};

/* The device set, on its two buses. */
struct microvm_devices {
	struct bus pio;
	struct bus mmio;
	struct irqchip irqchip;
	struct marker marker;
	struct pit pit;
	struct evloop_timer pit_timer;
	struct rtc rtc;
	struct evloop_timer rtc_timer;
	struct serial serial;
	int serial_fd;		  /* where ttyS0 output goes, -1 to discard */
	struct outbuf serial_out; /* on its way there, never waiting */
	bool serial_first_seen;	  /* for the probes */
	/* -serial stdio input: the run loop holds bytes the UART did not take
	 * (serial_in_waiting, under the UART's lock) until the UART drains and
	 * signals serial_in_fd (an eventfd, else -1). */
	int serial_in_fd;
	bool serial_in_waiting;
	struct fw_cfg fw_cfg;
	struct virtio_slots virtio;
};

/* What the guest boots: firmware or a kernel, read once. */
struct microvm_boot {
	char *firmware; /* firmware image path, NULL for a direct boot */
	/* The firmware path hands the kernel and initrd to fw_cfg and drops
	 * them (but for a PVH kernel, loaded again at every reset). */
	struct boot_image fw_image, kernel_image, initrd_image;
	bool reload_pvh;
	char *cmdline;	 /* the kernel command line the guest gets */
	bool pvm_compat; /* the kvm_pvm workarounds are in it */
};

/* The main thread's loop. */
struct microvm_run {
	int stop_fd;  /* eventfd: a vCPU stopped */
	int stop_why; /* first enum vcpu_stop reported, or -1 */
	int signal_fd;
	bool quit;
	int status;
	uint8_t input[64]; /* host input not yet accepted by the UART */
	size_t input_len;
	bool stdin_polled;
};

struct microvm_board {
	const struct vm_config *cfg;
	struct microvm_layout layout;
	struct vm vm;
	struct guest_mem mem;
	struct evloop loop;
	struct microvm_devices dev;
	struct microvm_boot boot;
	struct vcpu *vcpu;
	unsigned ncpus;
	struct vcpu_env env;
	struct microvm_run run;
};

/* microvm.c: a guest reset: devices back to their reset state, then the
 * boot images and vCPU state as at start (vCPUs stopped).  MICROVM_OK or
 * EVMM. */
int microvm_reset(struct microvm_board *b);

/* boot.c, in the order microvm_create() calls them: */

/* Nothing chosen or read yet: microvm_boot_free() may follow. */
void microvm_boot_init(struct microvm_boot *boot);

/* The firmware image (-bios, qboot for -kernel, none for a direct boot)
 * found and read: before guest memory, whose firmware region it sizes. */
int microvm_boot_read_firmware(struct microvm_board *b);

/* The kernel command line, with the virtio slots' entries (after the
 * devices). */
int microvm_boot_cmdline(struct microvm_board *b);

/* -kernel and -initrd read into mvm's own copies. */
int microvm_boot_read_kernel(struct microvm_board *b);

/* Images into memory, vCPUs in their start state: at creation and at
 * every reset (the guest may have overwritten anything). */
int microvm_boot_load(struct microvm_board *b);

/* Firmware boot of -kernel: the kernel, initrd and command line handed to
 * the firmware through fw_cfg (after the first load). */
int microvm_boot_kernel_for_firmware(struct microvm_board *b);

/* Says, once the machine is made, what mvm changed on its own. */
void microvm_boot_report(const struct microvm_board *b);

void microvm_boot_free(struct microvm_boot *boot);

#endif
