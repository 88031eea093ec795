/* util.h: what every part of mvm-bench shares (the file helpers it shares
 * with traces are in trace.h). */
#ifndef MVM_BENCH_UTIL_H
#define MVM_BENCH_UTIL_H

/* Print "mvm-bench: <message>" and return exit status 1. */
int bench_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
