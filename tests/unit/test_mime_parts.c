/* test_mime_parts.c: unit tests for the MIME parser's tree
 * (engine/proto/mime*.c) on whole messages: the RFC 2046 §5.1.1 example
 * with preamble and epilogue, RFC 2049 Appendix A's nested example
 * (multipart/parallel, message/rfc822), header fields (RFC 5322 §2.2,
 * RFC 2045 §7-§8, RFC 2183, RFC 3282, RFC 2557, RFC 1864), IMAP part
 * numbers (RFC 9051 §6.4.5), reuse, limits and out-of-memory, and
 * boundary lines longer than what the parser holds back. */
#include <stdio.h>

#include "mime_test_util.h"

#define MV "MIME-Version: 1.0\r\n"
#define MP(b) MV "Content-Type: multipart/mixed; boundary=" b "\r\n\r\n"

/* RFC 2046 §5.1.1, the message as printed (lines end in CRLF). */
static const char rfc2046_example[] =
    "From: Nathaniel Borenstein <nsb@bellcore.com>\r\n"
    "To: Ned Freed <ned@innosoft.com>\r\n"
    "Date: Sun, 21 Mar 1993 23:56:48 -0800 (PST)\r\n"
    "Subject: Sample message\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-type: multipart/mixed; boundary=\"simple boundary\"\r\n"
    "\r\n"
    "This is the preamble.  It is to be ignored, though it\r\n"
    "is a handy place for composition agents to include an\r\n"
    "explanatory note to non-MIME conformant readers.\r\n"
    "\r\n"
    "--simple boundary\r\n"
    "\r\n"
    "This is implicitly typed plain US-ASCII text.\r\n"
    "It does NOT end with a linebreak.\r\n"
    "--simple boundary\r\n"
    "Content-type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "This is explicitly typed plain US-ASCII text.\r\n"
    "It DOES end with a linebreak.\r\n"
    "\r\n"
    "--simple boundary--\r\n"
    "\r\n"
    "This is the epilogue.  It is also to be ignored.\r\n";

/* The text of [off, off + len) of msg equals want. */
static bool
span_is(const char *msg, size_t off, size_t len, const char *want)
{
	return strlen(want) == len && memcmp(msg + off, want, len) == 0;
}

static const struct mime_part *
parse_whole(struct mime_parser *p, const char *msg, size_t len)
{
	char *copy = malloc(len);

	memcpy(copy, msg, len);
	mime_parser_feed(p, copy, len);
	free(copy);
	return mime_parser_finish(p);
}

static void
test_rfc2046_example(void)
{
	const char *m = rfc2046_example;
	struct mime_parser *p = mime_parser_new(NULL);
	const struct mime_part *root = parse_whole(p, m, sizeof(rfc2046_example) - 1);
	const struct mime_part *p1 = mime_part_child(root, 1), *p2 = mime_part_child(root, 2);
	const struct mime_header_field *f;

	CHECK(root->kind == MIME_PART_MULTIPART && root->nchildren == 2);
	CHECK(root->problems == NULL && root->has_mime_version);
	CHECK(strcmp(root->boundary, "simple boundary") == 0);
	CHECK(root->nfields == 6 && root->body_lines == 17);
	f = mime_part_field(root, "content-TYPE");
	CHECK(f != NULL && strcmp(f->name, "Content-type") == 0);
	CHECK(strcmp(f->value, "multipart/mixed; boundary=\"simple boundary\"") == 0);
	CHECK(span_is(m, f->offset, f->size,
	    "Content-type: multipart/mixed; boundary=\"simple boundary\"\r\n"));
	/* part 1: implicitly typed, no line break at its end */
	CHECK(p1 != NULL && !p1->has_content_type && p1->header_size == 2);
	CHECK(strcmp(p1->type, "text") == 0 && strcmp(p1->subtype, "plain") == 0);
	CHECK(strcmp(mime_param_find(p1->type_params, "CHARSET")->value, "us-ascii") == 0);
	CHECK(span_is(m, p1->body_offset, p1->body_size,
	    "This is implicitly typed plain US-ASCII text.\r\n"
	    "It does NOT end with a linebreak."));
	CHECK(p1->body_lines == 2 && p1->problems == NULL);
	/* part 2: explicitly typed, ends with a line break */
	CHECK(p2 != NULL && p2->has_content_type && p2->nfields == 1);
	CHECK(span_is(m, p2->offset, p2->header_size,
	    "Content-type: text/plain; charset=us-ascii\r\n\r\n"));
	CHECK(span_is(m, p2->body_offset, p2->body_size,
	    "This is explicitly typed plain US-ASCII text.\r\n"
	    "It DOES end with a linebreak.\r\n"));
	CHECK(p2->body_lines == 2 && p2->next == NULL && p2->problems == NULL);
	CHECK(mime_part_child(root, 3) == NULL && mime_part_child(root, 0) == NULL);
	mime_parser_free(&p);
}

