/* fuzz_pop3_cmd.c: libFuzzer harness for the POP3 command parser of
 * engine/proto/pop3.c (RFC 1939 §3-§9, RFC 2449 §3-§5, RFC 2595 §4,
 * RFC 5034 §4-§5).
 *
 * Input: byte 0 picks the extra room given after the documented minimum
 * buffer (bits 0-1), bytes 1-3 are unused (the header keeps the corpus
 * format of the other harnesses), the rest is a client's byte stream cut
 * into lines at CRLF only, so lines may hold bare CR, bare LF and NUL.
 * Each line is parsed from a heap copy of exactly its length into a heap
 * buffer of exactly the size given, so ASan sees any read past the line
 * or write past the buffer. Oracles:
 * - a parsed command put back together (keyword, SP, arguments joined by
 *   SP) is the line again, and its parts keep the header's promises;
 * - errors are the right ones for what the line holds (EMPTY, TOO_LONG,
 *   BAD_CHAR can be checked directly);
 * - the same line with more room, or with one byte less than the
 *   documented minimum (NOMEM), gives the same verdict.
 */
#include "fuzz_util.h"

#include <limits.h>
#include <strings.h>

#include "buf.h"
#include "pop3.h"

FUZZ_ASAN_DEFAULTS()

static const size_t room_opts[] = { 0, 1, 7, 300 };

static bool
has_ctl(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
			return true;
	return false;
}

static bool
in_buf(const char *s, const char *buf, size_t size)
{
	return s >= buf && s < buf + size && memchr(s, '\0', size - (size_t)(s - buf)) != NULL;
}

