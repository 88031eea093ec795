/* mptable.c: MP 1.4 floating pointer and configuration table (see mptable.h). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "dev/ioapic.h"
#include "boot/mptable.h"

#define MP_SPEC_REV 4
#define LAPIC_BASE 0xfee00000u
#define LAPIC_VERSION 0x14
#define MPTABLE_BROADCAST_ID 0xff /* xAPIC: a destination of 255 is every CPU */

enum { ENTRY_CPU = 0, ENTRY_BUS = 1, ENTRY_IOAPIC = 2, ENTRY_IOINT = 3, ENTRY_LINT = 4 };
enum { INT_INT = 0, INT_NMI = 1, INT_EXTINT = 3 };

struct mpf {
	char signature[4];
	uint32_t config;
	uint8_t length;
	uint8_t spec_rev;
	uint8_t checksum;
	uint8_t feature[5];
} __attribute__((packed));

struct mpc_header {
	char signature[4];
	uint16_t length;
	uint8_t spec_rev;
	uint8_t checksum;
	char oem[8];
	char product[12];
	uint32_t oem_table;
	uint16_t oem_size;
	uint16_t count;
	uint32_t lapic;
	uint16_t ext_length;
	uint8_t ext_checksum;
	uint8_t reserved;
} __attribute__((packed));

struct mpc_cpu {
	uint8_t type, apic_id, apic_version, flags;
	uint32_t signature, features;
	uint32_t reserved[2];
} __attribute__((packed));

struct mpc_bus {
	uint8_t type, id;
	char name[6];
} __attribute__((packed));

struct mpc_ioapic {
	uint8_t type, id, version, flags;
	uint32_t address;
} __attribute__((packed));

struct mpc_int {
	uint8_t type, int_type;
	uint16_t flags;
	uint8_t src_bus, src_irq, dst_id, dst_pin;
} __attribute__((packed));

static uint8_t checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum = (uint8_t)(sum + *b++);
	return (uint8_t)-sum;
}

/* Append (len) bytes at (*pos) and count an entry. */
static void put(uint8_t **pos, const void *entry, size_t len, struct mpc_header *h)
{
	memcpy(*pos, entry, len);
	*pos += len;
	h->count++;
}

static void put_interrupts(uint8_t **pos, struct mpc_header *h, uint8_t ioapic_id)
{
	for (uint8_t irq = 0; irq < 16; irq++) {
		struct mpc_int e = { ENTRY_IOINT, INT_INT, 0, 0, irq, ioapic_id, irq };

		if (irq == 2)
			continue; /* the override: IRQ 0 is on pin 2, pin 0 is unused */
		if (irq == 0)
			e.dst_pin = 2;
		put(pos, &e, sizeof(e), h);
	}
	put(pos, &(struct mpc_int){ ENTRY_LINT, INT_EXTINT, 0, 0, 0, 0, 0 }, sizeof(struct mpc_int), h);
	put(pos, &(struct mpc_int){ ENTRY_LINT, INT_NMI, 0, 0, 0, 0xff, 1 }, sizeof(struct mpc_int), h);
}

/* Every vCPU has an APIC ID below 255, none of them the IOAPIC's. */
static bool apic_ids_fit(const struct cpu_topology *topo, unsigned ncpus, uint8_t ioapic_id)
{
	if (!topo->sockets || !topo->cores || !topo->threads)
		return false;
	for (unsigned i = 0; i < ncpus; i++) {
		unsigned id = cpu_topology_apic_id(topo, i);

		if (id >= MPTABLE_BROADCAST_ID || id == ioapic_id)
			return false;
	}
	return true;
}

int mptable_write(const struct guest_mem *mem, const struct cpu_topology *topo, unsigned ncpus,
		  uint8_t ioapic_id, uint32_t cpuid_1_eax, uint32_t cpuid_1_edx)
{
	size_t max = MPTABLE_FLOATING - MPTABLE_CONFIG;
	uint8_t *base = mem_ptr(mem, MPTABLE_CONFIG, max), *pos;
	struct mpf *mpf = mem_ptr(mem, MPTABLE_FLOATING, sizeof(*mpf));
	struct mpc_header *h = (struct mpc_header *)base;

	if (ncpus == 0 || ncpus > MPTABLE_MAX_CPUS || !apic_ids_fit(topo, ncpus, ioapic_id))
		return -EINVAL;
	if (!base || !mpf)
		return -EFAULT;
	memset(base, 0, max);
	*h = (struct mpc_header){ .signature = "PCMP", .spec_rev = MP_SPEC_REV,
				  .oem = "MVM     ", .product = "MICROVM     ", .lapic = LAPIC_BASE };
	pos = base + sizeof(*h);
	for (unsigned i = 0; i < ncpus; i++) {
		struct mpc_cpu cpu = { ENTRY_CPU, (uint8_t)cpu_topology_apic_id(topo, i), LAPIC_VERSION,
				       (uint8_t)(1 | (i == 0 ? 2 : 0)), cpuid_1_eax, cpuid_1_edx, { 0 } };

		put(&pos, &cpu, sizeof(cpu), h);
	}
	put(&pos, &(struct mpc_bus){ ENTRY_BUS, 0, "ISA   " }, sizeof(struct mpc_bus), h);
	put(&pos, &(struct mpc_ioapic){ ENTRY_IOAPIC, ioapic_id, IOAPIC_VERSION, 1, IOAPIC_BASE },
	    sizeof(struct mpc_ioapic), h);
	put_interrupts(&pos, h, ioapic_id);
	h->length = (uint16_t)(pos - base);
	h->checksum = checksum(base, h->length);
	*mpf = (struct mpf){ .signature = "_MP_", .config = (uint32_t)MPTABLE_CONFIG, .length = 1,
			     .spec_rev = MP_SPEC_REV };
	mpf->checksum = checksum(mpf, sizeof(*mpf));
	return 0;
}
