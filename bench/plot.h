/* plot.h: gnuplot plots of a results directory (PNG and SVG). */
#ifndef MVM_BENCH_PLOT_H
#define MVM_BENCH_PLOT_H

#include <stddef.h>

#include "results.h"

/*
 * Write (dir)/plots.gp and its data files and run gnuplot: phases (stacked
 * phase medians per configuration), boot-time (every boot's time to init,
 * per configuration), footprint (RSS and PSS without guest RAM) and
 * firmware (direct vs qboot vs SeaBIOS, per VMM).  0 or -1.
 */
int plot_all(const char *dir, const struct row *rows, size_t n);

#endif