/* RFC 2049 Appendix A, with lines as printed. */
static const char rfc2049_example[] =
    "MIME-Version: 1.0\r\n"
    "From: Nathaniel Borenstein <nsb@nsb.fv.com>\r\n"
    "To: Ned Freed <ned@innosoft.com>\r\n"
    "Date: Fri, 07 Oct 1994 16:15:05 -0700 (PDT)\r\n"
    "Subject: A multipart example\r\n"
    "Content-Type: multipart/mixed;\r\n"
    "              boundary=unique-boundary-1\r\n"
    "\r\n"
    "This is the preamble area of a multipart message.\r\n"
    "Mail readers that understand multipart format\r\n"
    "should ignore this preamble.\r\n"
    "\r\n"
    "If you are reading this text, you might want to\r\n"
    "consider changing to a mail reader that understands\r\n"
    "how to properly display multipart messages.\r\n"
    "\r\n"
    "--unique-boundary-1\r\n"
    "\r\n"
    "  ... Some text appears here ...\r\n"
    "\r\n"
    "[Note that the blank between the boundary and the start\r\n"
    " of the text in this part means no header fields were\r\n"
    " given and this is text in the US-ASCII character set.\r\n"
    " It could have been done with explicit typing as in the\r\n"
    " next part.]\r\n"
    "\r\n"
    "--unique-boundary-1\r\n"
    "Content-type: text/plain; charset=US-ASCII\r\n"
    "\r\n"
    "This could have been part of the previous part, but\r\n"
    "illustrates explicit versus implicit typing of body\r\n"
    "parts.\r\n"
    "\r\n"
    "--unique-boundary-1\r\n"
    "Content-Type: multipart/parallel; boundary=unique-boundary-2\r\n"
    "\r\n"
    "--unique-boundary-2\r\n"
    "Content-Type: audio/basic\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "  ... base64-encoded 8000 Hz single-channel\r\n"
    "      mu-law-format audio data goes here ...\r\n"
    "\r\n"
    "--unique-boundary-2\r\n"
    "Content-Type: image/jpeg\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "  ... base64-encoded image data goes here ...\r\n"
    "\r\n"
    "--unique-boundary-2--\r\n"
    "\r\n"
    "--unique-boundary-1\r\n"
    "Content-type: text/enriched\r\n"
    "\r\n"
    "This is <bold><italic>enriched.</italic></bold>\r\n"
    "<smaller>as defined in RFC 1896</smaller>\r\n"
    "\r\n"
    "Isn't it\r\n"
    "<bigger><bigger>cool?</bigger></bigger>\r\n"
    "\r\n"
    "--unique-boundary-1\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "From: (mailbox in US-ASCII)\r\n"
    "To: (address in US-ASCII)\r\n"
    "Subject: (subject in US-ASCII)\r\n"
    "Content-Type: Text/plain; charset=ISO-8859-1\r\n"
    "Content-Transfer-Encoding: Quoted-printable\r\n"
    "\r\n"
    "  ... Additional text in ISO-8859-1 goes here ...\r\n"
    "\r\n"
    "--unique-boundary-1--\r\n";

