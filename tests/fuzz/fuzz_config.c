/* fuzz_config.c: the QEMU-style command line: NUL-separated arguments. */
#include <stdlib.h>

#include "config.h"
#include "fuzz.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vm_config c;
	char *copy = malloc(size + 1), *argv[MAX_ARGS + 1], err[256];
	int argc = 1;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = 0;
	argv[0] = (char *)"mvm";
	for (char *p = copy; p < copy + size && argc < MAX_ARGS; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	config_defaults(&c);
	(void)config_parse(&c, argc, argv, err, sizeof(err));
	free(copy);
	return 0;
}
