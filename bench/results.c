/* results.c: runs.csv rows, summary.csv statistics (see results.h). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "results.h"
#include "stats.h"
#include "trace.h"

const char *const metric_name[M_COUNT] = {
	"vmm_ms", "firmware_ms", "kernel_ms", "user_ms",
	"start_kernel_ms", "first_console_ms", "init_ms", "total_ms",
	"exits", "exits_io", "exits_mmio", "exits_other",
	"fwcfg_reads", "fwcfg_bytes",
	"user_cpu_ms", "sys_cpu_ms",
	"peak_rss_kib", "rss_kib", "pss_kib",
	"minor_faults", "major_faults", "binary_bytes",
	"rss_samples",
};

static const char *const id_name[ID_COUNT] = {
	"host", "git_rev", "kernel_sha256", "initrd_sha256", "firmware_sha256", "started_at",
};

static const char *const axis_column[AX_COUNT] = {
	"vmm", "firmware", "kernel", "pit", "pic", "rtc", "isa_serial", "x_option_roms", "append",
};

#define NCOLUMNS (AX_COUNT + 3 + M_COUNT + ID_COUNT + 1)

/* The name of column (k) of runs.csv, in the order results_header() has them. */
static const char *column_name(int k)
{
	if (k < AX_COUNT)
		return axis_column[k];
	k -= AX_COUNT;
	if (k < 3)
		return (const char *[]){ "rep", "status", "note" }[k];
	k -= 3;
	if (k < M_COUNT)
		return metric_name[k];
	k -= M_COUNT;
	return k < ID_COUNT ? id_name[k] : "flag";
}

/* Columns a runs.csv may lack (read as empty): all but the configuration
 * (whose append column came later), the repetition and the status, so that
 * files from before a column existed stay readable. */
static bool column_optional(int k)
{
	return k == AX_APPEND || k > AX_COUNT + 1;
}

const char *results_header(void)
{
	static char header[2048];
	size_t off = 0;

	if (header[0])
		return header;
	for (int k = 0; k < NCOLUMNS; k++)
		off += (size_t)snprintf(header + off, sizeof(header) - off, "%s%s", k ? "," : "",
					column_name(k));
	return header;
}

/* One CSV field, quoted when it holds a separator, a quote or a line end
 * (kept as they are: the reader takes quoted line ends back). */
