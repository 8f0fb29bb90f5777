/* report_text.c: text helpers every writer shares: XML/HTML escaping
 * (XML 1.0 section 2.2 characters, 2.4 and 4.6 entities), URL fragment
 * encoding (RFC 3986 section 2.3 unreserved set), Markdown inline escaping
 * (CommonMark section 2.4 backslash escapes, for the punctuation that means
 * something inside a line, and GFM's table pipe and math dollar), times, transcript lines and
 * the natural order of RFC section numbers.
 */
#include "report_private.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "json_writer.h"

static bool
report_is_xml_char(uint32_t cp)
{
	return cp == 0x9 || cp == 0xa || cp == 0xd ||
	    (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) ||
	    (cp >= 0x10000 && cp <= 0x10ffff);
}

/* The replacement or entity for the character at p, or NULL to copy it;
 * *n_r is set to the bytes it covers. esc must hold 16 bytes. */
static const char *
report_xml_escape_char(const unsigned char *p, size_t n, bool is_attr,
    char esc[16], size_t *n_r)
{
	uint32_t cp;
	size_t len = json_writer_utf8_decode(p, n, &cp);

	*n_r = len > 0 ? len : 1;
	if (len == 0 || !report_is_xml_char(cp)) {
		*n_r = 1;	/* one byte at a time: "\xHH" each */
		snprintf(esc, 16, "\\x%02x", p[0]);
		return esc;
	}
	switch (cp) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '\r': return "&#13;";
	case '"': return is_attr ? "&quot;" : NULL;
	case '\'': return is_attr ? "&apos;" : NULL;
	case '\n': return is_attr ? "&#10;" : NULL;
	case '\t': return is_attr ? "&#9;" : NULL;
	}
	return NULL;
}

void
report_put_xml(FILE *out, const char *s, size_t len, bool is_attr)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0, n;
	char esc[16];
	const char *rep;

	while (i < len) {
		rep = report_xml_escape_char(p + i, len - i, is_attr, esc, &n);
		if (rep == NULL) {
			i += n;
			continue;
		}
		fwrite(s + run, 1, i - run, out);
		fputs(rep, out);
		i += n;
		run = i;
	}
	fwrite(s + run, 1, len - run, out);
}

void
report_put_xml_str(FILE *out, const char *s, bool is_attr)
{
	if (s != NULL)
		report_put_xml(out, s, strlen(s), is_attr);
}

void
report_put_url(FILE *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;

	for (; p != NULL && *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) != NULL) {
			fputc(*p, out);
		} else {
			fputc('%', out);
			fputc(hex[*p >> 4], out);
			fputc(hex[*p & 15], out);
		}
	}
}

