/* imap_node.h: the IMAP data model shared by the response parser
 * (imap_resp.h) and the command parser (imap_cmd.h): nodes, limits,
 * errors, query helpers and the serializer.
 *
 * RFC 9051 §4 (atom, number, string: quoted or literal, NIL, parenthesized
 * list), §6.4.5 and §9 (section, partial), RFC 3516 (literal8 "~{n}"),
 * RFC 7888 (non-synchronizing literals "{n+}").
 *
 * A parsed item is a tree of struct imap_node living in its parser's
 * arena; every pointer stays valid until the parser's next _next() call
 * or reset. Node kinds:
 *   ATOM     text as sent ("FETCH", "\Seen", "1:*", "RFC822.SIZE")
 *   NUMBER   1*DIGIT that fits number64 (< 2^63); str keeps the digits
 *   STRING   quoted (escapes removed) or literal; is_literal tells which
 *   NIL      the atom NIL in any case; str keeps it as sent
 *   LIST     "(" ... ")"; items[0..count)
 *   SECTION  the "[...]<...>" glued to BODY, BODY.PEEK, BINARY,
 *            BINARY.PEEK or BINARY.SIZE: BODY[1.2.HEADER.FIELDS (From)]<0>
 *            is ATOM "BODY" followed by a SECTION whose items are the
 *            tokens inside the brackets (ATOM "1.2.HEADER.FIELDS", LIST
 *            (From)) and whose section field holds the decoded spec.
 * Between two items of a list the wire has one SP, except that a list
 * may directly follow a list (RFC 3501 §9 body-type-mpart, RFC 5256
 * thread-list) and a SECTION always follows its atom: such a node has
 * is_glued set, and the serializer writes no SP before it.
 */
#ifndef MAILSPEC_IMAP_NODE_H
#define MAILSPEC_IMAP_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

enum imap_node_kind {
	IMAP_NODE_ATOM = 0,
	IMAP_NODE_NUMBER,
	IMAP_NODE_STRING,
	IMAP_NODE_NIL,
	IMAP_NODE_LIST,
	IMAP_NODE_SECTION,
};

/* A decoded section-spec (RFC 9051 §9 section, section-binary, partial). */
struct imap_section {
	const uint32_t *parts;		/* section-part: "1.2" is { 1, 2 } */
	size_t nparts;
	const char *text;		/* "", "HEADER", "HEADER.FIELDS",
					 * "HEADER.FIELDS.NOT", "TEXT", "MIME" (upper case) */
	const struct imap_node *fields;	/* header-list of HEADER.FIELDS[.NOT], else NULL */
	bool is_binary;			/* after BINARY*: parts only */
	bool has_partial;		/* "<offset>" or "<offset.length>" followed */
	bool has_partial_len;
	uint64_t partial_offset;
	uint64_t partial_len;
};

/* A new field must be set in imap_lex_node_init() (imap_lex.c). */
struct imap_node {
	enum imap_node_kind kind;
	const char *str;	/* NUL-terminated; ATOM/NUMBER/NIL: as sent;
				 * STRING: the value (a literal8 may hold NULs:
				 * len counts them); LIST/SECTION: "" */
	size_t len;
	uint64_t num;		/* NUMBER: its value */
	bool is_literal;	/* STRING sent as {n} (or ~{n}, {n+}) */
	bool is_literal8;	/* STRING sent as ~{n} (RFC 3516) */
	bool is_nonsync;	/* STRING sent as {n+} (RFC 7888) */
	bool is_glued;		/* no SP before this node on the wire */
	struct imap_node *const *items;	/* LIST/SECTION: the children */
	size_t count;
	const struct imap_section *section;	/* SECTION only */
	struct imap_node *next;	/* next sibling, NULL for the last */
};

/* Limits of one parsed item (command or response); 0 picks the parser's
 * default, documented in imap_resp.h and imap_cmd.h. */
struct imap_limits {
	size_t max_line;	/* non-literal bytes of one item, CRLFs excluded */
	size_t max_literal;	/* bytes of one literal */
	size_t max_size;	/* bytes of one item on the wire, literals included */
	size_t max_nonsync;	/* commands: bytes of one {n+} literal
				 * (RFC 9051 §4.3, RFC 7888 §5 LITERAL-: 4096);
				 * SIZE_MAX for LITERAL+ (only max_literal applies) */
	size_t max_depth;	/* nesting of lists and sections */
	size_t max_nodes;	/* nodes in one item */
};

