/* probe.c: per-thread probe buffers. */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "probe.h"

__thread struct probe_buf *probe_tls;

/* When the exit this thread is handling left KVM_RUN, 0 outside one. */
static __thread uint64_t exit_ns;

static struct probe_buf *bufs;
static unsigned nbufs;

uint64_t probe_exit_begin(void)
{
	exit_ns = probe_tls ? probe_now() : 0;
	return exit_ns;
}

void probe_exit_end(void)
{
	exit_ns = 0;
}

static uint64_t guest_time(void)
{
	return exit_ns ? exit_ns : probe_now();
}

void probe_emit_guest(enum probe_kind kind, uint32_t reason, uint64_t addr, unsigned size,
		      enum probe_dir dir, uint64_t value)
{
	if (probe_tls)
		probe_emit_at(guest_time(), kind, reason, addr, size, dir, value);
}

void probe_emit_guest_named(enum probe_kind kind, uint32_t reason, uint64_t addr, unsigned size,
			    enum probe_dir dir, uint64_t value, const char *name)
{
	struct probe_buf *b = probe_tls;
	uint32_t i;

	if (!b)
		return;
	i = b->n;
	probe_emit_at(guest_time(), kind, reason, addr, size, dir, value);
	if (b->n == i)
		return; /* dropped */
	b->rec[i].flags |= PROBE_REC_NAMED;
	b->name[i] = name;
}

/* (bytes) of untouched pages: they cost nothing until written. */
static void *map_lazily(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

int probes_init(unsigned nthreads, uint32_t cap)
{

	bufs = calloc(nthreads, sizeof(*bufs));
	if (!bufs)
		return -ENOMEM;
	nbufs = nthreads;
	for (unsigned i = 0; i < nthreads; i++) {
		bufs[i] = (struct probe_buf){ .rec = map_lazily(cap * sizeof(struct probe_rec)),
					      .name = map_lazily(cap * sizeof(const char *)),
					      .cap = cap, .vcpu = (int)i - 1 };
		if (!bufs[i].rec || !bufs[i].name) {
			probes_free();
			return -ENOMEM;
		}
	}
	return 0;
}

void probes_attach(unsigned index)
{
	probe_tls = bufs && index < nbufs ? &bufs[index] : NULL;
	if (probe_tls)
		probe_tls->tid = (int)gettid();
}

void probes_free(void)
{
	for (unsigned i = 0; bufs && i < nbufs; i++) {
		if (bufs[i].rec)
			munmap(bufs[i].rec, (size_t)bufs[i].cap * sizeof(struct probe_rec));
		if (bufs[i].name)
			munmap(bufs[i].name, (size_t)bufs[i].cap * sizeof(const char *));
	}
	free(bufs);
	bufs = NULL;
	nbufs = 0;
	probe_tls = NULL;
}

uint64_t probes_dropped(void)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < nbufs; i++)
		n += bufs[i].dropped;
	return n;
}

struct trace_event *probes_collect(size_t *count)
{
	size_t n = 0, k = 0;
	struct trace_event *all;

	*count = 0;
	for (unsigned i = 0; i < nbufs; i++)
		n += bufs[i].n;
	all = n ? malloc(n * sizeof(*all)) : NULL;
	if (!all)
		return NULL;
	for (unsigned i = 0; i < nbufs; i++) {
		for (uint32_t j = 0; j < bufs[i].n; j++) {
			const struct probe_rec *r = &bufs[i].rec[j];

			all[k++] = (struct trace_event){
				*r, bufs[i].vcpu, bufs[i].tid,
				r->flags & PROBE_REC_NAMED ? bufs[i].name[j] : NULL,
			};
		}
	}
	trace_sort(all, n);
	*count = n;
	return all;
}
