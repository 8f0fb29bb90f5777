/* imap_lex.c: the IMAP lexical rules, shared by commands and responses.
 *
 * RFC 9051 §4 (atom, number, string, NIL, parenthesized list), §9
 * (atom = 1*ATOM-CHAR; atom-specials = "(" / ")" / "{" / SP / CTL /
 * list-wildcards / quoted-specials / resp-specials; ASTRING-CHAR adds
 * "]"; quoted = DQUOTE *QUOTED-CHAR DQUOTE with "\" quoted-specials;
 * literal = "{" number64 ["+"] "}" CRLF; flag = "\" atom; flag-perm adds
 * "\*"), RFC 3516 §4.2 (literal8 = "~{" number "}" CRLF), RFC 7888 §3.
 *
 * The lexer is handed whole lines (no CR, LF or NUL in them) and keeps
 * its state across the literals of one item. Choices:
 * - An atom is 1*<CHAR except ( ) { SP CTL DQUOTE \>, optionally after
 *   one leading "\" (flags); "]" ends an atom only inside brackets (a
 *   section or response code), elsewhere it is an ASTRING-CHAR; "%" and
 *   "*" (list-wildcards) are accepted so that LIST patterns, "\*" and
 *   sequence sets like "1:*" lex as atoms. Bytes >= 0x80 are not CHAR.
 * - 1*DIGIT below 2^63 is a NUMBER, "NIL" in any case is NIL.
 * - Exactly one SP between items; none after "(", before ")" or at the
 *   ends of the line. A "(" may follow a ")" directly (body-type-mpart,
 *   thread-list); that list is marked is_glued.
 * - "[" after BODY, BODY.PEEK, BINARY, BINARY.PEEK or BINARY.SIZE opens
 *   a SECTION (imap_section.c); anywhere else "[" is an atom byte.
 * - A literal announcement must end its line; quoted strings may hold any
 *   byte but CR, LF and NUL (8-bit text is UTF-8 under IMAP4rev2).
 */
#include "imap_private.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define IMAP_NUMBER64_DIGITS	19

bool
imap_lex_init(struct imap_lex *lx, struct arena *arena, size_t max_depth,
    size_t max_nodes, bool allow_nonsync)
{
	memset(lx, 0, sizeof(*lx));
	lx->open = calloc(max_depth + 1, sizeof(*lx->open));
	if (lx->open == NULL)
		return false;
	lx->arena = arena;
	lx->max_depth = max_depth;
	lx->max_nodes = max_nodes;
	lx->allow_nonsync = allow_nonsync;
	return true;
}

void
imap_lex_release(struct imap_lex *lx)
{
	free(lx->open);
	lx->open = NULL;
}

static int
imap_lex_fail(struct imap_lex *lx, enum imap_error err)
{
	lx->err = err;
	return -1;
}

/* Every field, one by one: under ASan a memset of the whole node costs
 * more than the rest of making it (nothing reads the padding). */
static void
imap_lex_node_init(struct imap_node *n, enum imap_node_kind kind,
    const char *str, size_t len)
{
	n->kind = kind;
	n->str = str;
	n->len = len;
	n->num = 0;
	n->is_literal = false;
	n->is_literal8 = false;
	n->is_nonsync = false;
	n->is_glued = false;
	n->items = NULL;
	n->count = 0;
	n->section = NULL;
	n->next = NULL;
}

static bool
imap_lex_count_node(struct imap_lex *lx)
{
	if (lx->nodes >= lx->max_nodes) {
		lx->err = IMAP_ERR_TOO_MANY_NODES;
		return false;
	}
	lx->nodes++;
	return true;
}

struct imap_node *
imap_lex_new_node(struct imap_lex *lx, enum imap_node_kind kind)
{
	struct imap_node *n;

	if (!imap_lex_count_node(lx))
		return NULL;
	n = arena_alloc_uninit(lx->arena, sizeof(*n));
	if (n == NULL) {
		lx->err = IMAP_ERR_NOMEM;
		return NULL;
	}
	imap_lex_node_init(n, kind, "", 0);
	return n;
}

