/* fuzz_exit.c: the exit decoder on kvm_run structures written by the
 * input: port I/O (string counts, sizes and data offsets included), MMIO
 * and every other exit reason, dispatched to buses of recording devices.
 *
 * The kvm_run mapping is modelled as the two pages KVM always gives (the
 * structure, then the port I/O data page), allocated exactly so that ASan
 * sees any access beyond them.  Checked besides memory safety: devices
 * only see offsets inside their range, unassigned port reads fill the data
 * with all-ones, unassigned MMIO reads with zeros. */
#include <stdlib.h>

#include "kvm/exit.h"
#include "fuzz.h"

#define PAGE 4096u
#define RUN_BYTES (2 * PAGE)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct rec {
	uint64_t len;
	unsigned calls;
};

static void check_access(struct rec *r, uint64_t offset, unsigned size)
{
	if (offset >= r->len || size > r->len - offset)
		__builtin_trap();
	r->calls++;
}

static uint64_t rec_read(void *dev, uint64_t offset, unsigned size)
{
	check_access(dev, offset, size);
	return 0x0123456789abcdefULL;
}

static void rec_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	(void)value;
	check_access(dev, offset, size);
}

static const struct bus_ops any_ops = { "any", BUS_SIZE_ANY, rec_read, rec_write };
static const struct bus_ops byte_ops = { "byte", BUS_SIZE_1, rec_read, rec_write };
static const struct bus_ops word_ops = { "word", BUS_SIZE_2 | BUS_SIZE_4, rec_read, rec_write };
static const struct bus_ops wo_ops = { "wo", BUS_SIZE_ANY, NULL, rec_write };

struct layout {
	uint64_t base, len;
	const struct bus_ops *ops;
};

/* A few shapes: wide, narrow (a 1-byte range taking 8-byte accesses),
 * size-restricted and write-only. */
static const struct layout pio_layout[] = {
	{ 0x3f8, 8, &byte_ops }, { 0x510, 2, &word_ops }, { 0x80, 1, &any_ops },
	{ 0x514, 8, &any_ops },	 { 0xf4, 2, &wo_ops },
};
static const struct layout mmio_layout[] = {
	{ 0xfec00000, 0x1000, &word_ops }, { 0xfeb00000, 0x200, &any_ops },
	{ 0xfeb00200, 1, &any_ops },	   { 0xd0000000, 0x10, &wo_ops },
};
#define NPIO (sizeof(pio_layout) / sizeof(pio_layout[0]))
#define NMMIO (sizeof(mmio_layout) / sizeof(mmio_layout[0]))

static struct bus pio, mmio;
static struct rec pio_dev[NPIO], mmio_dev[NMMIO];

static void setup(void)
{
	bus_init(&pio, "pio");
	bus_init(&mmio, "mmio");
	for (unsigned i = 0; i < NPIO; i++) {
		pio_dev[i].len = pio_layout[i].len;
		if (bus_register(&pio, pio_layout[i].base, pio_layout[i].len, pio_layout[i].ops,
				 &pio_dev[i]))
			__builtin_trap();
	}
	for (unsigned i = 0; i < NMMIO; i++) {
		mmio_dev[i].len = mmio_layout[i].len;
		if (bus_register(&mmio, mmio_layout[i].base, mmio_layout[i].len,
				 mmio_layout[i].ops, &mmio_dev[i]))
			__builtin_trap();
	}
}

/* An address near one of the ranges (so that they are hit and straddled),
 * or anywhere. */
static uint64_t pick_addr(struct fuzz_in *in, const struct layout *l, unsigned n)
{
	uint8_t how = (uint8_t)fuzz_take(in, 1);

	if (how & 0x80)
		return fuzz_take(in, 8);
	return l[how % n].base + (uint64_t)(int64_t)(int8_t)fuzz_take(in, 1);
}

static int all_bytes(const uint8_t *p, uint64_t n, uint8_t b)
{
	for (uint64_t i = 0; i < n; i++)
		if (p[i] != b)
			return 0;
	return 1;
}

