#!/bin/sh
# bench.sh: the benchmarks `make bench` runs (needs root for host tracing).
#  1. start-up: mvm vs QEMU microvm on the same firmware payload, interleaved;
#  2. probe cost: per exit event, and a Linux boot with probes on vs off;
#  3. one Linux boot of the benchmark guest with its phase summary.
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

echo "== Linux boot of the benchmark guest (direct boot, 256 MiB)"
trace=$(mktemp /tmp/mvm-bench-XXXXXX.json)
build/mvm -M microvm -m 256m -kernel build/guest/vmlinux -initrd build/guest/initramfs.cpio \
	-append "console=ttyS0 reboot=t panic=-1" -nodefaults -no-user-config -nographic \
	-serial null -no-reboot --trace "$trace" --trace-format chrome --probe-summary
echo "probe trace: $trace (Perfetto) and ${trace%.json}.csv"
