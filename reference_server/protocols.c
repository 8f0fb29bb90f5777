/* protocols.c: the listener table: one entry per protocol the server can
 * serve. RFC 5321 §4.5.4 (port 25 SMTP), RFC 6409 §3.1 (submission,
 * port 587), RFC 8314 (implicit TLS: pop3s, imaps, submissions).
 * RFC 1939 §4 (POP3, port 110; STLS per RFC 2595), RFC 8314 §3.3 (pop3s,
 * port 995), RFC 9051 §6.2.1 (IMAP, port 143, STARTTLS), RFC 8314 §3.3
 * (imaps, port 993).
 */
#include "conn.h"

#include <string.h>

#include "imap_session.h"
#include "pop3_session.h"
#include "smtp_session.h"

const struct proto_def proto_table[] = {
	{
		.name = "smtp",
		.start = smtp_session_start,
		.refuse = smtp_session_refuse,
	},
	{
		.name = "submission",
		.start = submission_session_start,
		.refuse = smtp_session_refuse,
	},
	{
		.name = "pop3",
		.start = pop3_session_start,
		.refuse = pop3_session_refuse,
	},
	{
		.name = "pop3s",
		.is_implicit_tls = true,
		.start = pop3_session_start,
		.refuse = pop3_session_refuse,
	},
	{
		.name = "imap",
		.start = imap_session_start,
		.refuse = imap_session_refuse,
	},
	{
		.name = "imaps",
		.is_implicit_tls = true,
		.start = imap_session_start,
		.refuse = imap_session_refuse,
	},
};

const size_t proto_table_len = sizeof(proto_table) / sizeof(proto_table[0]);

const struct proto_def *
proto_find(const char *name)
{
	size_t i;

	for (i = 0; i < proto_table_len; i++)
		if (strcmp(proto_table[i].name, name) == 0)
			return &proto_table[i];
	return NULL;
}
