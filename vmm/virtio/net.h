/*
 * net.h: virtio-net (device ID 1, virtio 5.1) on a host tap device.
 *
 * receiveq (0) and transmitq (1); features MAC and STATUS (the link is
 * always up); no offloads, no mergeable receive buffers, no control queue.
 * The tap is opened with IFF_VNET_HDR and the virtio-net header size the
 * driver negotiated (10 bytes legacy, 12 with VERSION_1), so frames move
 * between the tap and the guest's buffers with one readv/writev each.
 * Reception waits for the guest's buffers: the tap is not read while the
 * receive queue is empty.
 */
#ifndef MVM_VIRTIO_NET_H
#define MVM_VIRTIO_NET_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/evloop.h"
#include "virtio/mmio.h"

struct virtio_net {
	int tap_fd;
	char ifname[IFNAMSIZ];
	uint8_t mac[6];
	struct evloop *loop;
	struct virtio_mmio *t;
	bool rx_polled;
	bool held;		/* a receive chain taken but not yet filled */
	struct virtq_chain rx;
	unsigned hdr_len;
	uint64_t rx_packets, tx_packets, tx_dropped;
};

extern const struct virtio_backend virtio_net_backend;

/* Open (create if needed) tap (ifname); 0, or -errno with (why). */
int virtio_net_open(struct virtio_net *n, const char *ifname, const uint8_t mac[6],
		    struct evloop *loop, const char **why) __attribute__((warn_unused_result));

/* Use an open frame fd (a tap, or a datagram socket in tests). */
void virtio_net_attach_fd(struct virtio_net *n, int fd, const uint8_t mac[6],
			  struct evloop *loop);

void virtio_net_close(struct virtio_net *n);

/* Parse "52:54:00:12:34:56"; 0 or -1. */
int virtio_net_parse_mac(const char *s, uint8_t mac[6]);

#endif
