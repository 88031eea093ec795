/*
 * console.h: the guest's ttyS0 output as lines, rebuilt from a trace's exit
 * records, so that mvm's own traces and any VMM traced by mvm-trace (whose
 * exits hostconv fills with the same port, size, direction and value) give
 * the same lines at the same host times.
 *
 * A byte is a write exit to 0x3f8 while the LCR's DLAB bit (0x3fb bit 7) is
 * clear; with DLAB set, 0x3f8 is the divisor latch and its writes are not
 * output.  CR, LF and CR LF end a line; empty lines are dropped (they have
 * no text to place on a timeline); a line still open at the end of the
 * trace (a prompt) is delivered by console_decoder_finish().  Each line is
 * stamped with the host time of its first byte.
 */
#ifndef MVM_CONSOLE_H
#define MVM_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "trace.h"

/* Longer lines keep their first CONSOLE_LINE_MAX bytes (and their count). */
#define CONSOLE_LINE_MAX 1024

struct console_line {
	uint64_t t_ns;	    /* host time of the line's first byte */
	uint64_t t_end_ns;  /* host time of its last byte (before the line end) */
	const char *text;   /* NUL-terminated, without the line end; valid during the call */
	size_t len;	    /* bytes in text */
	size_t bytes;	    /* bytes the guest wrote for it (> len when truncated) */
};

/* Called for each line; nonzero stops the scan and is returned from it. */
typedef int (*console_line_fn)(const struct console_line *line, void *ctx);

/* The decoder's state: fixed size, so a scan never allocates or fails. */
struct console_decoder {
	console_line_fn fn;
	void *ctx;
	bool dlab;     /* LCR bit 7: 0x3f8 is the divisor latch */
	bool after_cr; /* the last byte was CR: an LF now ends nothing */
	int stopped;   /* (fn)'s nonzero return, once it stopped the scan */
	uint64_t t_first, t_last;
	size_t len, bytes;
	uint64_t total_bytes; /* output bytes seen, line ends included */
	uint64_t exits;	      /* exits that carried output bytes */
	char text[CONSOLE_LINE_MAX + 1];
};

void console_decoder_init(struct console_decoder *d, console_line_fn fn, void *ctx);

/* Feed one record (any kind; only I/O write exits to COM1 matter).  0, or
 * (fn)'s nonzero return once it stopped. */
int console_decoder_feed(struct console_decoder *d, const struct probe_rec *r);

/* Deliver the line still open, if any.  0 or (fn)'s return. */
int console_decoder_finish(struct console_decoder *d);

/* All of (ev)'s lines to (fn), the open one at the end included. */
int console_scan(const struct trace_event *ev, size_t n, console_line_fn fn, void *ctx);

/* A user's named point (--console-marker REGEX=NAME): the first line that
 * (regex), a POSIX extended regular expression, matches. */
struct console_marker {
	const char *regex;
	const char *name;
	uint64_t t_ns; /* the matching line's first byte; 0 if no line matches */
};

/* Set each of (m)'s (count) times from (ev)'s lines.  0, or -EINVAL when a
 * regex does not compile (its index in *bad), or -ENOMEM. */
int console_markers_find(const struct trace_event *ev, size_t n, struct console_marker *m,
			 size_t count, size_t *bad);

/* One line: each marker's time from (origin), "-" for one never seen. */
void console_markers_print(FILE *out, const char *who, const struct console_marker *m,
			   size_t count, uint64_t origin);

#endif
