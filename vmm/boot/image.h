/*
 * image.h: the files a VM boots from (kernel, initrd, firmware, option
 * ROMs), read once at start-up into sealed anonymous memory that mvm owns.
 * Every (re)boot copies from that copy, as QEMU's ROM blobs do: a file
 * replaced, deleted or truncated on disk while the VM runs changes nothing,
 * and no file is opened again once the sandbox is on.  The copy lives in a
 * memfd that is mapped only while a loader reads it, so it does not stay in
 * mvm's resident set.
 */
#ifndef MVM_BOOT_IMAGE_H
#define MVM_BOOT_IMAGE_H

#include "boot/linux.h"

struct boot_image {
	int fd;	     /* sealed memfd, -1 when none */
	size_t size;
};

/* Read (path), a regular file, whole; 0 or -errno (-EIO if the file
 * shrank while being read). */
int boot_image_read(const char *path, struct boot_image *b) __attribute__((warn_unused_result));

/* A read-only view of (b) for a loader; an empty image maps to {NULL, 0}.
 * 0 or -errno. */
int boot_image_map(const struct boot_image *b, struct image *view)
	__attribute__((warn_unused_result));
void boot_image_unmap(struct image *view);

void boot_image_free(struct boot_image *b);

#endif
