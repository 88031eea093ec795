/* plot.h: gnuplot plots of a results directory (PNG and SVG). */
#ifndef MVM_BENCH_PLOT_H
#define MVM_BENCH_PLOT_H

#include <stddef.h>

#include "results.h"

/*
 * Write (dir)/plots.gp and its data files and run gnuplot: phases (stacked
 * phase medians per configuration), boot-time (every boot's time to init,
 * and each configuration's median with its 95 % interval as a whisker),
 * footprint (RSS and PSS without guest RAM) and firmware (direct vs qboot
 * vs SeaBIOS, per VMM).  Value axes start at zero; configurations are
 * sorted by median time to init and named by the settings that vary
 * ("pit=off,rtc=on,..."), the fixed ones in the title.  0 or -1.
 */
int plot_all(const char *dir, const struct row *rows, size_t n);

#endif
