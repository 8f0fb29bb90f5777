/* loader.c: scenario files (scenarios/FORMAT.md v1) through libyaml.
 *
 * Files are parsed into libyaml documents so that every node keeps its
 * start mark; errors carry the mark of the offending node, like libyaml's
 * own problem/context marks. Unknown keys and wrong types are errors.
 */
#include "loader.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "loader_private.h"

#define LOADER_MAX_FILE		(1u << 20)	/* one scenario file */
#define LOADER_MAX_DEPTH	16		/* folder recursion */
#define LOADER_MAX_PRELUDE_DEPTH 8
#define LOADER_MAX_FIXTURE	(16u << 20)	/* one fixture message */

/* ---- top level -------------------------------------------------------- */

static bool
loader_parse_protocols(struct lctx *c, const yaml_node_t *n)
{
	struct text *list, one;
	size_t nlist, i, p;
	bool ok = true;

	if (n->type == YAML_SCALAR_NODE) {
		if (!lget_text(c, n, &one))
			return false;
		list = &one;
		nlist = 1;
	} else if (!lget_text_list(c, n, &list, &nlist)) {
		return false;
	}
	if (nlist == 0 || nlist > PROTO_COUNT) {
		lerr(c, n, "protocol: give one to three of smtp, pop3, imap");
		return false;
	}
	for (i = 0; i < nlist; i++) {
		for (p = 0; p < PROTO_COUNT; p++)
			if (lstreq(list[i].s, proto_name((enum proto)p)))
				break;
		if (p == PROTO_COUNT) {
			lerr_at(c, list[i].line, list[i].col,
			    "unknown protocol '%s' (smtp, pop3 or imap)", list[i].s);
			ok = false;
		} else {
			c->scn->protocols[c->scn->nprotocols++] = (enum proto)p;
		}
	}
	return ok;
}

static bool
loader_parse_level(struct lctx *c, const yaml_node_t *n)
{
	static const char *const names[] = { "MUST", "SHOULD", "MAY" };
	const char *s;
	int i;

	if (!lget_str(c, n, &s))
		return false;
	for (i = 0; i < 3; i++)
		if (lstreq(s, names[i])) {
			c->scn->level = (enum level)i;
			return true;
		}
	lerr(c, n, "level must be MUST, SHOULD or MAY, not '%s'", s);
	return false;
}

static bool
loader_parse_id(struct lctx *c, const yaml_node_t *n)
{
	const char *s;
	size_t i;

	if (!lget_str(c, n, &s))
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		char ch = s[i];
		bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
		if (!alnum && (i == 0 || (ch != '.' && ch != '_' && ch != '-'))) {
			lerr(c, n, "id '%s': use [a-z0-9][a-z0-9._-]*", s);
			return false;
		}
	}
	if (i == 0) {
		lerr(c, n, "id is empty");
		return false;
	}
	c->scn->id = s;
	return true;
}

/* requires: a list for the first protocol, or a map protocol -> list. */
static bool
loader_parse_requires(struct lctx *c, const yaml_node_t *n)
{
	struct scenario *s = c->scn;
	yaml_node_pair_t *p;
	bool ok = true;

	if (n->type == YAML_SEQUENCE_NODE) {
		enum proto pr = s->nprotocols ? s->protocols[0] : PROTO_SMTP;
		return lget_text_list(c, n, &s->requires[pr], &s->nrequires[pr]);
	}
	if (n->type != YAML_MAPPING_NODE) {
		lerr(c, n, "requires: expected a list or a map of protocol to list");
		return false;
	}
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		const char *name;
		size_t pr;

		if (!lget_str(c, lnode(c, p->key), &name))
			return false;
		for (pr = 0; pr < PROTO_COUNT; pr++)
			if (lstreq(name, proto_name((enum proto)pr)))
				break;
		if (pr == PROTO_COUNT) {
			lerr(c, lnode(c, p->key), "requires: unknown protocol '%s'", name);
			ok = false;
			continue;
		}
		ok &= lget_text_list(c, lnode(c, p->value), &s->requires[pr], &s->nrequires[pr]);
	}
	return ok;
}

