/* fuzz_smtp_cmd.c: libFuzzer harness for engine/proto/linebuf.c and
 * smtp_cmd.c (RFC 5321 §2.3.8 framing, §4.1.1-§4.1.3 command syntax).
 *
 * Input: byte 0 picks the linebuf flags, bytes 1-3 a chunk pattern, the
 * rest is a client's byte stream. It is framed and parsed fed whole and
 * fed in chunks; the commands must be identical. A MAIL or RCPT that
 * parses is rebuilt from its mailbox ("MAIL FROM:<mailbox>") and parsed
 * again: it must give the same local part and domain; its mailbox must
 * be the raw local part "@" domain, the local part its unquoted form.
 */
#include "fuzz_util.h"

#include "buf.h"
#include "linebuf.h"
#include "smtp_cmd.h"

FUZZ_ASAN_DEFAULTS()

/* mailbox must be raw-local "@" domain, and local the raw local part,
 * unquoted when it is a Quoted-string (RFC 5321 §4.1.2). */
static void
cmd_check_mailbox(const struct smtp_path *pa)
{
	size_t mlen = strlen(pa->mailbox), dlen = strlen(pa->domain), rlen, i, n = 0;
	const char *raw = pa->mailbox;
	char local[1024];

	if (pa->is_null || pa->is_postmaster) {
		if (dlen != 0 || strcmp(pa->local, pa->mailbox) != 0)
			fuzz_fail("null/postmaster path fields");
		return;
	}
	if (dlen == 0 || mlen < dlen + 2 || raw[mlen - dlen - 1] != '@' ||
	    strcmp(raw + mlen - dlen, pa->domain) != 0)
		fuzz_fail("mailbox is not local@domain");
	rlen = mlen - dlen - 1;
	if (!pa->is_quoted) {
		if (strlen(pa->local) != rlen || memcmp(pa->local, raw, rlen) != 0)
			fuzz_fail("dot-string local part");
		return;
	}
	if (rlen < 2 || raw[0] != '"' || raw[rlen - 1] != '"' || rlen > sizeof(local))
		fuzz_fail("quoted local part");
	for (i = 1; i + 1 < rlen; i++) {
		if (raw[i] == '\\')
			i++;
		local[n++] = raw[i];
	}
	if (strlen(pa->local) != n || memcmp(pa->local, local, n) != 0)
		fuzz_fail("quoted local part not unquoted");
}

/* The parsers, line buffers and transcripts live from one input to the
 * next: smtp_cmd_parse() keeps nothing from one line to the next but its
 * arena, and linebuf_reset() forgets every byte. */
static struct smtp_cmd_parser *again_parser;

static void
cmd_reparse(const struct smtp_cmd *cmd)
{
	struct smtp_cmd_parser *p = again_parser;
	static struct buf line;
	struct smtp_cmd again;
	uint8_t *copy;
	int rc;

	fuzz_out_begin(&line, 1024);
	buf_puts(&line, cmd->verb == SMTP_VERB_MAIL ? "MAIL FROM:<" : "RCPT TO:<");
	buf_puts(&line, cmd->path.mailbox);
	buf_putc(&line, '>');
	copy = fuzz_hold(line.data, line.len);
	rc = smtp_cmd_parse(p, (const char *)copy, line.len, &again);
	if (rc != 1)
		fuzz_fail("rebuilt MAIL/RCPT does not parse");
	if (strcmp(again.path.local, cmd->path.local) != 0 ||
	    strcmp(again.path.domain, cmd->path.domain) != 0 ||
	    strcmp(again.path.mailbox, cmd->path.mailbox) != 0 ||
	    again.path.is_null != cmd->path.is_null ||
	    again.path.is_postmaster != cmd->path.is_postmaster ||
	    again.path.is_quoted != cmd->path.is_quoted)
		fuzz_fail("rebuilt MAIL/RCPT differs");
	fuzz_release(copy, line.len);
	smtp_cmd_parse(p, "", 0, &again);	/* frees its arena's blocks but one */
}

static void
cmd_record(struct buf *out, int rc, const struct smtp_cmd_parser *p,
    const struct smtp_cmd *cmd)
{
	size_t i;

	if (cmd->verb_text == NULL || cmd->arg == NULL || cmd->path.local == NULL ||
	    cmd->path.domain == NULL || cmd->path.mailbox == NULL ||
	    cmd->nparams > SMTP_CMD_MAX_PARAMS)
		fuzz_fail("command fields");
	if (rc < 0) {
		enum smtp_cmd_error e = smtp_cmd_parser_error(p);

		if (e == SMTP_CMD_ERR_NONE || e == SMTP_CMD_ERR_NOMEM)
			fuzz_fail("bad error code");
		fuzz_rec_str(out, "E");
		fuzz_rec_num(out, (uint64_t)e);
		fuzz_rec_num(out, (uint64_t)cmd->verb);
		return;
	}
	if (cmd->verb == SMTP_VERB_UNKNOWN || smtp_verb_name(cmd->verb) == NULL)
		fuzz_fail("success without a verb");
	fuzz_rec_str(out, "C");
	fuzz_rec_num(out, (uint64_t)cmd->verb);
	fuzz_rec_str(out, cmd->verb_text);
	fuzz_rec_str(out, cmd->arg);
	fuzz_rec_str(out, cmd->path.local);
	fuzz_rec_str(out, cmd->path.domain);
	fuzz_rec_str(out, cmd->path.mailbox);
	fuzz_rec_num(out, (uint64_t)cmd->path.is_null | (uint64_t)cmd->path.is_postmaster << 1 |
	    (uint64_t)cmd->path.is_quoted << 2 | (uint64_t)cmd->path.has_8bit << 3);
	fuzz_rec_num(out, cmd->nparams);
	for (i = 0; i < cmd->nparams; i++) {
		fuzz_rec_str(out, cmd->params[i].keyword);
		fuzz_rec_str(out, cmd->params[i].value != NULL ? cmd->params[i].value : "(none)");
	}
	fuzz_rec_str(out, cmd->auth_mech ? cmd->auth_mech : "-");
	fuzz_rec_str(out, cmd->auth_initial ? cmd->auth_initial : "-");
	fuzz_rec_num(out, cmd->bdat_size);
	fuzz_rec_num(out, cmd->is_bdat_last);
	if (cmd->verb == SMTP_VERB_MAIL || cmd->verb == SMTP_VERB_RCPT) {
		cmd_check_mailbox(&cmd->path);
		cmd_reparse(cmd);
	}
}

