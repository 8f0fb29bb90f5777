/* test_smtp_cmd.c: unit tests for engine/proto/smtp_cmd.c (RFC 5321
 * §4.1.1, §4.1.2, §4.1.3, §4.5.3.1.4; RFC 6531; RFC 4954; RFC 3030).
 * Each line is parsed from an exact-size heap copy (no NUL after it), and
 * again after travelling through linebuf fed whole, byte by byte and in
 * other chunk sizes: all must give the same command. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "linebuf.h"
#include "smtp_cmd.h"
#include "unit.h"

#define S(lit) lit, sizeof(lit) - 1

static const size_t chunk_sizes[] = { SIZE_MAX, 1, 2, 3, 7, 64 };

/* Expected forms (see cmd_format()):
 *   success: VERB [" arg=" arg] [" path=" local|domain|mailbox|flags]
 *            [" " KEY["=" VALUE]]... [" mech=" M [" ir=" I]] [" size=" N [" LAST"]]
 *            flags: N null, P postmaster, Q quoted, 8 UTF-8
 *   error:   "E:" NAME " " VERB-or-"-" */
struct cmd_case {
	const char *line;
	size_t len;
	const char *want;
};

static const struct cmd_case cases[] = {
	/* HELO / EHLO (§4.1.1.1), Appendix D */
	{ S("EHLO bar.com"), "EHLO arg=bar.com" },
	{ S("ehlo bar.com"), "EHLO arg=bar.com" },
	{ S("HELO foo.com"), "HELO arg=foo.com" },
	{ S("EHLO localhost"), "EHLO arg=localhost" },
	{ S("EHLO a-b.c--d.123.example"), "EHLO arg=a-b.c--d.123.example" },
	{ S("EHLO [127.0.0.1]"), "EHLO arg=[127.0.0.1]" },
	{ S("EHLO [IPv6:2001:db8::1]"), "EHLO arg=[IPv6:2001:db8::1]" },
	{ S("EHLO [IPv6:::1]"), "EHLO arg=[IPv6:::1]" },
	{ S("EHLO"), "E:SYNTAX EHLO" },
	{ S("EHLO "), "E:SYNTAX EHLO" },
	{ S("HELO"), "E:SYNTAX HELO" },
	{ S("EHLO  bar.com"), "E:SYNTAX EHLO" },
	{ S("HELO [1.2.3.4]"), "E:SYNTAX HELO" },
	{ S("EHLO my_host"), "E:SYNTAX EHLO" },
	{ S("EHLO -foo.com"), "E:SYNTAX EHLO" },
	{ S("EHLO foo-.com"), "E:SYNTAX EHLO" },
	{ S("EHLO foo..com"), "E:SYNTAX EHLO" },
	{ S("EHLO foo.com."), "E:SYNTAX EHLO" },
	{ S("EHLO .foo"), "E:SYNTAX EHLO" },
	{ S("EHLO foo.com extra"), "E:SYNTAX EHLO" },
	{ S("EHLO b\xc3\xbc" "cher.de"), "E:SYNTAX EHLO" },
	{ S("EHLO [1.2.3.256]"), "E:SYNTAX EHLO" },
	{ S("EHLO [1.2.3]"), "E:SYNTAX EHLO" },
	{ S("EHLO [1.2.3.4.5]"), "E:SYNTAX EHLO" },
	{ S("EHLO [1.2.3.0004]"), "E:SYNTAX EHLO" },
	{ S("EHLO [1..3.4]"), "E:SYNTAX EHLO" },
	{ S("EHLO [1.2.3.4"), "E:SYNTAX EHLO" },
	{ S("EHLO []"), "E:SYNTAX EHLO" },
	{ S("EHLO [IPv6:1::2::3]"), "E:SYNTAX EHLO" },
	{ S("EHLO [IPv6:1:::3]"), "E:SYNTAX EHLO" },
	{ S("EHLO [IPv6:1:2:3:4:5:6:7]"), "E:SYNTAX EHLO" },
	{ S("EHLO [IPv6:1:2:3:4:5:6:7::]"), "E:SYNTAX EHLO" },
	{ S("EHLO [IPv6:12345::1]"), "E:SYNTAX EHLO" },
	{ S("EHLO [IPv6:g::1]"), "E:SYNTAX EHLO" },
	{ S("EHLO [IPv6:1:2:3:4:5:1.2.3.4]"), "E:SYNTAX EHLO" },
	{ S("EHLO [IPv6:1:2:3:4:5::1.2.3.4]"), "E:SYNTAX EHLO" },
	{ S("EHLO [IPv6::1]"), "E:SYNTAX EHLO" },
	{ S("EHLO [IPv6:1:]"), "E:SYNTAX EHLO" },
	{ S("EHLO [IPv6:]"), "E:SYNTAX EHLO" },
	{ S("EHLO [IPv6:1.2.3.4::]"), "E:SYNTAX EHLO" },
	{ S("EHLO [tag:]"), "E:SYNTAX EHLO" },
	{ S("EHLO [:x]"), "E:SYNTAX EHLO" },
	{ S("EHLO [tag-:x]"), "E:SYNTAX EHLO" },
	{ S("EHLO [a\\b]"), "E:SYNTAX EHLO" },
	/* MAIL (§4.1.1.2, §4.1.2), ESMTP parameters */
	{ S("MAIL FROM:<Smith@bar.com>"), "MAIL path=Smith|bar.com|Smith@bar.com|" },
	{ S("mail from:<Smith@bar.com>"), "MAIL path=Smith|bar.com|Smith@bar.com|" },
	{ S("Mail From:<JQP@bar.com>"), "MAIL path=JQP|bar.com|JQP@bar.com|" },
	{ S("MAIL FROM:<>"), "MAIL path=|||N" },
	{ S("MAIL FROM:<> SIZE=1000 BODY=8BITMIME"), "MAIL path=|||N SIZE=1000 BODY=8BITMIME" },
	{ S("MAIL FROM:<a@b> SMTPUTF8"), "MAIL path=a|b|a@b| SMTPUTF8" },
	{ S("MAIL FROM:<a@b> AUTH=<>"), "MAIL path=a|b|a@b| AUTH=<>" },
	{ S("MAIL FROM:<a@b> AUTH=e+3Dmc2@example.com"), "MAIL path=a|b|a@b| AUTH=e+3Dmc2@example.com" },
	{ S("MAIL FROM:<a@b> RET=HDRS ENVID=QQ314159"), "MAIL path=a|b|a@b| RET=HDRS ENVID=QQ314159" },
	{ S("MAIL FROM:<a@b> BODY=BINARYMIME"), "MAIL path=a|b|a@b| BODY=BINARYMIME" },
	{ S("MAIL FROM:<a@b> X-UTF8=\xc3\xbc"), "MAIL path=a|b|a@b|8 X-UTF8=\\xc3\\xbc" },
	{ S("MAIL FROM:<a@b> 8bit-x=y"), "MAIL path=a|b|a@b| 8bit-x=y" },
	{ S("MAIL"), "E:SYNTAX MAIL" },
	{ S("MAIL "), "E:SYNTAX MAIL" },
	{ S("MAIL FROM"), "E:SYNTAX MAIL" },
	{ S("MAIL TO:<a@b>"), "E:SYNTAX MAIL" },
	{ S("MAIL FROM: <a@b>"), "E:PATH MAIL" },	/* strict: no SP before the path */
	{ S("MAIL FROM:"), "E:PATH MAIL" },
	{ S("MAIL FROM:a@b"), "E:PATH MAIL" },
	{ S("MAIL FROM:<a@b"), "E:PATH MAIL" },
	{ S("MAIL FROM:<a>"), "E:PATH MAIL" },
	{ S("MAIL FROM:<Postmaster>"), "E:PATH MAIL" },
	{ S("MAIL FROM:<a@b>x"), "E:PATH MAIL" },
	{ S("MAIL FROM:<a@b> "), "E:PARAM MAIL" },
	{ S("MAIL FROM:<a@b> SIZE="), "E:PARAM MAIL" },
	{ S("MAIL FROM:<a@b>  SIZE=1"), "E:PARAM MAIL" },
	{ S("MAIL FROM:<a@b> SIZE=1 "), "E:PARAM MAIL" },
	{ S("MAIL FROM:<a@b> -X=1"), "E:PARAM MAIL" },
	{ S("MAIL FROM:<a@b> X=a=b"), "E:PARAM MAIL" },
	{ S("MAIL FROM:<a@b> =1"), "E:PARAM MAIL" },
	{ S("MAIL FROM:<a@b> X_Y=1"), "E:PARAM MAIL" },
	{ S("MAIL FROM:<a@b> X=\xff"), "E:PARAM MAIL" },
	{ S("MAIL FROM:<> A B C D E F G H I J K L M N O P"),
	  "MAIL path=|||N A B C D E F G H I J K L M N O P" },
	{ S("MAIL FROM:<> A B C D E F G H I J K L M N O P Q"), "E:TOO_MANY_PARAMS MAIL" },
	/* RCPT (§4.1.1.3), source routes (Appendix C), quoted local parts */
	{ S("RCPT TO:<Jones@foo.com>"), "RCPT path=Jones|foo.com|Jones@foo.com|" },
	{ S("RCPT TO:<Admin.MRC@foo.com>"), "RCPT path=Admin.MRC|foo.com|Admin.MRC@foo.com|" },
	{ S("RCPT TO:<@ONE,@TWO:JOE@THREE>"), "RCPT path=JOE|THREE|JOE@THREE|" },
	{ S("RCPT TO:<@hosta.int,@jkl.org:userc@d.bar.org>"),
	  "RCPT path=userc|d.bar.org|userc@d.bar.org|" },
	{ S("RCPT TO:<@hosta.int:userc@d.bar.org>"), "RCPT path=userc|d.bar.org|userc@d.bar.org|" },
	{ S("RCPT TO:<Postmaster>"), "RCPT path=Postmaster||Postmaster|P" },
	{ S("rcpt to:<postMASTER>"), "RCPT path=postMASTER||postMASTER|P" },
	{ S("RCPT TO:<Postmaster> NOTIFY=NEVER"), "RCPT path=Postmaster||Postmaster|P NOTIFY=NEVER" },
	{ S("RCPT TO:<Postmaster@foo.com>"), "RCPT path=Postmaster|foo.com|Postmaster@foo.com|" },
	{ S("RCPT TO:<\"John Doe\"@example.com>"),
	  "RCPT path=John Doe|example.com|\"John Doe\"@example.com|Q" },
	{ S("RCPT TO:<\"Joe\\,Smith\"@example.com>"),
	  "RCPT path=Joe,Smith|example.com|\"Joe\\,Smith\"@example.com|Q" },
	{ S("RCPT TO:<\"a\\\"b\"@x.org>"), "RCPT path=a\"b|x.org|\"a\\\"b\"@x.org|Q" },
	{ S("RCPT TO:<\"\\\\\"@x.org>"), "RCPT path=\\|x.org|\"\\\\\"@x.org|Q" },
	{ S("RCPT TO:<\"\"@x.org>"), "RCPT path=|x.org|\"\"@x.org|Q" },
	{ S("RCPT TO:<\"john@x\"@example.com>"),
	  "RCPT path=john@x|example.com|\"john@x\"@example.com|Q" },
	{ S("RCPT TO:<\"a>b c\"@x.org>"), "RCPT path=a>b c|x.org|\"a>b c\"@x.org|Q" },
	{ S("RCPT TO:<user@[192.0.2.1]>"), "RCPT path=user|[192.0.2.1]|user@[192.0.2.1]|" },
	{ S("RCPT TO:<user@[IPv6:2001:db8::1]>"),
	  "RCPT path=user|[IPv6:2001:db8::1]|user@[IPv6:2001:db8::1]|" },
	{ S("RCPT TO:<u@[IPv6:1:2:3:4:5:6:7:8]>"),
	  "RCPT path=u|[IPv6:1:2:3:4:5:6:7:8]|u@[IPv6:1:2:3:4:5:6:7:8]|" },
	{ S("RCPT TO:<u@[IPv6:::ffff:192.0.2.1]>"),
	  "RCPT path=u|[IPv6:::ffff:192.0.2.1]|u@[IPv6:::ffff:192.0.2.1]|" },
	{ S("RCPT TO:<u@[IPv6:1:2:3:4:5:6:192.0.2.1]>"),
	  "RCPT path=u|[IPv6:1:2:3:4:5:6:192.0.2.1]|u@[IPv6:1:2:3:4:5:6:192.0.2.1]|" },
	{ S("RCPT TO:<u@[IPv6:1::]>"), "RCPT path=u|[IPv6:1::]|u@[IPv6:1::]|" },
	{ S("RCPT TO:<u@[IPv6:::]>"), "RCPT path=u|[IPv6:::]|u@[IPv6:::]|" },
	{ S("RCPT TO:<u@[ipv6:1::2]>"), "RCPT path=u|[ipv6:1::2]|u@[ipv6:1::2]|" },
	{ S("RCPT TO:<u@[x-tag:any+content]>"),
	  "RCPT path=u|[x-tag:any+content]|u@[x-tag:any+content]|" },
	{ S("RCPT TO:<first.last@sub.example.com>"),
	  "RCPT path=first.last|sub.example.com|first.last@sub.example.com|" },
	{ S("RCPT TO:<a+b=c!#$%&'*/?^_`{|}~-@x.org>"),
	  "RCPT path=a+b=c!#$%&'*/?^_`{|}~-|x.org|a+b=c!#$%&'*/?^_`{|}~-@x.org|" },
	{ S("RCPT TO:<\xce\xb4@\xce\xb4.example>"),
	  "RCPT path=\\xce\\xb4|\\xce\\xb4.example|\\xce\\xb4@\\xce\\xb4.example|8" },
	{ S("RCPT TO:<\"\xce\xb4 x\"@example>"),
	  "RCPT path=\\xce\\xb4 x|example|\"\\xce\\xb4 x\"@example|Q8" },
	{ S("RCPT TO:<a@b> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a@b"),
	  "RCPT path=a|b|a@b| NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a@b" },
	{ S("RCPT TO:<>"), "E:PATH RCPT" },
	{ S("RCPT TO:<a..b@c>"), "E:PATH RCPT" },
	{ S("RCPT TO:<.a@c>"), "E:PATH RCPT" },
	{ S("RCPT TO:<a.@c>"), "E:PATH RCPT" },
	{ S("RCPT TO:<a b@c>"), "E:PATH RCPT" },
	{ S("RCPT TO:<@a:b>"), "E:PATH RCPT" },
	{ S("RCPT TO:<@a,b@c>"), "E:PATH RCPT" },
	{ S("RCPT TO:<@ONE,@TWO JOE@THREE>"), "E:PATH RCPT" },
	{ S("RCPT TO:<@ONE@TWO:JOE@THREE>"), "E:PATH RCPT" },
	{ S("RCPT TO:<@[1.2.3.4]:a@b>"), "E:PATH RCPT" },
	{ S("RCPT TO:<a@b_c.com>"), "E:PATH RCPT" },
	{ S("RCPT TO:<a@[1.2.3.4>"), "E:PATH RCPT" },
	{ S("RCPT TO:<a@[1.2.3.4]>>"), "E:PATH RCPT" },
	{ S("RCPT TO:<a@b@c>"), "E:PATH RCPT" },
	{ S("RCPT TO:<a@>"), "E:PATH RCPT" },
	{ S("RCPT TO:<@>"), "E:PATH RCPT" },
	{ S("RCPT TO:<Postmaster >"), "E:PATH RCPT" },
	{ S("RCPT TO:<<a@b>>"), "E:PATH RCPT" },
	{ S("RCPT TO:<\"a\"b@c>"), "E:PATH RCPT" },
	{ S("RCPT TO:<\"a@c>"), "E:PATH RCPT" },
	{ S("RCPT TO:<\"a\\\xc3\xa9\"@c>"), "E:PATH RCPT" },
	{ S("RCPT TO:<\xff@x>"), "E:PATH RCPT" },
	{ S("RCPT TO:<\xc3@x>"), "E:PATH RCPT" },
	{ S("RCPT TO:<\xed\xa0\x80@x>"), "E:PATH RCPT" },
	{ S("RCPT TO:<\xc0\xaf@x>"), "E:PATH RCPT" },
	{ S("RCPT TO:<\xf4\x90\x80\x80@x>"), "E:PATH RCPT" },
	{ S("RCPT TO:<a@b> NOTIFY=\xce"), "E:PARAM RCPT" },
	{ S("RCPT FROM:<a@b>"), "E:SYNTAX RCPT" },
	{ S("RCPT"), "E:SYNTAX RCPT" },
	/* no-argument verbs */
	{ S("DATA"), "DATA" },
	{ S("data"), "DATA" },
	{ S("RSET"), "RSET" },
	{ S("QUIT"), "QUIT" },
	{ S("StartTLS"), "STARTTLS" },
	{ S("DATA x"), "E:SYNTAX DATA" },
	{ S("DATA "), "E:SYNTAX DATA" },
	{ S("QUIT now"), "E:SYNTAX QUIT" },
	{ S("RSET x"), "E:SYNTAX RSET" },
	{ S("STARTTLS x"), "E:SYNTAX STARTTLS" },
	/* NOOP, HELP, VRFY, EXPN (§4.1.1.6-9, RFC 6531 §3.7.4.2) */
	{ S("NOOP"), "NOOP" },
	{ S("NOOP anything goes here"), "NOOP arg=anything goes here" },
	{ S("NOOP "), "E:SYNTAX NOOP" },
	{ S("HELP"), "HELP" },
	{ S("HELP MAIL"), "HELP arg=MAIL" },
	{ S("HELP "), "E:SYNTAX HELP" },
	{ S("HELP a b"), "E:SYNTAX HELP" },
	{ S("VRFY Crispin"), "VRFY arg=Crispin" },
	{ S("VRFY user@example.com"), "VRFY arg=user@example.com" },
	{ S("VRFY \"John Doe\""), "VRFY arg=\"John Doe\"" },
	{ S("VRFY Crispin SMTPUTF8"), "VRFY arg=Crispin SMTPUTF8 SMTPUTF8" },
	{ S("VRFY \xce\xb4 smtputf8"), "VRFY arg=\\xce\\xb4 smtputf8 smtputf8" },
	{ S("EXPN Example-People"), "EXPN arg=Example-People" },
	{ S("EXPN Executive-Washroom-List"), "EXPN arg=Executive-Washroom-List" },
	{ S("VRFY"), "E:SYNTAX VRFY" },
	{ S("VRFY "), "E:SYNTAX VRFY" },
	{ S("VRFY a b"), "E:SYNTAX VRFY" },
	{ S("VRFY \"unterminated"), "E:SYNTAX VRFY" },
	{ S("VRFY \"a\"b"), "E:SYNTAX VRFY" },
	{ S("VRFY a SMTPUTF8 x"), "E:SYNTAX VRFY" },
	{ S("VRFY a SMTPUTF"), "E:SYNTAX VRFY" },
	{ S("VRFY \xff"), "E:SYNTAX VRFY" },
	{ S("EXPN"), "E:SYNTAX EXPN" },
	/* AUTH (RFC 4954) */
	{ S("AUTH PLAIN"), "AUTH mech=PLAIN" },
	{ S("AUTH PLAIN dGVzdAB0ZXN0AHRlc3Q="), "AUTH mech=PLAIN ir=dGVzdAB0ZXN0AHRlc3Q=" },
	{ S("AUTH PLAIN ="), "AUTH mech=PLAIN ir==" },
	{ S("auth plain ab=="), "AUTH mech=plain ir=ab==" },
	{ S("AUTH SCRAM-SHA-256"), "AUTH mech=SCRAM-SHA-256" },
	{ S("AUTH X_MECH-1"), "AUTH mech=X_MECH-1" },
	{ S("AUTH ABCDEFGHIJKLMNOPQRST"), "AUTH mech=ABCDEFGHIJKLMNOPQRST" },
	{ S("AUTH"), "E:SYNTAX AUTH" },
	{ S("AUTH "), "E:SYNTAX AUTH" },
	{ S("AUTH ABCDEFGHIJKLMNOPQRSTU"), "E:SYNTAX AUTH" },
	{ S("AUTH PL*IN"), "E:SYNTAX AUTH" },
	{ S("AUTH PLAIN "), "E:SYNTAX AUTH" },
	{ S("AUTH PLAIN abc"), "E:SYNTAX AUTH" },
	{ S("AUTH PLAIN ab=c"), "E:SYNTAX AUTH" },
	{ S("AUTH PLAIN ===="), "E:SYNTAX AUTH" },
	{ S("AUTH PLAIN a==="), "E:SYNTAX AUTH" },
	{ S("AUTH PLAIN =="), "E:SYNTAX AUTH" },
	{ S("AUTH PLAIN x y"), "E:SYNTAX AUTH" },
	{ S("AUTH PLAIN ab-_"), "E:SYNTAX AUTH" },
	/* BDAT (RFC 3030) */
	{ S("BDAT 1000"), "BDAT size=1000" },
	{ S("BDAT 0 LAST"), "BDAT size=0 LAST" },
	{ S("bdat 86 last"), "BDAT size=86 LAST" },
	{ S("BDAT 007"), "BDAT size=7" },
	{ S("BDAT 18446744073709551615"), "BDAT size=18446744073709551615" },
	{ S("BDAT"), "E:SYNTAX BDAT" },
	{ S("BDAT "), "E:SYNTAX BDAT" },
	{ S("BDAT x"), "E:SYNTAX BDAT" },
	{ S("BDAT -1"), "E:SYNTAX BDAT" },
	{ S("BDAT 10 FIRST"), "E:SYNTAX BDAT" },
	{ S("BDAT 18446744073709551616"), "E:SYNTAX BDAT" },
	{ S("BDAT 10 LAST x"), "E:SYNTAX BDAT" },
	{ S("BDAT 10  LAST"), "E:SYNTAX BDAT" },
	{ S("BDAT 10 LAST "), "E:SYNTAX BDAT" },
	/* line-level errors */
	{ S(""), "E:EMPTY -" },
	{ S("NOOP\tx"), "E:BAD_CHAR -" },
	{ S("NOOP a\0b"), "E:BAD_CHAR -" },
	{ S("NOOP \x7f"), "E:BAD_CHAR -" },
	{ S("RCPT TO:<a\x01@b>"), "E:BAD_CHAR -" },
	{ S("RCPT TO:<a\rb@c>"), "E:BAD_CHAR -" },
	{ S("FOO bar"), "E:UNKNOWN_VERB -" },
	{ S("MAILFROM:<a@b>"), "E:UNKNOWN_VERB -" },
	{ S(" MAIL FROM:<a@b>"), "E:UNKNOWN_VERB -" },
	{ S("MAIL:"), "E:UNKNOWN_VERB -" },
	{ S("STARTTLSX"), "E:UNKNOWN_VERB -" },
	{ S("\xc3\xa9HLO x"), "E:UNKNOWN_VERB -" },
	{ S("EHL"), "E:UNKNOWN_VERB -" },
};

