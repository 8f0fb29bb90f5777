/* exec_conn.c: the connections of a running scenario: open, send, read
 * SMTP replies (RFC 5321 §4.2) with hard limits and deadlines, STARTTLS
 * (RFC 3207 §4.2: nothing may be pending before the handshake), the
 * transcript, and capabilities from EHLO (RFC 5321 §4.1.1.1). */
#include <ctype.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec.h"
#include "net.h"
#include "smtp_reply.h"

#define XCONN_MAX_BYTES_IN	(64u << 20)	/* per connection */
#define XCONN_MAX_TRANSCRIPT	(1u << 20)	/* per scenario */
#define XCONN_REPLY_MAX_LINE	2048		/* 4x RFC 5321 §4.5.3.1.5 */
#define XCONN_REPLY_MAX_LINES	512

static void *
smtp_codec_create(void)
{
	struct smtp_reply_limits lim = { XCONN_REPLY_MAX_LINE, XCONN_REPLY_MAX_LINES };

	return smtp_reply_parser_new(&lim);
}

static void
smtp_codec_destroy(void **codec)
{
	smtp_reply_parser_free((struct smtp_reply_parser **)codec);
}

static void
smtp_codec_reset(void *codec)
{
	smtp_reply_parser_reset(codec);
}

static size_t
smtp_codec_feed(void *codec, const void *data, size_t len)
{
	return smtp_reply_parser_feed(codec, data, len);
}

static size_t
smtp_codec_pending(const void *codec)
{
	return smtp_reply_parser_pending(codec);
}

static const char *
smtp_codec_error(const void *codec)
{
	return smtp_reply_error_str(smtp_reply_parser_error(codec));
}

const struct xcodec xcodec_smtp = {
	"SMTP reply (RFC 5321 §4.2)",
	smtp_codec_create,
	smtp_codec_destroy,
	smtp_codec_reset,
	smtp_codec_feed,
	smtp_codec_pending,
	smtp_codec_error,
};

static uint64_t
deadline_after(double seconds)
{
	return net_now_us() + (uint64_t)(seconds * 1e6);
}

static void
exec_event(struct exec *x, const char *conn, enum transcript_dir dir, const void *data,
    size_t len)
{
	struct result *r = x->res;
	struct transcript_event *ev;

	if (x->transcript_bytes > XCONN_MAX_TRANSCRIPT)
		return;
	x->transcript_bytes += len;
	if (x->transcript_bytes > XCONN_MAX_TRANSCRIPT) {
		data = "transcript truncated at 1 MiB";
		len = strlen(data);
		dir = TRANSCRIPT_NOTE;
	}
	ev = realloc(r->events, (r->nevents + 1) * sizeof(*ev));
	if (ev == NULL)
		return;
	r->events = ev;
	ev = &r->events[r->nevents];
	ev->conn = strdup(conn);
	ev->dir = dir;
	ev->t_us = net_now_us() - x->t0;
	ev->data = malloc(len + 1);
	if (ev->conn == NULL || ev->data == NULL) {
		free((char *)ev->conn);
		free(ev->data);
		return;
	}
	memcpy(ev->data, data, len);
	ev->data[len] = '\0';
	ev->len = len;
	r->nevents++;
}

