/*
 * virtio_slots.h: the board's eight virtio-mmio slots, as QEMU's microvm
 * fills them: slot i at 0xFEB00000 + 512 * i on GSI 5 + i, the first
 * -device in the highest slot, empty slots present with DeviceID 0.  The
 * slots are one component: made from the configuration with what they
 * need handed in, reset and destroyed by the board.  Their guest activity
 * (notifications, hvc0's first byte) is recorded as probes.
 */
#ifndef MVM_BOARD_VIRTIO_SLOTS_H
#define MVM_BOARD_VIRTIO_SLOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/chardev.h"
#include "virtio/blk.h"
#include "virtio/console.h"
#include "virtio/mmio.h"
#include "virtio/net.h"
#include "virtio/rng.h"

struct bus;
struct irqchip;
struct microvm_fdt;
struct vm_config;

struct virtio_slot {
	struct virtio_mmio t;
	int irqfd;     /* kernel-irqchip=on: the eventfd pulsing the GSI, or -1 */
	bool hvc_seen; /* hvc0 on this slot wrote its first byte */
};

struct virtio_slots {
	struct virtio_slot slot[VIRTIO_MMIO_SLOTS];
	unsigned first_used; /* slots from here up have a device */
	/* The devices behind the transports, in -device order per kind. */
	struct virtio_blk blk[VIRTIO_MMIO_SLOTS];
	struct virtio_net net[VIRTIO_MMIO_SLOTS];
	struct virtio_console con[VIRTIO_MMIO_SLOTS];
	struct chardev chr[VIRTIO_MMIO_SLOTS];
	struct virtio_rng rng[VIRTIO_MMIO_SLOTS];
	unsigned nblk, nnet, ncon, nrng;
};

/* What the slots are made with. */
struct virtio_slots_env {
	const struct vm_config *cfg; /* the -device, -drive, -netdev, -chardev lists */
	const struct guest_mem *mem;
	struct bus *mmio;	     /* the transports are registered here */
	struct evloop *loop;	     /* notifications, backends' host I/O */
	struct irqchip *irqchip;     /* GSIs, with the split irqchip */
	int vm_fd;		     /* KVM_IRQFD, KVM_IOEVENTFD */
	bool split_irqchip;
};

/* No slot filled, nothing open: virtio_slots_destroy() may follow. */
void virtio_slots_init(struct virtio_slots *s);

/* After virtio_slots_init(): every slot, filled as the configuration
 * says.  MICROVM_OK, or EINPUT / EVMM after logging why. */
int virtio_slots_create(struct virtio_slots *s, const struct virtio_slots_env *env)
	__attribute__((warn_unused_result));

/* Guest reset: every transport (and its device) back to its reset state. */
void virtio_slots_reset(struct virtio_slots *s);

/* Backends, chardevs and irqfds closed. */
void virtio_slots_destroy(struct virtio_slots *s);

/* " virtio_mmio.device=512@0x<base>:<irq>" per used slot, highest first
 * (QEMU's auto-kernel-cmdline); 0, or -1 if (len) is too short. */
int virtio_slots_cmdline(const struct virtio_slots *s, char *buf, size_t len);

/* The used slots' transports, for the firmware's device tree. */
void virtio_slots_fdt(const struct virtio_slots *s, struct microvm_fdt *d);

/* hvc0 output not yet taken by the host; (*written): bytes it took. */
size_t virtio_slots_output_pending(struct virtio_slots *s, uint64_t *written);

#endif
