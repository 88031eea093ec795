/* firmware.c: firmware image checks and (re)loading. */
#include <errno.h>
#include <string.h>

#include "boot/firmware.h"

int firmware_check_size(size_t size, const char **why)
{
	if (size == 0 || size % 0x10000) {
		*why = "firmware size must be a non-zero multiple of 64 KiB";
		return -EINVAL;
	}
	if (size > 16 * MEM_1M) {
		*why = "firmware larger than 16 MiB";
		return -EINVAL;
	}
	return 0;
}

int firmware_load(const struct guest_mem *mem, struct image img)
{
	if (!mem->fw || img.size != mem->fw_size)
		return -EINVAL;
	/* Reset re-copies the image: the guest may have written to it. */
	memcpy(mem->fw, img.data, img.size);
	return 0;
}
