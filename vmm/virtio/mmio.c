/* mmio.c: the virtio-mmio register file, negotiation and notifications (see mmio.h). */
#include <errno.h>
#include <linux/kvm.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "virtio/mmio.h"

#define MAGIC 0x74726976   /* "virt" */
#define VENDOR 0x554d4551  /* "QEMU", as QEMU's transports say */
#define LEGACY_PAGE 4096

static uint64_t transport_features(const struct virtio_mmio *t)
{
	uint64_t f = (1ULL << VIRTIO_RING_F_INDIRECT_DESC) | (1ULL << VIRTIO_RING_F_EVENT_IDX);

	return t->legacy ? f : f | (1ULL << VIRTIO_F_VERSION_1);
}

static uint64_t offered(const struct virtio_mmio *t)
{
	return t->be ? t->be->features | transport_features(t) : 0;
}

bool virtio_mmio_has(const struct virtio_mmio *t, unsigned bit)
{
	return bit < 64 && (t->drv_features & (1ULL << bit));
}

bool virtio_mmio_live(const struct virtio_mmio *t)
{
	return (t->status & VIRTIO_CONFIG_S_DRIVER_OK) && !(t->status & VIRTIO_CONFIG_S_NEEDS_RESET);
}

/* Raise the line for a new interrupt even if it is already high. */
static void interrupt(struct virtio_mmio *t, uint32_t bits)
{
	t->isr |= bits;
	t->interrupts++;
	irq_set(&t->irq, 1);
}

void virtio_mmio_fail(struct virtio_mmio *t)
{
	if (t->status & VIRTIO_CONFIG_S_NEEDS_RESET)
		return;
	t->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	interrupt(t, VIRTIO_MMIO_INT_CONFIG);
}

int virtio_mmio_pop(struct virtio_mmio *t, unsigned q, struct virtq_chain *c)
{
	int r;

	if (q >= VIRTIO_MAX_QUEUES || !virtio_mmio_live(t))
		return 0;
	r = virtq_pop(&t->vq[q], t->mem, c);
	if (r < 0)
		virtio_mmio_fail(t);
	return r > 0;
}

void virtio_mmio_push(struct virtio_mmio *t, unsigned q, uint16_t head, uint32_t written)
{
	/* Taken before the driver stopped the queue: the ring is no longer ours. */
	if (!t->vq[q].ready)
		return;
	if (virtq_push(&t->vq[q], t->mem, head, written)) {
		virtio_mmio_fail(t);
		return;
	}
	if (virtq_should_signal(&t->vq[q], t->mem))
		interrupt(t, VIRTIO_MMIO_INT_VRING);
}

static void reset_locked(struct virtio_mmio *t)
{
	t->status = t->isr = 0;
	t->dev_features_sel = t->drv_features_sel = t->queue_sel = 0;
	t->drv_features = 0;
	t->page_size = LEGACY_PAGE;
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		virtq_reset(&t->vq[q]);
		t->q_align[q] = LEGACY_PAGE;
		t->q_pfn[q] = 0;
	}
	irq_set(&t->irq, 0);
	if (t->be && t->be->reset)
		t->be->reset(t->dev);
}

/* ---- registers ---- */

static struct virtq *selected(struct virtio_mmio *t)
{
	return t->be && t->queue_sel < t->be->nqueues ? &t->vq[t->queue_sel] : NULL;
}

static uint32_t read_reg(struct virtio_mmio *t, uint64_t off)
{
	struct virtq *q = selected(t);

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE: return MAGIC;
	case VIRTIO_MMIO_VERSION: return t->legacy ? 1 : 2;
	case VIRTIO_MMIO_DEVICE_ID: return t->be ? t->be->device_id : 0;
	case VIRTIO_MMIO_VENDOR_ID: return VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return t->dev_features_sel > 1 ? 0 : (uint32_t)(offered(t) >> (32 * t->dev_features_sel));
	case VIRTIO_MMIO_QUEUE_NUM_MAX: return q ? VIRTQ_MAX_SIZE : 0;
	case VIRTIO_MMIO_QUEUE_PFN: return t->legacy && q ? t->q_pfn[t->queue_sel] : 0;
	case VIRTIO_MMIO_QUEUE_READY: return !t->legacy && q ? q->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS: return t->isr;
	case VIRTIO_MMIO_STATUS: return t->status;
	case VIRTIO_MMIO_CONFIG_GENERATION: return t->config_generation;
	default: return 0;
	}
}

/* The driver stopped queue (qi), or it stopped being usable: the device
 * lets go of the chains it took from it. */
static void queue_stopped(struct virtio_mmio *t, unsigned qi, bool was_ready)
{
	if (was_ready && !t->vq[qi].ready && t->be->stop)
		t->be->stop(t->dev, qi);
}

