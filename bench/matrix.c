/* matrix.c: axes, cells, skip rules, ordering and sharding (see matrix.h). */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "matrix.h"

static const char *const axis_names[AX_COUNT] = {
	"vmm", "firmware", "kernel", "pit", "pic", "rtc", "isa-serial", "x-option-roms", "append",
};

/* The numeric settings and their ranges. */
static const struct {
	const char *key;
	size_t offset;
	unsigned min, max;
} uint_settings[] = {
	{ "repeat", offsetof(struct matrix_config, repeat), 1, 10000 },
	{ "warmup", offsetof(struct matrix_config, warmup), 0, 1000 },
	{ "timeout", offsetof(struct matrix_config, timeout_s), 1, 86400 },
	{ "jobs", offsetof(struct matrix_config, jobs), 1, 256 },
	{ "smp", offsetof(struct matrix_config, smp), 1, 255 },
};

/* The string settings (matrix_config owns their copies). */
static const struct {
	const char *key;
	size_t offset;
} string_settings[] = {
	{ "mem", offsetof(struct matrix_config, mem) },
	{ "append", offsetof(struct matrix_config, append) },
	{ "mvm", offsetof(struct matrix_config, mvm) },
	{ "qemu", offsetof(struct matrix_config, qemu) },
	{ "qboot", offsetof(struct matrix_config, qboot) },
	{ "seabios", offsetof(struct matrix_config, seabios) },
	{ "out", offsetof(struct matrix_config, out_dir) },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static unsigned *uint_slot(struct matrix_config *m, size_t i)
{
	return (unsigned *)((char *)m + uint_settings[i].offset);
}

static char **string_slot(struct matrix_config *m, size_t i)
{
	return (char **)((char *)m + string_settings[i].offset);
}

/* Say what was wrong in (err, len), in scope at every use; -1. */
#define FAIL(...) (snprintf(err, len, __VA_ARGS__), -1)

static void clear_axis(struct axis *a)
{
	for (unsigned i = 0; i < a->n; i++)
		free(a->value[i]);
	a->n = 0;
}

static int set_axis(struct axis *a, const char *list, char *err, size_t len)
{
	char *copy = strdup(list), *cur = copy, *item;

	clear_axis(a);
	while (copy && (item = strsep(&cur, ","))) {
		while (isspace((unsigned char)*item))
			item++;
		item[strcspn(item, " \t")] = 0;
		if (!*item)
			continue;
		if (a->n == AXIS_MAX) {
			free(copy);
			return FAIL("%s: more than %d values", a->name, AXIS_MAX);
		}
		a->value[a->n++] = strdup(item);
	}
	free(copy);
	return a->n ? 0 : FAIL("%s: empty list", a->name);
}

static int check_values(const struct axis *a, const char *const *allowed, char *err, size_t len)
{
	for (unsigned i = 0; i < a->n; i++) {
		unsigned k = 0;

		while (allowed[k] && strcmp(allowed[k], a->value[i]))
			k++;
		if (!allowed[k])
			return FAIL("%s: unknown value '%s'", a->name, a->value[i]);
	}
	return 0;
}

static int check_axis(struct matrix_config *m, int ax, char *err, size_t len)
{
	static const char *const onoff[] = { "on", "off", NULL };
	static const char *const vmms[] = { "mvm", "qemu", NULL };
	static const char *const firmwares[] = { "direct", "qboot", "seabios", NULL };

	if (ax == AX_VMM)
		return check_values(&m->axis[ax], vmms, err, len);
	if (ax == AX_FIRMWARE)
		return check_values(&m->axis[ax], firmwares, err, len);
	if (ax == AX_KERNEL)
		return 0;
	return check_values(&m->axis[ax], onoff, err, len);
}

static int set_uint(unsigned *v, const char *key, const char *value, unsigned min, unsigned max,
		    char *err, size_t len)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(value, &end, 10);
	if (errno || end == value || *end || x < min || x > max)
		return FAIL("%s: '%s' is not a number in %u..%u", key, value, min, max);
	*v = (unsigned)x;
	return 0;
}

