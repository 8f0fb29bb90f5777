/* judge_pop3.c: POP3 expectations (scenarios/FORMAT.md "Expecting"):
 * status indicators (RFC 1939 §3), response codes (RFC 2449 §8), the
 * status text, and the unstuffed multi-line body. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "exec.h"
#include "pop3.h"

#define JUDGE_SHOW_BODY 2048
#define XPOP3_SUBJECT_MAX (65u << 20)

static const char *const status_names[] = { "+OK", "-ERR", "+" };

static void
judge_pop3_describe(struct buf *b, const struct pop3_resp *r)
{
	buf_printf(b, "%s ", status_names[r->status]);
	buf_append_escaped(b, r->text, r->text_len);
	if (r->has_body) {
		buf_printf(b, "\n        body (%zu lines): ", r->body_lines);
		buf_append_escaped(b, r->body, r->body_len > JUDGE_SHOW_BODY ? JUDGE_SHOW_BODY :
		    r->body_len);
		if (r->body_len > JUDGE_SHOW_BODY)
			buf_puts(b, "...");
	}
}

static enum step_rc judge_pop3_miss(struct exec *x, const struct pop3_resp *r,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static enum step_rc
judge_pop3_miss(struct exec *x, const struct pop3_resp *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	judge_vexpected(x, fmt, ap);
	va_end(ap);
	judge_pop3_describe(&x->msg, r);
	return STEP_RC_FAIL;
}

/* Body lines without their CRLF, one at a time: 1 a line, 0 at the end. */
static int
judge_body_line(const char **p, const char *end, const char **line_r, size_t *len_r)
{
	const char *eol;

	if (*p >= end)
		return 0;
	eol = memchr(*p, '\n', (size_t)(end - *p));
	*line_r = *p;
	*len_r = eol ? (size_t)(eol - *p) : (size_t)(end - *p);
	if (*len_r > 0 && (*line_r)[*len_r - 1] == '\r')
		(*len_r)--;
	*p = eol ? eol + 1 : end;
	return 1;
}

static enum step_rc
judge_pop3_body(struct exec *x, const struct expect *e, const struct pop3_resp *r)
{
	const char *p = r->body, *end = r->body + r->body_len, *line;
	size_t len, i = 0;
	bool any = false;
	int m;

	if (e->body_text.s != NULL) {
		if ((m = judge_regex(x, &e->body_text, r->body, r->body_len, NULL)) < 0)
			return STEP_RC_SCENARIO_ERROR;
		if (m == 0)
			return judge_pop3_miss(x, r, "a body matching /%s/", e->body_text.s);
	}
	if (e->has_body_lines && e->nbody_lines != r->body_lines)
		return judge_pop3_miss(x, r, "a body of %zu lines", e->nbody_lines);
	while (judge_body_line(&p, end, &line, &len) == 1) {
		if (e->has_body_lines && i < e->nbody_lines) {
			if ((m = judge_regex(x, &e->body_lines[i], line, len, NULL)) < 0)
				return STEP_RC_SCENARIO_ERROR;
			if (m == 0)
				return judge_pop3_miss(x, r, "body line %zu matching /%s/", i + 1,
				    e->body_lines[i].s);
		}
		if (e->body_any_line.s != NULL && !any) {
			if ((m = judge_regex(x, &e->body_any_line, line, len, NULL)) < 0)
				return STEP_RC_SCENARIO_ERROR;
			any = m == 1;
		}
		if (e->body_no_line.s != NULL) {
			if ((m = judge_regex(x, &e->body_no_line, line, len, NULL)) < 0)
				return STEP_RC_SCENARIO_ERROR;
			if (m == 1)
				return judge_pop3_miss(x, r, "no body line matching /%s/",
				    e->body_no_line.s);
		}
		i++;
	}
	if (e->body_any_line.s != NULL && !any)
		return judge_pop3_miss(x, r, "a body line matching /%s/", e->body_any_line.s);
	return STEP_RC_OK;
}

