/* phases.c: boot phases from a trace (rules in phases.h and SCHEMA.md). */
#include <string.h>

#include "boot_markers.h"
#include "console.h"
#include "phases.h"

#define FWCFG_PORT_FIRST 0x510
#define FWCFG_PORT_LAST 0x51b

#define COM1 0x3f8

/* Marker (value) on (port): values mean something only on their own port. */
static int is_marker(const struct probe_rec *r, unsigned port, unsigned value)
{
	return r->kind == PROBE_MARKER && r->addr == port && r->value == value;
}

static int is_linux_marker(const struct probe_rec *r, unsigned value)
{
	return is_marker(r, MARKER_PORT_LINUX, value);
}

static int is_fwcfg_access(const struct probe_rec *r)
{
	if (r->kind == PROBE_FWCFG_SELECT || r->kind == PROBE_FWCFG_READ)
		return 1;
	return r->kind == PROBE_EXIT && r->size && r->addr >= FWCFG_PORT_FIRST &&
	       r->addr <= FWCFG_PORT_LAST && r->reason == 2 /* KVM_EXIT_IO */;
}

/* Output on a console: a first-byte event, or any exit writing to ttyS0. */
static int is_console_write(const struct probe_rec *r)
{
	if (r->kind == PROBE_SERIAL_FIRST_BYTE || r->kind == PROBE_HVC_FIRST_BYTE)
		return 1;
	return r->kind == PROBE_EXIT && r->size && r->addr == COM1 && r->dir == PROBE_DIR_WRITE &&
	       r->reason == 2 /* KVM_EXIT_IO */;
}

static void first(uint64_t *slot, uint64_t t)
{
	if (!*slot)
		*slot = t;
}

/* The timestamps the phase rules need. */
struct seen {
	uint64_t exec, start, any, fw_marker_boot, fw_marker;
	uint64_t first_fwcfg, last_fwcfg;
	uint64_t fwcfg_before_console; /* the last fw_cfg access some console output follows */
	uint64_t fwcfg_before_marker6; /* the last fw_cfg access before marker 6 */
	uint64_t marker7, marker8, shutdown, vmm_exit, last;
	uint64_t console_init; /* first byte of the kernel's "Run ... as init process" */
	struct console_decoder console;
};

/*
 * The kernel's run_init_process() prints "Run PATH as init process" just
 * before it executes PATH (rdinit=, init=, or its defaults /init,
 * /sbin/init, /etc/init, /bin/init, /bin/sh), at the point marker 7 marks,
 * so a kernel without the marker patch still says when init is reached.
 * The line may carry a printk time stamp before it; PATH has no spaces.
 */
static int is_init_line(const char *text)
{
	static const char tail[] = " as init process";

	for (const char *run = strstr(text, "Run "); run; run = strstr(run + 1, "Run ")) {
		const char *path = run + 4;
		size_t len = strcspn(path, " ");

		if (len && !strcmp(path + len, tail))
			return 1;
	}
	return 0;
}

/* Console line callback: the first init line is kept, and ends the scan. */
static int on_console_line(const struct console_line *line, void *ctx)
{
	struct seen *s = ctx;

	if (!is_init_line(line->text))
		return 0;
	s->console_init = line->t_ns;
	return 1;
}

static void scan_fwcfg_and_console(const struct probe_rec *r, struct boot_phases *p,
				   struct seen *s)
{
	if (is_fwcfg_access(r)) {
		first(&s->first_fwcfg, r->t_ns);
		s->last_fwcfg = r->t_ns;
	}
	if (is_console_write(r) && s->last_fwcfg)
		s->fwcfg_before_console = s->last_fwcfg;
	if (is_linux_marker(r, MARKER_LINUX_START_KERNEL) && !p->start_kernel)
		s->fwcfg_before_marker6 = s->last_fwcfg;
}

static void scan_markers(const struct probe_rec *r, struct boot_phases *p, struct seen *s)
{
	if (is_linux_marker(r, MARKER_LINUX_START_BOOT) ||
	    is_linux_marker(r, MARKER_LINUX_START_PVHBOOT) ||
	    is_linux_marker(r, MARKER_LINUX_START_FWCFG))
		first(&s->fw_marker_boot, r->t_ns);
	if (r->kind == PROBE_MARKER && r->addr == MARKER_PORT_FW)
		first(&s->fw_marker, r->t_ns);
	if (is_linux_marker(r, MARKER_LINUX_START_KERNEL))
		first(&p->start_kernel, r->t_ns);
	if (is_linux_marker(r, MARKER_LINUX_START_USER))
		first(&s->marker7, r->t_ns);
	if (is_linux_marker(r, MARKER_INIT_USER))
		first(&s->marker8, r->t_ns);
}

static void scan(const struct trace_event *ev, size_t n, struct boot_phases *p, struct seen *s)
{
	console_decoder_init(&s->console, on_console_line, s);
	for (size_t i = 0; i < n; i++) {
		const struct probe_rec *r = &ev[i].r;

		first(&s->any, r->t_ns);
		s->last = r->t_ns;
		if (r->kind == PROBE_VMM_EXEC)
			first(&s->exec, r->t_ns);
		else if (r->kind == PROBE_VMM_START)
			first(&s->start, r->t_ns);
		else if (r->kind == PROBE_FIRST_RUN)
			first(&p->first_run, r->t_ns);
		else if (r->kind == PROBE_SERIAL_FIRST_BYTE || r->kind == PROBE_HVC_FIRST_BYTE)
			first(&p->first_console, r->t_ns);
		else if (r->kind == PROBE_SHUTDOWN)
			first(&s->shutdown, r->t_ns);
		else if (r->kind == PROBE_VMM_EXIT)
			first(&s->vmm_exit, r->t_ns);
		p->exits += r->kind == PROBE_EXIT;
		scan_fwcfg_and_console(r, p, s);
		scan_markers(r, p, s);
		console_decoder_feed(&s->console, r);
	}
	console_decoder_finish(&s->console);
}

