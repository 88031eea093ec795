/*
 * runner.c: run the boots of a matrix, up to (jobs) at a time, each pinned
 * to a CPU, and append one row per finished boot to runs.csv.
 *
 * mvm boots record their own probes (--trace); QEMU boots are followed by
 * the host tracer.  Both give a trace in the same schema, so their phases
 * are computed the same way, under the same rules for every VMM:
 *  - a boot starts when the runner releases the forked child (pinned, its
 *    output redirected, and for QEMU the tracer following it) to exec the
 *    VMM: the runner's CLOCK_MONOTONIC then is the trace's vmm_exec, for
 *    mvm (handed over as MVM_EXEC_NS) and QEMU (replacing the traced
 *    sched_process_exec) alike;
 *  - a KVM_RUN interrupted by a signal (KVM_EXIT_INTR) is not an exit:
 *    mvm's probes never see one, the host tracer sees QEMU's, so neither
 *    counts;
 *  - fwcfg_reads and fwcfg_bytes come from mvm's fw_cfg probes; where there
 *    are none (QEMU) they are empty, not 0;
 *  - the footprint (rss_kib, pss_kib) is the time-weighted mean of samples
 *    taken every SAMPLE_MS from the exec on (equal intervals: their plain
 *    mean), whatever the boot's length, with the number of samples in
 *    rss_samples.  Not the maximum: the kernel image's load buffer makes a
 *    brief peak that a sample catches or misses by chance (1 to 9 MiB on
 *    the same cell); the true peak is peak_rss_kib (getrusage).
 * While a boot runs the runner samples the VMM's footprint and its vCPU
 * threads' preemptions, drains the host trace, and enforces the timeout; a
 * boot that does not finish is a row with status "timeout", a VMM killed by
 * a signal is "crash", and its stderr is kept under logs/.  A boot the host
 * disturbed (steal time, or its vCPU preempted far more often than the
 * run's typical boot of the same cell) is flagged, with the cause, in the
 * row's flag.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <linux/kvm.h>

#include "host.h"
#include "hostconv.h"
#include "phases.h"
#include "runner.h"

#define TICK_MS 20
#define SAMPLE_MS 100
/* A boot is flagged when steal takes this share of its CPU... */
#define FLAG_STEAL_PCT 2.0
#define FLAG_STEAL_MIN_TICKS 3
/* ...or its vCPU threads are preempted more than this many times as often
 * as the run's median boot, and by at least FLAG_SWITCHES_MIN more. */
#define FLAG_SWITCHES_RATIO 2.0
#define FLAG_SWITCHES_MIN 50
#define FWCFG_FIRST 0x510
#define FWCFG_LAST 0x51b

struct slot {
	const struct task *task;
	pid_t pid;
	int cpu;
	uint64_t start_ns, last_sample_ns; /* start_ns: the exec release, the trace's origin */
	bool qemu, exec_seen;
	struct hosttrace *ht; /* kept open across QEMU boots of this slot */
	struct hostconv conv;
	char trace[PATH_MAX], err[PATH_MAX], console[PATH_MAX];
	double rss_sum, pss_sum; /* over rss_samples samples */
	unsigned rss_samples;
	long long switches; /* vCPU threads' nonvoluntary switches, last seen; -1 unknown */
	unsigned long long steal0, ticks0; /* the CPU's steal and total ticks at the start */
	bool have_steal0;
	const char *killed_for; /* why the runner killed it, or NULL */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t parse_mem(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 10);

	switch (*end) {
	case 'k': case 'K': return v << 10;
	case 'g': case 'G': return v << 30;
	case 't': case 'T': return v << 40;
	default: return v << 20;
	}
}

static const char *kernel_file(const struct cell *c, char *buf, size_t len)
{
	/* Direct boot takes the uncompressed vmlinux; firmware loads a bzImage. */
	snprintf(buf, len, "%s/%s", c->v[AX_KERNEL],
		 strcmp(c->v[AX_FIRMWARE], "direct") ? "bzImage" : "vmlinux");
	return buf;
}

