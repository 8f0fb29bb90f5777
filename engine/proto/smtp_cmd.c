/* smtp_cmd.c: SMTP command line parser (server side).
 *
 * RFC 5321 §4.1.1 (the verbs and their argument rules), §4.1.2 (Path,
 * Mailbox, Local-part, Dot-string, Quoted-string, Domain, esmtp-param),
 * §4.1.3 (address literals), §4.1.1.3 and Appendix C (source routes:
 * accepted and dropped), §2.4 (verbs and argument keywords are not case
 * sensitive), §4.5.3.1.4 (512-octet command lines);
 * RFC 6531 §3.3 (UTF-8 in atext, qtextSMTP, sub-domain, esmtp-value),
 * §3.7.1 (EHLO domains stay ASCII), §3.7.4.2 (VRFY/EXPN SMTPUTF8);
 * RFC 4954 §4 and §8 (AUTH mechanism [SP initial-response]);
 * RFC 3030 §2 (BDAT chunk-size [SP "LAST"]).
 *
 * Strictness is this project's stance, and the choices are:
 * - "MAIL FROM:" and "RCPT TO:" are followed by the path directly, as in
 *   the §4.1.2 grammar; "MAIL FROM: <a@b>" (accepted by some servers) is
 *   a path error here. Exactly one SP separates the path and each param.
 * - HELO takes a Domain, EHLO a Domain or an address literal (§4.1.1.1),
 *   nothing after it; domains in HELO/EHLO are ASCII (RFC 6531 §3.7.1).
 * - A mailbox needs a domain, except RCPT TO:<Postmaster>; "<>" is MAIL only.
 * - Any control byte (0-31, 127), TAB included, makes the line BAD_CHAR;
 *   non-ASCII bytes must be well-formed UTF-8 where the grammar allows them.
 * - VRFY/EXPN/HELP take a Quoted-string or one run of printable non-SP
 *   characters, because §3.5.1 says VRFY/EXPN strings "cannot be further
 *   restricted" and include "user@domain"; NOOP's argument is free text,
 *   which §4.1.1.9 says is ignored. VRFY/EXPN may end in SP "SMTPUTF8",
 *   returned as a parameter.
 * - General address literals need a syntactically valid Ldh-str tag; the
 *   parser does not know the IANA registry. Only the syntax of esmtp
 *   parameters is checked: their meaning (SIZE=, BODY=...) is the session's.
 */
#include "smtp_cmd.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define SMTP_CMD_ARENA_MAX (64 * 1024)

struct smtp_cmd_parser {
	struct arena *arena;
	enum smtp_cmd_error err;
};

/* A read position in the line being parsed. */
struct cmd_cursor {
	const unsigned char *s;
	size_t len;
	size_t pos;
	bool has_8bit;
};

static const struct {
	enum smtp_verb verb;
	const char *name;
} smtp_verbs[] = {
	{ SMTP_VERB_HELO, "HELO" }, { SMTP_VERB_EHLO, "EHLO" },
	{ SMTP_VERB_MAIL, "MAIL" }, { SMTP_VERB_RCPT, "RCPT" },
	{ SMTP_VERB_DATA, "DATA" }, { SMTP_VERB_BDAT, "BDAT" },
	{ SMTP_VERB_RSET, "RSET" }, { SMTP_VERB_NOOP, "NOOP" },
	{ SMTP_VERB_QUIT, "QUIT" }, { SMTP_VERB_VRFY, "VRFY" },
	{ SMTP_VERB_EXPN, "EXPN" }, { SMTP_VERB_HELP, "HELP" },
	{ SMTP_VERB_STARTTLS, "STARTTLS" }, { SMTP_VERB_AUTH, "AUTH" },
};

/* ---- character classes --------------------------------------------- */

