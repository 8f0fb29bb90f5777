/* judge_fetch.c: an IMAP expect's fetch: map (scenarios/FORMAT.md
 * "Fixtures"): FETCH data items in the untagged responses compared by
 * meaning with a value written in the scenario or derived from the
 * scenario's fixture by mailspec's own MIME parser (imap_fetchattr.h).
 *
 * RFC 9051 §7.5.2 (BODYSTRUCTURE, BODY, ENVELOPE, BODY[section],
 * BINARY[section], BINARY.SIZE[section]), RFC 3501 §7.4.2 (the same for
 * IMAP4rev1), RFC 3516 (BINARY), RFC 2045 §5.1 (type, subtype and
 * parameter names are case-insensitive; so are charset values, RFC 2046
 * §4.1.2), RFC 5646 §2.1.1 (language tags are case-insensitive).
 *
 * What "by meaning" allows: quoted or literal strings alike; any case in
 * media types, subtypes, encodings, parameter and disposition names,
 * charset values, language tags and address hosts; parameters in any
 * order; a text part's CHARSET "US-ASCII" may be left out when the
 * message gave none (RFC 2045 §5.2 default, which RFC 9051's examples
 * show but no rule requires); extension data (RFC 9051 §7.5.2: "can be
 * returned") may stop early, but what is returned must match; a "binary"
 * part may be shown re-encoded as base64 (fetch_reencoded()). Everything
 * else, sizes and line counts included, must be equal.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec.h"
#include "imap_fetchattr.h"
#include "imap_resp.h"
#include "mime.h"

#define FETCH_SHOW 160		/* bytes of a value shown in a message */

/* The first difference found, for the failure message. */
struct fcmp {
	struct buf why;
	bool differ;
	const char *item;	/* "BODYSTRUCTURE", ... */
	const struct mime_part *root;	/* the fixture's tree, or NULL */
	const char *data;		/* the fixture's bytes */
	bool top;		/* comparing the message's own ENVELOPE */
};