static const char *firmware_file(const struct runner *r, const struct cell *c)
{
	if (!strcmp(c->v[AX_FIRMWARE], "qboot"))
		return r->cfg->qboot;
	if (!strcmp(c->v[AX_FIRMWARE], "seabios"))
		return r->cfg->seabios;
	return NULL;
}

/* The VMM's command line for (s)'s task; strings live in (store). */
static void build_argv(const struct runner *r, struct slot *s, const char **argv,
		       char store[6][PATH_MAX + 16])
{
	const struct cell *c = s->task->cell;
	const char *fw = firmware_file(r, c);
	int n = 0;

	snprintf(store[0], PATH_MAX, "microvm,pit=%s,pic=%s,rtc=%s,isa-serial=%s,x-option-roms=%s%s",
		 c->v[AX_PIT], c->v[AX_PIC], c->v[AX_RTC], c->v[AX_ISA_SERIAL],
		 c->v[AX_OPTION_ROMS], s->qemu ? ",acpi=off" : fw ? "" : ",firmware=none");
	snprintf(store[1], PATH_MAX, "%u", r->cfg->smp);
	snprintf(store[3], PATH_MAX + 16, "file:%s", s->console);
	argv[n++] = s->qemu ? r->cfg->qemu : r->cfg->mvm;
	argv[n++] = "-M";
	argv[n++] = store[0];
	if (s->qemu) {
		argv[n++] = "-enable-kvm";
		argv[n++] = "-cpu";
		argv[n++] = "host,-arch-capabilities";
		argv[n++] = "-display";
		argv[n++] = "none";
	}
	argv[n++] = "-m";
	argv[n++] = r->cfg->mem;
	argv[n++] = "-smp";
	argv[n++] = store[1];
	if (fw) {
		argv[n++] = "-bios";
		argv[n++] = fw;
	}
	argv[n++] = "-kernel";
	argv[n++] = kernel_file(c, store[2], PATH_MAX);
	snprintf(store[4], PATH_MAX, "%s/initramfs.cpio", c->v[AX_KERNEL]);
	argv[n++] = "-initrd";
	argv[n++] = store[4];
	/* The append axis's variant goes after the fixed arguments, so it wins
	 * where the kernel takes the last of a repeated parameter. */
	snprintf(store[5], PATH_MAX, "%s%s%s", r->cfg->append, *c->v[AX_APPEND] ? " " : "",
		 c->v[AX_APPEND]);
	argv[n++] = "-append";
	argv[n++] = store[5];
	argv[n++] = "-nodefaults";
	argv[n++] = "-no-user-config";
	argv[n++] = "-serial";
	argv[n++] = store[3];
	argv[n++] = "-no-reboot";
	if (!s->qemu) {
		argv[n++] = "--trace";
		argv[n++] = s->trace;
	}
	argv[n] = NULL;
}

/*
 * Fork mvm as the host tracer forks QEMU: the child waits at a gate, and
 * the runner's clock when it opens the gate is the boot's start, which the
 * child hands to mvm as MVM_EXEC_NS (mvm's vmm_exec).
 */
