#!/bin/sh
# campaign.sh: run harnesses one after the other and tabulate their speed.
#
#   sh fuzz/campaign.sh [-s SECONDS] [TARGET...]     (default: every target, 300 s)
#
# Each target runs alone (one libFuzzer process, no -jobs) through
# `make fuzz-run T=<target> SECONDS=<s> FUZZ_ARGS=-print_final_stats=1`,
# so it reads fuzz/corpus/<target>/ and adds what it finds to
# $BUILD/fuzz/corpus/<target>/. Its output goes to
# $BUILD/fuzz/campaign/<target>.log; a failed build is retried (the tree may
# be in the middle of an edit), a crash, leak or timeout is reported and the
# campaign goes on with the next target. $BUILD/fuzz/campaign/summary.txt
# gets one line per target: exec/s (stat::average_exec_per_sec), the final
# cov: and ft: of libFuzzer's DONE line, the units executed, the inputs of
# the run's corpus and the run's status.
set -u
cd "$(dirname "$0")/.."
: "${BUILD:=build}"
secs=300
if [ "${1:-}" = "-s" ]; then
	secs=$2
	shift 2
fi
dir="$BUILD/fuzz/campaign"
mkdir -p "$dir"

. "$(dirname "$0")/make_list.sh"

if [ $# -gt 0 ]; then
	targets="$*"
else
	targets="$(make_list FUZZ_TARGETS) $(make_list FUZZ_ENGINE_TARGETS) $(make_list FUZZ_SERVER_TARGETS)"
fi

for t in $targets; do
	log="$dir/$t.log"
	tries=0
	until make -s "$BUILD/fuzz/$t" >"$dir/$t.build" 2>&1; do
		tries=$((tries + 1))
		if [ $tries -ge 10 ]; then
			echo "$t: build failed, see $dir/$t.build" >&2
			continue 2
		fi
		sleep 30
	done
	echo "campaign: $t $secs s ($(date -u '+%Y-%m-%d %H:%M:%S') UTC, load $(cut -d' ' -f1-3 /proc/loadavg))" | tee "$log"
	make --no-print-directory BUILD="$BUILD" fuzz-run T="$t" SECONDS="$secs" \
		FUZZ_ARGS="-print_final_stats=1" >>"$log" 2>&1
	rc=$?
	status=ok
	[ $rc -ne 0 ] && status="exit $rc (see $log)"
	awk -v t="$t" -v status="$status" -v n="$(ls "$BUILD/fuzz/corpus/$t" | wc -l)" '
		$2 == "DONE" { for (i = 1; i < NF; i++) { if ($i == "cov:") cov = $(i + 1); if ($i == "ft:") ft = $(i + 1) } }
		/^stat::average_exec_per_sec:/ { eps = $2 }
		/^stat::number_of_executed_units:/ { units = $2 }
		END { printf "%-22s exec/s %7s  cov %5s  ft %6s  units %9s  corpus %5s  %s\n",
		    t, eps, cov, ft, units, n, status }
	' "$log" | tee -a "$dir/summary.txt"
done
