/* test_image.c: boot files are copied once; the disk can change after. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot/image.h"
#include "check.h"

static char dir[] = "/tmp/test_image.XXXXXX";

static const char *write_file(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_copy_survives_rewrite_truncate_and_delete(void)
{
	const char *path = write_file("k", "kernel image v1");
	struct boot_image b;
	struct image v;

	CHECK_EQ(boot_image_read(path, &b), 0);
	CHECK_EQ(b.size, 15);
	write_file("k", "v2");		/* rewritten, shorter: a mapped file would SIGBUS */
	CHECK_EQ(truncate(path, 0), 0);
	CHECK_EQ(unlink(path), 0);
	CHECK_EQ(boot_image_map(&b, &v), 0);
	CHECK(v.data && v.size == 15 && !memcmp(v.data, "kernel image v1", 15));
	boot_image_unmap(&v);
	CHECK_EQ(boot_image_map(&b, &v), 0); /* every reboot maps it again */
	CHECK(v.data && !memcmp(v.data, "kernel image v1", 15));
	boot_image_unmap(&v);
	boot_image_free(&b);
	CHECK_EQ(b.fd, -1);
}

static void test_copy_is_sealed(void)
{
	const char *path = write_file("s", "abc");
	struct boot_image b;

	CHECK_EQ(boot_image_read(path, &b), 0);
	CHECK(write(b.fd, "x", 1) < 0);
	CHECK(ftruncate(b.fd, 0) < 0);
	boot_image_free(&b);
}

static void test_empty_file_maps_to_nothing(void)
{
	struct boot_image b;
	struct image v = { (const uint8_t *)"x", 1 };

	CHECK_EQ(boot_image_read(write_file("e", ""), &b), 0);
	CHECK_EQ(boot_image_map(&b, &v), 0);
	CHECK(v.data == NULL && v.size == 0);
	boot_image_free(&b);
}

static void test_bad_paths_are_errors(void)
{
	struct boot_image b;

	CHECK_EQ(boot_image_read("/nonexistent/k", &b), -ENOENT);
	CHECK_EQ(b.fd, -1);
	CHECK_EQ(boot_image_read(dir, &b), -EISDIR);
	CHECK_EQ(boot_image_read("/dev/null", &b), -EINVAL); /* not a regular file */
	CHECK_EQ(b.fd, -1);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	RUN(test_copy_survives_rewrite_truncate_and_delete);
	RUN(test_copy_is_sealed);
	RUN(test_empty_file_maps_to_nothing);
	RUN(test_bad_paths_are_errors);
	unlink(write_file("s", ""));
	unlink(write_file("e", ""));
	rmdir(dir);
	return check_summary("image");
}
