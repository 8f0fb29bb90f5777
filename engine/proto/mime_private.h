/* mime_private.h: what the files of the MIME parser share.
 *
 * mime.c scans lines and boundaries, mime_part.c opens and closes parts
 * and checks bodies, mime_fields.c builds header fields and reads the
 * MIME ones. The public tree of mime.h is extended here with the state
 * the parser keeps per part; a struct mime_part pointer from the tree is
 * the first member of its struct mime_pstate.
 */
#ifndef MAILSPEC_MIME_PRIVATE_H
#define MAILSPEC_MIME_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "mime.h"
#include "mime_base64.h"
#include "mime_qp.h"
#include "word.h"

/* Bytes of a line kept to recognise a boundary line: "--", the longest
 * boundary, "--". */
#define MIME_HEAD_MAX (2 + MIME_BOUNDARY_MAX + 2)
/* Scratch for the body checks (decoded output is thrown away). */
#define MIME_CHECK_CHUNK 1024

enum mime_state {
	MIME_ST_HEADER = 0,	/* reading the part's header */
	MIME_ST_BODY,		/* leaf body */
	MIME_ST_PREAMBLE,	/* multipart before its first boundary */
	MIME_ST_IN_PART,	/* multipart with an open body part */
	MIME_ST_EPILOGUE,	/* multipart after its close delimiter (or opaque) */
	MIME_ST_IN_MESSAGE,	/* message/rfc822 with its message open */
	MIME_ST_CLOSED,
};

struct mime_pstate {
	struct mime_part part;		/* first: (struct mime_pstate *)part */
	enum mime_state state;
	size_t body_line;		/* index of the body's first line */
	size_t header_kept;		/* header bytes kept for this part */
	size_t boundary_len;
	bool is_digest;			/* multipart/digest: children default to message/rfc822 */
	bool is_opaque;			/* multipart given up on (limits): not unterminated */
	struct mime_header_field *field_tail;
	struct mime_part *child_tail;
};

/* How far the line being scanned is (one test tells the middle of a
 * line from the rest). */
enum mime_line_phase {
	MIME_PHASE_NEW = 0,		/* nothing seen: line_begin() has not run */
	MIME_PHASE_OPEN,		/* begun */
	MIME_PHASE_CR,			/* a CR ends what was seen: line break or not */
};

enum mime_line_mode {
	MIME_LINE_UNDECIDED = 0,	/* may still be a boundary line: bytes go to head */
	MIME_LINE_CONTENT,		/* content of the current part */
	MIME_LINE_BOUNDARY,		/* a boundary line: bytes past head are dropped */
};

struct mime_parser {
	struct mime_limits lim;
	struct arena *arena;
	struct mime_pstate root;
	struct mime_pstate *cur;	/* innermost open part */
	size_t offset;			/* bytes taken so far */
	size_t nparts;
	size_t header_total;		/* header bytes kept for the message */
	bool is_finished;
	bool is_nomem;			/* arena full: everything after is opaque */

	/* the line being scanned */
	size_t line_start;
	size_t line_len;		/* content bytes so far (a held CR excluded) */
	size_t line_index;		/* lines begun before this one */
	size_t prev_eol;		/* line break length of the previous line */
	bool is_prev_empty;		/* the previous line had no content */
	enum mime_line_phase phase;	/* how far the line is */
	uint32_t line_seen;		/* data problems already counted on this line */
	enum mime_line_mode mode;
	char head[MIME_HEAD_MAX];
	size_t nhead;
	bool is_tail_ws;		/* boundary line: all bytes past head are LWSP */
	unsigned pending_eol;		/* leaf body: the previous line's break, not yet checked */

	/* header lines and fields */
	struct buf hline;		/* the current header line */
	struct buf field;		/* the current field, lines with their breaks */
	size_t field_offset;
	bool has_field;
	bool is_hline_over;		/* the current line did not fit: dropped */
	bool is_field_bad;		/* the current field lost a line */
	int line_first;			/* first content byte of the line, -1 none */

	/* checks of the current leaf body */
	struct mime_base64_decoder b64;
	struct mime_qp_decoder qp;
	unsigned char scratch[MIME_QP_DECODED_MAX(MIME_CHECK_CHUNK) + 8];
};

static inline struct mime_pstate *
mime_pstate(struct mime_part *part)
{
	return (struct mime_pstate *)part;
}

/* mime_part.c */
/* Record code on ps (first offset kept, count increased). */
void mime_problem_add(struct mime_parser *p, struct mime_pstate *ps,
    enum mime_problem_code code, size_t offset);
/* A problem found in the data of the current line: counted once per line,
 * so the counts do not depend on how the input was chunked. */
void mime_problem_add_line(struct mime_parser *p, struct mime_pstate *ps,
    enum mime_problem_code code);
/* Record every code whose bit is set in mask. */
void mime_problem_add_mask(struct mime_parser *p, struct mime_pstate *ps,
    uint32_t mask, size_t offset);
/* A new child of parent in MIME_ST_HEADER at offset; NULL past max_parts
 * or when the arena is full (recorded on parent). */
struct mime_pstate *mime_part_open(struct mime_parser *p, struct mime_pstate *parent,
    size_t offset);
/* The header of ps ended: decide its kind (leaf, multipart, message) and
 * start its body at body_offset (p->cur may become its message). */
void mime_part_begin_body(struct mime_parser *p, struct mime_pstate *ps, size_t body_offset);
/* Close ps at end (its children are closed already); is_eof: the end of
 * the message rather than a boundary line. */
void mime_part_close(struct mime_parser *p, struct mime_pstate *ps, size_t end, bool is_eof);
/* Body bytes of the current leaf: checks of its transfer encoding. */
void mime_body_data(struct mime_parser *p, const char *data, size_t len);
/* Is ps's body binary (no line structure to check)? */
bool mime_part_is_binary(const struct mime_pstate *ps);

/* mime_fields.c */
/* Content bytes of the current header line. */
void mime_header_data(struct mime_parser *p, const char *data, size_t len);
/* The current header line ended with a break of eol bytes (0: end of input). */
void mime_header_line_end(struct mime_parser *p, unsigned eol);
/* The header of ps ended: store the last field, read the MIME fields. */
void mime_header_finish(struct mime_parser *p, struct mime_pstate *ps);

#endif
