/* imap_private.h: parts shared by imap_resp.c and imap_cmd.c only.
 *
 * imap_frame (imap_frame.c) cuts the byte stream into the lines and
 * literals of one item and keeps the item's raw bytes; imap_lex
 * (imap_lex.c) turns complete lines into a node tree, resuming after each
 * literal; imap_section.c decodes the "[...]<...>" of BODY/BINARY.
 * Neither reads a socket or knows what a command or response is.
 */
#ifndef MAILSPEC_IMAP_PRIVATE_H
#define MAILSPEC_IMAP_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "imap_node.h"

struct arena;

/* ---- framing (imap_frame.c) ---------------------------------------- */

enum imap_frame_state {
	IMAP_FRAME_LINE = 0,	/* reading a line up to CRLF */
	IMAP_FRAME_LITERAL,	/* reading literal bytes */
	IMAP_FRAME_SKIP_LINE,	/* after an error: dropping up to CRLF */
	IMAP_FRAME_SKIP_LITERAL,/* after an error: dropping a literal's bytes */
};

/* imap_frame_next() results */
#define IMAP_FRAME_EV_LINE	1	/* a whole line: imap_frame_line() */
#define IMAP_FRAME_EV_LITERAL	2	/* the literal's bytes: imap_frame_literal() */

#define IMAP_FRAME_TAIL	32	/* bytes kept of a line being skipped */

struct imap_frame {
	char *in;		/* bytes fed and not yet moved to raw */
	size_t in_cap, in_start, in_end;
	struct buf raw;		/* the current item as sent */
	size_t seg_start;	/* offset in raw of the current line or literal */
	size_t ev_start, ev_len;	/* the line or literal of the last event */
	size_t line_total;	/* non-literal bytes of the item so far */
	uint64_t lit_left;	/* literal bytes still to read or skip */
	bool is_cr;		/* the last byte taken was a CR */
	bool is_server;		/* after an error a client never sends a
				 * synchronizing literal: do not skip one */
	enum imap_frame_state state;
	char tail[IMAP_FRAME_TAIL];	/* end of the line being skipped */
	size_t tail_len;
	size_t max_line;
	size_t max_size;
	enum imap_error err;
};

bool imap_frame_init(struct imap_frame *f, size_t max_line, size_t max_size, bool is_server);
void imap_frame_release(struct imap_frame *f);
/* Forget everything fed and any item in progress. */
void imap_frame_reset(struct imap_frame *f);
/* Copy bytes in; fewer than len only when the input buffer is full. */
size_t imap_frame_feed(struct imap_frame *f, const void *data, size_t len);
/* Drop the previous item's raw bytes; the next line starts a new item. */
void imap_frame_begin_item(struct imap_frame *f);
/* EV_LINE, EV_LITERAL, 0 need more, -1 error (f->err; the frame then
 * skips to the end of the line by itself). */
int imap_frame_next(struct imap_frame *f);
/* The line of the last EV_LINE without CRLF, valid until the next call. */
const char *imap_frame_line(const struct imap_frame *f, size_t *len_r);
/* The bytes of the last EV_LITERAL, valid until the next call. */
const char *imap_frame_literal(const struct imap_frame *f, size_t *len_r);
/* Read n literal bytes next; false (f->err set) past max_size. */
bool imap_frame_start_literal(struct imap_frame *f, uint64_t n);
/* After an error found in a whole line: if the line ends in a literal
 * announcement that the peer will send anyway, skip its bytes and the
 * lines after it the same way; else the item ends here. */
void imap_frame_skip_after_line(struct imap_frame *f, const char *line, size_t len);
/* After an error in the middle of a line: skip to its end. */
void imap_frame_skip_line(struct imap_frame *f);
/* Bytes fed and not yet part of a finished item. */
size_t imap_frame_pending(const struct imap_frame *f);
/* Parse a literal announcement "{n}", "{n+}", "~{n}" at the very end of
 * line; its size, or -1 when there is none. */
int64_t imap_frame_tail_literal(const char *line, size_t len, bool *is_nonsync_r);

/* ---- lexer (imap_lex.c) -------------------------------------------- */

enum imap_lex_mode {
	IMAP_LEX_ROOT = 0,	/* items up to the end of a line */
	IMAP_LEX_CODE,		/* items up to an unnested "]" (response codes) */
};

/* imap_lex_run() results */
#define IMAP_LEX_END		1	/* the item's items are complete */
#define IMAP_LEX_LITERAL	2	/* the line ended in a literal announcement */

/* A LIST or SECTION being filled: children are chained through next
 * and put in an items array when it closes. */
struct imap_lex_open {
	struct imap_node *node;
	struct imap_node *head, *tail;
};

