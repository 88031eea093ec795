/*
 * marker.h: the boot-marker ports 0xf4 (Linux, option ROMs) and 0xf5
 * (firmware).  A 1-byte write is counted and handed to the events handler
 * with its port and value (the board records it as a PROBE_MARKER, values
 * in probes/boot_markers.h); nothing else happens, and other sizes and
 * reads behave as unassigned ports, as on QEMU's microvm.
 */
#ifndef MVM_MARKER_H
#define MVM_MARKER_H

#include <stdint.h>

#include "core/bus.h"

#define MARKER_BASE 0xf4
#define MARKER_NPORTS 2

/* A marker written to (port); called during the guest's write. */
struct marker_events {
	void (*written)(void *ctx, uint16_t port, uint8_t value);
	void *ctx;
};

struct marker {
	uint16_t base;
	struct marker_events events;
	uint64_t count;	   /* markers written */
	uint8_t last[MARKER_NPORTS]; /* last value per port */
};

extern const struct bus_ops marker_ops;

/* The ports at (base), telling (events) about every marker. */
void marker_init(struct marker *m, uint16_t base, struct marker_events events);

#endif