void
exec_note(struct exec *x, const char *conn, const char *fmt, ...)
{
	char note[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(note, sizeof(note), fmt, ap);
	va_end(ap);
	exec_event(x, conn, TRANSCRIPT_NOTE, note, strlen(note));
}

enum step_rc
exec_fail(struct exec *x, enum step_rc rc, const char *fmt, ...)
{
	va_list ap;

	buf_clear(&x->msg);
	va_start(ap, fmt);
	buf_vprintf(&x->msg, fmt, ap);
	va_end(ap);
	return rc;
}

static const struct xcodec *
xconn_codec_for(enum role role)
{
	return role == ROLE_POP3 ? &xcodec_pop3 : role == ROLE_IMAP ? &xcodec_imap :
	    &xcodec_smtp;
}

enum step_rc
xconn_open(struct exec *x, struct xconn *c, double timeout)
{
	struct net_tls_opts tls = { NULL, x->t->tls_verify, x->t->ca_file };
	char err[512];
	int rc;

	rc = net_connect(c->ep->host, c->ep->port, c->ep->is_implicit_tls ? &tls : NULL,
	    deadline_after(timeout), &c->net, err, sizeof(err));
	if (rc == NET_REFUSED)
		return exec_fail(x, STEP_RC_ABORT, "%s: %s", c->ep->url, err);
	if (rc != NET_OK) {
		exec_note(x, c->decl->name, "connect failed: %s", err);
		return exec_fail(x, STEP_RC_RUNTIME_ERROR, "cannot connect to %s: %s",
		    c->ep->url, err);
	}
	c->ops = xconn_codec_for(c->decl->role);
	c->codec = c->ops->create();
	buf_init(&c->in, XCONN_MAX_BYTES_IN);
	c->is_open = true;
	c->was_opened = true;
	c->is_eof = false;
	exec_note(x, c->decl->name, "connected to %s%s%s", c->ep->url,
	    net_is_tls(c->net) ? ", " : "", net_tls_desc(c->net));
	return STEP_RC_OK;
}

void
xconn_close(struct exec *x, struct xconn *c, const char *why)
{
	if (!c->is_open)
		return;
	if (why != NULL)
		exec_note(x, c->decl->name, "%s", why);
	net_close(&c->net);
	if (c->ops != NULL)
		c->ops->destroy(&c->codec);
	buf_release(&c->in);
	c->is_open = false;
}

void
xconn_reset_state(struct xconn *c)
{
	caps_free(&c->caps, &c->ncaps);
	xconn_untagged_clear(c);
	c->nverbs = 0;
	c->bytes_in = 0;
	c->is_eof = false;
}

void
xconn_free(struct xconn *c)
{
	net_close(&c->net);
	if (c->ops != NULL)
		c->ops->destroy(&c->codec);
	buf_release(&c->in);
	caps_free(&c->caps, &c->ncaps);
	xconn_untagged_clear(c);
	c->is_open = false;
}

/* Remember the verb of each command line sent, to know what a reply answers. */
static void
xconn_push_verbs(struct xconn *c, const char *data, size_t len)
{
	const char *p = data, *end = data + len;

	while (p < end && c->nverbs < EXEC_MAX_VERBS) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t i;

		for (i = 0; i < 15 && p + i < end && isalpha((unsigned char)p[i]); i++)
			c->verbs[c->nverbs][i] = (char)toupper((unsigned char)p[i]);
		c->verbs[c->nverbs++][i] = '\0';
		if (eol == NULL)
			break;
		p = eol + 1;
	}
}

enum step_rc
xconn_send(struct exec *x, struct xconn *c, const void *data, size_t len,
    bool is_commands, double timeout)
{
	int rc;

	if (c->is_eof)
		exec_note(x, c->decl->name, "sending although the server closed the connection");
	exec_event(x, c->decl->name, TRANSCRIPT_SEND, data, len);
	if (is_commands)
		xconn_push_verbs(c, data, len);
	rc = net_send(c->net, data, len, deadline_after(timeout));
	if (rc == NET_OK)
		return STEP_RC_OK;
	if (rc == NET_CLOSED || rc == NET_ERROR) {
		/* The server hung up; what it said before that decides the verdict. */
		exec_note(x, c->decl->name, "send failed: %s", net_error(c->net));
		return STEP_RC_OK;
	}
	return exec_fail(x, rc == NET_TIMEOUT ? STEP_RC_FAIL : STEP_RC_RUNTIME_ERROR,
	    "expected: the server to accept %zu bytes\nactual: %s", len, net_error(c->net));
}

/* Receive once into c->in. OK with data, or a failure/EOF noted. */
static int
xconn_recv(struct exec *x, struct xconn *c, uint64_t deadline)
{
	char tmp[16384];
	size_t n = 0;
	int rc;

	rc = net_recv(c->net, tmp, sizeof(tmp), &n, deadline);
	if (rc == NET_OK) {
		exec_event(x, c->decl->name, TRANSCRIPT_RECV, tmp, n);
		c->bytes_in += n;
		if (c->bytes_in > XCONN_MAX_BYTES_IN || !buf_append(&c->in, tmp, n))
			return NET_ERROR;
	} else if (rc == NET_CLOSED) {
		exec_note(x, c->decl->name, "server closed the connection");
		c->is_eof = true;
	}
	return rc;
}

void
xconn_pop_verb(struct xconn *c, char verb[16])
{
	verb[0] = '\0';
	if (c->nverbs == 0)
		return;
	memcpy(verb, c->verbs[0], 16);
	memmove(c->verbs[0], c->verbs[1], (c->nverbs - 1) * sizeof(c->verbs[0]));
	c->nverbs--;
}

