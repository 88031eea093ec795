/* fw_cfg.c: fw_cfg items, file directory, port and DMA access (see fw_cfg.h). */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dev/fw_cfg.h"

#define SIGNATURE "QEMU"
#define DIR_SIZE (4 + FW_CFG_MAX_FILES * sizeof(struct fw_cfg_file))
#define DMA_ZERO_CHUNK 4096

static const uint8_t dma_signature[8] = { 'Q', 'E', 'M', 'U', ' ', 'C', 'F', 'G' };

static struct fw_cfg_item *item_of(struct fw_cfg *f, uint16_t key)
{
	key &= ~FW_CFG_WRITE_CHANNEL; /* a legacy flag, ignored as QEMU does */
	if (key == FW_CFG_FILE_DIR)
		return &f->dir;
	if (key < FW_CFG_FILE_FIRST)
		return &f->legacy[key];
	if (key < FW_CFG_FILE_FIRST + f->nfiles)
		return &f->file[key - FW_CFG_FILE_FIRST].item;
	if (key >= FW_CFG_ARCH_LOCAL && key < FW_CFG_ARCH_LOCAL + FW_CFG_NARCH)
		return &f->arch[key - FW_CFG_ARCH_LOCAL];
	return NULL; /* invalid keys read as an empty item */
}

static int set_item(struct fw_cfg *f, struct fw_cfg_item *it, const void *data, uint32_t len)
{
	uint8_t *copy = len ? f->alloc(len) : NULL;

	if (len && !copy)
		return -ENOMEM;
	if (len)
		memcpy(copy, data, len);
	free(it->data);
	it->data = copy;
	it->len = len;
	return 0;
}

int fw_cfg_add(struct fw_cfg *f, uint16_t key, const void *data, uint32_t len)
{
	bool legacy = key < FW_CFG_FILE_FIRST && key != FW_CFG_FILE_DIR;
	bool arch = key >= FW_CFG_ARCH_LOCAL && key < FW_CFG_ARCH_LOCAL + FW_CFG_NARCH;

	if (!legacy && !arch)
		return -EINVAL;
	return set_item(f, item_of(f, key), data, len);
}

int fw_cfg_add_u16(struct fw_cfg *f, uint16_t key, uint16_t value)
{
	uint16_t le = htole16(value);

	return fw_cfg_add(f, key, &le, sizeof(le));
}

int fw_cfg_add_u32(struct fw_cfg *f, uint16_t key, uint32_t value)
{
	uint32_t le = htole32(value);

	return fw_cfg_add(f, key, &le, sizeof(le));
}

int fw_cfg_add_u64(struct fw_cfg *f, uint16_t key, uint64_t value)
{
	uint64_t le = htole64(value);

	return fw_cfg_add(f, key, &le, sizeof(le));
}

/* The directory: a big-endian count, then one entry per file, by key. */
static void rebuild_dir(struct fw_cfg *f)
{
	uint8_t *d = f->dir.data;
	uint32_t count = htobe32(f->nfiles);

	memset(d, 0, DIR_SIZE);
	memcpy(d, &count, 4);
	for (unsigned i = 0; i < f->nfiles; i++) {
		struct fw_cfg_file e = { .size = htobe32(f->file[i].item.len),
					 .select = htobe16((uint16_t)(FW_CFG_FILE_FIRST + i)) };

		memcpy(e.name, f->file[i].name, sizeof(e.name));
		memcpy(d + 4 + i * sizeof(e), &e, sizeof(e));
	}
}

/* A new file at (pos); sorted insertion renumbers every later file, as
 * QEMU's does.  The copy is made first, so that failing changes nothing. */
static int insert_file(struct fw_cfg *f, unsigned pos, const char *name, const void *data,
		       uint32_t len)
{
	struct fw_cfg_named named = { 0 };
	int err = set_item(f, &named.item, data, len);

	if (err)
		return err;
	snprintf(named.name, sizeof(named.name), "%s", name);
	memmove(&f->file[pos + 1], &f->file[pos], (f->nfiles - pos) * sizeof(f->file[0]));
	f->file[pos] = named;
	f->nfiles++;
	return 0;
}

