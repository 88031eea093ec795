#!/usr/bin/env python3
"""run.py: mvm's test runner.

Runs the C unit tests (plain and under ASan+UBSan), the tiny guest payloads
under KVM, and the Linux boot test, and ends with "N passed, N failed".
Usage: tests/run.py [--only unit|guests|linux] [-k SUBSTRING]
"""
import argparse
import csv
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (BUILD, GUEST, LINUX_TIMEOUT, MVM, PAYLOADS, TOP, children,  # noqa: E402
                     closing_line, counts, have_kvm, mvm, read_trace, report, skip, skip_all,
                     thread_names, vcpus_running, wait_until)
import output_tests  # noqa: E402
import virtio_linux  # noqa: E402


# ---- unit tests ----

def expected_unit_binaries():
    """Every tests/unit/test_*.c, plain and under the sanitizers."""
    names = sorted(os.path.basename(c)[:-2] for c in glob.glob(os.path.join(TOP, "tests", "unit",
                                                                          "test_*.c")))
    return [os.path.join(BUILD, flavour, n) for flavour in ("unit", "unit-san") for n in names]


def run_unit():
    for exe in expected_unit_binaries():
        flavour = os.path.basename(os.path.dirname(exe))
        name = f"{flavour}/{os.path.basename(exe)}"
        if not os.access(exe, os.X_OK):
            report(name, False, "not built (make unit builds it)")
            continue
        p = subprocess.run([exe], capture_output=True, text=True)
        m = re.search(r"(\d+) passed, (\d+) failed", p.stdout)
        if not m:
            report(name, False, f"exit {p.returncode}, no summary\n{p.stdout}{p.stderr}")
            continue
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


# ---- tiny guest payloads ----

def payload(name):
    return os.path.join(PAYLOADS, name + ".bin")


def guest_test(fn):
    GUEST_TESTS.append(fn)
    return fn


GUEST_TESTS = []


@guest_test
def test_realmode_serial_markers_and_triple_fault():
    with tempfile.TemporaryDirectory() as d:
        trace = os.path.join(d, "t.csv")
        st, out, err = mvm(["-bios", payload("realmode"), "-nodefaults", "-serial", "stdio",
                            "-no-reboot", "--trace", trace])
        if st != 0:
            return f"exit {st}: {err}"
        if out != "hello from real mode\nunassigned ports read all-ones\n":
            return f"serial output {out!r}"
        rows = read_trace(trace)
        markers = [(r["addr"], r["detail"]) for r in rows if r["event"] == "marker"]
        if markers != [("0xf5", "fw_start"), ("0xf4", "linux_start_kernel"),
                       ("0xf4", "linux_start_user")]:
            return f"markers {markers}"
        events = [r["event"] for r in rows]
        for e in ("vmm_start", "vm_created", "first_run", "serial_first_byte", "shutdown",
                  "vmm_exit"):
            if e not in events:
                return f"no {e} event"
        shutdown_exit = [r for r in rows if r["event"] == "exit" and r["detail"] == "shutdown"]
        if len(shutdown_exit) != 1:
            return "no triple-fault exit in the trace"
        times = [int(r["time_ns"]) for r in rows]
        if times != sorted(times):
            return "trace not in time order"
    return None


@guest_test
def test_longmode_mmio_zero_ports_all_ones_and_string_io():
    with tempfile.TemporaryDirectory() as d:
        trace = os.path.join(d, "t.csv")
        st, out, err = mvm(["-bios", payload("longmode"), "-nodefaults", "-serial", "stdio",
                            "-no-reboot", "--trace", trace])
        if st != 0:
            return f"exit {st}: {err}"
        if out != "hello from long mode\nunassigned MMIO reads 0, ports all-ones\n":
            return f"serial output {out!r}"
        rows = read_trace(trace)
        mmio = [(r["addr"], r["size"], r["value"]) for r in rows if r["detail"] == "mmio"]
        if mmio != [("0xd0000000", "4", "0x0"), ("0xd0000000", "8", "0x0")]:
            return f"mmio exits {mmio}"
        pci = [(r["size"], r["value"]) for r in rows
               if r["event"] == "exit" and r["addr"] == "0xcf8" and r["dir"] == "r"]
        if pci != [("4", "0xffffffff")]:
            return f"port 0xcf8 exits {pci}"
    return None


@guest_test
def test_first_serial_byte_is_first_thr_write():
    with tempfile.TemporaryDirectory() as d:
        trace = os.path.join(d, "t.csv")
        st, out, err = mvm(["-bios", payload("longmode"), "-nodefaults", "-serial", "null",
                            "-no-reboot", "--trace", trace])
        if st != 0 or out:
            return f"exit {st}, output {out!r} with -serial null"
        rows = read_trace(trace)
        first = [r for r in rows if r["event"] == "serial_first_byte"]
        thr = [r for r in rows if r["event"] == "exit" and r["addr"] == "0x3f8" and r["dir"] == "w"]
        if len(first) != 1 or first[0]["value"] != "0x68" or int(first[0]["time_ns"]) < int(thr[0]["time_ns"]):
            return f"serial_first_byte {first}"
    return None


@guest_test
def test_reset_without_no_reboot_reboots():
    st, out, err = mvm(["-bios", payload("realmode"), "-nodefaults", "-serial", "stdio"], timeout=3)
    if st is not None:
        return f"exited ({st}) instead of rebooting"
    if out.count("hello from real mode") < 2:
        return f"booted {out.count('hello from real mode')} times in 3 s"
    return None


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


