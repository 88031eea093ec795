/* test_console.c: ttyS0 lines rebuilt from exit records: DLAB, line ends, a
 * line over many exits, a long line, stopping early, and a traced VMM's
 * exits (through hostconv) giving the same lines as mvm's own. */
#include <errno.h>
#include <linux/kvm.h>
#include <string.h>

#include "check.h"
#include "console.h"
#include "hostconv.h"

#define US 1000ULL
#define MAX_LINES 16

static struct trace_event ev[4096];
static size_t n;
static struct {
	char text[CONSOLE_LINE_MAX + 1];
	uint64_t t, t_end;
	size_t bytes;
} got[MAX_LINES];
static size_t lines;

static void reset(void)
{
	n = lines = 0;
	memset(got, 0, sizeof(got));
}

static int collect(const struct console_line *l, void *ctx)
{
	(void)ctx;
	if (lines == MAX_LINES)
		return 1;
	memcpy(got[lines].text, l->text, l->len + 1);
	got[lines].t = l->t_ns;
	got[lines].t_end = l->t_end_ns;
	got[lines].bytes = l->bytes;
	lines++;
	return 0;
}

/* mvm's exit row for a port write. */
static void out(uint64_t us, unsigned port, unsigned size, uint64_t value)
{
	ev[n++] = (struct trace_event){ { us * US, PROBE_EXIT, (uint8_t)size, PROBE_DIR_WRITE, 0,
					  KVM_EXIT_IO, port, value },
					0, 100, NULL };
}

/* (s) to 0x3f8 one byte per exit, 1 us apart from (us). */
static uint64_t puts_at(uint64_t us, const char *s)
{
	for (; *s; s++)
		out(us++, 0x3f8, 1, (unsigned char)*s);
	return us;
}

static void scan(void)
{
	CHECK_EQ(console_scan(ev, n, collect, NULL), 0);
}

/* An 8250 driver's set-up: DLAB on, divisor low/high, DLAB off (8N1). */
static uint64_t set_baud(uint64_t us, unsigned divisor)
{
	out(us++, 0x3fb, 1, 0x83);
	out(us++, 0x3f8, 1, divisor & 0xff);
	out(us++, 0x3f9, 1, divisor >> 8);
	out(us++, 0x3fb, 1, 0x03);
	return us;
}

static void test_console_divisor_latch_writes_are_not_bytes(void)
{
	uint64_t t = set_baud(10, 'X'); /* a divisor that would read as text */

	puts_at(t, "ok\n");
	scan();
	CHECK_EQ(lines, 1);
	CHECK_STREQ(got[0].text, "ok");
	CHECK_EQ(got[0].t, 14 * US);
}

/* DLAB set with other LCR bits, and a read of 0x3f8 (RBR) is not output. */
static void test_console_dlab_tracks_bit_7_only_and_ignores_reads(void)
{
	out(1, 0x3fb, 1, 0x80);
	out(2, 0x3f8, 1, 'd');
	out(3, 0x3fb, 1, 0x7f); /* every bit but DLAB */
	ev[n++] = (struct trace_event){ { 4 * US, PROBE_EXIT, 1, PROBE_DIR_READ, 0, KVM_EXIT_IO,
					  0x3f8, 'r' },
					0, 100, NULL };
	out(5, 0x3f9, 1, 'i'); /* IER, not THR */
	out(6, 0x3f8, 1, 'a');
	scan();
	CHECK_EQ(lines, 1);
	CHECK_STREQ(got[0].text, "a");
}

static void test_console_cr_lf_and_lone_ends(void)
{
	puts_at(1, "one\r\ntwo\nthree\rfour\n\r\n\nfive");
	scan();
	CHECK_EQ(lines, 5); /* empty lines dropped, the open line delivered */
	CHECK_STREQ(got[0].text, "one");
	CHECK_STREQ(got[1].text, "two");
	CHECK_STREQ(got[2].text, "three");
	CHECK_STREQ(got[3].text, "four");
	CHECK_STREQ(got[4].text, "five");
	CHECK_EQ(got[1].t, 6 * US);
	CHECK_EQ(got[1].t_end, 8 * US);
}

/* One line written over many exits with other events between: stamped with
 * its first byte's time, ended by its last. */
static void test_console_line_split_across_many_exits(void)
{
	const char *text = "Linux version 6.1 (mvm@host) #1 SMP";
	uint64_t t = 100;

	for (const char *c = text; *c; c++) {
		out(t, 0x3f8, 1, (unsigned char)*c);
		out(t + 1, 0x3fd, 1, 0x60); /* an LSR write: not output */
		ev[n++] = (struct trace_event){ { (t + 2) * US, PROBE_MARKER, 1, 0, 0, 0, 0xf4, 6 },
						0, 100, NULL };
		t += 50;
	}
	out(t, 0x3f8, 1, '\r');
	out(t + 1, 0x3f8, 1, '\n');
	scan();
	CHECK_EQ(lines, 1);
	CHECK_STREQ(got[0].text, text);
	CHECK_EQ(got[0].t, 100 * US);
	CHECK_EQ(got[0].t_end, (t - 50) * US);
}

static void test_console_long_line_is_truncated_but_counted(void)
{
	static char want[CONSOLE_LINE_MAX + 1];
	size_t i;

	for (i = 0; i < CONSOLE_LINE_MAX + 100; i++)
		out(i + 1, 0x3f8, 1, 'a' + i % 26);
	out(i + 1, 0x3f8, 1, '\n');
	for (i = 0; i < CONSOLE_LINE_MAX; i++)
		want[i] = (char)('a' + i % 26);
	scan();
	CHECK_EQ(lines, 1);
	CHECK_EQ(strlen(got[0].text), CONSOLE_LINE_MAX);
	CHECK_STREQ(got[0].text, want);
	CHECK_EQ(got[0].bytes, CONSOLE_LINE_MAX + 100);
}

