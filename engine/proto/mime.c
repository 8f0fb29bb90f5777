/* mime.c: incremental MIME parser, line and boundary scanning.
 *
 * RFC 2046 §5.1.1: a boundary delimiter line is "--" boundary, optional
 * linear white space and CRLF, at the beginning of a line; the CRLF
 * before it belongs to the delimiter; "--" boundary "--" closes the
 * multipart; "boundary string comparisons must compare the boundary value
 * with the beginning of each candidate line. An exact match of the entire
 * candidate line is not required". RFC 5322 §2.1 (lines end in CRLF),
 * §2.1.1 (998 characters per line).
 *
 * Boundary lines: every line is checked against the boundaries of all
 * open multiparts (so an outer boundary ends inner parts, reported as
 * unterminated). A line that begins with "--" boundary is a boundary
 * line. When several boundaries match, an exact match (nothing but LWSP
 * after it, or "--" and LWSP) wins over a prefix match, and the innermost
 * multipart wins among equals. A prefix match with other text after the
 * boundary is still taken, and reported (MIME_PROB_BOUNDARY_IN_PART).
 *
 * Streaming: only the first MIME_HEAD_MAX bytes of a line that starts
 * like a boundary are held back; content is passed on as it comes, so
 * body lines may be of any length. The break of a body line is held back
 * until the next line is known not to be a boundary line.
 */
#include "mime.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "mime_private.h"

enum mime_head_status { MIME_HEAD_NONE, MIME_HEAD_MAYBE, MIME_HEAD_MATCH };

static void
mime_limits_set(struct mime_limits *dst, const struct mime_limits *lim)
{
	memset(dst, 0, sizeof(*dst));
	if (lim != NULL)
		*dst = *lim;
	if (dst->max_depth == 0)
		dst->max_depth = MIME_DEFAULT_MAX_DEPTH;
	if (dst->max_parts == 0)
		dst->max_parts = MIME_DEFAULT_MAX_PARTS;
	if (dst->max_header_size == 0)
		dst->max_header_size = MIME_DEFAULT_MAX_HEADER_SIZE;
	if (dst->max_header_total == 0)
		dst->max_header_total = MIME_DEFAULT_MAX_HEADER_TOTAL;
	if (dst->max_memory == 0)
		dst->max_memory = MIME_DEFAULT_MAX_MEMORY;
}

struct mime_parser *
mime_parser_new(const struct mime_limits *lim)
{
	struct mime_parser *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	mime_limits_set(&p->lim, lim);
	p->arena = arena_new(p->lim.max_memory);
	if (p->arena == NULL) {
		free(p);
		return NULL;
	}
	buf_init(&p->hline, p->lim.max_header_size);
	buf_init(&p->field, p->lim.max_header_size);
	mime_parser_reset(p);
	return p;
}

void
mime_parser_free(struct mime_parser **pp)
{
	if (pp == NULL || *pp == NULL)
		return;
	arena_free(&(*pp)->arena);
	buf_release(&(*pp)->hline);
	buf_release(&(*pp)->field);
	free(*pp);
	*pp = NULL;
}

/* Forget the line being scanned. */
static void
mime_line_clear(struct mime_parser *p)
{
	p->line_len = 0;
	p->nhead = 0;
	p->mode = MIME_LINE_UNDECIDED;
	p->is_tail_ws = true;
	p->phase = MIME_PHASE_NEW;
	p->line_first = -1;
	p->line_seen = 0;
	p->is_hline_over = false;
	buf_clear(&p->hline);
}

void
mime_parser_reset(struct mime_parser *p)
{
	arena_reset(p->arena);
	memset(&p->root, 0, sizeof(p->root));
	p->root.state = MIME_ST_HEADER;
	p->cur = &p->root;
	p->offset = 0;
	p->nparts = 1;
	p->header_total = 0;
	p->is_finished = false;
	p->is_nomem = false;
	p->line_start = 0;
	p->line_index = 0;
	p->prev_eol = 0;
	p->is_prev_empty = false;
	p->pending_eol = 0;
	p->has_field = false;
	p->is_field_bad = false;
	buf_clear(&p->field);
	mime_line_clear(p);
}

