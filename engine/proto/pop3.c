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
#include "word.h"

#define POP3_RESP_DEFAULT_LINE	4096
#define POP3_RESP_DEFAULT_BODY	((size_t)64 << 20)
#define POP3_ARENA_SLACK	((size_t)64 << 10)
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
	/* a status line's text and its code, each at most max_line */
	p->arena = arena_new(2 * p->max_line + POP3_ARENA_SLACK);
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

/* ---- commands ------------------------------------------------------- */

enum arg_kind {
	ARG_NONE = 0,
	ARG_NAME,	/* USER/APOP mailbox name: any non-control bytes */
	ARG_DIGEST,	/* APOP: 32 lower-case hex digits */
	ARG_MECH,	/* AUTH: sasl-mech */
	ARG_SASL,	/* AUTH: base64 / "=", no 40-character limit */
	ARG_MSG,	/* message number >= 1 */
	ARG_COUNT,	/* TOP's line count >= 0 */
	ARG_REST,	/* PASS: the rest of the line, spaces included */
};

static const struct verb_spec {
	enum pop3_verb verb;
	const char *name;
	unsigned char min_args, max_args;
	enum arg_kind kinds[2];
} pop3_verbs[] = {
	{ POP3_VERB_USER, "USER", 1, 1, { ARG_NAME, ARG_NONE } },
	{ POP3_VERB_PASS, "PASS", 1, 1, { ARG_REST, ARG_NONE } },
	{ POP3_VERB_APOP, "APOP", 2, 2, { ARG_NAME, ARG_DIGEST } },
	{ POP3_VERB_AUTH, "AUTH", 1, 2, { ARG_MECH, ARG_SASL } },
	{ POP3_VERB_STAT, "STAT", 0, 0, { ARG_NONE, ARG_NONE } },
	{ POP3_VERB_LIST, "LIST", 0, 1, { ARG_MSG, ARG_NONE } },
	{ POP3_VERB_RETR, "RETR", 1, 1, { ARG_MSG, ARG_NONE } },
	{ POP3_VERB_DELE, "DELE", 1, 1, { ARG_MSG, ARG_NONE } },
	{ POP3_VERB_NOOP, "NOOP", 0, 0, { ARG_NONE, ARG_NONE } },
	{ POP3_VERB_RSET, "RSET", 0, 0, { ARG_NONE, ARG_NONE } },
	{ POP3_VERB_QUIT, "QUIT", 0, 0, { ARG_NONE, ARG_NONE } },
	{ POP3_VERB_TOP, "TOP", 2, 2, { ARG_MSG, ARG_COUNT } },
	{ POP3_VERB_UIDL, "UIDL", 0, 1, { ARG_MSG, ARG_NONE } },
	{ POP3_VERB_CAPA, "CAPA", 0, 0, { ARG_NONE, ARG_NONE } },
	{ POP3_VERB_STLS, "STLS", 0, 0, { ARG_NONE, ARG_NONE } },
};

static int
cmd_fail(enum pop3_cmd_error *err_r, enum pop3_cmd_error err)
{
	if (err_r != NULL)
		*err_r = err;
	return -1;
}

static bool
cmd_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool
cmd_is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static unsigned char
cmd_upper(unsigned char c)
{
	return c >= 'a' && c <= 'z' ? (unsigned char)(c - 'a' + 'A') : c;
}

/* The control bytes (CTL: 0x00-0x1f, 0x7f) of a word of bytes < 0x80
 * as high bits (word.h): b - 0x20 borrows into the high bit exactly when
 * b < 0x20, and (b ^ 0x7f) - 1 exactly when b is 0x7f; "& ~w" drops
 * bytes >= 0x80, which are not CTLs. A borrow may flag a byte above a
 * CTL, never a word without one. */
static uint64_t
cmd_word_ctl(uint64_t w)
{
	return ((w - 0x20 * WORD_ONES) | ((w ^ 0x7f * WORD_ONES) - WORD_ONES)) & ~w &
	    WORD_HIGHS;
}

/* Does s[0..len) hold a control byte? */
static bool
cmd_has_ctl(const char *s, size_t len)
{
	uint64_t w, acc = 0;
	size_t i = 0;

	for (; len - i >= 8; i += 8) {
		memcpy(&w, s + i, 8);
		acc |= cmd_word_ctl(w);
	}
	acc |= cmd_word_ctl(word_tail(s + i, len - i, ' '));	/* SP: not a CTL */
	return acc != 0;
}

