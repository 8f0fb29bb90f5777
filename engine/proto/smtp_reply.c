/* smtp_reply.c: incremental SMTP reply parser (client side).
 *
 * RFC 5321 §4.2 (Reply-line: *( Reply-code "-" [ textstring ] CRLF )
 * Reply-code [ SP textstring ] CRLF; Reply-code = %x32-35 %x30-35 %x30-39),
 * §4.2.1 (multi-line replies carry one code), §2.3.8 (CRLF only),
 * §4.5.3.1.5 (reply line length); RFC 3463 §2 and RFC 2034 §4 (enhanced
 * status codes "class.subject.detail").
 *
 * Choices where the RFCs leave room:
 * - max_line bounds the whole line ("250-" included, CRLF excluded), as
 *   §4.5.3.1.5 counts the reply code in its 512 octets.
 * - "250 " with empty text is accepted like "250" (the text is "").
 * - Text bytes other than NUL, CR and LF are passed through: a client
 *   must cope with UTF-8 replies (RFC 6531 §3.7.4) and the harness wants
 *   to see what the server sent.
 * - An enhanced code is recognised only in its RFC 3463 form: no leading
 *   zeros in subject or detail, followed by SP or the end of the text.
 *   Whether its class matches the reply code is for the caller to judge.
 * - On an error the reply so far and the offending line are dropped; the
 *   next line starts a new reply.
 */
#include "smtp_reply.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "linebuf.h"

#define SMTP_REPLY_DEFAULT_LINE 4096
#define SMTP_REPLY_DEFAULT_LINES 512

struct smtp_reply_parser {
	struct linebuf *lb;
	struct arena *arena;
	size_t max_line;
	size_t max_lines;
	/* the reply being assembled */
	int code;
	struct smtp_reply_line *lines;
	size_t nlines;
	size_t cap_lines;
	size_t wire_len;
	bool is_done;		/* last call ended a reply or an error */
	enum smtp_reply_error err;
};

struct smtp_reply_parser *
smtp_reply_parser_new(const struct smtp_reply_limits *lim)
{
	struct smtp_reply_parser *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->max_line = lim != NULL && lim->max_line != 0 ?
	    lim->max_line : SMTP_REPLY_DEFAULT_LINE;
	p->max_lines = lim != NULL && lim->max_lines != 0 ?
	    lim->max_lines : SMTP_REPLY_DEFAULT_LINES;
	p->lb = linebuf_new(p->max_line, LINEBUF_STRICT);
	p->arena = arena_new(0);
	if (p->lb == NULL || p->arena == NULL) {
		smtp_reply_parser_free(&p);
		return NULL;
	}
	return p;
}

void
smtp_reply_parser_free(struct smtp_reply_parser **pp)
{
	if (pp == NULL || *pp == NULL)
		return;
	linebuf_free(&(*pp)->lb);
	arena_free(&(*pp)->arena);
	free(*pp);
	*pp = NULL;
}

/* Forget the reply being assembled (the bytes in the linebuf stay). */
static void
smtp_reply_clear(struct smtp_reply_parser *p)
{
	arena_reset(p->arena);
	p->code = 0;
	p->lines = NULL;
	p->nlines = 0;
	p->cap_lines = 0;
	p->wire_len = 0;
	p->is_done = false;
}

void
smtp_reply_parser_reset(struct smtp_reply_parser *p)
{
	linebuf_reset(p->lb);
	smtp_reply_clear(p);
	p->err = SMTP_REPLY_ERR_NONE;
}

size_t
smtp_reply_parser_feed(struct smtp_reply_parser *p, const void *data, size_t len)
{
	return linebuf_feed(p->lb, data, len);
}

static int
smtp_reply_fail(struct smtp_reply_parser *p, enum smtp_reply_error err)
{
	p->err = err;
	p->is_done = true;
	return -1;
}

static enum smtp_reply_error
smtp_reply_map_linebuf(enum linebuf_error err)
{
	switch (err) {
	case LINEBUF_ERR_TOO_LONG: return SMTP_REPLY_ERR_LINE_TOO_LONG;
	case LINEBUF_ERR_BARE_LF: return SMTP_REPLY_ERR_BARE_LF;
	case LINEBUF_ERR_BARE_CR: return SMTP_REPLY_ERR_BARE_CR;
	case LINEBUF_ERR_NUL: return SMTP_REPLY_ERR_NUL;
	default: return SMTP_REPLY_ERR_NOMEM;
	}
}

/* The reply code of a line, or -1 when it is not %x32-35 %x30-35 %x30-39. */
static int
smtp_reply_line_code(const char *line, size_t len)
{
	if (len < 3)
		return -1;
	if (line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '5' ||
	    line[2] < '0' || line[2] > '9')
		return -1;
	return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
}

/* Store one line's text in the arena. false: out of memory. */
static bool
smtp_reply_add_line(struct smtp_reply_parser *p, const char *text, size_t len)
{
	struct smtp_reply_line *l;

	if (p->nlines == p->cap_lines) {
		size_t cap = p->cap_lines == 0 ? 8 : p->cap_lines * 2;

		if (cap > p->max_lines)
			cap = p->max_lines;
		l = arena_alloc(p->arena, cap * sizeof(*l));
		if (l == NULL)
			return false;
		if (p->nlines > 0)
			memcpy(l, p->lines, p->nlines * sizeof(*l));
		p->lines = l;
		p->cap_lines = cap;
	}
	l = &p->lines[p->nlines];
	l->text = arena_strndup(p->arena, text, len);
	if (l->text == NULL)
		return false;
	l->len = len;
	p->nlines++;
	return true;
}

