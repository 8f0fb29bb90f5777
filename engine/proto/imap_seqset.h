/* imap_seqset.h: IMAP sequence sets ("1:*,3,5:7", "$").
 *
 * RFC 9051 §9: sequence-set = (seq-number / seq-range) ["," sequence-set]
 * / "$"; seq-number = nz-number / "*"; seq-range = seq-number ":"
 * seq-number, "two seq-number values and all values between these two
 * regardless of order"; nz-number is below 2^32. "$" is the saved result
 * of the last SEARCH (RFC 5182 §2.1); by the grammar it can only be the
 * last element.
 *
 * The parser validates the whole set first, then iterates it without
 * allocating: ranges in the order written, each normalised to lo <= hi,
 * with "*" replaced by the caller's value for it (the number of messages,
 * or the highest UID). Overlaps are not merged. "$" is not expanded:
 * has_dollar tells the caller to add the saved result itself.
 */
#ifndef MAILSPEC_IMAP_SEQSET_H
#define MAILSPEC_IMAP_SEQSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imap_node.h"

/* imap_seqset_parse() flags */
#define IMAP_SEQSET_DOLLAR	0x1	/* accept "$" (SEARCHRES, RFC 5182) */
#define IMAP_SEQSET_CHECK_MAX	0x2	/* a number above star is an error:
					 * message sequence numbers (RFC 9051
					 * §9 seq-number: "BAD") */

struct imap_seqset {
	const char *s;		/* the set, not copied: keep it alive */
	size_t len;
	uint32_t star;		/* the value of "*" */
	bool has_dollar;	/* "$" was in the set */
	size_t pos;		/* iteration: next element */
	uint32_t cur, hi;	/* iteration: the range being walked */
	bool is_walking;
};

/* Validate s[0..len) and set up *set_r for iteration. star: the value of
 * "*"; 0 means there is none (an empty mailbox), so "*" is an error.
 * 1 valid, -1 invalid with *err_r IMAP_ERR_BAD_SEQSET (syntax: empty,
 * 0, a leading zero, over 2^32-1, misplaced "$", stray ",", ":") or
 * IMAP_ERR_SEQSET_RANGE ("*" with star 0, or with CHECK_MAX a number
 * above star). */
int imap_seqset_parse(const char *s, size_t len, uint32_t star, int flags,
    struct imap_seqset *set_r, enum imap_error *err_r);
/* The same for an ATOM or NUMBER node (a STRING is not a sequence set). */
int imap_seqset_parse_node(const struct imap_node *node, uint32_t star, int flags,
    struct imap_seqset *set_r, enum imap_error *err_r);
/* The next range, lo <= hi: 1, or 0 at the end. */
int imap_seqset_next_range(struct imap_seqset *set, uint32_t *lo_r, uint32_t *hi_r);
/* The next number (each range ascending): 1, or 0 at the end. */
int imap_seqset_next(struct imap_seqset *set, uint32_t *num_r);
/* Start the iteration again. */
void imap_seqset_rewind(struct imap_seqset *set);
/* True when n is in the set ("$" aside). */
bool imap_seqset_contains(const struct imap_seqset *set, uint32_t n);

#endif
