/* meta.c: meta.json, what a results directory was measured on and with. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "host.h"
#include "results.h"
#include "trace.h"

#ifndef MVM_VERSION
#define MVM_VERSION "unknown"
#endif

/* JSON string contents: escape quotes, backslashes and controls. */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

/* (sep) then "key": "value", the value escaped (no key here needs it). */
static void json_member(FILE *f, const char *sep, const char *key, const char *value)
{
	fprintf(f, "%s\"%s\": ", sep, key);
	json_str(f, value);
}

static void cpu_model(char *buf, size_t len)
{
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "r");

	snprintf(buf, len, "unknown");
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!strncmp(line, "model name", 10) && colon) {
			snprintf(buf, len, "%.*s", (int)strcspn(colon + 2, "\n"), colon + 2);
			break;
		}
	}
	if (f)
		fclose(f);
}

static void packages(FILE *f)
{
	static const char *const pkgs[] = { "qemu-system-x86", "qemu-system-data", "seabios",
					    "linux-source-6.1", "libtracefs1", "libtraceevent1",
					    "gcc", "gnuplot-nox", NULL };
	char cmd[256], version[128];

	fprintf(f, "  \"packages\": {");
	for (int i = 0; pkgs[i]; i++) {
		snprintf(cmd, sizeof(cmd), "dpkg-query -W -f='${Version}' %s 2>/dev/null", pkgs[i]);
		host_command_line(cmd, version, sizeof(version));
		json_member(f, i ? ",\n    " : "\n    ", pkgs[i], version);
	}
	fprintf(f, "\n  },\n");
}

static void axes(FILE *f, const struct matrix_config *m)
{
	fprintf(f, "  \"axes\": {");
	for (int ax = 0; ax < AX_COUNT; ax++) {
		fprintf(f, "%s\n    ", ax ? "," : "");
		json_str(f, m->axis[ax].name);
		fprintf(f, ": [");
		for (unsigned i = 0; i < m->axis[ax].n; i++) {
			fprintf(f, "%s", i ? ", " : "");
			json_str(f, m->axis[ax].value[i]);
		}
		fprintf(f, "]");
	}
	fprintf(f, "\n  },\n");
}

static void settings(FILE *f, const struct matrix_config *m, size_t ncells)
{
	fprintf(f, "  \"max_rounds\": %u, \"warmup\": %u, \"until_ci_pct\": %g, \"budget_s\": %u,\n"
		   "  \"timeout_s\": %u, \"jobs\": %u,\n",
		m->repeat, m->warmup, m->until_ci_pct, m->budget_s, m->timeout_s, m->jobs);
	fprintf(f, "  \"shard\": \"%u/%u\", \"seed\": %llu, \"smp\": %u, \"cells\": %zu,\n",
		m->shard_index, m->shard_count, (unsigned long long)m->seed, m->smp, ncells);
	json_member(f, "  ", "mem", m->mem);
	json_member(f, ", ", "append", m->append);
	json_member(f, ",\n  ", "mvm", m->mvm);
	json_member(f, ", ", "qemu", m->qemu);
	json_member(f, ", ", "qboot", m->qboot);
	json_member(f, ", ", "seabios", m->seabios);
}

/* Which rule stopped the run, and what it had by then. */
static void outcome(FILE *f, const struct meta_outcome *o)
{
	if (!o) {
		fprintf(f, ",\n  \"stopped_by\": null\n");
		return;
	}
	json_member(f, ",\n  ", "stopped_by", o->stopped_by);
	fprintf(f, ", \"rounds\": %u, \"boots\": %zu, \"flagged\": %zu, \"seconds\": %.0f",
		o->rounds, o->boots, o->flagged, o->seconds);
	if (isnan(o->widest_pct))
		fprintf(f, ", \"widest_main_halfwidth_pct\": null\n");
	else
		fprintf(f, ", \"widest_main_halfwidth_pct\": %.3f\n", o->widest_pct);
}

static void host_facts(FILE *f)
{
	char host[128] = "", cpu[256], date[32];
	struct utsname u;
	time_t t = time(NULL);
	struct tm tm;

	gethostname(host, sizeof(host));
	cpu_model(cpu, sizeof(cpu));
	uname(&u);
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(f, "  \"date\": \"%s\"", date);
	json_member(f, ", ", "git_rev", MVM_VERSION);
	json_member(f, ",\n  ", "host", host);
	json_member(f, ", ", "cpu", cpu);
	fprintf(f, ", \"cpus\": %ld", sysconf(_SC_NPROCESSORS_ONLN));
	json_member(f, ",\n  ", "kernel", u.release);
	fprintf(f, ", \"kvm_backend\": \"%s\",\n",
		access("/sys/module/kvm_pvm", F_OK) == 0 ? "kvm_pvm (nested)" : "kvm");
}

struct meta_input {
	const struct matrix_config *m;
	size_t ncells;
	const struct meta_outcome *o;
};

static int fill_meta(FILE *f, void *ctx)
{
	const struct meta_input *in = ctx;

	fprintf(f, "{\n");
	host_facts(f);
	packages(f);
	axes(f, in->m);
	settings(f, in->m, in->ncells);
	outcome(f, in->o);
	fprintf(f, "}\n");
	return 0;
}

int meta_write(const char *dir, const struct matrix_config *m, size_t ncells,
	       const struct meta_outcome *o)
{
	struct meta_input in = { m, ncells, o };
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/meta.json", dir);
	return file_write_atomic(path, fill_meta, &in);
}
