#!/bin/sh
# tune-kernel.sh: what does a kernel-config change cost at boot?
#
# Builds the benchmark guest from the base fragment and once more for each
# given fragment on top of it (cached under ~/.cache/mvm like any guest),
# boots every kernel in one interleaved mvm-bench matrix, and prints each
# kernel's median time to init against the base's.
#
# Usage: scripts/tune-kernel.sh [-b BASE] [-n REPEAT] [-o DIR] FRAGMENT...
#   e.g. scripts/tune-kernel.sh -n 5 scripts/guest/tune/*.config
# Extra mvm-bench run options (axes etc.) go in MVM_BENCH_ARGS; by default
# the legacy devices are all on and only mvm runs.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
base=$here/guest/mvm-bench.config
repeat=3
out=""
while getopts b:n:o: opt; do
	case $opt in
	b) base=$OPTARG ;;
	n) repeat=$OPTARG ;;
	o) out=$OPTARG ;;
	*) echo "usage: $0 [-b BASE] [-n REPEAT] [-o DIR] FRAGMENT..." >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "usage: $0 [-b BASE] [-n REPEAT] [-o DIR] FRAGMENT..." >&2; exit 2; }
for f in "$base" "$@"; do
	[ -r "$f" ] || { echo "tune-kernel: cannot read $f" >&2; exit 2; }
done
cd "$top"
[ -n "$out" ] || out=results/tune-$(date -u +%Y%m%d-%H%M%S)

kernels=build/tune/base
"$here/build-guest.sh" -c "$base" -o build/tune/base
for f in "$@"; do
	name=$(basename "$f" .config)
	"$here/build-guest.sh" -c "$base" -c "$f" -o "build/tune/$name"
	kernels="$kernels,build/tune/$name"
done

# shellcheck disable=SC2086
build/mvm-bench run --vmm mvm --kernel "$kernels" --pit on --pic on --rtc on --isa-serial on \
	--x-option-roms on -n "$repeat" -o "$out" ${MVM_BENCH_ARGS:-}

# Median time to init per kernel (summary.csv: kernel is column 3).
awk -F, '$11 == "init_ms" { print $3, $13 }' "$out/summary.csv" |
	awk '{ t[$1] = $2 } END {
		b = t["build/tune/base"]
		printf "%-32s %12s %10s\n", "kernel", "init_ms", "vs base"
		for (k in t) printf "%-32s %12.1f %+9.1f%%\n", k, t[k], b ? (t[k] - b) / b * 100 : 0
	}'
echo "details: $out/summary.csv and plots in $out"
