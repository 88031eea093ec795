/* fuzz_fw_cfg.c: fw_cfg selector, data port and DMA register sequences,
 * with DMA descriptors and their targets written by the input. */
#include "dev/fw_cfg.h"
#include "fuzz.h"

#define RAM (16ULL << 20)
#define AREA 0x1000ULL
#define AREA_SIZE 0x4000ULL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void setup(struct fw_cfg *f, struct guest_mem *mem)
{
	static const char kernel[] = "not really a kernel, but bytes to read";
	static uint8_t blob[5000];

	if (mem_init(mem, RAM, 0))
		__builtin_trap();
	if (fw_cfg_init(f, mem, (struct fw_cfg_events){ 0 }))
		__builtin_trap();
	if (fw_cfg_add(f, FW_CFG_KERNEL_DATA, kernel, sizeof(kernel)) ||
	    fw_cfg_add_u32(f, FW_CFG_KERNEL_SIZE, sizeof(kernel)) ||
	    fw_cfg_add_file(f, "etc/blob", blob, sizeof(blob)) ||
	    fw_cfg_add_file(f, "etc/e820", kernel, 20))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct guest_mem mem;
	static struct fw_cfg f;
	struct fuzz_in in = { data, size };

	if (!mem.ram)
		setup(&f, &mem);
	fw_cfg_reset(&f);
	/* The first bytes become guest RAM: descriptors and buffers for DMA. */
	{
		size_t n = fuzz_take(&in, 1) * 16ULL;

		n = n < in.n ? n : in.n;
		memset(mem_ptr(&mem, AREA, AREA_SIZE), 0, AREA_SIZE);
		memcpy(mem_ptr(&mem, AREA, AREA_SIZE), in.p, n);
		fuzz_take(&in, (unsigned)n);
	}
	while (in.n) {
		uint8_t c = in.p[0];
		int more = (c & 0x80) ? fuzz_access(&in, &fw_cfg_dma_ops, &f, 8)
				      : fuzz_access(&in, &fw_cfg_io_ops, &f, 2);

		if (!more)
			break;
	}
	return 0;
}
