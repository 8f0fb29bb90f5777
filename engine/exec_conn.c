/* exec_conn.c: the connections of a running scenario: open, send, read
 * SMTP replies (RFC 5321 §4.2) with hard limits and deadlines, STARTTLS
 * (RFC 3207 §4.2: nothing may be pending before the handshake), the
 * transcript, and capabilities from EHLO (RFC 5321 §4.1.1.1). */
#include <ctype.h>
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

enum step_rc
xconn_open(struct exec *x, struct xconn *c, double timeout)
{
	struct net_tls_opts tls = { NULL, x->t->tls_verify, x->t->ca_file };
	struct smtp_reply_limits lim = { XCONN_REPLY_MAX_LINE, XCONN_REPLY_MAX_LINES };
	char err[512];
	int rc;

	rc = net_connect(c->ep->host, c->ep->port, c->ep->is_implicit_tls ? &tls : NULL,
	    deadline_after(timeout), &c->net, err, sizeof(err));
	if (rc == NET_REFUSED)
		return exec_fail(x, STEP_RC_ABORT, "%s: %s", c->ep->url, err);
	if (rc != NET_OK) {
		exec_note(x, c->decl->name, "connect failed: %s", err);
		return exec_fail(x, rc == NET_TLS_ERROR ? STEP_RC_RUNTIME_ERROR :
		    STEP_RC_RUNTIME_ERROR, "cannot connect to %s: %s", c->ep->url, err);
	}
	c->smtp = smtp_reply_parser_new(&lim);
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
	smtp_reply_parser_free(&c->smtp);
	buf_release(&c->in);
	c->is_open = false;
}

void
xconn_free(struct xconn *c)
{
	net_close(&c->net);
	smtp_reply_parser_free(&c->smtp);
	buf_release(&c->in);
	caps_free(&c->caps, &c->ncaps);
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

static void
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
xconn_read_smtp(struct exec *x, struct xconn *c, double timeout, struct smtp_reply *reply_r)
{
	uint64_t deadline = deadline_after(timeout);
	char verb[16];
	int rc;

	for (;;) {
		size_t acc = c->in.len ? smtp_reply_parser_feed(c->smtp, c->in.data, c->in.len) : 0;

		buf_consume(&c->in, acc);
		rc = smtp_reply_parser_next(c->smtp, reply_r);
		if (rc == 1) {
			xconn_pop_verb(c, verb);
			if (strcmp(verb, "EHLO") == 0 && reply_r->code == 250)
				xconn_set_caps_from_ehlo(x, c, reply_r);
			return STEP_RC_OK;
		}
		if (rc < 0)
			return exec_fail(x, STEP_RC_FAIL, "expected: a well-formed SMTP reply "
			    "(RFC 5321 §4.2)\nactual: malformed reply: %s",
			    smtp_reply_error_str(smtp_reply_parser_error(c->smtp)));
		if (c->is_eof)
			return exec_fail(x, STEP_RC_FAIL, "expected: a reply\nactual: the server "
			    "closed the connection%s",
			    smtp_reply_parser_pending(c->smtp) ? " in the middle of a reply" : "");
		rc = xconn_recv(x, c, deadline);
		if (rc == NET_TIMEOUT)
			return exec_fail(x, STEP_RC_FAIL, "expected: a reply within %.1f s\n"
			    "actual: %s", timeout, smtp_reply_parser_pending(c->smtp) ?
			    "an incomplete reply, then silence" : "no reply (timed out)");
		if (rc == NET_ERROR && c->bytes_in > XCONN_MAX_BYTES_IN)
			return exec_fail(x, STEP_RC_FAIL, "expected: a reply\nactual: more than "
			    "%u MiB without a complete reply", XCONN_MAX_BYTES_IN >> 20);
		if (rc != NET_OK && rc != NET_CLOSED)
			return exec_fail(x, STEP_RC_RUNTIME_ERROR, "receive failed: %s",
			    net_error(c->net));
	}
}

enum step_rc
xconn_expect_quiet(struct exec *x, struct xconn *c, double seconds, bool want_eof)
{
	uint64_t deadline = deadline_after(seconds);
	size_t pending = c->in.len + smtp_reply_parser_pending(c->smtp);
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
	size_t pending = c->in.len + smtp_reply_parser_pending(c->smtp);
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
	smtp_reply_parser_reset(c->smtp);
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

bool
caps_have(char *const *caps, size_t ncaps, const char *want, size_t wantlen)
{
	size_t i;

	for (i = 0; i < ncaps; i++)
		if (strlen(caps[i]) == wantlen && strncasecmp(caps[i], want, wantlen) == 0)
			return true;
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

/* EHLO lines after the first: "KEYWORD [PARAM ...]" (RFC 5321 §4.1.1.1). */
void
xconn_set_caps_from_ehlo(struct exec *x, struct xconn *c, const struct smtp_reply *r)
{
	size_t i;

	caps_free(&c->caps, &c->ncaps);
	vars_unset_prefix(&x->vars, "cap.");
	for (i = 1; i < r->nlines; i++) {
		const char *s = r->lines[i].text, *sp = strchr(s, ' ');
		size_t klen = sp ? (size_t)(sp - s) : strlen(s);
		char name[80];
		struct buf cap;

		if (klen == 0 || klen > 60)
			continue;
		caps_add(&c->caps, &c->ncaps, s, klen);
		snprintf(name, sizeof(name), "cap.%.*s", (int)klen, s);
		vars_set(&x->vars, name, sp ? sp + 1 : "", sp ? strlen(sp + 1) : 0);
		while (sp != NULL) {
			const char *p = sp + 1;
			sp = strchr(p, ' ');
			buf_init(&cap, 256);
			buf_printf(&cap, "%.*s=%.*s", (int)klen, s,
			    (int)(sp ? (size_t)(sp - p) : strlen(p)), p);
			if (cap.data != NULL)
				caps_add(&c->caps, &c->ncaps, cap.data, cap.len);
			buf_release(&cap);
		}
	}
}
