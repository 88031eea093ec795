/* test_results.c: runs.csv rows (quoting, missing values, damage) and summary.csv. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "results.h"

static struct row make(const char *pit, unsigned rep, const char *status, double init_ms)
{
	static const char *const axes[AX_COUNT] = { "mvm", "direct", "build/guest", "on",
						    "on", "on", "on", "on", "" };
	struct row r = { .rep = rep, .note = (char *)"" };

	for (int i = 0; i < AX_COUNT; i++)
		r.v[i] = (char *)axes[i];
	r.v[AX_PIT] = (char *)pit;
	snprintf(r.status, sizeof(r.status), "%s", status);
	for (int i = 0; i < M_COUNT; i++)
		r.m[i] = NAN;
	r.m[M_INIT_MS] = init_ms;
	r.m[M_EXITS] = 14000;
	for (int i = 0; i < ID_COUNT; i++)
		r.id[i] = (char *)"x";
	return r;
}

static char *tmpfile_path(char *buf)
{
	int fd = mkstemp(buf);

	close(fd);
	unlink(buf); /* results_append creates it with its header */
	return buf;
}

static void test_results_round_trip_with_quotes_and_gaps(void)
{
	char path[] = "/tmp/mvm-runs-XXXXXX";
	struct row r = make("on", 2, "fail", NAN), *back;
	size_t n, bad;

	tmpfile_path(path);
	r.note = (char *)"exit 1: \"bad\", very";
	CHECK_EQ(results_append(path, &r), 0);
	r = make("off", 0, "ok", 17500.25);
	CHECK_EQ(results_append(path, &r), 0);
	CHECK_EQ(results_read(path, &back, &n, &bad), 0);
	CHECK_EQ(n, 2);
	CHECK(!strcmp(back[0].note, "exit 1: \"bad\", very"));
	CHECK(isnan(back[0].m[M_INIT_MS]));
	CHECK_EQ(back[0].rep, 2);
	CHECK(!strcmp(back[1].v[AX_PIT], "off"));
	CHECK(fabs(back[1].m[M_INIT_MS] - 17500.25) < 1e-9);
	CHECK(!results_same_config(&back[0], &back[1]));
	results_free(back, n);
	unlink(path);
}

static void test_results_damaged_row_is_reported(void)
{
	char path[] = "/tmp/mvm-runs-XXXXXX";
	struct row r = make("on", 0, "ok", 1), *back;
	size_t n, bad;
	FILE *f;

	tmpfile_path(path);
	CHECK_EQ(results_append(path, &r), 0);
	f = fopen(path, "a");
	fputs("mvm,direct,half a row\n", f);
	fclose(f);
	CHECK_EQ(results_read(path, &back, &n, &bad), (uint64_t)-22);
	CHECK_EQ(bad, 3);
	unlink(path);
}

static void test_results_summary_has_medians_and_skips(void)
{
	char runs[] = "/tmp/mvm-runs-XXXXXX", sum[64], line[1024];
	struct row rows[4] = { make("on", 0, "ok", 100), make("on", 1, "ok", 300),
			       make("on", 2, "ok", 200), make("off", 0, "skipped", NAN) };
	int found = 0, skipped = 0;
	FILE *f;

	tmpfile_path(runs);
	rows[1].flag = (char *)"steal 3.2 %";
	rows[3].note = (char *)"not possible";
	snprintf(sum, sizeof(sum), "%s.summary", runs);
	CHECK_EQ(results_write_summary(sum, rows, 4), 0);
	f = fopen(sum, "r");
	while (f && fgets(line, sizeof(line), f)) {
		found += strstr(line, ",3,3,1,init_ms,3,200.000,") != NULL;
		skipped += strstr(line, "not possible") != NULL;
	}
	if (f)
		fclose(f);
	CHECK_EQ(found, 1);
	CHECK_EQ(skipped, 1);
	unlink(sum);
}

static void test_results_quotes_line_ends_and_long_rows(void)
{
	char path[] = "/tmp/mvm-runs-XXXXXX", *note = malloc(20000);
	struct row r = make("on", 0, "fail", NAN), *back;
	size_t n, bad;

	tmpfile_path(path);
	memset(note, 'x', 19999);
	note[19999] = 0;
	memcpy(note, "a\r\nb,\"c\"\n", 10);
	r.note = note;
	r.v[AX_APPEND] = (char *)"quiet loglevel=3, \"x\"";
	r.flag = (char *)"nonvoluntary switches 412";
	CHECK_EQ(results_append(path, &r), 0);
	CHECK_EQ(results_append(path, &r), 0);
	CHECK_EQ(results_read(path, &back, &n, &bad), 0);
	CHECK_EQ(n, 2);
	CHECK(!strcmp(back[1].note, note)); /* 20 KB with \r, \n, comma and quotes, whole */
	CHECK(!strcmp(back[1].v[AX_APPEND], "quiet loglevel=3, \"x\""));
	CHECK(!strcmp(back[1].flag, "nonvoluntary switches 412"));
	results_free(back, n);
	unlink(path);
	free(note);
}