static void fcmp_differ(struct fcmp *f, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
fcmp_differ(struct fcmp *f, const char *path, const char *fmt, ...)
{
	va_list ap;

	if (f->differ)
		return;
	f->differ = true;
	buf_printf(&f->why, "%s%s%s: ", f->item, path[0] ? " of part " : "", path);
	va_start(ap, fmt);
	buf_vprintf(&f->why, fmt, ap);
	va_end(ap);
}

/* A node as IMAP text, shortened, for messages. */
static void
fetch_show(struct buf *b, const struct imap_node *n)
{
	struct buf t;

	if (n == NULL) {
		buf_puts(b, "nothing");
		return;
	}
	buf_init(&t, 1u << 26);
	if (imap_node_write(&t, n) && t.data != NULL) {
		buf_append_escaped(b, t.data, t.len > FETCH_SHOW ? FETCH_SHOW : t.len);
		if (t.len > FETCH_SHOW)
			buf_printf(b, "... (%zu bytes)", t.len);
	}
	buf_release(&t);
}

static void
fcmp_differ_nodes(struct fcmp *f, const char *path, const char *field,
    const struct imap_node *e, const struct imap_node *g)
{
	struct buf b;

	if (f->differ)
		return;
	buf_init(&b, 4096);
	buf_puts(&b, "expected ");
	fetch_show(&b, e);
	buf_puts(&b, ", got ");
	fetch_show(&b, g);
	fcmp_differ(f, path, "%s: %s", field, b.data ? b.data : "");
	buf_release(&b);
}

static bool
fetch_is_nil(const struct imap_node *n)
{
	return n == NULL || n->kind == IMAP_NODE_NIL;
}

/* nstring, string or number alike: equal bytes (or NIL both). */
static bool
fetch_str_eq(const struct imap_node *e, const struct imap_node *g, bool nocase)
{
	const char *a, *b;
	size_t alen, blen, i;

	if (fetch_is_nil(e) || fetch_is_nil(g))
		return fetch_is_nil(e) && fetch_is_nil(g);
	a = imap_node_str(e, &alen);
	b = imap_node_str(g, &blen);
	if (a == NULL || b == NULL || alen != blen)
		return false;
	if (!nocase)
		return memcmp(a, b, alen) == 0;
	for (i = 0; i < alen; i++)
		if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
			return false;
	return true;
}

/* Equal once every run of white space (folding included) is one SP and
 * the ends are trimmed: header fields may be unfolded with or without
 * the white space after each CRLF (RFC 5322 §2.2.3 removes only the CRLF;
 * RFC 9051 does not say how ENVELOPE strings are unfolded). */
static bool
fetch_str_eq_ws(const struct imap_node *e, const struct imap_node *g)
{
	const char *a, *b;
	size_t alen, blen, i = 0, k = 0;

	if (fetch_is_nil(e) || fetch_is_nil(g))
		return fetch_is_nil(e) && fetch_is_nil(g);
	if ((a = imap_node_str(e, &alen)) == NULL || (b = imap_node_str(g, &blen)) == NULL)
		return false;
#define FETCH_WS(c) ((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\n')
	while (alen > 0 && FETCH_WS(a[alen - 1]))
		alen--;
	while (blen > 0 && FETCH_WS(b[blen - 1]))
		blen--;
	while (i < alen && FETCH_WS(a[i]))
		i++;
	while (k < blen && FETCH_WS(b[k]))
		k++;
	while (i < alen && k < blen) {
		if (FETCH_WS(a[i]) && FETCH_WS(b[k])) {
			while (i < alen && FETCH_WS(a[i]))
				i++;
			while (k < blen && FETCH_WS(b[k]))
				k++;
		} else if (a[i++] != b[k++]) {
			return false;
		}
	}
#undef FETCH_WS
	return i == alen && k == blen;
}

static void
fcmp_str(struct fcmp *f, const char *path, const char *field, const struct imap_node *e,
    const struct imap_node *g, bool nocase)
{
	if (!fetch_str_eq(e, g, nocase))
		fcmp_differ_nodes(f, path, field, e, g);
}

static void
fcmp_num(struct fcmp *f, const char *path, const char *field, const struct imap_node *e,
    const struct imap_node *g)
{
	uint64_t a, b;

	if (!imap_node_number(e, &a) || !imap_node_number(g, &b) || a != b)
		fcmp_differ_nodes(f, path, field, e, g);
}

/* ---- parameters, disposition, language ---------------------------- */

static const struct imap_node *
fetch_param_find(const struct imap_node *list, const struct imap_node *name)
{
	size_t i, n = imap_node_list_count(list);

	for (i = 0; i + 1 < n; i += 2)
		if (fetch_str_eq(imap_node_list_get(list, i), name, true))
			return imap_node_list_get(list, i + 1);
	return NULL;
}

/* An RFC 2231 §4 extended value "charset'language'%XX..." decoded into
 * out (charset and language lower-cased, then the octets); a value
 * without the two quotes is taken as octets. */
static void
fetch_2231_decode(const struct imap_node *n, struct buf *out)
{
	const char *q1, *q2, *s;
	size_t len, i;

	buf_clear(out);
	if ((s = imap_node_str(n, &len)) == NULL)
		return;
	q1 = memchr(s, '\'', len);
	q2 = q1 ? memchr(q1 + 1, '\'', len - (size_t)(q1 + 1 - s)) : NULL;
	if (q2 != NULL) {
		for (i = 0; s + i < q2; i++)
			buf_putc(out, (char)tolower((unsigned char)s[i]));
		len -= (size_t)(q2 - s);
		s = q2;
	}
	for (i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len && isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			char hex[3] = { s[i + 1], s[i + 2], '\0' };
			buf_putc(out, (char)strtoul(hex, NULL, 16));
			i += 2;
		} else {
			buf_putc(out, s[i]);
		}
	}
}

/* Parameter values: an extended parameter ("NAME*") by its decoded
 * value, so that "a%20b" and "a b" agree as RFC 2231 readers see them. */
static bool
fetch_param_eq(const struct imap_node *name, const struct imap_node *want,
    const struct imap_node *got, bool is_charset)
{
	size_t len;
	const char *s = imap_node_str(name, &len);
	struct buf a, b;
	bool eq;

	if (s == NULL || len == 0 || s[len - 1] != '*')
		return fetch_str_eq(want, got, is_charset);
	buf_init(&a, 1u << 20);
	buf_init(&b, 1u << 20);
	fetch_2231_decode(want, &a);
	fetch_2231_decode(got, &b);
	eq = a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0);
	buf_release(&a);
	buf_release(&b);
	return eq;
}

static bool
fetch_is_us_ascii(const struct imap_node *n)
{
	const char *s = imap_node_str(n, NULL);

	return s != NULL && strcasecmp(s, "us-ascii") == 0;
}

