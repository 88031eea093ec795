/* hosttrace.c: libtracefs instance set-up, child spawning and event decoding. */
#include <errno.h>
#include <event-parse.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <tracefs.h>
#include <unistd.h>

#include "hosttrace.h"

#define BUFFER_KB_PER_CPU 8192

struct ht_type {
	const char *system;
	const char *name;
	const char *filter; /* in-kernel filter, or NULL */
	bool optional;	    /* absent on some kernels */
	struct tep_event *ev;
};

struct hosttrace {
	struct tracefs_instance *inst;
	struct tep_handle *tep;
	struct ht_type type[HT_NKINDS];
	hosttrace_cb cb;
	void *ctx;
	int delivered;
};

/* KVM_CREATE_VM = _IO(0xae, 0x01), KVM_RUN = _IO(0xae, 0x80) */
static const struct ht_type types[HT_NKINDS] = {
	[HT_EXEC] = { "sched", "sched_process_exec", NULL, false, NULL },
	[HT_PROCESS_EXIT] = { "sched", "sched_process_exit", NULL, false, NULL },
	[HT_IOCTL] = { "syscalls", "sys_enter_ioctl", "cmd == 0xae80 || cmd == 0xae01", true, NULL },
	[HT_PIO] = { "kvm", "kvm_pio", NULL, false, NULL },
	[HT_MMIO] = { "kvm", "kvm_mmio", NULL, false, NULL },
	[HT_USERSPACE_EXIT] = { "kvm", "kvm_userspace_exit", NULL, false, NULL },
	[HT_KVM_EXIT] = { "kvm", "kvm_exit", NULL, true, NULL },
	[HT_KVM_ENTRY] = { "kvm", "kvm_entry", NULL, true, NULL },
};

static uint64_t field(struct tep_event *ev, struct tep_record *rec, const char *name)
{
	unsigned long long v = 0;

	tep_get_field_val(NULL, ev, name, rec, &v, 0);
	return v;
}

static struct hosttrace *fail(struct hosttrace *ht, const char **why, const char *msg)
{
	*why = msg;
	hosttrace_close(ht);
	return NULL;
}

/* Enable event (i); an optional event that does not exist is left out. */
static int enable(struct hosttrace *ht, unsigned i)
{
	struct ht_type *t = &ht->type[i];

	t->ev = tep_find_event_by_name(ht->tep, t->system, t->name);
	if (!t->ev)
		return t->optional ? 0 : -1;
	if (t->filter && tracefs_event_file_write(ht->inst, t->system, t->name, "filter", t->filter) < 0)
		return -1;
	if (tracefs_event_enable(ht->inst, t->system, t->name)) {
		t->ev = NULL;
		return t->optional ? 0 : -1;
	}
	return 0;
}

static int configure(struct hosttrace *ht)
{
	static const char *const systems[] = { "kvm", "sched", "syscalls", NULL };

	tracefs_trace_off(ht->inst);
	if (tracefs_instance_file_write(ht->inst, "trace_clock", "mono") < 0)
		return -1;
	tracefs_instance_set_buffer_size(ht->inst, BUFFER_KB_PER_CPU, -1);
	/* Keep the start of a boot when the buffer fills; drops are counted. */
	tracefs_option_disable(ht->inst, TRACEFS_OPTION_OVERWRITE);
	tracefs_option_enable(ht->inst, TRACEFS_OPTION_EVENT_FORK);
	ht->tep = tracefs_local_events_system(NULL, systems);
	if (!ht->tep)
		return -1;
	memcpy(ht->type, types, sizeof(types));
	for (unsigned i = 0; i < HT_NKINDS; i++)
		if (enable(ht, i))
			return -1;
	return 0;
}

int hosttrace_has_kvm_exit(struct hosttrace *ht)
{
	return ht->type[HT_KVM_EXIT].ev != NULL;
}

bool proc_read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	bool ok = f && fgets(buf, (int)len, f);

	if (f)
		fclose(f);
	if (!ok && len)
		buf[0] = 0;
	return ok;
}

/* Is process (pid) one of the project's tracers (mvm-trace, mvm-bench)? */
static bool tracer_alive(int pid)
{
	char path[64], comm[32];

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	if (!proc_read_line(path, comm, sizeof(comm)))
		return false;
	return !strncmp(comm, "mvm-trace", 9) || !strncmp(comm, "mvm-bench", 9);
}

/* Instances "mvm_trace_<pid>" whose tracer is gone: left by a crash. */
static void remove_stale_instances(void)
{
	char **names = tracefs_instances("^mvm_trace_");

	for (char **n = names; n && *n; n++) {
		int pid = atoi(*n + strlen("mvm_trace_"));
		struct tracefs_instance *old;

		if (pid <= 0 || tracer_alive(pid))
			continue;
		old = tracefs_instance_alloc(NULL, *n);
		if (old) {
			tracefs_instance_destroy(old);
			tracefs_instance_free(old);
		}
	}
	tracefs_list_free(names);
}

struct hosttrace *hosttrace_open(const char **why)
{
	struct hosttrace *ht;
	char name[64];

