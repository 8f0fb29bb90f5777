/* arena.c: bump allocator with a hard maximum. */
#include "arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK_MIN 4096
#define ARENA_DEFAULT_MAX ((size_t)256 << 20)
#define ARENA_KEEP_MAX ((size_t)256 << 10)	/* largest block a reset keeps */

/* Under AddressSanitizer the free part of a block is poisoned: a read or
 * write past an allocation (into its alignment padding or space not yet
 * handed out), or through a pointer kept across arena_reset(), is
 * reported instead of silently landing in arena memory. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ASAN 1
#endif
#ifdef ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define ARENA_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define ARENA_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define ARENA_POISON(p, n) ((void)(p), (void)(n))
#define ARENA_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

struct arena_block {
	struct arena_block *next;
	size_t size;
	size_t used;
	alignas(max_align_t) unsigned char data[];
};

struct arena {
	struct arena_block *head;
	size_t max_bytes;
	size_t used;
};

struct arena *
arena_new(size_t max_bytes)
{
	struct arena *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	a->max_bytes = max_bytes == 0 ? ARENA_DEFAULT_MAX : max_bytes;
	return a;
}

static void
arena_free_blocks(struct arena_block *b)
{
	while (b != NULL) {
		struct arena_block *next = b->next;

		ARENA_UNPOISON(b->data, b->size);
		free(b);
		b = next;
	}
}

void
arena_free(struct arena **ap)
{
	if (ap == NULL || *ap == NULL)
		return;
	arena_free_blocks((*ap)->head);
	free(*ap);
	*ap = NULL;
}

void
arena_reset(struct arena *a)
{
	struct arena_block *keep = a->head, *b, *next;

	if (keep == NULL)
		return;
	/* Keep the newest block, the largest (sizes double), so that the
	 * next use of the same size allocates nothing; one past
	 * ARENA_KEEP_MAX is given back and the oldest, smallest, kept. */
	if (keep->size > ARENA_KEEP_MAX)
		while (keep->next != NULL)
			keep = keep->next;
	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		if (b != keep) {
			ARENA_UNPOISON(b->data, b->size);
			free(b);
		}
	}
	keep->next = NULL;
	ARENA_POISON(keep->data, keep->used);	/* the rest still is */
	keep->used = 0;
	a->head = keep;
	a->used = 0;
}

/* size bytes, not cleared. */
static void *
arena_take(struct arena *a, size_t size)
{
	const size_t align = alignof(max_align_t);
	struct arena_block *b = a->head;
	size_t need = (size + align - 1) & ~(align - 1);
	void *p;

	if (size == 0)
		need = align;
	if (need < size || need > a->max_bytes - a->used)
		return NULL;
	if (b == NULL || b->size - b->used < need) {
		size_t bsize = need > ARENA_BLOCK_MIN ? need : ARENA_BLOCK_MIN;

		if (b != NULL && b->size * 2 > bsize && b->size * 2 <= ((size_t)1 << 24))
			bsize = b->size * 2;
		b = malloc(sizeof(*b) + bsize);
		if (b == NULL)
			return NULL;
		b->size = bsize;
		b->used = 0;
		b->next = a->head;
		a->head = b;
		ARENA_POISON(b->data, bsize);
	}
	p = b->data + b->used;
	b->used += need;
	a->used += need;
	ARENA_UNPOISON(p, size);
	return p;
}

void *
arena_alloc(struct arena *a, size_t size)
{
	void *p = arena_take(a, size);

	if (p != NULL)
		memset(p, 0, size);
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t len)
{
	char *p;

	if (len == SIZE_MAX)
		return NULL;
	p = arena_take(a, len + 1);	/* every byte is written below */
	if (p == NULL)
		return NULL;
	if (len > 0)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void *
arena_alloc_uninit(struct arena *a, size_t size)
{
	return arena_take(a, size);
}

void *
arena_alloc_text(struct arena *a, size_t size, const char *s, size_t len,
    char **text_r)
{
	unsigned char *p;

	if (len >= SIZE_MAX - size)
		return NULL;
	p = arena_take(a, size + len + 1);
	if (p == NULL)
		return NULL;
	if (len > 0)
		memcpy(p + size, s, len);
	p[size + len] = '\0';
	*text_r = (char *)p + size;
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

size_t
arena_used(const struct arena *a)
{
	return a->used;
}