/* A node holding a copy of s[0..len), node and text in one allocation
 * (most nodes have a text: one arena call instead of two). */
static struct imap_node *
imap_lex_text_node(struct imap_lex *lx, enum imap_node_kind kind,
    const char *s, size_t len, char **text_r)
{
	struct imap_node *n;

	if (!imap_lex_count_node(lx))
		return NULL;
	n = arena_alloc_text(lx->arena, sizeof(*n), s, len, text_r);
	if (n == NULL) {
		lx->err = IMAP_ERR_NOMEM;
		return NULL;
	}
	imap_lex_node_init(n, kind, *text_r, len);
	return n;
}

bool
imap_lex_begin(struct imap_lex *lx, enum imap_lex_mode mode, bool after_sp)
{
	struct imap_node *root;

	lx->nodes = 0;
	lx->err = IMAP_ERR_NONE;
	root = imap_lex_new_node(lx, IMAP_NODE_LIST);
	if (root == NULL)
		return false;
	lx->nodes = 0;		/* the root is not the peer's */
	lx->depth = 0;
	lx->open[0].node = root;
	lx->open[0].head = lx->open[0].tail = NULL;
	lx->mode = mode;
	lx->nbrackets = mode == IMAP_LEX_CODE ? 1 : 0;
	lx->need_sep = false;
	lx->after_sp = after_sp;
	lx->after_close = false;
	return true;
}

const struct imap_node *
imap_lex_root(const struct imap_lex *lx)
{
	return lx->open[0].node;
}

/* Add a child to the innermost container; a token ends. */
static void
imap_lex_append(struct imap_lex *lx, struct imap_node *n)
{
	struct imap_lex_open *o = &lx->open[lx->depth];

	if (o->tail != NULL)
		o->tail->next = n;
	else
		o->head = n;
	o->tail = n;
	o->node->count++;
	lx->need_sep = true;
	lx->after_sp = false;
	lx->after_close = false;
}

/* Open a LIST or SECTION inside the innermost container. */
static bool
imap_lex_push(struct imap_lex *lx, struct imap_node *n)
{
	struct imap_lex_open *o;

	if (lx->depth >= lx->max_depth) {
		lx->err = IMAP_ERR_TOO_DEEP;
		return false;
	}
	imap_lex_append(lx, n);
	o = &lx->open[++lx->depth];
	o->node = n;
	o->head = o->tail = NULL;
	lx->need_sep = false;
	if (n->kind == IMAP_NODE_SECTION)
		lx->nbrackets++;
	return true;
}

bool
imap_lex_close(struct imap_lex *lx)
{
	struct imap_lex_open *o = &lx->open[lx->depth];
	struct imap_node *n = o->node, *c, **items;
	size_t i = 0;

	if (n->count > 0) {
		items = arena_alloc(lx->arena, n->count * sizeof(*items));
		if (items == NULL) {
			lx->err = IMAP_ERR_NOMEM;
			return false;
		}
		for (c = o->head; c != NULL; c = c->next)
			items[i++] = c;
		n->items = items;
	}
	if (n->kind == IMAP_NODE_SECTION)
		lx->nbrackets--;
	if (lx->depth > 0)
		lx->depth--;
	lx->need_sep = true;
	lx->after_sp = false;
	lx->after_close = n->kind == IMAP_NODE_LIST;
	return true;
}

/* Byte classes: one table look-up per byte instead of a chain of
 * comparisons (the atom loop sees most bytes of every line). Bytes
 * 0x21-0x7e but ( ) { " \ are in one or more classes:
 * - IMAP_CHAR_ATOM: what an atom may hold but "[" and "]" (list-wildcards
 *   included, see the top of this file);
 * - IMAP_CHAR_TAG: tag = 1*<ASTRING-CHAR except "+"> (RFC 9051 §9), so
 *   no "%" or "*", and "]" is one;
 * - IMAP_CHAR_ATOMCHAR: ATOM-CHAR (§9: no list-wildcards, no "]"), what
 *   a command name is made of. */
#define A	(IMAP_CHAR_ATOM | IMAP_CHAR_TAG | IMAP_CHAR_ATOMCHAR)

