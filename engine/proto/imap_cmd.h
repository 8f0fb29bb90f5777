/* imap_cmd.h: incremental IMAP command parser (server side).
 *
 * RFC 9051 §2.2.1 and §6 (command = tag SP command-name [SP args] CRLF),
 * §4 and imap_node.h (the data model: the same lexer as responses),
 * §4.3 and §7.6 (synchronizing literals wait for a continuation request),
 * RFC 7888 (LITERAL+ / LITERAL-), RFC 3516 §4.2 (literal8 "~{n}").
 *
 * Contract (STYLE.md): imap_cmd_parser_feed() copies bytes in;
 * imap_cmd_parser_next() returns
 *   1  a whole command in *cmd_r;
 *   IMAP_CMD_NEED_CONTINUATION (2)  the line ended in a synchronizing
 *      literal "{n}" / "~{n}" that the parser accepts: the server must now
 *      send a continuation request ("+ Ready") and call _next() again,
 *      which goes on with the literal's n bytes. cmd_r has tag, name,
 *      is_uid and literal_size so the server may refuse instead: answer
 *      the tag (e.g. "NO [TOOBIG]") and call imap_cmd_parser_reject_literal();
 *      the client then sends no literal and the next line is a new command.
 *      Returned once per literal, even when the client sent the bytes early;
 *   0  need more bytes;
 *   -1 an error (imap_cmd_parser_error()); cmd_r has the tag when one was
 *      read (else NULL: answer "* BAD"), the name when known, and
 *      literal_size for literal errors.
 * Non-synchronizing literals "{n+}" / "~{n+}" need no continuation. All
 * pointers in *cmd_r live in the parser until the next _next(),
 * _take_line() or reset.
 *
 * Errors and staying in sync (the parser does it; the server only answers):
 * - The rest of the offending line is dropped. If it ends in "{n+}", the
 *   client sends those n bytes without waiting, so they are dropped too
 *   (RFC 7888 §4 choice 1), and the line after them likewise; a line
 *   ending in a synchronizing "{n}" ends the command, because the client
 *   waits for a continuation that never comes.
 *   imap_cmd_parser_discarding() tells how many literal bytes are still
 *   to be dropped (a server may prefer BYE and close, RFC 7888 §4 choice 2).
 * - IMAP_ERR_LITERAL_TOO_LARGE (over max_literal) and IMAP_ERR_TOO_LARGE:
 *   answer "tag NO [TOOBIG]"; IMAP_ERR_NONSYNC_TOO_LARGE ("{n+}" over
 *   max_nonsync, LITERAL- and IMAP4rev2): "tag BAD [TOOBIG]" (RFC 7888
 *   §5); IMAP_ERR_LINE_TOO_LONG: "* BAD" or "tag BAD"; anything else:
 *   "tag BAD" (RFC 9051 §2.2.2, §7.1.3).
 * RFC 7888 §5: LITERAL- keeps the "{n+}" form (there is no "{n-}"; it is
 * IMAP_ERR_BAD_LITERAL); the limit is max_nonsync.
 *
 * "UID FETCH ..." is returned as name "FETCH" with is_uid set (likewise
 * UID COPY, MOVE, SEARCH, STORE, EXPUNGE, and any other word after UID),
 * so a dispatch table can be keyed on name; args start after the sub-
 * command. Sequence sets stay atoms (or NUMBERs): see imap_seqset.h.
 *
 * Limits (struct imap_limits, 0 = default): max_line 64 KiB of
 * non-literal bytes per command (RFC 7162 §4 asks for at least 8192),
 * max_literal 64 MiB, max_size max_literal + max_line, max_nonsync 4096
 * (RFC 9051 §4.3; SIZE_MAX for LITERAL+), max_depth 64, max_nodes 65536.
 */
#ifndef MAILSPEC_IMAP_CMD_H
#define MAILSPEC_IMAP_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imap_node.h"

#define IMAP_CMD_NEED_CONTINUATION	2

struct imap_cmd {
	const char *tag;		/* NULL when none could be read */
	const char *name;		/* upper case ("LOGIN", "FETCH"); NULL if none */
	bool is_uid;			/* "UID <name> ..." */
	const struct imap_node *args;	/* LIST of the arguments (after 1) */
	uint64_t literal_size;		/* the literal of a continuation or error */
	bool is_literal8;
	const char *raw;		/* the command as sent, literals included */
	size_t raw_len;
};

struct imap_cmd_parser;

/* A parser; lim may be NULL for the defaults. NULL on ENOMEM. */
struct imap_cmd_parser *imap_cmd_parser_new(const struct imap_limits *lim);
/* Free; clears *pp. NULL-safe. */
void imap_cmd_parser_free(struct imap_cmd_parser **pp);
/* Forget every byte fed, any command in progress and the error. */
void imap_cmd_parser_reset(struct imap_cmd_parser *p);
/* Bytes accepted; fewer than len only when the input buffer is full. */
size_t imap_cmd_parser_feed(struct imap_cmd_parser *p, const void *data, size_t len);
/* 1, IMAP_CMD_NEED_CONTINUATION, 0 or -1: see above. */
int imap_cmd_parser_next(struct imap_cmd_parser *p, struct imap_cmd *cmd_r);
/* After IMAP_CMD_NEED_CONTINUATION: the server refused the literal; drop
 * the command (the client will not send the literal). */
void imap_cmd_parser_reject_literal(struct imap_cmd_parser *p);
/* One raw line outside the command grammar, between commands: the
 * client's AUTHENTICATE responses (RFC 9051 §6.2.2) or "DONE" ending IDLE
 * (§6.3.13). 1 with *line_r (NUL-terminated, CRLF removed), 0 need more,
 * -1 error (bare CR/LF, NUL, over max_line). */
int imap_cmd_parser_take_line(struct imap_cmd_parser *p, const char **line_r, size_t *len_r);
/* The error of the last -1. */
enum imap_error imap_cmd_parser_error(const struct imap_cmd_parser *p);
/* Literal bytes of a rejected "{n+}" the parser is still dropping. */
uint64_t imap_cmd_parser_discarding(const struct imap_cmd_parser *p);
/* Bytes fed and not yet part of a returned command. */
size_t imap_cmd_parser_pending(const struct imap_cmd_parser *p);

/* Arguments of a command. */
size_t imap_cmd_nargs(const struct imap_cmd *c);
/* The i-th argument; NULL when out of range. */
const struct imap_node *imap_cmd_arg(const struct imap_cmd *c, size_t i);
/* Append "tag [UID ]NAME[ args]" CRLF with the arguments through
 * imap_node_write(); it parses back to the same command. */
bool imap_cmd_write(struct buf *b, const struct imap_cmd *c);

#endif
