/* test_mime.c: unit tests for the MIME parser (engine/proto/mime*.c):
 * RFC 5322 §2.1-2.2, RFC 2045 §4-§6, RFC 2046 §5.1 (including the §5.1.1
 * example with preamble and epilogue), §5.1.5, §5.2.1, RFC 2049
 * Appendix A, and every problem code. Every input is fed whole and in
 * chunks of 1, 2, 3, 7, 64 and 1000 bytes, each chunk an exact-size heap
 * copy, and must give the same tree. */
#include <stdio.h>

#include "mime_test_util.h"

struct tree_case {
	const char *name;
	const char *in;
	size_t len;
	const char *tree;	/* dump_part() of the root */
};

#define TP "text/plain;charset=us-ascii"
#define MV "MIME-Version: 1.0\r\n"
#define MP(b) MV "Content-Type: multipart/mixed; boundary=" b "\r\n\r\n"

static const struct tree_case cases[] = {
	{ "empty message", S(""), "0 " TP " h= b= l=0\n" },
	{ "header only", S("Subject: hi\r\n"), "0 " TP " h=Subject: hi\\r\\n b= l=0\n" },
	{ "header only, no line break", S("Subject: hi"),
	  "0 " TP " h=Subject: hi b= l=0\n" },
	{ "simple", S("Subject: hi\r\n\r\nhello\r\nworld\r\n"),
	  "0 " TP " h=Subject: hi\\r\\n\\r\\n b=hello\\r\\nworld\\r\\n l=2\n" },
	{ "last line unterminated", S("A: b\r\n\r\nx\r\ny"),
	  "0 " TP " h=A: b\\r\\n\\r\\n b=x\\r\\ny l=2\n" },
	{ "empty body", S("A: b\r\n\r\n"), "0 " TP " h=A: b\\r\\n\\r\\n b= l=0\n" },
	{ "no header", S("\r\nbody\r\n"), "0 " TP " h=\\r\\n b=body\\r\\n l=1\n" },
	{ "empty lines in body", S("A: b\r\n\r\n\r\n\r\nx\r\n\r\n"),
	  "0 " TP " h=A: b\\r\\n\\r\\n b=\\r\\n\\r\\nx\\r\\n\\r\\n l=4\n" },
	{ "folded content-type", S("MIME-Version: 1.0\r\nContent-Type: text/html;\r\n"
	    "\tcharset=\"UTF-8\"\r\n\r\n<p>\r\n"),
	  "0 text/html;charset=UTF-8 h=MIME-Version: 1.0\\r\\nContent-Type: text/html;"
	  "\\r\\n\\tcharset=\"UTF-8\"\\r\\n\\r\\n b=<p>\\r\\n l=1\n" },
	{ "type and params lower-cased, comments", S("MIME-Version: 1.0\r\n"
	    "Content-Type: Text/PLAIN (c) ; CharSet=us-ascii (Plain text)\r\n\r\n"),
	  "0 text/plain;charset=us-ascii h=<...> b= l=0\n" },
	/* RFC 2046 §5.1.1 */
	{ "multipart, two parts", S("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
	    "boundary=b\r\n\r\n--b\r\n\r\none\r\n--b\r\nContent-Type: text/x\r\n\r\ntwo\r\n"
	    "\r\n--b--\r\n"),
	  "0 multipart/mixed;boundary=b M h=<...> b=--b\\r\\n\\r\\none\\r\\n--b\\r\\n"
	  "Content-Type: text/x\\r\\n\\r\\ntwo\\r\\n\\r\\n--b--\\r\\n l=9\n"
	  "0.1 " TP " h=\\r\\n b=one l=1\n"
	  "0.2 text/x h=Content-Type: text/x\\r\\n\\r\\n b=two\\r\\n l=1\n" },
	{ "boundary with LWSP, close at end without CRLF",
	  S("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
	    "--b \t\r\n\r\none\r\n--b--"),
	  "0 multipart/mixed;boundary=b M h=<...> b=--b \\t\\r\\n\\r\\none\\r\\n--b-- l=4\n"
	  "0.1 " TP " h=\\r\\n b=one l=1\n" },
	{ "empty parts", S("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n"
	    "\r\n--b\r\n\r\n--b\r\n--b--\r\n"),
	  "0 multipart/mixed;boundary=b M h=<...> b=--b\\r\\n\\r\\n--b\\r\\n--b--\\r\\n l=4\n"
	  "0.1 " TP " h= b= l=0\n"
	  "0.2 " TP " h= b= l=0\n" },
	/* the empty line of a part's header is the outer delimiter's CRLF */
	{ "inner part ends at its empty line", S(MP("o") "--o\r\nContent-Type: multipart/mixed;"
	    " boundary=i\r\n\r\n--i\r\nA: b\r\n\r\n--o--\r\n"),
	  "0 multipart/mixed;boundary=o M h=<...> b=--o\\r\\nContent-Type: multipart/mixed; "
	  "boundary=i\\r\\n\\r\\n--i\\r\\nA: b\\r\\n\\r\\n--o--\\r\\n l=7\n"
	  "0.1 multipart/mixed;boundary=i M h=Content-Type: multipart/mixed; boundary=i\\r\\n"
	  "\\r\\n b=--i\\r\\nA: b\\r\\n l=2 !UNTERMINATED_MULTIPART\n"
	  "0.1.1 " TP " h=A: b\\r\\n b= l=0\n" },
	{ "preamble and epilogue", S("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
	    "boundary=\"a b\"\r\n\r\npre\r\n--a b\r\n\r\nx\r\n--a b--\r\nepi\r\n"),
	  "0 multipart/mixed;boundary=a b M h=<...> b=pre\\r\\n--a b\\r\\n\\r\\nx\\r\\n"
	  "--a b--\\r\\nepi\\r\\n l=6\n"
	  "0.1 " TP " h=\\r\\n b=x l=1\n" },
	{ "digest parts default to message/rfc822",
	  S("MIME-Version: 1.0\r\nContent-Type: multipart/digest; boundary=d\r\n\r\n"
	    "--d\r\n\r\nSubject: one\r\n\r\nbody\r\n--d\r\nContent-Type: text/plain\r\n\r\n"
	    "t\r\n--d--\r\n"),
	  "0 multipart/digest;boundary=d M h=<...> b=--d\\r\\n\\r\\nSubject: one\\r\\n\\r\\nbody\\r\\n--d\\r\\n"
	  "Content-Type: text/plain\\r\\n\\r\\nt\\r\\n--d--\\r\\n l=10\n"
	  "0.1 message/rfc822 R h=\\r\\n b=Subject: one\\r\\n\\r\\nbody l=3\n"
	  "0.1.1 " TP " h=Subject: one\\r\\n\\r\\n b=body l=1\n"
	  "0.2 text/plain h=Content-Type: text/plain\\r\\n\\r\\n b=t l=1\n" },
	{ "message/rfc822 part", S("MIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n\r\n"
	    "Subject: in\r\nMIME-Version: 1.0\r\nContent-Type: text/x; a=1\r\n\r\nhi\r\n"),
	  "0 message/rfc822 R h=<...> b=Subject: in\\r\\nMIME-Version: 1.0\\r\\n"
	  "Content-Type: text/x; a=1\\r\\n\\r\\nhi\\r\\n l=5\n"
	  "0.1 text/x;a=1 h=Subject: in\\r\\nMIME-Version: 1.0\\r\\nContent-Type: text/x; a=1"
	  "\\r\\n\\r\\n b=hi\\r\\n l=1\n" },
	{ "nested multipart, outer boundary ends inner",
	  S("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=out\r\n\r\n"
	    "--out\r\nContent-Type: multipart/alternative; boundary=in\r\n\r\n"
	    "--in\r\n\r\na\r\n--out\r\n\r\nb\r\n--out--\r\n"),
	  "0 multipart/mixed;boundary=out M h=<...> b=--out\\r\\nContent-Type: multipart/alternative; boundary=in\\r\\n"
	  "\\r\\n--in\\r\\n\\r\\na\\r\\n--out\\r\\n\\r\\nb\\r\\n--out--\\r\\n l=10\n"
	  "0.1 multipart/alternative;boundary=in M h=Content-Type: multipart/alternative; "
	  "boundary=in\\r\\n\\r\\n b=--in\\r\\n\\r\\na l=3 !UNTERMINATED_MULTIPART\n"
	  "0.1.1 " TP " h=\\r\\n b=a l=1\n"
	  "0.2 " TP " h=\\r\\n b=b l=1\n" },
	{ "exact match wins over prefix match",
	  S("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=ab-1\r\n\r\n"
	    "--ab-1\r\nContent-Type: multipart/mixed; boundary=ab\r\n\r\n--ab\r\n\r\nx\r\n"
	    "--ab--\r\n--ab-1--\r\n"),
	  "0 multipart/mixed;boundary=ab-1 M h=<...> b=--ab-1\\r\\nContent-Type: multipart/mixed; boundary=ab\\r\\n"
	  "\\r\\n--ab\\r\\n\\r\\nx\\r\\n--ab--\\r\\n--ab-1--\\r\\n l=8\n"
	  "0.1 multipart/mixed;boundary=ab M h=Content-Type: multipart/mixed; boundary=ab"
	  "\\r\\n\\r\\n b=--ab\\r\\n\\r\\nx\\r\\n--ab-- l=4 !BAD_BOUNDARY\n"
	  "0.1.1 " TP " h=\\r\\n b=x l=1\n" },
	{ "bare LF line breaks", S("MIME-Version: 1.0\nContent-Type: multipart/mixed; "
	    "boundary=b\n\n--b\n\nx\n--b--\n"),
	  "0 multipart/mixed;boundary=b M h=<...> b=--b\\n\\nx\\n--b--\\n l=4 !BARE_EOL\n"
	  "0.1 " TP " h=\\n b=x l=1 !BARE_EOL\n" },
	{ "long body line streams through",
	  S("A: b\r\n\r\n--xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n"),
	  "0 " TP " h=A: b\\r\\n\\r\\n b=<108> l=1\n" },
};

