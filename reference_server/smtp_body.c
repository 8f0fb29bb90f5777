/* smtp_body.c: DATA and BDAT, the checks on the message, the trace
 * header, and delivery to the store.
 *
 * RFC 5321 §4.1.1.4 (DATA, 354, end of data; "no valid recipients" 554),
 * §4.5.2 (dot-unstuffing, engine/proto/smtp_data.c), §2.3.8 (bare CR and
 * LF: such a message is refused whole, which also defeats "SMTP
 * smuggling"), §4.5.3.1.6 (text lines of at most 1000 octets with CRLF),
 * §4.4 (a Received: trace field, prepended), §6.1 (250 only once the
 * message is on stable storage);
 * RFC 1870 §6 (552 5.3.4 past the size limit); RFC 3848 and RFC 6531
 * §3.7.3 (the "with" protocol: ESMTP, ESMTPS, ESMTPA, ESMTPSA, UTF8SMTP...);
 * RFC 3030 §2 (BDAT: exactly chunk-size octets follow; 250 per chunk;
 * chunks of a failed or absent transaction are read and discarded; DATA
 * after BDAT is 503), §3 (BINARYMIME only with BDAT, no line rules).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smtp_private.h"

#define SMTP_BODY_CHUNK		(16 * 1024)

/* ---- the trace header ---- */

static const char *
smtp_with_protocol(const struct smtp_session *s, char *buf, size_t len)
{
	const char *base;
	bool is_tls = io_is_tls(s->io), is_auth = s->auth_user != NULL;

	if (!s->is_esmtp)
		return "SMTP";
	base = s->tx->is_utf8 ? "UTF8SMTP" : "ESMTP";
	snprintf(buf, len, "%s%s%s", base, is_tls ? "S" : "", is_auth ? "A" : "");
	return buf;
}

static int
smtp_write_received(struct smtp_session *s, const char *id)
{
	char proto[16], date[64], hdr[1024], forpart[400] = "";
	struct tm tm;
	time_t now = time(NULL);
	int n;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	if (s->tx->nrcpts == 1)
		snprintf(forpart, sizeof(forpart), "\r\n\tfor <%.300s>",
		    s->tx->first_rcpt);
	n = snprintf(hdr, sizeof(hdr),
	    "Received: from %s (%s%s%s)\r\n"
	    "\tby %s (mailspec-server) with %s id %s%s;\r\n"
	    "\t%s\r\n",
	    s->helo, s->conn->is_ipv6 ? "[IPv6:" : "[", s->conn->peer_ip, "]",
	    s->srv->hostname, smtp_with_protocol(s, proto, sizeof(proto)), id,
	    forpart, date);
	if (n < 0 || (size_t)n >= sizeof(hdr))
		return -1;
	return store_spool_write(s->tx->spool, hdr, (size_t)n);
}

static void
smtp_message_id(struct smtp_session *s, char *id, size_t len)
{
	snprintf(id, len, "%08lX%04lX%04lX", (unsigned long)time(NULL),
	    s->conn->id & 0xffff, s->ntx & 0xffff);
}

/* Open the spool and write the trace header; false (reply sent) on error. */
static bool
smtp_body_begin(struct smtp_session *s)
{
	char id[40];

	s->ntx++;
	smtp_message_id(s, id, sizeof(id));
	s->tx->spool = store_spool_new(s->srv->store);
	if (s->tx->spool == NULL || smtp_write_received(s, id) != 0) {
		server_log("spool: %s", store_error(s->srv->store));
		smtp_reply(s, "451 4.3.0 Local error: cannot store the message");
		return false;
	}
	return true;
}

/* ---- the end of a message ---- */

struct smtp_body_stats {
	size_t max_line;
	size_t line_limit;	/* longest line allowed, as measured */
	size_t bare_lf;
	size_t bare_cr;
	size_t nul;
};

static void
smtp_deliver(struct smtp_session *s)
{
	struct smtp_tx *tx = s->tx;
	char id[40];

	smtp_message_id(s, id, sizeof(id));
	if (store_spool_deliver(tx->spool, tx->users, tx->nusers, NULL) != 0) {
		server_log("delivery failed: %s", store_error(s->srv->store));
		smtp_reply(s, "451 4.3.0 Local error: message not stored");
		return;
	}
	smtp_reply(s, "250 2.0.0 Ok: %" PRIu64 " octets, queued as %s",
	    tx->body_bytes, id);
}

