/* test_outbuf.c: output that never waits for the host, on real pipes,
 * FIFOs, sockets and files.  A write that blocked would hang the test:
 * alarm() turns that into a failure. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "host/outbuf.h"

#define PAGE 4096
#define MUCH (PAGE + OUTBUF_SIZE + 1000) /* more than a one-page pipe and the buffer hold */

static struct evloop loop;
static struct outbuf o;
static unsigned rooms;
static uint8_t pattern[MUCH];
static int pipe_fd[2]; /* the test's pipe, if it makes one: read end, write end */

static void count_room(void *ctx)
{
	(void)ctx;
	rooms++;
}

static void setup(void)
{
	rooms = 0;
	pipe_fd[0] = pipe_fd[1] = -1;
	CHECK_EQ(evloop_init(&loop), 0);
	outbuf_init(&o, &loop, count_room, NULL);
	for (unsigned i = 0; i < MUCH; i++)
		pattern[i] = (uint8_t)(i * 7 + (i >> 8));
}

static void teardown(void)
{
	outbuf_detach(&o);
	evloop_close(&loop);
	for (int i = 0; i < 2; i++)
		if (pipe_fd[i] >= 0)
			close(pipe_fd[i]);
}

/* The buffer writes into a pipe holding one page ((shared): a descriptor
 * mvm shares with its parent). */
static void attach_small_pipe(bool shared)
{
	CHECK_EQ(pipe2(pipe_fd, O_CLOEXEC), 0);
	CHECK_EQ(fcntl(pipe_fd[0], F_SETPIPE_SZ, PAGE), PAGE);
	CHECK_EQ(outbuf_attach(&o, pipe_fd[1], shared), 0);
}

/* Bytes waiting in the pipe or FIFO (fd). */
static size_t unread(int fd)
{
	int n = -1;

	CHECK_EQ(ioctl(fd, FIONREAD, &n), 0);
	return (size_t)n;
}

/* Offer (n) pattern bytes in 1000-byte writes, as a UART or console
 * would, until one is refused; returns how many were taken. */
static size_t offer(size_t n)
{
	size_t taken = 0;

	while (taken < n) {
		size_t chunk = n - taken < 1000 ? n - taken : 1000;
		size_t w = outbuf_write(&o, pattern + taken, chunk);

		taken += w;
		if (w < chunk)
			break;
	}
	return taken;
}

/* Offer more than the pipe and the buffer hold: they take exactly what
 * they hold (returned), the rest is refused. */
static size_t fill_pipe_and_buffer(void)
{
	size_t taken = offer(MUCH);

	CHECK_EQ(taken, unread(pipe_fd[0]) + OUTBUF_SIZE);
	return taken;
}

/* Read everything (r) gets while the loop writes what is queued, and
 * compare it with the pattern. */
static void read_all_and_check(int r, size_t want)
{
	uint8_t *got = malloc(want + 1);
	size_t n = 0;

	CHECK_EQ(fcntl(r, F_SETFL, O_NONBLOCK), 0);
	for (unsigned spins = 0; n < want && spins < 100000; spins++) {
		ssize_t k = read(r, got + n, want + 1 - n);

		if (k > 0)
			n += (size_t)k;
		evloop_run_once(&loop, 0);
	}
	CHECK_EQ(n, want);
	CHECK(!memcmp(got, pattern, want));
	free(got);
}

static void test_outbuf_without_descriptor_drops_everything(void)
{
	CHECK_EQ(outbuf_write(&o, pattern, 100), 100);
	CHECK_EQ(outbuf_pending(&o), 0);
	CHECK_EQ(outbuf_room(&o), OUTBUF_SIZE);
}

static void test_outbuf_writes_through_while_the_host_reads(void)
{
	char got[8] = { 0 };

	attach_small_pipe(false);
	CHECK_EQ(outbuf_write(&o, "hello", 5), 5);
	CHECK_EQ(outbuf_pending(&o), 0);
	CHECK(!o.watched);
	CHECK_EQ(read(pipe_fd[0], got, sizeof(got)), 5);
	CHECK(!strcmp(got, "hello"));
	CHECK_EQ(outbuf_written(&o), 5);
}

static void test_outbuf_unread_pipe_fills_buffer_then_refuses(void)
{
	attach_small_pipe(false);
	fill_pipe_and_buffer();
	CHECK(unread(pipe_fd[0]) > PAGE / 2);
	CHECK_EQ(outbuf_pending(&o), OUTBUF_SIZE);
	CHECK_EQ(outbuf_room(&o), 0);
	CHECK_EQ(outbuf_write(&o, "x", 1), 0);
	CHECK(o.watched);
	CHECK_EQ(rooms, 0);
}

static void test_outbuf_drains_in_order_and_tells_the_owner(void)
{
	size_t taken;

	attach_small_pipe(false);
	taken = fill_pipe_and_buffer();
	read_all_and_check(pipe_fd[0], taken);
	CHECK_EQ(outbuf_pending(&o), 0);
	CHECK(rooms > 0);
	CHECK(!o.watched); /* nothing queued: EPOLLOUT no longer watched */
	CHECK_EQ(outbuf_written(&o), taken);
}

static void test_outbuf_gone_reader_drops_queue_and_tells_the_owner(void)
{
	attach_small_pipe(false);
	offer(MUCH);
	close(pipe_fd[0]);
	pipe_fd[0] = -1;
	evloop_run_once(&loop, 100); /* EPOLLERR: the write fails with EPIPE */
	CHECK_EQ(rooms, 1);
	CHECK_EQ(outbuf_pending(&o), 0);
	CHECK(!o.watched);
	CHECK_EQ(outbuf_write(&o, "more", 4), 4); /* dropped */
}

