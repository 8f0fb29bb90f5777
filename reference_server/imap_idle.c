/* imap_idle.c: IDLE.
 *
 * RFC 9051 §6.3.13 and RFC 2177 §3 (IDLE: "+ idling", then untagged
 * EXISTS, EXPUNGE and FETCH as the mailbox changes, until the client
 * sends "DONE"; the tagged OK follows; any other line is not a command
 * but a client error: BAD, and IDLE ends), §5.3 (while IDLE runs a
 * command is in progress, so EXPUNGE may be sent at any time), §7.5.2
 * (the unsolicited FETCH carries UID), §5.4 (the autologout timer runs
 * on: a client re-issues IDLE within 29 minutes).
 *
 * The store's notification (imap_view.c) wakes an idling session
 * through a zero-delay loop timer, so the announcement is made from the
 * loop and never from inside the store call of another session.
 */
#include <strings.h>

#include "imap_private.h"

void
imap_idle_wake(struct imap_session *s)
{
	if (s->mode == IMAP_MODE_IDLE && !loop_timer_is_running(&s->idle_timer))
		loop_timer_start(s->srv->loop, &s->idle_timer, 0);
}

void
imap_idle_on_timer(void *arg)
{
	struct imap_session *s = arg;

	if (s->mode == IMAP_MODE_IDLE && s->state == IMAP_STATE_SELECTED &&
	    s->view.is_changed)
		imap_view_sync(s, true);
}

static void
imap_proceed_idle(struct imap_session *s, const struct imap_cmd *cmd)
{
	(void)cmd;
	if (s->state == IMAP_STATE_SELECTED)
		imap_view_sync(s, true);	/* what happened before IDLE */
	imap_continue(s, "idling");
	imap_set_mode(s, IMAP_MODE_IDLE);
}

void
imap_idle_line(struct imap_session *s, const char *line, size_t len)
{
	imap_set_mode(s, IMAP_MODE_COMMAND);
	s->may_expunge = true;
	if (line != NULL && len == 4 && strncasecmp(line, "DONE", 4) == 0)
		imap_ok(s, NULL, "IDLE terminated");
	else
		imap_bad(s, NULL, "Expected DONE to end IDLE");
}

const struct imap_handler imap_idle_handlers[] = {
	{ "IDLE", IMAP_STATES_LOGGED_IN, 0, imap_check_no_args, imap_proceed_idle },
};

const size_t imap_idle_handlers_len =
    sizeof(imap_idle_handlers) / sizeof(imap_idle_handlers[0]);
