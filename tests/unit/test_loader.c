/* test_loader.c: what the scenario loader (engine/loader*.c) leaves in the
 * steps it builds from memory.
 */
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "arena.h"
#include "loader.h"
#include "loader_private.h"
#include "scenario.h"
#include "unit.h"

/* lget_text() sets every field of the text it fills: its callers keep
 * texts on the stack and copy them whole (send_data as one string, the
 * POP3 message: string), and is_fixture was once left as it was found. */
static void
test_get_text_fields(void)
{
	static const char src[] = "key: \"a value\"\n";
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root, *value;
	struct lctx c = { 0 };
	struct text t;

	memset(&t, 0xff, sizeof(t));
	CHECK(yaml_parser_initialize(&parser) == 1);
	yaml_parser_set_input_string(&parser, (const unsigned char *)src, sizeof(src) - 1);
	CHECK(yaml_parser_load(&parser, &doc) == 1);
	root = yaml_document_get_root_node(&doc);
	CHECK(root != NULL && root->type == YAML_MAPPING_NODE);
	if (root == NULL || root->type != YAML_MAPPING_NODE) {
		yaml_document_delete(&doc);
		yaml_parser_delete(&parser);
		return;
	}
	value = yaml_document_get_node(&doc, root->data.mapping.pairs.start->value);
	c.file = "t.yaml";
	c.src = src;
	c.srclen = sizeof(src) - 1;
	c.doc = &doc;
	c.arena = arena_new(0);
	c.err = stderr;
	CHECK(c.arena != NULL && lget_text(&c, value, &t));
	CHECK(!t.is_fixture);
	CHECK(t.len == 7 && t.s != NULL && strcmp(t.s, "a value") == 0);
	CHECK(t.line == 1 && t.col == 6);
	arena_free(&c.arena);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
}

/* send_data as one string (FORMAT.md): split at LF, a CR before it
 * dropped, and no line is the fixture (one that claimed to be was sent
 * as the fixture, or failed with "{fixture: true} in a scenario without
 * fixture:"). */
static void
test_send_data_string(void)
{
	static const char src[] =
	    "id: send-data-string\n"
	    "title: send_data as one string\n"
	    "protocol: smtp\n"
	    "rfc: 5321\n"
	    "section: \"4.1.1.4\"\n"
	    "level: MUST\n"
	    "requirement: the lines of the string, none of them the fixture\n"
	    "steps:\n"
	    "  - send_data: \"Subject: one\\n\\nbody line\\r\\nlast\"\n";
	static const char *const want[] = { "Subject: one", "", "body line", "last" };
	struct library lib = { 0 };
	const struct step *st;
	size_t i;

	CHECK(loader_load_buffer(&lib, "send-data-string.yaml", src, sizeof(src) - 1,
	    stderr) == 0);
	CHECK(lib.nscenarios == 1);
	if (lib.nscenarios != 1)
		return;
	CHECK(lib.scenarios[0]->nsteps == 1);
	st = &lib.scenarios[0]->steps[0];
	CHECK(st->kind == STEP_SEND_DATA && st->nlines == 4);
	for (i = 0; i < st->nlines && i < 4; i++) {
		CHECKF(!st->lines[i].is_fixture, "line %zu", i);
		CHECKF(st->lines[i].len == strlen(want[i]) &&
		    memcmp(st->lines[i].s, want[i], st->lines[i].len) == 0, "line %zu", i);
	}
	library_free(&lib);
}

int
main(void)
{
	test_get_text_fields();
	test_send_data_string();
	return unit_done("test_loader");
}
