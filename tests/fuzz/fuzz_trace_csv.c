/* fuzz_trace_csv.c: the probe CSV reader mvm-bench and mvm-trace use. */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"
#include "trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f = fmemopen((void *)data, size, "r");
	struct trace_event *ev = NULL;
	size_t n = 0, bad = 0;

	if (!f)
		return 0;
	(void)trace_read_csv_stream(f, &ev, &n, &bad);
	fclose(f);
	if (n)
		trace_sort(ev, n);
	free(ev);
	return 0;
}