static void put_field(FILE *f, const char *s, bool first)
{
	bool quote = s && strpbrk(s, ",\"\n\r") != NULL;

	if (!first)
		fputc(',', f);
	if (quote)
		fputc('"', f);
	for (; s && *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	if (quote)
		fputc('"', f);
}

static void put_number(FILE *f, double v)
{
	char num[48] = "";

	if (!isnan(v))
		snprintf(num, sizeof(num), v == floor(v) && fabs(v) < 1e15 ? "%.0f" : "%.3f", v);
	put_field(f, num, false);
}

static void format_row(FILE *f, const struct row *r)
{
	char rep[16];

	for (int i = 0; i < AX_COUNT; i++)
		put_field(f, r->v[i], i == 0);
	snprintf(rep, sizeof(rep), "%u", r->rep);
	put_field(f, rep, false);
	put_field(f, r->status, false);
	put_field(f, r->note, false);
	for (int i = 0; i < M_COUNT; i++)
		put_number(f, r->m[i]);
	for (int i = 0; i < ID_COUNT; i++)
		put_field(f, r->id[i], false);
	put_field(f, r->flag, false);
	fputc('\n', f);
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Does the file end with a whole line (or is it empty)? */
static bool ends_whole(int fd, off_t size)
{
	char last = '\n';

	return size == 0 || (pread(fd, &last, 1, size - 1) == 1 && last == '\n');
}

int results_append(const char *path, const struct row *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	int fd, err = 0;
	struct stat st;

	if (!mem)
		return -ENOMEM;
	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
		fclose(mem);
		free(buf);
		return err;
	}
	/* The lock makes "empty, so write the header" and the row one step
	 * for every appender (two runs into one directory, merge). */
	if (flock(fd, LOCK_EX) || fstat(fd, &st))
		err = -errno;
	else if (!ends_whole(fd, st.st_size))
		err = -EILSEQ; /* a torn last line: results_repair() first */
	if (!err && st.st_size == 0)
		fprintf(mem, "%s\n", results_header());
	format_row(mem, r);
	if (fclose(mem))
		err = err ? err : -ENOMEM;
	/* One write per row: a crash or signal leaves whole rows only (and
	 * a torn one only when the write itself is cut, which the reader
	 * and results_repair() recognise). */
	if (!err)
		err = write_all(fd, buf, len);
	free(buf);
	if (close(fd) && !err)
		err = -errno;
	return err;
}

/* ---- reading ---- */

struct csv {
	char *buf;   /* the whole file, NUL-terminated; fields are unquoted in place */
	size_t len, pos;
	size_t line; /* physical line of the next record */
};

/*
 * The next record's fields into (field) (at most (max) kept, all counted).
 * The count; 0 at the end of the file; -1 when the file ends inside the
 * record or before its line end: a torn record, as a killed writer leaves.
 */
static int next_record(struct csv *c, char **field, int max)
{
	char *w = c->buf + c->pos;
	int n = 0;

	if (c->pos >= c->len)
		return 0;
	for (;;) {
		bool quoted = c->buf[c->pos] == '"';

		if (n < max)
			field[n] = w;
		n++;
		c->pos += quoted;
		for (;;) {
			char ch = c->pos < c->len ? c->buf[c->pos] : 0;

			if (c->pos >= c->len)
				return -1;
			if (quoted && ch == '"' && c->buf[c->pos + 1] == '"') {
				*w++ = '"';
				c->pos += 2;
				continue;
			}
			if (quoted && ch == '"') {
				quoted = false;
				c->pos++;
				continue;
			}
			if (!quoted && (ch == ',' || ch == '\n'))
				break;
			c->line += ch == '\n';
			*w++ = ch;
			c->pos++;
		}
		if (c->buf[c->pos++] == '\n') {
			*w = 0;
			c->line++;
			return n;
		}
		*w++ = 0;
	}
}

static int slurp(const char *path, struct csv *c)
{
	FILE *f = fopen(path, "r");
	size_t cap = 0;
	int err = 0;

	memset(c, 0, sizeof(*c));
	c->line = 1;
	if (!f)
		return -errno;
	for (;;) {
		size_t got;

		if (c->len + 4096 + 2 > cap) {
			char *bigger = realloc(c->buf, cap = 2 * cap + 8192);

			if (!bigger) {
				err = -ENOMEM;
				break;
			}
			c->buf = bigger;
		}
		got = fread(c->buf + c->len, 1, cap - c->len - 2, f);
		c->len += got;
		if (got == 0) {
			err = ferror(f) ? -EIO : 0;
			break;
		}
	}
	fclose(f);
	if (c->buf)
		c->buf[c->len] = c->buf[c->len + 1] = 0; /* room for the look-ahead past a quote */
	return err;
}

/* Where each known column is in this file's header: pos[k], or -1. */
static int map_header(char **field, int nf, int *pos)
{
	for (int k = 0; k < NCOLUMNS; k++) {
		pos[k] = -1;
		for (int i = 0; i < nf && i < NCOLUMNS * 2; i++)
			if (!strcmp(field[i], column_name(k)))
				pos[k] = i;
		if (pos[k] < 0 && !column_optional(k))
			return -EINVAL;
	}
	return 0;
}

static char *dup_or_null(const char *s)
{
	return *s ? strdup(s) : NULL;
}

/* One record into (r) through the header's map; 0 or -EINVAL. */
static int fill_row(struct row *r, char **field, const int *pos)
{
	const char *f[NCOLUMNS];
	char *end;
	int k = 0;

	for (int i = 0; i < NCOLUMNS; i++)
		f[i] = pos[i] >= 0 ? field[pos[i]] : "";
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < AX_COUNT; i++)
		r->v[i] = strdup(f[k++]);
	r->rep = (unsigned)strtoul(f[k++], NULL, 10);
	snprintf(r->status, sizeof(r->status), "%s", f[k++]);
	r->note = strdup(f[k++]);
	for (int i = 0; i < M_COUNT; i++, k++) {
		r->m[i] = *f[k] ? strtod(f[k], &end) : NAN;
		if (*f[k] && *end)
			return -EINVAL;
	}
	for (int i = 0; i < ID_COUNT; i++)
		r->id[i] = strdup(f[k++]);
	r->flag = dup_or_null(f[k]);
	return 0;
}