static const char *
err_name(enum smtp_cmd_error err)
{
	switch (err) {
	case SMTP_CMD_ERR_NONE: return "NONE";
	case SMTP_CMD_ERR_EMPTY: return "EMPTY";
	case SMTP_CMD_ERR_UNKNOWN_VERB: return "UNKNOWN_VERB";
	case SMTP_CMD_ERR_TOO_LONG: return "TOO_LONG";
	case SMTP_CMD_ERR_BAD_CHAR: return "BAD_CHAR";
	case SMTP_CMD_ERR_SYNTAX: return "SYNTAX";
	case SMTP_CMD_ERR_PATH: return "PATH";
	case SMTP_CMD_ERR_PARAM: return "PARAM";
	case SMTP_CMD_ERR_TOO_MANY_PARAMS: return "TOO_MANY_PARAMS";
	case SMTP_CMD_ERR_NOMEM: return "NOMEM";
	}
	return "?";
}

/* Printable ASCII as is, anything else as \xHH. */
static void
put_text(struct buf *out, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f)
			buf_putc(out, (char)c);
		else
			buf_printf(out, "\\x%02x", c);
	}
}

static void
cmd_format(struct buf *out, int rc, const struct smtp_cmd_parser *p,
    const struct smtp_cmd *cmd)
{
	const char *name = smtp_verb_name(cmd->verb);
	size_t i;

	if (rc < 0) {
		buf_printf(out, "E:%s %s", err_name(smtp_cmd_parser_error(p)),
		    name != NULL ? name : "-");
		return;
	}
	buf_puts(out, name);
	if (cmd->verb == SMTP_VERB_MAIL || cmd->verb == SMTP_VERB_RCPT) {
		const struct smtp_path *pa = &cmd->path;

		buf_puts(out, " path=");
		put_text(out, pa->local);
		buf_putc(out, '|');
		put_text(out, pa->domain);
		buf_putc(out, '|');
		put_text(out, pa->mailbox);
		buf_printf(out, "|%s%s%s%s", pa->is_null ? "N" : "",
		    pa->is_postmaster ? "P" : "", pa->is_quoted ? "Q" : "",
		    pa->has_8bit ? "8" : "");
	} else if (cmd->verb != SMTP_VERB_AUTH && cmd->verb != SMTP_VERB_BDAT &&
	    cmd->arg[0] != '\0') {
		buf_puts(out, " arg=");
		put_text(out, cmd->arg);
	}
	for (i = 0; i < cmd->nparams; i++) {
		buf_putc(out, ' ');
		put_text(out, cmd->params[i].keyword);
		if (cmd->params[i].value != NULL) {
			buf_putc(out, '=');
			put_text(out, cmd->params[i].value);
		}
	}
	if (cmd->auth_mech != NULL) {
		buf_printf(out, " mech=%s", cmd->auth_mech);
		if (cmd->auth_initial != NULL)
			buf_printf(out, " ir=%s", cmd->auth_initial);
	}
	if (cmd->verb == SMTP_VERB_BDAT)
		buf_printf(out, " size=%llu%s", (unsigned long long)cmd->bdat_size,
		    cmd->is_bdat_last ? " LAST" : "");
}

