/* sasl.c: SASL PLAIN (RFC 4616) and LOGIN (draft-murchison-sasl-login)
 * for the server, with RFC 4954 §4's strict base64 rules: any character
 * outside the alphabet or a misplaced "=" fails the exchange, "*" cancels
 * it, and "=" stands for an empty initial response.
 */
#include "sasl.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base64.h"

#define SASL_FIELD_MAX	255	/* RFC 4616 §2: accept up to 255 octets */

enum sasl_mech { SASL_MECH_PLAIN = 1, SASL_MECH_LOGIN };

/* Decode a response; -1 when not strict base64. "=" is empty. */
static int
sasl_decode(const char *in, size_t len, char *out, size_t outmax, size_t *n_r)
{
	size_t n;

	if (len == 1 && in[0] == '=') {
		*n_r = 0;
		out[0] = '\0';
		return 0;
	}
	if (len == 0 || len % 4 != 0 || len / 4 * 3 > outmax - 1)
		return -1;
	n = base64_decode(in, len, out, NULL);
	if (n == (size_t)-1)
		return -1;
	out[n] = '\0';
	*n_r = n;
	return 0;
}

/* authzid NUL authcid NUL passwd; authzid must be empty or authcid. */
static enum sasl_result
sasl_plain(const struct users *u, const char *msg, size_t len,
    const char **user_r)
{
	const char *authz = msg, *authc, *pass, *nul;
	size_t zlen, clen;
	char name[SASL_FIELD_MAX + 1];

	nul = memchr(msg, '\0', len);
	if (nul == NULL)
		return SASL_FAILED;
	zlen = (size_t)(nul - msg);
	authc = nul + 1;
	nul = memchr(authc, '\0', len - zlen - 1);
	if (nul == NULL)
		return SASL_FAILED;
	clen = (size_t)(nul - authc);
	pass = nul + 1;
	if (clen == 0 || clen > SASL_FIELD_MAX ||
	    (zlen != 0 && (zlen != clen || memcmp(authz, authc, clen) != 0)))
		return SASL_FAILED;	/* no proxy authorization here */
	memcpy(name, authc, clen);
	name[clen] = '\0';
	if (!users_check_password(u, name, pass, len - zlen - clen - 2))
		return SASL_FAILED;
	*user_r = users_find(u, name);
	return SASL_OK;
}

static enum sasl_result
sasl_login(struct sasl *sa, const struct users *u, const char *msg, size_t len,
    const char **challenge_r, const char **user_r)
{
	if (sa->step == 0) {
		if (len > USERS_NAME_MAX || memchr(msg, '\0', len) != NULL)
			snprintf(sa->login_user, sizeof(sa->login_user), "%s", "");
		else
			snprintf(sa->login_user, sizeof(sa->login_user), "%.*s",
			    (int)len, msg);
		sa->step = 1;
		*challenge_r = "UGFzc3dvcmQ6";		/* "Password:" */
		return SASL_CONTINUE;
	}
	if (sa->login_user[0] == '\0' ||
	    !users_check_password(u, sa->login_user, msg, len))
		return SASL_FAILED;
	*user_r = users_find(u, sa->login_user);
	return SASL_OK;
}

static enum sasl_result
sasl_feed(struct sasl *sa, const struct users *u, const char *b64, size_t len,
    const char **challenge_r, const char **user_r)
{
	char msg[SASL_LINE_MAX];
	size_t n;

	if (sasl_decode(b64, len, msg, sizeof(msg), &n) != 0)
		return SASL_BAD_BASE64;
	if (sa->mech == SASL_MECH_PLAIN)
		return sasl_plain(u, msg, n, user_r);
	return sasl_login(sa, u, msg, n, challenge_r, user_r);
}

enum sasl_result
sasl_begin(struct sasl *sa, const struct users *u, const char *mech,
    const char *initial, const char **challenge_r, const char **user_r)
{
	memset(sa, 0, sizeof(*sa));
	*challenge_r = "";
	*user_r = NULL;
	if (strcasecmp(mech, "PLAIN") == 0)
		sa->mech = SASL_MECH_PLAIN;
	else if (strcasecmp(mech, "LOGIN") == 0)
		sa->mech = SASL_MECH_LOGIN;
	else
		return SASL_BAD_MECH;
	if (initial != NULL)
		return sasl_feed(sa, u, initial, strlen(initial), challenge_r, user_r);
	if (sa->mech == SASL_MECH_LOGIN)
		*challenge_r = "VXNlcm5hbWU6";		/* "Username:" */
	return SASL_CONTINUE;
}

enum sasl_result
sasl_step(struct sasl *sa, const struct users *u, const char *line,
    size_t len, const char **challenge_r, const char **user_r)
{
	*challenge_r = "";
	*user_r = NULL;
	if (len == 1 && line[0] == '*')
		return SASL_CANCELLED;
	return sasl_feed(sa, u, line, len, challenge_r, user_r);
}
