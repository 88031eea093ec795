/* util.c: mvm-bench's error messages (see util.h). */
#include <stdarg.h>
#include <stdio.h>

#include "util.h"

int bench_error(const char *fmt, ...)
{
	va_list ap;

	fputs("mvm-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}
