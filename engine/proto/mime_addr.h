/* mime_addr.h: RFC 5322 address lists, in the shape IMAP ENVELOPE needs.
 *
 * RFC 5322 §3.4 (address-list, mailbox, name-addr, angle-addr, group,
 * display names), §3.4.1 (addr-spec, domain literals), §4.4 (obsolete
 * addressing: routes, empty list elements, CFWS around dots, obs-phrase);
 * RFC 9051 §7.5.2 (ENVELOPE address structures: name, adl, mailbox, host;
 * a group is a start marker with host NIL and the group name as mailbox,
 * then its members, then an end marker with mailbox and host NIL).
 *
 * Contract: mime_addr_parse() parses a field value (unfolded or raw) and
 * returns the list in the arena given; pointers stay valid until it is
 * reset. It never fails on syntax: an element it cannot read becomes an
 * entry with is_invalid set and parsing resumes at the next ",".
 * Strings are C strings: a NUL byte in a quoted string, comment or domain
 * literal ends the string it is in (mime.h reports NUL in headers).
 */
#ifndef MAILSPEC_MIME_ADDR_H
#define MAILSPEC_MIME_ADDR_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

struct mime_address {
	const char *name;	/* display name: words joined by one SP, quotes and
				 * quoted-pairs resolved, encoded words kept as they are;
				 * with no display name, the text of a comment after the
				 * addr-spec; NULL if neither */
	const char *adl;	/* obsolete route "@a,@b" (RFC 5322 §4.4), NULL if none */
	const char *mailbox;	/* local part, unquoted; the group name at a group start;
				 * NULL at a group end; the element's text if is_invalid */
	const char *host;	/* domain ("[1.2.3.4]" for a literal); "" if is_invalid;
				 * NULL at group start and end markers */
	bool is_invalid;	/* not a mailbox: no "@domain", or a syntax error */
	struct mime_address *next;
};

/* Problems (*problems_r). */
#define MIME_ADDR_SYNTAX	0x01	/* an element that is not an address */
#define MIME_ADDR_NO_DOMAIN	0x02	/* an addr-spec without "@domain" */
#define MIME_ADDR_UNTERMINATED	0x04	/* missing ">", ";", closing quote or parenthesis */
#define MIME_ADDR_OBSOLETE	0x08	/* obsolete syntax (route, empty element, obs-phrase...) */

/* Parse s[0..len). Returns the number of entries (markers included) in
 * *list_r, or -1 when the arena is full. problems_r may be NULL. */
int mime_addr_parse(struct arena *a, const char *s, size_t len,
    struct mime_address **list_r, unsigned *problems_r);

#endif
