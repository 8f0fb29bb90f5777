/* store_textual.h: binary body parts rewritten as base64 before a message
 * is stored (store_textual.c says why: RFC 9051 §4.3, RFC 3516 §4.4). */
#ifndef MAILSPEC_STORE_TEXTUAL_H
#define MAILSPEC_STORE_TEXTUAL_H

#include <stddef.h>

struct buf;

/* The message data[0..len) with every identity-encoded leaf part whose
 * body holds NUL re-encoded as base64, appended to out: 1. 0 when
 * nothing needed a change (out may hold a partial copy: ignore it), -1
 * when out or memory ran out. */
int store_textual(const char *data, size_t len, struct buf *out);

#endif
