/* fuzz_pic.c: the i8259 pair: ICW/OCW sequences on both chips and the
 * ELCR, input lines moving, and interrupt-acknowledge cycles. */
#include "dev/pic.h"
#include "fuzz.h"

static void out(void *ctx, int level)
{
	(void)ctx;
	(void)level;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pic pic;
	static int ready;
	struct fuzz_in in = { data, size };

	if (!ready) {
		pic_init(&pic, (struct pic_output){ out, NULL });
		ready = 1;
	}
	pic_reset(&pic);
	for (unsigned irq = 0; irq < 16; irq++)
		pic_set_irq(&pic, irq, 0);
	while (in.n) {
		uint8_t c = (uint8_t)fuzz_take(&in, 1);

		switch (c >> 5) {
		case 0: case 1:
			pic_set_irq(&pic, c & 0x1f, (c >> 5) & 1);
			break;
		case 2:
			if (pic_output(&pic))
				(void)pic_read_irq(&pic);
			break;
		case 3:
			if (!fuzz_access(&in, &pic_elcr_ops, &pic, 2))
				return 0;
			break;
		default:
			if (!fuzz_access(&in, &pic_ops, &pic.chip[c & 1], PIC_NREGS))
				return 0;
			break;
		}
	}
	return 0;
}
