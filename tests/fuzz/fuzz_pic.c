/* fuzz_pic.c: the i8259 pair: ICW/OCW sequences on both chips and the
 * ELCR, input lines moving, and interrupt-acknowledge cycles. */
#include "dev/pic.h"
#include "fuzz.h"

static struct pic pic;

static void out(void *ctx, int level)
{
	(void)ctx;
	(void)level;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	pic_init(&pic, (struct pic_output){ out, NULL });
	return 0;
}

/* One byte c, by its top three bits: 0-1 input line (c & 0x1f) to level
 * (c >> 5 & 1); 2 an acknowledge cycle if INTR is up; 3 an ELCR access;
 * 4-7 an access to chip (c & 1). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };

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