struct problem_case {
	const char *name;
	struct mime_limits lim;
	const char *in;
	size_t len;
	const char *tree;
};

/* Every problem code, each with the tree it leaves. */
static const struct problem_case problem_cases[] = {
	{ "NO_MIME_VERSION", { 0 }, S("Content-Type: text/plain\r\n\r\nx"),
	  "0 text/plain h=<...> b=x l=1 !NO_MIME_VERSION\n" },
	{ "NO_MIME_VERSION not for plain RFC 5322", { 0 }, S("Subject: x\r\n\r\nx"),
	  "0 " TP " h=<...> b=x l=1\n" },
	{ "HEADER_NO_COLON", { 0 }, S("Subject: a\r\nbogus line\r\n more\r\n\r\nx"),
	  "0 " TP " h=<...> b=x l=1 !HEADER_NO_COLON\n" },
	{ "HEADER_NO_COLON: continuation first", { 0 }, S(" cont\r\nA: b\r\n\r\n"),
	  "0 " TP " h=<...> b= l=0 !HEADER_NO_COLON\n" },
	{ "HEADER_NO_COLON: space in name", { 0 }, S("Sub ject: a\r\n\r\n"),
	  "0 " TP " h=<...> b= l=0 !HEADER_NO_COLON\n" },
	{ "HEADER_8BIT", { 0 }, S("Subject: caf\xc3\xa9\r\nX: \xff\r\n\r\n"),
	  "0 " TP " h=<...> b= l=0 !HEADER_8BIT\n" },
	{ "HEADER_8BIT: NUL", { 0 }, S("Subject: a\0b\r\n\r\n"),
	  "0 " TP " h=<...> b= l=0 !HEADER_8BIT\n" },
	{ "HEADER_UNTERMINATED", { 0 }, S(MP("b") "--b\r\nContent-Type: text/x\r\n--b--\r\n"),
	  "0 multipart/mixed;boundary=b M h=<...> b=--b\\r\\nContent-Type: text/x\\r\\n--b--\\r\\n"
	  " l=3\n0.1 text/x h=Content-Type: text/x b= l=0 !HEADER_UNTERMINATED\n" },
	{ "HEADER_TOO_LONG", { 0, 0, 100, 0, 0 },
	  S("Subject: 0123456789012345678901234567890123456789\r\n"
	    "X-Long: 0123456789012345678901234567890123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789\r\n"
	    "Content-Type: text/html\r\n\r\nx"),
	  "0 text/html h=<...> b=x l=1 !HEADER_TOO_LONG,NO_MIME_VERSION\n" },
	{ "HEADER_TOO_LONG: budget", { 0, 0, 128, 0, 0 },
	  S("Subject: 0123456789012345678901234567890123456789\r\n"
	    "Subject: 0123456789012345678901234567890123456789\r\n"
	    "Content-Type: text/html\r\n\r\nx"),
	  "0 " TP " h=<...> b=x l=1 !HEADER_TOO_LONG\n" },
	{ "DUPLICATE_FIELD", { 0 }, S(MV "Content-Type: text/a\r\nContent-Type: text/b\r\n"
	    "MIME-Version: 1.0\r\n\r\n"),
	  "0 text/a h=<...> b= l=0 !DUPLICATE_FIELD\n" },
	{ "BAD_CONTENT_TYPE", { 0 }, S(MV "Content-Type: text\r\n\r\n"),
	  "0 " TP " h=<...> b= l=0 !BAD_CONTENT_TYPE\n" },
	{ "BAD_CONTENT_TYPE: empty subtype", { 0 }, S(MV "Content-Type: text/;a=b\r\n\r\n"),
	  "0 " TP " h=<...> b= l=0 !BAD_CONTENT_TYPE\n" },
	{ "BAD_PARAM: no value", { 0 }, S(MV "Content-Type: text/x; charset; a=b\r\n\r\n"),
	  "0 text/x;a=b h=<...> b= l=0 !BAD_PARAM\n" },
	{ "BAD_PARAM: tspecials in token", { 0 },
	  S(MV "Content-Type: multipart/related; type=text/html; boundary=gc0pJq0M:08jU534c0p"
	    "\r\n\r\n--gc0pJq0M:08jU534c0p--\r\n"),
	  "0 multipart/related;type=text/html;boundary=gc0pJq0M:08jU534c0p M h=<...> "
	  "b=--gc0pJq0M:08jU534c0p--\\r\\n l=1 !BAD_PARAM,NO_PARTS\n" },
	{ "PARAM_CHARSET", { 0 }, S(MV "Content-Type: text/x; name*=x-foo''%E9t%E9\r\n\r\n"),
	  "0 text/x;name*=x-foo''\\xe9t\\xe9 h=<...> b= l=0 !PARAM_CHARSET\n" },
	{ "BAD_CTE: unknown", { 0 }, S(MV "Content-Transfer-Encoding: x-uuencode\r\n\r\nx"),
	  "0 " TP " x-uuencode h=<...> b=x l=1 !BAD_CTE\n" },
	{ "BAD_CTE: base64 multipart is opaque", { 0 },
	  S(MV "Content-Type: multipart/mixed; boundary=b\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n"),
	  "0 multipart/mixed;boundary=b base64 h=<...> b=--b\\r\\n\\r\\nx\\r\\n--b--\\r\\n l=4"
	  " !BAD_CTE,BAD_BASE64\n" },
	{ "MISSING_BOUNDARY", { 0 }, S(MV "Content-Type: multipart/mixed\r\n\r\n--b\r\n"),
	  "0 multipart/mixed h=<...> b=--b\\r\\n l=1 !MISSING_BOUNDARY\n" },
	{ "MISSING_BOUNDARY: empty", { 0 }, S(MV "Content-Type: multipart/mixed; boundary=\"\""
	    "\r\n\r\n"),
	  "0 multipart/mixed;boundary= h=<...> b= l=0 !MISSING_BOUNDARY\n" },
	{ "BAD_BOUNDARY", { 0 }, S(MV "Content-Type: multipart/mixed; boundary=\"a<b\"\r\n\r\n"
	    "--a<b\r\n\r\nx\r\n--a<b--\r\n"),
	  "0 multipart/mixed;boundary=a<b M h=<...> b=--a<b\\r\\n\\r\\nx\\r\\n--a<b--\\r\\n"
	  " l=4 !BAD_BOUNDARY\n0.1 " TP " h=\\r\\n b=x l=1\n" },
	{ "UNTERMINATED_MULTIPART", { 0 }, S(MP("b") "--b\r\n\r\nx\r\n"),
	  "0 multipart/mixed;boundary=b M h=<...> b=--b\\r\\n\\r\\nx\\r\\n l=3"
	  " !UNTERMINATED_MULTIPART\n0.1 " TP " h=\\r\\n b=x\\r\\n l=1\n" },
	{ "NO_PARTS: no delimiter", { 0 }, S(MP("b") "text\r\n"),
	  "0 multipart/mixed;boundary=b M h=<...> b=text\\r\\n l=1"
	  " !UNTERMINATED_MULTIPART,NO_PARTS\n" },
	{ "NO_PARTS: close only", { 0 }, S(MP("b") "--b--\r\n"),
	  "0 multipart/mixed;boundary=b M h=<...> b=--b--\\r\\n l=1 !NO_PARTS\n" },
	{ "BOUNDARY_IN_PART", { 0 }, S(MP("b") "--b\r\n\r\nx\r\n--bx\r\n\r\ny\r\n--b--z\r\n"),
	  "0 multipart/mixed;boundary=b M h=<...> b=--b\\r\\n\\r\\nx\\r\\n--bx\\r\\n\\r\\ny"
	  "\\r\\n--b--z\\r\\n l=7 !BOUNDARY_IN_PART\n"
	  "0.1 " TP " h=\\r\\n b=x l=1\n0.2 " TP " h=\\r\\n b=y l=1\n" },
	{ "BAD_BASE64", { 0 }, S(MV "Content-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n!!x\r\n"),
	  "0 " TP " base64 h=<...> b=aGVsbG8=\\r\\n!!x\\r\\n l=2 !BAD_BASE64\n" },
	{ "base64 clean", { 0 }, S(MV "Content-Transfer-Encoding: BASE64\r\n\r\naGVs\r\nbG8=\r\n"),
	  "0 " TP " base64 h=<...> b=aGVs\\r\\nbG8=\\r\\n l=2\n" },
	{ "BAD_QP", { 0 }, S(MV "Content-Transfer-Encoding: quoted-printable\r\n\r\na=ZZb\r\n"),
	  "0 " TP " quoted-printable h=<...> b=a=ZZb\\r\\n l=1 !BAD_QP\n" },
	{ "QP clean, soft break before boundary", { 0 },
	  S(MP("b") "--b\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\na=3D=\r\nb=\r\n--b--"),
	  "0 multipart/mixed;boundary=b M h=<...> b=--b\\r\\nContent-Transfer-Encoding: quoted-printable\\r\\n\\r\\n"
	  "a=3D=\\r\\nb=\\r\\n--b-- l=6\n"
	  "0.1 " TP " quoted-printable h=Content-Transfer-Encoding: quoted-printable\\r\\n\\r\\n"
	  " b=a=3D=\\r\\nb= l=2\n" },
	{ "8BIT_BODY", { 0 }, S("Subject: x\r\n\r\ncaf\xc3\xa9\r\n"),
	  "0 " TP " h=<...> b=caf\\xc3\\xa9\\r\\n l=1 !8BIT_BODY\n" },
	{ "8bit declared", { 0 }, S(MV "Content-Transfer-Encoding: 8bit\r\n\r\ncaf\xc3\xa9\r\n"),
	  "0 " TP " 8bit h=<...> b=caf\\xc3\\xa9\\r\\n l=1\n" },
	{ "BARE_EOL: CR", { 0 }, S("Subject: x\r\n\r\na\rb\r\nc\r"),
	  "0 " TP " h=<...> b=a\\rb\\r\\nc\\r l=2 !BARE_EOL\n" },
	{ "BARE_EOL: binary exempt", { 0 },
	  S(MV "Content-Transfer-Encoding: binary\r\n\r\na\rb\nc\r"),
	  "0 " TP " binary h=<...> b=a\\rb\\nc\\r l=2\n" },
	{ "TOO_DEEP", { 1, 0, 0, 0, 0 }, S(MP("o") "--o\r\n" "Content-Type: multipart/mixed;"
	    " boundary=i\r\n\r\n--i\r\n\r\nx\r\n--i--\r\n--o--\r\n"),
	  "0 multipart/mixed;boundary=o M h=<...> b=--o\\r\\nContent-Type: multipart/mixed; boundary=i\\r\\n\\r\\n"
	  "--i\\r\\n\\r\\nx\\r\\n--i--\\r\\n--o--\\r\\n l=8\n"
	  "0.1 multipart/mixed;boundary=i h=Content-Type: multipart/mixed; boundary=i\\r\\n"
	  "\\r\\n b=--i\\r\\n\\r\\nx\\r\\n--i-- l=4 !TOO_DEEP\n" },
	{ "TOO_DEEP: message/rfc822", { 1, 0, 0, 0, 0 }, S(MV "Content-Type: message/rfc822\r\n"
	    "\r\n" MV "Content-Type: message/rfc822\r\n\r\nSubject: x\r\n\r\ny"),
	  "0 message/rfc822 R h=<...> b=MIME-Version: 1.0\\r\\nContent-Type: message/rfc822\\r\\n"
	  "\\r\\nSubject: x\\r\\n\\r\\ny l=6\n"
	  "0.1 message/rfc822 h=MIME-Version: 1.0\\r\\nContent-Type: message/rfc822\\r\\n\\r\\n"
	  " b=Subject: x\\r\\n\\r\\ny l=3 !TOO_DEEP\n" },
	{ "TOO_MANY_PARTS", { 0, 2, 0, 0, 0 }, S(MP("b") "--b\r\n\r\nx\r\n--b\r\n\r\ny\r\n--b--\r\n"),
	  "0 multipart/mixed;boundary=b M h=<...> b=--b\\r\\n\\r\\nx\\r\\n--b\\r\\n\\r\\ny"
	  "\\r\\n--b--\\r\\n l=7 !TOO_MANY_PARTS\n0.1 " TP " h=\\r\\n b=x l=1\n" },
	{ "LINE_TOO_LONG", { 0 }, NULL, 0,
	  "0 " TP " h=<...> b=<1002> l=2 !LINE_TOO_LONG\n" },
};