const uint8_t imap_char_class[256] = {
	['!'] = A, ['#'] = A, ['$'] = A, ['&'] = A, ['\''] = A,
	['%'] = IMAP_CHAR_ATOM, ['*'] = IMAP_CHAR_ATOM,
	['+'] = IMAP_CHAR_ATOM | IMAP_CHAR_ATOMCHAR,
	[','] = A, ['-'] = A, ['.'] = A, ['/'] = A,
	['0'] = A, ['1'] = A, ['2'] = A, ['3'] = A, ['4'] = A, ['5'] = A,
	['6'] = A, ['7'] = A, ['8'] = A, ['9'] = A, [':'] = A, [';'] = A,
	['<'] = A, ['='] = A, ['>'] = A, ['?'] = A, ['@'] = A,
	['A'] = A, ['B'] = A, ['C'] = A, ['D'] = A, ['E'] = A, ['F'] = A,
	['G'] = A, ['H'] = A, ['I'] = A, ['J'] = A, ['K'] = A, ['L'] = A,
	['M'] = A, ['N'] = A, ['O'] = A, ['P'] = A, ['Q'] = A, ['R'] = A,
	['S'] = A, ['T'] = A, ['U'] = A, ['V'] = A, ['W'] = A, ['X'] = A,
	['Y'] = A, ['Z'] = A,
	['['] = IMAP_CHAR_LBRACKET | IMAP_CHAR_TAG | IMAP_CHAR_ATOMCHAR,
	[']'] = IMAP_CHAR_RBRACKET | IMAP_CHAR_TAG,
	['^'] = A, ['_'] = A, ['`'] = A,
	['a'] = A, ['b'] = A, ['c'] = A, ['d'] = A, ['e'] = A, ['f'] = A,
	['g'] = A, ['h'] = A, ['i'] = A, ['j'] = A, ['k'] = A, ['l'] = A,
	['m'] = A, ['n'] = A, ['o'] = A, ['p'] = A, ['q'] = A, ['r'] = A,
	['s'] = A, ['t'] = A, ['u'] = A, ['v'] = A, ['w'] = A, ['x'] = A,
	['y'] = A, ['z'] = A, ['|'] = A, ['}'] = A, ['~'] = A,
};

#undef A

/* A NUMBER when s is 1*DIGIT below 2^63. */
static bool
imap_lex_is_number(const char *s, size_t len, uint64_t *num_r)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > IMAP_NUMBER64_DIGITS)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > (uint64_t)INT64_MAX)
		return false;
	*num_r = v;
	return true;
}

static int
imap_lex_add_atom(struct imap_lex *lx, const char *s, size_t len)
{
	uint64_t num = 0;
	enum imap_node_kind kind = IMAP_NODE_ATOM;
	struct imap_node *n;
	char *text;

	if (imap_lex_is_number(s, len, &num))
		kind = IMAP_NODE_NUMBER;
	else if (imap_node_text_is(s, len, "NIL"))
		kind = IMAP_NODE_NIL;
	n = imap_lex_text_node(lx, kind, s, len, &text);
	if (n == NULL)
		return -1;
	n->num = num;
	imap_lex_append(lx, n);
	return 0;
}

/* ATOM "BODY" (etc.) then an open SECTION glued to it. */
static int
imap_lex_open_section(struct imap_lex *lx, const char *s, size_t len, bool is_binary)
{
	struct imap_section *sec;
	struct imap_node *n;

	if (imap_lex_add_atom(lx, s, len) < 0)
		return -1;
	n = imap_lex_new_node(lx, IMAP_NODE_SECTION);
	sec = arena_alloc(lx->arena, sizeof(*sec));
	if (n == NULL || sec == NULL)
		return imap_lex_fail(lx, n == NULL ? lx->err : IMAP_ERR_NOMEM);
	sec->text = "";
	sec->is_binary = is_binary;
	n->section = sec;
	n->is_glued = true;
	return imap_lex_push(lx, n) ? 0 : -1;
}

