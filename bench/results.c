/* results.c: runs.csv rows, summary.csv statistics (see results.h). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
};

static const char *const id_name[ID_COUNT] = {
	"host", "git_rev", "kernel_sha256", "initrd_sha256", "firmware_sha256", "started_at",
};

static const char *const axis_column[AX_COUNT] = {
	"vmm", "firmware", "kernel", "pit", "pic", "rtc", "isa_serial", "x_option_roms", "append",
};

#define NCOLUMNS (AX_COUNT + 3 + M_COUNT + ID_COUNT + 1)

const char *results_header(void)
{
	static char header[2048];
	size_t off = 0;

	if (header[0])
		return header;
	for (int i = 0; i < AX_COUNT; i++)
		off += (size_t)snprintf(header + off, sizeof(header) - off, "%s,", axis_column[i]);
	off += (size_t)snprintf(header + off, sizeof(header) - off, "rep,status,note");
	for (int i = 0; i < M_COUNT; i++)
		off += (size_t)snprintf(header + off, sizeof(header) - off, ",%s", metric_name[i]);
	for (int i = 0; i < ID_COUNT; i++)
		off += (size_t)snprintf(header + off, sizeof(header) - off, ",%s", id_name[i]);
	snprintf(header + off, sizeof(header) - off, ",flag");
	return header;
}

/* Append one CSV field, quoted when it needs to be. */
static void put_field(char **p, char *end, const char *s, int first)
{
	int quote = s && strpbrk(s, ",\"\n") != NULL;

	if (!first && *p < end)
		*(*p)++ = ',';
	if (quote && *p < end)
		*(*p)++ = '"';
	for (; s && *s && *p < end; s++) {
		if (*s == '"' && *p + 1 < end)
			*(*p)++ = '"';
		*(*p)++ = *s == '\n' ? ' ' : *s;
	}
	if (quote && *p < end)
		*(*p)++ = '"';
}

static void put_number(char **p, char *end, double v)
{
	char num[48] = "";

	if (!isnan(v))
		snprintf(num, sizeof(num), v == floor(v) && fabs(v) < 1e15 ? "%.0f" : "%.3f", v);
	put_field(p, end, num, 0);
}

static size_t format_row(const struct row *r, char *buf, size_t size)
{
	char *p = buf, *end = buf + size - 2, rep[16];

	for (int i = 0; i < AX_COUNT; i++)
		put_field(&p, end, r->v[i], i == 0);
	snprintf(rep, sizeof(rep), "%u", r->rep);
	put_field(&p, end, rep, 0);
	put_field(&p, end, r->status, 0);
	put_field(&p, end, r->note, 0);
	for (int i = 0; i < M_COUNT; i++)
		put_number(&p, end, r->m[i]);
	for (int i = 0; i < ID_COUNT; i++)
		put_field(&p, end, r->id[i], 0);
	put_field(&p, end, r->flag, 0);
	*p++ = '\n';
	return (size_t)(p - buf);
}

int results_append(const char *path, const struct row *r)
{
	char line[8192];
	size_t len = format_row(r, line, sizeof(line));
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644), err = 0;
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) == 0 && st.st_size == 0) {
		const char *h = results_header();

		if (write(fd, h, strlen(h)) < 0 || write(fd, "\n", 1) < 0)
			err = -errno;
	}
	/* One write per row: a crash or signal leaves whole rows only. */
	if (!err && write(fd, line, len) != (ssize_t)len)
		err = errno ? -errno : -EIO;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

/* Split one CSV line (quotes honoured) into at most (max) fields. */
static int split_csv(char *line, char **field, int max)
{
	int n = 0;
	char *w = line, *r = line;

	while (n < max) {
		int quoted = *r == '"';

		field[n++] = w;
		r += quoted;
		for (;;) {
			if (!*r || *r == '\n' || (!quoted && *r == ',') ||
			    (quoted && *r == '"' && r[1] != '"'))
				break;
			if (quoted && *r == '"')
				r++;
			*w++ = *r++;
		}
		if (quoted && *r == '"')
			r++;
		if (*r != ',') {
			*w = 0;
			return *r && *r != '\n' ? -1 : n;
		}
		*w++ = 0;
		r++;
	}
	return -1;
}

/* One runs.csv line into the row (row); 0 or -EINVAL. */
static int parse_row(char *line, void *row)
{
	struct row *r = row;
	char *f[NCOLUMNS + 1], *end;
	int n = split_csv(line, f, NCOLUMNS + 1), k = 0;

	memset(r, 0, sizeof(*r));
	if (n != NCOLUMNS)
		return -EINVAL;
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
	r->flag = *f[k] ? strdup(f[k]) : NULL;
	return 0;
}

int results_read(const char *path, struct row **rows, size_t *n, size_t *bad)
{
	FILE *f = fopen(path, "r");
	void *table;
	int err;

	*rows = NULL;
	*n = *bad = 0;
	if (!f)
		return -errno;
	err = csv_read_rows(f, results_header(), sizeof(**rows), parse_row, &table, n, bad);
	*rows = table;
	fclose(f);
	if (err) {
		results_free(*rows, *n);
		*rows = NULL;
		*n = 0;
	}
	return err;
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
	fprintf(f, "runs,ok,metric,n,median,p10,p90,mad,ci95_low,ci95_high,note\n");
}

static void summary_config(FILE *f, const struct row *first)
{
	char buf[2048], *p = buf;

	for (int i = 0; i < AX_COUNT; i++)
		put_field(&p, buf + sizeof(buf) - 1, first->v[i], i == 0);
	*p = 0;
	fprintf(f, "%s,", buf);
}

/* The statistics of metric (m) over the ok rows of one configuration. */
static void summary_metric(FILE *f, const struct row *first, size_t runs, size_t ok, int m,
			   double *x, size_t n)
{
	double lo, hi;

	stats_median(x, n); /* sorts x */
	stats_median_ci95(x, n, &lo, &hi);
	summary_config(f, first);
	fprintf(f, "%zu,%zu,%s,%zu,%.3f,%.3f,%.3f,%.3f,", runs, ok, metric_name[m], n,
		stats_median(x, n), stats_quantile(x, n, 0.1), stats_quantile(x, n, 0.9),
		stats_mad(x, n));
	if (isnan(lo))
		fprintf(f, ",,\n");
	else
		fprintf(f, "%.3f,%.3f,\n", lo, hi);
}

static void summary_group(FILE *f, const struct row *rows, size_t n, size_t g, bool *done)
{
	size_t runs = 0, ok = 0, k;
	double *x = malloc(n * sizeof(*x));
	const char *note = "";

	for (size_t i = g; i < n; i++) {
		if (!results_same_config(&rows[g], &rows[i]))
			continue;
		done[i] = true;
		runs += strcmp(rows[i].status, "skipped") != 0;
		ok += !strcmp(rows[i].status, "ok");
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
			summary_metric(f, &rows[g], runs, ok, m, x, k);
	}
	if (!ok) {
		char buf[1024], *p = buf;

		summary_config(f, &rows[g]);
		put_field(&p, buf + sizeof(buf) - 1, note, 1);
		*p = 0;
		fprintf(f, "%zu,0,,0,,,,,,,%s\n", runs, buf);
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
