/*
 * blk.h: virtio-blk (device ID 2, virtio 5.2) on a raw image file.
 *
 * Requests: IN (read), OUT (write), FLUSH (fdatasync) and GET_ID; others
 * complete with UNSUPP.  Data moves with preadv/pwritev straight between
 * the file and the guest's buffers.  Features: SEG_MAX, BLK_SIZE, FLUSH,
 * and RO for read-only drives (writes then fail with IOERR).  A request
 * beyond the capacity, or without room for its header and status byte,
 * completes with IOERR; one whose buffers are malformed resets the device.
 * cache=: writeback (default) and none flush on FLUSH; writethrough and
 * directsync open the image O_DSYNC; unsafe ignores FLUSH.  (cache=none
 * does not use O_DIRECT: guest buffers need not be aligned.)
 */
#ifndef MVM_VIRTIO_BLK_H
#define MVM_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include "mmio.h"

struct virtio_blk {
	int fd;
	uint64_t capacity; /* 512-byte sectors */
	bool readonly;
	bool flush_is_noop;
	char serial[20];   /* GET_ID */
	uint64_t reads, writes, flushes;
};

extern const struct virtio_backend virtio_blk_backend;
extern const struct virtio_backend virtio_blk_ro_backend; /* with VIRTIO_BLK_F_RO */

/* Open image (path) for drive (id): 0, or -errno with (why) naming it. */
int virtio_blk_open(struct virtio_blk *b, const char *path, const char *id, bool readonly,
		    const char *cache, const char **why) __attribute__((warn_unused_result));

void virtio_blk_close(struct virtio_blk *b);

#endif