/* Judge and deliver the complete message, then leave the transaction. */
static void
smtp_body_finish(struct smtp_session *s, const struct smtp_body_stats *st)
{
	struct smtp_tx *tx = s->tx;
	bool is_text = tx->body != SMTP_BODY_BINARYMIME;

	if (tx->is_too_big)
		smtp_reply(s, "552 5.3.4 Message size exceeds fixed maximum "
		    "message size (%zu)", s->srv->limits.max_message_size);
	else if (tx->is_spool_failed)
		smtp_reply(s, "451 4.3.0 Local error: message not stored");
	else if (is_text && (st->bare_lf > 0 || st->bare_cr > 0))
		smtp_reply(s, "550 5.6.0 Message refused: bare %s in the data "
		    "(lines end in CRLF, RFC 5321 2.3.8)", st->bare_lf ? "LF" : "CR");
	else if (is_text && st->nul > 0)
		smtp_reply(s, "550 5.6.0 Message refused: NUL byte in the data");
	else if (is_text && st->max_line > st->line_limit)
		smtp_reply(s, "550 5.6.0 Message refused: line longer than 1000 "
		    "octets with CRLF (RFC 5321 4.5.3.1.6)");
	else
		smtp_deliver(s);
	smtp_tx_reset(s);
	smtp_enter_state(s, SMTP_STATE_HELO);
}

/* Keep len decoded bytes, unless the message is already refused. */
static void
smtp_body_keep(struct smtp_session *s, const void *p, size_t len)
{
	struct smtp_tx *tx = s->tx;

	if (tx->is_too_big || tx->is_spool_failed || len == 0)
		return;
	if (tx->body_bytes + len > s->srv->limits.max_message_size) {
		tx->is_too_big = true;
		return;
	}
	tx->body_bytes += len;
	if (store_spool_write(tx->spool, p, len) != 0)
		tx->is_spool_failed = true;
}

/* ---- DATA ---- */

static bool
smtp_check_data(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	if (s->tx == NULL)
		smtp_reply(s, "503 5.5.1 Need MAIL command");
	else if (s->tx->nrcpts == 0)
		smtp_reply(s, "554 5.5.1 No valid recipients");
	else if (s->tx->is_chunking)
		smtp_reply(s, "503 5.5.1 DATA cannot follow BDAT");
	else if (s->tx->body == SMTP_BODY_BINARYMIME)
		smtp_reply(s, "503 5.5.1 BODY=BINARYMIME needs BDAT");
	else
		return true;
	return false;
}

static void
smtp_proceed_data(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	if (!smtp_body_begin(s)) {
		smtp_tx_reset(s);
		return;
	}
	smtp_data_decoder_reset(s->dec);
	if (smtp_take_carry(s) != 0) {
		smtp_close_421(s, "4.3.0", "Out of memory");
		return;
	}
	io_printf(s->io, "354 End data with <CR><LF>.<CR><LF>\r\n");
	smtp_enter_state(s, SMTP_STATE_DATA);
}

static bool
smtp_data_pump(struct smtp_session *s)
{
	const struct smtp_data_stats *ds;
	struct smtp_body_stats st;
	char out[SMTP_BODY_CHUNK];
	const char *p;
	size_t n, used, outlen;
	int r;

	n = smtp_peek_input(s, &p);
	if (n == 0)
		return false;
	if (n > sizeof(out))
		n = sizeof(out);
	r = smtp_data_decode(s->dec, p, n, &used, out, &outlen);
	smtp_consume_input(s, used);
	io_touch(s->io);
	smtp_body_keep(s, out, outlen);
	if (r < 0)
		s->tx->is_too_big = true;
	if (r != 1)
		return true;
	smtp_return_carry(s);	/* what followed the end belongs to commands */
	ds = smtp_data_decoder_stats(s->dec);
	st.max_line = ds->max_line;
	/* smtp_data counts a stuffed dot, which §4.5.3.1.6 does not */
	st.line_limit = SMTP_TEXT_LINE_MAX + 1;
	st.bare_lf = ds->bare_lf;
	st.bare_cr = ds->bare_cr;
	st.nul = ds->nul;
	smtp_body_finish(s, &st);
	return true;
}