/* The decimal value of s into *v_r; false when it does not fit. */
static bool
dec(const char *s, unsigned long *v_r)
{
	unsigned long v = 0, d;

	for (; *s != '\0'; s++) {
		d = (unsigned long)(*s - '0');
		if (v > (ULONG_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*v_r = v;
	return true;
}

/* A successful parse: put the line back together and check the parts. */
static void
cmd_check_ok(const char *line, size_t len, const struct pop3_cmd *c)
{
	const char *name = pop3_verb_name(c->verb);
	static struct buf again;
	size_t i;

	if (name == NULL || strlen(c->keyword) != strlen(name) ||
	    strncasecmp(c->keyword, name, strlen(name)) != 0)
		fuzz_fail("keyword does not match the verb");
	if (c->nargs > 2 || (c->verb == POP3_VERB_PASS && c->nargs != 1))
		fuzz_fail("nargs");
	if (len + 2 > POP3_CMD_MAX_LINE || has_ctl(line, len))
		fuzz_fail("accepted a bad line");
	fuzz_out_begin(&again, 1024);
	buf_puts(&again, c->keyword);
	for (i = 0; i < c->nargs; i++) {
		size_t n = strlen(c->args[i]);

		if (n == 0 || (c->verb != POP3_VERB_PASS && memchr(c->args[i], ' ', n) != NULL))
			fuzz_fail("empty argument or SP inside one");
		if (n > 40 && c->verb != POP3_VERB_PASS && !(c->verb == POP3_VERB_AUTH && i == 1))
			fuzz_fail("argument over 40 characters");
		buf_putc(&again, ' ');
		buf_puts(&again, c->args[i]);
	}
	if (again.len != len || memcmp(again.data, line, len) != 0)
		fuzz_fail("command does not put back together");
	if (strcmp(c->rest, c->nargs > 0 ? c->args[0] : "") != 0)
		fuzz_fail("rest does not read as the first argument");
	switch (c->verb) {
	case POP3_VERB_LIST: case POP3_VERB_UIDL: case POP3_VERB_RETR:
	case POP3_VERB_DELE: case POP3_VERB_TOP:
		for (i = 0; i < c->nargs; i++) {
			unsigned long v;

			if (!dec(c->args[i], &v) || c->num[i] != v || (i == 0 && v == 0))
				fuzz_fail("message number");
		}
		break;
	default:
		if (c->num[0] != 0 || c->num[1] != 0)
			fuzz_fail("number without a numeric argument");
		break;
	}
}

static void
cmd_record(struct buf *out, const char *line, size_t len, int rc,
    enum pop3_cmd_error err, const struct pop3_cmd *c, const char *buf, size_t bufsize,
    bool is_deep)
{
	size_t i;

	if (rc != 1 && rc != -1)
		fuzz_fail("return value");
	if ((rc == 1) != (err == POP3_CMD_ERR_NONE) || (int)err < 0 ||
	    err > POP3_CMD_ERR_NOMEM)
		fuzz_fail("error code");
	if (c->keyword == NULL || c->rest == NULL ||
	    (*c->keyword != '\0' && !in_buf(c->keyword, buf, bufsize)) ||
	    (*c->rest != '\0' && !in_buf(c->rest, buf, bufsize)))
		fuzz_fail("keyword or rest outside the buffer");
	for (i = 0; i < c->nargs && i < POP3_CMD_MAX_ARGS; i++)
		if (c->args[i] == NULL || !in_buf(c->args[i], buf, bufsize))
			fuzz_fail("argument outside the buffer");
	if ((err == POP3_CMD_ERR_EMPTY) != (len == 0) ||
	    (len > 0 && (err == POP3_CMD_ERR_TOO_LONG) != (len + 2 > POP3_CMD_MAX_LINE)))
		fuzz_fail("EMPTY or TOO_LONG");
	if (err == POP3_CMD_ERR_BAD_CHAR && !has_ctl(line, len))
		fuzz_fail("BAD_CHAR without a control byte");
	if (err == POP3_CMD_ERR_UNKNOWN && c->verb != POP3_VERB_UNKNOWN)
		fuzz_fail("UNKNOWN with a verb");
	if (rc == 1 && is_deep)
		cmd_check_ok(line, len, c);
	fuzz_rec_num(out, (uint64_t)rc);
	fuzz_rec_num(out, (uint64_t)err);
	fuzz_rec_num(out, (uint64_t)c->verb);
	fuzz_rec_str(out, c->keyword);
	fuzz_rec_str(out, c->rest);
	fuzz_rec_num(out, c->nargs);
	for (i = 0; i < c->nargs; i++)
		fuzz_rec_str(out, c->args[i]);
	fuzz_rec_num(out, c->num[0]);
	fuzz_rec_num(out, c->num[1]);
}

/* Parse copy[0..len) (an exact copy of the line, which the parser only
 * reads) with bufsize bytes of room; record the result. */
static enum pop3_cmd_error
parse_one(const char *copy, size_t len, size_t bufsize, struct buf *out, bool is_deep)
{
	char *buf = (char *)fuzz_hold(NULL, bufsize);
	enum pop3_cmd_error err = POP3_CMD_ERR_NONE;
	struct pop3_cmd cmd;
	int rc;

	rc = pop3_cmd_parse(copy, len, buf, bufsize, &cmd, &err);
	cmd_record(out, copy, len, rc, err, &cmd, buf, bufsize, is_deep);
	fuzz_release((uint8_t *)buf, bufsize);
	return err;
}

static void
check_line(const uint8_t *line, size_t len, size_t room)
{
	size_t min = len + POP3_CMD_MAX_ARGS + 1;
	static struct buf a, b, c;
	char *copy = (char *)fuzz_hold(line, len);
	enum pop3_cmd_error err;

	fuzz_out_begin(&a, 1 << 16);
	fuzz_out_begin(&b, 1 << 16);
	fuzz_out_begin(&c, 1 << 16);
	/* the put-together check once: with more room the records must be
	 * the same, so the command is */
	parse_one(copy, len, min + room, &a, true);
	parse_one(copy, len, min + room + 64, &b, false);
	if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
		fuzz_fail("more room gives another result");
	/* one byte short: NOMEM, unless the line is refused before */
	err = parse_one(copy, len, min - 1, &c, false);
	if (len > 0 && len + 2 <= POP3_CMD_MAX_LINE && err != POP3_CMD_ERR_NOMEM)
		fuzz_fail("a short buffer is not NOMEM");
	fuzz_release((uint8_t *)copy, len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *s, *end;
	size_t room;

	if (size < FUZZ_HEADER)
		return 0;
	room = room_opts[data[0] & 3];
	s = data + FUZZ_HEADER;
	end = data + size;
	for (;;) {
		const uint8_t *p = s;

		while (p + 1 < end && !(p[0] == '\r' && p[1] == '\n'))
			p++;
		if (p + 1 >= end) {
			check_line(s, (size_t)(end - s), room);
			break;
		}
		check_line(s, (size_t)(p - s), room);
		s = p + 2;
	}
	return 0;
}