/* Parse from an exact-size heap copy. */
static void
parse_exact(struct smtp_cmd_parser *p, const char *line, size_t len, struct buf *out)
{
	char *copy = malloc(len > 0 ? len : 1);
	struct smtp_cmd cmd;
	int rc;

	memcpy(copy, line, len);
	rc = smtp_cmd_parse(p, copy, len, &cmd);
	CHECK(rc == 1 || rc == -1);
	cmd_format(out, rc, p, &cmd);
	free(copy);
}

/* Send line CRLF through linebuf in chunks, then parse each line. */
static void
parse_framed(struct smtp_cmd_parser *p, const char *line, size_t len,
    size_t chunk, struct buf *out)
{
	struct linebuf *lb = linebuf_new(4096, 0);
	char *wire = malloc(len + 2);
	size_t pos = 0, n;
	int lines = 0;

	memcpy(wire, line, len);
	memcpy(wire + len, "\r\n", 2);
	while (pos < len + 2) {
		const char *l;
		size_t llen;

		n = len + 2 - pos < chunk ? len + 2 - pos : chunk;
		CHECK(linebuf_feed(lb, wire + pos, n) == n);
		pos += n;
		while (linebuf_take_line(lb, &l, &llen) == 1) {
			char *copy = malloc(llen > 0 ? llen : 1);
			struct smtp_cmd cmd;
			int rc;

			memcpy(copy, l, llen);
			rc = smtp_cmd_parse(p, copy, llen, &cmd);
			cmd_format(out, rc, p, &cmd);
			free(copy);
			lines++;
		}
	}
	CHECK(lines == 1);
	free(wire);
	linebuf_free(&lb);
}

