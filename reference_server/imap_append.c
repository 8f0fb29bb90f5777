/* imap_append.c: APPEND.
 *
 * RFC 9051 §6.3.12 (APPEND mailbox [flag-list] [date-time] literal: the
 * flags and internal date are set on the new message, the date defaults
 * to now; a missing mailbox is NO [TRYCREATE] and is never created; no
 * partial append; APPENDUID in the OK; a selected mailbox gets EXISTS),
 * §9 (date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP
 * time SP zone DQUOTE, e.g. "17-Jul-1996 02:44:25 -0700"; flag-list; the
 * message is a literal, or a literal8 as RFC 3516 §4.4 allows), §2.3.2
 * (\Recent cannot be set), §7.1 (TRYCREATE, APPENDUID, TOOBIG, LIMIT);
 * RFC 4315 §3 (UIDPLUS: "[APPENDUID <uidvalidity> <uid>]"); RFC 7888
 * (the literal may be "{n+}" up to 4096 octets: imap_session.c).
 *
 * The message is stored through the store's spool: written, fsync()ed,
 * then linked under a UID that the mailbox state already gave out, so it
 * is durable before the OK and never half there. The literal is held in
 * memory by the command parser first (at most --max-message-size).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "imap_private.h"

static int
imap_digits(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int
imap_month(const char *s)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int m;

	for (m = 0; m < 12; m++)
		if (strncasecmp(s, months + m * 3, 3) == 0)
			return m;
	return -1;
}

static bool
imap_day_is_valid(int year, int mon, int day)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool is_leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return day >= 1 && day <= days[mon] + (mon == 1 && is_leap);
}

/* "dd-Mon-yyyy hh:mm:ss +zzzz" (26 characters, the quotes removed). */
static bool
imap_parse_date_time(const char *s, size_t len, time_t *t_r)
{
	struct tm tm;
	int zone, sign;

	if (len != 26 || s[2] != '-' || s[6] != '-' || s[11] != ' ' || s[14] != ':' ||
	    s[17] != ':' || s[20] != ' ' || (s[21] != '+' && s[21] != '-'))
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_mday = s[0] == ' ' ? imap_digits(s + 1, 1) : imap_digits(s, 2);
	tm.tm_mon = imap_month(s + 3);
	tm.tm_year = imap_digits(s + 7, 4);
	tm.tm_hour = imap_digits(s + 12, 2);
	tm.tm_min = imap_digits(s + 15, 2);
	tm.tm_sec = imap_digits(s + 18, 2);
	zone = imap_digits(s + 22, 4);
	if (tm.tm_mon < 0 || tm.tm_year < 1900 || tm.tm_hour < 0 || tm.tm_hour > 23 ||
	    tm.tm_min < 0 || tm.tm_min > 59 || tm.tm_sec < 0 || tm.tm_sec > 60 ||
	    zone < 0 || zone % 100 > 59 || !imap_day_is_valid(tm.tm_year, tm.tm_mon,
	    tm.tm_mday))
		return false;
	sign = s[21] == '-' ? -1 : 1;
	tm.tm_year -= 1900;
	*t_r = timegm(&tm) - sign * ((zone / 100) * 3600 + (zone % 100) * 60);
	return true;
}

/* The arguments between the mailbox and the message. */
struct imap_append_args {
	const struct imap_node *flags;	/* NULL: none */
	const struct imap_node *date;	/* NULL: now */
	const struct imap_node *msg;
};

static bool
imap_append_split(const struct imap_cmd *cmd, struct imap_append_args *a)
{
	size_t n = imap_cmd_nargs(cmd), i = 1;
	const struct imap_node *x;

	memset(a, 0, sizeof(*a));
	if (n < 2 || n > 4 || imap_arg_astring(imap_cmd_arg(cmd, 0), NULL) == NULL)
		return false;
	a->msg = imap_cmd_arg(cmd, n - 1);
	if (a->msg->kind != IMAP_NODE_STRING || !a->msg->is_literal)
		return false;
	x = imap_cmd_arg(cmd, i);
	if (i < n - 1 && x->kind == IMAP_NODE_LIST) {
		a->flags = x;
		x = imap_cmd_arg(cmd, ++i);
	}
	if (i < n - 1 && x->kind == IMAP_NODE_STRING && !x->is_literal) {
		a->date = x;
		i++;
	}
	return i == n - 1;
}

static bool
imap_check_append(struct imap_session *s, const struct imap_cmd *cmd)
{
	struct imap_append_args a;
	time_t t;

	if (!imap_append_split(cmd, &a))
		imap_bad(s, NULL, "APPEND: mailbox [(flags)] [\"date-time\"] literal expected");
	else if (a.date != NULL && !imap_parse_date_time(a.date->str, a.date->len, &t))
		imap_bad(s, NULL, "APPEND: invalid date-time (\"dd-Mon-yyyy hh:mm:ss +zzzz\")");
	else
		return true;
	return false;
}

/* Write the message through a spool into user's mailbox name. */
static int
imap_append_store(struct imap_session *s, const char *name, const struct imap_node *msg,
    unsigned flags, const char *kw, time_t date, uint32_t *uid_r)
{
	struct store_spool *sp = store_spool_new(s->srv->store);
	int rc = -1;

	if (sp != NULL && store_spool_write(sp, msg->str, msg->len) == 0 &&
	    store_spool_append(sp, s->user, name, flags, kw, date, uid_r) == 0)
		rc = 0;
	else
		server_log("imap: APPEND to %s of %s: %s", name, s->user,
		    store_error(s->srv->store));
	store_spool_free(&sp);
	return rc;
}

static void
imap_proceed_append(struct imap_session *s, const struct imap_cmd *cmd)
{
	char name[STORE_MAILBOX_MAX * 3 + 1], kw[IMAP_KEYWORDS_MAX + 1];
	struct imap_append_args a;
	struct store_mailbox *mb;
	uint32_t uidvalidity, uid;
	unsigned flags = 0;
	time_t date = 0;

	imap_append_split(cmd, &a);
	kw[0] = '\0';
	if ((a.flags != NULL && !imap_flags_parse(s, a.flags, &flags, kw, sizeof(kw))) ||
	    !imap_mailbox_arg(s, imap_cmd_arg(cmd, 0), name, sizeof(name), "CANNOT"))
		return;
	if (a.date != NULL)
		imap_parse_date_time(a.date->str, a.date->len, &date);
	if ((mb = store_mailbox_open(s->srv->store, s->user, name, false)) == NULL) {
		imap_no(s, "TRYCREATE", "Mailbox does not exist");
		return;
	}
	uidvalidity = store_mailbox_uidvalidity(mb);
	store_mailbox_close(&mb);
	if (a.msg->len == 0)
		imap_no(s, NULL, "Empty message refused");
	else if (a.msg->len > s->srv->limits.max_message_size)
		imap_no(s, "TOOBIG", "Message too large");
	else if (imap_append_store(s, name, a.msg, flags, kw, date, &uid) != 0)
		imap_no(s, "UNAVAILABLE", "Cannot store the message");
	else {
		char code[64];

		snprintf(code, sizeof(code), "APPENDUID %u %u", (unsigned)uidvalidity,
		    (unsigned)uid);
		imap_ok(s, code, "APPEND completed");
	}
}

const struct imap_handler imap_append_handlers[] = {
	{ "APPEND", IMAP_STATES_LOGGED_IN, 0, imap_check_append, imap_proceed_append },
};

const size_t imap_append_handlers_len =
    sizeof(imap_append_handlers) / sizeof(imap_append_handlers[0]);
