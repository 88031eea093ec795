/* host.c: smaps footprint, file hashes, PATH lookup. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host.h"

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
