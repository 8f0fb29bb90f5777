/* mime_addr.c: RFC 5322 address lists for IMAP ENVELOPE.
 *
 * RFC 5322 §3.4 (address = mailbox / group; mailbox = name-addr /
 * addr-spec; name-addr = [display-name] angle-addr; group = display-name
 * ":" [group-list] ";"), §3.4.1 (addr-spec = local-part "@" domain;
 * domain-literal), §3.2.2-3.2.5 (CFWS, atoms, quoted strings, phrases),
 * §4.4 (obs-angle-addr with obs-route, obs-local-part and obs-domain with
 * CFWS around ".", obs-addr-list and obs-mbox-list with empty elements,
 * obs-phrase with "."); RFC 9051 §7.5.2 (group markers).
 *
 * Choices: a bare addr-spec followed by a comment takes the comment as
 * its name, as IMAP servers traditionally do ("jdoe@x (John Doe)"); the
 * route of an obs-angle-addr is kept in adl for IMAP; groups do not nest.
 */
#include "mime_addr.h"

#include <string.h>

#include "arena.h"
#include "buf.h"
#include "mime_lex.h"

#define MIME_ADDR_TEXT_MAX ((size_t)1 << 20)
#define ADDR_SPARE_MAX 8	/* scratch buffers kept for reuse in one parse */

struct addr_ctx {
	struct arena *a;
	struct mime_lex lx;
	struct mime_address **tail;
	int count;
	unsigned problems;
	bool is_nomem;
	struct buf spare[ADDR_SPARE_MAX];
	size_t nspare;
};

/* A cleared scratch buffer: one given back earlier in this parse when
 * there is one (its memory kept), else a new one. Every element needs a
 * few, and a list has many elements. */
static void
addr_buf_take(struct addr_ctx *c, struct buf *b)
{
	if (c->nspare > 0) {
		*b = c->spare[--c->nspare];
		buf_clear(b);
	} else {
		buf_init(b, MIME_ADDR_TEXT_MAX);
	}
}

static void
addr_buf_give(struct addr_ctx *c, struct buf *b)
{
	if (b->data != NULL && c->nspare < ADDR_SPARE_MAX)
		c->spare[c->nspare++] = *b;
	else
		buf_release(b);
}

/* The words of a phrase or local part. */
struct addr_words {
	struct buf disp;	/* display form: as written, CFWS as one SP */
	struct buf local;	/* dot form: words and dots, no white space */
	size_t nwords;
	bool is_dot_form;	/* word *("." word) */
	bool has_dot;		/* the last item was a "." */
	size_t ndots;
	bool has_space_dot;	/* CFWS next to a "." (obsolete) */
};

static const char *
addr_dup(struct addr_ctx *c, const char *s, size_t len)
{
	const char *r = arena_strndup(c->a, s != NULL ? s : "", s != NULL ? len : 0);

	if (r == NULL)
		c->is_nomem = true;
	return r;
}

static struct mime_address *
addr_emit(struct addr_ctx *c)
{
	struct mime_address *ad = arena_alloc(c->a, sizeof(*ad));

	if (ad == NULL) {
		c->is_nomem = true;
		return NULL;
	}
	*c->tail = ad;
	c->tail = &ad->next;
	c->count++;
	return ad;
}

static void
addr_words_init(struct addr_ctx *c, struct addr_words *w)
{
	memset(w, 0, sizeof(*w));
	addr_buf_take(c, &w->disp);
	addr_buf_take(c, &w->local);
	buf_puts(&w->disp, "");
	buf_puts(&w->local, "");
}

static void
addr_words_release(struct addr_ctx *c, struct addr_words *w)
{
	addr_buf_give(c, &w->disp);
	addr_buf_give(c, &w->local);
}

