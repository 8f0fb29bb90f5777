/* scenario.c: names and ownership for the scenario model. */
#include "scenario.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"

static const char *const proto_names[PROTO_COUNT] = { "smtp", "pop3", "imap" };
static const char *const role_names[ROLE_COUNT] = {
	"smtp", "submission", "pop3", "imap"
};

const char *
proto_name(enum proto p)
{
	return p < PROTO_COUNT ? proto_names[p] : "?";
}

const char *
role_name(enum role r)
{
	return r < ROLE_COUNT ? role_names[r] : "?";
}

enum role
proto_default_role(enum proto p)
{
	switch (p) {
	case PROTO_POP3: return ROLE_POP3;
	case PROTO_IMAP: return ROLE_IMAP;
	default: return ROLE_SMTP;
	}
}

const struct scenario *
library_find_prelude(const struct library *lib, const char *name)
{
	size_t i;

	for (i = 0; i < lib->npreludes; i++)
		if (strcmp(lib->preludes[i]->id, name) == 0)
			return lib->preludes[i];
	return NULL;
}

static void
scenario_list_free(struct scenario **list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct arena *a = list[i]->arena;
		arena_free(&a);
	}
	free(list);
}

void
library_free(struct library *lib)
{
	scenario_list_free(lib->scenarios, lib->nscenarios);
	scenario_list_free(lib->preludes, lib->npreludes);
	memset(lib, 0, sizeof(*lib));
}
