/* outfile.c: output files opened before the sandbox (see outfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host/outfile.h"

static int open_one(struct outfiles *o, const char *path)
{
	unsigned i = o->n;
	struct stat st;
	size_t len = strlen(path) + 16;

	o->f[i].path = strdup(path);
	o->f[i].fd = -1;
	if (!o->f[i].path)
		return -ENOMEM;
	o->n++;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		o->f[i].fd = open(path, O_WRONLY | O_CLOEXEC);
		return o->f[i].fd < 0 ? -errno : 0;
	}
	o->f[i].tmp = malloc(len);
	if (!o->f[i].tmp)
		return -ENOMEM;
	snprintf(o->f[i].tmp, len, "%s.tmpXXXXXX", path);
	o->f[i].fd = mkostemp(o->f[i].tmp, O_CLOEXEC);
	if (o->f[i].fd < 0) {
		free(o->f[i].tmp);
		o->f[i].tmp = NULL;
		return -errno;
	}
	return fchmod(o->f[i].fd, 0644) ? -errno : 0;
}

/* The committer: waits for one byte ('c': rename all) or end of file (mvm
 * failed or died: remove all); exits 0 when every rename succeeded. */
static void commit_or_remove(const struct outfiles *o, int from_mvm)
{
	char c = 0;
	int status = 0;

	/* Terminal signals go to mvm's whole process group: mvm decides. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	while (read(from_mvm, &c, 1) < 0 && errno == EINTR)
		;
	for (unsigned i = 0; i < o->n; i++) {
		if (!o->f[i].tmp)
			continue;
		if (c != 'c' || rename(o->f[i].tmp, o->f[i].path)) {
			status = c == 'c';
			unlink(o->f[i].tmp);
		}
	}
	_exit(status);
}

static int start_committer(struct outfiles *o)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	o->committer = fork();
	if (o->committer < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (o->committer == 0) {
		close(p[1]);
		commit_or_remove(o, p[0]);
	}
	close(p[0]);
	o->commit_fd = p[1];
	return 0;
}

static void close_all(struct outfiles *o)
{
	for (unsigned i = 0; i < o->n; i++) {
		if (o->f[i].fd >= 0)
			close(o->f[i].fd);
		free(o->f[i].path);
		free(o->f[i].tmp);
	}
	o->n = 0;
}

int outfiles_open(struct outfiles *o, const char *const *paths, unsigned n, unsigned *bad)
{
	int err = 0;

	memset(o, 0, sizeof(*o));
	o->commit_fd = -1;
	*bad = 0;
	for (unsigned i = 0; i < n && i < OUTFILES_MAX && !err; i++) {
		*bad = i;
		err = open_one(o, paths[i]);
	}
	if (!err)
		err = start_committer(o);
	if (err) {
		for (unsigned i = 0; i < o->n; i++)
			if (o->f[i].tmp && o->f[i].fd >= 0)
				unlink(o->f[i].tmp);
		close_all(o);
	}
	return err;
}

FILE *outfiles_stream(struct outfiles *o, unsigned i)
{
	FILE *f = i < o->n ? fdopen(o->f[i].fd, "w") : NULL;

	if (f)
		o->f[i].fd = -1; /* the stream owns it now */
	return f;
}

int outfiles_finish(struct outfiles *o, bool keep)
{
	int status = 0, err = 0;

	if (o->commit_fd < 0)
		return 0;
	if (keep && write(o->commit_fd, "c", 1) != 1)
		err = -errno;
	close(o->commit_fd);
	o->commit_fd = -1;
	while (waitpid(o->committer, &status, 0) < 0 && errno == EINTR)
		;
	if (!err && keep && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		err = -EIO;
	close_all(o);
	return err;
}