/* body-fld-param: NIL or (name value ...), compared as a map. */
static void
fcmp_params(struct fcmp *f, const char *path, const char *field, const struct imap_node *e,
    const struct imap_node *g, bool is_text)
{
	size_t i, ne = imap_node_list_count(e), ng = imap_node_list_count(g);

	if ((!fetch_is_nil(e) && e->kind != IMAP_NODE_LIST) ||
	    (!fetch_is_nil(g) && g->kind != IMAP_NODE_LIST) || ne % 2 || ng % 2) {
		fcmp_differ_nodes(f, path, field, e, g);
		return;
	}
	for (i = 0; i + 1 < ne && !f->differ; i += 2) {
		const struct imap_node *name = imap_node_list_get(e, i);
		const struct imap_node *want = imap_node_list_get(e, i + 1);
		const struct imap_node *got = fetch_param_find(g, name);
		const char *s = imap_node_str(name, NULL);
		bool is_charset = s != NULL && strcasecmp(s, "charset") == 0;

		if (got == NULL && is_charset && is_text && fetch_is_us_ascii(want))
			continue;	/* the RFC 2045 §5.2 default, left implicit */
		if (got == NULL || !fetch_param_eq(name, want, got, is_charset))
			fcmp_differ_nodes(f, path, field, e, g);
	}
	for (i = 0; i + 1 < ng && !f->differ; i += 2)
		if (fetch_param_find(e, imap_node_list_get(g, i)) == NULL)
			fcmp_differ_nodes(f, path, field, e, g);
}

/* body-fld-dsp: NIL or (string body-fld-param). */
static void
fcmp_dsp(struct fcmp *f, const char *path, const struct imap_node *e, const struct imap_node *g)
{
	if (fetch_is_nil(e) || fetch_is_nil(g)) {
		if (!fetch_is_nil(e) || !fetch_is_nil(g))
			fcmp_differ_nodes(f, path, "disposition", e, g);
		return;
	}
	fcmp_str(f, path, "disposition", imap_node_list_get(e, 0), imap_node_list_get(g, 0), true);
	fcmp_params(f, path, "disposition parameters", imap_node_list_get(e, 1),
	    imap_node_list_get(g, 1), false);
}

/* body-fld-lang: NIL, one string, or a list of strings; "a" == ("a"). */
static void
fcmp_lang(struct fcmp *f, const char *path, const struct imap_node *e, const struct imap_node *g)
{
	size_t ne = e->kind == IMAP_NODE_LIST ? e->count : 1;
	size_t ng = g->kind == IMAP_NODE_LIST ? g->count : 1;
	size_t i;

	if (fetch_is_nil(e) || fetch_is_nil(g)) {
		if (!fetch_is_nil(e) || !fetch_is_nil(g))
			fcmp_differ_nodes(f, path, "language", e, g);
		return;
	}
	if (ne != ng) {
		fcmp_differ_nodes(f, path, "language", e, g);
		return;
	}
	for (i = 0; i < ne; i++)
		if (!fetch_str_eq(e->kind == IMAP_NODE_LIST ? e->items[i] : e,
		    g->kind == IMAP_NODE_LIST ? g->items[i] : g, true)) {
			fcmp_differ_nodes(f, path, "language", e, g);
			return;
		}
}

/* ---- ENVELOPE ------------------------------------------------------ */

/* NIL or a list of addresses (name adl mailbox host); a host is a
 * domain, so its case does not matter. */
static void
fcmp_addrs(struct fcmp *f, const char *path, const char *field, const struct imap_node *e,
    const struct imap_node *g)
{
	size_t i, k;

	if (fetch_is_nil(e) || fetch_is_nil(g) || e->kind != IMAP_NODE_LIST ||
	    g->kind != IMAP_NODE_LIST || e->count != g->count) {
		if (!(fetch_is_nil(e) && fetch_is_nil(g)))
			fcmp_differ_nodes(f, path, field, e, g);
		return;
	}
	for (i = 0; i < e->count && !f->differ; i++) {
		const struct imap_node *a = e->items[i], *b = g->items[i];

		if (a->kind != IMAP_NODE_LIST || b->kind != IMAP_NODE_LIST || a->count != 4 ||
		    b->count != 4) {
			fcmp_differ_nodes(f, path, field, e, g);
			return;
		}
		for (k = 0; k < 4; k++)
			if (k == 0 ? !fetch_str_eq_ws(a->items[k], b->items[k]) :
			    !fetch_str_eq(a->items[k], b->items[k], k == 3)) {
				fcmp_differ_nodes(f, path, field, e, g);
				return;
			}
	}
}

