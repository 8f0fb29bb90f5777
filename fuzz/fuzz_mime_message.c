/* fuzz_mime_message.c: libFuzzer harness for the MIME parser
 * (engine/proto/mime*.c: RFC 5322 header fields, RFC 2045 MIME fields,
 * RFC 2046 §5.1 multipart boundaries, §5.2.1 message/rfc822).
 *
 * Input: byte 0 picks the limits, bytes 1-3 a chunk pattern, the rest is
 * the message. The message is parsed fed whole and fed in chunks, each
 * chunk an exact-size heap copy; the trees (types, parameters, offsets,
 * sizes, lines, fields, problems with offsets and counts) must be
 * identical, and every part must keep mime.h's promises: header and body
 * inside the input, children inside their parent's body and in order,
 * fields inside the header, problem lists matching the masks. The bodies
 * of base64 and quoted-printable leaves are decoded too.
 */
#include "fuzz_util.h"

#include <stdbool.h>

#include "buf.h"
#include "mime.h"
#include "mime_base64.h"
#include "mime_qp.h"

FUZZ_ASAN_DEFAULTS()

static const unsigned depth_opts[] = { 0, 1, 2, 4 };
static const size_t parts_opts[] = { 0, 1, 3, 16 };
static const size_t header_opts[] = { 0, 16, 64, 300 };
static const size_t memory_opts[] = { 0, 0, 0, 8192 };

/* True when the arena may run out: the parser then gives up early. */
static bool is_memory_limited;
/* True while the tree of the whole feed is recorded: bodies are decoded
 * then only, the chunked feed's tree having to have the same records. */
static bool is_whole_feed;

static void
record_params(struct buf *out, const struct mime_param *prm)
{
	for (; prm != NULL; prm = prm->next) {
		uint64_t rec[] = { prm->is_extended, prm->value_len };

		if (prm->name == NULL || prm->value == NULL || prm->charset == NULL ||
		    prm->language == NULL || prm->value[prm->value_len] != '\0')
			fuzz_fail("parameter strings");
		fuzz_rec_str(out, prm->name);
		buf_append(out, rec, sizeof(rec));
		fuzz_rec_str(out, prm->charset);
		fuzz_rec_str(out, prm->language);
		buf_append(out, prm->value, prm->value_len);
	}
}

/* Decode a leaf's body; the decoders must stay within their bounds and
 * agree with the parser's problems. */
static void
check_body(const uint8_t *msg, const struct mime_part *part)
{
	unsigned char *out;
	size_t n, max;

	if (part->kind != MIME_PART_LEAF ||
	    (part->cte != MIME_CTE_BASE64 && part->cte != MIME_CTE_QP))
		return;
	/* exactly the decoder's bound: a write past it lands on poison */
	max = part->cte == MIME_CTE_BASE64 ? MIME_BASE64_DECODED_MAX(part->body_size) :
	    MIME_QP_DECODED_MAX(part->body_size);
	out = fuzz_hold(NULL, max);
	if (part->cte == MIME_CTE_BASE64) {
		struct mime_base64_decoder d;

		mime_base64_decoder_init(&d);
		n = mime_base64_decode_update(&d, msg + part->body_offset, part->body_size, out);
		if (n > MIME_BASE64_DECODED_MAX(part->body_size))
			fuzz_fail("base64 output bound");
		n += mime_base64_decode_final(&d, out + n);
		if (n > part->body_size)
			fuzz_fail("base64 grew");
		if (!is_memory_limited &&
		    (d.problems != 0) != mime_part_has_problem(part, MIME_PROB_BAD_BASE64))
			fuzz_fail("base64 problem differs from the parser's");
	} else {
		struct mime_qp_decoder d;

		mime_qp_decoder_init(&d);
		n = mime_qp_decode_update(&d, msg + part->body_offset, part->body_size, out);
		n += mime_qp_decode_final(&d, out + n);
		if (n > part->body_size)
			fuzz_fail("quoted-printable grew");
		if (!is_memory_limited &&
		    (d.problems != 0) != mime_part_has_problem(part, MIME_PROB_BAD_QP))
			fuzz_fail("quoted-printable problem differs from the parser's");
	}
	fuzz_release(out, max);
}

static void
check_fields(const struct mime_part *part, struct buf *out)
{
	const struct mime_header_field *f;
	size_t n = 0;

	for (f = part->fields; f != NULL; f = f->next, n++) {
		uint64_t rec[] = { f->offset, f->size };

		if (f->offset < part->offset || f->size > part->header_size ||
		    f->offset + f->size > part->body_offset)
			fuzz_fail("field outside the header");
		if (f->raw[f->raw_len] != '\0' || f->value[f->value_len] != '\0' ||
		    f->value_len > f->raw_len || f->name[0] == '\0')
			fuzz_fail("field strings");
		buf_append(out, rec, sizeof(rec));
		fuzz_rec_str(out, f->name);
	}
	if (n != part->nfields)
		fuzz_fail("nfields");
}

static void
check_problems(const struct mime_part *part, struct buf *out)
{
	const struct mime_problem *pr;
	uint32_t mask = 0;

	for (pr = part->problems; pr != NULL; pr = pr->next) {
		uint64_t rec[] = { (uint64_t)pr->code, pr->offset, pr->count };

		/* the message is mime_problem_str()'s own string */
		if (pr->code <= MIME_PROB_NONE || pr->code >= MIME_PROB_COUNT ||
		    pr->count == 0 || (mask & (1u << pr->code)) != 0 ||
		    pr->message != mime_problem_str(pr->code))
			fuzz_fail("problem list");
		mask |= 1u << pr->code;
		if (!is_memory_limited)
			buf_append(out, rec, sizeof(rec));
	}
	/* When the arena runs out in the middle of a line, which of the
	 * line's problems still got a record depends on the order they were
	 * found in, which depends on chunking: compare the masks only. */
	if (is_memory_limited)
		fuzz_rec_num(out, part->problem_mask);
	/* a full arena may leave a problem in the mask only */
	if (is_memory_limited ? (mask & ~part->problem_mask) != 0 : mask != part->problem_mask)
		fuzz_fail("problem mask");
}

