/* imap_resp_query.c: what the engine's matchers ask of a parsed IMAP
 * response, and its canonical wire form.
 *
 * RFC 9051 §7.1 (response codes: "[UIDVALIDITY n]", "[PERMANENTFLAGS
 * (...)]", ...), §7.5.2 (FETCH msg-att: pairs of item name and value, a
 * name with a section like BODY[1.2.HEADER.FIELDS (From)]<0>), §9
 * (response-tagged, response-data, continue-req, resp-text).
 *
 * imap_resp_write() puts a response back together from its parts: the
 * tag, "*" or "+", the status word in upper case, "[CODE args]" from the
 * lexed arguments (or code_text when they did not lex), the text as sent,
 * or the data items through imap_node_write(); then CRLF.
 */
#include "imap_resp.h"

#include <string.h>

#include "arena.h"
#include "buf.h"
#include "imap_private.h"

#define IMAP_FETCH_QUERY_ARENA	((size_t)64 << 10)	/* plus 512 per byte */
#define IMAP_FETCH_QUERY_DEPTH	8

const char *
imap_status_name(enum imap_status status)
{
	switch (status) {
	case IMAP_STATUS_NONE: return "";
	case IMAP_STATUS_OK: return "OK";
	case IMAP_STATUS_NO: return "NO";
	case IMAP_STATUS_BAD: return "BAD";
	case IMAP_STATUS_PREAUTH: return "PREAUTH";
	case IMAP_STATUS_BYE: return "BYE";
	}
	return "";
}

size_t
imap_resp_nargs(const struct imap_resp *r)
{
	size_t n = imap_node_list_count(r->data);

	return n > r->first_arg ? n - r->first_arg : 0;
}

const struct imap_node *
imap_resp_arg(const struct imap_resp *r, size_t i)
{
	if (r->data == NULL || i >= imap_resp_nargs(r))
		return NULL;
	return r->data->items[r->first_arg + i];
}

bool
imap_resp_code_is(const struct imap_resp *r, const char *name)
{
	return r->code != NULL && imap_node_text_is(r->code, strlen(r->code), name);
}

const struct imap_node *
imap_resp_code_arg(const struct imap_resp *r, size_t i)
{
	return imap_node_list_get(r->code_args, i);
}

/* Does the item key (+ its section, or NULL) match the query? */
static bool
imap_fetch_matches(const struct imap_node *key, const struct imap_node *sec,
    const struct imap_node *query)
{
	const struct imap_node *qkey = query->items[0];
	const struct imap_node *qsec = imap_node_list_get(query, 1);

	if (key->kind != IMAP_NODE_ATOM || !imap_node_text_is(key->str, key->len, qkey->str))
		return false;
	if (sec == NULL || qsec == NULL)
		return sec == qsec;
	return imap_section_equal(sec->section, qsec->section);
}

static const struct imap_node *
imap_fetch_find(const struct imap_node *msg_att, const struct imap_node *query)
{
	size_t i = 0, n = imap_node_list_count(msg_att);

	while (i < n) {
		const struct imap_node *key = msg_att->items[i];
		const struct imap_node *sec = NULL;

		if (i + 1 < n && msg_att->items[i + 1]->kind == IMAP_NODE_SECTION)
			sec = msg_att->items[++i];
		if (imap_fetch_matches(key, sec, query))
			return i + 1 < n ? msg_att->items[i + 1] : NULL;
		i += 2;
	}
	return NULL;
}

const struct imap_node *
imap_fetch_item_in(const struct imap_node *msg_att, const char *name)
{
	struct arena *a;
	struct imap_lex lx;
	const struct imap_node *q, *found = NULL;
	size_t pos = 0, len;

	if (msg_att == NULL || msg_att->kind != IMAP_NODE_LIST || name == NULL)
		return NULL;
	len = strlen(name);
	if (len > SIZE_MAX / 1024)
		return NULL;
	a = arena_new(IMAP_FETCH_QUERY_ARENA + 512 * len);
	if (a == NULL)
		return NULL;
	if (imap_lex_init(&lx, a, IMAP_FETCH_QUERY_DEPTH, len + 2, false)) {
		if (imap_lex_begin(&lx, IMAP_LEX_ROOT, false) &&
		    imap_lex_run(&lx, name, len, &pos) == IMAP_LEX_END) {
			q = imap_lex_root(&lx);
			if ((q->count == 1 && q->items[0]->kind == IMAP_NODE_ATOM) ||
			    (q->count == 2 && q->items[1]->kind == IMAP_NODE_SECTION))
				found = imap_fetch_find(msg_att, q);
		}
		imap_lex_release(&lx);
	}
	arena_free(&a);
	return found;
}

const struct imap_node *
imap_fetch_item(const struct imap_resp *r, const char *name)
{
	if (r->name == NULL || strcmp(r->name, "FETCH") != 0)
		return NULL;
	return imap_fetch_item_in(imap_resp_arg(r, 0), name);
}

static bool
imap_resp_write_code(struct buf *b, const struct imap_resp *r)
{
	if (!buf_putc(b, '[') || !buf_puts(b, r->code))
		return false;
	if (r->code_args != NULL) {
		if (r->code_args->count > 0 && !r->code_args->items[0]->is_glued &&
		    !buf_putc(b, ' '))
			return false;
		if (!imap_node_write_items(b, r->code_args))
			return false;
	} else if (!buf_putc(b, ' ') || !buf_puts(b, r->code_text)) {
		/* arguments that did not lex always followed an SP */
		return false;
	}
	return buf_putc(b, ']');
}

/* [SP] ["[" code "]"] [SP text] after the status word or "+". */
static bool
imap_resp_write_text(struct buf *b, const struct imap_resp *r)
{
	if (r->code == NULL && r->text_len == 0)
		return true;
	if (!buf_putc(b, ' '))
		return false;
	if (r->code != NULL && !imap_resp_write_code(b, r))
		return false;
	if (r->code != NULL && r->text_len > 0 && !buf_putc(b, ' '))
		return false;
	return buf_append(b, r->text, r->text_len);
}

bool
imap_resp_write(struct buf *b, const struct imap_resp *r)
{
	bool ok;

	switch (r->kind) {
	case IMAP_RESP_CONTINUATION:
		ok = buf_putc(b, '+') && (r->code != NULL || r->text_len > 0 ?
		    imap_resp_write_text(b, r) : buf_putc(b, ' '));
		break;
	case IMAP_RESP_TAGGED:
	case IMAP_RESP_UNTAGGED:
		ok = buf_puts(b, r->tag) && buf_putc(b, ' ');
		if (ok && r->status != IMAP_STATUS_NONE)
			ok = buf_puts(b, imap_status_name(r->status)) && imap_resp_write_text(b, r);
		else if (ok)
			ok = imap_node_write_items(b, r->data);
		break;
	default:
		ok = false;
	}
	return ok && buf_append(b, "\r\n", 2);
}
