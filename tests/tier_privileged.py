"""tier_privileged.py: the privileged tier: tests that need root, each
skipped (with the reason) without it: mvm-trace, the host-side tracer
(tracefs), against mvm's own probes and QEMU; and mvm run as an
unprivileged user from a mount namespace that root prepares."""
import json
import os
import shutil
import subprocess

from harness import (BUILD, MVM, Tier, children, chrome_problems, payload, read_trace,
                     thread_names, wait_until)

MVM_TRACE = os.path.join(BUILD, "mvm-trace")
TIER = Tier("privileged", needs=[MVM, MVM_TRACE])
test = TIER.test
names, run = TIER.names, TIER.run
NOT_ROOT = "SKIP: needs root"


def mvm_trace(args, cmd, timeout=60):
    p = subprocess.run([MVM_TRACE] + args + ["--"] + cmd, capture_output=True, timeout=timeout)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def realmode_args(*more):
    return ["-bios", payload("realmode"), "-nodefaults", "-serial", "stdio", "-no-reboot"] + \
        list(more)


@test
def test_mvm_trace_agrees_with_mvm_probes_within_20us(tmp):
    if os.geteuid() != 0:
        return NOT_ROOT
    own, host = os.path.join(tmp, "own.csv"), os.path.join(tmp, "host.csv")
    st, out, err = mvm_trace(["-o", host], [MVM] + realmode_args("--trace", own))
    if st != 0:
        return f"exit {st}: {err}"
    mine = [r for r in read_trace(own) if r["event"] == "marker"]
    theirs = [r for r in read_trace(host) if r["event"] == "marker"]
    if [(r["addr"], r["value"]) for r in mine] != [(r["addr"], r["value"]) for r in theirs]:
        return f"markers differ: {mine} vs {theirs}"
    deltas = [abs(int(a["time_ns"]) - int(b["time_ns"])) / 1000 for a, b in zip(mine, theirs)]
    print("     marker  mvm probe (ns)  mvm-trace (ns)  |delta| us", flush=True)
    for a, b, dt in zip(mine, theirs, deltas):
        print(f"     {a['detail']:20} {a['time_ns']} {b['time_ns']} {dt:8.1f}", flush=True)
    if max(deltas) > 20:
        return f"a marker differs by {max(deltas):.1f} us"
    return None


def firmware_ms(summary):
    """The firmware phase's duration from a 'boot phases:' line, or None."""
    for line in summary.splitlines():
        if "boot phases:" in line and "firmware " in line:
            word = line.split("firmware ", 1)[1].split()[0]
            return None if word == "-" else float(word)
    return None


@test
def test_mvm_trace_exits_and_kernel_entry_agree_with_mvm_probes(tmp):
    """A firmware-like guest (fw_cfg port reads and DMA between console
    output): every traced exit has the port, size, direction and value of
    mvm's own row, reads included, and both place kernel entry at the same
    exit (the firmware phases differ only by where first_run is stamped)."""
    if os.geteuid() != 0:
        return NOT_ROOT
    own, host = os.path.join(tmp, "own.csv"), os.path.join(tmp, "host.csv")
    st, out, err = mvm_trace(["-o", host], [MVM, "-bios", payload("fwcfg"), "-nodefaults",
                                            "-serial", "stdio", "-no-reboot", "--trace", own,
                                            "--probe-summary"])
    if st != 0:
        return f"exit {st}: {err}"
    fields = ("addr", "size", "dir", "value")
    mine = [tuple(r[f] for f in fields) for r in read_trace(own) if r["event"] == "exit"]
    theirs = [tuple(r[f] for f in fields) for r in read_trace(host) if r["event"] == "exit"]
    if mine != theirs:
        diff = next(i for i, (a, b) in enumerate(zip(mine + [None], theirs + [None])) if a != b)
        return f"exit {diff} differs: own {mine[diff:diff + 1]} traced {theirs[diff:diff + 1]}"
    fw = [firmware_ms(line) for line in err.splitlines() if "boot phases:" in line]
    if len(fw) != 2 or None in fw:
        return f"no firmware phase in both summaries: {err[-400:]}"
    print(f"     firmware phase: mvm {fw[0]:.3f} ms, mvm-trace {fw[1]:.3f} ms", flush=True)
    if abs(fw[0] - fw[1]) > 0.02:
        return f"kernel entry differs: firmware {fw[0]} ms own, {fw[1]} ms traced"
    return None


