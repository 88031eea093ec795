/* blk.c: virtio-blk requests on a raw image (see blk.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ids.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "virtio/blk.h"

#define SECTOR 512
#define SEG_MAX (VIRTQ_MAX_SEGS - 2) /* minus header and status */
#define FEATURES ((1ULL << VIRTIO_BLK_F_SEG_MAX) | (1ULL << VIRTIO_BLK_F_BLK_SIZE) | \
		  (1ULL << VIRTIO_BLK_F_FLUSH))

static void blk_config(void *dev, uint32_t off, uint8_t *buf, unsigned len)
{
	const struct virtio_blk *b = dev;
	struct virtio_blk_config cfg = { .capacity = b->capacity, .seg_max = SEG_MAX,
					 .blk_size = SECTOR };

	if (off + len <= sizeof(cfg))
		memcpy(buf, (uint8_t *)&cfg + off, len);
}

/* The data buffers of a request as an iovec: the segments of direction
 * (write) (device-writable for a read), without the header (the first 16
 * readable bytes) and the status byte (the last writable byte). */
static int data_iov(const struct virtq_chain *c, bool write, struct iovec *iov, uint64_t *total)
{
	uint64_t skip = sizeof(struct virtio_blk_outhdr);
	int n = 0;

	*total = 0;
	for (unsigned i = 0; i < c->nseg; i++) {
		uint8_t *p = c->seg[i].host;
		uint64_t len = c->seg[i].len;

		if (!c->seg[i].write && skip) { /* the header may share a buffer with data */
			uint64_t k = skip < len ? skip : len;

			p += k;
			len -= k;
			skip -= k;
		}
		if (i == c->nseg - 1)
			len--; /* the status byte */
		if (c->seg[i].write != write || !len)
			continue;
		iov[n++] = (struct iovec){ p, len };
		*total += len;
	}
	return n;
}

static uint8_t rw(struct virtio_blk *b, const struct virtq_chain *c, uint64_t sector, bool write,
		  uint32_t *written)
{
	struct iovec iov[VIRTQ_MAX_SEGS];
	uint64_t total, end;
	int n = data_iov(c, !write, iov, &total);
	ssize_t done;

	if (total % SECTOR || __builtin_add_overflow(sector, total / SECTOR, &end) ||
	    end > b->capacity)
		return VIRTIO_BLK_S_IOERR;
	if (write && b->readonly)
		return VIRTIO_BLK_S_IOERR;
	done = write ? b->io->pwritev(b->fd, iov, n, (off_t)(sector * SECTOR))
		     : b->io->preadv(b->fd, iov, n, (off_t)(sector * SECTOR));
	if (done != (ssize_t)total)
		return VIRTIO_BLK_S_IOERR;
	if (write)
		b->writes++;
	else {
		b->reads++;
		*written = (uint32_t)total;
	}
	return VIRTIO_BLK_S_OK;
}

static uint8_t handle(struct virtio_blk *b, const struct virtq_chain *c, uint32_t *written)
{
	struct virtio_blk_outhdr h;

	if (virtq_copy_from(c, 0, &h, sizeof(h)) != sizeof(h))
		return VIRTIO_BLK_S_IOERR;
	switch (h.type) {
	case VIRTIO_BLK_T_IN: return rw(b, c, h.sector, false, written);
	case VIRTIO_BLK_T_OUT: return rw(b, c, h.sector, true, written);
	case VIRTIO_BLK_T_FLUSH:
		b->flushes++;
		return b->flush_is_noop || b->io->fdatasync(b->fd) == 0 ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
	case VIRTIO_BLK_T_GET_ID:
		*written = (uint32_t)virtq_copy_to(c, 0, b->serial,
						   c->writable > sizeof(b->serial) ? sizeof(b->serial)
										   : c->writable - 1);
		return VIRTIO_BLK_S_OK;
	default:
		return VIRTIO_BLK_S_UNSUPP;
	}
}

/* ---- the worker ---- */

/* Under the transport's lock: the next request, marked in flight; false
 * when there is none (or the queue turned out malformed). */
static bool take_request(struct virtio_blk *b, struct virtio_mmio *t, uint32_t *generation)
{
	struct virtq_chain *c = &b->req;

	if (!virtio_mmio_pop(t, 0, c))
		return false;
	/* No writable byte for the status: nothing can be reported. */
	if (!c->writable || !c->seg[c->nseg - 1].write) {
		virtio_mmio_fail(t);
		return false;
	}
	pthread_mutex_lock(&b->lock);
	b->busy = true;
	pthread_mutex_unlock(&b->lock);
	*generation = b->generation;
	return true;
}

/* The I/O is over: report it, unless a reset or stop came meanwhile (the
 * chain's buffers are then the driver's again). */
static void finish_request(struct virtio_blk *b, struct virtio_mmio *t, uint32_t generation,
			   uint8_t status, uint32_t written)
{
	const struct virtq_seg *last = &b->req.seg[b->req.nseg - 1];

	pthread_mutex_lock(&b->lock);
	b->busy = false;
	pthread_cond_broadcast(&b->idle);
	pthread_mutex_unlock(&b->lock);
	virtio_mmio_lock(t);
	if (generation == b->generation) {
		last->host[last->len - 1] = status;
		virtio_mmio_push(t, 0, b->req.head, written + 1);
	}
	virtio_mmio_unlock(t);
}

