/* net.c: virtio-net on a tap device (see net.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_net.h>
#include <linux/virtio_config.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "virtio/net.h"

enum { RXQ = 0, TXQ = 1 };

#define FEATURES ((1ULL << VIRTIO_NET_F_MAC) | (1ULL << VIRTIO_NET_F_STATUS))

static void net_config(void *dev, uint32_t off, uint8_t *buf, unsigned len)
{
	const struct virtio_net *n = dev;
	struct virtio_net_config cfg = { .status = VIRTIO_NET_S_LINK_UP };

	memcpy(cfg.mac, n->mac, sizeof(cfg.mac));
	if (off + len <= sizeof(cfg))
		memcpy(buf, (uint8_t *)&cfg + off, len);
}

static int iov_of(const struct virtq_chain *c, bool write, struct iovec *iov)
{
	int k = 0;

	for (unsigned i = 0; i < c->nseg; i++)
		if (c->seg[i].write == write)
			iov[k++] = (struct iovec){ c->seg[i].host, c->seg[i].len };
	return k;
}

static void transmit(struct virtio_net *n, struct virtio_mmio *t)
{
	struct iovec iov[VIRTQ_MAX_SEGS];
	struct virtq_chain c;

	while (virtio_mmio_pop(t, TXQ, &c)) {
		int k = iov_of(&c, false, iov);

		/* A full tap drops the frame, as a wire would. */
		if (c.readable <= n->hdr_len || writev(n->tap_fd, iov, k) < 0)
			n->tx_dropped++;
		else
			n->tx_packets++;
		virtio_mmio_push(t, TXQ, c.head, 0);
	}
}

static void set_rx_polling(struct virtio_net *n, bool on);

/* Fill receive buffers from the tap until it or the queue runs dry. */
static void receive(struct virtio_net *n, struct virtio_mmio *t)
{
	struct iovec iov[VIRTQ_MAX_SEGS];
	ssize_t got;

	for (;;) {
		if (!n->held && !(n->held = virtio_mmio_pop(t, RXQ, &n->rx))) {
			set_rx_polling(n, false); /* until the guest adds buffers */
			return;
		}
		got = readv(n->tap_fd, iov, iov_of(&n->rx, true, iov));
		if (got < 0) {
			set_rx_polling(n, virtio_mmio_live(t));
			return; /* no frame now: keep the chain for the next one */
		}
		/* num_buffers (VERSION_1 header) is ours to fill: one buffer. */
		if (n->hdr_len == sizeof(struct virtio_net_hdr_v1) && got >= (ssize_t)n->hdr_len)
			virtq_copy_to(&n->rx, offsetof(struct virtio_net_hdr_v1, num_buffers),
				      &(uint16_t){ 1 }, 2);
		n->held = false;
		n->rx_packets++;
		virtio_mmio_push(t, RXQ, n->rx.head, (uint32_t)got);
	}
}

static void on_tap(void *ctx, uint32_t events)
{
	struct virtio_net *n = ctx;

	(void)events;
	if (!n->t)
		return;
	virtio_mmio_lock(n->t);
	if (virtio_mmio_live(n->t))
		receive(n, n->t);
	else
		set_rx_polling(n, false); /* failed: the tap would stay readable forever */
	virtio_mmio_unlock(n->t);
}

static void set_rx_polling(struct virtio_net *n, bool on)
{
	if (on == n->rx_polled)
		return;
	if (on)
		n->rx_polled = !evloop_add(n->loop, n->tap_fd, EPOLLIN, on_tap, n);
	else {
		evloop_del(n->loop, n->tap_fd);
		n->rx_polled = false;
	}
}

static void net_notify(void *dev, struct virtio_mmio *t, unsigned q)
{
	struct virtio_net *n = dev;

	if (q == TXQ)
		transmit(n, t);
	else
		receive(n, t);
}

static void net_activate(void *dev, struct virtio_mmio *t)
{
	struct virtio_net *n = dev;
	int len;

	n->t = t;
	n->hdr_len = virtio_mmio_has(t, VIRTIO_F_VERSION_1) ? sizeof(struct virtio_net_hdr_v1)
							    : sizeof(struct virtio_net_hdr);
	len = (int)n->hdr_len;
	/* ENOTTY: not a tap (a datagram socket in tests) carries headers as they are. */
	if (ioctl(n->tap_fd, TUNSETVNETHDRSZ, &len) && errno != ENOTTY)
		virtio_mmio_fail(t);
	else
		set_rx_polling(n, true);
}

/* A receive chain held for the next frame goes back with its queue. */
static void net_stop(void *dev, unsigned q)
{
	struct virtio_net *n = dev;

	if (q != RXQ)
		return;
	n->held = false;
	set_rx_polling(n, false); /* until the guest kicks the queue again */
}

static void net_reset(void *dev)
{
	struct virtio_net *n = dev;

	n->held = false;
	set_rx_polling(n, false);
}

const struct virtio_backend virtio_net_backend = {
	.name = "virtio-net",
	.device_id = VIRTIO_ID_NET,
	.nqueues = 2,
	.features = FEATURES,
	.config_size = sizeof(struct virtio_net_config),
	.config_read = net_config,
	.notify = net_notify,
	.activate = net_activate,
	.stop = net_stop,
	.reset = net_reset,
};

void virtio_net_attach_fd(struct virtio_net *n, int fd, const uint8_t mac[6],
			  struct evloop *loop)
{
	memset(n, 0, sizeof(*n));
	n->tap_fd = fd;
	n->loop = loop;
	memcpy(n->mac, mac, 6);
}

int virtio_net_open(struct virtio_net *n, const char *ifname, const uint8_t mac[6],
		    struct evloop *loop, const char **why)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };

	virtio_net_attach_fd(n, -1, mac, loop);
	n->tap_fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	*why = "cannot open /dev/net/tun";
	if (n->tap_fd < 0)
		return -errno;
	if (ifname)
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	*why = "cannot attach to the tap device (needs CAP_NET_ADMIN to create it)";
	/* No offloads: the guest is not offered any, so the tap must not send GSO frames. */
	if (ioctl(n->tap_fd, TUNSETIFF, &ifr) || ioctl(n->tap_fd, TUNSETOFFLOAD, 0)) {
		int err = -errno;

		close(n->tap_fd);
		n->tap_fd = -1;
		return err;
	}
	snprintf(n->ifname, sizeof(n->ifname), "%s", ifr.ifr_name);
	return 0;
}

void virtio_net_close(struct virtio_net *n)
{
	if (n->tap_fd >= 0)
		close(n->tap_fd);
	n->tap_fd = -1;
}

int virtio_net_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char tail;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (v[i] > 0xff)
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	return mac[0] & 1 ? -1 : 0; /* a multicast address cannot be a NIC's */
}