static int
imap_lex_atom(struct imap_lex *lx, const char *s, size_t len, size_t *pos)
{
	size_t i = *pos, j = i;
	uint8_t ok = IMAP_CHAR_ATOM | (lx->nbrackets > 0 ? 0 : IMAP_CHAR_RBRACKET);
	bool is_binary;

	if (s[j] == '\\')
		j++;
	for (;;) {
		while (j < len && (imap_char_class[(unsigned char)s[j]] & ok) != 0)
			j++;
		if (j == len || s[j] != '[')
			break;
		if (imap_section_takes(s + i, j - i, &is_binary)) {
			*pos = j + 1;
			return imap_lex_open_section(lx, s + i, j - i, is_binary);
		}
		j++;
	}
	*pos = j;
	if (j == i || (j == i + 1 && s[i] == '\\'))
		return imap_lex_fail(lx, IMAP_ERR_BAD_CHAR);
	if (j < len && ((unsigned char)s[j] < 0x20 || (unsigned char)s[j] >= 0x7f ||
	    s[j] == '\\'))
		return imap_lex_fail(lx, IMAP_ERR_BAD_CHAR);
	return imap_lex_add_atom(lx, s + i, j - i);
}

static int
imap_lex_quoted(struct imap_lex *lx, const char *s, size_t len, size_t *pos)
{
	size_t i = *pos + 1, end, stop, raw, n, k;
	struct imap_node *node;
	char *out;

	/* the closing DQUOTE is the first one not escaped; memchr() finds
	 * the candidates (most strings have no backslash at all) */
	stop = mem_find(s, i, len, '"');
	for (end = i;;) {
		end = mem_find(s, end, stop, '\\');
		if (end == stop)
			break;
		if (end + 1 == len) {
			end = len;
			break;
		}
		if (s[end + 1] != '"' && s[end + 1] != '\\') {
			*pos = end;
			return imap_lex_fail(lx, IMAP_ERR_BAD_QUOTED);
		}
		end += 2;
		if (end > stop)		/* the escaped DQUOTE was the candidate */
			stop = mem_find(s, end, len, '"');
	}
	if (end >= len) {
		*pos = len;
		return imap_lex_fail(lx, IMAP_ERR_UNTERMINATED_QUOTED);
	}
	node = imap_lex_text_node(lx, IMAP_NODE_STRING, s + i, end - i, &out);
	if (node == NULL)
		return -1;
	/* take the escapes out in place: each "\\" goes, the byte after it
	 * (checked above: DQUOTE or "\\") stays */
	raw = end - i;
	n = k = mem_find(out, 0, raw, '\\');
	while (k < raw) {
		size_t next = mem_find(out, k + 2, raw, '\\');

		out[n++] = out[k + 1];
		memmove(out + n, out + k + 2, next - k - 2);
		n += next - k - 2;
		k = next;
	}
	out[n] = '\0';
	node->len = n;
	imap_lex_append(lx, node);
	*pos = end + 1;
	return 0;
}

