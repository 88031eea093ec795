/*
 * outfile.h: files mvm writes at exit (the --trace files), opened before
 * the sandbox.  Once the sandbox is on, mvm may not open, rename or unlink
 * anything, so each regular file is written as a temporary next to its
 * path, and a small committer process forked before the sandbox renames the
 * temporaries into place when told to, or removes them when mvm fails or
 * dies: readers see the old file or the whole new one, never half of one.
 * A path that exists and is not a regular file (a FIFO, /dev/null) is
 * opened and written in place.
 */
#ifndef MVM_OUTFILE_H
#define MVM_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#define OUTFILES_MAX 2

struct outfiles {
	unsigned n;
	struct {
		char *path;
		char *tmp; /* NULL: written in place */
		int fd;
	} f[OUTFILES_MAX];
	int commit_fd; /* write end of the pipe to the committer, -1 if none */
	pid_t committer;
};

/* Open (paths); on failure (index of the path at fault in *bad) nothing is
 * left behind.  0 or -errno. */
int outfiles_open(struct outfiles *o, const char *const *paths, unsigned n, unsigned *bad)
	__attribute__((warn_unused_result));

/* A stream on file (i); the caller fcloses it (once). */
FILE *outfiles_stream(struct outfiles *o, unsigned i);

/* (keep): put every file in place; else remove the temporaries.  Waits for
 * the committer.  0 or -errno. */
int outfiles_finish(struct outfiles *o, bool keep);

#endif