/* One character of Markdown inline text at p; returns the bytes consumed. */
static size_t
report_md_char(struct buf *b, const unsigned char *p, size_t n, bool *ok)
{
	uint32_t cp;
	size_t len = json_writer_utf8_decode(p, n, &cp);

	if (len == 0 || (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
	    cp == 0x7f) {
		*ok = buf_printf(b, "\\x%02x", p[0]);
		return 1;
	}
	if (cp == '\n' || cp == '\r' || cp == '\t') {
		*ok = buf_putc(b, ' ');
	} else if (cp < 0x80 && strchr("\\`*_[]<>!|~&$", (int)cp) != NULL) {
		*ok = buf_putc(b, '\\') && buf_putc(b, (char)cp);
	} else {
		*ok = buf_append(b, p, len);
	}
	return len;
}

bool
report_md_inline(struct buf *b, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len, i = 0;
	bool ok = true;

	if (s == NULL)
		return true;
	len = strlen(s);
	while (i < len && i < max && ok)
		i += report_md_char(b, p + i, len - i, &ok);
	if (ok && i < len)
		ok = buf_puts(b, "\xe2\x80\xa6");	/* … */
	return ok;
}

bool
report_format_time(int64_t unix_ms, char out[32])
{
	int64_t ms = unix_ms % 1000, secs = unix_ms / 1000;
	time_t t;
	struct tm tm;
	size_t n;

	if (ms < 0) {		/* floor for times before 1970 */
		ms += 1000;
		secs--;
	}
	t = (time_t)secs;
	if ((int64_t)t != secs || gmtime_r(&t, &tm) == NULL)
		return false;
	n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	if (n == 0 || n + 6 > 32)
		return false;
	snprintf(out + n, 32 - n, ".%03dZ", (int)ms);
	return true;
}

bool
report_event_prefix(struct buf *b, const struct transcript_event *ev)
{
	static const char *const dirs[] = { "C:", "S:", "--" };
	unsigned dir = (unsigned)ev->dir <= TRANSCRIPT_NOTE ? (unsigned)ev->dir : 2;

	return buf_printf(b, "[%6" PRIu64 ".%03" PRIu64 " ms] %s %s ",
	    ev->t_us / 1000, ev->t_us % 1000, ev->conn != NULL ? ev->conn : "-",
	    dirs[dir]);
}

bool
report_event_data(struct buf *b, const struct transcript_event *ev, size_t max)
{
	size_t len = ev->data != NULL ? ev->len : 0;

	if (len <= max)
		return buf_append_escaped(b, ev->data != NULL ? ev->data : "", len);
	return buf_append_escaped(b, ev->data, max) &&
	    buf_printf(b, " \xe2\x80\xa6 (%zu more bytes)", len - max);
}

/* The next part of a section ("4", "1a"): its number (or -1) and bounds. */
static const char *
report_section_part(const char *s, long *num_r, size_t *len_r)
{
	size_t n = strcspn(s, ".");
	long v = 0;
	size_t i;

	for (i = 0; i < n && s[i] >= '0' && s[i] <= '9' && v < 100000000; i++)
		v = v * 10 + (s[i] - '0');
	*num_r = i > 0 ? v : -1;
	*len_r = n;
	return s[n] == '.' ? s + n + 1 : s + n;
}

int
report_section_cmp(const char *a, const char *b)
{
	long na, nb;
	size_t la, lb;
	int c;

	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	while (*a != '\0' && *b != '\0') {
		const char *pa = a, *pb = b;

		a = report_section_part(a, &na, &la);
		b = report_section_part(b, &nb, &lb);
		if (na != nb && (na < 0 || nb < 0))	/* "A.1" after "4" */
			return na < 0 ? 1 : -1;
		if (na != nb)
			return na < nb ? -1 : 1;
		c = strncmp(pa, pb, la < lb ? la : lb);
		if (c != 0 || la != lb)
			return c != 0 ? c : (la < lb ? -1 : 1);
	}
	return (*a != '\0') - (*b != '\0');
}

/* Does an endpoint before i (or, with all, any other) have this name? */
static bool
report_endpoint_named(const struct results_run *run, size_t i, const char *name,
    size_t len, bool all)
{
	size_t j;

	for (j = 0; j < (all ? run->nendpoints : i); j++) {
		const char *other = run->endpoints[j].name;

		if (j != i && other != NULL && strlen(other) == len &&
		    strncmp(other, name, len) == 0)
			return true;
	}
	return false;
}

const char *
report_endpoint_key(const struct results_run *run, size_t i, char buf[64])
{
	const char *name = run->endpoints[i].name, *url = run->endpoints[i].url;
	size_t scheme = url != NULL ? strcspn(url, ":") : 0;

	if (name == NULL)
		name = "endpoint";
	if (!report_endpoint_named(run, i, name, strlen(name), false))
		return name;
	if (scheme > 0 && scheme < 32 && url[scheme] == ':' &&
	    !report_endpoint_named(run, i, url, scheme, true) &&
	    (strlen(name) != scheme || strncmp(name, url, scheme) != 0)) {
		snprintf(buf, 64, "%.*s", (int)scheme, url);
		return buf;
	}
	snprintf(buf, 64, "%.40s_%zu", name, i + 1);
	return buf;
}
