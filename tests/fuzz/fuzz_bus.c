/* fuzz_bus.c: the bus against a model of it.  The input registers ranges
 * (overlapping, adjacent, empty, wrapping, at the top of the address
 * space, past the table's size), clears the bus, and makes reads and
 * writes of any size at addresses in, near and across the ranges, on
 * recording devices of several accepted-size sets.
 *
 * Checked: registration succeeds or fails exactly as the model says and
 * the table stays sorted and disjoint; an access reaches a device only
 * when the range wholly contains it in a size the device takes, with the
 * offset from its base; everything else is counted as unassigned and reads
 * as all-ones (bus_read) or the caller's value (bus_read_or). */
#include <errno.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct dev {
	uint64_t len;
	unsigned id;
	/* the last call */
	int called;
	uint64_t offset, value;
	unsigned size;
};

static uint64_t ones(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static uint64_t dev_value(const struct dev *d, uint64_t offset)
{
	return 0xa5a55a5a3c3cc3c3ULL ^ ((uint64_t)d->id << 40) ^ offset;
}

static void record(struct dev *d, uint64_t offset, unsigned size, uint64_t value)
{
	if (offset >= d->len || size > d->len - offset)
		__builtin_trap();
	d->called = 1;
	d->offset = offset;
	d->size = size;
	d->value = value;
}

static uint64_t dev_read(void *dev, uint64_t offset, unsigned size)
{
	record(dev, offset, size, 0);
	return dev_value(dev, offset);
}

static void dev_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	record(dev, offset, size, value);
}

static const struct bus_ops variants[] = {
	{ "any", BUS_SIZE_ANY, dev_read, dev_write },
	{ "byte", BUS_SIZE_1, dev_read, dev_write },
	{ "dword", BUS_SIZE_4, dev_read, dev_write },
	{ "wide", BUS_SIZE_2 | BUS_SIZE_8, dev_read, dev_write },
	{ "ro", BUS_SIZE_ANY, dev_read, NULL },
	{ "wo", BUS_SIZE_1 | BUS_SIZE_4, NULL, dev_write },
};
#define NVARIANTS (sizeof(variants) / sizeof(variants[0]))

/* The model: what was registered, in registration order. */
struct entry {
	uint64_t base, len;
	const struct bus_ops *ops;
	struct dev *dev;
};

static struct bus bus;
static struct entry model[BUS_MAX_RANGES];
static struct dev devs[BUS_MAX_RANGES];
static unsigned nmodel;

static void clear(void)
{
	bus_init(&bus, "fuzz");
	nmodel = 0;
}

static int model_register(uint64_t base, uint64_t len, const struct bus_ops *ops)
{
	uint64_t last;

	if (!len || __builtin_add_overflow(base, len - 1, &last))
		return -EINVAL;
	if (nmodel == BUS_MAX_RANGES)
		return -ENOSPC;
	for (unsigned i = 0; i < nmodel; i++)
		if (base <= model[i].base + (model[i].len - 1) && model[i].base <= last)
			return -EEXIST;
	devs[nmodel] = (struct dev){ .len = len, .id = nmodel };
	model[nmodel] = (struct entry){ base, len, ops, &devs[nmodel] };
	nmodel++;
	return 0;
}

static void check_table(void)
{
	if (bus.nranges != nmodel)
		__builtin_trap();
	for (unsigned i = 1; i < bus.nranges; i++) {
		const struct bus_range *p = &bus.range[i - 1], *r = &bus.range[i];

		if (p->base + (p->len - 1) >= r->base)
			__builtin_trap();
	}
}

/* The model's range for the access, or NULL when it is unassigned. */
static const struct entry *model_claim(uint64_t addr, unsigned size)
{
	if (size == 0 || size > 8 || (size & (size - 1)))
		return NULL;
	for (unsigned i = 0; i < nmodel; i++) {
		const struct entry *e = &model[i];

		if (addr < e->base || addr - e->base >= e->len)
			continue;
		if (!(e->ops->sizes & size) || size > e->len || addr - e->base > e->len - size)
			return NULL;
		return e;
	}
	return NULL;
}

