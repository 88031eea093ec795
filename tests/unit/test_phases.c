/* test_phases.c: phase boundaries from synthetic traces, with and without
 * the kernel's marker patch, direct and firmware boots, in mvm's shape (fw_cfg
 * events with names) and in a traced VMM's (exit rows only, and host trace
 * events through hostconv); CSV round trip. */
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot_markers.h"
#include "check.h"
#include "hostconv.h"
#include "phases.h"

#define MS 1000000ULL

static struct trace_event ev[512];
static size_t n;
static struct boot_phases p;

static void reset(void)
{
	n = 0;
}

static void compute(void)
{
	phases_compute(ev, n, &p);
}

/* How long (phase) lasted; ~0 if the trace has no such phase. */
static uint64_t span(enum boot_phase phase)
{
	uint64_t start, end;

	return phases_span(&p, phase, &start, &end) ? end - start : ~0ULL;
}

static void add(uint64_t ms, enum probe_kind kind, uint64_t addr, uint64_t value, uint32_t reason)
{
	ev[n++] = (struct trace_event){ { ms * MS, (uint8_t)kind, addr ? 1 : 0,
					  addr ? PROBE_DIR_WRITE : PROBE_DIR_NONE, 0, reason, addr, value },
					0, 100, NULL };
}

/* A traced VMM's exit row for a port access (hostconv's shape: no fw_cfg
 * events, only the exit with its port, size and direction). */
static void port_exit(uint64_t ms, unsigned port, unsigned size, enum probe_dir dir,
		      uint64_t value)
{
	ev[n++] = (struct trace_event){ { ms * MS, PROBE_EXIT, (uint8_t)size, (uint8_t)dir, 0,
					  KVM_EXIT_IO, port, value },
					0, 100, NULL };
}

static void marker(uint64_t ms, unsigned port, unsigned value)
{
	add(ms, PROBE_MARKER, port, value, 0);
}

/* The common tail of a Linux boot: console byte at 30, shutdown at 60. */
static void linux_tail(int patched)
{
	if (patched)
		marker(20, MARKER_PORT_LINUX, MARKER_LINUX_START_KERNEL);
	add(30, PROBE_SERIAL_FIRST_BYTE, 0x3f8, 'L', 0);
	if (patched)
		marker(50, MARKER_PORT_LINUX, MARKER_LINUX_START_USER);
	add(60, PROBE_SHUTDOWN, 0, 0, 0);
	add(61, PROBE_VMM_EXIT, 0, 0, 0);
}

static void test_phases_direct_boot_with_marker_patch(void)
{
	add(1, PROBE_VMM_EXEC, 0, 0, 0);
	add(3, PROBE_VMM_START, 0, 0, 0);
	add(4, PROBE_FIRST_RUN, 0, 0, 0);
	linux_tail(1);
	compute();
	CHECK_STREQ(p.origin_from, "exec");
	CHECK_EQ(span(PHASE_VMM), 3 * MS);
	CHECK_EQ(span(PHASE_FIRMWARE), 0);
	CHECK_STREQ(p.kernel_entry_from, "direct boot");
	CHECK_EQ(span(PHASE_KERNEL), 46 * MS);
	CHECK_EQ(span(PHASE_USER), 10 * MS);
	CHECK_EQ(p.start_kernel, 20 * MS);
	CHECK_STREQ(p.init_from, "marker 7");
}

static void test_phases_without_marker_patch_kernel_runs_to_the_end(void)
{
	uint64_t a, b;

	add(3, PROBE_VMM_START, 0, 0, 0);
	add(4, PROBE_FIRST_RUN, 0, 0, 0);
	linux_tail(0);
	compute();
	CHECK_STREQ(p.origin_from, "vmm start");
	CHECK_STREQ(p.init_from, "unknown");
	CHECK_EQ(p.start_kernel, 0);
	CHECK(phases_span(&p, PHASE_KERNEL, &a, &b));
	CHECK_EQ(b, 60 * MS);
	CHECK_EQ(span(PHASE_USER), ~0ULL);
	CHECK_EQ(p.first_console, 30 * MS);
}

