/* probe.c: per-thread probe buffers. */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "probe.h"

__thread struct probe_buf *probe_tls;
__thread uint64_t probe_exit_ns;

static struct probe_buf *bufs;
static unsigned nbufs;

int probes_init(unsigned nthreads, uint32_t cap)
{
	size_t bytes = (size_t)cap * sizeof(struct probe_rec);

	bufs = calloc(nthreads, sizeof(*bufs));
	if (!bufs)
		return -ENOMEM;
	nbufs = nthreads;
	for (unsigned i = 0; i < nthreads; i++) {
		/* Untouched pages cost nothing; each is faulted in once. */
		void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		if (p == MAP_FAILED) {
			probes_free();
			return -ENOMEM;
		}
		bufs[i] = (struct probe_buf){ .rec = p, .cap = cap, .vcpu = (int)i - 1 };
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
	for (unsigned i = 0; bufs && i < nbufs; i++)
		if (bufs[i].rec)
			munmap(bufs[i].rec, (size_t)bufs[i].cap * sizeof(struct probe_rec));
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
	for (unsigned i = 0; i < nbufs; i++)
		for (uint32_t j = 0; j < bufs[i].n; j++)
			all[k++] = (struct trace_event){ bufs[i].rec[j], bufs[i].vcpu, bufs[i].tid };
	trace_sort(all, n);
	*count = n;
	return all;
}
