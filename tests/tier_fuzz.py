"""tier_fuzz.py: the fuzz tier, no KVM: every tests/fuzz/fuzz_*.c target
for a short run (MVM_FUZZ_RUNS executions or MVM_FUZZ_SECONDS; make fuzz
runs the full counts) through scripts/fuzz.sh."""
import glob
import os
import subprocess

from harness import BUILD, TOP, report

FUZZ_CI_RUNS = os.environ.get("MVM_FUZZ_RUNS", "200000")
FUZZ_CI_SECONDS = os.environ.get("MVM_FUZZ_SECONDS", "10")


def targets():
    return sorted(os.path.basename(c)[5:-2]
                  for c in glob.glob(os.path.join(TOP, "tests", "fuzz", "fuzz_*.c")))


def names():
    return [f"fuzz/{t}" for t in targets()]


def run(k=None):
    env = dict(os.environ, FUZZ_RUNS=FUZZ_CI_RUNS, FUZZ_SECONDS=FUZZ_CI_SECONDS)
    for t in targets():
        name = f"fuzz/{t}"
        if k and k not in name:
            continue
        if not os.access(os.path.join(BUILD, "fuzz", "fuzz_" + t), os.X_OK):
            report(name, False, "not built (make fuzz builds it; needs clang)")
            continue
        p = subprocess.run([os.path.join(TOP, "scripts", "fuzz.sh"), t], capture_output=True,
                           text=True, env=env)
        row = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else ""
        report(name, p.returncode == 0, p.stdout[-600:] + p.stderr[-300:])
        if p.returncode == 0:
            print(f"     {row}", flush=True)
