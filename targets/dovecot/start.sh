#!/bin/bash
# Start Debian's Dovecot as a throwaway mailspec target.
#
#   targets/dovecot/start.sh WORKDIR [--pop3 P] [--pop3s P] [--imap P] [--imaps P]
#
# Ports also come from MAILSPEC_POP3_PORT, MAILSPEC_POP3S_PORT,
# MAILSPEC_IMAP_PORT, MAILSPEC_IMAPS_PORT; a port not given is picked free.
# Writes a complete configuration under WORKDIR/dovecot (nothing under
# /etc, /var or /run is read or written), starts `dovecot -c`, waits until
# every listener accepts connections, writes WORKDIR/dovecot/endpoints.json
# and WORKDIR/dovecot/target.yaml (a mailspec profile), and prints the
# endpoints as one JSON object on stdout. Stop with targets/dovecot/stop.sh.
#
# Also serves Postfix (targets/postfix/start.sh): LMTP delivery and the SASL
# auth socket, both unix sockets under WORKDIR/dovecot/run.
set -u
MS_PROG=dovecot-target
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../common.sh"

ms_parse_args "pop3 pop3s imap imaps" "$@"
[ -n "$WORK_ARG" ] || ms_die "usage: $0 WORKDIR [--pop3 P] [--pop3s P] [--imap P] [--imaps P]"
ms_need_root
command -v dovecot >/dev/null || ms_die "dovecot is not installed (apt-get install dovecot-core dovecot-imapd dovecot-pop3d dovecot-lmtpd)"
for p in imap pop3 lmtp; do
	[ -x "/usr/lib/dovecot/$p" ] || ms_die "/usr/lib/dovecot/$p missing (apt-get install dovecot-${p}d)"
done
ms_check_addr "$MS_DOVECOT_ADDR"

set -- $(ms_free_ports 4)
POP3=${POP3:-$1} POP3S=${POP3S:-$2} IMAP=${IMAP:-$3} IMAPS=${IMAPS:-$4}
for v in POP3 POP3S IMAP IMAPS; do ms_check_port "$v" "${!v}"; done

WORK=$(ms_workdir "$WORK_ARG") || exit 1
D=$WORK/dovecot
CONF=$D/dovecot.conf
if [ -f "$D/run/master.pid" ] && ms_pid_alive "$(cat "$D/run/master.pid")"; then
	ms_die "Dovecot already runs for $WORK (stop it with $HERE/stop.sh $WORK)"
fi
read -r MUID MGID < <(ms_mail_user) || exit 1
[ -n "${MUID:-}" ] || exit 1
ms_tls "$WORK"
mkdir -p "$D/run" "$D/state" "$D/mail"
chmod 0755 "$D" "$D/run" "$D/mail"
chown "$MUID:$MGID" "$D/mail"
# Postfix (mail_owner postfix) connects to the LMTP and auth sockets;
# the mail processes (vmail) write under mail/.
ms_reachable dovenull "$D/run"
ms_reachable "$MS_MAIL_USER" "$D/mail"
if id -u postfix >/dev/null 2>&1; then ms_reachable postfix "$D/run"; fi

# passwd-file: user:{scheme}password:uid:gid:gecos:home:shell:extra
: >"$D/users"
for u in $MS_USERS; do
	echo "${u%%:*}:{PLAIN}${u#*:}:$MUID:$MGID::$D/mail/${u%%:*}::" >>"$D/users"
done
chown root:dovecot "$D/users"
chmod 0640 "$D/users"

# The instance name keeps `doveadm` and the log prefix apart from the system
# instance; it is derived from the work dir so two work dirs never clash.
INSTANCE=mailspec-$(printf '%s' "$WORK" | md5sum | cut -c1-10)
cat >"$CONF" <<EOF
# mailspec throwaway Dovecot target (written by targets/dovecot/start.sh).
# A complete configuration: /etc/dovecot is not read.
instance_name = $INSTANCE
base_dir = $D/run
state_dir = $D/state
log_path = $D/dovecot.log
info_log_path = $D/dovecot.log
debug_log_path = $D/dovecot.log
log_timestamp = "%Y-%m-%d %H:%M:%S "

protocols = imap pop3 lmtp
listen = $MS_DOVECOT_ADDR
shutdown_clients = yes
# Never read anything from the environment of a system instance.
import_environment = TZ