static void
fcmp_envelope(struct fcmp *f, const char *path, const struct imap_node *e,
    const struct imap_node *g)
{
	static const char *const fields[] = {
		"date", "subject", "from", "sender", "reply-to", "to", "cc", "bcc",
		"in-reply-to", "message-id"
	};
	struct buf p;
	size_t i;

	if (e == NULL || g == NULL || e->kind != IMAP_NODE_LIST || g->kind != IMAP_NODE_LIST ||
	    e->count != 10 || g->count != 10) {
		fcmp_differ_nodes(f, path, "envelope", e, g);
		return;
	}
	buf_init(&p, 4096);
	for (i = 0; i < 10 && !f->differ; i++) {
		buf_clear(&p);
		buf_printf(&p, "envelope %s", fields[i]);
		if (i >= 2 && i <= 7)
			fcmp_addrs(f, path, p.data, e->items[i], g->items[i]);
		else if (f->top && (i == 0 || i == 9) && fetch_is_nil(e->items[i]))
			continue;	/* RFC 5321 §6.4: an MTA MAY add a missing
					 * Date or Message-ID field */
		else if (!fetch_str_eq_ws(e->items[i], g->items[i]))
			fcmp_differ_nodes(f, path, p.data, e->items[i], g->items[i]);
	}
	buf_release(&p);
}

/* ---- BODYSTRUCTURE and BODY ---------------------------------------- */

static void fcmp_body(struct fcmp *f, const char *path, bool is_message_body,
    const struct imap_node *e, const struct imap_node *g, bool ext);

static void
fetch_join(struct buf *b, const char *path, size_t n)
{
	buf_clear(b);
	buf_printf(b, "%s%s%zu", path, path[0] ? "." : "", n);
}

/* Extension data from index 'at' on: compared as far as g has it. */
static void
fcmp_ext(struct fcmp *f, const char *path, const struct imap_node *e, const struct imap_node *g,
    size_t at, bool is_multipart)
{
	const struct imap_node *a, *b;
	size_t k;

	for (k = 0; !f->differ && (b = imap_node_list_get(g, at + k)) != NULL &&
	    (a = imap_node_list_get(e, at + k)) != NULL; k++) {
		switch (k) {
		case 0:
			if (is_multipart)
				fcmp_params(f, path, "multipart parameters", a, b, false);
			else
				fcmp_str(f, path, "MD5", a, b, false);
			break;
		case 1:
			fcmp_dsp(f, path, a, b);
			break;
		case 2:
			fcmp_lang(f, path, a, b);
			break;
		case 3:
			fcmp_str(f, path, "location", a, b, false);
			break;
		default:
			return;		/* future extensions: not ours to judge */
		}
	}
}

/* Does the body of the part at path end without a line break? Then its
 * last line may be counted or not: RFC 9051 §7.5.2 says "size of the
 * body in text lines" and servers differ on a line whose CRLF belongs to
 * the next boundary (RFC 2046 §5.1.1). Only known with a fixture. */
static bool
fetch_ends_open(const struct fcmp *f, const char *path)
{
	uint32_t parts[IMAP_FETCHATTR_SECTION_MAX];
	const struct mime_part *p;
	size_t n = 0;
	char *end;

	if (f->root == NULL)
		return false;
	while (*path != '\0' && n < IMAP_FETCHATTR_SECTION_MAX) {
		unsigned long v = strtoul(path, &end, 10);
		if (end == path || v == 0 || v > UINT32_MAX)
			return false;
		parts[n++] = (uint32_t)v;
		path = *end == '.' ? end + 1 : end;
	}
	p = imap_fetchattr_section_part(f->root, parts, n);
	return p != NULL && p->body_size > 0 && f->data[p->body_offset + p->body_size - 1] != '\n';
}

static void
fcmp_lines(struct fcmp *f, const char *path, const struct imap_node *e, const struct imap_node *g)
{
	uint64_t a, b;

	if (imap_node_number(e, &a) && imap_node_number(g, &b) && a > 0 && b == a - 1 &&
	    fetch_ends_open(f, path))
		return;
	fcmp_num(f, path, "size in lines", e, g);
}