static bool
mime_is_active(const struct mime_pstate *ps)
{
	return (ps->state == MIME_ST_PREAMBLE || ps->state == MIME_ST_IN_PART) &&
	    ps->part.boundary != NULL;
}

/* Does head (so far) begin "--" boundary of ps, or could it still? */
static enum mime_head_status
mime_head_match(const struct mime_parser *p, const struct mime_pstate *ps)
{
	size_t need = 2 + ps->boundary_len;
	size_t m = p->nhead < need ? p->nhead : need;

	if (m >= 1 && p->head[0] != '-')
		return MIME_HEAD_NONE;
	if (m >= 2 && p->head[1] != '-')
		return MIME_HEAD_NONE;
	if (m > 2 && memcmp(p->head + 2, ps->part.boundary, m - 2) != 0)
		return MIME_HEAD_NONE;
	return p->nhead >= need ? MIME_HEAD_MATCH : MIME_HEAD_MAYBE;
}

static enum mime_head_status
mime_head_status(const struct mime_parser *p)
{
	enum mime_head_status best = MIME_HEAD_NONE;
	const struct mime_part *part;

	for (part = &p->cur->part; part != NULL; part = part->parent) {
		const struct mime_pstate *ps = (const struct mime_pstate *)part;
		enum mime_head_status st;

		if (!mime_is_active(ps))
			continue;
		st = mime_head_match(p, ps);
		if (st > best)
			best = st;
	}
	return best;
}

