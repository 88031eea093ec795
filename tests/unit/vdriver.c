/* vdriver.c: the unit tests' virtio-mmio driver (see vdriver.h). */
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <string.h>

#include "check.h"
#include "vdriver.h"

static uint64_t ring(unsigned q)
{
	return VD_RING + q * 0x4000ULL;
}

static uint64_t avail_ring(unsigned q)
{
	return ring(q) + 16 * VD_QSIZE;
}

static uint64_t used_ring(unsigned q)
{
	return ring(q) + 0x1000;
}

/* The line may rise on a device's own thread: everything is recorded
 * atomically, and before the level itself. */
static void record_irq(void *ctx, unsigned gsi, int level)
{
	struct vdriver *d = ctx;
	uint16_t *used = mem_ptr(&d->mem, used_ring(0) + 2, 2);

	(void)gsi;
	if (level) {
		__atomic_store_n(&d->irq_used_idx, __atomic_load_n(used, __ATOMIC_ACQUIRE),
				 __ATOMIC_RELAXED);
		__atomic_fetch_add(&d->irq_raises, 1, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&d->irq_level, level, __ATOMIC_RELEASE);
}

void vd_init(struct vdriver *d, const struct virtio_backend *be, void *dev, bool legacy)
{
	struct virtio_mmio_env env = {
		.mem = &d->mem, .irq = { record_irq, d, VIRTIO_MMIO_GSI_BASE },
		.base = VIRTIO_MMIO_BASE, .legacy = legacy,
	};

	memset(d, 0, sizeof(*d));
	CHECK_EQ(mem_init(&d->mem, VD_RAM, 0), 0);
	CHECK_EQ(evloop_init(&d->loop), 0);
	bus_init(&d->bus, "mmio");
	CHECK_EQ(bus_register(&d->bus, VIRTIO_MMIO_BASE, VIRTIO_MMIO_SLOT_SIZE, &virtio_mmio_ops,
			      &d->t), 0);
	env.lock = bus_device(&d->bus, &d->t);
	virtio_mmio_init(&d->t, be, dev, &env);
	CHECK_EQ(virtio_mmio_attach(&d->t, &d->loop, -1), 0);
}

void vd_free(struct vdriver *d)
{
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
		if (d->t.notify_fd[q] >= 0)
			evloop_del(&d->loop, d->t.notify_fd[q]);
	evloop_close(&d->loop);
	mem_free(&d->mem);
}

uint32_t vd_read(struct vdriver *d, uint64_t off)
{
	return (uint32_t)bus_read_or(&d->bus, VIRTIO_MMIO_BASE + off, 4, 0);
}

void vd_write(struct vdriver *d, uint64_t off, uint32_t v)
{
	bus_write(&d->bus, VIRTIO_MMIO_BASE + off, 4, v);
}

uint32_t vd_negotiate(struct vdriver *d, uint64_t features)
{
	vd_write(d, VIRTIO_MMIO_STATUS, 0);
	vd_write(d, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	vd_write(d, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	for (uint32_t sel = 0; sel < 2; sel++) {
		vd_write(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, sel);
		vd_write(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> (32 * sel)));
	}
	if (!d->t.legacy)
		vd_write(d, VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
						    VIRTIO_CONFIG_S_FEATURES_OK);
	return vd_read(d, VIRTIO_MMIO_STATUS);
}

void vd_queue(struct vdriver *d, unsigned q)
{
	uint64_t desc = ring(q), avail = avail_ring(q), used = used_ring(q);

	vd_write(d, VIRTIO_MMIO_QUEUE_SEL, q);
	vd_write(d, VIRTIO_MMIO_QUEUE_NUM, VD_QSIZE);
	if (d->t.legacy) {
		/* Used ring at the next page: the layout QUEUE_ALIGN 4096 implies. */
		vd_write(d, VIRTIO_MMIO_GUEST_PAGE_SIZE, 4096);
		vd_write(d, VIRTIO_MMIO_QUEUE_ALIGN, 4096);
		vd_write(d, VIRTIO_MMIO_QUEUE_PFN, (uint32_t)(desc / 4096));
		return;
	}
	vd_write(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	vd_write(d, VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
	vd_write(d, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)avail);
	vd_write(d, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, 0);
	vd_write(d, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)used);
	vd_write(d, VIRTIO_MMIO_QUEUE_USED_HIGH, 0);
	vd_write(d, VIRTIO_MMIO_QUEUE_READY, 1);
}

void vd_driver_ok(struct vdriver *d)
{
	uint32_t s = vd_read(d, VIRTIO_MMIO_STATUS);

	vd_write(d, VIRTIO_MMIO_STATUS, s | VIRTIO_CONFIG_S_DRIVER_OK);
}

void vd_forget_rings(struct vdriver *d)
{
	memset(d->avail_idx, 0, sizeof(d->avail_idx));
	memset(d->next_desc, 0, sizeof(d->next_desc));
	memset(mem_ptr(&d->mem, VD_RING, 0x4000ULL * VIRTIO_MAX_QUEUES), 0,
	       0x4000ULL * VIRTIO_MAX_QUEUES);
}

void vd_poll(struct vdriver *d)
{
	while (evloop_run_once(&d->loop, 0) > 0)
		;
}

uint16_t vd_offer(struct vdriver *d, unsigned q, const struct vd_buf *b, unsigned n)
{
	uint16_t slot = d->avail_idx[q], head = d->next_desc[q];
	uint16_t *idx = mem_ptr(&d->mem, avail_ring(q) + 2, 2);

	for (unsigned i = 0; i < n; i++) {
		uint16_t this = (uint16_t)((head + i) % VD_QSIZE);
		struct vring_desc vd = {
			.addr = b[i].gpa,
			.len = b[i].len,
			.flags = (uint16_t)((b[i].write ? VRING_DESC_F_WRITE : 0) |
					    (i + 1 < n ? VRING_DESC_F_NEXT : 0)),
			.next = (uint16_t)((this + 1) % VD_QSIZE),
		};

		CHECK_EQ(mem_write(&d->mem, ring(q) + 16ULL * this, &vd, sizeof(vd)), 0);
	}
	CHECK_EQ(mem_write(&d->mem, avail_ring(q) + 4 + 2 * (slot % VD_QSIZE), &head, 2), 0);
	d->avail_idx[q] = (uint16_t)(slot + 1);
	d->next_desc[q] = (uint16_t)((head + n) % VD_QSIZE);
	/* The chain before the index, as a driver's write barrier orders it. */
	__atomic_store_n(idx, d->avail_idx[q], __ATOMIC_RELEASE);
	return head;
}

void vd_notify(struct vdriver *d, unsigned q)
{
	vd_write(d, VIRTIO_MMIO_QUEUE_NOTIFY, q);
}

uint16_t vd_used_idx(struct vdriver *d, unsigned q)
{
	return __atomic_load_n((uint16_t *)mem_ptr(&d->mem, used_ring(q) + 2, 2), __ATOMIC_ACQUIRE);
}

struct vring_used_elem vd_used_elem(struct vdriver *d, unsigned q, uint16_t i)
{
	struct vring_used_elem e = { 0 };

	CHECK_EQ(mem_read(&d->mem, used_ring(q) + 4 + 8 * (i % VD_QSIZE), &e, sizeof(e)), 0);
	return e;
}

static bool needs_reset(struct vdriver *d)
{
	return vd_read(d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET;
}

bool vd_wait_used(struct vdriver *d, unsigned q, uint16_t idx, unsigned ms)
{
	for (unsigned waited = 0;; waited++) {
		vd_poll(d);
		if (vd_used_idx(d, q) == idx) {
			/* The device updates the used ring and raises the line
			 * under the transport's lock: once we hold it, both are
			 * done and visible here. */
			virtio_mmio_lock(&d->t);
			virtio_mmio_unlock(&d->t);
			return true;
		}
		if (waited >= ms || needs_reset(d))
			return false;
		evloop_run_once(&d->loop, 1);
	}
}

long vd_request(struct vdriver *d, unsigned q, const struct vd_buf *b, unsigned n)
{
	uint16_t slot = d->avail_idx[q], head = vd_offer(d, q, b, n);
	struct vring_used_elem e;

	vd_notify(d, q);
	if (!vd_wait_used(d, q, (uint16_t)(slot + 1), d->wait_ms))
		return -1;
	e = vd_used_elem(d, q, slot);
	CHECK_EQ(e.id, head);
	return e.len;
}