enum imap_error {
	IMAP_ERR_NONE = 0,
	IMAP_ERR_LINE_TOO_LONG,		/* non-literal bytes over max_line */
	IMAP_ERR_TOO_LARGE,		/* the item over max_size */
	IMAP_ERR_LITERAL_TOO_LARGE,	/* a literal over max_literal */
	IMAP_ERR_NONSYNC_TOO_LARGE,	/* {n+} over max_nonsync (RFC 7888 §5) */
	IMAP_ERR_NONSYNC_LITERAL,	/* {n+} sent by a server (RFC 9051 §4.3) */
	IMAP_ERR_BAD_LITERAL,		/* malformed "{n}", or not at the end of a line */
	IMAP_ERR_LITERAL_NUL,		/* NUL in a {n} literal (CHAR8, RFC 9051 §9) */
	IMAP_ERR_BARE_CR,		/* CR not followed by LF */
	IMAP_ERR_BARE_LF,		/* LF without CR */
	IMAP_ERR_NUL,			/* NUL outside a literal */
	IMAP_ERR_TOO_DEEP,		/* lists nested deeper than max_depth */
	IMAP_ERR_TOO_MANY_NODES,	/* more than max_nodes */
	IMAP_ERR_BAD_CHAR,		/* a byte that cannot be part of a token here */
	IMAP_ERR_BAD_SPACE,		/* leading, doubled or trailing SP */
	IMAP_ERR_EXPECTED_SP,		/* two tokens without SP between them */
	IMAP_ERR_BAD_QUOTED,		/* backslash not before '"' or '\' */
	IMAP_ERR_UNTERMINATED_QUOTED,	/* the line ends inside a quoted string */
	IMAP_ERR_UNBALANCED,		/* ')' or ']' without opener, or unclosed at the end */
	IMAP_ERR_BAD_SECTION,		/* not a section-spec or partial */
	IMAP_ERR_BAD_TAG,		/* missing or malformed tag */
	IMAP_ERR_BAD_RESPONSE,		/* not "+", "* " or a tag; untagged data without a keyword */
	IMAP_ERR_BAD_STATUS,		/* a tagged response without OK, NO or BAD */
	IMAP_ERR_MISSING_COMMAND,	/* a tag without a command name */
	IMAP_ERR_BAD_SEQSET,		/* not a sequence-set (RFC 9051 §9) */
	IMAP_ERR_SEQSET_RANGE,		/* above the maximum, or "*" with none */
	IMAP_ERR_NOMEM,
};

/* A fixed English message for an error code. */
const char *imap_error_str(enum imap_error err);
/* "ATOM", "NUMBER", ...: for messages. */
const char *imap_node_kind_name(enum imap_node_kind kind);

/* The i-th child of a LIST or SECTION; NULL when out of range or node is
 * NULL or not a container. */
const struct imap_node *imap_node_list_get(const struct imap_node *list, size_t i);
/* Children of a LIST or SECTION, 0 for anything else. */
size_t imap_node_list_count(const struct imap_node *list);
/* True when node is an ATOM equal to name, ignoring ASCII case. */
bool imap_node_is_atom(const struct imap_node *node, const char *name);
/* The text of an ATOM, NUMBER or STRING (astring/nstring value); NULL for
 * NIL, LIST, SECTION or NULL. *len_r (may be NULL) gets its length. */
const char *imap_node_str(const struct imap_node *node, size_t *len_r);
/* True and *num_r for a NUMBER. */
bool imap_node_number(const struct imap_node *node, uint64_t *num_r);
/* Deep equality: kinds, texts, numbers, literal flags, glue, sections. */
bool imap_node_equal(const struct imap_node *a, const struct imap_node *b);
/* True when two sections name the same part: parts, text, header fields
 * (ignoring case) and partial. */
bool imap_section_equal(const struct imap_section *a, const struct imap_section *b);

/* Append the canonical IMAP text of node: atoms and numbers as sent,
 * quoted strings re-quoted, literals as "{n}" CRLF bytes ("~{n}", "{n+}"
 * kept), a STRING holding CR, LF or NUL as a literal (literal8 for NUL),
 * lists with one SP between items (none before a glued node), sections
 * as "[...]" with "<offset[.length]>". false: the buffer's maximum. */
bool imap_node_write(struct buf *b, const struct imap_node *node);
/* The children of a LIST or SECTION without the brackets, as above. */
bool imap_node_write_items(struct buf *b, const struct imap_node *list);

#endif
