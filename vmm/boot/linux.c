/* linux.c: vmlinux/bzImage loading and the zero page (see linux.h). */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "boot/linux.h"

#define HDRS_MAGIC 0x53726448 /* "HdrS" */
#define BOOT_FLAG 0xaa55
#define LOADER_UNDEFINED 0xff
#define HDR_OFFSET 0x1f1
#define PAGE_MASK_4K (~0xfffULL)

struct loaded {
	uint64_t entry;
	uint64_t end; /* highest byte the kernel may use, +1 */
	int have_header;
};

#define FAIL(msg) do { *why = (msg); return -EINVAL; } while (0)

static int load_segment(const struct guest_mem *mem, struct image img, const Elf64_Phdr *ph,
			const char **why)
{
	uint64_t file_end;
	uint8_t *dst;

	if (ph->p_filesz > ph->p_memsz ||
	    __builtin_add_overflow(ph->p_offset, ph->p_filesz, &file_end) || file_end > img.size)
		FAIL("vmlinux: segment outside the file");
	dst = mem_ptr(mem, ph->p_paddr, ph->p_memsz);
	if (!dst) {
		*why = "vmlinux: segment does not fit in guest RAM";
		return -E2BIG;
	}
	memcpy(dst, img.data + ph->p_offset, ph->p_filesz);
	memset(dst + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
	return 0;
}

#define XEN_ELFNOTE_PHYS32_ENTRY 18

/* The PVH entry in note segment (ph): a "Xen" note of type 18; 0 if none. */
static uint64_t pvh_note(struct image img, const Elf64_Phdr *ph)
{
	uint64_t off = ph->p_offset, end, name, desc, next;
	Elf64_Nhdr n;

	if (__builtin_add_overflow(ph->p_offset, ph->p_filesz, &end) || end > img.size)
		return 0;
	while (off + sizeof(n) <= end) {
		memcpy(&n, img.data + off, sizeof(n));
		name = off + sizeof(n);
		desc = name + ((n.n_namesz + 3ULL) & ~3ULL);
		next = desc + ((n.n_descsz + 3ULL) & ~3ULL);
		if (next > end)
			return 0;
		if (n.n_type == XEN_ELFNOTE_PHYS32_ENTRY && n.n_namesz == 4 &&
		    !memcmp(img.data + name, "Xen", 4) && (n.n_descsz == 4 || n.n_descsz == 8)) {
			uint64_t entry = 0;

			memcpy(&entry, img.data + desc, n.n_descsz); /* little-endian */
			return entry;
		}
		off = next;
	}
	return 0;
}

static int elf_header_ok(struct image img, const char **why)
{
	const Elf64_Ehdr *eh = (const void *)img.data;
	uint64_t ph_end;

	if (img.size < sizeof(*eh) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_machine != EM_X86_64 ||
	    eh->e_type != ET_EXEC)
		FAIL("vmlinux: not a 64-bit x86 executable ELF");
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 ||
	    __builtin_add_overflow(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr), &ph_end) ||
	    ph_end > img.size)
		FAIL("vmlinux: bad program header table");
	return 0;
}

int linux_load_elf(const struct guest_mem *mem, struct image img, struct linux_elf *out,
		   const char **why)
{
	const Elf64_Ehdr *eh = (const void *)img.data;
	uint64_t lo = UINT64_MAX, hi = 0, pvh = 0;
	int err = elf_header_ok(img, why);

	if (err)
		return err;
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, img.data + eh->e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type == PT_NOTE && !pvh)
			pvh = pvh_note(img, &ph);
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		err = load_segment(mem, img, &ph, why);
		if (err)
			return err;
		lo = ph.p_paddr < lo ? ph.p_paddr : lo;
		hi = ph.p_paddr + ph.p_memsz > hi ? ph.p_paddr + ph.p_memsz : hi;
	}
	if (hi == 0)
		FAIL("vmlinux: no loadable segment");
	if (eh->e_entry < lo || eh->e_entry >= hi)
		FAIL("vmlinux: entry point outside the loaded segments");
	*out = (struct linux_elf){ .entry = eh->e_entry, .lo = lo, .hi = hi, .pvh_entry = pvh };
	return 0;
}

static int load_elf(const struct guest_mem *mem, struct image img, struct loaded *out,
		    const char **why)
{
	struct linux_elf elf;
	int err = linux_load_elf(mem, img, &elf, why);

	if (!err)
		*out = (struct loaded){ .entry = elf.entry, .end = elf.hi };
	return err;
}

static int load_bzimage(const struct guest_mem *mem, struct image img, struct boot_params *bp,
			struct loaded *out, const char **why)
{
	const struct setup_header *hdr = (const void *)(img.data + HDR_OFFSET);
	size_t setup_size, hdr_end;
	uint64_t end;

