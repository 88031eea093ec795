/* fuzz_virtio_rng.c: a guest driving virtio-rng through its transport
 * (see fuzz_virtio.h): any register sequence, any ring contents. */
#include "fuzz_virtio.h"
#include "virtio/rng.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fuzz_virtio f;
static struct virtio_rng rng;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!f.mem.ram) {
		fuzz_virtio_setup(&f);
		fuzz_virtio_attach(&f, &virtio_rng_backend, &rng);
	}
	fuzz_virtio_run(&f, data, size);
	return 0;
}