/* The known keyword line[0..len), compared without case, or NULL. */
static const struct verb_spec *
cmd_lookup(const char *line, size_t len)
{
	unsigned char first;
	size_t i, j;

	/* RFC 1939 §3: keywords are three or four characters long */
	if (len < 3 || len > 4)
		return NULL;
	/* byte by byte from the first, which rules out all verbs but one or
	 * two (no strlen() of every name) */
	first = cmd_upper((unsigned char)line[0]);
	for (i = 0; i < sizeof(pop3_verbs) / sizeof(pop3_verbs[0]); i++) {
		const char *name = pop3_verbs[i].name;

		if ((unsigned char)name[0] != first)
			continue;
		for (j = 1; j < len && name[j] != '\0'; j++)
			if (cmd_upper((unsigned char)line[j]) != (unsigned char)name[j])
				break;
		if (j == len && name[j] == '\0')
			return &pop3_verbs[i];
	}
	return NULL;
}

/* 1*DIGIT into *num_r; false on anything else or overflow. */
static bool
cmd_number(const char *s, size_t len, unsigned long *num_r)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		unsigned long d = (unsigned long)(s[i] - '0');

		if (!cmd_is_digit((unsigned char)s[i]) || v > (ULONG_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*num_r = v;
	return true;
}

/* sasl-mech = 1*20mech-char; mech-char = UPPER-ALPHA / DIGIT / "-" / "_"
 * (RFC 4422 §3.1), matched without case (RFC 5034 §5). */
static bool
cmd_is_mech(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > POP3_MAX_MECH)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!cmd_is_alpha(c) && !cmd_is_digit(c) && c != '-' && c != '_')
			return false;
	}
	return true;
}

/* initial-response = base64 / "=" (RFC 5034 §5): groups of four
 * base64-chars, "=" padding only at the end of the last group. */
static bool
cmd_is_initial_response(const char *s, size_t len)
{
	size_t i, pad = 0;

	if (len == 1 && s[0] == '=')
		return true;
	if (len == 0 || len % 4 != 0)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || (!cmd_is_alpha(c) && !cmd_is_digit(c) &&
		    c != '+' && c != '/'))
			return false;
	}
	return pad <= 2;
}

static bool
cmd_is_digest(const char *s, size_t len)
{
	size_t i;

	if (len != POP3_DIGEST_LEN)
		return false;
	for (i = 0; i < len; i++)
		if (!cmd_is_digit((unsigned char)s[i]) && (s[i] < 'a' || s[i] > 'f'))
			return false;
	return true;
}

/* Check one argument against its kind; numbers go to *num_r. */
static bool
cmd_check_arg(enum arg_kind kind, const char *s, size_t len, unsigned long *num_r)
{
	switch (kind) {
	case ARG_NAME: return len > 0;
	case ARG_DIGEST: return cmd_is_digest(s, len);
	case ARG_MECH: return cmd_is_mech(s, len);
	case ARG_SASL: return cmd_is_initial_response(s, len);
	case ARG_MSG: return cmd_number(s, len, num_r) && *num_r >= 1;
	case ARG_COUNT: return cmd_number(s, len, num_r);
	case ARG_NONE:
	case ARG_REST:
		break;
	}
	return false;
}

/* Split rest[0..len) (in buf, NUL-terminated) into the arguments of v. */
static int
cmd_args(const struct verb_spec *v, char *rest, size_t len, bool has_sp,
    struct pop3_cmd *cmd, enum pop3_cmd_error *err_r)
{
	size_t i, n = 0, start = 0, lens[2];

	if (v->kinds[0] == ARG_REST) {
		if (len == 0)
			return cmd_fail(err_r, POP3_CMD_ERR_ARGS);
		cmd->args[0] = rest;
		cmd->nargs = 1;
		return 1;
	}
	if (has_sp) {
		/* fields separated by one SP; none may be empty */
		if (len == 0 || rest[len - 1] == ' ')
			return cmd_fail(err_r, POP3_CMD_ERR_ARGS);
		n = 1;
		for (i = 0; i < len; i++) {
			if (rest[i] != ' ')
				continue;
			if (i == 0 || rest[i - 1] == ' ')
				return cmd_fail(err_r, POP3_CMD_ERR_ARGS);
			n++;
		}
	}
	if (n < v->min_args || n > v->max_args)
		return cmd_fail(err_r, POP3_CMD_ERR_ARGS);
	for (i = 0; i < n; i++) {
		char *sp = memchr(rest + start, ' ', len - start);
		size_t end = sp != NULL ? (size_t)(sp - rest) : len;

		rest[end] = '\0';
		cmd->args[i] = rest + start;
		lens[i] = end - start;
		start = end + 1;
	}
	cmd->nargs = n;
	for (i = 0; i < n; i++)
		if (v->kinds[i] != ARG_SASL && lens[i] > POP3_MAX_ARG)
			return cmd_fail(err_r, POP3_CMD_ERR_ARG_TOO_LONG);
	for (i = 0; i < n; i++)
		if (!cmd_check_arg(v->kinds[i], cmd->args[i], lens[i], &cmd->num[i]))
			return cmd_fail(err_r, POP3_CMD_ERR_ARGS);
	return 1;
}