struct imap_lex {
	struct arena *arena;
	struct imap_lex_open *open;	/* open containers; open[0] is the root */
	size_t depth;			/* index of the innermost container */
	size_t nbrackets;		/* open SECTIONs (and the CODE root) */
	size_t nodes;
	size_t max_depth;
	size_t max_nodes;
	bool allow_nonsync;		/* "{n+}" accepted (commands) */
	enum imap_lex_mode mode;
	bool need_sep;			/* a token ended: SP or a closer must follow */
	bool after_sp;			/* an SP was taken: a token must follow */
	bool after_close;		/* the last token was ")" */
	uint64_t lit_size;		/* the announcement of IMAP_LEX_LITERAL */
	bool lit_is_literal8;
	bool lit_is_nonsync;
	enum imap_error err;
};

/* imap_lex.c's byte classes (see there) */
#define IMAP_CHAR_ATOM		0x01
#define IMAP_CHAR_RBRACKET	0x02	/* "]": an atom byte outside brackets */
#define IMAP_CHAR_LBRACKET	0x04	/* "[": may open a section */
#define IMAP_CHAR_TAG		0x08
#define IMAP_CHAR_ATOMCHAR	0x10
extern const uint8_t imap_char_class[256];

/* A tag byte: ASTRING-CHAR but "+" (RFC 9051 §9). */
static inline bool
imap_is_tag_char(unsigned char c)
{
	return (imap_char_class[c] & IMAP_CHAR_TAG) != 0;
}

/* An ATOM-CHAR (RFC 9051 §9). */
static inline bool
imap_is_atom_char(unsigned char c)
{
	return (imap_char_class[c] & IMAP_CHAR_ATOMCHAR) != 0;
}

bool imap_lex_init(struct imap_lex *lx, struct arena *arena, size_t max_depth,
    size_t max_nodes, bool allow_nonsync);
void imap_lex_release(struct imap_lex *lx);

/* What both parsers are built from: their limits, the arena their items
 * live in, line and literal framing, and the lexer. */
struct imap_core {
	struct imap_frame frame;
	struct imap_lex lex;
	struct arena *arena;
	struct imap_limits lim;
};

/* a + b, or SIZE_MAX when that overflows. */
size_t imap_sat_add(size_t a, size_t b);
/* Set up c for c->lim (already filled in); the arena holds one item on the
 * wire plus two lines and max_nodes nodes. false on ENOMEM, c released. */
bool imap_core_init(struct imap_core *c, bool is_server);
/* Free what imap_core_init() made. */
void imap_core_release(struct imap_core *c);
/* Start a new item (the arena is the caller's to reset). after_sp: the
 * caller took an SP, so a token must come first. false: NOMEM. */
bool imap_lex_begin(struct imap_lex *lx, enum imap_lex_mode mode, bool after_sp);
/* Lex s[*pos_r..len): IMAP_LEX_END (ROOT: at len; CODE: *pos_r just after
 * the "]"), IMAP_LEX_LITERAL (lit_* set, *pos_r == len), -1 (lx->err,
 * *pos_r at the offending byte). */
int imap_lex_run(struct imap_lex *lx, const char *s, size_t len, size_t *pos_r);
/* Add the literal announced by the last IMAP_LEX_LITERAL. false: limits. */
bool imap_lex_literal(struct imap_lex *lx, const char *data, size_t len);
/* The root LIST of the item; valid after IMAP_LEX_END. */
const struct imap_node *imap_lex_root(const struct imap_lex *lx);
/* A node of kind in the arena, counted against max_nodes. */
struct imap_node *imap_lex_new_node(struct imap_lex *lx, enum imap_node_kind kind);
/* Close the innermost container: build its items array. */
bool imap_lex_close(struct imap_lex *lx);

/* ---- sections (imap_section.c) -------------------------------------- */

/* True when an atom of len bytes takes a section ("BODY", "BINARY.PEEK"...). */
bool imap_section_takes(const char *atom, size_t len, bool *is_binary_r);
/* Decode the closed SECTION node sec from its items, then a partial at
 * s[*pos_r..len) if one follows. false: lx->err set. */
bool imap_section_finish(struct imap_lex *lx, struct imap_node *sec,
    const char *s, size_t len, size_t *pos_r);

/* ---- shared helpers (imap_node.c) ----------------------------------- */

/* An upper-case NUL-terminated copy in the arena. */
char *imap_node_strdup_upper(struct arena *a, const char *s, size_t len);
/* Case-insensitive comparison of s[0..len) with the C string name. */
bool imap_node_text_is(const char *s, size_t len, const char *name);

#endif
