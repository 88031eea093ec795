/* test_virtq.c: the split-virtqueue walker against well-formed and hostile
 * descriptor tables in fake guest memory. */
#include <errno.h>
#include <linux/virtio_ring.h>
#include <string.h>

#include "check.h"
#include "virtio/queue.h"

#define RAM (16ULL << 20)
#define DESC 0x10000ULL
#define AVAIL 0x11000ULL
#define USED 0x12000ULL
#define BUFS 0x20000ULL
#define QSIZE 8

static struct guest_mem mem;
static struct virtq q;
static struct virtq_chain c;

static void setup(void)
{
	mem_free(&mem);
	CHECK_EQ(mem_init(&mem, RAM, 0), 0);
	virtq_reset(&q);
	q = (struct virtq){ .size = QSIZE, .desc = DESC, .avail = AVAIL, .used = USED, .ready = true,
			    .indirect = true };
}

static void desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	struct vring_desc d = { addr, len, flags, next };

	CHECK_EQ(mem_write(&mem, DESC + i * sizeof(d), &d, sizeof(d)), 0);
}

/* Make (head) available as ring entry (slot), avail idx = slot + 1. */
static void offer(uint16_t slot, uint16_t head)
{
	uint16_t idx = (uint16_t)(slot + 1);

	CHECK_EQ(mem_write(&mem, AVAIL + 4 + 2 * (slot % QSIZE), &head, 2), 0);
	CHECK_EQ(mem_write(&mem, AVAIL + 2, &idx, 2), 0);
}

static void test_virtq_empty_ring_gives_nothing(void)
{
	setup();
	CHECK_EQ(virtq_pop(&q, &mem, &c), 0);
}

/* A stopped queue (QueueReady=0) with a chain still on offer is not
 * malformed: a late kick just finds nothing. */
static void test_virtq_not_ready_gives_nothing(void)
{
	setup();
	desc(0, BUFS, 16, 0, 0);
	offer(0, 0);
	q.ready = false;
	CHECK_EQ(virtq_pop(&q, &mem, &c), 0);
	CHECK_EQ(q.last_avail, 0);
}

static void test_virtq_chain_of_readable_then_writable(void)
{
	setup();
	desc(0, BUFS, 16, VRING_DESC_F_NEXT, 3);
	desc(3, BUFS + 0x100, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 5);
	desc(5, BUFS + 0x400, 1, VRING_DESC_F_WRITE, 0);
	offer(0, 0);
	CHECK_EQ(virtq_pop(&q, &mem, &c), 1);
	CHECK_EQ(c.head, 0);
	CHECK_EQ(c.nseg, 3);
	CHECK_EQ(c.readable, 16);
	CHECK_EQ(c.writable, 513);
	CHECK(c.seg[1].host == mem_ptr(&mem, BUFS + 0x100, 1));
	CHECK_EQ(virtq_pop(&q, &mem, &c), 0);
}

static void test_virtq_push_fills_used_ring(void)
{
	struct vring_used_elem e;
	uint16_t idx;

	setup();
	CHECK_EQ(virtq_push(&q, &mem, 5, 123), 0);
	CHECK_EQ(mem_read(&mem, USED + 2, &idx, 2), 0);
	CHECK_EQ(mem_read(&mem, USED + 4, &e, sizeof(e)), 0);
	CHECK_EQ(idx, 1);
	CHECK_EQ(e.id, 5);
	CHECK_EQ(e.len, 123);
}

static void test_virtq_copy_helpers_cross_segments(void)
{
	char out[8] = "";

	setup();
	CHECK_EQ(mem_write(&mem, BUFS, "abc", 3), 0);
	CHECK_EQ(mem_write(&mem, BUFS + 0x100, "defg", 4), 0);
	desc(0, BUFS, 3, VRING_DESC_F_NEXT, 1);
	desc(1, BUFS + 0x100, 4, VRING_DESC_F_NEXT, 2);
	desc(2, BUFS + 0x200, 2, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 3);
	desc(3, BUFS + 0x300, 2, VRING_DESC_F_WRITE, 0);
	offer(0, 0);
	CHECK_EQ(virtq_pop(&q, &mem, &c), 1);
	CHECK_EQ(virtq_copy_from(&c, 2, out, 4), 4);
	CHECK(!memcmp(out, "cdef", 4));
	CHECK_EQ(virtq_copy_to(&c, 1, "XYZ", 3), 3);
	CHECK_EQ(*(char *)mem_ptr(&mem, BUFS + 0x201, 1), 'X');
	CHECK_EQ(*(char *)mem_ptr(&mem, BUFS + 0x300, 1), 'Y');
	CHECK_EQ(virtq_copy_to(&c, 0, "0123456789", 10), 4); /* only 4 writable bytes */
}

