/* test_virtio_console.c: hvc0 output and input through a Unix-socket
 * chardev, as `-chardev socket,server=on` gives it. */
#include <linux/virtio_mmio.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"
#include "vdriver.h"
#include "virtio/console.h"

enum { RXQ = 0, TXQ = 1 };

static struct vdriver d;
static struct virtio_console con;
static struct chardev chr;
static char path[64];
static int client;

/* What the device showed its events handler of the guest's output. */
static char shown[64];
static size_t nshown;

static void record_output(void *ctx, const uint8_t *buf, size_t n)
{
	(void)ctx;
	for (size_t i = 0; i < n && nshown < sizeof(shown) - 1; i++)
		shown[nshown++] = (char)buf[i];
}

static void start(void)
{
	struct chardev_opts o = { "con0", CHARDEV_SOCKET, path, true, false };
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	const char *why = NULL;

	snprintf(path, sizeof(path), "/tmp/mvm-test-con-%d", (int)getpid());
	memset(shown, 0, sizeof(shown));
	nshown = 0;
	virtio_console_init(&con, (struct virtio_console_events){ record_output, NULL });
	vd_init(&d, &virtio_console_backend, &con, false);
	CHECK_EQ(chardev_open(&chr, &o, &d.loop, virtio_console_input, &con, &why), 0);
	con.chr = &chr;
	client = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	strcpy(a.sun_path, path);
	CHECK_EQ(connect(client, (struct sockaddr *)&a, sizeof(a)), 0);
	vd_poll(&d); /* accept */
	vd_negotiate(&d, 1ULL << 32); /* VERSION_1 */
	vd_queue(&d, RXQ);
	vd_queue(&d, TXQ);
	vd_driver_ok(&d);
}

static void stop(void)
{
	vd_free(&d);
	chardev_close(&chr);
	close(client);
	unlink(path);
}

static void test_output_reaches_the_chardev(void)
{
	struct vd_buf b[2] = { { VD_BUFS, 6, false }, { VD_BUFS + 0x100, 7, false } };
	char got[32] = { 0 };

	start();
	memcpy(mem_ptr(&d.mem, VD_BUFS, 6), "hello ", 6);
	memcpy(mem_ptr(&d.mem, VD_BUFS + 0x100, 7), "world\r\n", 7);
	CHECK_EQ(vd_request(&d, TXQ, b, 2), 0);
	CHECK_EQ(read(client, got, sizeof(got)), 13);
	CHECK(!strcmp(got, "hello world\r\n"));
	CHECK(!strcmp(shown, "hello world\r\n"));
	CHECK_EQ(con.bytes_out, 13);
	stop();
}

static void test_input_fills_receive_buffers(void)
{
	struct vd_buf b = { VD_BUFS, 4, true };

	start();
	CHECK_EQ(vd_request(&d, RXQ, &b, 1), -1); /* no input yet */
	CHECK_EQ(write(client, "abcdef", 6), 6);
	vd_poll(&d);
	/* The posted 4-byte buffer took "abcd"; "ef" waits for the next one. */
	CHECK(!memcmp(mem_ptr(&d.mem, VD_BUFS, 4), "abcd", 4));
	CHECK_EQ(con.npending, 2);
	CHECK_EQ(vd_request(&d, RXQ, &b, 1), 2);
	CHECK(!memcmp(mem_ptr(&d.mem, VD_BUFS, 2), "ef", 2));
	CHECK_EQ(con.bytes_in, 6);
	stop();
}

static void test_client_leaving_keeps_the_guest_running(void)
{
	struct vd_buf b = { VD_BUFS, 5, false };

	start();
	close(client);
	vd_poll(&d); /* end of input: the client is dropped */
	memcpy(mem_ptr(&d.mem, VD_BUFS, 5), "lost\n", 5);
	CHECK_EQ(vd_request(&d, TXQ, &b, 1), 0);
	CHECK_EQ(con.bytes_out, 5);
	client = socket(AF_UNIX, SOCK_STREAM, 0); /* for stop() */
	stop();
}

/* The client stops reading: the device stops taking chains (they wait in
 * the ring) instead of blocking or dropping, and once the client reads
 * again every byte comes out, in order. */
static void test_unread_client_holds_chains_until_it_reads(void)
{
	enum { CHAIN = 4096, MAX = 12 };
	int small = CHAIN;
	unsigned offered = 0;
	uint8_t *got = calloc(MAX, CHAIN);
	size_t n = 0;

	start();
	CHECK_EQ(setsockopt(chr.out_fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
	while (offered < MAX) {
		struct vd_buf b = { VD_BUFS + offered * CHAIN, CHAIN, false };

		memset(mem_ptr(&d.mem, b.gpa, CHAIN), 'a' + offered, CHAIN);
		offered++;
		if (vd_request(&d, TXQ, &b, 1) < 0)
			break;
	}
	CHECK(offered < MAX); /* back-pressure before the socket and buffer took them all */
	CHECK_EQ(vd_used_idx(&d, TXQ), offered - 1);
	CHECK_EQ(fcntl(client, F_SETFL, O_NONBLOCK), 0);
	for (unsigned spins = 0; n < offered * CHAIN && spins < 100000; spins++) {
		ssize_t k = read(client, got + n, MAX * CHAIN - n);

		n += k > 0 ? (size_t)k : 0;
		vd_poll(&d);
	}
	CHECK_EQ(n, offered * CHAIN);
	CHECK_EQ(vd_used_idx(&d, TXQ), offered);
	for (size_t i = 0; i < n; i++)
		if (got[i] != 'a' + i / CHAIN) {
			CHECK_EQ(got[i], 'a' + i / CHAIN);
			break;
		}
	CHECK_EQ(con.bytes_out, offered * CHAIN);
	free(got);
	stop();
}

int main(void)
{
	RUN(test_output_reaches_the_chardev);
	RUN(test_input_fills_receive_buffers);
	RUN(test_client_leaving_keeps_the_guest_running);
	RUN(test_unread_client_holds_chains_until_it_reads);
	return check_summary("virtio_console");
}