static int set_shard(struct matrix_config *m, const char *value, char *err, size_t len)
{
	unsigned i, n;
	char tail;

	if (sscanf(value, "%u/%u%c", &i, &n, &tail) != 2 || n == 0 || i >= n)
		return FAIL("shard: '%s' is not i/n with 0 <= i < n", value);
	m->shard_index = i;
	m->shard_count = n;
	return 0;
}

/* "90", "90s", "20m", "1h30m": seconds, at most a week. */
static int set_duration(unsigned *v, const char *key, const char *value, char *err, size_t len)
{
	unsigned long long total = 0, x;
	const char *p = value;
	char *end;

	do {
		errno = 0;
		x = strtoull(p, &end, 10);
		if (errno || end == p)
			return FAIL("%s: '%s' is not a duration (90s, 20m, 1h30m)", key, value);
		switch (*end) {
		case 'h': x *= 3600; end++; break;
		case 'm': x *= 60; end++; break;
		case 's': end++; break;
		case 0: break;
		default: return FAIL("%s: '%s' is not a duration (90s, 20m, 1h30m)", key, value);
		}
		total += x;
		p = end;
	} while (*p && total <= 7 * 86400);
	if (total == 0 || total > 7 * 86400)
		return FAIL("%s: '%s' is not a duration between 1 s and a week", key, value);
	*v = (unsigned)total;
	return 0;
}

static int set_percent(double *v, const char *key, const char *value, char *err, size_t len)
{
	char *end;
	double x = strtod(value, &end);

	if (end == value || (*end && strcmp(end, "%")) || !(x >= 0 && x <= 100))
		return FAIL("%s: '%s' is not a percentage in 0..100 (0: never stop on precision)",
			    key, value);
	*v = x;
	return 0;
}

static int set_string(char **slot, const char *value)
{
	free(*slot);
	*slot = strdup(value);
	return *slot ? 0 : -1;
}

int matrix_set_append_axis(struct matrix_config *m, const char *const *values, unsigned n,
			   char *err, size_t len)
{
	struct axis *a = &m->axis[AX_APPEND];

	if (n < 2)
		return FAIL("append-axis: give two or more command-line variants (\"\" for none; "
			    "one fixed addition is --append)");
	if (n > AXIS_MAX)
		return FAIL("append-axis: more than %d values", AXIS_MAX);
	for (unsigned i = 0; i < n; i++)
		for (unsigned k = 0; k < i; k++)
			if (!strcmp(values[i], values[k]))
				return FAIL("append-axis: '%s' given twice", values[i]);
	clear_axis(a);
	for (unsigned i = 0; i < n; i++)
		a->value[a->n++] = strdup(values[i]);
	return 0;
}

/* A config file's append-axis value: double-quoted strings separated by
 * blanks (a quote inside one is written \"). */
static int set_append_axis_list(struct matrix_config *m, const char *list, char *err, size_t len)
{
	char *copy = strdup(list ? list : ""), *w = copy, *value[AXIS_MAX + 1];
	const char *r = list;
	unsigned n = 0;
	int rc;

	if (!copy)
		return FAIL("out of memory");
	for (;;) {
		while (isspace((unsigned char)*r))
			r++;
		if (!*r)
			break;
		if (*r != '"' || n == AXIS_MAX + 1) {
			free(copy);
			return n > AXIS_MAX ? FAIL("append-axis: more than %d values", AXIS_MAX)
			       : FAIL("append-axis: expected double-quoted values, e.g. \"quiet\" "
				      "\"loglevel=8\"");
		}
		value[n++] = w;
		for (r++; *r && *r != '"'; r++)
			*w++ = *r == '\\' && r[1] == '"' ? *++r : *r;
		if (*r++ != '"') {
			free(copy);
			return FAIL("append-axis: unterminated quote");
		}
		*w++ = 0;
	}
	rc = matrix_set_append_axis(m, (const char *const *)value, n, err, len);
	free(copy);
	return rc;
}

