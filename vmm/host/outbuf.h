/*
 * outbuf.h: guest output on its way to a host file descriptor, without
 * ever waiting for the host.  Bytes are written at once when the host takes
 * them; what it does not take yet waits in a bounded buffer, which the main
 * thread's event loop writes out when the descriptor is writable (EPOLLOUT)
 * before telling the owner there is room again.  A full buffer takes
 * nothing more: the owner then keeps its device busy (a UART's transmitter,
 * a virtqueue's buffers) until it is told, as hardware waits for a slow
 * line.  When writing fails (the reader went away) the output is dropped:
 * a gone console must not stop the guest.
 *
 * A descriptor shared with other processes (stdout) is never switched to
 * O_NONBLOCK, which would switch the parent shell's too, and stay so if mvm
 * were killed: a pipe, FIFO or terminal is reopened through /proc/self/fd
 * to get an open file description of mvm's own, which is made non-blocking.
 * One that cannot be reopened (a socket, a terminal of another user, a FIFO
 * without a reader yet, no /proc) is "guarded": only the main thread writes
 * to it, one small write each time epoll reports it writable, which cannot
 * block unless another process writes to it as well.  Regular files and
 * other devices never make a writer wait for a reader: written as they are.
 *
 * Writers may be vCPU threads (the UART) and the main thread; the buffer
 * has its own lock, taken inside the owner's.  Only write(2) and
 * epoll_ctl(2) are used once the guest runs.
 */
#ifndef MVM_OUTBUF_H
#define MVM_OUTBUF_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/evloop.h"

#define OUTBUF_SIZE 16384

enum outbuf_how {
	OUTBUF_WRITE,	/* by any writer: a non-blocking description, or one that cannot block */
	OUTBUF_GUARDED, /* by the loop after EPOLLOUT, small writes: a shared blocking one */
};

struct outbuf {
	pthread_mutex_t lock;
	struct evloop *loop;
	void (*room)(void *ctx); /* main thread, no outbuf lock held */
	void *ctx;
	int fd;		/* where bytes go; -1: they are dropped */
	int own_fd;	/* the private reopened description, closed by detach, or -1 */
	enum outbuf_how how;
	bool watched;	/* EPOLLOUT watch in the loop */
	uint8_t *buf;	/* OUTBUF_SIZE bytes while attached */
	size_t head, len;
	uint64_t written; /* bytes the host took, for progress checks */
};

/* A pipe, FIFO or terminal (fd) opened again through /proc as a
 * non-blocking description of mvm's own (the caller closes it); -1 for
 * anything else, or when that fails. */
int outbuf_reopen_private(int fd);

/* (o) with no descriptor (output dropped); (room)(ctx) is called on the
 * main thread when queued bytes were written, or dropped, making room. */
void outbuf_init(struct outbuf *o, struct evloop *loop, void (*room)(void *ctx), void *ctx);

/* Write to (fd) from now on: (shared) for a descriptor other processes use
 * too (stdout), whose flags are left alone; otherwise it is made
 * non-blocking.  The caller keeps (fd) and closes it after outbuf_detach().
 * 0 or -errno. */
int outbuf_attach(struct outbuf *o, int fd, bool shared) __attribute__((warn_unused_result));

/* Drop what is queued and forget the descriptor (output is dropped again). */
void outbuf_detach(struct outbuf *o);

/* Take up to (n) bytes: how many were taken, all of them when output is
 * dropped; fewer only while the host is not reading. */
size_t outbuf_write(struct outbuf *o, const void *buf, size_t n);

/* Bytes outbuf_write() would take now. */
size_t outbuf_room(struct outbuf *o);

/* Bytes queued, not yet taken by the host. */
size_t outbuf_pending(struct outbuf *o);

/* Bytes the host has taken since outbuf_init(). */
uint64_t outbuf_written(struct outbuf *o);

#endif
