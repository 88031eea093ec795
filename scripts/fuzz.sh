#!/bin/sh
# fuzz.sh: run the libFuzzer targets built by `make fuzz` and print, per
# target, the executions, time, corpus size and crashes.
#
# Each target runs until FUZZ_RUNS executions or FUZZ_SECONDS, whichever
# comes first, on a corpus kept in build/fuzz/corpus/TARGET (seeded from
# tests/fuzz/seeds/TARGET, and for the loader from the guest kernel's first
# pages when it is built).  A crash leaves its input in build/fuzz/artifacts/
# and makes the script exit 1.
#
# Usage: scripts/fuzz.sh TARGET...   Environment: FUZZ_RUNS, FUZZ_SECONDS
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${FUZZ_RUNS:-1000000}
secs=${FUZZ_SECONDS:-600}
[ $# -gt 0 ] || { echo "usage: $0 TARGET..." >&2; exit 2; }

out=$top/build/fuzz
mkdir -p "$out/artifacts"
printf '%-12s %12s %8s %8s %8s\n' target executions seconds corpus crashes
status=0
for t in "$@"; do
	corpus=$out/corpus/$t
	mkdir -p "$corpus"
	[ -d "$top/tests/fuzz/seeds/$t" ] && cp -n "$top/tests/fuzz/seeds/$t"/* "$corpus/" 2>/dev/null || true
	if [ "$t" = loader ]; then
		for k in "$top/build/guest/bzImage" "$top/build/guest/vmlinux"; do
			[ -r "$k" ] && head -c 65536 "$k" > "$corpus/seed-$(basename "$k")"
		done
	fi
	log=$out/$t.log
	crashes=0
	"$out/fuzz_$t" -runs="$runs" -max_total_time="$secs" -max_len=65536 -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$out/artifacts/$t-" \
		"$corpus" > "$log" 2>&1 || crashes=1
	done_line=$(grep -E '^Done [0-9]+ runs' "$log" | tail -1)
	execs=$(echo "$done_line" | awk '{print $2}')
	took=$(echo "$done_line" | awk '{print $5}')
	if [ -z "$execs" ]; then
		execs=$(grep -E 'stat::number_of_executed_units' "$log" | awk '{print $2}' | tail -1)
		took=-
	fi
	printf '%-12s %12s %8s %8s %8s\n' "$t" "${execs:-0}" "${took:--}" "$(ls "$corpus" | wc -l)" "$crashes"
	if [ "$crashes" != 0 ]; then
		status=1
		grep -E 'ERROR|runtime error|SUMMARY|Test unit written' "$log" | head -5 | sed 's/^/    /'
	fi
done
exit $status
