#!/bin/sh
# Install what mailspec needs from Debian 12, non-interactively when root;
# otherwise print the apt-get line. Packages already present are skipped.
# Postfix and Dovecot are test targets only: no service is started during
# the install, and Postfix gets no system configuration at all.
PKGS="make gcc clang pkg-config libyaml-dev libssl-dev libpcre2-dev openssl \
libjansson-dev python3 python3-pytest python3-aiosmtpd python3-jsonschema python3-yaml \
curl libxml2-utils chromium libgmime-3.0-dev \
postfix dovecot-core dovecot-imapd dovecot-pop3d dovecot-lmtpd"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "mailspec needs:$missing"
	echo "run: sudo apt-get install -y$missing"
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
tmp_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	tmp_policy=1
fi
rc=0
apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null || rc=1
[ -n "$tmp_policy" ] && rm -f /usr/sbin/policy-rc.d
exit $rc
