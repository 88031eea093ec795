/* fuzz_virtio_mmio.c: a guest driving a virtio-blk transport: register
 * sequences (negotiation, queue set-up, notifications, config space) with
 * the rings and buffers written by the input, and the main thread's event
 * loop serving the notifications, as in mvm.  The device's worker serves
 * the requests; each event-loop turn waits for it to finish, so a run
 * depends on its input only. */
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "virtio/blk.h"

#define RAM (16ULL << 20)
#define AREA 0x10000ULL
#define AREA_SIZE 0x8000ULL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct guest_mem mem;
static struct evloop loop;
static struct virtio_blk blk;
static struct virtio_mmio t;

static void setup(void)
{
	int fd = memfd_create("fuzz-disk", MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, 64 * 512) || mem_init(&mem, RAM, 0) || evloop_init(&loop))
		__builtin_trap();
	virtio_blk_attach_fd(&blk, fd, 64, false);
	virtio_mmio_init(&t, &virtio_blk_backend, &blk, &mem, (struct irq_line){ 0 },
			 VIRTIO_MMIO_BASE, false);
	if (virtio_mmio_attach(&t, &loop, -1))
		__builtin_trap();
}

static void serve(struct evloop *l)
{
	while (evloop_run_once(l, 0) > 0)
		;
	virtio_blk_drain(&blk);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };

	if (!mem.ram)
		setup();
	t.legacy = fuzz_take(&in, 1) & 1;
	virtio_mmio_reset(&t);
	{
		size_t n = fuzz_take(&in, 2) % (AREA_SIZE + 1);

		n = n < in.n ? n : in.n;
		memset(mem_ptr(&mem, AREA, AREA_SIZE), 0, AREA_SIZE);
		memcpy(mem_ptr(&mem, AREA, AREA_SIZE), in.p, n);
		fuzz_take(&in, (unsigned)n);
	}
	while (in.n) {
		if (in.p[0] == 0xff) { /* the event loop's turn */
			fuzz_take(&in, 1);
			serve(&loop);
		} else if (!fuzz_access(&in, &virtio_mmio_ops, &t, VIRTIO_MMIO_SLOT_SIZE)) {
			break;
		}
	}
	serve(&loop);
	return 0;
}