/* A runs.csv from before the append and flag columns: read, both empty. */
static void test_results_old_header_without_append_and_flag(void)
{
	char path[] = "/tmp/mvm-runs-XXXXXX", head[4096], *p, *q;
	struct row r = make("on", 0, "ok", 5), *back;
	size_t n, bad;
	FILE *f;

	tmpfile_path(path);
	snprintf(head, sizeof(head), "%s", results_header());
	p = strstr(head, ",append");
	memmove(p, p + 7, strlen(p + 7) + 1);
	q = strstr(head, ",flag");
	*q = 0;
	f = fopen(path, "w");
	fprintf(f, "%s\nmvm,direct,build/guest,on,on,on,on,on,0,ok,,", head);
	for (int i = 0; i < M_COUNT; i++)
		fprintf(f, "%s,", i == M_INIT_MS ? "5" : "");
	fprintf(f, "h,r,k,i,f,t\n");
	fclose(f);
	CHECK_EQ(results_read(path, &back, &n, &bad), 0);
	CHECK_EQ(n, 1);
	CHECK(!strcmp(back[0].v[AX_APPEND], ""));
	CHECK(back[0].flag == NULL);
	CHECK(results_same_config(&back[0], &r));
	CHECK_EQ(back[0].m[M_INIT_MS], 5);
	results_free(back, n);
	unlink(path);
}

static long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : (long)st.st_size;
}

/* A writer killed mid-row: readers leave the torn row out, appending
 * refuses to glue onto it, and repair cuts exactly it. */
static void test_results_torn_last_row_is_left_out_and_cut(void)
{
	static const char *const tails[] = { "mvm,direct,bui", "mvm,\"open quote\nstill open",
					     "mvm,direct,build/guest,on,on,on,on,on,,0,ok,,1,2" };
	char path[] = "/tmp/mvm-runs-XXXXXX";
	struct row r = make("on", 0, "ok", 1), *back;
	size_t n, bad, torn;

	for (size_t t = 0; t < sizeof(tails) / sizeof(tails[0]); t++) {
		long whole;
		FILE *f;

		tmpfile_path(path);
		CHECK_EQ(results_append(path, &r), 0);
		CHECK_EQ(results_append(path, &r), 0);
		whole = file_size(path);
		f = fopen(path, "a");
		fputs(tails[t], f);
		fclose(f);
		CHECK_EQ(results_read_torn(path, &back, &n, &bad, &torn), 0);
		CHECK_EQ_ROW(__LINE__, (int)t, n, 2);
		CHECK_EQ_ROW(__LINE__, (int)t, torn, 4);
		results_free(back, n);
		CHECK_EQ_ROW(__LINE__, (int)t, results_append(path, &r), (uint64_t)-EILSEQ);
		CHECK_EQ_ROW(__LINE__, (int)t, results_repair(path), (uint64_t)strlen(tails[t]));
		CHECK_EQ_ROW(__LINE__, (int)t, file_size(path), whole);
		CHECK_EQ_ROW(__LINE__, (int)t, results_repair(path), 0); /* whole now: nothing to cut */
		CHECK_EQ_ROW(__LINE__, (int)t, results_append(path, &r), 0);
		CHECK_EQ_ROW(__LINE__, (int)t, results_read_torn(path, &back, &n, &bad, &torn), 0);
		CHECK_EQ_ROW(__LINE__, (int)t, n, 3);
		CHECK_EQ_ROW(__LINE__, (int)t, torn, 0);
		results_free(back, n);
		unlink(path);
	}
}

/* Appenders racing on a new file: one header, every row whole. */
static void test_results_racing_appenders_write_one_header(void)
{
	enum { WRITERS = 8, ROWS = 25 };
	char path[] = "/tmp/mvm-runs-XXXXXX", line[65536];
	struct row *back;
	size_t n, bad;
	int headers = 0;
	FILE *f;

	tmpfile_path(path);
	for (int w = 0; w < WRITERS; w++) {
		if (fork() == 0) {
			struct row r = make(w % 2 ? "on" : "off", (unsigned)w, "ok", w);
			int failed = 0;

			for (int i = 0; i < ROWS; i++)
				failed |= results_append(path, &r) != 0;
			_exit(failed);
		}
	}
	for (int w = 0; w < WRITERS; w++) {
		int status = 1;

		wait(&status);
		CHECK_EQ(status, 0);
	}
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		headers += !strncmp(line, "vmm,", 4);
	if (f)
		fclose(f);
	CHECK_EQ(headers, 1);
	CHECK_EQ(results_read(path, &back, &n, &bad), 0);
	CHECK_EQ(n, WRITERS * ROWS);
	results_free(back, n);
	unlink(path);
}

int main(void)
{
	RUN(test_results_round_trip_with_quotes_and_gaps);
	RUN(test_results_damaged_row_is_reported);
	RUN(test_results_summary_has_medians_and_skips);
	RUN(test_results_quotes_line_ends_and_long_rows);
	RUN(test_results_old_header_without_append_and_flag);
	RUN(test_results_torn_last_row_is_left_out_and_cut);
	RUN(test_results_racing_appenders_write_one_header);
	return check_summary("results");
}
