/* imap_search.h: the SEARCH command's program, shared by imap_search.c
 * (the command, result options, the response), imap_search_parse.c
 * (search keys into a tree) and imap_search_match.c (a message against
 * the tree). Private to those files.
 *
 * The tree lives in an arena freed when the command ends; strings point
 * into the command, which stays valid while it runs.
 */
#ifndef MAILSPEC_IMAP_SEARCH_H
#define MAILSPEC_IMAP_SEARCH_H

#include "imap_private.h"

struct arena;

enum imap_skey_kind {
	IMAP_SK_ALL,		/* ALL, and an empty AND */
	IMAP_SK_RECENT,		/* IMAP4rev1 RECENT: \Recent in this session */
	IMAP_SK_NEW,		/* IMAP4rev1 NEW: \Recent and not \Seen */
	IMAP_SK_OLD,		/* IMAP4rev1 OLD: not \Recent */
	IMAP_SK_AND,		/* a parenthesized list, and the whole program */
	IMAP_SK_OR,
	IMAP_SK_NOT,
	IMAP_SK_FLAG,		/* ANSWERED DELETED ... (flag bit) */
	IMAP_SK_KEYWORD,	/* KEYWORD flag-keyword */
	IMAP_SK_SEQSET,		/* sequence-set */
	IMAP_SK_UIDSET,		/* UID sequence-set */
	IMAP_SK_LARGER,
	IMAP_SK_SMALLER,
	IMAP_SK_BEFORE,		/* internal date, by day (UTC) */
	IMAP_SK_ON,
	IMAP_SK_SINCE,
	IMAP_SK_SENTBEFORE,	/* the Date: field, by the day written */
	IMAP_SK_SENTON,
	IMAP_SK_SENTSINCE,
	IMAP_SK_HEADER,		/* FROM TO CC BCC SUBJECT HEADER: a field */
	IMAP_SK_BODY,
	IMAP_SK_TEXT,
};

struct imap_skey {
	enum imap_skey_kind kind;
	unsigned flag;			/* IMAP_SK_FLAG: STORE_F_* */
	const char *field;		/* IMAP_SK_HEADER: the field name */
	char *needle;			/* string keys: ASCII-folded */
	size_t needle_len;
	const char *keyword;		/* IMAP_SK_KEYWORD */
	uint64_t num;			/* LARGER, SMALLER */
	int64_t day;			/* date keys: days since 1970-01-01 */
	struct imap_seqset set;		/* SEQSET, UIDSET ("$" too) */
	struct imap_skey *child;	/* AND, OR (two), NOT (one) */
	struct imap_skey *next;		/* the next sibling */
};

/* ---- imap_search_parse.c ---- */
/* Parse the keys list[start..) into an AND node in a; NULL with BAD
 * (or NO) sent. */
struct imap_skey *imap_search_parse(struct imap_session *s, struct arena *a,
    const struct imap_node *list, size_t start);

/* ---- imap_search_match.c ---- */
/* What one message is matched with; the content is read only when a
 * key needs it. Zero it, then imap_search_match() message after message;
 * imap_search_ctx_free() at the end. */
struct imap_search_ctx {
	struct imap_msgdata md;
	uint32_t seq;
	bool is_open, is_gone;		/* md was tried / failed */
	struct buf text;		/* scratch: decoded, folded text */
	struct buf body;		/* this message's body text, folded */
	bool has_body;
	struct buf head;		/* this message's header text, folded */
	bool has_head;
};
/* True when message seq matches key. */
bool imap_search_match(struct imap_session *s, struct imap_search_ctx *ctx,
    uint32_t seq, const struct imap_skey *key);
void imap_search_ctx_free(struct imap_search_ctx *ctx);
/* ASCII lower case in place (RFC 9051 §6.4.4: case-insensitive within
 * the ASCII range). */
void imap_search_fold(char *p, size_t len);

#endif