/* Append one word (atom or quoted string) at the cursor; false if none. */
static bool
addr_word(struct addr_ctx *c, struct addr_words *w, bool has_space)
{
	const char *atom;
	size_t n, start = w->disp.len, before;

	if (has_space && w->disp.len > 0)
		buf_putc(&w->disp, ' ');
	before = w->disp.len;
	if (mime_lex_peek(&c->lx) == '"' && mime_lex_quoted(&c->lx, &w->disp)) {
		buf_append(&w->local, w->disp.data + before, w->disp.len - before);
	} else if (mime_lex_peek(&c->lx) != '"' && (n = mime_lex_atom(&c->lx, &atom)) > 0) {
		buf_append(&w->disp, atom, n);
		buf_append(&w->local, atom, n);
	} else {
		w->disp.len = start;
		w->disp.data[start] = '\0';
		return false;
	}
	if (w->nwords > 0 && !w->has_dot)
		w->is_dot_form = false;
	w->nwords++;
	w->has_dot = false;
	return true;
}

/* Read words and dots: a phrase, a local part, or both. */
static void
addr_read_words(struct addr_ctx *c, struct addr_words *w)
{
	bool has_space = false;

	w->is_dot_form = true;
	for (;;) {
		if (mime_lex_peek(&c->lx) == '.') {
			c->lx.pos++;
			if (has_space)
				w->has_space_dot = true;
			if (w->nwords == 0 || w->has_dot)
				w->is_dot_form = false;
			if (has_space && w->disp.len > 0)
				buf_putc(&w->disp, ' ');
			w->has_dot = true;
			w->ndots++;
			buf_putc(&w->disp, '.');
			buf_putc(&w->local, '.');
		} else if (!addr_word(c, w, has_space)) {
			break;
		}
		has_space = mime_lex_skip_cfws(&c->lx);
		if (has_space && w->has_dot)
			w->has_space_dot = true;
	}
	if (w->nwords == 0 || w->has_dot)
		w->is_dot_form = false;
}

/* domain = dot-atom / domain-literal / obs-domain, into out. */
static bool
addr_read_domain(struct addr_ctx *c, struct buf *out)
{
	const char *atom;
	size_t n;

	mime_lex_skip_cfws(&c->lx);
	if (mime_lex_peek(&c->lx) == '[')
		return mime_lex_domain_literal(&c->lx, out);
	for (;;) {
		if ((n = mime_lex_atom(&c->lx, &atom)) == 0)
			return false;
		buf_append(out, atom, n);
		if (mime_lex_skip_cfws(&c->lx) && mime_lex_peek(&c->lx) == '.')
			c->problems |= MIME_ADDR_OBSOLETE;
		if (!mime_lex_accept(&c->lx, '.'))
			return true;
		buf_putc(out, '.');
		if (mime_lex_skip_cfws(&c->lx))
			c->problems |= MIME_ADDR_OBSOLETE;
	}
}

/* obs-route: "@" domain *("," [CFWS] ["@" domain]) ":" into out. */
static bool
addr_read_route(struct addr_ctx *c, struct buf *out)
{
	c->problems |= MIME_ADDR_OBSOLETE;
	for (;;) {
		mime_lex_skip_cfws(&c->lx);
		if (mime_lex_accept(&c->lx, '@')) {
			if (out->len > 0)
				buf_putc(out, ',');
			buf_putc(out, '@');
			if (!addr_read_domain(c, out))
				return false;
		} else if (!mime_lex_accept(&c->lx, ',')) {
			return mime_lex_accept(&c->lx, ':') && out->len > 0;
		}
	}
}

