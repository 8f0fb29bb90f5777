/* test_arena_buf.c: unit tests for engine/proto/arena.c and buf.c. */
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "unit.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#endif
#ifdef TEST_ASAN
#include <sanitizer/asan_interface.h>
#endif

static void
test_arena_alloc(void)
{
	struct arena *a = arena_new(0);
	unsigned char *p;
	size_t i;
	bool is_zero = true;

	CHECK(a != NULL);
	CHECK(arena_used(a) == 0);
	for (i = 1; i < 200; i += 7) {
		p = arena_alloc(a, i);
		CHECK(p != NULL);
		CHECKF(((uintptr_t)p % alignof(max_align_t)) == 0, "size %zu", i);
		memset(p, 0xaa, i);
	}
	CHECK(arena_used(a) > 0);
	/* a block bigger than the minimum */
	p = arena_alloc(a, 100000);
	CHECK(p != NULL);
	for (i = 0; p != NULL && i < 100000; i++)
		is_zero = is_zero && p[i] == 0;
	CHECK(is_zero);
	CHECK(arena_alloc(a, 0) != NULL);
	CHECK(arena_alloc(a, SIZE_MAX) == NULL);
	CHECK(arena_alloc(a, SIZE_MAX - 3) == NULL);
	arena_free(&a);
	CHECK(a == NULL);
	arena_free(&a);		/* NULL-safe */
	arena_free(NULL);
}

static void
test_arena_max(void)
{
	struct arena *a = arena_new(1024);
	void *p;
	int n = 0;

	CHECK(a != NULL);
	CHECK(arena_alloc(a, 2000) == NULL);
	while ((p = arena_alloc(a, 100)) != NULL)
		n++;
	CHECK(n > 0 && n <= 10);
	CHECK(arena_used(a) <= 1024);
	arena_reset(a);
	CHECK(arena_used(a) == 0);
	CHECK(arena_alloc(a, 100) != NULL);
	arena_free(&a);
}

static void
test_arena_reset_reuse(void)
{
	struct arena *a = arena_new(0);
	int round;

	for (round = 0; round < 5; round++) {
		char *s = arena_strdup(a, "hello");
		char *t = arena_strndup(a, "world wide", 5);
		char *big = arena_alloc(a, 50000);

		CHECK(s != NULL && strcmp(s, "hello") == 0);
		CHECK(t != NULL && strcmp(t, "world") == 0);
		CHECK(big != NULL);
		arena_reset(a);
		CHECK(arena_used(a) == 0);
	}
	CHECK(arena_strndup(a, "", 0) != NULL);
	CHECK(arena_strndup(a, "x", SIZE_MAX) == NULL);
	arena_reset(a);
	arena_free(&a);
	/* reset of a fresh arena */
	a = arena_new(0);
	arena_reset(a);
	CHECK(arena_alloc(a, 8) != NULL);
	arena_free(&a);
}

static void
test_buf_basic(void)
{
	struct buf b;

	buf_init(&b, 64);
	CHECK(b.data == NULL && b.len == 0);
	CHECK(buf_puts(&b, "abc"));
	CHECK(buf_putc(&b, 'd'));
	CHECK(buf_append(&b, "ef", 2));
	CHECK(b.len == 6 && strcmp(b.data, "abcdef") == 0);
	CHECK(buf_printf(&b, "-%d-%s", 42, "x"));
	CHECK(strcmp(b.data, "abcdef-42-x") == 0);
	buf_consume(&b, 3);
	CHECK(strcmp(b.data, "def-42-x") == 0 && b.len == 8);
	buf_consume(&b, 100);
	CHECK(b.len == 0 && b.data[0] == '\0');
	CHECK(buf_append(&b, NULL, 0));
	CHECK(b.len == 0);
	buf_clear(&b);
	CHECK(b.len == 0);
	buf_release(&b);
	CHECK(b.data == NULL);
	/* clear on a never-used buffer */
	buf_init(&b, 8);
	buf_clear(&b);
	buf_consume(&b, 0);
	CHECK(b.len == 0);
	buf_release(&b);
}

static void
test_buf_max(void)
{
	struct buf b;
	char big[300];

	memset(big, 'x', sizeof(big));
	buf_init(&b, 10);
	CHECK(buf_append(&b, "0123456789", 10));
	CHECK(!buf_putc(&b, 'a'));
	CHECK(b.len == 10 && strcmp(b.data, "0123456789") == 0);
	CHECK(!buf_printf(&b, "%s", "y"));
	CHECK(b.len == 10);
	buf_release(&b);

	buf_init(&b, 300);
	CHECK(buf_append(&b, big, 300));
	CHECK(!buf_append(&b, big, 1));
	CHECK(b.len == 300 && b.data[300] == '\0');
	buf_release(&b);

	buf_init(&b, 0);
	CHECK(!buf_putc(&b, 'a'));
	CHECK(buf_append(&b, "", 0));
	buf_release(&b);

	/* an append larger than SIZE_MAX - len must fail, not wrap */
	buf_init(&b, SIZE_MAX);
	CHECK(buf_puts(&b, "ok"));
	CHECK(!buf_append(&b, big, SIZE_MAX));
	CHECK(b.len == 2 && strcmp(b.data, "ok") == 0);
	CHECK(buf_append(&b, big, 300));
	CHECK(b.len == 302 && b.data[302] == '\0');
	buf_release(&b);
}

