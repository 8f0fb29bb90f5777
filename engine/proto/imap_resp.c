/* imap_resp.c: incremental IMAP response parser (client side).
 *
 * RFC 9051 §2.2.2 (server responses), §7.1 (status responses OK, NO,
 * BAD, PREAUTH, BYE and their response codes), §7.2-§7.5 (untagged data:
 * "* CAPABILITY", "* 23 EXISTS", "* 1 FETCH (...)", ...), §7.6 (command
 * continuation request), §9:
 *   response-tagged = tag SP resp-cond-state CRLF
 *   response-data   = "*" SP (resp-cond-state / resp-cond-bye / mailbox-data /
 *                     message-data / capability-data / enable-data) CRLF
 *   continue-req    = "+" SP (resp-text / base64) CRLF
 *   resp-text       = ["[" resp-text-code "]" SP] [text]
 *   resp-text-code  = ... / atom [SP 1*<any TEXT-CHAR except "]">]
 *   tag             = 1*<any ASTRING-CHAR except "+">
 * RFC 3501 §7 (IMAP4rev1: the same shapes).
 *
 * Choices where the RFCs leave room:
 * - Status words and keywords are case-insensitive; code and name are
 *   returned in upper case, nodes as sent.
 * - "A1 OK" without SP and text, "+" without SP, and "[CODE]" at the end
 *   of the line without SP are accepted (text ""), as many servers send.
 * - A status response is one line: its text is never searched for
 *   literals. Data responses are lexed by imap_lex.c.
 * - "[" starts a response code only when an atom follows and the "]" is
 *   followed by SP or the end of the line; otherwise it is text. The
 *   arguments are lexed; when they do not lex (free text of an unknown
 *   code) they end at the first "]" and only code_text has them.
 * - Untagged data must start with a keyword atom, or a number and then a
 *   keyword atom; everything after the keyword is data.
 */
#include "imap_resp.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "imap_private.h"

#define IMAP_RESP_DEFAULT_LINE		((size_t)1 << 20)
#define IMAP_RESP_DEFAULT_LITERAL	((size_t)64 << 20)
#define IMAP_RESP_DEFAULT_DEPTH		64
#define IMAP_RESP_DEFAULT_NODES		262144

struct imap_resp_parser {
	struct imap_core core;		/* limits, arena, framing, lexer */
	bool is_done;		/* the last call ended a response or an error */
	bool is_data;		/* reading the lines of untagged data */
	struct imap_resp cur;
	enum imap_error err;
};

static void
imap_resp_limits(struct imap_limits *l, const struct imap_limits *in)
{
	struct imap_limits z = { 0 };

	if (in == NULL)
		in = &z;
	l->max_line = in->max_line != 0 ? in->max_line : IMAP_RESP_DEFAULT_LINE;
	l->max_literal = in->max_literal != 0 ? in->max_literal : IMAP_RESP_DEFAULT_LITERAL;
	l->max_size = in->max_size != 0 ? in->max_size :
	    imap_sat_add(l->max_literal, l->max_line);
	l->max_nonsync = 0;
	l->max_depth = in->max_depth != 0 ? in->max_depth : IMAP_RESP_DEFAULT_DEPTH;
	l->max_nodes = in->max_nodes != 0 ? in->max_nodes : IMAP_RESP_DEFAULT_NODES;
}

struct imap_resp_parser *
imap_resp_parser_new(const struct imap_limits *lim)
{
	struct imap_resp_parser *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	imap_resp_limits(&p->core.lim, lim);
	if (!imap_core_init(&p->core, false)) {
		free(p);
		return NULL;
	}
	p->is_done = true;	/* the first _next() starts from a clean item */
	return p;
}

void
imap_resp_parser_free(struct imap_resp_parser **pp)
{
	if (pp == NULL || *pp == NULL)
		return;
	imap_core_release(&(*pp)->core);
	free(*pp);
	*pp = NULL;
}

/* Forget the response being assembled (the frame keeps unread bytes). */
static void
imap_resp_clear(struct imap_resp_parser *p)
{
	arena_reset(p->core.arena);
	imap_frame_begin_item(&p->core.frame);
	memset(&p->cur, 0, sizeof(p->cur));
	p->cur.text = "";
	p->cur.code_text = "";
	p->is_data = false;
	p->is_done = false;
}

