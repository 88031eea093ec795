/* trace.c: the trace schema's names, CSV and Chrome JSON writers, CSV reader;
 * the atomic file writer and CSV row reader mvm-bench uses too. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot_markers.h"
#include "phases.h"
#include "trace.h"

#define CSV_HEADER "time_ns,vcpu,tid,event,detail,addr,size,dir,value"

static const char *const kind_names[PROBE_NKINDS] = {
	[PROBE_VMM_EXEC] = "vmm_exec",
	[PROBE_VMM_START] = "vmm_start",
	[PROBE_VM_CREATED] = "vm_created",
	[PROBE_FIRST_RUN] = "first_run",
	[PROBE_EXIT] = "exit",
	[PROBE_KVM_EXIT] = "kvm_exit",
	[PROBE_MARKER] = "marker",
	[PROBE_SERIAL_FIRST_BYTE] = "serial_first_byte",
	[PROBE_HVC_FIRST_BYTE] = "hvc_first_byte",
	[PROBE_VIRTIO_NOTIFY] = "virtio_notify",
	[PROBE_FWCFG_SELECT] = "fwcfg_select",
	[PROBE_FWCFG_READ] = "fwcfg_read",
	[PROBE_SHUTDOWN] = "shutdown",
	[PROBE_RESET] = "reset",
	[PROBE_VMM_EXIT] = "vmm_exit",
};

static const struct {
	unsigned reason;
	const char *name;
} reasons[] = {
	{ KVM_EXIT_IO, "io" },
	{ KVM_EXIT_MMIO, "mmio" },
	{ KVM_EXIT_HLT, "hlt" },
	{ KVM_EXIT_SHUTDOWN, "shutdown" },
	{ KVM_EXIT_INTR, "intr" },
	{ KVM_EXIT_INTERNAL_ERROR, "internal_error" },
	{ KVM_EXIT_FAIL_ENTRY, "fail_entry" },
	{ KVM_EXIT_IOAPIC_EOI, "ioapic_eoi" },
	{ KVM_EXIT_SYSTEM_EVENT, "system_event" },
	{ KVM_EXIT_IRQ_WINDOW_OPEN, "irq_window_open" },
	{ KVM_EXIT_DEBUG, "debug" },
	{ KVM_EXIT_EXCEPTION, "exception" },
	{ KVM_EXIT_X86_RDMSR, "rdmsr" },
	{ KVM_EXIT_X86_WRMSR, "wrmsr" },
	{ KVM_EXIT_HYPERCALL, "hypercall" },
};

const char *probe_kind_name(unsigned kind)
{
	return kind < PROBE_NKINDS ? kind_names[kind] : "unknown";
}

int probe_kind_from_name(const char *name)
{
	for (int i = 0; i < PROBE_NKINDS; i++)
		if (!strcmp(kind_names[i], name))
			return i;
	return -1;
}

const char *probe_exit_reason_name(unsigned reason)
{
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].reason == reason)
			return reasons[i].name;
	return "other";
}

int probe_exit_reason_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (!strcmp(reasons[i].name, name))
			return (int)reasons[i].reason;
	return -1;
}

/* "dma:etc/e820": how, then the item's name (commas would break the CSV). */
static const char *fwcfg_detail(const struct trace_event *e)
{
	static char buf[80];
	const struct probe_rec *r = &e->r;
	const char *how = r->kind == PROBE_FWCFG_SELECT ? "select" : r->reason ? "dma" : "pio";

	snprintf(buf, sizeof(buf), "%s:%s", how, e->name ? e->name : "");
	for (char *p = buf; *p; p++)
		if (*p == ',' || *p == '"')
			*p = '_';
	return buf;
}

const char *trace_detail(const struct trace_event *e)
{
	const struct probe_rec *r = &e->r;

	if (r->kind == PROBE_FWCFG_SELECT || r->kind == PROBE_FWCFG_READ)
		return fwcfg_detail(e);
	if (r->kind == PROBE_EXIT || r->kind == PROBE_KVM_EXIT)
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

static int by_time(const void *a, const void *b)
{
	const struct trace_event *x = a, *y = b;

	if (x->r.t_ns != y->r.t_ns)
		return x->r.t_ns < y->r.t_ns ? -1 : 1;
	return x->vcpu - y->vcpu;
}

void trace_sort(struct trace_event *ev, size_t n)
{
	qsort(ev, n, sizeof(*ev), by_time);
}

/* ---- CSV ---- */

int trace_write_csv(FILE *f, const struct trace_event *ev, size_t n)
{
	fprintf(f, CSV_HEADER "\n");
	for (size_t i = 0; i < n; i++) {
		const struct probe_rec *r = &ev[i].r;

		fprintf(f, "%" PRIu64 ",%d,%d,%s,%s,0x%" PRIx64 ",%u,%s,0x%" PRIx64 "\n", r->t_ns,
			ev[i].vcpu, ev[i].tid, probe_kind_name(r->kind), trace_detail(&ev[i]), r->addr,
			r->size, dir_name(r->dir), r->value);
	}
	return ferror(f) ? -EIO : 0;
}

static int parse_u64(const char *s, int base, uint64_t *v)
{
	char *end;

	if (!*s)
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, base);
	return errno || *end ? -EINVAL : 0;
}

