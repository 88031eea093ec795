/* queue.c: split-virtqueue walking with every guest value checked. */
#include <errno.h>
#include <linux/virtio_ring.h>
#include <string.h>

#include "virtio/queue.h"

#define DESC_SIZE sizeof(struct vring_desc)

static uint64_t avail_size(uint16_t n)
{
	return 4 + 2ULL * n + 2; /* flags, idx, ring, used_event */
}

static uint64_t used_size(uint16_t n)
{
	return 4 + 8ULL * n + 2; /* flags, idx, ring, avail_event */
}

bool virtq_valid(const struct virtq *q, const struct guest_mem *mem)
{
	if (!q->size || q->size > VIRTQ_MAX_SIZE || (q->size & (q->size - 1)))
		return false;
	/* The 16-bit ring fields are accessed atomically in place. */
	if ((q->avail | q->used) & 1)
		return false;
	return mem_ptr(mem, q->desc, DESC_SIZE * q->size) && mem_ptr(mem, q->avail, avail_size(q->size)) &&
	       mem_ptr(mem, q->used, used_size(q->size));
}

/* A 16-bit ring field in guest memory, which the guest writes while we
 * read it: loads and stores are atomic on the field itself, so (order)
 * orders them against the guest's accesses.  virtq_valid checked that the
 * ring lies in memory and is 2-byte aligned; the queue cannot have moved
 * since (callers hold the transport's lock). */
static uint16_t *field16(const struct guest_mem *mem, uint64_t gpa)
{
	return mem_ptr(mem, gpa, 2);
}

static uint16_t load16(const struct guest_mem *mem, uint64_t gpa, int order)
{
	uint16_t *p = field16(mem, gpa);

	return p ? __atomic_load_n(p, order) : 0;
}

static int store16(const struct guest_mem *mem, uint64_t gpa, uint16_t v, int order)
{
	uint16_t *p = field16(mem, gpa);

	if (!p)
		return -EINVAL;
	__atomic_store_n(p, v, order);
	return 0;
}

static int add_seg(struct virtq_chain *c, const struct guest_mem *mem, const struct vring_desc *d)
{
	bool write = d->flags & VRING_DESC_F_WRITE;
	uint8_t *p;

	if (!d->len)
		return 0; /* nothing to transfer; harmless */
	p = mem_ptr(mem, d->addr, d->len);
	/* Readable buffers first, then writable ones (virtio 2.7.4.2). */
	if (!p || c->nseg == VIRTQ_MAX_SEGS || (!write && c->writable))
		return -EINVAL;
	c->seg[c->nseg++] = (struct virtq_seg){ p, d->len, write };
	if (write)
		c->writable += d->len;
	else
		c->readable += d->len;
	return 0;
}

/* Follow an indirect table of (len) bytes at (gpa): no nesting, no loops. */
static int walk_indirect(struct virtq_chain *c, const struct guest_mem *mem, uint64_t gpa,
			 uint32_t len)
{
	const struct vring_desc *table = mem_ptr(mem, gpa, len);
	unsigned n = len / DESC_SIZE, i = 0, steps = 0;

	if (!table || !len || len % DESC_SIZE)
		return -EINVAL;
	for (;;) {
		struct vring_desc d;

		memcpy(&d, &table[i], sizeof(d));
		if ((d.flags & VRING_DESC_F_INDIRECT) || ++steps > n || add_seg(c, mem, &d))
			return -EINVAL;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		if (d.next >= n)
			return -EINVAL;
		i = d.next;
	}
}

static int walk(struct virtq *q, const struct guest_mem *mem, uint16_t head, struct virtq_chain *c)
{
	uint16_t i = head;
	unsigned steps = 0;

	for (;;) {
		struct vring_desc d;

		if (i >= q->size || ++steps > q->size ||
		    mem_read(mem, q->desc + DESC_SIZE * i, &d, sizeof(d)))
			return -EINVAL;
		if (d.flags & VRING_DESC_F_INDIRECT) {
			/* An indirect descriptor is alone in its chain (2.7.5.3.1). */
			if (!q->indirect || (d.flags & VRING_DESC_F_NEXT) || steps != 1)
				return -EINVAL;
			return walk_indirect(c, mem, d.addr, d.len);
		}
		if (add_seg(c, mem, &d))
			return -EINVAL;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		i = d.next;
	}
}