static bool
loader_parse_conn(struct lctx *c, struct scn_conn *sc, const yaml_node_t *n)
{
	static const char *const keys[] = { "endpoint", "tls", NULL };
	static const char *const tls_names[] = { "any", "plain", "implicit" };
	yaml_node_pair_t *p;
	bool ok = true, has_role = false;

	if (n->type != YAML_MAPPING_NODE) {
		lerr(c, n, "connection '%s': expected a map {endpoint, tls}", sc->name);
		return false;
	}
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = lnode(c, p->key), *v = lnode(c, p->value);
		const char *key = (const char *)k->data.scalar.value, *val;
		int i;

		if (k->type != YAML_SCALAR_NODE || !lget_str(c, v, &val)) {
			ok = false;
			continue;
		}
		if (lstreq(key, "endpoint")) {
			for (i = 0; i < ROLE_COUNT && !lstreq(val, role_name((enum role)i)); i++)
				;
			if (i == ROLE_COUNT) {
				lerr(c, v, "unknown endpoint '%s' (smtp, submission, pop3, imap)", val);
				ok = false;
			}
			sc->role = (enum role)i;
			has_role = true;
		} else if (lstreq(key, "tls")) {
			for (i = 0; i < 3 && !lstreq(val, tls_names[i]); i++)
				;
			if (i == 3) {
				lerr(c, v, "tls must be any, plain or implicit, not '%s'", val);
				ok = false;
			}
			sc->tls = (enum tls_mode)i;
		} else {
			lerr_unknown_key(c, k, "a connection", keys);
			ok = false;
		}
	}
	if (!has_role)
		sc->role = proto_default_role(c->scn->nprotocols ? c->scn->protocols[0] : PROTO_SMTP);
	return ok;
}

static bool
loader_parse_conns(struct lctx *c, const yaml_node_t *n)
{
	struct scenario *s = c->scn;
	yaml_node_pair_t *p;
	size_t count;
	bool ok = true;

	if (n->type != YAML_MAPPING_NODE) {
		lerr(c, n, "connections: expected a map of name to {endpoint, tls}");
		return false;
	}
	count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	/* a duplicated connections: key (reported) is parsed again: start over */
	s->nconns = 0;
	s->conns = arena_alloc(c->arena, (count ? count : 1) * sizeof(*s->conns));
	if (s->conns == NULL)
		return false;
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		struct scn_conn *sc = &s->conns[s->nconns];
		yaml_node_t *k = lnode(c, p->key);

		if (!lget_str(c, k, &sc->name)) {
			ok = false;
			continue;
		}
		sc->line = (int)k->start_mark.line + 1;
		if (loader_parse_conn(c, sc, lnode(c, p->value)))
			s->nconns++;
		else
			ok = false;
	}
	if (s->nconns == 0 && ok) {
		lerr(c, n, "connections: at least one connection");
		ok = false;
	}
	return ok;
}

/* The default connection "main" to the first protocol's endpoint. */
static bool
loader_default_conn(struct lctx *c)
{
	struct scenario *s = c->scn;

	s->conns = arena_alloc(c->arena, sizeof(*s->conns));
	if (s->conns == NULL)
		return false;
	s->conns[0].name = "main";
	s->conns[0].role = proto_default_role(s->nprotocols ? s->protocols[0] : PROTO_SMTP);
	s->conns[0].tls = TLS_ANY;
	s->conns[0].line = s->line;
	s->nconns = 1;
	return true;
}

static const char *const scenario_keys[] = {
	"id", "title", "protocol", "rfc", "section", "level", "requirement", "tags",
	"requires", "users", "timeout", "vars", "fixture", "connections", "steps", NULL
};
static const char *const prelude_keys[] = { "prelude", "protocol", "steps", NULL };

