/* imap_cmd.c: incremental IMAP command parser (server side).
 *
 * RFC 9051 §2.2.1 (client commands: tag, command, arguments, CRLF; a
 * synchronizing literal waits for a command continuation request), §4.3
 * (non-synchronizing literals, at most 4096 octets unless an extension
 * says otherwise), §6 (commands), §7.6 (continuation), §9:
 *   command  = tag SP (command-any / command-auth / command-nonauth /
 *              command-select) CRLF
 *   tag      = 1*<any ASTRING-CHAR except "+">
 *   uid      = "UID" SP (copy / move / fetch / search / store / uid-expunge)
 * RFC 7888 §3-§5 (LITERAL+, LITERAL-: the "{n+}" form, the 4096 limit and
 * TOOBIG), RFC 3516 §4.2 and RFC 4466 §4.3 (literal8 "~{n}", "~{n+}").
 *
 * Choices where the RFCs leave room:
 * - The command name is any atom, upper-cased; whether it is known, and
 *   whether its arguments fit it, is the session's judgement. "UID x"
 *   gives name x with is_uid (see imap_cmd.h).
 * - Exactly one SP between tag, name and arguments; an empty line or a
 *   line without a tag is IMAP_ERR_BAD_TAG, a tag alone
 *   IMAP_ERR_MISSING_COMMAND.
 * - A synchronizing literal over max_literal is refused before the
 *   continuation (the client then sends nothing); a non-synchronizing one
 *   over max_literal or max_nonsync is refused and its bytes dropped.
 * - After a byte-level error in the first line (too long, bare CR/LF,
 *   NUL) the tag is still reported when the line began with one.
 */
#include "imap_cmd.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "imap_private.h"

#define IMAP_CMD_DEFAULT_LINE		((size_t)64 << 10)
#define IMAP_CMD_DEFAULT_LITERAL	((size_t)64 << 20)
#define IMAP_CMD_DEFAULT_NONSYNC	4096	/* RFC 9051 §4.3, RFC 7888 §5 */
#define IMAP_CMD_DEFAULT_DEPTH		64
#define IMAP_CMD_DEFAULT_NODES		65536

struct imap_cmd_parser {
	struct imap_core core;		/* limits, arena, framing, lexer */
	bool is_done;		/* the last call ended a command, a line or an error */
	bool is_args;		/* reading the argument lines */
	struct imap_cmd cur;
	enum imap_error err;
};

static void
imap_cmd_limits(struct imap_limits *l, const struct imap_limits *in)
{
	struct imap_limits z = { 0 };

	if (in == NULL)
		in = &z;
	l->max_line = in->max_line != 0 ? in->max_line : IMAP_CMD_DEFAULT_LINE;
	l->max_literal = in->max_literal != 0 ? in->max_literal : IMAP_CMD_DEFAULT_LITERAL;
	l->max_size = in->max_size != 0 ? in->max_size :
	    imap_sat_add(l->max_literal, l->max_line);
	l->max_nonsync = in->max_nonsync != 0 ? in->max_nonsync : IMAP_CMD_DEFAULT_NONSYNC;
	l->max_depth = in->max_depth != 0 ? in->max_depth : IMAP_CMD_DEFAULT_DEPTH;
	l->max_nodes = in->max_nodes != 0 ? in->max_nodes : IMAP_CMD_DEFAULT_NODES;
}

struct imap_cmd_parser *
imap_cmd_parser_new(const struct imap_limits *lim)
{
	struct imap_cmd_parser *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	imap_cmd_limits(&p->core.lim, lim);
	if (!imap_core_init(&p->core, true)) {
		free(p);
		return NULL;
	}
	p->is_done = true;	/* the first _next() starts from a clean item */
	return p;
}

void
imap_cmd_parser_free(struct imap_cmd_parser **pp)
{
	if (pp == NULL || *pp == NULL)
		return;
	imap_core_release(&(*pp)->core);
	free(*pp);
	*pp = NULL;
}

static void
imap_cmd_clear(struct imap_cmd_parser *p)
{
	arena_reset(p->core.arena);
	imap_frame_begin_item(&p->core.frame);
	memset(&p->cur, 0, sizeof(p->cur));
	p->is_args = false;
	p->is_done = false;
}

void
imap_cmd_parser_reset(struct imap_cmd_parser *p)
{
	imap_frame_reset(&p->core.frame);
	imap_cmd_clear(p);
	p->err = IMAP_ERR_NONE;
}

size_t
imap_cmd_parser_feed(struct imap_cmd_parser *p, const void *data, size_t len)
{
	return imap_frame_feed(&p->core.frame, data, len);
}

void
imap_cmd_parser_reject_literal(struct imap_cmd_parser *p)
{
	p->is_done = true;	/* the frame drops the literal state on clear */
}

