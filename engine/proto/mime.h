/* mime.h: incremental MIME parser producing a tree of body parts.
 *
 * RFC 5322 §2.1-2.2 (header fields, folding), RFC 2045 (MIME-Version,
 * Content-Type, Content-Transfer-Encoding, Content-ID, -Description),
 * RFC 2046 §5.1 (multipart: boundaries, preamble, epilogue, digest
 * default), §5.2.1 (message/rfc822, parsed recursively), RFC 2183
 * (Content-Disposition), RFC 3282 (Content-Language), RFC 2557
 * (Content-Location), RFC 1864 (Content-MD5), RFC 2231 (parameters).
 *
 * Contract (STYLE.md: feed bytes in, pull the item out): feed the message
 * in any chunking with mime_parser_feed(), then mime_parser_finish()
 * returns the tree. The same bytes give the same tree however they are
 * chunked. The parser never fails and never reads outside what it is
 * given: what it cannot accept (limits, malformed input, memory) is
 * recorded as a problem on the part where it happened and the rest of that
 * part is taken as opaque body. It keeps none of the message bytes except
 * header fields: a part's body is known by its offset and size in the
 * message, so a server serves BODY[1.2], BODY[1.2.MIME] and
 * BODY[1.HEADER] from its own copy of the message.
 *
 * Lifetimes: every pointer in the tree lives in the parser's arena and
 * stays valid until mime_parser_reset() or mime_parser_free(). Strings
 * are NUL-terminated; those with a _len may also contain NUL bytes.
 *
 * Offsets: byte offsets from the start of the message fed. A part's header
 * is [offset, offset + header_size) and includes the empty line ending it;
 * its body is [body_offset, body_offset + body_size). In a multipart the
 * line break before a boundary line belongs to the boundary (RFC 2046
 * §5.1.1), so it is in neither part. Line breaks are CRLF or a bare LF
 * (reported); a bare CR is not a line break.
 */
#ifndef MAILSPEC_MIME_H
#define MAILSPEC_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Problems recorded on parts. A part's problem_mask has bit (1u << code)
 * for each code recorded on it. */
enum mime_problem_code {
	MIME_PROB_NONE = 0,
	MIME_PROB_NO_MIME_VERSION,	/* MIME fields in a message header without MIME-Version (RFC 2045 §4) */
	MIME_PROB_HEADER_NO_COLON,	/* a header line that is neither a field nor a continuation */
	MIME_PROB_HEADER_8BIT,		/* a byte >= 0x80 or NUL in a header (RFC 2045 §3, RFC 5322 §2.2) */
	MIME_PROB_HEADER_UNTERMINATED,	/* a body part's header not ended by an empty line */
	MIME_PROB_HEADER_TOO_LONG,	/* header past the size limit: later fields not kept */
	MIME_PROB_DUPLICATE_FIELD,	/* a MIME field given twice; the first one is used */
	MIME_PROB_BAD_CONTENT_TYPE,	/* Content-Type not "type/subtype": the default is used */
	MIME_PROB_BAD_PARAM,		/* malformed parameter or RFC 2231 section */
	MIME_PROB_PARAM_CHARSET,	/* RFC 2231 value not convertible to UTF-8: bytes kept */
	MIME_PROB_BAD_CTE,		/* unknown transfer encoding, or an encoding on a composite type */
	MIME_PROB_MISSING_BOUNDARY,	/* multipart without a usable boundary: its body is opaque */
	MIME_PROB_BAD_BOUNDARY,		/* boundary not 1*70 bchars, or clashing with an enclosing one */
	MIME_PROB_UNTERMINATED_MULTIPART, /* no close delimiter before the end of the multipart */
	MIME_PROB_NO_PARTS,		/* a multipart without a body part */
	MIME_PROB_BOUNDARY_IN_PART,	/* boundary line with text after the boundary (taken as one) */
	MIME_PROB_BAD_BASE64,		/* base64 body: junk, bad padding or truncated (RFC 2045 §6.8) */
	MIME_PROB_BAD_QP,		/* quoted-printable body breaks RFC 2045 §6.7 */
	MIME_PROB_8BIT_BODY,		/* 8-bit data in a 7bit body (RFC 2045 §2.7) */
	MIME_PROB_BARE_EOL,		/* bare CR or LF (RFC 5322 §2.3, RFC 2045 §2.7-2.8) */
	MIME_PROB_LINE_TOO_LONG,	/* a line longer than 998 bytes (RFC 5322 §2.1.1) */
	MIME_PROB_TOO_DEEP,		/* nesting past max_depth: the part is opaque */
	MIME_PROB_TOO_MANY_PARTS,	/* part count past max_parts: the rest is opaque */
	MIME_PROB_NOMEM,		/* arena full: the rest is opaque */
	MIME_PROB_COUNT
};

/* A problem as recorded: the first occurrence on its part. */
struct mime_problem {
	enum mime_problem_code code;
	const char *message;	/* mime_problem_str(code) */
	size_t offset;		/* message offset where it was first seen */
	size_t count;		/* times seen on this part (data problems: lines) */
	struct mime_problem *next;
};

/* A header field (RFC 5322 §2.2). */
struct mime_header_field {
	const char *name;	/* as written, WSP before the colon dropped */
	const char *raw;	/* after the colon up to the final line break, folds included */
	size_t raw_len;
	const char *value;	/* unfolded (RFC 5322 §2.2.3), leading/trailing WSP trimmed */
	size_t value_len;
	size_t offset;		/* of the field's first byte */
	size_t size;		/* up to and including its final line break */
	struct mime_header_field *next;
};

/* A Content-Type or Content-Disposition parameter (RFC 2045 §5.1,
 * RFC 2231): sections joined, %XX decoded, converted to UTF-8 when the
 * charset is us-ascii, utf-8 or iso-8859-1 (else the bytes are kept). */