/*
 * Parse a whole runs.csv in (c).  0 (a torn last record left out: its line
 * in *torn_line, else 0; the end of the whole records in *whole_len), or
 * -EINVAL with the damaged line in *bad, or -ENOMEM.
 */
static int parse_all(struct csv *c, struct row **rows, size_t *n, size_t *bad,
		     size_t *torn_line, size_t *whole_len)
{
	enum { MAXF = NCOLUMNS * 2 };
	char *field[MAXF];
	int pos[NCOLUMNS], nf, header_fields;
	size_t cap = 0, line;

	*rows = NULL;
	*n = *bad = *torn_line = *whole_len = 0;
	header_fields = next_record(c, field, MAXF);
	if (header_fields < 0 && c->len) {
		*torn_line = 1; /* even the header is incomplete */
		return 0;
	}
	if (header_fields <= 0 || header_fields > MAXF || map_header(field, header_fields, pos))
		return (*bad = 1), -EINVAL;
	*whole_len = c->pos;
	for (;;) {
		line = c->line;
		nf = next_record(c, field, MAXF);
		if (nf == 0)
			return 0;
		if (nf < 0) {
			*torn_line = line;
			return 0;
		}
		if (*n == cap) {
			struct row *bigger = realloc(*rows, (cap = cap ? 2 * cap : 64) * sizeof(**rows));

			if (!bigger)
				return -ENOMEM;
			*rows = bigger;
		}
		/* Counted even when it fails: the caller frees what it filled in. */
		(*n)++;
		if (nf != header_fields) {
			memset(&(*rows)[*n - 1], 0, sizeof(**rows));
			return (*bad = line), -EINVAL;
		}
		if (fill_row(&(*rows)[*n - 1], field, pos))
			return (*bad = line), -EINVAL;
		*whole_len = c->pos;
	}
}

int results_read_torn(const char *path, struct row **rows, size_t *n, size_t *bad,
		      size_t *torn_line)
{
	struct csv c;
	size_t whole;
	int err = slurp(path, &c);

	*rows = NULL;
	*n = *bad = *torn_line = 0;
	if (!err)
		err = parse_all(&c, rows, n, bad, torn_line, &whole);
	free(c.buf);
	if (err) {
		results_free(*rows, *n);
		*rows = NULL;
		*n = 0;
	}
	return err;
}

int results_read(const char *path, struct row **rows, size_t *n, size_t *bad)
{
	size_t torn;

	return results_read_torn(path, rows, n, bad, &torn);
}

long long results_repair(const char *path)
{
	struct row *rows = NULL;
	struct csv c;
	size_t n = 0, bad, torn, whole = 0;
	long long cut = 0;
	int fd = open(path, O_RDWR | O_CLOEXEC), err;

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	/* Under the appenders' lock, so that no row lands while we cut. */
	err = flock(fd, LOCK_EX) ? -errno : slurp(path, &c);
	if (!err) {
		err = parse_all(&c, &rows, &n, &bad, &torn, &whole);
		if (!err && torn) {
			cut = (long long)(c.len - whole);
			err = ftruncate(fd, (off_t)whole) ? -errno : 0;
		}
		free(c.buf);
	}
	results_free(rows, n);
	close(fd);
	return err ? err : cut;
}

void results_free(struct row *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++) {
		for (int k = 0; k < AX_COUNT; k++)
			free(rows[i].v[k]);
		for (int k = 0; k < ID_COUNT; k++)
			free(rows[i].id[k]);
		free(rows[i].note);
		free(rows[i].flag);
	}
	free(rows);
}

