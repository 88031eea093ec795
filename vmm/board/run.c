/* run.c: the running machine: the main thread's event loop (signals, host
 * input, device timers, vCPU stops), guest reset and shutdown. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "board/board.h"
#include "cli/config.h"
#include "core/log.h"
#include "host/sandbox.h"
#include "probe.h"

static void fail(struct microvm_run *r)
{
	r->quit = true;
	r->status = MICROVM_EVMM;
}

/* ---- vCPUs ---- */

/* A vCPU thread stopped for a reason of its own: the first reason counts. */
static void vcpu_stopped(void *ctx, struct vcpu *v, enum vcpu_stop why)
{
	struct microvm_run *r = ctx;
	int none = -1;

	(void)v;
	__atomic_compare_exchange_n(&r->stop_why, &none, (int)why, false, __ATOMIC_SEQ_CST,
				    __ATOMIC_SEQ_CST);
	eventfd_write(r->stop_fd, 1);
}

static void start_vcpus(struct microvm_board *b)
{
	for (unsigned i = 0; i < b->ncpus; i++) {
		if (vcpu_start(&b->vcpu[i], &b->env, i + 1)) {
			log_err("cannot start vCPU %u thread", i);
			fail(&b->run);
		}
	}
}

static void stop_vcpus(struct microvm_board *b)
{
	for (unsigned i = 0; i < b->ncpus; i++)
		vcpu_kick(&b->vcpu[i]);
	for (unsigned i = 0; i < b->ncpus; i++)
		vcpu_join(&b->vcpu[i]);
}

static void reset_machine(struct microvm_board *b)
{
	stop_vcpus(b);
	probe_emit(PROBE_RESET, 0, 0);
	if (microvm_reset(b)) {
		fail(&b->run);
		return;
	}
	b->run.stop_why = -1;
	start_vcpus(b);
}

static void on_vcpu_stop(void *ctx, uint32_t events)
{
	struct microvm_board *b = ctx;
	struct microvm_run *r = &b->run;
	eventfd_t n;

	(void)events;
	eventfd_read(r->stop_fd, &n);
	switch (r->stop_why) {
	case VCPU_STOP_SHUTDOWN:
	case VCPU_STOP_RESET:
		if (b->cfg->no_reboot) {
			probe_emit(PROBE_SHUTDOWN, 0, 0);
			r->quit = true;
			r->status = MICROVM_OK;
		} else {
			reset_machine(b);
		}
		break;
	case VCPU_STOP_ERROR:
		fail(r);
		break;
	default:
		break;
	}
}

static void on_signal(void *ctx, uint32_t events)
{
	struct microvm_run *r = ctx;
	struct signalfd_siginfo si;

	(void)events;
	if (read(r->signal_fd, &si, sizeof(si)) == sizeof(si))
		log_info("terminating on signal %u", si.ssi_signo);
	r->quit = true;
	r->status = MICROVM_OK;
}

/* ---- host input for the UART ---- */

/* What the UART takes of the input; for the rest it signals when it has
 * drained (serial_in_waiting is the UART's, so it goes under its lock). */
static void feed_input(struct microvm_board *b)
{
	struct microvm_devices *d = &b->dev;
	struct microvm_run *r = &b->run;
	size_t n;

	bus_lock_device(&d->pio, &d->serial);
	n = serial_receive(&d->serial, r->input, r->input_len);
	d->serial_in_waiting = n < r->input_len;
	bus_unlock_device(&d->pio, &d->serial);
	memmove(r->input, r->input + n, r->input_len - n);
	r->input_len -= n;
}

static void on_stdin(void *ctx, uint32_t events)
{
	struct microvm_board *b = ctx;
	struct microvm_run *r = &b->run;
	ssize_t n = read(STDIN_FILENO, r->input, sizeof(r->input));

	(void)events;
	if (n <= 0) {
		if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
			evloop_del(&b->loop, STDIN_FILENO); /* EOF: the guest runs on */
			r->stdin_polled = false;
		}
		return;
	}
	r->input_len = (size_t)n;
	feed_input(b);
	/* A full FIFO: stop reading until the guest drains it (on_serial_room). */
	if (r->input_len) {
		evloop_del(&b->loop, STDIN_FILENO);
		r->stdin_polled = false;
	}
}

