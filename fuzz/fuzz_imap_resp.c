/* fuzz_imap_resp.c: libFuzzer harness for the IMAP response parser
 * (engine/proto/imap_resp.c, imap_resp_query.c, imap_lex.c,
 * imap_frame.c, imap_section.c, imap_node.c): RFC 9051 §2.2.2, §4, §7, §9;
 * RFC 3516 (literal8).
 *
 * Input: byte 0 picks the limits (bits 0-1 max_line, bits 2-3
 * max_literal, bits 4-5 max_depth, bits 6-7 max_nodes), bytes 1-3 a chunk
 * pattern, the rest is the server's byte stream. Oracles:
 * - fed whole and fed in chunks, the stream gives identical responses
 *   (raw bytes, canonical form, parts) and errors;
 * - every response keeps the header's promises (raw ends in CRLF, kinds
 *   and statuses agree, strings are NUL-terminated);
 * - parse -> imap_resp_write() -> parse gives the same response: the same
 *   kind, tag, status, code, text, keyword and an equal node tree (the
 *   second parse is skipped when the text written is the text parsed);
 * - imap_fetch_item() finds the value of every item of a FETCH list;
 * - the query helpers agree with the tree: every node is reached by its
 *   path with imap_node_list_get(), imap_node_str() and
 *   imap_node_number() read what the node holds, imap_node_equal() is
 *   reflexive and symmetric, imap_node_write() into a buffer with a small
 *   maximum fails exactly when the node's text is longer, the response
 *   helpers (nargs, arg, code_is, code_arg, fetch_item_in) agree with the
 *   fields, and every error has its own message.
 */
#include "fuzz_util.h"

#include "buf.h"
#include "imap_resp.h"

FUZZ_ASAN_DEFAULTS()

static const size_t max_line_opts[] = { 0, 4, 40, 700 };
static const size_t max_literal_opts[] = { 0, 1, 16, 1000 };
static const size_t max_depth_opts[] = { 0, 1, 3, 20 };
static const size_t max_nodes_opts[] = { 0, 2, 10, 300 };

static bool
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static void
resp_check(const struct imap_resp *r)
{
	if (r->raw == NULL || r->raw_len < 3 || r->raw[r->raw_len - 2] != '\r' ||
	    r->raw[r->raw_len - 1] != '\n' || r->tag == NULL || r->text == NULL ||
	    r->text[r->text_len] != '\0')
		fuzz_fail("raw, tag or text");
	switch (r->kind) {
	case IMAP_RESP_CONTINUATION:
		if (r->raw[0] != '+' || r->status != IMAP_STATUS_NONE || r->data != NULL)
			fuzz_fail("continuation");
		break;
	case IMAP_RESP_UNTAGGED:
		if (r->raw[0] != '*' || (r->status == IMAP_STATUS_NONE) != (r->data != NULL))
			fuzz_fail("untagged");
		if (r->data != NULL && (r->name == NULL || r->first_arg != (r->has_number ? 2u : 1u)))
			fuzz_fail("untagged data");
		break;
	case IMAP_RESP_TAGGED:
		if (r->status < IMAP_STATUS_OK || r->status > IMAP_STATUS_BAD ||
		    strncmp(r->raw, r->tag, strlen(r->tag)) != 0)
			fuzz_fail("tagged");
		break;
	}
	if (r->code != NULL && (r->code_text == NULL || r->code[0] == '\0'))
		fuzz_fail("code");
}

/* The query helpers on node and its subtree (depth: how far down). */
static void
node_check(const struct imap_node *node, unsigned depth)
{
	static struct buf whole, small;
	const struct imap_node *prev = NULL;
	const char *s;
	size_t i, n, len = 0;
	uint64_t num = 0;
	bool ok;

	if (strcmp(imap_node_kind_name(node->kind), "?") == 0)
		fuzz_fail("node kind without a name");
	s = imap_node_str(node, &len);
	if ((s != NULL) != (node->kind == IMAP_NODE_ATOM || node->kind == IMAP_NODE_NUMBER ||
	    node->kind == IMAP_NODE_STRING) || (s != NULL && (s != node->str || len != node->len)))
		fuzz_fail("imap_node_str");
	if (imap_node_number(node, &num) != (node->kind == IMAP_NODE_NUMBER) ||
	    (node->kind == IMAP_NODE_NUMBER && num != node->num))
		fuzz_fail("imap_node_number");
	if (node->kind == IMAP_NODE_ATOM && memchr(node->str, '\0', node->len) == NULL &&
	    !imap_node_is_atom(node, node->str))
		fuzz_fail("an atom is not itself");
	if (imap_node_is_atom(node, "") && node->len != 0)
		fuzz_fail("imap_node_is_atom of the empty name");
	if (!imap_node_equal(node, node))
		fuzz_fail("imap_node_equal is not reflexive");
	/* the written text, and the same into a buffer that may be too small
	 * (for the items of the response, not again for every subtree) */
	if (depth > 1)
		goto children;
	fuzz_out_begin(&whole, 1 << 24);
	fuzz_out_begin(&small, node->len / 2 + depth);
	if (!imap_node_write(&whole, node))
		fuzz_fail("imap_node_write");
	ok = imap_node_write(&small, node);
	if (ok != (whole.len <= small.max) || (ok && (small.len != whole.len ||
	    memcmp(small.data, whole.data, whole.len) != 0)))
		fuzz_fail("imap_node_write at the buffer's maximum");
children:
	n = imap_node_list_count(node);
	if (n != ((node->kind == IMAP_NODE_LIST || node->kind == IMAP_NODE_SECTION) ?
	    node->count : 0) || imap_node_list_get(node, n) != NULL)
		fuzz_fail("imap_node_list_count");
	for (i = 0; i < n; i++) {
		const struct imap_node *c = imap_node_list_get(node, i);

		if (c == NULL || c != node->items[i] || (i + 1 < n) != (c->next != NULL))
			fuzz_fail("imap_node_list_get");
		if (prev != NULL && imap_node_equal(prev, c) != imap_node_equal(c, prev))
			fuzz_fail("imap_node_equal is not symmetric");
		if (depth < 8)
			node_check(c, depth + 1);
		prev = c;
	}
}

