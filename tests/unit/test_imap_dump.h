/* test_imap_dump.h: a typed text form of IMAP nodes for the unit tests of
 * engine/proto/imap_*.c (included by test_imap_resp.c and test_imap_cmd.c).
 *
 *   ATOM as sent        NUMBER #digits        NIL   NIL
 *   quoted "text"       literal {text}        literal8 ~{text}   {n+} {+text}
 *   LIST (a b)          a glued item is preceded by ^ instead of SP
 *   SECTION [items]=1.2.HEADER.FIELDS<0.100>  (the decoded spec)
 * String bytes go through buf_append_escaped().
 */
#ifndef MAILSPEC_TEST_IMAP_DUMP_H
#define MAILSPEC_TEST_IMAP_DUMP_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "imap_node.h"

#define S(lit) lit, sizeof(lit) - 1
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void dump_node(struct buf *out, const struct imap_node *n);

/* Items [from, count) of a container, each after SP (or ^ when glued). */
static void
dump_items(struct buf *out, const struct imap_node *list, size_t from, int lead)
{
	size_t i;

	for (i = from; i < imap_node_list_count(list); i++) {
		const struct imap_node *c = imap_node_list_get(list, i);

		if (i > from || lead)
			buf_putc(out, c->is_glued ? '^' : ' ');
		dump_node(out, c);
	}
}

static void
dump_section(struct buf *out, const struct imap_section *sec)
{
	size_t i;

	buf_putc(out, '=');
	for (i = 0; i < sec->nparts; i++)
		buf_printf(out, "%s%u", i > 0 ? "." : "", (unsigned)sec->parts[i]);
	if (sec->nparts > 0 && sec->text[0] != '\0')
		buf_putc(out, '.');
	buf_puts(out, sec->text);
	if (sec->has_partial && sec->has_partial_len)
		buf_printf(out, "<%llu.%llu>", (unsigned long long)sec->partial_offset,
		    (unsigned long long)sec->partial_len);
	else if (sec->has_partial)
		buf_printf(out, "<%llu>", (unsigned long long)sec->partial_offset);
}

static void
dump_node(struct buf *out, const struct imap_node *n)
{
	switch (n->kind) {
	case IMAP_NODE_ATOM:
		buf_append(out, n->str, n->len);
		break;
	case IMAP_NODE_NUMBER:
		buf_printf(out, "#%s", n->str);
		break;
	case IMAP_NODE_NIL:
		buf_puts(out, "NIL");
		break;
	case IMAP_NODE_STRING:
		if (n->is_literal)
			buf_puts(out, n->is_literal8 ? "~{" : "{");
		else
			buf_putc(out, '"');
		if (n->is_nonsync)
			buf_putc(out, '+');
		buf_append_escaped(out, n->str, n->len);
		buf_putc(out, n->is_literal ? '}' : '"');
		break;
	case IMAP_NODE_LIST:
		buf_putc(out, '(');
		dump_items(out, n, 0, 0);
		buf_putc(out, ')');
		break;
	case IMAP_NODE_SECTION:
		buf_putc(out, '[');
		dump_items(out, n, 0, 0);
		buf_putc(out, ']');
		dump_section(out, n->section);
		break;
	}
}

static const char *
err_name(enum imap_error err)
{
	static const char *const names[] = {
		"NONE", "LINE_TOO_LONG", "TOO_LARGE", "LITERAL_TOO_LARGE",
		"NONSYNC_TOO_LARGE", "NONSYNC_LITERAL", "BAD_LITERAL", "LITERAL_NUL",
		"BARE_CR", "BARE_LF", "NUL", "TOO_DEEP", "TOO_MANY_NODES", "BAD_CHAR",
		"BAD_SPACE", "EXPECTED_SP", "BAD_QUOTED", "UNTERMINATED_QUOTED",
		"UNBALANCED", "BAD_SECTION", "BAD_TAG", "BAD_RESPONSE", "BAD_STATUS",
		"MISSING_COMMAND", "BAD_SEQSET", "SEQSET_RANGE", "NOMEM",
	};

	return (size_t)err < NELEM(names) ? names[err] : "?";
}

/* A heap copy of exactly len bytes, so ASan sees any read past it. */
static char *
dup_exact(const char *p, size_t len)
{
	char *q = malloc(len > 0 ? len : 1);

	if (len > 0)
		memcpy(q, p, len);
	return q;
}

#endif
