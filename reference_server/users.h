/* users.h: who has a mailbox here, and which addresses reach them.
 *
 * Users come from a file of "name:password" lines ('#' starts a comment
 * line, blank lines are skipped; the password is everything after the
 * first ':'). A user's addresses are name@D for every served domain D.
 * Local parts match exactly (RFC 5321 §2.4 lets the server treat them as
 * case-sensitive, which is the safe choice); domains match without
 * regard to case. "Postmaster" (any case, with a served domain or
 * without any, RFC 5321 §4.5.1) reaches the user named "postmaster" if
 * there is one, else the first user in the file, else a store mailbox
 * named "postmaster".
 *
 * Strings returned stay valid until users_free().
 */
#ifndef MAILSPEC_USERS_H
#define MAILSPEC_USERS_H

#include <stdbool.h>
#include <stddef.h>

#define USERS_NAME_MAX	64	/* RFC 5321 §4.5.3.1.1 local-part limit */

enum users_resolve {
	USERS_LOCAL,		/* a user here: *user_r set */
	USERS_NO_SUCH_USER,	/* a served domain, unknown local part */
	USERS_NOT_LOCAL,	/* a domain not served here (relaying) */
};

struct users;

/* Load path (NULL: no users); domains[0..n) are the served domains
 * (copied). NULL with "file:line: problem" in err on failure. */
struct users *users_load(const char *path, const char *const *domains,
    size_t ndomains, char *err, size_t errlen);
/* Free; clears *up. NULL-safe. */
void users_free(struct users **up);

/* The canonical name of the user called name (exact match), or NULL. */
const char *users_find(const struct users *u, const char *name);
/* true when name exists and pass matches (compared in constant time). */
bool users_check_password(const struct users *u, const char *name,
    const char *pass, size_t passlen);
/* Where an address goes; is_postmaster is RCPT TO:<Postmaster>. */
enum users_resolve users_resolve(const struct users *u, const char *local,
    const char *domain, bool is_postmaster, const char **user_r);
/* true when domain (no brackets) is one of ours, case-insensitively. */
bool users_is_local_domain(const struct users *u, const char *domain);
/* The first served domain: the host name in greetings. */
const char *users_primary_domain(const struct users *u);
/* The store user that receives postmaster mail. */
const char *users_postmaster(const struct users *u);
/* A name is usable as a user and as a store directory name. */
bool users_name_is_valid(const char *name, size_t len);

#endif
