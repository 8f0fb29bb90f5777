# Shared helpers for the throwaway real-server targets (sourced by
# targets/postfix/*.sh and targets/dovecot/*.sh; bash).
#
# Everything lives under one work directory given by the caller; servers
# listen on loopback addresses and high ports only, and no system-wide
# service, configuration file or mail spool is touched.

MS_DOMAIN=mailspec.test
MS_HOSTNAME=mx.mailspec.test
# Two test users with known passwords (RFC 4616 PLAIN-safe ASCII).
MS_USERS="alice:alice-secret-1 bob:bob-secret-2"
# Postfix listens here; Dovecot on a second loopback address (see
# targets/dovecot.md: Dovecot treats a client whose IP equals the server's
# local IP as "secured" and would then allow plaintext AUTH, which would
# make the STARTTLS/STLS scenarios meaningless).
MS_SMTP_ADDR=${MAILSPEC_SMTP_ADDR:-127.0.0.1}
MS_DOVECOT_ADDR=${MAILSPEC_DOVECOT_ADDR:-127.0.0.2}
MS_MAIL_USER=${MAILSPEC_MAIL_USER:-vmail}
MS_WAIT=${MAILSPEC_START_TIMEOUT:-10}

ms_log() { printf '%s: %s\n' "${MS_PROG:-mailspec-target}" "$*" >&2; }
ms_die() { ms_log "error: $*"; exit 1; }

ms_need_root() {
	[ "$(id -u)" = 0 ] || ms_die "must run as root (the Postfix and Dovecot masters start as root and drop privileges)"
}

# ms_check_addr ADDR: loopback only.
# ms_parse_args "LISTENERS" "$@": the options of a start script. LISTENERS
# names the --PORT options it takes (of smtp submission pop3 pop3s imap
# imaps); each sets SMTP, SUBM, POP3, POP3S, IMAP or IMAPS (defaults from
# MAILSPEC_<NAME>_PORT), the one argument sets WORK_ARG.
ms_parse_args() {
	ms_allowed=" $1 "
	shift
	WORK_ARG=""
	SMTP=${MAILSPEC_SMTP_PORT:-}
	SUBM=${MAILSPEC_SUBMISSION_PORT:-}
	POP3=${MAILSPEC_POP3_PORT:-}
	POP3S=${MAILSPEC_POP3S_PORT:-}
	IMAP=${MAILSPEC_IMAP_PORT:-}
	IMAPS=${MAILSPEC_IMAPS_PORT:-}
	while [ $# -gt 0 ]; do
		case "$1" in
		--*=*) ms_die "use '${1%%=*} PORT', not $1";;
		--smtp|--submission|--pop3|--pop3s|--imap|--imaps)
			case "$ms_allowed" in
			*" ${1#--} "*) ;;
			*) ms_die "unknown option $1";;
			esac
			[ $# -ge 2 ] || ms_die "$1 needs a port number"
			case "$1" in
			--smtp) SMTP=$2;;
			--submission) SUBM=$2;;
			--pop3) POP3=$2;;
			--pop3s) POP3S=$2;;
			--imap) IMAP=$2;;
			--imaps) IMAPS=$2;;
			esac
			shift 2;;
		-h|--help) awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; exit 0;;
		-*) ms_die "unknown option $1";;
		*) [ -z "$WORK_ARG" ] || ms_die "one work directory only"; WORK_ARG=$1; shift;;
		esac
	done
}

ms_check_addr() {
	case "$1" in
	127.*|::1) ;;
	*) ms_die "refusing to listen on $1: loopback addresses only (127.0.0.0/8, ::1)";;
	esac
}

# ms_check_port NAME PORT: a high port number.
ms_check_port() {
	case "$2" in
	''|*[!0-9]*) ms_die "$1 port '$2' is not a number";;
	esac
	[ "$2" -ge 1024 ] && [ "$2" -le 65535 ] || ms_die "$1 port $2: use a high port (1024-65535)"
}

# ms_free_ports N: N distinct TCP ports that were free a moment ago on both
# loopback addresses in use (bind to port 0 on one address may return a
# port that a listener holds on another).
ms_free_ports() {
	/usr/bin/python3 - "$1" "$MS_SMTP_ADDR" "$MS_DOVECOT_ADDR" <<'EOF'
import socket, sys
n, addrs = int(sys.argv[1]), list(dict.fromkeys(sys.argv[2:]))
held, ports = [], []
while len(ports) < n and len(held) < 50 * n:
    s = socket.socket()
    s.bind((addrs[0], 0))
    held.append(s)
    port = s.getsockname()[1]
    try:
        for a in addrs[1:]:
            o = socket.socket()
            held.append(o)
            o.bind((a, port))
    except OSError:
        continue
    ports.append(port)
print(" ".join(map(str, ports)))
EOF
}

# ms_workdir DIR: create it (mode 0755: the unprivileged server processes
# must reach their sockets and mail below it) and print its absolute path.
ms_workdir() {
	[ -n "$1" ] || ms_die "usage: $0 WORKDIR"
	mkdir -p "$1" || ms_die "cannot create $1"
	chmod 0755 "$1"
	(cd "$1" && pwd -P)
}

# ms_reachable USER DIR: USER can traverse every folder down to DIR.
ms_reachable() {
	setpriv --reuid="$1" --regid="$(id -g "$1")" --clear-groups test -x "$2" 2>/dev/null ||
		ms_die "$2 is not reachable by user $1: a parent folder is private (mode 0700?); use a work directory under e.g. /tmp"
}