/* The UART drained: the rest of the input, then read more. */
static void on_serial_room(void *ctx, uint32_t events)
{
	struct microvm_board *b = ctx;
	struct microvm_run *r = &b->run;
	eventfd_t n;

	(void)events;
	eventfd_read(b->dev.serial_in_fd, &n);
	if (r->input_len)
		feed_input(b);
	if (!r->input_len && !r->stdin_polled)
		r->stdin_polled = !evloop_add(&b->loop, STDIN_FILENO, EPOLLIN, on_stdin, b);
}

/* ---- the loop's lifetime ---- */

static void run_init(struct microvm_run *r)
{
	memset(r, 0, sizeof(*r));
	r->stop_fd = r->signal_fd = -1;
	r->stop_why = -1;
}

static int run_open(struct microvm_board *b)
{
	struct microvm_run *r = &b->run;
	sigset_t sigs;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	/* Blocked before vCPU threads exist, so only the signalfd sees them. */
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	/* A console or trace reader that went away is a failed write, not our end. */
	signal(SIGPIPE, SIG_IGN);
	r->signal_fd = signalfd(-1, &sigs, SFD_CLOEXEC);
	r->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (r->signal_fd < 0 || r->stop_fd < 0 ||
	    evloop_add(&b->loop, r->signal_fd, EPOLLIN, on_signal, r) ||
	    evloop_add(&b->loop, r->stop_fd, EPOLLIN, on_vcpu_stop, b))
		return MICROVM_EVMM;
	b->env.stopped = vcpu_stopped;
	b->env.ctx = r;
	if (b->dev.serial_in_fd >= 0) {
		if (evloop_add(&b->loop, b->dev.serial_in_fd, EPOLLIN, on_serial_room, b))
			return MICROVM_EVMM;
		r->stdin_polled = !evloop_add(&b->loop, STDIN_FILENO, EPOLLIN, on_stdin, b);
	}
	return MICROVM_OK;
}

/* The vCPUs are joined and the loop runs no more (its handlers go with
 * it at microvm_destroy()). */
static void run_close(struct microvm_run *r)
{
	if (r->signal_fd >= 0)
		close(r->signal_fd);
	if (r->stop_fd >= 0)
		close(r->stop_fd);
	r->signal_fd = r->stop_fd = -1;
}

/* ---- the end: output the host has not read yet ---- */

/* Guest output the host has not read yet, and how much it has read. */
static size_t output_pending(struct microvm_board *b, uint64_t *written)
{
	size_t pending = virtio_slots_output_pending(&b->dev.virtio, written);

	if (b->layout.serial) {
		pending += outbuf_pending(&b->dev.serial_out);
		*written += outbuf_written(&b->dev.serial_out);
	}
	return pending;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The guest stopped, its last output perhaps still queued for a slow
 * reader: keep the loop writing it while the reader takes some at least
 * every DRAIN_IDLE_MS.  A signal ends the wait; the status stays the
 * guest's.  The machine is ending: a later vCPU stop may not reset it. */
#define DRAIN_IDLE_MS 1000

static void drain_output(struct microvm_board *b)
{
	struct microvm_run *r = &b->run;
	int status = r->status;
	uint64_t written, before, progress = now_ms();

	evloop_del(&b->loop, r->stop_fd);
	r->quit = false;
	while (!r->quit && output_pending(b, &before) && now_ms() - progress < DRAIN_IDLE_MS) {
		if (evloop_run_once(&b->loop, 100) < 0)
			break;
		output_pending(b, &written);
		if (written != before)
			progress = now_ms();
	}
	r->quit = true;
	r->status = status;
}

static void loop(struct microvm_board *b)
{
	struct microvm_run *r = &b->run;

	start_vcpus(b);
	while (!r->quit) {
		if (evloop_run_once(&b->loop, -1) < 0) {
			log_err("event loop: %s", strerror(errno));
			r->status = MICROVM_EVMM;
			break;
		}
	}
	if (__atomic_load_n(&r->stop_why, __ATOMIC_SEQ_CST) >= 0)
		drain_output(b);
	stop_vcpus(b);
}

int microvm_run(struct microvm *m)
{
	struct microvm_board *b = m->board;
	int status = MICROVM_EVMM;

	run_init(&b->run);
	if (run_open(b)) {
		log_err("cannot set up the event loop: %s", strerror(errno));
	} else if (b->cfg->sandbox && sandbox_enter_process()) {
		/* Everything is open and mapped: from here on, only the allowlist. */
		log_err("cannot install the seccomp filter: %s (-sandbox off runs without)",
			strerror(errno));
	} else {
		loop(b);
		status = b->run.status;
	}
	run_close(&b->run);
	return status;
}