static bool
loader_parse_key(struct lctx *c, const char *key, const yaml_node_t *v)
{
	struct scenario *s = c->scn;
	long l;

	if (lstreq(key, "id"))
		return loader_parse_id(c, v);
	if (lstreq(key, "prelude"))
		return loader_parse_id(c, v);
	if (lstreq(key, "title"))
		return lget_str(c, v, &s->title);
	if (lstreq(key, "protocol"))
		return true;	/* parsed first, see loader_parse_doc() */
	if (lstreq(key, "rfc")) {
		if (!lget_int(c, v, 1, 99999, &l))
			return false;
		s->rfc = (int)l;
		return true;
	}
	if (lstreq(key, "section"))
		return lget_str(c, v, &s->section);
	if (lstreq(key, "level"))
		return loader_parse_level(c, v);
	if (lstreq(key, "requirement"))
		return lget_str(c, v, &s->requirement);
	if (lstreq(key, "tags")) {
		struct text *t;
		size_t i;
		if (!lget_text_list(c, v, &t, &s->ntags))
			return false;
		s->tags = arena_alloc(c->arena, (s->ntags + 1) * sizeof(*s->tags));
		for (i = 0; s->tags != NULL && i < s->ntags; i++)
			s->tags[i] = t[i].s;
		return s->tags != NULL;
	}
	if (lstreq(key, "requires"))
		return loader_parse_requires(c, v);
	if (lstreq(key, "users")) {
		if (!lget_int(c, v, 0, 16, &l))
			return false;
		s->users = (int)l;
		return true;
	}
	if (lstreq(key, "timeout"))
		return lget_number(c, v, 0.001, 3600, &s->timeout);
	if (lstreq(key, "vars"))
		return lget_kv_map(c, v, &s->vars, &s->nvars);
	if (lstreq(key, "fixture"))
		return true;	/* read before the steps, see loader_parse_doc() */
	if (lstreq(key, "connections"))
		return loader_parse_conns(c, v);
	if (lstreq(key, "steps"))
		return true;	/* parsed last, once connections are known */
	return false;
}

/* Read fixtures/<name> from the folder of the scenario file or the
 * nearest folder above it that has one. false: not found or unreadable
 * (*why_r says which). */
static bool
loader_read_fixture(struct lctx *c, const char *name, const char **why_r)
{
	struct scenario *s = c->scn;
	char real[PATH_MAX], *slash, *data;
	struct stat sb;
	FILE *f = NULL;
	size_t n, size;
	int depth;

	*why_r = "no fixtures/ folder beside or above the scenario has it";
	if (realpath(c->file, real) == NULL)
		return false;
	for (depth = 0; f == NULL && depth < LOADER_MAX_DEPTH; depth++) {
		struct buf path;

		if ((slash = strrchr(real, '/')) == NULL)
			break;
		*slash = '\0';
		buf_init(&path, PATH_MAX);
		buf_printf(&path, "%s/fixtures/%s", real, name);
		if (path.data != NULL && (f = fopen(path.data, "rb")) != NULL)
			s->fixture_path = arena_strdup(c->arena, path.data);
		buf_release(&path);
		if (real[0] == '\0')
			break;
	}
	if (f == NULL)
		return false;
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    (uintmax_t)sb.st_size > LOADER_MAX_FIXTURE) {
		*why_r = "not a regular file of at most 16 MiB";
		fclose(f);
		return false;
	}
	size = (size_t)sb.st_size;
	data = arena_alloc(c->arena, size + 3);
	n = data ? fread(data, 1, size + 1, f) : 0;
	if (data == NULL || ferror(f) || n != size) {
		*why_r = data == NULL ? "out of memory" : "read error (or the file changed)";
		fclose(f);
		return false;
	}
	fclose(f);
	/* DATA and POP3 need a final line break (RFC 5321 §4.1.1.4). */
	if (n == 0 || data[n - 1] != '\n') {
		data[n++] = '\r';
		data[n++] = '\n';
	}
	s->fixture.s = data;
	s->fixture.len = n;
	return true;
}

/* fixture: NAME (scenarios/FORMAT.md "Fixtures"): a file name only. */
static bool
loader_parse_fixture(struct lctx *c, const yaml_node_t *v)
{
	struct scenario *s = c->scn;
	const char *why;

	if (!lget_text(c, v, &s->fixture))
		return false;
	s->fixture_name = s->fixture.s;
	s->fixture.s = NULL;
	if (s->fixture_name[0] == '\0' || s->fixture_name[0] == '.' ||
	    strchr(s->fixture_name, '/') != NULL) {
		lerr(c, v, "fixture: a file name in a fixtures/ folder, without '/'");
		return false;
	}
	if (!loader_read_fixture(c, s->fixture_name, &why)) {
		lerr(c, v, "fixture '%s': %s", s->fixture_name, why);
		s->fixture.s = NULL;
		return false;
	}
	return true;
}