/* ---- BDAT ---- */

static void
smtp_scan(struct smtp_scan *sc, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (sc->is_prev_cr) {
			sc->is_prev_cr = false;
			if (p[i] == '\n') {
				sc->line_len = 0;
				continue;
			}
			sc->bare_cr++;
			sc->line_len++;
		}
		if (p[i] == '\r') {
			sc->is_prev_cr = true;
			continue;
		}
		if (p[i] == '\n')
			sc->bare_lf++;
		else if (p[i] == '\0')
			sc->nul++;
		if (++sc->line_len > sc->max_line)
			sc->max_line = sc->line_len;
	}
}

/* A chunk of a transaction that does not exist or already failed. */
static void
smtp_bdat_discard(struct smtp_session *s, const char *reply)
{
	snprintf(s->bdat_reply, sizeof(s->bdat_reply), "%s", reply);
	s->is_bdat_discard = true;
	smtp_tx_reset(s);
}

static void
smtp_proceed_bdat(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	s->bdat_left = cmd->bdat_size;
	s->is_bdat_last = cmd->is_bdat_last;
	s->is_bdat_discard = false;
	if (s->tx == NULL)
		smtp_bdat_discard(s, "503 5.5.1 Need MAIL command");
	else if (s->tx->nrcpts == 0)
		smtp_bdat_discard(s, "554 5.5.1 No valid recipients");
	else if (!s->tx->is_chunking) {
		s->tx->is_chunking = true;
		if (!smtp_body_begin(s))
			smtp_bdat_discard(s, "");	/* 451 already sent */
	}
	if (smtp_take_carry(s) != 0) {
		smtp_close_421(s, "4.3.0", "Out of memory");
		return;
	}
	smtp_enter_state(s, SMTP_STATE_BDAT);
}

static void
smtp_bdat_chunk_done(struct smtp_session *s)
{
	struct smtp_body_stats st;
	struct smtp_tx *tx = s->tx;

	smtp_return_carry(s);
	if (s->is_bdat_discard) {
		if (s->bdat_reply[0] != '\0')
			smtp_reply(s, "%s", s->bdat_reply);
		smtp_enter_state(s, SMTP_STATE_HELO);
		return;
	}
	if (tx->is_too_big || tx->is_spool_failed || s->is_bdat_last) {
		if (tx->scan.is_prev_cr)
			tx->scan.bare_cr++;	/* the message ended in a lone CR */
		st.max_line = tx->scan.max_line;
		st.line_limit = SMTP_TEXT_LINE_MAX;
		st.bare_lf = tx->scan.bare_lf;
		st.bare_cr = tx->scan.bare_cr;
		st.nul = tx->scan.nul;
		smtp_body_finish(s, &st);
		return;
	}
	smtp_reply(s, "250 2.0.0 %" PRIu64 " octets received", tx->body_bytes);
	smtp_enter_state(s, SMTP_STATE_HELO);
}

static bool
smtp_bdat_pump(struct smtp_session *s)
{
	const char *p;
	size_t n;

	if (s->bdat_left > 0) {
		n = smtp_peek_input(s, &p);
		if (n == 0)
			return false;
		if (n > s->bdat_left)
			n = (size_t)s->bdat_left;
		if (!s->is_bdat_discard) {
			if (s->tx->body != SMTP_BODY_BINARYMIME)
				smtp_scan(&s->tx->scan, (const unsigned char *)p, n);
			smtp_body_keep(s, p, n);
		}
		smtp_consume_input(s, n);
		s->bdat_left -= n;
		io_touch(s->io);
		if (s->bdat_left > 0)
			return true;
	}
	smtp_bdat_chunk_done(s);
	return true;
}

bool
smtp_body_pump(struct smtp_session *s)
{
	if (s->state == SMTP_STATE_DATA)
		return smtp_data_pump(s);
	return smtp_bdat_pump(s);
}

const struct smtp_handler smtp_body_handlers[] = {
	{ SMTP_VERB_DATA, smtp_check_data, smtp_proceed_data },
	{ SMTP_VERB_BDAT, NULL, smtp_proceed_bdat },
};

const size_t smtp_body_handlers_len =
    sizeof(smtp_body_handlers) / sizeof(smtp_body_handlers[0]);
