/* probe.c: probe buffers, CSV output and the one-line phase summary. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "boot_markers.h"
#include "probe.h"

__thread struct probe_buf *probe_tls;

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
}

void probes_free(void)
{
	for (unsigned i = 0; bufs && i < nbufs; i++)
		if (bufs[i].rec)
			munmap(bufs[i].rec, (size_t)bufs[i].cap * sizeof(struct probe_rec));
	free(bufs);
	bufs = NULL;
	nbufs = 0;
}

uint64_t probes_dropped(void)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < nbufs; i++)
		n += bufs[i].dropped;
	return n;
}

const char *probe_kind_name(unsigned kind)
{
	static const char *const names[PROBE_NKINDS] = {
		[PROBE_VMM_START] = "vmm_start",
		[PROBE_VM_CREATED] = "vm_created",
		[PROBE_FIRST_RUN] = "first_run",
		[PROBE_EXIT] = "exit",
		[PROBE_MARKER] = "marker",
		[PROBE_SERIAL_FIRST_BYTE] = "serial_first_byte",
		[PROBE_SHUTDOWN] = "shutdown",
		[PROBE_RESET] = "reset",
		[PROBE_VMM_EXIT] = "vmm_exit",
	};

	return kind < PROBE_NKINDS ? names[kind] : "unknown";
}

const char *probe_exit_reason_name(unsigned reason)
{
	switch (reason) {
	case KVM_EXIT_IO: return "io";
	case KVM_EXIT_MMIO: return "mmio";
	case KVM_EXIT_HLT: return "hlt";
	case KVM_EXIT_SHUTDOWN: return "shutdown";
	case KVM_EXIT_INTR: return "intr";
	case KVM_EXIT_INTERNAL_ERROR: return "internal_error";
	case KVM_EXIT_FAIL_ENTRY: return "fail_entry";
	case KVM_EXIT_IOAPIC_EOI: return "ioapic_eoi";
	case KVM_EXIT_SYSTEM_EVENT: return "system_event";
	case KVM_EXIT_IRQ_WINDOW_OPEN: return "irq_window_open";
	case KVM_EXIT_DEBUG: return "debug";
	case KVM_EXIT_EXCEPTION: return "exception";
	default: return "other";
	}
}

struct tagged {
	struct probe_rec r;
	int vcpu;
};

static int by_time(const void *a, const void *b)
{
	const struct tagged *x = a, *y = b;

	if (x->r.t_ns != y->r.t_ns)
		return x->r.t_ns < y->r.t_ns ? -1 : 1;
	return x->vcpu - y->vcpu;
}

/* All records of all buffers in one array sorted by time; caller frees. */
static struct tagged *merged(size_t *count)
{
	size_t n = 0, k = 0;
	struct tagged *all;

	for (unsigned i = 0; i < nbufs; i++)
		n += bufs[i].n;
	all = malloc((n ? n : 1) * sizeof(*all));
	if (!all)
		return NULL;
	for (unsigned i = 0; i < nbufs; i++)
		for (uint32_t j = 0; j < bufs[i].n; j++)
			all[k++] = (struct tagged){ bufs[i].rec[j], bufs[i].vcpu };
	qsort(all, n, sizeof(*all), by_time);
	*count = n;
	return all;
}

static const char *detail(const struct probe_rec *r)
{
	if (r->kind == PROBE_EXIT)
		return probe_exit_reason_name(r->reason);
	if (r->kind == PROBE_MARKER) {
		const char *name = boot_marker_name((unsigned)r->value);

		return name ? name : "custom";
	}
	return "";
}

static const char *dir_name(unsigned dir)
{
	return dir == PROBE_DIR_READ ? "r" : dir == PROBE_DIR_WRITE ? "w" : "";
}

static int write_rows(FILE *f, const struct tagged *all, size_t n)
{
	fprintf(f, "time_ns,vcpu,event,detail,addr,size,dir,value\n");
	for (size_t i = 0; i < n; i++) {
		const struct probe_rec *r = &all[i].r;

		fprintf(f, "%llu,%d,%s,%s,0x%llx,%u,%s,0x%llx\n",
			(unsigned long long)r->t_ns, all[i].vcpu, probe_kind_name(r->kind),
			detail(r), (unsigned long long)r->addr, r->size, dir_name(r->dir),
			(unsigned long long)r->value);
	}
	return ferror(f) ? -EIO : 0;
}

int probes_write_csv(const char *path)
{
	size_t n = 0, len = strlen(path) + 16;
	struct tagged *all = merged(&n);
	char *tmp = malloc(len);
	int fd, err;
	FILE *f;

	if (!all || !tmp) {
		free(all);
		free(tmp);
		return -ENOMEM;
	}
	snprintf(tmp, len, "%s.tmpXXXXXX", path);
	fd = mkstemp(tmp);
	if (fd >= 0)
		fchmod(fd, 0644);
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		goto out;
	}
	err = write_rows(f, all, n);
	if (fclose(f) && !err)
		err = -errno;
	if (!err)
		err = rename(tmp, path) ? -errno : 0;
	if (err)
		unlink(tmp);
out:
	free(tmp);
	free(all);
	return err;
}

static void print_at(FILE *out, const char *what, uint64_t t, uint64_t t0)
{
	fprintf(out, ", %s %.3f ms", what, (double)(t - t0) / 1e6);
}

void probes_print_summary(FILE *out)
{
	size_t n = 0, exits = 0;
	struct tagged *all = merged(&n);
	uint64_t t0 = 0;
	int first_run = 0, serial = 0;

	if (!all)
		return;
	fprintf(out, "mvm: probes (after VMM start)");
	for (size_t i = 0; i < n; i++) {
		const struct probe_rec *r = &all[i].r;

		if (r->kind == PROBE_VMM_START && !t0)
			t0 = r->t_ns;
		else if (r->kind == PROBE_FIRST_RUN && !first_run++)
			print_at(out, "first KVM_RUN", r->t_ns, t0);
		else if (r->kind == PROBE_MARKER)
			print_at(out, detail(r), r->t_ns, t0);
		else if (r->kind == PROBE_SERIAL_FIRST_BYTE && !serial++)
			print_at(out, "first serial byte", r->t_ns, t0);
		else if (r->kind == PROBE_SHUTDOWN || r->kind == PROBE_RESET)
			print_at(out, probe_kind_name(r->kind), r->t_ns, t0);
		exits += r->kind == PROBE_EXIT;
	}
	fprintf(out, "; %zu exits, %llu records dropped\n", exits,
		(unsigned long long)probes_dropped());
	free(all);
}
