#!/bin/sh
# build.sh: OSS-Fuzz / ClusterFuzzLite build of every fuzz harness.
#
# Uses the OSS-Fuzz environment ($CC, $CFLAGS, $LIB_FUZZING_ENGINE, $OUT,
# $WORK for objects); the defaults make a local run work too. The targets
# and sources come from the Makefile's fuzz section, in three classes:
#   FUZZ_TARGETS         codec harnesses: the engine/proto objects
#   FUZZ_ENGINE_TARGETS  + FUZZ_ENGINE_SRCS, libyaml and PCRE2
#   FUZZ_SERVER_TARGETS  + FUZZ_SERVER_DRIVER and SERVER_SRCS but main.c, OpenSSL
# Each harness goes to $OUT with its .options, every dictionary, and a
# zip of its seed corpus and regressions as <target>_seed_corpus.zip.
# Third-party libraries are linked statically when their archives exist
# (the runner image need not have them); FUZZ_STATIC=0 links dynamically.
set -eu
cd "$(dirname "$0")/.."
: "${CC:=clang}"
# (the local default leaves out UBSan's alignment and pointer-overflow
# checks, as OSS-Fuzz's flags and the Makefile's FUZZ_UBSAN do)
: "${CFLAGS:=-O1 -g -fsanitize=address,undefined,fuzzer-no-link -fno-sanitize=alignment,pointer-overflow -fno-omit-frame-pointer}"
: "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer}"
: "${OUT:=build/oss-fuzz}"
: "${FUZZ_STATIC:=1}"
OBJ="${WORK:-$OUT}/obj"
VERSION=$(sed -n 's/^VERSION *:= *//p' Makefile)

. "$(dirname "$0")/make_list.sh"

# libs NAMES...: -lNAME for each, inside -Bstatic when every archive is there
libs() {
	dir=$(${CC} -print-multiarch 2>/dev/null || true)
	all_static=$FUZZ_STATIC
	for l in "$@"; do
		found=0
		for d in /usr/lib/"$dir" /usr/lib /usr/local/lib; do
			[ -f "$d/lib$l.a" ] && found=1
		done
		[ $found = 1 ] || all_static=0
	done
	flags=""
	for l in "$@"; do flags="$flags -l$l"; done
	if [ "$all_static" = 1 ]; then
		echo "-Wl,-Bstatic $flags -Wl,-Bdynamic -ldl -pthread"
	else
		echo "$flags"
	fi
}

INCS="-Iengine/proto -Iengine -Ireports -Ifuzz -Ireference_server"
DEFS="-std=c11 -D_GNU_SOURCE -DMAILSPEC_VERSION=\"$VERSION\""

# Comparisons are traced only in the code under test, as in the Makefile:
# not in the harnesses and drivers (fuzz/), nor in buf.c and arena.c.
case "$CFLAGS" in
*fuzzer-no-link*|*sanitize-coverage*) NO_CMP_TRACE=-fno-sanitize-coverage=trace-cmp ;;
*) NO_CMP_TRACE= ;;
esac

# compile SRC...: objects in $OBJ, their paths printed
compile() {
	for s in "$@"; do
		o="$OBJ/$(echo "$s" | tr / _ | sed 's/\.c$/.o/')"
		case "$s" in
		fuzz/*|engine/proto/buf.c|engine/proto/arena.c) extra=$NO_CMP_TRACE ;;
		*) extra= ;;
		esac
		# shellcheck disable=SC2086
		$CC $CFLAGS $extra $DEFS $INCS -c -o "$o" "$s"
		printf '%s ' "$o"
	done
}

# install TARGET EXTRA_OBJS LIBS
install_target() {
	t=$1
	o=$(compile "fuzz/$t.c")
	# shellcheck disable=SC2086
	$CC $CFLAGS -o "$OUT/$t" $o $2 $proto_objs $LIB_FUZZING_ENGINE $3
	cp "fuzz/$t.options" "$OUT/"
	if command -v zip >/dev/null 2>&1; then
		rm -f "$OUT/${t}_seed_corpus.zip"
		# (regress/<target>/open/: crashes not fixed yet, left out)
		# shellcheck disable=SC2046
		zip -q -j "$OUT/${t}_seed_corpus.zip" fuzz/corpus/"$t"/* \
			$(find fuzz/regress/"$t" -maxdepth 1 -type f 2>/dev/null || true)
	fi
	built="$built $t"
}

mkdir -p "$OUT" "$OBJ"
built=""
# shellcheck disable=SC2046
proto_objs=$(compile $(make_list PROTO_SRCS))
# shellcheck disable=SC2046
engine_objs=$(compile $(make_list FUZZ_ENGINE_SRCS))
server_srcs=$(make_list FUZZ_SERVER_DRIVER)
for s in $(make_list SERVER_SRCS); do
	[ "$s" = reference_server/main.c ] || server_srcs="$server_srcs $s"
done
# shellcheck disable=SC2086
server_objs=$(compile $server_srcs)

for t in $(make_list FUZZ_TARGETS); do
	install_target "$t" "" ""
done
for t in $(make_list FUZZ_ENGINE_TARGETS); do
	install_target "$t" "$engine_objs" "$(libs yaml pcre2-8)"
done
for t in $(make_list FUZZ_SERVER_TARGETS); do
	install_target "$t" "$server_objs" "$(libs ssl crypto)"
done
cp fuzz/dict/*.dict "$OUT/"
echo "built:$built in $OUT"