static bool
mime_is_lwsp_run(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

/* The multipart whose boundary line this is: the innermost exact match,
 * else the innermost prefix match (*has_junk_r). */
static struct mime_pstate *
mime_boundary_pick(struct mime_parser *p, bool *is_close_r, bool *has_junk_r)
{
	struct mime_pstate *best = NULL;
	struct mime_part *part;

	for (part = &p->cur->part; part != NULL; part = part->parent) {
		struct mime_pstate *ps = mime_pstate(part);
		const char *rest = p->head + 2 + ps->boundary_len;
		size_t rn;
		bool is_close;

		if (!mime_is_active(ps) || mime_head_match(p, ps) != MIME_HEAD_MATCH)
			continue;
		rn = p->nhead - 2 - ps->boundary_len;
		is_close = rn >= 2 && rest[0] == '-' && rest[1] == '-';
		if (is_close) {
			rest += 2;
			rn -= 2;
		}
		if (mime_is_lwsp_run(rest, rn) && p->is_tail_ws) {
			*is_close_r = is_close;
			*has_junk_r = false;
			return ps;
		}
		if (best == NULL) {
			best = ps;
			*is_close_r = is_close;
		}
	}
	*has_junk_r = true;
	return best;
}

/* The line is content of the current part: pass on the held line break. */
static void
mime_content_begin(struct mime_parser *p)
{
	if (p->cur->state == MIME_ST_BODY && p->pending_eol > 0)
		mime_body_data(p, p->pending_eol == 2 ? "\r\n" : "\n", p->pending_eol);
	p->pending_eol = 0;
}

/* len > 0 content bytes of the current line. */
static void
mime_content_data(struct mime_parser *p, const char *data, size_t len)
{
	if (p->cur->state == MIME_ST_HEADER)
		mime_header_data(p, data, len);
	else if (p->cur->state == MIME_ST_BODY)
		mime_body_data(p, data, len);
}

/* The first byte of a line (or its end, for an empty line). */
static void
mime_line_begin(struct mime_parser *p)
{
	const struct mime_part *part;
	bool has_active = false;

	p->phase = MIME_PHASE_OPEN;
	for (part = &p->cur->part; part != NULL && !has_active; part = part->parent)
		has_active = mime_is_active((const struct mime_pstate *)part);
	p->mode = has_active ? MIME_LINE_UNDECIDED : MIME_LINE_CONTENT;
	if (p->mode == MIME_LINE_CONTENT)
		mime_content_begin(p);
}

/* The line so far cannot be a boundary line: it is content. */
static void
mime_line_to_content(struct mime_parser *p)
{
	p->mode = MIME_LINE_CONTENT;
	mime_content_begin(p);
	if (p->nhead > 0)
		mime_content_data(p, p->head, p->nhead);
}

/* Route content bytes of the current line (no line break in them). */
static void
mime_line_route(struct mime_parser *p, const char *data, size_t len)
{
	while (len > 0) {
		size_t k;

		if (p->mode == MIME_LINE_CONTENT) {
			mime_content_data(p, data, len);
			return;
		}
		if (p->nhead == MIME_HEAD_MAX) {	/* boundary line, past head */
			p->is_tail_ws = p->is_tail_ws && mime_is_lwsp_run(data, len);
			return;
		}
		k = MIME_HEAD_MAX - p->nhead < len ? MIME_HEAD_MAX - p->nhead : len;
		if (p->nhead == 0 && data[0] != '-') {
			/* not a boundary line: the bytes go on without the
			 * copy to head, in the pieces they would from there */
			p->mode = MIME_LINE_CONTENT;
			mime_content_begin(p);
			mime_content_data(p, data, k);
			data += k;
			len -= k;
			continue;
		}
		memcpy(p->head + p->nhead, data, k);
		p->nhead += k;
		data += k;
		len -= k;
		if (p->mode == MIME_LINE_UNDECIDED) {
			enum mime_head_status st = mime_head_status(p);

			if (st == MIME_HEAD_MATCH)
				p->mode = MIME_LINE_BOUNDARY;
			else if (st == MIME_HEAD_NONE)
				mime_line_to_content(p);
		}
	}
}

/* Problems of line structure go to the current part, not for binary. */
static void
mime_line_problem(struct mime_parser *p, enum mime_problem_code code)
{
	if (!mime_part_is_binary(p->cur))
		mime_problem_add_line(p, p->cur, code);
}

/* n more content bytes on the line (RFC 5322 §2.1.1: at most 998). */
static inline void
mime_line_grow(struct mime_parser *p, size_t n)
{
	if (p->line_len + n > MIME_LINE_MAX && p->line_len <= MIME_LINE_MAX)
		mime_line_problem(p, MIME_PROB_LINE_TOO_LONG);
	p->line_len += n;
}

/* The held CR was not a line break: it is content. */
static void
mime_line_release_cr(struct mime_parser *p)
{
	p->phase = MIME_PHASE_OPEN;
	mime_line_grow(p, 1);
	mime_line_problem(p, MIME_PROB_BARE_EOL);
	mime_line_route(p, "\r", 1);
}

/* Content bytes of the current line, the first CR among them at cr (len
 * if none): a CR at the end is held back. */
static void
mime_line_add(struct mime_parser *p, const char *data, size_t len, size_t cr)
{
	if (len == 0)
		return;
	if (p->phase != MIME_PHASE_OPEN) {	/* one test in the middle of a line */
		if (p->phase == MIME_PHASE_NEW) {
			mime_line_begin(p);
			p->line_first = (unsigned char)data[0];	/* set with it */
		} else {
			mime_line_release_cr(p);
		}
	}
	if (cr < len) {
		if (data[len - 1] == '\r') {
			p->phase = MIME_PHASE_CR;
			len--;
		}
		if (cr < len)	/* before the one held back */
			mime_line_problem(p, MIME_PROB_BARE_EOL);
	}
	mime_line_grow(p, len);
	mime_line_route(p, data, len);
}

/* A boundary line of ps: close what it ends, open what it begins.
 * next is the offset after the line. */
static void
mime_boundary_line(struct mime_parser *p, struct mime_pstate *ps, bool is_close,
    bool has_junk, size_t next)
{
	size_t end = p->line_start - p->prev_eol;
	struct mime_pstate *child;

	p->pending_eol = 0;
	while (p->cur != ps) {
		struct mime_pstate *inner = p->cur;

		mime_part_close(p, inner, end, false);
		p->cur = mime_pstate(inner->part.parent);
	}
	if (has_junk)
		mime_problem_add(p, ps, MIME_PROB_BOUNDARY_IN_PART, p->line_start);
	if (is_close) {
		ps->state = MIME_ST_EPILOGUE;
		ps->part.is_closed = true;
		if (ps->part.nchildren == 0)
			mime_problem_add(p, ps, MIME_PROB_NO_PARTS, p->line_start);
		return;
	}
	child = mime_part_open(p, ps, next);
	if (child == NULL) {
		ps->state = MIME_ST_EPILOGUE;
		ps->is_opaque = true;
		return;
	}
	ps->state = MIME_ST_IN_PART;
	p->cur = child;
}

/* The end of the current line: eol is the length of its line break
 * (0 at the end of the message). */
static void
mime_line_complete(struct mime_parser *p, unsigned eol)
{
	size_t next = p->line_start + p->line_len + eol;

	if (p->phase == MIME_PHASE_NEW)
		mime_line_begin(p);
	if (eol == 1)
		mime_line_problem(p, MIME_PROB_BARE_EOL);
	if (p->mode == MIME_LINE_UNDECIDED) {
		if (mime_head_status(p) == MIME_HEAD_MATCH)
			p->mode = MIME_LINE_BOUNDARY;
		else
			mime_line_to_content(p);
	}
	if (p->mode == MIME_LINE_BOUNDARY) {
		bool is_close = false, has_junk = false;
		struct mime_pstate *ps = mime_boundary_pick(p, &is_close, &has_junk);

		mime_boundary_line(p, ps, is_close, has_junk, next);
	} else if (p->cur->state == MIME_ST_HEADER) {
		mime_header_line_end(p, eol);
	} else if (p->cur->state == MIME_ST_BODY) {
		p->pending_eol = eol;
	}
	p->line_index++;
	p->prev_eol = eol;
	p->is_prev_empty = p->line_len == 0;
	p->line_start = next;
	mime_line_clear(p);
}

/* The length of the line's bytes at s: up to the first LF of s[0..len),
 * or len; *cr_r: where the first CR among them is, the length if none.
 * A short s, as most of a chunked feed's, is looked at as one word:
 * memchr() is an interceptor under the sanitizers, and a branch per byte
 * a callback under the fuzzers. */
static size_t
mime_line_scan(const char *s, size_t len, size_t *cr_r)
{
	const char *lf, *cr;
	size_t n = len;

	if (len < 8) {
		uint64_t w = word_tail(s, len, 0);
		uint64_t lfs = word_zeros(w ^ (WORD_ONES * '\n'));
		uint64_t crs = word_zeros(w ^ (WORD_ONES * '\r'));

		/* a flag on byte len, then on byte n, ends each search there */
		n = word_first(lfs | (uint64_t)0x80 << (8 * len));
		*cr_r = word_first(crs | (uint64_t)0x80 << (8 * n));
		return n;
	}
	if ((lf = memchr(s, '\n', len)) != NULL)
		n = (size_t)(lf - s);
	cr = memchr(s, '\r', n);
	*cr_r = cr != NULL ? (size_t)(cr - s) : n;
	return n;
}

void
mime_parser_feed(struct mime_parser *p, const void *data, size_t len)
{
	const char *s = data;

	if (p->is_finished)
		return;
	while (len > 0 && !p->is_nomem) {
		size_t cr, n = mime_line_scan(s, len, &cr);

		mime_line_add(p, s, n, cr);
		p->offset += n;
		s += n;
		len -= n;
		if (len > 0) {		/* at the LF */
			mime_line_complete(p, p->phase == MIME_PHASE_CR ? 2 : 1);
			p->offset++;
			s++;
			len--;
		}
	}
	p->offset += len;	/* out of memory: the rest is opaque */
}

const struct mime_part *
mime_parser_finish(struct mime_parser *p)
{
	if (p->is_finished)
		return &p->root.part;
	p->is_finished = true;
	if (!p->is_nomem && p->phase != MIME_PHASE_NEW) {
		if (p->phase == MIME_PHASE_CR)
			mime_line_release_cr(p);
		mime_line_complete(p, 0);
	}
	if (!p->is_nomem && p->cur->state == MIME_ST_BODY && p->pending_eol > 0)
		mime_content_begin(p);
	for (;;) {
		struct mime_pstate *ps = p->cur;

		mime_part_close(p, ps, p->offset, true);
		if (ps->part.parent == NULL)
			break;
		p->cur = mime_pstate(ps->part.parent);
	}
	return &p->root.part;
}

size_t
mime_parser_offset(const struct mime_parser *p)
{
	return p->offset;
}

size_t
mime_parser_part_count(const struct mime_parser *p)
{
	return p->nparts;
}
