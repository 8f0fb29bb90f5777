/* fuzz_util.h: helpers shared by the libFuzzer harnesses.
 *
 * Every harness reads a 4-byte header: byte 0 picks the parser's limits
 * or flags, bytes 1-3 are the pattern of chunk sizes used to feed the rest
 * a second time. The oracle is that the whole feed and the chunked feed
 * give identical items.
 */
#ifndef MAILSPEC_FUZZ_UTIL_H
#define MAILSPEC_FUZZ_UTIL_H

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

#endif
