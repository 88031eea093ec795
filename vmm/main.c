/* main.c: mvm entry point: parse, build the microvm, run, report. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/config.h"
#include "core/log.h"
#include "board/microvm.h"
#include "host/outbuf.h"
#include "host/outfile.h"
#include "console.h"
#include "phases.h"
#include "probe.h"
#include "host/sandbox.h"

#ifndef MVM_VERSION
#define MVM_VERSION "unknown"
#endif

/* Enough for a trimmed Linux boot's exits; more are counted as dropped. */
#define PROBE_RECORDS_PER_THREAD (1u << 20)

static struct termios saved_tty;
static bool tty_raw;

/* Raw input for the guest console, but keep ISIG (Ctrl-C ends mvm, as with
 * QEMU's stdio backend) and output processing. */
static void tty_set_raw(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tty))
		return;
	t = saved_tty;
	t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | IEXTEN);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	tty_raw = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
}

static void tty_restore(void)
{
	if (tty_raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
	tty_raw = false;
}

/* "t.json" -> "t.csv", anything else -> "<path>.csv". */
static char *csv_twin(const char *path)
{
	size_t len = strlen(path);
	char *twin = malloc(len + 5);

	if (!twin)
		return NULL;
	strcpy(twin, path);
	if (len > 5 && !strcmp(path + len - 5, ".json"))
		strcpy(twin + len - 5, ".csv");
	else
		strcat(twin, ".csv");
	return twin;
}

/* The --trace files, opened before the sandbox (outfile.h). */
static struct outfiles trace_files = { .commit_fd = -1 };

static int open_traces(const struct vm_config *cfg)
{
	const char *paths[OUTFILES_MAX] = { cfg->trace_path, NULL };
	char *twin = NULL;
	unsigned n = 1, bad;
	int err;

	if (cfg->trace_format == TRACE_CHROME) {
		twin = csv_twin(cfg->trace_path);
		if (!twin)
			return -ENOMEM;
		paths[n++] = twin;
	}
	err = outfiles_open(&trace_files, paths, n, &bad);
	if (err)
		log_err("cannot write trace '%s': %s", paths[bad], strerror(-err));
	free(twin);
	return err;
}

static int write_trace(unsigned i, enum trace_format format, const struct trace_event *ev, size_t n)
{
	FILE *f = outfiles_stream(&trace_files, i);
	int err;

	if (!f)
		return -errno;
	err = trace_write_stream(f, format, ev, n, "mvm");
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

static int write_traces(const struct vm_config *cfg, const struct trace_event *ev, size_t n)
{
	int err = write_trace(0, cfg->trace_format, ev, n);

	if (!err && cfg->trace_format == TRACE_CHROME)
		err = write_trace(1, TRACE_CSV, ev, n);
	err = outfiles_finish(&trace_files, !err) ?: err;
	if (err)
		log_err("cannot write trace '%s': %s", cfg->trace_path, strerror(-err));
	return err;
}

/* The --console-marker points: the first ttyS0 line each regex matches. */
static void print_console_markers(FILE *f, const struct vm_config *cfg,
				  const struct trace_event *ev, size_t n, uint64_t origin)
{
	struct console_marker m[CONFIG_MAX_CONSOLE_MARKERS];
	size_t bad = 0;

	for (unsigned i = 0; i < cfg->nconsole_markers; i++)
		m[i] = (struct console_marker){ cfg->console_marker[i].regex,
						cfg->console_marker[i].name, 0 };
	if (console_markers_find(ev, n, m, cfg->nconsole_markers, &bad) == 0)
		console_markers_print(f, "mvm", m, cfg->nconsole_markers, origin);
}

/* The phase summary, where log messages go (one write, never blocking). */
static void print_phases(const struct vm_config *cfg, const struct boot_phases *phases,
			 const struct trace_event *ev, size_t n)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return;
	phases_print(f, phases, "mvm");
	print_console_markers(f, cfg, ev, n, phases->origin);
	if (fclose(f) == 0)
		log_write(text, len);
	free(text);
}

static int report_probes(const struct vm_config *cfg)
{
	struct boot_phases phases;
	struct trace_event *ev;
	size_t n;
	int err = 0;

	if (!probes_on())
		return 0;
	probe_emit(PROBE_VMM_EXIT, 0, 0);
	if (probes_dropped())
		log_warn("probe buffers full: %llu records dropped",
			 (unsigned long long)probes_dropped());
	ev = probes_collect(&n);
	if (cfg->probe_summary) {
		phases_compute(ev, n, &phases);
		print_phases(cfg, &phases, ev, n);
	}
	if (cfg->trace_path)
		err = write_traces(cfg, ev, n);
	free(ev);
	return err;
}

/* Process start time from /proc/self/stat (field 22, clock ticks since
 * boot on CLOCK_BOOTTIME), converted to CLOCK_MONOTONIC; 0 if unreadable. */
static uint64_t proc_start_time(void)
{
	unsigned long long ticks;
	struct timespec boot, mono;
	char buf[1024], *p = NULL, *save = NULL;
	FILE *f = fopen("/proc/self/stat", "r");
	int field = 2;

	if (f && fgets(buf, sizeof(buf), f))
		p = strrchr(buf, ')');
	if (f)
		fclose(f);
	if (!p)
		return 0;
	for (char *tok = strtok_r(p + 1, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (++field < 22)
			continue;
		ticks = strtoull(tok, NULL, 10);
		clock_gettime(CLOCK_BOOTTIME, &boot);
		clock_gettime(CLOCK_MONOTONIC, &mono);
		return ticks * (1000000000ULL / (uint64_t)sysconf(_SC_CLK_TCK)) -
		       ((uint64_t)(boot.tv_sec - mono.tv_sec) * 1000000000ULL +
			(uint64_t)(boot.tv_nsec - mono.tv_nsec));
	}
	return 0;
}

/*
 * When the VMM was exec'd, for the "vmm" phase: the harness's timestamp
 * (MVM_EXEC_NS: CLOCK_MONOTONIC ns taken just before execve) if given,
 * else the process start time from /proc (clock-tick resolution, so it is
 * marked as such in the trace: addr 1).
 */
static void record_exec_time(void)
{
	const char *env = getenv("MVM_EXEC_NS");
	uint64_t t = env && *env ? strtoull(env, NULL, 10) : proc_start_time();

	if (t)
		probe_emit_at(t, PROBE_VMM_EXEC, 0, env && *env ? 0 : 1, 0, PROBE_DIR_NONE, 0);
}

static int start_probes(const struct vm_config *cfg, uint64_t t0)
{
	if (!cfg->trace_path && !cfg->probe_summary)
		return 0;
	if (cfg->trace_path && open_traces(cfg))
		return MICROVM_EINPUT;
	if (probes_init(cfg->cpus + 1, PROBE_RECORDS_PER_THREAD)) {
		log_err("cannot allocate probe buffers");
		outfiles_finish(&trace_files, false);
		return MICROVM_EVMM;
	}
	probes_attach(0);
	record_exec_time();
	probe_emit_at(t0, PROBE_VMM_START, 0, 0, 0, PROBE_DIR_NONE, 0);
	return 0;
}

/* Messages go to a non-blocking stderr of mvm's own where one can be had,
 * so that a reader who stopped reading does not hold mvm up (outbuf.h). */
static void use_private_stderr(void)
{
	int fd = outbuf_reopen_private(STDERR_FILENO);

	if (fd >= 0)
		log_set_fd(fd);
}

int main(int argc, char **argv)
{
	uint64_t t0 = probe_now();
	struct vm_config cfg;
	struct microvm vm;
	char err[256];
	int status;

	use_private_stderr();
	config_defaults(&cfg);
	if (config_parse(&cfg, argc, argv, err, sizeof(err))) {
		log_err("%s", err);
		fprintf(stderr, "Try 'mvm --help' for more information.\n");
		return MICROVM_EINPUT;
	}
	if (cfg.help) {
		fputs(config_usage, stdout);
		return 0;
	}
	if (cfg.version) {
		printf("mvm %s\n", MVM_VERSION);
		return 0;
	}
	status = start_probes(&cfg, t0);
	if (status)
		return status;
	status = microvm_create(&vm, &cfg);
	if (status == MICROVM_OK) {
		probe_emit(PROBE_VM_CREATED, 0, 0);
		if (microvm_serial_on_stdio(&vm))
			tty_set_raw();
		sandbox_set_denied_hook(tty_restore);
		status = microvm_run(&vm);
		tty_restore();
		if (report_probes(&cfg) && status == MICROVM_OK)
			status = MICROVM_EVMM;
	}
	microvm_destroy(&vm);
	outfiles_finish(&trace_files, false); /* a VM that never ran leaves no trace */
	probes_free();
	return status;
}
