/* pop3_cmds.c: CAPA, QUIT and the TRANSACTION-state POP3 commands.
 *
 * RFC 1939 §5 (STAT "+OK nn mm"; LIST [msg] scan listings with the exact
 * size in octets; RETR; DELE marks, and a marked message may not be
 * referenced again, "-ERR message 2 already deleted"; NOOP; RSET unmarks
 * all), §6 (QUIT in TRANSACTION enters the UPDATE state: the marked
 * messages are removed, then +OK, or -ERR if some could not be), §7 (TOP
 * msg n: the header, the blank line, then n body lines; UIDL [msg]:
 * unique-ids of 1-70 characters 0x21-0x7E, the same for a message in
 * every session), §4 (message numbers are given at login and never
 * change within a session; QUIT in AUTHORIZATION just closes);
 * RFC 2449 §5 (CAPA in both states), §6 (capability tags: TOP, USER,
 * SASL, RESP-CODES, PIPELINING, EXPIRE, UIDL, IMPLEMENTATION), RFC 2595
 * §4 (STLS: "present and permitted in the current state"), RFC 3206 §6
 * (AUTH-RESP-CODE).
 *
 * Sizes are the octets of the stored message file, which RETR sends as
 * it is (before byte-stuffing), so LIST, STAT and RETR always agree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pop3_private.h"

const struct store_msg *
pop3_msg_get(struct pop3_session *s, unsigned long n)
{
	if (n == 0 || n > s->nmsgs) {
		pop3_reply(s, "-ERR No such message");
		return NULL;
	}
	if (s->is_deleted[n - 1]) {
		pop3_reply(s, "-ERR Message %lu already deleted", n);
		return NULL;
	}
	return store_mailbox_msg(s->mb, n - 1);
}

/* Messages not marked as deleted, and their octets. */
static size_t
pop3_count(const struct pop3_session *s, unsigned long long *octets_r)
{
	size_t i, n = 0;

	*octets_r = 0;
	for (i = 0; i < s->nmsgs; i++) {
		if (s->is_deleted[i])
			continue;
		n++;
		*octets_r += store_mailbox_msg(s->mb, i)->size;
	}
	return n;
}

static bool
pop3_check_none(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	(void)s;
	(void)cmd;
	return true;
}

/* ---- CAPA (RFC 2449 §5) ---- */

static void
pop3_proceed_capa(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	(void)cmd;
	pop3_reply(s, "+OK Capability list follows");
	pop3_reply(s, "TOP");
	pop3_reply(s, "UIDL");
	pop3_reply(s, "RESP-CODES");
	pop3_reply(s, "AUTH-RESP-CODE");
	pop3_reply(s, "PIPELINING");
	pop3_reply(s, "EXPIRE NEVER");
	if (!io_is_tls(s->io) && s->state == POP3_STATE_AUTHORIZATION)
		pop3_reply(s, "STLS");
	if (pop3_can_login(s)) {
		pop3_reply(s, "USER");
		pop3_reply(s, "SASL %s", SASL_MECHS);
	}
	pop3_reply(s, "IMPLEMENTATION mailspec-server");
	pop3_reply(s, ".");
}

/* ---- QUIT and the UPDATE state (RFC 1939 §6) ---- */

static void
pop3_update(struct pop3_session *s)
{
	uint32_t *uids;
	size_t i, n = 0, left;
	int rc = 0;

	uids = calloc(s->nmsgs + 1, sizeof(*uids));
	if (uids == NULL)
		rc = -1;
	for (i = 0; uids != NULL && i < s->nmsgs; i++)
		if (s->is_deleted[i])
			uids[n++] = store_mailbox_msg(s->mb, i)->uid;
	if (n > 0 && rc == 0 && (rc = store_mailbox_expunge(s->mb, uids, n)) != 0)
		server_log("pop3: UPDATE for %s: %s", s->auth_user,
		    store_error(s->srv->store));
	free(uids);
	left = s->nmsgs - n;
	pop3_maildrop_release(s);	/* the next session may log in now */
	if (rc != 0)
		pop3_reply(s, "-ERR [SYS/TEMP] Some deleted messages not removed");
	else
		pop3_reply(s, "+OK %s signing off (%zu messages left)",
		    s->srv->hostname, left);
}

