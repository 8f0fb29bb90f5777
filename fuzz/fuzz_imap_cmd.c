/* fuzz_imap_cmd.c: libFuzzer harness for the IMAP command parser and
 * sequence sets (engine/proto/imap_cmd.c, imap_seqset.c, and the shared
 * imap_lex.c, imap_frame.c, imap_section.c, imap_node.c): RFC 9051
 * §2.2.1, §4.3, §6, §7.6, §9; RFC 7888; RFC 3516; RFC 5182.
 *
 * Input: byte 0 picks the limits (bits 0-1 max_line, bits 2-3
 * max_literal, bit 4 LITERAL+ instead of the 4096-octet {n+} limit, bit 5
 * a small max_depth and max_nodes) and the server's answer to
 * continuation requests (bit 6: refuse every other one, bit 7: take a
 * raw line after every command, as after AUTHENTICATE or IDLE); bytes 1-3
 * a chunk pattern, the rest is the client's byte stream. Oracles:
 * - fed whole and fed in chunks, the stream gives identical commands,
 *   continuation requests, raw lines and errors;
 * - a continuation request comes exactly when the raw bytes so far end
 *   in a synchronizing literal announcement of the size reported, and a
 *   command has exactly as many as it holds synchronizing literals (when
 *   none was refused);
 * - parse -> imap_cmd_write() -> parse gives the same command;
 * - every ATOM or NUMBER argument that parses as a sequence set iterates
 *   inside its bounds and agrees with imap_seqset_contains().
 */
#include "fuzz_util.h"

#include "buf.h"
#include "imap_cmd.h"
#include "imap_seqset.h"

FUZZ_ASAN_DEFAULTS()

static const size_t max_line_opts[] = { 0, 6, 40, 900 };
static const size_t max_literal_opts[] = { 0, 2, 20, 2000 };

struct state {
	struct buf out;
	bool is_refusing;	/* refuse every other continuation */
	bool is_taking_lines;	/* take a raw line after each command */
	unsigned nconts;	/* continuations of the command so far */
	unsigned nrefused;
	bool was_refused;	/* the last continuation was refused */
	bool wants_line;	/* a raw line comes next */
	bool is_deep;		/* the whole feed: check sequence sets, round trip */
};

/* Synchronizing literals in a tree. */
static size_t
count_sync(const struct imap_node *n)
{
	size_t i, k = n->kind == IMAP_NODE_STRING && n->is_literal && !n->is_nonsync;

	for (i = 0; i < n->count; i++)
		k += count_sync(n->items[i]);
	return k;
}

/* The raw bytes end in "{size}" CRLF or "~{size}" CRLF (leading zeros
 * allowed: number64 = 1*DIGIT). */
static void
cont_check(const struct imap_cmd *c)
{
	size_t end, i;
	uint64_t v = 0, scale = 1;

	if (c->tag == NULL || c->name == NULL || c->raw_len < 6 ||
	    memcmp(c->raw + c->raw_len - 3, "}\r\n", 3) != 0)
		fuzz_fail("continuation without a literal announcement at the end");
	end = c->raw_len - 3;
	for (i = end; i > 0 && c->raw[i - 1] >= '0' && c->raw[i - 1] <= '9'; i--) {
		v += (uint64_t)(c->raw[i - 1] - '0') * scale;
		scale = scale > UINT64_MAX / 10 ? 0 : scale * 10;
	}
	if (i == end || i == 0 || c->raw[i - 1] != '{' || v != c->literal_size)
		fuzz_fail("continuation size differs from the announcement");
	if (c->is_literal8 != (i > 1 && c->raw[i - 2] == '~'))
		fuzz_fail("continuation literal8 flag");
}

