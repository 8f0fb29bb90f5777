/* mime_date.c: RFC 5322 date-time.
 *
 * RFC 5322 §3.3 (day-of-week, date = day month year, time-of-day =
 * hour ":" minute [":" second], zone = ("+" / "-") 4DIGIT; "-0000"
 * indicates an unknown local zone), §4.3 (obs-day-of-week, obs-day,
 * obs-year with the 2-digit (00-49: 20xx, 50-99: 19xx) and 3-digit
 * (+1900) rules, obs-hour/minute/second with CFWS, obs-zone: UT and GMT
 * are +0000, EDT -0400, EST -0500, CDT -0500, CST -0600, MDT -0600, MST
 * -0700, PDT -0700, PST -0800, military letters taken as -0000).
 *
 * Leniency: a missing "," after the day of week, one-digit hours, and a
 * missing or unknown zone are accepted (reported); an alphabetic zone is
 * matched case-insensitively.
 */
#include "mime_date.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mime_lex.h"

static const char *const date_months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};
static const char *const date_wdays[] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
};

static const struct {
	const char *name;
	int offset;
} date_zones[] = {
	{ "UT", 0 }, { "GMT", 0 }, { "EDT", -240 }, { "EST", -300 },
	{ "CDT", -300 }, { "CST", -360 }, { "MDT", -360 }, { "MST", -420 },
	{ "PDT", -420 }, { "PST", -480 },
};