static void test_virtq_indirect_table(void)
{
	struct vring_desc table[2] = { { BUFS, 8, VRING_DESC_F_NEXT, 1 }, { BUFS + 8, 8, VRING_DESC_F_WRITE, 0 } };

	setup();
	CHECK_EQ(mem_write(&mem, BUFS + 0x1000, table, sizeof(table)), 0);
	desc(0, BUFS + 0x1000, sizeof(table), VRING_DESC_F_INDIRECT, 0);
	offer(0, 0);
	CHECK_EQ(virtq_pop(&q, &mem, &c), 1);
	CHECK_EQ(c.nseg, 2);
	CHECK_EQ(c.writable, 8);
}

/* ---- hostile tables: each must be reported malformed, nothing else ---- */

static void expect_malformed(void)
{
	CHECK_EQ(virtq_pop(&q, &mem, &c), (uint64_t)-EINVAL);
}

static void test_virtq_descriptor_loop_is_malformed(void)
{
	setup();
	desc(0, BUFS, 16, VRING_DESC_F_NEXT, 1);
	desc(1, BUFS, 16, VRING_DESC_F_NEXT, 0);
	offer(0, 0);
	expect_malformed();
}

static void test_virtq_self_loop_is_malformed(void)
{
	setup();
	desc(2, BUFS, 16, VRING_DESC_F_NEXT, 2);
	offer(0, 2);
	expect_malformed();
}

static void test_virtq_head_or_next_out_of_range_is_malformed(void)
{
	setup();
	offer(0, QSIZE);
	expect_malformed();
	setup();
	desc(0, BUFS, 16, VRING_DESC_F_NEXT, 0xffff);
	offer(0, 0);
	expect_malformed();
}

static void test_virtq_buffer_outside_memory_is_malformed(void)
{
	setup();
	desc(0, RAM - 8, 16, 0, 0);
	offer(0, 0);
	expect_malformed();
	setup();
	desc(0, ~0ULL - 4, 16, 0, 0); /* wraps */
	offer(0, 0);
	expect_malformed();
	setup();
	desc(0, BUFS, 0xffffffff, VRING_DESC_F_WRITE, 0); /* huge length */
	offer(0, 0);
	expect_malformed();
}

