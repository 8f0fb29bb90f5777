/* judge_imap.c: IMAP expectations (scenarios/FORMAT.md "Expecting"):
 * the tagged completion and its response code (RFC 9051 §7.1), the
 * greeting (§7.1.1, §7.1.4, §7.1.5), continuation requests (§7.5), and
 * the untagged responses before them as a set: in order, in any order,
 * absent, allowed, nothing else (§7: untagged data may come at any time). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "exec.h"
#include "imap_resp.h"

#define JUDGE_SHOW_UNTAGGED 20
#define JUDGE_SHOW_BYTES 300

static void
judge_imap_describe(struct buf *b, const struct xconn *c, const struct imap_resp *r)
{
	size_t i, n = c->nuntagged;

	if (r != NULL)
		buf_append_escaped(b, r->raw, r->raw_len > JUDGE_SHOW_BYTES ? JUDGE_SHOW_BYTES :
		    r->raw_len);
	else
		buf_puts(b, "(no completion awaited)");
	buf_printf(b, "\n        after %zu untagged response%s", n, n == 1 ? "" : "s");
	for (i = 0; i < n && i < JUDGE_SHOW_UNTAGGED; i++) {
		buf_puts(b, "\n        * ");
		buf_append_escaped(b, c->untagged[i], c->untagged_len[i] > JUDGE_SHOW_BYTES ?
		    JUDGE_SHOW_BYTES : c->untagged_len[i]);
	}
	if (n > JUDGE_SHOW_UNTAGGED)
		buf_puts(b, "\n        ...");
}

static enum step_rc judge_imap_miss(struct exec *x, const struct xconn *c,
    const struct imap_resp *r, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum step_rc
judge_imap_miss(struct exec *x, const struct xconn *c, const struct imap_resp *r,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	judge_vexpected(x, fmt, ap);
	va_end(ap);
	judge_imap_describe(&x->msg, c, r);
	return STEP_RC_FAIL;
}

/* Index of the first untagged response from 'from' matching pat; -1 none,
 * -2 scenario error. */
static long
judge_imap_find(struct exec *x, const struct xconn *c, const struct text *pat, size_t from)
{
	size_t i;
	int m;

	for (i = from; i < c->nuntagged; i++) {
		m = judge_regex(x, pat, c->untagged[i], c->untagged_len[i], NULL);
		if (m < 0)
			return -2;
		if (m == 1)
			return (long)i;
	}
	return -1;
}

/* The in_order and any_order patterns all match: 1, 0 not yet, -1 error. */
static int
judge_imap_positive(struct exec *x, const struct xconn *c, const struct expect *e,
    const struct text **missing_r)
{
	size_t i, from = 0;
	long at;

	for (i = 0; i < e->nin_order; i++) {
		if ((at = judge_imap_find(x, c, &e->in_order[i], from)) == -2)
			return -1;
		if (at < 0) {
			*missing_r = &e->in_order[i];
			return 0;
		}
		from = (size_t)at + 1;
	}
	for (i = 0; i < e->nany_order; i++) {
		if ((at = judge_imap_find(x, c, &e->any_order[i], 0)) == -2)
			return -1;
		if (at < 0) {
			*missing_r = &e->any_order[i];
			return 0;
		}
	}
	return 1;
}

bool
judge_imap_untagged_done(struct exec *x, struct xconn *c, const struct expect *e)
{
	const struct text *missing;

	return judge_imap_positive(x, c, e, &missing) != 0;
}

/* Does response i match any pattern of list? 1, 0, -1 error. */
static int
judge_imap_in_list(struct exec *x, const struct xconn *c, size_t i, const struct text *list,
    size_t n)
{
	size_t k;
	int m;

	for (k = 0; k < n; k++) {
		m = judge_regex(x, &list[k], c->untagged[i], c->untagged_len[i], NULL);
		if (m != 0)
			return m;
	}
	return 0;
}