enum step_rc
xconn_read(struct exec *x, struct xconn *c, double timeout,
    int (*next)(void *codec, void *arg, void *item), void *arg, void *item)
{
	uint64_t deadline = deadline_after(timeout);
	int rc, stalled = 0;

	for (;;) {
		size_t acc = c->in.len ? c->ops->feed(c->codec, c->in.data, c->in.len) : 0;

		buf_consume(&c->in, acc);
		rc = next(c->codec, arg, item);
		if (rc == 1)
			return STEP_RC_OK;
		if (rc < 0)
			return exec_fail(x, STEP_RC_FAIL, "expected: a well-formed %s\n"
			    "actual: malformed: %s", c->ops->what, c->ops->error(c->codec));
		/* The codec may have made room: feed what is buffered before
		 * waiting on the network. Twice nothing taken means stuck. */
		stalled = acc == 0 ? stalled + 1 : 0;
		if (c->in.len > 0 && stalled < 2)
			continue;
		if (c->in.len > 0)
			return exec_fail(x, STEP_RC_FAIL, "expected: a %s\nactual: more data "
			    "than the codec can hold without completing one", c->ops->what);
		if (c->is_eof)
			return exec_fail(x, STEP_RC_FAIL, "expected: a %s\nactual: the server "
			    "closed the connection%s", c->ops->what,
			    c->ops->pending(c->codec) ? " in the middle of it" : "");
		rc = xconn_recv(x, c, deadline);
		if (rc == NET_TIMEOUT)
			return exec_fail(x, STEP_RC_FAIL, "expected: a %s within %.1f s\n"
			    "actual: %s", c->ops->what, timeout, c->ops->pending(c->codec) ?
			    "an incomplete one, then silence" : "nothing (timed out)");
		if (rc == NET_ERROR && c->bytes_in > XCONN_MAX_BYTES_IN)
			return exec_fail(x, STEP_RC_FAIL, "expected: a %s\nactual: more than "
			    "%u MiB without a complete one", c->ops->what, XCONN_MAX_BYTES_IN >> 20);
		if (rc != NET_OK && rc != NET_CLOSED)
			return exec_fail(x, STEP_RC_RUNTIME_ERROR, "receive failed: %s",
			    net_error(c->net));
	}
}

static int
xconn_next_smtp(void *codec, void *arg, void *item)
{
	(void)arg;
	return smtp_reply_parser_next(codec, item);
}

enum step_rc
xconn_read_smtp(struct exec *x, struct xconn *c, double timeout, struct smtp_reply *reply_r)
{
	enum step_rc rc = xconn_read(x, c, timeout, xconn_next_smtp, NULL, reply_r);
	char verb[16];

	if (rc == STEP_RC_OK) {
		xconn_pop_verb(c, verb);
		if (strcmp(verb, "EHLO") == 0 && reply_r->code == 250)
			xconn_set_caps_from_ehlo(x, c, reply_r);
	}
	return rc;
}

enum step_rc
xconn_expect_quiet(struct exec *x, struct xconn *c, double seconds, bool want_eof)
{
	uint64_t deadline = deadline_after(seconds);
	size_t pending = c->in.len + c->ops->pending(c->codec);
	const char *want = want_eof ? "the server to close the connection" :
	    "no data from the server";
	int rc;

	if (pending > 0)
		return exec_fail(x, STEP_RC_FAIL, "expected: %s\nactual: %zu more bytes "
		    "had already arrived", want, pending);
	while (!c->is_eof) {
		rc = xconn_recv(x, c, deadline);
		if (rc == NET_OK)
			return exec_fail(x, STEP_RC_FAIL, "expected: %s\nactual: the server sent "
			    "%zu bytes", want, c->in.len);
		if (rc == NET_TIMEOUT)
			return want_eof ? exec_fail(x, STEP_RC_FAIL, "expected: %s within %.1f s\n"
			    "actual: the connection stayed open", want, seconds) : STEP_RC_OK;
		if (rc != NET_CLOSED)
			return want_eof ? STEP_RC_OK : exec_fail(x, STEP_RC_FAIL,
			    "expected: %s\nactual: %s", want, net_error(c->net));
	}
	if (!want_eof)
		return exec_fail(x, STEP_RC_FAIL, "expected: %s for %.1f s\nactual: the server "
		    "closed the connection", want, seconds);
	return STEP_RC_OK;
}

