/* pop3.c: POP3 wire codecs: response parser (client side), command line
 * parser (server side), dot-stuffing of message bodies.
 *
 * RFC 1939 §3 (commands: case-insensitive keyword, arguments separated by
 * one SP, at most 40 characters each; responses: "+OK"/"-ERR" in upper
 * case; multi-line responses ending in CRLF "." CRLF, byte-stuffed lines),
 * §5-§7 and §9 (argument shapes of USER, PASS, APOP, STAT, LIST, RETR,
 * DELE, NOOP, RSET, QUIT, TOP, UIDL; PASS may hold spaces; APOP's digest
 * is 16 octets in lower-case hex); RFC 2449 §3 (grammar: keyword, param,
 * resp-code), §4 (255-octet command lines), §5 (CAPA), §8 (response codes
 * "[" resp-level *("/" resp-level) "]"); RFC 2595 §4 (STLS); RFC 5034 §4
 * and §5 (AUTH sasl-mech [SP initial-response], initial-response = base64
 * / "=", the 255-octet limit still applies; continue-req = "+" SP [base64]);
 * RFC 4422 §3.1 (sasl-mech = 1*20 of upper-case letters, digits, "-", "_").
 *
 * Choices where the RFCs leave room:
 * - Responses: CRLF only; a bare CR, a bare LF or a NUL in any line is an
 *   error, because a tester must flag it. "+OK"/"-ERR" must be upper case
 *   and followed by SP or the end of the line ("+OKAY" is BAD_STATUS).
 *   "+OK " with nothing after it gives the text "".
 * - A lone "+" is taken as an empty continuation like "+ " (RFC 5034 wants
 *   the SP); wire_len (3 vs 4) tells them apart. Continuation text is not
 *   checked for base64: that is the caller's judgement.
 * - text is everything after "+OK "/"-ERR ", response code included; the
 *   code is recognised only in its RFC 2449 §3 form (no empty level, the
 *   closing "]" present) and returned without brackets.
 * - max_line bounds every line, status and body, as sent (stuffing dot
 *   included, CRLF excluded); max_body bounds the unstuffed body, CRLFs
 *   included. The RFC's 512 octets for a status line is for the caller
 *   to judge, like every other MUST the server may break.
 * - After an error the parser cannot know whether it is inside a body, so
 *   it does not resynchronise: every later _next() returns -1 with the
 *   same error until _reset().
 * - Commands: any control byte (0-31, 127) is BAD_CHAR. Bytes >= 0x80 are
 *   allowed in USER/APOP names and in PASS (RFC 6856 lets them be UTF-8;
 *   the session decides); every other argument has a strict shape.
 * - Exactly one SP separates keyword and arguments: a double SP, a leading
 *   SP or a trailing SP (e.g. "STAT ") is an ARGS error. PASS takes the
 *   whole rest of the line, spaces included, and must not be empty.
 * - Message numbers: 1*DIGIT, leading zeros accepted, no sign, no
 *   overflow of unsigned long; msg must be >= 1, TOP's n may be 0.
 * - The 40-character limit (RFC 1939 §3) applies to every argument but
 *   PASS and AUTH's initial response; both are bound only by the
 *   255-octet line (RFC 5034 §4 keeps it for AUTH).
 * - Dot-stuffing also stuffs a "." that follows a bare LF, so a lenient
 *   client that splits at LF can never see an early end of the body.
 */
#include "pop3.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "linebuf.h"

#define POP3_RESP_DEFAULT_LINE	4096
#define POP3_RESP_DEFAULT_BODY	((size_t)64 << 20)
#define POP3_ARENA_MAX		((size_t)1 << 20)
#define POP3_MAX_ARG		40	/* RFC 1939 §3 */
#define POP3_MAX_MECH		20	/* RFC 4422 §3.1 */
#define POP3_DIGEST_LEN		32	/* RFC 1939 §7: 16 octets in hex */

/* ---- responses ------------------------------------------------------ */

enum resp_state { RESP_STATUS, RESP_BODY, RESP_DONE, RESP_FAILED };