int
pop3_cmd_parse(const char *line, size_t len, char *buf, size_t bufsize,
    struct pop3_cmd *cmd_r, enum pop3_cmd_error *err_r)
{
	const struct verb_spec *v;
	const char *sp;
	size_t k;

	memset(cmd_r, 0, sizeof(*cmd_r));
	cmd_r->keyword = "";
	cmd_r->rest = "";
	if (err_r != NULL)
		*err_r = POP3_CMD_ERR_NONE;
	if (len == 0)
		return cmd_fail(err_r, POP3_CMD_ERR_EMPTY);
	sp = memchr(line, ' ', len);
	k = sp != NULL ? (size_t)(sp - line) : len;
	v = cmd_lookup(line, k);
	cmd_r->verb = v != NULL ? v->verb : POP3_VERB_UNKNOWN;
	if (len > POP3_CMD_MAX_LINE - 2)
		return cmd_fail(err_r, POP3_CMD_ERR_TOO_LONG);
	if (buf == NULL || bufsize < len + POP3_CMD_MAX_ARGS + 1)
		return cmd_fail(err_r, POP3_CMD_ERR_NOMEM);
	memcpy(buf, line, len);
	buf[len] = '\0';
	buf[k] = '\0';
	cmd_r->keyword = buf;
	cmd_r->rest = buf + (k < len ? k + 1 : len);
	if (cmd_has_ctl(line, len))
		return cmd_fail(err_r, POP3_CMD_ERR_BAD_CHAR);
	if (v == NULL)
		return cmd_fail(err_r, POP3_CMD_ERR_UNKNOWN);
	return cmd_args(v, buf + (k < len ? k + 1 : len),
	    k < len ? len - k - 1 : 0, k < len, cmd_r, err_r);
}

const char *
pop3_cmd_error_str(enum pop3_cmd_error err)
{
	switch (err) {
	case POP3_CMD_ERR_NONE: return "no error";
	case POP3_CMD_ERR_EMPTY: return "empty command line";
	case POP3_CMD_ERR_TOO_LONG: return "command line over 255 octets";
	case POP3_CMD_ERR_BAD_CHAR: return "control byte in command line";
	case POP3_CMD_ERR_UNKNOWN: return "unknown command";
	case POP3_CMD_ERR_ARGS: return "wrong arguments for the command";
	case POP3_CMD_ERR_ARG_TOO_LONG: return "argument over 40 characters";
	case POP3_CMD_ERR_NOMEM: return "command buffer too small";
	}
	return "unknown error";
}

const char *
pop3_verb_name(enum pop3_verb verb)
{
	size_t i;

	for (i = 0; i < sizeof(pop3_verbs) / sizeof(pop3_verbs[0]); i++)
		if (pop3_verbs[i].verb == verb)
			return pop3_verbs[i].name;
	return NULL;
}

/* ---- dot-stuffing --------------------------------------------------- */

size_t
pop3_stuffed_max(size_t len)
{
	/* A stuffed line needs a "." and, but for the first, an LF before
	 * it: at most len / 2 + 1 added dots; then CRLF and ".\r\n". */
	size_t extra = len / 2 + 1 + 2 + 3;

	return len > SIZE_MAX - extra ? SIZE_MAX : len + extra;
}

size_t
pop3_body_stuff(const void *src, size_t len, void *dst)
{
	const unsigned char *s = src;
	unsigned char *o = dst;
	bool is_line_start = true;
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (is_line_start && s[i] == '.')
			o[n++] = '.';
		o[n++] = s[i];
		is_line_start = s[i] == '\n';
	}
	if (len > 0 && (len < 2 || s[len - 2] != '\r' || s[len - 1] != '\n')) {
		o[n++] = '\r';
		o[n++] = '\n';
	}
	memcpy(o + n, ".\r\n", 3);
	return n + 3;
}
