/* mime_part.c: body parts of the MIME parser: opening, closing, body
 * checks, problems and lookups in the tree.
 *
 * RFC 2046 §5.1 (multipart bodies and their body parts), §5.1.5
 * (multipart/digest), §5.2.1 (message/rfc822 bodies are messages; only
 * 7bit, 8bit and binary encodings), RFC 6532 §3.7 (message/global likewise),
 * RFC 2045 §6.4 (composite types take no encoding but identity), §2.7
 * (7bit data), §6.7 and §6.8 (checked with mime_qp.c and mime_base64.c),
 * RFC 9051 §6.4.5 (IMAP part numbers).
 */
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "mime_private.h"

#define MIME_BOUNDARY_RFC_MAX 70

const char *
mime_problem_str(enum mime_problem_code code)
{
	switch (code) {
	case MIME_PROB_NONE: return "no problem";
	case MIME_PROB_NO_MIME_VERSION: return "MIME header fields without MIME-Version";
	case MIME_PROB_HEADER_NO_COLON: return "header line is neither a field nor a continuation";
	case MIME_PROB_HEADER_8BIT: return "8-bit or NUL byte in a header";
	case MIME_PROB_HEADER_UNTERMINATED: return "body part header not ended by an empty line";
	case MIME_PROB_HEADER_TOO_LONG: return "header too large: fields dropped";
	case MIME_PROB_DUPLICATE_FIELD: return "MIME header field given more than once";
	case MIME_PROB_BAD_CONTENT_TYPE: return "malformed Content-Type: default used";
	case MIME_PROB_BAD_PARAM: return "malformed parameter";
	case MIME_PROB_PARAM_CHARSET: return "parameter value not convertible to UTF-8";
	case MIME_PROB_BAD_CTE: return "unknown or misplaced Content-Transfer-Encoding";
	case MIME_PROB_MISSING_BOUNDARY: return "multipart without a usable boundary parameter";
	case MIME_PROB_BAD_BOUNDARY: return "boundary not 1-70 bchars or clashing with an enclosing one";
	case MIME_PROB_UNTERMINATED_MULTIPART: return "multipart without close delimiter";
	case MIME_PROB_NO_PARTS: return "multipart without body parts";
	case MIME_PROB_BOUNDARY_IN_PART: return "boundary line with text after the boundary";
	case MIME_PROB_BAD_BASE64: return "invalid base64 body";
	case MIME_PROB_BAD_QP: return "invalid quoted-printable body";
	case MIME_PROB_8BIT_BODY: return "8-bit data in a 7bit body";
	case MIME_PROB_BARE_EOL: return "bare CR or LF";
	case MIME_PROB_LINE_TOO_LONG: return "line longer than 998 bytes";
	case MIME_PROB_TOO_DEEP: return "nesting too deep: part taken as opaque";
	case MIME_PROB_TOO_MANY_PARTS: return "too many parts: rest taken as opaque";
	case MIME_PROB_NOMEM: return "out of memory: rest taken as opaque";
	case MIME_PROB_COUNT: break;
	}
	return "unknown problem";
}

void
mime_problem_add(struct mime_parser *p, struct mime_pstate *ps,
    enum mime_problem_code code, size_t offset)
{
	struct mime_problem *pr, **link = &ps->part.problems;

	ps->part.problem_mask |= 1u << code;
	/* kept in code order: the order they are found in depends on chunking */
	while (*link != NULL && (*link)->code < code)
		link = &(*link)->next;
	if (*link != NULL && (*link)->code == code) {
		(*link)->count++;
		return;
	}
	pr = arena_alloc(p->arena, sizeof(*pr));
	if (pr == NULL)
		return;		/* the mask still has it */
	pr->code = code;
	pr->message = mime_problem_str(code);
	pr->offset = offset;
	pr->count = 1;
	pr->next = *link;
	*link = pr;
}

void
mime_problem_add_line(struct mime_parser *p, struct mime_pstate *ps,
    enum mime_problem_code code)
{
	if (p->line_seen & (1u << code))
		return;
	p->line_seen |= 1u << code;
	mime_problem_add(p, ps, code, p->line_start);
}

void
mime_problem_add_mask(struct mime_parser *p, struct mime_pstate *ps, uint32_t mask,
    size_t offset)
{
	uint32_t rest = (mask & ((1u << MIME_PROB_COUNT) - 1)) >> 1;
	int code;

	/* only as far as the highest bit: most masks are empty */
	for (code = 1; rest != 0; code++, rest >>= 1)
		if (rest & 1)
			mime_problem_add(p, ps, (enum mime_problem_code)code, offset);
}