/* "<" [route] addr-spec ">" at the cursor into ad. */
static bool
addr_read_angle(struct addr_ctx *c, struct mime_address *ad)
{
	struct addr_words w;
	struct buf route, domain;
	bool ok = false;

	c->lx.pos++;
	addr_words_init(c, &w);
	addr_buf_take(c, &route);
	addr_buf_take(c, &domain);
	mime_lex_skip_cfws(&c->lx);
	if (mime_lex_peek(&c->lx) == '@' && !addr_read_route(c, &route))
		goto out;
	mime_lex_skip_cfws(&c->lx);
	addr_read_words(c, &w);
	if (!w.is_dot_form || !mime_lex_accept(&c->lx, '@') || !addr_read_domain(c, &domain))
		goto out;
	if (w.has_space_dot)
		c->problems |= MIME_ADDR_OBSOLETE;
	mime_lex_skip_cfws(&c->lx);
	if (!mime_lex_accept(&c->lx, '>')) {
		if (!mime_lex_at_end(&c->lx))
			goto out;
		c->problems |= MIME_ADDR_UNTERMINATED;
	}
	ad->adl = route.len > 0 ? addr_dup(c, route.data, route.len) : NULL;
	ad->mailbox = addr_dup(c, w.local.data, w.local.len);
	ad->host = addr_dup(c, domain.data, domain.len);
	ok = true;
out:
	addr_words_release(c, &w);
	addr_buf_give(c, &route);
	addr_buf_give(c, &domain);
	return ok;
}

/* Skip to the end of an element that could not be read. */
static void
addr_recover(struct addr_ctx *c, bool is_in_group, size_t start)
{
	struct mime_lex *lx = &c->lx;

	while (!mime_lex_at_end(lx)) {
		int ch = mime_lex_peek(lx);
		struct buf junk;

		if (ch == ',' || (is_in_group && ch == ';'))
			break;
		if (ch == '"') {
			addr_buf_take(c, &junk);
			if (!mime_lex_quoted(lx, &junk))
				lx->pos++;
			addr_buf_give(c, &junk);
		} else if (ch == '(') {
			mime_lex_skip_cfws(lx);
		} else {
			lx->pos++;
		}
	}
	if (lx->pos == start && !mime_lex_at_end(lx))
		lx->pos++;
}

/* An element that is not an address: keep its text. */
static void
addr_invalid(struct addr_ctx *c, bool is_in_group, size_t start)
{
	struct mime_address *ad;
	size_t end;

	addr_recover(c, is_in_group, start);
	end = c->lx.pos;
	while (end > start && strchr(" \t\r\n", c->lx.s[end - 1]) != NULL)
		end--;
	c->problems |= MIME_ADDR_SYNTAX;
	if ((ad = addr_emit(c)) == NULL)
		return;
	ad->mailbox = addr_dup(c, c->lx.s + start, end - start);
	ad->host = "";
	ad->is_invalid = true;
}

static void addr_element(struct addr_ctx *c, bool is_in_group);

/* After an element: only "," (or ";" in a group) or the end may follow. */
static void
addr_after_element(struct addr_ctx *c, bool is_in_group)
{
	int ch;

	mime_lex_skip_cfws(&c->lx);
	ch = mime_lex_peek(&c->lx);
	if (ch == -1 || ch == ',' || (is_in_group && ch == ';'))
		return;
	c->problems |= MIME_ADDR_SYNTAX;
	addr_recover(c, is_in_group, c->lx.pos);
}

/* display-name ":" [group-list] ";" after the display name. */
static void
addr_group(struct addr_ctx *c, const struct addr_words *w)
{
	struct mime_address *ad = addr_emit(c);
	bool need_elem = true;

	c->lx.pos++;
	if (ad == NULL || (ad->mailbox = addr_dup(c, w->disp.data, w->disp.len)) == NULL)
		return;
	while (!c->is_nomem) {
		mime_lex_skip_cfws(&c->lx);
		if (mime_lex_accept(&c->lx, ';'))
			break;
		if (mime_lex_at_end(&c->lx)) {
			c->problems |= MIME_ADDR_UNTERMINATED;
			break;
		}
		if (mime_lex_accept(&c->lx, ',')) {
			if (need_elem)
				c->problems |= MIME_ADDR_OBSOLETE;
			need_elem = true;
			continue;
		}
		addr_element(c, true);
		addr_after_element(c, true);
		need_elem = false;
	}
	addr_emit(c);	/* the end marker: all NULL */
}