static void
test_cases(void)
{
	struct smtp_cmd_parser *p = smtp_cmd_parser_new();
	size_t i, j;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct cmd_case *c = &cases[i];
		struct buf out;

		buf_init(&out, 1 << 16);
		buf_puts(&out, "");
		parse_exact(p, c->line, c->len, &out);
		CHECKF(strcmp(out.data, c->want) == 0, "case %zu:\n got  \"%s\"\n want \"%s\"",
		    i, out.data, c->want);
		/* CR or LF inside the line would be framed differently */
		if (memchr(c->line, '\r', c->len) == NULL && memchr(c->line, '\n', c->len) == NULL) {
			for (j = 0; j < sizeof(chunk_sizes) / sizeof(chunk_sizes[0]); j++) {
				buf_clear(&out);
				parse_framed(p, c->line, c->len, chunk_sizes[j], &out);
				CHECKF(strcmp(out.data, c->want) == 0, "case %zu chunk %zu: %s",
				    i, chunk_sizes[j], out.data);
			}
		}
		buf_release(&out);
	}
	smtp_cmd_parser_free(&p);
	CHECK(p == NULL);
	smtp_cmd_parser_free(&p);
	smtp_cmd_parser_free(NULL);
}

/* RFC 5321 §4.5.3.1.4: 512 octets with CRLF, so 510 of content. */
static void
test_line_limit(void)
{
	struct smtp_cmd_parser *p = smtp_cmd_parser_new();
	char line[SMTP_CMD_MAX_LINE + 8];
	struct smtp_cmd cmd;
	struct buf out;

	memcpy(line, "NOOP ", 5);
	memset(line + 5, 'x', sizeof(line) - 5);
	CHECK(smtp_cmd_parse(p, line, SMTP_CMD_MAX_LINE - 2, &cmd) == 1);
	CHECK(cmd.verb == SMTP_VERB_NOOP && strlen(cmd.arg) == SMTP_CMD_MAX_LINE - 7);
	CHECK(smtp_cmd_parse(p, line, SMTP_CMD_MAX_LINE - 1, &cmd) == -1);
	CHECK(smtp_cmd_parser_error(p) == SMTP_CMD_ERR_TOO_LONG);
	buf_init(&out, 4096);
	buf_puts(&out, "");
	parse_exact(p, line, SMTP_CMD_MAX_LINE, &out);
	CHECK(strcmp(out.data, "E:TOO_LONG -") == 0);
	buf_release(&out);
	/* an error is forgotten by the next good line */
	CHECK(smtp_cmd_parse(p, "QUIT", 4, &cmd) == 1);
	CHECK(smtp_cmd_parser_error(p) == SMTP_CMD_ERR_NONE);
	smtp_cmd_parser_free(&p);
}

