#!/usr/bin/env python3
"""combinations.py: boot the benchmark guest (directly) under every on/off combination
of microvm's legacy devices (pit, pic, rtc, isa-serial, x-option-roms: 32
machines) and print a table of outcome and time from the first KVM_RUN to
the init marker.  Slow on nested hosts (~20 s a boot): not part of every
`make test`.  Exit status 1 if any combination fails to reach init.

Usage: tests/combinations.py [--irqchip split|on] [--only N]
"""
import argparse
import itertools
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tier_linux import boot_linux  # noqa: E402

OPTIONS = ("pit", "pic", "rtc", "isa-serial", "x-option-roms")


def init_seconds(rows):
    first = [int(r["time_ns"]) for r in rows if r["event"] == "first_run"]
    init = [int(r["time_ns"]) for r in rows if r["detail"] == "linux_start_user"]
    return (init[0] - min(first)) / 1e9 if first and init else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--irqchip", default="split", choices=["split", "on"])
    ap.add_argument("--only", type=int, help="run only the first N combinations")
    args = ap.parse_args()
    combos = list(itertools.product(("on", "off"), repeat=len(OPTIONS)))[:args.only]
    print(f"{'#':>2}  {'pit':4}{'pic':4}{'rtc':4}{'serial':7}{'roms':5}  {'outcome':8} {'init_s':>7}")
    failures = 0
    for i, values in enumerate(combos, 1):
        machine = "".join(f",{k}={v}" for k, v in zip(OPTIONS, values))
        machine += f",kernel-irqchip={args.irqchip},firmware=none"
        st, out, err, rows, wall = boot_linux(machine)
        secs = init_seconds(rows)
        ok = st == 0 and secs is not None
        failures += not ok
        outcome = "init" if ok else f"FAIL({st})"
        shown = f"{secs:7.1f}" if secs is not None else "      -"
        print(f"{i:2}  {values[0]:4}{values[1]:4}{values[2]:4}{values[3]:7}{values[4]:5}  "
              f"{outcome:8} {shown}", flush=True)
        if not ok:
            print("    " + err.strip().replace("\n", "\n    ")[-400:], flush=True)
    print(f"{len(combos) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
