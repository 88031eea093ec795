#!/bin/sh
# bench.sh: what `make bench` runs (root: host tracing).
#  1. start-up: mvm vs QEMU microvm on the same firmware payload, interleaved;
#  2. probe cost: per exit event, and a Linux boot with probes on vs off;
#  3. the boot matrix: every on/off combination of pit, pic, rtc, isa-serial
#     and x-option-roms, for mvm and QEMU, into results/<date>-<rev>/: a
#     warm-up boot, then rounds of every cell in a fresh order until every
#     main effect on the time to init is known within +-MVM_BENCH_UNTIL_CI %
#     (1) of the median, or another round would overrun MVM_BENCH_BUDGET
#     (21m: two rounds of the 32 mvm cells at 18-19 s a boot here, about 20
#     minutes; at 20m a round of 19 s boots would just not fit), then
#     summary.csv, effects.csv, the plots and the effects summary.
# MVM_BENCH_ARGS adds mvm-bench run options (e.g. "-n 3 --firmware direct").
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
runs=${MVM_BENCH_RUNS:-20}
pairs=${MVM_BENCH_PROBE_PAIRS:-5}

echo "== start-up: exec -> first guest exit, footprint ($runs runs each)"
build/mvm-bench startup -n "$runs"

echo "== probe cost"
build/mvm-bench probe-cost
build/mvm-bench probes-onoff -n "$pairs"

echo "== boot matrix"
# shellcheck disable=SC2086
build/mvm-bench run --budget "${MVM_BENCH_BUDGET:-21m}" --until-ci "${MVM_BENCH_UNTIL_CI:-1}" \
	${MVM_BENCH_ARGS:-}