/* A "binary" part shown as base64: IMAP cannot carry binary data outside
 * BINARY[] (RFC 9051 §4.3: servers "MUST encode binary data into a
 * textual form, such as base64"; RFC 3516 §4.4 lets a server change the
 * CTE of what it stores if no data is lost). BINARY[] then still gives the
 * same decoded octets, which the fixture scenarios check. */
static bool
fetch_reencoded(const struct imap_node *e, const struct imap_node *g)
{
	const char *a = imap_node_str(e, NULL), *b = imap_node_str(g, NULL);

	return a != NULL && b != NULL && strcasecmp(a, "binary") == 0 &&
	    strcasecmp(b, "base64") == 0;
}

static void
fcmp_multipart(struct fcmp *f, const char *path, const struct imap_node *e,
    const struct imap_node *g, bool ext)
{
	struct buf child;
	size_t ne = 0, ng = 0, i;

	while (ne < e->count && e->items[ne]->kind == IMAP_NODE_LIST)
		ne++;
	while (ng < g->count && g->items[ng]->kind == IMAP_NODE_LIST)
		ng++;
	if (ng == 0) {
		fcmp_differ_nodes(f, path, "structure (a multipart)", e, g);
		return;
	}
	if (ne != ng) {
		fcmp_differ(f, path, "expected a multipart of %zu parts, got %zu", ne, ng);
		return;
	}
	buf_init(&child, 4096);
	for (i = 0; i < ne && !f->differ; i++) {
		fetch_join(&child, path, i + 1);
		fcmp_body(f, child.data, false, e->items[i], g->items[i], ext);
	}
	buf_release(&child);
	fcmp_str(f, path, "multipart subtype", imap_node_list_get(e, ne),
	    imap_node_list_get(g, ng), true);
	if (ext && !f->differ)
		fcmp_ext(f, path, e, g, ne + 1, true);
}

static void
fcmp_single(struct fcmp *f, const char *path, const struct imap_node *e,
    const struct imap_node *g, bool ext)
{
	const char *type = imap_node_str(imap_node_list_get(e, 0), NULL);
	const char *sub = imap_node_str(imap_node_list_get(e, 1), NULL);
	bool is_text = type != NULL && strcasecmp(type, "text") == 0;
	const struct imap_node *env = imap_node_list_get(e, 7);
	bool is_msg = env != NULL && env->kind == IMAP_NODE_LIST && type != NULL && sub != NULL &&
	    strcasecmp(type, "message") == 0;
	size_t at = 7;

	if (g->count > 0 && g->items[0]->kind == IMAP_NODE_LIST) {
		fcmp_differ_nodes(f, path, "structure (not a multipart)", e, g);
		return;
	}
	fcmp_str(f, path, "media type", imap_node_list_get(e, 0), imap_node_list_get(g, 0), true);
	fcmp_str(f, path, "media subtype", imap_node_list_get(e, 1), imap_node_list_get(g, 1), true);
	fcmp_params(f, path, "parameters", imap_node_list_get(e, 2), imap_node_list_get(g, 2),
	    is_text);
	fcmp_str(f, path, "Content-ID", imap_node_list_get(e, 3), imap_node_list_get(g, 3), false);
	fcmp_str(f, path, "Content-Description", imap_node_list_get(e, 4),
	    imap_node_list_get(g, 4), false);
	if (fetch_reencoded(imap_node_list_get(e, 5), imap_node_list_get(g, 5)))
		return;		/* sizes (and anything after) are of the base64 form */
	fcmp_str(f, path, "encoding", imap_node_list_get(e, 5), imap_node_list_get(g, 5), true);
	fcmp_num(f, path, "size in octets", imap_node_list_get(e, 6), imap_node_list_get(g, 6));
	if (is_msg) {
		const struct imap_node *genv = imap_node_list_get(g, 7);

		if (f->differ)
			return;
		if (genv == NULL || genv->kind != IMAP_NODE_LIST) {
			fcmp_differ_nodes(f, path, "the envelope of the message/rfc822 part", env,
			    genv);
			return;
		}
		fcmp_envelope(f, path, env, genv);
		if (!f->differ)
			fcmp_body(f, path, true, imap_node_list_get(e, 8), imap_node_list_get(g, 8),
			    ext);
		fcmp_lines(f, path, imap_node_list_get(e, 9), imap_node_list_get(g, 9));
		at = 10;
	} else if (is_text) {
		fcmp_lines(f, path, imap_node_list_get(e, 7), imap_node_list_get(g, 7));
		at = 8;
	}
	if (ext && !f->differ)
		fcmp_ext(f, path, e, g, at, false);
}

