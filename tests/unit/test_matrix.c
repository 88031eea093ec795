/* test_matrix.c: axes, cells, skip rules, config files, order and shards. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "matrix.h"

static struct matrix_config m;
static char err[256];

static void test_matrix_default_is_every_combination_for_both_vmms(void)
{
	struct cell *c;
	size_t n, skipped = 0;

	matrix_defaults(&m);
	c = matrix_cells(&m, &n);
	CHECK_EQ(n, 64);
	for (size_t i = 0; i < n; i++)
		skipped += c[i].skip != NULL;
	CHECK_EQ(skipped, 32); /* QEMU cannot boot directly */
	CHECK(!strcmp(c[0].key, "vmm=mvm,firmware=direct,kernel=build/guest,pit=on,pic=on,rtc=on,"
			       "isa-serial=on,x-option-roms=on"));
	CHECK(!strcmp(c[1].v[AX_OPTION_ROMS], "off")); /* last axis varies fastest */
	free(c);
	matrix_free(&m);
}

static void test_matrix_skip_rules(void)
{
	struct cell *c;
	size_t n;

	matrix_defaults(&m);
	CHECK_EQ(matrix_set(&m, "vmm", "qemu", err, sizeof(err)), 0);
	CHECK_EQ(matrix_set(&m, "firmware", "seabios", err, sizeof(err)), 0);
	CHECK_EQ(matrix_set(&m, "x-option-roms", "on,off", err, sizeof(err)), 0);
	CHECK_EQ(matrix_set(&m, "pit", "on", err, sizeof(err)), 0);
	CHECK_EQ(matrix_set(&m, "pic", "on", err, sizeof(err)), 0);
	CHECK_EQ(matrix_set(&m, "rtc", "on", err, sizeof(err)), 0);
	CHECK_EQ(matrix_set(&m, "isa-serial", "on", err, sizeof(err)), 0);
	c = matrix_cells(&m, &n);
	CHECK_EQ(n, 2);
	CHECK(c[0].skip == NULL);
	CHECK(c[1].skip && strstr(c[1].skip, "linuxboot_dma"));
	free(c);
	matrix_free(&m);
}

static void test_matrix_bad_settings_name_the_problem(void)
{
	matrix_defaults(&m);
	CHECK(matrix_set(&m, "pit", "maybe", err, sizeof(err)) != 0);
	CHECK(strstr(err, "'maybe'"));
	CHECK(matrix_set(&m, "vmm", "firecracker", err, sizeof(err)) != 0);
	CHECK(matrix_set(&m, "warp", "9", err, sizeof(err)) != 0);
	CHECK(strstr(err, "'warp'"));
	CHECK(matrix_set(&m, "repeat", "0", err, sizeof(err)) != 0);
	CHECK(matrix_set(&m, "repeat", "3x", err, sizeof(err)) != 0);
	CHECK(matrix_set(&m, "shard", "2/2", err, sizeof(err)) != 0);
	CHECK(matrix_set(&m, "shard", "1/0", err, sizeof(err)) != 0);
	CHECK(matrix_set(&m, "pic", " , ", err, sizeof(err)) != 0);
	matrix_free(&m);
}

static void test_matrix_config_file(void)
{
	char path[] = "/tmp/mvm-matrix-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	fputs("# a small matrix\n vmm = mvm\nrepeat=5 # five\n\npit = on, off\ntimeout = 90\n", f);
	fclose(f);
	matrix_defaults(&m);
	CHECK_EQ(matrix_load(&m, path, err, sizeof(err)), 0);
	CHECK_EQ(m.repeat, 5);
	CHECK_EQ(m.timeout_s, 90);
	CHECK_EQ(m.axis[AX_VMM].n, 1);
	CHECK_EQ(m.axis[AX_PIT].n, 2);
	f = fopen(path, "w");
	fputs("vmm = mvm\nthis line is wrong\n", f);
	fclose(f);
	CHECK(matrix_load(&m, path, err, sizeof(err)) != 0);
	CHECK(strstr(err, ":2:"));
	unlink(path);
	CHECK(matrix_load(&m, "/nonexistent.conf", err, sizeof(err)) != 0);
	matrix_free(&m);
}

static bool same_order(const struct task *a, const struct task *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].cell != b[i].cell)
			return false;
	return true;
}

static void test_matrix_rounds_each_cell_once_in_a_fresh_reproducible_order(void)
{
	struct cell *c;
	struct task *r0, *r1, *again, *w;
	size_t n, n0, n1, na, nw;
	unsigned seen[64] = { 0 };

	matrix_defaults(&m);
	CHECK_EQ(matrix_set(&m, "vmm", "mvm", err, sizeof(err)), 0);
	CHECK_EQ(matrix_set(&m, "warmup", "3", err, sizeof(err)), 0);
	c = matrix_cells(&m, &n);
	CHECK_EQ(matrix_runnable(&m, c, n), 32);
	r0 = matrix_round(&m, c, n, 0, &n0);
	r1 = matrix_round(&m, c, n, 1, &n1);
	again = matrix_round(&m, c, n, 1, &na);
	CHECK_EQ(n0, 32);
	CHECK_EQ(n1, 32);
	for (size_t i = 0; i < n1; i++) {
		seen[r1[i].cell->id]++;
		CHECK_EQ(r1[i].rep, 1);
		CHECK(!r1[i].warmup);
	}
	for (size_t i = 0; i < n; i++)
		CHECK_EQ(seen[i], 1);
	CHECK(!same_order(r0, r1, 32)); /* a fresh order per round */
	CHECK(same_order(r1, again, 32)); /* the same round, the same order */
	w = matrix_warmups(&m, c, n, &nw);
	CHECK_EQ(nw, 3);
	for (size_t i = 0; i < nw; i++)
		CHECK(w[i].warmup);
	free(w);
	free(again);
	CHECK_EQ(matrix_set(&m, "seed", "2", err, sizeof(err)), 0);
	again = matrix_round(&m, c, n, 1, &na);
	CHECK(!same_order(r1, again, 32)); /* another seed, another order */
	free(again);
	free(r0);
	free(r1);
	free(c);
	matrix_free(&m);
}

