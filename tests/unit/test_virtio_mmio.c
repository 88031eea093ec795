/* test_virtio_mmio.c: the virtio-mmio transport, driven like a guest
 * driver would, with virtio-rng as the device behind it. */
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <string.h>

#include "check.h"
#include "vdriver.h"
#include "virtio/rng.h"

static struct vdriver d;
static struct virtio_rng rng;

static void start(bool legacy)
{
	memset(&rng, 0, sizeof(rng));
	vd_init(&d, &virtio_rng_backend, &rng, legacy);
}

static void test_identification_modern_and_legacy(void)
{
	start(false);
	CHECK_EQ(vd_read(&d, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	CHECK_EQ(vd_read(&d, VIRTIO_MMIO_VERSION), 2);
	CHECK_EQ(vd_read(&d, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_RNG);
	CHECK_EQ(vd_read(&d, VIRTIO_MMIO_VENDOR_ID), 0x554d4551);
	vd_free(&d);
	start(true);
	CHECK_EQ(vd_read(&d, VIRTIO_MMIO_VERSION), 1);
	vd_free(&d);
}

static void test_empty_slot_reads_device_id_zero_and_ignores_writes(void)
{
	vd_init(&d, NULL, NULL, false);
	CHECK_EQ(vd_read(&d, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	CHECK_EQ(vd_read(&d, VIRTIO_MMIO_DEVICE_ID), 0);
	vd_write(&d, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	CHECK_EQ(vd_read(&d, VIRTIO_MMIO_STATUS), 0);
	CHECK_EQ(vd_read(&d, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	vd_free(&d);
}

static void test_registers_need_32_bit_accesses(void)
{
	start(false);
	CHECK_EQ(virtio_mmio_ops.read(&d.t, VIRTIO_MMIO_MAGIC_VALUE, 1), 0);
	CHECK_EQ(virtio_mmio_ops.read(&d.t, VIRTIO_MMIO_MAGIC_VALUE, 2), 0);
	virtio_mmio_ops.write(&d.t, VIRTIO_MMIO_STATUS, 1, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	CHECK_EQ(vd_read(&d, VIRTIO_MMIO_STATUS), 0);
	vd_free(&d);
}

static void test_features_offer_version_1_only_when_modern(void)
{
	start(false);
	vd_write(&d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	CHECK(vd_read(&d, VIRTIO_MMIO_DEVICE_FEATURES) & (1u << (VIRTIO_F_VERSION_1 - 32)));
	vd_write(&d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	CHECK(vd_read(&d, VIRTIO_MMIO_DEVICE_FEATURES) & (1u << VIRTIO_RING_F_EVENT_IDX));
	vd_write(&d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 7);
	CHECK_EQ(vd_read(&d, VIRTIO_MMIO_DEVICE_FEATURES), 0);
	vd_free(&d);
	start(true);
	vd_write(&d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	CHECK_EQ(vd_read(&d, VIRTIO_MMIO_DEVICE_FEATURES), 0);
	vd_free(&d);
}

static void test_features_ok_refused_for_unoffered_feature(void)
{
	start(false);
	CHECK(vd_negotiate(&d, 1ULL << VIRTIO_F_VERSION_1) & VIRTIO_CONFIG_S_FEATURES_OK);
	CHECK(!(vd_negotiate(&d, (1ULL << VIRTIO_F_VERSION_1) | (1ULL << 40)) &
		VIRTIO_CONFIG_S_FEATURES_OK));
	vd_free(&d);
}

static void request_fills_buffer(bool legacy, uint64_t features)
{
	static const uint8_t zero[64];
	struct vd_buf b = { VD_BUFS, 64, true };

	start(legacy);
	vd_negotiate(&d, features);
	vd_queue(&d, 0);
	vd_driver_ok(&d);
	CHECK_EQ(vd_request(&d, 0, &b, 1), 64);
	CHECK_EQ(rng.bytes, 64);
	CHECK(memcmp(mem_ptr(&d.mem, VD_BUFS, 64), zero, 64) != 0);
	CHECK_EQ(d.t.notifies, 1);
	CHECK_EQ(vd_read(&d, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
	CHECK_EQ(d.irq_level, 1);
	vd_write(&d, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	CHECK_EQ(d.irq_level, 0);
	CHECK_EQ(vd_read(&d, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	vd_free(&d);
}

static void test_modern_request_completes_with_interrupt(void)
{
	request_fills_buffer(false, 1ULL << VIRTIO_F_VERSION_1);
}

static void test_legacy_request_completes_with_interrupt(void)
{
	request_fills_buffer(true, 0);
}

static void test_legacy_queue_pfn_sets_ring_layout(void)
{
	start(true);
	vd_negotiate(&d, 0);
	vd_queue(&d, 0);
	CHECK_EQ(d.t.vq[0].desc, VD_RING);
	CHECK_EQ(d.t.vq[0].avail, VD_RING + 16 * VD_QSIZE);
	CHECK_EQ(d.t.vq[0].used, VD_RING + 0x1000);
	CHECK_EQ(vd_read(&d, VIRTIO_MMIO_QUEUE_PFN), VD_RING / 4096);
	vd_write(&d, VIRTIO_MMIO_QUEUE_PFN, 0);
	CHECK(!d.t.vq[0].ready);
	vd_free(&d);
}

static void test_every_new_interrupt_raises_the_line_again(void)
{
	struct vd_buf b = { VD_BUFS, 8, true };

	start(false);
	vd_negotiate(&d, 1ULL << VIRTIO_F_VERSION_1);
	vd_queue(&d, 0);
	vd_driver_ok(&d);
	CHECK_EQ(vd_request(&d, 0, &b, 1), 8);
	CHECK_EQ(vd_request(&d, 0, &b, 1), 8);
	CHECK_EQ(d.irq_raises, 2);
	vd_free(&d);
}

static void test_notify_before_driver_ok_does_nothing(void)
{
	struct vd_buf b = { VD_BUFS, 8, true };

	start(false);
	vd_negotiate(&d, 1ULL << VIRTIO_F_VERSION_1);
	vd_queue(&d, 0);
	CHECK_EQ(vd_request(&d, 0, &b, 1), -1);
	CHECK_EQ(rng.bytes, 0);
	vd_free(&d);
}

static void test_queue_outside_ram_needs_reset(void)
{
	start(false);
	vd_negotiate(&d, 1ULL << VIRTIO_F_VERSION_1);
	vd_write(&d, VIRTIO_MMIO_QUEUE_SEL, 0);
	vd_write(&d, VIRTIO_MMIO_QUEUE_NUM, VD_QSIZE);
	vd_write(&d, VIRTIO_MMIO_QUEUE_DESC_LOW, 0xfffff000);
	vd_write(&d, VIRTIO_MMIO_QUEUE_DESC_HIGH, 0x7);
	vd_write(&d, VIRTIO_MMIO_QUEUE_READY, 1);
	CHECK_EQ(vd_read(&d, VIRTIO_MMIO_QUEUE_READY), 0);
	CHECK(vd_read(&d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	CHECK_EQ(vd_read(&d, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	vd_free(&d);
}

static void test_queue_size_not_power_of_two_is_refused(void)
{
	start(false);
	vd_negotiate(&d, 1ULL << VIRTIO_F_VERSION_1);
	vd_queue(&d, 0);
	vd_write(&d, VIRTIO_MMIO_QUEUE_READY, 0);
	vd_write(&d, VIRTIO_MMIO_QUEUE_NUM, 12);
	vd_write(&d, VIRTIO_MMIO_QUEUE_READY, 1);
	CHECK_EQ(vd_read(&d, VIRTIO_MMIO_QUEUE_READY), 0);
	CHECK(vd_read(&d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	vd_free(&d);
}

static void test_malformed_chain_stops_device_until_reset(void)
{
	struct vd_buf bad = { VD_RAM - 4, 64, true }; /* runs off the end of RAM */
	struct vd_buf good = { VD_BUFS, 8, true };

	start(false);
	vd_negotiate(&d, 1ULL << VIRTIO_F_VERSION_1);
	vd_queue(&d, 0);
	vd_driver_ok(&d);
	CHECK_EQ(vd_request(&d, 0, &bad, 1), -1);
	CHECK(vd_read(&d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	CHECK_EQ(vd_read(&d, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	CHECK_EQ(vd_request(&d, 0, &good, 1), -1); /* failed: nothing more is served */
	CHECK_EQ(rng.bytes, 0);

	/* The driver resets and starts over: the device works again. */
	vd_write(&d, VIRTIO_MMIO_STATUS, 0);
	CHECK_EQ(vd_read(&d, VIRTIO_MMIO_STATUS), 0);
	CHECK_EQ(d.irq_level, 0);
	vd_forget_rings(&d);
	vd_negotiate(&d, 1ULL << VIRTIO_F_VERSION_1);
	vd_queue(&d, 0);
	vd_driver_ok(&d);
	CHECK_EQ(vd_request(&d, 0, &good, 1), 8);
	vd_free(&d);
}

static void test_notify_for_missing_queue_is_ignored(void)
{
	start(false);
	vd_negotiate(&d, 1ULL << VIRTIO_F_VERSION_1);
	vd_queue(&d, 0);
	vd_driver_ok(&d);
	vd_write(&d, VIRTIO_MMIO_QUEUE_NOTIFY, 3);
	vd_write(&d, VIRTIO_MMIO_QUEUE_NOTIFY, 0xffffffff);
	vd_poll(&d);
	CHECK_EQ(d.t.notifies, 0);
	vd_write(&d, VIRTIO_MMIO_QUEUE_SEL, 3);
	CHECK_EQ(vd_read(&d, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	vd_free(&d);
}

static void set_used_event(uint16_t v)
{
	CHECK_EQ(mem_write(&d.mem, VD_RING + 16 * VD_QSIZE + 4 + 2 * VD_QSIZE, &v, 2), 0);
}

/* With EVENT_IDX the device interrupts only when the used index passes
 * the driver's used_event (the first completion always interrupts). */
static void test_event_idx_suppresses_interrupt(void)
{
	struct vd_buf b = { VD_BUFS, 8, true };

	start(false);
	vd_negotiate(&d, (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_RING_F_EVENT_IDX));
	vd_queue(&d, 0);
	vd_driver_ok(&d);
	set_used_event(5);
	CHECK_EQ(vd_request(&d, 0, &b, 1), 8);
	CHECK_EQ(d.irq_raises, 1);
	CHECK_EQ(vd_request(&d, 0, &b, 1), 8); /* used idx 2, event 5: quiet */
	CHECK_EQ(d.irq_raises, 1);
	set_used_event(2);
	CHECK_EQ(vd_request(&d, 0, &b, 1), 8); /* used idx 3 passed 2 */
	CHECK_EQ(d.irq_raises, 2);
	vd_free(&d);
}

/* No complaint, no interrupt, nothing served: what a driver that stopped
 * queue 0 after one 8-byte request must see. */
static void expect_queue_left_alone(void)
{
	CHECK(!(vd_read(&d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET));
	CHECK_EQ(vd_read(&d, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	CHECK_EQ(d.irq_raises, 1);
	CHECK_EQ(rng.bytes, 8);
	CHECK_EQ(vd_used_idx(&d, 0), 1);
}

/* One request served and its interrupt acknowledged; then a chain offered
 * and kicked, the kick not yet seen by the event loop. */
static void serve_one_then_kick(bool legacy)
{
	struct vd_buf b = { VD_BUFS, 8, true };

	start(legacy);
	vd_negotiate(&d, legacy ? 0 : 1ULL << VIRTIO_F_VERSION_1);
	vd_queue(&d, 0);
	vd_driver_ok(&d);
	CHECK_EQ(vd_request(&d, 0, &b, 1), 8);
	vd_write(&d, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	vd_offer(&d, 0, &b, 1);
	vd_notify(&d, 0);
}

/* A driver stops a queue the spec's way (QueueReady=0, read back) while
 * its kick is still on the way, and kicks once more afterwards: QEMU
 * ignores notifications for queues that are not ready, and so do we. */
static void test_notify_on_stopped_queue_is_ignored(void)
{
	serve_one_then_kick(false);
	vd_write(&d, VIRTIO_MMIO_QUEUE_READY, 0);
	CHECK_EQ(vd_read(&d, VIRTIO_MMIO_QUEUE_READY), 0);
	vd_poll(&d); /* the kick sent before the stop */
	expect_queue_left_alone();
	vd_notify(&d, 0); /* a kick after it */
	vd_poll(&d);
	expect_queue_left_alone();
	vd_free(&d);
}

/* The legacy way to stop a queue: QueuePFN=0, then a late kick. */
static void test_notify_after_legacy_queue_pfn_zero_is_ignored(void)
{
	serve_one_then_kick(true);
	vd_write(&d, VIRTIO_MMIO_QUEUE_PFN, 0);
	CHECK_EQ(vd_read(&d, VIRTIO_MMIO_QUEUE_PFN), 0);
	vd_poll(&d);
	expect_queue_left_alone();
	vd_notify(&d, 0);
	vd_poll(&d);
	expect_queue_left_alone();
	vd_free(&d);
}

/* A ready queue whose ring is broken is still the guest's fault. */
static void test_avail_index_beyond_ring_needs_reset(void)
{
	uint16_t idx = VD_QSIZE + 1;

	start(false);
	vd_negotiate(&d, 1ULL << VIRTIO_F_VERSION_1);
	vd_queue(&d, 0);
	vd_driver_ok(&d);
	CHECK_EQ(mem_write(&d.mem, VD_RING + 16 * VD_QSIZE + 2, &idx, 2), 0);
	vd_notify(&d, 0);
	vd_poll(&d);
	CHECK(vd_read(&d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	CHECK_EQ(vd_read(&d, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	vd_free(&d);
}

int main(void)
{
	RUN(test_identification_modern_and_legacy);
	RUN(test_empty_slot_reads_device_id_zero_and_ignores_writes);
	RUN(test_registers_need_32_bit_accesses);
	RUN(test_features_offer_version_1_only_when_modern);
	RUN(test_features_ok_refused_for_unoffered_feature);
	RUN(test_modern_request_completes_with_interrupt);
	RUN(test_legacy_request_completes_with_interrupt);
	RUN(test_legacy_queue_pfn_sets_ring_layout);
	RUN(test_every_new_interrupt_raises_the_line_again);
	RUN(test_notify_before_driver_ok_does_nothing);
	RUN(test_queue_outside_ram_needs_reset);
	RUN(test_queue_size_not_power_of_two_is_refused);
	RUN(test_malformed_chain_stops_device_until_reset);
	RUN(test_notify_for_missing_queue_is_ignored);
	RUN(test_event_idx_suppresses_interrupt);
	RUN(test_notify_on_stopped_queue_is_ignored);
	RUN(test_notify_after_legacy_queue_pfn_zero_is_ignored);
	RUN(test_avail_index_beyond_ring_needs_reset);
	return check_summary("virtio_mmio");
}
