"""tier_unit.py: the unit tier, no KVM: every tests/unit/test_*.c, built
plain and under ASan+UBSan (each binary prints "N passed, N failed" and
its cases count one by one), and the source-tree checks of layers.py."""
import glob
import os
import re
import subprocess

import layers
from harness import BUILD, TOP, Tier, counts, report

LAYERS = Tier("unit", kvm=False)
for check in layers.TESTS:
    LAYERS.test(check)


def binaries():
    """(name, path) of every tests/unit/test_*.c, plain and sanitized."""
    tests = sorted(os.path.basename(c)[:-2]
                   for c in glob.glob(os.path.join(TOP, "tests", "unit", "test_*.c")))
    return [(f"{flavour}/{t}", os.path.join(BUILD, flavour, t))
            for flavour in ("unit", "unit-san") for t in tests]


def names():
    return [name for name, _ in binaries()] + LAYERS.names()


def run_binary(name, exe):
    if not os.access(exe, os.X_OK):
        report(name, False, "not built (make unit builds it)")
        return
    p = subprocess.run([exe], capture_output=True, text=True)
    m = re.search(r"(\d+) passed, (\d+) failed", p.stdout)
    if not m:
        report(name, False, f"exit {p.returncode}, no summary\n{p.stdout}{p.stderr}")
        return
    ok, bad = int(m.group(1)), int(m.group(2))
    counts["passed"] += ok
    counts["failed"] += bad
    # A sanitizer report or a crash after the summary still fails the file.
    if p.returncode != 0 and bad == 0:
        report(name, False, f"exit {p.returncode}\n{p.stderr}")
    status = "ok  " if p.returncode == 0 and bad == 0 else "FAIL"
    print(f"{status} {name}: {ok} passed, {bad} failed", flush=True)
    if bad:
        print(p.stdout + p.stderr, end="")


def run(k=None):
    for name, exe in binaries():
        if not k or k in name:
            run_binary(name, exe)
    LAYERS.run(k)