static void test_phases_init_program_marker_stands_in_for_marker_7(void)
{
	add(4, PROBE_FIRST_RUN, 0, 0, 0);
	marker(55, MARKER_PORT_LINUX, MARKER_INIT_USER);
	add(60, PROBE_SHUTDOWN, 0, 0, 0);
	compute();
	CHECK_STREQ(p.init_from, "marker 8");
	CHECK_EQ(p.init, 55 * MS);
}

/* The kernel's console output (text) one byte per exit from (us) on, 10 us
 * apart, with an 8250 driver's divisor set-up first. */
static void console_text(uint64_t us, const char *text)
{
	port_exit(0, 0x3fb, 1, PROBE_DIR_WRITE, 0x83);
	port_exit(0, 0x3f8, 1, PROBE_DIR_WRITE, 'R'); /* divisor latch, not a byte */
	port_exit(0, 0x3fb, 1, PROBE_DIR_WRITE, 0x03);
	for (; *text; text++, us += 10)
		ev[n++] = (struct trace_event){ { us * 1000, PROBE_EXIT, 1, PROBE_DIR_WRITE, 0,
						  KVM_EXIT_IO, 0x3f8, (unsigned char)*text },
						0, 100, NULL };
}

/* Without marker 7, the kernel's own line marks init reached, at its first
 * byte; and it does before the init program's marker 8. */
static void test_phases_init_from_the_console_line_without_marker_7(void)
{
	static const char *const forms[] = { "/init", "/sbin/init", "/etc/init", "/bin/init",
					     "/bin/sh", "/usr/lib/systemd/systemd" };
	char text[128];

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		reset();
		add(4, PROBE_FIRST_RUN, 0, 0, 0);
		snprintf(text, sizeof(text), "Linux\r\n[    0.5] Run %s as init process\r\nx\n",
			 forms[i]);
		console_text(30000, text);
		marker(55, MARKER_PORT_LINUX, MARKER_INIT_USER);
		add(60, PROBE_SHUTDOWN, 0, 0, 0);
		trace_sort(ev, n);
		compute();
		CHECK_STREQ(p.init_from, "console line");
		CHECK_EQ_ROW(__LINE__, i, p.init, 30070 * 1000); /* after "Linux\r\n" */
		CHECK_EQ(span(PHASE_USER), 60 * MS - 30070 * 1000);
	}
}

/* Lines that only look like it do not count. */
static void test_phases_console_lines_that_are_not_init(void)
{
	add(4, PROBE_FIRST_RUN, 0, 0, 0);
	console_text(30000, "Run  as init process\nRun /init as init process now\n"
			    "Run /init as init\nFailed to execute /init as init process?\n");
	add(60, PROBE_SHUTDOWN, 0, 0, 0);
	trace_sort(ev, n);
	compute();
	CHECK_STREQ(p.init_from, "unknown");
	CHECK_EQ(p.init, 0);
}

/* The patch's marker 7 wins over the console line, earlier or later. */
static void test_phases_marker_7_wins_over_the_console_line(void)
{
	for (int later = 0; later < 2; later++) {
		reset();
		add(4, PROBE_FIRST_RUN, 0, 0, 0);
		console_text(40000, "Run /init as init process\r\n");
		marker(later ? 45 : 35, MARKER_PORT_LINUX, MARKER_LINUX_START_USER);
		add(60, PROBE_SHUTDOWN, 0, 0, 0);
		trace_sort(ev, n);
		compute();
		CHECK_STREQ(p.init_from, "marker 7");
		CHECK_EQ(p.init, (later ? 45 : 35) * MS);
	}
}

/* The summary says where init came from. */
static void test_phases_print_names_the_console_line(void)
{
	char buf[1024] = "";
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");

	add(4, PROBE_FIRST_RUN, 0, 0, 0);
	console_text(40000, "Run /init as init process\n");
	add(60, PROBE_SHUTDOWN, 0, 0, 0);
	trace_sort(ev, n);
	compute();
	phases_print(f, &p, "t");
	fclose(f);
	CHECK(strstr(buf, "init: console line;") != NULL);
}