void
imap_resp_parser_reset(struct imap_resp_parser *p)
{
	imap_frame_reset(&p->core.frame);
	imap_resp_clear(p);
	p->err = IMAP_ERR_NONE;
}

size_t
imap_resp_parser_feed(struct imap_resp_parser *p, const void *data, size_t len)
{
	return imap_frame_feed(&p->core.frame, data, len);
}

static int
imap_resp_fail(struct imap_resp_parser *p, enum imap_error err)
{
	p->err = err;
	p->is_done = true;
	return -1;
}

/* An error found in a whole line: resynchronise after it. */
static int
imap_resp_fail_line(struct imap_resp_parser *p, enum imap_error err,
    const char *line, size_t len)
{
	imap_frame_skip_after_line(&p->core.frame, line, len);
	return imap_resp_fail(p, err);
}

/* The status word at s: OK, NO, BAD (and PREAUTH, BYE when untagged),
 * followed by SP or the end; its length goes to *len_r. */
static enum imap_status
imap_resp_status_word(const char *s, size_t len, bool is_tagged, size_t *len_r)
{
	static const char *const words[] = { "OK", "NO", "BAD", "PREAUTH", "BYE" };
	size_t k, i;

	k = mem_find(s, 0, len, ' ');
	*len_r = k;
	for (i = 0; i < (is_tagged ? 3u : 5u); i++)
		if (imap_node_text_is(s, k, words[i]))
			return (enum imap_status)(IMAP_STATUS_OK + i);
	return IMAP_STATUS_NONE;
}

/* A response code that did not lex: atom [SP text-up-to-"]"] "]". */
static bool
imap_resp_code_fallback(struct imap_resp_parser *p, const char *s, size_t len, size_t *pos_r)
{
	size_t j = 1, end;
	const char *close;

	while (j < len && imap_is_atom_char((unsigned char)s[j]))
		j++;
	if (j == 1 || j == len || (s[j] != ' ' && s[j] != ']'))
		return false;
	end = j;
	if (s[j] == ' ') {
		close = memchr(s + j + 1, ']', len - j - 1);
		if (close == NULL)
			return false;
		end = (size_t)(close - s);
		p->cur.code_text = arena_strndup(p->core.arena, s + j + 1, end - j - 1);
	} else {
		p->cur.code_text = "";
	}
	p->cur.code = imap_node_strdup_upper(p->core.arena, s + 1, j - 1);
	p->cur.code_args = NULL;
	*pos_r = end + 1;
	return p->cur.code != NULL && p->cur.code_text != NULL;
}

/* The code's arguments: a LIST over the root's items after the name. */
static bool
imap_resp_code_lexed(struct imap_resp_parser *p, const char *s, size_t pos)
{
	const struct imap_node *root = imap_lex_root(&p->core.lex);
	const struct imap_node *name = root->items[0];
	struct imap_node *args = arena_alloc(p->core.arena, sizeof(*args));	/* not the peer's */
	size_t start = 1 + name->len;

	if (args == NULL) {
		p->core.lex.err = IMAP_ERR_NOMEM;
		return false;
	}
	args->kind = IMAP_NODE_LIST;
	args->str = "";
	args->count = root->count - 1;
	args->items = args->count > 0 ? root->items + 1 : NULL;
	if (s[start] == ' ')
		start++;
	p->cur.code_args = args;
	p->cur.code = imap_node_strdup_upper(p->core.arena, name->str, name->len);
	p->cur.code_text = arena_strndup(p->core.arena, s + start, pos - 1 - start);
	if (p->cur.code == NULL || p->cur.code_text == NULL) {
		p->core.lex.err = IMAP_ERR_NOMEM;
		return false;
	}
	return true;
}

/* "[" resp-text-code "]" at s; *pos_r after the "]". 1 a code, 0 none,
 * -1 a limit was crossed (lex.err): the arguments would have lexed. */
