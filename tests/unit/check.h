/*
 * check.h: the unit tests' assertions.  Each test is a function; a failed
 * CHECK prints where and why and marks the test failed; main() ends with
 * check_summary(), which prints "<suite>: N passed, N failed".
 */
#ifndef MVM_CHECK_H
#define MVM_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed, check_current_failed;

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, \
				#cond);                                                  \
			check_current_failed = 1;                                        \
		}                                                                        \
	} while (0)

static inline void check_eq_failed(const char *file, int line, int row, const char *a,
				   unsigned long long a_, const char *b, unsigned long long b_)
{
	fprintf(stderr, "%s:%d: ", file, line);
	if (row >= 0)
		fprintf(stderr, "row %d: ", row);
	fprintf(stderr, "%s == 0x%llx, expected %s == 0x%llx\n", a, a_, b, b_);
	check_current_failed = 1;
}

#define CHECK_EQ(a, b) CHECK_EQ_NAMED(__LINE__, -1, #a, a, #b, b)

/* CHECK_EQ for row (row) of a table written at line (line). */
#define CHECK_EQ_ROW(line, row, a, b) CHECK_EQ_NAMED(line, row, #a, a, #b, b)

/* Each operand evaluated once, (a) first; (an) and (bn) name them. */
#define CHECK_EQ_NAMED(line, row, an, a, bn, b)                                          \
	do {                                                                             \
		unsigned long long a_ = (unsigned long long)(a);                         \
		unsigned long long b_ = (unsigned long long)(b);                         \
		if (a_ != b_)                                                            \
			check_eq_failed(__FILE__, line, (int)(row), an, a_, bn, b_);     \
	} while (0)

/* Two NUL-terminated strings are equal. */
#define CHECK_STREQ(a, b)                                                                \
	do {                                                                             \
		const char *a_ = (a), *b_ = (b);                                         \
		if (!a_ || !b_ || strcmp(a_, b_)) {                                      \
			fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__,  \
				__LINE__, #a, a_ ? a_ : "(null)", b_ ? b_ : "(null)");     \
			check_current_failed = 1;                                        \
		}                                                                        \
	} while (0)

/* The number of elements in the array literal (type[]){ ... }. */
#define LEN_OF(type, ...) (sizeof((type[]){ __VA_ARGS__ }) / sizeof(type))

#define RUN(test) check_run(#test, test)

/* The fixture: when set, check_setup is called before each test, so that
 * every test starts from the same state, and check_teardown after it. */
static void (*check_setup)(void), (*check_teardown)(void);

static inline void check_run(const char *name, void (*fn)(void))
{
	check_current_failed = 0;
	if (check_setup)
		check_setup();
	fn();
	if (check_teardown)
		check_teardown();
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