static const yaml_node_t *
loader_find_key(struct lctx *c, const yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = lnode(c, p->key);
		if (k->type == YAML_SCALAR_NODE &&
		    lstreq((const char *)k->data.scalar.value, key))
			return lnode(c, p->value);
	}
	return NULL;
}

static void
loader_check_required(struct lctx *c, const yaml_node_t *root)
{
	static const char *const required[] = {
		"id", "title", "protocol", "rfc", "section", "level", "requirement", "steps", NULL
	};
	static const char *const prelude_required[] = { "prelude", "protocol", "steps", NULL };
	const char *const *req = c->scn->is_prelude ? prelude_required : required;
	size_t i;

	for (i = 0; req[i] != NULL; i++)
		if (loader_find_key(c, root, req[i]) == NULL)
			lerr(c, root, "missing required key '%s'", req[i]);
}

static void
loader_parse_doc(struct lctx *c, const yaml_node_t *root)
{
	const char *const *keys;
	const yaml_node_t *v;
	yaml_node_pair_t *p;

	if (root->type != YAML_MAPPING_NODE) {
		lerr(c, root, "a scenario is a map with id, title, protocol, ..., steps");
		return;
	}
	c->scn->is_prelude = loader_find_key(c, root, "prelude") != NULL;
	keys = c->scn->is_prelude ? prelude_keys : scenario_keys;
	loader_check_required(c, root);
	if ((v = loader_find_key(c, root, "protocol")) != NULL)
		loader_parse_protocols(c, v);
	for (p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = lnode(c, p->key);
		const char *key = (const char *)k->data.scalar.value;
		size_t i;

		if (k->type != YAML_SCALAR_NODE) {
			lerr(c, k, "keys must be strings");
			continue;
		}
		for (i = 0; keys[i] != NULL && !lstreq(keys[i], key); i++)
			;
		if (keys[i] == NULL) {
			lerr_unknown_key(c, k, c->scn->is_prelude ? "a prelude" : "a scenario", keys);
			continue;
		}
		c->key = key;
		loader_parse_key(c, key, lnode(c, p->value));
		c->key = NULL;
	}
	if (c->scn->nconns == 0)
		loader_default_conn(c);
	if (!c->scn->is_prelude && (v = loader_find_key(c, root, "fixture")) != NULL)
		loader_parse_fixture(c, v);
	if ((v = loader_find_key(c, root, "steps")) != NULL)
		loader_parse_steps(c, v);
}

/* ---- files ------------------------------------------------------------ */

/* Read path, which stat() described as sb. */
static char *
loader_read_file(const char *path, const struct stat *sb, size_t *len_r, FILE *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *data = NULL, *p;
	size_t n = 0, cap = 4096;
	ssize_t r;

	if (fd < 0) {
		fprintf(err, "%s:1:1: error: cannot open: %s\n", path, strerror(errno));
		return NULL;
	}
	/* The buffer starts at the file's size plus one byte (which tells a
	 * file that grew) and doubles up to one byte past the maximum, so that
	 * a few KiB file costs a few KiB, not a 1 MiB block (with ASan, a fresh
	 * mapping for each file loaded). read(), not stdio: no FILE and no
	 * second buffer per file. The size is the caller's stat(): what is
	 * read does not depend on it, only how often the buffer grows. */
	if (S_ISREG(sb->st_mode))
		cap = (uintmax_t)sb->st_size < LOADER_MAX_FILE ? (size_t)sb->st_size + 1 :
		    LOADER_MAX_FILE + 1;
	for (;;) {
		if ((p = realloc(data, cap + 1)) == NULL) {
			free(data);
			data = NULL;
			break;
		}
		data = p;
		while (n < cap && ((r = read(fd, data + n, cap - n)) > 0 ||
		    (r < 0 && errno == EINTR)))
			if (r > 0)
				n += (size_t)r;
		if (n < cap || cap > LOADER_MAX_FILE)
			break;
		cap = cap * 2 > LOADER_MAX_FILE + 1 ? LOADER_MAX_FILE + 1 : cap * 2;
	}
	close(fd);
	if (data == NULL || n > LOADER_MAX_FILE) {
		fprintf(err, "%s:1:1: error: file larger than %u bytes\n", path, LOADER_MAX_FILE);
		free(data);
		return NULL;
	}
	data[n] = '\0';
	*len_r = n;
	return data;
}

