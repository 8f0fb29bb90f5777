/* test_vars.c: ${...} expansion, functions, regex quoting. */
#include <string.h>

#include "buf.h"
#include "match.h"
#include "unit.h"
#include "vars.h"

static int
expand(const struct vars *vs, const char *in, enum vars_mode mode, struct buf *out)
{
	char err[256];

	buf_clear(out);
	return vars_expand(vs, in, strlen(in), mode, out, err, sizeof(err));
}

static void
test_text(void)
{
	struct vars vs;
	struct buf out;

	vars_init(&vs);
	buf_init(&out, 1 << 20);
	vars_set(&vs, "user1", "alice", 5);
	vars_set(&vs, "pass1", "s3cr\\t", 6);
	vars_set(&vs, "cap.SIZE", "1000", 4);
	CHECK(expand(&vs, "MAIL FROM:<${user1}@x>", VARS_TEXT, &out) == 0);
	CHECK(strcmp(out.data, "MAIL FROM:<alice@x>") == 0);
	CHECK(expand(&vs, "cost $$5 ${user1}${user1}", VARS_TEXT, &out) == 0);
	CHECK(strcmp(out.data, "cost $5 alicealice") == 0);
	/* RFC 4616 §2: message = [authzid] NUL authcid NUL passwd; the
	 * password's own backslash is data, not an escape. */
	CHECK(expand(&vs, "${base64:\\0${user1}\\0${pass1}}", VARS_TEXT, &out) == 0);
	CHECK(strcmp(out.data, "AGFsaWNlAHMzY3JcdA==") == 0);
	CHECK(expand(&vs, "${add:${cap.SIZE}:1}", VARS_TEXT, &out) == 0);
	CHECK(strcmp(out.data, "1001") == 0);
	CHECK(expand(&vs, "{${len:${user1}\\0x}}", VARS_TEXT, &out) == 0);
	CHECK(strcmp(out.data, "{7}") == 0);
	CHECK(expand(&vs, "${len:}", VARS_TEXT, &out) == 0 && strcmp(out.data, "0") == 0);
	CHECK(expand(&vs, "${repeat:3:ab}", VARS_TEXT, &out) == 0);
	CHECK(strcmp(out.data, "ababab") == 0);
	CHECK(expand(&vs, "${repeat:0:ab}x", VARS_TEXT, &out) == 0);
	CHECK(strcmp(out.data, "x") == 0);
	CHECK(expand(&vs, "${nope}", VARS_TEXT, &out) == -1);
	CHECK(expand(&vs, "${user1", VARS_TEXT, &out) == -1);
	CHECK(expand(&vs, "${add:x:1}", VARS_TEXT, &out) == -1);
	CHECK(expand(&vs, "${repeat:99999999:abc}", VARS_TEXT, &out) == -1);
	CHECK(expand(&vs, "${repeat:-1:a}", VARS_TEXT, &out) == -1);
	vars_set(&vs, "user1", "bob", 3);
	CHECK(expand(&vs, "${user1}", VARS_TEXT, &out) == 0 && strcmp(out.data, "bob") == 0);
	vars_unset_prefix(&vs, "cap.");
	CHECK(vars_get(&vs, "cap.SIZE", 8) == NULL);
	CHECK(vars_get(&vs, "user1", 5) != NULL);
	buf_release(&out);
	vars_free(&vs);
}

static void
test_regex(void)
{
	struct vars vs;
	struct buf out;
	char err[128];

	vars_init(&vs);
	buf_init(&out, 1 << 20);
	vars_set(&vs, "id", "a.b*c\\Ed", 8);
	CHECK(expand(&vs, "^queued ${id}$", VARS_REGEX, &out) == 0);
	CHECK(match_regex(out.data, out.len, "queued a.b*c\\Ed", 15, NULL, err, sizeof(err)) == 1);
	/* quoted: '.' and '*' are literal */
	CHECK(match_regex(out.data, out.len, "queued axbbbc\\Ed", 16, NULL, err, sizeof(err)) == 0);
	CHECK(expand(&vs, "^2\\d\\d (ok|OK)$", VARS_REGEX, &out) == 0);
	CHECK(strcmp(out.data, "^2\\d\\d (ok|OK)$") == 0);
	buf_release(&out);
	vars_free(&vs);
}

static void
test_match(void)
{
	struct buf g;
	char err[128];

	buf_init(&g, 1024);
	CHECK(match_regex("SIZE (\\d+)", 10, "SIZE 1024", 9, &g, err, sizeof(err)) == 1);
	CHECK(g.len == 4 && memcmp(g.data, "1024", 4) == 0);
	buf_clear(&g);
	CHECK(match_regex("(?i)^pipelining$", 16, "PIPELINING", 10, &g, err, sizeof(err)) == 1);
	CHECK(strcmp(g.data, "PIPELINING") == 0);
	CHECK(match_regex("x", 1, "\xff\xfe\x00x", 4, NULL, err, sizeof(err)) == 1);
	CHECK(match_regex("(", 1, "x", 1, NULL, err, sizeof(err)) == -1);
	CHECK(strstr(err, "bad regex") != NULL);
	/* catastrophic backtracking is bounded, not a hang */
	CHECK(match_regex("(a+)+$", 6, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", 31, NULL, err,
	    sizeof(err)) == -1);
	buf_release(&g);
}

int
main(void)
{
	test_text();
	test_regex();
	test_match();
	return unit_done("test_vars");
}