/* The header is long and the same in most cases: "<...>" stands for it
 * when the case's tree says so. */
static void
dump_normalise(struct buf *got, const char *want)
{
	char *h, *end;

	if (strstr(want, "0 ") != want || strstr(want, " h=<...> ") == NULL)
		return;
	h = strstr(got->data, " h=");
	end = h != NULL ? strstr(h + 3, " b=") : NULL;
	if (h == NULL || end == NULL || (size_t)(end - got->data) > strcspn(got->data, "\n"))
		return;
	memmove(h + 8, end, strlen(end) + 1);
	memcpy(h, " h=<...>", 8);
	got->len = strlen(got->data);
}

static void
test_cases(void)
{
	size_t i, j;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tree_case *c = &cases[i];
		struct buf first;

		buf_init(&first, 1 << 20);
		buf_puts(&first, "");
		for (j = 0; j < NCHUNKS; j++) {
			struct buf got;

			buf_init(&got, 1 << 20);
			buf_puts(&got, "");
			parse_dump(NULL, c->in, c->len, chunk_sizes[j], &got);
			if (j == 0) {
				buf_puts(&first, got.data);
				dump_normalise(&got, c->tree);
				CHECKF(strcmp(got.data, c->tree) == 0, "%s:\n got:\n%s want:\n%s",
				    c->name, got.data, c->tree);
			} else {
				CHECKF(strcmp(got.data, first.data) == 0, "%s, chunk %zu:\n%s",
				    c->name, chunk_sizes[j], got.data);
			}
			buf_release(&got);
		}
		buf_release(&first);
	}
}

