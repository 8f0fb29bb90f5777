#!/bin/bash
# Stop the Dovecot started by targets/dovecot/start.sh WORKDIR: the master
# is asked to stop (SIGTERM, it stops its children), then anything left in
# its session is killed. Bounded (about 10 s); safe to run twice.
set -u
MS_PROG=dovecot-target
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../common.sh"
[ $# -eq 1 ] || ms_die "usage: $0 WORKDIR"
[ -d "$1" ] || exit 0
D=$(cd "$1" && pwd -P)/dovecot
ms_stop_master dovecot "$D/run/master.pid"
