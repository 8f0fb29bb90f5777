/* pop3.h: POP3 wire codecs (RFC 1939 §3, §9; RFC 2449 CAPA, response
 * codes, §4 line lengths; RFC 2595 STLS; RFC 5034 AUTH).
 *
 * Client side, pop3_resp_parser: a response is a status line "+OK text" or
 * "-ERR text" (RFC 1939 §3); after some +OK responses a multi-line body
 * follows, ending with CRLF "." CRLF, with dot-stuffed lines (RFC 1939 §3).
 * Whether a body follows depends on the command, so the caller says so.
 * SASL continuations "+ base64" (RFC 5034 §4) are responses of their own.
 *
 * Server side, pop3_cmd_parse: one command line (CRLF removed) into a
 * keyword and arguments (RFC 1939 §3: keywords of 3-4 characters, case-
 * insensitive, arguments separated by one SP, each at most 40 characters;
 * RFC 2449 §4: a command line is at most 255 octets incl. CRLF).
 *
 * Contract (STYLE.md): feed bytes in, pull items out: 1 item, 0 need more,
 * -1 error with an enum code and a fixed message. Returned strings live in
 * the parser and stay valid until the next _next()/_parse() or reset.
 * After an error the response parser does not resynchronise (it cannot
 * know whether it is inside a body): every later _next() returns -1 with
 * the same error until pop3_resp_parser_reset().
 */
#ifndef MAILSPEC_POP3_H
#define MAILSPEC_POP3_H

#include <stdbool.h>
#include <stddef.h>

/* ---- responses (client side) ---- */

enum pop3_status { POP3_OK = 0, POP3_ERR, POP3_CONT };	/* "+OK", "-ERR", "+ " */

enum pop3_resp_error {
	POP3_RESP_ERR_NONE = 0,
	POP3_RESP_ERR_LINE_TOO_LONG,	/* a line longer than max_line */
	POP3_RESP_ERR_BODY_TOO_LARGE,	/* body larger than max_body */
	POP3_RESP_ERR_BARE_LF,
	POP3_RESP_ERR_BARE_CR,
	POP3_RESP_ERR_NUL,
	POP3_RESP_ERR_BAD_STATUS,	/* neither "+OK", "-ERR" nor "+ " */
	POP3_RESP_ERR_NOMEM,
};

struct pop3_resp {
	enum pop3_status status;
	const char *text;	/* after "+OK " / "-ERR " / "+ "; "" if none */
	size_t text_len;
	const char *resp_code;	/* RFC 2449 §8 "[CODE]" or "[CODE/SUB]" at the start, without brackets; NULL if none */
	bool has_body;
	const char *body;	/* unstuffed body, lines joined with CRLF, final CRLF kept; NULL if none */
	size_t body_len;
	size_t body_lines;
	size_t wire_len;	/* bytes the response took */
};

struct pop3_resp_limits {
	size_t max_line;	/* bytes per line without CRLF (0: 4096) */
	size_t max_body;	/* body bytes (0: 64 MiB) */
};

struct pop3_resp_parser;

struct pop3_resp_parser *pop3_resp_parser_new(const struct pop3_resp_limits *lim);
void pop3_resp_parser_free(struct pop3_resp_parser **pp);
void pop3_resp_parser_reset(struct pop3_resp_parser *p);
/* Bytes accepted; fewer than len only when the buffer is full. */
size_t pop3_resp_parser_feed(struct pop3_resp_parser *p, const void *data, size_t len);
/* expect_body: a +OK status line is followed by a dot-terminated body
 * (-ERR and "+ " never have one). 1 response, 0 need more, -1 error. */
int pop3_resp_parser_next(struct pop3_resp_parser *p, bool expect_body, struct pop3_resp *resp_r);
enum pop3_resp_error pop3_resp_parser_error(const struct pop3_resp_parser *p);
const char *pop3_resp_error_str(enum pop3_resp_error err);
size_t pop3_resp_parser_pending(const struct pop3_resp_parser *p);

/* ---- commands (server side) ---- */

enum pop3_verb {
	POP3_VERB_UNKNOWN = 0,
	POP3_VERB_USER, POP3_VERB_PASS, POP3_VERB_APOP, POP3_VERB_AUTH,
	POP3_VERB_STAT, POP3_VERB_LIST, POP3_VERB_RETR, POP3_VERB_DELE,
	POP3_VERB_NOOP, POP3_VERB_RSET, POP3_VERB_QUIT, POP3_VERB_TOP,
	POP3_VERB_UIDL, POP3_VERB_CAPA, POP3_VERB_STLS,
};

enum pop3_cmd_error {
	POP3_CMD_ERR_NONE = 0,
	POP3_CMD_ERR_EMPTY,
	POP3_CMD_ERR_TOO_LONG,		/* over 255 octets incl. CRLF (RFC 2449 §4) */
	POP3_CMD_ERR_BAD_CHAR,		/* NUL or another control byte */
	POP3_CMD_ERR_UNKNOWN,		/* keyword not known */
	POP3_CMD_ERR_ARGS,		/* wrong number or form of arguments for the keyword */
	POP3_CMD_ERR_ARG_TOO_LONG,	/* an argument over 40 characters (RFC 1939 §3) */
	POP3_CMD_ERR_NOMEM,
};

#define POP3_CMD_MAX_LINE	255	/* RFC 2449 §4, CRLF included */
#define POP3_CMD_MAX_ARGS	4

struct pop3_cmd {
	enum pop3_verb verb;
	const char *keyword;		/* as sent */
	const char *args[POP3_CMD_MAX_ARGS];
	size_t nargs;
	const char *rest;		/* everything after the keyword and SP (PASS may hold spaces);
					 * "" if none. With two arguments (APOP, TOP, AUTH mech
					 * initial-response) the SP between them is a NUL in buf,
					 * so rest reads as args[0] */
	unsigned long num[2];		/* numeric arguments of LIST/RETR/DELE/TOP/UIDL */
};

/* Parse one line without its CRLF. Checks the argument shape of each known
 * keyword (e.g. RETR needs one message number, TOP two, LIST/UIDL zero or
 * one; PASS takes the rest of the line). 1 ok, -1 error (cmd_r->verb set
 * when the keyword was known). Strings live in buf[bufsize] given by the
 * caller (at least len+POP3_CMD_MAX_ARGS+1 bytes). */
int pop3_cmd_parse(const char *line, size_t len, char *buf, size_t bufsize,
    struct pop3_cmd *cmd_r, enum pop3_cmd_error *err_r);
const char *pop3_cmd_error_str(enum pop3_cmd_error err);
/* The keyword's canonical name ("RETR"), or NULL for POP3_VERB_UNKNOWN. */
const char *pop3_verb_name(enum pop3_verb verb);

/* Dot-stuff a message for RETR/TOP (RFC 1939 §3) into dst (at least
 * pop3_stuffed_max(len) bytes), ending with CRLF "." CRLF. */
size_t pop3_body_stuff(const void *src, size_t len, void *dst);
size_t pop3_stuffed_max(size_t len);

#endif
