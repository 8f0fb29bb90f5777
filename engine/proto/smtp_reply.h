/* smtp_reply.h: incremental SMTP reply parser (client side).
 *
 * RFC 5321 §4.2: a reply is one or more lines "ddd-text" ending with a
 * line "ddd text" (or "ddd" alone); every line of a reply carries the same
 * code. RFC 3463 / RFC 2034: enhanced status codes "c.sss.ddd" at the
 * start of the text.
 *
 * Contract: smtp_reply_parser_feed() copies bytes in; smtp_reply_parser_next()
 * returns 1 with a whole reply, 0 when it needs more, -1 with an error
 * code (the malformed reply is consumed up to the end of the offending line).
 * The reply's strings live in the parser and stay valid until the next
 * call to smtp_reply_parser_next() or smtp_reply_parser_reset().
 */
#ifndef MAILSPEC_SMTP_REPLY_H
#define MAILSPEC_SMTP_REPLY_H

#include <stdbool.h>
#include <stddef.h>

enum smtp_reply_error {
	SMTP_REPLY_ERR_NONE = 0,
	SMTP_REPLY_ERR_LINE_TOO_LONG,	/* a line longer than max_line */
	SMTP_REPLY_ERR_TOO_MANY_LINES,	/* more than max_lines in one reply */
	SMTP_REPLY_ERR_BARE_LF,		/* LF without CR */
	SMTP_REPLY_ERR_BARE_CR,		/* CR not followed by LF */
	SMTP_REPLY_ERR_NUL,		/* NUL byte in a line */
	SMTP_REPLY_ERR_BAD_CODE,	/* not three digits 2-5,0-5,0-9 */
	SMTP_REPLY_ERR_BAD_SEPARATOR,	/* the 4th byte is neither '-', ' ' nor end */
	SMTP_REPLY_ERR_MIXED_CODES,	/* continuation lines with different codes */
	SMTP_REPLY_ERR_NOMEM,
};

struct smtp_reply_line {
	const char *text;	/* after "ddd-"/"ddd ", NUL-terminated */
	size_t len;
};

struct smtp_reply {
	int code;			/* 200..559 */
	char enhanced[16];		/* "2.1.0" from the first line, "" if none */
	const char *enhanced_text;	/* first line's text after the enhanced code */
	size_t nlines;
	const struct smtp_reply_line *lines;
	size_t wire_len;		/* bytes the reply took on the wire */
};

struct smtp_reply_limits {
	size_t max_line;	/* text bytes per line, CRLF excluded (0: 4096) */
	size_t max_lines;	/* lines per reply (0: 512) */
};

struct smtp_reply_parser;

struct smtp_reply_parser *smtp_reply_parser_new(const struct smtp_reply_limits *lim);
void smtp_reply_parser_free(struct smtp_reply_parser **pp);
void smtp_reply_parser_reset(struct smtp_reply_parser *p);
/* Returns bytes accepted; fewer than len only when its buffer is full
 * (call _next() and feed the rest again). */
size_t smtp_reply_parser_feed(struct smtp_reply_parser *p, const void *data, size_t len);
int smtp_reply_parser_next(struct smtp_reply_parser *p, struct smtp_reply *reply_r);
enum smtp_reply_error smtp_reply_parser_error(const struct smtp_reply_parser *p);
const char *smtp_reply_error_str(enum smtp_reply_error err);
/* Bytes fed and not yet part of a returned reply. */
size_t smtp_reply_parser_pending(const struct smtp_reply_parser *p);
/* Parse "c.sss.ddd" (RFC 3463 §2) at the start of text; returns its length
 * (0 if there is none) and copies it, NUL-terminated, into out[outlen]. */
size_t smtp_enhanced_code_parse(const char *text, size_t len, char *out, size_t outlen);

#endif
