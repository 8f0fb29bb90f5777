/* judge_smtp.c: SMTP expectations (scenarios/FORMAT.md "Expecting"):
 * reply codes (RFC 5321 §4.2), enhanced status codes (RFC 3463 §2,
 * RFC 2034), text patterns, multi-line form, captures. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "exec.h"
#include "smtp_reply.h"

#define JUDGE_SHOW_LINES 12

/* The reply as the failure message shows it: code and lines, escaped. */
static void
judge_describe(struct buf *b, const struct smtp_reply *r)
{
	size_t i;

	for (i = 0; i < r->nlines && i < JUDGE_SHOW_LINES; i++) {
		buf_printf(b, "%s%d%c", i ? "\n        " : "", r->code,
		    i + 1 < r->nlines ? '-' : ' ');
		buf_append_escaped(b, r->lines[i].text, r->lines[i].len);
	}
	if (r->nlines > JUDGE_SHOW_LINES)
		buf_printf(b, "\n        ... %zu lines in all", r->nlines);
}

static enum step_rc judge_miss(struct exec *x, const struct smtp_reply *r,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A failure: "expected: <fmt>" and the reply as "actual". */
static enum step_rc
judge_miss(struct exec *x, const struct smtp_reply *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	judge_vexpected(x, fmt, ap);
	va_end(ap);
	judge_describe(&x->msg, r);
	return STEP_RC_FAIL;
}

static bool
judge_code_ok(const struct expect *e, int code)
{
	size_t i;

	for (i = 0; i < e->ncodes; i++)
		if (code >= e->codes[i].lo && code <= e->codes[i].hi)
			return true;
	return false;
}

static void
judge_codes_text(const struct expect *e, struct buf *b)
{
	size_t i;

	buf_puts(b, e->ncodes > 1 ? "reply code one of " : "reply code ");
	for (i = 0; i < e->ncodes; i++) {
		const struct code_range *c = &e->codes[i];
		if (i > 0)
			buf_puts(b, ", ");
		if (c->lo == c->hi)
			buf_printf(b, "%d", c->lo);
		else if (c->hi - c->lo == 9)
			buf_printf(b, "%dx", c->lo / 10);
		else
			buf_printf(b, "%dxx", c->lo / 100);
	}
}

/* "5.x.x" against "5.7.1". */
static bool
judge_enhanced_ok(const char *want, const char *have)
{
	while (*want != '\0') {
		size_t wl = strcspn(want, "."), hl = strcspn(have, ".");

		if (hl == 0 || !((wl == 1 && *want == 'x') || (wl == hl && !memcmp(want, have, wl))))
			return false;
		want += wl;
		have += hl;
		if ((*want == '.') != (*have == '.'))
			return false;
		if (*want == '.') {
			want++;
			have++;
		}
	}
	return *have == '\0';
}

static enum step_rc
judge_patterns(struct exec *x, const struct expect *e, const struct smtp_reply *r,
    const struct buf *joined)
{
	size_t i;
	int m;

	if (e->text.s != NULL) {
		if ((m = judge_regex(x, &e->text, joined->data, joined->len, NULL)) < 0)
			return STEP_RC_SCENARIO_ERROR;
		if (m == 0)
			return judge_miss(x, r, "text matching /%s/", e->text.s);
	}
	if (e->has_lines && e->nlines != r->nlines)
		return judge_miss(x, r, "%zu lines", e->nlines);
	for (i = 0; e->has_lines && i < e->nlines; i++) {
		if ((m = judge_regex(x, &e->lines[i], r->lines[i].text, r->lines[i].len, NULL)) < 0)
			return STEP_RC_SCENARIO_ERROR;
		if (m == 0)
			return judge_miss(x, r, "line %zu matching /%s/", i + 1, e->lines[i].s);
	}
	for (i = 0; e->any_line.s != NULL && i < r->nlines; i++) {
		if ((m = judge_regex(x, &e->any_line, r->lines[i].text, r->lines[i].len, NULL)) < 0)
			return STEP_RC_SCENARIO_ERROR;
		if (m == 1)
			break;
	}
	if (e->any_line.s != NULL && i == r->nlines)
		return judge_miss(x, r, "a line matching /%s/", e->any_line.s);
	for (i = 0; e->no_line.s != NULL && i < r->nlines; i++) {
		if ((m = judge_regex(x, &e->no_line, r->lines[i].text, r->lines[i].len, NULL)) < 0)
			return STEP_RC_SCENARIO_ERROR;
		if (m == 1)
			return judge_miss(x, r, "no line matching /%s/", e->no_line.s);
	}
	return STEP_RC_OK;
}

enum step_rc
judge_smtp(struct exec *x, const struct expect *e, const struct smtp_reply *r)
{
	struct buf joined, what;
	enum step_rc rc = STEP_RC_OK;
	size_t i;

	if (e->ncodes > 0 && !judge_code_ok(e, r->code)) {
		buf_init(&what, 4096);
		judge_codes_text(e, &what);
		rc = judge_miss(x, r, "%s", what.data ? what.data : "");
		buf_release(&what);
		return rc;
	}
	if (e->enhanced.s != NULL && !judge_enhanced_ok(e->enhanced.s, r->enhanced))
		return judge_miss(x, r, "enhanced status code %s", e->enhanced.s);
	/* RFC 2034 §4: "the same status code must appear at the beginning of
	 * the text in each line of the response". */
	for (i = 1; e->enhanced.s != NULL && i < r->nlines; i++) {
		char code[16];

		smtp_enhanced_code_parse(r->lines[i].text, r->lines[i].len, code, sizeof(code));
		if (strcmp(code, r->enhanced) != 0)
			return judge_miss(x, r, "enhanced status code %s on every line "
			    "(RFC 2034 §4); line %zu has \"%s\"", r->enhanced, i + 1, code);
	}
	if (e->multiline == 1 && r->nlines < 2)
		return judge_miss(x, r, "a multi-line reply");
	if (e->multiline == 0 && r->nlines != 1)
		return judge_miss(x, r, "a single-line reply");
	buf_init(&joined, 1 << 24);
	for (i = 0; i < r->nlines; i++) {
		if (i > 0)
			buf_putc(&joined, '\n');
		buf_append(&joined, r->lines[i].text, r->lines[i].len);
	}
	if (joined.data == NULL)
		buf_puts(&joined, "");
	rc = judge_patterns(x, e, r, &joined);
	if (rc == STEP_RC_OK) {
		rc = judge_captures(x, e, joined.data, joined.len, &i);
		if (rc == STEP_RC_FAIL)
			judge_miss(x, r, "text matching /%s/ to capture ${%s}",
			    e->captures[i].pattern.s, e->captures[i].var.s);
	}
	buf_release(&joined);
	return rc;
}