@test
def test_mvm_trace_records_qemu_markers_and_phases(tmp):
    if os.geteuid() != 0:
        return NOT_ROOT
    qemu = shutil.which("qemu-system-x86_64")
    if not qemu:
        return "SKIP: qemu-system-x86_64 is not installed"
    path = os.path.join(tmp, "q.json")
    st, out, err = mvm_trace(["-o", path, "-f", "chrome"],
                             [qemu, "-M", "microvm", "-enable-kvm", "-cpu",
                              "host,-arch-capabilities", "-m", "128m", "-no-user-config",
                              "-display", "none"] + realmode_args())
    if st != 0 or "hello from real mode" not in out:
        return f"exit {st}: {err[-300:]}"
    with open(path) as f:
        doc = json.load(f)
    why = chrome_problems(doc)
    names = [e["name"] for e in doc["traceEvents"]]
    for want in ("marker fw_start", "marker linux_start_kernel", "marker linux_start_user",
                 "vmm", "first_run", "serial_first_byte", "shutdown"):
        if want not in names:
            why = why or f"no {want!r} in QEMU's trace"
    if "boot phases: vmm" not in err:
        why = why or "no phase summary"
    return why


@test(kvm=False)
def test_mvm_trace_passes_exit_status_and_cleans_up():
    if os.geteuid() != 0:
        return NOT_ROOT
    st, out, err = mvm_trace([], ["sh", "-c", "exit 3"])
    if st != 3:
        return f"exit status {st}, expected 3"
    p = subprocess.Popen([MVM_TRACE, "--", "sleep", "30"], stderr=subprocess.PIPE)
    mine = f"/sys/kernel/tracing/instances/mvm_trace_{p.pid}"

    def command_runs():  # tracing is on and the command has been exec'd
        return os.path.isdir(mine) and any(thread_names(c) == ["sleep"] for c in children(p.pid))
    wait_until(command_runs, 10)
    if not os.path.isdir(mine):
        return f"no instance {mine} while tracing"
    p.send_signal(2)
    p.communicate(timeout=10)
    if os.path.exists(mine):
        return f"instance left behind: {mine}"
    return None


@test(kvm=False)
def test_mvm_trace_refuses_without_root():
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        return "SKIP: needs root and setpriv"
    p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        MVM_TRACE, "--", "true"], capture_output=True, text=True)
    if p.returncode != 1 or "needs root" not in p.stderr:
        return f"exit {p.returncode}: {p.stderr!r}"
    return None


@test
def test_runs_as_non_root_user_with_kvm_access(tmp):
    """As nobody, with /dev/kvm made accessible in a private mount namespace
    only (a node of our own bind-mounted over it): the host's stays as it is."""
    if os.getuid() != 0 or not shutil.which("unshare") or not shutil.which("setpriv"):
        return "SKIP: needs root (to prepare the namespace), unshare and setpriv"
    node = os.path.join(tmp, "kvm")
    os.mknod(node, 0o666 | 0o020000, os.makedev(10, 232))
    os.chmod(node, 0o666)
    os.chmod(tmp, 0o755)
    # The clone may sit where only root can enter: nobody runs copies.
    exe, fw = os.path.join(tmp, "mvm"), os.path.join(tmp, "realmode.bin")
    shutil.copy(MVM, exe)
    shutil.copy(payload("realmode"), fw)
    cmd = (f"mount --bind {node} /dev/kvm && exec setpriv --reuid=65534 --regid=65534 "
           f"--clear-groups {exe} -M microvm -bios {fw} -nodefaults "
           "-serial stdio -no-reboot")
    p = subprocess.run(["unshare", "-m", "sh", "-c", cmd], capture_output=True, text=True,
                       timeout=30)
    if p.returncode != 0 or "hello from real mode" not in p.stdout:
        return f"exit {p.returncode}: {p.stdout[-200:]!r} {p.stderr[-300:]!r}"
    return None
