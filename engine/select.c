/* select.c: scenario selection by id globs, tag expressions and level. */
#include "select.h"

#include <string.h>
#include <strings.h>

bool
select_glob(const char *pat, const char *id)
{
	for (;;) {
		if (pat[0] == '*' && pat[1] == '*') {
			const char *p = pat + 2;
			do {
				if (select_glob(p, id))
					return true;
			} while (*id++ != '\0');
			return false;
		}
		if (pat[0] == '*') {
			do {
				if (select_glob(pat + 1, id))
					return true;
			} while (*id != '\0' && *id != '.' && *id++ != '\0');
			return false;
		}
		if (*pat == '\0')
			return *id == '\0';
		if (*id == '\0' || (*pat != '?' && *pat != *id) || (*pat == '?' && *id == '.'))
			return false;
		pat++;
		id++;
	}
}

/* One term: a tag, a protocol name, or a level (must/should/may). */
static bool
select_term(const char *t, size_t len, const struct scenario *s)
{
	static const char *const levels[] = { "must", "should", "may" };
	size_t i;
	bool neg = false;

	while (len > 0 && *t == '!') {
		neg = !neg;
		t++;
		len--;
	}
	for (i = 0; i < s->ntags; i++)
		if (strlen(s->tags[i]) == len && strncasecmp(s->tags[i], t, len) == 0)
			return !neg;
	for (i = 0; i < s->nprotocols; i++)
		if (strlen(proto_name(s->protocols[i])) == len &&
		    strncasecmp(proto_name(s->protocols[i]), t, len) == 0)
			return !neg;
	if (strlen(levels[s->level]) == len && strncasecmp(levels[s->level], t, len) == 0)
		return !neg;
	return neg;
}

bool
select_tags(const char *expr, const struct scenario *s)
{
	const char *alt = expr;

	while (alt != NULL) {
		const char *comma = strchr(alt, ',');
		const char *end = comma ? comma : alt + strlen(alt);
		const char *term = alt;
		bool all = true;

		while (term < end && all) {
			const char *plus = memchr(term, '+', (size_t)(end - term));
			const char *tend = plus ? plus : end;
			all = select_term(term, (size_t)(tend - term), s);
			term = plus ? plus + 1 : end;
		}
		if (all)
			return true;
		alt = comma ? comma + 1 : NULL;
	}
	return false;
}

bool
select_match(const struct selection *sel, const struct scenario *s)
{
	size_t i;
	bool hit = sel->nrun == 0;

	if (s->level > sel->max_level)
		return false;
	for (i = 0; !hit && i < sel->nrun; i++)
		hit = select_glob(sel->run[i], s->id);
	for (i = 0; hit && i < sel->nskip; i++)
		hit = !select_glob(sel->skip[i], s->id);
	for (i = 0; hit && i < sel->ntags; i++)
		hit = select_tags(sel->tags[i], s);
	return hit;
}