/* Whether p[0..len) is nothing but complete header fields (RFC 5322
 * §2.2: a field name of printable characters except ':', then ':', and
 * folded continuation lines that start with WSP). */
static bool
judge_is_header_block(const char *p, size_t len)
{
	const char *end = p + len;
	bool first = true;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *q = p;

		if (eol == NULL || eol == p || eol[-1] != '\r')
			return false;
		if (*p == ' ' || *p == '\t') {
			if (first)
				return false;
		} else {
			while (q < eol && *q > 32 && *q < 127 && *q != ':')
				q++;
			if (q == p || q == eol || *q != ':')
				return false;
		}
		first = false;
		p = eol + 1;
	}
	return true;
}

/* One header field (with its continuation lines) at p: its length up
 * to and including the last CRLF, and its name's length; 0 when p is
 * not a field. */
static size_t
judge_field_at(const char *p, const char *end, size_t *name_len_r)
{
	const char *q = p, *eol;

	while (q < end && *q > 32 && *q < 127 && *q != ':')
		q++;
	if (q == p || q == end || *q != ':')
		return 0;
	*name_len_r = (size_t)(q - p);
	for (eol = p;;) {
		eol = memchr(eol, '\n', (size_t)(end - eol));
		if (eol == NULL)
			return 0;
		eol++;
		if (eol == end || (*eol != ' ' && *eol != '\t'))
			return (size_t)(eol - p);
	}
}

static bool
judge_field_is(const char *p, size_t name_len, const char *name)
{
	return strlen(name) == name_len && strncasecmp(p, name, name_len) == 0;
}

/* Does header block 'want' have a field called name? */
static bool
judge_has_field(const char *p, const char *end, const char *name)
{
	size_t n, nl;

	while (p < end && (n = judge_field_at(p, end, &nl)) > 0) {
		if (judge_field_is(p, nl, name))
			return true;
		p += n;
	}
	return false;
}

/* May an MTA have added the field at g (name of nl octets) to a message
 * whose header is want? A Date or Message-ID where it had none (RFC 5321
 * §6.4). */
static bool
judge_field_may_add(const char *g, size_t nl, const char *want, const char *wend)
{
	return (judge_field_is(g, nl, "Date") && !judge_has_field(want, wend, "Date")) ||
	    (judge_field_is(g, nl, "Message-ID") && !judge_has_field(want, wend, "Message-ID"));
}

/* The header 'got' is the header 'want' apart from what a receiving MTA
 * may change: fields added before it (trace fields, RFC 5321 §4.4), a
 * Date or Message-ID added where the message had none (RFC 5321 §6.4)
 * and a Bcc field removed (RFC 5322 §3.6.3). Fields kept must be kept
 * byte for byte and in order. */
static bool
judge_header_kept(const char *got, size_t glen, const char *want, size_t wlen)
{
	const char *g = got, *gend = got + glen, *w = want, *wend = want + wlen;
	size_t gn, wn, gnl, wnl;
	bool started = false;

	while (w < wend) {
		if ((wn = judge_field_at(w, wend, &wnl)) == 0)
			return false;
		if (g < gend && (gn = judge_field_at(g, gend, &gnl)) > 0 && gn == wn &&
		    memcmp(g, w, wn) == 0) {
			started = true;
			g += gn;
			w += wn;
			continue;
		}
		if (judge_field_is(w, wnl, "Bcc")) {
			w += wn;
			continue;
		}
		if (g >= gend || (gn = judge_field_at(g, gend, &gnl)) == 0)
			return false;
		if (started && !judge_field_may_add(g, gnl, want, wend))
			return false;
		g += gn;
	}
	while (g < gend) {
		if ((gn = judge_field_at(g, gend, &gnl)) == 0 ||
		    !judge_field_may_add(g, gnl, want, wend))
			return false;
		g += gn;
	}
	return true;
}

/* Where the header of a message ends: after the empty line, or len. */
static size_t
judge_header_len(const char *p, size_t len)
{
	const char *blank;

	if (len >= 2 && p[0] == '\r' && p[1] == '\n')
		return 0;
	blank = memmem(p, len, "\r\n\r\n", 4);
	return blank == NULL ? len : (size_t)(blank - p) + 2;
}

