/* test_users.c: unit test of users.c (RFC 5321 §2.4 case rules, §4.5.1
 * Postmaster) and sasl.c (RFC 4616 PLAIN, LOGIN, RFC 4954 §4 base64
 * rules and "*" cancel).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sasl.h"
#include "unit.h"
#include "users.h"

static struct users *
load(const char *text, char *err, size_t errlen)
{
	static const char *const domains[] = { "example.test", "other.test" };
	char path[] = "/tmp/mailspec-test-users-XXXXXX";
	struct users *u;
	FILE *f;
	int fd = mkstemp(path);

	if (fd == -1)
		return NULL;
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	u = users_load(path, domains, 2, err, errlen);
	unlink(path);
	return u;
}

static void
test_users(void)
{
	char err[256];
	const char *user;
	struct users *u;

	u = load("# users\n\nalice:secret\nbob:pa:ss\r\n", err, sizeof(err));
	CHECKF(u != NULL, "%s", err);
	if (u == NULL)
		return;
	CHECK(users_check_password(u, "alice", "secret", 6));
	CHECK(!users_check_password(u, "alice", "secreT", 6));
	CHECK(!users_check_password(u, "alice", "secret2", 7));
	CHECK(!users_check_password(u, "alice", "", 0));
	CHECK(users_check_password(u, "bob", "pa:ss", 5));
	CHECK(!users_check_password(u, "carol", "x", 1));
	CHECK(users_resolve(u, "alice", "EXAMPLE.test", false, &user) == USERS_LOCAL &&
	    strcmp(user, "alice") == 0);
	CHECK(users_resolve(u, "alice", "other.test.", false, &user) == USERS_LOCAL);
	CHECK(users_resolve(u, "Alice", "example.test", false, &user) == USERS_NO_SUCH_USER);
	CHECK(users_resolve(u, "alice", "elsewhere.test", false, &user) == USERS_NOT_LOCAL);
	CHECK(users_resolve(u, "PostMaster", "example.test", false, &user) == USERS_LOCAL &&
	    strcmp(user, "alice") == 0);
	CHECK(users_resolve(u, "Postmaster", "", true, &user) == USERS_LOCAL);
	CHECK(strcmp(users_primary_domain(u), "example.test") == 0);
	users_free(&u);
	CHECK(u == NULL);

	u = load("bob:x\npostmaster:y\n", err, sizeof(err));
	CHECK(u != NULL && strcmp(users_postmaster(u), "postmaster") == 0);
	users_free(&u);
	u = load("alice secret\n", err, sizeof(err));
	CHECK(u == NULL && strstr(err, ":1: expected name:password") != NULL);
	u = load("ok:1\n../x:2\n", err, sizeof(err));
	CHECK(u == NULL && strstr(err, ":2: invalid user name") != NULL);
	u = users_load(NULL, NULL, 0, err, sizeof(err));
	CHECK(u != NULL && strcmp(users_postmaster(u), "postmaster") == 0 &&
	    strcmp(users_primary_domain(u), "localhost") == 0);
	users_free(&u);
}

static void
test_sasl(void)
{
	struct sasl sa;
	const char *ch, *user;
	char err[256];
	struct users *u = load("alice:secret\n", err, sizeof(err));

	if (u == NULL) {
		CHECK(u != NULL);
		return;
	}
	/* PLAIN with an initial response: "\0alice\0secret" */
	CHECK(sasl_begin(&sa, u, "plain", "AGFsaWNlAHNlY3JldA==", &ch, &user) == SASL_OK &&
	    strcmp(user, "alice") == 0);
	/* authzid equal to authcid is fine, another one is not */
	CHECK(sasl_begin(&sa, u, "PLAIN", "YWxpY2UAYWxpY2UAc2VjcmV0", &ch, &user) == SASL_OK);
	CHECK(sasl_begin(&sa, u, "PLAIN", "Ym9iAGFsaWNlAHNlY3JldA==", &ch, &user) == SASL_FAILED);
	/* without: an empty challenge, then the response */
	CHECK(sasl_begin(&sa, u, "PLAIN", NULL, &ch, &user) == SASL_CONTINUE && ch[0] == '\0');
	CHECK(sasl_step(&sa, u, "AGFsaWNlAHdyb25n", 16, &ch, &user) == SASL_FAILED);
	CHECK(sasl_begin(&sa, u, "PLAIN", "=", &ch, &user) == SASL_FAILED);
	CHECK(sasl_begin(&sa, u, "PLAIN", NULL, &ch, &user) == SASL_CONTINUE);
	CHECK(sasl_step(&sa, u, "*", 1, &ch, &user) == SASL_CANCELLED);
	CHECK(sasl_begin(&sa, u, "PLAIN", NULL, &ch, &user) == SASL_CONTINUE);
	CHECK(sasl_step(&sa, u, "AGFsaWNl=AHNlY3JldA", 19, &ch, &user) == SASL_BAD_BASE64);
	CHECK(sasl_step(&sa, u, "AGFsaWNlAHNlY3JldA", 18, &ch, &user) == SASL_BAD_BASE64);
	/* LOGIN */
	CHECK(sasl_begin(&sa, u, "LOGIN", NULL, &ch, &user) == SASL_CONTINUE &&
	    strcmp(ch, "VXNlcm5hbWU6") == 0);
	CHECK(sasl_step(&sa, u, "YWxpY2U=", 8, &ch, &user) == SASL_CONTINUE &&
	    strcmp(ch, "UGFzc3dvcmQ6") == 0);
	CHECK(sasl_step(&sa, u, "c2VjcmV0", 8, &ch, &user) == SASL_OK);
	CHECK(sasl_begin(&sa, u, "login", "YWxpY2U=", &ch, &user) == SASL_CONTINUE);
	CHECK(sasl_step(&sa, u, "c2VjcmVU", 8, &ch, &user) == SASL_FAILED);
	CHECK(sasl_begin(&sa, u, "CRAM-MD5", NULL, &ch, &user) == SASL_BAD_MECH);
	users_free(&u);
}

int
main(void)
{
	test_users();
	test_sasl();
	return unit_done("test_users");
}