/* Legacy queues live in one guest area: descriptors, avail ring, then the
 * used ring at the next (align) boundary (virtio 0.9.5 "vring_size"). */
static void legacy_queue(struct virtio_mmio *t, unsigned qi, uint32_t pfn)
{
	struct virtq *q = &t->vq[qi];
	uint64_t align = t->q_align[qi] ? t->q_align[qi] : LEGACY_PAGE;
	bool was_ready = q->ready;

	t->q_pfn[qi] = pfn;
	if (!pfn) {
		virtq_reset(q);
		queue_stopped(t, qi, was_ready);
		return;
	}
	q->desc = (uint64_t)pfn * t->page_size;
	q->avail = q->desc + 16ULL * q->size;
	q->used = (q->avail + 2ULL * (3 + q->size) + align - 1) & ~(align - 1);
	q->ready = virtq_valid(q, t->mem);
	if (!q->ready)
		virtio_mmio_fail(t);
	queue_stopped(t, qi, was_ready);
}

static void set_half(uint64_t *v, bool high, uint32_t value)
{
	*v = high ? (*v & 0xffffffffULL) | ((uint64_t)value << 32)
		  : (*v & ~0xffffffffULL) | value;
}

static void write_queue_reg(struct virtio_mmio *t, uint64_t off, uint32_t v)
{
	struct virtq *q = selected(t);

	if (!q)
		return;
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM: q->size = (uint16_t)(v <= VIRTQ_MAX_SIZE ? v : 0); break;
	case VIRTIO_MMIO_QUEUE_ALIGN: t->q_align[t->queue_sel] = v & (v - 1) ? 0 : v; break;
	case VIRTIO_MMIO_QUEUE_PFN: if (t->legacy) legacy_queue(t, t->queue_sel, v); break;
	case VIRTIO_MMIO_QUEUE_READY: {
		bool was_ready = q->ready;

		q->ready = (v & 1) && virtq_valid(q, t->mem);
		if ((v & 1) && !q->ready)
			virtio_mmio_fail(t);
		queue_stopped(t, t->queue_sel, was_ready);
		break;
	}
	case VIRTIO_MMIO_QUEUE_DESC_LOW: case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		set_half(&q->desc, off == VIRTIO_MMIO_QUEUE_DESC_HIGH, v);
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW: case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		set_half(&q->avail, off == VIRTIO_MMIO_QUEUE_AVAIL_HIGH, v);
		break;
	case VIRTIO_MMIO_QUEUE_USED_LOW: case VIRTIO_MMIO_QUEUE_USED_HIGH:
		set_half(&q->used, off == VIRTIO_MMIO_QUEUE_USED_HIGH, v);
		break;
	}
}

/* Status writes: 0 resets; FEATURES_OK only for features we offered;
 * DRIVER_OK starts the device with the negotiated ring features. */
static void write_status(struct virtio_mmio *t, uint32_t v)
{
	uint32_t was = t->status;

	if (v == 0) {
		reset_locked(t);
		return;
	}
	if ((v & VIRTIO_CONFIG_S_FEATURES_OK) && (t->drv_features & ~offered(t)))
		v &= ~VIRTIO_CONFIG_S_FEATURES_OK;
	t->status = v | (was & VIRTIO_CONFIG_S_NEEDS_RESET);
	if (!(v & VIRTIO_CONFIG_S_DRIVER_OK) || (was & VIRTIO_CONFIG_S_DRIVER_OK))
		return;
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		t->vq[q].indirect = virtio_mmio_has(t, VIRTIO_RING_F_INDIRECT_DESC);
		t->vq[q].event_idx = virtio_mmio_has(t, VIRTIO_RING_F_EVENT_IDX);
	}
	if (t->be && t->be->activate)
		t->be->activate(t->dev, t);
}

static void notify(struct virtio_mmio *t, uint32_t q)
{
	if (!t->be || q >= t->be->nqueues)
		return;
	/* Without KVM_IOEVENTFD the vCPU hands the work to the main thread. */
	if (t->notify_fd[q] >= 0)
		eventfd_write(t->notify_fd[q], 1);
}

static void write_reg(struct virtio_mmio *t, uint64_t off, uint32_t v)
{
	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL: t->dev_features_sel = v; break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL: t->drv_features_sel = v; break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (t->drv_features_sel < 2 && !(t->status & VIRTIO_CONFIG_S_FEATURES_OK))
			set_half(&t->drv_features, t->drv_features_sel == 1, v);
		break;
	case VIRTIO_MMIO_GUEST_PAGE_SIZE: if (t->legacy && v && !(v & (v - 1))) t->page_size = v; break;
	case VIRTIO_MMIO_QUEUE_SEL: t->queue_sel = v; break;
	case VIRTIO_MMIO_QUEUE_NOTIFY: notify(t, v); break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		t->isr &= ~v;
		if (!t->isr)
			irq_set(&t->irq, 0);
		break;
	case VIRTIO_MMIO_STATUS: write_status(t, v); break;
	default: write_queue_reg(t, off, v); break;
	}
}