int matrix_set(struct matrix_config *m, const char *key, const char *value, char *err, size_t len)
{
	if (!strcmp(key, "append-axis"))
		return set_append_axis_list(m, value, err, len);
	for (int ax = 0; ax < AX_APPEND; ax++)
		if (!strcmp(key, axis_names[ax]))
			return set_axis(&m->axis[ax], value, err, len) ? -1 : check_axis(m, ax, err, len);
	for (size_t i = 0; i < COUNT(uint_settings); i++)
		if (!strcmp(key, uint_settings[i].key))
			return set_uint(uint_slot(m, i), key, value, uint_settings[i].min,
					uint_settings[i].max, err, len);
	for (size_t i = 0; i < COUNT(string_settings); i++)
		if (!strcmp(key, string_settings[i].key))
			return set_string(string_slot(m, i), value);
	if (!strcmp(key, "shard"))
		return set_shard(m, value, err, len);
	if (!strcmp(key, "budget"))
		return set_duration(&m->budget_s, key, value, err, len);
	if (!strcmp(key, "until-ci"))
		return set_percent(&m->until_ci_pct, key, value, err, len);
	if (!strcmp(key, "seed"))
		return (m->seed = strtoull(value, NULL, 0), 0);
	return FAIL("unknown setting '%s'", key);
}

void matrix_defaults(struct matrix_config *m)
{
	char err[128];

	memset(m, 0, sizeof(*m));
	for (int ax = 0; ax < AX_COUNT; ax++)
		m->axis[ax].name = axis_names[ax];
	matrix_set(m, "vmm", "mvm,qemu", err, sizeof(err));
	matrix_set(m, "firmware", "direct", err, sizeof(err));
	matrix_set(m, "kernel", "build/guest", err, sizeof(err));
	for (int ax = AX_PIT; ax <= AX_OPTION_ROMS; ax++)
		matrix_set(m, axis_names[ax], "on,off", err, sizeof(err));
	m->axis[AX_APPEND].value[m->axis[AX_APPEND].n++] = strdup("");
	m->repeat = 100;
	m->warmup = 1;
	m->budget_s = 20 * 60;
	m->until_ci_pct = 1.0;
	m->timeout_s = 600;
	m->jobs = 1;
	m->smp = 1;
	m->shard_count = 1;
	m->seed = 1;
	m->mem = strdup("256m");
	m->append = strdup("console=ttyS0 reboot=t panic=-1");
	m->mvm = strdup("build/mvm");
	m->qemu = strdup("qemu-system-x86_64");
	m->qboot = strdup("/usr/share/qemu/qboot.rom");
	m->seabios = strdup("/usr/share/seabios/bios-microvm.bin");
}

void matrix_free(struct matrix_config *m)
{
	for (int ax = 0; ax < AX_COUNT; ax++)
		for (unsigned i = 0; i < m->axis[ax].n; i++)
			free(m->axis[ax].value[i]);
	for (size_t i = 0; i < COUNT(string_settings); i++)
		free(*string_slot(m, i));
	memset(m, 0, sizeof(*m));
}

int matrix_load(struct matrix_config *m, const char *path, char *err, size_t len)
{
	FILE *f = fopen(path, "r");
	char line[1024], msg[256];
	unsigned no = 0;

	if (!f)
		return FAIL("cannot read config '%s': %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *key = line, *eq, *value, *end;

		no++;
		line[strcspn(line, "#\r\n")] = 0;
		while (isspace((unsigned char)*key))
			key++;
		if (!*key)
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			fclose(f);
			return FAIL("%s:%u: expected 'key = value'", path, no);
		}
		*eq = 0;
		for (end = eq; end > key && isspace((unsigned char)end[-1]); end--)
			end[-1] = 0;
		for (value = eq + 1; isspace((unsigned char)*value); value++)
			;
		for (end = value + strlen(value); end > value && isspace((unsigned char)end[-1]); end--)
			end[-1] = 0;
		if (matrix_set(m, key, value, msg, sizeof(msg))) {
			fclose(f);
			return FAIL("%s:%u: %s", path, no, msg);
		}
	}
	fclose(f);
	return 0;
}

