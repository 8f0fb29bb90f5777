#!/bin/bash
# Stop what targets/postfix/start.sh WORKDIR started: `postfix -c ... stop`,
# then the master and anything left in its session are killed if still
# there, then Dovecot (targets/dovecot/stop.sh). Bounded; safe to run twice.
set -u
MS_PROG=postfix-target
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../common.sh"
[ $# -eq 1 ] || ms_die "usage: $0 WORKDIR"
[ -d "$1" ] || exit 0
WORK=$(cd "$1" && pwd -P)
P=$WORK/postfix
if [ -f "$P/etc/main.cf" ]; then
	ms_stop_master postfix "$P/queue/pid/master.pid" postfix -c "$P/etc" stop
fi
"$HERE/../dovecot/stop.sh" "$WORK"
