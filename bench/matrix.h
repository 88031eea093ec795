/*
 * matrix.h: what mvm-bench runs: axes (each fixed or a list), the cells of
 * their product, which cells a VMM cannot express (skipped, with why), and
 * the boots to run: warm-ups, then rounds, each every cell once in a fresh
 * seeded random order, of a deterministic shard of the cells.  How many
 * rounds run is the run loop's choice (run.c): until the effects are
 * precise enough (until_ci_pct), the time budget ends, or (repeat) rounds.
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
	unsigned repeat;   /* rounds at most */
	unsigned warmup;   /* boots before the first round, not recorded */
	unsigned budget_s; /* no round starts that would end after this (estimated) */
	double until_ci_pct; /* stop once every main effect's 95 % half-width on init is this % of its median */
	unsigned timeout_s, jobs, smp;
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
	unsigned rep; /* the round, 0-based; warm-ups have warmup = true */
	bool warmup;
};

/* Defaults: mvm and QEMU, direct boot, build/guest, every legacy-device
 * combination, nothing appended; one warm-up boot, then rounds until every
 * main effect's interval is within 1 % of the median time to init, or 20
 * minutes, or 100 rounds; 600 s timeout, 1 job. */
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

/* The runnable cells of this shard. */
size_t matrix_runnable(const struct matrix_config *m, const struct cell *cells, size_t ncells);

/* The warm-up boots: (warmup) cells taken in turn from a seeded shuffle of
 * this shard's runnable cells (caller frees). */
struct task *matrix_warmups(const struct matrix_config *m, const struct cell *cells,
			    size_t ncells, size_t *n);

/* Round (round), 0-based: every runnable cell of this shard once, in an
 * order shuffled by the seed and the round, so a round's order is the same
 * whatever ran before it (a resumed run) (caller frees). */
struct task *matrix_round(const struct matrix_config *m, const struct cell *cells, size_t ncells,
			  unsigned round, size_t *n);

#endif