/* Why (c) cannot run, or NULL. */
static const char *skip_reason(const struct cell *c)
{
	bool qemu = !strcmp(c->v[AX_VMM], "qemu"), direct = !strcmp(c->v[AX_FIRMWARE], "direct");

	if (qemu && direct)
		return "QEMU's microvm has no direct kernel boot (it always runs firmware)";
	if (!strcmp(c->v[AX_FIRMWARE], "seabios") && !strcmp(c->v[AX_OPTION_ROMS], "off"))
		return "SeaBIOS boots -kernel only through the linuxboot_dma option ROM";
	return NULL;
}

struct cell *matrix_cells(const struct matrix_config *m, size_t *n)
{
	size_t total = 1;
	struct cell *cells;

	for (int ax = 0; ax < AX_COUNT; ax++)
		total *= m->axis[ax].n;
	cells = calloc(total, sizeof(*cells));
	if (!cells)
		return NULL;
	for (size_t i = 0; i < total; i++) {
		struct cell *c = &cells[i];
		size_t rest = i, off = 0;

		c->id = (unsigned)i;
		/* The last axis varies fastest, as in a nested loop. */
		for (int ax = AX_COUNT - 1; ax >= 0; ax--) {
			c->v[ax] = m->axis[ax].value[rest % m->axis[ax].n];
			rest /= m->axis[ax].n;
		}
		for (int ax = 0; ax < AX_APPEND; ax++)
			off += (size_t)snprintf(c->key + off, sizeof(c->key) - off, "%s%s=%s",
						ax ? "," : "", axis_names[ax], c->v[ax]);
		if (m->axis[AX_APPEND].n > 1 && off < sizeof(c->key))
			snprintf(c->key + off, sizeof(c->key) - off, ",append=\"%s\"", c->v[AX_APPEND]);
		c->skip = skip_reason(c);
	}
	*n = total;
	return cells;
}

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void shuffle(struct task *t, size_t n, uint64_t *state)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(splitmix64(state) % i);
		struct task tmp = t[i - 1];

		t[i - 1] = t[j];
		t[j] = tmp;
	}
}

static bool runnable(const struct matrix_config *m, const struct cell *c)
{
	return !c->skip && c->id % m->shard_count == m->shard_index;
}

size_t matrix_runnable(const struct matrix_config *m, const struct cell *cells, size_t ncells)
{
	size_t n = 0;

	for (size_t i = 0; i < ncells; i++)
		n += runnable(m, &cells[i]);
	return n;
}

/* This shard's runnable cells once each, shuffled from (state); rep (rep). */
static struct task *shuffled_cells(const struct matrix_config *m, const struct cell *cells,
				   size_t ncells, unsigned rep, uint64_t state, size_t *n)
{
	struct task *t = calloc(ncells + 1, sizeof(*t));
	size_t k = 0;

	if (!t)
		return NULL;
	for (size_t i = 0; i < ncells; i++)
		if (runnable(m, &cells[i]))
			t[k++] = (struct task){ &cells[i], rep, false };
	shuffle(t, k, &state);
	*n = k;
	return t;
}

struct task *matrix_warmups(const struct matrix_config *m, const struct cell *cells,
			    size_t ncells, size_t *n)
{
	size_t k;
	struct task *order = shuffled_cells(m, cells, ncells, 0, m->seed ^ 0x5741524dULL, &k);
	struct task *t = calloc(m->warmup + 1, sizeof(*t));

	*n = 0;
	if (!order || !t) {
		free(order);
		free(t);
		return NULL;
	}
	for (unsigned w = 0; k && w < m->warmup; w++)
		t[(*n)++] = (struct task){ order[w % k].cell, w, true };
	free(order);
	return t;
}

struct task *matrix_round(const struct matrix_config *m, const struct cell *cells, size_t ncells,
			  unsigned round, size_t *n)
{
	uint64_t state = m->seed + 0x9e3779b97f4a7c15ULL * (round + 1ULL);

	splitmix64(&state); /* neighbouring rounds' seeds far apart */
	return shuffled_cells(m, cells, ncells, round, state, n);
}
