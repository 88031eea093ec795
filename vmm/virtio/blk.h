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
 *
 * Requests run on a worker thread of the device's own, not on the event
 * loop, and without the transport's lock during the I/O: a slow disk
 * stalls neither the console and timers nor vCPU register accesses.  The
 * worker takes one chain at a time (under the lock), does its I/O, then
 * (under the lock again) writes the status byte, pushes it to the used
 * ring and interrupts: completions keep request order.  A device reset or
 * queue stop waits for the request in flight (its data may be landing in
 * guest buffers) and has it dropped, so nothing is written to guest
 * memory for it afterwards.  The worker is started by the first
 * notification, on the main thread, after the seccomp filter is in
 * place: it runs under the process-wide filter (futex, preadv, pwritev,
 * fdatasync, and write or ioctl for the interrupt).
 */
#ifndef MVM_VIRTIO_BLK_H
#define MVM_VIRTIO_BLK_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "virtio/mmio.h"

/* How requests reach the image: the host's system calls, or a test's
 * wrappers around them (to make the I/O slow). */
struct virtio_blk_io {
	ssize_t (*preadv)(int fd, const struct iovec *iov, int n, off_t off);
	ssize_t (*pwritev)(int fd, const struct iovec *iov, int n, off_t off);
	int (*fdatasync)(int fd);
};

extern const struct virtio_blk_io virtio_blk_host_io;

struct virtio_blk {
	int fd;
	uint64_t capacity; /* 512-byte sectors */
	bool readonly;
	bool flush_is_noop;
	char serial[20];   /* GET_ID */
	const struct virtio_blk_io *io;

	/* The worker.  (lock) guards kicked, running, busy and quit; the
	 * transport's lock guards generation. */
	pthread_t worker;
	bool worker_started;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* kicked or quit */
	pthread_cond_t idle; /* busy or running went false */
	bool kicked;	     /* the driver notified since the worker last looked */
	bool running;	     /* serving the queue */
	bool busy;	     /* a request's I/O is under way */
	bool quit;
	uint32_t generation; /* bumped by reset and queue stop: drop what was taken */
	struct virtio_mmio *t;
	struct virtq_chain req; /* the request in flight */

	uint64_t reads, writes, flushes;
};

extern const struct virtio_backend virtio_blk_backend;
extern const struct virtio_backend virtio_blk_ro_backend; /* with VIRTIO_BLK_F_RO */

/* Open image (path) for drive (id): 0, or -errno with (why) naming it. */
int virtio_blk_open(struct virtio_blk *b, const char *path, const char *id, bool readonly,
		    const char *cache, const char **why) __attribute__((warn_unused_result));

/* Use an open image (fd) of (sectors) sectors (fuzzers, tests). */
void virtio_blk_attach_fd(struct virtio_blk *b, int fd, uint64_t sectors, bool readonly);

/* Wait until every request the driver announced has been served (not
 * with the transport's lock held). */
void virtio_blk_drain(struct virtio_blk *b);

/* Stops the worker (after its request in flight) and closes the image. */
void virtio_blk_close(struct virtio_blk *b);

#endif