int fw_cfg_add_file(struct fw_cfg *f, const char *name, const void *data, uint32_t len)
{
	unsigned pos = 0;
	int cmp = 1, err = 0;

	if (!*name || strlen(name) >= FW_CFG_MAX_FILE_PATH)
		return -EINVAL;
	while (pos < f->nfiles && (cmp = strcmp(f->file[pos].name, name)) < 0)
		pos++;
	if (pos < f->nfiles && cmp == 0)
		err = set_item(f, &f->file[pos].item, data, len);
	else if (f->nfiles == FW_CFG_MAX_FILES)
		err = -ENOSPC;
	else
		err = insert_file(f, pos, name, data, len);
	rebuild_dir(f);
	return err;
}

uint16_t fw_cfg_file_key(const struct fw_cfg *f, const char *name)
{
	for (unsigned i = 0; i < f->nfiles; i++)
		if (!strcmp(f->file[i].name, name))
			return (uint16_t)(FW_CFG_FILE_FIRST + i);
	return FW_CFG_INVALID;
}

const char *fw_cfg_key_name(const struct fw_cfg *f, uint16_t key)
{
	static const char *const legacy[FW_CFG_NLEGACY] = {
		"signature", "id", "uuid", "ram_size", "nographic", "nb_cpus", "machine_id",
		"kernel_addr", "kernel_size", "kernel_cmdline", "initrd_addr", "initrd_size",
		"boot_device", "numa", "boot_menu", "max_cpus", "kernel_entry", "kernel_data",
		"initrd_data", "cmdline_addr", "cmdline_size", "cmdline_data", "setup_addr",
		"setup_size", "setup_data", "file_dir",
	};

	key &= ~FW_CFG_WRITE_CHANNEL;
	if (key < FW_CFG_NLEGACY && legacy[key])
		return legacy[key];
	if (key >= FW_CFG_FILE_FIRST && key < FW_CFG_FILE_FIRST + f->nfiles)
		return f->file[key - FW_CFG_FILE_FIRST].name;
	if (key == FW_CFG_IRQ0_OVERRIDE)
		return "irq0_override";
	return "unknown";
}

/* ---- guest access ---- */

static void select_key(struct fw_cfg *f, uint16_t key)
{
	const struct fw_cfg_item *it = item_of(f, key);

	f->key = key;
	f->offset = 0;
	f->selects++;
	if (f->events.selected)
		f->events.selected(f->events.ctx, key, it ? it->len : 0);
}

static void read_event(struct fw_cfg *f, bool dma, uint32_t bytes)
{
	if (f->events.read)
		f->events.read(f->events.ctx, f->key, dma, bytes);
}

static uint8_t read_byte(struct fw_cfg *f)
{
	const struct fw_cfg_item *it = item_of(f, f->key);
	uint8_t byte = 0;

	if (it && f->offset < it->len) {
		byte = it->data[f->offset++];
		f->bytes_read++;
	}
	read_event(f, false, 1);
	return byte;
}

static uint64_t io_read(void *dev, uint64_t offset, unsigned size)
{
	(void)offset;
	if (size != 1)
		return bus_ones(size); /* the data port is 8 bits wide */
	return read_byte(dev);
}

static void io_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct fw_cfg *f = dev;

	/* Only a 16-bit write at 0x510 selects; data writes are ignored. */
	if (size != 2 || offset != 0)
		return;
	select_key(f, (uint16_t)value);
}

const struct bus_ops fw_cfg_io_ops = {
	.name = "fw_cfg",
	.sizes = BUS_SIZE_1 | BUS_SIZE_2,
	.read = io_read,
	.write = io_write,
};

/* Copy (len) bytes of the selected item from the current offset to guest
 * (addr), zeros past its end; false if the range is not guest memory. */
static bool dma_read(struct fw_cfg *f, uint64_t addr, uint32_t len)
{
	const struct fw_cfg_item *it = item_of(f, f->key);
	uint8_t *dst = mem_ptr(f->mem, addr, len);
	uint32_t avail = it && f->offset < it->len ? it->len - f->offset : 0;
	uint32_t n = len < avail ? len : avail;

	if (!dst)
		return len == 0;
	if (n)
		memcpy(dst, it->data + f->offset, n);
	memset(dst + n, 0, len - n);
	f->offset += n;
	f->bytes_read += n;
	return true;
}

static void dma_skip(struct fw_cfg *f, uint32_t len)
{
	const struct fw_cfg_item *it = item_of(f, f->key);
	uint32_t avail = it && f->offset < it->len ? it->len - f->offset : 0;

	f->offset += len < avail ? len : avail;
}

/* The end of a transfer, in the descriptor's control word: 0, or ERROR.
 * Where that word is not guest memory there is nowhere to say it. */