enum step_rc
xconn_starttls(struct exec *x, struct xconn *c, const char *sni, double timeout)
{
	struct net_tls_opts tls = { sni, x->t->tls_verify, x->t->ca_file };
	size_t pending = c->in.len + c->ops->pending(c->codec);
	int rc;

	if (pending > 0)
		return exec_fail(x, STEP_RC_FAIL, "expected: nothing after the reply to "
		    "STARTTLS before the TLS handshake (RFC 3207 §4.2)\nactual: %zu more "
		    "plaintext bytes", pending);
	rc = net_starttls(c->net, &tls, deadline_after(timeout));
	if (rc != NET_OK) {
		exec_note(x, c->decl->name, "TLS handshake failed: %s", net_error(c->net));
		if (strstr(net_error(c->net), "plaintext") != NULL)
			return exec_fail(x, STEP_RC_FAIL, "expected: a TLS handshake after "
			    "STARTTLS\nactual: %s", net_error(c->net));
		return exec_fail(x, STEP_RC_RUNTIME_ERROR, "TLS handshake failed: %s",
		    net_error(c->net));
	}
	exec_note(x, c->decl->name, "TLS established: %s", net_tls_desc(c->net));
	c->ops->reset(c->codec);
	caps_free(&c->caps, &c->ncaps);
	c->nverbs = 0;
	return STEP_RC_OK;
}

/* ---- capabilities ----------------------------------------------------- */

void
caps_free(char ***caps, size_t *ncaps)
{
	size_t i;

	for (i = 0; i < *ncaps; i++)
		free((*caps)[i]);
	free(*caps);
	*caps = NULL;
	*ncaps = 0;
}

/* want is one or more shell patterns (fnmatch, case-insensitive) joined
 * by '|', any of which will do: "AUTH=PLAIN", "SIZE=[1-9]*" (a SIZE with a
 * non-zero limit), "MOVE|IMAP4rev2" (an extension folded into a base). */
bool
caps_have(char *const *caps, size_t ncaps, const char *want, size_t wantlen)
{
	char pat[128];
	const char *alt = want, *end = want + wantlen;
	size_t i, len;

	while (alt < end) {
		const char *bar = memchr(alt, '|', (size_t)(end - alt));

		len = (size_t)((bar ? bar : end) - alt);
		if (len > 0 && len < sizeof(pat)) {
			memcpy(pat, alt, len);
			pat[len] = '\0';
			for (i = 0; i < ncaps; i++)
				if (fnmatch(pat, caps[i], FNM_CASEFOLD) == 0)
					return true;
		}
		alt = bar ? bar + 1 : end;
	}
	return false;
}

static void
caps_add(char ***caps, size_t *ncaps, const char *s, size_t len)
{
	char **p = realloc(*caps, (*ncaps + 1) * sizeof(**caps));

	if (p == NULL)
		return;
	*caps = p;
	if ((p[*ncaps] = strndup(s, len)) != NULL)
		(*ncaps)++;
}

/* Lines "KEYWORD [PARAM ...]" (EHLO lines after the first, RFC 5321
 * §4.1.1.1; POP3 CAPA lines, RFC 2449 §5) give KEYWORD, KEYWORD=PARAM for
 * each parameter, and the variable ${cap.KEYWORD} with all parameters. */
void
xconn_set_caps(struct exec *x, struct xconn *c, const char *const *lines,
    const size_t *lens, size_t n)
{
	size_t i;

	caps_free(&c->caps, &c->ncaps);
	vars_unset_prefix(&x->vars, "cap.");
	for (i = 0; i < n; i++) {
		const char *s = lines[i], *end = s + lens[i], *sp = memchr(s, ' ', lens[i]);
		size_t klen = sp ? (size_t)(sp - s) : lens[i];
		char name[80];
		struct buf cap;

		if (klen == 0 || klen > 60)
			continue;
		caps_add(&c->caps, &c->ncaps, s, klen);
		snprintf(name, sizeof(name), "cap.%.*s", (int)klen, s);
		vars_set(&x->vars, name, sp ? sp + 1 : "", sp ? (size_t)(end - sp - 1) : 0);
		while (sp != NULL) {
			const char *p = sp + 1;
			sp = memchr(p, ' ', (size_t)(end - p));
			buf_init(&cap, 256);
			buf_printf(&cap, "%.*s=%.*s", (int)klen, s, (int)((sp ? sp : end) - p), p);
			if (cap.data != NULL)
				caps_add(&c->caps, &c->ncaps, cap.data, cap.len);
			buf_release(&cap);
		}
	}
}

void
xconn_set_caps_from_ehlo(struct exec *x, struct xconn *c, const struct smtp_reply *r)
{
	const char *lines[XCONN_REPLY_MAX_LINES];
	size_t lens[XCONN_REPLY_MAX_LINES], i, n = 0;

	for (i = 1; i < r->nlines && n < XCONN_REPLY_MAX_LINES; i++, n++) {
		lines[n] = r->lines[i].text;
		lens[n] = r->lines[i].len;
	}
	xconn_set_caps(x, c, lines, lens, n);
}