struct pop3_resp_parser {
	struct linebuf *lb;
	struct arena *arena;	/* status text and response code */
	struct buf body;	/* unstuffed body of the response being read */
	size_t max_line;
	size_t max_body;
	enum resp_state state;
	struct pop3_resp cur;	/* the response being assembled */
	enum pop3_resp_error err;
};

struct pop3_resp_parser *
pop3_resp_parser_new(const struct pop3_resp_limits *lim)
{
	struct pop3_resp_parser *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->max_line = lim != NULL && lim->max_line != 0 ?
	    lim->max_line : POP3_RESP_DEFAULT_LINE;
	p->max_body = lim != NULL && lim->max_body != 0 ?
	    lim->max_body : POP3_RESP_DEFAULT_BODY;
	p->lb = linebuf_new(p->max_line, LINEBUF_STRICT);
	p->arena = arena_new(p->max_line + POP3_ARENA_MAX);
	buf_init(&p->body, p->max_body);
	if (p->lb == NULL || p->arena == NULL) {
		pop3_resp_parser_free(&p);
		return NULL;
	}
	return p;
}

void
pop3_resp_parser_free(struct pop3_resp_parser **pp)
{
	if (pp == NULL || *pp == NULL)
		return;
	linebuf_free(&(*pp)->lb);
	arena_free(&(*pp)->arena);
	buf_release(&(*pp)->body);
	free(*pp);
	*pp = NULL;
}

/* Forget the response being assembled (the bytes in the linebuf stay). */
static void
resp_clear(struct pop3_resp_parser *p)
{
	arena_reset(p->arena);
	buf_clear(&p->body);
	memset(&p->cur, 0, sizeof(p->cur));
	p->state = RESP_STATUS;
}

void
pop3_resp_parser_reset(struct pop3_resp_parser *p)
{
	linebuf_reset(p->lb);
	resp_clear(p);
	buf_release(&p->body);	/* a big body's memory goes back */
	p->err = POP3_RESP_ERR_NONE;
}

size_t
pop3_resp_parser_feed(struct pop3_resp_parser *p, const void *data, size_t len)
{
	return linebuf_feed(p->lb, data, len);
}

static int
resp_fail(struct pop3_resp_parser *p, enum pop3_resp_error err)
{
	p->err = err;
	p->state = RESP_FAILED;
	return -1;
}

static enum pop3_resp_error
resp_map_linebuf(enum linebuf_error err)
{
	switch (err) {
	case LINEBUF_ERR_TOO_LONG: return POP3_RESP_ERR_LINE_TOO_LONG;
	case LINEBUF_ERR_BARE_LF: return POP3_RESP_ERR_BARE_LF;
	case LINEBUF_ERR_BARE_CR: return POP3_RESP_ERR_BARE_CR;
	case LINEBUF_ERR_NUL: return POP3_RESP_ERR_NUL;
	default: return POP3_RESP_ERR_NOMEM;
	}
}

/* rchar = %x21-2E / %x30-5C / %x5E-7F (RFC 2449 §3) */
static bool
resp_is_rchar(unsigned char c)
{
	return c >= 0x21 && c <= 0x7f && c != '/' && c != ']';
}

/* Length of the resp-code at the start of text without its brackets, or 0
 * when there is none: "[" resp-level *("/" resp-level) "]". */
static size_t
resp_code_len(const char *text, size_t len)
{
	size_t i, level = 0;

	if (len < 3 || text[0] != '[')
		return 0;
	for (i = 1; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == ']' || c == '/') {
			if (level == 0)
				return 0;
			if (c == ']')
				return i - 1;
			level = 0;
		} else if (resp_is_rchar(c)) {
			level++;
		} else {
			return 0;
		}
	}
	return 0;
}

