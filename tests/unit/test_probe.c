/* test_probe.c: probe buffers, drop counting, CSV output merged by time. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot_markers.h"
#include "check.h"
#include "probe.h"

static char *slurp(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

static void test_probe_off_records_nothing(void)
{
	probes_attach(0); /* no buffers: probes are off */
	CHECK(!probes_on());
	probe_emit(PROBE_MARKER, 0xf4, 6);
	CHECK_EQ(probes_dropped(), 0);
}

static void test_probe_full_buffer_drops_and_counts(void)
{
	CHECK_EQ(probes_init(1, 2), 0);
	probes_attach(0);
	probe_emit(PROBE_VMM_START, 0, 0);
	probe_emit(PROBE_VM_CREATED, 0, 0);
	probe_emit(PROBE_MARKER, 0xf4, 6);
	probe_emit(PROBE_MARKER, 0xf4, 7);
	CHECK_EQ(probe_tls->n, 2);
	CHECK_EQ(probes_dropped(), 2);
	probes_free();
}

static void test_probe_collect_merges_threads_by_time(void)
{
	char path[] = "/tmp/mvm-probe-XXXXXX";
	int fd = mkstemp(path);
	struct trace_event *ev;
	const char *csv;
	size_t n;

	close(fd);
	CHECK_EQ(probes_init(2, 16), 0);
	probes_attach(0);
	probe_tls->tid = 10; /* fixed TIDs so the output is exact */
	probe_emit_at(100, PROBE_VMM_START, 0, 0, 0, PROBE_DIR_NONE, 0);
	probe_emit_at(400, PROBE_SHUTDOWN, 0, 0, 0, PROBE_DIR_NONE, 0);
	probes_attach(1); /* vCPU 0 */
	probe_tls->tid = 11;
	probe_emit_at(200, PROBE_EXIT, 2, 0xf4, 1, PROBE_DIR_WRITE, 6);
	probe_emit_at(300, PROBE_MARKER, 0, 0xf4, 0, PROBE_DIR_NONE, MARKER_LINUX_START_USER);
	ev = probes_collect(&n);
	CHECK_EQ(n, 4);
	CHECK_EQ(trace_write(path, TRACE_CSV, ev, n, "t"), 0);
	csv = slurp(path);
	CHECK(csv != NULL);
	CHECK(!strcmp(csv, "time_ns,vcpu,tid,event,detail,addr,size,dir,value\n"
			   "100,-1,10,vmm_start,,0x0,0,,0x0\n"
			   "200,0,11,exit,io,0xf4,1,w,0x6\n"
			   "300,0,11,marker,linux_start_user,0xf4,0,,0x7\n"
			   "400,-1,10,shutdown,,0x0,0,,0x0\n"));
	free(ev);
	unlink(path);
	probes_free();
}

static void test_probe_trace_to_unwritable_path_fails_cleanly(void)
{
	struct trace_event ev = { 0 };

	CHECK_EQ(trace_write("/nonexistent-dir/t.csv", TRACE_CSV, &ev, 1, "t"), (uint64_t)-ENOENT);
}

static void test_probe_trace_to_a_fifo_writes_in_place(void)
{
	char dir[] = "/tmp/mvm-fifo-XXXXXX", path[64];
	struct trace_event ev = { 0 };
	struct stat st;
	int keep;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	CHECK_EQ(mkfifo(path, 0600), 0);
	keep = open(path, O_RDWR | O_NONBLOCK); /* a reader, so the write does not block */
	CHECK_EQ(trace_write(path, TRACE_CSV, &ev, 1, "t"), 0);
	CHECK_EQ(stat(path, &st), 0);
	CHECK(S_ISFIFO(st.st_mode)); /* not replaced by a regular file */
	close(keep);
	unlink(path);
	rmdir(dir);
}

static void test_probe_names(void)
{
	CHECK(!strcmp(probe_kind_name(PROBE_SERIAL_FIRST_BYTE), "serial_first_byte"));
	CHECK(!strcmp(probe_kind_name(999), "unknown"));
	CHECK(!strcmp(boot_marker_name(MARKER_LINUX_START_KERNEL), "linux_start_kernel"));
	CHECK(boot_marker_name(42) == NULL);
	CHECK(!strcmp(probe_exit_reason_name(2), "io"));
}

/* Guest events inside an exit carry its time; a named one its name. */
static void test_probe_guest_events_take_the_exit_time_and_name(void)
{
	struct trace_event *ev, *named;
	uint64_t t;
	size_t n;

	CHECK_EQ(probes_init(1, 4), 0);
	probes_attach(0);
	t = probe_exit_begin();
	probe_emit_guest_named(PROBE_FWCFG_SELECT, 0, 0x19, 0, PROBE_DIR_WRITE, 4, "etc/e820");
	probe_emit_guest(PROBE_MARKER, 0, 0xf4, 0, PROBE_DIR_NONE, 1);
	probe_exit_end();
	ev = probes_collect(&n);
	CHECK_EQ(n, 2);
	CHECK_EQ(ev[0].r.t_ns, t);
	CHECK_EQ(ev[1].r.t_ns, t);
	named = ev[0].r.kind == PROBE_FWCFG_SELECT ? &ev[0] : &ev[1];
	CHECK(!strcmp(trace_detail(named), "select:etc/e820"));
	CHECK((named == ev ? &ev[1] : &ev[0])->name == NULL); /* the marker */
	free(ev);
	probes_free();
}

int main(void)
{
	RUN(test_probe_off_records_nothing);
	RUN(test_probe_full_buffer_drops_and_counts);
	RUN(test_probe_collect_merges_threads_by_time);
	RUN(test_probe_trace_to_unwritable_path_fails_cleanly);
	RUN(test_probe_trace_to_a_fifo_writes_in_place);
	RUN(test_probe_names);
	RUN(test_probe_guest_events_take_the_exit_time_and_name);
	return check_summary("probe");
}