/* Free a scenario that is in no list: it lives in its own arena, so the
 * arena pointer is taken out first (arena_free() clears what it is given). */
static void
scenario_discard(struct scenario *s)
{
	struct arena *a = s->arena;

	arena_free(&a);
}

static bool
library_push(struct scenario ***list, size_t *n, struct scenario *s)
{
	struct scenario **p = realloc(*list, (*n + 1) * sizeof(**list));

	if (p == NULL)
		return false;
	p[(*n)++] = s;
	*list = p;
	return true;
}

static void
loader_yaml_error(struct lctx *c, const yaml_parser_t *yp)
{
	int line = (int)yp->problem_mark.line + 1, col = (int)yp->problem_mark.column + 1;

	if (yp->context != NULL)
		lerr_at(c, line, col, "%s %s (line %d)", yp->problem ? yp->problem : "YAML error",
		    yp->context, (int)yp->context_mark.line + 1);
	else
		lerr_at(c, line, col, "%s", yp->problem ? yp->problem : "YAML error");
}

/* YAML 1.1 §3.2.1.1: mapping keys are unique; libyaml does not check. */
static void
loader_check_duplicate_keys(struct lctx *c)
{
	yaml_node_t *n;

	for (n = c->doc->nodes.start; n < c->doc->nodes.top; n++) {
		yaml_node_pair_t *p, *q;

		if (n->type != YAML_MAPPING_NODE)
			continue;
		for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
			yaml_node_t *k = lnode(c, p->key);

			if (k->type != YAML_SCALAR_NODE)
				continue;
			for (q = n->data.mapping.pairs.start; q < p; q++) {
				yaml_node_t *k2 = lnode(c, q->key);
				if (k2->type == YAML_SCALAR_NODE &&
				    k2->data.scalar.length == k->data.scalar.length &&
				    memcmp(k2->data.scalar.value, k->data.scalar.value,
				    k->data.scalar.length) == 0) {
					lerr(c, k, "duplicate key '%s' (first at line %d)",
					    (const char *)k->data.scalar.value,
					    (int)k2->start_mark.line + 1);
					break;
				}
			}
		}
	}
}

/* Parse one document into a scenario; NULL on errors (already reported). */
static struct scenario *
loader_parse_file(const char *path, const char *src, size_t len, FILE *err, size_t *nerr)
{
	struct lctx c = { .file = path, .src = src, .srclen = len, .err = err };
	yaml_parser_t yp;
	yaml_document_t doc, extra;
	struct scenario *s = NULL;

	c.arena = arena_new(64u << 20);
	yaml_parser_initialize(&yp);
	yaml_parser_set_input_string(&yp, (const unsigned char *)src, len);
	if (c.arena == NULL || !yaml_parser_load(&yp, &doc)) {
		loader_yaml_error(&c, &yp);
		goto out;
	}
	c.doc = &doc;
	loader_check_duplicate_keys(&c);
	if (yaml_document_get_root_node(&doc) == NULL) {
		lerr_at(&c, 1, 1, "empty file");
	} else if ((s = arena_alloc(c.arena, sizeof(*s))) != NULL) {
		s->arena = c.arena;
		s->file = arena_strdup(c.arena, path);
		s->line = 1;
		c.scn = s;
		loader_parse_doc(&c, yaml_document_get_root_node(&doc));
		if (yaml_parser_load(&yp, &extra)) {
			if (yaml_document_get_root_node(&extra) != NULL)
				lerr(&c, yaml_document_get_root_node(&extra),
				    "one scenario per file: a second document starts here");
			yaml_document_delete(&extra);
		} else {
			loader_yaml_error(&c, &yp);
		}
	}
	yaml_document_delete(&doc);
out:
	yaml_parser_delete(&yp);
	*nerr += c.nerrors;
	if (c.nerrors > 0 || s == NULL) {
		arena_free(&c.arena);
		return NULL;
	}
	return s;
}

struct loader_state {
	struct library *lib;
	FILE *err;
	char **seen;		/* realpaths of files loaded */
	size_t nseen;
	char **dirs;		/* prelude folders already looked at */
	size_t ndirs;
};

