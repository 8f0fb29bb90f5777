/* mime_test_util.h: tree dump and invariant checks shared by the MIME
 * unit tests (test_mime*.c). Each test includes it once. */
#ifndef MAILSPEC_MIME_TEST_UTIL_H
#define MAILSPEC_MIME_TEST_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mime.h"
#include "unit.h"

#define S(lit) lit, sizeof(lit) - 1

__attribute__((unused)) static const size_t chunk_sizes[] = { SIZE_MAX, 1, 2, 3, 7, 64, 1000 };
#define NCHUNKS (sizeof(chunk_sizes) / sizeof(chunk_sizes[0]))

__attribute__((unused)) static const char *const prob_names[MIME_PROB_COUNT] = {
	"NONE", "NO_MIME_VERSION", "HEADER_NO_COLON", "HEADER_8BIT",
	"HEADER_UNTERMINATED", "HEADER_TOO_LONG", "DUPLICATE_FIELD",
	"BAD_CONTENT_TYPE", "BAD_PARAM", "PARAM_CHARSET", "BAD_CTE",
	"MISSING_BOUNDARY", "BAD_BOUNDARY", "UNTERMINATED_MULTIPART", "NO_PARTS",
	"BOUNDARY_IN_PART", "BAD_BASE64", "BAD_QP", "8BIT_BODY", "BARE_EOL",
	"LINE_TOO_LONG", "TOO_DEEP", "TOO_MANY_PARTS", "NOMEM",
};

static inline void
dump_params(struct buf *out, const struct mime_param *prm)
{
	for (; prm != NULL; prm = prm->next) {
		buf_printf(out, ";%s%s=", prm->name, prm->is_extended ? "*" : "");
		if (prm->is_extended)
			buf_printf(out, "%s'%s'", prm->charset, prm->language);
		buf_append_escaped(out, prm->value, prm->value_len);
	}
}

/* One line per part, depth first: path type/subtype;params [cte] [M|R]
 * [disposition] h=header b=body l=lines [!PROBLEMS]. */
static inline void
dump_part(struct buf *out, const char *msg, const struct mime_part *part, const char *path)
{
	const struct mime_problem *pr;
	const struct mime_part *c;
	char sub[64];
	size_t i = 1;

	buf_printf(out, "%s %s/%s", path, part->type, part->subtype);
	dump_params(out, part->type_params);
	if (part->cte != MIME_CTE_7BIT || strcmp(part->cte_name, "7bit") != 0)
		buf_printf(out, " %s", part->cte_name);
	if (part->kind == MIME_PART_MULTIPART)
		buf_puts(out, " M");
	else if (part->kind == MIME_PART_MESSAGE)
		buf_puts(out, " R");
	if (part->disposition != NULL) {
		buf_printf(out, " D=%s", part->disposition);
		dump_params(out, part->disposition_params);
	}
	buf_puts(out, " h=");
	buf_append_escaped(out, msg + part->offset, part->header_size);
	buf_puts(out, " b=");
	if (part->body_size <= 100)
		buf_append_escaped(out, msg + part->body_offset, part->body_size);
	else
		buf_printf(out, "<%zu>", part->body_size);
	buf_printf(out, " l=%zu", part->body_lines);
	for (pr = part->problems; pr != NULL; pr = pr->next)
		buf_printf(out, "%s%s", pr == part->problems ? " !" : ",", prob_names[pr->code]);
	buf_putc(out, '\n');
	for (c = part->children; c != NULL; c = c->next, i++) {
		snprintf(sub, sizeof(sub), "%s.%zu", path, i);
		dump_part(out, msg, c, sub);
	}
}

/* The promises of mime.h, for every part. */
static inline void
check_part(const struct mime_part *part, size_t len, size_t *nparts)
{
	const struct mime_part *c;
	const struct mime_problem *pr;
	const struct mime_header_field *f;
	uint32_t mask = 0;
	size_t n = 0, nf = 0;

	(*nparts)++;
	CHECK(part->offset + part->header_size == part->body_offset);
	CHECK(part->body_offset + part->body_size <= len);
	CHECK(part->type != NULL && part->subtype != NULL && part->cte_name != NULL);
	CHECK(part->body_lines <= part->body_size);
	for (pr = part->problems; pr != NULL; pr = pr->next) {
		CHECK(pr->code > 0 && pr->code < MIME_PROB_COUNT && pr->count > 0);
		CHECK(strcmp(pr->message, mime_problem_str(pr->code)) == 0);
		CHECK((mask & (1u << pr->code)) == 0);
		mask |= 1u << pr->code;
	}
	CHECK(mask == part->problem_mask);
	for (f = part->fields; f != NULL; f = f->next, nf++) {
		CHECK(f->offset >= part->offset && f->offset + f->size <= part->body_offset);
		CHECK(f->raw[f->raw_len] == '\0' && f->value[f->value_len] == '\0');
		CHECK(f->value_len <= f->raw_len);
	}
	CHECK(nf == part->nfields);
	for (c = part->children; c != NULL; c = c->next, n++) {
		CHECK(c->parent == part && c->depth == part->depth + 1);
		CHECK(c->offset >= part->body_offset);
		CHECK(c->body_offset + c->body_size <= part->body_offset + part->body_size);
		if (c->next != NULL)
			CHECK(c->next->offset >= c->body_offset + c->body_size);
		check_part(c, len, nparts);
	}
	CHECK(n == part->nchildren);
	if (part->kind == MIME_PART_MESSAGE)
		CHECK(n == 1 && part->children->offset == part->body_offset);
	if (part->kind == MIME_PART_MULTIPART)
		CHECK(part->boundary != NULL);
}

/* Parse msg fed in chunks of `chunk` bytes, each an exact-size heap copy;
 * append the dump to out. */
static inline void
parse_dump(const struct mime_limits *lim, const char *msg, size_t len, size_t chunk,
    struct buf *out)
{
	struct mime_parser *p = mime_parser_new(lim);
	const struct mime_part *root;
	size_t pos = 0, nparts = 0;
	char *whole = malloc(len > 0 ? len : 1);

	memcpy(whole, msg, len);
	while (pos < len) {
		size_t n = len - pos < chunk ? len - pos : chunk;
		char *copy = malloc(n);

		memcpy(copy, msg + pos, n);
		mime_parser_feed(p, copy, n);
		free(copy);
		pos += n;
	}
	root = mime_parser_finish(p);
	CHECK(mime_parser_finish(p) == root);
	CHECK(mime_parser_offset(p) == len);
	CHECK(root->offset == 0 && root->body_offset + root->body_size == len);
	check_part(root, len, &nparts);
	CHECK(nparts == mime_parser_part_count(p));
	dump_part(out, whole, root, "0");
	free(whole);
	mime_parser_free(&p);
	CHECK(p == NULL);
}

#endif
