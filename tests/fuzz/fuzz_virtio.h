/*
 * fuzz_virtio.h: what the virtio device targets share.  A guest with
 * 16 MiB of RAM drives one virtio-mmio transport: each input picks the
 * layout (legacy or modern), fills a ring area at 0x10000 with its next
 * bytes, then is read as a program:
 *
 *   0xff       the main thread's event loop runs (notifications, backend
 *              input), then the target settles (a worker finishes, host
 *              output is drained), as in mvm between guest accesses;
 *   0xfe       the host side acts (a frame arrives, console input);
 *   otherwise  one register access (fuzz_access).
 *
 * The transport is reset at the start of every input, and the target
 * drops what its host side still holds, so a run depends on its input.
 */
#ifndef MVM_FUZZ_VIRTIO_H
#define MVM_FUZZ_VIRTIO_H

#include "fuzz.h"
#include "virtio/mmio.h"

#define FUZZ_VIRTIO_RAM (16ULL << 20)
#define FUZZ_VIRTIO_AREA 0x10000ULL
#define FUZZ_VIRTIO_AREA_SIZE 0x8000ULL

struct fuzz_virtio {
	struct guest_mem mem;
	struct evloop loop;
	struct bus bus; /* the transport's, for its lock */
	struct virtio_mmio t;
	void (*begin)(void);		    /* after the reset: drop leftovers */
	void (*host)(struct fuzz_in *in); /* 0xfe */
	void (*settle)(void);		    /* after each event-loop turn */
};

/* Memory and the event loop; the target then builds its device on them. */
static inline void fuzz_virtio_setup(struct fuzz_virtio *f)
{
	if (mem_init(&f->mem, FUZZ_VIRTIO_RAM, 0) || evloop_init(&f->loop))
		__builtin_trap();
}

/* The transport for (be)/(dev), notifications in the loop. */
static inline void fuzz_virtio_attach(struct fuzz_virtio *f, const struct virtio_backend *be,
				      void *dev)
{
	struct virtio_mmio_env env = { .mem = &f->mem, .base = VIRTIO_MMIO_BASE };

	bus_init(&f->bus, "mmio");
	if (bus_register(&f->bus, VIRTIO_MMIO_BASE, VIRTIO_MMIO_SLOT_SIZE, &virtio_mmio_ops, &f->t))
		__builtin_trap();
	env.lock = bus_device(&f->bus, &f->t);
	virtio_mmio_init(&f->t, be, dev, &env);
	if (virtio_mmio_attach(&f->t, &f->loop, -1))
		__builtin_trap();
}

static inline void fuzz_virtio_turn(struct fuzz_virtio *f)
{
	while (evloop_run_once(&f->loop, 0) > 0)
		;
	if (f->settle)
		f->settle();
}

/* The next (max) bytes at most, as a span of the input (fuzz_take()
 * returns values of up to 8 bytes only). */
static inline size_t fuzz_virtio_span(struct fuzz_in *in, size_t max, const uint8_t **p)
{
	size_t n = max < in->n ? max : in->n;

	*p = in->p;
	in->p += n;
	in->n -= n;
	return n;
}

static inline void fuzz_virtio_fill_area(struct fuzz_virtio *f, struct fuzz_in *in)
{
	uint8_t *area = mem_ptr(&f->mem, FUZZ_VIRTIO_AREA, FUZZ_VIRTIO_AREA_SIZE);
	const uint8_t *p;
	size_t n = fuzz_virtio_span(in, fuzz_take(in, 2) % (FUZZ_VIRTIO_AREA_SIZE + 1), &p);

	memset(area, 0, FUZZ_VIRTIO_AREA_SIZE);
	memcpy(area, p, n);
}

static inline void fuzz_virtio_run(struct fuzz_virtio *f, const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };

	f->t.legacy = fuzz_take(&in, 1) & 1;
	virtio_mmio_reset(&f->t);
	if (f->begin)
		f->begin();
	fuzz_virtio_fill_area(f, &in);
	while (in.n) {
		if (in.p[0] == 0xff) {
			fuzz_take(&in, 1);
			fuzz_virtio_turn(f);
		} else if (in.p[0] == 0xfe) {
			fuzz_take(&in, 1);
			if (f->host)
				f->host(&in);
		} else {
			int more;

			/* A register access, under the bus's lock as in mvm
			 * (a backend's worker may be running). */
			virtio_mmio_lock(&f->t);
			more = fuzz_access(&in, &virtio_mmio_ops, &f->t, VIRTIO_MMIO_SLOT_SIZE);
			virtio_mmio_unlock(&f->t);
			if (!more)
				break;
		}
	}
	fuzz_virtio_turn(f);
}

#endif
