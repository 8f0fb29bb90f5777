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

static void
cmd_reparse(const struct smtp_cmd *cmd)
{
	struct smtp_cmd_parser *p = smtp_cmd_parser_new();
	struct buf line;
	struct smtp_cmd again;
	uint8_t *copy;
	int rc;

	if (p == NULL)
		abort();
	buf_init(&line, 1024);
	buf_printf(&line, "%s<%s>", cmd->verb == SMTP_VERB_MAIL ? "MAIL FROM:" : "RCPT TO:",
	    cmd->path.mailbox);
	copy = fuzz_dup((const uint8_t *)line.data, line.len);
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
	free(copy);
	buf_release(&line);
	smtp_cmd_parser_free(&p);
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
		buf_printf(out, "E%d %d\n", (int)e, (int)cmd->verb);
		return;
	}
	if (cmd->verb == SMTP_VERB_UNKNOWN || smtp_verb_name(cmd->verb) == NULL)
		fuzz_fail("success without a verb");
	buf_printf(out, "C%d|%s|%s|%s|%s|%s|%d%d%d%d", (int)cmd->verb, cmd->verb_text,
	    cmd->arg, cmd->path.local, cmd->path.domain, cmd->path.mailbox,
	    cmd->path.is_null, cmd->path.is_postmaster, cmd->path.is_quoted,
	    cmd->path.has_8bit);
	for (i = 0; i < cmd->nparams; i++)
		buf_printf(out, "|%s=%s", cmd->params[i].keyword,
		    cmd->params[i].value != NULL ? cmd->params[i].value : "(none)");
	buf_printf(out, "|%s|%s|%llu|%d\n", cmd->auth_mech ? cmd->auth_mech : "-",
	    cmd->auth_initial ? cmd->auth_initial : "-",
	    (unsigned long long)cmd->bdat_size, cmd->is_bdat_last);
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
			buf_printf(out, "L%d\n", (int)linebuf_error(lb));
			continue;
		}
		copy = fuzz_dup((const uint8_t *)line, len);
		r = smtp_cmd_parse(p, (const char *)copy, len, &cmd);
		cmd_record(out, r, p, &cmd);
		free(copy);
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
run(int flags, const uint8_t *stream, size_t len, const uint8_t *pattern,
    struct buf *out)
{
	struct cmd_run r = { linebuf_new(1024, flags), smtp_cmd_parser_new(), out };
	struct fuzz_feeder f = { cmd_feed, cmd_drain, NULL, &r };

	if (r.lb == NULL || r.p == NULL)
		abort();
	fuzz_feed_chunks(&f, stream, len, pattern);
	buf_printf(out, "pending %zu\n", linebuf_pending(r.lb));
	smtp_cmd_parser_free(&r.p);
	linebuf_free(&r.lb);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf whole, chunked;
	int flags;

	if (size < FUZZ_HEADER)
		return 0;
	flags = data[0] & (LINEBUF_STRICT | LINEBUF_LF_OK);
	buf_init(&whole, 1 << 24);
	buf_init(&chunked, 1 << 24);
	buf_puts(&whole, "");
	buf_puts(&chunked, "");
	run(flags, data + FUZZ_HEADER, size - FUZZ_HEADER, NULL, &whole);
	run(flags, data + FUZZ_HEADER, size - FUZZ_HEADER, data + 1, &chunked);
	if (whole.len != chunked.len || memcmp(whole.data, chunked.data, whole.len) != 0)
		fuzz_fail("whole and chunked feeds differ");
	buf_release(&whole);
	buf_release(&chunked);
	return 0;
}
