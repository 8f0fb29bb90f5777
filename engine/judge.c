/* judge.c: what SMTP, POP3 and IMAP expectations share: patterns with
 * variables inserted literally, and captures into variables. */
#include <stdarg.h>
#include <stdio.h>

#include "exec.h"
#include "match.h"

#define JUDGE_MAX_PATTERN	(1u << 24)
#define JUDGE_MAX_CAPTURE	(1u << 20)

/* 1 match, 0 none, -1 scenario error (message set). */
int
judge_regex(struct exec *x, const struct text *pat, const char *subj, size_t len,
    struct buf *group)
{
	char err[256];
	struct buf re;
	int rc;

	buf_init(&re, JUDGE_MAX_PATTERN);
	if (vars_expand(&x->vars, pat->s, pat->len, VARS_REGEX, &re, err, sizeof(err)) != 0) {
		buf_release(&re);
		exec_fail(x, STEP_RC_SCENARIO_ERROR, "%s", err);
		return -1;
	}
	rc = match_regex(re.data ? re.data : "", re.len, subj, len, group, err, sizeof(err));
	buf_release(&re);
	if (rc < 0)
		exec_fail(x, STEP_RC_SCENARIO_ERROR, "%s", err);
	return rc;
}

void
judge_vexpected(struct exec *x, const char *fmt, va_list ap)
{
	buf_clear(&x->msg);
	buf_puts(&x->msg, "expected: ");
	buf_vprintf(&x->msg, fmt, ap);
	buf_puts(&x->msg, "\nactual: ");
}

enum step_rc
judge_captures(struct exec *x, const struct expect *e, const char *subj, size_t len,
    size_t *failed_r)
{
	size_t i;

	for (i = 0; i < e->ncaptures; i++) {
		struct buf g;
		int m;

		buf_init(&g, JUDGE_MAX_CAPTURE);
		m = judge_regex(x, &e->captures[i].pattern, subj, len, &g);
		if (m == 1)
			vars_set(&x->vars, e->captures[i].var.s, g.data ? g.data : "", g.len);
		buf_release(&g);
		if (m < 0)
			return STEP_RC_SCENARIO_ERROR;
		if (m == 0) {
			*failed_r = i;
			return STEP_RC_FAIL;
		}
	}
	return STEP_RC_OK;
}
