/* fuzz_virtio_mmio.c: a guest driving a virtio-blk transport: register
 * sequences (negotiation, queue set-up, notifications, config space) with
 * the rings and buffers written by the input, and the main thread's event
 * loop serving the notifications, as in mvm (see fuzz_virtio.h).  The
 * device's worker serves the requests; each event-loop turn waits for it
 * to finish, so a run depends on its input only. */
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_virtio.h"
#include "virtio/blk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fuzz_virtio f;
static struct virtio_blk blk;

static void wait_for_worker(void)
{
	virtio_blk_drain(&blk);
}

static void setup(void)
{
	int fd = memfd_create("fuzz-disk", MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, 64 * 512))
		__builtin_trap();
	fuzz_virtio_setup(&f);
	virtio_blk_attach_fd(&blk, fd, 64, false);
	fuzz_virtio_attach(&f, &virtio_blk_backend, &blk);
	f.settle = wait_for_worker;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!f.mem.ram)
		setup();
	fuzz_virtio_run(&f, data, size);
	return 0;
}