static void
test_rfc2049_example(void)
{
	const char *m = rfc2049_example;
	const char *want =
	    "0 multipart/mixed;boundary=unique-boundary-1 M\n"
	    "0.1 text/plain;charset=us-ascii\n"
	    "0.2 text/plain;charset=US-ASCII\n"
	    "0.3 multipart/parallel;boundary=unique-boundary-2 M\n"
	    "0.3.1 audio/basic base64 !BAD_BASE64\n"
	    "0.3.2 image/jpeg base64 !BAD_BASE64\n"
	    "0.4 text/enriched\n"
	    "0.5 message/rfc822 R\n"
	    "0.5.1 text/plain;charset=ISO-8859-1 quoted-printable !NO_MIME_VERSION\n";
	static const unsigned sec_3_2[] = { 3, 2 }, sec_5_1[] = { 5, 1 };
	const struct mime_part *root, *part;
	struct mime_parser *p = mime_parser_new(NULL);
	struct buf got;
	size_t j;

	/* the tree, without headers and bodies: types, encodings, problems */
	for (j = 0; j < NCHUNKS; j++) {
		char *line, *save = NULL;
		struct buf short_dump;

		buf_init(&got, 1 << 20);
		buf_init(&short_dump, 1 << 20);
		buf_puts(&short_dump, "");
		parse_dump(NULL, m, sizeof(rfc2049_example) - 1, chunk_sizes[j], &got);
		for (line = strtok_r(got.data, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			char *h = strstr(line, " h="), *bang = strstr(line, " l=");

			bang = bang != NULL ? strchr(bang, '!') : NULL;
			buf_append(&short_dump, line, (size_t)(h - line));
			if (bang != NULL)
				buf_printf(&short_dump, " %s", bang);
			buf_putc(&short_dump, '\n');
		}
		CHECKF(strcmp(short_dump.data, want) == 0, "chunk %zu:\n%s", chunk_sizes[j],
		    short_dump.data);
		buf_release(&short_dump);
		buf_release(&got);
	}
	root = parse_whole(p, m, sizeof(rfc2049_example) - 1);
	CHECK(root->nchildren == 5 && root->is_closed && root->problems == NULL);
	part = mime_part_by_section(root, sec_3_2, 2);
	CHECK(part != NULL && strcmp(part->subtype, "jpeg") == 0);
	CHECK(span_is(m, part->body_offset, part->body_size,
	    "  ... base64-encoded image data goes here ...\r\n"));
	CHECK(part->body_lines == 1);
	part = mime_part_child(root, 4);
	CHECK(part->body_lines == 5 && span_is(m, part->body_offset, part->body_size,
	    "This is <bold><italic>enriched.</italic></bold>\r\n"
	    "<smaller>as defined in RFC 1896</smaller>\r\n\r\nIsn't it\r\n"
	    "<bigger><bigger>cool?</bigger></bigger>\r\n"));
	/* the message/rfc822 part: BODY[5] is the whole message, 5.1 its body */
	part = mime_part_child(root, 5);
	CHECK(part->kind == MIME_PART_MESSAGE && part->body_lines == 7);
	CHECK(span_is(m, part->body_offset, part->body_size,
	    "From: (mailbox in US-ASCII)\r\nTo: (address in US-ASCII)\r\n"
	    "Subject: (subject in US-ASCII)\r\nContent-Type: Text/plain; charset=ISO-8859-1\r\n"
	    "Content-Transfer-Encoding: Quoted-printable\r\n\r\n"
	    "  ... Additional text in ISO-8859-1 goes here ...\r\n"));
	CHECK(mime_part_by_section(root, sec_5_1, 2) == part->children);
	CHECK(part->children->cte == MIME_CTE_QP && part->children->body_lines == 1);
	CHECK(span_is(m, part->children->body_offset, part->children->body_size,
	    "  ... Additional text in ISO-8859-1 goes here ...\r\n"));
	mime_parser_free(&p);
}


static void
test_fields(void)
{
	static const char m[] =
	    "Subject : folded\r\n  twice\r\n\tand more  \r\n"
	    "MIME-Version: 1.0 (produced by x)\r\n"
	    "Content-Type: text/plain\r\n"
	    "Content-Disposition: Attachment; filename=\"a b.txt\"; size=12\r\n"
	    "Content-ID: <id@x>\r\n"
	    "Content-Description:  a\r\n description \r\n"
	    "Content-Language: en, de\r\n"
	    "Content-Location: http://example.com/x\r\n"
	    "Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\r\n"
	    "X-Empty:\r\n"
	    "\r\n";
	struct mime_parser *p = mime_parser_new(NULL);
	const struct mime_part *root = parse_whole(p, m, sizeof(m) - 1);
	const struct mime_header_field *f = root->fields;

	CHECK(root->nfields == 10 && root->problems == NULL);
	CHECK(strcmp(f->name, "Subject") == 0);
	CHECK(strcmp(f->raw, " folded\r\n  twice\r\n\tand more  ") == 0);
	CHECK(strcmp(f->value, "folded  twice\tand more") == 0);
	CHECK(f->offset == 0 && span_is(m, f->offset, f->size,
	    "Subject : folded\r\n  twice\r\n\tand more  \r\n"));
	CHECK(root->has_mime_version);
	CHECK(strcmp(root->disposition, "attachment") == 0);
	CHECK(strcmp(mime_param_find(root->disposition_params, "filename")->value, "a b.txt") == 0);
	CHECK(strcmp(mime_param_find(root->disposition_params, "size")->value, "12") == 0);
	CHECK(strcmp(root->content_id, "<id@x>") == 0);
	CHECK(strcmp(root->description, "a description") == 0);
	CHECK(strcmp(root->language, "en, de") == 0);
	CHECK(strcmp(root->location, "http://example.com/x") == 0);
	CHECK(strcmp(root->md5, "Q2hlY2sgSW50ZWdyaXR5IQ==") == 0);
	f = mime_part_field(root, "x-empty");
	CHECK(f != NULL && f->raw_len == 0 && f->value_len == 0 && f->next == NULL);
	CHECK(mime_part_field(root, "received") == NULL);
	CHECK(root->type_params == NULL);	/* text/plain given without charset */
	CHECK(mime_part_has_problem(root, MIME_PROB_NONE) == false);
	mime_parser_free(&p);
}

static void
test_sections(void)
{
	static const char single[] = "Subject: x\r\n\r\nbody\r\n";
	static const unsigned one[] = { 1 }, two[] = { 2 }, one_one[] = { 1, 1 };
	static const unsigned deep[] = { 2, 1 }, deep_bad[] = { 2, 1, 1 };
	struct mime_parser *p = mime_parser_new(NULL);
	const struct mime_part *root = parse_whole(p, single, sizeof(single) - 1);

	CHECK(mime_part_by_section(root, one, 0) == root);
	CHECK(mime_part_by_section(root, one, 1) == root);
	CHECK(mime_part_by_section(root, two, 1) == NULL);
	CHECK(mime_part_by_section(root, one_one, 2) == NULL);
	mime_parser_reset(p);
	root = parse_whole(p, S(MP("b") "--b\r\n\r\na\r\n--b\r\nContent-Type: message/rfc822\r\n"
	    "\r\n" MP("c") "--c\r\n\r\nin\r\n--c--\r\n--b--\r\n"));
	CHECK(root->nchildren == 2);
	CHECK(mime_part_by_section(root, deep, 2) != NULL &&
	    mime_part_by_section(root, deep, 2)->body_size == 2);
	CHECK(mime_part_by_section(root, deep, 2) == mime_part_child(root, 2)->children->children);
	CHECK(mime_part_by_section(root, deep, 1) == mime_part_child(root, 2));
	CHECK(mime_part_by_section(root, deep_bad, 3) == NULL);
	CHECK(mime_part_by_section(root, one_one, 2) == NULL);
	mime_parser_free(&p);
}

/* A parser is reused after reset; feed after finish is ignored. */
static void
test_reset(void)
{
	struct mime_parser *p = mime_parser_new(NULL);
	const struct mime_part *root;
	int i;

	for (i = 0; i < 3; i++) {
		root = parse_whole(p, S(MP("b") "--b\r\n\r\nx\r\n--b--\r\n"));
		CHECK(root->nchildren == 1 && mime_parser_part_count(p) == 2);
		mime_parser_feed(p, "more", 4);
		CHECK(mime_parser_offset(p) == sizeof(MP("b") "--b\r\n\r\nx\r\n--b--\r\n") - 1);
		mime_parser_reset(p);
		CHECK(mime_parser_offset(p) == 0 && mime_parser_part_count(p) == 1);
	}
	root = mime_parser_finish(p);
	CHECK(root->header_size == 0 && root->body_size == 0 && root->nchildren == 0);
	mime_parser_free(&p);
	mime_parser_free(&p);
	mime_parser_free(NULL);
}

/* Limits and memory: the tree stays whole, offsets stay right. */
static void
test_limits(void)
{
	struct mime_limits lim = { 0 };
	struct mime_parser *p;
	const struct mime_part *root, *part;
	struct buf m;
	size_t i, depth = 0;

	/* 100 nested multiparts: opaque from depth 32 */
	buf_init(&m, 1 << 20);
	buf_puts(&m, MV);
	for (i = 0; i < 100; i++)
		buf_printf(&m, "Content-Type: multipart/mixed; boundary=b%zu\r\n\r\n--b%zu\r\n", i, i);
	buf_puts(&m, "\r\nx\r\n");
	p = mime_parser_new(NULL);
	root = parse_whole(p, m.data, m.len);
	for (part = root; part->children != NULL; part = part->children)
		depth++;
	CHECK(depth == 32 && mime_part_has_problem(part, MIME_PROB_TOO_DEEP));
	CHECK(root->body_offset + root->body_size == m.len);
	mime_parser_free(&p);
	/* 20000 parts: 10000 kept */
	buf_clear(&m);
	buf_puts(&m, MP("b"));
	for (i = 0; i < 20000; i++)
		buf_puts(&m, "--b\r\n\r\nx\r\n");
	buf_puts(&m, "--b--\r\n");
	p = mime_parser_new(NULL);
	root = parse_whole(p, m.data, m.len);
	CHECK(root->nchildren == MIME_DEFAULT_MAX_PARTS - 1 && mime_parser_part_count(p) == 10000);
	CHECK(mime_part_has_problem(root, MIME_PROB_TOO_MANY_PARTS));
	CHECK(!mime_part_has_problem(root, MIME_PROB_UNTERMINATED_MULTIPART));
	CHECK(root->body_offset + root->body_size == m.len);
	mime_parser_free(&p);
	/* the header budget of the message: the third part's field is dropped */
	{
		static const char msg[] = MP("b") "--b\r\nContent-Type: text/x\r\n\r\n"
		    "--b\r\nContent-Type: text/x\r\n\r\n--b\r\nContent-Type: text/x\r\n\r\n"
		    "--b--\r\n";
		const size_t fc = sizeof(struct mime_header_field);

		lim.max_header_total = 19 + fc + 47 + fc + 2 * (22 + fc) + 10;
		p = mime_parser_new(&lim);
		root = parse_whole(p, msg, sizeof(msg) - 1);
		CHECK(root->nchildren == 3 && root->problems == NULL);
		CHECK(strcmp(mime_part_child(root, 2)->subtype, "x") == 0);
		part = mime_part_child(root, 3);
		CHECK(part->nfields == 0 && strcmp(part->subtype, "plain") == 0);
		CHECK(mime_part_has_problem(part, MIME_PROB_HEADER_TOO_LONG));
		mime_parser_free(&p);
		lim.max_header_total = 0;
	}
	/* out of memory: still a tree covering the message */
	for (i = 1; i < 40000; i += 997) {
		lim.max_memory = i;
		p = mime_parser_new(&lim);
		root = parse_whole(p, rfc2049_example, sizeof(rfc2049_example) - 1);
		CHECK(root->type != NULL && root->body_offset + root->body_size ==
		    sizeof(rfc2049_example) - 1);
		if (i == 1)
			CHECK(mime_part_has_problem(root, MIME_PROB_NOMEM));
		mime_parser_free(&p);
	}
	buf_release(&m);
}

/* Boundary lines longer than the part of a line held back. */
static void
test_long_boundary_lines(void)
{
	struct buf m, want;
	size_t j;

	char bnd[MIME_BOUNDARY_MAX];

	buf_init(&m, 1 << 20);
	buf_init(&want, 1 << 20);
	for (j = 0; j < MIME_BOUNDARY_MAX; j++)
		bnd[j] = (char)('a' + j % 26);
	/* a 200-byte boundary, delimiters padded with 5000 SP, and a line
	 * that is the boundary plus SP and text (taken, reported) */
	buf_puts(&m, MV "Content-Type: multipart/mixed; boundary=\"");
	buf_append(&m, bnd, sizeof(bnd));
	buf_puts(&m, "\"\r\n\r\n");
	for (j = 0; j < 3; j++) {
		size_t k;

		buf_puts(&m, "--");
		buf_append(&m, bnd, sizeof(bnd));
		for (k = 0; k < 5000; k++)
			buf_putc(&m, ' ');
		if (j == 2)
			buf_putc(&m, 'x');
		buf_puts(&m, "\r\n\r\nbody\r\n");
	}
	for (j = 0; j < NCHUNKS; j++) {
		struct mime_parser *p = mime_parser_new(NULL);
		const struct mime_part *root;
		size_t pos = 0;

		while (pos < m.len) {
			size_t n = m.len - pos < chunk_sizes[j] ? m.len - pos : chunk_sizes[j];

			mime_parser_feed(p, m.data + pos, n);
			pos += n;
		}
		root = mime_parser_finish(p);
		CHECKF(root->nchildren == 3 && root->boundary != NULL &&
		    strlen(root->boundary) == MIME_BOUNDARY_MAX, "chunk %zu", chunk_sizes[j]);
		CHECK(mime_part_has_problem(root, MIME_PROB_BAD_BOUNDARY));
		CHECK(mime_part_has_problem(root, MIME_PROB_BOUNDARY_IN_PART));
		CHECK(mime_part_child(root, 1)->body_size == 4);
		mime_parser_free(&p);
	}
	/* one byte longer: not usable */
	buf_clear(&m);
	buf_puts(&m, MV "Content-Type: multipart/mixed; boundary=\"");
	for (j = 0; j <= MIME_BOUNDARY_MAX; j++)
		buf_putc(&m, 'a');
	buf_puts(&m, "\"\r\n\r\n");
	{
		struct mime_parser *p = mime_parser_new(NULL);
		const struct mime_part *root = parse_whole(p, m.data, m.len);

		CHECK(root->kind == MIME_PART_LEAF &&
		    mime_part_has_problem(root, MIME_PROB_MISSING_BOUNDARY));
		mime_parser_free(&p);
	}
	buf_release(&m);
	buf_release(&want);
}

int
main(void)
{
	test_rfc2046_example();
	test_rfc2049_example();
	test_fields();
	test_sections();
	test_reset();
	test_limits();
	test_long_boundary_lines();
	return unit_done("test_mime_parts");
}
