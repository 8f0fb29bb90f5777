#!/bin/bash
# Start Debian's Postfix (with Dovecot for delivery and SASL) as a throwaway
# mailspec target.
#
#   targets/postfix/start.sh WORKDIR [--smtp P] [--submission P]
#                            [--pop3 P] [--pop3s P] [--imap P] [--imaps P]
#
# Ports also come from MAILSPEC_SMTP_PORT, MAILSPEC_SUBMISSION_PORT and the
# MAILSPEC_{POP3,POP3S,IMAP,IMAPS}_PORT variables of targets/dovecot/start.sh;
# a port not given is picked free. Starts Dovecot first (unless it already
# runs for WORKDIR), then writes a complete Postfix configuration under
# WORKDIR/postfix and runs `postfix -c WORKDIR/postfix/etc start`; nothing under
# /etc/postfix, /var/spool/postfix or /var/mail is read or written. Waits
# until every port accepts connections, writes WORKDIR/endpoints.json and
# WORKDIR/target.yaml (the mailspec profile with all six endpoints), and
# prints the endpoints as one JSON object on stdout.
# Stop with targets/postfix/stop.sh WORKDIR (stops Dovecot too).
set -u
MS_PROG=postfix-target
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../common.sh"

ms_parse_args "smtp submission pop3 pop3s imap imaps" "$@"
[ -n "$WORK_ARG" ] || ms_die "usage: $0 WORKDIR [--smtp P] [--submission P] [--pop3 P] ..."
ms_need_root
command -v postfix >/dev/null && [ -x /usr/lib/postfix/sbin/master ] ||
	ms_die "postfix is not installed (apt-get install postfix)"
id -u postfix >/dev/null 2>&1 || ms_die "the postfix system user is missing (reinstall postfix)"
ms_check_addr "$MS_SMTP_ADDR"
# All six at once, so that no two picks collide.
set -- $(ms_free_ports 6)
SMTP=${SMTP:-$1} SUBM=${SUBM:-$2} POP3=${POP3:-$3} POP3S=${POP3S:-$4} IMAP=${IMAP:-$5} IMAPS=${IMAPS:-$6}
ms_check_port smtp "$SMTP"
ms_check_port submission "$SUBM"

WORK=$(ms_workdir "$WORK_ARG") || exit 1
P=$WORK/postfix
if [ -f "$P/queue/pid/master.pid" ] && ms_pid_alive "$(tr -dc 0-9 <"$P/queue/pid/master.pid")"; then
	ms_die "Postfix already runs for $WORK (stop it with $HERE/stop.sh $WORK)"
fi

# 1. Dovecot: LMTP delivery, the SASL auth socket, POP3 and IMAP.
D=$WORK/dovecot
if [ -f "$D/run/master.pid" ] && ms_pid_alive "$(cat "$D/run/master.pid")" &&
	[ -s "$D/endpoints.json" ]; then
	DOVECOT_JSON=$(cat "$D/endpoints.json")
else
	DOVECOT_JSON=$("$HERE/../dovecot/start.sh" "$WORK" --pop3 "$POP3" --pop3s "$POP3S" \
		--imap "$IMAP" --imaps "$IMAPS") ||
		ms_die "Dovecot did not start (see $D/dovecot.log)"
fi

# From here on, any failure stops what this script started.
OK=0
trap '[ "$OK" = 1 ] || "$HERE/stop.sh" "$WORK" >&2' EXIT

# 2. Postfix.
# Configuration in $P/etc, kept apart from the queue: postfix-script checks
# that everything below the config directory is owned by root.
C=$P/etc
mkdir -p "$C" "$P/queue" "$P/data"
chmod 0755 "$P" "$C" "$P/queue"
chown postfix:postfix "$P/data"
chmod 0700 "$P/data"
ms_reachable postfix "$P/queue"

# Recipients: the test users at both served domains, and postmaster
# (RFC 5321 §4.5.1), an alias of the first user.
FIRST=${MS_USERS%%:*}
: >"$C/vmailbox"
: >"$C/virtual"
for dom in "$MS_DOMAIN" localhost; do
	for u in $MS_USERS; do
		echo "${u%%:*}@$dom  ${u%%:*}/" >>"$C/vmailbox"
	done
	echo "postmaster@$dom  $FIRST@$MS_DOMAIN" >>"$C/virtual"
	echo "abuse@$dom  $FIRST@$MS_DOMAIN" >>"$C/virtual"
done

cat >"$C/main.cf" <<EOF
# mailspec throwaway Postfix target (written by targets/postfix/start.sh).
# A complete configuration: /etc/postfix/main.cf is not read.
compatibility_level = 3.6
queue_directory = $P/queue
data_directory = $P/data
mail_owner = postfix
setgid_group = postdrop
# Log to a file (there is no syslog in a container); postlogd in master.cf.
maillog_file = $P/maillog
maillog_file_prefixes = $P
syslog_name = postfix-mailspec