# ms_mail_user: the uid owning the mailboxes (created as a system user if
# missing, the usual Dovecot 'vmail' setup). Prints "uid gid".
ms_mail_user() {
	if ! id -u "$MS_MAIL_USER" >/dev/null 2>&1; then
		useradd --system --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin "$MS_MAIL_USER" >&2 ||
			ms_die "cannot create the system user $MS_MAIL_USER"
	fi
	echo "$(id -u "$MS_MAIL_USER") $(id -g "$MS_MAIL_USER")"
}

# ms_tls WORK: a self-signed certificate for the loopback names, once per
# work directory (WORK/tls/cert.pem is also the trust anchor of the profile).
ms_tls() {
	local d="$1/tls"
	[ -s "$d/cert.pem" ] && [ -s "$d/key.pem" ] && return 0
	mkdir -p "$d" && chmod 0755 "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$d/key.pem" -out "$d/cert.pem" -days 7 -subj "/CN=$MS_HOSTNAME" \
		-addext "subjectAltName=DNS:$MS_HOSTNAME,DNS:localhost,IP:127.0.0.1,IP:$MS_DOVECOT_ADDR,IP:::1" \
		>/dev/null 2>&1 || ms_die "openssl could not make a certificate in $d"
	chmod 0600 "$d/key.pem"
	chmod 0644 "$d/cert.pem"
}

# ms_port_open HOST PORT: something accepts TCP connections there.
ms_port_open() {
	timeout 1 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}

# ms_wait_ports SECONDS HOST:PORT...: wait (bounded) until all accept.
ms_wait_ports() {
	local deadline=$((SECONDS + $1)) hp
	shift
	for hp in "$@"; do
		until ms_port_open "${hp%:*}" "${hp##*:}"; do
			[ "$SECONDS" -lt "$deadline" ] || return 1
			sleep 0.1
		done
	done
}

# Process checks read /proc directly (a minimal container may lack ps).
# ms_pid_alive PID: the process exists and is not a zombie (a daemonized
# master is reaped by PID 1, which may take a while in a container).
ms_pid_alive() {
	local line rest
	case "$1" in ''|*[!0-9]*) return 1;; esac
	read -r line 2>/dev/null <"/proc/$1/stat" || return 1
	rest=${line##*) }
	[ "${rest%% *}" != Z ]
}

# ms_session_pids SID: live processes in session SID other than SID itself
# (a daemonized master calls setsid(), so its session holds exactly the
# master and its children).
ms_session_pids() {
	local f line rest
	case "$1" in ''|*[!0-9]*) return 0;; esac
	for f in /proc/[0-9]*/stat; do
		read -r line 2>/dev/null <"$f" || continue
		rest=${line##*) }
		set -- "$1" $rest
		# $2 state, $3 ppid, $4 pgrp, $5 session
		[ "$5" = "$1" ] && [ "${line%% *}" != "$1" ] && [ "$2" != Z ] && echo "${line%% *}"
	done
	return 0
}

# ms_wait_gone SECONDS PID: wait (bounded) until PID and its session are gone.
ms_wait_gone() {
	local deadline=$((SECONDS + $1))
	while ms_pid_alive "$2" || [ -n "$(ms_session_pids "$2")" ]; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# ms_stop_master NAME PIDFILE [graceful command...]: ask the master to stop
# (the command, else SIGTERM), wait (bounded), then SIGTERM and finally
# SIGKILL the master and every process left in its session.
ms_stop_master() {
	local name="$1" pidfile="$2" pid kids
	shift 2
	pid=$(tr -dc 0-9 2>/dev/null <"$pidfile")
	if ! ms_pid_alive "$pid" && [ -z "$( [ -n "$pid" ] && ms_session_pids "$pid")" ]; then
		rm -f "$pidfile"
		return 0
	fi
	if [ $# -gt 0 ]; then
		timeout 10 "$@" >/dev/null 2>&1 || true
	fi
	ms_pid_alive "$pid" && kill -TERM "$pid" 2>/dev/null
	if ! ms_wait_gone 5 "$pid"; then
		kids=$(ms_session_pids "$pid")
		ms_log "$name master $pid did not stop within 5 s: SIGTERM to ${kids:-no children}"
		[ -n "$kids" ] && kill -TERM $kids 2>/dev/null
		if ! ms_wait_gone 2 "$pid"; then
			kids=$(ms_session_pids "$pid")
			ms_log "$name: SIGKILL to $pid $kids"
			kill -KILL "$pid" $kids 2>/dev/null
			ms_wait_gone 2 "$pid" || ms_log "$name: processes still there: $pid $(ms_session_pids "$pid")"
		fi
	fi
	rm -f "$pidfile"
}

# ms_known_ids FILE...: the ids of known-failing lists (missing files are
# skipped), as a YAML flow list.
ms_known_ids() {
	local ids="" f
	for f in "$@"; do
		[ -f "$f" ] || continue
		ids="$ids $(sed -e 's/#.*//' "$f" | awk 'NF { print $1 }')"
	done
	printf '[%s]' "$(echo $ids | sed 's/ /, /g')"
}

# ms_users_yaml: the test users as a YAML flow list.
ms_users_yaml() {
	local u out=""
	for u in $MS_USERS; do
		out="$out${out:+, }{name: ${u%%:*}, password: ${u#*:}}"
	done
	printf '[%s]' "$out"
}
