/*
 * vdriver.h: a minimal virtio-mmio driver for unit tests.  It owns fake
 * guest memory, one transport at VIRTIO_MMIO_BASE on a bus of its own
 * (whose lock is the transport's), an event loop for the queue
 * notifications and a recorder for the interrupt line, and plays
 * the guest's side: register accesses, queue set-up in either layout,
 * and requests made of descriptor chains.
 *
 * Devices that complete requests on a thread of their own (virtio-blk)
 * are waited for: set (wait_ms) and vd_request() waits that long for the
 * used ring to move.  The interrupt recorder may then run on that thread;
 * its counters are read once the used index has been seen (see
 * vd_wait_used()).
 */
#ifndef MVM_TEST_VDRIVER_H
#define MVM_TEST_VDRIVER_H

#include <linux/virtio_ring.h>
#include <stdbool.h>
#include <stdint.h>

#include "virtio/mmio.h"

#define VD_RAM (16ULL << 20)
#define VD_RING 0x10000ULL  /* queue q's rings at VD_RING + q * 0x4000 */
#define VD_BUFS 0x100000ULL /* request buffers */
#define VD_QSIZE 16

struct vdriver {
	struct guest_mem mem;
	struct evloop loop;
	struct bus bus;
	struct virtio_mmio t;
	int irq_level, irq_raises;
	uint16_t irq_used_idx;	/* queue 0's used index when the line last rose */
	unsigned wait_ms;	/* how long vd_request() waits for a completion */
	uint16_t avail_idx[VIRTIO_MAX_QUEUES];
	uint16_t next_desc[VIRTIO_MAX_QUEUES]; /* where the next chain's descriptors go */
};

/* A buffer of a request: guest address, length, device-writable. */
struct vd_buf {
	uint64_t gpa;
	uint32_t len;
	bool write;
};

void vd_init(struct vdriver *d, const struct virtio_backend *be, void *dev, bool legacy);
void vd_free(struct vdriver *d);

uint32_t vd_read(struct vdriver *d, uint64_t off);
void vd_write(struct vdriver *d, uint64_t off, uint32_t v);

/* ACKNOWLEDGE | DRIVER, accept (features), FEATURES_OK (modern); returns
 * the status read back. */
uint32_t vd_negotiate(struct vdriver *d, uint64_t features);

/* Set up queue (q) with VD_QSIZE entries at its VD_RING area. */
void vd_queue(struct vdriver *d, unsigned q);

void vd_driver_ok(struct vdriver *d);

/* The driver's side of a device reset: its ring counters back to zero and
 * the ring areas cleared. */
void vd_forget_rings(struct vdriver *d);

/* Put a chain of (n) buffers in (q)'s descriptor table (after the previous
 * chain's) and make it available, without a notification; returns its head. */
uint16_t vd_offer(struct vdriver *d, unsigned q, const struct vd_buf *b, unsigned n);

/* QueueNotify for (q); nothing runs until the event loop does. */
void vd_notify(struct vdriver *d, unsigned q);

/* (q)'s used index and used element (i), as the guest reads them. */
uint16_t vd_used_idx(struct vdriver *d, unsigned q);
struct vring_used_elem vd_used_elem(struct vdriver *d, unsigned q, uint16_t i);

/* Run the event loop until (q)'s used index reaches (idx) or (ms) pass
 * (or the device needs a reset); true if it was reached.  Afterwards the
 * completion's interrupt has been recorded too. */
bool vd_wait_used(struct vdriver *d, unsigned q, uint16_t idx, unsigned ms);

/* Offer a chain of (n) buffers on (q), notify, let the event loop run
 * (and wait up to wait_ms for the device); returns the used-ring length
 * the device reported, or -1 when nothing came back. */
long vd_request(struct vdriver *d, unsigned q, const struct vd_buf *b, unsigned n);

/* Let pending notifications run. */
void vd_poll(struct vdriver *d);

#endif
