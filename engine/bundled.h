/* bundled.h: the bundled reference server as the default target
 * (DESIGN.md: with no target, mailspec starts mailspec-server on ephemeral
 * loopback ports with a temporary store and users, and stops it after). */
#ifndef MAILSPEC_BUNDLED_H
#define MAILSPEC_BUNDLED_H

#include "target.h"

struct bundled;

/* Start the server (bin: its path, or NULL for the one beside this
 * binary) and fill t with its endpoints and two users. 0, or -1 with the
 * reason printed on stderr. */
int bundled_start(struct bundled **bp, struct target *t, const char *bin);
/* SIGTERM, wait, remove the temporary folder; clears *bp. NULL-safe. */
void bundled_stop(struct bundled **bp);

#endif