static void
test_problem_cases(void)
{
	char *long_line = malloc(1024);
	size_t i, j;

	memcpy(long_line, "Subject: x\r\n\r\n", 14);
	memset(long_line + 14, 'a', 999);
	memcpy(long_line + 14 + 999, "\r\nb", 3);
	for (i = 0; i < sizeof(problem_cases) / sizeof(problem_cases[0]); i++) {
		const struct problem_case *c = &problem_cases[i];
		const char *in = c->in != NULL ? c->in : long_line;
		size_t len = c->in != NULL ? c->len : 14 + 999 + 3;
		struct buf first;

		buf_init(&first, 1 << 20);
		buf_puts(&first, "");
		for (j = 0; j < NCHUNKS; j++) {
			struct buf got;

			buf_init(&got, 1 << 20);
			buf_puts(&got, "");
			parse_dump(&c->lim, in, len, chunk_sizes[j], &got);
			if (j == 0) {
				buf_puts(&first, got.data);
				dump_normalise(&got, c->tree);
				CHECKF(strcmp(got.data, c->tree) == 0, "%s:\n got:\n%s want:\n%s",
				    c->name, got.data, c->tree);
			} else {
				CHECKF(strcmp(got.data, first.data) == 0, "%s, chunk %zu:\n%s",
				    c->name, chunk_sizes[j], got.data);
			}
			buf_release(&got);
		}
		buf_release(&first);
	}
	free(long_line);
}


