/* imap_search_match.c: one message against a search program.
 *
 * RFC 9051 §6.4.4: string keys match when the string is a substring of
 * the associated text, case-insensitively within the ASCII range; "MIME
 * content transfer encodings and MIME-HDRS strings in RFC 5322/MIME
 * headers MUST be decoded before comparing text" (base64 and
 * quoted-printable bodies are decoded, text in us-ascii, utf-8 and
 * iso-8859-1 is compared as UTF-8, RFC 2047 encoded words in header
 * values are decoded); body parts other than text (any subtype) are
 * left out, as §6.4.4 allows ("MAY exclude ... terminal content media
 * types other than TEXT and MESSAGE"); the header of an attached message/rfc822 is
 * body text of the outer message. HEADER with an empty string matches
 * every message that has the field. BEFORE/ON/SINCE compare the
 * internal date's day (in UTC, as INTERNALDATE shows it);
 * SENTBEFORE/SENTON/SENTSINCE the day written in the Date: field (RFC
 * 5322 §3.3), "disregarding time and timezone"; a message without a
 * readable Date: uses its internal date instead. FROM, TO, CC and BCC
 * are matched against the decoded field values (the text the ENVELOPE
 * address structures are made of).
 *
 * The message is mapped and parsed only when a key needs its content;
 * its header and body text are decoded once per message.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap_search.h"
#include "mime_base64.h"
#include "mime_charset.h"
#include "mime_date.h"
#include "mime_qp.h"
#include "rfc2047.h"

#define IMAP_SEARCH_TEXT_SLACK	4096

void
imap_search_fold(char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] >= 'A' && p[i] <= 'Z')
			p[i] = (char)(p[i] - 'A' + 'a');
}

/* Fold what was appended to b since start. */
static void
imap_search_fold_from(struct buf *b, size_t start)
{
	if (b->len > start)
		imap_search_fold(b->data + start, b->len - start);
}

static bool
imap_search_contains(const struct buf *hay, const struct imap_skey *k)
{
	if (k->needle_len == 0)
		return true;
	return hay->len > 0 && memmem(hay->data, hay->len, k->needle, k->needle_len) != NULL;
}

/* The message's tree, mapping it first; NULL when it is gone. */
static const struct mime_part *
imap_search_tree(struct imap_session *s, struct imap_search_ctx *ctx)
{
	if (!ctx->is_open) {
		ctx->is_open = true;
		ctx->is_gone = imap_msgdata_open(s, &ctx->md, ctx->seq) != 0;
	}
	return ctx->is_gone ? NULL : imap_msgdata_tree(&ctx->md);
}

/* A field's value, RFC 2047 decoded and folded, into out (appended). */
static void
imap_search_field_text(struct buf *out, const struct mime_header_field *f)
{
	size_t start = out->len;

	rfc2047_decode(f->value, f->value_len, 0, out, NULL);	/* full: a prefix */
	imap_search_fold_from(out, start);
}

/* "name: value\n" for every field of part's header, decoded, folded. */
static void
imap_search_header_text(struct buf *out, const struct mime_part *part)
{
	const struct mime_header_field *f;
	size_t start;

	for (f = part->fields; f != NULL; f = f->next) {
		start = out->len;
		buf_printf(out, "%s: ", f->name);
		imap_search_fold_from(out, start);
		imap_search_field_text(out, f);
		buf_putc(out, '\n');
	}
}

/* A leaf's body with its transfer encoding removed (malloc'd), or NULL. */
static char *
imap_search_decode(const struct mime_part *part, const char *data, size_t *len_r)
{
	const char *in = data + part->body_offset;
	size_t len = part->body_size, n;
	char *out;

	if (part->cte == MIME_CTE_BASE64) {
		struct mime_base64_decoder d;

		if ((out = malloc(MIME_BASE64_DECODED_MAX(len) + 3)) == NULL)
			return NULL;
		mime_base64_decoder_init(&d);
		n = mime_base64_decode_update(&d, in, len, out);
		n += mime_base64_decode_final(&d, out + n);
	} else if (part->cte == MIME_CTE_QP) {
		struct mime_qp_decoder d;

		if ((out = malloc(MIME_QP_DECODED_MAX(len) + MIME_QP_PENDING_MAX)) == NULL)
			return NULL;
		mime_qp_decoder_init(&d);
		n = mime_qp_decode_update(&d, in, len, out);
		n += mime_qp_decode_final(&d, out + n);
	} else {
		if ((out = malloc(len + 1)) == NULL)
			return NULL;
		memcpy(out, in, len);
		n = len;
	}
	*len_r = n;
	return out;
}

