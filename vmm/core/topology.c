/* topology.c: vCPU places and APIC IDs (see topology.h). */
#include "core/topology.h"

/* Bits needed to number (n) things: the width of an APIC ID field. */
static unsigned field_width(unsigned n)
{
	unsigned bits = 0;

	while (bits < 31 && (1u << bits) < n)
		bits++;
	return bits;
}

struct cpu_place cpu_place_of(const struct cpu_topology *t, unsigned index)
{
	struct cpu_place p = {
		.core = index / t->threads % t->cores,
		.socket = index / t->threads / t->cores,
		.core_shift = field_width(t->threads),
		.threads = t->threads,
		.per_pkg = t->threads * t->cores,
	};

	p.pkg_shift = p.core_shift + field_width(t->cores);
	p.apic_id = p.socket << p.pkg_shift | p.core << p.core_shift | index % t->threads;
	return p;
}

unsigned cpu_topology_apic_id(const struct cpu_topology *t, unsigned index)
{
	return cpu_place_of(t, index).apic_id;
}