static void
pop3_proceed_quit(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	(void)cmd;
	if (s->state == POP3_STATE_TRANSACTION)
		pop3_update(s);
	else
		pop3_reply(s, "+OK %s signing off", s->srv->hostname);
	pop3_enter_state(s, POP3_STATE_QUIT);
}

/* ---- TRANSACTION ---- */

static void
pop3_proceed_noop(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	(void)cmd;
	pop3_reply(s, "+OK");
}

static void
pop3_proceed_stat(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	unsigned long long octets;
	size_t n = pop3_count(s, &octets);

	(void)cmd;
	pop3_reply(s, "+OK %zu %llu", n, octets);
}

static void
pop3_proceed_list(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	const struct store_msg *m;
	unsigned long long octets;
	size_t n;

	if (cmd->nargs == 0) {
		n = pop3_count(s, &octets);
		pop3_reply(s, "+OK %zu messages (%llu octets)", n, octets);
		pop3_body_start_listing(s, POP3_BODY_LIST);
		return;
	}
	if ((m = pop3_msg_get(s, cmd->num[0])) != NULL)
		pop3_reply(s, "+OK %lu %llu", cmd->num[0], (unsigned long long)m->size);
}

static void
pop3_proceed_uidl(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	const struct store_msg *m;
	char id[32];

	if (cmd->nargs == 0) {
		pop3_reply(s, "+OK Unique-id listing follows");
		pop3_body_start_listing(s, POP3_BODY_UIDL);
		return;
	}
	if ((m = pop3_msg_get(s, cmd->num[0])) == NULL)
		return;
	pop3_body_unique_id(s, m, id, sizeof(id));
	pop3_reply(s, "+OK %lu %s", cmd->num[0], id);
}

static void
pop3_proceed_dele(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	if (pop3_msg_get(s, cmd->num[0]) == NULL)
		return;
	s->is_deleted[cmd->num[0] - 1] = 1;	/* removed only in UPDATE */
	pop3_reply(s, "+OK Message %lu deleted", cmd->num[0]);
}

static void
pop3_proceed_rset(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	unsigned long long octets;
	size_t n;

	(void)cmd;
	memset(s->is_deleted, 0, s->nmsgs);
	n = pop3_count(s, &octets);
	pop3_reply(s, "+OK Maildrop has %zu messages (%llu octets)", n, octets);
}

static void
pop3_proceed_retr(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	if (pop3_msg_get(s, cmd->num[0]) != NULL)
		pop3_body_start_message(s, cmd->num[0], false, 0);
}

static void
pop3_proceed_top(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	if (pop3_msg_get(s, cmd->num[0]) != NULL)
		pop3_body_start_message(s, cmd->num[0], true, cmd->num[1]);
}

const struct pop3_handler pop3_cmd_handlers[] = {
	{ POP3_VERB_CAPA, pop3_check_none, pop3_proceed_capa },
	{ POP3_VERB_QUIT, pop3_check_none, pop3_proceed_quit },
	{ POP3_VERB_NOOP, pop3_check_transaction, pop3_proceed_noop },
	{ POP3_VERB_STAT, pop3_check_transaction, pop3_proceed_stat },
	{ POP3_VERB_LIST, pop3_check_transaction, pop3_proceed_list },
	{ POP3_VERB_UIDL, pop3_check_transaction, pop3_proceed_uidl },
	{ POP3_VERB_DELE, pop3_check_transaction, pop3_proceed_dele },
	{ POP3_VERB_RSET, pop3_check_transaction, pop3_proceed_rset },
	{ POP3_VERB_RETR, pop3_check_transaction, pop3_proceed_retr },
	{ POP3_VERB_TOP, pop3_check_transaction, pop3_proceed_top },
};

const size_t pop3_cmd_handlers_len =
    sizeof(pop3_cmd_handlers) / sizeof(pop3_cmd_handlers[0]);