static bool
strlist_has_or_add(char ***list, size_t *n, const char *s)
{
	char **p;
	size_t i;

	for (i = 0; i < *n; i++)
		if (lstreq((*list)[i], s))
			return true;
	p = realloc(*list, (*n + 1) * sizeof(**list));
	if (p == NULL)
		return true;
	*list = p;
	p[(*n)++] = strdup(s);
	return false;
}

static void loader_preludes_near(struct loader_state *st, const char *real_path);

/* Load one file, which stat() described as sb. real_path is its
 * realpath() when the caller knows it, else NULL. */
static void
loader_file(struct loader_state *st, const char *path, const struct stat *sb,
    const char *real_path, bool want_prelude)
{
	char real[PATH_MAX];
	struct scenario *s;
	char *src;
	size_t len;

	if (real_path == NULL) {
		if (realpath(path, real) == NULL) {
			fprintf(st->err, "%s:1:1: error: %s\n", path, strerror(errno));
			st->lib->nerrors++;
			return;
		}
		real_path = real;
	}
	if (strlist_has_or_add(&st->seen, &st->nseen, real_path))
		return;
	if ((src = loader_read_file(path, sb, &len, st->err)) == NULL) {
		st->lib->nerrors++;
		return;
	}
	s = loader_parse_file(path, src, len, st->err, &st->lib->nerrors);
	free(src);
	if (s == NULL)
		return;
	if (s->is_prelude) {
		library_push(&st->lib->preludes, &st->lib->npreludes, s);
	} else if (want_prelude) {
		fprintf(st->err, "%s:1:1: error: files in a preludes/ folder define a "
		    "prelude (a 'prelude:' key, not 'id:')\n", path);
		st->lib->nerrors++;
		scenario_discard(s);
	} else {
		library_push(&st->lib->scenarios, &st->lib->nscenarios, s);
		loader_preludes_near(st, real_path);
	}
}

static int
loader_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
loader_is_yaml(const char *name)
{
	size_t n = strlen(name);

	return (n > 5 && lstreq(name + n - 5, ".yaml")) ||
	    (n > 4 && lstreq(name + n - 4, ".yml"));
}

/* real, the realpath() of a folder, as the start of its entries' paths:
 * a '/' after it (not a second one after "/"); returns the length. */
static size_t
loader_real_prefix(char real[PATH_MAX])
{
	size_t n = lstreq(real, "/") ? 0 : strlen(real);

	real[n++] = '/';
	return n;
}

/* realpath() of dir/name for a name in dir that is not a symbolic link:
 * realpath() of dir, made on the first call into real as a prefix (*rlen_r
 * its length, then; 0 before; SIZE_MAX when realpath() failed), and the
 * name after that. realpath() itself reads every link on the way, a
 * system call per folder for each file. NULL when dir has none or the
 * result would not fit: the caller asks realpath(), which then says why. */
static const char *
loader_dir_real(const char *dir, const char *name, char real[PATH_MAX], size_t *rlen_r)
{
	size_t nlen = strlen(name);

	if (*rlen_r == 0) {
		*rlen_r = SIZE_MAX;
		if (realpath(dir, real) != NULL)
			*rlen_r = loader_real_prefix(real);
	}
	if (*rlen_r == SIZE_MAX || *rlen_r + nlen >= PATH_MAX)
		return NULL;
	memcpy(real + *rlen_r, name, nlen + 1);
	return real;
}

/* Sorted entries of dir (files matching YAML, and subfolders); real_dir
 * is its realpath() when the caller knows it, else NULL. Entries are
 * looked at relative to the open folder, one path step each instead of a
 * walk from the root. */