/* A text leaf's body, decoded and as UTF-8, appended to out, folded. */
static void
imap_search_leaf_text(struct buf *out, const struct mime_part *part, const char *data)
{
	const struct mime_param *cs = mime_param_find(part->type_params, "charset");
	enum mime_charset charset = MIME_CHARSET_US_ASCII;
	size_t start = out->len, len;
	char *text = imap_search_decode(part, data, &len);

	if (text == NULL)
		return;
	if (cs != NULL)
		charset = mime_charset_lookup(cs->value, cs->value_len);
	mime_charset_to_utf8(charset, text, len, out);	/* unknown: bytes kept */
	free(text);
	imap_search_fold_from(out, start);
	buf_putc(out, '\n');
}

/* The body text of part: text leaves, attached messages' headers. */
static void
imap_search_body_text(struct buf *out, const struct mime_part *part, const char *data)
{
	const struct mime_part *c;

	switch (part->kind) {
	case MIME_PART_MULTIPART:
		for (c = part->children; c != NULL; c = c->next)
			imap_search_body_text(out, c, data);
		break;
	case MIME_PART_MESSAGE:
		for (c = part->children; c != NULL; c = c->next) {
			imap_search_header_text(out, c);
			imap_search_body_text(out, c, data);
		}
		break;
	case MIME_PART_LEAF:
		if (strcmp(part->type, "text") == 0)
			imap_search_leaf_text(out, part, data);
		break;
	}
}

static bool
imap_search_body(struct imap_session *s, struct imap_search_ctx *ctx,
    const struct imap_skey *k)
{
	const struct mime_part *root = imap_search_tree(s, ctx);

	if (root == NULL)
		return false;
	if (!ctx->has_body) {
		buf_clear(&ctx->body);
		ctx->body.max = 2 * ctx->md.len + IMAP_SEARCH_TEXT_SLACK;
		imap_search_body_text(&ctx->body, root, ctx->md.data);
		ctx->has_body = true;
	}
	return imap_search_contains(&ctx->body, k);
}

static bool
imap_search_text(struct imap_session *s, struct imap_search_ctx *ctx,
    const struct imap_skey *k)
{
	const struct mime_part *root = imap_search_tree(s, ctx);

	if (root == NULL)
		return false;
	if (!ctx->has_head) {
		buf_clear(&ctx->head);
		ctx->head.max = 2 * ctx->md.len + IMAP_SEARCH_TEXT_SLACK;
		imap_search_header_text(&ctx->head, root);
		ctx->has_head = true;
	}
	return imap_search_contains(&ctx->head, k) || imap_search_body(s, ctx, k);
}

/* HEADER field string, FROM, TO, CC, BCC, SUBJECT. */
static bool
imap_search_header(struct imap_session *s, struct imap_search_ctx *ctx,
    const struct imap_skey *k)
{
	const struct mime_part *root = imap_search_tree(s, ctx);
	const struct mime_header_field *f;

	if (root == NULL)
		return false;
	for (f = root->fields; f != NULL; f = f->next) {
		if (strcasecmp(f->name, k->field) != 0)
			continue;
		buf_clear(&ctx->text);
		ctx->text.max = 4 * f->value_len + IMAP_SEARCH_TEXT_SLACK;
		imap_search_field_text(&ctx->text, f);
		if (imap_search_contains(&ctx->text, k))
			return true;
	}
	return false;
}

static int64_t
imap_search_day_of(time_t t)
{
	int64_t d = (int64_t)t / 86400;

	return (int64_t)t < 0 && (int64_t)t % 86400 != 0 ? d - 1 : d;
}

/* The day of the Date: field as written, else of the internal date. */
static int64_t
imap_search_sent_day(struct imap_session *s, struct imap_search_ctx *ctx)
{
	const struct mime_part *root = imap_search_tree(s, ctx);
	const struct mime_header_field *f = root != NULL ? mime_part_field(root, "Date") : NULL;
	const struct store_msg *sm = imap_view_store_msg(s, ctx->seq);
	struct mime_date d;

	if (f != NULL && mime_date_parse(f->value, f->value_len, &d) == 1)
		return mime_date_days(d.year, d.month, d.day);
	return imap_search_day_of(sm != NULL ? sm->internal_date : 0);
}