/* "{" number64 ["+"] "}" at the end of the line (s[*pos] is "{" or "~"). */
static int
imap_lex_literal_head(struct imap_lex *lx, const char *s, size_t len, size_t *pos)
{
	size_t i = *pos, digits;
	bool is_literal8 = s[i] == '~', is_nonsync = false;
	uint64_t v = 0;

	i += is_literal8 ? 2 : 1;
	for (digits = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
		if (digits == IMAP_NUMBER64_DIGITS)
			break;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (i < len && s[i] == '+') {
		is_nonsync = true;
		i++;
	}
	*pos = i;
	if (digits == 0 || v > (uint64_t)INT64_MAX || i >= len || s[i] != '}' ||
	    i + 1 != len || lx->mode == IMAP_LEX_CODE)
		return imap_lex_fail(lx, IMAP_ERR_BAD_LITERAL);
	if (is_nonsync && !lx->allow_nonsync)
		return imap_lex_fail(lx, IMAP_ERR_NONSYNC_LITERAL);
	*pos = len;
	lx->lit_size = v;
	lx->lit_is_literal8 = is_literal8;
	lx->lit_is_nonsync = is_nonsync;
	return IMAP_LEX_LITERAL;
}

bool
imap_lex_literal(struct imap_lex *lx, const char *data, size_t len)
{
	char *text;
	struct imap_node *n = imap_lex_text_node(lx, IMAP_NODE_STRING, data, len, &text);

	if (n == NULL)
		return false;
	n->is_literal = true;
	n->is_literal8 = lx->lit_is_literal8;
	n->is_nonsync = lx->lit_is_nonsync;
	imap_lex_append(lx, n);
	return true;
}

/* "]" or ")" where a token may start or end: close the container. */
static int
imap_lex_closer(struct imap_lex *lx, const char *s, size_t len, size_t *pos)
{
	struct imap_node *top = lx->open[lx->depth].node;
	char c = s[*pos];

	if (lx->after_sp)
		return imap_lex_fail(lx, IMAP_ERR_BAD_SPACE);
	if (c == ']' && lx->depth == 0 && lx->mode == IMAP_LEX_CODE) {
		(*pos)++;
		return imap_lex_close(lx) ? IMAP_LEX_END : -1;
	}
	if (lx->depth == 0 || top->kind != (c == ')' ? IMAP_NODE_LIST : IMAP_NODE_SECTION))
		return imap_lex_fail(lx, IMAP_ERR_UNBALANCED);
	(*pos)++;
	if (!imap_lex_close(lx))
		return -1;
	if (c == ']' && !imap_section_finish(lx, top, s, len, pos))
		return -1;
	return 0;
}

static int
imap_lex_list(struct imap_lex *lx, bool is_glued, size_t *pos)
{
	struct imap_node *n = imap_lex_new_node(lx, IMAP_NODE_LIST);

	if (n == NULL)
		return -1;
	n->is_glued = is_glued;
	(*pos)++;
	return imap_lex_push(lx, n) ? 0 : -1;
}

/* After a token: SP, a closer, or a "(" glued to a ")". */
static int
imap_lex_separator(struct imap_lex *lx, const char *s, size_t len, size_t *pos)
{
	char c = s[*pos];

	if (c == ' ') {
		(*pos)++;
		lx->need_sep = false;
		lx->after_sp = true;
		lx->after_close = false;
		return 0;
	}
	if (c == ')' || (c == ']' && lx->nbrackets > 0))
		return imap_lex_closer(lx, s, len, pos);
	if (c == '(' && lx->after_close)
		return imap_lex_list(lx, true, pos);
	return imap_lex_fail(lx, IMAP_ERR_EXPECTED_SP);
}

static int
imap_lex_token(struct imap_lex *lx, const char *s, size_t len, size_t *pos)
{
	char c = s[*pos];

	switch (c) {
	case ' ':
		return imap_lex_fail(lx, IMAP_ERR_BAD_SPACE);
	case ')':
		return imap_lex_closer(lx, s, len, pos);
	case '(':
		return imap_lex_list(lx, false, pos);
	case '"':
		return imap_lex_quoted(lx, s, len, pos);
	case '{':
		return imap_lex_literal_head(lx, s, len, pos);
	default:
		break;
	}
	if (c == ']' && lx->nbrackets > 0)
		return imap_lex_closer(lx, s, len, pos);
	if (c == '~' && *pos + 1 < len && s[*pos + 1] == '{')
		return imap_lex_literal_head(lx, s, len, pos);
	return imap_lex_atom(lx, s, len, pos);
}

/* The line is used up. */
static int
imap_lex_at_end(struct imap_lex *lx)
{
	if (lx->after_sp)
		return imap_lex_fail(lx, IMAP_ERR_BAD_SPACE);
	if (lx->depth > 0 || lx->mode == IMAP_LEX_CODE)
		return imap_lex_fail(lx, IMAP_ERR_UNBALANCED);
	return imap_lex_close(lx) ? IMAP_LEX_END : -1;
}

int
imap_lex_run(struct imap_lex *lx, const char *s, size_t len, size_t *pos_r)
{
	int r;

	for (;;) {
		if (*pos_r >= len)
			return imap_lex_at_end(lx);
		if (lx->need_sep)
			r = imap_lex_separator(lx, s, len, pos_r);
		else
			r = imap_lex_token(lx, s, len, pos_r);
		if (r != 0)
			return r;
	}
}
