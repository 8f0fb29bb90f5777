#!/bin/sh
# coverage.sh: line coverage of each harness's parser files over its corpora.
#
#   sh fuzz/coverage.sh [TARGET...]        (make fuzz-coverage [T_COVERAGE="..."])
#
# Builds $BUILD/fuzz-cov/fuzz-replay/<target> with clang's source-based
# coverage (-fprofile-instr-generate -fcoverage-mapping) and the plain
# main of fuzz/standalone_main.c, runs it over fuzz/corpus/<target>,
# fuzz/regress/<target> and $BUILD/fuzz/corpus/<target> (where
# `make fuzz-run` keeps what it found), merges the profiles with
# llvm-profdata and prints `llvm-cov report` for the files the harness is
# there to test (FILES below). A summary, one line per target and file,
# goes to $BUILD/fuzz-cov/summary.txt; files that several harnesses share
# (pop3.c, the IMAP lexer and framer, mime_lex.c) get a line for all of
# them together too, "a+b file". LLVM_SUFFIX (default -14) picks
# llvm-profdata$LLVM_SUFFIX and llvm-cov$LLVM_SUFFIX.
set -eu
cd "$(dirname "$0")/.."
: "${BUILD:=build}"
: "${LLVM_SUFFIX:=-14}"
COV="$BUILD/fuzz-cov"
PROFDATA="llvm-profdata$LLVM_SUFFIX"
LLVMCOV="llvm-cov$LLVM_SUFFIX"

# The files a harness is about (the parser or session under test).
files_of() {
	p=engine/proto
	case "$1" in
	fuzz_smtp_reply)	echo $p/smtp_reply.c ;;
	fuzz_smtp_cmd)		echo $p/smtp_cmd.c $p/linebuf.c ;;
	fuzz_smtp_data)		echo $p/smtp_data.c ;;
	fuzz_pop3_resp|fuzz_pop3_cmd) echo $p/pop3.c ;;
	fuzz_imap_resp)		echo $p/imap_resp.c $p/imap_resp_query.c $p/imap_lex.c \
				    $p/imap_frame.c $p/imap_section.c $p/imap_node.c ;;
	fuzz_imap_cmd)		echo $p/imap_cmd.c $p/imap_seqset.c $p/imap_lex.c \
				    $p/imap_frame.c $p/imap_section.c $p/imap_node.c ;;
	fuzz_mime_message)	echo $p/mime.c $p/mime_part.c $p/mime_fields.c ;;
	fuzz_mime_header)	echo $p/mime_header.c $p/rfc2231.c $p/mime_lex.c ;;
	fuzz_mime_rfc2047)	echo $p/rfc2047.c $p/mime_charset.c ;;
	fuzz_mime_codecs)	echo $p/mime_base64.c $p/mime_qp.c ;;
	fuzz_mime_address)	echo $p/mime_addr.c ;;
	fuzz_mime_date)		echo $p/mime_date.c ;;
	fuzz_scenario_loader)	echo engine/loader.c engine/loader_steps.c \
				    engine/loader_yaml.c engine/scenario.c ;;
	fuzz_session_smtp)	ls reference_server/smtp_*.c ;;
	fuzz_session_pop3)	ls reference_server/pop3_*.c ;;
	fuzz_session_imap)	ls reference_server/imap_*.c ;;
	*)			ls $p/*.c ;;
	esac
}

. "$(dirname "$0")/make_list.sh"

for tool in clang "$PROFDATA" "$LLVMCOV"; do
	command -v "$tool" >/dev/null 2>&1 || { echo "coverage.sh: $tool not found" >&2; exit 1; }
done
if [ $# -gt 0 ]; then
	targets="$*"
else
	targets="$(make_list FUZZ_TARGETS) $(make_list FUZZ_ENGINE_TARGETS) $(make_list FUZZ_SERVER_TARGETS)"
fi
# shellcheck disable=SC2086
targets=$(echo $targets)	# one space between names (the Makefile has tabs)

bins=""
for t in $targets; do bins="$bins $COV/fuzz-replay/$t"; done
# shellcheck disable=SC2086
make -s BUILD="$COV" CC=clang SANITIZE= \
	CFLAGS="-O1 -g -fprofile-instr-generate -fcoverage-mapping" \
	LDFLAGS="-fprofile-instr-generate" $bins

mkdir -p "$COV/prof"
: >"$COV/summary.txt"
for t in $targets; do
	rm -f "$COV/prof/$t".*.profraw
	dirs="fuzz/corpus/$t"
	for d in fuzz/regress/$t "$BUILD/fuzz/corpus/$t"; do
		[ -d "$d" ] && dirs="$dirs $d"
	done
	# shellcheck disable=SC2086
	LLVM_PROFILE_FILE="$COV/prof/$t.%p.profraw" "$COV/fuzz-replay/$t" $dirs >/dev/null
	"$PROFDATA" merge -sparse "$COV/prof/$t".*.profraw -o "$COV/prof/$t.profdata"
	echo "== $t ($dirs)"
	# shellcheck disable=SC2046
	"$LLVMCOV" report "$COV/fuzz-replay/$t" -instr-profile="$COV/prof/$t.profdata" \
		$(files_of "$t") | tee "$COV/prof/$t.report" |
		awk -v cwd="$PWD/" 'NR == 1 || /^-/ { next }
			{ sub(cwd, "", $1); printf "   %-44s lines %6s missed %5s  %s\n", $1, $8, $9, $10 }'
	awk -v t="$t" -v cwd="$PWD/" 'NR > 2 && !/^-/ && $1 != "TOTAL" { sub(cwd, "", $1); print t, $1, $10 }' \
		"$COV/prof/$t.report" >>"$COV/summary.txt"
done
# Files that several harnesses parse with: their coverage over all of them.
shared() {
	p=engine/proto
	echo "fuzz_pop3_resp+fuzz_pop3_cmd $p/pop3.c"
	echo "fuzz_imap_resp+fuzz_imap_cmd $p/imap_lex.c $p/imap_frame.c $p/imap_section.c $p/imap_node.c"
	echo "fuzz_mime_header+fuzz_mime_address+fuzz_mime_date $p/mime_lex.c"
}
shared | while read -r group files; do
	objs="" profs=""
	for t in $(echo "$group" | tr + ' '); do
		case " $targets " in *" $t "*) ;; *) continue 2 ;; esac
		# the first object is an argument, the others -object options
		objs="$objs${objs:+ -object=}$COV/fuzz-replay/$t"
		profs="$profs $COV/prof/$t.profdata"
	done
	# shellcheck disable=SC2086
	"$PROFDATA" merge -sparse $profs -o "$COV/prof/$group.profdata"
	echo "== $group (together)"
	# shellcheck disable=SC2086
	"$LLVMCOV" report $objs -instr-profile="$COV/prof/$group.profdata" $files |
		tee "$COV/prof/$group.report" |
		awk -v cwd="$PWD/" 'NR == 1 || /^-/ { next }
			{ sub(cwd, "", $1); printf "   %-44s lines %6s missed %5s  %s\n", $1, $8, $9, $10 }'
	awk -v t="$group" -v cwd="$PWD/" 'NR > 2 && !/^-/ && $1 != "TOTAL" { sub(cwd, "", $1); print t, $1, $10 }' \
		"$COV/prof/$group.report" >>"$COV/summary.txt"
done
echo "summary: $COV/summary.txt (target file line-coverage)"