/* The body of a message at path (the root: "") is part path.1 when it is
 * not a multipart, else its parts are path.1, path.2, ... (RFC 9051
 * §6.4.5); a part inside a multipart is named by path itself. */
static void
fcmp_body(struct fcmp *f, const char *path, bool is_message_body, const struct imap_node *e,
    const struct imap_node *g, bool ext)
{
	struct buf self;

	if (f->differ)
		return;
	if (e == NULL || g == NULL || e->kind != IMAP_NODE_LIST || g->kind != IMAP_NODE_LIST ||
	    e->count < 2 || g->count < 2) {
		fcmp_differ_nodes(f, path, "body structure", e, g);
		return;
	}
	if (e->items[0]->kind == IMAP_NODE_LIST) {
		fcmp_multipart(f, path, e, g, ext);
		return;
	}
	buf_init(&self, 4096);
	if (is_message_body)
		fetch_join(&self, path, 1);
	else
		buf_puts(&self, path);
	fcmp_single(f, self.data ? self.data : "", e, g, ext);
	buf_release(&self);
}

/* ---- items --------------------------------------------------------- */

/* "* 1 FETCH (<name> <value>)" parsed by rp; the item's key nodes in
 * *key_r (ATOM, then SECTION for sections) and value in *val_r. */
static bool
fetch_parse(struct imap_resp_parser *rp, const char *name, const char *value, size_t len,
    const struct imap_node **key_r, const struct imap_node **val_r)
{
	struct imap_resp r;
	struct buf line;
	int rc = -1;

	imap_resp_parser_reset(rp);
	buf_init(&line, 1u << 27);
	buf_printf(&line, "* 1 FETCH (%s ", name);
	buf_append(&line, value, len);
	buf_puts(&line, ")\r\n");
	if (line.data != NULL && imap_resp_parser_feed(rp, line.data, line.len) == line.len)
		rc = imap_resp_parser_next(rp, &r);
	buf_release(&line);
	if (rc != 1 || (*val_r = imap_fetch_item(&r, name)) == NULL)
		return false;
	*key_r = imap_node_list_get(imap_resp_arg(&r, 0), 0);
	return true;
}

/* The item name's section, parsed by rp (BODY[1.2]<0.10>). */
static const struct imap_section *
fetch_name_section(struct imap_resp_parser *rp, const char *name)
{
	const struct imap_node *key, *val;

	if (!fetch_parse(rp, name, "NIL", 3, &key, &val) || key == NULL || key->next == NULL ||
	    key->next->kind != IMAP_NODE_SECTION)
		return NULL;
	return key->next->section;
}

/* Expected bytes of a section item derived from the fixture. */
static enum step_rc
fetch_derive_section(struct exec *x, const struct fetch_check *fc,
    const struct mime_part *root, struct imap_resp_parser *rp, struct buf *out,
    bool *is_number_r)
{
	const struct text *fx = &x->scn->fixture;
	const struct imap_section *sec = fetch_name_section(rp, fc->item.s);
	enum imap_fetchattr_error err;
	struct buf whole;
	size_t off, size;
	uint64_t n;

	if (sec == NULL)
		return exec_fail(x, STEP_RC_SCENARIO_ERROR, "fetch: '%s' is not a valid section",
		    fc->item.s);
	*is_number_r = strncasecmp(fc->item.s, "BINARY.SIZE", 11) == 0;
	buf_init(&whole, 1u << 27);
	if (*is_number_r) {
		err = imap_fetchattr_binary_size(root, fx->s, fx->len, sec, &n);
		if (err == IMAP_FETCHATTR_OK)
			buf_printf(out, "%llu", (unsigned long long)n);
	} else {
		err = strncasecmp(fc->item.s, "BINARY", 6) == 0 ?
		    imap_fetchattr_binary(&whole, root, fx->s, fx->len, sec) :
		    imap_fetchattr_body_section(&whole, root, fx->s, fx->len, sec);
		if (err == IMAP_FETCHATTR_OK) {
			imap_fetchattr_partial(sec, whole.len, &off, &size);
			buf_append(out, whole.data ? whole.data + off : "", size);
		}
	}
	buf_release(&whole);
	if (err != IMAP_FETCHATTR_OK)
		return exec_fail(x, STEP_RC_SCENARIO_ERROR, "fetch: %s of fixture %s: %s",
		    fc->item.s, x->scn->fixture_name, imap_fetchattr_error_str(err));
	return STEP_RC_OK;
}