static void
seqset_check(const struct imap_node *n)
{
	struct imap_seqset set;
	enum imap_error err;
	uint32_t lo, hi, k = 0;

	if (imap_seqset_parse_node(n, 1000, IMAP_SEQSET_DOLLAR, &set, &err) != 1) {
		if (err != IMAP_ERR_BAD_SEQSET && err != IMAP_ERR_SEQSET_RANGE)
			fuzz_fail("seqset error code");
		return;
	}
	while (imap_seqset_next_range(&set, &lo, &hi) == 1) {
		if (lo == 0 || lo > hi || !imap_seqset_contains(&set, lo) ||
		    !imap_seqset_contains(&set, hi))
			fuzz_fail("seqset range");
		if (++k > n->len)
			fuzz_fail("seqset has more ranges than bytes");
	}
}

/* w[0..n) is c written: parsed again with roomy limits, the same command. */
static void
round_trip(const struct imap_cmd *c, const char *w, size_t n)
{
	static struct imap_cmd_parser *p;
	struct imap_limits lim = { 0, 0, 0, SIZE_MAX, 0, 0 };
	struct imap_cmd a;
	uint8_t *copy;
	size_t conts = 0;
	int rc;

	if (p == NULL && (p = imap_cmd_parser_new(&lim)) == NULL)
		abort();
	imap_cmd_parser_reset(p);
	copy = fuzz_hold(w, n);
	if (imap_cmd_parser_feed(p, copy, n) != n)
		fuzz_fail("feed");
	while ((rc = imap_cmd_parser_next(p, &a)) == IMAP_CMD_NEED_CONTINUATION)
		conts++;
	if (rc != 1)
		fuzz_fail("written command does not parse");
	if (strcmp(a.tag, c->tag) != 0 || strcmp(a.name, c->name) != 0 ||
	    a.is_uid != c->is_uid || !imap_node_equal(a.args, c->args) ||
	    conts != count_sync(c->args) || a.raw_len != n)
		fuzz_fail("round trip changed the command");
	fuzz_release(copy, n);
	imap_cmd_parser_reset(p);	/* its memory goes back now (fuzz_util.h) */
}

static void
cmd_record(struct state *st, const struct imap_cmd *c)
{
	size_t i, start;

	if (c->tag == NULL || c->name == NULL || c->args == NULL || c->raw_len < 5 ||
	    c->raw[c->raw_len - 1] != '\n')
		fuzz_fail("command parts");
	if (!st->was_refused && st->nrefused == 0 && st->nconts != count_sync(c->args))
		fuzz_fail("continuations do not match the synchronizing literals");
	/* the chunked feed's commands must have the same records, so they
	 * are the same commands: check their trees once */
	if (st->is_deep)
		for (i = 0; i < c->args->count; i++)
			seqset_check(c->args->items[i]);
	fuzz_rec_mem(&st->out, c->raw, c->raw_len);
	start = st->out.len;
	if (!imap_cmd_write(&st->out, c) && st->is_deep)
		fuzz_fail("write");
	if (st->is_deep)	/* the record's canonical form is the written text */
		round_trip(c, st->out.data + start, st->out.len - start);
}

/* A raw line is wanted (the server is in AUTHENTICATE or IDLE): 1 taken
 * or failed, 0 need more. */
static int
take_line(struct imap_cmd_parser *p, struct state *st)
{
	const char *line;
	size_t len;
	int rc = imap_cmd_parser_take_line(p, &line, &len);

	if (rc == 0)
		return 0;
	st->wants_line = false;
	if (rc == 1) {
		if (line[len] != '\0' || memchr(line, '\r', len) != NULL)
			fuzz_fail("raw line");
		fuzz_rec_str(&st->out, "L");
		fuzz_rec_mem(&st->out, line, len);
	} else {
		fuzz_rec_str(&st->out, "LE");
		fuzz_rec_num(&st->out, (uint64_t)imap_cmd_parser_error(p));
	}
	return 1;
}

