/* target_file.c: target profiles (DESIGN.md "--target FILE"):
 *
 *   name: Postfix 3.7 on mx.test
 *   endpoints:
 *     smtp: smtp://127.0.0.1:2525
 *     pop3: [pop3://127.0.0.1:1110, pop3s://127.0.0.1:1995]
 *   users: [{name: alice, password: secret}, {name: bob, password: secret}]
 *   domain: mx.test
 *   tls: {verify: true, ca_file: /etc/ssl/mx.pem}
 *   known_failures: [smtp.vrfy.supported]
 *
 * Parsed with the scenario loader's accessors, so errors read the same. */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "loader_private.h"
#include "target.h"

static const char *const profile_keys[] = {
	"name", "endpoints", "users", "domain", "tls", "known_failures", NULL
};

static void
profile_endpoints(struct lctx *c, struct target *t, const yaml_node_t *n)
{
	yaml_node_pair_t *p;
	char err[512];

	if (n->type != YAML_MAPPING_NODE) {
		lerr(c, n, "endpoints: expected a map such as {smtp: smtp://host:25}");
		return;
	}
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = lnode(c, p->key), *v = lnode(c, p->value);
		struct text *urls, one;
		size_t nurls = 1, i;
		int role;
		const char *name;

		if (!lget_str(c, k, &name))
			continue;
		for (role = 0; role < ROLE_COUNT && strcmp(name, role_name((enum role)role)); role++)
			;
		if (role == ROLE_COUNT) {
			lerr(c, k, "unknown endpoint '%s' (smtp, submission, pop3, imap)", name);
			continue;
		}
		if (v->type == YAML_SCALAR_NODE) {
			if (!lget_text(c, v, &one))
				continue;
			urls = &one;
		} else if (!lget_text_list(c, v, &urls, &nurls)) {
			continue;
		}
		for (i = 0; i < nurls; i++)
			if (target_add_url(t, (enum role)role, urls[i].s, err, sizeof(err)) != 0)
				lerr_at(c, urls[i].line, urls[i].col, "%s", err);
	}
}

static void
profile_users(struct lctx *c, struct target *t, const yaml_node_t *n)
{
	yaml_node_item_t *it;
	char err[256];

	if (n->type != YAML_SEQUENCE_NODE) {
		lerr(c, n, "users: expected a list of {name, password}");
		return;
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *u = lnode(c, *it);
		struct kv *kv;
		size_t nkv, i;
		const char *name = NULL, *pass = NULL;
		char *spec;

		if (!lget_kv_map(c, u, &kv, &nkv))
			continue;
		for (i = 0; i < nkv; i++) {
			if (strcmp(kv[i].key.s, "name") == 0)
				name = kv[i].value.s;
			else if (strcmp(kv[i].key.s, "password") == 0)
				pass = kv[i].value.s;
			else
				lerr_at(c, kv[i].key.line, kv[i].key.col,
				    "unknown key '%s' in a user (name, password)", kv[i].key.s);
		}
		if (name == NULL || pass == NULL) {
			lerr(c, u, "a user needs name and password");
			continue;
		}
		spec = malloc(strlen(name) + strlen(pass) + 2);
		if (spec == NULL)
			continue;
		snprintf(spec, strlen(name) + strlen(pass) + 2, "%s:%s", name, pass);
		if (target_add_user(t, spec, err, sizeof(err)) != 0)
			lerr(c, u, "%s", err);
		free(spec);
	}
}

static void
profile_tls(struct lctx *c, struct target *t, const yaml_node_t *n)
{
	yaml_node_pair_t *p;

	if (n->type != YAML_MAPPING_NODE) {
		lerr(c, n, "tls: expected {verify: true|false, ca_file: PATH}");
		return;
	}
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = lnode(c, p->key), *v = lnode(c, p->value);
		const char *key = (const char *)k->data.scalar.value, *s;

		if (strcmp(key, "verify") == 0)
			lget_bool(c, v, &t->tls_verify);
		else if (strcmp(key, "ca_file") == 0 && lget_str(c, v, &s))
			t->ca_file = strdup(s);
		else if (strcmp(key, "ca_file") != 0)
			lerr(c, k, "unknown key '%s' in tls (verify, ca_file)", key);
	}
}

static void
profile_known(struct lctx *c, const yaml_node_t *n, char ***known, size_t *nknown)
{
	struct text *ids;
	size_t nids, i;

	if (!lget_text_list(c, n, &ids, &nids))
		return;
	for (i = 0; i < nids; i++) {
		char **p = realloc(*known, (*nknown + 1) * sizeof(**known));
		if (p == NULL)
			return;
		*known = p;
		p[(*nknown)++] = strdup(ids[i].s);
	}
}

static void
profile_parse(struct lctx *c, struct target *t, const yaml_node_t *root, char ***known,
    size_t *nknown)
{
	yaml_node_pair_t *p;
	const char *s;

	if (root->type != YAML_MAPPING_NODE) {
		lerr(c, root, "a target profile is a map: name, endpoints, users, ...");
		return;
	}
	for (p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = lnode(c, p->key), *v = lnode(c, p->value);
		const char *key = (const char *)k->data.scalar.value;

		if (k->type != YAML_SCALAR_NODE)
			lerr(c, k, "keys must be strings");
		else if (strcmp(key, "name") == 0 && lget_str(c, v, &s))
			t->name = strdup(s);
		else if (strcmp(key, "domain") == 0 && lget_str(c, v, &s))
			t->domain = strdup(s);
		else if (strcmp(key, "endpoints") == 0)
			profile_endpoints(c, t, v);
		else if (strcmp(key, "users") == 0)
			profile_users(c, t, v);
		else if (strcmp(key, "tls") == 0)
			profile_tls(c, t, v);
		else if (strcmp(key, "known_failures") == 0)
			profile_known(c, v, known, nknown);
		else if (strcmp(key, "name") != 0 && strcmp(key, "domain") != 0)
			lerr_unknown_key(c, k, "a target profile", profile_keys);
	}
}

size_t
target_load_file(struct target *t, const char *path, char ***known, size_t *nknown, FILE *err)
{
	struct lctx c = { .file = path, .err = err };
	yaml_parser_t yp;
	yaml_document_t doc;
	FILE *f = fopen(path, "rb");

	if (f == NULL) {
		fprintf(err, "%s:1:1: error: cannot open the target profile\n", path);
		return 1;
	}
	c.arena = arena_new(1u << 20);
	yaml_parser_initialize(&yp);
	yaml_parser_set_input_file(&yp, f);
	if (!yaml_parser_load(&yp, &doc)) {
		lerr_at(&c, (int)yp.problem_mark.line + 1, (int)yp.problem_mark.column + 1, "%s",
		    yp.problem ? yp.problem : "YAML error");
	} else {
		c.doc = &doc;
		if (yaml_document_get_root_node(&doc) == NULL)
			lerr_at(&c, 1, 1, "empty target profile");
		else
			profile_parse(&c, t, yaml_document_get_root_node(&doc), known, nknown);
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&yp);
	fclose(f);
	arena_free(&c.arena);
	return c.nerrors;
}
