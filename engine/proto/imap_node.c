/* imap_node.c: queries, comparison and serialization of IMAP nodes.
 *
 * RFC 9051 §4.1-§4.4 (atom, number, string, parenthesized list, NIL),
 * §4.3 and §9 (quoted = DQUOTE *QUOTED-CHAR DQUOTE, with "\" before
 * DQUOTE and "\"; literal = "{" number64 ["+"] "}" CRLF *CHAR8), RFC 3516
 * §4.2 (literal8), RFC 7888 §3 ("{n+}"), §6.4.5 (section, partial).
 *
 * The serializer writes what the parsers read back to the same tree: an
 * atom or number as sent, a string quoted unless it was a literal or
 * holds CR, LF or NUL (which a quoted string cannot carry), one SP
 * between items except before a glued node.
 */
#include "imap_private.h"

#include <ctype.h>
#include <string.h>

#include "arena.h"

const char *
imap_error_str(enum imap_error err)
{
	switch (err) {
	case IMAP_ERR_NONE: return "no error";
	case IMAP_ERR_LINE_TOO_LONG: return "line too long";
	case IMAP_ERR_TOO_LARGE: return "command or response too large";
	case IMAP_ERR_LITERAL_TOO_LARGE: return "literal too large";
	case IMAP_ERR_NONSYNC_TOO_LARGE: return "non-synchronizing literal over 4096 octets";
	case IMAP_ERR_NONSYNC_LITERAL: return "non-synchronizing literal from a server";
	case IMAP_ERR_BAD_LITERAL: return "malformed literal announcement";
	case IMAP_ERR_LITERAL_NUL: return "NUL in a literal (only literal8 may hold NUL)";
	case IMAP_ERR_BARE_CR: return "bare CR (not followed by LF)";
	case IMAP_ERR_BARE_LF: return "bare LF (not preceded by CR)";
	case IMAP_ERR_NUL: return "NUL byte outside a literal";
	case IMAP_ERR_TOO_DEEP: return "lists nested too deeply";
	case IMAP_ERR_TOO_MANY_NODES: return "too many items";
	case IMAP_ERR_BAD_CHAR: return "character not allowed here";
	case IMAP_ERR_BAD_SPACE: return "leading, doubled or trailing space";
	case IMAP_ERR_EXPECTED_SP: return "missing space between items";
	case IMAP_ERR_BAD_QUOTED: return "backslash in a quoted string not before '\"' or '\\'";
	case IMAP_ERR_UNTERMINATED_QUOTED: return "quoted string not terminated";
	case IMAP_ERR_UNBALANCED: return "unbalanced parentheses or brackets";
	case IMAP_ERR_BAD_SECTION: return "malformed section or partial";
	case IMAP_ERR_BAD_TAG: return "missing or malformed tag";
	case IMAP_ERR_BAD_RESPONSE: return "malformed response";
	case IMAP_ERR_BAD_STATUS: return "tagged response without OK, NO or BAD";
	case IMAP_ERR_MISSING_COMMAND: return "missing command name";
	case IMAP_ERR_BAD_SEQSET: return "malformed sequence set";
	case IMAP_ERR_SEQSET_RANGE: return "sequence number out of range";
	case IMAP_ERR_NOMEM: return "out of memory";
	}
	return "unknown error";
}

const char *
imap_node_kind_name(enum imap_node_kind kind)
{
	switch (kind) {
	case IMAP_NODE_ATOM: return "ATOM";
	case IMAP_NODE_NUMBER: return "NUMBER";
	case IMAP_NODE_STRING: return "STRING";
	case IMAP_NODE_NIL: return "NIL";
	case IMAP_NODE_LIST: return "LIST";
	case IMAP_NODE_SECTION: return "SECTION";
	}
	return "?";
}

/* 0x20 for the ASCII lower-case letters: c ^ imap_lower_bit[c] is c in
 * upper case. */
static const unsigned char imap_lower_bit[256] = {
	['a'] = 0x20, ['b'] = 0x20, ['c'] = 0x20, ['d'] = 0x20, ['e'] = 0x20,
	['f'] = 0x20, ['g'] = 0x20, ['h'] = 0x20, ['i'] = 0x20, ['j'] = 0x20,
	['k'] = 0x20, ['l'] = 0x20, ['m'] = 0x20, ['n'] = 0x20, ['o'] = 0x20,
	['p'] = 0x20, ['q'] = 0x20, ['r'] = 0x20, ['s'] = 0x20, ['t'] = 0x20,
	['u'] = 0x20, ['v'] = 0x20, ['w'] = 0x20, ['x'] = 0x20, ['y'] = 0x20,
	['z'] = 0x20,
};

/* Case-insensitive (ASCII), stopping at the first difference: the
 * parsers ask this of every atom for a handful of keywords, and most
 * differ in the first byte. */
bool
imap_node_text_is(const char *s, size_t len, const char *name)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i], n = (unsigned char)name[i];

		if (n == '\0' || (c ^ imap_lower_bit[c]) != (n ^ imap_lower_bit[n]))
			return false;
	}
	return name[len] == '\0';
}

