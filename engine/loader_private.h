/* loader_private.h: shared by loader.c (files, top level) and
 * loader_steps.c (steps and expectations). */
#ifndef MAILSPEC_LOADER_PRIVATE_H
#define MAILSPEC_LOADER_PRIVATE_H

#include <stdbool.h>
#include <stdio.h>
#include <yaml.h>

#include "scenario.h"

struct arena;

struct lctx {
	const char *file;
	const char *src;		/* file contents, for context lines */
	size_t srclen;
	yaml_document_t *doc;
	struct arena *arena;
	struct scenario *scn;
	FILE *err;
	size_t nerrors;
	int nesting;			/* retry groups being parsed */
	const char *key;		/* the key whose value is being read, for messages */
	const char *group_conn;		/* connection of the retry group being parsed */
};

void lerr_at(struct lctx *c, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void lerr(struct lctx *c, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* strcmp(a, b) == 0, compared here: the key look-ups try every key
 * against every candidate, and under the sanitizers each strcmp() is an
 * intercepted call (and a libFuzzer hook) that reads both strings whole. */
static inline bool
lstreq(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

yaml_node_t *lnode(struct lctx *c, int idx);
const char *lnode_kind(const yaml_node_t *n);
/* Scalar accessors: false (error reported) on a wrong type. */
bool lget_text(struct lctx *c, const yaml_node_t *n, struct text *out);
bool lget_str(struct lctx *c, const yaml_node_t *n, const char **out);
bool lget_int(struct lctx *c, const yaml_node_t *n, long min, long max, long *out);
bool lget_number(struct lctx *c, const yaml_node_t *n, double min, double max, double *out);
bool lget_bool(struct lctx *c, const yaml_node_t *n, bool *out);
bool lget_text_list(struct lctx *c, const yaml_node_t *n, struct text **out, size_t *nout);
bool lget_kv_map(struct lctx *c, const yaml_node_t *n, struct kv **out, size_t *nout);
/* Report an unknown key with a "did you mean" hint from candidates. */
void lerr_unknown_key(struct lctx *c, const yaml_node_t *key, const char *where,
    const char *const *candidates);
/* Compile-check a PCRE2 pattern (variables stand in as literals). */
bool lcheck_regex(struct lctx *c, const struct text *t);

/* loader_steps.c */
bool loader_parse_steps(struct lctx *c, const yaml_node_t *n);

#endif