/*
 * Firmware ran if it wrote a 0xf5 marker or used fw_cfg before the kernel's
 * first sign of life (marker 6, else the first console byte): a kernel that
 * reads fw_cfg itself does so later, and its boot stays a direct one.
 */
static int firmware_ran(const struct boot_phases *p, const struct seen *s)
{
	uint64_t kernel_alive = p->start_kernel ? p->start_kernel : p->first_console;

	return s->fw_marker || (s->first_fwcfg && (!kernel_alive || s->first_fwcfg < kernel_alive));
}

/* Where firmware without a jump marker handed over: its last fw_cfg access
 * (it loads the kernel through fw_cfg just before it jumps) before marker 6,
 * else the last one that console output follows (the firmware may print
 * before it loads the kernel: the kernel's output comes after the load). */
static uint64_t firmware_handover(const struct boot_phases *p, const struct seen *s)
{
	return p->start_kernel ? s->fwcfg_before_marker6 : s->fwcfg_before_console;
}

static void kernel_entry(struct boot_phases *p, const struct seen *s)
{
	int firmware = firmware_ran(p, s);

	if (s->fw_marker_boot) {
		p->kernel_entry = s->fw_marker_boot;
		p->kernel_entry_from = "firmware marker";
	} else if (firmware && firmware_handover(p, s)) {
		p->kernel_entry = firmware_handover(p, s);
		p->kernel_entry_from = "last fw_cfg access";
	} else if (!firmware && p->first_run) {
		p->kernel_entry = p->first_run;
		p->kernel_entry_from = "direct boot";
	} else {
		p->kernel_entry_from = "unknown";
	}
}

/* Marker 7, else the kernel's init line (it marks the same point), else
 * marker 8 (later: the init program's first instruction). */
static void init_reached(struct boot_phases *p, const struct seen *s)
{
	if (s->marker7) {
		p->init = s->marker7;
		p->init_from = "marker 7";
	} else if (s->console_init) {
		p->init = s->console_init;
		p->init_from = "console line";
	} else if (s->marker8) {
		p->init = s->marker8;
		p->init_from = "marker 8";
	} else {
		p->init_from = "unknown";
	}
}

void phases_compute(const struct trace_event *ev, size_t n, struct boot_phases *p)
{
	struct seen s = { 0 };

	memset(p, 0, sizeof(*p));
	scan(ev, n, p, &s);
	p->origin = s.exec ? s.exec : s.start ? s.start : s.any;
	p->origin_from = s.exec ? "exec" : s.start ? "vmm start" : "first event";
	kernel_entry(p, &s);
	init_reached(p, &s);
	p->end = s.shutdown ? s.shutdown : s.vmm_exit ? s.vmm_exit : s.last;
	p->end_from = s.shutdown ? "shutdown" : s.vmm_exit ? "vmm exit" : "last event";
}

const char *phase_name(enum boot_phase which)
{
	static const char *const names[PHASE_COUNT] = { "vmm", "firmware", "kernel", "user" };

	return which < PHASE_COUNT ? names[which] : "?";
}

int phases_span(const struct boot_phases *p, enum boot_phase which, uint64_t *start, uint64_t *end)
{
	switch (which) {
	case PHASE_VMM: *start = p->origin; *end = p->first_run; break;
	case PHASE_FIRMWARE: *start = p->first_run; *end = p->kernel_entry; break;
	case PHASE_KERNEL: *start = p->kernel_entry; *end = p->init ? p->init : p->end; break;
	case PHASE_USER: *start = p->init; *end = p->end; break;
	default: return 0;
	}
	return *start && *end && *end >= *start;
}

static void print_ms(FILE *out, const char *what, uint64_t from, uint64_t to)
{
	if (from && to && to >= from)
		fprintf(out, " %s %.3f ms", what, (double)(to - from) / 1e6);
	else
		fprintf(out, " %s -", what);
}

void phases_print(FILE *out, const struct boot_phases *p, const char *who)
{
	fprintf(out, "%s: boot phases:", who);
	for (int i = 0; i < PHASE_COUNT; i++) {
		uint64_t a = 0, b = 0;

		phases_span(p, (enum boot_phase)i, &a, &b);
		print_ms(out, phase_name((enum boot_phase)i), a, b);
		fputc(i + 1 < PHASE_COUNT ? ',' : ';', out);
	}
	print_ms(out, "start_kernel at", p->origin, p->start_kernel);
	fputc(',', out);
	print_ms(out, "first console byte at", p->origin, p->first_console);
	fputc(',', out);
	print_ms(out, "total", p->origin, p->end);
	fprintf(out, " (from %s; kernel entry: %s; init: %s; end: %s; %zu exits)\n", p->origin_from,
		p->kernel_entry_from, p->init_from, p->end_from, p->exits);
}