/* RFC 2046 §5.1.1, the message as printed (lines end in CRLF). */
static const char rfc2046_example[] =
    "From: Nathaniel Borenstein <nsb@bellcore.com>\r\n"
    "To: Ned Freed <ned@innosoft.com>\r\n"
    "Date: Sun, 21 Mar 1993 23:56:48 -0800 (PST)\r\n"
    "Subject: Sample message\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-type: multipart/mixed; boundary=\"simple boundary\"\r\n"
    "\r\n"
    "This is the preamble.  It is to be ignored, though it\r\n"
    "is a handy place for composition agents to include an\r\n"
    "explanatory note to non-MIME conformant readers.\r\n"
    "\r\n"
    "--simple boundary\r\n"
    "\r\n"
    "This is implicitly typed plain US-ASCII text.\r\n"
    "It does NOT end with a linebreak.\r\n"
    "--simple boundary\r\n"
    "Content-type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "This is explicitly typed plain US-ASCII text.\r\n"
    "It DOES end with a linebreak.\r\n"
    "\r\n"
    "--simple boundary--\r\n"
    "\r\n"
    "This is the epilogue.  It is also to be ignored.\r\n";

/* The text of [off, off + len) of msg equals want. */
static bool
span_is(const char *msg, size_t off, size_t len, const char *want)
{
	return strlen(want) == len && memcmp(msg + off, want, len) == 0;
}

static const struct mime_part *
parse_whole(struct mime_parser *p, const char *msg, size_t len)
{
	char *copy = malloc(len);

	memcpy(copy, msg, len);
	mime_parser_feed(p, copy, len);
	free(copy);
	return mime_parser_finish(p);
}

static void
test_rfc2046_example(void)
{
	const char *m = rfc2046_example;
	struct mime_parser *p = mime_parser_new(NULL);
	const struct mime_part *root = parse_whole(p, m, sizeof(rfc2046_example) - 1);
	const struct mime_part *p1 = mime_part_child(root, 1), *p2 = mime_part_child(root, 2);
	const struct mime_header_field *f;

	CHECK(root->kind == MIME_PART_MULTIPART && root->nchildren == 2);
	CHECK(root->problems == NULL && root->has_mime_version);
	CHECK(strcmp(root->boundary, "simple boundary") == 0);
	CHECK(root->nfields == 6 && root->body_lines == 17);
	f = mime_part_field(root, "content-TYPE");
	CHECK(f != NULL && strcmp(f->name, "Content-type") == 0);
	CHECK(strcmp(f->value, "multipart/mixed; boundary=\"simple boundary\"") == 0);
	CHECK(span_is(m, f->offset, f->size,
	    "Content-type: multipart/mixed; boundary=\"simple boundary\"\r\n"));
	/* part 1: implicitly typed, no line break at its end */
	CHECK(p1 != NULL && !p1->has_content_type && p1->header_size == 2);
	CHECK(strcmp(p1->type, "text") == 0 && strcmp(p1->subtype, "plain") == 0);
	CHECK(strcmp(mime_param_find(p1->type_params, "CHARSET")->value, "us-ascii") == 0);
	CHECK(span_is(m, p1->body_offset, p1->body_size,
	    "This is implicitly typed plain US-ASCII text.\r\n"
	    "It does NOT end with a linebreak."));
	CHECK(p1->body_lines == 2 && p1->problems == NULL);
	/* part 2: explicitly typed, ends with a line break */
	CHECK(p2 != NULL && p2->has_content_type && p2->nfields == 1);
	CHECK(span_is(m, p2->offset, p2->header_size,
	    "Content-type: text/plain; charset=us-ascii\r\n\r\n"));
	CHECK(span_is(m, p2->body_offset, p2->body_size,
	    "This is explicitly typed plain US-ASCII text.\r\n"
	    "It DOES end with a linebreak.\r\n"));
	CHECK(p2->body_lines == 2 && p2->next == NULL && p2->problems == NULL);
	CHECK(mime_part_child(root, 3) == NULL && mime_part_child(root, 0) == NULL);
	mime_parser_free(&p);
}

