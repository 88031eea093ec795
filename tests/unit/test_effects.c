/* test_effects.c: effects of the factorial design against values computed
 * by hand: a 2^3 design with one boot per cell (error from the three-factor
 * interaction), an unbalanced replicated 2^2 design, the append axis's
 * direction, flagged boots, and the designs effects refuse. */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "effects.h"
#include "stats.h"

#define NEAR(a, b) (fabs((a) - (b)) < 1e-9)

static struct row rows[64];
static size_t nrows;

/* One ok boot with init_ms (y); every axis fixed except those given. */
static void boot(const char *pit, const char *pic, const char *rtc, double y)
{
	struct row *r = &rows[nrows++];
	static char fixed[][16] = { "mvm", "direct", "build/guest", "", "", "", "on", "on", "" };

	for (int ax = 0; ax < AX_COUNT; ax++)
		r->v[ax] = fixed[ax];
	r->v[AX_PIT] = (char *)pit;
	r->v[AX_PIC] = (char *)pic;
	r->v[AX_RTC] = (char *)rtc;
	snprintf(r->status, sizeof(r->status), "ok");
	for (int m = 0; m < M_COUNT; m++)
		r->m[m] = NAN;
	r->m[M_INIT_MS] = y;
	r->flag = NULL;
}

static void reset(void)
{
	nrows = 0;
}

static const struct effect *find(const struct effect *e, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(e[i].name, name))
			return &e[i];
	return NULL;
}

#define ON_OFF(b) ((b) ? "on" : "off")

static void test_effects_unreplicated_2x2x2_uses_the_three_factor_interaction(void)
{
	struct effect *e;
	size_t n;
	char why[256];
	const struct effect *pit, *rtc, *pit_rtc;

	/* y = 100 + 10 pit + 4 rtc + 2 pit rtc, plus +1 where an odd number of the
	 * three is on and -1 elsewhere: the pit x pic x rtc contrast, 2.  By hand:
	 * pit = 113 - 102 = 11, rtc = 110 - 105 = 5, pic = 0, pit x rtc = (12 - 10) / 2
	 * = 1; the error variance of an effect is ABC^2 = 4 with 1 df. */
	for (int c = 0; c < 8; c++) {
		int p = c & 1, q = c >> 1 & 1, r = c >> 2 & 1;

		boot(ON_OFF(p), ON_OFF(q), ON_OFF(r), 100 + 10 * p + 4 * r + 2 * p * r +
						  ((p + q + r) & 1 ? 1 : -1));
	}
	CHECK(effects_compute(rows, nrows, M_INIT_MS, false, &e, &n, why, sizeof(why)) == 0);
	CHECK_EQ(n, 6); /* 3 main effects, 3 interactions */
	pit = find(e, n, "pit");
	rtc = find(e, n, "rtc");
	pit_rtc = find(e, n, "pit x rtc");
	CHECK(pit && rtc && pit_rtc && find(e, n, "pic") && find(e, n, "pic x rtc"));
	if (!pit || !rtc || !pit_rtc)
		return;
	CHECK(NEAR(pit->est, 11) && NEAR(rtc->est, 5) && NEAR(pit_rtc->est, 1));
	CHECK(NEAR(find(e, n, "pic")->est, 0) && NEAR(find(e, n, "pit x pic")->est, 0));
	CHECK(pit->order == 1 && pit_rtc->order == 2 && pit->df == 1);
	CHECK(fabs(pit->hi - pit->est - 12.7062047 * 2) < 1e-6 && fabs(pit->est - pit->lo - 12.7062047 * 2) < 1e-6);
	CHECK(NEAR(pit->pct, 11.0 / 107 * 100)); /* median of 99 101 103 105 109 111 115 117 */
	CHECK_STREQ(pit->method, "higher-order interactions");
	free(e);
}

