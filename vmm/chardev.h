/*
 * chardev.h: character backends for guest consoles (-chardev): stdio, file
 * (output only), socket (a Unix stream socket, as server or client) and
 * null.  Input is read by the main thread's event loop: the owner is told
 * when bytes can be read and turns that off while it cannot take them.
 */
#ifndef MVM_CHARDEV_H
#define MVM_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "evloop.h"

enum chardev_kind { CHARDEV_NULL, CHARDEV_STDIO, CHARDEV_FILE, CHARDEV_SOCKET };

struct chardev_opts {
	const char *id;
	enum chardev_kind kind;
	const char *path;
	bool server; /* socket: listen at path (else connect to it) */
	bool wait;   /* socket server: wait for a client before the guest starts */
};

struct chardev {
	enum chardev_kind kind;
	int in_fd, out_fd, listen_fd;
	struct evloop *loop;
	bool want_input, polled;
	void (*on_input)(void *ctx);
	void *ctx;
};

/* Open (o); input notifications go to (on_input)(ctx) on the main thread.
 * 0, or -errno with (why) saying what failed. */
int chardev_open(struct chardev *c, const struct chardev_opts *o, struct evloop *loop,
		 void (*on_input)(void *ctx), void *ctx, const char **why)
	__attribute__((warn_unused_result));

/* Write all of (buf) (dropped if there is no output or it failed). */
void chardev_write(struct chardev *c, const void *buf, size_t n);

/* Read what is there without blocking: bytes, 0 at end of input or none. */
ssize_t chardev_read(struct chardev *c, void *buf, size_t n);

/* Turn input notifications on or off. */
void chardev_want_input(struct chardev *c, bool on);

void chardev_close(struct chardev *c);

#endif
