/* evloop.c: epoll with a fixed handler table. */
#include <errno.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "core/evloop.h"

int evloop_init(struct evloop *l)
{
	pthread_mutex_init(&l->lock, NULL);
	for (unsigned i = 0; i < EVLOOP_MAX; i++)
		l->h[i].fd = -1;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	return l->epfd < 0 ? -errno : 0;
}

int evloop_add(struct evloop *l, int fd, uint32_t events, evloop_cb cb, void *ctx)
{
	struct epoll_event ev = { .events = events };
	int err = -ENOSPC;

	pthread_mutex_lock(&l->lock);
	for (unsigned i = 0; i < EVLOOP_MAX; i++) {
		if (l->h[i].fd >= 0)
			continue;
		ev.data.u32 = i;
		err = epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
		if (!err)
			l->h[i] = (struct evloop_handler){ fd, cb, ctx };
		break;
	}
	pthread_mutex_unlock(&l->lock);
	return err;
}

void evloop_del(struct evloop *l, int fd)
{
	pthread_mutex_lock(&l->lock);
	for (unsigned i = 0; i < EVLOOP_MAX; i++) {
		if (l->h[i].fd == fd) {
			epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
			l->h[i].fd = -1;
		}
	}
	pthread_mutex_unlock(&l->lock);
}

int evloop_run_once(struct evloop *l, int timeout_ms)
{
	struct epoll_event ev[16];
	int n = epoll_wait(l->epfd, ev, 16, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		struct evloop_handler h;

		pthread_mutex_lock(&l->lock);
		h = l->h[ev[i].data.u32];
		pthread_mutex_unlock(&l->lock);
		if (h.fd >= 0) /* removed since epoll_wait returned: skip it */
			h.cb(h.ctx, ev[i].events);
	}
	return n;
}

void evloop_close(struct evloop *l)
{
	if (l->epfd >= 0)
		close(l->epfd);
	l->epfd = -1;
}

static void timer_fired(void *ctx, uint32_t events)
{
	struct evloop_timer *t = ctx;
	uint64_t expirations;

	(void)events;
	if (read(t->fd, &expirations, sizeof(expirations)) == sizeof(expirations))
		t->expired(t->dev);
}

static void timer_arm(void *ctx, uint64_t deadline_ns)
{
	struct evloop_timer *t = ctx;
	struct itimerspec its = { 0 };

	/* 0 disarms; a deadline already past fires at once. */
	its.it_value.tv_sec = (time_t)(deadline_ns / 1000000000ULL);
	its.it_value.tv_nsec = (long)(deadline_ns % 1000000000ULL);
	timerfd_settime(t->fd, TFD_TIMER_ABSTIME, &its, NULL);
}

int evloop_add_timer(struct evloop *l, struct evloop_timer *t, void (*expired)(void *dev), void *dev)
{
	int err;

	t->fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (t->fd < 0)
		return -errno;
	t->expired = expired;
	t->dev = dev;
	err = evloop_add(l, t->fd, EPOLLIN, timer_fired, t);
	if (err) {
		close(t->fd);
		t->fd = -1;
	}
	return err;
}

struct vtimer evloop_vtimer(struct evloop_timer *t)
{
	return (struct vtimer){ timer_arm, t };
}

static uint64_t host_monotonic(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int64_t host_realtime(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

struct vclock evloop_host_clock(void)
{
	return (struct vclock){ host_monotonic, host_realtime, NULL };
}