# Loopback only.
inet_interfaces = $MS_SMTP_ADDR
inet_protocols = ipv4
myhostname = $MS_HOSTNAME
mydomain = $MS_DOMAIN
myorigin = \$mydomain
smtpd_banner = \$myhostname ESMTP Postfix (mailspec test target)
# Nothing is delivered by local(8) (no Unix accounts, no /var/mail, no
# /etc/aliases): both served domains are virtual mailbox domains whose mail
# Dovecot stores through LMTP, so SMTP-delivered mail shows up in POP3/IMAP.
mydestination =
local_recipient_maps =
local_transport = error:5.1.1 local delivery is disabled in this test target
alias_maps =
alias_database =
virtual_mailbox_domains = $MS_DOMAIN, localhost
virtual_mailbox_maps = texthash:$C/vmailbox
virtual_alias_maps = texthash:$C/virtual
virtual_transport = lmtp:unix:$D/run/lmtp-postfix
# Never any mail to the outside world: no relaying for anybody, no DNS.
mynetworks =
relay_domains =
default_transport = error:5.7.1 outbound mail is disabled in this test target
relay_transport = error:5.7.1 outbound mail is disabled in this test target
smtp_dns_support_level = disabled
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
smtpd_recipient_restrictions =
biff = no
append_dot_mydomain = no
readme_directory = no
# Fast shutdown and fast tests.
in_flow_delay = 0s
smtpd_error_sleep_time = 0s
smtpd_soft_error_limit = 1000
smtpd_hard_error_limit = 1000
queue_run_delay = 10s
minimal_backoff_time = 10s

# TLS: STARTTLS on port smtp, required on submission.
smtpd_tls_cert_file = $WORK/tls/cert.pem
smtpd_tls_key_file = $WORK/tls/key.pem
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
smtpd_tls_session_cache_database =
smtp_tls_security_level = none

# SASL through Dovecot's auth socket; AUTH is offered only after STARTTLS.
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = $D/run/auth-postfix
smtpd_tls_auth_only = yes
smtpd_sasl_authenticated_header = no
broken_sasl_auth_clients = no
EOF

# master.cf: two smtpd listeners on the loopback address, the daemons a
# queue needs, nothing chrooted (the sockets and files live under WORKDIR).
cat >"$C/master.cf" <<EOF
# service type  private unpriv  chroot  wakeup  maxproc command + args
$MS_SMTP_ADDR:$SMTP inet n - n - - smtpd
$MS_SMTP_ADDR:$SUBM inet n - n - - smtpd
  -o syslog_name=postfix-mailspec/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF

# Postfix pauses ("lets the file cool down") until main.cf and every
# texthash: table are at least 2 s old, in the postfix command and again in
# each daemon that opens them: backdate them instead of waiting.
touch -d "@$(( $(date +%s) - 60 ))" "$C"/*
: >"$P/maillog"
# `postfix start` runs `postfix check` (and creates the queue) first.
if ! out=$(timeout 20 postfix -c "$C" start 2>&1); then
	ms_log "postfix did not start: $out"
	tail -n 20 "$P/maillog" >&2
	exit 1
fi
if ! ms_wait_ports "$MS_WAIT" "$MS_SMTP_ADDR:$SMTP" "$MS_SMTP_ADDR:$SUBM"; then
	ms_log "Postfix did not accept connections within $MS_WAIT s; log:"
	tail -n 30 "$P/maillog" >&2
	exit 1
fi

dj() { printf '%s' "$DOVECOT_JSON" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
POP3=$(dj pop3) POP3S=$(dj pop3s) IMAP=$(dj imap) IMAPS=$(dj imaps)
JSON="{\"smtp\": \"$MS_SMTP_ADDR:$SMTP\", \"submission\": \"$MS_SMTP_ADDR:$SUBM\", \"pop3\": \"$POP3\", \"pop3s\": \"$POP3S\", \"imap\": \"$IMAP\", \"imaps\": \"$IMAPS\"}"
printf '%s\n' "$JSON" >"$WORK/endpoints.json"
PVER=$(postconf -c "$C" -h mail_version 2>/dev/null)
DVER=$(dovecot --version | cut -d' ' -f1)
cat >"$WORK/target.yaml" <<EOF
# mailspec target profile, written by targets/postfix/start.sh
name: Postfix $PVER + Dovecot $DVER (Debian, throwaway on loopback)
endpoints:
  smtp: smtp://$MS_SMTP_ADDR:$SMTP
  submission: smtp://$MS_SMTP_ADDR:$SUBM
  pop3: [pop3://$POP3, pop3s://$POP3S]
  imap: [imap://$IMAP, imaps://$IMAPS]
users: $(ms_users_yaml)
domain: $MS_DOMAIN
tls: {verify: true, ca_file: $WORK/tls/cert.pem}
known_failures: $(ms_known_ids "$HERE/../postfix.known-failing" "$HERE/../dovecot.known-failing")
EOF
OK=1
printf '%s\n' "$JSON"