static int
imap_resp_code(struct imap_resp_parser *p, const char *s, size_t len, size_t *pos_r)
{
	const struct imap_node *root;
	size_t pos = 1;

	if (!imap_lex_begin(&p->core.lex, IMAP_LEX_CODE, false))
		return -1;
	if (imap_lex_run(&p->core.lex, s, len, &pos) == IMAP_LEX_END) {
		root = imap_lex_root(&p->core.lex);
		if (root->count > 0 && (root->items[0]->kind == IMAP_NODE_ATOM ||
		    root->items[0]->kind == IMAP_NODE_NUMBER ||
		    root->items[0]->kind == IMAP_NODE_NIL)) {
			*pos_r = pos;
			return imap_resp_code_lexed(p, s, pos) ? 1 : -1;
		}
	} else if (p->core.lex.err == IMAP_ERR_TOO_DEEP || p->core.lex.err == IMAP_ERR_TOO_MANY_NODES ||
	    p->core.lex.err == IMAP_ERR_NOMEM) {
		return -1;
	}
	return imap_resp_code_fallback(p, s, len, pos_r) ? 1 : 0;
}

/* resp-text: ["[" resp-text-code "]" SP] [text]. */
static int
imap_resp_text(struct imap_resp_parser *p, const char *s, size_t len)
{
	size_t pos = 0;
	int r;

	if (len > 0 && s[0] == '[') {
		r = imap_resp_code(p, s, len, &pos);
		if (r < 0)
			return imap_resp_fail(p, p->core.lex.err);
		if (r > 0 && (pos == len || s[pos] == ' ')) {
			if (pos < len)
				pos++;
		} else {
			p->cur.code = NULL;
			p->cur.code_args = NULL;
			pos = 0;
		}
	}
	if (p->cur.code == NULL)
		p->cur.code_text = "";
	p->cur.text = arena_strndup(p->core.arena, s + pos, len - pos);
	p->cur.text_len = len - pos;
	return p->cur.text != NULL ? 1 : imap_resp_fail(p, IMAP_ERR_NOMEM);
}

/* Untagged data is complete: find the number and the keyword. */
static int
imap_resp_data_done(struct imap_resp_parser *p, const char *line, size_t len)
{
	const struct imap_node *root = imap_lex_root(&p->core.lex);
	const struct imap_node *kw;
	size_t i = 0;

	if (root->count > 0 && root->items[0]->kind == IMAP_NODE_NUMBER) {
		p->cur.has_number = true;
		p->cur.number = root->items[0]->num;
		i = 1;
	}
	kw = imap_node_list_get(root, i);
	if (kw == NULL || kw->kind != IMAP_NODE_ATOM)
		return imap_resp_fail_line(p, IMAP_ERR_BAD_RESPONSE, line, len);
	p->cur.name = imap_node_strdup_upper(p->core.arena, kw->str, kw->len);
	if (p->cur.name == NULL)
		return imap_resp_fail_line(p, IMAP_ERR_NOMEM, line, len);
	p->cur.data = root;
	p->cur.first_arg = i + 1;
	return 1;
}

/* Lex a line of untagged data from pos: 1 done, 0 a literal follows. */
static int
imap_resp_data(struct imap_resp_parser *p, const char *line, size_t len, size_t pos)
{
	struct imap_lex *lx = &p->core.lex;
	int r = imap_lex_run(lx, line, len, &pos);

	if (r == IMAP_LEX_END)
		return imap_resp_data_done(p, line, len);
	if (r < 0)
		return imap_resp_fail_line(p, lx->err, line, len);
	if (lx->lit_size > p->core.lim.max_literal)
		return imap_resp_fail_line(p, IMAP_ERR_LITERAL_TOO_LARGE, line, len);
	if (!imap_frame_start_literal(&p->core.frame, lx->lit_size))
		return imap_resp_fail_line(p, p->core.frame.err, line, len);
	return 0;
}

static int
imap_resp_untagged(struct imap_resp_parser *p, const char *line, size_t len)
{
	size_t k;

	p->cur.kind = IMAP_RESP_UNTAGGED;
	p->cur.tag = "*";
	if (len < 2 || line[1] != ' ')
		return imap_resp_fail_line(p, IMAP_ERR_BAD_RESPONSE, line, len);
	p->cur.status = imap_resp_status_word(line + 2, len - 2, false, &k);
	if (p->cur.status != IMAP_STATUS_NONE)
		return imap_resp_text(p, line + 2 + k + (2 + k < len), len - 2 - k - (2 + k < len));
	p->is_data = true;
	if (!imap_lex_begin(&p->core.lex, IMAP_LEX_ROOT, true))
		return imap_resp_fail_line(p, p->core.lex.err, line, len);
	return imap_resp_data(p, line, len, 2);
}