struct mime_pstate *
mime_part_open(struct mime_parser *p, struct mime_pstate *parent, size_t offset)
{
	struct mime_pstate *ps;

	if (p->nparts >= p->lim.max_parts) {
		mime_problem_add(p, parent, MIME_PROB_TOO_MANY_PARTS, offset);
		return NULL;
	}
	ps = arena_alloc(p->arena, sizeof(*ps));
	if (ps == NULL) {
		mime_problem_add(p, parent, MIME_PROB_NOMEM, offset);
		p->is_nomem = true;
		return NULL;
	}
	ps->part.parent = &parent->part;
	ps->part.depth = parent->part.depth + 1;
	ps->part.offset = offset;
	ps->state = MIME_ST_HEADER;
	if (parent->child_tail != NULL)
		parent->child_tail->next = &ps->part;
	else
		parent->part.children = &ps->part;
	parent->child_tail = &ps->part;
	parent->part.nchildren++;
	p->nparts++;
	p->has_field = false;
	p->is_field_bad = false;
	buf_clear(&p->field);
	return ps;
}

bool
mime_part_is_binary(const struct mime_pstate *ps)
{
	return ps->state != MIME_ST_HEADER && ps->part.cte == MIME_CTE_BINARY;
}

static bool
mime_is_bchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c != '\0' && strchr("'()+_,-./:=? ", c) != NULL);
}

/* Take the boundary parameter of a multipart; false when there is no
 * usable one (RFC 2046 §5.1.1: boundary := 0*69<bchars> bcharsnospace). */
static bool
mime_boundary_take(struct mime_parser *p, struct mime_pstate *ps)
{
	const struct mime_param *prm = mime_param_find(ps->part.type_params, "boundary");
	const struct mime_part *up;
	size_t i, n;
	bool is_bad = false;

	if (prm == NULL || prm->value_len == 0 || prm->value_len > MIME_BOUNDARY_MAX) {
		mime_problem_add(p, ps, MIME_PROB_MISSING_BOUNDARY, ps->part.body_offset);
		return false;
	}
	n = prm->value_len;
	for (i = 0; i < n; i++)
		is_bad = is_bad || !mime_is_bchar((unsigned char)prm->value[i]);
	is_bad = is_bad || n > MIME_BOUNDARY_RFC_MAX || prm->value[n - 1] == ' ';
	for (up = ps->part.parent; up != NULL; up = up->parent) {
		const struct mime_pstate *ups = (const struct mime_pstate *)up;
		size_t m = ups->boundary_len < n ? ups->boundary_len : n;

		if (up->boundary != NULL && memcmp(up->boundary, prm->value, m) == 0)
			is_bad = true;	/* one is a prefix of the other */
	}
	if (is_bad)
		mime_problem_add(p, ps, MIME_PROB_BAD_BOUNDARY, ps->part.body_offset);
	ps->part.boundary = prm->value;
	ps->boundary_len = n;
	return true;
}

static bool
mime_cte_is_identity(enum mime_cte cte)
{
	return cte == MIME_CTE_7BIT || cte == MIME_CTE_8BIT || cte == MIME_CTE_BINARY;
}

/* Can ps hold parts? Reports why not. */
static bool
mime_part_may_nest(struct mime_parser *p, struct mime_pstate *ps)
{
	if (!mime_cte_is_identity(ps->part.cte)) {
		mime_problem_add(p, ps, MIME_PROB_BAD_CTE, ps->part.body_offset);
		return false;
	}
	if (ps->part.depth + 1 > p->lim.max_depth) {
		mime_problem_add(p, ps, MIME_PROB_TOO_DEEP, ps->part.body_offset);
		return false;
	}
	return true;
}

void
mime_part_begin_body(struct mime_parser *p, struct mime_pstate *ps, size_t body_offset)
{
	struct mime_part *part = &ps->part;
	/* both composite types begin with "m": no strcmp() (an interceptor
	 * under the sanitizers) for the others */
	bool is_m = part->type[0] == 'm';
	bool is_message = is_m && strcmp(part->type, "message") == 0 &&
	    (strcmp(part->subtype, "rfc822") == 0 || strcmp(part->subtype, "global") == 0);

	part->body_offset = body_offset;
	p->pending_eol = 0;
	if (is_m && strcmp(part->type, "multipart") == 0 && mime_part_may_nest(p, ps) &&
	    mime_boundary_take(p, ps)) {
		part->kind = MIME_PART_MULTIPART;
		ps->is_digest = strcmp(part->subtype, "digest") == 0;
		ps->state = MIME_ST_PREAMBLE;
		return;
	}
	if (is_message && mime_part_may_nest(p, ps)) {
		struct mime_pstate *child = mime_part_open(p, ps, body_offset);

		if (child != NULL) {
			part->kind = MIME_PART_MESSAGE;
			ps->state = MIME_ST_IN_MESSAGE;
			p->cur = child;
			return;
		}
	}
	ps->state = MIME_ST_BODY;
	mime_base64_decoder_init(&p->b64);
	mime_qp_decoder_init(&p->qp);
}

/* Record what the decoders of the leaf found so far. */
static void
mime_body_note(struct mime_parser *p, struct mime_pstate *ps)
{
	if (ps->part.cte == MIME_CTE_BASE64 && p->b64.problems != 0)
		mime_problem_add_line(p, ps, MIME_PROB_BAD_BASE64);
	if (ps->part.cte == MIME_CTE_QP && p->qp.problems != 0)
		mime_problem_add_line(p, ps, MIME_PROB_BAD_QP);
	p->b64.problems = 0;
	p->qp.problems = 0;
}