static void test_phases_firmware_marker_is_kernel_entry(void)
{
	add(4, PROBE_FIRST_RUN, 0, 0, 0);
	marker(5, MARKER_PORT_FW, MARKER_FW_START);
	add(8, PROBE_EXIT, 0x518, 0, KVM_EXIT_IO);
	marker(12, MARKER_PORT_LINUX, MARKER_LINUX_START_BOOT);
	linux_tail(1);
	compute();
	CHECK_STREQ(p.kernel_entry_from, "firmware marker");
	CHECK_EQ(span(PHASE_FIRMWARE), 8 * MS);
}

static void test_phases_firmware_without_markers_uses_last_fwcfg_access(void)
{
	add(4, PROBE_FIRST_RUN, 0, 0, 0);
	add(6, PROBE_EXIT, 0x510, 0x19, KVM_EXIT_IO);
	add(9, PROBE_EXIT, 0x518, 0x1000, KVM_EXIT_IO);
	add(10, PROBE_EXIT, 0x3f8, 'x', KVM_EXIT_IO);
	linux_tail(0);
	add(40, PROBE_EXIT, 0x510, 0, KVM_EXIT_IO); /* after the kernel started: not the firmware */
	compute();
	CHECK_STREQ(p.kernel_entry_from, "last fw_cfg access");
	CHECK_EQ(p.kernel_entry, 9 * MS);
}

/* Values count only on their own port: 3, 6 and 7 on the firmware's. */
static void test_phases_marker_values_count_only_on_their_port(void)
{
	add(4, PROBE_FIRST_RUN, 0, 0, 0);
	port_exit(6, 0x510, 2, PROBE_DIR_WRITE, 0x11);
	port_exit(9, 0x511, 1, PROBE_DIR_READ, 0x42);
	marker(10, MARKER_PORT_FW, MARKER_LINUX_START_BOOT);
	marker(11, MARKER_PORT_FW, MARKER_LINUX_START_KERNEL);
	marker(12, MARKER_PORT_FW, MARKER_LINUX_START_USER);
	linux_tail(0);
	compute();
	CHECK_STREQ(p.kernel_entry_from, "last fw_cfg access");
	CHECK_EQ(p.kernel_entry, 9 * MS);
	CHECK_EQ(p.start_kernel, 0);
	CHECK_STREQ(p.init_from, "unknown");
}

/* A kernel that reads fw_cfg itself (traced: exit rows only) is still a
 * direct boot, with and without the marker patch. */
static void test_phases_fwcfg_after_kernel_start_keeps_a_direct_boot(void)
{
	for (int patched = 0; patched < 2; patched++) {
		reset();
		add(4, PROBE_FIRST_RUN, 0, 0, 0);
		linux_tail(patched);
		port_exit(40, 0x510, 2, PROBE_DIR_WRITE, 0x19);
		port_exit(41, 0x511, 1, PROBE_DIR_READ, 0);
		trace_sort(ev, n);
		compute();
		CHECK_STREQ(p.kernel_entry_from, "direct boot");
		CHECK_EQ(span(PHASE_FIRMWARE), 0);
		CHECK_EQ(span(PHASE_KERNEL), (patched ? 46 : 56) * MS);
	}
}

/* Firmware prints (as SeaBIOS does) and then loads the kernel by DMA: the
 * kernel starts after the load, not before the firmware's first byte. */
static void test_phases_firmware_console_before_the_kernel_load(void)
{
	for (int patched = 0; patched < 2; patched++) {
		reset();
		add(4, PROBE_FIRST_RUN, 0, 0, 0);
		port_exit(5, 0x510, 2, PROBE_DIR_WRITE, 0);
		port_exit(6, 0x511, 1, PROBE_DIR_READ, 'Q');
		add(7, PROBE_SERIAL_FIRST_BYTE, 0x3f8, 'S', 0);
		port_exit(7, 0x3f8, 1, PROBE_DIR_WRITE, 'S');
		port_exit(9, 0x514, 4, PROBE_DIR_WRITE, 0x600);
		port_exit(15, 0x3f8, 1, PROBE_DIR_WRITE, 'L');
		if (patched)
			marker(12, MARKER_PORT_LINUX, MARKER_LINUX_START_KERNEL);
		add(60, PROBE_SHUTDOWN, 0, 0, 0);
		trace_sort(ev, n);
		compute();
		CHECK_STREQ(p.kernel_entry_from, "last fw_cfg access");
		CHECK_EQ(p.kernel_entry, 9 * MS);
		CHECK_EQ(span(PHASE_FIRMWARE), 5 * MS);
	}
}

