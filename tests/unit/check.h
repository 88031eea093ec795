/*
 * check.h: the unit tests' assertions.  Each test is a function; a failed
 * CHECK prints where and why and marks the test failed; main() ends with
 * check_summary(), which prints "<suite>: N passed, N failed".
 */
#ifndef MVM_CHECK_H
#define MVM_CHECK_H

#include <stdio.h>

static int check_passed, check_failed, check_current_failed;

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, \
				#cond);                                                  \
			check_current_failed = 1;                                        \
		}                                                                        \
	} while (0)

#define CHECK_EQ(a, b)                                                                   \
	do {                                                                             \
		unsigned long long a_ = (unsigned long long)(a);                         \
		unsigned long long b_ = (unsigned long long)(b);                         \
		if (a_ != b_) {                                                          \
			fprintf(stderr, "%s:%d: %s == 0x%llx, expected %s == 0x%llx\n",  \
				__FILE__, __LINE__, #a, a_, #b, b_);                     \
			check_current_failed = 1;                                        \
		}                                                                        \
	} while (0)

#define RUN(test) check_run(#test, test)

static inline void check_run(const char *name, void (*fn)(void))
{
	check_current_failed = 0;
	fn();
	if (check_current_failed) {
		check_failed++;
		printf("FAIL %s\n", name);
	} else {
		check_passed++;
	}
}

static inline int check_summary(const char *suite)
{
	printf("%s: %d passed, %d failed\n", suite, check_passed, check_failed);
	return check_failed != 0;
}

#endif