static void
take_all(struct imap_cmd_parser *p, struct state *st)
{
	struct imap_cmd c;
	int rc;

	for (;;) {
		if (st->wants_line && take_line(p, st) == 0)
			return;
		rc = imap_cmd_parser_next(p, &c);
		if (rc == 0)
			return;
		if (rc == IMAP_CMD_NEED_CONTINUATION) {
			cont_check(&c);
			fuzz_rec_str(&st->out, "C");
			fuzz_rec_num(&st->out, c.literal_size);
			st->was_refused = st->is_refusing && (st->nconts + st->nrefused) % 2 == 1;
			if (st->was_refused) {
				imap_cmd_parser_reject_literal(p);
				st->nrefused++;
				st->nconts = 0;
			} else {
				st->nconts++;
			}
			continue;
		}
		if (rc < 0) {
			enum imap_error e = imap_cmd_parser_error(p);

			if (e == IMAP_ERR_NONE || e == IMAP_ERR_NOMEM || e == IMAP_ERR_NONSYNC_LITERAL)
				fuzz_fail("bad error code");
			fuzz_rec_str(&st->out, "E");
			fuzz_rec_num(&st->out, (uint64_t)e);
			fuzz_rec_str(&st->out, c.tag != NULL ? c.tag : "-");
		} else {
			cmd_record(st, &c);
			st->wants_line = st->is_taking_lines;
		}
		st->nconts = 0;
		st->nrefused = 0;
		st->was_refused = false;
	}
}

struct cmd_run {
	struct imap_cmd_parser *p;
	struct state *st;
};

static size_t
cmd_feed(void *ctx, const void *data, size_t len)
{
	return imap_cmd_parser_feed(((struct cmd_run *)ctx)->p, data, len);
}

static void
cmd_drain(void *ctx)
{
	struct cmd_run *r = ctx;

	take_all(r->p, r->st);
}

static void
run(struct imap_cmd_parser *p, uint8_t flags, const uint8_t *stream, size_t len,
    const uint8_t *pattern, struct buf *out)
{
	struct state st = { .out = *out };
	struct cmd_run r = { p, &st };
	struct fuzz_feeder f = { cmd_feed, cmd_drain, NULL, &r };

	st.is_refusing = (flags & 0x40) != 0;
	st.is_taking_lines = (flags & 0x80) != 0;
	st.is_deep = pattern == NULL;
	imap_cmd_parser_reset(p);
	fuzz_feed_chunks(&f, stream, len, pattern);
	buf_printf(&st.out, "pending %zu discarding %llu\n", imap_cmd_parser_pending(p),
	    (unsigned long long)imap_cmd_parser_discarding(p));
	*out = st.out;
	imap_cmd_parser_reset(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* one parser per limits, kept from one input to the next (reset) */
	static struct imap_cmd_parser *parsers[64];
	static struct buf whole, chunked;
	struct imap_limits lim = { 0 };
	unsigned k;

	if (size < FUZZ_HEADER)
		return 0;
	k = data[0] & 63;
	lim.max_line = max_line_opts[k & 3];
	lim.max_literal = max_literal_opts[(k >> 2) & 3];
	lim.max_nonsync = (k & 0x10) ? SIZE_MAX : 0;
	lim.max_depth = (k & 0x20) ? 2 : 0;
	lim.max_nodes = (k & 0x20) ? 8 : 0;
	if (parsers[k] == NULL && (parsers[k] = imap_cmd_parser_new(&lim)) == NULL)
		abort();
	fuzz_out_begin(&whole, 1 << 26);
	fuzz_out_begin(&chunked, 1 << 26);
	run(parsers[k], data[0], data + FUZZ_HEADER, size - FUZZ_HEADER, NULL, &whole);
	run(parsers[k], data[0], data + FUZZ_HEADER, size - FUZZ_HEADER, data + 1, &chunked);
	if (whole.len != chunked.len || memcmp(whole.data, chunked.data, whole.len) != 0)
		fuzz_fail("whole and chunked feeds differ");
	return 0;
}