static int
imap_resp_tagged(struct imap_resp_parser *p, const char *line, size_t len)
{
	size_t k = 0, w;

	while (k < len && imap_is_tag_char((unsigned char)line[k]))
		k++;
	if (k == 0 || (k < len && line[k] != ' '))
		return imap_resp_fail_line(p, IMAP_ERR_BAD_TAG, line, len);
	p->cur.kind = IMAP_RESP_TAGGED;
	p->cur.tag = arena_strndup(p->core.arena, line, k);
	if (p->cur.tag == NULL)
		return imap_resp_fail_line(p, IMAP_ERR_NOMEM, line, len);
	if (k == len)
		return imap_resp_fail_line(p, IMAP_ERR_BAD_STATUS, line, len);
	k++;
	p->cur.status = imap_resp_status_word(line + k, len - k, true, &w);
	if (p->cur.status == IMAP_STATUS_NONE)
		return imap_resp_fail_line(p, IMAP_ERR_BAD_STATUS, line, len);
	k += w;
	if (k < len)
		k++;
	return imap_resp_text(p, line + k, len - k);
}

static int
imap_resp_first_line(struct imap_resp_parser *p, const char *line, size_t len)
{
	if (len == 0)
		return imap_resp_fail_line(p, IMAP_ERR_BAD_RESPONSE, line, len);
	if (line[0] == '+') {
		p->cur.kind = IMAP_RESP_CONTINUATION;
		p->cur.tag = "+";
		if (len == 1)
			return imap_resp_text(p, line, 0);
		if (line[1] != ' ')
			return imap_resp_fail_line(p, IMAP_ERR_BAD_RESPONSE, line, len);
		return imap_resp_text(p, line + 2, len - 2);
	}
	if (line[0] == '*')
		return imap_resp_untagged(p, line, len);
	return imap_resp_tagged(p, line, len);
}

/* A literal's bytes arrived: add them to the data. */
static int
imap_resp_literal(struct imap_resp_parser *p)
{
	size_t len;
	const char *data = imap_frame_literal(&p->core.frame, &len);

	if (!p->core.lex.lit_is_literal8 && memchr(data, '\0', len) != NULL) {
		imap_frame_skip_line(&p->core.frame);
		return imap_resp_fail(p, IMAP_ERR_LITERAL_NUL);
	}
	if (!imap_lex_literal(&p->core.lex, data, len)) {
		imap_frame_skip_line(&p->core.frame);
		return imap_resp_fail(p, p->core.lex.err);
	}
	return 0;
}

static int
imap_resp_line(struct imap_resp_parser *p)
{
	size_t len;
	const char *line = imap_frame_line(&p->core.frame, &len);

	if (p->is_data)
		return imap_resp_data(p, line, len, 0);
	return imap_resp_first_line(p, line, len);
}

int
imap_resp_parser_next(struct imap_resp_parser *p, struct imap_resp *resp_r)
{
	int ev, r;

	if (p->is_done)
		imap_resp_clear(p);
	for (;;) {
		ev = imap_frame_next(&p->core.frame);
		if (ev == 0)
			return 0;
		if (ev < 0)
			return imap_resp_fail(p, p->core.frame.err);
		r = ev == IMAP_FRAME_EV_LITERAL ? imap_resp_literal(p) : imap_resp_line(p);
		if (r < 0)
			return -1;
		if (r == 1)
			break;
	}
	p->cur.raw = p->core.frame.raw.data;
	p->cur.raw_len = p->core.frame.raw.len;
	*resp_r = p->cur;
	p->is_done = true;
	return 1;
}

enum imap_error
imap_resp_parser_error(const struct imap_resp_parser *p)
{
	return p->err;
}

size_t
imap_resp_parser_pending(const struct imap_resp_parser *p)
{
	return imap_frame_pending(&p->core.frame) + (p->is_done ? 0 : p->core.frame.raw.len);
}
