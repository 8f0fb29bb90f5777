/* arena.h: a bump allocator with a hard maximum, freed in one call.
 *
 * Parsers keep their items in an arena that is cleared on reset; the
 * scenario loader keeps a whole scenario in one. Pointers returned by
 * arena_alloc() stay valid until arena_reset() or arena_free().
 */
#ifndef MAILSPEC_ARENA_H
#define MAILSPEC_ARENA_H

#include <stddef.h>

struct arena;

/* Create an arena that will never hold more than max_bytes (0: 256 MiB). */
struct arena *arena_new(size_t max_bytes);
/* Free every block and the arena; clears *ap. NULL-safe. */
void arena_free(struct arena **ap);
/* Drop every allocation; keep one block (the largest up to 256 KiB) for
 * reuse. */
void arena_reset(struct arena *a);
/* Zeroed, max_align_t-aligned memory; NULL when the maximum would be crossed. */
void *arena_alloc(struct arena *a, size_t size);
/* A NUL-terminated copy of len bytes of s; NULL past the maximum. */
char *arena_strndup(struct arena *a, const char *s, size_t len);
/* max_align_t-aligned memory that is not cleared: the caller sets every
 * byte (field by field is cheaper than a memset under ASan). */
void *arena_alloc_uninit(struct arena *a, size_t size);
/* One allocation for an object and its text: size bytes not cleared (as
 * arena_alloc_uninit()), then a NUL-terminated copy of len bytes of s,
 * whose address goes to *text_r (a parsed token and its value). NULL
 * past the maximum. */
void *arena_alloc_text(struct arena *a, size_t size, const char *s, size_t len,
    char **text_r);
/* A NUL-terminated copy of s. */
char *arena_strdup(struct arena *a, const char *s);
/* Bytes handed out since the last reset. */
size_t arena_used(const struct arena *a);

#endif
