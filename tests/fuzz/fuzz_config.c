/* fuzz_config.c: the QEMU-style command line: NUL-separated arguments.
 *
 * A parse that succeeds must leave a machine the board can build; the
 * invariants below are what the rest of mvm relies on, and abort() when
 * one does not hold.  A parse that fails must say why. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/config.h"
#include "fuzz.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void violated(const char *what)
{
	fprintf(stderr, "fuzz_config: invariant violated: %s\n", what);
	abort();
}

/* 1 <= cpus <= maxcpus <= 255, the topology multiplies out to maxcpus, and
 * every vCPU has its own APIC ID below 255 (the MP table and leaf 1 hold 8
 * bits, 255 is the broadcast ID). */
static void check_cpus(const struct vm_config *c)
{
	const struct cpu_topology *t = &c->topo;
	unsigned long long product = (unsigned long long)t->sockets * t->cores * t->threads;
	unsigned prev = 0;

	if (c->cpus < 1 || c->cpus > c->maxcpus || c->maxcpus > 255)
		violated("1 <= cpus <= maxcpus <= 255");
	if (!t->sockets || !t->cores || !t->threads || product != c->maxcpus)
		violated("sockets * cores * threads == maxcpus");
	for (unsigned i = 0; i < c->maxcpus; i++) {
		unsigned id = cpu_topology_apic_id(t, i);

		if (id > 254 || (i && id <= prev))
			violated("APIC IDs unique and below 255");
		prev = id;
	}
}

/* RAM is whole KiB and not zero; every table stays within its array, and
 * what the board dereferences is there. */
static void check_rest(const struct vm_config *c)
{
	if (!c->ram_size || c->ram_size % 1024)
		violated("RAM size");
	if (c->ndrives > CONFIG_MAX_BACKENDS || c->nnetdevs > CONFIG_MAX_BACKENDS ||
	    c->nchardevs > CONFIG_MAX_BACKENDS || c->ndevices > CONFIG_MAX_DEVICES ||
	    c->nfeatures > CPUID_MAX_FEATURE_REQUESTS)
		violated("table counts");
	for (unsigned i = 0; i < c->ndrives; i++)
		if (!c->drive[i].id || !c->drive[i].file)
			violated("drive id and file");
	for (unsigned i = 0; i < c->nnetdevs; i++)
		if (!c->netdev[i].id)
			violated("netdev id");
	for (unsigned i = 0; i < c->nchardevs; i++)
		if (!c->chardev[i].id)
			violated("chardev id");
	if (!c->append || (c->serial == SERIAL_FILE && (!c->serial_path || !*c->serial_path)))
		violated("strings");
	if (!c->kernel && !c->bios)
		violated("something to boot");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vm_config c;
	char *copy = malloc(size + 1), *argv[MAX_ARGS + 1], err[256];
	int argc = 1;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = 0;
	argv[0] = (char *)"mvm";
	for (char *p = copy; p < copy + size && argc < MAX_ARGS; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	config_defaults(&c);
	err[0] = 0;
	if (config_parse(&c, argc, argv, err, sizeof(err))) {
		if (!err[0])
			violated("a refused command line has a message");
	} else if (!c.help && !c.version) {
		check_cpus(&c);
		check_rest(&c);
	}
	free(copy);
	return 0;
}