/* An address in or near a registered range, or anywhere. */
static uint64_t pick_addr(struct fuzz_in *in)
{
	uint8_t how = (uint8_t)fuzz_take(in, 1);
	const struct entry *e;

	if (!nmodel || (how & 0xc0) == 0xc0)
		return fuzz_take(in, 8);
	e = &model[how % nmodel];
	if (how & 0x40) /* around the range's end */
		return e->base + e->len + (uint64_t)(int64_t)(int8_t)fuzz_take(in, 1);
	return e->base + (uint64_t)(int64_t)(int8_t)fuzz_take(in, 1);
}

static void do_register(struct fuzz_in *in)
{
	uint8_t how = (uint8_t)fuzz_take(in, 1);
	const struct bus_ops *ops = &variants[(how >> 4) % NVARIANTS];
	uint64_t base, len;
	int got, want;

	switch (how & 3) {
	case 0: base = fuzz_take(in, 2); break;
	case 1: base = ~0ULL - fuzz_take(in, 1); break;
	case 2: base = pick_addr(in); break;
	default: base = fuzz_take(in, 8); break;
	}
	switch ((how >> 2) & 3) {
	case 0: len = fuzz_take(in, 1) & 0x1f; break;
	case 1: len = fuzz_take(in, 2); break;
	case 2: len = ~0ULL - base + 1 - (fuzz_take(in, 1) & 3); break; /* the top edge */
	default: len = fuzz_take(in, 8); break;
	}
	want = model_register(base, len, ops);
	got = bus_register(&bus, base, len, ops, want ? NULL : model[nmodel - 1].dev);
	if (got != want)
		__builtin_trap();
	check_table();
}

static void check_find(uint64_t addr, unsigned size, const struct entry *e)
{
	const struct bus_range *r = bus_find(&bus, addr, size);

	if (!e != !r || (e && (r->base != e->base || r->len != e->len || r->dev != e->dev)))
		__builtin_trap();
}

static void do_read(struct fuzz_in *in, int with_fill)
{
	uint64_t addr = pick_addr(in), fill = with_fill ? fuzz_take(in, 8) : ~0ULL, v;
	unsigned size = (unsigned)fuzz_take(in, 1) & 0xf;
	const struct entry *e = model_claim(addr, size);
	uint64_t unassigned = bus.unassigned_reads;

	for (unsigned i = 0; i < nmodel; i++)
		devs[i].called = 0;
	check_find(addr, size, e);
	v = with_fill ? bus_read_or(&bus, addr, size, fill) : bus_read(&bus, addr, size);
	if (e && e->ops->read) {
		if (!e->dev->called || e->dev->offset != addr - e->base || e->dev->size != size ||
		    v != (dev_value(e->dev, addr - e->base) & ones(size)))
			__builtin_trap();
	} else if (v != (fill & ones(size)) || bus.unassigned_reads != unassigned + 1) {
		__builtin_trap();
	}
	for (unsigned i = 0; i < nmodel; i++)
		if (devs[i].called && (!e || &devs[i] != e->dev))
			__builtin_trap();
}

static void do_write(struct fuzz_in *in)
{
	uint64_t addr = pick_addr(in);
	unsigned size = (unsigned)fuzz_take(in, 1) & 0xf;
	uint64_t value = fuzz_take(in, 8);
	const struct entry *e = model_claim(addr, size);
	uint64_t unassigned = bus.unassigned_writes;

	for (unsigned i = 0; i < nmodel; i++)
		devs[i].called = 0;
	bus_write(&bus, addr, size, value);
	if (e && e->ops->write) {
		if (!e->dev->called || e->dev->offset != addr - e->base || e->dev->size != size ||
		    e->dev->value != (value & ones(size)))
			__builtin_trap();
	} else if (bus.unassigned_writes != unassigned + 1) {
		__builtin_trap();
	}
	for (unsigned i = 0; i < nmodel; i++)
		if (devs[i].called && (!e || &devs[i] != e->dev))
			__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };

	clear();
	while (in.n) {
		uint8_t op = (uint8_t)fuzz_take(&in, 1);

		switch (op % 8) {
		case 0: case 1: case 2: do_register(&in); break;
		case 3: do_read(&in, 0); break;
		case 4: do_read(&in, 1); break;
		case 5: case 6: do_write(&in); break;
		default:
			if (op == 0xff) /* everything unregistered */
				clear();
			break;
		}
	}
	return 0;
}