static void conv(struct hostconv *t, uint64_t us, enum ht_kind kind, uint32_t rw, uint32_t port,
		 uint32_t size, uint64_t value, uint32_t reason)
{
	struct ht_event e = { .ts = us * 1000, .tid = 7, .kind = kind, .rw = rw, .port = port,
			      .size = size, .value = value, .reason = reason, .cmd = 0xae80 };

	hostconv_event(&e, t);
}

/* A firmware-like guest as KVM traces it: kvm_pio for a write before its
 * exit, for a read after it (when KVM_RUN completes the read). */
static void traced_fwcfg_guest(struct hostconv *t)
{
	conv(t, 4000, HT_IOCTL, 0, 0, 0, 0, 0); /* first KVM_RUN */
	conv(t, 4990, HT_PIO, 1, 0x510, 2, 0, 0);
	conv(t, 5000, HT_USERSPACE_EXIT, 0, 0, 0, 0, KVM_EXIT_IO);
	conv(t, 6000, HT_USERSPACE_EXIT, 0, 0, 0, 0, KVM_EXIT_IO);
	conv(t, 6010, HT_PIO, 0, 0x511, 1, 'Q', 0); /* the read, completed */
	conv(t, 7000, HT_PIO, 1, 0x3f8, 1, 'Q', 0);
	conv(t, 7001, HT_USERSPACE_EXIT, 0, 0, 0, 0, KVM_EXIT_IO);
	conv(t, 60000, HT_USERSPACE_EXIT, 0, 0, 0, 0, KVM_EXIT_SHUTDOWN);
}

/* The same guest in mvm's own probes: a fw_cfg event at the read's exit. */
static void own_fwcfg_guest(void)
{
	add(4, PROBE_FIRST_RUN, 0, 0, 0);
	port_exit(5, 0x510, 2, PROBE_DIR_WRITE, 0);
	port_exit(6, 0x511, 1, PROBE_DIR_READ, 'Q');
	ev[n++] = (struct trace_event){ { 6 * MS, PROBE_FWCFG_READ, 1, PROBE_DIR_READ, 0, 0, 0, 1 },
					0, 100, "signature" };
	add(7, PROBE_SERIAL_FIRST_BYTE, 0x3f8, 'Q', 0);
	port_exit(7, 0x3f8, 1, PROBE_DIR_WRITE, 'Q');
	add(60, PROBE_SHUTDOWN, 0, 0, 0);
}

static void test_hostconv_port_read_keeps_port_size_and_value(void)
{
	struct hostconv t;
	const struct trace_event *e;
	size_t count;

	hostconv_init(&t, 0);
	traced_fwcfg_guest(&t);
	e = hostconv_events(&t, &count);
	CHECK_EQ(count, 7); /* first_run, 3 exits, serial byte, shutdown exit and event */
	CHECK_EQ(e[2].r.t_ns, 6 * MS);
	CHECK_EQ(e[2].r.addr, 0x511);
	CHECK_EQ(e[2].r.size, 1);
	CHECK_EQ(e[2].r.dir, PROBE_DIR_READ);
	CHECK_EQ(e[2].r.value, 'Q');
	CHECK_EQ(e[1].r.addr, 0x510); /* the write before it keeps its own */
	hostconv_free(&t);
}