int64_t
mime_date_days(int year, int month, int day)
{
	/* days from civil (H. Hinnant's algorithm) */
	int64_t y = (int64_t)year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t mp = (month + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

static int
date_days_in_month(int year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool is_leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && is_leap ? 29 : days[month - 1];
}

/* 1*max digits at the cursor; their count (0: none), value in *v_r. */
static size_t
date_digits(struct mime_lex *lx, size_t max, int *v_r)
{
	size_t n = 0;

	*v_r = 0;
	while (n < max && lx->pos < lx->len && lx->s[lx->pos] >= '0' && lx->s[lx->pos] <= '9') {
		*v_r = *v_r * 10 + (lx->s[lx->pos] - '0');
		lx->pos++;
		n++;
	}
	return n;
}

/* A name from table at the cursor (3 letters, case-insensitive); its
 * index or -1. */
static int
date_name(struct mime_lex *lx, const char *const *table, int n)
{
	const char *atom;
	size_t len, save = lx->pos;
	int i;

	len = mime_lex_atom(lx, &atom);
	for (i = 0; len == 3 && i < n; i++)
		if (strncasecmp(atom, table[i], 3) == 0)
			return i;
	lx->pos = save;
	return -1;
}

/* [day-of-week ","] */
static void
date_read_wday(struct mime_lex *lx, struct mime_date *d)
{
	mime_lex_skip_cfws(lx);
	d->wday = date_name(lx, date_wdays, 7);
	if (d->wday < 0)
		return;
	if (mime_lex_skip_cfws(lx))
		d->problems |= MIME_DATE_OBSOLETE;
	if (!mime_lex_accept(lx, ','))
		d->problems |= MIME_DATE_OBSOLETE;
}

/* day month year */
static bool
date_read_date(struct mime_lex *lx, struct mime_date *d)
{
	size_t n;

	mime_lex_skip_cfws(lx);
	if (date_digits(lx, 2, &d->day) == 0 || !mime_lex_skip_cfws(lx))
		return false;
	d->month = date_name(lx, date_months, 12) + 1;
	if (d->month == 0 || !mime_lex_skip_cfws(lx))
		return false;
	n = date_digits(lx, 9, &d->year);
	if (n < 2)
		return false;
	if (n < 4) {
		d->problems |= MIME_DATE_OBSOLETE;
		d->year += n == 2 && d->year < 50 ? 2000 : 1900;
	}
	return d->day >= 1 && d->day <= date_days_in_month(d->year, d->month);
}

/* hour ":" minute [":" second] */
static bool
date_read_time(struct mime_lex *lx, struct mime_date *d)
{
	size_t n, save;
	bool has_cfws = false;

	mime_lex_skip_cfws(lx);
	n = date_digits(lx, 2, &d->hour);
	if (n == 0)
		return false;
	if (n == 1)
		d->problems |= MIME_DATE_OBSOLETE;
	has_cfws |= mime_lex_skip_cfws(lx);
	if (!mime_lex_accept(lx, ':'))
		return false;
	has_cfws |= mime_lex_skip_cfws(lx);
	if (date_digits(lx, 2, &d->minute) != 2)
		return false;
	save = lx->pos;
	if (mime_lex_skip_cfws(lx) && mime_lex_peek(lx) == ':')
		has_cfws = true;
	if (mime_lex_accept(lx, ':')) {
		has_cfws |= mime_lex_skip_cfws(lx);
		if (date_digits(lx, 2, &d->second) != 2)
			return false;
	} else {
		lx->pos = save;
	}
	if (has_cfws)
		d->problems |= MIME_DATE_OBSOLETE;
	return d->hour <= 23 && d->minute <= 59 && d->second <= 60;
}

/* An alphabetic zone; false if it is not one of §4.3's. */
static bool
date_read_alpha_zone(struct mime_lex *lx, struct mime_date *d)
{
	const char *atom;
	size_t len = mime_lex_atom(lx, &atom), i;

	if (len == 0)
		return false;
	d->problems |= MIME_DATE_OBSOLETE;
	for (i = 0; i < sizeof(date_zones) / sizeof(date_zones[0]); i++) {
		if (strlen(date_zones[i].name) == len &&
		    strncasecmp(atom, date_zones[i].name, len) == 0) {
			d->offset = date_zones[i].offset;
			return true;
		}
	}
	d->problems |= MIME_DATE_NO_ZONE;	/* military or unknown: -0000 */
	return true;
}

/* zone; a missing zone is reported, not an error. */
static bool
date_read_zone(struct mime_lex *lx, struct mime_date *d)
{
	int ch, v;

	mime_lex_skip_cfws(lx);
	ch = mime_lex_peek(lx);
	if (ch == '+' || ch == '-') {
		lx->pos++;
		if (date_digits(lx, 4, &v) != 4 || v % 100 > 59)
			return false;
		d->offset = (v / 100 * 60 + v % 100) * (ch == '-' ? -1 : 1);
		if (ch == '-' && v == 0)
			d->problems |= MIME_DATE_NO_ZONE;
		return true;
	}
	if (!date_read_alpha_zone(lx, d))
		d->problems |= MIME_DATE_NO_ZONE;
	return true;
}

int
mime_date_parse(const char *s, size_t len, struct mime_date *date_r)
{
	struct mime_lex lx;
	struct mime_date d;
	int64_t days;

	memset(&d, 0, sizeof(d));
	mime_lex_init(&lx, s, len);
	date_read_wday(&lx, &d);
	if (!date_read_date(&lx, &d) || !date_read_time(&lx, &d) || !date_read_zone(&lx, &d))
		return 0;
	mime_lex_skip_cfws(&lx);
	if (!mime_lex_at_end(&lx))
		d.problems |= MIME_DATE_TRAILING;
	days = mime_date_days(d.year, d.month, d.day);
	if (d.wday >= 0 && (int)(((days % 7) + 11) % 7) != d.wday)
		d.problems |= MIME_DATE_BAD_WDAY;
	d.utc = days * 86400 + d.hour * 3600 + d.minute * 60 + d.second -
	    (int64_t)d.offset * 60;
	*date_r = d;
	return 1;
}

size_t
mime_date_format(const struct mime_date *d, char *out, size_t outlen)
{
	int64_t days = mime_date_days(d->year, d->month, d->day);
	int wday = (int)(((days % 7) + 11) % 7);
	int off = d->offset < 0 ? -d->offset : d->offset;
	int n;

	if (d->month < 1 || d->month > 12)
		return 0;
	n = snprintf(out, outlen, "%s, %d %s %04d %02d:%02d:%02d %c%02d%02d",
	    date_wdays[wday], d->day, date_months[d->month - 1], d->year, d->hour,
	    d->minute, d->second, d->offset < 0 ? '-' : '+', off / 60, off % 60);
	return n < 0 || (size_t)n >= outlen ? 0 : (size_t)n;
}