static void test_matrix_shards_partition_the_cells(void)
{
	struct cell *c;
	size_t n, total = 0;
	unsigned seen[64] = { 0 };

	matrix_defaults(&m);
	c = matrix_cells(&m, &n);
	for (unsigned s = 0; s < 3; s++) {
		struct task *t;
		size_t nt;
		char shard[8];

		snprintf(shard, sizeof(shard), "%u/3", s);
		CHECK_EQ(matrix_set(&m, "shard", shard, err, sizeof(err)), 0);
		t = matrix_round(&m, c, n, 4, &nt);
		for (size_t i = 0; i < nt; i++)
			seen[t[i].cell->id]++;
		total += nt;
		free(t);
	}
	CHECK_EQ(total, 32);
	for (size_t i = 0; i < n; i++)
		CHECK_EQ(seen[i], c[i].skip ? 0 : 1);
	free(c);
	matrix_free(&m);
}

static void test_matrix_budget_and_precision_settings(void)
{
	static const struct {
		const char *value;
		unsigned seconds; /* 0: refused */
	} budgets[] = { { "90", 90 }, { "90s", 90 }, { "20m", 1200 }, { "1h30m", 5400 },
			{ "0", 0 }, { "5x", 0 }, { "m", 0 }, { "8d", 0 }, { "200h", 0 } };

	matrix_defaults(&m);
	CHECK_EQ(m.budget_s, 1200);
	CHECK_EQ(m.warmup, 1);
	for (size_t i = 0; i < sizeof(budgets) / sizeof(budgets[0]); i++) {
		m.budget_s = 7;
		CHECK_EQ_ROW(__LINE__, (int)i, matrix_set(&m, "budget", budgets[i].value, err,
							  sizeof(err)) == 0, budgets[i].seconds != 0);
		CHECK_EQ_ROW(__LINE__, (int)i, m.budget_s, budgets[i].seconds ? budgets[i].seconds : 7);
	}
	CHECK_EQ(matrix_set(&m, "until-ci", "0.5", err, sizeof(err)), 0);
	CHECK(m.until_ci_pct == 0.5);
	CHECK_EQ(matrix_set(&m, "until-ci", "2%", err, sizeof(err)), 0);
	CHECK(m.until_ci_pct == 2);
	CHECK(matrix_set(&m, "until-ci", "-1", err, sizeof(err)) != 0);
	CHECK(matrix_set(&m, "until-ci", "lots", err, sizeof(err)) != 0);
	CHECK(strstr(err, "'lots'"));
	matrix_free(&m);
}

static void test_matrix_append_axis_is_a_factor_named_in_the_cells(void)
{
	static const char *const one[] = { "quiet" };
	struct cell *c;
	size_t n;

	matrix_defaults(&m);
	CHECK_EQ(m.axis[AX_APPEND].n, 1); /* by default nothing is appended */
	CHECK(!strcmp(m.axis[AX_APPEND].value[0], ""));
	CHECK_EQ(matrix_set(&m, "vmm", "mvm", err, sizeof(err)), 0);
	CHECK_EQ(matrix_set(&m, "append-axis", " \"\"  \"loglevel=8 initcall_debug\" \"a \\\"b\\\"\"",
			    err, sizeof(err)), 0);
	CHECK_EQ(m.axis[AX_APPEND].n, 3);
	CHECK(!strcmp(m.axis[AX_APPEND].value[1], "loglevel=8 initcall_debug"));
	CHECK(!strcmp(m.axis[AX_APPEND].value[2], "a \"b\""));
	c = matrix_cells(&m, &n);
	CHECK_EQ(n, 96);
	CHECK(strstr(c[1].key, ",append=\"loglevel=8 initcall_debug\""));
	CHECK(!strcmp(c[1].v[AX_APPEND], "loglevel=8 initcall_debug"));
	free(c);
	CHECK(matrix_set_append_axis(&m, one, 1, err, sizeof(err)) != 0);
	CHECK(strstr(err, "two or more"));
	CHECK(matrix_set(&m, "append-axis", "quiet loglevel=8", err, sizeof(err)) != 0);
	CHECK(strstr(err, "double-quoted"));
	CHECK(matrix_set(&m, "append-axis", "\"quiet\" \"open", err, sizeof(err)) != 0);
	CHECK(strstr(err, "unterminated"));
	CHECK(matrix_set(&m, "append-axis", "\"x\" \"x\"", err, sizeof(err)) != 0);
	CHECK(strstr(err, "twice"));
	matrix_free(&m);
}

int main(void)
{
	RUN(test_matrix_default_is_every_combination_for_both_vmms);
	RUN(test_matrix_skip_rules);
	RUN(test_matrix_bad_settings_name_the_problem);
	RUN(test_matrix_config_file);
	RUN(test_matrix_rounds_each_cell_once_in_a_fresh_reproducible_order);
	RUN(test_matrix_shards_partition_the_cells);
	RUN(test_matrix_budget_and_precision_settings);
	RUN(test_matrix_append_axis_is_a_factor_named_in_the_cells);
	return check_summary("matrix");
}
