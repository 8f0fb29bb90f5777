/* test_target.c: endpoint URLs, users, and selection globs and tags. */
#include <string.h>

#include "exec.h"
#include "select.h"
#include "target.h"
#include "unit.h"

static void
test_urls(void)
{
	struct target t = { 0 };
	char err[256];
	const struct endpoint *ep;

	CHECK(target_add_url(&t, ROLE_SMTP, "smtp://127.0.0.1:2525", err, sizeof(err)) == 0);
	CHECK(target_add_url(&t, ROLE_SMTP, "smtps://[::1]", err, sizeof(err)) == 0);
	CHECK(target_add_url(&t, ROLE_SUBMISSION, "smtp://mx.example", err, sizeof(err)) == 0);
	CHECK(target_add_url(&t, ROLE_POP3, "pop3s://h:995/", err, sizeof(err)) == 0);
	CHECK(target_add_url(&t, ROLE_POP3, "imap://h", err, sizeof(err)) == -1);
	CHECK(target_add_url(&t, ROLE_SMTP, "http://h", err, sizeof(err)) == -1);
	CHECK(target_add_url(&t, ROLE_SMTP, "smtp://h:0", err, sizeof(err)) == -1);
	CHECK(target_add_url(&t, ROLE_SMTP, "smtp://h:70000", err, sizeof(err)) == -1);
	CHECK(target_add_url(&t, ROLE_SMTP, "smtp://[::1", err, sizeof(err)) == -1);
	CHECK(target_add_url(&t, ROLE_SMTP, "smtp://:25", err, sizeof(err)) == -1);
	CHECK(strstr(err, "bad URL") != NULL);
	ep = target_endpoint(&t, ROLE_SMTP, TLS_ANY);
	CHECK(ep != NULL && strcmp(ep->port, "2525") == 0 && !ep->is_implicit_tls);
	ep = target_endpoint(&t, ROLE_SMTP, TLS_IMPLICIT);
	CHECK(ep != NULL && strcmp(ep->host, "::1") == 0 && strcmp(ep->port, "465") == 0);
	ep = target_endpoint(&t, ROLE_SUBMISSION, TLS_PLAIN);
	CHECK(ep != NULL && strcmp(ep->port, "587") == 0);
	CHECK(target_endpoint(&t, ROLE_POP3, TLS_PLAIN) == NULL);
	ep = target_endpoint(&t, ROLE_POP3, TLS_ANY);
	CHECK(ep != NULL && ep->is_implicit_tls && strcmp(ep->port, "995") == 0);
	CHECK(target_endpoint(&t, ROLE_IMAP, TLS_ANY) == NULL);
	CHECK(target_add_user(&t, "alice:pw:with:colons", err, sizeof(err)) == 0);
	CHECK(strcmp(t.users[0].name, "alice") == 0 && strcmp(t.users[0].pass, "pw:with:colons") == 0);
	CHECK(target_add_user(&t, "nopass", err, sizeof(err)) == -1);
	CHECK(target_add_user(&t, ":x", err, sizeof(err)) == -1);
	target_free(&t);
}

static void
test_globs(void)
{
	CHECK(select_glob("smtp.*", "smtp.ehlo") == 1);
	CHECK(select_glob("smtp.*", "smtp.ehlo.reply-250") == 0);
	CHECK(select_glob("smtp.**", "smtp.ehlo.reply-250") == 1);
	CHECK(select_glob("**.reply-250", "smtp.ehlo.reply-250") == 1);
	CHECK(select_glob("smtp.*.reply-*", "smtp.ehlo.reply-250") == 1);
	CHECK(select_glob("smtp.e?lo.*", "smtp.ehlo.x") == 1);
	CHECK(select_glob("smtp?ehlo", "smtp.ehlo") == 0);
	CHECK(select_glob("*", "") == 1);
	CHECK(select_glob("", "x") == 0);
	CHECK(select_glob("**", "a.b.c") == 1);
}

static void
test_tags(void)
{
	const char *tags[] = { "ehlo", "starttls", NULL };
	struct scenario s = { 0 };

	s.tags = tags;
	s.ntags = 2;
	s.protocols[0] = PROTO_SMTP;
	s.nprotocols = 1;
	s.level = LEVEL_SHOULD;
	CHECK(select_tags("ehlo", &s));
	CHECK(!select_tags("auth", &s));
	CHECK(select_tags("auth,starttls", &s));
	CHECK(select_tags("ehlo+starttls", &s));
	CHECK(!select_tags("ehlo+auth", &s));
	CHECK(select_tags("!auth", &s));
	CHECK(!select_tags("!ehlo", &s));
	CHECK(select_tags("smtp+should", &s));
	CHECK(!select_tags("pop3,must", &s));
	CHECK(select_tags("auth,ehlo+!pop3", &s));
}

static void
test_caps(void)
{
	char *caps[] = { "IMAP4rev2", "AUTH=PLAIN", "SIZE=10240000", "LITERAL-" };

	CHECK(caps_have(caps, 4, "imap4REV2", 9));
	CHECK(caps_have(caps, 4, "AUTH=*", 6));
	CHECK(caps_have(caps, 4, "SIZE=[1-9]*", 11));
	CHECK(!caps_have(caps, 4, "SIZE=0", 6));
	CHECK(caps_have(caps, 4, "MOVE|IMAP4rev2", 14));
	CHECK(!caps_have(caps, 4, "MOVE|UIDPLUS", 12));
	CHECK(caps_have(caps, 4, "LITERAL[+-]", 11));
	CHECK(!caps_have(caps, 4, "|", 1));
	CHECK(!caps_have(caps, 0, "AUTH=*", 6));
}

int
main(void)
{
	test_caps();
	test_urls();
	test_globs();
	test_tags();
	return unit_done("test_target");
}
