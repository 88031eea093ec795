/*
 * fuzz.h: what the libFuzzer targets share: a cursor over the input and an
 * interpreter that turns input bytes into guest register accesses.
 *
 * Every target builds its device (or parser) once, then replays one input
 * per call; nothing a target reaches may crash, hang, leak or trip ASan or
 * UBSan, whatever the bytes.
 */
#ifndef MVM_FUZZ_H
#define MVM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/bus.h"

/* libFuzzer's entry points: one input per call; the optional set-up once. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline uint64_t fuzz_take(struct fuzz_in *in, unsigned bytes)
{
	uint64_t v = 0;

	if (bytes > in->n)
		bytes = (unsigned)in->n;
	memcpy(&v, in->p, bytes);
	in->p += bytes;
	in->n -= bytes;
	return v;
}

/* One access from the input: (op & 1) write, size 1 << ((op >> 1) & 3),
 * an offset below (span), a value for writes.  Returns 0 when the input
 * is used up. */
static inline int fuzz_access(struct fuzz_in *in, const struct bus_ops *ops, void *dev,
			      uint64_t span)
{
	uint8_t op;
	unsigned size;
	uint64_t off;

	if (!in->n)
		return 0;
	op = (uint8_t)fuzz_take(in, 1);
	size = 1u << ((op >> 1) & 3);
	off = fuzz_take(in, 2) % span;
	/* The bus refuses sizes a device does not take; so do we. */
	if (!(ops->sizes & size) || off + size > span)
		return 1;
	if (op & 1)
		ops->write(dev, off, size, fuzz_take(in, size));
	else
		(void)ops->read(dev, off, size);
	return 1;
}

/* Replay the input (data, size) on (dev): a byte from (first_event) up is
 * taken and handed to (event) with the input (which may take more), any
 * other starts an access through (ops) below (span). */
static inline void fuzz_events_and_accesses(const uint8_t *data, size_t size,
					    const struct bus_ops *ops, void *dev, uint64_t span,
					    uint8_t first_event,
					    void (*event)(uint8_t c, struct fuzz_in *in))
{
	struct fuzz_in in = { data, size };

	while (in.n) {
		uint8_t c = in.p[0];

		if (c >= first_event) {
			fuzz_take(&in, 1);
			event(c, &in);
		} else if (!fuzz_access(&in, ops, dev, span)) {
			break;
		}
	}
}

#endif