/* The Appendix D.1 client side as one pipelined stream (RFC 2920). */
static void
test_appendix_d_stream(void)
{
	static const char stream[] =
	    "EHLO bar.com\r\nMAIL FROM:<Smith@bar.com>\r\nRCPT TO:<Jones@foo.com>\r\n"
	    "RCPT TO:<Green@foo.com>\r\nRCPT TO:<Brown@foo.com>\r\nDATA\r\n";
	static const char want[] =
	    "EHLO arg=bar.com;MAIL path=Smith|bar.com|Smith@bar.com|;"
	    "RCPT path=Jones|foo.com|Jones@foo.com|;RCPT path=Green|foo.com|Green@foo.com|;"
	    "RCPT path=Brown|foo.com|Brown@foo.com|;DATA;";
	size_t j;

	for (j = 0; j < sizeof(chunk_sizes) / sizeof(chunk_sizes[0]); j++) {
		struct smtp_cmd_parser *p = smtp_cmd_parser_new();
		struct linebuf *lb = linebuf_new(SMTP_CMD_MAX_LINE - 2, LINEBUF_STRICT);
		size_t pos = 0, len = sizeof(stream) - 1;
		struct buf out;

		buf_init(&out, 4096);
		buf_puts(&out, "");
		while (pos < len) {
			size_t n = len - pos < chunk_sizes[j] ? len - pos : chunk_sizes[j];
			const char *l;
			size_t llen;
			struct smtp_cmd cmd;

			pos += linebuf_feed(lb, stream + pos, n);
			while (linebuf_take_line(lb, &l, &llen) == 1) {
				int rc = smtp_cmd_parse(p, l, llen, &cmd);

				cmd_format(&out, rc, p, &cmd);
				buf_putc(&out, ';');
			}
		}
		CHECKF(strcmp(out.data, want) == 0, "chunk %zu: %s", chunk_sizes[j], out.data);
		buf_release(&out);
		linebuf_free(&lb);
		smtp_cmd_parser_free(&p);
	}
}

