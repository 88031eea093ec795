/*
 * vdriver.h: a minimal virtio-mmio driver for unit tests.  It owns fake
 * guest memory, one transport at VIRTIO_MMIO_BASE, an event loop for the
 * queue notifications and a recorder for the interrupt line, and plays
 * the guest's side: register accesses, queue set-up in either layout,
 * and requests made of descriptor chains.
 */
#ifndef MVM_TEST_VDRIVER_H
#define MVM_TEST_VDRIVER_H

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
	struct virtio_mmio t;
	int irq_level, irq_raises;
	uint16_t avail_idx[VIRTIO_MAX_QUEUES];
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

/* Offer a chain of (n) buffers on (q), notify, let the event loop run;
 * returns the used-ring length the device reported, or -1 when nothing
 * came back. */
long vd_request(struct vdriver *d, unsigned q, const struct vd_buf *b, unsigned n);

/* Let pending notifications run. */
void vd_poll(struct vdriver *d);

#endif
