/* fuzz_mime_address.c: libFuzzer harness for RFC 5322 address lists
 * (engine/proto/mime_addr.c: §3.4, §3.4.1, §4.4; RFC 9051 §7.5.2 group
 * markers).
 *
 * Input: bytes 0-3 are unused (kept for the corpus format of the other
 * harnesses), the rest is a field value. Oracles: the list is as long as
 * the count returned; group markers are balanced and never nested; valid
 * mailboxes have a local part and a host; written out again in canonical
 * form (quoted where needed) and parsed, the valid addresses come back
 * the same (inputs without NUL bytes).
 */
#include "fuzz_util.h"

#include <stdbool.h>

#include "arena.h"
#include "buf.h"
#include "mime_addr.h"
#include "mime_lex.h"

FUZZ_ASAN_DEFAULTS()

static bool
is_dot_atom(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (i = 0; i < n; i++)
		if (!(s[i] == '.' ? s[i + 1] != '.' : mime_lex_is_atext((unsigned char)s[i])))
			return false;
	return true;
}

static void
put_quoted(struct buf *out, const char *s)
{
	buf_putc(out, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\' || *s == '\r' || *s == '\n')
			buf_putc(out, '\\');
		buf_putc(out, *s);
	}
	buf_putc(out, '"');
}

static void
put_domain(struct buf *out, const char *host)
{
	size_t i, n = strlen(host);

	if (n < 2 || host[0] != '[') {
		buf_puts(out, host);
		return;
	}
	buf_putc(out, '[');
	for (i = 1; i + 1 < n; i++) {
		if (strchr("[]\\\r\n \t", host[i]) != NULL)
			buf_putc(out, '\\');
		buf_putc(out, host[i]);
	}
	buf_putc(out, ']');
}

static void
write_mailbox(struct buf *out, const struct mime_address *ad)
{
	if (ad->name != NULL) {
		put_quoted(out, ad->name);
		buf_putc(out, ' ');
	}
	buf_putc(out, '<');
	if (ad->adl != NULL) {
		buf_puts(out, ad->adl);
		buf_putc(out, ':');
	}
	if (is_dot_atom(ad->mailbox))
		buf_puts(out, ad->mailbox);
	else
		put_quoted(out, ad->mailbox);
	buf_putc(out, '@');
	put_domain(out, ad->host);
	buf_putc(out, '>');
}

/* Check the list; write the valid part of it canonically to out and a
 * record of it to rec. */
/* One field of the readable record ("a|b|..."): buf_printf() would have
 * ASan check the format on every call. */
static void
rec_field(struct buf *rec, const char *s)
{
	buf_puts(rec, s);
	buf_putc(rec, '|');
}

static void
walk(const struct mime_address *list, int count, struct buf *out, struct buf *rec)
{
	const struct mime_address *ad;
	bool in_group = false, need_sep = false;
	int n = 0;

	for (ad = list; ad != NULL; ad = ad->next, n++) {
		bool is_end = ad->mailbox == NULL && ad->host == NULL;
		bool is_start = ad->mailbox != NULL && ad->host == NULL;

		if (is_start || is_end) {
			if (is_start == in_group || ad->name != NULL || ad->adl != NULL)
				fuzz_fail("group markers");
			in_group = is_start;
			if (is_start) {
				buf_puts(out, need_sep ? ", " : "");
				put_quoted(out, ad->mailbox);
				buf_puts(out, ": ");
				buf_putc(rec, 'G');
				rec_field(rec, ad->mailbox);
				need_sep = false;
			} else {
				buf_puts(out, ";");
				buf_puts(rec, "E|");
				need_sep = true;
			}
			continue;
		}
		if (ad->mailbox == NULL || ad->host == NULL)
			fuzz_fail("mailbox without local part or host");
		if (ad->is_invalid != (ad->host[0] == '\0'))
			fuzz_fail("invalid flag and host disagree");
		if (ad->is_invalid || ad->mailbox[0] == '\0')
			continue;
		buf_puts(out, need_sep ? ", " : "");
		write_mailbox(out, ad);
		rec_field(rec, ad->name != NULL ? ad->name : "-");
		rec_field(rec, ad->adl != NULL ? ad->adl : "-");
		rec_field(rec, ad->mailbox);
		rec_field(rec, ad->host);
		need_sep = true;
	}
	if (n != count || in_group)
		fuzz_fail("count or open group");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the arena and buffers live from one input to the next */
	static struct arena *a;
	static struct buf out, rec, out2, rec2;
	struct mime_address *list;
	char *text;
	int n;

	if (size < FUZZ_HEADER)
		return 0;
	if (a == NULL && (a = arena_new(0)) == NULL)
		abort();
	arena_reset(a);
	text = (char *)fuzz_hold(data + FUZZ_HEADER, size - FUZZ_HEADER);
	fuzz_out_begin(&out, 1 << 24);
	fuzz_out_begin(&rec, 1 << 24);
	fuzz_out_begin(&out2, 1 << 24);
	fuzz_out_begin(&rec2, 1 << 24);
	n = mime_addr_parse(a, text, size - FUZZ_HEADER, &list, NULL);
	walk(list, n, &out, &rec);
	n = mime_addr_parse(a, out.data, out.len, &list, NULL);
	walk(list, n, &out2, &rec2);
	/* a NUL ends the C string it is in (mime_addr.h): no round trip */
	if (memchr(text, '\0', size - FUZZ_HEADER) == NULL && strcmp(rec.data, rec2.data) != 0) {
		fprintf(stderr, "first:  %s\nwritten: %s\nsecond: %s\n", rec.data, out.data,
		    rec2.data);
		fuzz_fail("canonical form parses differently");
	}
	arena_reset(a);		/* its memory goes back now (fuzz_util.h) */
	fuzz_release((uint8_t *)text, size - FUZZ_HEADER);
	return 0;
}