static enum step_rc
judge_imap_set(struct exec *x, const struct xconn *c, const struct expect *e,
    const struct imap_resp *r)
{
	const struct text *missing = NULL;
	size_t i;
	int m;

	if ((m = judge_imap_positive(x, c, e, &missing)) < 0)
		return STEP_RC_SCENARIO_ERROR;
	if (m == 0)
		return judge_imap_miss(x, c, r, "an untagged response matching /%s/", missing->s);
	for (i = 0; i < c->nuntagged; i++) {
		if ((m = judge_imap_in_list(x, c, i, e->absent, e->nabsent)) < 0)
			return STEP_RC_SCENARIO_ERROR;
		if (m == 1)
			return judge_imap_miss(x, c, r, "no untagged response like response "
			    "%zu (an absent: pattern matches it)", i + 1);
		if (!e->no_extras)
			continue;
		m = judge_imap_in_list(x, c, i, e->in_order, e->nin_order);
		if (m == 0)
			m = judge_imap_in_list(x, c, i, e->any_order, e->nany_order);
		if (m == 0)
			m = judge_imap_in_list(x, c, i, e->may, e->nmay);
		if (m < 0)
			return STEP_RC_SCENARIO_ERROR;
		if (m == 0)
			return judge_imap_miss(x, c, r, "no untagged responses beyond the listed "
			    "ones (no_extras); response %zu is not listed", i + 1);
	}
	return STEP_RC_OK;
}

static enum step_rc
judge_imap_response(struct exec *x, const struct xconn *c, const struct expect *e,
    const struct imap_resp *r)
{
	int m;

	if (e->greeting >= 0 && (r->kind != IMAP_RESP_UNTAGGED || (int)r->status != e->greeting))
		return judge_imap_miss(x, c, r, "the greeting * %s",
		    imap_status_name((enum imap_status)e->greeting));
	if (e->tagged >= 0 && !(e->tagged_mask & (1u << r->status)))
		return judge_imap_miss(x, c, r, "the completion %s %s%s", r->tag,
		    imap_status_name((enum imap_status)e->tagged),
		    (e->tagged_mask & (e->tagged_mask - 1)) ? " (or another listed status)" : "");
	if (e->code.s != NULL && (r->code == NULL || strcasecmp(r->code, e->code.s) != 0))
		return judge_imap_miss(x, c, r, "response code [%s]", e->code.s);
	if (e->text.s != NULL) {
		if ((m = judge_regex(x, &e->text, r->text, r->text_len, NULL)) < 0)
			return STEP_RC_SCENARIO_ERROR;
		if (m == 0)
			return judge_imap_miss(x, c, r, "text matching /%s/", e->text.s);
	}
	return STEP_RC_OK;
}

void
judge_imap_fetch_miss(struct exec *x, const struct xconn *c, const struct imap_resp *r,
    const char *why)
{
	judge_imap_miss(x, c, r, "%s", why);
}

/* Captures see every untagged response, then the awaited one, each on
 * its own line. */
static enum step_rc
judge_imap_captures(struct exec *x, const struct xconn *c, const struct expect *e,
    const struct imap_resp *r)
{
	struct buf all;
	enum step_rc rc;
	size_t i, failed;

	if (e->ncaptures == 0)
		return STEP_RC_OK;
	buf_init(&all, 1u << 26);
	for (i = 0; i < c->nuntagged; i++) {
		buf_append(&all, c->untagged[i], c->untagged_len[i]);
		buf_putc(&all, '\n');
	}
	if (r != NULL)
		buf_append(&all, r->raw, r->raw_len);
	rc = judge_captures(x, e, all.data ? all.data : "", all.len, &failed);
	buf_release(&all);
	if (rc == STEP_RC_FAIL)
		judge_imap_miss(x, c, r, "text matching /%s/ to capture ${%s}",
		    e->captures[failed].pattern.s, e->captures[failed].var.s);
	return rc;
}

enum step_rc
judge_imap(struct exec *x, struct xconn *c, const struct expect *e, const struct imap_resp *r)
{
	enum step_rc rc = STEP_RC_OK;

	if (r != NULL)
		rc = judge_imap_response(x, c, e, r);
	if (rc == STEP_RC_OK && e->has_untagged)
		rc = judge_imap_set(x, c, e, r);
	if (rc == STEP_RC_OK)
		rc = judge_imap_fetch(x, c, e, r);
	if (rc == STEP_RC_OK)
		rc = judge_imap_captures(x, c, e, r);
	xconn_untagged_clear(c);
	return rc;
}

enum step_rc
judge_imap_unexpected(struct exec *x, struct xconn *c, const struct expect *e,
    const struct imap_resp *r)
{
	enum step_rc rc;

	if (e->continuation)
		rc = judge_imap_miss(x, c, r, "a continuation request (+)");
	else if (e->tagged >= 0 && c->nverbs > 0)
		rc = judge_imap_miss(x, c, r, "the completion of %s first (RFC 9051 §2.2.2; "
		    "mailspec expects completions in command order)", c->verbs[0]);
	else
		rc = judge_imap_miss(x, c, r, "untagged responses only");
	xconn_untagged_clear(c);
	return rc;
}