/* RFC 2049 Appendix A, with lines as printed. */
static const char rfc2049_example[] =
    "MIME-Version: 1.0\r\n"
    "From: Nathaniel Borenstein <nsb@nsb.fv.com>\r\n"
    "To: Ned Freed <ned@innosoft.com>\r\n"
    "Date: Fri, 07 Oct 1994 16:15:05 -0700 (PDT)\r\n"
    "Subject: A multipart example\r\n"
    "Content-Type: multipart/mixed;\r\n"
    "              boundary=unique-boundary-1\r\n"
    "\r\n"
    "This is the preamble area of a multipart message.\r\n"
    "Mail readers that understand multipart format\r\n"
    "should ignore this preamble.\r\n"
    "\r\n"
    "If you are reading this text, you might want to\r\n"
    "consider changing to a mail reader that understands\r\n"
    "how to properly display multipart messages.\r\n"
    "\r\n"
    "--unique-boundary-1\r\n"
    "\r\n"
    "  ... Some text appears here ...\r\n"
    "\r\n"
    "[Note that the blank between the boundary and the start\r\n"
    " of the text in this part means no header fields were\r\n"
    " given and this is text in the US-ASCII character set.\r\n"
    " It could have been done with explicit typing as in the\r\n"
    " next part.]\r\n"
    "\r\n"
    "--unique-boundary-1\r\n"
    "Content-type: text/plain; charset=US-ASCII\r\n"
    "\r\n"
    "This could have been part of the previous part, but\r\n"
    "illustrates explicit versus implicit typing of body\r\n"
    "parts.\r\n"
    "\r\n"
    "--unique-boundary-1\r\n"
    "Content-Type: multipart/parallel; boundary=unique-boundary-2\r\n"
    "\r\n"
    "--unique-boundary-2\r\n"
    "Content-Type: audio/basic\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "  ... base64-encoded 8000 Hz single-channel\r\n"
    "      mu-law-format audio data goes here ...\r\n"
    "\r\n"
    "--unique-boundary-2\r\n"
    "Content-Type: image/jpeg\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "  ... base64-encoded image data goes here ...\r\n"
    "\r\n"
    "--unique-boundary-2--\r\n"
    "\r\n"
    "--unique-boundary-1\r\n"
    "Content-type: text/enriched\r\n"
    "\r\n"
    "This is <bold><italic>enriched.</italic></bold>\r\n"
    "<smaller>as defined in RFC 1896</smaller>\r\n"
    "\r\n"
    "Isn't it\r\n"
    "<bigger><bigger>cool?</bigger></bigger>\r\n"
    "\r\n"
    "--unique-boundary-1\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "From: (mailbox in US-ASCII)\r\n"
    "To: (address in US-ASCII)\r\n"
    "Subject: (subject in US-ASCII)\r\n"
    "Content-Type: Text/plain; charset=ISO-8859-1\r\n"
    "Content-Transfer-Encoding: Quoted-printable\r\n"
    "\r\n"
    "  ... Additional text in ISO-8859-1 goes here ...\r\n"
    "\r\n"
    "--unique-boundary-1--\r\n";

