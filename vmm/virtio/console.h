/*
 * console.h: virtio console (device ID 3, virtio 5.3) with one port, the
 * guest's hvc0, on a chardev: receiveq (0) carries host input to the
 * guest, transmitq (1) guest output to the host.  No features (no
 * MULTIPORT: QEMU's virtio-serial-device + virtconsole pair maps to this
 * single-port device).  What the guest writes is also shown to the events
 * handler (the board records the first byte as a probe).
 */
#ifndef MVM_VIRTIO_CONSOLE_H
#define MVM_VIRTIO_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/chardev.h"
#include "virtio/mmio.h"

#define CONSOLE_PENDING 256

/* What the guest does with hvc0, for whoever watches; a NULL callback is
 * not called. */
struct virtio_console_events {
	/* The guest wrote (n) bytes (transport lock held: must not wait). */
	void (*output)(void *ctx, const uint8_t *buf, size_t n);
	void *ctx;
};

struct virtio_console {
	struct chardev *chr;	 /* NULL: output is dropped, no input */
	struct virtio_mmio *t;
	struct virtio_console_events events;
	uint8_t pending[CONSOLE_PENDING]; /* host input not yet in a guest buffer */
	size_t npending;
	uint64_t bytes_out, bytes_in;
};

extern const struct virtio_backend virtio_console_backend;

/* A console without a chardev (output dropped) telling (events). */
void virtio_console_init(struct virtio_console *con, struct virtio_console_events events);

/* The chardev's input callback: (ctx) is the struct virtio_console. */
void virtio_console_input(void *ctx);

#endif
