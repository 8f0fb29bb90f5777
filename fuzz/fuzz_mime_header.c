/* fuzz_mime_header.c: libFuzzer harness for MIME header values
 * (engine/proto/mime_header.c, rfc2231.c, mime_lex.c): RFC 5322 §2.2.3
 * unfolding, RFC 2045 §5.1 Content-Type, §6.1 Content-Transfer-Encoding,
 * RFC 2183 Content-Disposition, RFC 2231 parameters.
 *
 * Input: byte 0 picks what to parse (Content-Type, Content-Disposition, a
 * bare parameter list, a transfer encoding), bytes 1-3 are unused, the
 * rest is a raw field value (folds included). Oracles: unfolding only
 * removes bytes and leaves no fold; every parsed string is NUL-terminated
 * with its length; each parameter, encoded again with RFC 2231 (in
 * sections of a size from byte 0) and parsed, gives back its value; the
 * same value in a whole message gives the same type and parameters.
 */
#include "fuzz_util.h"

#include <stdbool.h>

#include "arena.h"
#include "buf.h"
#include "mime.h"
#include "mime_header.h"
#include "rfc2231.h"

FUZZ_ASAN_DEFAULTS()

static const size_t section_opts[] = { 0, 1, 5, 40 };

/* Arenas, buffers and the message parser live from one input to the
 * next, reset before each use. */
static struct arena *
reset_arena(struct arena **ap)
{
	if (*ap == NULL && (*ap = arena_new(0)) == NULL)
		abort();
	arena_reset(*ap);
	return *ap;
}

static void
check_unfold(const char *raw, size_t len, char *out)
{
	size_t n = mime_header_unfold(raw, len, out), i;

	if (n > len || out[n] != '\0')
		fuzz_fail("unfold length");
	for (i = 0; i + 1 < n; i++)
		if ((out[i] == '\r' || out[i] == '\n') && (out[i + 1] == ' ' || out[i + 1] == '\t'))
			fuzz_fail("a fold is left");
	if (n > 0 && (out[0] == ' ' || out[0] == '\t' || out[n - 1] == ' ' || out[n - 1] == '\t'))
		fuzz_fail("not trimmed");
}

/* Encode one parameter with RFC 2231 and parse it back. */
static void
check_param_round_trip(const struct mime_param *prm, size_t section_len)
{
	static struct arena *arena;
	static struct buf enc;
	struct arena *a = reset_arena(&arena);
	struct mime_param *back = NULL;
	uint32_t mask = 0;

	/* at most MIME_PARAMS_MAX sections are read back */
	if (section_len > 0 && prm->value_len * 3 / section_len + 2 > MIME_PARAMS_MAX / 2)
		section_len = 0;
	fuzz_out_begin(&enc, 1 << 24);
	if (strchr(prm->name, '*') != NULL || !buf_puts(&enc, "x/y") ||
	    !rfc2231_encode_param(prm->name[0] != '\0' ? prm->name : "p", "x-raw", "",
	    prm->value, prm->value_len, section_len, &enc))
		return;
	{
		const char *t, *s;

		if (mime_content_type_parse(a, enc.data, enc.len, &t, &s, &back, &mask) != 1 ||
		    back == NULL || back->next != NULL)
			fuzz_fail("encoded parameter does not parse");
		if (back->value_len != prm->value_len ||
		    memcmp(back->value, prm->value, prm->value_len) != 0)
			fuzz_fail("RFC 2231 round trip changed the value");
		if (mask & ~(1u << MIME_PROB_PARAM_CHARSET))
			fuzz_fail("encoded parameter has problems");
	}
	arena_reset(a);		/* its memory goes back now (fuzz_util.h) */
}

static void
check_params(const struct mime_param *prm, size_t section_len)
{
	for (; prm != NULL; prm = prm->next) {
		if (prm->value[prm->value_len] != '\0' || prm->charset == NULL ||
		    prm->language == NULL)
			fuzz_fail("parameter strings");
		check_param_round_trip(prm, section_len);
	}
}

/* The same Content-Type in a message: the parser must agree. */
static void
check_in_message(const char *value, size_t len, const char *type, const char *sub)
{
	static struct mime_parser *p;
	const struct mime_part *root;
	uint8_t *msg;

	if (memchr(value, '\r', len) != NULL || memchr(value, '\n', len) != NULL)
		return;		/* a line break would end the field early */
	if (p == NULL && (p = mime_parser_new(NULL)) == NULL)
		abort();
	mime_parser_reset(p);
	msg = fuzz_hold(NULL, len + 17);
	memcpy(msg, "Content-Type:", 13);
	memcpy(msg + 13, value, len);
	memcpy(msg + 13 + len, "\r\n\r\n", 4);
	mime_parser_feed(p, msg, len + 17);
	root = mime_parser_finish(p);
	if (root->nfields == 1 && type != NULL &&
	    (strcmp(root->type, type) != 0 || strcmp(root->subtype, sub) != 0))
		fuzz_fail("message parse disagrees on the type");
	mime_parser_reset(p);
	fuzz_release(msg, len + 17);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct arena *arena;
	struct arena *a;
	const char *value;
	char *unfolded;
	size_t len, n;
	const char *type = NULL, *sub = NULL;
	struct mime_param *params = NULL;
	uint32_t mask = 0;
	int r = 1;

	if (size < FUZZ_HEADER)
		return 0;
	len = size - FUZZ_HEADER;
	value = (const char *)fuzz_hold(data + FUZZ_HEADER, len);
	unfolded = (char *)fuzz_hold(NULL, len + 1);
	a = reset_arena(&arena);
	check_unfold(value, len, unfolded);
	n = strlen(unfolded);
	switch (data[0] & 3) {
	case 0:
		r = mime_content_type_parse(a, unfolded, n, &type, &sub, &params, &mask);
		if (r == 1 && (type == NULL || sub == NULL || type[0] == '\0' || sub[0] == '\0'))
			fuzz_fail("type strings");
		if (r == 0 && (type != NULL || params != NULL))
			fuzz_fail("failed parse set results");
		check_in_message(value, len, r == 1 ? type : NULL, sub);
		break;
	case 1:
		r = mime_disposition_parse(a, unfolded, n, &type, &params, &mask);
		break;
	case 2:
		r = mime_params_parse(a, unfolded, n, &params, &mask);
		break;
	default:
		if (mime_cte_parse(a, unfolded, n, &type) > MIME_CTE_UNKNOWN || type == NULL)
			fuzz_fail("transfer encoding");
		break;
	}
	if (r < 0)
		fuzz_fail("arena full without a limit");
	if (mask & ~((1u << MIME_PROB_BAD_PARAM) | (1u << MIME_PROB_BAD_CONTENT_TYPE) |
	    (1u << MIME_PROB_PARAM_CHARSET)))
		fuzz_fail("unexpected problem");
	check_params(params, section_opts[(data[0] >> 2) & 3]);
	arena_reset(a);
	fuzz_release((uint8_t *)unfolded, len + 1);
	fuzz_release((uint8_t *)value, len);
	return 0;
}
