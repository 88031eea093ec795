/* host.c: smaps footprint, host disturbance (vCPU preemption, steal), file
 * hashes, PATH lookup. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host.h"
#include "hosttrace.h"

#define HASH_CACHE 32

int host_footprint(pid_t pid, uint64_t guest_ram, double *rss_kib, double *pss_kib)
{
	char path[64], line[512];
	unsigned long long start, end, kb;
	bool guest = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	*rss_kib = *pss_kib = 0;
	while (fgets(line, sizeof(line), f)) {
		/* A mapping's first line: "start-end perms offset dev inode [path]". */
		if (sscanf(line, "%llx-%llx ", &start, &end) == 2 && strchr(line, ' ') > strchr(line, '-'))
			guest = end - start >= guest_ram;
		else if (!guest && sscanf(line, "Rss: %llu kB", &kb) == 1)
			*rss_kib += (double)kb;
		else if (!guest && sscanf(line, "Pss: %llu kB", &kb) == 1)
			*pss_kib += (double)kb;
	}
	fclose(f);
	return 0;
}

bool host_has_exec(pid_t pid)
{
	char path[64], theirs[PATH_MAX], ours[PATH_MAX];
	ssize_t a, b;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	a = readlink(path, theirs, sizeof(theirs) - 1);
	b = readlink("/proc/self/exe", ours, sizeof(ours) - 1);
	if (a < 0 || b < 0)
		return false;
	return a != b || memcmp(theirs, ours, (size_t)a) != 0;
}

/* Is /proc/PID/task/TID a vCPU thread ("CPU 0/KVM")? */
static bool is_vcpu_thread(const char *task_dir)
{
	char path[400], comm[32];

	snprintf(path, sizeof(path), "%s/comm", task_dir);
	return proc_read_line(path, comm, sizeof(comm)) && !strncmp(comm, "CPU ", 4) &&
	       strstr(comm, "/KVM");
}

static long long task_nonvoluntary_switches(const char *task_dir)
{
	char path[400], line[256];
	long long n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/status", task_dir);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "nonvoluntary_ctxt_switches: %lld", &n) == 1)
			break;
	if (f)
		fclose(f);
	return n;
}

long long host_vcpu_nonvoluntary_switches(pid_t pid)
{
	char dir[64], task[330];
	long long total = -1, n;
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
	d = opendir(dir);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(task, sizeof(task), "%s/%s", dir, e->d_name);
		if (is_vcpu_thread(task) && (n = task_nonvoluntary_switches(task)) >= 0)
			total = (total < 0 ? 0 : total) + n;
	}
	if (d)
		closedir(d);
	return total;
}

int host_cpu_steal(int cpu, unsigned long long *steal, unsigned long long *total)
{
	char want[32], line[512];
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	int err = -ENOENT;

	if (!f)
		return -errno;
	snprintf(want, sizeof(want), "cpu%d ", cpu);
	while (fgets(line, sizeof(line), f)) {
		/* cpuN user nice system idle iowait irq softirq steal [guest guest_nice] */
		if (strncmp(line, want, strlen(want)) ||
		    sscanf(line + strlen(want), "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
			   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
			continue;
		*steal = v[7];
		*total = 0;
		for (int i = 0; i < 8; i++)
			*total += v[i];
		err = 0;
		break;
	}
	fclose(f);
	return err;
}

void host_command_line(const char *cmd, char *buf, size_t len)
{
	FILE *p = popen(cmd, "r");

	buf[0] = 0;
	if (!p)
		return;
	if (fgets(buf, (int)len, p))
		buf[strcspn(buf, "\n")] = 0;
	pclose(p);
}

/* Quote (s) for a shell command line. */
static void shell_quote(const char *s, char *out, size_t len)
{
	size_t o = 0;

	out[o++] = '\'';
	for (; *s && o + 5 < len; s++) {
		if (*s == '\'') {
			memcpy(out + o, "'\\''", 4);
			o += 4;
		} else {
			out[o++] = *s;
		}
	}
	out[o++] = '\'';
	out[o] = 0;
}

const char *host_file_sha256(const char *path)
{
	static struct { char path[PATH_MAX]; char hash[65]; } cache[HASH_CACHE];
	static unsigned used;
	char cmd[PATH_MAX * 2 + 32], quoted[PATH_MAX * 2], line[256];

	for (unsigned i = 0; i < used; i++)
		if (!strcmp(cache[i].path, path))
			return cache[i].hash;
	if (used == HASH_CACHE || access(path, R_OK))
		return "";
	shell_quote(path, quoted, sizeof(quoted));
	snprintf(cmd, sizeof(cmd), "sha256sum -- %s 2>/dev/null", quoted);
	host_command_line(cmd, line, sizeof(line));
	snprintf(cache[used].path, sizeof(cache[used].path), "%s", path);
	snprintf(cache[used].hash, sizeof(cache[used].hash), "%.64s", line);
	return cache[used++].hash;
}

const char *host_which(const char *name)
{
	static char found[PATH_MAX];
	const char *path = getenv("PATH");
	char *copy, *cur, *dir;

	if (strchr(name, '/') || !path)
		return name;
	copy = strdup(path);
	cur = copy;
	while (copy && (dir = strsep(&cur, ":"))) {
		snprintf(found, sizeof(found), "%s/%s", *dir ? dir : ".", name);
		if (access(found, X_OK) == 0) {
			free(copy);
			return found;
		}
	}
	free(copy);
	return name;
}

long long host_file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : (long long)st.st_size;
}
