/*
 * firmware.h: raw firmware images (-bios), placed as QEMU places them:
 * the whole image at [4 GiB - size, 4 GiB), its last min(size, 128 KiB)
 * aliased below 1 MiB (mem.h builds that mapping), both writable RAM.  The
 * vCPU starts at the reset vector F000:FFF0.  Src: microvm-spec 1.5.
 */
#ifndef MVM_BOOT_FIRMWARE_H
#define MVM_BOOT_FIRMWARE_H

#include "boot/linux.h"
#include "core/mem.h"

/* 0 if (size) is a valid firmware size (> 0, multiple of 64 KiB, <= 16 MiB). */
int firmware_check_size(size_t size, const char **why);

/* Copy (img) into the firmware mapping of (mem), sized by mem_init(). */
int firmware_load(const struct guest_mem *mem, struct image img) __attribute__((warn_unused_result));

#endif
