/* imap_resp.h: incremental IMAP response parser (client side).
 *
 * RFC 9051 §2.2.2 and §7 (responses: tagged "A1 OK [CODE args] text",
 * untagged "* ..." status or data, continuation requests "+ text"), §4
 * and imap_node.h (the data model), RFC 3501 §7 (IMAP4rev1).
 *
 * One response is one item, however many lines and literals it spans:
 * "* 1 FETCH (BODY[] {12}" CRLF <12 bytes> ")" CRLF is one item.
 * Contract (STYLE.md): imap_resp_parser_feed() copies bytes in;
 * imap_resp_parser_next() returns 1 with a response, 0 when it needs more
 * bytes, -1 with an error code. Every pointer in the response (strings,
 * nodes, raw) lives in the parser and stays valid until the next call to
 * imap_resp_parser_next() or imap_resp_parser_reset().
 *
 * After an error the parser drops the rest of the offending line. When
 * that line ends in a literal announcement ("{n}", "~{n}", "{n+}") it
 * also drops the literal's n bytes (a server always sends them) and the
 * line after them, the same way, until a line that does not end in one;
 * the next line starts a new response. So a literal's bytes are never
 * mistaken for responses, whatever they hold.
 *
 * Limits (struct imap_limits, 0 = default): max_line 1 MiB of non-literal
 * bytes per response (large SEARCH and FETCH lines), max_literal 64 MiB,
 * max_size max_literal + max_line, max_depth 64, max_nodes 262144;
 * max_nonsync is not used ("{n+}" from a server is an error).
 */
#ifndef MAILSPEC_IMAP_RESP_H
#define MAILSPEC_IMAP_RESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imap_node.h"

enum imap_resp_kind {
	IMAP_RESP_TAGGED = 0,
	IMAP_RESP_UNTAGGED,
	IMAP_RESP_CONTINUATION,
};

enum imap_status {
	IMAP_STATUS_NONE = 0,	/* untagged data, continuation requests */
	IMAP_STATUS_OK,
	IMAP_STATUS_NO,
	IMAP_STATUS_BAD,
	IMAP_STATUS_PREAUTH,	/* untagged only */
	IMAP_STATUS_BYE,	/* untagged only */
};

struct imap_resp {
	enum imap_resp_kind kind;
	const char *tag;		/* the tag; "*" untagged, "+" continuation */
	enum imap_status status;	/* status responses (resp-cond-*) */
	/* resp-text (status responses and continuation requests) */
	const char *code;		/* "[CODE ...]" name in upper case; NULL if none */
	const struct imap_node *code_args;	/* LIST of the code's arguments
					 * (empty for "[ALERT]"); NULL when there is
					 * no code or its text does not lex (an
					 * unknown code's free text): see code_text */
	const char *code_text;		/* the arguments as sent, "" if none */
	const char *text;		/* after the code; "" if none */
	size_t text_len;
	/* untagged data ("* 23 EXISTS", "* 1 FETCH (...)", "* LIST ...") */
	const char *name;		/* keyword in upper case; NULL otherwise */
	bool has_number;		/* a number came before the keyword */
	uint64_t number;
	const struct imap_node *data;	/* LIST of all items after "* " */
	size_t first_arg;		/* index in data of the item after the keyword */
	/* the whole response as sent: CRLFs and literal bytes included */
	const char *raw;
	size_t raw_len;
};

struct imap_resp_parser;

/* A parser; lim may be NULL for the defaults. NULL on ENOMEM. */
struct imap_resp_parser *imap_resp_parser_new(const struct imap_limits *lim);
/* Free; clears *pp. NULL-safe. */
void imap_resp_parser_free(struct imap_resp_parser **pp);
/* Forget every byte fed, any response in progress and the error. */
void imap_resp_parser_reset(struct imap_resp_parser *p);
/* Bytes accepted; fewer than len only when the input buffer is full
 * (call _next() and feed the rest again). */
size_t imap_resp_parser_feed(struct imap_resp_parser *p, const void *data, size_t len);
/* 1 a response in *resp_r, 0 need more, -1 error (imap_resp_parser_error). */
int imap_resp_parser_next(struct imap_resp_parser *p, struct imap_resp *resp_r);
/* The error of the last -1. */
enum imap_error imap_resp_parser_error(const struct imap_resp_parser *p);
/* Bytes fed and not yet part of a returned response. */
size_t imap_resp_parser_pending(const struct imap_resp_parser *p);

/* "OK", "NO", "BAD", "PREAUTH", "BYE"; "" for NONE. */
const char *imap_status_name(enum imap_status status);
/* Items after the keyword of untagged data: "* 1 FETCH (...)" has one. */
size_t imap_resp_nargs(const struct imap_resp *r);
/* The i-th item after the keyword; NULL when out of range. */
const struct imap_node *imap_resp_arg(const struct imap_resp *r, size_t i);
/* True when the response code is name (case-insensitive). */
bool imap_resp_code_is(const struct imap_resp *r, const char *name);
/* The i-th argument of the response code: "[UIDVALIDITY 3857529045]" has
 * NUMBER 3857529045 at 0. NULL when out of range or unparsed. */
const struct imap_node *imap_resp_code_arg(const struct imap_resp *r, size_t i);
/* In a FETCH response, the value of the item name ("FLAGS", "UID",
 * "body[1.2.header.fields (from to)]", "BODY[]<0>"): names compare without
 * case, sections by meaning (parts, keyword, header names without case)
 * and a partial must be given exactly as in the response. NULL when the
 * response is not FETCH, the name is malformed or the item is absent. */
const struct imap_node *imap_fetch_item(const struct imap_resp *r, const char *name);
/* The same lookup in any msg-att LIST ("(FLAGS (\Seen) UID 4)"). */
const struct imap_node *imap_fetch_item_in(const struct imap_node *msg_att, const char *name);
/* Append the canonical wire form of r, CRLF included, which parses back
 * to the same response. false: the buffer's maximum. */
bool imap_resp_write(struct buf *b, const struct imap_resp *r);

#endif
