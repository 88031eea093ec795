/*
 * queue.h: split virtqueues (virtio 1.x, section 2.7), walked defensively.
 *
 * The guest owns the descriptor table and the rings and may write anything
 * there.  virtq_pop() checks every index and every guest address (through
 * mem_ptr), follows NEXT chains and indirect tables with loop and length
 * limits, and requires device-readable buffers before device-writable
 * ones; anything else is "malformed", and the device must then stop using
 * the queue and set DEVICE_NEEDS_RESET.  Nothing the guest writes can make
 * it read or write outside guest memory or loop forever.
 */
#ifndef MVM_VIRTIO_QUEUE_H
#define MVM_VIRTIO_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/mem.h"

#define VIRTQ_MAX_SIZE 256  /* QueueNumMax of every mvm device */
#define VIRTQ_MAX_SEGS 128  /* buffers per chain (indirect tables included) */

struct virtq {
	uint16_t size;		  /* entries, a power of two <= VIRTQ_MAX_SIZE */
	uint64_t desc, avail, used; /* guest-physical addresses */
	bool ready;
	bool indirect;		  /* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	bool event_idx;		  /* VIRTIO_RING_F_EVENT_IDX negotiated */
	uint16_t last_avail;	  /* next avail entry to take */
	uint16_t used_idx;	  /* next used entry to fill */
	uint16_t signalled_used;  /* used_idx at the last interrupt (event idx) */
	bool signalled_valid;
};

struct virtq_seg {
	uint8_t *host; /* checked pointer into guest memory */
	uint32_t len;
	bool write;    /* device-writable */
};

struct virtq_chain {
	uint16_t head;
	unsigned nseg;
	uint64_t readable; /* bytes in device-readable segments */
	uint64_t writable; /* bytes in device-writable segments */
	struct virtq_seg seg[VIRTQ_MAX_SEGS];
};

/* The ring areas of (q) all lie in guest memory, the avail and used rings
 * are 2-byte aligned (their indices are accessed atomically in place; the
 * spec asks for 2 and 4), and its size is valid. */
bool virtq_valid(const struct virtq *q, const struct guest_mem *mem);

/* Take the next available chain: 1, 0 if the guest offered none or the
 * queue is not ready, or -EINVAL if the queue is malformed. */
int virtq_pop(struct virtq *q, const struct guest_mem *mem, struct virtq_chain *c);

/* Return chain (head) to the guest with (written) bytes; 0 or -EINVAL. */
int virtq_push(struct virtq *q, const struct guest_mem *mem, uint16_t head, uint32_t written);

/* After pushes: does the guest want an interrupt (NO_INTERRUPT flag, or
 * used_event with EVENT_IDX)? */
bool virtq_should_signal(struct virtq *q, const struct guest_mem *mem);

/* Copy between a chain's segments and a flat buffer, starting (off) bytes
 * into the readable (copy_from) or writable (copy_to) part; returns bytes
 * copied. */
uint64_t virtq_copy_from(const struct virtq_chain *c, uint64_t off, void *dst, uint64_t len);
uint64_t virtq_copy_to(const struct virtq_chain *c, uint64_t off, const void *src, uint64_t len);

void virtq_reset(struct virtq *q);

#endif