/* Parse a status line into p->cur. */
static enum pop3_resp_error
resp_take_status(struct pop3_resp_parser *p, const char *line, size_t len)
{
	struct pop3_resp *r = &p->cur;
	size_t skip, code;

	if (len >= 3 && memcmp(line, "+OK", 3) == 0) {
		r->status = POP3_OK;
		skip = 3;
	} else if (len >= 4 && memcmp(line, "-ERR", 4) == 0) {
		r->status = POP3_ERR;
		skip = 4;
	} else if (len >= 1 && line[0] == '+') {
		r->status = POP3_CONT;
		skip = 1;
	} else {
		return POP3_RESP_ERR_BAD_STATUS;
	}
	if (skip < len && line[skip] != ' ')
		return POP3_RESP_ERR_BAD_STATUS;
	if (skip < len)
		skip++;
	r->text_len = len - skip;
	r->text = arena_strndup(p->arena, line + skip, r->text_len);
	if (r->text == NULL)
		return POP3_RESP_ERR_NOMEM;
	code = r->status == POP3_CONT ? 0 : resp_code_len(r->text, r->text_len);
	if (code > 0) {
		r->resp_code = arena_strndup(p->arena, r->text + 1, code);
		if (r->resp_code == NULL)
			return POP3_RESP_ERR_NOMEM;
	}
	return POP3_RESP_ERR_NONE;
}

/* Take one body line: 1 the body ended, 0 more lines follow, -1 error. */
static int
resp_take_body_line(struct pop3_resp_parser *p, const char *line, size_t len)
{
	if (len == 1 && line[0] == '.')
		return 1;
	if (len > 0 && line[0] == '.') {
		line++;
		len--;
	}
	if (len + 2 > p->max_body || p->body.len > p->max_body - (len + 2))
		return resp_fail(p, POP3_RESP_ERR_BODY_TOO_LARGE);
	if (!buf_append(&p->body, line, len) || !buf_append(&p->body, "\r\n", 2))
		return resp_fail(p, POP3_RESP_ERR_NOMEM);
	p->cur.body_lines++;
	return 0;
}

static void
resp_finish(struct pop3_resp_parser *p, struct pop3_resp *resp_r)
{
	if (p->cur.has_body) {
		p->cur.body = p->body.data != NULL ? p->body.data : "";
		p->cur.body_len = p->body.len;
	}
	*resp_r = p->cur;
	p->state = RESP_DONE;
}

int
pop3_resp_parser_next(struct pop3_resp_parser *p, bool expect_body,
    struct pop3_resp *resp_r)
{
	enum pop3_resp_error err;
	const char *line;
	size_t len;
	int r;

	if (p->state == RESP_FAILED)
		return -1;
	if (p->state == RESP_DONE)
		resp_clear(p);
	for (;;) {
		r = linebuf_take_line(p->lb, &line, &len);
		if (r == 0)
			return 0;
		if (r < 0)
			return resp_fail(p, resp_map_linebuf(linebuf_error(p->lb)));
		p->cur.wire_len += len + 2;
		if (p->state == RESP_STATUS) {
			err = resp_take_status(p, line, len);
			if (err != POP3_RESP_ERR_NONE)
				return resp_fail(p, err);
			if (p->cur.status == POP3_OK && expect_body) {
				p->cur.has_body = true;
				p->state = RESP_BODY;
				continue;
			}
		} else {
			r = resp_take_body_line(p, line, len);
			if (r < 0)
				return -1;
			if (r == 0)
				continue;
		}
		resp_finish(p, resp_r);
		return 1;
	}
}

enum pop3_resp_error
pop3_resp_parser_error(const struct pop3_resp_parser *p)
{
	return p->err;
}

const char *
pop3_resp_error_str(enum pop3_resp_error err)
{
	switch (err) {
	case POP3_RESP_ERR_NONE: return "no error";
	case POP3_RESP_ERR_LINE_TOO_LONG: return "response line too long";
	case POP3_RESP_ERR_BODY_TOO_LARGE: return "multi-line response body too large";
	case POP3_RESP_ERR_BARE_LF: return "bare LF in response";
	case POP3_RESP_ERR_BARE_CR: return "bare CR in response";
	case POP3_RESP_ERR_NUL: return "NUL byte in response";
	case POP3_RESP_ERR_BAD_STATUS: return "status is neither \"+OK\", \"-ERR\" nor \"+ \"";
	case POP3_RESP_ERR_NOMEM: return "out of memory";
	}
	return "unknown error";
}

size_t
pop3_resp_parser_pending(const struct pop3_resp_parser *p)
{
	size_t n = linebuf_pending(p->lb);

	if (p->state == RESP_STATUS || p->state == RESP_BODY)
		n += p->cur.wire_len;
	return n;
}
