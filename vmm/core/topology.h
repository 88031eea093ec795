/*
 * topology.h: how -smp splits the vCPUs into sockets, cores and threads,
 * and the APIC IDs that follow; plain arithmetic shared by the command
 * line (which refuses IDs that do not fit), CPUID and the MP table.
 */
#ifndef MVM_TOPOLOGY_H
#define MVM_TOPOLOGY_H

/*
 * How -smp splits the vCPUs, every count at least 1.  There is no die
 * level: QEMU's microvm has one die per socket.  vCPU (index) is thread
 * index % threads of core index / threads % cores of socket
 * index / (threads * cores), QEMU's order.
 */
struct cpu_topology {
	unsigned sockets, cores, threads;
};

/* The APIC ID of vCPU (index): its socket, core and thread numbers packed
 * in fields just wide enough for the counts (QEMU's and the SDM's layout),
 * so IDs have holes when cores or threads are not powers of two. */
unsigned cpu_topology_apic_id(const struct cpu_topology *t, unsigned index);

/* One vCPU's place in the topology, and the APIC ID layout. */
struct cpu_place {
	unsigned apic_id, core, socket; /* core: its number within the socket */
	unsigned core_shift;		/* APIC ID bits below the core field (threads) */
	unsigned pkg_shift;		/* APIC ID bits below the socket field */
	unsigned threads, per_pkg;	/* logical processors per core, per socket */
};

struct cpu_place cpu_place_of(const struct cpu_topology *t, unsigned index);

#endif