	if (geteuid() != 0) {
		*why = "host tracing needs root (tracefs)";
		return NULL;
	}
	tracefs_set_loglevel(TEP_LOG_NONE);
	if (!tracefs_tracing_dir()) {
		*why = "tracefs is not available (mount -t tracefs nodev /sys/kernel/tracing)";
		return NULL;
	}
	remove_stale_instances();
	ht = calloc(1, sizeof(*ht));
	if (!ht)
		return fail(ht, why, "out of memory");
	snprintf(name, sizeof(name), "mvm_trace_%d", (int)getpid());
	ht->inst = tracefs_instance_create(name);
	if (!ht->inst)
		return fail(ht, why, "cannot create a tracefs instance");
	if (configure(ht))
		return fail(ht, why, "cannot enable the kvm and sched trace events");
	return ht;
}

pid_t hosttrace_spawn(struct hosttrace *ht, const char *const argv[], int out_fd, int err_fd,
		      int cpu)
{
	char pidstr[32];
	int gate[2];
	pid_t pid;
	char c;

	if (pipe2(gate, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		close(gate[1]);
		/* Wait until the tracer follows this pid, then become the VMM. */
		if (read(gate[0], &c, 1) < 0)
			_exit(127);
		if (cpu >= 0) {
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(cpu, &set);
			sched_setaffinity(0, sizeof(set), &set);
		}
		if (out_fd >= 0)
			dup2(out_fd, STDOUT_FILENO);
		if (err_fd >= 0)
			dup2(err_fd, STDERR_FILENO);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(gate[0]);
	snprintf(pidstr, sizeof(pidstr), "%d", (int)pid);
	tracefs_instance_file_clear(ht->inst, "trace");
	if (tracefs_instance_file_write(ht->inst, "set_event_pid", pidstr) < 0 ||
	    tracefs_trace_on(ht->inst)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(gate[1]);
		return -EIO;
	}
	close(gate[1]); /* release the child */
	return pid;
}

static int on_record(struct tep_event *ev, struct tep_record *rec, int cpu, void *arg)
{
	struct hosttrace *ht = arg;
	struct ht_event e = { .ts = rec->ts, .tid = tep_data_pid(ht->tep, rec) };
	unsigned i;

	(void)cpu;
	for (i = 0; i < HT_NKINDS && ht->type[i].ev != ev; i++)
		;
	if (i == HT_NKINDS)
		return 0;
	e.kind = (enum ht_kind)i;
	switch (e.kind) {
	case HT_EXEC:
	case HT_PROCESS_EXIT:
		e.pid = (int)field(ev, rec, "pid");
		break;
	case HT_IOCTL:
		e.cmd = field(ev, rec, "cmd");
		break;
	case HT_KVM_EXIT:
		e.reason = (uint32_t)field(ev, rec, "exit_reason");
		break;
	case HT_KVM_ENTRY:
	case HT_NKINDS:
		break;
	case HT_PIO:
		e.rw = (uint32_t)field(ev, rec, "rw");
		e.port = (uint32_t)field(ev, rec, "port");
		e.size = (uint32_t)field(ev, rec, "size");
		e.count = (uint32_t)field(ev, rec, "count");
		e.value = field(ev, rec, "val");
		break;
	case HT_MMIO:
		e.rw = (uint32_t)field(ev, rec, "type");
		e.size = (uint32_t)field(ev, rec, "len");
		e.gpa = field(ev, rec, "gpa");
		e.value = field(ev, rec, "val");
		break;
	case HT_USERSPACE_EXIT:
		e.reason = (uint32_t)field(ev, rec, "reason");
		break;
	}
	ht->delivered++;
	return ht->cb(&e, ht->ctx);
}

int hosttrace_poll(struct hosttrace *ht, hosttrace_cb cb, void *ctx)
{
	ht->cb = cb;
	ht->ctx = ctx;
	ht->delivered = 0;
	if (tracefs_iterate_raw_events(ht->tep, ht->inst, NULL, 0, on_record, ht) < 0)
		return -1;
	return ht->delivered;
}

void hosttrace_stop(struct hosttrace *ht)
{
	tracefs_trace_off(ht->inst);
}

unsigned long long hosttrace_lost(struct hosttrace *ht)
{
	unsigned long long lost = 0;
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);

	for (long cpu = 0; cpu < ncpu; cpu++) {
		char file[64], *stats, *p;

		snprintf(file, sizeof(file), "per_cpu/cpu%ld/stats", cpu);
		stats = tracefs_instance_file_read(ht->inst, file, NULL);
		p = stats ? strstr(stats, "dropped events:") : NULL;
		if (p)
			lost += strtoull(p + strlen("dropped events:"), NULL, 10);
		free(stats);
	}
	return lost;
}

void hosttrace_close(struct hosttrace *ht)
{
	if (!ht)
		return;
	if (ht->inst) {
		tracefs_trace_off(ht->inst);
		tracefs_event_disable(ht->inst, NULL, NULL);
		tracefs_instance_destroy(ht->inst);
		tracefs_instance_free(ht->inst);
	}
	if (ht->tep)
		tep_free(ht->tep);
	free(ht);
}
