#!/bin/sh
# build.sh: OSS-Fuzz / ClusterFuzzLite build of the codec fuzzers.
#
# Uses the OSS-Fuzz environment ($CC, $CFLAGS, $LIB_FUZZING_ENGINE, $OUT);
# the defaults make a local run work too. The targets and the proto
# sources come from FUZZ_TARGETS and FUZZ_PROTO_SRCS in the Makefile.
# Installs each harness with its .options, the dictionary and a zip of
# its seed corpus (and regressions) as <target>_seed_corpus.zip.
set -eu
cd "$(dirname "$0")/.."
: "${CC:=clang}"
: "${CFLAGS:=-O1 -g -fsanitize=address,undefined,fuzzer-no-link -fno-omit-frame-pointer}"
: "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer}"
: "${OUT:=build/oss-fuzz}"

# make_list NAME: the words of the Makefile variable NAME := a \ b \ c
make_list() {
	awk -v name="$1" '
		!on && $1 == name && $2 == ":=" { on = 1; next }
		on {
			cont = $0 ~ /\\[ \t]*$/
			sub(/\\[ \t]*$/, "")
			printf "%s ", $0
			if (!cont)
				exit
		}
	' Makefile
}

targets=$(make_list FUZZ_TARGETS)
srcs=$(make_list FUZZ_PROTO_SRCS)
mkdir -p "$OUT/obj"
objs=""
for s in $srcs; do
	o="$OUT/obj/$(basename "$s" .c).o"
	$CC $CFLAGS -std=c11 -D_GNU_SOURCE -Iengine/proto -c -o "$o" "$s"
	objs="$objs $o"
done
for t in $targets; do
	$CC $CFLAGS -std=c11 -D_GNU_SOURCE -Iengine/proto -Ifuzz -c -o "$OUT/obj/$t.o" "fuzz/$t.c"
	# shellcheck disable=SC2086
	$CC $CFLAGS -o "$OUT/$t" "$OUT/obj/$t.o" $objs $LIB_FUZZING_ENGINE
	cp "fuzz/$t.options" "$OUT/"
	if command -v zip >/dev/null 2>&1; then
		rm -f "$OUT/${t}_seed_corpus.zip"
		zip -q -j "$OUT/${t}_seed_corpus.zip" fuzz/corpus/"$t"/* \
			$(ls fuzz/regress/"$t"/* 2>/dev/null || true)
	fi
done
cp fuzz/dict/smtp.dict "$OUT/"
echo "built:$(printf ' %s' $targets) in $OUT"
