/* report_md.c: building blocks of the Markdown reports (GitHub Flavored
 * Markdown, for $GITHUB_STEP_SUMMARY): a document assembled block by block
 * under a byte limit with an overflow line, fenced code blocks that no
 * input can break out of, verdict emoji and summary cells.
 */
#include "report_private.h"

#include <errno.h>
#include <string.h>

#include "json_writer.h"

/* Room kept for the overflow line. */
#define MD_RESERVE 600

void
report_md_init(struct report_md *md, size_t max)
{
	memset(md, 0, sizeof(*md));
	md->max = max > MD_RESERVE ? max : MD_RESERVE + 1;
	buf_init(&md->out, md->max);
	buf_init(&md->block, md->max);
}

void
report_md_release(struct report_md *md)
{
	buf_release(&md->out);
	buf_release(&md->block);
}

void
report_md_commit(struct report_md *md, bool is_complete)
{
	if (md->block.len == 0)
		return;
	if (!md->is_full && is_complete &&
	    md->out.len + md->block.len + MD_RESERVE <= md->max &&
	    buf_append(&md->out, md->block.data, md->block.len)) {
		buf_clear(&md->block);
		return;
	}
	md->is_full = true;
	md->dropped++;
	buf_clear(&md->block);
}

int
report_md_finish(struct report_md *md, FILE *out, const char *what)
{
	if (md->out.len > 0)
		fwrite(md->out.data, 1, md->out.len, out);
	if (md->dropped > 0)
		fprintf(out, "\n\n> [!WARNING]\n> **Truncated:** %zu more %s not shown, to keep "
		    "this summary under %zu KiB (GitHub's limit for a job summary is 1 MiB). "
		    "The JSON and HTML reports have everything.\n", md->dropped,
		    what != NULL ? what : "blocks", md->max / 1024);
	errno = 0;
	if (fflush(out) != 0 || ferror(out)) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

/* The longest run of backticks in text. */
static size_t
md_longest_ticks(const char *text, size_t len)
{
	size_t i, run = 0, best = 0;

	for (i = 0; i < len; i++) {
		run = text[i] == '`' ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best;
}

static bool
md_fence(struct buf *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!buf_putc(b, '`'))
			return false;
	return true;
}

bool
report_md_fenced(struct buf *b, const char *text, size_t len, size_t max)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t fence = md_longest_ticks(text, len < max ? len : max) + 1, i = 0, n;
	uint32_t cp;
	bool ok;

	if (fence < 3)
		fence = 3;
	ok = md_fence(b, fence) && buf_puts(b, "text\n");
	while (ok && i < len && i < max) {
		n = json_writer_utf8_decode(p + i, len - i, &cp);
		if (n == 1 && cp == '\r') {	/* CRLF reads as LF */
			i++;
			continue;
		}
		if (n == 0 || (cp < 0x20 && cp != '\n' && cp != '\t') || cp == 0x7f) {
			ok = buf_printf(b, "\\x%02x", p[i]);
			i++;
			continue;
		}
		ok = buf_append(b, p + i, n);
		i += n;
	}
	if (ok && i < len)
		ok = buf_printf(b, "\n\xe2\x80\xa6 (%zu more bytes)", len - i);
	if (ok && (b->len == 0 || b->data[b->len - 1] != '\n'))
		ok = buf_putc(b, '\n');
	return ok && md_fence(b, fence) && buf_puts(b, "\n\n");
}

const char *
report_md_emoji(enum verdict v)
{
	switch (v) {
	case VERDICT_PASS: return "\xe2\x9c\x85";			/* ✅ */
	case VERDICT_FAIL: return "\xe2\x9d\x8c";			/* ❌ */
	case VERDICT_NON_STRICT: return "\xe2\x9a\xa0\xef\xb8\x8f";	/* ⚠️ */
	case VERDICT_UNSUPPORTED: return "\xe2\x9e\x96";		/* ➖ */
	case VERDICT_SKIP: return "\xe2\x8f\xad\xef\xb8\x8f";		/* ⏭️ */
	case VERDICT_ERROR: return "\xf0\x9f\x92\xa5";			/* 💥 */
	case VERDICT_XFAIL: return "\xe2\xad\x95";			/* ⭕ */
	case VERDICT_XPASS: return "\xe2\x80\xbc\xef\xb8\x8f";		/* ‼️ */
	default: return "?";
	}
}

bool
report_md_tally(struct buf *b, const struct report_tally *t)
{
	size_t met = report_tally_met(t), tested = report_tally_tested(t);
	size_t na = report_tally_total(t) - tested;
	bool ok;

	if (report_tally_total(t) == 0)
		return buf_puts(b, "\xe2\x80\x94");
	ok = buf_printf(b, "%s%zu/%zu%s", met < tested ? "**" : "", met, tested,
	    met < tested ? "** \xe2\x9d\x8c" : "");
	if (ok && na > 0)
		ok = buf_printf(b, " (+%zu n/a)", na);
	return ok;
}