static int parse_dir(const char *s)
{
	if (!*s)
		return PROBE_DIR_NONE;
	if (!strcmp(s, "r"))
		return PROBE_DIR_READ;
	if (!strcmp(s, "w"))
		return PROBE_DIR_WRITE;
	return -1;
}

/* One CSV row back into an event (row); 0 or -EINVAL. */
static int parse_row(char *line, void *row)
{
	struct trace_event *e = row;
	char *f[9], *cur = line;
	uint64_t t, vcpu, tid, addr, size, value;
	int kind, dir, reason = 0, n = 0;

	line[strcspn(line, "\r\n")] = 0;
	while (n < 9 && cur)
		f[n++] = strsep(&cur, ",");
	if (n != 9 || cur)
		return -EINVAL;
	kind = probe_kind_from_name(f[3]);
	dir = parse_dir(f[7]);
	if (kind == PROBE_EXIT || kind == PROBE_KVM_EXIT)
		reason = probe_exit_reason_from_name(f[4]);
	if (kind == PROBE_FWCFG_READ)
		reason = !strncmp(f[4], "dma:", 4);
	if (kind < 0 || dir < 0 || reason < 0 || parse_u64(f[0], 10, &t) ||
	    parse_u64(f[1][0] == '-' ? f[1] + 1 : f[1], 10, &vcpu) ||
	    parse_u64(f[2], 10, &tid) || parse_u64(f[5], 16, &addr) ||
	    parse_u64(f[6], 10, &size) || parse_u64(f[8], 16, &value) || size > 8)
		return -EINVAL;
	*e = (struct trace_event){
		.r = { t, (uint8_t)kind, (uint8_t)size, (uint8_t)dir, 0, (uint32_t)reason, addr, value },
		.vcpu = f[1][0] == '-' ? -(int)vcpu : (int)vcpu,
		.tid = (int)tid,
	};
	return 0;
}

int csv_read_rows(FILE *f, const char *header, size_t size, int (*parse)(char *line, void *row),
		  void **rows, size_t *n, size_t *bad_line)
{
	char line[8192], *a = NULL;
	size_t cap = 0, line_no = 1;
	int err = 0;

	*n = 0;
	*bad_line = 0;
	if (!fgets(line, sizeof(line), f) || strncmp(line, header, strlen(header)))
		err = -EINVAL;
	while (!err && fgets(line, sizeof(line), f)) {
		line_no++;
		if (*n == cap) {
			char *bigger = realloc(a, (cap = cap ? 2 * cap : 64) * size);

			if (!bigger) {
				err = -ENOMEM;
				break;
			}
			a = bigger;
		}
		/* Counted even when it fails: the caller frees what it filled in. */
		err = parse(line, a + *n * size);
		(*n)++;
	}
	if (err == -EINVAL)
		*bad_line = line_no;
	*rows = a;
	return err;
}

int trace_read_csv(const char *path, struct trace_event **ev, size_t *n, size_t *bad_line)
{
	FILE *f = fopen(path, "r");
	int err;

	*ev = NULL;
	*n = 0;
	*bad_line = 0;
	if (!f)
		return -errno;
	err = trace_read_csv_stream(f, ev, n, bad_line);
	fclose(f);
	return err;
}

int trace_read_csv_stream(FILE *f, struct trace_event **ev, size_t *n, size_t *bad_line)
{
	void *rows;
	int err = csv_read_rows(f, CSV_HEADER, sizeof(**ev), parse_row, &rows, n, bad_line);

	*ev = rows;
	if (err) {
		free(*ev);
		*ev = NULL;
		*n = 0;
	}
	return err;
}

/* ---- Chrome trace-event JSON (Perfetto's legacy JSON importer) ---- */

#define PHASE_TID 0 /* the phases' own track */

static double us(uint64_t t, uint64_t origin)
{
	return (double)(t - origin) / 1000.0;
}

static void chrome_metadata(FILE *f, const struct trace_event *ev, size_t n, const char *process)
{
	int seen[64] = { 0 };

	fprintf(f, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,"
		   "\"args\":{\"name\":\"%s\"}},\n", process);
	fprintf(f, "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%d,"
		   "\"args\":{\"name\":\"boot phases\"}}", PHASE_TID);
	for (size_t i = 0; i < n; i++) {
		int v = ev[i].vcpu;

		if (v < 0 || v >= 64 || seen[v]++)
			continue;
		fprintf(f, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%d,"
			   "\"args\":{\"name\":\"vCPU %d\"}}", v + 1, v);
	}
	fprintf(f, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%d,"
		   "\"args\":{\"name\":\"VMM\"}}", 1000);
}

