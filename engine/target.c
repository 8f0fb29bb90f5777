/* target.c: endpoint URLs in curl's style and test users. Default ports
 * follow the IANA registrations: smtp 25, submission 587 (RFC 6409),
 * smtps/submissions 465 (RFC 8314 §7.3), pop3 110, pop3s 995, imap 143,
 * imaps 993. */
#include "target.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct scheme {
	const char *name;
	enum role role;		/* the role it belongs to */
	bool is_tls;
	const char *port;
};

static const struct scheme schemes[] = {
	{ "smtp", ROLE_SMTP, false, "25" },
	{ "smtps", ROLE_SMTP, true, "465" },
	{ "pop3", ROLE_POP3, false, "110" },
	{ "pop3s", ROLE_POP3, true, "995" },
	{ "imap", ROLE_IMAP, false, "143" },
	{ "imaps", ROLE_IMAP, true, "993" },
};

static int
target_fail(char *err, size_t errlen, const char *url, const char *why)
{
	snprintf(err, errlen, "bad URL '%s': %s", url, why);
	return -1;
}

static const struct scheme *
target_scheme(const char *url, size_t *len_r)
{
	size_t i, n;

	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		n = strlen(schemes[i].name);
		if (strncmp(url, schemes[i].name, n) == 0 && strncmp(url + n, "://", 3) == 0) {
			*len_r = n + 3;
			return &schemes[i];
		}
	}
	return NULL;
}

/* Split "host:port", "[v6]:port", "host" (up to '/' or '?'). */
static int
target_split_hostport(const char *s, char **host_r, char **port_r)
{
	size_t end = strcspn(s, "/?#");
	const char *colon, *hs = s;
	size_t hlen;

	if (s[0] == '[') {
		const char *rb = memchr(s, ']', end);
		if (rb == NULL)
			return -1;
		hs = s + 1;
		hlen = (size_t)(rb - hs);
		colon = rb[1] == ':' ? rb + 1 : NULL;
		if (rb[1] != ':' && (size_t)(rb + 1 - s) != end)
			return -1;
	} else {
		colon = memchr(s, ':', end);
		hlen = colon ? (size_t)(colon - s) : end;
	}
	if (hlen == 0)
		return -1;
	*host_r = strndup(hs, hlen);
	*port_r = colon ? strndup(colon + 1, (size_t)(s + end - colon - 1)) : NULL;
	return 0;
}

static bool
target_port_ok(const char *p)
{
	size_t i;
	long v = 0;

	for (i = 0; p[i] != '\0'; i++) {
		if (p[i] < '0' || p[i] > '9' || i > 5)
			return false;
		v = v * 10 + (p[i] - '0');
	}
	return i > 0 && v > 0 && v < 65536;
}

int
target_add_url(struct target *t, enum role role, const char *url, char *err, size_t errlen)
{
	const struct scheme *sc;
	struct endpoint *ep;
	char *host = NULL, *port = NULL;
	size_t skip;

	if (t->nendpoints == TARGET_MAX_ENDPOINTS)
		return target_fail(err, errlen, url, "too many endpoints");
	sc = target_scheme(url, &skip);
	if (sc == NULL)
		return target_fail(err, errlen, url,
		    "use smtp://, smtps://, pop3://, pop3s://, imap:// or imaps://");
	if (sc->role != (role == ROLE_SUBMISSION ? ROLE_SMTP : role))
		return target_fail(err, errlen, url, "the scheme does not fit this option");
	if (target_split_hostport(url + skip, &host, &port) != 0) {
		free(host);
		return target_fail(err, errlen, url, "expected HOST[:PORT]");
	}
	if (port == NULL)
		port = strdup(role == ROLE_SUBMISSION && !sc->is_tls ? "587" : sc->port);
	if (port == NULL || !target_port_ok(port)) {
		free(host);
		free(port);
		return target_fail(err, errlen, url, "bad port");
	}
	ep = &t->endpoints[t->nendpoints++];
	ep->role = role;
	ep->url = strdup(url);
	ep->host = host;
	ep->port = port;
	ep->is_implicit_tls = sc->is_tls;
	return 0;
}

int
target_add_user(struct target *t, const char *spec, char *err, size_t errlen)
{
	const char *colon = strchr(spec, ':');

	if (colon == NULL || colon == spec) {
		snprintf(err, errlen, "--user wants NAME:PASS, got '%s'", spec);
		return -1;
	}
	if (t->nusers == TARGET_MAX_USERS) {
		snprintf(err, errlen, "at most %d users", TARGET_MAX_USERS);
		return -1;
	}
	t->users[t->nusers].name = strndup(spec, (size_t)(colon - spec));
	t->users[t->nusers].pass = strdup(colon + 1);
	t->nusers++;
	return 0;
}

const struct endpoint *
target_endpoint(const struct target *t, enum role role, enum tls_mode tls)
{
	const struct endpoint *implicit = NULL;
	size_t i;

	for (i = 0; i < t->nendpoints; i++) {
		const struct endpoint *ep = &t->endpoints[i];
		if (ep->role != role)
			continue;
		if (!ep->is_implicit_tls && tls != TLS_IMPLICIT)
			return ep;
		if (ep->is_implicit_tls && implicit == NULL)
			implicit = ep;
	}
	return tls == TLS_PLAIN ? NULL : implicit;
}

void
target_free(struct target *t)
{
	size_t i;

	for (i = 0; i < t->nendpoints; i++) {
		free(t->endpoints[i].url);
		free(t->endpoints[i].host);
		free(t->endpoints[i].port);
	}
	for (i = 0; i < t->nusers; i++) {
		free(t->users[i].name);
		free(t->users[i].pass);
	}
	free(t->name);
	free(t->domain);
	free(t->ca_file);
	memset(t, 0, sizeof(*t));
}