static void test_outbuf_shared_pipe_keeps_its_flags_and_never_waits(void)
{
	size_t taken;

	attach_small_pipe(true);
	CHECK(o.fd != pipe_fd[1]); /* a description of its own */
	CHECK_EQ(o.how, OUTBUF_WRITE);
	CHECK_EQ(fcntl(pipe_fd[1], F_GETFL) & O_NONBLOCK, 0);
	taken = fill_pipe_and_buffer();
	CHECK_EQ(fcntl(pipe_fd[1], F_GETFL) & O_NONBLOCK, 0);
	read_all_and_check(pipe_fd[0], taken);
}

/* Run the loop until it writes nothing more (the host is full). */
static void run_until_stuck(void)
{
	uint64_t before;

	do {
		before = outbuf_written(&o);
		evloop_run_once(&loop, 10);
	} while (outbuf_written(&o) != before);
}

static void test_outbuf_shared_fifo_not_reopened_is_written_by_the_loop_only(void)
{
	char path[64];
	size_t taken;
	int r, w;

	snprintf(path, sizeof(path), "/tmp/mvm-test-outbuf-%d", (int)getpid());
	unlink(path);
	CHECK_EQ(mkfifo(path, 0600), 0);
	r = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	w = open(path, O_WRONLY | O_CLOEXEC);
	close(r); /* no reader now: reopening it is refused (ENXIO) */
	CHECK_EQ(outbuf_attach(&o, w, true), 0);
	CHECK_EQ(o.how, OUTBUF_GUARDED);
	CHECK_EQ(o.fd, w);
	r = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC); /* a reader again */
	CHECK_EQ(fcntl(r, F_SETPIPE_SZ, PAGE), PAGE);
	taken = offer(MUCH);
	CHECK_EQ(taken, OUTBUF_SIZE); /* all queued: writers never write a guarded one */
	CHECK_EQ(unread(r), 0);
	run_until_stuck(); /* writes while EPOLLOUT says so, never blocking (else: alarm) */
	CHECK(unread(r) > 0);
	CHECK_EQ(outbuf_pending(&o) + unread(r), OUTBUF_SIZE);
	CHECK_EQ(fcntl(w, F_GETFL) & O_NONBLOCK, 0);
	read_all_and_check(r, taken);
	outbuf_detach(&o); /* before its descriptor goes */
	close(r);
	close(w);
	unlink(path);
}

static void test_outbuf_shared_socket_is_written_by_the_loop_only(void)
{
	int sv[2], small = PAGE;

	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	CHECK_EQ(setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
	CHECK_EQ(outbuf_attach(&o, sv[1], true), 0);
	CHECK_EQ(o.how, OUTBUF_GUARDED);
	CHECK_EQ(offer(MUCH), OUTBUF_SIZE);
	run_until_stuck(); /* the send buffer fills, the loop stops writing */
	CHECK(outbuf_pending(&o) > 0);
	CHECK(outbuf_written(&o) > 0);
	CHECK_EQ(fcntl(sv[1], F_GETFL) & O_NONBLOCK, 0);
	read_all_and_check(sv[0], OUTBUF_SIZE);
	outbuf_detach(&o); /* before its descriptor goes */
	close(sv[0]);
	close(sv[1]);
}

static void test_outbuf_regular_file_is_written_as_it_is(void)
{
	FILE *f = tmpfile();
	int fd = fileno(f);

	CHECK_EQ(outbuf_attach(&o, fd, true), 0);
	CHECK_EQ(o.fd, fd);
	CHECK_EQ(offer(MUCH), MUCH);
	CHECK_EQ(outbuf_pending(&o), 0);
	CHECK_EQ(lseek(fd, 0, SEEK_END), MUCH);
	outbuf_detach(&o); /* before its descriptor goes */
	fclose(f);
}

static void test_outbuf_detach_drops_queue_and_closes_its_own_descriptor(void)
{
	int own;

	attach_small_pipe(true);
	own = o.own_fd;
	CHECK(own >= 0);
	offer(MUCH);
	outbuf_detach(&o);
	CHECK_EQ(outbuf_pending(&o), 0);
	CHECK_EQ(fcntl(own, F_GETFD), -1);
	CHECK(fcntl(pipe_fd[1], F_GETFD) >= 0); /* the caller's stays open */
	CHECK_EQ(outbuf_write(&o, "x", 1), 1); /* dropped again */
}

int main(void)
{
	alarm(60); /* a blocked write is a failure, not a hang */
	check_setup = setup;
	check_teardown = teardown;
	signal(SIGPIPE, SIG_IGN); /* as mvm: a gone reader is a failed write */
	RUN(test_outbuf_without_descriptor_drops_everything);
	RUN(test_outbuf_writes_through_while_the_host_reads);
	RUN(test_outbuf_unread_pipe_fills_buffer_then_refuses);
	RUN(test_outbuf_drains_in_order_and_tells_the_owner);
	RUN(test_outbuf_gone_reader_drops_queue_and_tells_the_owner);
	RUN(test_outbuf_shared_pipe_keeps_its_flags_and_never_waits);
	RUN(test_outbuf_shared_fifo_not_reopened_is_written_by_the_loop_only);
	RUN(test_outbuf_shared_socket_is_written_by_the_loop_only);
	RUN(test_outbuf_regular_file_is_written_as_it_is);
	RUN(test_outbuf_detach_drops_queue_and_closes_its_own_descriptor);
	return check_summary("outbuf");
}
