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
 *   kind, tag, status, code, text, keyword and an equal node tree;
 * - imap_fetch_item() finds the value of every item of a FETCH list.
 */
#include "fuzz_util.h"

#include "buf.h"
#include "imap_resp.h"

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

/* Every FETCH item is found by its own name. */
static void
fetch_check(const struct imap_resp *r)
{
	const struct imap_node *att = imap_resp_arg(r, 0);
	struct buf name;
	size_t i = 0, n = imap_node_list_count(att);

	if (r->name == NULL || strcmp(r->name, "FETCH") != 0 || att == NULL ||
	    att->kind != IMAP_NODE_LIST)
		return;
	buf_init(&name, 1 << 16);
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
		    imap_fetch_item(r, name.data) == NULL)
			fuzz_fail("fetch item not found by its name");
		i = v + 1;
	}
	buf_release(&name);
}

/* Write r, parse it again with roomy limits: the same response. */
static void
round_trip(const struct imap_resp *r)
{
	struct imap_resp_parser *p = imap_resp_parser_new(NULL);
	struct imap_resp a;
	struct buf w;
	uint8_t *copy;

	buf_init(&w, 1 << 24);
	if (p == NULL || !imap_resp_write(&w, r))
		fuzz_fail("write");
	copy = fuzz_dup((const uint8_t *)w.data, w.len);
	if (imap_resp_parser_feed(p, copy, w.len) != w.len || imap_resp_parser_next(p, &a) != 1)
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
	if (a.raw_len != w.len || imap_resp_parser_pending(p) != 0)
		fuzz_fail("round trip raw");
	free(copy);
	buf_release(&w);
	imap_resp_parser_free(&p);
}

static void
resp_record(struct buf *out, const struct imap_resp *r)
{
	resp_check(r);
	fetch_check(r);
	round_trip(r);
	buf_printf(out, "R%zu:", r->raw_len);
	buf_append(out, r->raw, r->raw_len);
	buf_printf(out, "|%d|%d|%zu|%d|", (int)r->kind, (int)r->status, r->first_arg,
	    r->code_args != NULL);
	imap_resp_write(out, r);
}

static void
take_all(struct imap_resp_parser *p, struct buf *out)
{
	struct imap_resp r;
	int rc;

	while ((rc = imap_resp_parser_next(p, &r)) != 0) {
		if (rc < 0) {
			enum imap_error e = imap_resp_parser_error(p);

			if (e == IMAP_ERR_NONE || e == IMAP_ERR_NOMEM)
				fuzz_fail("bad error code");
			buf_printf(out, "E%d\n", (int)e);
		} else {
			resp_record(out, &r);
		}
	}
}

struct resp_run {
	struct imap_resp_parser *p;
	struct buf *out;
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

	take_all(r->p, r->out);
}

/* Parse stream in chunks from the pattern (NULL: whole); record items. */
static void
run(const struct imap_limits *lim, const uint8_t *stream, size_t len,
    const uint8_t *pattern, struct buf *out)
{
	struct resp_run r = { imap_resp_parser_new(lim), out };
	struct fuzz_feeder f = { resp_feed, resp_drain, NULL, &r };

	if (r.p == NULL)
		abort();
	fuzz_feed_chunks(&f, stream, len, pattern);
	buf_printf(out, "pending %zu\n", imap_resp_parser_pending(r.p));
	imap_resp_parser_free(&r.p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imap_limits lim = { 0 };
	struct buf whole, chunked;

	if (size < FUZZ_HEADER)
		return 0;
	lim.max_line = max_line_opts[data[0] & 3];
	lim.max_literal = max_literal_opts[(data[0] >> 2) & 3];
	lim.max_depth = max_depth_opts[(data[0] >> 4) & 3];
	lim.max_nodes = max_nodes_opts[(data[0] >> 6) & 3];
	buf_init(&whole, 1 << 26);
	buf_init(&chunked, 1 << 26);
	buf_puts(&whole, "");
	buf_puts(&chunked, "");
	run(&lim, data + FUZZ_HEADER, size - FUZZ_HEADER, NULL, &whole);
	run(&lim, data + FUZZ_HEADER, size - FUZZ_HEADER, data + 1, &chunked);
	if (whole.len != chunked.len || memcmp(whole.data, chunked.data, whole.len) != 0)
		fuzz_fail("whole and chunked feeds differ");
	buf_release(&whole);
	buf_release(&chunked);
	return 0;
}
