"""harness.py: what every mvm test script shares: paths, running mvm, reading
probe traces, and the pass/fail counts behind the closing
"N passed, N failed" line."""
import csv
import glob
import os
import subprocess
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(TOP, "build")
MVM = os.path.join(BUILD, "mvm")
GUEST = os.path.join(BUILD, "guest")
GUEST_FULL = os.path.join(BUILD, "guest-full")
PAYLOADS = os.path.join(BUILD, "guests")
LINUX_TIMEOUT = int(os.environ.get("MVM_LINUX_TIMEOUT", "600"))

counts = {"passed": 0, "failed": 0, "skipped": 0}
skipped = []  # (name, reason), listed above the closing line


def report(name, ok, why=""):
    counts["passed" if ok else "failed"] += 1
    if ok:
        print(f"ok   {name}", flush=True)
    else:
        print(f"FAIL {name}: {why}", flush=True)


def skip(name, why):
    """One test not run, for a stated reason: counted in the closing line."""
    counts["skipped"] += 1
    skipped.append((name, why))
    print(f"skip {name}: {why}", flush=True)


def skip_all(names, why):
    for name in names:
        skip(name, why)


def closing_line():
    for name, why in skipped:
        print(f"skipped: {name}: {why}")
    return f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped"


def wait_until(pred, timeout, step=0.005):
    """Poll (pred) until it returns something true; that value, or None."""
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() > end:
            return v or None
        time.sleep(step)


def thread_names(pid):
    names = []
    for comm in glob.glob(f"/proc/{pid}/task/*/comm"):
        try:
            with open(comm) as f:
                names.append(f.read().strip())
        except OSError:
            pass
    return names


def vcpus_running(pid, n=1):
    """True once (pid) has (n) vCPU threads (they start after the sandbox)."""
    return sum(name.endswith("/KVM") for name in thread_names(pid)) >= n


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


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
