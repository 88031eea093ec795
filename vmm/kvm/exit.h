/*
 * exit.h: decoding of one KVM_RUN exit and its dispatch to the buses.
 *
 * Pure: it reads and writes only the kvm_run structure and the buses, so
 * unit tests drive it with a fabricated kvm_run.
 */
#ifndef MVM_EXIT_H
#define MVM_EXIT_H

#include <linux/kvm.h>

#include "core/bus.h"

/*
 * The bytes of kvm_run mvm may touch: KVM puts port I/O data in the second
 * page of the vCPU mapping (KVM_PIO_PAGE_OFFSET is 1 on x86), never more
 * than that page, and the mapping (KVM_GET_VCPU_MMAP_SIZE) is at least
 * that long.  An I/O exit claiming data elsewhere (or inside struct
 * kvm_run) is refused: EXIT_FAIL.
 */
#define EXIT_RUN_MIN_SIZE (2 * 4096)

enum exit_action {
	EXIT_CONTINUE,	/* handled; run the vCPU again */
	EXIT_SHUTDOWN,	/* triple fault or guest shutdown request */
	EXIT_RESET,	/* guest reset request */
	EXIT_INT3,	/* emulation failure on int3: inject #BP (kvm_pvm hosts) */
	EXIT_FWAIT,	/* emulation failure on fwait: execute it (kvm_pvm hosts) */
	EXIT_EOI,	/* level-triggered EOI (split irqchip); vector in run->eoi */
	EXIT_FAIL,	/* the VMM cannot continue this guest */
};

/* What was accessed, for probes: filled for I/O and MMIO exits. */
struct exit_access {
	uint64_t addr;
	uint64_t value;
	unsigned size;
	int write;
};

enum exit_action exit_dispatch(struct kvm_run *run, struct bus *pio, struct bus *mmio,
			       struct exit_access *access);

/* Little-endian bytes to integer and back (KVM hands data as bytes). */
uint64_t exit_le_load(const uint8_t *p, unsigned size);
void exit_le_store(uint8_t *p, unsigned size, uint64_t value);

#endif