/* Expected IMAP text of a structure item derived from the fixture (an
 * IMAP4rev1 session: no UTF-8 strings, message/global a basic type). */
static bool
fetch_derive_structure(const char *item, const struct mime_part *root, struct buf *out)
{
	if (strcasecmp(item, "ENVELOPE") == 0)
		return imap_fetchattr_envelope(out, root, 0);
	if (strcasecmp(item, "BODY") == 0)
		return imap_fetchattr_body(out, root, 0);
	return imap_fetchattr_bodystructure(out, root, 0);
}

static void
fcmp_structure(struct fcmp *f, const char *item, const struct imap_node *e,
    const struct imap_node *g)
{
	f->item = item;
	if (strcasecmp(item, "ENVELOPE") == 0) {
		f->top = true;
		fcmp_envelope(f, "", e, g);
		f->top = false;
	}
	else
		fcmp_body(f, "", true, e, g, strcasecmp(item, "BODY") != 0);
}

/* Bytes of a section: equal, or where they first differ. */
static void
fcmp_bytes(struct fcmp *f, const char *item, const char *want, size_t wlen,
    const struct imap_node *g)
{
	const char *got;
	size_t glen, i, from;

	f->item = item;
	if (fetch_is_nil(g) || (got = imap_node_str(g, &glen)) == NULL) {
		fcmp_differ_nodes(f, "", "the part's octets (a string)", NULL, g);
		return;
	}
	for (i = 0; i < wlen && i < glen && want[i] == got[i]; i++)
		;
	if (i == wlen && i == glen)
		return;
	from = i > 20 ? i - 20 : 0;
	fcmp_differ(f, "", "expected %zu octets, got %zu; they differ from octet %zu: "
	    "expected \"", wlen, glen, i);
	buf_append_escaped(&f->why, want + from, wlen - from > 60 ? 60 : wlen - from);
	buf_puts(&f->why, "\", got \"");
	buf_append_escaped(&f->why, got + from, glen - from > 60 ? 60 : glen - from);
	buf_puts(&f->why, "\"");
}

/* The first FETCH response among the untagged ones that has the item;
 * parsed by rp. NULL: none. */
static const struct imap_node *
fetch_find(const struct xconn *c, struct imap_resp_parser *rp, const char *item)
{
	struct imap_resp r;
	const struct imap_node *n;
	struct buf line;
	size_t i;

	buf_init(&line, 1u << 27);
	for (i = 0; i < c->nuntagged; i++) {
		const char *sp = memchr(c->untagged[i], ' ', c->untagged_len[i]);

		if (sp == NULL || (size_t)(sp - c->untagged[i]) + 7 > c->untagged_len[i] ||
		    strncasecmp(sp, " FETCH ", 7) != 0)
			continue;
		buf_clear(&line);
		buf_puts(&line, "* ");
		buf_append(&line, c->untagged[i], c->untagged_len[i]);
		buf_puts(&line, "\r\n");
		imap_resp_parser_reset(rp);
		if (line.data == NULL || imap_resp_parser_feed(rp, line.data, line.len) != line.len ||
		    imap_resp_parser_next(rp, &r) != 1)
			continue;
		if ((n = imap_fetch_item(&r, item)) != NULL) {
			buf_release(&line);
			return n;
		}
	}
	buf_release(&line);
	return NULL;
}

struct fetch_ctx {
	struct exec *x;
	const struct xconn *c;
	const struct imap_resp *r;	/* the awaited response, or NULL */
	const struct mime_part *root;	/* the fixture's tree, if any */
	struct imap_resp_parser *exp, *got, *tmp;
};

