/* fuzz_virtio_net.c: a guest driving virtio-net through its transport
 * (see fuzz_virtio.h), with a datagram socket pair for the tap: the
 * device's end behaves as a tap without offloads does (one frame per
 * read and write), the host's end receives what the guest transmits and
 * sends the frames the input gives (0xfe: a 2-byte length, then bytes). */
#include <sys/socket.h>

#include "fuzz_virtio.h"
#include "virtio/net.h"

#define MAX_FRAME 2048

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static struct fuzz_virtio f;
static struct virtio_net net;
static int tap[2]; /* [0] the device's, [1] the host network's */

static void drain(int fd)
{
	static uint8_t frame[65536];

	while (recv(fd, frame, sizeof(frame), MSG_DONTWAIT) >= 0)
		;
}

/* Frames of the previous input: transmitted, or not yet received. */
static void drop_leftovers(void)
{
	drain(tap[0]);
	drain(tap[1]);
}

static void drain_transmitted(void)
{
	drain(tap[1]);
}

static void send_frame(struct fuzz_in *in)
{
	const uint8_t *frame;
	size_t len = fuzz_virtio_span(in, fuzz_take(in, 2) % (MAX_FRAME + 1), &frame);

	/* A full socket drops the frame, as a full tap queue would. */
	(void)send(tap[1], frame, len, MSG_DONTWAIT);
}

static void setup(void)
{
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, tap))
		__builtin_trap();
	fuzz_virtio_setup(&f);
	virtio_net_attach_fd(&net, tap[0], mac, &f.loop);
	fuzz_virtio_attach(&f, &virtio_net_backend, &net);
	f.begin = drop_leftovers;
	f.host = send_frame;
	f.settle = drain_transmitted;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!f.mem.ram)
		setup();
	fuzz_virtio_run(&f, data, size);
	return 0;
}
