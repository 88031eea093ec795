/* log.h: the one logging API of mvm (stderr, "mvm: " prefix, a level). */
#ifndef MVM_LOG_H
#define MVM_LOG_H

#include <stddef.h>

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Messages above (log_level_max) are dropped; main sets it from -d/--verbose. */
extern enum log_level log_level_max;

/* Write messages to (fd) from now on (default stderr): main gives a
 * non-blocking description of stderr of mvm's own, so that a reader who
 * stopped reading cannot hold mvm up. */
void log_set_fd(int fd);

/* (n) bytes as they are, in one write, where the messages go. */
void log_write(const char *text, size_t n);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
