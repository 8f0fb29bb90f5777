/* match.h: PCRE2 patterns for expectations. Patterns run in byte mode
 * (no UTF check), so server bytes that are not UTF-8 cannot make a match
 * fail or crash; (?i) makes a pattern case-insensitive. */
#ifndef MAILSPEC_MATCH_H
#define MAILSPEC_MATCH_H

#include <stddef.h>

struct buf;

/* 1: pattern matches subject; 0: no match; -1: bad pattern (reason in err).
 * With group_r, the first capture group (or the whole match) is appended. */
int match_regex(const char *pattern, size_t plen, const char *subject, size_t slen,
    struct buf *group_r, char *err, size_t errlen);

#endif