	if (img.size < 0x264 || hdr->header != HDRS_MAGIC)
		FAIL("bzImage: no HdrS header");
	if (hdr->version < 0x20c || !(hdr->xloadflags & XLF_KERNEL_64))
		FAIL("bzImage: kernel has no 64-bit entry point (boot protocol < 2.12)");
	setup_size = ((size_t)(hdr->setup_sects ? hdr->setup_sects : 4) + 1) * 512;
	hdr_end = 0x202 + img.data[0x201];
	if (setup_size >= img.size || hdr_end > sizeof(*bp) || hdr_end > img.size)
		FAIL("bzImage: truncated");
	/* The header as the file has it, then the loader's fields on top. */
	memcpy((uint8_t *)bp + HDR_OFFSET, img.data + HDR_OFFSET, hdr_end - HDR_OFFSET);
	if (mem_write(mem, LINUX_BZIMAGE_LOAD, img.data + setup_size, img.size - setup_size)) {
		*why = "bzImage: kernel does not fit in guest RAM";
		return -E2BIG;
	}
	/* The decompressor works in [max(load, pref_address), + init_size). */
	end = (hdr->pref_address > LINUX_BZIMAGE_LOAD ? hdr->pref_address : LINUX_BZIMAGE_LOAD) +
	      hdr->init_size;
	if (!mem_ptr(mem, LINUX_BZIMAGE_LOAD, end - LINUX_BZIMAGE_LOAD)) {
		*why = "bzImage: guest RAM smaller than the kernel's init_size";
		return -E2BIG;
	}
	*out = (struct loaded){ .entry = LINUX_BZIMAGE_LOAD + 0x200, .end = end, .have_header = 1 };
	return 0;
}

/* Highest usable initrd address + 1, per the header when there is one. */
static uint64_t initrd_limit(const struct guest_mem *mem, const struct boot_params *bp,
			     int have_header)
{
	uint64_t limit = mem->below_4g;

	if (have_header && (uint64_t)bp->hdr.initrd_addr_max + 1 < limit)
		limit = (uint64_t)bp->hdr.initrd_addr_max + 1;
	return limit;
}

static int place_initrd(const struct guest_mem *mem, struct image initrd, struct boot_params *bp,
			const struct loaded *k, uint64_t *addr, const char **why)
{
	uint64_t limit = initrd_limit(mem, bp, k->have_header);

	*addr = 0;
	if (!initrd.size)
		return 0;
	if (initrd.size > limit || ((limit - initrd.size) & PAGE_MASK_4K) < k->end) {
		*why = "initrd does not fit in guest RAM above the kernel";
		return -E2BIG;
	}
	*addr = (limit - initrd.size) & PAGE_MASK_4K;
	if (mem_write(mem, *addr, initrd.data, initrd.size)) {
		*why = "initrd does not fit in guest RAM";
		return -E2BIG;
	}
	bp->hdr.ramdisk_image = (uint32_t)*addr;
	bp->hdr.ramdisk_size = (uint32_t)initrd.size;
	bp->ext_ramdisk_image = (uint32_t)(*addr >> 32);
	bp->ext_ramdisk_size = (uint32_t)((uint64_t)initrd.size >> 32);
	return 0;
}

static int write_cmdline(const struct guest_mem *mem, const char *cmdline, struct boot_params *bp,
			 int have_header, const char **why)
{
	size_t len = strlen(cmdline) + 1;
	uint32_t max = have_header && bp->hdr.cmdline_size ? bp->hdr.cmdline_size + 1 : LINUX_ELF_CMDLINE_SIZE;

	if (len > max || len > LINUX_CMDLINE_MAX) {
		*why = "kernel command line longer than the kernel accepts";
		return -E2BIG;
	}
	if (mem_write(mem, LINUX_CMDLINE, cmdline, len)) {
		*why = "guest RAM too small for the command line";
		return -E2BIG;
	}
	bp->hdr.cmd_line_ptr = (uint32_t)LINUX_CMDLINE;
	if (!have_header)
		bp->hdr.cmdline_size = max - 1;
	return 0;
}

int linux_load(const struct guest_mem *mem, struct image kernel, struct image initrd,
	       const char *cmdline, const struct boot_e820_entry *e820, unsigned nr,
	       struct linux_boot *out, const char **why)
{
	struct boot_params bp;
	struct loaded k;
	uint64_t initrd_addr;
	int err;

	memset(&bp, 0, sizeof(bp));
	if (nr > E820_MAX_ENTRIES_ZEROPAGE)
		FAIL("too many e820 entries");
	if (kernel.size >= SELFMAG && !memcmp(kernel.data, ELFMAG, SELFMAG))
		err = load_elf(mem, kernel, &k, why);
	else if (kernel.size >= 0x206 && !memcmp(kernel.data + 0x202, "HdrS", 4))
		err = load_bzimage(mem, kernel, &bp, &k, why);
	else
		FAIL("kernel is neither an ELF vmlinux nor a bzImage");
	if (err)
		return err;
	if (!k.have_header) {
		bp.hdr.boot_flag = BOOT_FLAG;
		bp.hdr.header = HDRS_MAGIC;
		bp.hdr.kernel_alignment = 0x1000000;
	}
	bp.hdr.type_of_loader = LOADER_UNDEFINED;
	err = place_initrd(mem, initrd, &bp, &k, &initrd_addr, why);
	if (!err)
		err = write_cmdline(mem, cmdline, &bp, k.have_header, why);
	if (err)
		return err;
	memcpy(bp.e820_table, e820, nr * sizeof(*e820));
	bp.e820_entries = (uint8_t)nr;
	if (mem_write(mem, LINUX_ZERO_PAGE, &bp, sizeof(bp)))
		FAIL("guest RAM too small for the zero page");
	*out = (struct linux_boot){ .entry = k.entry, .zero_page = LINUX_ZERO_PAGE,
				    .initrd_addr = initrd_addr, .kernel_end = k.end };
	return 0;
}
