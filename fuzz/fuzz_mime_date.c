/* fuzz_mime_date.c: libFuzzer harness for RFC 5322 date-times
 * (engine/proto/mime_date.c: §3.3 and the obsolete forms of §4.3).
 *
 * Input: bytes 0-3 are unused, the rest is a field value. Oracles: a
 * parsed date has its fields in range and a timestamp that agrees with
 * them; written out with mime_date_format() and parsed again it gives the
 * same date and timestamp, without problems (other than an unknown zone
 * written as +0000).
 */
#include "fuzz_util.h"

#include "mime_date.h"

FUZZ_ASAN_DEFAULTS()

static int
days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 29 : days[m - 1];
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_date d, e;
	char *text, out[64];
	size_t n;

	if (size < FUZZ_HEADER)
		return 0;
	text = (char *)fuzz_dup(data + FUZZ_HEADER, size - FUZZ_HEADER);
	if (mime_date_parse(text, size - FUZZ_HEADER, &d) == 1) {
		if (d.month < 1 || d.month > 12 || d.day < 1 ||
		    d.day > days_in_month(d.year, d.month) || d.hour < 0 || d.hour > 23 ||
		    d.minute < 0 || d.minute > 59 || d.second < 0 || d.second > 60 ||
		    d.offset < -5999 || d.offset > 5999 || d.wday < -1 || d.wday > 6 ||
		    d.problems > 0xf)
			fuzz_fail("field out of range");
		if (d.utc != mime_date_days(d.year, d.month, d.day) * 86400 + d.hour * 3600 +
		    d.minute * 60 + d.second - (int64_t)d.offset * 60)
			fuzz_fail("timestamp");
		n = mime_date_format(&d, out, sizeof(out));
		if (n == 0 || mime_date_parse(out, n, &e) != 1)
			fuzz_fail("formatted date does not parse");
		if (e.utc != d.utc || e.year != d.year || e.month != d.month || e.day != d.day ||
		    e.hour != d.hour || e.minute != d.minute || e.second != d.second ||
		    e.offset != d.offset || (e.problems & ~(unsigned)MIME_DATE_NO_ZONE) != 0)
			fuzz_fail("format -> parse changed the date");
	}
	free(text);
	return 0;
}
