/* hosttrace.c: libtracefs instance set-up, child spawning and event decoding. */
#include <errno.h>
#include <event-parse.h>
#include <fcntl.h>
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
	enum ht_kind kind;
	struct tep_event *ev;
};

struct hosttrace {
	struct tracefs_instance *inst;
	struct tep_handle *tep;
	struct ht_type type[4];
	hosttrace_cb cb;
	void *ctx;
	int delivered;
};

static const struct ht_type types[4] = {
	{ "sched", "sched_process_exec", HT_EXEC, NULL },
	{ "kvm", "kvm_pio", HT_PIO, NULL },
	{ "kvm", "kvm_mmio", HT_MMIO, NULL },
	{ "kvm", "kvm_userspace_exit", HT_USERSPACE_EXIT, NULL },
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

static int configure(struct hosttrace *ht)
{
	static const char *const systems[] = { "kvm", "sched", NULL };

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
	for (unsigned i = 0; i < 4; i++) {
		ht->type[i].ev = tep_find_event_by_name(ht->tep, types[i].system, types[i].name);
		if (!ht->type[i].ev ||
		    tracefs_event_enable(ht->inst, types[i].system, types[i].name))
			return -1;
	}
	return 0;
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

pid_t hosttrace_spawn(struct hosttrace *ht, const char *const argv[], int out_fd, int err_fd)
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
	for (i = 0; i < 4 && ht->type[i].ev != ev; i++)
		;
	if (i == 4)
		return 0;
	e.kind = ht->type[i].kind;
	switch (e.kind) {
	case HT_EXEC:
		e.exec_pid = (int)field(ev, rec, "pid");
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