static bool
cmd_is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static bool
cmd_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool
cmd_is_hex(int c)
{
	return cmd_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* RFC 5322 §3.2.3 atext, ASCII part. */
static bool
cmd_is_atext(int c)
{
	return cmd_is_alnum(c) || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

static int
cmd_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Length of one well-formed non-ASCII UTF-8 sequence at s (RFC 3629 §4),
 * 0 when there is none. */
static size_t
cmd_utf8_len(const unsigned char *s, size_t len)
{
	size_t n, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (len == 0 || s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	n = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (len < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* ---- cursor -------------------------------------------------------- */

static int
cur_peek(const struct cmd_cursor *c)
{
	return c->pos < c->len ? c->s[c->pos] : -1;
}

static bool
cur_at_end(const struct cmd_cursor *c)
{
	return c->pos == c->len;
}

static bool
cur_eat(struct cmd_cursor *c, int ch)
{
	if (cur_peek(c) != ch)
		return false;
	c->pos++;
	return true;
}

/* Eat the ASCII word w, compared case-insensitively (RFC 5321 §2.4). */
static bool
cur_eat_ci(struct cmd_cursor *c, const char *w)
{
	size_t n = strlen(w), i;

	if (c->len - c->pos < n)
		return false;
	for (i = 0; i < n; i++)
		if (cmd_lower(c->s[c->pos + i]) != cmd_lower((unsigned char)w[i]))
			return false;
	c->pos += n;
	return true;
}

/* Eat one UTF8-non-ascii character when allowed. */
static bool
cur_eat_utf8(struct cmd_cursor *c, bool allow_utf8)
{
	size_t n;

	if (!allow_utf8)
		return false;
	n = cmd_utf8_len(c->s + c->pos, c->len - c->pos);
	if (n == 0)
		return false;
	c->pos += n;
	c->has_8bit = true;
	return true;
}

/* ---- domains and address literals (§4.1.2, §4.1.3) ----------------- */

/* sub-domain = Let-dig [Ldh-str]; a U-label when allow_utf8 (RFC 6531). */
static bool
cmd_scan_label(struct cmd_cursor *c, bool allow_utf8)
{
	size_t start = c->pos;
	bool is_hyphen_last = false;

	while (!cur_at_end(c)) {
		int ch = cur_peek(c);

		if (cmd_is_alnum(ch)) {
			c->pos++;
			is_hyphen_last = false;
		} else if (ch == '-' && c->pos > start) {
			c->pos++;
			is_hyphen_last = true;
		} else if (ch >= 0x80 && cur_eat_utf8(c, allow_utf8)) {
			is_hyphen_last = false;
		} else {
			break;
		}
	}
	return c->pos > start && !is_hyphen_last;
}

/* Domain = sub-domain *("." sub-domain) */
static bool
cmd_scan_domain(struct cmd_cursor *c, bool allow_utf8)
{
	if (!cmd_scan_label(c, allow_utf8))
		return false;
	while (cur_eat(c, '.'))
		if (!cmd_scan_label(c, allow_utf8))
			return false;
	return true;
}

/* IPv4-address-literal = Snum 3("." Snum), Snum 0..255 in 1*3DIGIT. */
static bool
cmd_is_ipv4(const unsigned char *s, size_t len)
{
	size_t pos = 0;
	int part;

	for (part = 0; part < 4; part++) {
		size_t n = 0;
		int v = 0;

		if (part > 0 && (pos >= len || s[pos++] != '.'))
			return false;
		while (pos < len && n < 4 && cmd_is_digit(s[pos])) {
			v = v * 10 + (s[pos++] - '0');
			n++;
		}
		if (n == 0 || n > 3 || v > 255)
			return false;
	}
	return pos == len;
}

/* Count the ':'-separated 1*4HEXDIG groups of s; an IPv4 literal may end
 * the last part. Returns false on an empty or malformed element. */
static bool
cmd_ipv6_groups(const unsigned char *s, size_t len, bool may_end_v4,
    size_t *groups_r, bool *has_v4_r)
{
	size_t pos = 0;

	*groups_r = 0;
	*has_v4_r = false;
	while (pos < len) {
		size_t end = pos;

		while (end < len && s[end] != ':')
			end++;
		if (end == len && may_end_v4 && memchr(s + pos, '.', end - pos)) {
			*has_v4_r = true;
			return cmd_is_ipv4(s + pos, end - pos);
		}
		if (end == pos || end - pos > 4)
			return false;
		for (; pos < end; pos++)
			if (!cmd_is_hex(s[pos]))
				return false;
		(*groups_r)++;
		if (end < len && ++pos == len)
			return false;	/* trailing ':' */
	}
	return true;
}

/* IPv6-addr per RFC 5321 §4.1.3 ("::" stands for at least two groups). */
static bool
cmd_is_ipv6(const unsigned char *s, size_t len)
{
	const unsigned char *dc = NULL;
	size_t i, g1 = 0, g2 = 0;
	bool v4a = false, v4b = false;

	for (i = 0; i + 1 < len; i++) {
		if (s[i] == ':' && s[i + 1] == ':') {
			if (dc != NULL)
				return false;
			dc = s + i;
		}
	}
	if (dc == NULL) {
		if (!cmd_ipv6_groups(s, len, true, &g1, &v4a))
			return false;
		return v4a ? g1 == 6 : g1 == 8;
	}
	if (!cmd_ipv6_groups(s, (size_t)(dc - s), false, &g1, &v4a) ||
	    !cmd_ipv6_groups(dc + 2, len - (size_t)(dc - s) - 2, true, &g2, &v4b))
		return false;
	return v4b ? g1 + g2 <= 4 : g1 + g2 <= 6;
}

/* The inside of "[...]": IPv4, "IPv6:" IPv6-addr, or Standardized-tag ":"
 * 1*dcontent (the caller has checked every byte is dcontent). */
static bool
cmd_is_literal_body(const unsigned char *s, size_t len)
{
	const unsigned char *colon = memchr(s, ':', len);
	size_t i, taglen;

	if (colon == NULL)
		return cmd_is_ipv4(s, len);
	taglen = (size_t)(colon - s);
	if (taglen == 4 && cmd_lower(s[0]) == 'i' && cmd_lower(s[1]) == 'p' &&
	    cmd_lower(s[2]) == 'v' && s[3] == '6')
		return cmd_is_ipv6(colon + 1, len - taglen - 1);
	if (taglen == 0 || taglen == len - 1 || !cmd_is_alnum(s[taglen - 1]))
		return false;
	for (i = 0; i < taglen; i++)
		if (!cmd_is_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

/* address-literal = "[" ... "]" */
static bool
cmd_scan_addr_literal(struct cmd_cursor *c)
{
	size_t start;

	if (!cur_eat(c, '['))
		return false;
	start = c->pos;
	while (!cur_at_end(c)) {
		int ch = cur_peek(c);

		if (ch == ']')
			break;
		if (ch < 33 || ch > 126 || ch == '[' || ch == '\\')
			return false;
		c->pos++;
	}
	if (!cmd_is_literal_body(c->s + start, c->pos - start))
		return false;
	return cur_eat(c, ']');
}

/* ---- local parts (§4.1.2) ------------------------------------------ */

/* Dot-string = Atom *("." Atom) */
static bool
cmd_scan_dot_string(struct cmd_cursor *c)
{
	for (;;) {
		size_t start = c->pos;

		while (!cur_at_end(c)) {
			int ch = cur_peek(c);

			if (cmd_is_atext(ch))
				c->pos++;
			else if (!(ch >= 0x80 && cur_eat_utf8(c, true)))
				break;
		}
		if (c->pos == start)
			return false;
		if (!cur_eat(c, '.'))
			return true;
	}
}

/* Quoted-string = DQUOTE *QcontentSMTP DQUOTE */
static bool
cmd_scan_quoted(struct cmd_cursor *c)
{
	if (!cur_eat(c, '"'))
		return false;
	while (!cur_at_end(c)) {
		int ch = cur_peek(c);

		if (ch == '"') {
			c->pos++;
			return true;
		}
		if (ch == '\\') {
			c->pos++;
			ch = cur_peek(c);
			if (ch < 32 || ch > 126)
				return false;
			c->pos++;
		} else if (ch >= 32 && ch <= 126) {
			c->pos++;
		} else if (!(ch >= 0x80 && cur_eat_utf8(c, true))) {
			return false;
		}
	}
	return false;
}

/* Copy a scanned Quoted-string without its quotes and backslashes. */
static char *
cmd_unquote(struct arena *a, const unsigned char *s, size_t len)
{
	char *out = arena_alloc(a, len + 1);
	size_t i, n = 0;

	if (out == NULL)
		return NULL;
	for (i = 1; i + 1 < len; i++) {
		if (s[i] == '\\')
			i++;
		out[n++] = (char)s[i];
	}
	out[n] = '\0';
	return out;
}

/* ---- paths --------------------------------------------------------- */

/* A-d-l ":" = At-domain *( "," At-domain ) ":", dropped (Appendix C). */
static bool
cmd_scan_source_route(struct cmd_cursor *c)
{
	do {
		if (!cur_eat(c, '@') || !cmd_scan_domain(c, true))
			return false;
	} while (cur_eat(c, ','));
	return cur_eat(c, ':');
}

/* Mailbox = Local-part "@" ( Domain / address-literal ), into path. */
static enum smtp_cmd_error
cmd_parse_mailbox(struct arena *a, struct cmd_cursor *c, struct smtp_path *path)
{
	size_t start = c->pos, at, end;

	path->is_quoted = cur_peek(c) == '"';
	if (path->is_quoted ? !cmd_scan_quoted(c) : !cmd_scan_dot_string(c))
		return SMTP_CMD_ERR_PATH;
	at = c->pos;
	if (!cur_eat(c, '@'))
		return SMTP_CMD_ERR_PATH;
	if (cur_peek(c) == '[' ? !cmd_scan_addr_literal(c) : !cmd_scan_domain(c, true))
		return SMTP_CMD_ERR_PATH;
	end = c->pos;
	path->local = path->is_quoted ?
	    cmd_unquote(a, c->s + start, at - start) :
	    arena_strndup(a, (const char *)c->s + start, at - start);
	path->domain = arena_strndup(a, (const char *)c->s + at + 1, end - at - 1);
	path->mailbox = arena_strndup(a, (const char *)c->s + start, end - start);
	if (path->local == NULL || path->domain == NULL || path->mailbox == NULL)
		return SMTP_CMD_ERR_NOMEM;
	return SMTP_CMD_ERR_NONE;
}

/* Reverse-path (MAIL) or Forward-path (RCPT), "<" through ">". */
static enum smtp_cmd_error
cmd_parse_path(struct arena *a, struct cmd_cursor *c, enum smtp_verb verb,
    struct smtp_path *path)
{
	enum smtp_cmd_error err;

	if (!cur_eat(c, '<'))
		return SMTP_CMD_ERR_PATH;
	if (verb == SMTP_VERB_MAIL && cur_eat(c, '>')) {
		path->is_null = true;
		return SMTP_CMD_ERR_NONE;
	}
	if (verb == SMTP_VERB_RCPT && cur_eat_ci(c, "Postmaster>")) {
		path->is_postmaster = true;
		path->local = arena_strndup(a, (const char *)c->s + c->pos - 11, 10);
		path->mailbox = path->local;
		return path->local == NULL ? SMTP_CMD_ERR_NOMEM : SMTP_CMD_ERR_NONE;
	}
	if (cur_peek(c) == '@' && !cmd_scan_source_route(c))
		return SMTP_CMD_ERR_PATH;
	err = cmd_parse_mailbox(a, c, path);
	if (err != SMTP_CMD_ERR_NONE)
		return err;
	return cur_eat(c, '>') ? SMTP_CMD_ERR_NONE : SMTP_CMD_ERR_PATH;
}

/* ---- ESMTP parameters ---------------------------------------------- */

/* esmtp-param = esmtp-keyword ["=" esmtp-value] */
static enum smtp_cmd_error
cmd_parse_param(struct arena *a, struct cmd_cursor *c, struct smtp_param *prm)
{
	size_t start = c->pos, eq;

	if (!cmd_is_alnum(cur_peek(c)))
		return SMTP_CMD_ERR_PARAM;
	while (cmd_is_alnum(cur_peek(c)) || cur_peek(c) == '-')
		c->pos++;
	eq = c->pos;
	prm->keyword = arena_strndup(a, (const char *)c->s + start, eq - start);
	prm->value = NULL;
	if (prm->keyword == NULL)
		return SMTP_CMD_ERR_NOMEM;
	if (!cur_eat(c, '='))
		return SMTP_CMD_ERR_NONE;
	while (!cur_at_end(c)) {
		int ch = cur_peek(c);

		if (ch >= 33 && ch <= 126 && ch != '=')
			c->pos++;
		else if (!(ch >= 0x80 && cur_eat_utf8(c, true)))
			break;
	}
	if (c->pos == eq + 1)
		return SMTP_CMD_ERR_PARAM;
	prm->value = arena_strndup(a, (const char *)c->s + eq + 1, c->pos - eq - 1);
	return prm->value == NULL ? SMTP_CMD_ERR_NOMEM : SMTP_CMD_ERR_NONE;
}

/* esmtp-param *(SP esmtp-param), up to the end of the line. */
static enum smtp_cmd_error
cmd_parse_params(struct arena *a, struct cmd_cursor *c, struct smtp_cmd *cmd)
{
	do {
		enum smtp_cmd_error err;

		if (cmd->nparams == SMTP_CMD_MAX_PARAMS)
			return SMTP_CMD_ERR_TOO_MANY_PARAMS;
		err = cmd_parse_param(a, c, &cmd->params[cmd->nparams]);
		if (err != SMTP_CMD_ERR_NONE)
			return err;
		cmd->nparams++;
	} while (cur_eat(c, ' '));
	return cur_at_end(c) ? SMTP_CMD_ERR_NONE : SMTP_CMD_ERR_PARAM;
}

/* ---- verbs --------------------------------------------------------- */

/* "MAIL FROM:" Reverse-path / "RCPT TO:" Forward-path, [SP params]. */
static enum smtp_cmd_error
cmd_parse_mail_rcpt(struct arena *a, struct cmd_cursor *c, struct smtp_cmd *cmd)
{
	enum smtp_cmd_error err;

	if (!cur_eat_ci(c, cmd->verb == SMTP_VERB_MAIL ? "FROM:" : "TO:"))
		return SMTP_CMD_ERR_SYNTAX;
	err = cmd_parse_path(a, c, cmd->verb, &cmd->path);
	if (err == SMTP_CMD_ERR_NONE && !cur_at_end(c)) {
		if (!cur_eat(c, ' '))
			err = SMTP_CMD_ERR_PATH;
		else
			err = cmd_parse_params(a, c, cmd);
	}
	cmd->path.has_8bit = c->has_8bit;
	return err;
}

/* HELO SP Domain / EHLO SP ( Domain / address-literal ). */
static enum smtp_cmd_error
cmd_parse_hello(struct cmd_cursor *c, enum smtp_verb verb)
{
	bool ok;

	if (verb == SMTP_VERB_EHLO && cur_peek(c) == '[')
		ok = cmd_scan_addr_literal(c);
	else
		ok = cmd_scan_domain(c, false);
	return ok && cur_at_end(c) ? SMTP_CMD_ERR_NONE : SMTP_CMD_ERR_SYNTAX;
}

/* VRFY/EXPN/HELP string: a Quoted-string or printable non-SP characters. */
static bool
cmd_scan_string(struct cmd_cursor *c)
{
	size_t start = c->pos;

	if (cur_peek(c) == '"')
		return cmd_scan_quoted(c);
	while (!cur_at_end(c)) {
		int ch = cur_peek(c);

		if (ch > 32 && ch < 127)
			c->pos++;
		else if (!(ch >= 0x80 && cur_eat_utf8(c, true)))
			break;
	}
	return c->pos > start;
}

/* VRFY / EXPN: String [SP "SMTPUTF8"] (RFC 6531 §3.7.4.2). */
static enum smtp_cmd_error
cmd_parse_vrfy(struct arena *a, struct cmd_cursor *c, struct smtp_cmd *cmd)
{
	size_t kw;

	if (!cmd_scan_string(c))
		return SMTP_CMD_ERR_SYNTAX;
	if (cur_at_end(c))
		return SMTP_CMD_ERR_NONE;
	kw = c->pos + 1;
	if (!cur_eat(c, ' ') || !cur_eat_ci(c, "SMTPUTF8") || !cur_at_end(c))
		return SMTP_CMD_ERR_SYNTAX;
	cmd->params[0].keyword = arena_strndup(a, (const char *)c->s + kw, 8);
	cmd->params[0].value = NULL;
	cmd->nparams = 1;
	return cmd->params[0].keyword == NULL ? SMTP_CMD_ERR_NOMEM : SMTP_CMD_ERR_NONE;
}

/* RFC 4954 §8: base64 = base64-terminal / ( 1*(4base64-char) [base64-terminal] ),
 * or "=" for an empty initial response. */
static bool
cmd_is_base64(const unsigned char *s, size_t len)
{
	size_t i, pad = 0;

	if (len == 1 && s[0] == '=')
		return true;
	if (len == 0 || len % 4 != 0)
		return false;
	while (pad < 2 && s[len - 1 - pad] == '=')
		pad++;
	for (i = 0; i < len - pad; i++)
		if (!cmd_is_alnum(s[i]) && s[i] != '+' && s[i] != '/')
			return false;
	return true;
}

/* AUTH SP sasl-mech [SP initial-response]; sasl-mech is 1*20 of
 * ALPHA / DIGIT / "-" / "_" (RFC 4422 §3.1, letters in either case). */
static enum smtp_cmd_error
cmd_parse_auth(struct arena *a, struct cmd_cursor *c, struct smtp_cmd *cmd)
{
	size_t start = c->pos;

	while (cmd_is_alnum(cur_peek(c)) || cur_peek(c) == '-' || cur_peek(c) == '_')
		c->pos++;
	if (c->pos == start || c->pos - start > 20)
		return SMTP_CMD_ERR_SYNTAX;
	cmd->auth_mech = arena_strndup(a, (const char *)c->s + start, c->pos - start);
	if (cmd->auth_mech == NULL)
		return SMTP_CMD_ERR_NOMEM;
	if (cur_at_end(c))
		return SMTP_CMD_ERR_NONE;
	if (!cur_eat(c, ' ') || !cmd_is_base64(c->s + c->pos, c->len - c->pos))
		return SMTP_CMD_ERR_SYNTAX;
	cmd->auth_initial = arena_strndup(a, (const char *)c->s + c->pos, c->len - c->pos);
	c->pos = c->len;
	return cmd->auth_initial == NULL ? SMTP_CMD_ERR_NOMEM : SMTP_CMD_ERR_NONE;
}

/* BDAT SP chunk-size [SP "LAST"] (RFC 3030 §2). */
static enum smtp_cmd_error
cmd_parse_bdat(struct cmd_cursor *c, struct smtp_cmd *cmd)
{
	uint64_t v = 0;
	size_t start = c->pos;

	while (cmd_is_digit(cur_peek(c))) {
		unsigned d = (unsigned)(cur_peek(c) - '0');

		if (v > (UINT64_MAX - d) / 10)
			return SMTP_CMD_ERR_SYNTAX;
		v = v * 10 + d;
		c->pos++;
	}
	if (c->pos == start)
		return SMTP_CMD_ERR_SYNTAX;
	cmd->bdat_size = v;
	if (cur_at_end(c))
		return SMTP_CMD_ERR_NONE;
	if (!cur_eat(c, ' ') || !cur_eat_ci(c, "LAST") || !cur_at_end(c))
		return SMTP_CMD_ERR_SYNTAX;
	cmd->is_bdat_last = true;
	return SMTP_CMD_ERR_NONE;
}

/* Check the argument rules of the verb; c starts after "VERB SP". */
static enum smtp_cmd_error
cmd_parse_args(struct arena *a, struct cmd_cursor *c, bool has_sp,
    struct smtp_cmd *cmd)
{
	bool has_arg = has_sp && !cur_at_end(c);

	switch (cmd->verb) {
	case SMTP_VERB_DATA: case SMTP_VERB_RSET:
	case SMTP_VERB_QUIT: case SMTP_VERB_STARTTLS:
		return has_sp ? SMTP_CMD_ERR_SYNTAX : SMTP_CMD_ERR_NONE;
	case SMTP_VERB_NOOP:
		return has_sp && !has_arg ? SMTP_CMD_ERR_SYNTAX : SMTP_CMD_ERR_NONE;
	case SMTP_VERB_HELP:
		if (!has_sp)
			return SMTP_CMD_ERR_NONE;
		return cmd_scan_string(c) && cur_at_end(c) ?
		    SMTP_CMD_ERR_NONE : SMTP_CMD_ERR_SYNTAX;
	default:
		break;
	}
	if (!has_arg)
		return SMTP_CMD_ERR_SYNTAX;
	switch (cmd->verb) {
	case SMTP_VERB_HELO: case SMTP_VERB_EHLO:
		return cmd_parse_hello(c, cmd->verb);
	case SMTP_VERB_MAIL: case SMTP_VERB_RCPT:
		return cmd_parse_mail_rcpt(a, c, cmd);
	case SMTP_VERB_VRFY: case SMTP_VERB_EXPN:
		return cmd_parse_vrfy(a, c, cmd);
	case SMTP_VERB_AUTH:
		return cmd_parse_auth(a, c, cmd);
	case SMTP_VERB_BDAT:
		return cmd_parse_bdat(c, cmd);
	default:
		return SMTP_CMD_ERR_UNKNOWN_VERB;
	}
}

/* Equal ignoring ASCII case (locale-independent). */
static bool
cmd_lookup_eq(const char *a, const char *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (cmd_lower((unsigned char)a[i]) != cmd_lower((unsigned char)b[i]))
			return false;
	return true;
}

static enum smtp_verb
cmd_lookup_verb(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(smtp_verbs) / sizeof(smtp_verbs[0]); i++) {
		const char *name = smtp_verbs[i].name;

		if (strlen(name) == len && cmd_lookup_eq(s, name, len))
			return smtp_verbs[i].verb;
	}
	return SMTP_VERB_UNKNOWN;
}

/* ---- public API ---------------------------------------------------- */

struct smtp_cmd_parser *
smtp_cmd_parser_new(void)
{
	struct smtp_cmd_parser *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->arena = arena_new(SMTP_CMD_ARENA_MAX);
	if (p->arena == NULL) {
		free(p);
		return NULL;
	}
	return p;
}

void
smtp_cmd_parser_free(struct smtp_cmd_parser **pp)
{
	if (pp == NULL || *pp == NULL)
		return;
	arena_free(&(*pp)->arena);
	free(*pp);
	*pp = NULL;
}

static int
cmd_fail(struct smtp_cmd_parser *p, enum smtp_cmd_error err)
{
	p->err = err;
	return -1;
}

/* The line-level checks: length, emptiness, control bytes. */
static enum smtp_cmd_error
cmd_check_line(const char *line, size_t len)
{
	size_t i;

	if (len > SMTP_CMD_MAX_LINE - 2)
		return SMTP_CMD_ERR_TOO_LONG;
	if (len == 0)
		return SMTP_CMD_ERR_EMPTY;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];

		if (ch < 0x20 || ch == 0x7f)
			return SMTP_CMD_ERR_BAD_CHAR;
	}
	return SMTP_CMD_ERR_NONE;
}

int
smtp_cmd_parse(struct smtp_cmd_parser *p, const char *line, size_t len,
    struct smtp_cmd *cmd_r)
{
	struct cmd_cursor c = { (const unsigned char *)line, len, 0, false };
	enum smtp_cmd_error err;
	size_t vlen = 0;
	bool has_sp;

	arena_reset(p->arena);
	memset(cmd_r, 0, sizeof(*cmd_r));
	cmd_r->verb_text = cmd_r->arg = "";
	cmd_r->path.local = cmd_r->path.domain = cmd_r->path.mailbox = "";
	err = cmd_check_line(line, len);
	if (err != SMTP_CMD_ERR_NONE)
		return cmd_fail(p, err);
	while (vlen < len && line[vlen] != ' ')
		vlen++;
	has_sp = vlen < len;
	cmd_r->verb = cmd_lookup_verb(line, vlen);
	cmd_r->verb_text = arena_strndup(p->arena, line, vlen);
	c.pos = has_sp ? vlen + 1 : vlen;
	cmd_r->arg = arena_strndup(p->arena, line + c.pos, len - c.pos);
	if (cmd_r->verb_text == NULL || cmd_r->arg == NULL)
		return cmd_fail(p, SMTP_CMD_ERR_NOMEM);
	if (cmd_r->verb == SMTP_VERB_UNKNOWN)
		return cmd_fail(p, SMTP_CMD_ERR_UNKNOWN_VERB);
	err = cmd_parse_args(p->arena, &c, has_sp, cmd_r);
	if (err != SMTP_CMD_ERR_NONE)
		return cmd_fail(p, err);
	p->err = SMTP_CMD_ERR_NONE;
	return 1;
}

enum smtp_cmd_error
smtp_cmd_parser_error(const struct smtp_cmd_parser *p)
{
	return p->err;
}

const char *
smtp_cmd_error_str(enum smtp_cmd_error err)
{
	switch (err) {
	case SMTP_CMD_ERR_NONE: return "no error";
	case SMTP_CMD_ERR_EMPTY: return "empty command line";
	case SMTP_CMD_ERR_UNKNOWN_VERB: return "command not recognized";
	case SMTP_CMD_ERR_TOO_LONG: return "command line too long";
	case SMTP_CMD_ERR_BAD_CHAR: return "control character in command line";
	case SMTP_CMD_ERR_SYNTAX: return "syntax error in command arguments";
	case SMTP_CMD_ERR_PATH: return "syntax error in mailbox address";
	case SMTP_CMD_ERR_PARAM: return "syntax error in ESMTP parameter";
	case SMTP_CMD_ERR_TOO_MANY_PARAMS: return "too many ESMTP parameters";
	case SMTP_CMD_ERR_NOMEM: return "out of memory";
	}
	return "unknown error";
}

const char *
smtp_verb_name(enum smtp_verb verb)
{
	size_t i;

	for (i = 0; i < sizeof(smtp_verbs) / sizeof(smtp_verbs[0]); i++)
		if (smtp_verbs[i].verb == verb)
			return smtp_verbs[i].name;
	return NULL;
}

const char *
smtp_cmd_param(const struct smtp_cmd *cmd, const char *keyword, bool *found_r)
{
	size_t i;

	for (i = 0; i < cmd->nparams; i++) {
		const char *k = cmd->params[i].keyword;
		size_t n = strlen(k);

		if (strlen(keyword) == n && cmd_lookup_eq(k, keyword, n)) {
			if (found_r != NULL)
				*found_r = true;
			return cmd->params[i].value;
		}
	}
	if (found_r != NULL)
		*found_r = false;
	return NULL;
}
