/* match.c: PCRE2 matching for expectations and captures. */
#include "match.h"

#include <stdio.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "buf.h"

#define MATCH_LIMIT 1000000	/* bound backtracking on hostile replies */

int
match_regex(const char *pattern, size_t plen, const char *subject, size_t slen,
    struct buf *group_r, char *err, size_t errlen)
{
	pcre2_match_context *mctx;
	pcre2_match_data *md;
	pcre2_code *re;
	int errcode, rc;
	PCRE2_SIZE erroff;

	re = pcre2_compile((PCRE2_SPTR)pattern, plen, 0, &errcode, &erroff, NULL);
	if (re == NULL) {
		PCRE2_UCHAR msg[160];
		pcre2_get_error_message(errcode, msg, sizeof(msg));
		snprintf(err, errlen, "bad regex /%.*s/: %s", (int)(plen > 200 ? 200 : plen),
		    pattern, (char *)msg);
		return -1;
	}
	md = pcre2_match_data_create_from_pattern(re, NULL);
	mctx = pcre2_match_context_create(NULL);
	if (md == NULL || mctx == NULL) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
		goto out;
	}
	pcre2_set_match_limit(mctx, MATCH_LIMIT);
	rc = pcre2_match(re, (PCRE2_SPTR)subject, slen, 0, 0, md, mctx);
	if (rc == PCRE2_ERROR_NOMATCH) {
		rc = 0;
	} else if (rc < 0) {
		PCRE2_UCHAR msg[160];
		pcre2_get_error_message(rc, msg, sizeof(msg));
		snprintf(err, errlen, "regex /%.*s/ failed: %s", (int)(plen > 200 ? 200 : plen),
		    pattern, (char *)msg);
		rc = -1;
	} else {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		int g = rc > 1 ? 1 : 0;

		if (group_r != NULL && ov[2 * g] != PCRE2_UNSET)
			buf_append(group_r, subject + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
		rc = 1;
	}
out:
	pcre2_match_context_free(mctx);
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	return rc;
}
