/* unit.h: the tiny harness every C unit test uses.
 *
 * CHECK() records a failure with file:line and goes on; unit_done() prints
 * the summary line tests/test_unit.py reads ("unit: NAME: N checks, N failed")
 * and returns the exit status.
 */
#ifndef MAILSPEC_UNIT_H
#define MAILSPEC_UNIT_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* How a test drives one incremental parser: drain pulls (and records)
 * every item, false when the parser has stopped in an error state. */
struct unit_feeder {
	const char *what;	/* "reply parser", for the failure message */
	size_t (*feed)(void *ctx, const void *data, size_t len);
	bool (*drain)(void *ctx);
	void *ctx;
};

/* Feed in[0..len) in chunks of at most chunk bytes, each an exact-size heap
 * copy so any over-read hits ASan, draining after every feed and once at
 * the end. A parser that takes nothing twice in a row after being drained
 * is stuck: a failed check. */
static inline void
unit_feed_chunked(const struct unit_feeder *f, const char *in, size_t len, size_t chunk)
{
	size_t pos = 0;
	bool is_ok = true;

	while (pos < len && is_ok) {
		size_t n = len - pos < chunk ? len - pos : chunk, done = 0;
		char *copy = malloc(n > 0 ? n : 1);
		int idle = 0;

		if (copy == NULL)
			abort();
		memcpy(copy, in + pos, n);
		while (done < n && is_ok) {
			size_t k = f->feed(f->ctx, copy + done, n - done);

			done += k;
			is_ok = f->drain(f->ctx);
			if (k > 0) {
				idle = 0;
			} else if (++idle > 1) {
				CHECKF(0, "%s stuck at %zu", f->what, pos + done);
				is_ok = false;
			}
		}
		free(copy);
		pos += n;
	}
	if (is_ok)
		f->drain(f->ctx);
}

static inline int
unit_done(const char *name)
{
	printf("unit: %s: %d checks, %d failed\n", name, unit_checks, unit_failed);
	return unit_failed == 0 ? 0 : 1;
}

#endif
