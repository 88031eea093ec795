/* outbuf.c: bounded, non-blocking output to a host descriptor (see outbuf.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "host/outbuf.h"

/* A guarded descriptor gets at most this much per EPOLLOUT: a pipe then
 * has at least a page free, a terminal reports room once fewer than 256
 * bytes wait to be output (n_tty's WAKEUP_CHARS), a Unix socket once its
 * send buffer is at most a quarter full. */
#define GUARDED_CHUNK 256

void outbuf_init(struct outbuf *o, struct evloop *loop, void (*room)(void *ctx), void *ctx)
{
	*o = (struct outbuf){ .loop = loop, .room = room, .ctx = ctx, .fd = -1, .own_fd = -1 };
	pthread_mutex_init(&o->lock, NULL);
}

/* A FIFO or terminal opened again through /proc: an open file description
 * of our own, non-blocking without touching the one we were given.  Not a
 * pty master: opening that again would make a new pty. */
int outbuf_reopen_private(int fd)
{
	struct stat st;
	unsigned ptn;
	char path[32];

	if (fstat(fd, &st) || !(S_ISFIFO(st.st_mode) || isatty(fd)) || ioctl(fd, TIOCGPTN, &ptn) == 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
}

/* How to write to a shared descriptor that could not be reopened. */
static enum outbuf_how shared_how(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return OUTBUF_WRITE;
	if (S_ISSOCK(st.st_mode) || S_ISFIFO(st.st_mode) || isatty(fd))
		return OUTBUF_GUARDED;
	return OUTBUF_WRITE; /* regular files and devices do not wait for a reader */
}

/* Bytes the host took now (0: it takes none yet), or -1 when it failed. */
static ssize_t host_write(struct outbuf *o, const uint8_t *p, size_t n)
{
	ssize_t w = write(o->fd, p, n);

	if (w > 0)
		return w;
	if (w == 0 || errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return 0;
	return -1;
}

static void drop_queued(struct outbuf *o)
{
	o->head = o->len = 0;
}

static void on_writable(void *ctx, uint32_t events);

/* Watch for EPOLLOUT while bytes are queued; false if this descriptor
 * cannot be watched (then nothing could ever write them). */
static bool watch(struct outbuf *o)
{
	if (!o->watched)
		o->watched = !evloop_add(o->loop, o->fd, EPOLLOUT, on_writable, o);
	return o->watched;
}

static void unwatch(struct outbuf *o)
{
	if (o->watched)
		evloop_del(o->loop, o->fd);
	o->watched = false;
}

/* Write what is queued, oldest first, until the host stops taking it (a
 * guarded descriptor: the one small write EPOLLOUT vouched for); true if
 * that made room (bytes written, or dropped on failure). */
static bool flush(struct outbuf *o)
{
	bool guarded = o->how == OUTBUF_GUARDED, room = false;

	while (o->len && !(guarded && room)) {
		size_t chunk = o->len < OUTBUF_SIZE - o->head ? o->len : OUTBUF_SIZE - o->head;
		ssize_t w;

		chunk = guarded && chunk > GUARDED_CHUNK ? GUARDED_CHUNK : chunk;
		w = host_write(o, o->buf + o->head, chunk);

		if (w < 0) {
			drop_queued(o);
			return true;
		}
		if (!w)
			break;
		o->head = (o->head + (size_t)w) % OUTBUF_SIZE;
		o->len -= (size_t)w;
		o->written += (uint64_t)w;
		room = true;
	}
	return room;
}

static void on_writable(void *ctx, uint32_t events)
{
	struct outbuf *o = ctx;
	bool room;

	(void)events; /* EPOLLERR and EPOLLHUP show as a failed write */
	pthread_mutex_lock(&o->lock);
	room = o->fd >= 0 && flush(o);
	if (!o->len)
		unwatch(o);
	pthread_mutex_unlock(&o->lock);
	if (room && o->room)
		o->room(o->ctx);
}

static void detach_locked(struct outbuf *o)
{
	unwatch(o);
	drop_queued(o);
	if (o->own_fd >= 0)
		close(o->own_fd);
	free(o->buf);
	o->buf = NULL;
	o->fd = o->own_fd = -1;
}

int outbuf_attach(struct outbuf *o, int fd, bool shared)
{
	enum outbuf_how how = OUTBUF_WRITE;
	uint8_t *buf = malloc(OUTBUF_SIZE);
	int flags, priv = -1;

	if (!buf)
		return -ENOMEM;
	if (shared) {
		priv = outbuf_reopen_private(fd);
		how = priv >= 0 ? OUTBUF_WRITE : shared_how(fd);
	} else if ((flags = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK)) {
		free(buf);
		return -errno;
	}
	pthread_mutex_lock(&o->lock);
	detach_locked(o);
	o->buf = buf;
	o->own_fd = priv;
	o->fd = priv >= 0 ? priv : fd;
	o->how = how;
	pthread_mutex_unlock(&o->lock);
	return 0;
}

void outbuf_detach(struct outbuf *o)
{
	if (!o->buf) /* never attached (or not even initialised) */
		return;
	pthread_mutex_lock(&o->lock);
	detach_locked(o);
	pthread_mutex_unlock(&o->lock);
}

static size_t enqueue(struct outbuf *o, const uint8_t *p, size_t n)
{
	size_t room = OUTBUF_SIZE - o->len;

	n = n < room ? n : room;
	for (size_t i = 0; i < n; i++)
		o->buf[(o->head + o->len + i) % OUTBUF_SIZE] = p[i];
	o->len += n;
	return n;
}

size_t outbuf_write(struct outbuf *o, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	size_t taken = 0;

	pthread_mutex_lock(&o->lock);
	if (o->fd < 0 || !n)
		goto all;
	if (!o->len && o->how == OUTBUF_WRITE) { /* nothing queued: straight out, in order */
		ssize_t w = host_write(o, p, n);

		if (w < 0)
			goto all; /* dropped */
		taken = (size_t)w;
		o->written += (uint64_t)w;
	}
	taken += enqueue(o, p + taken, n - taken);
	if (o->len && !watch(o)) {
		drop_queued(o);
		goto all;
	}
	pthread_mutex_unlock(&o->lock);
	return taken;
all:
	pthread_mutex_unlock(&o->lock);
	return n;
}

/* What the buffer holds and took, read together under its lock. */
struct counts {
	size_t room, pending;
	uint64_t written;
};

static struct counts counts_of(struct outbuf *o)
{
	struct counts c;

	pthread_mutex_lock(&o->lock);
	c = (struct counts){ o->fd < 0 ? OUTBUF_SIZE : OUTBUF_SIZE - o->len, o->len, o->written };
	pthread_mutex_unlock(&o->lock);
	return c;
}

size_t outbuf_room(struct outbuf *o)
{
	return counts_of(o).room;
}

size_t outbuf_pending(struct outbuf *o)
{
	return counts_of(o).pending;
}

uint64_t outbuf_written(struct outbuf *o)
{
	return counts_of(o).written;
}
