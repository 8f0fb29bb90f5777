/* smtp_cmd.h: SMTP command line parser (server side).
 *
 * RFC 5321 §4.1.1 (verbs), §4.1.2 (Reverse-path, Forward-path, Mailbox,
 * Local-part incl. Quoted-string, domains and address literals),
 * §4.1.3 (address literals), §4.1.4 (order), §4.5.3.1 (size limits);
 * ESMTP parameters: esmtp-keyword ["=" esmtp-value] (RFC 5321 §4.1.2)
 * such as SIZE= (RFC 1870), BODY= (RFC 6152, RFC 3030), SMTPUTF8 (RFC 6531),
 * AUTH= (RFC 4954 §5).
 *
 * One line (CRLF already removed, e.g. by linebuf) in, one command out.
 * Results point into the parser's arena and stay valid until the next
 * smtp_cmd_parse() or smtp_cmd_parser_free().
 */
#ifndef MAILSPEC_SMTP_CMD_H
#define MAILSPEC_SMTP_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum smtp_verb {
	SMTP_VERB_UNKNOWN = 0,
	SMTP_VERB_HELO,
	SMTP_VERB_EHLO,
	SMTP_VERB_MAIL,
	SMTP_VERB_RCPT,
	SMTP_VERB_DATA,
	SMTP_VERB_BDAT,
	SMTP_VERB_RSET,
	SMTP_VERB_NOOP,
	SMTP_VERB_QUIT,
	SMTP_VERB_VRFY,
	SMTP_VERB_EXPN,
	SMTP_VERB_HELP,
	SMTP_VERB_STARTTLS,
	SMTP_VERB_AUTH,
};

enum smtp_cmd_error {
	SMTP_CMD_ERR_NONE = 0,
	SMTP_CMD_ERR_EMPTY,		/* empty line */
	SMTP_CMD_ERR_UNKNOWN_VERB,	/* 500 5.5.1 */
	SMTP_CMD_ERR_TOO_LONG,		/* 500 5.5.2 line too long */
	SMTP_CMD_ERR_BAD_CHAR,		/* NUL or control byte: 500 5.5.2 */
	SMTP_CMD_ERR_SYNTAX,		/* arguments wrong for the verb: 501 5.5.2/5.5.4 */
	SMTP_CMD_ERR_PATH,		/* bad reverse/forward path: 501 5.1.3 (RCPT) / 5.1.7 (MAIL) */
	SMTP_CMD_ERR_PARAM,		/* bad esmtp-param syntax: 501 5.5.4 */
	SMTP_CMD_ERR_TOO_MANY_PARAMS,	/* more than SMTP_CMD_MAX_PARAMS: 501 5.5.4 */
	SMTP_CMD_ERR_NOMEM,
};

#define SMTP_CMD_MAX_PARAMS	16
#define SMTP_CMD_MAX_LINE	512	/* RFC 5321 §4.5.3.1.4, CRLF included */

struct smtp_param {
	const char *keyword;	/* as sent; compare case-insensitively */
	const char *value;	/* NULL when there is no "=value" */
};

struct smtp_path {
	bool is_null;		/* "<>" (MAIL only) */
	bool is_postmaster;	/* RCPT TO:<Postmaster> without domain (§4.1.1.3) */
	bool is_quoted;		/* local part was a Quoted-string */
	bool has_8bit;		/* UTF-8 bytes: needs SMTPUTF8 (RFC 6531 §3.3) */
	const char *local;	/* local part, quotes removed and unescaped */
	const char *domain;	/* domain or address literal incl. brackets; "" if none */
	const char *mailbox;	/* the address between < and >, as sent, source route dropped */
};

struct smtp_cmd {
	enum smtp_verb verb;
	const char *verb_text;	/* as sent */
	const char *arg;	/* everything after the verb and one SP; "" if none */
	struct smtp_path path;	/* MAIL FROM / RCPT TO only */
	struct smtp_param params[SMTP_CMD_MAX_PARAMS];
	size_t nparams;
	/* Added for AUTH (RFC 4954 §4) and BDAT (RFC 3030 §2), so callers need
	 * not parse arg again. Zero/NULL for other verbs. */
	const char *auth_mech;		/* AUTH: the SASL mechanism as sent */
	const char *auth_initial;	/* AUTH: initial response ("=" kept), NULL if none */
	uint64_t bdat_size;		/* BDAT: chunk size in octets */
	bool is_bdat_last;		/* BDAT: the LAST end-marker was given */
};

struct smtp_cmd_parser;

struct smtp_cmd_parser *smtp_cmd_parser_new(void);
void smtp_cmd_parser_free(struct smtp_cmd_parser **pp);
/* Parse one command line without its CRLF. 1: *cmd_r filled;
 * -1: error (cmd_r->verb still set when the verb was recognised). */
int smtp_cmd_parse(struct smtp_cmd_parser *p, const char *line, size_t len,
    struct smtp_cmd *cmd_r);
enum smtp_cmd_error smtp_cmd_parser_error(const struct smtp_cmd_parser *p);
const char *smtp_cmd_error_str(enum smtp_cmd_error err);
/* The verb's canonical name ("MAIL"), or NULL for SMTP_VERB_UNKNOWN. */
const char *smtp_verb_name(enum smtp_verb verb);
/* The value of ESMTP parameter keyword (case-insensitive); found reports presence. */
const char *smtp_cmd_param(const struct smtp_cmd *cmd, const char *keyword, bool *found_r);

#endif
