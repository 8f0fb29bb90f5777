/* users.c: the users file and address resolution.
 *
 * RFC 5321 §2.4 (local parts may be case-sensitive; domains are not),
 * §4.5.1 (Postmaster must be accepted, case-insensitively, with or
 * without a domain), §2.3.5 (domain names).
 */
#include "users.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define USERS_MAX		10000
#define USERS_LINE_MAX		1024

struct user {
	char *name;
	char *pass;
};

struct users {
	struct user *v;
	size_t n;
	char **domains;
	size_t ndomains;
	const char *postmaster;
};

bool
users_name_is_valid(const char *name, size_t len)
{
	size_t i;

	if (len == 0 || len > USERS_NAME_MAX || name[0] == '.')
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
		    c == '+'))
			return false;
	}
	return true;
}

static char *
users_strndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p != NULL) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static int
users_add(struct users *u, const char *name, size_t nlen, const char *pass,
    size_t plen)
{
	struct user *v;

	if (u->n == USERS_MAX)
		return -1;
	v = realloc(u->v, (u->n + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	u->v = v;
	v[u->n].name = users_strndup(name, nlen);
	v[u->n].pass = users_strndup(pass, plen);
	if (v[u->n].name == NULL || v[u->n].pass == NULL) {
		free(v[u->n].name);
		free(v[u->n].pass);
		return -1;
	}
	u->n++;
	return 0;
}

/* One line of the file (no newline); 0, or -1 with err filled. */
static int
users_parse_line(struct users *u, const char *line, size_t len,
    const char *path, unsigned lineno, char *err, size_t errlen)
{
	const char *colon;

	if (len > 0 && line[len - 1] == '\r')
		len--;		/* CRLF files; spaces may be part of a password */
	if (len == 0 || line[0] == '#')
		return 0;
	colon = memchr(line, ':', len);
	if (colon == NULL) {
		snprintf(err, errlen, "%s:%u: expected name:password", path, lineno);
		return -1;
	}
	if (!users_name_is_valid(line, (size_t)(colon - line))) {
		snprintf(err, errlen, "%s:%u: invalid user name (letters, digits, "
		    "'.', '_', '-', '+'; at most %d)", path, lineno, USERS_NAME_MAX);
		return -1;
	}
	if (users_add(u, line, (size_t)(colon - line), colon + 1,
	    len - (size_t)(colon - line) - 1) != 0) {
		snprintf(err, errlen, "%s:%u: too many users", path, lineno);
		return -1;
	}
	return 0;
}

static int
users_read_file(struct users *u, const char *path, char *err, size_t errlen)
{
	char line[USERS_LINE_MAX];
	unsigned lineno = 0;
	size_t len;
	FILE *f;
	int rc = 0;

	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		len = strlen(line);
		if (len > 0 && line[len - 1] == '\n')
			len--;
		else if (!feof(f)) {
			snprintf(err, errlen, "%s:%u: line too long", path, lineno);
			rc = -1;
			break;
		}
		rc = users_parse_line(u, line, len, path, lineno, err, errlen);
	}
	fclose(f);
	return rc;
}

static int
users_set_domains(struct users *u, const char *const *domains, size_t n)
{
	static const char *const dflt[] = { "localhost" };
	size_t i;

	if (n == 0) {
		domains = dflt;
		n = 1;
	}
	u->domains = calloc(n, sizeof(*u->domains));
	if (u->domains == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		u->domains[i] = users_strndup(domains[i], strlen(domains[i]));
		if (u->domains[i] == NULL)
			return -1;
		u->ndomains++;
	}
	return 0;
}

static void
users_pick_postmaster(struct users *u)
{
	size_t i;

	u->postmaster = "postmaster";
	for (i = 0; i < u->n; i++)
		if (strcasecmp(u->v[i].name, "postmaster") == 0) {
			u->postmaster = u->v[i].name;
			return;
		}
	if (u->n > 0)
		u->postmaster = u->v[0].name;
}

struct users *
users_load(const char *path, const char *const *domains, size_t ndomains,
    char *err, size_t errlen)
{
	struct users *u;

	u = calloc(1, sizeof(*u));
	if (u == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (users_set_domains(u, domains, ndomains) != 0) {
		snprintf(err, errlen, "out of memory");
		users_free(&u);
		return NULL;
	}
	if (path != NULL && users_read_file(u, path, err, errlen) != 0) {
		users_free(&u);
		return NULL;
	}
	users_pick_postmaster(u);
	return u;
}

void
users_free(struct users **up)
{
	struct users *u = *up;
	size_t i;

	if (u == NULL)
		return;
	for (i = 0; i < u->n; i++) {
		free(u->v[i].name);
		if (u->v[i].pass != NULL)
			memset(u->v[i].pass, 0, strlen(u->v[i].pass));
		free(u->v[i].pass);
	}
	for (i = 0; i < u->ndomains; i++)
		free(u->domains[i]);
	free(u->domains);
	free(u->v);
	free(u);
	*up = NULL;
}

static const struct user *
users_get(const struct users *u, const char *name)
{
	size_t i;

	for (i = 0; i < u->n; i++)
		if (strcmp(u->v[i].name, name) == 0)
			return &u->v[i];
	return NULL;
}

const char *
users_find(const struct users *u, const char *name)
{
	const struct user *x = users_get(u, name);

	return x != NULL ? x->name : NULL;
}

/* Compare without leaking where the first difference is. */
static bool
users_equal_ct(const char *a, size_t alen, const char *b, size_t blen)
{
	unsigned char diff = alen != blen;
	size_t i;

	for (i = 0; i < alen; i++)
		diff |= (unsigned char)a[i] ^ (unsigned char)b[i < blen ? i : 0];
	/* b[0] is its NUL when blen == 0; the length check decides then */
	return diff == 0;
}

bool
users_check_password(const struct users *u, const char *name,
    const char *pass, size_t passlen)
{
	const struct user *x = users_get(u, name);

	if (x == NULL)
		return false;
	return users_equal_ct(pass, passlen, x->pass, strlen(x->pass));
}

bool
users_is_local_domain(const struct users *u, const char *domain)
{
	size_t i, len = strlen(domain);

	if (len > 0 && domain[len - 1] == '.')
		len--;		/* a trailing root dot names the same domain */
	for (i = 0; i < u->ndomains; i++)
		if (strlen(u->domains[i]) == len &&
		    strncasecmp(u->domains[i], domain, len) == 0)
			return true;
	return false;
}

const char *
users_primary_domain(const struct users *u)
{
	return u->domains[0];
}

const char *
users_postmaster(const struct users *u)
{
	return u->postmaster;
}

enum users_resolve
users_resolve(const struct users *u, const char *local, const char *domain,
    bool is_postmaster, const char **user_r)
{
	*user_r = NULL;
	if (domain != NULL && domain[0] != '\0' && !users_is_local_domain(u, domain))
		return USERS_NOT_LOCAL;
	if (is_postmaster || strcasecmp(local, "postmaster") == 0) {
		*user_r = u->postmaster;
		return USERS_LOCAL;
	}
	if (domain == NULL || domain[0] == '\0')
		return USERS_NOT_LOCAL;
	*user_r = users_find(u, local);
	return *user_r != NULL ? USERS_LOCAL : USERS_NO_SUCH_USER;
}