static void test_virtq_readable_after_writable_is_malformed(void)
{
	setup();
	desc(0, BUFS, 16, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
	desc(1, BUFS, 16, 0, 0);
	offer(0, 0);
	expect_malformed();
}

static void test_virtq_avail_index_too_far_ahead_is_malformed(void)
{
	uint16_t idx = QSIZE + 1;

	setup();
	CHECK_EQ(mem_write(&mem, AVAIL + 2, &idx, 2), 0);
	expect_malformed();
}

static void test_virtq_hostile_indirect_tables_are_malformed(void)
{
	struct vring_desc loop[2] = { { BUFS, 8, VRING_DESC_F_NEXT, 1 }, { BUFS, 8, VRING_DESC_F_NEXT, 0 } };
	struct vring_desc nested = { BUFS + 0x1000, 16, VRING_DESC_F_INDIRECT, 0 };

	setup();
	CHECK_EQ(mem_write(&mem, BUFS + 0x1000, loop, sizeof(loop)), 0);
	desc(0, BUFS + 0x1000, sizeof(loop), VRING_DESC_F_INDIRECT, 0);
	offer(0, 0);
	expect_malformed(); /* loop inside the table */
	setup();
	CHECK_EQ(mem_write(&mem, BUFS + 0x1000, &nested, sizeof(nested)), 0);
	desc(0, BUFS + 0x1000, sizeof(nested), VRING_DESC_F_INDIRECT, 0);
	offer(0, 0);
	expect_malformed(); /* indirect inside indirect */
	setup();
	desc(0, BUFS + 0x1000, 15, VRING_DESC_F_INDIRECT, 0); /* not whole descriptors */
	offer(0, 0);
	expect_malformed();
	setup();
	desc(0, BUFS + 0x1000, 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	offer(0, 0);
	expect_malformed(); /* INDIRECT and NEXT together */
	setup();
	q.indirect = false; /* not negotiated */
	CHECK_EQ(mem_write(&mem, BUFS + 0x1000, loop, sizeof(struct vring_desc)), 0);
	desc(0, BUFS + 0x1000, 16, VRING_DESC_F_INDIRECT, 0);
	offer(0, 0);
	expect_malformed();
}

static void test_virtq_too_many_segments_is_malformed(void)
{
	static struct vring_desc table[VIRTQ_MAX_SEGS + 1];

	setup();
	for (unsigned i = 0; i <= VIRTQ_MAX_SEGS; i++)
		table[i] = (struct vring_desc){ BUFS, 4, VRING_DESC_F_NEXT, (uint16_t)(i + 1) };
	table[VIRTQ_MAX_SEGS].flags = 0;
	CHECK_EQ(mem_write(&mem, BUFS + 0x1000, table, sizeof(table)), 0);
	desc(0, BUFS + 0x1000, sizeof(table), VRING_DESC_F_INDIRECT, 0);
	offer(0, 0);
	expect_malformed();
}

static void test_virtq_rings_outside_memory_or_bad_size(void)
{
	setup();
	q.used = RAM - 4;
	CHECK(!virtq_valid(&q, &mem));
	expect_malformed();
	setup();
	q.size = 3;
	CHECK(!virtq_valid(&q, &mem));
	setup();
	q.avail = AVAIL + 1; /* ring indices are read and written atomically in place */
	CHECK(!virtq_valid(&q, &mem));
	expect_malformed();
	setup();
	q.used = USED + 3;
	CHECK(!virtq_valid(&q, &mem));
	setup();
	q.size = 512;
	CHECK(!virtq_valid(&q, &mem));
}

static void test_virtq_signal_rules(void)
{
	uint16_t flags = VRING_AVAIL_F_NO_INTERRUPT, event = 0;

	setup();
	CHECK(virtq_should_signal(&q, &mem));
	CHECK_EQ(mem_write(&mem, AVAIL, &flags, 2), 0);
	CHECK(!virtq_should_signal(&q, &mem));
	setup();
	q.event_idx = true;
	CHECK_EQ(mem_write(&mem, AVAIL + 4 + 2 * QSIZE, &event, 2), 0); /* used_event = 0 */
	CHECK_EQ(virtq_push(&q, &mem, 0, 0), 0); /* used idx 0 -> 1 crosses event 0 */
	CHECK(virtq_should_signal(&q, &mem));
	CHECK_EQ(virtq_push(&q, &mem, 0, 0), 0); /* 1 -> 2: event still 0 */
	CHECK(!virtq_should_signal(&q, &mem));
}

int main(void)
{
	RUN(test_virtq_empty_ring_gives_nothing);
	RUN(test_virtq_not_ready_gives_nothing);
	RUN(test_virtq_chain_of_readable_then_writable);
	RUN(test_virtq_push_fills_used_ring);
	RUN(test_virtq_copy_helpers_cross_segments);
	RUN(test_virtq_indirect_table);
	RUN(test_virtq_descriptor_loop_is_malformed);
	RUN(test_virtq_self_loop_is_malformed);
	RUN(test_virtq_head_or_next_out_of_range_is_malformed);
	RUN(test_virtq_buffer_outside_memory_is_malformed);
	RUN(test_virtq_readable_after_writable_is_malformed);
	RUN(test_virtq_avail_index_too_far_ahead_is_malformed);
	RUN(test_virtq_hostile_indirect_tables_are_malformed);
	RUN(test_virtq_too_many_segments_is_malformed);
	RUN(test_virtq_rings_outside_memory_or_bad_size);
	RUN(test_virtq_signal_rules);
	mem_free(&mem);
	return check_summary("virtq");
}