struct mime_param {
	const char *name;	/* lower-cased, without "*" and section */
	const char *value;
	size_t value_len;
	const char *charset;	/* RFC 2231 charset as written, "" if none */
	const char *language;	/* RFC 2231 language, "" if none */
	bool is_extended;	/* given as name*= or name*0*= */
	struct mime_param *next;
};

enum mime_cte {
	MIME_CTE_7BIT = 0,	/* also the default (RFC 2045 §6.1) */
	MIME_CTE_8BIT,
	MIME_CTE_BINARY,
	MIME_CTE_QP,
	MIME_CTE_BASE64,
	MIME_CTE_UNKNOWN,	/* x-token or junk; RFC 2045 §6.4: treat as opaque */
};

/* How the parser treated a part (not always what its type says: a
 * multipart without boundary is a LEAF, with a problem). */
enum mime_part_kind {
	MIME_PART_LEAF = 0,
	MIME_PART_MULTIPART,	/* children are the body parts */
	MIME_PART_MESSAGE,	/* message/rfc822 or message/global: one child, the message */
};

struct mime_part {
	struct mime_part *parent;
	struct mime_part *children;	/* first child */
	struct mime_part *next;		/* next sibling */
	size_t nchildren;
	unsigned depth;			/* 0 for the message */
	enum mime_part_kind kind;

	size_t offset;			/* header */
	size_t header_size;
	size_t body_offset;
	size_t body_size;
	size_t body_lines;		/* lines of the body; a last line without
					 * line break counts (IMAP size in lines) */

	struct mime_header_field *fields;
	size_t nfields;
	const char *type;		/* lower-cased; default "text" */
	const char *subtype;		/* lower-cased; default "plain" */
	struct mime_param *type_params;	/* default: charset=us-ascii */
	bool has_content_type;		/* false: type is the default */
	enum mime_cte cte;
	const char *cte_name;		/* lower-cased, "7bit" by default */
	const char *disposition;	/* lower-cased type, NULL if no field */
	struct mime_param *disposition_params;
	const char *content_id;		/* field values (unfolded), NULL if absent */
	const char *description;
	const char *language;
	const char *location;
	const char *md5;
	bool has_mime_version;
	const char *boundary;		/* multipart in use, NULL otherwise */
	bool is_closed;			/* multipart: its close delimiter was seen */

	uint32_t problem_mask;		/* bit (1u << code) per code recorded */
	struct mime_problem *problems;	/* one per code recorded, in code order */
};

struct mime_limits {
	unsigned max_depth;		/* nesting below the message (0: 32) */
	size_t max_parts;		/* parts in the tree, the message included (0: 10000) */
	size_t max_header_size;		/* header bytes kept per part (0: 256 KiB) */
	size_t max_header_total;	/* header bytes kept for the message (0: 16 MiB) */
	size_t max_memory;		/* arena maximum (0: 256 MiB) */
};

#define MIME_DEFAULT_MAX_DEPTH 32
#define MIME_DEFAULT_MAX_PARTS 10000
#define MIME_DEFAULT_MAX_HEADER_SIZE ((size_t)256 << 10)
#define MIME_DEFAULT_MAX_HEADER_TOTAL ((size_t)16 << 20)
#define MIME_DEFAULT_MAX_MEMORY ((size_t)256 << 20)
/* Longest boundary used (RFC 2046 allows 70; longer ones are reported
 * but used up to this length, past it the multipart is opaque). */
#define MIME_BOUNDARY_MAX 200
/* RFC 5322 §2.1.1: 998 characters per line, CRLF excluded. */
#define MIME_LINE_MAX 998

struct mime_parser;

/* A parser for one message at a time; lim NULL or zero fields: defaults.
 * NULL only when memory for the parser itself is not available. */
struct mime_parser *mime_parser_new(const struct mime_limits *lim);
/* Free the parser and its tree; clears *pp. NULL-safe. */
void mime_parser_free(struct mime_parser **pp);
/* Forget the message (the tree is freed) and start a new one. */
void mime_parser_reset(struct mime_parser *p);
/* Take the next len bytes of the message; always takes all of them.
 * Ignored after mime_parser_finish(). */
void mime_parser_feed(struct mime_parser *p, const void *data, size_t len);
/* End of the message: close every open part and return the tree (never
 * NULL). Further calls return the same tree. */
const struct mime_part *mime_parser_finish(struct mime_parser *p);
/* Bytes fed so far. */
size_t mime_parser_offset(const struct mime_parser *p);
/* Parts in the tree so far, the message included. */
size_t mime_parser_part_count(const struct mime_parser *p);

/* A fixed English message for a problem code. */
const char *mime_problem_str(enum mime_problem_code code);
/* True when part has problem code recorded. */
bool mime_part_has_problem(const struct mime_part *part, enum mime_problem_code code);
/* The value of parameter name (case-insensitive) in list, NULL if none. */
const struct mime_param *mime_param_find(const struct mime_param *list, const char *name);
/* The first field named name (case-insensitive), NULL if none. */
const struct mime_header_field *mime_part_field(const struct mime_part *part,
    const char *name);
/* The n-th child (1-based), NULL if none. */
const struct mime_part *mime_part_child(const struct mime_part *part, size_t n);
/* IMAP part numbering (RFC 9051 §6.4.5) from message: section[0..n) is
 * "1.2.3" as numbers. A non-multipart message or encapsulated message has
 * only part 1, which is itself; message/rfc822 parts number the parts of
 * their message. n == 0 gives message. NULL when there is no such part. */
const struct mime_part *mime_part_by_section(const struct mime_part *message,
    const unsigned *section, size_t n);

#endif