static bool
imap_search_has_keyword(const char *list, const char *kw)
{
	size_t n = strlen(kw);
	const char *p = list;

	while (p != NULL && *p != '\0') {
		const char *end = strchr(p, ' ');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);

		if (len == n && strncasecmp(p, kw, n) == 0)
			return true;
		p = end != NULL ? end + 1 : NULL;
	}
	return false;
}

/* Dates and sizes: -1 below, 0 equal, 1 above. */
static int
imap_search_cmp(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b ? 1 : 0;
}

static bool imap_search_eval(struct imap_session *s, struct imap_search_ctx *ctx,
    const struct imap_skey *k);

static bool
imap_search_eval_dated(struct imap_session *s, struct imap_search_ctx *ctx,
    const struct imap_skey *k)
{
	const struct store_msg *sm = imap_view_store_msg(s, ctx->seq);
	bool is_sent = k->kind >= IMAP_SK_SENTBEFORE;
	int64_t day = is_sent ? imap_search_sent_day(s, ctx) :
	    imap_search_day_of(sm != NULL ? sm->internal_date : 0);
	int c = imap_search_cmp(day, k->day);

	switch (is_sent ? k->kind - IMAP_SK_SENTBEFORE : k->kind - IMAP_SK_BEFORE) {
	case 0:
		return c < 0;	/* BEFORE */
	case 1:
		return c == 0;	/* ON */
	default:
		return c >= 0;	/* SINCE */
	}
}

static bool
imap_search_eval_list(struct imap_session *s, struct imap_search_ctx *ctx,
    const struct imap_skey *k)
{
	const struct imap_skey *c;

	switch (k->kind) {
	case IMAP_SK_AND:
		for (c = k->child; c != NULL; c = c->next)
			if (!imap_search_eval(s, ctx, c))
				return false;
		return true;
	case IMAP_SK_OR:
		return imap_search_eval(s, ctx, k->child) ||
		    imap_search_eval(s, ctx, k->child->next);
	default:
		return !imap_search_eval(s, ctx, k->child);	/* NOT */
	}
}

static bool
imap_search_eval(struct imap_session *s, struct imap_search_ctx *ctx,
    const struct imap_skey *k)
{
	const struct imap_view_msg *m = imap_view_get(s, ctx->seq);
	const struct store_msg *sm = imap_view_store_msg(s, ctx->seq);
	uint64_t size = sm != NULL ? sm->size : 0;

	switch (k->kind) {
	case IMAP_SK_ALL:
		return true;
	case IMAP_SK_RECENT:
		return m->is_recent;
	case IMAP_SK_NEW:
		return m->is_recent && !(m->flags & STORE_F_SEEN);
	case IMAP_SK_OLD:
		return !m->is_recent;
	case IMAP_SK_AND:
	case IMAP_SK_OR:
	case IMAP_SK_NOT:
		return imap_search_eval_list(s, ctx, k);
	case IMAP_SK_FLAG:
		return (m->flags & k->flag) != 0;
	case IMAP_SK_KEYWORD:
		return imap_search_has_keyword(m->keywords, k->keyword);
	case IMAP_SK_SEQSET:
		return imap_set_has(s, &k->set, ctx->seq, m->uid);
	case IMAP_SK_UIDSET:
		return imap_set_has(s, &k->set, m->uid, m->uid);
	case IMAP_SK_LARGER:
		return size > k->num;
	case IMAP_SK_SMALLER:
		return size < k->num;
	case IMAP_SK_HEADER:
		return imap_search_header(s, ctx, k);
	case IMAP_SK_BODY:
		return imap_search_body(s, ctx, k);
	case IMAP_SK_TEXT:
		return imap_search_text(s, ctx, k);
	default:
		return imap_search_eval_dated(s, ctx, k);
	}
}

bool
imap_search_match(struct imap_session *s, struct imap_search_ctx *ctx, uint32_t seq,
    const struct imap_skey *key)
{
	if (ctx->seq != seq) {
		imap_msgdata_close(&ctx->md);
		ctx->seq = seq;
		ctx->is_open = ctx->is_gone = false;
		ctx->has_body = ctx->has_head = false;
	}
	return imap_search_eval(s, ctx, key);
}

void
imap_search_ctx_free(struct imap_search_ctx *ctx)
{
	imap_msgdata_free(&ctx->md);
	buf_release(&ctx->text);
	buf_release(&ctx->body);
	buf_release(&ctx->head);
}
