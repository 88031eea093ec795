/*
 * image.h: read-only views of the files a VM boots from (kernel, initrd,
 * firmware).  The file is mapped, not copied: loaders copy what they need
 * into guest memory and the view is dropped, so nothing stays resident.
 */
#ifndef MVM_BOOT_IMAGE_H
#define MVM_BOOT_IMAGE_H

#include "linux.h"

/* Map (path); 0 or -errno.  An empty file maps to {NULL, 0}. */
int image_open(const char *path, struct image *img) __attribute__((warn_unused_result));
void image_close(struct image *img);

#endif
