/* exec_pop3.c: POP3 on a scenario connection: the response codec
 * (RFC 1939 §3), expectations, and capabilities from CAPA (RFC 2449 §5). */
#include <string.h>

#include "exec.h"
#include "pop3.h"

#define XPOP3_MAX_LINE	4096		/* RFC 2449 §4 allows 512 for responses */
#define XPOP3_MAX_BODY	(64u << 20)
#define XPOP3_MAX_CAPS	256

static void *
pop3_codec_create(void)
{
	struct pop3_resp_limits lim = { XPOP3_MAX_LINE, XPOP3_MAX_BODY };

	return pop3_resp_parser_new(&lim);
}

static void
pop3_codec_destroy(void **codec)
{
	pop3_resp_parser_free((struct pop3_resp_parser **)codec);
}

static void
pop3_codec_reset(void *codec)
{
	pop3_resp_parser_reset(codec);
}

static size_t
pop3_codec_feed(void *codec, const void *data, size_t len)
{
	return pop3_resp_parser_feed(codec, data, len);
}

static size_t
pop3_codec_pending(const void *codec)
{
	return pop3_resp_parser_pending(codec);
}

static const char *
pop3_codec_error(const void *codec)
{
	return pop3_resp_error_str(pop3_resp_parser_error(codec));
}

const struct xcodec xcodec_pop3 = {
	"POP3 response (RFC 1939 §3)",
	pop3_codec_create,
	pop3_codec_destroy,
	pop3_codec_reset,
	pop3_codec_feed,
	pop3_codec_pending,
	pop3_codec_error,
};

static int
xconn_next_pop3(void *codec, void *arg, void *item)
{
	return pop3_resp_parser_next(codec, *(bool *)arg, item);
}

/* CAPA's body: one capability per line (RFC 2449 §5). */
static void
xconn_caps_from_capa(struct exec *x, struct xconn *c, const struct pop3_resp *r)
{
	const char *lines[XPOP3_MAX_CAPS], *p = r->body, *end = r->body + r->body_len;
	size_t lens[XPOP3_MAX_CAPS], n = 0;

	while (p < end && n < XPOP3_MAX_CAPS) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t len = eol ? (size_t)(eol - p) : (size_t)(end - p);

		if (len > 0 && p[len - 1] == '\r')
			len--;
		lines[n] = p;
		lens[n++] = len;
		p = eol ? eol + 1 : end;
	}
	xconn_set_caps(x, c, lines, lens, n);
}

enum step_rc
xconn_read_pop3(struct exec *x, struct xconn *c, double timeout, bool expect_body,
    struct pop3_resp *resp_r)
{
	enum step_rc rc = xconn_read(x, c, timeout, xconn_next_pop3, &expect_body, resp_r);
	char verb[16];

	if (rc == STEP_RC_OK && resp_r->status != POP3_CONT) {
		xconn_pop_verb(c, verb);
		if (strcmp(verb, "CAPA") == 0 && resp_r->status == POP3_OK && resp_r->has_body)
			xconn_caps_from_capa(x, c, resp_r);
	}
	return rc;
}
