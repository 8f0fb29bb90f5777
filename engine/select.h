/* select.h: which scenarios run (DESIGN.md "Selection"): --run/--skip
 * globs on ids, --tag expressions, --level. */
#ifndef MAILSPEC_SELECT_H
#define MAILSPEC_SELECT_H

#include <stdbool.h>
#include <stddef.h>

#include "scenario.h"

struct selection {
	char **run;		/* globs; none: everything */
	size_t nrun;
	char **skip;
	size_t nskip;
	char **tags;		/* expressions, all must hold */
	size_t ntags;
	enum level max_level;	/* MUST: only MUST; SHOULD: MUST+SHOULD; MAY: all */
};

/* Glob on ids: '*' matches within one dot-separated part, '**' across parts,
 * '?' one character. */
bool select_glob(const char *pat, const char *id);
/* Tag expression: "a,b" either, "a+b" both, "!a" not; ',' binds loosest.
 * Tags compare with the scenario's tags, its protocols and its level. */
bool select_tags(const char *expr, const struct scenario *s);
/* Whether s is selected. */
bool select_match(const struct selection *sel, const struct scenario *s);

#endif