int virtq_pop(struct virtq *q, const struct guest_mem *mem, struct virtq_chain *c)
{
	uint16_t avail_idx, head;

	/* A stopped queue is not a broken one: a late kick finds nothing. */
	if (!q->ready)
		return 0;
	if (!virtq_valid(q, mem))
		return -EINVAL;
	/* Acquire: the ring entries and descriptors below are read after the
	 * index that published them. */
	avail_idx = load16(mem, q->avail + 2, __ATOMIC_ACQUIRE);
	if (avail_idx == q->last_avail)
		return 0;
	/* The guest cannot have made more than a ring's worth available. */
	if ((uint16_t)(avail_idx - q->last_avail) > q->size)
		return -EINVAL;
	head = load16(mem, q->avail + 4 + 2ULL * (q->last_avail % q->size), __ATOMIC_RELAXED);
	memset(c, 0, offsetof(struct virtq_chain, seg));
	c->head = head;
	if (walk(q, mem, head, c))
		return -EINVAL;
	q->last_avail++;
	/* avail_event: notify me for the next one.  The full fence orders this
	 * store before the next load of avail->idx, as the driver's orders its
	 * idx store before its avail_event load: one of us sees the other,
	 * and no notification is lost. */
	if (q->event_idx) {
		if (store16(mem, q->used + 4 + 8ULL * q->size, q->last_avail, __ATOMIC_RELAXED))
			return -EINVAL;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
	return 1;
}

int virtq_push(struct virtq *q, const struct guest_mem *mem, uint16_t head, uint32_t written)
{
	struct vring_used_elem e = { head, written };
	uint16_t idx;

	if (!virtq_valid(q, mem) ||
	    mem_write(mem, q->used + 4 + 8ULL * (q->used_idx % q->size), &e, sizeof(e)))
		return -EINVAL;
	idx = ++q->used_idx;
	/* Release: the element (and the buffers' contents) before the index. */
	return store16(mem, q->used + 2, idx, __ATOMIC_RELEASE);
}

bool virtq_should_signal(struct virtq *q, const struct guest_mem *mem)
{
	uint16_t old = q->signalled_used, now = q->used_idx, event;
	bool valid = q->signalled_valid;

	/* The used index store before the loads of the driver's wishes (it
	 * orders them the other way round). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!q->event_idx)
		return !(load16(mem, q->avail, __ATOMIC_RELAXED) & VRING_AVAIL_F_NO_INTERRUPT);
	q->signalled_used = now;
	q->signalled_valid = true;
	event = load16(mem, q->avail + 4 + 2ULL * q->size, __ATOMIC_RELAXED);
	/* vring_need_event(): did used_idx pass used_event since last time? */
	return !valid || (uint16_t)(now - event - 1) < (uint16_t)(now - old);
}

static uint64_t copy(const struct virtq_chain *c, bool write, uint64_t off, uint8_t *buf,
		     uint64_t len, bool to_guest)
{
	uint64_t done = 0;

	for (unsigned i = 0; i < c->nseg && done < len; i++) {
		const struct virtq_seg *s = &c->seg[i];
		uint64_t n;

		if (s->write != write)
			continue;
		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		n = s->len - off < len - done ? s->len - off : len - done;
		if (to_guest)
			memcpy(s->host + off, buf + done, n);
		else
			memcpy(buf + done, s->host + off, n);
		done += n;
		off = 0;
	}
	return done;
}

uint64_t virtq_copy_from(const struct virtq_chain *c, uint64_t off, void *dst, uint64_t len)
{
	return copy(c, false, off, dst, len, false);
}

uint64_t virtq_copy_to(const struct virtq_chain *c, uint64_t off, const void *src, uint64_t len)
{
	return copy(c, true, off, (uint8_t *)src, len, true);
}

void virtq_reset(struct virtq *q)
{
	memset(q, 0, sizeof(*q));
}
