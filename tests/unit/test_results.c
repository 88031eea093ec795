/* test_results.c: runs.csv rows (quoting, missing values, damage) and summary.csv. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
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
	rows[3].note = (char *)"not possible";
	snprintf(sum, sizeof(sum), "%s.summary", runs);
	CHECK_EQ(results_write_summary(sum, rows, 4), 0);
	f = fopen(sum, "r");
	while (f && fgets(line, sizeof(line), f)) {
		found += strstr(line, ",3,3,init_ms,3,200.000,") != NULL;
		skipped += strstr(line, "not possible") != NULL;
	}
	if (f)
		fclose(f);
	CHECK_EQ(found, 1);
	CHECK_EQ(skipped, 1);
	unlink(sum);
}

int main(void)
{
	RUN(test_results_round_trip_with_quotes_and_gaps);
	RUN(test_results_damaged_row_is_reported);
	RUN(test_results_summary_has_medians_and_skips);
	return check_summary("results");
}
