#!/bin/sh
# Install what mailspec needs from Debian 12, non-interactively when root;
# otherwise print the apt-get line. Packages already present are skipped.
PKGS="make gcc clang pkg-config libyaml-dev libssl-dev libpcre2-dev openssl \
python3 python3-pytest python3-aiosmtpd curl"
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
apt-get update -qq || exit 1
apt-get install -y -qq --no-install-recommends $missing >/dev/null || exit 1