static void dma_complete(struct fw_cfg *f, uint64_t desc_addr, bool ok)
{
	uint32_t control = htobe32(ok ? 0 : FW_CFG_DMA_CTL_ERROR);

	if (mem_write(f->mem, desc_addr, &control, sizeof(control)))
		return;
}

/* One DMA descriptor at guest (desc_addr); the control word is written back. */
static void dma_transfer(struct fw_cfg *f, uint64_t desc_addr)
{
	struct fw_cfg_dma_access d;
	uint32_t control, len, done = 0;
	uint64_t addr;
	bool ok = true;

	/* A descriptor running off the end of RAM is not acted on, but its
	 * control word, if writable, says ERROR (as QEMU's does), or a guest
	 * polling it would wait forever. */
	if (mem_read(f->mem, desc_addr, &d, sizeof(d))) {
		dma_complete(f, desc_addr, false);
		return;
	}
	control = be32toh(d.control);
	len = be32toh(d.length);
	addr = be64toh(d.address);
	if (control & FW_CFG_DMA_CTL_SELECT)
		select_key(f, (uint16_t)(control >> 16));
	if (control & FW_CFG_DMA_CTL_READ) {
		ok = dma_read(f, addr, len);
		done = ok ? len : 0;
	} else if (control & FW_CFG_DMA_CTL_WRITE) {
		ok = false; /* no writable items on microvm */
	} else if (control & FW_CFG_DMA_CTL_SKIP) {
		dma_skip(f, len);
	}
	if (control & (FW_CFG_DMA_CTL_READ | FW_CFG_DMA_CTL_WRITE | FW_CFG_DMA_CTL_SKIP))
		read_event(f, true, done);
	dma_complete(f, desc_addr, ok);
}

static uint64_t dma_io_read(void *dev, uint64_t offset, unsigned size)
{
	uint64_t v = 0;

	(void)dev;
	/* The register reads as "QEMU CFG" in memory order. */
	for (unsigned i = 0; i < size && offset + i < sizeof(dma_signature); i++)
		v |= (uint64_t)dma_signature[offset + i] << (8 * i);
	return v;
}

static void dma_io_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct fw_cfg *f = dev;

	/* The register is big-endian: the guest's bytes are the address's. */
	if (offset == 0 && size == 4) {
		f->dma_address = (uint64_t)be32toh((uint32_t)value) << 32;
	} else if (offset == 4 && size == 4) {
		dma_transfer(f, f->dma_address | be32toh((uint32_t)value));
		f->dma_address = 0;
	} else if (offset == 0 && size == 8) {
		dma_transfer(f, be64toh(value));
		f->dma_address = 0;
	}
}

const struct bus_ops fw_cfg_dma_ops = {
	.name = "fw_cfg-dma",
	.sizes = BUS_SIZE_ANY,
	.read = dma_io_read,
	.write = dma_io_write,
};

int fw_cfg_init_alloc(struct fw_cfg *f, const struct guest_mem *mem, struct fw_cfg_events events,
		      void *(*alloc)(size_t size))
{
	uint32_t id = htole32(FW_CFG_VERSION | FW_CFG_VERSION_DMA);

	memset(f, 0, sizeof(*f));
	f->mem = mem;
	f->events = events;
	f->alloc = alloc;
	/* The directory is rebuilt in place: it must exist before any file. */
	f->dir.data = alloc(DIR_SIZE);
	if (!f->dir.data ||
	    set_item(f, &f->legacy[FW_CFG_SIGNATURE], SIGNATURE, 4) ||
	    set_item(f, &f->legacy[FW_CFG_ID], &id, sizeof(id))) {
		fw_cfg_free(f);
		return -ENOMEM;
	}
	f->dir.len = DIR_SIZE;
	rebuild_dir(f);
	return 0;
}

int fw_cfg_init(struct fw_cfg *f, const struct guest_mem *mem, struct fw_cfg_events events)
{
	return fw_cfg_init_alloc(f, mem, events, malloc);
}

void fw_cfg_reset(struct fw_cfg *f)
{
	f->key = 0;
	f->offset = 0;
	f->dma_address = 0;
}

void fw_cfg_free(struct fw_cfg *f)
{
	for (unsigned i = 0; i < FW_CFG_NLEGACY; i++)
		free(f->legacy[i].data);
	for (unsigned i = 0; i < FW_CFG_NARCH; i++)
		free(f->arch[i].data);
	for (unsigned i = 0; i < f->nfiles; i++)
		free(f->file[i].item.data);
	free(f->dir.data);
	memset(f, 0, sizeof(*f));
}
