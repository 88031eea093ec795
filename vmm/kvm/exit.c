/* exit.c: KVM exit decoding and bus dispatch. */
#include <stdbool.h>

#include "kvm/exit.h"

uint64_t exit_le_load(const uint8_t *p, unsigned size)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size && i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

void exit_le_store(uint8_t *p, unsigned size, uint64_t value)
{
	for (unsigned i = 0; i < size && i < 8; i++)
		p[i] = (uint8_t)(value >> (8 * i));
}

/* What KVM promises of an I/O exit: a port size, at least one item, and
 * the items after struct kvm_run, inside the mapping.  Checked all the
 * same: a wrong offset or count would have mvm read and write outside it,
 * or rewrite the fields it is looping on. */
static bool io_exit_is_sane(const struct kvm_run *run)
{
	uint64_t off = run->io.data_offset;
	uint64_t bytes = (uint64_t)run->io.size * run->io.count;

	if (run->io.size != 1 && run->io.size != 2 && run->io.size != 4)
		return false;
	return run->io.count >= 1 && off >= sizeof(*run) && off <= EXIT_RUN_MIN_SIZE &&
	       bytes <= EXIT_RUN_MIN_SIZE - off;
}

/* Port I/O, including string I/O (rep ins/outs): (count) items of (size);
 * unassigned ports read all-ones, as on a PC. */
static void dispatch_io(struct kvm_run *run, struct bus *pio, struct exit_access *a)
{
	uint8_t *first = (uint8_t *)run + run->io.data_offset, *data = first;
	unsigned size = run->io.size;
	uint16_t port = run->io.port;
	uint32_t count = run->io.count;
	int write = run->io.direction == KVM_EXIT_IO_OUT;

	for (uint32_t i = 0; i < count; i++, data += size) {
		if (write)
			bus_write(pio, port, size, exit_le_load(data, size));
		else
			exit_le_store(data, size, bus_read(pio, port, size));
	}
	*a = (struct exit_access){ port, exit_le_load(first, size), size, write };
}

/* Memory-mapped I/O; unassigned reads give 0, as QEMU's unassigned memory
 * does (ports give all-ones: see dispatch_io). */
static void dispatch_mmio(struct kvm_run *run, struct bus *mmio, struct exit_access *a)
{
	unsigned size = run->mmio.len;

	if (size > sizeof(run->mmio.data))
		size = 0; /* never from KVM; the bus treats size 0 as unassigned */
	if (run->mmio.is_write)
		bus_write(mmio, run->mmio.phys_addr, size, exit_le_load(run->mmio.data, size));
	else
		exit_le_store(run->mmio.data, size, bus_read_or(mmio, run->mmio.phys_addr, size, 0));
	*a = (struct exit_access){ run->mmio.phys_addr, exit_le_load(run->mmio.data, size), size,
				   run->mmio.is_write };
}

/* The first byte of the instruction KVM's emulator gave up on, or -1. */
static int failed_opcode(const struct kvm_run *run)
{
	if (run->emulation_failure.suberror != KVM_INTERNAL_ERROR_EMULATION ||
	    run->emulation_failure.ndata < 3 ||
	    !(run->emulation_failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES) ||
	    run->emulation_failure.insn_size < 1)
		return -1;
	return run->emulation_failure.insn_bytes[0];
}

/* Instructions some KVM backends (emulating all guest ring-0 code) cannot
 * emulate and mvm can: int3 and fwait (see vcpu.c). */
static enum exit_action emulation_failure(const struct kvm_run *run)
{
	switch (failed_opcode(run)) {
	case 0xcc: return EXIT_INT3;
	case 0x9b: return EXIT_FWAIT;
	default: return EXIT_FAIL;
	}
}

static enum exit_action system_event(const struct kvm_run *run)
{
	switch (run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN: return EXIT_SHUTDOWN;
	case KVM_SYSTEM_EVENT_RESET: return EXIT_RESET;
	default: return EXIT_FAIL;
	}
}

enum exit_action exit_dispatch(struct kvm_run *run, struct bus *pio, struct bus *mmio,
			       struct exit_access *access)
{
	*access = (struct exit_access){ 0 };
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (!io_exit_is_sane(run))
			return EXIT_FAIL;
		dispatch_io(run, pio, access);
		return EXIT_CONTINUE;
	case KVM_EXIT_MMIO:
		dispatch_mmio(run, mmio, access);
		return EXIT_CONTINUE;
	case KVM_EXIT_INTR:
	case KVM_EXIT_IRQ_WINDOW_OPEN: /* the vCPU loop injects what is pending */
		return EXIT_CONTINUE;
	case KVM_EXIT_SHUTDOWN:
		return EXIT_SHUTDOWN;
	case KVM_EXIT_SYSTEM_EVENT:
		return system_event(run);
	case KVM_EXIT_IOAPIC_EOI:
		return EXIT_EOI;
	case KVM_EXIT_INTERNAL_ERROR:
		return emulation_failure(run);
	default:
		return EXIT_FAIL;
	}
}
