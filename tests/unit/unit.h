/* unit.h: the tiny harness every C unit test uses.
 *
 * CHECK() records a failure with file:line and goes on; unit_done() prints
 * the summary line tests/test_unit.py reads ("unit: NAME: N checks, N failed")
 * and returns the exit status.
 */
#ifndef MAILSPEC_UNIT_H
#define MAILSPEC_UNIT_H

#include <stdio.h>

static int unit_checks;
static int unit_failed;

#define CHECK(cond) do { \
	unit_checks++; \
	if (!(cond)) { \
		unit_failed++; \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	} \
} while (0)

#define CHECKF(cond, ...) do { \
	unit_checks++; \
	if (!(cond)) { \
		unit_failed++; \
		fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
	} \
} while (0)

static inline int
unit_done(const char *name)
{
	printf("unit: %s: %d checks, %d failed\n", name, unit_checks, unit_failed);
	return unit_failed == 0 ? 0 : 1;
}

#endif
