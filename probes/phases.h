/*
 * phases.h: a boot's phases, computed from a trace the same way for mvm's
 * own probes and for any VMM traced by mvm-trace.
 *
 *   vmm       origin (exec, else mvm's main) -> first KVM_RUN
 *   firmware  first KVM_RUN -> kernel entry
 *   kernel    kernel entry -> init reached
 *   user      init reached -> guest shutdown (else VMM exit)
 *
 * Markers count only on their own port (0xf4 Linux, 0xf5 firmware).
 * Kernel entry: the firmware's jump marker (3 linux_start_boot, 4
 * linux_start_pvhboot, 2 linux_start_fwcfg), else, when firmware ran (a
 * 0xf5 marker, or fw_cfg traffic before the kernel's first sign of life:
 * marker 6, else the first console byte), its last fw_cfg access before
 * marker 6, else the last one that console output follows; else (a direct
 * boot) the first KVM_RUN.  Init reached: marker 7 (the kernel patch), else
 * the first byte of the kernel's console line "Run PATH as init process"
 * (ttyS0, rebuilt from the exits by console.h), else marker 8 (the init
 * program's own), else unknown, and then the kernel phase runs to the end.
 * SCHEMA.md has the details.
 */
#ifndef MVM_PHASES_H
#define MVM_PHASES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "trace.h"

/* Times are CLOCK_MONOTONIC ns; 0 means "not in the trace". */
struct boot_phases {
	uint64_t origin;
	const char *origin_from;
	uint64_t first_run;
	uint64_t kernel_entry;
	const char *kernel_entry_from;
	uint64_t start_kernel;	/* marker 6 */
	uint64_t first_console; /* first serial byte */
	uint64_t init;
	const char *init_from;
	uint64_t end;
	const char *end_from;
	size_t exits;
};

enum boot_phase { PHASE_VMM, PHASE_FIRMWARE, PHASE_KERNEL, PHASE_USER, PHASE_COUNT };

void phases_compute(const struct trace_event *ev, size_t n, struct boot_phases *p);

/* Start and end of phase (which); false if either is unknown. */
int phases_span(const struct boot_phases *p, enum boot_phase which, uint64_t *start,
		uint64_t *end);

const char *phase_name(enum boot_phase which);

/* One line: each phase's duration and how its boundaries were found. */
void phases_print(FILE *out, const struct boot_phases *p, const char *who);

#endif
