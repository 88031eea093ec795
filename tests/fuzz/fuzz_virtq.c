/* fuzz_virtq.c: the split-virtqueue walker on guest-written rings: the
 * input sets the queue's size, addresses and features and fills the
 * descriptor table and avail ring; chains are popped, copied and pushed. */
#include "fuzz.h"
#include "virtio/queue.h"

#define RAM (16ULL << 20)
#define AREA 0x10000ULL /* where the input's bytes land */
#define AREA_SIZE 0x8000ULL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct guest_mem mem;
	static struct virtq_chain c;
	static uint8_t buf[4096];
	struct fuzz_in in = { data, size };
	struct virtq q = { 0 };
	uint8_t flags;

	if (!mem.ram && mem_init(&mem, RAM, 0))
		return 0;
	memset(mem_ptr(&mem, AREA, AREA_SIZE), 0, AREA_SIZE);
	q.size = (uint16_t)fuzz_take(&in, 2);
	/* Addresses near the area, or anywhere when the top bit says so. */
	q.desc = fuzz_take(&in, 4);
	q.avail = fuzz_take(&in, 4);
	q.used = fuzz_take(&in, 4);
	flags = (uint8_t)fuzz_take(&in, 1);
	if (!(flags & 0x80)) {
		q.desc = AREA + q.desc % AREA_SIZE;
		q.avail = AREA + q.avail % AREA_SIZE;
		q.used = AREA + q.used % AREA_SIZE;
	}
	q.indirect = flags & 1;
	q.event_idx = flags & 2;
	q.last_avail = (uint16_t)fuzz_take(&in, 2);
	q.ready = virtq_valid(&q, &mem);
	memcpy(mem_ptr(&mem, AREA, AREA_SIZE), in.p, in.n < AREA_SIZE ? in.n : AREA_SIZE);
	for (int i = 0; i < 64 && q.ready; i++) {
		int r = virtq_pop(&q, &mem, &c);

		if (r <= 0)
			break;
		virtq_copy_from(&c, (uint64_t)i * 7, buf, sizeof(buf));
		virtq_copy_to(&c, (uint64_t)i * 3, buf, sizeof(buf));
		if (virtq_push(&q, &mem, c.head, (uint32_t)c.writable))
			break;
		(void)virtq_should_signal(&q, &mem);
	}
	return 0;
}