static int stop_at_second(const struct console_line *l, void *ctx)
{
	int *seen = ctx;

	(void)l;
	return ++*seen == 2 ? 42 : 0;
}

static void test_console_callback_stops_the_scan(void)
{
	int seen = 0;

	puts_at(1, "a\nb\nc\n");
	CHECK_EQ(console_scan(ev, n, stop_at_second, &seen), 42);
	CHECK_EQ(seen, 2);
}

/* A wide write: outw to 0x3fa sets the LCR through its high byte. */
static void test_console_wide_write_reaches_the_lcr(void)
{
	out(1, 0x3fa, 2, 0x8000);
	out(2, 0x3f8, 1, 'x');
	out(3, 0x3fa, 2, 0x0300);
	out(4, 0x3f8, 2, 0x0079); /* 'y' to THR, 0 to IER */
	scan();
	CHECK_EQ(lines, 1);
	CHECK_STREQ(got[0].text, "y");
}

static void test_console_counts_bytes_and_exits(void)
{
	struct console_decoder d;

	set_baud(1, 1);
	puts_at(10, "hi\r\n");
	console_decoder_init(&d, NULL, NULL);
	for (size_t i = 0; i < n; i++)
		CHECK_EQ(console_decoder_feed(&d, &ev[i].r), 0);
	CHECK_EQ(console_decoder_finish(&d), 0);
	CHECK_EQ(d.total_bytes, 4);
	CHECK_EQ(d.exits, 4);
}

/* Host trace events as KVM emits them for a traced VMM: kvm_pio before each
 * write's userspace exit.  hostconv's exits give the lines mvm's would. */
static void traced_write(struct hostconv *t, uint64_t us, unsigned port, uint64_t value)
{
	struct ht_event pio = { .ts = us * US - 10, .tid = 7, .kind = HT_PIO, .rw = 1,
				.port = port, .size = 1, .value = value };
	struct ht_event exit = { .ts = us * US, .tid = 7, .kind = HT_USERSPACE_EXIT,
				 .reason = KVM_EXIT_IO };

	hostconv_event(&pio, t);
	hostconv_event(&exit, t);
}

static void test_console_traced_vmm_gives_the_same_lines(void)
{
	static const char text[] = "Booting\r\nRun /init as init process\r\n";
	struct ht_event run = { .ts = 1, .tid = 7, .kind = HT_IOCTL, .cmd = 0xae80 };
	const struct trace_event *e;
	struct hostconv t;
	size_t count, i;
	uint64_t us = 1000;

	hostconv_init(&t, 0);
	hostconv_event(&run, &t);
	traced_write(&t, us++, 0x3fb, 0x80);
	traced_write(&t, us++, 0x3f8, 0x01);
	traced_write(&t, us++, 0x3fb, 0x03);
	for (i = 0; text[i]; i++)
		traced_write(&t, us + 3 * i, 0x3f8, (unsigned char)text[i]);
	e = hostconv_events(&t, &count);
	CHECK_EQ(console_scan(e, count, collect, NULL), 0);
	CHECK_EQ(lines, 2);
	CHECK_STREQ(got[0].text, "Booting");
	CHECK_EQ(got[0].t, 1003 * US);
	CHECK_STREQ(got[1].text, "Run /init as init process");
	CHECK_EQ(got[1].t, (1003 + 3 * 9) * US);
	hostconv_free(&t);
}

static void test_console_markers_first_matching_line(void)
{
	struct console_marker m[] = { { "^[a-z]+ login: ?$", "login", 0 },
				      { "Run (/[^ ]+) as init", "init", 0 },
				      { "never", "absent", 0 } };
	char buf[256] = "";
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");
	size_t bad = 99;

	puts_at(1, "Run /init as init process\r\nhost login: \r\nhost login: \r\nguest login: ");
	CHECK_EQ(console_markers_find(ev, n, m, 3, &bad), 0);
	CHECK_EQ(m[1].t_ns, 1 * US);
	CHECK_EQ(m[0].t_ns, 28 * US); /* the first of the two */
	CHECK_EQ(m[2].t_ns, 0);
	CHECK_EQ(bad, 99);
	console_markers_print(f, "t", m, 3, 1 * US);
	fclose(f);
	CHECK_STREQ(buf, "t: console markers: login at 0.027 ms, init at 0.000 ms, absent -\n");
}

static void test_console_markers_bad_regex(void)
{
	struct console_marker m[] = { { "ok", "a", 0 }, { "(", "b", 0 } };
	size_t bad = 99;

	CHECK_EQ(console_markers_find(ev, n, m, 2, &bad), (uint64_t)-EINVAL);
	CHECK_EQ(bad, 1);
}

int main(void)
{
	check_setup = reset;
	RUN(test_console_divisor_latch_writes_are_not_bytes);
	RUN(test_console_dlab_tracks_bit_7_only_and_ignores_reads);
	RUN(test_console_cr_lf_and_lone_ends);
	RUN(test_console_line_split_across_many_exits);
	RUN(test_console_long_line_is_truncated_but_counted);
	RUN(test_console_callback_stops_the_scan);
	RUN(test_console_wide_write_reaches_the_lcr);
	RUN(test_console_counts_bytes_and_exits);
	RUN(test_console_traced_vmm_gives_the_same_lines);
	RUN(test_console_markers_first_matching_line);
	RUN(test_console_markers_bad_regex);
	return check_summary("console");
}