static uint64_t mmio_read(void *dev, uint64_t off, unsigned size)
{
	struct virtio_mmio *t = dev;
	uint8_t buf[8] = { 0 };
	uint64_t v = 0;

	if (off >= VIRTIO_MMIO_CONFIG) {
		uint64_t c = off - VIRTIO_MMIO_CONFIG;

		if (t->be && t->be->config_read && c + size <= t->be->config_size)
			t->be->config_read(t->dev, (uint32_t)c, buf, size);
		memcpy(&v, buf, size);
	} else if (size == 4) {
		v = read_reg(t, off);
	}
	return v;
}

static void mmio_write(void *dev, uint64_t off, unsigned size, uint64_t value)
{
	struct virtio_mmio *t = dev;
	uint8_t buf[8];

	if (off >= VIRTIO_MMIO_CONFIG) {
		uint64_t c = off - VIRTIO_MMIO_CONFIG;

		memcpy(buf, &value, sizeof(buf));
		if (t->be && t->be->config_write && c + size <= t->be->config_size)
			t->be->config_write(t->dev, (uint32_t)c, buf, size);
	} else if (size == 4 && t->be) {
		write_reg(t, off, (uint32_t)value);
	}
}

const struct bus_ops virtio_mmio_ops = {
	.name = "virtio-mmio",
	.sizes = BUS_SIZE_1 | BUS_SIZE_2 | BUS_SIZE_4,
	.read = mmio_read,
	.write = mmio_write,
};

/* ---- notifications in the main thread ---- */

static void on_notify(void *ctx, uint32_t events)
{
	const struct virtio_notify *n = ctx;
	struct virtio_mmio *t = n->t;
	unsigned q = n->q;
	eventfd_t count;

	(void)events;
	eventfd_read(t->notify_fd[q], &count);
	virtio_mmio_lock(t);
	t->notifies++;
	if (t->events.notified)
		t->events.notified(t->events.ctx, q);
	/* A kick that arrives after the driver stopped the queue: QEMU
	 * ignores those too. */
	if (virtio_mmio_live(t) && t->vq[q].ready && t->be->notify)
		t->be->notify(t->dev, t, q);
	virtio_mmio_unlock(t);
}

static bool kvm_ioeventfd(struct virtio_mmio *t, int vm_fd, unsigned q)
{
	struct kvm_ioeventfd io = {
		.datamatch = q,
		.addr = t->base + VIRTIO_MMIO_QUEUE_NOTIFY,
		.len = 4,
		.fd = t->notify_fd[q],
		.flags = KVM_IOEVENTFD_FLAG_DATAMATCH,
	};

	return vm_fd >= 0 && ioctl(vm_fd, KVM_IOEVENTFD, &io) == 0;
}

int virtio_mmio_attach(struct virtio_mmio *t, struct evloop *loop, int vm_fd)
{
	for (unsigned q = 0; t->be && q < t->be->nqueues; q++) {
		int err;

		t->notify_fd[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (t->notify_fd[q] < 0)
			return -errno;
		t->notify_ctx[q] = (struct virtio_notify){ t, q };
		err = evloop_add(loop, t->notify_fd[q], EPOLLIN, on_notify, &t->notify_ctx[q]);
		if (err)
			return err;
		/* Only when every queue has one: QueueNotify is then never seen. */
		t->kvm_ioeventfd = kvm_ioeventfd(t, vm_fd, q) && (q == 0 || t->kvm_ioeventfd);
	}
	return 0;
}

void virtio_mmio_init(struct virtio_mmio *t, const struct virtio_backend *be, void *dev,
		      const struct virtio_mmio_env *env)
{
	memset(t, 0, sizeof(*t));
	t->lock = env->lock;
	t->be = be;
	t->dev = dev;
	t->mem = env->mem;
	t->irq = env->irq;
	t->base = env->base;
	t->legacy = env->legacy;
	t->events = env->events;
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
		t->notify_fd[q] = -1;
	reset_locked(t);
}

void virtio_mmio_reset(struct virtio_mmio *t)
{
	virtio_mmio_lock(t);
	reset_locked(t);
	virtio_mmio_unlock(t);
}

void virtio_mmio_lock(struct virtio_mmio *t)
{
	bus_lock(t->lock);
}

void virtio_mmio_unlock(struct virtio_mmio *t)
{
	bus_unlock(t->lock);
}