static void
loader_dir(struct loader_state *st, const char *dir, const char *real_dir, int depth,
    bool only_yaml_files)
{
	char path[PATH_MAX], real[PATH_MAX];
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i, dlen = strlen(dir), rlen = 0;

	if (depth > LOADER_MAX_DEPTH || (d = opendir(dir)) == NULL)
		return;
	if (real_dir != NULL && strlen(real_dir) < sizeof(real)) {
		memcpy(real, real_dir, strlen(real_dir) + 1);
		rlen = loader_real_prefix(real);
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **p = realloc(names, (cap ? cap * 2 : 16) * sizeof(*names));
			if (p == NULL)
				break;
			names = p;
			cap = cap ? cap * 2 : 16;
		}
		if ((names[n] = strdup(de->d_name)) != NULL)
			n++;
	}
	if (n > 1)
		qsort(names, n, sizeof(*names), loader_name_cmp);
	for (i = 0; i < n; i++) {
		struct stat sb;
		bool is_link = false;
		int r = -1;

		/* dir/name as stat() took it: a longer path fails */
		if (dlen + 1 + strlen(names[i]) < sizeof(path)) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
			r = fstatat(dirfd(d), names[i], &sb, AT_SYMLINK_NOFOLLOW);
			if (r == 0 && S_ISLNK(sb.st_mode)) {
				is_link = true;
				r = fstatat(dirfd(d), names[i], &sb, 0);
			}
		}
		if (r == 0 && S_ISDIR(sb.st_mode) && !only_yaml_files)
			loader_dir(st, path, is_link ? NULL :
			    loader_dir_real(dir, names[i], real, &rlen), depth + 1, false);
		else if (r == 0 && S_ISREG(sb.st_mode) && loader_is_yaml(names[i]))
			loader_file(st, path, &sb, is_link ? NULL :
			    loader_dir_real(dir, names[i], real, &rlen), only_yaml_files);
		free(names[i]);
	}
	closedir(d);
	free(names);
}

/* Preludes in preludes/ beside real_path (a realpath() result: the
 * caller has just made it) and in every folder above it. */
static void
loader_preludes_near(struct loader_state *st, const char *real_path)
{
	char real[PATH_MAX], *slash;
	int depth;

	if (strlen(real_path) >= sizeof(real))
		return;
	memcpy(real, real_path, strlen(real_path) + 1);
	for (depth = 0; depth < LOADER_MAX_DEPTH; depth++) {
		struct buf dir;
		struct stat sb;

		slash = strrchr(real, '/');
		if (slash == NULL)
			break;
		*slash = '\0';
		buf_init(&dir, PATH_MAX);
		buf_printf(&dir, "%s/preludes", real[0] ? real : "");
		if (dir.data != NULL && !strlist_has_or_add(&st->dirs, &st->ndirs, dir.data) &&
		    stat(dir.data, &sb) == 0 && S_ISDIR(sb.st_mode))
			loader_dir(st, dir.data, NULL, 0, true);
		buf_release(&dir);
		if (real[0] == '\0')
			break;
	}
}

/* ---- checks across files -------------------------------------------- */

static void loader_report(struct library *lib, FILE *err, const struct scenario *s,
    int line, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
loader_report(struct library *lib, FILE *err, const struct scenario *s, int line,
    const char *fmt, ...)
{
	va_list ap;

	fprintf(err, "%s:%d:1: error: ", s->file, line);
	va_start(ap, fmt);
	vfprintf(err, fmt, ap);
	va_end(ap);
	fputc('\n', err);
	lib->nerrors++;
}

static void
loader_check_ids(struct library *lib, FILE *err)
{
	size_t i, j;

	for (i = 0; i < lib->nscenarios; i++)
		for (j = 0; j < i; j++)
			if (lstreq(lib->scenarios[i]->id, lib->scenarios[j]->id)) {
				loader_report(lib, err, lib->scenarios[i], lib->scenarios[i]->line,
				    "duplicate id '%s', first defined in %s",
				    lib->scenarios[i]->id, lib->scenarios[j]->file);
				break;
			}
	for (i = 0; i < lib->npreludes; i++)
		for (j = 0; j < i; j++)
			if (lstreq(lib->preludes[i]->id, lib->preludes[j]->id)) {
				loader_report(lib, err, lib->preludes[i], 1,
				    "duplicate prelude '%s', first defined in %s",
				    lib->preludes[i]->id, lib->preludes[j]->file);
				break;
			}
}

static bool
loader_has_conn(const struct scenario *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nconns; i++)
		if (lstreq(s->conns[i].name, name))
			return true;
	return false;
}

