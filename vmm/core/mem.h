/*
 * mem.h: guest physical memory and the only guest-address translation.
 *
 * Guest RAM is one anonymous mapping; it is mapped at GPA 0 up to 3 GiB and
 * the rest at 4 GiB (microvm's split).  Firmware, when present, is a second
 * mapping placed at [4 GiB - size, 4 GiB) whose last min(size, 128 KiB) are
 * also visible below 1 MiB, hiding the RAM there.  Every access a device
 * makes to guest memory goes through mem_ptr(), which refuses ranges that
 * are not wholly inside one region or that wrap.
 */
#ifndef MVM_MEM_H
#define MVM_MEM_H

#include <stddef.h>
#include <stdint.h>

#define MEM_LOWMEM_MAX 0xC0000000ULL /* RAM above this goes to 4 GiB */
#define MEM_4G 0x100000000ULL
#define MEM_1M 0x100000ULL
#define MEM_FW_ALIAS_MAX 0x20000ULL /* 128 KiB */
#define MEM_MAX_REGIONS 6

struct mem_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *host;
};

struct guest_mem {
	uint8_t *ram;
	uint64_t ram_size;
	uint64_t below_4g; /* bytes of RAM mapped at 0 */
	uint64_t above_4g; /* bytes of RAM mapped at 4 GiB */
	uint8_t *fw;	   /* firmware image storage, or NULL */
	uint64_t fw_size;
	struct mem_region region[MEM_MAX_REGIONS]; /* sorted by gpa */
	unsigned nregions;
};

/*
 * Map (ram_size) bytes of guest RAM and, if (fw_size) is non-zero, firmware
 * storage of that size (a multiple of 64 KiB).  Returns 0 or -errno.
 */
int mem_init(struct guest_mem *m, uint64_t ram_size, uint64_t fw_size)
	__attribute__((warn_unused_result));

/* Unmap everything mem_init() mapped. */
void mem_free(struct guest_mem *m);

/* Host pointer for [gpa, gpa + len), or NULL if that range is not wholly
 * inside one region (or wraps, or len is 0). */
void *mem_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len);

/* Copy to/from guest memory; 0 on success, -EFAULT if mem_ptr() refuses. */
int mem_write(const struct guest_mem *m, uint64_t gpa, const void *src, uint64_t len)
	__attribute__((warn_unused_result));
int mem_read(const struct guest_mem *m, uint64_t gpa, void *dst, uint64_t len)
	__attribute__((warn_unused_result));

#endif
