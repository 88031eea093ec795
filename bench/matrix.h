/*
 * matrix.h: what mvm-bench runs: axes (each fixed or a list), the cells of
 * their product, which cells a VMM cannot express (skipped, with why), and
 * the boots to run: warm-ups, then repetitions in a seeded random order, a
 * deterministic shard of them.
 */
#ifndef MVM_BENCH_MATRIX_H
#define MVM_BENCH_MATRIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AXIS_MAX 16

struct axis {
	const char *name; /* as in config files and column names */
	char *value[AXIS_MAX];
	unsigned n;
};

enum {
	AX_VMM, AX_FIRMWARE, AX_KERNEL, AX_PIT, AX_PIC, AX_RTC, AX_ISA_SERIAL, AX_OPTION_ROMS,
	AX_APPEND, /* kernel command-line variants, each added to --append ("" adds nothing) */
	AX_COUNT
};

struct matrix_config {
	struct axis axis[AX_COUNT];
	unsigned repeat, warmup, timeout_s, jobs, smp;
	unsigned shard_index, shard_count; /* run cells with id % count == index */
	uint64_t seed;
	char *mem, *append, *mvm, *qemu, *out_dir, *qboot, *seabios;
	bool dry_run;
};

struct cell {
	unsigned id;
	const char *v[AX_COUNT];
	char key[1024];	  /* "vmm=mvm,firmware=direct,...": the append axis only when it varies */
	const char *skip; /* why this cell cannot run, or NULL */
};

struct task {
	const struct cell *cell;
	unsigned rep; /* 0-based; warm-ups have warmup = true */
	bool warmup;
};

/* Defaults: mvm and QEMU, direct boot, build/guest, every legacy-device
 * combination, 1 repetition, no warm-up, 600 s timeout, 1 job. */
void matrix_defaults(struct matrix_config *m);

/* Free what matrix_defaults(), matrix_set() and matrix_load() allocated. */
void matrix_free(struct matrix_config *m);

/* Apply "key = value[,value...]" (one config line or --key value). 0, or -1
 * with a message in (err). */
int matrix_set(struct matrix_config *m, const char *key, const char *value, char *err, size_t len);

/* The append axis: two or more kernel command-line variants, each taken
 * verbatim ("" for none).  0, or -1 with a message in (err). */
int matrix_set_append_axis(struct matrix_config *m, const char *const *values, unsigned n,
			   char *err, size_t len);

/* Read a config file of such lines ('#' starts a comment; the append axis's
 * line is "append-axis = \"quiet\" \"loglevel=8\"": double-quoted values). */
int matrix_load(struct matrix_config *m, const char *path, char *err, size_t len);

/* Expand the axes into cells (caller frees with free()). */
struct cell *matrix_cells(const struct matrix_config *m, size_t *n);

/* The boots of this shard: warm-ups first, then repetitions, each group
 * shuffled with the seed (caller frees). */
struct task *matrix_tasks(const struct matrix_config *m, const struct cell *cells, size_t ncells,
			  size_t *n);

#endif