static void test_effects_unbalanced_replicates_use_cell_means(void)
{
	struct effect *e;
	size_t n;
	char why[256];
	double half;
	static const struct {
		int pit, rtc;
		double y[3];
		size_t n;
	} cell[] = { { 0, 0, { 9, 11 }, 2 }, { 1, 0, { 19, 21 }, 2 }, { 0, 1, { 11, 13 }, 2 },
		     { 1, 1, { 24, 26, 28 }, 3 } };

	/* Cell means 10 20 12 26: pit = 23 - 11 = 12, rtc = 19 - 15 = 4,
	 * pit x rtc = (14 - 10) / 2 = 2.  Within-cell SS 2 + 2 + 2 + 8 = 14 on
	 * 1 + 1 + 1 + 2 = 5 df: s^2 = 2.8; var = s^2 * 4 / 16 * (3/2 + 1/3). */
	for (size_t c = 0; c < LEN_OF(int, 0, 0, 0, 0); c++)
		for (size_t i = 0; i < cell[c].n; i++)
			boot(ON_OFF(cell[c].pit), "on", ON_OFF(cell[c].rtc), cell[c].y[i]);
	CHECK(effects_compute(rows, nrows, M_INIT_MS, false, &e, &n, why, sizeof(why)) == 0);
	CHECK_EQ(n, 3);
	half = 2.57058184 * sqrt(2.8 * 4 / 16 * (1.5 + 1.0 / 3));
	CHECK(NEAR(find(e, n, "pit")->est, 12) && NEAR(find(e, n, "rtc")->est, 4));
	CHECK(NEAR(find(e, n, "pit x rtc")->est, 2));
	CHECK(fabs(find(e, n, "rtc")->hi - 4 - half) < 1e-6 && find(e, n, "rtc")->df == 5);
	CHECK_STREQ(find(e, n, "pit")->method, "replicates");
	/* The widest main half-width as a percentage of a median of 20. */
	CHECK(fabs(effects_widest_main_halfwidth_pct(e, n, 20) - half / 20 * 100) < 1e-6);
	free(e);
}

static void test_effects_append_axis_measures_adding_the_option(void)
{
	struct effect *e;
	size_t n;
	char why[256];

	for (int rep = 0; rep < 2; rep++)
		for (int c = 0; c < 4; c++) {
			boot(ON_OFF(c & 1), "on", "on", 50 + (c >> 1) * 30 + rep);
			rows[nrows - 1].v[AX_APPEND] = (char *)(c >> 1 ? "initcall_debug" : "");
		}
	CHECK(effects_compute(rows, nrows, M_INIT_MS, false, &e, &n, why, sizeof(why)) == 0);
	CHECK(find(e, n, "append=initcall_debug") && NEAR(find(e, n, "append=initcall_debug")->est, 30));
	CHECK(find(e, n, "pit") && NEAR(find(e, n, "pit")->est, 0));
	free(e);
}

static void test_effects_skip_flagged_leaves_disturbed_boots_out(void)
{
	struct effect *e;
	size_t n;
	char why[256];

	for (int rep = 0; rep < 2; rep++)
		for (int c = 0; c < 4; c++)
			boot(ON_OFF(c & 1), "on", ON_OFF(c >> 1), 10 + (c & 1) * 4 + rep);
	boot("on", "on", "on", 1000);
	rows[nrows - 1].flag = (char *)"nonvoluntary switches 412";
	CHECK(effects_compute(rows, nrows, M_INIT_MS, true, &e, &n, why, sizeof(why)) == 0);
	CHECK(NEAR(find(e, n, "pit")->est, 4));
	free(e);
	CHECK(effects_compute(rows, nrows, M_INIT_MS, false, &e, &n, why, sizeof(why)) == 0);
	CHECK(find(e, n, "pit")->est > 100);
	free(e);
}

static void test_effects_refuse_what_is_not_a_two_level_factorial(void)
{
	struct effect *e;
	size_t n;
	char why[256];

	boot("on", "on", "on", 10);
	boot("off", "on", "on", 11);
	boot("on", "on", "off", 12);
	CHECK(effects_compute(rows, nrows, M_INIT_MS, false, &e, &n, why, sizeof(why)) == -1);
	CHECK_STREQ(why, "not a full factorial: no ok boot of pit=off,rtc=off");
	boot("off", "on", "off", 12);
	CHECK(effects_compute(rows, nrows, M_INIT_MS, false, &e, &n, why, sizeof(why)) == -1);
	CHECK(strstr(why, "no error term") != NULL);
	rows[0].v[AX_FIRMWARE] = (char *)"qboot";
	rows[1].v[AX_FIRMWARE] = (char *)"seabios";
	CHECK(effects_compute(rows, nrows, M_INIT_MS, false, &e, &n, why, sizeof(why)) == -1);
	CHECK(strstr(why, "firmware has more than two values") != NULL);
	CHECK(e == NULL && n == 0);
}

int main(void)
{
	check_setup = reset;
	RUN(test_effects_unreplicated_2x2x2_uses_the_three_factor_interaction);
	RUN(test_effects_unbalanced_replicates_use_cell_means);
	RUN(test_effects_append_axis_measures_adding_the_option);
	RUN(test_effects_skip_flagged_leaves_disturbed_boots_out);
	RUN(test_effects_refuse_what_is_not_a_two_level_factorial);
	return check_summary("effects");
}
