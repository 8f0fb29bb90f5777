/* mime_date.h: RFC 5322 date-time, to a UTC timestamp.
 *
 * RFC 5322 §3.3 (date-time = [day-of-week ","] date time [CFWS]; zone
 * "+hhmm"/"-hhmm"; "-0000" means the local time is not known), §4.3
 * (obsolete: 2- and 3-digit years, alphabetic zones UT, GMT, EST/EDT,
 * CST/CDT, MST/MDT, PST/PDT and the military letters, CFWS between the
 * parts of the time).
 *
 * Contract: mime_date_parse() reads one field value; nothing is allocated
 * and nothing outside s[0..len) is read.
 */
#ifndef MAILSPEC_MIME_DATE_H
#define MAILSPEC_MIME_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Problems (mime_date.problems); none of them stops the parse. */
#define MIME_DATE_OBSOLETE	0x01	/* obsolete syntax (§4.3) */
#define MIME_DATE_BAD_WDAY	0x02	/* day-of-week does not match the date */
#define MIME_DATE_NO_ZONE	0x04	/* zone missing, "-0000", military or unknown: offset 0 */
#define MIME_DATE_TRAILING	0x08	/* text after the date-time */

struct mime_date {
	int64_t utc;		/* seconds since 1970-01-01T00:00:00Z (a leap second
				 * :60 counts as the next second) */
	int offset;		/* zone, minutes east of UTC (-0330: -210) */
	int year;		/* 4 digits after §4.3's rules */
	int month;		/* 1..12 */
	int day, hour, minute, second;
	int wday;		/* 0 Sunday .. 6, as written; -1 if not given */
	unsigned problems;	/* MIME_DATE_* */
};

/* 1: *date_r holds the date-time. 0: s is not a date-time (a part is
 * missing or out of range: day of month, hour 0-23, minute 0-59, second
 * 0-60, zone minutes 0-59). */
int mime_date_parse(const char *s, size_t len, struct mime_date *date_r);
/* Write d as "Fri, 21 Nov 1997 09:55:06 -0600" (RFC 5322 §3.3, the day of
 * week computed) into out[outlen]; returns the length, 0 if it does not
 * fit (32 bytes always do). */
size_t mime_date_format(const struct mime_date *d, char *out, size_t outlen);
/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t mime_date_days(int year, int month, int day);

#endif
