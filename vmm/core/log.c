/* log.c: leveled messages on stderr, one line each. */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "core/log.h"

enum log_level log_level_max = LOG_INFO;
static int log_fd = STDERR_FILENO;

void log_set_fd(int fd)
{
	log_fd = fd;
}

void log_write(const char *text, size_t n)
{
	if (write(log_fd, text, n) < 0) {
		/* nowhere to say so */
	}
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const prefix[] = { "error: ", "warning: ", "", "debug: " };
	char line[1024], out[1100];
	va_list ap;
	int n;

	if (level > log_level_max)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	n = snprintf(out, sizeof(out), "mvm: %s%s\n", prefix[level], line);
	/* One write so lines from different threads do not interleave; on a
	 * non-blocking descriptor a line nobody has room for is dropped. */
	log_write(out, (size_t)n < sizeof(out) ? (size_t)n : sizeof(out) - 1);
}
