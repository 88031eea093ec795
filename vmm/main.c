/* main.c: mvm entry point: parse, build the microvm, run, report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "microvm.h"
#include "probe.h"

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

static int report_probes(const struct vm_config *cfg)
{
	int err;

	probe_emit(PROBE_VMM_EXIT, 0, 0);
	if (cfg->probe_summary)
		probes_print_summary(stderr);
	if (probes_dropped())
		log_warn("probe buffers full: %llu records dropped",
			 (unsigned long long)probes_dropped());
	if (!cfg->trace_path)
		return 0;
	err = probes_write_csv(cfg->trace_path);
	if (err)
		log_err("cannot write trace '%s': %s", cfg->trace_path, strerror(-err));
	return err;
}

static int start_probes(const struct vm_config *cfg, uint64_t t0)
{
	if (!cfg->trace_path && !cfg->probe_summary)
		return 0;
	if (probes_init(cfg->cpus + 1, PROBE_RECORDS_PER_THREAD)) {
		log_err("cannot allocate probe buffers");
		return -1;
	}
	probes_attach(0);
	probe_emit_at(t0, PROBE_VMM_START, 0, 0, 0, PROBE_DIR_NONE, 0);
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t t0 = probe_now();
	struct vm_config cfg;
	struct microvm vm;
	char err[256];
	int status;

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
	if (start_probes(&cfg, t0))
		return MICROVM_EVMM;
	status = microvm_create(&vm, &cfg);
	if (status == MICROVM_OK) {
		probe_emit(PROBE_VM_CREATED, 0, 0);
		if (vm.has_serial && cfg.serial == SERIAL_STDIO)
			tty_set_raw();
		status = microvm_run(&vm);
		tty_restore();
		if (report_probes(&cfg) && status == MICROVM_OK)
			status = MICROVM_EVMM;
	}
	microvm_destroy(&vm);
	probes_free();
	return status;
}
