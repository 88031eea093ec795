/* rng.c: virtio-rng from getrandom (see rng.h). */
#include <linux/virtio_ids.h>
#include <sys/random.h>

#include "virtio/rng.h"

#define RNG_CHUNK 4096 /* per request: the guest asks again for more */

static void rng_notify(void *dev, struct virtio_mmio *t, unsigned q)
{
	struct virtio_rng *r = dev;
	struct virtq_chain c;
	uint8_t buf[RNG_CHUNK];

	while (virtio_mmio_pop(t, q, &c)) {
		uint64_t want = c.writable < sizeof(buf) ? c.writable : sizeof(buf);
		ssize_t got = want ? getrandom(buf, want, 0) : 0;
		uint64_t done = got > 0 ? virtq_copy_to(&c, 0, buf, (uint64_t)got) : 0;

		r->bytes += done;
		virtio_mmio_push(t, q, c.head, (uint32_t)done);
	}
}

const struct virtio_backend virtio_rng_backend = {
	.name = "virtio-rng",
	.device_id = VIRTIO_ID_RNG,
	.nqueues = 1,
	.notify = rng_notify,
};
