/* image.c: boot files copied once into sealed memfds (see image.h). */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot/image.h"

#define SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)

/* Copy (size) bytes of (src) into (dst) inside the kernel: no user-space
 * buffer, and nothing of the file stays mapped in mvm. */
static int copy_all(int dst, int src, size_t size)
{
	while (size) {
		ssize_t n = sendfile(dst, src, NULL, size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* the file shrank under us */
		size -= (size_t)n;
	}
	return 0;
}

static int read_into(int src, struct boot_image *b)
{
	struct stat st;
	int err;

	if (fstat(src, &st))
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	b->fd = memfd_create("mvm-boot-image", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (b->fd < 0)
		return -errno;
	b->size = (size_t)st.st_size;
	err = copy_all(b->fd, src, b->size);
	if (!err && fcntl(b->fd, F_ADD_SEALS, SEALS))
		err = -errno;
	return err;
}

int boot_image_read(const char *path, struct boot_image *b)
{
	int src = open(path, O_RDONLY | O_CLOEXEC), err;

	*b = (struct boot_image){ .fd = -1 };
	if (src < 0)
		return -errno;
	err = read_into(src, b);
	close(src);
	if (err)
		boot_image_free(b);
	return err;
}

int boot_image_map(const struct boot_image *b, struct image *view)
{
	void *p;

	*view = (struct image){ 0 };
	if (b->fd < 0 || !b->size)
		return 0;
	p = mmap(NULL, b->size, PROT_READ, MAP_SHARED, b->fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	*view = (struct image){ p, b->size };
	return 0;
}

void boot_image_unmap(struct image *view)
{
	if (view->data)
		munmap((void *)view->data, view->size);
	*view = (struct image){ 0 };
}

void boot_image_free(struct boot_image *b)
{
	if (b->fd >= 0)
		close(b->fd);
	*b = (struct boot_image){ .fd = -1 };
}
