/* word.h: byte tests eight bytes at a time, for the scans that see every
 * byte of a line. A branch per byte costs a callback under the fuzzers'
 * comparison tracing (and so does one per word, unless it closes the
 * loop), so the tests OR their words together and look once at the end.
 * A word holds bytes in memory order: s[k] in bits 8k to 8k + 7.
 */
#ifndef MAILSPEC_WORD_H
#define MAILSPEC_WORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define WORD_ONES	0x0101010101010101ull
#define WORD_HIGHS	0x8080808080808080ull

/* s[0..n), n < 8, in a word; the other bytes are pad. */
static inline uint64_t
word_tail(const char *s, size_t n, unsigned char pad)
{
	uint64_t w = WORD_ONES * pad;

	while (n > 0)
		w = w << 8 | (unsigned char)s[--n];
	return w;
}

/* High bit of each byte of w that is zero; other bits may be set above
 * such a byte (a borrow), never in a word without one. */
static inline uint64_t
word_zeros(uint64_t w)
{
	return (w - WORD_ONES) & ~w & WORD_HIGHS;
}

/* The index of the first byte flagged in a mask from word_zeros() (m !=
 * 0): the lowest flag is never a borrow. */
static inline size_t
word_first(uint64_t m)
{
	/* the flag 0x80 << 8k as 1 << 8k times bytes 7, 6, ... 0 puts k in
	 * the top byte */
	return (size_t)((((m & -m) >> 7) * 0x0001020304050607ull) >> 56);
}

/* Has s[0..n) a byte >= 0x80? */
static inline bool
word_has_high_bit(const char *s, size_t n)
{
	uint64_t w, acc = 0;
	size_t i = 0;

	for (; n - i >= 8; i += 8) {
		memcpy(&w, s + i, 8);
		acc |= w;
	}
	acc |= word_tail(s + i, n - i, 0);
	return (acc & WORD_HIGHS) != 0;
}

#endif
