/* console.c: single-port virtio console on a chardev (see console.h). */
#include <linux/virtio_ids.h>
#include <string.h>

#include "virtio/console.h"

enum { RXQ = 0, TXQ = 1 };

/* A chain is taken only while the chardev has room for one of hvc0's (a
 * page at most); the rest wait in the ring until the host reads, and any
 * part of a bigger chain that does not fit is dropped. */
#define TX_CHAIN_ROOM 4096

static void transmit(struct virtio_console *con, struct virtio_mmio *t)
{
	struct virtq_chain c;
	uint8_t buf[4096];

	while ((!con->chr || chardev_write_room(con->chr) >= TX_CHAIN_ROOM) &&
	       virtio_mmio_pop(t, TXQ, &c)) {
		for (uint64_t off = 0; off < c.readable;) {
			uint64_t n = virtq_copy_from(&c, off, buf, sizeof(buf));

			if (con->events.output && n)
				con->events.output(con->events.ctx, buf, n);
			if (con->chr)
				chardev_write(con->chr, buf, n);
			con->bytes_out += n;
			off += n;
		}
		virtio_mmio_push(t, TXQ, c.head, 0);
	}
}

/* Move pending input into the guest's receive buffers; want more input
 * only while everything so far found a buffer. */
static void deliver(struct virtio_console *con, struct virtio_mmio *t)
{
	struct virtq_chain c;

	while (con->npending && virtio_mmio_pop(t, RXQ, &c)) {
		uint64_t n = virtq_copy_to(&c, 0, con->pending, con->npending);

		memmove(con->pending, con->pending + n, con->npending - n);
		con->npending -= n;
		con->bytes_in += n;
		virtio_mmio_push(t, RXQ, c.head, (uint32_t)n);
	}
	if (con->chr)
		chardev_want_input(con->chr, !con->npending && virtio_mmio_live(t));
}

void virtio_console_input(void *ctx)
{
	struct virtio_console *con = ctx;
	struct virtio_mmio *t = con->t;
	ssize_t n;

	if (!t)
		return;
	virtio_mmio_lock(t);
	n = con->npending ? 0 : chardev_read(con->chr, con->pending, sizeof(con->pending));
	con->npending += n > 0 ? (size_t)n : 0;
	deliver(con, t);
	virtio_mmio_unlock(t);
}

static void console_notify(void *dev, struct virtio_mmio *t, unsigned q)
{
	struct virtio_console *con = dev;

	con->t = t;
	if (q == TXQ)
		transmit(con, t);
	else
		deliver(con, t); /* new receive buffers */
}

/* The chardev wrote some output: take the chains that waited. */
static void output_room(void *ctx)
{
	struct virtio_console *con = ctx;
	struct virtio_mmio *t = con->t;

	virtio_mmio_lock(t);
	if (virtio_mmio_live(t))
		transmit(con, t);
	virtio_mmio_unlock(t);
}

static void console_activate(void *dev, struct virtio_mmio *t)
{
	struct virtio_console *con = dev;

	con->t = t;
	if (con->chr) {
		chardev_on_output_room(con->chr, output_room, con);
		chardev_want_input(con->chr, true);
	}
}

static void console_reset(void *dev)
{
	struct virtio_console *con = dev;

	con->npending = 0;
	if (con->chr)
		chardev_want_input(con->chr, false);
}

void virtio_console_init(struct virtio_console *con, struct virtio_console_events events)
{
	memset(con, 0, sizeof(*con));
	con->events = events;
}

const struct virtio_backend virtio_console_backend = {
	.name = "virtio-console",
	.device_id = VIRTIO_ID_CONSOLE,
	.nqueues = 2,
	.notify = console_notify,
	.activate = console_activate,
	.reset = console_reset,
};
