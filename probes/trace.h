/*
 * trace.h: the one boot-trace schema of mvm, mvm-trace and mvm-bench.
 *
 * A trace is a time-ordered list of events; mvm records them with its
 * probes, mvm-trace derives them from host kernel trace events for any VMM,
 * and both write them in the same formats: CSV (one row per event) and
 * Chrome trace-event JSON (opens in Perfetto).  SCHEMA.md documents every
 * kind and field.
 */
#ifndef MVM_TRACE_H
#define MVM_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum probe_kind {
	PROBE_VMM_EXEC,		 /* the VMM process was exec'd */
	PROBE_VMM_START,	 /* mvm's main() entered */
	PROBE_VM_CREATED,	 /* mvm: VM ready; traced VMM: KVM_CREATE_VM issued */
	PROBE_FIRST_RUN,	 /* first KVM_RUN of a vCPU */
	PROBE_EXIT,		 /* KVM_RUN returned to the VMM: reason, addr, size, dir, value */
	PROBE_KVM_EXIT,		 /* any VM exit, also those KVM handles (kvm:kvm_exit) */
	PROBE_MARKER,		 /* byte written to 0xf4/0xf5: addr = port, value */
	PROBE_SERIAL_FIRST_BYTE, /* first byte the guest wrote to ttyS0 */
	PROBE_HVC_FIRST_BYTE,	 /* first byte the guest wrote to hvc0 (virtio console) */
	PROBE_VIRTIO_NOTIFY,	 /* a virtio queue's buffers taken: addr = transport, value = id << 16 | queue */
	PROBE_FWCFG_SELECT,	 /* fw_cfg item selected: addr = key, value = its size */
	PROBE_FWCFG_READ,	 /* fw_cfg read: addr = key, value = bytes, reason 0 port, 1 DMA */
	PROBE_SHUTDOWN,		 /* guest shutdown (triple fault) */
	PROBE_RESET,		 /* guest reset */
	PROBE_VMM_EXIT,		 /* the VMM exits */
	PROBE_NKINDS
};

enum probe_dir { PROBE_DIR_NONE, PROBE_DIR_READ, PROBE_DIR_WRITE };

/* The fixed-size record probes store (32 bytes). */
struct probe_rec {
	uint64_t t_ns; /* CLOCK_MONOTONIC */
	uint8_t kind;
	uint8_t size;
	uint8_t dir;
	uint8_t flags;	 /* PROBE_REC_NAMED */
	uint32_t reason; /* KVM exit reason for PROBE_EXIT */
	uint64_t addr;	 /* port or guest-physical address */
	uint64_t value;
};

/* probe_rec.flags: the recorder kept a name for the event (trace_event.name). */
#define PROBE_REC_NAMED 0x1

/* A record with the thread it came from. */
struct trace_event {
	struct probe_rec r;
	int vcpu; /* vCPU index, -1 for other threads or unknown */
	int tid;  /* host thread ID, 0 if unknown */
	const char *name; /* fw_cfg events: the item's name, NULL if unknown */
};

enum trace_format { TRACE_CSV, TRACE_CHROME };

/* Sort (n) events by time (stable for equal times). */
void trace_sort(struct trace_event *ev, size_t n);

/* Write (ev) to (path) as (format), atomically (temporary file + rename);
 * for TRACE_CHROME, (process) names the process track.  0 or -errno. */
int trace_write(const char *path, enum trace_format format, const struct trace_event *ev,
		size_t n, const char *process) __attribute__((warn_unused_result));

/* (ev) in (format) on (f), which the caller closes; 0 or -EIO. */
int trace_write_stream(FILE *f, enum trace_format format, const struct trace_event *ev, size_t n,
		       const char *process);
int trace_write_csv(FILE *f, const struct trace_event *ev, size_t n);
int trace_write_chrome(FILE *f, const struct trace_event *ev, size_t n, const char *process);

/* Read a CSV trace; *ev is malloc'd.  0, -errno, or -EINVAL for a line that
 * is not a trace row (its number in *bad_line). */
int trace_read_csv(const char *path, struct trace_event **ev, size_t *n, size_t *bad_line);
int trace_read_csv_stream(FILE *f, struct trace_event **ev, size_t *n, size_t *bad_line);

/* File output and CSV input that mvm-bench's files share with traces. */

/* Write (path) with (fill)(f, ctx), which returns 0 or -errno: through a
 * temporary file next to it (mode 0644), renamed into place only when
 * whole, so that readers see the old file or the whole new one.  A path
 * that exists and is not a regular file (a device, a FIFO) is written in
 * place: renaming over it would replace, say, /dev/null.  0 or -errno. */
int file_write_atomic(const char *path, int (*fill)(FILE *f, void *ctx), void *ctx)
	__attribute__((warn_unused_result));

/* The rows of a CSV file whose first line starts with (header): each further
 * line goes to (parse)(line, row), which fills the next element, (size)
 * bytes, of the malloc'd array *rows.  0, -ENOMEM or (parse)'s error; for
 * -EINVAL the line's number is in *bad_line (1: no header).  On an error
 * *rows still holds the *n rows seen, the failed one included, for the
 * caller to free. */
int csv_read_rows(FILE *f, const char *header, size_t size, int (*parse)(char *line, void *row),
		  void **rows, size_t *n, size_t *bad_line);

const char *probe_kind_name(unsigned kind);
int probe_kind_from_name(const char *name); /* -1 if unknown */
const char *probe_exit_reason_name(unsigned reason);
int probe_exit_reason_from_name(const char *name);

/* The "detail" column: exit reason, marker name, or for fw_cfg events
 * "pio:NAME" / "dma:NAME" / "select:NAME" (NAME empty when the event has
 * none). */
const char *trace_detail(const struct trace_event *e);

#endif