char *
imap_node_strdup_upper(struct arena *a, const char *s, size_t len)
{
	char *p = arena_strndup(a, s, len);
	size_t i;

	if (p == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		p[i] = (char)toupper((unsigned char)p[i]);
	return p;
}

const struct imap_node *
imap_node_list_get(const struct imap_node *list, size_t i)
{
	if (list == NULL || (list->kind != IMAP_NODE_LIST && list->kind != IMAP_NODE_SECTION) ||
	    i >= list->count)
		return NULL;
	return list->items[i];
}

size_t
imap_node_list_count(const struct imap_node *list)
{
	if (list == NULL || (list->kind != IMAP_NODE_LIST && list->kind != IMAP_NODE_SECTION))
		return 0;
	return list->count;
}

bool
imap_node_is_atom(const struct imap_node *node, const char *name)
{
	return node != NULL && node->kind == IMAP_NODE_ATOM &&
	    imap_node_text_is(node->str, node->len, name);
}

const char *
imap_node_str(const struct imap_node *node, size_t *len_r)
{
	if (node == NULL || (node->kind != IMAP_NODE_ATOM && node->kind != IMAP_NODE_NUMBER &&
	    node->kind != IMAP_NODE_STRING))
		return NULL;
	if (len_r != NULL)
		*len_r = node->len;
	return node->str;
}

bool
imap_node_number(const struct imap_node *node, uint64_t *num_r)
{
	if (node == NULL || node->kind != IMAP_NODE_NUMBER)
		return false;
	*num_r = node->num;
	return true;
}

bool
imap_node_equal(const struct imap_node *a, const struct imap_node *b)
{
	size_t i;

	if (a == b)
		return true;
	if (a == NULL || b == NULL || a->kind != b->kind || a->len != b->len ||
	    a->num != b->num || a->is_literal != b->is_literal ||
	    a->is_literal8 != b->is_literal8 || a->is_nonsync != b->is_nonsync ||
	    a->is_glued != b->is_glued || a->count != b->count)
		return false;
	if (a->len > 0 && memcmp(a->str, b->str, a->len) != 0)
		return false;
	for (i = 0; i < a->count; i++)
		if (!imap_node_equal(a->items[i], b->items[i]))
			return false;
	if (a->kind == IMAP_NODE_SECTION)
		return imap_section_equal(a->section, b->section);
	return true;
}

static bool
imap_node_write_string(struct buf *b, const struct imap_node *n)
{
	bool has_nul = memchr(n->str, '\0', n->len) != NULL;
	size_t i;

	if (n->is_literal || has_nul || memchr(n->str, '\r', n->len) != NULL ||
	    memchr(n->str, '\n', n->len) != NULL)
		return buf_printf(b, "%s{%zu%s}\r\n", n->is_literal8 || has_nul ? "~" : "",
		    n->len, n->is_nonsync ? "+" : "") &&
		    buf_append(b, n->str, n->len);
	if (!buf_putc(b, '"'))
		return false;
	for (i = 0; i < n->len; i++) {
		if ((n->str[i] == '"' || n->str[i] == '\\') && !buf_putc(b, '\\'))
			return false;
		if (!buf_putc(b, n->str[i]))
			return false;
	}
	return buf_putc(b, '"');
}

static bool
imap_node_write_partial(struct buf *b, const struct imap_section *sec)
{
	if (sec == NULL || !sec->has_partial)
		return true;
	if (sec->has_partial_len)
		return buf_printf(b, "<%llu.%llu>", (unsigned long long)sec->partial_offset,
		    (unsigned long long)sec->partial_len);
	return buf_printf(b, "<%llu>", (unsigned long long)sec->partial_offset);
}

bool
imap_node_write_items(struct buf *b, const struct imap_node *list)
{
	size_t i, n = imap_node_list_count(list);

	for (i = 0; i < n; i++) {
		if (i > 0 && !list->items[i]->is_glued && !buf_putc(b, ' '))
			return false;
		if (!imap_node_write(b, list->items[i]))
			return false;
	}
	return true;
}

bool
imap_node_write(struct buf *b, const struct imap_node *node)
{
	switch (node->kind) {
	case IMAP_NODE_ATOM:
	case IMAP_NODE_NUMBER:
		return buf_append(b, node->str, node->len);
	case IMAP_NODE_NIL:
		return buf_puts(b, node->len > 0 ? node->str : "NIL");
	case IMAP_NODE_STRING:
		return imap_node_write_string(b, node);
	case IMAP_NODE_LIST:
		return buf_putc(b, '(') && imap_node_write_items(b, node) && buf_putc(b, ')');
	case IMAP_NODE_SECTION:
		return buf_putc(b, '[') && imap_node_write_items(b, node) &&
		    buf_putc(b, ']') && imap_node_write_partial(b, node->section);
	}
	return false;
}