/* A byte-level error in the first line: the tag, if the line had one. */
static void
imap_cmd_guess_tag(struct imap_cmd_parser *p)
{
	const char *s = p->core.frame.raw.data;
	size_t len = p->core.frame.raw.len, k = 0;

	if (p->is_args || p->cur.tag != NULL || s == NULL)
		return;
	while (k < len && imap_is_tag_char((unsigned char)s[k]))
		k++;
	if (k > 0 && k < len && s[k] == ' ')
		p->cur.tag = arena_strndup(p->core.arena, s, k);
}

static int
imap_cmd_fail(struct imap_cmd_parser *p, enum imap_error err, struct imap_cmd *cmd_r)
{
	imap_cmd_guess_tag(p);
	p->err = err;
	p->is_done = true;
	p->cur.raw = p->core.frame.raw.data != NULL ? p->core.frame.raw.data : "";
	p->cur.raw_len = p->core.frame.raw.len;
	*cmd_r = p->cur;
	return -1;
}

static int
imap_cmd_fail_line(struct imap_cmd_parser *p, enum imap_error err,
    const char *line, size_t len, struct imap_cmd *cmd_r)
{
	imap_frame_skip_after_line(&p->core.frame, line, len);
	return imap_cmd_fail(p, err, cmd_r);
}

/* Lex argument text from pos: 1 done, 0 more to read, CONTINUATION, -1. */
static int
imap_cmd_args(struct imap_cmd_parser *p, const char *line, size_t len, size_t pos,
    struct imap_cmd *cmd_r)
{
	struct imap_lex *lx = &p->core.lex;
	int r = imap_lex_run(lx, line, len, &pos);

	if (r == IMAP_LEX_END) {
		p->cur.args = imap_lex_root(lx);
		return 1;
	}
	if (r < 0)
		return imap_cmd_fail_line(p, lx->err, line, len, cmd_r);
	p->cur.literal_size = lx->lit_size;
	p->cur.is_literal8 = lx->lit_is_literal8;
	if (lx->lit_size > p->core.lim.max_literal)
		return imap_cmd_fail_line(p, IMAP_ERR_LITERAL_TOO_LARGE, line, len, cmd_r);
	if (lx->lit_is_nonsync && lx->lit_size > p->core.lim.max_nonsync)
		return imap_cmd_fail_line(p, IMAP_ERR_NONSYNC_TOO_LARGE, line, len, cmd_r);
	if (!imap_frame_start_literal(&p->core.frame, lx->lit_size))
		return imap_cmd_fail_line(p, p->core.frame.err, line, len, cmd_r);
	return lx->lit_is_nonsync ? 0 : IMAP_CMD_NEED_CONTINUATION;
}

/* The command name at line[*pos]; false with *err_r. */
static bool
imap_cmd_name(struct imap_cmd_parser *p, const char *line, size_t len, size_t *pos,
    enum imap_error *err_r)
{
	size_t i = *pos, k = i;

	while (k < len && imap_is_atom_char((unsigned char)line[k]))
		k++;
	if (k == i) {
		*err_r = i < len && line[i] == ' ' ? IMAP_ERR_BAD_SPACE :
		    i < len ? IMAP_ERR_BAD_CHAR : IMAP_ERR_MISSING_COMMAND;
		return false;
	}
	if (k < len && line[k] != ' ') {
		*err_r = IMAP_ERR_EXPECTED_SP;
		return false;
	}
	p->cur.name = imap_node_strdup_upper(p->core.arena, line + i, k - i);
	*err_r = IMAP_ERR_NOMEM;
	*pos = k;
	return p->cur.name != NULL;
}

/* tag SP name [SP "UID" name] then the arguments. */
static int
imap_cmd_first_line(struct imap_cmd_parser *p, const char *line, size_t len,
    struct imap_cmd *cmd_r)
{
	enum imap_error err = IMAP_ERR_NONE;
	size_t k = 0;

	while (k < len && imap_is_tag_char((unsigned char)line[k]))
		k++;
	if (k == 0 || (k < len && line[k] != ' '))
		return imap_cmd_fail_line(p, IMAP_ERR_BAD_TAG, line, len, cmd_r);
	p->cur.tag = arena_strndup(p->core.arena, line, k);
	if (p->cur.tag == NULL)
		return imap_cmd_fail_line(p, IMAP_ERR_NOMEM, line, len, cmd_r);
	if (k++ == len)
		return imap_cmd_fail_line(p, IMAP_ERR_MISSING_COMMAND, line, len, cmd_r);
	if (!imap_cmd_name(p, line, len, &k, &err))
		return imap_cmd_fail_line(p, err, line, len, cmd_r);
	if (strcmp(p->cur.name, "UID") == 0) {
		p->cur.is_uid = true;
		p->cur.name = NULL;
		if (k++ == len)
			return imap_cmd_fail_line(p, IMAP_ERR_MISSING_COMMAND, line, len, cmd_r);
		if (!imap_cmd_name(p, line, len, &k, &err))
			return imap_cmd_fail_line(p, err, line, len, cmd_r);
	}
	p->is_args = true;
	if (!imap_lex_begin(&p->core.lex, IMAP_LEX_ROOT, k < len))
		return imap_cmd_fail_line(p, p->core.lex.err, line, len, cmd_r);
	return imap_cmd_args(p, line, len, k < len ? k + 1 : k, cmd_r);
}