static void
take_all(struct linebuf *lb, struct smtp_cmd_parser *p, struct buf *out)
{
	const char *line;
	size_t len;
	int r;

	while ((r = linebuf_take_line(lb, &line, &len)) != 0) {
		struct smtp_cmd cmd;
		uint8_t *copy;

		if (r < 0) {
			enum linebuf_error e = linebuf_error(lb);

			if (e == LINEBUF_ERR_NONE || e == LINEBUF_ERR_NOMEM ||
			    strcmp(linebuf_error_str(e), linebuf_error_str((enum linebuf_error)99)) == 0)
				fuzz_fail("bad linebuf error");
			fuzz_rec_str(out, "L");
			fuzz_rec_num(out, (uint64_t)e);
			continue;
		}
		copy = fuzz_hold(line, len);
		r = smtp_cmd_parse(p, (const char *)copy, len, &cmd);
		cmd_record(out, r, p, &cmd);
		fuzz_release(copy, len);
	}
}

struct cmd_run {
	struct linebuf *lb;
	struct smtp_cmd_parser *p;
	struct buf *out;
};

static size_t
cmd_feed(void *ctx, const void *data, size_t len)
{
	return linebuf_feed(((struct cmd_run *)ctx)->lb, data, len);
}

static void
cmd_drain(void *ctx)
{
	struct cmd_run *r = ctx;

	take_all(r->lb, r->p, r->out);
}

static void
run(struct linebuf *lb, struct smtp_cmd_parser *p, const uint8_t *stream,
    size_t len, const uint8_t *pattern, struct buf *out)
{
	struct cmd_run r = { lb, p, out };
	struct fuzz_feeder f = { cmd_feed, cmd_drain, NULL, &r };
	char rest[4096];
	struct smtp_cmd cmd;
	const char *line;
	size_t n, m, ll;

	linebuf_reset(lb);
	fuzz_feed_chunks(&f, stream, len, pattern);
	/* what is left is the same in both feeds: drain it in two goes */
	n = linebuf_pending(lb);
	if (n > sizeof(rest))
		fuzz_fail("more pending than the buffer holds");
	m = linebuf_drain(lb, rest, n / 2);
	m += linebuf_drain(lb, rest + m, sizeof(rest) - m);
	if (m != n || linebuf_pending(lb) != 0)
		fuzz_fail("drain");
	fuzz_rec_mem(out, rest, n);
	/* after discard a new line comes through whatever the state was */
	linebuf_discard(lb);
	if (linebuf_feed(lb, "x\r\n", 3) != 3 || linebuf_take_line(lb, &line, &ll) != 1 ||
	    ll != 1 || line[0] != 'x' || linebuf_pending(lb) != 0)
		fuzz_fail("linebuf unusable after discard");
	/* an empty line resets the parser's arena: its memory goes back now
	 * (fuzz_util.h) */
	smtp_cmd_parse(p, "", 0, &cmd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct linebuf *lbs[4];
	static struct smtp_cmd_parser *p;
	static struct buf whole, chunked;
	int flags;

	if (size < FUZZ_HEADER)
		return 0;
	flags = data[0] & (LINEBUF_STRICT | LINEBUF_LF_OK);
	if (p == NULL && ((p = smtp_cmd_parser_new()) == NULL ||
	    (again_parser = smtp_cmd_parser_new()) == NULL))
		abort();
	if (lbs[flags] == NULL && (lbs[flags] = linebuf_new(1024, flags)) == NULL)
		abort();
	fuzz_out_begin(&whole, 1 << 24);
	fuzz_out_begin(&chunked, 1 << 24);
	run(lbs[flags], p, data + FUZZ_HEADER, size - FUZZ_HEADER, NULL, &whole);
	run(lbs[flags], p, data + FUZZ_HEADER, size - FUZZ_HEADER, data + 1, &chunked);
	if (whole.len != chunked.len || memcmp(whole.data, chunked.data, whole.len) != 0)
		fuzz_fail("whole and chunked feeds differ");
	return 0;
}