static int chrome_tid(const struct trace_event *e)
{
	return e->vcpu >= 0 ? e->vcpu + 1 : 1000;
}

static void chrome_phases(FILE *f, const struct boot_phases *p)
{
	for (int i = 0; i < PHASE_COUNT; i++) {
		uint64_t a, b;

		if (!phases_span(p, (enum boot_phase)i, &a, &b))
			continue;
		fprintf(f, ",\n{\"name\":\"%s\",\"cat\":\"phase\",\"ph\":\"X\",\"ts\":%.3f,"
			   "\"dur\":%.3f,\"pid\":1,\"tid\":%d}", phase_name((enum boot_phase)i),
			us(a, p->origin), us(b, a), PHASE_TID);
	}
}

static void chrome_event(FILE *f, const struct trace_event *e, uint64_t origin)
{
	const struct probe_rec *r = &e->r;
	const char *kind = probe_kind_name(r->kind), *detail = trace_detail(e);

	fprintf(f, ",\n{\"name\":\"%s%s%s\",\"cat\":\"%s\",\"ph\":\"i\",\"s\":\"%s\",\"ts\":%.3f,"
		   "\"pid\":1,\"tid\":%d,\"args\":{\"addr\":\"0x%" PRIx64 "\",\"size\":%u,"
		   "\"dir\":\"%s\",\"value\":\"0x%" PRIx64 "\"}}",
		kind, *detail ? " " : "", detail, kind, r->kind == PROBE_EXIT ? "t" : "g",
		us(r->t_ns, origin), chrome_tid(e), r->addr, r->size, dir_name(r->dir), r->value);
}

/* Exits per 10 ms, as a counter track. */
static void chrome_exit_counter(FILE *f, const struct trace_event *ev, size_t n, uint64_t origin)
{
	const uint64_t bucket = 10000000;
	uint64_t start = 0, count = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && ev[i].r.kind != PROBE_EXIT)
			continue;
		if (i < n && count && ev[i].r.t_ns < start + bucket) {
			count++;
			continue;
		}
		if (count)
			fprintf(f, ",\n{\"name\":\"exits per 10 ms\",\"ph\":\"C\",\"ts\":%.3f,\"pid\":1,"
				   "\"args\":{\"exits\":%" PRIu64 "}}", us(start, origin), count);
		if (i < n) {
			start = ev[i].r.t_ns - (ev[i].r.t_ns - origin) % bucket;
			count = 1;
		}
	}
}

int trace_write_chrome(FILE *f, const struct trace_event *ev, size_t n, const char *process)
{
	struct boot_phases p;

	phases_compute(ev, n, &p);
	fprintf(f, "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n");
	chrome_metadata(f, ev, n, process);
	chrome_phases(f, &p);
	for (size_t i = 0; i < n; i++)
		if (ev[i].r.t_ns >= p.origin)
			chrome_event(f, &ev[i], p.origin);
	chrome_exit_counter(f, ev, n, p.origin);
	fprintf(f, "\n]}\n");
	return ferror(f) ? -EIO : 0;
}

/* ---- atomic file output ---- */

int trace_write_stream(FILE *f, enum trace_format format, const struct trace_event *ev, size_t n,
		       const char *process)
{
	return format == TRACE_CHROME ? trace_write_chrome(f, ev, n, process)
				      : trace_write_csv(f, ev, n);
}

struct trace_output {
	enum trace_format format;
	const struct trace_event *ev;
	size_t n;
	const char *process;
};

static int fill_trace(FILE *f, void *ctx)
{
	const struct trace_output *o = ctx;

	return trace_write_stream(f, o->format, o->ev, o->n, o->process);
}

int trace_write(const char *path, enum trace_format format, const struct trace_event *ev,
		size_t n, const char *process)
{
	struct trace_output o = { format, ev, n, process };

	return file_write_atomic(path, fill_trace, &o);
}

/* (fill) (f), then close it; 0 or the first error. */
static int fill_and_close(FILE *f, int (*fill)(FILE *f, void *ctx), void *ctx)
{
	int err = fill(f, ctx);

	if (!err && ferror(f))
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

int file_write_atomic(const char *path, int (*fill)(FILE *f, void *ctx), void *ctx)
{
	size_t len = strlen(path) + 16;
	struct stat st;
	char *tmp;
	int fd, err;
	FILE *f;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		f = fopen(path, "w");
		return f ? fill_and_close(f, fill, ctx) : -errno;
	}
	tmp = malloc(len);
	if (!tmp)
		return -ENOMEM;
	snprintf(tmp, len, "%s.tmpXXXXXX", path);
	fd = mkstemp(tmp);
	if (fd >= 0)
		fchmod(fd, 0644);
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		err = -errno;
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		free(tmp);
		return err;
	}
	err = fill_and_close(f, fill, ctx);
	if (!err)
		err = rename(tmp, path) ? -errno : 0;
	if (err)
		unlink(tmp);
	free(tmp);
	return err;
}