/* Check one part and its subtree; append its record to out. */
static void
record_part(const uint8_t *msg, size_t len, const struct mime_part *part, struct buf *out,
    size_t *nparts)
{
	const struct mime_part *c, *prev = NULL;
	/* the numbers in one append: ASan checks every copy */
	uint64_t rec[] = { part->depth, (uint64_t)part->kind, (uint64_t)part->cte,
		part->offset, part->header_size, part->body_offset, part->body_size,
		part->body_lines };
	size_t n = 0;

	(*nparts)++;
	if (part->offset + part->header_size != part->body_offset ||
	    part->body_offset > len || part->body_size > len - part->body_offset ||
	    part->body_lines > part->body_size)
		fuzz_fail("part outside the message");
	if (part->type == NULL || part->subtype == NULL || part->cte_name == NULL)
		fuzz_fail("part strings");
	buf_append(out, rec, sizeof(rec));
	fuzz_rec_str(out, part->type);
	fuzz_rec_str(out, part->subtype);
	fuzz_rec_str(out, part->cte_name);
	record_params(out, part->type_params);
	fuzz_rec_str(out, part->disposition != NULL ? part->disposition : "(none)");
	record_params(out, part->disposition_params);
	check_fields(part, out);
	check_problems(part, out);
	fuzz_rec_str(out, "end of part");
	if (is_whole_feed)
		check_body(msg, part);
	if (part->kind == MIME_PART_MULTIPART && part->boundary == NULL)
		fuzz_fail("multipart without boundary");
	for (c = part->children; c != NULL; prev = c, c = c->next, n++) {
		if (c->parent != part || c->depth != part->depth + 1 ||
		    c->offset < part->body_offset ||
		    c->body_offset + c->body_size > part->body_offset + part->body_size ||
		    (prev != NULL && c->offset < prev->body_offset + prev->body_size))
			fuzz_fail("child outside its parent");
		record_part(msg, len, c, out, nparts);
	}
	if (n != part->nchildren || (part->kind == MIME_PART_MESSAGE && n != 1) ||
	    (part->kind == MIME_PART_LEAF && n != 0))
		fuzz_fail("children");
}

static void
run(struct mime_parser *p, const struct mime_limits *lim, const uint8_t *msg, size_t len,
    const uint8_t *pattern, struct buf *out)
{
	const struct mime_part *root;
	size_t k, pos, nchunks = 0, nparts = 0;
	unsigned sec[3] = { 1, 2, 1 };

	/* p comes reset, from mime_parser_new() or the end of the last run */
	is_whole_feed = pattern == NULL;
	/* the chunks of fuzz_feed_chunks(), each an exact heap copy, without
	 * its draining and its stop and stuck checks: the parser takes every
	 * byte, never stops, and the tree is taken at the end */
	for (pos = 0; pos < len; pos += k) {
		uint8_t *chunk;

		k = pattern != NULL ? fuzz_chunk_size(pattern, nchunks++, len - pos) : len - pos;
		chunk = fuzz_hold(msg + pos, k);
		mime_parser_feed(p, chunk, k);
		fuzz_release(chunk, k);
	}
	root = mime_parser_finish(p);
	if (mime_parser_offset(p) != len || root->offset != 0 ||
	    root->body_offset + root->body_size != len)
		fuzz_fail("the message is not covered");
	record_part(msg, len, root, out, &nparts);
	if (nparts != mime_parser_part_count(p) ||
	    (lim->max_parts != 0 && nparts > lim->max_parts))
		fuzz_fail("part count");
	for (k = 0; k <= 3; k++) {
		const struct mime_part *part = mime_part_by_section(root, sec, k);

		fuzz_rec_num(out, part != NULL ? part->offset : (size_t)-1);
	}
	mime_parser_reset(p);	/* its memory goes back now (fuzz_util.h) */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* one parser per limits, kept from one input to the next (reset) */
	static struct mime_parser *parsers[256];
	static struct buf whole, chunked;
	struct mime_limits lim;
	uint8_t *msg;
	size_t len;
	unsigned k;

	if (size < FUZZ_HEADER)
		return 0;
	k = data[0];
	memset(&lim, 0, sizeof(lim));
	lim.max_depth = depth_opts[k & 3];
	lim.max_parts = parts_opts[(k >> 2) & 3];
	lim.max_header_size = header_opts[(k >> 4) & 3];
	lim.max_memory = memory_opts[(k >> 6) & 3];
	is_memory_limited = lim.max_memory != 0;
	if (parsers[k] == NULL && (parsers[k] = mime_parser_new(&lim)) == NULL)
		abort();
	len = size - FUZZ_HEADER;
	msg = fuzz_hold(data + FUZZ_HEADER, len);
	fuzz_out_begin(&whole, 1 << 26);
	fuzz_out_begin(&chunked, 1 << 26);
	run(parsers[k], &lim, msg, len, NULL, &whole);
	run(parsers[k], &lim, msg, len, data + 1, &chunked);
	if (whole.len != chunked.len || memcmp(whole.data, chunked.data, whole.len) != 0)
		fuzz_fail("whole and chunked feeds differ");
	fuzz_release(msg, len);
	return 0;
}