void
mime_body_data(struct mime_parser *p, const char *data, size_t len)
{
	struct mime_pstate *ps = p->cur;
	size_t i;

	switch (ps->part.cte) {
	case MIME_CTE_7BIT:
		if (word_has_high_bit(data, len))
			mime_problem_add_line(p, ps, MIME_PROB_8BIT_BODY);
		break;
	case MIME_CTE_BASE64:
	case MIME_CTE_QP:
		for (i = 0; i < len; i += MIME_CHECK_CHUNK) {
			size_t n = len - i < MIME_CHECK_CHUNK ? len - i : MIME_CHECK_CHUNK;

			if (ps->part.cte == MIME_CTE_BASE64)
				mime_base64_decode_update(&p->b64, data + i, n, p->scratch);
			else
				mime_qp_decode_update(&p->qp, data + i, n, p->scratch);
		}
		mime_body_note(p, ps);
		break;
	default:
		break;
	}
}

/* Lines of a body ending at the current line (a boundary line, or the
 * end of the message). */
static size_t
mime_body_lines(const struct mime_parser *p, const struct mime_pstate *ps, bool is_eof)
{
	size_t n;

	if (ps->part.body_size == 0 || p->line_index < ps->body_line)
		return 0;
	n = p->line_index - ps->body_line;
	if (!is_eof && p->is_prev_empty && n > 0)
		n--;	/* its line break went to the boundary */
	return n;
}

void
mime_part_close(struct mime_parser *p, struct mime_pstate *ps, size_t end, bool is_eof)
{
	struct mime_part *part = &ps->part;

	if (ps->state == MIME_ST_CLOSED)
		return;
	/* The line break before a boundary belongs to the boundary: a part
	 * that ends before its start is empty, one that ends inside the empty
	 * line of its header has no body and a header without that line. */
	if (end < part->offset)
		part->offset = end;
	if (ps->state == MIME_ST_HEADER) {
		part->header_size = end - part->offset;
		mime_header_finish(p, ps);
		part->body_offset = end;
		if (ps->field_tail != NULL && ps->field_tail->offset + ps->field_tail->size > end)
			ps->field_tail->size = end - ps->field_tail->offset;
		ps->state = MIME_ST_CLOSED;
		if (part->header_size > 0 && part->parent != NULL &&
		    part->parent->kind == MIME_PART_MULTIPART)
			mime_problem_add(p, ps, MIME_PROB_HEADER_UNTERMINATED, part->offset);
		return;
	}
	if (end < part->body_offset) {
		part->header_size = end - part->offset;
		part->body_offset = end;
	}
	part->body_size = end - part->body_offset;
	part->body_lines = mime_body_lines(p, ps, is_eof);
	if (ps->state == MIME_ST_BODY) {
		mime_base64_decode_final(&p->b64, p->scratch);
		mime_qp_decode_final(&p->qp, p->scratch);
		mime_body_note(p, ps);
	}
	if (part->kind == MIME_PART_MULTIPART && !part->is_closed && !ps->is_opaque) {
		mime_problem_add(p, ps, MIME_PROB_UNTERMINATED_MULTIPART, end);
		if (part->nchildren == 0)
			mime_problem_add(p, ps, MIME_PROB_NO_PARTS, end);
	}
	ps->state = MIME_ST_CLOSED;
}

bool
mime_part_has_problem(const struct mime_part *part, enum mime_problem_code code)
{
	return code > 0 && code < MIME_PROB_COUNT && (part->problem_mask & (1u << code)) != 0;
}

const struct mime_param *
mime_param_find(const struct mime_param *list, const char *name)
{
	for (; list != NULL; list = list->next)
		if (strcasecmp(list->name, name) == 0)
			return list;
	return NULL;
}

const struct mime_header_field *
mime_part_field(const struct mime_part *part, const char *name)
{
	const struct mime_header_field *f;

	for (f = part->fields; f != NULL; f = f->next)
		if (strcasecmp(f->name, name) == 0)
			return f;
	return NULL;
}

const struct mime_part *
mime_part_child(const struct mime_part *part, size_t n)
{
	const struct mime_part *c;

	if (n == 0)
		return NULL;
	for (c = part->children; c != NULL && --n > 0; c = c->next)
		;
	return c;
}

const struct mime_part *
mime_part_by_section(const struct mime_part *message, const unsigned *section, size_t n)
{
	const struct mime_part *entity = message, *part = message;
	size_t i;

	for (i = 0; i < n; i++) {
		if (entity->kind == MIME_PART_MULTIPART)
			part = mime_part_child(entity, section[i]);
		else
			part = section[i] == 1 ? entity : NULL;
		if (part == NULL)
			return NULL;
		if (i + 1 == n)
			break;
		if (part->kind == MIME_PART_MESSAGE)
			entity = part->children;
		else if (part->kind == MIME_PART_MULTIPART)
			entity = part;
		else
			return NULL;
	}
	return part;
}