/* Traced and own, the same guest gets its kernel entry at the same exit. */
static void test_phases_traced_and_own_agree_on_kernel_entry(void)
{
	struct hostconv t;
	const struct trace_event *e;
	struct boot_phases traced;
	size_t count;

	hostconv_init(&t, 0);
	traced_fwcfg_guest(&t);
	e = hostconv_events(&t, &count);
	phases_compute(e, count, &traced);
	own_fwcfg_guest();
	compute();
	CHECK_STREQ(traced.kernel_entry_from, "last fw_cfg access");
	CHECK_STREQ(p.kernel_entry_from, "last fw_cfg access");
	CHECK_EQ(traced.kernel_entry, 6 * MS);
	CHECK_EQ(p.kernel_entry, traced.kernel_entry);
	hostconv_free(&t);
}

static void test_phases_exit_count_and_empty_trace(void)
{
	phases_compute(ev, 0, &p);
	CHECK_EQ(p.exits, 0);
	CHECK_EQ(span(PHASE_VMM), ~0ULL);
	add(4, PROBE_FIRST_RUN, 0, 0, 0);
	add(5, PROBE_EXIT, 0x3f8, 1, KVM_EXIT_IO);
	add(6, PROBE_EXIT, 0x3f8, 2, KVM_EXIT_IO);
	compute();
	CHECK_EQ(p.exits, 2);
	CHECK_STREQ(p.end_from, "last event");
}

static void test_trace_csv_round_trip(void)
{
	char path[] = "/tmp/mvm-trace-XXXXXX";
	struct trace_event *back;
	size_t count, bad;
	int fd = mkstemp(path);

	close(fd);
	add(1, PROBE_VMM_EXEC, 0, 0, 0);
	add(5, PROBE_EXIT, 0xfeb00070, 0xdeadbeef, KVM_EXIT_MMIO);
	marker(6, MARKER_PORT_LINUX, 0x42);
	ev[2].vcpu = -1;
	CHECK_EQ(trace_write(path, TRACE_CSV, ev, n, "t"), 0);
	CHECK_EQ(trace_read_csv(path, &back, &count, &bad), 0);
	CHECK_EQ(count, 3);
	CHECK(!memcmp(&back[1].r, &ev[1].r, sizeof(struct probe_rec)));
	CHECK_EQ(back[2].vcpu, -1);
	CHECK_EQ(back[2].r.value, 0x42);
	CHECK_EQ(back[1].tid, 100);
	free(back);
	unlink(path);
}

static void test_trace_csv_reader_rejects_bad_rows(void)
{
	char path[] = "/tmp/mvm-trace-XXXXXX";
	struct trace_event *back;
	size_t count, bad;
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	fputs("time_ns,vcpu,tid,event,detail,addr,size,dir,value\n"
	      "1,0,1,exit,io,0x3f8,1,w,0x41\n"
	      "2,0,1,teleport,,0x0,0,,0x0\n", f);
	fclose(f);
	CHECK_EQ(trace_read_csv(path, &back, &count, &bad), (uint64_t)-22);
	CHECK_EQ(bad, 3);
	CHECK(back == NULL);
	CHECK_EQ(trace_read_csv("/nonexistent", &back, &count, &bad), (uint64_t)-2);
	unlink(path);
}

int main(void)
{
	check_setup = reset;
	RUN(test_phases_direct_boot_with_marker_patch);
	RUN(test_phases_without_marker_patch_kernel_runs_to_the_end);
	RUN(test_phases_init_program_marker_stands_in_for_marker_7);
	RUN(test_phases_init_from_the_console_line_without_marker_7);
	RUN(test_phases_console_lines_that_are_not_init);
	RUN(test_phases_marker_7_wins_over_the_console_line);
	RUN(test_phases_print_names_the_console_line);
	RUN(test_phases_firmware_marker_is_kernel_entry);
	RUN(test_phases_firmware_without_markers_uses_last_fwcfg_access);
	RUN(test_phases_marker_values_count_only_on_their_port);
	RUN(test_phases_fwcfg_after_kernel_start_keeps_a_direct_boot);
	RUN(test_phases_firmware_console_before_the_kernel_load);
	RUN(test_hostconv_port_read_keeps_port_size_and_value);
	RUN(test_phases_traced_and_own_agree_on_kernel_entry);
	RUN(test_phases_exit_count_and_empty_trace);
	RUN(test_trace_csv_round_trip);
	RUN(test_trace_csv_reader_rejects_bad_rows);
	return check_summary("phases");
}