/* Check connection names and resolve prelude calls in steps of s. */
static void
loader_resolve_steps(struct library *lib, FILE *err, struct scenario *s, struct step *steps,
    size_t nsteps)
{
	size_t i;

	for (i = 0; i < nsteps; i++) {
		struct step *st = &steps[i];

		if (st->kind == STEP_RETRY)
			loader_resolve_steps(lib, err, s, st->sub, st->nsub);

		if (st->conn != NULL && !s->is_prelude && !loader_has_conn(s, st->conn))
			loader_report(lib, err, s, st->line, "step uses connection '%s'%s",
			    st->conn, " which is not declared in connections:");
		if (st->kind == STEP_CONNECT && !s->is_prelude && !loader_has_conn(s, st->text.s))
			loader_report(lib, err, s, st->line, "connect: unknown connection '%s'%s",
			    st->text.s, "");
		if (st->kind != STEP_PRELUDE)
			continue;
		st->prelude = library_find_prelude(lib, st->text.s);
		if (st->prelude == NULL)
			loader_report(lib, err, s, st->line, "unknown prelude '%s'%s", st->text.s,
			    " (looked in preludes/ folders beside and above the file)");
	}
}

static void
loader_resolve(struct library *lib, FILE *err, struct scenario *s)
{
	loader_resolve_steps(lib, err, s, s->steps, s->nsteps);
}

/* How deep prelude calls nest below steps; stops counting past the limit. */
static int
loader_steps_depth(const struct step *steps, size_t nsteps, int depth)
{
	int max = depth, d;
	size_t i;

	if (depth > LOADER_MAX_PRELUDE_DEPTH)
		return depth;
	for (i = 0; i < nsteps; i++) {
		d = depth;
		if (steps[i].prelude != NULL)
			d = loader_steps_depth(steps[i].prelude->steps, steps[i].prelude->nsteps,
			    depth + 1);
		else if (steps[i].kind == STEP_RETRY)
			d = loader_steps_depth(steps[i].sub, steps[i].nsub, depth);
		if (d > max)
			max = d;
	}
	return max;
}

static int
loader_prelude_depth(const struct scenario *s, int depth)
{
	return loader_steps_depth(s->steps, s->nsteps, depth);
}

size_t
loader_load_buffer(struct library *lib, const char *name, const char *data, size_t len,
    FILE *err)
{
	size_t before = lib->nerrors;
	struct scenario *s = loader_parse_file(name, data, len, err, &lib->nerrors);

	if (s != NULL && !library_push(s->is_prelude ? &lib->preludes : &lib->scenarios,
	    s->is_prelude ? &lib->npreludes : &lib->nscenarios, s)) {
		scenario_discard(s);
		lib->nerrors++;
		return lib->nerrors - before;
	}
	if (s != NULL)
		loader_resolve(lib, err, s);
	return lib->nerrors - before;
}

size_t
loader_load_paths(struct library *lib, char *const *paths, size_t npaths, FILE *err)
{
	struct loader_state st = { .lib = lib, .err = err };
	size_t i, before = lib->nerrors;

	for (i = 0; i < npaths; i++) {
		struct stat sb;

		if (stat(paths[i], &sb) != 0) {
			fprintf(err, "%s:1:1: error: %s\n", paths[i], strerror(errno));
			lib->nerrors++;
		} else if (S_ISDIR(sb.st_mode)) {
			loader_dir(&st, paths[i], NULL, 0, false);
		} else {
			loader_file(&st, paths[i], &sb, NULL, false);
		}
	}
	loader_check_ids(lib, err);
	for (i = 0; i < lib->npreludes; i++)
		loader_resolve(lib, err, lib->preludes[i]);
	for (i = 0; i < lib->nscenarios; i++)
		loader_resolve(lib, err, lib->scenarios[i]);
	for (i = 0; i < lib->npreludes; i++)
		if (loader_prelude_depth(lib->preludes[i], 0) > LOADER_MAX_PRELUDE_DEPTH)
			loader_report(lib, err, lib->preludes[i], 1,
			    "prelude '%s' calls preludes more than %s deep (a cycle?)",
			    lib->preludes[i]->id, "8");
	for (i = 0; i < st.nseen; i++)
		free(st.seen[i]);
	for (i = 0; i < st.ndirs; i++)
		free(st.dirs[i]);
	free(st.seen);
	free(st.dirs);
	return lib->nerrors - before;
}