/* The response helpers agree with the fields. */
static void
query_check(const struct imap_resp *r)
{
	size_t i, n;

	if (imap_status_name(r->status) == NULL ||
	    (r->status == IMAP_STATUS_NONE) != (imap_status_name(r->status)[0] == '\0'))
		fuzz_fail("imap_status_name");
	if (r->code != NULL && !imap_resp_code_is(r, r->code))
		fuzz_fail("imap_resp_code_is of its own code");
	if (r->code == NULL && imap_resp_code_is(r, "ALERT"))
		fuzz_fail("imap_resp_code_is without a code");
	n = imap_node_list_count(r->code_args);
	for (i = 0; i <= n; i++)
		if (imap_resp_code_arg(r, i) != imap_node_list_get(r->code_args, i))
			fuzz_fail("imap_resp_code_arg");
	n = imap_resp_nargs(r);
	if (r->data != NULL && n != imap_node_list_count(r->data) - r->first_arg)
		fuzz_fail("imap_resp_nargs");
	for (i = 0; i <= n; i++)
		if (imap_resp_arg(r, i) != imap_node_list_get(r->data, r->first_arg + i))
			fuzz_fail("imap_resp_arg");
	if (r->data != NULL)
		node_check(r->data, 0);
	if (r->code_args != NULL)
		node_check(r->code_args, 0);
}

/* Every FETCH item is found by its own name. */
static void
fetch_check(const struct imap_resp *r)
{
	const struct imap_node *att = imap_resp_arg(r, 0);
	static struct buf name;
	size_t i = 0, n = imap_node_list_count(att);

	if (r->name == NULL || strcmp(r->name, "FETCH") != 0 || att == NULL ||
	    att->kind != IMAP_NODE_LIST)
		return;
	fuzz_out_begin(&name, 1 << 16);
	while (i + 1 < n) {
		const struct imap_node *key = att->items[i];
		size_t v = i + 1;

		buf_clear(&name);
		buf_puts(&name, "");
		if (key->kind != IMAP_NODE_ATOM)
			break;
		buf_append(&name, key->str, key->len);
		if (att->items[v]->kind == IMAP_NODE_SECTION) {
			if (!imap_node_write(&name, att->items[v++]) || v == n)
				break;
		}
		/* a section holding literals has no one-line name */
		if (memchr(name.data, '\n', name.len) == NULL &&
		    memchr(name.data, '\0', name.len) == NULL &&
		    (imap_fetch_item(r, name.data) == NULL ||
		    imap_fetch_item_in(att, name.data) != imap_fetch_item(r, name.data)))
			fuzz_fail("fetch item not found by its name");
		i = v + 1;
	}
}

/* w[0..n) is r written: parsed again with roomy limits, the same response. */
static void
round_trip(const struct imap_resp *r, const char *w, size_t n)
{
	static struct imap_resp_parser *p;
	struct imap_resp a;
	uint8_t *copy;

	if (p == NULL && (p = imap_resp_parser_new(NULL)) == NULL)
		abort();
	imap_resp_parser_reset(p);
	copy = fuzz_hold(w, n);
	if (imap_resp_parser_feed(p, copy, n) != n || imap_resp_parser_next(p, &a) != 1)
		fuzz_fail("written response does not parse");
	if (a.kind != r->kind || !str_eq(a.tag, r->tag) || a.status != r->status ||
	    !str_eq(a.code, r->code) || a.text_len != r->text_len ||
	    memcmp(a.text, r->text, a.text_len) != 0 || !str_eq(a.name, r->name) ||
	    a.has_number != r->has_number || a.number != r->number ||
	    a.first_arg != r->first_arg || !imap_node_equal(a.data, r->data))
		fuzz_fail("round trip changed the response");
	if ((a.code_args == NULL) != (r->code_args == NULL) ||
	    (a.code_args != NULL ? !imap_node_equal(a.code_args, r->code_args) :
	    !str_eq(a.code_text, r->code_text)))
		fuzz_fail("round trip changed the response code");
	if (a.raw_len != n || imap_resp_parser_pending(p) != 0)
		fuzz_fail("round trip raw");
	fuzz_release(copy, n);
	imap_resp_parser_reset(p);	/* its memory goes back now (fuzz_util.h) */
}

