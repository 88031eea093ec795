/* evloop.c: epoll with a fixed handler table. */
#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "evloop.h"

int evloop_init(struct evloop *l)
{
	for (unsigned i = 0; i < EVLOOP_MAX; i++)
		l->h[i].fd = -1;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	return l->epfd < 0 ? -errno : 0;
}

int evloop_add(struct evloop *l, int fd, uint32_t events, evloop_cb cb, void *ctx)
{
	struct epoll_event ev = { .events = events };

	for (unsigned i = 0; i < EVLOOP_MAX; i++) {
		if (l->h[i].fd >= 0)
			continue;
		ev.data.u32 = i;
		if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev))
			return -errno;
		l->h[i] = (struct evloop_handler){ fd, cb, ctx };
		return 0;
	}
	return -ENOSPC;
}

void evloop_del(struct evloop *l, int fd)
{
	for (unsigned i = 0; i < EVLOOP_MAX; i++) {
		if (l->h[i].fd == fd) {
			epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
			l->h[i].fd = -1;
		}
	}
}

int evloop_run_once(struct evloop *l, int timeout_ms)
{
	struct epoll_event ev[16];
	int n = epoll_wait(l->epfd, ev, 16, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		struct evloop_handler *h = &l->h[ev[i].data.u32];

		if (h->fd >= 0)
			h->cb(h->ctx, ev[i].events);
	}
	return n;
}

void evloop_close(struct evloop *l)
{
	if (l->epfd >= 0)
		close(l->epfd);
	l->epfd = -1;
}
