/* console.c: ttyS0 lines from a trace's exits (rules in console.h). */
#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"

#define COM1 0x3f8
#define COM1_LCR (COM1 + 3)
#define LCR_DLAB 0x80
#define EXIT_IO 2 /* KVM_EXIT_IO, the reason in both mvm's and hostconv's exits */

void console_decoder_init(struct console_decoder *d, console_line_fn fn, void *ctx)
{
	memset(d, 0, sizeof(*d));
	d->fn = fn;
	d->ctx = ctx;
}

/* The byte a port write (r) puts at (port), or -1 if it does not cover it:
 * a wide write (outw at 0x3fa) reaches the ports above its own. */
static int byte_at(const struct probe_rec *r, unsigned port)
{
	if (r->kind != PROBE_EXIT || r->reason != EXIT_IO || r->dir != PROBE_DIR_WRITE ||
	    !r->size || r->size > 8)
		return -1;
	if (port < r->addr || port >= r->addr + r->size)
		return -1;
	return (int)((r->value >> (8 * (port - r->addr))) & 0xff);
}

static int end_line(struct console_decoder *d)
{
	struct console_line line = { d->t_first, d->t_last, d->text, d->len, d->bytes };
	int rc = 0;

	if (d->bytes && d->fn)
		rc = d->fn(&line, d->ctx);
	d->len = d->bytes = 0;
	d->t_first = d->t_last = 0;
	if (rc)
		d->stopped = rc;
	return rc;
}

static int put_byte(struct console_decoder *d, uint64_t t, unsigned char c)
{
	bool lf_of_crlf = c == '\n' && d->after_cr;

	d->total_bytes++;
	d->after_cr = c == '\r';
	if (c == '\r' || c == '\n')
		return lf_of_crlf ? 0 : end_line(d);
	if (!d->bytes)
		d->t_first = t;
	d->t_last = t;
	d->bytes++;
	if (d->len < CONSOLE_LINE_MAX) {
		d->text[d->len++] = (char)c;
		d->text[d->len] = '\0';
	}
	return 0;
}

int console_decoder_feed(struct console_decoder *d, const struct probe_rec *r)
{
	int lcr = byte_at(r, COM1_LCR), thr = byte_at(r, COM1);

	if (d->stopped)
		return d->stopped;
	/* The byte to 0x3f8 goes out under the DLAB as it was: in one wide
	 * write, 0x3f8 is written before 0x3fb. */
	if (thr >= 0 && !d->dlab) {
		d->exits++;
		if (put_byte(d, r->t_ns, (unsigned char)thr))
			return d->stopped;
	}
	if (lcr >= 0)
		d->dlab = lcr & LCR_DLAB;
	return 0;
}

int console_decoder_finish(struct console_decoder *d)
{
	if (d->stopped)
		return d->stopped;
	return end_line(d);
}

int console_scan(const struct trace_event *ev, size_t n, console_line_fn fn, void *ctx)
{
	struct console_decoder d;
	int rc = 0;

	console_decoder_init(&d, fn, ctx);
	for (size_t i = 0; i < n && !rc; i++)
		rc = console_decoder_feed(&d, &ev[i].r);
	return rc ? rc : console_decoder_finish(&d);
}

struct marker_scan {
	struct console_marker *m;
	regex_t *re;
	size_t count, left; /* markers not yet matched: the scan ends at 0 */
};

static int match_markers(const struct console_line *line, void *ctx)
{
	struct marker_scan *ms = ctx;

	for (size_t i = 0; i < ms->count; i++) {
		if (ms->m[i].t_ns || regexec(&ms->re[i], line->text, 0, NULL, 0))
			continue;
		ms->m[i].t_ns = line->t_ns;
		ms->left--;
	}
	return ms->left == 0;
}

int console_markers_find(const struct trace_event *ev, size_t n, struct console_marker *m,
			 size_t count, size_t *bad)
{
	struct marker_scan ms = { m, calloc(count ? count : 1, sizeof(regex_t)), count, count };
	size_t compiled = 0;
	int err = ms.re ? 0 : -ENOMEM;

	for (; !err && compiled < count; compiled++) {
		m[compiled].t_ns = 0;
		if (regcomp(&ms.re[compiled], m[compiled].regex, REG_EXTENDED | REG_NOSUB)) {
			*bad = compiled;
			err = -EINVAL;
			break;
		}
	}
	if (!err && count)
		console_scan(ev, n, match_markers, &ms);
	for (size_t i = 0; i < compiled; i++)
		regfree(&ms.re[i]);
	free(ms.re);
	return err;
}

void console_markers_print(FILE *out, const char *who, const struct console_marker *m,
			   size_t count, uint64_t origin)
{
	if (!count)
		return;
	fprintf(out, "%s: console markers:", who);
	for (size_t i = 0; i < count; i++) {
		if (m[i].t_ns && origin && m[i].t_ns >= origin)
			fprintf(out, " %s at %.3f ms", m[i].name, (double)(m[i].t_ns - origin) / 1e6);
		else
			fprintf(out, " %s -", m[i].name);
		fputc(i + 1 < count ? ',' : '\n', out);
	}
}
