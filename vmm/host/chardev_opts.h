/* chardev_opts.h: what -chardev asks for; plain data, so the command-line
 * parser can fill it without the event loop (host/chardev.h opens it). */
#ifndef MVM_CHARDEV_OPTS_H
#define MVM_CHARDEV_OPTS_H

#include <stdbool.h>

enum chardev_kind { CHARDEV_NULL, CHARDEV_STDIO, CHARDEV_FILE, CHARDEV_SOCKET };

struct chardev_opts {
	const char *id;
	enum chardev_kind kind;
	const char *path;
	bool server; /* socket: listen at path (else connect to it) */
	bool wait;   /* socket server: wait for a client before the guest starts */
};

#endif