/* Compare one check: expected (written or derived) against the server's. */
static enum step_rc
fetch_check_one(struct fetch_ctx *k, const struct fetch_check *fc)
{
	struct exec *x = k->x;
	struct fcmp f = { .root = k->root, .data = k->x->scn->fixture.s };
	const struct imap_node *want = NULL, *got, *key;
	struct buf text;
	bool is_section, is_number = false;
	enum step_rc rc = STEP_RC_OK;
	const char *b = fc->item.s;

	is_section = strchr(b, '[') != NULL;
	buf_init(&text, 1u << 27);
	buf_init(&f.why, 1u << 16);
	if (fc->from_fixture && k->root == NULL)
		rc = exec_fail(x, STEP_RC_SCENARIO_ERROR, "fetch: {fixture: true} in a scenario "
		    "without fixture:");
	else if (fc->from_fixture && is_section)
		rc = fetch_derive_section(x, fc, k->root, k->tmp, &text, &is_number);
	else if (fc->from_fixture && !fetch_derive_structure(b, k->root, &text))
		rc = exec_fail(x, STEP_RC_SCENARIO_ERROR, "fetch: %s of the fixture is too large", b);
	else if (!fc->from_fixture)
		rc = exec_expand_line(x, &fc->value, &text);
	if (rc == STEP_RC_OK && !is_section &&
	    !fetch_parse(k->exp, b, text.data ? text.data : "", text.len, &key, &want))
		rc = exec_fail(x, STEP_RC_SCENARIO_ERROR, "fetch: %s: the expected value is not "
		    "IMAP data", b);
	/* A written structure is checked against mailspec's own reading of
	 * the fixture too: when they disagree the scenario or mailspec is
	 * wrong, and the server cannot be judged. */
	if (rc == STEP_RC_OK && !is_section && !fc->from_fixture && k->root != NULL) {
		struct buf mine;
		const struct imap_node *mkey, *mval;

		buf_init(&mine, 1u << 27);
		if (fetch_derive_structure(b, k->root, &mine) &&
		    fetch_parse(k->tmp, b, mine.data ? mine.data : "", mine.len, &mkey, &mval)) {
			fcmp_structure(&f, b, want, mval);
			if (f.differ)
				rc = exec_fail(x, STEP_RC_SCENARIO_ERROR, "fetch: mailspec reads "
				    "fixture %s differently from the scenario: %s", x->scn->fixture_name,
				    f.why.data);
		}
		buf_release(&mine);
	}
	if (rc == STEP_RC_OK) {
		if ((got = fetch_find(k->c, k->got, b)) == NULL) {
			buf_printf(&f.why, "a FETCH response with %s", b);
			f.differ = true;
		} else if (!is_section) {
			fcmp_structure(&f, b, want, got);
		} else if (is_number) {
			uint64_t n;
			f.item = b;
			if (!imap_node_number(got, &n) || text.data == NULL ||
			    strtoull(text.data, NULL, 10) != n)
				fcmp_differ(&f, "", "expected %s, got %s", text.data ? text.data : "",
				    imap_node_str(got, NULL) ? imap_node_str(got, NULL) : "NIL");
		} else {
			fcmp_bytes(&f, b, text.data ? text.data : "", text.len, got);
		}
		if (f.differ)
			rc = STEP_RC_FAIL;
	}
	if (rc == STEP_RC_FAIL)
		judge_imap_fetch_miss(x, k->c, k->r, f.why.data ? f.why.data : "");
	buf_release(&f.why);
	buf_release(&text);
	return rc;
}

enum step_rc
judge_imap_fetch(struct exec *x, const struct xconn *c, const struct expect *e,
    const struct imap_resp *r)
{
	struct fetch_ctx k = { .x = x, .c = c, .r = r };
	struct mime_parser *mp = NULL;
	enum step_rc rc = STEP_RC_OK;
	size_t i;

	if (e->nfetch == 0)
		return STEP_RC_OK;
	if (x->scn->fixture.s != NULL && (mp = mime_parser_new(NULL)) != NULL) {
		mime_parser_feed(mp, x->scn->fixture.s, x->scn->fixture.len);
		k.root = mime_parser_finish(mp);
	}
	k.exp = imap_resp_parser_new(NULL);
	k.got = imap_resp_parser_new(NULL);
	k.tmp = imap_resp_parser_new(NULL);
	if (k.exp == NULL || k.got == NULL || k.tmp == NULL ||
	    (x->scn->fixture.s != NULL && k.root == NULL))
		rc = exec_fail(x, STEP_RC_RUNTIME_ERROR, "fetch: out of memory");
	for (i = 0; rc == STEP_RC_OK && i < e->nfetch; i++)
		rc = fetch_check_one(&k, &e->fetch[i]);
	imap_resp_parser_free(&k.exp);
	imap_resp_parser_free(&k.got);
	imap_resp_parser_free(&k.tmp);
	mime_parser_free(&mp);
	return rc;
}
