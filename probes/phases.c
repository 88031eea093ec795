/* phases.c: boot phases from a trace (rules in phases.h and SCHEMA.md). */
#include <string.h>

#include "boot_markers.h"
#include "phases.h"

#define FWCFG_PORT_FIRST 0x510
#define FWCFG_PORT_LAST 0x51b

static int is_marker(const struct probe_rec *r, unsigned value)
{
	return r->kind == PROBE_MARKER && r->value == value;
}

static int is_fwcfg_access(const struct probe_rec *r)
{
	if (r->kind == PROBE_FWCFG_SELECT || r->kind == PROBE_FWCFG_READ)
		return 1;
	return r->kind == PROBE_EXIT && r->size && r->addr >= FWCFG_PORT_FIRST &&
	       r->addr <= FWCFG_PORT_LAST && r->reason == 2 /* KVM_EXIT_IO */;
}

static void first(uint64_t *slot, uint64_t t)
{
	if (!*slot)
		*slot = t;
}

/* The first-occurrence timestamps the phase rules need. */
struct seen {
	uint64_t exec, start, any, fw_marker_boot, fw_used, last_fwcfg_before_kernel;
	uint64_t marker7, marker8, shutdown, vmm_exit, last;
};

static void scan(const struct trace_event *ev, size_t n, struct boot_phases *p, struct seen *s)
{
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
		if (is_marker(r, MARKER_LINUX_START_BOOT) || is_marker(r, MARKER_LINUX_START_PVHBOOT) ||
		    is_marker(r, MARKER_LINUX_START_FWCFG))
			first(&s->fw_marker_boot, r->t_ns);
		if (r->kind == PROBE_MARKER && r->addr == MARKER_PORT_FW)
			first(&s->fw_used, r->t_ns);
		if (is_marker(r, MARKER_LINUX_START_KERNEL))
			first(&p->start_kernel, r->t_ns);
		if (is_marker(r, MARKER_LINUX_START_USER))
			first(&s->marker7, r->t_ns);
		if (is_marker(r, MARKER_INIT_USER))
			first(&s->marker8, r->t_ns);
		if (is_fwcfg_access(r)) {
			first(&s->fw_used, r->t_ns);
			if (!p->start_kernel && !p->first_console)
				s->last_fwcfg_before_kernel = r->t_ns;
		}
	}
}

static void kernel_entry(struct boot_phases *p, const struct seen *s)
{
	if (s->fw_marker_boot) {
		p->kernel_entry = s->fw_marker_boot;
		p->kernel_entry_from = "firmware marker";
	} else if (s->fw_used && s->last_fwcfg_before_kernel) {
		p->kernel_entry = s->last_fwcfg_before_kernel;
		p->kernel_entry_from = "last fw_cfg access";
	} else if (!s->fw_used && p->first_run) {
		p->kernel_entry = p->first_run;
		p->kernel_entry_from = "direct boot";
	} else {
		p->kernel_entry_from = "unknown";
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
	p->init = s.marker7 ? s.marker7 : s.marker8;
	p->init_from = s.marker7 ? "marker 7" : s.marker8 ? "marker 8" : "unknown";
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
