/* test_virtio_net.c: virtio-net frames between the guest's queues and a
 * datagram socket standing in for the tap (frame boundaries kept). */
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_net.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "vdriver.h"
#include "virtio/net.h"

enum { RXQ = 0, TXQ = 1 };
#define HDR sizeof(struct virtio_net_hdr_v1)

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static struct vdriver d;
static struct virtio_net net;
static int host; /* the "tap" side the host network sees */

static void start(void)
{
	int sv[2];

	CHECK_EQ(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
	host = sv[1];
	vd_init(&d, &virtio_net_backend, &net, false);
	virtio_net_attach_fd(&net, sv[0], mac, &d.loop);
	vd_negotiate(&d, (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_NET_F_MAC) |
				 (1ULL << VIRTIO_NET_F_STATUS));
	vd_queue(&d, RXQ);
	vd_queue(&d, TXQ);
	vd_driver_ok(&d);
}

static void stop(void)
{
	vd_free(&d);
	virtio_net_close(&net);
	close(host);
}

static void test_config_has_mac_and_link_up(void)
{
	start();
	CHECK_EQ(virtio_mmio_ops.read(&d.t, VIRTIO_MMIO_CONFIG, 1), 0x52);
	CHECK_EQ(virtio_mmio_ops.read(&d.t, VIRTIO_MMIO_CONFIG + 5, 1), 0x56);
	CHECK_EQ(virtio_mmio_ops.read(&d.t, VIRTIO_MMIO_CONFIG + 6, 2), VIRTIO_NET_S_LINK_UP);
	stop();
}

static void test_transmit_reaches_the_tap_with_header(void)
{
	struct vd_buf b[2] = { { VD_BUFS, HDR, false }, { VD_BUFS + 0x100, 60, false } };
	uint8_t got[256];

	start();
	memset(mem_ptr(&d.mem, VD_BUFS, HDR), 0, HDR);
	memset(mem_ptr(&d.mem, VD_BUFS + 0x100, 60), 0x77, 60);
	CHECK_EQ(vd_request(&d, TXQ, b, 2), 0);
	CHECK_EQ(read(host, got, sizeof(got)), HDR + 60);
	CHECK_EQ(got[HDR], 0x77);
	CHECK_EQ(net.tx_packets, 1);
	stop();
}

static void test_transmit_shorter_than_header_is_dropped(void)
{
	struct vd_buf b = { VD_BUFS, 4, false };
	uint8_t got[64];

	start();
	CHECK_EQ(vd_request(&d, TXQ, &b, 1), 0);
	CHECK(read(host, got, sizeof(got)) < 0);
	CHECK_EQ(net.tx_dropped, 1);
	stop();
}

static void send_frame(uint8_t fill, size_t len)
{
	uint8_t frame[HDR + 1500] = { 0 };

	memset(frame + HDR, fill, len);
	CHECK_EQ(write(host, frame, HDR + len), HDR + len);
}

static void test_frame_waits_for_a_receive_buffer(void)
{
	struct vd_buf b = { VD_BUFS, HDR + 1514, true };
	struct virtio_net_hdr_v1 *h;

	start();
	h = mem_ptr(&d.mem, VD_BUFS, HDR);
	send_frame(0x42, 100);
	vd_poll(&d);
	CHECK_EQ(net.rx_packets, 0); /* no buffer yet: the frame stays in the tap */
	CHECK_EQ(vd_request(&d, RXQ, &b, 1), HDR + 100);
	CHECK_EQ(*(uint8_t *)mem_ptr(&d.mem, VD_BUFS + HDR + 99, 1), 0x42);
	CHECK_EQ(h->num_buffers, 1);
	stop();
}

static void test_buffer_waits_for_a_frame(void)
{
	struct vd_buf b = { VD_BUFS, HDR + 1514, true };

	start();
	CHECK_EQ(vd_request(&d, RXQ, &b, 1), -1); /* nothing to receive yet */
	send_frame(0x24, 64);
	vd_poll(&d); /* the event loop sees the tap readable */
	CHECK_EQ(net.rx_packets, 1);
	CHECK_EQ(*(uint8_t *)mem_ptr(&d.mem, VD_BUFS + HDR, 1), 0x24);
	CHECK_EQ(vd_read(&d, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	stop();
}

static void test_receive_without_writable_buffer_drops_nothing_else(void)
{
	struct vd_buf bad = { VD_BUFS, 64, false }; /* a receive buffer the device can't write */
	struct vd_buf good = { VD_BUFS + 0x1000, HDR + 1514, true };

	start();
	send_frame(0x11, 64);
	CHECK_EQ(vd_request(&d, RXQ, &bad, 1), 0);
	CHECK_EQ(vd_request(&d, RXQ, &good, 1), HDR + 64);
	stop();
}

/* A receive buffer taken while no frame was there is the driver's again
 * once it stops the queue (QueueReady=0, read back): a later frame must
 * neither land in it nor be reported in the used ring. */
static void test_stopped_receive_queue_gets_no_frame(void)
{
	struct vd_buf b = { VD_BUFS, HDR + 1514, true };

	start();
	memset(mem_ptr(&d.mem, VD_BUFS, HDR + 64), 0x99, HDR + 64);
	CHECK_EQ(vd_request(&d, RXQ, &b, 1), -1); /* taken, waiting for a frame */
	vd_write(&d, VIRTIO_MMIO_QUEUE_SEL, RXQ);
	vd_write(&d, VIRTIO_MMIO_QUEUE_READY, 0);
	CHECK_EQ(vd_read(&d, VIRTIO_MMIO_QUEUE_READY), 0);
	send_frame(0x24, 64);
	vd_poll(&d);
	CHECK_EQ(net.rx_packets, 0);
	CHECK_EQ(vd_used_idx(&d, RXQ), 0);
	CHECK_EQ(*(uint8_t *)mem_ptr(&d.mem, VD_BUFS + HDR, 1), 0x99);
	CHECK(!(vd_read(&d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET));
	stop();
}

/* A device the guest broke (NEEDS_RESET) leaves the tap's frames where
 * they are and stops watching it: the event loop must not spin on it. */
static void test_failed_device_stops_watching_the_tap(void)
{
	struct vd_buf bad = { VD_RAM - 8, 64, false };

	start();
	CHECK_EQ(vd_request(&d, TXQ, &bad, 1), -1);
	CHECK(vd_read(&d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	send_frame(0x33, 64);
	evloop_run_once(&d.loop, 0);
	CHECK_EQ(evloop_run_once(&d.loop, 0), 0);
	CHECK_EQ(net.rx_packets, 0);
	stop();
}

static void test_mac_parser(void)
{
	uint8_t m[6];

	CHECK_EQ(virtio_net_parse_mac("52:54:00:ab:cd:ef", m), 0);
	CHECK_EQ(m[3], 0xab);
	CHECK_EQ(virtio_net_parse_mac("53:54:00:ab:cd:ef", m), -1); /* multicast */
	CHECK_EQ(virtio_net_parse_mac("52:54:00:ab:cd", m), -1);
	CHECK_EQ(virtio_net_parse_mac("52:54:00:ab:cd:ef:01", m), -1);
	CHECK_EQ(virtio_net_parse_mac("52:54:00:ab:cd:100", m), -1);
}

int main(void)
{
	RUN(test_config_has_mac_and_link_up);
	RUN(test_transmit_reaches_the_tap_with_header);
	RUN(test_transmit_shorter_than_header_is_dropped);
	RUN(test_frame_waits_for_a_receive_buffer);
	RUN(test_buffer_waits_for_a_frame);
	RUN(test_receive_without_writable_buffer_drops_nothing_else);
	RUN(test_stopped_receive_queue_gets_no_frame);
	RUN(test_failed_device_stops_watching_the_tap);
	RUN(test_mac_parser);
	return check_summary("virtio_net");
}