static void
test_rfc2049_example(void)
{
	const char *m = rfc2049_example;
	const char *want =
	    "0 multipart/mixed;boundary=unique-boundary-1 M\n"
	    "0.1 text/plain;charset=us-ascii\n"
	    "0.2 text/plain;charset=US-ASCII\n"
	    "0.3 multipart/parallel;boundary=unique-boundary-2 M\n"
	    "0.3.1 audio/basic base64 !BAD_BASE64\n"
	    "0.3.2 image/jpeg base64 !BAD_BASE64\n"
	    "0.4 text/enriched\n"
	    "0.5 message/rfc822 R\n"
	    "0.5.1 text/plain;charset=ISO-8859-1 quoted-printable !NO_MIME_VERSION\n";
	static const unsigned sec_3_2[] = { 3, 2 }, sec_5_1[] = { 5, 1 };
	const struct mime_part *root, *part;
	struct mime_parser *p = mime_parser_new(NULL);
	struct buf got;
	size_t j;

	/* the tree, without headers and bodies: types, encodings, problems */
	for (j = 0; j < NCHUNKS; j++) {
		char *line, *save = NULL;
		struct buf short_dump;

		buf_init(&got, 1 << 20);
		buf_init(&short_dump, 1 << 20);
		buf_puts(&short_dump, "");
		parse_dump(NULL, m, sizeof(rfc2049_example) - 1, chunk_sizes[j], &got);
		for (line = strtok_r(got.data, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			char *h = strstr(line, " h="), *bang = strstr(line, " l=");

			bang = bang != NULL ? strchr(bang, '!') : NULL;
			buf_append(&short_dump, line, (size_t)(h - line));
			if (bang != NULL)
				buf_printf(&short_dump, " %s", bang);
			buf_putc(&short_dump, '\n');
		}
		CHECKF(strcmp(short_dump.data, want) == 0, "chunk %zu:\n%s", chunk_sizes[j],
		    short_dump.data);
		buf_release(&short_dump);
		buf_release(&got);
	}
	root = parse_whole(p, m, sizeof(rfc2049_example) - 1);
	CHECK(root->nchildren == 5 && root->is_closed && root->problems == NULL);
	part = mime_part_by_section(root, sec_3_2, 2);
	CHECK(part != NULL && strcmp(part->subtype, "jpeg") == 0);
	CHECK(span_is(m, part->body_offset, part->body_size,
	    "  ... base64-encoded image data goes here ...\r\n"));
	CHECK(part->body_lines == 1);
	part = mime_part_child(root, 4);
	CHECK(part->body_lines == 5 && span_is(m, part->body_offset, part->body_size,
	    "This is <bold><italic>enriched.</italic></bold>\r\n"
	    "<smaller>as defined in RFC 1896</smaller>\r\n\r\nIsn't it\r\n"
	    "<bigger><bigger>cool?</bigger></bigger>\r\n"));
	/* the message/rfc822 part: BODY[5] is the whole message, 5.1 its body */
	part = mime_part_child(root, 5);
	CHECK(part->kind == MIME_PART_MESSAGE && part->body_lines == 7);
	CHECK(span_is(m, part->body_offset, part->body_size,
	    "From: (mailbox in US-ASCII)\r\nTo: (address in US-ASCII)\r\n"
	    "Subject: (subject in US-ASCII)\r\nContent-Type: Text/plain; charset=ISO-8859-1\r\n"
	    "Content-Transfer-Encoding: Quoted-printable\r\n\r\n"
	    "  ... Additional text in ISO-8859-1 goes here ...\r\n"));
	CHECK(mime_part_by_section(root, sec_5_1, 2) == part->children);
	CHECK(part->children->cte == MIME_CTE_QP && part->children->body_lines == 1);
	CHECK(span_is(m, part->children->body_offset, part->children->body_size,
	    "  ... Additional text in ISO-8859-1 goes here ...\r\n"));
	mime_parser_free(&p);
}


static void
test_fields(void)
{
	static const char m[] =
	    "Subject : folded\r\n  twice\r\n\tand more  \r\n"
	    "MIME-Version: 1.0 (produced by x)\r\n"
	    "Content-Type: text/plain\r\n"
	    "Content-Disposition: Attachment; filename=\"a b.txt\"; size=12\r\n"
	    "Content-ID: <id@x>\r\n"
	    "Content-Description:  a\r\n description \r\n"
	    "Content-Language: en, de\r\n"
	    "Content-Location: http://example.com/x\r\n"
	    "Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\r\n"
	    "X-Empty:\r\n"
	    "\r\n";
	struct mime_parser *p = mime_parser_new(NULL);
	const struct mime_part *root = parse_whole(p, m, sizeof(m) - 1);
	const struct mime_header_field *f = root->fields;

	CHECK(root->nfields == 10 && root->problems == NULL);
	CHECK(strcmp(f->name, "Subject") == 0);
	CHECK(strcmp(f->raw, " folded\r\n  twice\r\n\tand more  ") == 0);
	CHECK(strcmp(f->value, "folded  twice\tand more") == 0);
	CHECK(f->offset == 0 && span_is(m, f->offset, f->size,
	    "Subject : folded\r\n  twice\r\n\tand more  \r\n"));
	CHECK(root->has_mime_version);
	CHECK(strcmp(root->disposition, "attachment") == 0);
	CHECK(strcmp(mime_param_find(root->disposition_params, "filename")->value, "a b.txt") == 0);
	CHECK(strcmp(mime_param_find(root->disposition_params, "size")->value, "12") == 0);
	CHECK(strcmp(root->content_id, "<id@x>") == 0);
	CHECK(strcmp(root->description, "a description") == 0);
	CHECK(strcmp(root->language, "en, de") == 0);
	CHECK(strcmp(root->location, "http://example.com/x") == 0);
	CHECK(strcmp(root->md5, "Q2hlY2sgSW50ZWdyaXR5IQ==") == 0);
	f = mime_part_field(root, "x-empty");
	CHECK(f != NULL && f->raw_len == 0 && f->value_len == 0 && f->next == NULL);
	CHECK(mime_part_field(root, "received") == NULL);
	CHECK(root->type_params == NULL);	/* text/plain given without charset */
	CHECK(mime_part_has_problem(root, MIME_PROB_NONE) == false);
	mime_parser_free(&p);
}

static void
test_sections(void)
{
	static const char single[] = "Subject: x\r\n\r\nbody\r\n";
	static const unsigned one[] = { 1 }, two[] = { 2 }, one_one[] = { 1, 1 };
	static const unsigned deep[] = { 2, 1 }, deep_bad[] = { 2, 1, 1 };
	struct mime_parser *p = mime_parser_new(NULL);
	const struct mime_part *root = parse_whole(p, single, sizeof(single) - 1);

	CHECK(mime_part_by_section(root, one, 0) == root);
	CHECK(mime_part_by_section(root, one, 1) == root);
	CHECK(mime_part_by_section(root, two, 1) == NULL);
	CHECK(mime_part_by_section(root, one_one, 2) == NULL);
	mime_parser_reset(p);
	root = parse_whole(p, S(MP("b") "--b\r\n\r\na\r\n--b\r\nContent-Type: message/rfc822\r\n"
	    "\r\n" MP("c") "--c\r\n\r\nin\r\n--c--\r\n--b--\r\n"));
	CHECK(root->nchildren == 2);
	CHECK(mime_part_by_section(root, deep, 2) != NULL &&
	    mime_part_by_section(root, deep, 2)->body_size == 2);
	CHECK(mime_part_by_section(root, deep, 2) == mime_part_child(root, 2)->children->children);
	CHECK(mime_part_by_section(root, deep, 1) == mime_part_child(root, 2));
	CHECK(mime_part_by_section(root, deep_bad, 3) == NULL);
	CHECK(mime_part_by_section(root, one_one, 2) == NULL);
	mime_parser_free(&p);
}

/* A parser is reused after reset; feed after finish is ignored. */
static void
test_reset(void)
{
	struct mime_parser *p = mime_parser_new(NULL);
	const struct mime_part *root;
	int i;

	for (i = 0; i < 3; i++) {
		root = parse_whole(p, S(MP("b") "--b\r\n\r\nx\r\n--b--\r\n"));
		CHECK(root->nchildren == 1 && mime_parser_part_count(p) == 2);
		mime_parser_feed(p, "more", 4);
		CHECK(mime_parser_offset(p) == sizeof(MP("b") "--b\r\n\r\nx\r\n--b--\r\n") - 1);
		mime_parser_reset(p);
		CHECK(mime_parser_offset(p) == 0 && mime_parser_part_count(p) == 1);
	}
	root = mime_parser_finish(p);
	CHECK(root->header_size == 0 && root->body_size == 0 && root->nchildren == 0);
	mime_parser_free(&p);
	mime_parser_free(&p);
	mime_parser_free(NULL);
}

/* Limits and memory: the tree stays whole, offsets stay right. */
static void
test_limits(void)
{
	struct mime_limits lim = { 0 };
	struct mime_parser *p;
	const struct mime_part *root, *part;
	struct buf m;
	size_t i, depth = 0;

	/* 100 nested multiparts: opaque from depth 32 */
	buf_init(&m, 1 << 20);
	buf_puts(&m, MV);
	for (i = 0; i < 100; i++)
		buf_printf(&m, "Content-Type: multipart/mixed; boundary=b%zu\r\n\r\n--b%zu\r\n", i, i);
	buf_puts(&m, "\r\nx\r\n");
	p = mime_parser_new(NULL);
	root = parse_whole(p, m.data, m.len);
	for (part = root; part->children != NULL; part = part->children)
		depth++;
	CHECK(depth == 32 && mime_part_has_problem(part, MIME_PROB_TOO_DEEP));
	CHECK(root->body_offset + root->body_size == m.len);
	mime_parser_free(&p);
	/* 20000 parts: 10000 kept */
	buf_clear(&m);
	buf_puts(&m, MP("b"));
	for (i = 0; i < 20000; i++)
		buf_puts(&m, "--b\r\n\r\nx\r\n");
	buf_puts(&m, "--b--\r\n");
	p = mime_parser_new(NULL);
	root = parse_whole(p, m.data, m.len);
	CHECK(root->nchildren == MIME_DEFAULT_MAX_PARTS - 1 && mime_parser_part_count(p) == 10000);
	CHECK(mime_part_has_problem(root, MIME_PROB_TOO_MANY_PARTS));
	CHECK(!mime_part_has_problem(root, MIME_PROB_UNTERMINATED_MULTIPART));
	CHECK(root->body_offset + root->body_size == m.len);
	mime_parser_free(&p);
	/* out of memory: still a tree covering the message */
	for (i = 1; i < 40000; i += 997) {
		lim.max_memory = i;
		p = mime_parser_new(&lim);
		root = parse_whole(p, rfc2049_example, sizeof(rfc2049_example) - 1);
		CHECK(root->type != NULL && root->body_offset + root->body_size ==
		    sizeof(rfc2049_example) - 1);
		if (i == 1)
			CHECK(mime_part_has_problem(root, MIME_PROB_NOMEM));
		mime_parser_free(&p);
	}
	buf_release(&m);
}

/* Boundary lines longer than the part of a line held back. */
static void
test_long_boundary_lines(void)
{
	struct buf m, want;
	size_t j;

	char bnd[MIME_BOUNDARY_MAX];

	buf_init(&m, 1 << 20);
	buf_init(&want, 1 << 20);
	for (j = 0; j < MIME_BOUNDARY_MAX; j++)
		bnd[j] = (char)('a' + j % 26);
	/* a 200-byte boundary, delimiters padded with 5000 SP, and a line
	 * that is the boundary plus SP and text (taken, reported) */
	buf_puts(&m, MV "Content-Type: multipart/mixed; boundary=\"");
	buf_append(&m, bnd, sizeof(bnd));
	buf_puts(&m, "\"\r\n\r\n");
	for (j = 0; j < 3; j++) {
		size_t k;

		buf_puts(&m, "--");
		buf_append(&m, bnd, sizeof(bnd));
		for (k = 0; k < 5000; k++)
			buf_putc(&m, ' ');
		if (j == 2)
			buf_putc(&m, 'x');
		buf_puts(&m, "\r\n\r\nbody\r\n");
	}
	for (j = 0; j < NCHUNKS; j++) {
		struct mime_parser *p = mime_parser_new(NULL);
		const struct mime_part *root;
		size_t pos = 0;

		while (pos < m.len) {
			size_t n = m.len - pos < chunk_sizes[j] ? m.len - pos : chunk_sizes[j];

			mime_parser_feed(p, m.data + pos, n);
			pos += n;
		}
		root = mime_parser_finish(p);
		CHECKF(root->nchildren == 3 && root->boundary != NULL &&
		    strlen(root->boundary) == MIME_BOUNDARY_MAX, "chunk %zu", chunk_sizes[j]);
		CHECK(mime_part_has_problem(root, MIME_PROB_BAD_BOUNDARY));
		CHECK(mime_part_has_problem(root, MIME_PROB_BOUNDARY_IN_PART));
		CHECK(mime_part_child(root, 1)->body_size == 4);
		mime_parser_free(&p);
	}
	/* one byte longer: not usable */
	buf_clear(&m);
	buf_puts(&m, MV "Content-Type: multipart/mixed; boundary=\"");
	for (j = 0; j <= MIME_BOUNDARY_MAX; j++)
		buf_putc(&m, 'a');
	buf_puts(&m, "\"\r\n\r\n");
	{
		struct mime_parser *p = mime_parser_new(NULL);
		const struct mime_part *root = parse_whole(p, m.data, m.len);

		CHECK(root->kind == MIME_PART_LEAF &&
		    mime_part_has_problem(root, MIME_PROB_MISSING_BOUNDARY));
		mime_parser_free(&p);
	}
	buf_release(&m);
	buf_release(&want);
}

static void
test_problem_strings(void)
{
	int c;

	for (c = 0; c < MIME_PROB_COUNT; c++)
		CHECK(strcmp(mime_problem_str((enum mime_problem_code)c), "unknown problem") != 0);
	CHECK(strcmp(mime_problem_str(MIME_PROB_COUNT), "unknown problem") == 0);
}

int
main(void)
{
	test_cases();
	test_problem_cases();
	test_rfc2046_example();
	test_rfc2049_example();
	test_fields();
	test_sections();
	test_reset();
	test_limits();
	test_long_boundary_lines();
	test_problem_strings();
	return unit_done("test_mime");
}
