/* image.c: map boot files read-only. */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"

int image_open(const char *path, struct image *img)
{
	struct stat st;
	void *p = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*img = (struct image){ 0 };
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	}
	if (st.st_size > 0) {
		p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			close(fd);
			return -errno;
		}
	}
	close(fd);
	*img = (struct image){ p, (size_t)st.st_size };
	return 0;
}

void image_close(struct image *img)
{
	if (img->data)
		munmap((void *)img->data, img->size);
	*img = (struct image){ 0 };
}