/* The received message is the expected one with its header changed only
 * as judge_header_kept() allows, its body untouched. */
static bool
judge_same_message(const char *got, size_t glen, const char *want, size_t wlen)
{
	size_t wh = judge_header_len(want, wlen), gh = judge_header_len(got, glen);
	size_t wbody = wlen - wh, gbody = glen - gh;

	/* a message without body: the server may end the header with an
	 * empty line (RFC 5322 §2.1) */
	if (wh == wlen && gbody == 2 && memcmp(got + gh, "\r\n", 2) == 0)
		gbody = 0;
	if (gbody != wbody || memcmp(got + gh, want + wh, wbody) != 0)
		return false;
	return judge_header_kept(got, gh, want, wh);
}

/* The body carries the expected message, after trace fields only. */
static enum step_rc
judge_pop3_message(struct exec *x, const struct expect *e, const struct pop3_resp *r)
{
	struct buf want;
	enum step_rc rc = STEP_RC_OK;
	size_t i, prefix;

	buf_init(&want, XPOP3_SUBJECT_MAX);
	for (i = 0; rc == STEP_RC_OK && i < e->nmessage; i++) {
		rc = exec_expand_line(x, &e->message[i], &want);
		buf_puts(&want, "\r\n");
	}
	if (rc == STEP_RC_OK && !judge_same_message(r->body ? r->body : "", r->body_len, want.data ? want.data :
	    "", want.len)) {
		prefix = r->body_len >= want.len ? r->body_len - want.len : 0;
		if (r->body_len < want.len || memcmp(r->body + prefix, want.data, want.len) != 0)
			rc = judge_pop3_miss(x, r, "the message as sent (%zu bytes) at the end of "
			    "the body, after header fields the server added (RFC 5321 §4.4, §6.4)",
			    want.len);
		else if (!judge_is_header_block(r->body, prefix))
			rc = judge_pop3_miss(x, r, "only header fields before the message as sent "
			    "(%zu bytes of something else)", prefix);
	}
	buf_release(&want);
	return rc;
}

enum step_rc
judge_pop3(struct exec *x, const struct expect *e, const struct pop3_resp *r)
{
	struct buf subject;
	enum step_rc rc;
	size_t failed;
	int m;

	if (e->status >= 0 && e->status != (int)r->status)
		return judge_pop3_miss(x, r, "status %s", status_names[e->status]);
	if (e->resp_code.s != NULL && (r->resp_code == NULL ||
	    strcasecmp(r->resp_code, e->resp_code.s) != 0))
		return judge_pop3_miss(x, r, "response code [%s] (RFC 2449 §8)", e->resp_code.s);
	if (e->text.s != NULL) {
		if ((m = judge_regex(x, &e->text, r->text, r->text_len, NULL)) < 0)
			return STEP_RC_SCENARIO_ERROR;
		if (m == 0)
			return judge_pop3_miss(x, r, "text matching /%s/", e->text.s);
	}
	if (e->body && !r->has_body)
		return judge_pop3_miss(x, r, "a multi-line body");
	if (r->has_body && (rc = judge_pop3_body(x, e, r)) != STEP_RC_OK)
		return rc;
	if (e->has_message && (rc = judge_pop3_message(x, e, r)) != STEP_RC_OK)
		return rc;
	/* Captures see the status text, then the body after a newline. */
	buf_init(&subject, XPOP3_SUBJECT_MAX);
	buf_append(&subject, r->text, r->text_len);
	if (r->has_body) {
		buf_putc(&subject, '\n');
		buf_append(&subject, r->body, r->body_len);
	}
	rc = judge_captures(x, e, subject.data ? subject.data : "", subject.len, &failed);
	buf_release(&subject);
	if (rc == STEP_RC_FAIL)
		judge_pop3_miss(x, r, "text matching /%s/ to capture ${%s}",
		    e->captures[failed].pattern.s, e->captures[failed].var.s);
	return rc;
}
