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

static void count_room(void *ctx)
{
	(void)ctx;
	rooms++;
}

static void setup(void)
{
	rooms = 0;
	CHECK_EQ(evloop_init(&loop), 0);
	outbuf_init(&o, &loop, count_room, NULL);
	for (unsigned i = 0; i < MUCH; i++)
		pattern[i] = (uint8_t)(i * 7 + (i >> 8));
}

static void teardown(void)
{
	outbuf_detach(&o);
	evloop_close(&loop);
}

/* A pipe holding one page: (fd[0]) read end, (fd[1]) write end. */
static void small_pipe(int fd[2])
{
	CHECK_EQ(pipe2(fd, O_CLOEXEC), 0);
	CHECK_EQ(fcntl(fd[0], F_SETPIPE_SZ, PAGE), PAGE);
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
	setup();
	CHECK_EQ(outbuf_write(&o, pattern, 100), 100);
	CHECK_EQ(outbuf_pending(&o), 0);
	CHECK_EQ(outbuf_room(&o), OUTBUF_SIZE);
	teardown();
}

static void test_outbuf_writes_through_while_the_host_reads(void)
{
	int fd[2];
	char got[8] = { 0 };

	setup();
	small_pipe(fd);
	CHECK_EQ(outbuf_attach(&o, fd[1], false), 0);
	CHECK_EQ(outbuf_write(&o, "hello", 5), 5);
	CHECK_EQ(outbuf_pending(&o), 0);
	CHECK(!o.watched);
	CHECK_EQ(read(fd[0], got, sizeof(got)), 5);
	CHECK(!strcmp(got, "hello"));
	CHECK_EQ(outbuf_written(&o), 5);
	teardown();
	close(fd[0]);
	close(fd[1]);
}

static void test_outbuf_unread_pipe_fills_buffer_then_refuses(void)
{
	int fd[2];

	setup();
	small_pipe(fd);
	CHECK_EQ(outbuf_attach(&o, fd[1], false), 0);
	CHECK_EQ(offer(MUCH), unread(fd[0]) + OUTBUF_SIZE);
	CHECK(unread(fd[0]) > PAGE / 2);
	CHECK_EQ(outbuf_pending(&o), OUTBUF_SIZE);
	CHECK_EQ(outbuf_room(&o), 0);
	CHECK_EQ(outbuf_write(&o, "x", 1), 0);
	CHECK(o.watched);
	CHECK_EQ(rooms, 0);
	teardown();
	close(fd[0]);
	close(fd[1]);
}

static void test_outbuf_drains_in_order_and_tells_the_owner(void)
{
	int fd[2];
	size_t taken;

	setup();
	small_pipe(fd);
	CHECK_EQ(outbuf_attach(&o, fd[1], false), 0);
	taken = offer(MUCH);
	CHECK_EQ(taken, unread(fd[0]) + OUTBUF_SIZE);
	read_all_and_check(fd[0], taken);
	CHECK_EQ(outbuf_pending(&o), 0);
	CHECK(rooms > 0);
	CHECK(!o.watched); /* nothing queued: EPOLLOUT no longer watched */
	CHECK_EQ(outbuf_written(&o), taken);
	teardown();
	close(fd[0]);
	close(fd[1]);
}

static void test_outbuf_gone_reader_drops_queue_and_tells_the_owner(void)
{
	int fd[2];

	setup();
	small_pipe(fd);
	CHECK_EQ(outbuf_attach(&o, fd[1], false), 0);
	offer(MUCH);
	close(fd[0]);
	evloop_run_once(&loop, 100); /* EPOLLERR: the write fails with EPIPE */
	CHECK_EQ(rooms, 1);
	CHECK_EQ(outbuf_pending(&o), 0);
	CHECK(!o.watched);
	CHECK_EQ(outbuf_write(&o, "more", 4), 4); /* dropped */
	teardown();
	close(fd[1]);
}

static void test_outbuf_shared_pipe_keeps_its_flags_and_never_waits(void)
{
	int fd[2];
	size_t taken;

	setup();
	small_pipe(fd);
	CHECK_EQ(outbuf_attach(&o, fd[1], true), 0);
	CHECK(o.fd != fd[1]); /* a description of its own */
	CHECK_EQ(o.how, OUTBUF_WRITE);
	CHECK_EQ(fcntl(fd[1], F_GETFL) & O_NONBLOCK, 0);
	taken = offer(MUCH);
	CHECK_EQ(taken, unread(fd[0]) + OUTBUF_SIZE);
	CHECK_EQ(fcntl(fd[1], F_GETFL) & O_NONBLOCK, 0);
	read_all_and_check(fd[0], taken);
	teardown();
	close(fd[0]);
	close(fd[1]);
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

	setup();
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
	teardown();
	close(r);
	close(w);
	unlink(path);
}

static void test_outbuf_shared_socket_is_written_by_the_loop_only(void)
{
	int sv[2], small = PAGE;

	setup();
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
	teardown();
	close(sv[0]);
	close(sv[1]);
}

static void test_outbuf_regular_file_is_written_as_it_is(void)
{
	FILE *f = tmpfile();
	int fd = fileno(f);

	setup();
	CHECK_EQ(outbuf_attach(&o, fd, true), 0);
	CHECK_EQ(o.fd, fd);
	CHECK_EQ(offer(MUCH), MUCH);
	CHECK_EQ(outbuf_pending(&o), 0);
	CHECK_EQ(lseek(fd, 0, SEEK_END), MUCH);
	teardown();
	fclose(f);
}

static void test_outbuf_detach_drops_queue_and_closes_its_own_descriptor(void)
{
	int fd[2], own;

	setup();
	small_pipe(fd);
	CHECK_EQ(outbuf_attach(&o, fd[1], true), 0);
	own = o.own_fd;
	CHECK(own >= 0);
	offer(MUCH);
	outbuf_detach(&o);
	CHECK_EQ(outbuf_pending(&o), 0);
	CHECK_EQ(fcntl(own, F_GETFD), -1);
	CHECK(fcntl(fd[1], F_GETFD) >= 0); /* the caller's stays open */
	CHECK_EQ(outbuf_write(&o, "x", 1), 1); /* dropped again */
	teardown();
	close(fd[0]);
	close(fd[1]);
}

int main(void)
{
	alarm(60); /* a blocked write is a failure, not a hang */
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