/* Check r and append its record. The checks that walk the tree run on
 * the whole feed's responses only: the chunked feed's must have the same
 * records (raw bytes and canonical form), so they are the same responses
 * and would pass or fail the same way at twice the cost. */
static void
resp_record(struct buf *out, const struct imap_resp *r, bool is_deep)
{
	size_t start;
	uint64_t head[] = { r->raw_len, (uint64_t)r->kind, (uint64_t)r->status,
	    r->first_arg, r->code_args != NULL };

	resp_check(r);
	if (is_deep) {
		query_check(r);
		fetch_check(r);
	}
	buf_append(out, head, sizeof(head));	/* the numbers in one call */
	buf_append(out, r->raw, r->raw_len);
	start = out->len;
	if (!imap_resp_write(out, r) && is_deep)
		fuzz_fail("write");
	/* The record's canonical form is the written text. When it is the
	 * very bytes just parsed (nine responses in ten), parsing it again
	 * would repeat that parse: the limits only decide whether a response
	 * is taken, and the chunked feed checks that the same bytes give the
	 * same response. */
	if (is_deep && (out->len - start != r->raw_len ||
	    memcmp(out->data + start, r->raw, r->raw_len) != 0))
		round_trip(r, out->data + start, out->len - start);
}

static void
take_all(struct imap_resp_parser *p, struct buf *out, bool is_deep)
{
	struct imap_resp r;
	int rc;

	/* error codes whose message was checked (it depends on the code only) */
	static bool has_message[256];

	while ((rc = imap_resp_parser_next(p, &r)) != 0) {
		if (rc < 0) {
			enum imap_error e = imap_resp_parser_error(p);
			uint64_t rec[] = { UINT64_MAX, (uint64_t)e };	/* no raw_len */

			if (e == IMAP_ERR_NONE || e == IMAP_ERR_NOMEM || (unsigned)e >= 256)
				fuzz_fail("bad error code");
			if (!has_message[e]) {
				if (strcmp(imap_error_str(e), imap_error_str((enum imap_error)-1)) == 0)
					fuzz_fail("an error without its own message");
				has_message[e] = true;
			}
			buf_append(out, rec, sizeof(rec));
		} else {
			resp_record(out, &r, is_deep);
		}
	}
}

struct resp_run {
	struct imap_resp_parser *p;
	struct buf *out;
	bool is_deep;
};

static size_t
resp_feed(void *ctx, const void *data, size_t len)
{
	return imap_resp_parser_feed(((struct resp_run *)ctx)->p, data, len);
}

static void
resp_drain(void *ctx)
{
	struct resp_run *r = ctx;

	take_all(r->p, r->out, r->is_deep);
}

/* Parse stream in chunks from the pattern (NULL: whole); record items. */
static void
run(struct imap_resp_parser *p, const uint8_t *stream, size_t len,
    const uint8_t *pattern, struct buf *out)
{
	struct resp_run r = { p, out, pattern == NULL };
	struct fuzz_feeder f = { resp_feed, resp_drain, NULL, &r };

	imap_resp_parser_reset(p);
	fuzz_feed_chunks(&f, stream, len, pattern);
	fuzz_rec_str(out, "pending");
	fuzz_rec_num(out, imap_resp_parser_pending(p));
	imap_resp_parser_reset(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* one parser per limits, kept from one input to the next (reset) */
	static struct imap_resp_parser *parsers[256];
	static struct buf whole, chunked;
	struct imap_limits lim = { 0 };
	unsigned k;

	if (size < FUZZ_HEADER)
		return 0;
	k = data[0];
	lim.max_line = max_line_opts[k & 3];
	lim.max_literal = max_literal_opts[(k >> 2) & 3];
	lim.max_depth = max_depth_opts[(k >> 4) & 3];
	lim.max_nodes = max_nodes_opts[(k >> 6) & 3];
	if (parsers[k] == NULL && (parsers[k] = imap_resp_parser_new(&lim)) == NULL)
		abort();
	fuzz_out_begin(&whole, 1 << 26);
	fuzz_out_begin(&chunked, 1 << 26);
	run(parsers[k], data + FUZZ_HEADER, size - FUZZ_HEADER, NULL, &whole);
	run(parsers[k], data + FUZZ_HEADER, size - FUZZ_HEADER, data + 1, &chunked);
	if (whole.len != chunked.len || memcmp(whole.data, chunked.data, whole.len) != 0)
		fuzz_fail("whole and chunked feeds differ");
	return 0;
}
