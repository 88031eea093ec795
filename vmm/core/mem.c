/* mem.c: guest RAM and firmware mappings, and checked GPA translation. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "core/mem.h"

static void *map_anon(uint64_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void add_region(struct guest_mem *m, uint64_t gpa, uint64_t size, uint8_t *host)
{
	if (size)
		m->region[m->nregions++] = (struct mem_region){ gpa, size, host };
}

/*
 * Lay out the regions.  With firmware the low RAM is cut around the alias
 * window below 1 MiB, so that no two regions overlap (KVM memslots cannot).
 */
static void layout(struct guest_mem *m)
{
	uint64_t win = m->fw_size < MEM_FW_ALIAS_MAX ? m->fw_size : MEM_FW_ALIAS_MAX;

	m->nregions = 0;
	if (m->fw && m->below_4g > MEM_1M) {
		add_region(m, 0, MEM_1M - win, m->ram);
		add_region(m, MEM_1M - win, win, m->fw + m->fw_size - win);
		add_region(m, MEM_1M, m->below_4g - MEM_1M, m->ram + MEM_1M);
	} else {
		add_region(m, 0, m->below_4g, m->ram);
	}
	if (m->fw)
		add_region(m, MEM_4G - m->fw_size, m->fw_size, m->fw);
	add_region(m, MEM_4G, m->above_4g, m->ram + m->below_4g);
}

int mem_init(struct guest_mem *m, uint64_t ram_size, uint64_t fw_size)
{
	memset(m, 0, sizeof(*m));
	if (ram_size < 2 * MEM_1M || fw_size % 0x10000 || fw_size > 16 * MEM_1M)
		return -EINVAL;
	m->ram = map_anon(ram_size);
	if (!m->ram)
		return -ENOMEM;
	m->ram_size = ram_size;
	m->below_4g = ram_size > MEM_LOWMEM_MAX ? MEM_LOWMEM_MAX : ram_size;
	m->above_4g = ram_size - m->below_4g;
	if (fw_size) {
		m->fw = map_anon(fw_size);
		if (!m->fw) {
			mem_free(m);
			return -ENOMEM;
		}
		m->fw_size = fw_size;
	}
	layout(m);
	return 0;
}

void mem_free(struct guest_mem *m)
{
	if (m->ram)
		munmap(m->ram, m->ram_size);
	if (m->fw)
		munmap(m->fw, m->fw_size);
	memset(m, 0, sizeof(*m));
}

void *mem_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	uint64_t end;

	if (len == 0 || __builtin_add_overflow(gpa, len, &end))
		return NULL;
	for (unsigned i = 0; i < m->nregions; i++) {
		const struct mem_region *r = &m->region[i];

		if (gpa >= r->gpa && end <= r->gpa + r->size)
			return r->host + (gpa - r->gpa);
	}
	return NULL;
}

int mem_write(const struct guest_mem *m, uint64_t gpa, const void *src, uint64_t len)
{
	void *p = mem_ptr(m, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(p, src, len);
	return 0;
}

int mem_read(const struct guest_mem *m, uint64_t gpa, void *dst, uint64_t len)
{
	void *p = mem_ptr(m, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(dst, p, len);
	return 0;
}
