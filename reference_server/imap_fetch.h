/* imap_fetch.h: the FETCH command's state, shared by imap_fetch.c (the
 * command, its item list, the message loop) and imap_fetch_items.c (one
 * data item of one message). Private to those two files.
 *
 * Pointers into the command (sections, header lists) stay valid while
 * the response streams: the session reads no new command before the
 * stream's pump has sent the tagged reply (imap_session.c).
 */
#ifndef MAILSPEC_IMAP_FETCH_H
#define MAILSPEC_IMAP_FETCH_H

#include "imap_private.h"

enum imap_fetch_kind {
	IMAP_FI_UID,
	IMAP_FI_FLAGS,
	IMAP_FI_INTERNALDATE,
	IMAP_FI_SIZE,		/* RFC822.SIZE */
	IMAP_FI_ENVELOPE,
	IMAP_FI_BODYSTRUCTURE,
	IMAP_FI_BODY,		/* BODY without a section */
	IMAP_FI_SECTION,	/* BODY[...], BODY.PEEK[...], RFC822, RFC822.HEADER/TEXT */
	IMAP_FI_BINARY,		/* BINARY[...], BINARY.PEEK[...] */
	IMAP_FI_BINARY_SIZE,
};

struct imap_fetch_item {
	enum imap_fetch_kind kind;
	bool sets_seen;			/* BODY[...], BINARY[...], RFC822, RFC822.TEXT */
	const struct imap_section *sec;	/* the command's section; NULL: own */
	struct imap_section own;	/* RFC822, RFC822.HEADER, RFC822.TEXT */
	char *label;			/* "BODY[1.MIME]<0>": what precedes the value */
};

/* One FETCH in progress (the stream's arg). */
struct imap_fetch {
	struct imap_fetch_item *items;
	size_t nitems;
	bool has_flags;			/* FLAGS was asked for */
	bool sets_seen;			/* some item sets \Seen */
	bool needs_data;		/* some item needs the message's octets */
	struct imap_msgset set;
	size_t next;			/* the next index in set */
	/* the message being answered */
	uint32_t seq;
	bool is_in_msg;
	size_t item;			/* the next item of it */
	bool has_seen_changed;		/* \Seen was set by this FETCH */
	struct imap_msgdata md;
	/* output */
	struct buf line;		/* response text not queued yet */
	struct buf value;		/* a computed value (HEADER.FIELDS, BINARY) */
	const char *lit;		/* a literal being queued: lit[litpos..litlen) */
	size_t litlen, litpos;
	/* the tagged result */
	bool has_gone;			/* some message was expunged meanwhile */
	bool has_unknown_cte;		/* BINARY of an unknown encoding */
	bool has_failed;		/* the connection or memory failed */
};

#define IMAP_FETCH_LINE_MAX	((size_t)8 << 20)	/* response text held at once */
#define IMAP_FETCH_FLUSH	(16 * 1024)	/* queue the text past this */

/* The section of a BODY/BINARY item. */
static inline const struct imap_section *
imap_fetch_item_sec(const struct imap_fetch_item *it)
{
	return it->sec != NULL ? it->sec : &it->own;
}

/* ---- imap_fetch_items.c ---- */
/* Append item i of the message in progress to f->line (or start a
 * literal in f->lit). */
void imap_fetch_item_write(struct imap_session *s, struct imap_fetch *f,
    const struct imap_fetch_item *it);
/* Queue f->line; false when the connection is gone. */
bool imap_fetch_flush(struct imap_session *s, struct imap_fetch *f);
/* Queue the next piece of the literal in progress. */
void imap_fetch_literal_step(struct imap_session *s, struct imap_fetch *f);
/* A BINARY item of the message names a part of an unknown encoding
 * (RFC 3516 §4.3: NO [UNKNOWN-CTE]). */
bool imap_fetch_has_unknown_cte(struct imap_fetch *f);

#endif
