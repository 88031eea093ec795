"""harness.py: what every mvm test script shares: paths, running mvm, reading
probe traces, and the pass/fail counts behind the closing
"N passed, N failed" line."""
import csv
import os
import subprocess

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(TOP, "build")
MVM = os.path.join(BUILD, "mvm")
GUEST = os.path.join(BUILD, "guest")
GUEST_FULL = os.path.join(BUILD, "guest-full")
PAYLOADS = os.path.join(BUILD, "guests")
LINUX_TIMEOUT = int(os.environ.get("MVM_LINUX_TIMEOUT", "600"))

counts = {"passed": 0, "failed": 0}


def report(name, ok, why=""):
    counts["passed" if ok else "failed"] += 1
    if ok:
        print(f"ok   {name}", flush=True)
    else:
        print(f"FAIL {name}: {why}", flush=True)


def skip(name, why):
    print(f"skip {name}: {why}", flush=True)


def have_kvm():
    return os.access("/dev/kvm", os.R_OK | os.W_OK)


def mvm(args, stdin=None, timeout=30):
    """Run mvm; returns (status, stdout, stderr); status None on timeout."""
    try:
        p = subprocess.run([MVM] + args, input=stdin, capture_output=True, timeout=timeout)
        return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace")
        err = (e.stderr or b"").decode(errors="replace")
        return None, out, err


def read_trace(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))
