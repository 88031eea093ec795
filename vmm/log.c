/* log.c: leveled messages on stderr, one line each. */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

enum log_level log_level_max = LOG_INFO;

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const prefix[] = { "error: ", "warning: ", "", "debug: " };
	char line[1024];
	va_list ap;

	if (level > log_level_max)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One fprintf so lines from different threads do not interleave. */
	fprintf(stderr, "mvm: %s%s\n", prefix[level], line);
}
