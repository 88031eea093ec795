/*
 * chardev.h: character backends for guest consoles (-chardev): stdio, file
 * (output only), socket (a Unix stream socket, as server or client) and
 * null.  Input is read by the main thread's event loop: the owner is told
 * when bytes can be read and turns that off while it cannot take them.
 * Output never waits for the host: it goes through a bounded buffer (see
 * outbuf.h), which takes fewer bytes while the host does not read; the
 * owner is told when there is room again.  The main thread's only.
 */
#ifndef MVM_CHARDEV_H
#define MVM_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/evloop.h"
#include "host/chardev_opts.h"
#include "host/outbuf.h"

struct chardev {
	enum chardev_kind kind;
	int in_fd, out_fd, listen_fd; /* a socket's out_fd is a dup of in_fd */
	struct evloop *loop;
	bool want_input, polled;
	void (*on_input)(void *ctx);
	void *ctx;
	struct outbuf out;
	void (*on_room)(void *ctx); /* output room again, for room_ctx */
	void *room_ctx;
};

/* Open (o); input notifications go to (on_input)(ctx) on the main thread.
 * 0, or -errno with (why) saying what failed. */
int chardev_open(struct chardev *c, const struct chardev_opts *o, struct evloop *loop,
		 void (*on_input)(void *ctx), void *ctx, const char **why)
	__attribute__((warn_unused_result));

/* Queue (buf) for output: how many bytes were taken; all of them when
 * there is no output or it failed (dropped), fewer only while the host
 * does not read. */
size_t chardev_write(struct chardev *c, const void *buf, size_t n);

/* Bytes chardev_write() would take now. */
size_t chardev_write_room(struct chardev *c);

/* Output taken but not yet written to the host, and how much the host has
 * taken in all (for waiting at exit). */
size_t chardev_output_pending(struct chardev *c);
uint64_t chardev_output_written(struct chardev *c);

/* Call (on_room)(ctx) when queued output was written and made room. */
void chardev_on_output_room(struct chardev *c, void (*on_room)(void *ctx), void *ctx);

/* Read what is there without blocking: bytes, 0 at end of input or none. */
ssize_t chardev_read(struct chardev *c, void *buf, size_t n);

/* Turn input notifications on or off. */
void chardev_want_input(struct chardev *c, bool on);

void chardev_close(struct chardev *c);

#endif
