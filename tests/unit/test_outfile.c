/* test_outfile.c: files opened before the sandbox, put in place at exit. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "host/outfile.h"

static char dir[] = "/tmp/test_outfile.XXXXXX";
static char a[256], b[256];

static int entries(void)
{
	DIR *d = opendir(dir);
	int n = 0;

	for (struct dirent *e; d && (e = readdir(d));)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static void slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, len - 1, f) : 0;

	buf[n] = 0;
	if (f)
		fclose(f);
}

static void put(struct outfiles *o, unsigned i, const char *text)
{
	FILE *f = outfiles_stream(o, i);

	fputs(text, f);
	fclose(f);
}

static void write_old(void)
{
	FILE *f = fopen(a, "w");

	fputs("old", f);
	fclose(f);
}

static void test_kept_files_replace_the_old_ones_whole(void)
{
	const char *paths[] = { a, b };
	struct outfiles o;
	unsigned bad;
	char buf[64];

	write_old();
	CHECK_EQ(outfiles_open(&o, paths, 2, &bad), 0);
	CHECK_EQ(entries(), 3); /* a, and two temporaries */
	slurp(a, buf, sizeof(buf));
	CHECK(!strcmp(buf, "old"));
	put(&o, 0, "new a");
	put(&o, 1, "new b");
	CHECK_EQ(outfiles_finish(&o, true), 0);
	slurp(a, buf, sizeof(buf));
	CHECK(!strcmp(buf, "new a"));
	slurp(b, buf, sizeof(buf));
	CHECK(!strcmp(buf, "new b"));
	CHECK_EQ(entries(), 2);
	unlink(a);
	unlink(b);
}

static void test_not_kept_leaves_the_old_file_and_no_temporary(void)
{
	const char *paths[] = { a };
	struct outfiles o;
	unsigned bad;
	char buf[64];

	write_old();
	CHECK_EQ(outfiles_open(&o, paths, 1, &bad), 0);
	put(&o, 0, "half");
	CHECK_EQ(outfiles_finish(&o, false), 0);
	slurp(a, buf, sizeof(buf));
	CHECK(!strcmp(buf, "old"));
	CHECK_EQ(entries(), 1);
	unlink(a);
}

/* mvm killed mid-write: the committer sees the pipe close and cleans up. */
static void test_a_dead_writer_leaves_no_temporary(void)
{
	const char *paths[] = { a };
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		struct outfiles o;
		unsigned bad;

		if (outfiles_open(&o, paths, 1, &bad))
			_exit(2);
		put(&o, 0, "half");
		_exit(0); /* no finish */
	}
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	for (int i = 0; i < 200 && entries(); i++)
		usleep(10000); /* the committer exits on its own, not our child */
	CHECK_EQ(entries(), 0);
}

static void test_unwritable_path_names_itself_and_leaves_nothing(void)
{
	const char *paths[] = { a, "/nonexistent/t.csv" };
	struct outfiles o;
	unsigned bad = 9;

	CHECK(outfiles_open(&o, paths, 2, &bad) < 0);
	CHECK_EQ(bad, 1);
	CHECK_EQ(entries(), 0);
}

static void test_device_is_written_in_place(void)
{
	const char *paths[] = { "/dev/null" };
	struct outfiles o;
	unsigned bad;

	CHECK_EQ(outfiles_open(&o, paths, 1, &bad), 0);
	CHECK(o.f[0].tmp == NULL);
	put(&o, 0, "into the void");
	CHECK_EQ(outfiles_finish(&o, true), 0);
	CHECK_EQ(access("/dev/null", W_OK), 0);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	snprintf(a, sizeof(a), "%s/t.json", dir);
	snprintf(b, sizeof(b), "%s/t.csv", dir);
	RUN(test_kept_files_replace_the_old_ones_whole);
	RUN(test_not_kept_leaves_the_old_file_and_no_temporary);
	RUN(test_a_dead_writer_leaves_no_temporary);
	RUN(test_unwritable_path_names_itself_and_leaves_nothing);
	RUN(test_device_is_written_in_place);
	rmdir(dir);
	return check_summary("outfile");
}