static int
imap_cmd_literal(struct imap_cmd_parser *p, struct imap_cmd *cmd_r)
{
	size_t len;
	const char *data = imap_frame_literal(&p->core.frame, &len);

	if (!p->core.lex.lit_is_literal8 && memchr(data, '\0', len) != NULL) {
		imap_frame_skip_line(&p->core.frame);
		return imap_cmd_fail(p, IMAP_ERR_LITERAL_NUL, cmd_r);
	}
	if (!imap_lex_literal(&p->core.lex, data, len)) {
		imap_frame_skip_line(&p->core.frame);
		return imap_cmd_fail(p, p->core.lex.err, cmd_r);
	}
	return 0;
}

int
imap_cmd_parser_next(struct imap_cmd_parser *p, struct imap_cmd *cmd_r)
{
	const char *line;
	size_t len;
	int ev, r;

	if (p->is_done)
		imap_cmd_clear(p);
	for (;;) {
		ev = imap_frame_next(&p->core.frame);
		if (ev == 0)
			return 0;
		if (ev < 0)
			return imap_cmd_fail(p, p->core.frame.err, cmd_r);
		if (ev == IMAP_FRAME_EV_LITERAL) {
			r = imap_cmd_literal(p, cmd_r);
		} else {
			line = imap_frame_line(&p->core.frame, &len);
			r = p->is_args ? imap_cmd_args(p, line, len, 0, cmd_r) :
			    imap_cmd_first_line(p, line, len, cmd_r);
		}
		if (r != 0)
			break;
	}
	if (r < 0)
		return -1;
	p->cur.raw = p->core.frame.raw.data;
	p->cur.raw_len = p->core.frame.raw.len;
	*cmd_r = p->cur;
	p->is_done = r == 1;
	return r;
}

int
imap_cmd_parser_take_line(struct imap_cmd_parser *p, const char **line_r, size_t *len_r)
{
	struct imap_cmd ignored;
	const char *line;
	size_t len;
	int ev;

	if (p->is_done)
		imap_cmd_clear(p);
	ev = imap_frame_next(&p->core.frame);
	if (ev == 0)
		return 0;
	if (ev < 0 || ev != IMAP_FRAME_EV_LINE) {
		p->is_args = true;	/* no tag to guess */
		return imap_cmd_fail(p, ev < 0 ? p->core.frame.err : IMAP_ERR_BAD_LITERAL, &ignored);
	}
	line = imap_frame_line(&p->core.frame, &len);
	*line_r = arena_strndup(p->core.arena, line, len);
	*len_r = len;
	p->is_done = true;
	if (*line_r == NULL)
		return imap_cmd_fail(p, IMAP_ERR_NOMEM, &ignored);
	return 1;
}

enum imap_error
imap_cmd_parser_error(const struct imap_cmd_parser *p)
{
	return p->err;
}

uint64_t
imap_cmd_parser_discarding(const struct imap_cmd_parser *p)
{
	return p->core.frame.state == IMAP_FRAME_SKIP_LITERAL ? p->core.frame.lit_left : 0;
}

size_t
imap_cmd_parser_pending(const struct imap_cmd_parser *p)
{
	return imap_frame_pending(&p->core.frame) + (p->is_done ? 0 : p->core.frame.raw.len);
}

size_t
imap_cmd_nargs(const struct imap_cmd *c)
{
	return imap_node_list_count(c->args);
}

const struct imap_node *
imap_cmd_arg(const struct imap_cmd *c, size_t i)
{
	return imap_node_list_get(c->args, i);
}

bool
imap_cmd_write(struct buf *b, const struct imap_cmd *c)
{
	if (!buf_puts(b, c->tag) || !buf_putc(b, ' ') ||
	    (c->is_uid && !buf_puts(b, "UID ")) || !buf_puts(b, c->name))
		return false;
	if (imap_cmd_nargs(c) > 0 && (!buf_putc(b, ' ') || !imap_node_write_items(b, c->args)))
		return false;
	return buf_append(b, "\r\n", 2);
}
