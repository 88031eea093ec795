/*
 * results.h: mvm-bench's per-boot rows (runs.csv), per-configuration
 * statistics (summary.csv) and run description (meta.json).
 *
 * runs.csv has one row per boot: the configuration (one column per axis),
 * the repetition, the status and a note, every metric (units in the column
 * names; empty when unknown), where the numbers came from (host, git
 * revision, file hashes, start time), and why the host disturbed the boot
 * (flag, empty when it did not).  Fields holding a comma, quote or line end
 * are quoted (RFC 4180), rows have no length limit, and each is appended
 * with one write under a lock, so an interrupted run leaves whole rows and
 * at most one torn last row, which readers leave out and resume cuts off.
 */
#ifndef MVM_BENCH_RESULTS_H
#define MVM_BENCH_RESULTS_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>

#include "matrix.h"

enum metric {
	M_VMM_MS, M_FIRMWARE_MS, M_KERNEL_MS, M_USER_MS,
	M_START_KERNEL_MS, M_FIRST_CONSOLE_MS, M_INIT_MS, M_TOTAL_MS,
	M_EXITS, M_EXITS_IO, M_EXITS_MMIO, M_EXITS_OTHER,
	M_FWCFG_READS, M_FWCFG_BYTES,
	M_USER_CPU_MS, M_SYS_CPU_MS,
	M_PEAK_RSS_KIB, M_RSS_KIB, M_PSS_KIB,
	M_MINOR_FAULTS, M_MAJOR_FAULTS, M_BINARY_BYTES,
	M_RSS_SAMPLES, /* footprint samples (every 100 ms from exec) rss_kib and pss_kib are the mean of */
	M_COUNT
};

extern const char *const metric_name[M_COUNT];

enum { ID_HOST, ID_GIT_REV, ID_KERNEL_SHA256, ID_INITRD_SHA256, ID_FIRMWARE_SHA256, ID_STARTED_AT,
       ID_COUNT };

struct row {
	char *v[AX_COUNT]; /* configuration */
	unsigned rep;
	char status[16];   /* ok, noinit, timeout, crash, fail, skipped */
	char *note;
	double m[M_COUNT]; /* NAN when unknown */
	char *id[ID_COUNT];
	char *flag; /* why the host disturbed this boot ("nonvoluntary switches 412", "steal 3.2 %"), or NULL */
};

/* The runs.csv header line (no newline). */
const char *results_header(void);

/* Append (r) to (path) as one record (one write, under flock), creating the
 * file with its header in the same write.  -EILSEQ when the file ends in a
 * torn row (results_repair() first), else 0 or -errno. */
int results_append(const char *path, const struct row *r) __attribute__((warn_unused_result));

/* Read every row of a runs.csv, columns found by their names in its header
 * (only the configuration, rep and status must be there: a file from
 * before a column existed reads it as empty).  0, or
 * -errno / -EINVAL (line in *bad).  A torn last row (a writer killed
 * mid-write) is left out; results_read_torn() says where it was. */
int results_read(const char *path, struct row **rows, size_t *n, size_t *bad);

/* results_read(), and the line of a torn last row left out in *torn_line
 * (0 when the file ends with a whole row). */
int results_read_torn(const char *path, struct row **rows, size_t *n, size_t *bad,
		      size_t *torn_line);

/* Cut a torn last row off (path), under the appenders' lock: the bytes cut
 * (0 when the file was whole or absent), or -errno / -EINVAL (damaged
 * elsewhere, left alone). */
long long results_repair(const char *path);

void results_free(struct row *rows, size_t n);

/* Same configuration (all axes equal)? */
bool results_same_config(const struct row *a, const struct row *b);

/* Per configuration, for each metric: n, median, p10, p90, MAD and a 95 %
 * confidence interval of the median; written atomically to (path). */
int results_write_summary(const char *path, const struct row *rows, size_t n);

/* How a run ended, for meta.json. */
struct meta_outcome {
	const char *stopped_by; /* "precision", "budget", "rounds", "interrupted", "error" */
	unsigned rounds;	/* rounds complete */
	size_t boots;		/* boots this invocation ran, warm-ups included */
	size_t flagged;		/* of its recorded boots, flagged as disturbed by the host */
	double widest_pct;	/* the widest main-effect half-width on init, % of its median */
	double seconds;
};

/* Write (dir)/meta.json for matrix (m), atomically, with how the run ended
 * when (o) is not NULL (before the boots it is); 0 or -errno. */
int meta_write(const char *dir, const struct matrix_config *m, size_t ncells,
	       const struct meta_outcome *o);

#endif
