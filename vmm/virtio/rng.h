/*
 * rng.h: virtio-rng (device ID 4, virtio 5.4): one request queue whose
 * device-writable buffers are filled from getrandom(2).  No features, no
 * configuration space.
 */
#ifndef MVM_VIRTIO_RNG_H
#define MVM_VIRTIO_RNG_H

#include <stdint.h>

#include "virtio/mmio.h"

struct virtio_rng {
	uint64_t bytes; /* entropy handed to the guest */
};

extern const struct virtio_backend virtio_rng_backend;

#endif