static pid_t spawn_mvm(const char *const *argv, int err_fd, int cpu, uint64_t *start_ns)
{
	char exec_ns[32];
	uint64_t t = 0;
	cpu_set_t set;
	int gate[2];
	pid_t pid;

	if (pipe2(gate, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(gate[0]);
		close(gate[1]);
		return -errno;
	}
	if (pid == 0) {
		close(gate[1]);
		if (read(gate[0], &t, sizeof(t)) != sizeof(t))
			_exit(127);
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
		dup2(err_fd, STDERR_FILENO);
		dup2(err_fd, STDOUT_FILENO);
		snprintf(exec_ns, sizeof(exec_ns), "%llu", (unsigned long long)t);
		setenv("MVM_EXEC_NS", exec_ns, 1);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(gate[0]);
	t = *start_ns = now_ns();
	if (write(gate[1], &t, sizeof(t)) != sizeof(t))
		kill(pid, SIGKILL); /* reaped as a crash */
	close(gate[1]);
	return pid;
}

static int start(struct runner *r, struct slot *s, const struct task *t)
{
	const char *argv[48];
	static char store[6][PATH_MAX + 16]; /* the main thread's only: slots start one by one */
	char name[64];
	int err_fd;

	s->task = t;
	s->qemu = !strcmp(t->cell->v[AX_VMM], "qemu");
	s->killed_for = NULL;
	s->rss_sum = s->pss_sum = 0;
	s->rss_samples = 0;
	s->switches = -1;
	s->exec_seen = false;
	s->have_steal0 = host_cpu_steal(s->cpu, &s->steal0, &s->ticks0) == 0;
	snprintf(name, sizeof(name), "cell%u-rep%u%s", t->cell->id, t->rep, t->warmup ? "-warmup" : "");
	snprintf(s->err, sizeof(s->err), "%s/logs/%s.stderr", r->out_dir, name);
	snprintf(s->console, sizeof(s->console), "%s/logs/%s.console", r->out_dir, name);
	snprintf(s->trace, sizeof(s->trace), "%s/logs/%s.trace.csv", r->out_dir, name);
	build_argv(r, s, argv, store);
	err_fd = open(s->err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (err_fd < 0)
		return -errno;
	if (s->qemu) {
		hostconv_init(&s->conv, 0);
		s->pid = hosttrace_spawn(s->ht, argv, err_fd, err_fd, s->cpu);
		s->start_ns = now_ns(); /* just after hosttrace_spawn opened its gate */
		s->conv.child = s->pid;
	} else {
		s->pid = spawn_mvm(argv, err_fd, s->cpu, &s->start_ns);
	}
	close(err_fd);
	s->last_sample_ns = 0; /* the first sample at the first look after the exec */
	return s->pid < 0 ? (int)s->pid : 0;
}

static void sample(struct slot *s, uint64_t guest_ram)
{
	long long switches = host_vcpu_nonvoluntary_switches(s->pid);
	double rss, pss;

	if (switches > s->switches)
		s->switches = switches;
	if (host_footprint(s->pid, guest_ram, &rss, &pss))
		return;
	s->rss_samples++;
	s->rss_sum += rss;
	s->pss_sum += pss;
}

/* QEMU stops (but does not exit) when KVM cannot emulate an instruction. */
static bool stderr_says_internal_error(const struct slot *s)
{
	char buf[4096] = "";
	FILE *f = fopen(s->err, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = 0;
	return strstr(buf, "KVM internal error") || strstr(buf, "emulation failure");
}

static void watch(struct runner *r, struct slot *s, uint64_t now)
{
	if (s->qemu)
		hosttrace_poll(s->ht, hostconv_event, &s->conv);
	/* Before its exec the child still has the runner's memory: not the VMM's. */
	if (!s->exec_seen)
		s->exec_seen = host_has_exec(s->pid);
	if (s->exec_seen && now - s->last_sample_ns >= SAMPLE_MS * 1000000ULL) {
		s->last_sample_ns = now;
		sample(s, r->guest_ram);
		if (s->qemu && !s->killed_for && stderr_says_internal_error(s))
			s->killed_for = "KVM internal error (emulation failure)";
	}
	if (!s->killed_for && now - s->start_ns > (uint64_t)r->cfg->timeout_s * 1000000000ULL)
		s->killed_for = "timeout";
	if (s->killed_for)
		kill(s->pid, SIGKILL);
}

static double ms(uint64_t from, uint64_t to)
{
	return from && to && to >= from ? (double)(to - from) / 1e6 : NAN;
}

static void fill_phases(struct row *row, const struct trace_event *ev, size_t n, bool own_probes)
{
	struct boot_phases p;
	uint64_t a, b;

	phases_compute(ev, n, &p);
	for (int i = 0; i < PHASE_COUNT; i++)
		row->m[M_VMM_MS + i] = phases_span(&p, (enum boot_phase)i, &a, &b) ? ms(a, b) : NAN;
	row->m[M_START_KERNEL_MS] = ms(p.origin, p.start_kernel);
	row->m[M_FIRST_CONSOLE_MS] = ms(p.origin, p.first_console);
	row->m[M_INIT_MS] = ms(p.origin, p.init);
	row->m[M_TOTAL_MS] = ms(p.origin, p.end);
	row->m[M_EXITS] = row->m[M_EXITS_IO] = row->m[M_EXITS_MMIO] = row->m[M_EXITS_OTHER] = 0;
	/* Known from mvm's fw_cfg probes only: where there are none, unknown. */
	row->m[M_FWCFG_READS] = row->m[M_FWCFG_BYTES] = own_probes ? 0 : NAN;
	for (size_t i = 0; i < n; i++) {
		const struct probe_rec *r = &ev[i].r;

		if (r->kind == PROBE_FWCFG_READ && own_probes)
			row->m[M_FWCFG_BYTES] += (double)r->value;
		/* An interrupted KVM_RUN is no exit, for any VMM (see the top). */
		if (r->kind != PROBE_EXIT || r->reason == KVM_EXIT_INTR)
			continue;
		row->m[M_EXITS]++;
		row->m[r->reason == KVM_EXIT_IO ? M_EXITS_IO
		       : r->reason == KVM_EXIT_MMIO ? M_EXITS_MMIO : M_EXITS_OTHER]++;
		if (own_probes)
			row->m[M_FWCFG_READS] += r->reason == KVM_EXIT_IO && r->dir == PROBE_DIR_READ &&
						 r->addr >= FWCFG_FIRST && r->addr <= FWCFG_LAST;
	}
	if (!p.init && !strcmp(row->status, "ok"))
		snprintf(row->status, sizeof(row->status), "noinit");
}

/* The one start rule: every trace's vmm_exec is the runner's start time. */
static void set_origin(struct trace_event *ev, size_t n, uint64_t start_ns)
{
	for (size_t i = 0; i < n; i++)
		if (ev[i].r.kind == PROBE_VMM_EXEC)
			ev[i].r.t_ns = start_ns;
}

/* The trace of a finished boot: mvm's own file, or the host tracer's. */
static struct trace_event *collect(struct slot *s, size_t *n)
{
	struct trace_event *ev = NULL;
	const struct trace_event *host;
	size_t bad;

	*n = 0;
	if (!s->qemu) {
		if (trace_read_csv(s->trace, &ev, n, &bad))
			*n = 0;
	} else {
		hosttrace_stop(s->ht);
		hosttrace_poll(s->ht, hostconv_event, &s->conv);
		host = hostconv_events(&s->conv, n);
		ev = *n ? malloc(*n * sizeof(*ev)) : NULL;
		if (ev)
			memcpy(ev, host, *n * sizeof(*ev));
		else
			*n = 0;
		hostconv_free(&s->conv);
	}
	set_origin(ev, *n, s->start_ns);
	return ev;
}

/* Last line of the VMM's stderr, for the row's note. */
static void last_stderr_line(const struct slot *s, char *buf, size_t len)
{
	char line[512];
	FILE *f = fopen(s->err, "r");

	buf[0] = 0;
	while (f && fgets(line, sizeof(line), f))
		if (line[strspn(line, " \t\n")])
			snprintf(buf, len, "%.*s", (int)strcspn(line, "\n"), line);
	if (f)
		fclose(f);
}

static void set_status(struct row *row, const struct slot *s, int status, unsigned timeout_s,
		       char *note, size_t len)
{
	const char *st = "ok";

	note[0] = 0;
	if (s->killed_for && !strcmp(s->killed_for, "timeout")) {
		st = "timeout";
		snprintf(note, len, "no exit after %u s", timeout_s);
	} else if (s->killed_for) {
		st = "fail";
		snprintf(note, len, "%s", s->killed_for);
	} else if (WIFSIGNALED(status)) {
		st = "crash";
		snprintf(note, len, "killed by signal %d", WTERMSIG(status));
	} else if (WEXITSTATUS(status)) {
		st = "fail";
		last_stderr_line(s, note, len);
	}
	snprintf(row->status, sizeof(row->status), "%s", st);
}

static void utc_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Where the numbers come from, then the row goes to runs.csv. */
static void record(struct runner *r, struct row *row, const struct slot *s)
{
	const struct cell *c = s->task->cell;
	const char *fw = firmware_file(r, c);
	char kernel[512], initrd[512], when[32];

	snprintf(initrd, sizeof(initrd), "%s/initramfs.cpio", c->v[AX_KERNEL]);
	utc_now(when, sizeof(when));
	row->id[ID_HOST] = r->host;
	row->id[ID_GIT_REV] = r->git_rev;
	row->id[ID_KERNEL_SHA256] = (char *)host_file_sha256(kernel_file(c, kernel, sizeof(kernel)));
	row->id[ID_INITRD_SHA256] = (char *)host_file_sha256(initrd);
	row->id[ID_FIRMWARE_SHA256] = (char *)(fw ? host_file_sha256(fw) : "");
	row->id[ID_STARTED_AT] = when;
	row->m[M_BINARY_BYTES] = (double)host_file_size(host_which(s->qemu ? r->cfg->qemu : r->cfg->mvm));
	if (results_append(r->runs_path, row))
		fprintf(stderr, "mvm-bench: cannot append to %s: %s\n", r->runs_path, strerror(errno));
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median vCPU switch rate (per second) of the run's earlier boots of
 * cell (cell), or NAN.  Per cell: the VMM's own threads preempt the vCPU
 * more under some settings (a PIT's timer), which is no disturbance. */
static double typical_switch_rate(const struct runner *r, unsigned cell)
{
	double *x = r->nrates ? malloc(r->nrates * sizeof(*x)) : NULL, m;
	size_t k = 0;

	for (size_t i = 0; x && i < r->nrates; i++)
		if (r->switch_rate[i].cell == cell)
			x[k++] = r->switch_rate[i].rate;
	if (!k) {
		free(x);
		return NAN;
	}
	qsort(x, k, sizeof(*x), cmp_double);
	m = k % 2 ? x[k / 2] : (x[k / 2 - 1] + x[k / 2]) / 2;
	free(x);
	return m;
}

static void remember_switch_rate(struct runner *r, unsigned cell, double rate)
{
	if (r->nrates == r->rates_cap) {
		size_t cap = r->rates_cap ? 2 * r->rates_cap : 64;
		struct switch_rate *bigger = realloc(r->switch_rate, cap * sizeof(*bigger));

		if (!bigger)
			return;
		r->switch_rate = bigger;
		r->rates_cap = cap;
	}
	r->switch_rate[r->nrates++] = (struct switch_rate){ cell, rate };
}

/*
 * Did the host disturb this boot?  The cause in (flag) ("" if not): steal
 * time on its CPU during the boot, or its vCPU threads preempted far more
 * often than the run's typical boot of the same cell (warm-ups included).
 */
static void disturbance(struct runner *r, const struct slot *s, uint64_t end_ns, char *flag,
			size_t len)
{
	unsigned cell = s->task->cell->id;
	double secs = (double)(end_ns - s->start_ns) / 1e9, typical = typical_switch_rate(r, cell);
	unsigned long long steal, ticks;
	size_t off = 0;

	flag[0] = 0;
	if (s->have_steal0 && host_cpu_steal(s->cpu, &steal, &ticks) == 0 && ticks > s->ticks0) {
		double pct = 100.0 * (double)(steal - s->steal0) / (double)(ticks - s->ticks0);

		/* A tick or two of a short boot is no evidence. */
		if (pct >= FLAG_STEAL_PCT && steal - s->steal0 >= FLAG_STEAL_MIN_TICKS)
			off += (size_t)snprintf(flag, len, "steal %.1f %%", pct);
	}
	if (s->switches < 0 || secs <= 0)
		return;
	if (!isnan(typical) &&
	    (double)s->switches > FLAG_SWITCHES_RATIO * typical * secs &&
	    (double)s->switches > typical * secs + FLAG_SWITCHES_MIN && off < len)
		snprintf(flag + off, len - off, "%snonvoluntary switches %lld (typical %.0f)",
			 off ? "; " : "", s->switches, typical * secs);
	remember_switch_rate(r, cell, (double)s->switches / secs);
}

static void finish(struct runner *r, struct slot *s, int status, const struct rusage *ru)
{
	struct row row = { .rep = s->task->rep };
	struct trace_event *ev;
	char note[512], flag[160];
	size_t n;

	for (int i = 0; i < M_COUNT; i++)
		row.m[i] = NAN;
	for (int i = 0; i < AX_COUNT; i++)
		row.v[i] = (char *)s->task->cell->v[i];
	set_status(&row, s, status, r->cfg->timeout_s, note, sizeof(note));
	ev = collect(s, &n);
	if (!strcmp(row.status, "ok") || n)
		fill_phases(&row, ev, n, !s->qemu);
	disturbance(r, s, now_ns(), flag, sizeof(flag));
	row.flag = flag[0] ? flag : NULL;
	if (!strcmp(row.status, "noinit") && !note[0])
		snprintf(note, sizeof(note), "the VMM exited without the init marker");
	row.note = note;
	row.m[M_USER_CPU_MS] = (double)ru->ru_utime.tv_sec * 1e3 + (double)ru->ru_utime.tv_usec / 1e3;
	row.m[M_SYS_CPU_MS] = (double)ru->ru_stime.tv_sec * 1e3 + (double)ru->ru_stime.tv_usec / 1e3;
	row.m[M_PEAK_RSS_KIB] = (double)ru->ru_maxrss;
	row.m[M_RSS_KIB] = s->rss_samples ? s->rss_sum / s->rss_samples : NAN;
	row.m[M_PSS_KIB] = s->rss_samples ? s->pss_sum / s->rss_samples : NAN;
	row.m[M_RSS_SAMPLES] = s->rss_samples;
	row.m[M_MINOR_FAULTS] = (double)ru->ru_minflt;
	row.m[M_MAJOR_FAULTS] = (double)ru->ru_majflt;
	free(ev);
	if (!s->task->warmup) {
		record(r, &row, s);
		r->flagged += row.flag != NULL;
	}
	r->last_status = strcmp(row.status, "ok") == 0;
	r->last_init_ms = row.m[M_INIT_MS];
	snprintf(r->last_flag, sizeof(r->last_flag), "%s", flag);
	/* Logs are kept for boots that went wrong, for the curious and for CI. */
	if (!strcmp(row.status, "ok") || s->task->warmup) {
		unlink(s->err);
		unlink(s->console);
	}
	unlink(s->trace);
}

/* ---- the loop ---- */

static void progress(struct runner *r, const struct slot *s)
{
	double elapsed = (double)(now_ns() - r->t0) / 1e9;
	double eta = r->done ? elapsed / (double)r->done * (double)(r->total - r->done) : 0;
	const char *what = s->task->warmup ? "warm-up" : r->last_status ? "ok" : "NOT ok";
	const char *label = r->label ? r->label : "";

	if (r->tty) {
		int width = 30, fill = (int)(width * r->done / (r->total ? r->total : 1));

		fprintf(stderr, "\r%s [%.*s%*s] %zu/%zu  %.0f s elapsed, ETA %.0f s   ", label, fill,
			"##############################", width - fill, "", r->done, r->total, elapsed, eta);
		if (r->done == r->total)
			fputc('\n', stderr);
		return;
	}
	fprintf(stderr, "%s [%zu/%zu] %s: %s, init %.1f s%s%s (ETA %.0f s)\n", label, r->done,
		r->total, s->task->cell->key, what, r->last_init_ms / 1e3,
		r->last_flag[0] ? ", flagged: " : "", r->last_flag, eta);
}

static void reap(struct runner *r, struct slot *slot, unsigned jobs)
{
	for (unsigned k = 0; k < jobs; k++) {
		struct slot *s = &slot[k];
		struct rusage ru;
		int status;

		if (!s->task)
			continue;
		watch(r, s, now_ns());
		if (wait4(s->pid, &status, WNOHANG, &ru) != s->pid)
			continue;
		finish(r, s, status, &ru);
		r->done++;
		progress(r, s);
		s->task = NULL;
	}
}

static struct slot *free_slot(struct slot *slot, unsigned jobs)
{
	for (unsigned k = 0; k < jobs; k++)
		if (!slot[k].task)
			return &slot[k];
	return NULL;
}

static unsigned busy(const struct slot *slot, unsigned jobs)
{
	unsigned n = 0;

	for (unsigned k = 0; k < jobs; k++)
		n += slot[k].task != NULL;
	return n;
}

static void stop_all(struct slot *slot, unsigned jobs)
{
	for (unsigned k = 0; k < jobs; k++) {
		if (!slot[k].task)
			continue;
		kill(slot[k].pid, SIGKILL);
		waitpid(slot[k].pid, NULL, 0);
		unlink(slot[k].trace);
		if (slot[k].qemu)
			hostconv_free(&slot[k].conv);
		slot[k].task = NULL;
	}
}

static int open_tracers(struct slot *slot, unsigned jobs, bool need)
{
	const char *why = "";
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	for (unsigned k = 0; k < jobs; k++) {
		slot[k].cpu = (int)(k % (unsigned)(ncpu > 0 ? ncpu : 1));
		if (!need || slot[k].ht)
			continue;
		slot[k].ht = hosttrace_open(&why);
		if (!slot[k].ht) {
			fprintf(stderr, "mvm-bench: QEMU cells need the host tracer: %s\n", why);
			return -1;
		}
	}
	return 0;
}

/* The slots, and the host tracers when (tasks) have QEMU boots, kept
 * across runner_run() calls (a tracer is slow to set up). */
static int ensure_slots(struct runner *r, const struct task *tasks, size_t ntasks)
{
	bool need_tracer = false;

	for (size_t i = 0; i < ntasks; i++)
		need_tracer |= !strcmp(tasks[i].cell->v[AX_VMM], "qemu");
	if (!r->slot) {
		r->slot = calloc(r->cfg->jobs, sizeof(*r->slot));
		if (!r->slot)
			return -1;
	}
	if (need_tracer && !r->slot[0].ht)
		return open_tracers(r->slot, r->cfg->jobs, true);
	open_tracers(r->slot, r->cfg->jobs, false); /* the CPUs */
	return 0;
}

int runner_run(struct runner *r, const struct task *tasks, size_t ntasks)
{
	unsigned jobs = r->cfg->jobs;
	size_t next = 0;

	if (ensure_slots(r, tasks, ntasks))
		return -1;
	r->t0 = now_ns();
	r->done = 0;
	r->total = ntasks;
	r->guest_ram = parse_mem(r->cfg->mem);
	while ((next < ntasks || busy(r->slot, jobs)) && !*r->stop) {
		struct slot *s;

		while (next < ntasks && (s = free_slot(r->slot, jobs)))
			if (start(r, s, &tasks[next++]))
				fprintf(stderr, "mvm-bench: cannot start %s: %s\n",
					tasks[next - 1].cell->key, strerror(errno));
		reap(r, r->slot, jobs);
		usleep(TICK_MS * 1000);
	}
	if (*r->stop) {
		stop_all(r->slot, jobs); /* unfinished boots leave no row */
		return -EINTR;
	}
	return 0;
}

void runner_close(struct runner *r)
{
	for (unsigned k = 0; r->slot && k < r->cfg->jobs; k++)
		hosttrace_close(r->slot[k].ht);
	free(r->slot);
	free(r->switch_rate);
	r->slot = NULL;
	r->switch_rate = NULL;
	r->nrates = r->rates_cap = 0;
}