/* addr-spec after its local part, at "@". */
static void
addr_spec(struct addr_ctx *c, const struct addr_words *w, bool is_in_group, size_t start)
{
	struct buf domain;
	struct mime_address *ad;

	addr_buf_take(c, &domain);
	c->lx.pos++;
	c->lx.comment_len = 0;
	if (!addr_read_domain(c, &domain)) {
		addr_buf_give(c, &domain);
		addr_invalid(c, is_in_group, start);
		return;
	}
	if ((ad = addr_emit(c)) != NULL) {
		ad->mailbox = addr_dup(c, w->local.data, w->local.len);
		ad->host = addr_dup(c, domain.data, domain.len);
		if (c->lx.comment_len > 0)
			ad->name = addr_dup(c, c->lx.s + c->lx.comment_off, c->lx.comment_len);
	}
	if (w->has_space_dot)
		c->problems |= MIME_ADDR_OBSOLETE;
	addr_buf_give(c, &domain);
}

/* [display-name] angle-addr at "<". */
static void
addr_name_addr(struct addr_ctx *c, const struct addr_words *w, bool is_in_group,
    size_t start)
{
	struct mime_address tmp, *ad;

	memset(&tmp, 0, sizeof(tmp));
	if (!addr_read_angle(c, &tmp)) {
		c->lx.pos = start;
		addr_invalid(c, is_in_group, start);
		return;
	}
	if (w->ndots > 0)
		c->problems |= MIME_ADDR_OBSOLETE;	/* obs-phrase */
	if ((ad = addr_emit(c)) != NULL) {
		*ad = tmp;
		ad->next = NULL;
		if (w->nwords > 0)
			ad->name = addr_dup(c, w->disp.data, w->disp.len);
	}
}

/* One address (a mailbox, or a group outside a group). */
static void
addr_element(struct addr_ctx *c, bool is_in_group)
{
	size_t start = c->lx.pos;
	struct addr_words w;
	struct mime_address *ad;
	int ch;

	addr_words_init(c, &w);
	addr_read_words(c, &w);
	ch = mime_lex_peek(&c->lx);
	if (ch == ':' && !is_in_group && w.nwords > 0) {
		addr_group(c, &w);
	} else if (ch == '<') {
		addr_name_addr(c, &w, is_in_group, start);
	} else if (ch == '@' && w.is_dot_form) {
		addr_spec(c, &w, is_in_group, start);
	} else if (w.is_dot_form && (ch == -1 || ch == ',' || (is_in_group && ch == ';'))) {
		c->problems |= MIME_ADDR_NO_DOMAIN;
		if ((ad = addr_emit(c)) != NULL) {
			ad->mailbox = addr_dup(c, w.local.data, w.local.len);
			ad->host = "";
			ad->is_invalid = true;
		}
	} else {
		addr_invalid(c, is_in_group, start);
	}
	addr_words_release(c, &w);
}

int
mime_addr_parse(struct arena *a, const char *s, size_t len,
    struct mime_address **list_r, unsigned *problems_r)
{
	struct addr_ctx c;
	bool need_elem = true, has_comma = false;

	memset(&c, 0, sizeof(c));
	c.a = a;
	c.tail = list_r;
	*list_r = NULL;
	mime_lex_init(&c.lx, s, len);
	while (!c.is_nomem) {
		mime_lex_skip_cfws(&c.lx);
		if (mime_lex_at_end(&c.lx))
			break;
		if (mime_lex_accept(&c.lx, ',')) {
			if (need_elem)
				c.problems |= MIME_ADDR_OBSOLETE;
			need_elem = has_comma = true;
			continue;
		}
		addr_element(&c, false);
		addr_after_element(&c, false);
		need_elem = has_comma = false;
	}
	if (has_comma)
		c.problems |= MIME_ADDR_OBSOLETE;	/* a trailing "," */
	if (c.lx.has_error)
		c.problems |= MIME_ADDR_UNTERMINATED;
	if (problems_r != NULL)
		*problems_r = c.problems;
	while (c.nspare > 0)
		buf_release(&c.spare[--c.nspare]);
	return c.is_nomem ? -1 : c.count;
}
