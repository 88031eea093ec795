/*
 * fw_cfg.h: QEMU's firmware configuration device, x86 I/O flavour with DMA.
 *
 * Spec: QEMU docs/specs/fw_cfg.txt; layouts from <linux/qemu_fw_cfg.h>.
 * Ports: 0x510 (16-bit write: select an item; 8-bit read: next data byte)
 * and 0x511 (8-bit read: next data byte), 0x514-0x51b the DMA address
 * register (big-endian: a 32-bit write to 0x514 sets bits 63:32, a 32-bit
 * write to 0x518 sets bits 31:0 and starts the transfer; reads return
 * "QEMU CFG").  Port reads and DMA share one offset into the selected item;
 * past its end, reads give zeros.  DMA descriptors (control, length,
 * address, all big-endian) may SELECT, READ, SKIP or WRITE; every guest
 * address is checked, and a transfer that does not fit guest memory sets
 * ERROR without touching anything; so does a descriptor that does not fit
 * (ERROR then goes where its control word is, if that much is RAM).  No item is writable, so WRITE always
 * sets ERROR (as on microvm).  Items: the numbered keys (0x00-0x1f, and
 * 0x8000+ arch keys) and up to FW_CFG_MAX_FILES named files, kept sorted by
 * name and numbered from 0x20 in that order (QEMU's non-legacy order), with
 * the directory at key 0x19.  Reset: no item selected (key 0), offset 0.
 *
 * Items are added before the guest runs; the device keeps no lock (the
 * bus's rule, core/bus.h, serializes the guest's accesses and the reset).
 */
#ifndef MVM_FW_CFG_H
#define MVM_FW_CFG_H

#include <linux/qemu_fw_cfg.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/bus.h"
#include "core/mem.h"

#define FW_CFG_IO_BASE 0x510
#define FW_CFG_IO_LEN 2
#define FW_CFG_DMA_BASE 0x514
#define FW_CFG_DMA_LEN 8
#define FW_CFG_MAX_FILES 32
#define FW_CFG_NLEGACY FW_CFG_FILE_FIRST
#define FW_CFG_NARCH 8 /* 0x8000-0x8007 */
#define FW_CFG_IRQ0_OVERRIDE (FW_CFG_ARCH_LOCAL + 2)

struct fw_cfg_item {
	uint8_t *data; /* owned */
	uint32_t len;
};

struct fw_cfg_named {
	char name[FW_CFG_MAX_FILE_PATH];
	struct fw_cfg_item item;
};

/* What the guest does with the device, for whoever watches it (the
 * board's probes); a NULL callback is not called.  They run during the
 * guest's access. */
struct fw_cfg_events {
	/* Item (key), of (size) bytes, was selected (by port or DMA). */
	void (*selected)(void *ctx, uint16_t key, uint32_t size);
	/* Item (key) was read: a byte through the data port, or a DMA READ,
	 * WRITE or SKIP, which moved (bytes) (0 for WRITE, SKIP and errors). */
	void (*read)(void *ctx, uint16_t key, bool dma, uint32_t bytes);
	void *ctx;
};

struct fw_cfg {
	const struct guest_mem *mem;
	struct fw_cfg_events events;
	void *(*alloc)(size_t size); /* for the items' copies; free() releases */
	struct fw_cfg_item legacy[FW_CFG_NLEGACY];
	struct fw_cfg_item arch[FW_CFG_NARCH];
	struct fw_cfg_named file[FW_CFG_MAX_FILES]; /* sorted by name */
	unsigned nfiles;
	struct fw_cfg_item dir; /* key 0x19, rebuilt when a file is added */
	uint16_t key;		/* selected item */
	uint32_t offset;	/* next byte of it */
	uint64_t dma_address;
	/* what the guest read, for reports */
	uint64_t bytes_read;
	uint64_t selects;
};

extern const struct bus_ops fw_cfg_io_ops;  /* 0x510, 2 ports, sizes 1 and 2 */
extern const struct bus_ops fw_cfg_dma_ops; /* 0x514, 8 ports, sizes 1, 2, 4, 8 */

/* An empty device reading and writing guest memory (mem) for DMA and
 * telling (events) what the guest does; the signature and ID (traditional
 * + DMA) items are present.  0, or -ENOMEM: then (f) holds nothing and
 * only fw_cfg_free() may follow. */
int fw_cfg_init(struct fw_cfg *f, const struct guest_mem *mem, struct fw_cfg_events events);

/* The same, with (alloc) in place of malloc for everything the device
 * keeps (what it returns is released with free()): tests make it fail. */
int fw_cfg_init_alloc(struct fw_cfg *f, const struct guest_mem *mem, struct fw_cfg_events events,
		      void *(*alloc)(size_t size));

/* Add or replace numbered item (key) with a copy of (data).  0, -EINVAL for
 * a key that is neither 0x00-0x1f nor 0x8000-0x8007, or -ENOMEM. */
int fw_cfg_add(struct fw_cfg *f, uint16_t key, const void *data, uint32_t len)
	__attribute__((warn_unused_result));
int fw_cfg_add_u16(struct fw_cfg *f, uint16_t key, uint16_t value) __attribute__((warn_unused_result));
int fw_cfg_add_u32(struct fw_cfg *f, uint16_t key, uint32_t value) __attribute__((warn_unused_result));
int fw_cfg_add_u64(struct fw_cfg *f, uint16_t key, uint64_t value) __attribute__((warn_unused_result));

/* Add or replace file (name) (at most 55 characters) with a copy of (data);
 * keys are renumbered by name.  0, -EINVAL, -ENOSPC or -ENOMEM (the files
 * are then as they were). */
int fw_cfg_add_file(struct fw_cfg *f, const char *name, const void *data, uint32_t len)
	__attribute__((warn_unused_result));

/* Key of file (name), or FW_CFG_INVALID. */
uint16_t fw_cfg_file_key(const struct fw_cfg *f, const char *name);

/* A name for (key), for traces: the file name, or the key's name. */
const char *fw_cfg_key_name(const struct fw_cfg *f, uint16_t key);

/* Back to no selection (guest reset); the items stay. */
void fw_cfg_reset(struct fw_cfg *f);

void fw_cfg_free(struct fw_cfg *f);

#endif
