/*
 * mmio.h: the virtio-mmio transport (virtio 1.x, section 4.2), once for all
 * devices: the register file at 0x200-byte slots from 0xFEB00000, in the
 * legacy (version 1, QEMU's default, force-legacy) or modern (version 2)
 * layout.  Feature negotiation, queue set-up, notifications and the
 * interrupt status live here; a device supplies a const backend table.
 *
 * Notifications: each queue has an eventfd; KVM_IOEVENTFD signals it for a
 * QueueNotify write without a vCPU exit when KVM offers it (else the vCPU
 * thread signals it), and the main thread's event loop runs the device's
 * notify() there: device I/O never runs on vCPU threads.  Interrupts: the
 * line is asserted while InterruptStatus is non-zero, and asserted again
 * for every new interrupt (QEMU's behaviour, so edge-programmed IOAPIC pins
 * see each one).  A malformed queue sets DEVICE_NEEDS_RESET with a config
 * interrupt; the device stops until the driver resets it.  A queue that is
 * not ready is not malformed: notifications for it are ignored (as QEMU
 * does), and when the driver stops one the device lets go of the chains
 * it took from it (backend stop()).  Registers are
 * 32-bit; the config space (0x100+) takes 1, 2 and 4-byte accesses.
 */
#ifndef MVM_VIRTIO_MMIO_H
#define MVM_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#include "core/bus.h"
#include "core/evloop.h"
#include "core/irq.h"
#include "core/mem.h"
#include "virtio/queue.h"

#define VIRTIO_MMIO_BASE 0xfeb00000ULL
#define VIRTIO_MMIO_SLOT_SIZE 0x200
#define VIRTIO_MMIO_SLOTS 8
#define VIRTIO_MMIO_GSI_BASE 5
#define VIRTIO_MAX_QUEUES 4

struct virtio_mmio;

/* Which queue of which transport an eventfd belongs to. */
struct virtio_notify {
	struct virtio_mmio *t;
	unsigned q;
};

/* What a device provides.  All callbacks run with the transport's lock
 * held (its bus's lock for it, core/bus.h). */
struct virtio_backend {
	const char *name;
	uint32_t device_id;
	unsigned nqueues;
	uint64_t features;	/* device-specific feature bits */
	uint32_t config_size;
	void (*config_read)(void *dev, uint32_t off, uint8_t *buf, unsigned len);
	void (*config_write)(void *dev, uint32_t off, const uint8_t *buf, unsigned len);
	/* The driver made buffers available on queue (q); main thread. */
	void (*notify)(void *dev, struct virtio_mmio *t, unsigned q);
	/* DRIVER_OK: the device may start (e.g. poll its backend). */
	void (*activate)(void *dev, struct virtio_mmio *t);
	/* Queue (q) stopped being ready (QueueReady=0, QueuePFN=0, a bad
	 * ring): forget the chains taken from it; when this returns, nothing
	 * of the device touches their buffers any more. */
	void (*stop)(void *dev, unsigned q);
	/* Device reset (the queues are already cleared): the same, for all. */
	void (*reset)(void *dev);
};

/* What the driver does, for whoever watches (the board's probes); a NULL
 * callback is not called. */
struct virtio_mmio_events {
	/* The driver notified queue (q), and the main thread takes it up now
	 * (with the transport's lock held, before the device's notify()). */
	void (*notified)(void *ctx, unsigned q);
	void *ctx;
};

/* What a transport is made with: where it is and its handles. */
struct virtio_mmio_env {
	const struct guest_mem *mem;
	struct irq_line irq;
	uint64_t base;
	bool legacy; /* version 1 register layout */
	struct virtio_mmio_events events;
	/* The bus's lock for the transport's range (bus_device()): every entry
	 * that is not a bus access takes it, as its backends do through
	 * virtio_mmio_lock(). */
	struct bus_device *lock;
};

struct virtio_mmio {
	struct bus_device *lock;
	const struct virtio_backend *be; /* NULL: an empty slot (DeviceID 0) */
	void *dev;
	const struct guest_mem *mem;
	struct irq_line irq;
	uint64_t base;
	bool legacy;
	struct virtio_mmio_events events;
	uint32_t status, isr, config_generation;
	uint32_t dev_features_sel, drv_features_sel, queue_sel, page_size;
	uint64_t drv_features;
	struct virtq vq[VIRTIO_MAX_QUEUES];
	uint32_t q_align[VIRTIO_MAX_QUEUES], q_pfn[VIRTIO_MAX_QUEUES];
	int notify_fd[VIRTIO_MAX_QUEUES];
	struct virtio_notify notify_ctx[VIRTIO_MAX_QUEUES];
	bool kvm_ioeventfd;
	uint64_t notifies, interrupts; /* for tests and reports */
};

extern const struct bus_ops virtio_mmio_ops;

/* A transport for (be)/(dev) (both NULL: an empty slot), made as (env)
 * says: registered on its bus already, for (env)'s lock. */
void virtio_mmio_init(struct virtio_mmio *t, const struct virtio_backend *be, void *dev,
		      const struct virtio_mmio_env *env);

/* Queue notifications: eventfds in (loop), and KVM_IOEVENTFD on (vm_fd)
 * when it accepts them (vm_fd < 0: never).  0 or -errno. */
int virtio_mmio_attach(struct virtio_mmio *t, struct evloop *loop, int vm_fd)
	__attribute__((warn_unused_result));

/* For backends (lock held): the next chain of queue (q); 1, or 0 when
 * there is none or the queue was malformed (then the device is failed). */
int virtio_mmio_pop(struct virtio_mmio *t, unsigned q, struct virtq_chain *c);

/* Return a chain to the guest and interrupt it if it asked for that
 * (dropped if the queue is no longer ready). */
void virtio_mmio_push(struct virtio_mmio *t, unsigned q, uint16_t head, uint32_t written);

/* Set DEVICE_NEEDS_RESET and tell the driver (config interrupt). */
void virtio_mmio_fail(struct virtio_mmio *t);

/* The driver accepted feature (bit). */
bool virtio_mmio_has(const struct virtio_mmio *t, unsigned bit);

/* Device usable: DRIVER_OK set, not failed. */
bool virtio_mmio_live(const struct virtio_mmio *t);

/* The transport's lock, for entries from outside the bus (backends' host
 * input and completions, worker threads). */
void virtio_mmio_lock(struct virtio_mmio *t);
void virtio_mmio_unlock(struct virtio_mmio *t);

/* Guest reset of the whole machine (takes the lock). */
void virtio_mmio_reset(struct virtio_mmio *t);

#endif
