/* microvm_run.c: the running machine: the main thread's event loop (signals,
 * host input, device timers, vCPU stops), guest reset and shutdown. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "board/microvm.h"
#include "probe.h"
#include "host/sandbox.h"

static void start_vcpus(struct microvm *m)
{
	for (unsigned i = 0; i < m->ncpus; i++) {
		if (vcpu_start(&m->vcpu[i], &m->env, i + 1)) {
			log_err("cannot start vCPU %u thread", i);
			m->quit = true;
			m->status = MICROVM_EVMM;
		}
	}
}

static void stop_vcpus(struct microvm *m)
{
	for (unsigned i = 0; i < m->ncpus; i++)
		vcpu_kick(&m->vcpu[i]);
	for (unsigned i = 0; i < m->ncpus; i++)
		vcpu_join(&m->vcpu[i]);
}

static void reset_machine(struct microvm *m)
{
	stop_vcpus(m);
	probe_emit(PROBE_RESET, 0, 0);
	microvm_reset_devices(m);
	if (microvm_load_boot(m)) {
		m->quit = true;
		m->status = MICROVM_EVMM;
		return;
	}
	m->stop_why = -1;
	start_vcpus(m);
}

static void on_vcpu_stop(void *ctx, uint32_t events)
{
	struct microvm *m = ctx;
	eventfd_t n;

	(void)events;
	eventfd_read(m->stop_fd, &n);
	switch (m->stop_why) {
	case VCPU_STOP_SHUTDOWN:
	case VCPU_STOP_RESET:
		if (m->cfg->no_reboot) {
			probe_emit(PROBE_SHUTDOWN, 0, 0);
			m->quit = true;
			m->status = MICROVM_OK;
		} else {
			reset_machine(m);
		}
		break;
	case VCPU_STOP_ERROR:
		m->quit = true;
		m->status = MICROVM_EVMM;
		break;
	default:
		break;
	}
}

static void on_signal(void *ctx, uint32_t events)
{
	struct microvm *m = ctx;
	struct signalfd_siginfo si;

	(void)events;
	if (read(m->signal_fd, &si, sizeof(si)) == sizeof(si))
		log_info("terminating on signal %u", si.ssi_signo);
	m->quit = true;
	m->status = MICROVM_OK;
}

static void feed_input(struct microvm *m)
{
	size_t n = serial_receive(&m->serial, m->input, m->input_len);

	memmove(m->input, m->input + n, m->input_len - n);
	m->input_len -= n;
}

static void on_stdin(void *ctx, uint32_t events)
{
	struct microvm *m = ctx;
	ssize_t n = read(STDIN_FILENO, m->input, sizeof(m->input));

	(void)events;
	if (n <= 0) {
		if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
			evloop_del(&m->loop, STDIN_FILENO); /* EOF: the guest runs on */
			m->stdin_polled = false;
		}
		return;
	}
	m->input_len = (size_t)n;
	feed_input(m);
	/* A full FIFO: stop reading until the guest drains it (polled below). */
	if (m->input_len) {
		evloop_del(&m->loop, STDIN_FILENO);
		m->stdin_polled = false;
	}
}

static void retry_input(struct microvm *m)
{
	feed_input(m);
	if (!m->input_len && !m->stdin_polled)
		m->stdin_polled = !evloop_add(&m->loop, STDIN_FILENO, EPOLLIN, on_stdin, m);
}

static int setup_loop(struct microvm *m)
{
	sigset_t sigs;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	/* Blocked before vCPU threads exist, so only the signalfd sees them. */
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	/* A console or trace reader that went away is a failed write, not our end. */
	signal(SIGPIPE, SIG_IGN);
	m->signal_fd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (m->signal_fd < 0 || evloop_add(&m->loop, m->signal_fd, EPOLLIN, on_signal, m) ||
	    evloop_add(&m->loop, m->stop_fd, EPOLLIN, on_vcpu_stop, m))
		return MICROVM_EVMM;
	if (m->has_serial && m->cfg->serial == SERIAL_STDIO)
		m->stdin_polled = !evloop_add(&m->loop, STDIN_FILENO, EPOLLIN, on_stdin, m);
	return MICROVM_OK;
}

/* Guest output the host has not read yet, and how much it has read. */
static size_t output_pending(struct microvm *m, uint64_t *written)
{
	size_t pending = 0;

	*written = 0;
	if (m->has_serial) {
		pending += outbuf_pending(&m->serial_outbuf);
		*written += outbuf_written(&m->serial_outbuf);
	}
	for (unsigned i = 0; i < m->ncon; i++) {
		if (m->con[i].chr) {
			pending += chardev_output_pending(m->con[i].chr);
			*written += chardev_output_written(m->con[i].chr);
		}
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

static void drain_output(struct microvm *m)
{
	int status = m->status;
	uint64_t written, before, progress = now_ms();

	evloop_del(&m->loop, m->stop_fd);
	m->quit = false;
	while (!m->quit && output_pending(m, &before) && now_ms() - progress < DRAIN_IDLE_MS) {
		if (evloop_run_once(&m->loop, 100) < 0)
			break;
		output_pending(m, &written);
		if (written != before)
			progress = now_ms();
	}
	m->quit = true;
	m->status = status;
}

int microvm_run(struct microvm *m)
{
	if (setup_loop(m)) {
		log_err("cannot set up the event loop: %s", strerror(errno));
		return MICROVM_EVMM;
	}
	/* Everything is open and mapped: from here on, only the allowlist. */
	if (m->cfg->sandbox && sandbox_enter_process()) {
		log_err("cannot install the seccomp filter: %s (-sandbox off runs without)",
			strerror(errno));
		return MICROVM_EVMM;
	}
	start_vcpus(m);
	while (!m->quit) {
		if (evloop_run_once(&m->loop, m->input_len ? 10 : -1) < 0) {
			log_err("event loop: %s", strerror(errno));
			m->status = MICROVM_EVMM;
			break;
		}
		if (m->input_len)
			retry_input(m);
	}
	if (__atomic_load_n(&m->stop_why, __ATOMIC_SEQ_CST) >= 0)
		drain_output(m);
	stop_vcpus(m);
	return m->status;
}