static void
smtp_reply_fill(struct smtp_reply_parser *p, struct smtp_reply *r)
{
	const struct smtp_reply_line *first = &p->lines[0];
	size_t elen;

	memset(r, 0, sizeof(*r));
	r->code = p->code;
	elen = smtp_enhanced_code_parse(first->text, first->len,
	    r->enhanced, sizeof(r->enhanced));
	if (elen > 0 && elen < first->len)
		elen++;		/* the SP after the code */
	r->enhanced_text = first->text + elen;
	r->nlines = p->nlines;
	r->lines = p->lines;
	r->wire_len = p->wire_len;
}

/* Take one line into the reply: 1 the reply is complete, 0 more lines
 * follow, -1 error. */
static int
smtp_reply_take(struct smtp_reply_parser *p, const char *line, size_t len)
{
	int code = smtp_reply_line_code(line, len);
	bool is_last;

	if (code < 0)
		return smtp_reply_fail(p, SMTP_REPLY_ERR_BAD_CODE);
	if (len > 3 && line[3] != '-' && line[3] != ' ')
		return smtp_reply_fail(p, SMTP_REPLY_ERR_BAD_SEPARATOR);
	if (p->nlines > 0 && code != p->code)
		return smtp_reply_fail(p, SMTP_REPLY_ERR_MIXED_CODES);
	if (p->nlines == p->max_lines)
		return smtp_reply_fail(p, SMTP_REPLY_ERR_TOO_MANY_LINES);
	is_last = len == 3 || line[3] == ' ';
	p->code = code;
	if (!smtp_reply_add_line(p, len > 3 ? line + 4 : "", len > 3 ? len - 4 : 0))
		return smtp_reply_fail(p, SMTP_REPLY_ERR_NOMEM);
	p->wire_len += len + 2;
	return is_last ? 1 : 0;
}

int
smtp_reply_parser_next(struct smtp_reply_parser *p, struct smtp_reply *reply_r)
{
	const char *line;
	size_t len;
	int r;

	if (p->is_done)
		smtp_reply_clear(p);
	for (;;) {
		r = linebuf_take_line(p->lb, &line, &len);
		if (r == 0)
			return 0;
		if (r < 0)
			return smtp_reply_fail(p,
			    smtp_reply_map_linebuf(linebuf_error(p->lb)));
		r = smtp_reply_take(p, line, len);
		if (r < 0)
			return -1;
		if (r == 1) {
			smtp_reply_fill(p, reply_r);
			p->is_done = true;
			return 1;
		}
	}
}

enum smtp_reply_error
smtp_reply_parser_error(const struct smtp_reply_parser *p)
{
	return p->err;
}

const char *
smtp_reply_error_str(enum smtp_reply_error err)
{
	switch (err) {
	case SMTP_REPLY_ERR_NONE: return "no error";
	case SMTP_REPLY_ERR_LINE_TOO_LONG: return "reply line too long";
	case SMTP_REPLY_ERR_TOO_MANY_LINES: return "too many lines in one reply";
	case SMTP_REPLY_ERR_BARE_LF: return "bare LF in reply";
	case SMTP_REPLY_ERR_BARE_CR: return "bare CR in reply";
	case SMTP_REPLY_ERR_NUL: return "NUL byte in reply";
	case SMTP_REPLY_ERR_BAD_CODE: return "malformed reply code";
	case SMTP_REPLY_ERR_BAD_SEPARATOR: return "reply code not followed by '-', SP or CRLF";
	case SMTP_REPLY_ERR_MIXED_CODES: return "lines of one reply carry different codes";
	case SMTP_REPLY_ERR_NOMEM: return "out of memory";
	}
	return "unknown error";
}

size_t
smtp_reply_parser_pending(const struct smtp_reply_parser *p)
{
	size_t n = linebuf_pending(p->lb);

	if (!p->is_done)
		n += p->wire_len;
	return n;
}

/* 1*3DIGIT without a leading zero (RFC 3463 §2); its length or 0. */
static size_t
smtp_enhanced_number(const char *s, size_t len)
{
	size_t n = 0;

	while (n < len && n < 4 && s[n] >= '0' && s[n] <= '9')
		n++;
	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return 0;
	return n;
}

size_t
smtp_enhanced_code_parse(const char *text, size_t len, char *out, size_t outlen)
{
	size_t pos, n;

	if (out != NULL && outlen > 0)
		out[0] = '\0';
	if (len < 5 || (text[0] != '2' && text[0] != '4' && text[0] != '5') ||
	    text[1] != '.')
		return 0;
	pos = 2;
	n = smtp_enhanced_number(text + pos, len - pos);
	if (n == 0 || pos + n >= len || text[pos + n] != '.')
		return 0;
	pos += n + 1;
	n = smtp_enhanced_number(text + pos, len - pos);
	if (n == 0)
		return 0;
	pos += n;
	if (pos < len && text[pos] != ' ')
		return 0;
	if (out == NULL || outlen <= pos)
		return out == NULL ? pos : 0;
	memcpy(out, text, pos);
	out[pos] = '\0';
	return pos;
}