static void io_exit(struct kvm_run *run, struct fuzz_in *in)
{
	uint8_t flags = (uint8_t)fuzz_take(in, 1);

	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = flags & 1 ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN;
	/* Mostly KVM's sizes (1, 2, 4), sometimes anything. */
	run->io.size = flags & 2 ? (uint8_t)fuzz_take(in, 1) : (uint8_t)(1u << ((flags >> 2) % 3));
	run->io.port = (uint16_t)pick_addr(in, pio_layout, NPIO);
	run->io.count = flags & 0x10 ? (uint32_t)fuzz_take(in, 4) : (uint32_t)fuzz_take(in, 1);
	run->io.data_offset = flags & 0x20 ? fuzz_take(in, 8) : PAGE;
}

static void mmio_exit(struct kvm_run *run, struct fuzz_in *in)
{
	uint8_t flags = (uint8_t)fuzz_take(in, 1);

	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.is_write = flags & 1;
	run->mmio.len = flags & 2 ? (uint32_t)fuzz_take(in, 4) : 1u << ((flags >> 2) & 3);
	run->mmio.phys_addr = pick_addr(in, mmio_layout, NMMIO);
	for (unsigned i = 0; i < sizeof(run->mmio.data); i++)
		run->mmio.data[i] = (uint8_t)fuzz_take(in, 1);
}

/* Any other exit: a reason, then the input's bytes over the union. */
static void other_exit(struct kvm_run *run, struct fuzz_in *in)
{
	size_t n;

	run->exit_reason = (uint32_t)fuzz_take(in, 1);
	if (run->exit_reason == 0xff)
		run->exit_reason = (uint32_t)fuzz_take(in, 4);
	n = in->n < 256 ? in->n : 256;
	memcpy(&run->io, in->p, n);
	fuzz_take(in, (unsigned)n);
}

static unsigned pio_calls(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < NPIO; i++)
		n += pio_dev[i].calls;
	return n;
}

/* What must hold after an I/O exit the decoder accepted. */
static void check_io(const struct kvm_run *run, uint64_t unassigned_before, unsigned calls_before)
{
	const uint8_t *d = (const uint8_t *)run + run->io.data_offset;
	uint64_t bytes = (uint64_t)run->io.size * run->io.count;
	const struct bus_range *r = bus_find(&pio, run->io.port, run->io.size);
	int readable = r && r->ops->read;
	int writable = r && r->ops->write;
	int served = run->io.direction == KVM_EXIT_IO_IN ? readable : writable;
	uint64_t unassigned = run->io.direction == KVM_EXIT_IO_IN ? pio.unassigned_reads
								   : pio.unassigned_writes;

	if (served && pio_calls() - calls_before != run->io.count)
		__builtin_trap();
	if (!served && unassigned - unassigned_before != run->io.count)
		__builtin_trap();
	if (run->io.direction == KVM_EXIT_IO_IN && !served && !all_bytes(d, bytes, 0xff))
		__builtin_trap();
}

static void check_mmio_read(const struct kvm_run *run)
{
	unsigned len = run->mmio.len;
	const struct bus_range *r = len <= 8 ? bus_find(&mmio, run->mmio.phys_addr, len) : NULL;

	if (!run->mmio.is_write && len <= 8 && !(r && r->ops->read) &&
	    !all_bytes(run->mmio.data, len, 0))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kvm_run *run;
	struct fuzz_in in = { data, size };
	struct exit_access a;
	enum exit_action action;
	uint64_t unassigned_before;
	unsigned calls_before;
	uint8_t kind;

	if (!run) {
		run = malloc(RUN_BYTES);
		if (!run)
			__builtin_trap();
		setup();
	}
	memset(run, 0, RUN_BYTES);
	kind = (uint8_t)fuzz_take(&in, 1);
	if (kind % 3 == 0)
		io_exit(run, &in);
	else if (kind % 3 == 1)
		mmio_exit(run, &in);
	else
		other_exit(run, &in);
	/* The rest of the input is the port I/O data page. */
	memcpy((uint8_t *)run + PAGE, in.p, in.n < PAGE ? in.n : PAGE);
	unassigned_before = run->io.direction == KVM_EXIT_IO_IN ? pio.unassigned_reads
								 : pio.unassigned_writes;
	calls_before = pio_calls();
	action = exit_dispatch(run, &pio, &mmio, &a);
	if (run->exit_reason == KVM_EXIT_IO && action == EXIT_CONTINUE)
		check_io(run, unassigned_before, calls_before);
	if (run->exit_reason == KVM_EXIT_MMIO)
		check_mmio_read(run);
	return 0;
}
