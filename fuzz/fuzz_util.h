/* fuzz_util.h: helpers shared by the libFuzzer harnesses.
 *
 * Every harness reads a 4-byte header: byte 0 picks the parser's limits
 * or flags, bytes 1-3 are the pattern of chunk sizes used to feed the rest
 * a second time. The oracle is that the whole feed and the chunked feed
 * give identical items.
 */
#ifndef MAILSPEC_FUZZ_UTIL_H
#define MAILSPEC_FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_HEADER 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Size of the n-th chunk: 1..32 bytes, cycling through the pattern; a
 * pattern byte of 0 means "everything left". */
static inline size_t
fuzz_chunk_size(const uint8_t pattern[3], size_t n, size_t left)
{
	size_t k = pattern[n % 3];

	if (k == 0 || k % 33 == 0)
		return left;
	k = k % 33;
	return k < left ? k : left;
}

/* A heap copy of exactly len bytes, so ASan sees any read past it. */
static inline uint8_t *
fuzz_dup(const uint8_t *p, size_t len)
{
	uint8_t *q = malloc(len > 0 ? len : 1);

	if (q == NULL)
		abort();
	if (len > 0)
		memcpy(q, p, len);
	return q;
}

/* Stop with a message: libFuzzer records the input as a crash. */
static inline void
fuzz_fail(const char *what)
{
	fprintf(stderr, "oracle failed: %s\n", what);
	abort();
}

/* How a harness drives one incremental parser. */
struct fuzz_feeder {
	size_t (*feed)(void *ctx, const void *data, size_t len);	/* bytes taken */
	void (*drain)(void *ctx);	/* pull (and record) every item */
	bool (*has_stopped)(void *ctx);	/* an error state; NULL: never */
	void *ctx;
};

/* Feed stream[0..len) in the chunks the pattern gives (NULL: whole), each
 * an exact heap copy so ASan sees any over-read, draining after every
 * feed. A parser that takes nothing twice in a row after being drained is
 * stuck with a full buffer: that is a bug, unless it has stopped. */
static inline void
fuzz_feed_chunks(const struct fuzz_feeder *f, const uint8_t *stream, size_t len,
    const uint8_t *pattern)
{
	size_t pos = 0, n = 0;

	while (pos < len && (f->has_stopped == NULL || !f->has_stopped(f->ctx))) {
		size_t k = pattern != NULL ? fuzz_chunk_size(pattern, n++, len - pos) : len - pos;
		uint8_t *chunk = fuzz_dup(stream + pos, k);
		size_t done = 0;
		int idle = 0;

		while (done < k && (f->has_stopped == NULL || !f->has_stopped(f->ctx))) {
			size_t m = f->feed(f->ctx, chunk + done, k - done);

			done += m;
			f->drain(f->ctx);
			if (m == 0 && (f->has_stopped == NULL || !f->has_stopped(f->ctx)) &&
			    ++idle > 1)
				fuzz_fail("parser stuck with a full buffer");
		}
		free(chunk);
		pos += k;
	}
	f->drain(f->ctx);
}

#endif