static void
test_helpers(void)
{
	struct smtp_cmd_parser *p = smtp_cmd_parser_new();
	struct smtp_cmd cmd;
	bool found = true;
	int e;

	CHECK(smtp_cmd_parse(p, S("MAIL FROM:<a@b> SIZE=10 body=8bitmime SMTPUTF8"), &cmd) == 1);
	CHECK(strcmp(smtp_cmd_param(&cmd, "size", &found), "10") == 0 && found);
	CHECK(strcmp(smtp_cmd_param(&cmd, "BODY", NULL), "8bitmime") == 0);
	CHECK(smtp_cmd_param(&cmd, "SmtpUtf8", &found) == NULL && found);
	CHECK(smtp_cmd_param(&cmd, "SIZ", &found) == NULL && !found);
	CHECK(smtp_cmd_param(&cmd, "SIZE=", &found) == NULL && !found);
	CHECK(strcmp(cmd.verb_text, "MAIL") == 0);
	CHECK(strcmp(cmd.arg, "FROM:<a@b> SIZE=10 body=8bitmime SMTPUTF8") == 0);
	CHECK(smtp_cmd_parse(p, S("quit"), &cmd) == 1);
	CHECK(strcmp(cmd.verb_text, "quit") == 0 && cmd.arg[0] == '\0' && cmd.nparams == 0);
	CHECK(cmd.path.local[0] == '\0' && cmd.auth_mech == NULL);
	CHECK(smtp_cmd_parse(p, S("XYZZY plugh"), &cmd) == -1);
	CHECK(cmd.verb == SMTP_VERB_UNKNOWN && strcmp(cmd.verb_text, "XYZZY") == 0);
	CHECK(strcmp(cmd.arg, "plugh") == 0);
	CHECK(smtp_cmd_parse(p, S("RCPT TO:<>"), &cmd) == -1);
	CHECK(cmd.verb == SMTP_VERB_RCPT);

	CHECK(smtp_verb_name(SMTP_VERB_UNKNOWN) == NULL);
	CHECK(strcmp(smtp_verb_name(SMTP_VERB_STARTTLS), "STARTTLS") == 0);
	for (e = SMTP_VERB_HELO; e <= SMTP_VERB_AUTH; e++)
		CHECK(smtp_verb_name((enum smtp_verb)e) != NULL);
	for (e = SMTP_CMD_ERR_NONE; e <= SMTP_CMD_ERR_NOMEM; e++) {
		const char *s = smtp_cmd_error_str((enum smtp_cmd_error)e);

		CHECK(s != NULL && *s != '\0' && strcmp(s, "unknown error") != 0);
	}
	CHECK(strcmp(smtp_cmd_error_str((enum smtp_cmd_error)50), "unknown error") == 0);
	smtp_cmd_parser_free(&p);
}

int
main(void)
{
	test_cases();
	test_line_limit();
	test_appendix_d_stream();
	test_helpers();
	return unit_done("test_smtp_cmd");
}