ssl = yes
ssl_cert = <$WORK/tls/cert.pem
ssl_key = <$WORK/tls/key.pem
ssl_min_protocol = TLSv1.2
# Plaintext USER/PASS, LOGIN and AUTH PLAIN only after STARTTLS/STLS or on
# the implicit-TLS ports (RFC 2595, RFC 8314).
disable_plaintext_auth = yes
auth_mechanisms = plain login
# alice, alice@mailspec.test and ALICE are the same user.
auth_username_format = %Ln
auth_verbose = yes
# Throwaway target: answer failed logins at once (defaults: a 2 s delay,
# and anvil's per-IP penalty growing up to 15 s), so that scenarios testing
# bad credentials do not slow every later login from 127.0.0.1.
auth_failure_delay = 0

passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%Ln $D/users
}
userdb {
  driver = passwd-file
  args = username_format=%Ln $D/users
}
first_valid_uid = $MUID
last_valid_uid = $MUID
first_valid_gid = $MGID
last_valid_gid = $MGID
mail_location = maildir:~/Maildir
mail_uid = $MUID
mail_gid = $MGID

namespace inbox {
  inbox = yes
  separator = /
  mailbox Drafts {
    special_use = \\Drafts
  }
  mailbox Sent {
    special_use = \\Sent
  }
  mailbox Trash {
    special_use = \\Trash
  }
}

postmaster_address = postmaster@$MS_DOMAIN
hostname = $MS_HOSTNAME
lmtp_save_to_detail_mailbox = no
recipient_delimiter =

service imap-login {
  inet_listener imap {
    address = $MS_DOVECOT_ADDR
    port = $IMAP
  }
  inet_listener imaps {
    address = $MS_DOVECOT_ADDR
    port = $IMAPS
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    address = $MS_DOVECOT_ADDR
    port = $POP3
  }
  inet_listener pop3s {
    address = $MS_DOVECOT_ADDR
    port = $POP3S
    ssl = yes
  }
}
service lmtp {
  unix_listener lmtp-postfix {
    mode = 0600
    user = postfix
    group = postfix
  }
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service auth {
  unix_listener auth-postfix {
    mode = 0600
    user = postfix
    group = postfix
  }
}
EOF
if ! id -u postfix >/dev/null 2>&1; then
	# Without Postfix installed there is nobody to serve those two sockets.
	sed -i -e '/^service lmtp {/,/^}/d' -e '/^service auth {/,/^}/d' "$CONF"
fi

# Check the configuration first: a typo then fails here, with its message.
if ! out=$(doveconf -c "$CONF" -n 2>&1 >/dev/null); then
	ms_die "doveconf rejects $CONF: $out"
fi
: >"$D/dovecot.log"
if ! dovecot -c "$CONF" >>"$D/dovecot.log" 2>&1; then
	ms_die "dovecot did not start: $(tail -n 20 "$D/dovecot.log")"
fi
if ! ms_wait_ports "$MS_WAIT" "$MS_DOVECOT_ADDR:$POP3" "$MS_DOVECOT_ADDR:$POP3S" \
	"$MS_DOVECOT_ADDR:$IMAP" "$MS_DOVECOT_ADDR:$IMAPS"; then
	ms_log "Dovecot did not accept connections within $MS_WAIT s; log:"
	tail -n 30 "$D/dovecot.log" >&2
	"$HERE/stop.sh" "$WORK" >&2
	exit 1
fi

JSON="{\"pop3\": \"$MS_DOVECOT_ADDR:$POP3\", \"pop3s\": \"$MS_DOVECOT_ADDR:$POP3S\", \"imap\": \"$MS_DOVECOT_ADDR:$IMAP\", \"imaps\": \"$MS_DOVECOT_ADDR:$IMAPS\"}"
printf '%s\n' "$JSON" >"$D/endpoints.json"
DVER=$(dovecot --version | cut -d' ' -f1)
cat >"$D/target.yaml" <<EOF
# mailspec target profile, written by targets/dovecot/start.sh
name: Dovecot $DVER (Debian, throwaway on loopback)
endpoints:
  pop3: [pop3://$MS_DOVECOT_ADDR:$POP3, pop3s://$MS_DOVECOT_ADDR:$POP3S]
  imap: [imap://$MS_DOVECOT_ADDR:$IMAP, imaps://$MS_DOVECOT_ADDR:$IMAPS]
users: $(ms_users_yaml)
domain: $MS_DOMAIN
tls: {verify: true, ca_file: $WORK/tls/cert.pem}
known_failures: $(ms_known_ids "$HERE/../dovecot.known-failing")
EOF
printf '%s\n' "$JSON"
