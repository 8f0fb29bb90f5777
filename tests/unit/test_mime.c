/* test_mime.c: table tests for the MIME parser (engine/proto/mime*.c):
 * RFC 5322 §2.1-2.2 (lines, header fields), RFC 2045 §4-§6 (MIME fields,
 * defaults), RFC 2046 §5.1 (boundaries, preamble, epilogue, digest),
 * §5.2.1 (message/rfc822), and every problem code with the tree it
 * leaves. Every input is fed whole and in chunks of 1, 2, 3, 7, 64 and
 * 1000 bytes, each chunk an exact-size heap copy, and must give the same
 * tree. Whole messages from the RFCs are in test_mime_parts.c. */
#include <stdio.h>

#include "mime_private.h"
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
	  "0 text/html h=<...> b=x l=1 !NO_MIME_VERSION,HEADER_TOO_LONG\n" },
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


static void
test_problem_strings(void)
{
	int c;

	for (c = 0; c < MIME_PROB_COUNT; c++)
		CHECK(strcmp(mime_problem_str((enum mime_problem_code)c), "unknown problem") != 0);
	CHECK(strcmp(mime_problem_str(MIME_PROB_COUNT), "unknown problem") == 0);
}

/* The word helpers of mime_private.h against a byte at a time, at every
 * length and position. */
static void
test_word_helpers(void)
{
	static const unsigned char bytes[] = { 0x00, 0x01, '\n', '\r', 'a', 0x7f, 0x80, 0xff };
	char s[40];
	size_t n, pos, b, i;

	for (n = 0; n < sizeof(s); n++) {
		for (pos = 0; pos <= n; pos++) {
			for (b = 0; b < sizeof(bytes); b++) {
				bool want = false;

				for (i = 0; i < n; i++)
					s[i] = (char)(i == pos ? bytes[b] : 'a' + i % 26);
				for (i = 0; i < n; i++)
					want = want || (unsigned char)s[i] >= 0x80;
				CHECKF(word_has_high_bit(s, n) == want, "high bit: %zu bytes, 0x%02x at %zu",
				    n, bytes[b], pos);
				if (n >= 8)
					continue;
				for (i = 0; i < 8; i++) {
					uint64_t w = word_tail(s, n, 0x55);
					unsigned char got = (unsigned char)(w >> (8 * i));

					CHECK(got == (i < n ? (unsigned char)s[i] : 0x55));
				}
				for (i = 0; i <= n; i++) {
					/* where the first byte c before i is, else i (the
					 * flag on byte i) */
					unsigned char c = bytes[b];
					uint64_t w = word_tail(s, n, 0) ^ (WORD_ONES * c);
					uint64_t m = word_zeros(w) | (uint64_t)0x80 << (8 * i);
					size_t first = word_first(m), k;

					for (k = 0; k < i && (unsigned char)s[k] != c; k++)
						;
					CHECKF(first == k, "0x%02x in %zu bytes before %zu: %zu, not %zu",
					    c, n, i, first, k);
				}
			}
		}
	}
}

/* A bare CR or LF anywhere in a line, the line fed in every chunking:
 * the tree of the whole feed, and BARE_EOL exactly when a CR is not
 * followed by LF or an LF not preceded by CR (the line scan looks at
 * short pieces one word at a time, at longer ones with memchr()). */
static void
test_line_scan(void)
{
	static const char head[] = "X: y\r\n\r\n";
	static const char eols[] = { '\r', '\n' };
	char msg[64];
	size_t n, pos, e, chunk;

	for (n = 1; n <= 20; n++) {
		for (pos = 0; pos < n; pos++) {
			for (e = 0; e < sizeof(eols); e++) {
				struct buf whole;
				size_t i, len = sizeof(head) - 1;
				bool want = false;

				memcpy(msg, head, len);
				for (i = 0; i < n; i++)
					msg[len + i] = i == pos ? eols[e] : (char)('a' + i);
				len += n;
				memcpy(msg + len, "\r\nz", 3);
				len += 3;
				for (i = 0; i < len; i++)
					want = want ||
					    (msg[i] == '\r' && (i + 1 == len || msg[i + 1] != '\n')) ||
					    (msg[i] == '\n' && (i == 0 || msg[i - 1] != '\r'));
				buf_init(&whole, 1 << 16);
				buf_puts(&whole, "");
				parse_dump(NULL, msg, len, SIZE_MAX, &whole);
				CHECKF((strstr(whole.data, "BARE_EOL") != NULL) == want,
				    "%zu bytes, 0x%02x at %zu:\n%s", n, eols[e], pos, whole.data);
				for (chunk = 1; chunk <= 17; chunk++) {
					struct buf got;

					buf_init(&got, 1 << 16);
					buf_puts(&got, "");
					parse_dump(NULL, msg, len, chunk, &got);
					CHECKF(strcmp(got.data, whole.data) == 0,
					    "%zu bytes, 0x%02x at %zu, chunks of %zu:\n%s", n, eols[e],
					    pos, chunk, got.data);
					buf_release(&got);
				}
				buf_release(&whole);
			}
		}
	}
}

/* Field names of RFC 5322 §2.2 (bytes 33-126) with every byte value in
 * the middle and at the start of the name. */
static void
test_field_names(void)
{
	static const char field[] = "AbB: v\r\n\r\n";
	char msg[sizeof(field) - 1];
	unsigned c;
	int at;

	for (c = 0; c < 256; c++) {
		if (c == '\r' || c == '\n' || c == ':' || c == ' ' || c == '\t')
			continue;	/* line structure, not names */
		for (at = 0; at < 2; at++) {
			struct mime_parser *p = mime_parser_new(NULL);
			const struct mime_part *root;
			bool want = c >= 33 && c <= 126;
			char *copy;

			memcpy(msg, field, sizeof(msg));
			msg[at] = (char)c;
			copy = malloc(sizeof(msg));
			memcpy(copy, msg, sizeof(msg));
			mime_parser_feed(p, copy, sizeof(msg));
			root = mime_parser_finish(p);
			CHECKF((root->nfields == 1) == want &&
			    mime_part_has_problem(root, MIME_PROB_HEADER_NO_COLON) == !want,
			    "0x%02x at %d: %zu fields", c, at, root->nfields);
			free(copy);
			mime_parser_free(&p);
		}
	}
}

int
main(void)
{
	test_cases();
	test_problem_cases();
	test_problem_strings();
	test_word_helpers();
	test_line_scan();
	test_field_names();
	return unit_done("test_mime");
}