static void
test_buf_escaped(void)
{
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} cases[] = {
		{ "plain", 5, "plain" },
		{ "a\r\nb", 4, "a\\r\\nb" },
		{ "\t\\", 2, "\\t\\\\" },
		{ "\0\x01\x7f\xff", 4, "\\x00\\x01\\x7f\\xff" },
		{ "", 0, "" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b;

		buf_init(&b, 100);
		CHECK(buf_append_escaped(&b, cases[i].in, cases[i].len));
		CHECKF(b.len == strlen(cases[i].out) &&
		    (b.len == 0 || strcmp(b.data, cases[i].out) == 0),
		    "case %zu: got '%s'", i, b.data ? b.data : "(null)");
		buf_release(&b);
	}
	{
		struct buf b;

		buf_init(&b, 3);
		CHECK(!buf_append_escaped(&b, "\r\n", 2));
		buf_release(&b);
	}
}

/* After a reset the arena still works from its kept block, however big
 * the blocks grew; under ASan what is not handed out is poisoned. */
static void
test_arena_reset_keeps(void)
{
	struct arena *a = arena_new(0);
	unsigned char *p, *q;
	int round, i;

	CHECK(a != NULL);
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 40; i++)
			CHECK(arena_alloc(a, 3000) != NULL);	/* blocks double past 64 KiB */
		CHECK(arena_used(a) >= 40 * 3000);
		arena_reset(a);
		CHECK(arena_used(a) == 0);
	}
	p = arena_alloc(a, 10);
	CHECK(p != NULL);
	memset(p, 'x', 10);
	q = arena_alloc(a, 1);
	CHECK(q != NULL && q > p + 9);
#ifdef TEST_ASAN
	CHECK(!__asan_address_is_poisoned(p + 9));
	CHECK(__asan_address_is_poisoned(p + 10));	/* the alignment padding */
	CHECK(__asan_address_is_poisoned(q + 1));	/* not handed out yet */
	arena_reset(a);
	CHECK(__asan_address_is_poisoned(p));		/* kept across the reset */
	p = arena_alloc(a, 10);
	CHECK(p != NULL && !__asan_address_is_poisoned(p + 9) && p[0] == 0);
#endif
	arena_free(&a);
}

/* buf_append() and buf_putc() without buf_reserve() still stop at a
 * maximum lowered after the buffer grew. */
static void
test_buf_lowered_max(void)
{
	struct buf b;
	int i;

	buf_init(&b, 1000);
	for (i = 0; i < 100; i++)
		CHECK(buf_putc(&b, 'a'));
	buf_clear(&b);
	b.max = 5;
	CHECK(buf_append(&b, "abcd", 4));
	CHECK(buf_putc(&b, 'e'));
	CHECK(!buf_putc(&b, 'f'));
	CHECK(!buf_append(&b, "f", 1));
	CHECK(b.len == 5 && strcmp(b.data, "abcde") == 0);
	buf_release(&b);
}

/* arena_alloc_text(): the object, then its text right after it, both
 * within the arena's maximum; the object's bytes are the caller's. */
static void
test_arena_text(void)
{
	struct arena *a = arena_new(4096);
	struct obj {
		int kind;
		const char *text;
	} *o;
	char *text = NULL;
	size_t n = 0;

	CHECK(a != NULL);
	o = arena_alloc_text(a, sizeof(*o), "atom text", 4, &text);
	CHECK(o != NULL && text == (char *)o + sizeof(*o));
	CHECK(((uintptr_t)o % alignof(max_align_t)) == 0);
	CHECK(text != NULL && strcmp(text, "atom") == 0);
	o->kind = 1;		/* every byte of the object may be written */
	o->text = text;
	CHECK(arena_alloc_text(a, 0, "", 0, &text) != NULL && text[0] == '\0');
	CHECK(arena_alloc_text(a, 8, "x", SIZE_MAX - 8, &text) == NULL);
	CHECK(arena_alloc_text(a, SIZE_MAX, "x", 1, &text) == NULL);
	CHECK(arena_alloc_uninit(a, 16) != NULL);
	while (arena_alloc_text(a, 40, "0123456789", 10, &text) != NULL)
		n++;
	CHECK(n > 0 && arena_used(a) <= 4096);
	arena_free(&a);
}

int
main(void)
{
	test_arena_alloc();
	test_arena_text();
	test_arena_reset_keeps();
	test_buf_lowered_max();
	test_arena_max();
	test_arena_reset_reuse();
	test_buf_basic();
	test_buf_max();
	test_buf_escaped();
	return unit_done("test_arena_buf");
}
