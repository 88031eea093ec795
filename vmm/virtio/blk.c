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

#include "blk.h"

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
	done = write ? pwritev(b->fd, iov, n, (off_t)(sector * SECTOR))
		     : preadv(b->fd, iov, n, (off_t)(sector * SECTOR));
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
		return b->flush_is_noop || fdatasync(b->fd) == 0 ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
	case VIRTIO_BLK_T_GET_ID:
		*written = (uint32_t)virtq_copy_to(c, 0, b->serial,
						   c->writable > sizeof(b->serial) ? sizeof(b->serial)
										   : c->writable - 1);
		return VIRTIO_BLK_S_OK;
	default:
		return VIRTIO_BLK_S_UNSUPP;
	}
}

static void blk_notify(void *dev, struct virtio_mmio *t, unsigned q)
{
	struct virtio_blk *b = dev;
	struct virtq_chain c;

	while (virtio_mmio_pop(t, q, &c)) {
		uint32_t written = 0;
		uint8_t status;

		/* No writable byte for the status: nothing can be reported. */
		if (!c.writable || c.seg[c.nseg - 1].write == false) {
			virtio_mmio_fail(t);
			return;
		}
		status = handle(b, &c, &written);
		c.seg[c.nseg - 1].host[c.seg[c.nseg - 1].len - 1] = status;
		virtio_mmio_push(t, q, c.head, written + 1);
	}
}

const struct virtio_backend virtio_blk_backend = {
	.name = "virtio-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.nqueues = 1,
	.features = FEATURES,
	.config_size = sizeof(struct virtio_blk_config),
	.config_read = blk_config,
	.notify = blk_notify,
};

const struct virtio_backend virtio_blk_ro_backend = {
	.name = "virtio-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.nqueues = 1,
	.features = FEATURES | (1ULL << VIRTIO_BLK_F_RO),
	.config_size = sizeof(struct virtio_blk_config),
	.config_read = blk_config,
	.notify = blk_notify,
};

void virtio_blk_close(struct virtio_blk *b)
{
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

	memset(b, 0, sizeof(*b));
	b->fd = -1;
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
	b->readonly = readonly;
	snprintf(b->serial, sizeof(b->serial), "%s", id ? id : "");
	return 0;
}
