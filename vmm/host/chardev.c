/* chardev.c: stdio, file, Unix-socket and null character backends. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "host/chardev.h"

static void on_readable(void *ctx, uint32_t events)
{
	struct chardev *c = ctx;

	(void)events;
	c->on_input(c->ctx);
}

/* Input is watched only while the owner wants it and there is an input. */
static void update_polling(struct chardev *c)
{
	bool want = c->want_input && c->in_fd >= 0;

	if (want == c->polled)
		return;
	if (want)
		c->polled = !evloop_add(c->loop, c->in_fd, EPOLLIN, on_readable, c);
	else {
		evloop_del(c->loop, c->in_fd);
		c->polled = false;
	}
}

static void on_output_room(void *ctx)
{
	struct chardev *c = ctx;

	if (c->on_room)
		c->on_room(c->room_ctx);
}

/* Output goes to (fd) (-1: none), through the buffer; (shared): stdout. */
static int set_output(struct chardev *c, int fd, bool shared)
{
	int err = fd >= 0 ? outbuf_attach(&c->out, fd, shared) : 0;

	c->out_fd = err ? -1 : fd;
	return err;
}

/* A connected socket: input on it, output on a duplicate, so that the
 * event loop watches the two directions as two descriptors. */
static void set_client(struct chardev *c, int fd)
{
	int out = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	c->in_fd = fd;
	if (out >= 0 && set_output(c, out, false))
		close(out); /* output is dropped, input still works */
}

static void drop_client(struct chardev *c)
{
	bool wanted = c->want_input;

	chardev_want_input(c, false);
	outbuf_detach(&c->out);
	if (c->out_fd >= 0)
		close(c->out_fd);
	close(c->in_fd);
	c->in_fd = c->out_fd = -1;
	c->want_input = wanted;
}

static void on_connect(void *ctx, uint32_t events)
{
	struct chardev *c = ctx;
	int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	(void)events;
	if (fd < 0)
		return;
	if (c->in_fd >= 0) { /* one client at a time, as QEMU */
		close(fd);
		return;
	}
	set_client(c, fd);
	update_polling(c);
}

static int unix_address(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (!path || strlen(path) >= sizeof(a->sun_path))
		return -ENAMETOOLONG;
	strcpy(a->sun_path, path);
	return 0;
}

static int open_socket(struct chardev *c, const struct chardev_opts *o, const char **why)
{
	struct sockaddr_un a;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	*why = "bad socket path";
	if (fd < 0 || unix_address(&a, o->path)) {
		if (fd >= 0)
			close(fd);
		return -EINVAL;
	}
	if (!o->server) {
		*why = "cannot connect to the socket";
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) || fcntl(fd, F_SETFL, O_NONBLOCK)) {
			close(fd);
			return -errno;
		}
		set_client(c, fd);
		return 0;
	}
	*why = "cannot listen on the socket";
	unlink(o->path);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 1)) {
		close(fd);
		return -errno;
	}
	c->listen_fd = fd;
	if (o->wait)
		on_connect(c, 0); /* blocks until a client comes, as wait=on does */
	return evloop_add(c->loop, fd, EPOLLIN, on_connect, c);
}

/* A file (or a FIFO: open() waits for its reader). */
static int open_file(struct chardev *c, const char *path, const char **why)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), err;

	*why = "cannot open the output file";
	if (fd < 0)
		return -errno;
	err = set_output(c, fd, false);
	if (err)
		close(fd);
	return err;
}

int chardev_open(struct chardev *c, const struct chardev_opts *o, struct evloop *loop,
		 void (*on_input)(void *ctx), void *ctx, const char **why)
{
	memset(c, 0, sizeof(*c));
	c->kind = o->kind;
	c->in_fd = c->out_fd = c->listen_fd = -1;
	c->loop = loop;
	c->on_input = on_input;
	c->ctx = ctx;
	outbuf_init(&c->out, loop, on_output_room, c);
	switch (o->kind) {
	case CHARDEV_STDIO:
		c->in_fd = STDIN_FILENO;
		*why = "cannot set up output to stdout";
		return set_output(c, STDOUT_FILENO, true);
	case CHARDEV_FILE:
		return open_file(c, o->path, why);
	case CHARDEV_SOCKET:
		return open_socket(c, o, why);
	default:
		return 0;
	}
}

size_t chardev_write(struct chardev *c, const void *buf, size_t n)
{
	return outbuf_write(&c->out, buf, n);
}

size_t chardev_write_room(struct chardev *c)
{
	return outbuf_room(&c->out);
}

size_t chardev_output_pending(struct chardev *c)
{
	return outbuf_pending(&c->out);
}

uint64_t chardev_output_written(struct chardev *c)
{
	return outbuf_written(&c->out);
}

void chardev_on_output_room(struct chardev *c, void (*on_room)(void *ctx), void *ctx)
{
	c->on_room = on_room;
	c->room_ctx = ctx;
}

ssize_t chardev_read(struct chardev *c, void *buf, size_t n)
{
	ssize_t r;

	if (c->in_fd < 0)
		return 0;
	r = read(c->in_fd, buf, n);
	if (r > 0)
		return r;
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	/* End of input: a socket client may come back, stdin will not. */
	if (c->kind == CHARDEV_SOCKET)
		drop_client(c);
	else
		chardev_want_input(c, false);
	return 0;
}

void chardev_want_input(struct chardev *c, bool on)
{
	c->want_input = on;
	update_polling(c);
}

void chardev_close(struct chardev *c)
{
	chardev_want_input(c, false);
	outbuf_detach(&c->out);
	if (c->in_fd > STDERR_FILENO)
		close(c->in_fd);
	if (c->out_fd > STDERR_FILENO && c->out_fd != c->in_fd)
		close(c->out_fd);
	if (c->listen_fd >= 0)
		close(c->listen_fd);
	c->in_fd = c->out_fd = c->listen_fd = -1;
}
