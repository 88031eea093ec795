/*
 * evloop.h: the main thread's event loop (epoll): host input, signals,
 * vCPU stop notifications, and later device timers and I/O.
 */
#ifndef MVM_EVLOOP_H
#define MVM_EVLOOP_H

#include <pthread.h>
#include <stdint.h>

#include "core/clock.h"

#define EVLOOP_MAX 64

typedef void (*evloop_cb)(void *ctx, uint32_t events);

struct evloop_handler {
	int fd;
	evloop_cb cb;
	void *ctx;
};

struct evloop {
	int epfd;
	pthread_mutex_t lock; /* vCPU threads add and remove handlers too */
	struct evloop_handler h[EVLOOP_MAX];
};

int evloop_init(struct evloop *l) __attribute__((warn_unused_result));

/* Call (cb)(ctx, events) when (fd) has (events) (EPOLLIN...). */
int evloop_add(struct evloop *l, int fd, uint32_t events, evloop_cb cb, void *ctx)
	__attribute__((warn_unused_result));
void evloop_del(struct evloop *l, int fd);

/* Wait up to (timeout_ms) (-1: forever) and run the ready handlers. */
int evloop_run_once(struct evloop *l, int timeout_ms);

void evloop_close(struct evloop *l);

/* A device timer: a CLOCK_MONOTONIC timerfd in the loop that calls
 * (expired)(dev) when the deadline given through its vtimer passes. */
struct evloop_timer {
	int fd;
	void (*expired)(void *dev);
	void *dev;
};

int evloop_add_timer(struct evloop *l, struct evloop_timer *t, void (*expired)(void *dev),
		     void *dev) __attribute__((warn_unused_result));

/* The vtimer a device arms (thread-safe: vCPU threads arm it too). */
struct vtimer evloop_vtimer(struct evloop_timer *t);

/* The host clocks, as devices see them. */
struct vclock evloop_host_clock(void);

#endif
