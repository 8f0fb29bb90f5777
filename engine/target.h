/* target.h: what mailspec runs against: endpoints given as curl-style URLs
 * (smtp://, smtps://, pop3://, pop3s://, imap://, imaps://), test users and
 * the mail domain (DESIGN.md "mailspec run", --smtp/--submission/--pop3/--imap). */
#ifndef MAILSPEC_TARGET_H
#define MAILSPEC_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "scenario.h"

#define TARGET_MAX_ENDPOINTS 16
#define TARGET_MAX_USERS 16

struct endpoint {
	enum role role;
	char *url;		/* as given */
	char *host;		/* without brackets */
	char *port;
	bool is_implicit_tls;	/* smtps/pop3s/imaps */
};

struct user {
	char *name;
	char *pass;
};

struct target {
	char *name;
	struct endpoint endpoints[TARGET_MAX_ENDPOINTS];
	size_t nendpoints;
	struct user users[TARGET_MAX_USERS];
	size_t nusers;
	char *domain;		/* default "localhost" */
	bool tls_verify;
	char *ca_file;
};

/* Parse URL for role and add it. 0, or -1 with a reason in err. */
int target_add_url(struct target *t, enum role role, const char *url, char *err, size_t errlen);
/* Add "NAME:PASS". 0, or -1 with a reason. */
int target_add_user(struct target *t, const char *spec, char *err, size_t errlen);
/* The endpoint a connection uses: for role, plain first under TLS_ANY. NULL if none fits. */
const struct endpoint *target_endpoint(const struct target *t, enum role role, enum tls_mode tls);
/* Load a target profile (YAML: name, endpoints, users, domain, tls,
 * known_failures); known failure ids are appended to *known (malloc'ed).
 * Errors go to err as file:line:col: error: ...; returns the error count. */
size_t target_load_file(struct target *t, const char *path, char ***known, size_t *nknown,
    FILE *err);
/* Free everything the target owns; the struct is zeroed. */
void target_free(struct target *t);

#endif
