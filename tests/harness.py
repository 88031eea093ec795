"""harness.py: what every mvm test tier shares: paths, running mvm, reading
probe traces, the tiers' test lists, and the pass/fail/skip counts behind
the closing "N passed, N failed, N skipped" line."""
import csv
import glob
import inspect
import os
import subprocess
import tempfile
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


def closing_line():
    for name, why in skipped:
        print(f"skipped: {name}: {why}")
    return f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped"


def report_result(name, why):
    """A test's answer: None passes, "SKIP: reason" skips, any other string
    fails, and a list of (name, answer) is one result per name."""
    if isinstance(why, list):
        for sub, sub_why in why:
            report_result(sub, sub_why)
    elif why and why.startswith("SKIP: "):
        skip(name, why[6:])
    else:
        report(name, why is None, why)


class Tier:
    """A tier's tests: functions taking no arguments (or a temporary
    directory, tmp) whose answer report_result takes.  (needs): the programs
    every test runs; a missing one fails the tier.  A test that needs
    /dev/kvm is skipped without it."""

    def __init__(self, name, needs=(), kvm=True):
        self.name, self.needs, self.kvm, self.tests = name, needs, kvm, []

    def test(self, fn=None, *, kvm=None):
        """Decorator: add (fn) to the tier; kvm=False if it runs no guest."""
        def add(f):
            f.needs_kvm = self.kvm if kvm is None else kvm
            self.tests.append(f)
            return f
        return add(fn) if fn else add

    def names(self):
        return [t.__name__ for t in self.tests]

    def run(self, k=None):
        chosen = [t for t in self.tests if not k or k in t.__name__]
        missing = [os.path.relpath(n, TOP) for n in self.needs if not os.access(n, os.X_OK)]
        if chosen and missing:
            report(f"{self.name} tier", False, f"not built: {', '.join(missing)} (make builds it)")
            return
        kvm = have_kvm()
        for t in chosen:
            if t.needs_kvm and not kvm:
                skip(t.__name__, "no usable /dev/kvm")
                continue
            report_result(t.__name__, call_test(t))


def call_test(t):
    """Run test (t), with a fresh temporary directory if it takes one (tmp);
    a broken test is a failure, not a crash of the run."""
    try:
        if "tmp" not in inspect.signature(t).parameters:
            return t()
        with tempfile.TemporaryDirectory() as tmp:
            return t(tmp)
    except Exception as e:
        return f"{type(e).__name__}: {e}"


def wait_until(pred, timeout, step=0.005):
    """Poll (pred) until it returns something true; that value, or None."""
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() > end:
            return v or None
        time.sleep(step)


def read_until(p, text, count, timeout):
    """Read p's (non-blocking) stdout until (text) was seen (count) times."""
    buf = b""

    def seen():
        nonlocal buf
        try:
            buf += p.stdout.read() or b""
        except (BlockingIOError, TypeError):
            pass
        return buf.count(text) >= count
    wait_until(seen, timeout)
    return buf


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


def payload(name):
    return os.path.join(PAYLOADS, name + ".bin")


def mvm(args, stdin=None, timeout=30):
    """Run mvm; returns (status, stdout, stderr); status None on timeout."""
    try:
        p = subprocess.run([MVM] + args, input=stdin, capture_output=True, timeout=timeout)
        return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace")
        err = (e.stderr or b"").decode(errors="replace")
        return None, out, err


def mvm_traced(args, timeout=30):
    """Run mvm with a CSV trace: (status, stdout, stderr, trace rows)."""
    with tempfile.TemporaryDirectory() as d:
        trace = os.path.join(d, "t.csv")
        st, out, err = mvm(args + ["--trace", trace], timeout=timeout)
        return st, out, err, read_trace(trace) if os.path.exists(trace) else []


def read_trace(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


CHROME_PHASES = {"X", "i", "I", "M", "C", "B", "E"}


def chrome_problems(doc):
    """Check a Chrome trace-event document against the format's rules."""
    if not isinstance(doc, dict) or not isinstance(doc.get("traceEvents"), list):
        return "no traceEvents array"
    for i, e in enumerate(doc["traceEvents"]):
        where = f"event {i} {e.get('name')!r}"
        if not isinstance(e.get("name"), str) or e.get("ph") not in CHROME_PHASES:
            return f"{where}: name or ph missing or invalid"
        if not isinstance(e.get("pid"), int):
            return f"{where}: pid must be an integer"
        if e["ph"] == "M":
            if not isinstance(e.get("args", {}).get("name"), str):
                return f"{where}: metadata without args.name"
            continue
        if not isinstance(e.get("ts"), (int, float)) or e["ts"] < 0:
            return f"{where}: ts must be a non-negative number"
        if e["ph"] == "X" and (not isinstance(e.get("dur"), (int, float)) or e["dur"] < 0):
            return f"{where}: complete event without a valid dur"
        if e["ph"] in ("X", "i", "I", "B", "E") and not isinstance(e.get("tid"), int):
            return f"{where}: tid must be an integer"
        if e["ph"] == "i" and e.get("s", "t") not in ("g", "p", "t"):
            return f"{where}: instant scope must be g, p or t"
        if e["ph"] == "C" and not all(isinstance(v, (int, float)) for v in e.get("args", {}).values()):
            return f"{where}: counter values must be numbers"
    return None