static void serve_queue(struct virtio_blk *b)
{
	struct virtio_mmio *t = b->t;

	for (;;) {
		uint32_t generation, written = 0;
		uint8_t status;
		bool taken;

		virtio_mmio_lock(t);
		taken = take_request(b, t, &generation);
		virtio_mmio_unlock(t);
		if (!taken)
			return;
		status = handle(b, &b->req, &written);
		finish_request(b, t, generation, status, written);
	}
}

static void *worker(void *arg)
{
	struct virtio_blk *b = arg;

	pthread_mutex_lock(&b->lock);
	for (;;) {
		while (!b->kicked && !b->quit)
			pthread_cond_wait(&b->wake, &b->lock);
		if (b->quit)
			break;
		b->kicked = false;
		b->running = true;
		pthread_mutex_unlock(&b->lock);
		serve_queue(b);
		pthread_mutex_lock(&b->lock);
		b->running = false;
		pthread_cond_broadcast(&b->idle);
	}
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

/* Main thread, transport lock held: hand the queue to the worker. */
static void blk_notify(void *dev, struct virtio_mmio *t, unsigned q)
{
	struct virtio_blk *b = dev;

	(void)q; /* one queue */
	b->t = t;
	/* Started here, not at open: this runs after the seccomp filter is
	 * installed, so the worker inherits it. */
	if (!b->worker_started) {
		if (pthread_create(&b->worker, NULL, worker, b)) {
			virtio_mmio_fail(t);
			return;
		}
		b->worker_started = true;
	}
	pthread_mutex_lock(&b->lock);
	b->kicked = true;
	pthread_cond_signal(&b->wake);
	pthread_mutex_unlock(&b->lock);
}

/* Transport lock held (any thread): what was taken so far is dropped,
 * and the request in flight is waited for. */
static void blk_quiesce(struct virtio_blk *b)
{
	b->generation++;
	pthread_mutex_lock(&b->lock);
	while (b->busy)
		pthread_cond_wait(&b->idle, &b->lock);
	pthread_mutex_unlock(&b->lock);
}

static void blk_stop(void *dev, unsigned q)
{
	(void)q;
	blk_quiesce(dev);
}

static void blk_reset(void *dev)
{
	blk_quiesce(dev);
}

void virtio_blk_drain(struct virtio_blk *b)
{
	pthread_mutex_lock(&b->lock);
	while (b->worker_started && (b->kicked || b->running))
		pthread_cond_wait(&b->idle, &b->lock);
	pthread_mutex_unlock(&b->lock);
}

const struct virtio_backend virtio_blk_backend = {
	.name = "virtio-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.nqueues = 1,
	.features = FEATURES,
	.config_size = sizeof(struct virtio_blk_config),
	.config_read = blk_config,
	.notify = blk_notify,
	.stop = blk_stop,
	.reset = blk_reset,
};

const struct virtio_backend virtio_blk_ro_backend = {
	.name = "virtio-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.nqueues = 1,
	.features = FEATURES | (1ULL << VIRTIO_BLK_F_RO),
	.config_size = sizeof(struct virtio_blk_config),
	.config_read = blk_config,
	.notify = blk_notify,
	.stop = blk_stop,
	.reset = blk_reset,
};

const struct virtio_blk_io virtio_blk_host_io = { preadv, pwritev, fdatasync };

void virtio_blk_attach_fd(struct virtio_blk *b, int fd, uint64_t sectors, bool readonly)
{
	memset(b, 0, sizeof(*b));
	b->fd = fd;
	b->capacity = sectors;
	b->readonly = readonly;
	b->io = &virtio_blk_host_io;
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->wake, NULL);
	pthread_cond_init(&b->idle, NULL);
}

static void stop_worker(struct virtio_blk *b)
{
	if (!b->worker_started)
		return;
	pthread_mutex_lock(&b->lock);
	b->quit = true;
	pthread_cond_signal(&b->wake);
	pthread_mutex_unlock(&b->lock);
	pthread_join(b->worker, NULL);
	b->worker_started = false;
}

void virtio_blk_close(struct virtio_blk *b)
{
	stop_worker(b);
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
}

int virtio_blk_open(struct virtio_blk *b, const char *path, const char *id, bool readonly,
		    const char *cache, const char **why)
{
	int flags = (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC;
	uint64_t size = 0;
	struct stat st;

	virtio_blk_attach_fd(b, -1, 0, readonly);
	if (cache && (!strcmp(cache, "writethrough") || !strcmp(cache, "directsync")))
		flags |= O_DSYNC;
	else if (cache && strcmp(cache, "writeback") && strcmp(cache, "none") && strcmp(cache, "unsafe")) {
		*why = "unknown cache mode";
		return -EINVAL;
	}
	b->flush_is_noop = cache && !strcmp(cache, "unsafe");
	b->fd = open(path, flags);
	if (b->fd < 0 || fstat(b->fd, &st)) {
		int err = -errno;

		*why = "cannot open disk image";
		virtio_blk_close(b);
		return err;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		*why = "disk image is not a file or block device";
		virtio_blk_close(b);
		return -EINVAL;
	}
	if (S_ISBLK(st.st_mode) && ioctl(b->fd, BLKGETSIZE64, &size)) {
		*why = "cannot size the block device";
		virtio_blk_close(b);
		return -EINVAL;
	}
	b->capacity = (S_ISBLK(st.st_mode) ? size : (uint64_t)st.st_size) / SECTOR;
	snprintf(b->serial, sizeof(b->serial), "%s", id ? id : "");
	return 0;
}