@guest_test
def test_reboot_restores_the_firmware_read_at_start():
    """The guest resets after its firmware file was deleted and another put
    in its place: the reboot runs what mvm read at start (QEMU keeps its ROM
    blobs), under the default sandbox."""
    with tempfile.TemporaryDirectory() as d:
        fw = os.path.join(d, "fw.bin")
        shutil.copy(payload("echo"), fw)
        p = subprocess.Popen([MVM, "-bios", fw, "-nodefaults", "-serial", "stdio"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        os.set_blocking(p.stdout.fileno(), False)
        try:
            first = read_until(p, b"echo ready", 1, 10)
            os.unlink(fw)
            shutil.copy(payload("realmode"), fw)
            p.stdin.write(b"q")  # the echo payload triple-faults on 'q'
            p.stdin.flush()
            out = first + read_until(p, b"echo ready", 1, 10)
        finally:
            p.terminate()
            _, err = p.communicate(timeout=10)
    if out.count(b"echo ready") != 2 or b"hello" in out or p.returncode != 0:
        return f"exit {p.returncode}, output {out!r}, {err[-200:]!r}"
    return None


@guest_test
def test_failed_start_closes_only_what_it_opened():
    """A machine refused half-way must not close fd 0 (nor any fd it did not
    open): strace sees no close(0)."""
    if not shutil.which("strace"):
        return "FAIL: strace missing: run scripts/setup.sh"
    for args in (["-M", "microvm,kernel-irqchip=on,pic=off"], ["-m", "64T"]):
        p = subprocess.run(["strace", "-f", "-e", "trace=close", MVM, "-bios", payload("realmode"),
                            "-nodefaults"] + args, capture_output=True, text=True, timeout=30)
        if p.returncode != 2 or re.search(r"close\(0\)", p.stderr):
            return f"{args}: exit {p.returncode}: {p.stderr[-300:]!r}"
    return None


@guest_test
def test_sigterm_ends_mvm_cleanly():
    p = subprocess.Popen([MVM, "-bios", payload("firstexit"), "-nodefaults"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if not wait_until(lambda: vcpus_running(p.pid), 10):
        p.kill()
        return "no vCPU thread within 10 s"
    p.terminate()
    out, err = p.communicate(timeout=10)
    if p.returncode != 0 or b"terminating on signal 15" not in err:
        return f"exit {p.returncode}: {err!r}"
    return None


@guest_test
def test_serial_input_reaches_guest():
    st, out, err = mvm(["-bios", payload("echo"), "-nodefaults", "-serial", "stdio", "-no-reboot"],
                       stdin=b"hello, guest q")
    if st != 0 or out != "echo ready\nhello, guest q":
        return f"exit {st}, output {out!r}, {err}"
    return None


@guest_test
def test_serial_file_backend():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "console.txt")
        st, out, err = mvm(["-bios", payload("realmode"), "-serial", f"file:{path}", "-no-reboot"])
        if st != 0 or out:
            return f"exit {st}, stdout {out!r}"
        with open(path) as f:
            if not f.read().startswith("hello from real mode"):
                return "file has no guest output"
    return None


@guest_test
def test_isa_serial_off_removes_the_uart():
    st, out, err = mvm(["-M", "microvm,isa-serial=off", "-bios", payload("realmode"),
                        "-serial", "stdio", "-no-reboot"], timeout=5)
    # Without a UART, LSR reads 0xff: the payload's THRE poll passes and the
    # bytes go to an unassigned port, so nothing may reach stdout.
    if st != 0 or out:
        return f"exit {st}, output {out!r}"
    return None


def run_payload(name, machine="microvm", extra=(), timeout=20):
    return mvm(["-M", machine, "-bios", payload(name), "-nodefaults", "-serial", "stdio",
                "-no-reboot"] + list(extra), timeout=timeout)


def expect_output(name, machine, want, extra=()):
    st, out, err = run_payload(name, machine, extra)
    if st != 0 or out != want:
        return f"{machine}: exit {st}, output {out!r}, {err[-300:]!r}"
    return None


@guest_test
def test_pit_interrupts_through_pic_split_and_on():
    for chip in ("split", "on"):
        why = expect_output("pic_pit", f"microvm,kernel-irqchip={chip}",
                            "10 timer interrupts through the PIC\n")
        if why:
            return why
    return None


@guest_test
def test_pit_interrupts_through_ioapic_split_and_on():
    for chip in ("split", "on"):
        why = expect_output("ioapic_pit", f"microvm,kernel-irqchip={chip}",
                            "10 timer interrupts through the IOAPIC\n")
        if why:
            return why
    return None


@guest_test
def test_rtc_level_interrupts_through_ioapic_split_and_on():
    for chip in ("split", "on"):
        why = expect_output("ioapic_rtc", f"microvm,kernel-irqchip={chip},rtc=on",
                            "4 level-triggered RTC interrupts through the IOAPIC\n")
        if why:
            return why
    return None


@guest_test
def test_ioapic_interrupts_without_pic_and_pit_off_hangs_nothing():
    # pit=off: no timer, so the payload halts waiting for ticks that never
    # come; mvm itself must stay responsive: SIGTERM ends it cleanly.
    p = subprocess.Popen([MVM, "-M", "microvm,pit=off,pic=off", "-bios", payload("ioapic_pit"),
                          "-nodefaults", "-serial", "stdio", "-no-reboot"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if not wait_until(lambda: vcpus_running(p.pid), 10):
        p.kill()
        return "no vCPU thread within 10 s"
    time.sleep(0.5)  # time for ticks that must not come
    alive = p.poll() is None
    p.terminate()
    try:
        out, err = p.communicate(timeout=2)
    except subprocess.TimeoutExpired:
        p.kill()
        return "SIGTERM ignored: mvm hangs"
    if not alive or p.returncode != 0 or out or "terminating on signal 15" not in err:
        return f"alive {alive}, exit {p.returncode}, output {out!r}, {err[-200:]!r}"
    return None


@guest_test
def test_machine_state_matches_qemu_microvm():
    """LVT0 masked at reset (QEMU's microvm, not KVM's ExtINT default), 10
    machine-check banks, and a deep call chain leaves the MMIO mapping whole."""
    want = re.compile(r"lvt0 00010000 mcg_cap [0-9a-f]{6}0a virtio magic 74726976\n")
    for machine in ("microvm", "microvm,kernel-irqchip=on"):
        st, out, err = run_payload("machine_state", machine)
        if st != 0 or not want.fullmatch(out):
            return f"{machine}: exit {st}, output {out!r}, {err[-200:]!r}"
    return None


# Values the legacy payload reports: PIC IMR, PIT port 0x43, RTC reg D, UART LSR.
LEGACY = [
    ("microvm", ["0x0", "0x0", "0xff", "0x60"]),  # rtc=auto is off under KVM
    ("microvm,rtc=on", ["0x0", "0x0", "0x80", "0x60"]),
    ("microvm,pic=off,pit=off,rtc=on,isa-serial=off", ["0xff", "0xff", "0x80", "0xff"]),
    ("microvm,pic=off,pit=off,rtc=off", ["0xff", "0xff", "0xff", "0x60"]),
    ("microvm,kernel-irqchip=on,pit=off", ["0x0", "0xff", "0xff", "0x60"]),
]


@guest_test
def test_machine_options_add_and_remove_legacy_devices():
    with tempfile.TemporaryDirectory() as d:
        trace = os.path.join(d, "t.csv")
        for machine, want in LEGACY:
            st, out, err = mvm(["-M", machine, "-bios", payload("legacy"), "-nodefaults",
                                "-serial", "null", "-no-reboot", "--trace", trace])
            got = [r["value"] for r in read_trace(trace) if r["event"] == "marker"]
            if st != 0 or got != want:
                return f"{machine}: exit {st}, read {got}, expected {want}"
    return None


@guest_test
def test_pic_off_with_kernel_irqchip_is_refused():
    st, out, err = mvm(["-M", "microvm,kernel-irqchip=on,pic=off", "-bios", payload("legacy")])
    if st != 2 or "pic=off needs kernel-irqchip=split" not in err:
        return f"exit {st}: {err!r}"
    return None


# ---- traces: Chrome JSON, mvm-trace ----

MVM_TRACE = os.path.join(BUILD, "mvm-trace")
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


@guest_test
def test_fwcfg_signature_directory_and_dma_error_from_real_mode():
    with tempfile.TemporaryDirectory() as d:
        trace = os.path.join(d, "t.csv")
        st, out, err = mvm(["-bios", payload("fwcfg"), "-nodefaults", "-serial", "stdio",
                            "-no-reboot", "--trace", trace])
        # QEMU lists bootorder always (empty without a boot device).
        want = ("QEMU\nbios-geometry bootorder etc/boot-fail-wait etc/e820 etc/fdt \n"
                "DMA to non-RAM: error\n")
        if st != 0 or out != want:
            return f"exit {st}, output {out!r}"
        rows = [r for r in read_trace(trace) if r["event"].startswith("fwcfg")]
        details = [r["detail"] for r in rows]
        if "select:file_dir" not in details or "dma:file_dir" not in details:
            return f"fw_cfg probes {details[:8]}"
    return None


@guest_test
def test_chrome_trace_is_valid_and_has_a_csv_twin():
    import json
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "t.json")
        st, out, err = mvm(["-bios", payload("realmode"), "-nodefaults", "-serial", "stdio",
                            "-no-reboot", "--trace", path, "--trace-format", "chrome"])
        if st != 0:
            return f"exit {st}: {err}"
        with open(path) as f:
            doc = json.load(f)
        why = chrome_problems(doc)
        if why:
            return why
        names = [e["name"] for e in doc["traceEvents"]]
        for want in ("vmm", "user", "marker linux_start_kernel", "exit io", "exits per 10 ms"):
            if want not in names:
                return f"no {want!r} event"
        rows = read_trace(os.path.join(d, "t.csv"))
        if sum(r["event"] == "marker" for r in rows) != 3:
            return "CSV twin lacks the markers"
    return None


@guest_test
def test_probe_summary_names_the_phases():
    st, out, err = mvm(["-bios", payload("realmode"), "-nodefaults", "-no-reboot", "--probe-summary"])
    line = [l for l in err.splitlines() if "boot phases:" in l]
    if st != 0 or len(line) != 1:
        return f"exit {st}: {err!r}"
    for want in ("vmm ", "firmware", "kernel", "user", "init: marker 7", "end: shutdown"):
        if want not in line[0]:
            return f"summary lacks {want!r}: {line[0]}"
    return None


def tracer_usable():
    return os.geteuid() == 0 and os.path.exists(MVM_TRACE)


def mvm_trace(args, cmd, timeout=60):
    p = subprocess.run([MVM_TRACE] + args + ["--"] + cmd, capture_output=True, timeout=timeout)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


@guest_test
def test_mvm_trace_agrees_with_mvm_probes_within_20us():
    if not tracer_usable():
        return "SKIP: needs root and build/mvm-trace"
    with tempfile.TemporaryDirectory() as d:
        own, host = os.path.join(d, "own.csv"), os.path.join(d, "host.csv")
        st, out, err = mvm_trace(["-o", host], [MVM, "-bios", payload("realmode"), "-nodefaults",
                                               "-serial", "stdio", "-no-reboot", "--trace", own])
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


@guest_test
def test_mvm_trace_records_qemu_markers_and_phases():
    if not tracer_usable():
        return "SKIP: needs root and build/mvm-trace"
    qemu = shutil.which("qemu-system-x86_64")
    if not qemu:
        return "SKIP: qemu-system-x86_64 is not installed"
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "q.json")
        st, out, err = mvm_trace(["-o", path, "-f", "chrome"],
                                 [qemu, "-M", "microvm", "-enable-kvm", "-cpu",
                                  "host,-arch-capabilities", "-m", "128m", "-bios",
                                  payload("realmode"), "-nodefaults", "-no-user-config",
                                  "-display", "none", "-serial", "stdio", "-no-reboot"])
        if st != 0 or "hello from real mode" not in out:
            return f"exit {st}: {err[-300:]}"
        import json
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


@guest_test
def test_mvm_trace_passes_exit_status_and_cleans_up():
    if not tracer_usable():
        return "SKIP: needs root and build/mvm-trace"
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


@guest_test
def test_mvm_trace_refuses_without_root():
    if not tracer_usable() or not shutil.which("setpriv"):
        return "SKIP: needs root, setpriv and build/mvm-trace"
    p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        MVM_TRACE, "--", "true"], capture_output=True, text=True)
    if p.returncode != 1 or "needs root" not in p.stderr:
        return f"exit {p.returncode}: {p.stderr!r}"
    return None


# ---- mvm-bench (synthetic results: no boots) ----

MVM_BENCH = os.path.join(BUILD, "mvm-bench")
RUNS_COLUMNS = ("vmm,firmware,kernel,pit,pic,rtc,isa_serial,x_option_roms,rep,status,note,"
                "vmm_ms,firmware_ms,kernel_ms,user_ms,start_kernel_ms,first_console_ms,init_ms,"
                "total_ms,exits,exits_io,exits_mmio,exits_other,fwcfg_reads,fwcfg_bytes,"
                "user_cpu_ms,sys_cpu_ms,peak_rss_kib,rss_kib,pss_kib,minor_faults,major_faults,"
                "binary_bytes,host,git_rev,kernel_sha256,initrd_sha256,firmware_sha256,started_at")


def write_runs(directory, init_times, pit="on"):
    """A runs.csv with one ok row per init time, for one configuration."""
    os.makedirs(directory, exist_ok=True)
    cols = RUNS_COLUMNS.split(",")
    with open(os.path.join(directory, "runs.csv"), "w") as f:
        f.write(RUNS_COLUMNS + "\n")
        for rep, t in enumerate(init_times):
            row = dict.fromkeys(cols, "")
            row.update(vmm="mvm", firmware="direct", kernel="build/guest", pit=pit, pic="on",
                       rtc="on", isa_serial="on", x_option_roms="on", rep=str(rep), status="ok",
                       vmm_ms="2", kernel_ms=str(t - 2), init_ms=str(t), total_ms=str(t + 300),
                       exits="14000", rss_kib="900", pss_kib="800")
            f.write(",".join(row[c] for c in cols) + "\n")


def bench(args, timeout=60):
    p = subprocess.run([MVM_BENCH] + args, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


@guest_test
def test_bench_dry_run_lists_cells_and_skips():
    st, out, err = bench(["run", "--dry-run"])
    if st != 0 or "64 cells, 32 to run in this shard, 32 boots" not in out:
        return f"exit {st}: {out[-300:]}{err}"
    if "skipped: QEMU's microvm has no direct kernel boot" not in out:
        return "QEMU's direct-boot cells are not reported as skipped"
    return None


@guest_test
def test_bench_bad_config_and_results_dir_are_exit_2():
    with tempfile.TemporaryDirectory() as d:
        conf = os.path.join(d, "m.conf")
        with open(conf, "w") as f:
            f.write("vmm = mvm\npit = sometimes\n")
        st, out, err = bench(["run", "-c", conf])
        if st != 2 or f"{conf}:2: pit: unknown value 'sometimes'" not in err:
            return f"bad config: exit {st}: {err!r}"
        st, out, err = bench(["run", "--vmm", "mvm", "-o", "/proc/mvm/results"])
        if st != 2 or "cannot create results directory '/proc/mvm/results'" not in err:
            return f"bad results dir: exit {st}: {err!r}"
        st, out, err = bench(["run", "--kernel", os.path.join(d, "nothing")])
        if st != 2 or "cannot read" not in err:
            return f"missing kernel: exit {st}: {err!r}"
    return None


@guest_test
def test_bench_compare_flags_a_regression_and_passes_equal_runs():
    with tempfile.TemporaryDirectory() as d:
        base, same, slow = (os.path.join(d, x) for x in ("base", "same", "slow"))
        write_runs(base, [18000, 18300, 17900, 18100, 18200])
        write_runs(same, [18150, 17950, 18250, 18050, 18000])
        write_runs(slow, [19800, 20100, 19900, 20300, 20000])
        st, out, err = bench(["compare", base, same])
        if st != 0 or "0 regression(s)" not in out:
            return f"equal runs: exit {st}: {out}{err}"
        st, out, err = bench(["compare", base, slow])
        if st != 1 or "REGRESSION" not in out or "1 regression(s)" not in out:
            return f"slowed run: exit {st}: {out}{err}"
        st, out, err = bench(["compare", base, os.path.join(d, "missing")])
        if st != 2:
            return f"missing input: exit {st}"
    return None


@guest_test
def test_bench_merge_combines_shards_into_summary_and_plots():
    with tempfile.TemporaryDirectory() as d:
        write_runs(os.path.join(d, "s0"), [18000, 18100], pit="on")
        write_runs(os.path.join(d, "s1"), [17000, 17100], pit="off")
        out_dir = os.path.join(d, "all")
        st, out, err = bench(["merge", out_dir, os.path.join(d, "s0"), os.path.join(d, "s1")])
        if st != 0 or "merged 4 rows from 2 directories" not in out:
            return f"exit {st}: {out}{err}"
        with open(os.path.join(out_dir, "summary.csv")) as f:
            summary = f.read()
        if summary.count(",init_ms,2,") != 2:
            return "summary lacks one configuration's init_ms"
        for plot in ("phases.png", "phases.svg", "boot-time.png", "footprint.svg", "firmware.png"):
            if not os.path.getsize(os.path.join(out_dir, plot)):
                return f"no {plot}"
    return None


BAD_INPUT = [
    (["-frobnicate"], "unknown option '-frobnicate'"),
    (["-kernel"], "needs an argument"),
    (["-m", "lots", "-kernel", "x"], "-m: invalid size 'lots'"),
    (["-kernel", "/nonexistent/vmlinux"], "cannot open kernel '/nonexistent/vmlinux'"),
    (["-bios", "/nonexistent/fw.bin"], "cannot open firmware '/nonexistent/fw.bin'"),
    (["-bios", "/etc/hostname"], "multiple of 64 KiB"),
    (["-kernel", "/etc/hostname"], "kernel '/etc/hostname': kernel is neither a bzImage"),
    (["-M", "microvm,firmware=none", "-kernel", "/etc/hostname"],
     "neither an ELF vmlinux nor a bzImage"),
    (["-M", "microvm,pit=maybe", "-kernel", "x"], "bad value 'maybe' for 'pit'"),
    (["-M", "q35", "-kernel", "x"], "unsupported machine 'q35'"),
    (["-cpu", "host,+warpdrive", "-kernel", "x"], "'warpdrive'"),
    (["-bios", os.path.join(PAYLOADS, "firstexit.bin"), "-drive", "id=d,file=/nonexistent.img,if=none",
      "-device", "virtio-blk-device,drive=d"], "cannot open disk image '/nonexistent.img'"),
    (["-kernel", "x", "-device", "virtio-net-device,netdev=n0"], "no -netdev with id 'n0'"),
    (["-bios", os.path.join(PAYLOADS, "firstexit.bin"), "-drive", "id=d,file=/tmp,if=none",
      "-device", "virtio-blk-device,drive=d"], "cannot open disk image '/tmp': Is a directory"),
    (["-m", "64T", "-bios", os.path.join(PAYLOADS, "firstexit.bin")], "more than the host's memory"),
    (["-smp", "300", "-kernel", "x"], "at most 255 CPUs"),
    (["-M", "microvm,firmware=none", "-kernel", "x", "-bios", "y"], "give -kernel, not -bios"),
    (["-M", "microvm,pic=off,kernel-irqchip=on", "-bios", os.path.join(PAYLOADS, "firstexit.bin")],
     "pic=off needs kernel-irqchip=split"),
    (["-chardev", "stdio,id=c", "-serial", "stdio", "-kernel", "x"], "stdio is used by more than one"),
    (["-sandbox", "maybe", "-kernel", "x"], "-sandbox: on or off"),
    (["-netdev", "tap,id=n,ifname=much-too-long-a-name", "-kernel", "x"], "ifname"),
]


def truncated_inputs(d):
    """Kernel, initrd and firmware files cut short, and an unreadable one."""
    cases = []
    for name, src in (("bzImage", "bzImage"), ("vmlinux", "vmlinux")):
        path = os.path.join(d, "short-" + name)
        with open(os.path.join(GUEST, src), "rb") as f, open(path, "wb") as g:
            g.write(f.read(3000))
        cases.append((["-M", "microvm,firmware=none", "-kernel", path], f"kernel '{path}'"))
    fw = os.path.join(d, "short-fw.bin")
    with open(payload("firstexit"), "rb") as f, open(fw, "wb") as g:
        g.write(f.read(40000))
    cases.append((["-bios", fw], "multiple of 64 KiB"))
    cases.append((["-M", "microvm,firmware=none", "-kernel", os.path.join(GUEST, "vmlinux"),
                   "-initrd", os.path.join(d, "missing.cpio")], "cannot open initrd"))
    # Longer than an ELF kernel takes, on every path (the kernel would cut it).
    for machine in ("microvm", "microvm,firmware=none"):
        cases.append((["-M", machine, "-kernel", os.path.join(GUEST, "vmlinux"),
                       "-append", "x" * 2062], "command line longer than the kernel accepts"))
    return cases


@guest_test
def test_virtio_descriptor_loop_resets_device_and_vmm_runs_on():
    """A guest gives virtio-blk a looping descriptor chain: NEEDS_RESET, then
    after the driver's reset a read of sector 0 works (no exits while the
    main thread serves it)."""
    with tempfile.TemporaryDirectory() as d:
        img = os.path.join(d, "disk.img")
        with open(img, "wb") as f:
            f.write(b"MVMDISK!".ljust(4096, b"\0"))
        drive = ["-drive", f"id=d,file={img},format=raw,if=none",
                 "-device", "virtio-blk-device,drive=d"]
        want = "descriptor loop: device needs reset\nafter reset: sector 0 read\n"
        for machine in ("microvm", "microvm,kernel-irqchip=on"):
            why = expect_output("virtio_hostile", machine, want, drive)
            if why:
                return why
    return None


@guest_test
def test_hostile_accesses_to_every_device_and_serial_flood():
    """Garbage of every size at every legacy port, the IOAPIC and all virtio
    slots, then 64 KiB into the UART: mvm stays up and sees the guest out."""
    with tempfile.TemporaryDirectory() as d:
        img, out = os.path.join(d, "disk.img"), os.path.join(d, "serial.out")
        with open(img, "wb") as f:
            f.truncate(1 << 20)
        for machine in ("microvm,rtc=on", "microvm,kernel-irqchip=on"):
            st, _, err = mvm(["-M", machine, "-bios", payload("hostile"), "-nodefaults",
                              "-no-reboot", "-serial", f"file:{out}",
                              "-drive", f"id=d,file={img},format=raw,if=none",
                              "-device", "virtio-blk-device,drive=d",
                              "-device", "virtio-rng-device",
                              "-chardev", "socket,id=c,path=" + os.path.join(d, "con.sock") +
                              ",server=on,wait=off", "-device", "virtio-serial-device",
                              "-device", "virtconsole,chardev=c"], timeout=120)
            with open(out, "rb") as f:
                data = f.read()
            if st != 0 or not data.endswith(b"mvm survived the hostile guest\n") or \
                    len(data) < 65536:
                return f"{machine}: exit {st}, {len(data)} serial bytes, {err[-300:]!r}"
    return None


@guest_test
def test_interrupt_storm_is_served_and_ends():
    for machine in ("microvm", "microvm,kernel-irqchip=on"):
        t0 = time.monotonic()
        why = expect_output("storm", machine, "20000 timer interrupts\n")
        if why:
            return why
        print(f"     {machine}: 20000 interrupts in {time.monotonic() - t0:.1f} s", flush=True)
    return None


@guest_test
def test_sandbox_filters_every_thread_and_guest_runs():
    """Seccomp mode 2 on the process, a second filter on each vCPU thread,
    and the guest runs to a clean SIGTERM."""
    p = subprocess.Popen([MVM, "-M", "microvm", "-smp", "2", "-bios", payload("firstexit"),
                          "-nodefaults", "-no-reboot"], stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: vcpus_running(p.pid, 2), 10)
        filters = {}
        for task in glob.glob(f"/proc/{p.pid}/task/*"):
            with open(os.path.join(task, "comm")) as f:
                name = f.read().strip()
            with open(os.path.join(task, "status")) as f:
                status = dict(line.split(":", 1) for line in f if ":" in line)
            filters[name] = (status["Seccomp"].strip(), status["Seccomp_filters"].strip())
    finally:
        p.terminate()
        _, err = p.communicate(timeout=10)
    want = {"mvm": ("2", "1"), "CPU 0/KVM": ("2", "2"), "CPU 1/KVM": ("2", "2")}
    if any(filters.get(k) != v for k, v in want.items()) or p.returncode != 0:
        return f"threads {filters}, exit {p.returncode}: {err[-300:]!r}"
    st, out, err = mvm(["-sandbox", "off", "-bios", payload("realmode"), "-nodefaults",
                        "-serial", "stdio", "-no-reboot"])
    return None if st == 0 and "hello" in out else f"-sandbox off: exit {st} {err!r}"


@guest_test
def test_runs_as_non_root_user_with_kvm_access():
    """As nobody, with /dev/kvm made accessible in a private mount namespace
    only (a node of our own bind-mounted over it): the host's stays as it is."""
    if os.getuid() != 0 or not shutil.which("unshare") or not shutil.which("setpriv"):
        return "SKIP: needs root (to prepare the namespace), unshare and setpriv"
    with tempfile.TemporaryDirectory() as d:
        node = os.path.join(d, "kvm")
        os.mknod(node, 0o666 | 0o020000, os.makedev(10, 232))
        os.chmod(node, 0o666)
        os.chmod(d, 0o755)
        # The clone may sit where only root can enter: nobody runs copies.
        exe, fw = os.path.join(d, "mvm"), os.path.join(d, "realmode.bin")
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


@guest_test
def test_bench_crashed_vmm_is_a_crash_row_with_its_stderr():
    with tempfile.TemporaryDirectory() as d:
        fake = os.path.join(d, "crashing-vmm")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\necho 'about to crash' >&2\nkill -SEGV $$\n")
        os.chmod(fake, 0o755)
        out = os.path.join(d, "r")
        st, _, err = bench(["run", "--vmm", "mvm", "--mvm", fake, "--pit", "on", "--pic", "on",
                            "--rtc", "on", "--isa-serial", "on", "--x-option-roms", "on",
                            "-n", "1", "-o", out, "--no-plots"])
        rows = read_trace(os.path.join(out, "runs.csv"))
        logs = "".join(open(p).read() for p in glob.glob(os.path.join(out, "logs", "*")))
        if [r["status"] for r in rows] != ["crash"] or "signal 11" not in rows[0]["note"] or \
                "about to crash" not in logs:
            return f"exit {st}, rows {rows}, logs {logs[:200]!r}, {err[-300:]!r}"
    return None


@guest_test
def test_device_payloads_under_asan_ubsan():
    """The device-heavy payloads again, with mvm built with ASan and UBSan
    (build/mvm-san; leak checking off: it needs ptrace, which the sandbox
    refuses)."""
    san = os.path.join(BUILD, "mvm-san")
    if not os.path.exists(san):
        return "no build/mvm-san (make build/mvm-san)"
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0", UBSAN_OPTIONS="print_stacktrace=1")
    with tempfile.TemporaryDirectory() as d:
        img = os.path.join(d, "disk.img")
        with open(img, "wb") as f:
            f.write(b"MVMDISK!".ljust(1 << 20, b"\0"))
        for name in ("hostile", "virtio_hostile", "storm", "fwcfg", "longmode", "realmode",
                     "ioapic_rtc", "ioapic_pit", "pic_pit", "legacy"):
            for machine in ("microvm,rtc=on", "microvm,rtc=on,kernel-irqchip=on"):
                p = subprocess.run([san, "-M", machine, "-bios", payload(name), "-nodefaults",
                                    "-serial", "null", "-no-reboot",
                                    "-drive", f"id=d,file={img},format=raw,if=none",
                                    "-device", "virtio-blk-device,drive=d",
                                    "-device", "virtio-rng-device"], capture_output=True,
                                   text=True, env=env, timeout=120, stdin=subprocess.DEVNULL)
                if p.returncode != 0 or "Sanitizer" in p.stderr or "runtime error" in p.stderr:
                    return f"{name} on {machine}: exit {p.returncode}: {p.stderr[-600:]!r}"
    return None


@guest_test
def test_bad_input_one_line_and_status_2():
    """Each case: exit 2, the message on the first line, and no trace file."""
    with tempfile.TemporaryDirectory() as d:
        cases = BAD_INPUT + (truncated_inputs(d) if os.path.exists(os.path.join(GUEST, "vmlinux"))
                             else [])
        trace = os.path.join(d, "t.csv")
        for args, msg in cases:
            st, out, err = mvm(["--trace", trace] + args)
            first = err.splitlines()[0] if err else ""
            if st != 2 or msg not in first or out or os.path.exists(trace):
                return f"{args}: exit {st}, stderr {err!r}"
            if os.environ.get("MVM_SHOW_BAD_INPUT"):
                print(f"     {' '.join(args)[-70:]:70} -> {first}", flush=True)
        print(f"     {len(cases)} bad inputs refused", flush=True)
    return None


@guest_test
def test_unwritable_trace_is_an_error_and_writes_nothing():
    st, out, err = mvm(["-bios", payload("realmode"), "-nodefaults", "-no-reboot",
                        "--trace", "/nonexistent/t.csv"])
    # Found before the VM runs (the trace is opened before the sandbox): bad input.
    if st != 2 or "cannot write trace '/nonexistent/t.csv'" not in err or out:
        return f"exit {st}: {err!r}"
    return None


def run_guests():
    if not have_kvm():
        skip_all([t.__name__ for t in GUEST_TESTS], "no usable /dev/kvm")
        return
    for t in GUEST_TESTS:
        if ARGS.k and ARGS.k not in t.__name__:
            continue
        try:
            why = t()
        except Exception as e:  # a broken test is a failure, not a crash of the run
            why = f"{type(e).__name__}: {e}"
        if why and why.startswith("SKIP: "):
            skip(t.__name__, why[6:])
        else:
            report(t.__name__, why is None, why)


# ---- Linux boot ----

def boot_linux(extra_machine=",firmware=none", append="console=ttyS0 reboot=t panic=-1",
               mem="256m", smp="1", kernel="vmlinux", bios=None):
    """Boot the guest (direct boot unless told otherwise); (status, out, err, rows, s)."""
    with tempfile.TemporaryDirectory() as d:
        trace = os.path.join(d, "t.csv")
        machine = "microvm" + extra_machine
        args = ["-bios", bios] if bios else []
        args += ["-M", machine, "-m", mem, "-smp", smp, "-kernel", os.path.join(GUEST, kernel),
                "-initrd", os.path.join(GUEST, "initramfs.cpio"), "-append", append,
                "-nodefaults", "-no-user-config", "-nographic", "-serial", "stdio",
                "-no-reboot", "--trace", trace]
        t0 = time.monotonic()
        st, out, err = mvm(args, timeout=LINUX_TIMEOUT)
        wall = time.monotonic() - t0
        rows = read_trace(trace) if os.path.exists(trace) else []
    return st, out, err, rows, wall


def check_linux_boot(st, out, err, rows, wall, console=True, kernel_prints_first=True):
    """None if the boot reached init with markers in order, else why not."""
    if st != 0:
        return f"exit {st} after {wall:.0f} s: {err[-500:]}"
    if console and "Run /init as init process" not in out:
        return "kernel log has no 'Run /init as init process'"
    order = []
    for r in rows:
        if r["event"] == "marker" and r["detail"] in ("linux_start_kernel", "linux_start_user"):
            order.append(r["detail"])
        elif r["event"] == "serial_first_byte":
            order.append("serial_first_byte")
    # Markers 6 then 7; the first console byte (maybe the firmware's) before 7.
    if order.count("linux_start_kernel") != 1 or order.count("linux_start_user") != 1 or \
            order.index("linux_start_kernel") > order.index("linux_start_user"):
        return f"probe order {order}"
    if console and ("serial_first_byte" not in order or
                    order.index("serial_first_byte") > order.index("linux_start_user")):
        return f"no console byte before init: {order}"
    # Unless firmware prints (SeaBIOS does), the kernel's is the first byte.
    if console and kernel_prints_first and \
            order.index("serial_first_byte") < order.index("linux_start_kernel"):
        return f"a console byte before start_kernel: {order}"
    first_run = min(int(r["time_ns"]) for r in rows if r["event"] == "first_run")
    init = [int(r["time_ns"]) for r in rows if r["detail"] == "linux_start_user"][0]
    print(f"     first KVM_RUN -> init marker: {(init - first_run) / 1e9:.1f} s", flush=True)
    return None


def fwcfg_bytes(rows):
    return sum(int(r["value"], 16) for r in rows if r["event"] == "fwcfg_read")


def linux_reboots(extra_machine):
    """Boot without -no-reboot under the default sandbox: the guest panics at
    init (reboot=t panic=-1) and must boot again; None, or why not."""
    with tempfile.TemporaryDirectory() as d:
        trace = os.path.join(d, "t.csv")
        args = [MVM, "-M", "microvm" + extra_machine, "-m", "256m", "-kernel",
                os.path.join(GUEST, "vmlinux"), "-initrd", os.path.join(GUEST, "initramfs.cpio"),
                "-append", "console=ttyS0 reboot=t panic=-1", "-nodefaults", "-no-user-config",
                "-nographic", "-serial", "stdio", "--trace", trace]
        p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        os.set_blocking(p.stdout.fileno(), False)
        try:
            out = read_until(p, b"Linux version", 2, LINUX_TIMEOUT)
        finally:
            p.terminate()
            _, err = p.communicate(timeout=30)
        rows = read_trace(trace) if os.path.exists(trace) else []
    starts = [r for r in rows if r["event"] == "marker" and r["detail"] == "linux_start_kernel"]
    resets = [r for r in rows if r["event"] == "reset"]
    if out.count(b"Linux version") < 2 or len(starts) < 2 or not resets or p.returncode != 0:
        return (f"exit {p.returncode}, {out.count(b'Linux version')} kernel banners, "
                f"{len(starts)} start_kernel markers, {len(resets)} resets: {err[-300:]!r}")
    print(f"     {extra_machine or 'qboot'}: {len(starts)} kernel starts, {len(resets)} reset, "
          f"second start {(int(starts[1]['time_ns']) - int(resets[0]['time_ns'])) / 1e9:.1f} s "
          "after the reset", flush=True)
    return None


def test_linux_reboots_direct():
    return linux_reboots(",firmware=none")


def test_linux_reboots_through_qboot():
    return linux_reboots("")


def test_linux_boots_to_init():
    """The command line of a QEMU user: -kernel vmlinux, i.e. qboot and PVH."""
    st, out, err, rows, wall = boot_linux("")
    why = check_linux_boot(st, out, err, rows, wall)
    if not why and not fwcfg_bytes(rows):
        why = "qboot read nothing from fw_cfg"
    return why


def test_linux_direct_boot_all_legacy_devices_on():
    return check_linux_boot(*boot_linux(",firmware=none,rtc=on"))


def firmware_boot(bios, firmware_prints=False):
    st, out, err, rows, wall = boot_linux("", kernel="bzImage", bios=bios)
    why = check_linux_boot(st, out, err, rows, wall, kernel_prints_first=not firmware_prints)
    if not why:
        print(f"     fw_cfg bytes read: {fwcfg_bytes(rows)}", flush=True)
    return why


def test_linux_bzimage_through_qboot():
    return firmware_boot("/usr/share/qemu/qboot.rom")


def test_linux_bzimage_through_seabios():
    return firmware_boot("/usr/share/seabios/bios-microvm.bin", firmware_prints=True)


def test_linux_all_legacy_devices_off():
    st, out, err, rows, wall = boot_linux(",firmware=none,pit=off,pic=off,rtc=off")
    why = check_linux_boot(st, out, err, rows, wall)
    if not why and "Using NULL legacy PIC" not in out:
        why = "the guest found a PIC"
    return why


def test_linux_smp2_sees_two_cpus():
    st, out, err, rows, wall = boot_linux(smp="2")
    why = check_linux_boot(st, out, err, rows, wall)
    if not why and "smp: Brought up 1 node, 2 CPUs" not in out:
        why = "the guest did not bring up 2 CPUs"
    return why


def test_linux_kernel_irqchip_on():
    return check_linux_boot(*boot_linux(",firmware=none,kernel-irqchip=on"))


def test_bench_matrix_interrupted_then_resumed():
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "r")
        args = [MVM_BENCH, "run", "--vmm", "mvm", "--pit", "on", "--pic", "on", "--rtc", "on",
                "--isa-serial", "on", "--x-option-roms", "on", "-n", "1", "-o", out,
                "--timeout", str(LINUX_TIMEOUT)]
        p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # Interrupt mid-boot: once the first boot's guest runs.
        booting = wait_until(lambda: any(vcpus_running(c) for c in children(p.pid)), 120)
        p.send_signal(2)
        _, err = p.communicate(timeout=60)
        rows = read_trace(os.path.join(out, "runs.csv")) if os.path.exists(
            os.path.join(out, "runs.csv")) else []
        if not booting or p.returncode == 0 or "to resume" not in err or rows:
            return (f"interrupt (boot seen: {booting}): exit {p.returncode}, {len(rows)} rows, "
                    f"{err[-300:]!r}")
        p = subprocess.run(args, capture_output=True, text=True, timeout=LINUX_TIMEOUT + 60)
        rows = read_trace(os.path.join(out, "runs.csv"))
        if p.returncode != 0 or [r["status"] for r in rows] != ["ok"]:
            return f"resume: exit {p.returncode}, rows {rows}, {p.stderr[-300:]!r}"
        for col in ("init_ms", "kernel_ms", "exits", "rss_kib", "user_cpu_ms", "kernel_sha256"):
            if not rows[0][col]:
                return f"row has no {col}"
        p = subprocess.run(args, capture_output=True, text=True, timeout=60)
        if p.returncode != 0 or "0 boots to go" not in p.stderr:
            return f"second resume: exit {p.returncode}: {p.stderr[-300:]!r}"
        print(f"     matrix row: init {float(rows[0]['init_ms']) / 1000:.1f} s, "
              f"{rows[0]['exits']} exits, VMM RSS {rows[0]['rss_kib']} KiB", flush=True)
    return None


GUEST_TESTS.extend(output_tests.TESTS)

LINUX_TESTS = [test_linux_boots_to_init, test_linux_direct_boot_all_legacy_devices_on,
               test_linux_bzimage_through_qboot, test_linux_bzimage_through_seabios,
               test_linux_all_legacy_devices_off,
               test_linux_smp2_sees_two_cpus, test_linux_kernel_irqchip_on,
               test_linux_reboots_direct, test_linux_reboots_through_qboot,
               test_bench_matrix_interrupted_then_resumed]


def run_linux():
    if not have_kvm():
        skip_all([t.__name__ for t in LINUX_TESTS] + virtio_linux.names(), "no usable /dev/kvm")
        return
    for t in LINUX_TESTS:
        if ARGS.k and ARGS.k not in t.__name__:
            continue
        if not os.path.exists(os.path.join(GUEST, "vmlinux")):
            report(t.__name__, False, "no guest kernel: run scripts/build-guest.sh")
            continue
        why = t()
        report(t.__name__, why is None, why)
    virtio_linux.run(ARGS.k)


# ---- fuzzing, short (make fuzz runs the full counts) ----

FUZZ_CI_RUNS = os.environ.get("MVM_FUZZ_RUNS", "200000")
FUZZ_CI_SECONDS = os.environ.get("MVM_FUZZ_SECONDS", "10")


def run_fuzz():
    targets = sorted(os.path.basename(c)[5:-2] for c in glob.glob(os.path.join(TOP, "tests", "fuzz",
                                                                             "fuzz_*.c")))
    env = dict(os.environ, FUZZ_RUNS=FUZZ_CI_RUNS, FUZZ_SECONDS=FUZZ_CI_SECONDS)
    for t in targets:
        if ARGS.k and ARGS.k not in t:
            continue
        if not os.access(os.path.join(BUILD, "fuzz", "fuzz_" + t), os.X_OK):
            report(f"fuzz/{t}", False, "not built (make fuzz builds it; needs clang)")
            continue
        p = subprocess.run([os.path.join(TOP, "scripts", "fuzz.sh"), t], capture_output=True,
                           text=True, env=env)
        row = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else ""
        report(f"fuzz/{t}", p.returncode == 0, p.stdout[-600:] + p.stderr[-300:])
        if p.returncode == 0:
            print(f"     {row}", flush=True)


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", "--tier", dest="only", choices=["unit", "fuzz", "guests", "linux"])
    ap.add_argument("-k", help="run guest tests whose name contains this")
    ARGS = ap.parse_args()
    if not os.path.exists(MVM):
        print(f"no {MVM}: run make first")
        return 1
    for part, fn in (("unit", run_unit), ("fuzz", run_fuzz), ("guests", run_guests),
                     ("linux", run_linux)):
        if ARGS.only in (None, part):
            fn()
    if counts["passed"] + counts["failed"] == 0:
        report("tests", False, "no test ran")
    print(closing_line())
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