bool results_same_config(const struct row *a, const struct row *b)
{
	for (int i = 0; i < AX_COUNT; i++)
		if (strcmp(a->v[i] ? a->v[i] : "", b->v[i] ? b->v[i] : ""))
			return false;
	return true;
}

/* ---- summary.csv ---- */

static void summary_header(FILE *f)
{
	for (int i = 0; i < AX_COUNT; i++)
		fprintf(f, "%s,", axis_column[i]);
	fprintf(f, "runs,ok,flagged,metric,n,median,p10,p90,mad,ci95_low,ci95_high,ci_coverage,note\n");
}

/* The boots of one configuration: run (not skipped), ok, and flagged as
 * disturbed by the host (ok or not). */
struct counts {
	size_t runs, ok, flagged;
};

static void summary_config(FILE *f, const struct row *first, const struct counts *c)
{
	for (int i = 0; i < AX_COUNT; i++)
		put_field(f, first->v[i], i == 0);
	fprintf(f, ",%zu,%zu,%zu,", c->runs, c->ok, c->flagged);
}

/* The statistics of metric (m) over the ok rows of one configuration. */
static void summary_metric(FILE *f, const struct row *first, const struct counts *c, int m,
			   double *x, size_t n)
{
	double lo, hi, coverage;

	stats_median(x, n); /* sorts x */
	coverage = stats_median_ci95(x, n, &lo, &hi);
	summary_config(f, first, c);
	fprintf(f, "%s,%zu,%.3f,%.3f,%.3f,%.3f,", metric_name[m], n,
		stats_median(x, n), stats_quantile(x, n, 0.1), stats_quantile(x, n, 0.9),
		stats_mad(x, n));
	/* The interval's coverage as achieved: below 0.95 for n <= 5. */
	if (isnan(lo))
		fprintf(f, ",,,\n");
	else
		fprintf(f, "%.3f,%.3f,%.4f,\n", lo, hi, coverage);
}

static void summary_group(FILE *f, const struct row *rows, size_t n, size_t g, bool *done)
{
	struct counts c = { 0 };
	size_t k;
	double *x = malloc(n * sizeof(*x));
	const char *note = "";

	for (size_t i = g; i < n; i++) {
		if (!results_same_config(&rows[g], &rows[i]))
			continue;
		done[i] = true;
		c.runs += strcmp(rows[i].status, "skipped") != 0;
		c.ok += !strcmp(rows[i].status, "ok");
		c.flagged += rows[i].flag && *rows[i].flag;
		if (strcmp(rows[i].status, "ok") && rows[i].note && *rows[i].note)
			note = rows[i].note;
	}
	for (int m = 0; x && m < M_COUNT; m++) {
		k = 0;
		for (size_t i = g; i < n; i++)
			if (results_same_config(&rows[g], &rows[i]) && !strcmp(rows[i].status, "ok") &&
			    !isnan(rows[i].m[m]))
				x[k++] = rows[i].m[m];
		if (k)
			summary_metric(f, &rows[g], &c, m, x, k);
	}
	if (!c.ok) {
		summary_config(f, &rows[g], &c);
		fprintf(f, ",0,,,,,,,");
		put_field(f, note, false);
		fputc('\n', f);
	}
	free(x);
}

struct summary_input {
	const struct row *rows;
	size_t n;
};

static int fill_summary(FILE *f, void *ctx)
{
	const struct summary_input *in = ctx;
	bool *done = calloc(in->n + 1, sizeof(*done));

	if (!done)
		return -ENOMEM;
	summary_header(f);
	for (size_t g = 0; g < in->n; g++)
		if (!done[g])
			summary_group(f, in->rows, in->n, g, done);
	free(done);
	return 0;
}

int results_write_summary(const char *path, const struct row *rows, size_t n)
{
	struct summary_input in = { rows, n };

	return file_write_atomic(path, fill_summary, &in);
}
