"""tier_payload.py: the payload tier: mvm under KVM running the tiny guest
payloads of tests/guests (flat 64 KiB firmware images, build/guests), and
the command line's refusals; then the output tests: guest output never
holds mvm up (see OUTPUT below)."""
import fcntl
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import termios
import time

from harness import (BUILD, GUEST, MVM, Tier, chrome_problems, mvm, mvm_traced, payload, read_trace,
                     read_until, vcpus_running, wait_until)

TIER = Tier("payload", needs=[MVM])
test = TIER.test
names, run = TIER.names, TIER.run

# The two interrupt controller set-ups a payload runs under: mvm's own
# (kernel-irqchip=split, the default) and KVM's.
SPLIT_AND_ON = ("microvm", "microvm,kernel-irqchip=on")


def run_payload(name, machine="microvm", extra=(), timeout=20):
    return mvm(["-M", machine, "-bios", payload(name), "-nodefaults", "-serial", "stdio",
                "-no-reboot"] + list(extra), timeout=timeout)


def expect_output(name, machine, want, extra=()):
    st, out, err = run_payload(name, machine, extra)
    if st != 0 or out != want:
        return f"{machine}: exit {st}, output {out!r}, {err[-300:]!r}"
    return None


def expect_output_split_and_on(name, want, options=""):
    """expect_output under both irqchips, with more machine (options)."""
    for chip in ("split", "on"):
        why = expect_output(name, f"microvm,kernel-irqchip={chip}{options}", want)
        if why:
            return why
    return None


def serial_payload_traced(name, serial="stdio", extra=()):
    return mvm_traced(["-bios", payload(name), "-nodefaults", "-serial", serial, "-no-reboot"]
                      + list(extra))


def traced_printing(name, want):
    """Payload (name) traced: (its trace rows, None) if it printed (want)
    on the serial port and ended with status 0, else (rows, why not)."""
    st, out, err, rows = serial_payload_traced(name)
    if st != 0:
        return rows, f"exit {st}: {err}"
    return rows, None if out == want else f"serial output {out!r}"


@test
def test_realmode_serial_markers_and_triple_fault():
    rows, why = traced_printing("realmode",
                                "hello from real mode\nunassigned ports read all-ones\n")
    if why:
        return why
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


@test
def test_longmode_mmio_zero_ports_all_ones_and_string_io():
    rows, why = traced_printing("longmode",
                                "hello from long mode\nunassigned MMIO reads 0, ports all-ones\n")
    if why:
        return why
    mmio = [(r["addr"], r["size"], r["value"]) for r in rows if r["detail"] == "mmio"]
    if mmio != [("0xd0000000", "4", "0x0"), ("0xd0000000", "8", "0x0")]:
        return f"mmio exits {mmio}"
    pci = [(r["size"], r["value"]) for r in rows
           if r["event"] == "exit" and r["addr"] == "0xcf8" and r["dir"] == "r"]
    if pci != [("4", "0xffffffff")]:
        return f"port 0xcf8 exits {pci}"
    return None


@test
def test_first_serial_byte_is_first_thr_write():
    st, out, err, rows = serial_payload_traced("longmode", serial="null")
    if st != 0 or out:
        return f"exit {st}, output {out!r} with -serial null"
    first = [r for r in rows if r["event"] == "serial_first_byte"]
    thr = [r for r in rows if r["event"] == "exit" and r["addr"] == "0x3f8" and r["dir"] == "w"]
    if len(first) != 1 or first[0]["value"] != "0x68" or int(first[0]["time_ns"]) < int(thr[0]["time_ns"]):
        return f"serial_first_byte {first}"
    return None


@test
def test_reset_without_no_reboot_reboots():
    st, out, err = mvm(["-bios", payload("realmode"), "-nodefaults", "-serial", "stdio"], timeout=3)
    if st is not None:
        return f"exited ({st}) instead of rebooting"
    if out.count("hello from real mode") < 2:
        return f"booted {out.count('hello from real mode')} times in 3 s"
    return None


@test
def test_reboot_restores_the_firmware_read_at_start(tmp):
    """The guest resets after its firmware file was deleted and another put
    in its place: the reboot runs what mvm read at start (QEMU keeps its ROM
    blobs), under the default sandbox."""
    fw = os.path.join(tmp, "fw.bin")
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


@test
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


@test
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


@test
def test_serial_input_reaches_guest():
    st, out, err = mvm(["-bios", payload("echo"), "-nodefaults", "-serial", "stdio", "-no-reboot"],
                       stdin=b"hello, guest q")
    if st != 0 or out != "echo ready\nhello, guest q":
        return f"exit {st}, output {out!r}, {err}"
    return None


@test
def test_serial_file_backend(tmp):
    path = os.path.join(tmp, "console.txt")
    st, out, err = mvm(["-bios", payload("realmode"), "-serial", f"file:{path}", "-no-reboot"])
    if st != 0 or out:
        return f"exit {st}, stdout {out!r}"
    with open(path) as f:
        if not f.read().startswith("hello from real mode"):
            return "file has no guest output"
    return None


@test
def test_isa_serial_off_removes_the_uart():
    st, out, err = mvm(["-M", "microvm,isa-serial=off", "-bios", payload("realmode"),
                        "-serial", "stdio", "-no-reboot"], timeout=5)
    # Without a UART, LSR reads 0xff: the payload's THRE poll passes and the
    # bytes go to an unassigned port, so nothing may reach stdout.
    if st != 0 or out:
        return f"exit {st}, output {out!r}"
    return None


@test
def test_pit_interrupts_through_pic_split_and_on():
    return expect_output_split_and_on("pic_pit", "10 timer interrupts through the PIC\n")


@test
def test_pit_interrupts_through_ioapic_split_and_on():
    return expect_output_split_and_on("ioapic_pit", "10 timer interrupts through the IOAPIC\n")


@test
def test_rtc_level_interrupts_through_ioapic_split_and_on():
    return expect_output_split_and_on("ioapic_rtc",
                                      "4 level-triggered RTC interrupts through the IOAPIC\n",
                                      ",rtc=on")


@test
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


@test
def test_machine_state_matches_qemu_microvm():
    """LVT0 masked at reset (QEMU's microvm, not KVM's ExtINT default), 10
    machine-check banks, and a deep call chain leaves the MMIO mapping whole."""
    want = re.compile(r"lvt0 00010000 mcg_cap [0-9a-f]{6}0a virtio magic 74726976\n")
    for machine in SPLIT_AND_ON:
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


@test
def test_machine_options_add_and_remove_legacy_devices():
    for machine, want in LEGACY:
        st, out, err, rows = serial_payload_traced("legacy", serial="null", extra=["-M", machine])
        got = [r["value"] for r in rows if r["event"] == "marker"]
        if st != 0 or got != want:
            return f"{machine}: exit {st}, read {got}, expected {want}"
    return None


@test
def test_pic_off_with_kernel_irqchip_is_refused():
    st, out, err = mvm(["-M", "microvm,kernel-irqchip=on,pic=off", "-bios", payload("legacy")])
    if st != 2 or "pic=off needs kernel-irqchip=split" not in err:
        return f"exit {st}: {err!r}"
    return None


@test
def test_fwcfg_signature_directory_and_dma_error_from_real_mode():
    st, out, err, rows = serial_payload_traced("fwcfg")
    # QEMU lists bootorder always (empty without a boot device).
    want = ("QEMU\nbios-geometry bootorder etc/boot-fail-wait etc/e820 etc/fdt \n"
            "DMA to non-RAM: error\n")
    if st != 0 or out != want:
        return f"exit {st}, output {out!r}"
    details = [r["detail"] for r in rows if r["event"].startswith("fwcfg")]
    if "select:file_dir" not in details or "dma:file_dir" not in details:
        return f"fw_cfg probes {details[:8]}"
    return None


@test
def test_chrome_trace_is_valid_and_has_a_csv_twin(tmp):
    path = os.path.join(tmp, "t.json")
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
    rows = read_trace(os.path.join(tmp, "t.csv"))
    if sum(r["event"] == "marker" for r in rows) != 3:
        return "CSV twin lacks the markers"
    return None


@test
def test_probe_summary_names_the_phases():
    st, out, err = mvm(["-bios", payload("realmode"), "-nodefaults", "-no-reboot", "--probe-summary"])
    line = [l for l in err.splitlines() if "boot phases:" in l]
    if st != 0 or len(line) != 1:
        return f"exit {st}: {err!r}"
    for want in ("vmm ", "firmware", "kernel", "user", "init: marker 7", "end: shutdown"):
        if want not in line[0]:
            return f"summary lacks {want!r}: {line[0]}"
    return None


def disk_image(d, size, head=b""):
    """A raw disk image in (d): (head), then zeros up to (size) bytes."""
    img = os.path.join(d, "disk.img")
    with open(img, "wb") as f:
        f.write(head.ljust(size, b"\0"))
    return img


def blk_device(img):
    return ["-drive", f"id=d,file={img},format=raw,if=none", "-device", "virtio-blk-device,drive=d"]


@test
def test_virtio_descriptor_loop_resets_device_and_vmm_runs_on(tmp):
    """A guest gives virtio-blk a looping descriptor chain: NEEDS_RESET, then
    after the driver's reset a read of sector 0 works (no exits while the
    main thread serves it)."""
    drive = blk_device(disk_image(tmp, 4096, b"MVMDISK!"))
    want = "descriptor loop: device needs reset\nafter reset: sector 0 read\n"
    for machine in SPLIT_AND_ON:
        why = expect_output("virtio_hostile", machine, want, drive)
        if why:
            return why
    return None


@test
def test_hostile_accesses_to_every_device_and_serial_flood(tmp):
    """Garbage of every size at every legacy port, the IOAPIC and all virtio
    slots, then 64 KiB into the UART: mvm stays up and sees the guest out."""
    img, out = disk_image(tmp, 1 << 20), os.path.join(tmp, "serial.out")
    for machine in ("microvm,rtc=on", "microvm,kernel-irqchip=on"):
        st, _, err = mvm(["-M", machine, "-bios", payload("hostile"), "-nodefaults",
                          "-no-reboot", "-serial", f"file:{out}"] + blk_device(img) +
                         ["-device", "virtio-rng-device",
                          "-chardev", "socket,id=c,path=" + os.path.join(tmp, "con.sock") +
                          ",server=on,wait=off", "-device", "virtio-serial-device",
                          "-device", "virtconsole,chardev=c"], timeout=120)
        with open(out, "rb") as f:
            data = f.read()
        if st != 0 or not data.endswith(b"mvm survived the hostile guest\n") or \
                len(data) < 65536:
            return f"{machine}: exit {st}, {len(data)} serial bytes, {err[-300:]!r}"
    return None


@test
def test_interrupt_storm_is_served_and_ends():
    for machine in SPLIT_AND_ON:
        t0 = time.monotonic()
        why = expect_output("storm", machine, "20000 timer interrupts\n")
        if why:
            return why
        print(f"     {machine}: 20000 interrupts in {time.monotonic() - t0:.1f} s", flush=True)
    return None


def seccomp_of_threads(pid):
    """{thread name: (Seccomp mode, filter count)} of every thread of (pid)."""
    filters = {}
    for task in glob.glob(f"/proc/{pid}/task/*"):
        with open(os.path.join(task, "comm")) as f:
            name = f.read().strip()
        with open(os.path.join(task, "status")) as f:
            status = dict(line.split(":", 1) for line in f if ":" in line)
        filters[name] = (status["Seccomp"].strip(), status["Seccomp_filters"].strip())
    return filters


@test
def test_sandbox_filters_every_thread_and_guest_runs():
    """Seccomp mode 2 on the process, a second filter on each vCPU thread,
    and the guest runs to a clean SIGTERM."""
    p = subprocess.Popen([MVM, "-M", "microvm", "-smp", "2", "-bios", payload("firstexit"),
                          "-nodefaults", "-no-reboot"], stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: vcpus_running(p.pid, 2), 10)
        filters = seccomp_of_threads(p.pid)
    finally:
        p.terminate()
        _, err = p.communicate(timeout=10)
    want = {"mvm": ("2", "1"), "CPU 0/KVM": ("2", "2"), "CPU 1/KVM": ("2", "2")}
    if any(filters.get(k) != v for k, v in want.items()) or p.returncode != 0:
        return f"threads {filters}, exit {p.returncode}: {err[-300:]!r}"
    st, out, err = mvm(["-sandbox", "off", "-bios", payload("realmode"), "-nodefaults",
                        "-serial", "stdio", "-no-reboot"])
    return None if st == 0 and "hello" in out else f"-sandbox off: exit {st} {err!r}"


@test
def test_device_payloads_under_asan_ubsan(tmp):
    """The device-heavy payloads again, with mvm built with ASan and UBSan
    (build/mvm-san; leak checking off: it needs ptrace, which the sandbox
    refuses)."""
    san = os.path.join(BUILD, "mvm-san")
    if not os.path.exists(san):
        return "no build/mvm-san (make build/mvm-san)"
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0", UBSAN_OPTIONS="print_stacktrace=1")
    devices = blk_device(disk_image(tmp, 1 << 20, b"MVMDISK!")) + ["-device", "virtio-rng-device"]
    for name in ("hostile", "virtio_hostile", "storm", "fwcfg", "longmode", "realmode",
                 "ioapic_rtc", "ioapic_pit", "pic_pit", "legacy"):
        for machine in ("microvm,rtc=on", "microvm,rtc=on,kernel-irqchip=on"):
            p = subprocess.run([san, "-M", machine, "-bios", payload(name), "-nodefaults",
                                "-serial", "null", "-no-reboot"] + devices,
                               capture_output=True, text=True, env=env, timeout=120,
                               stdin=subprocess.DEVNULL)
            if p.returncode != 0 or "Sanitizer" in p.stderr or "runtime error" in p.stderr:
                return f"{name} on {machine}: exit {p.returncode}: {p.stderr[-600:]!r}"
    return None


FIRSTEXIT = payload("firstexit")
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
    (["-bios", FIRSTEXIT, "-drive", "id=d,file=/nonexistent.img,if=none",
      "-device", "virtio-blk-device,drive=d"], "cannot open disk image '/nonexistent.img'"),
    (["-kernel", "x", "-device", "virtio-net-device,netdev=n0"], "no -netdev with id 'n0'"),
    (["-bios", FIRSTEXIT, "-drive", "id=d,file=/tmp,if=none",
      "-device", "virtio-blk-device,drive=d"], "cannot open disk image '/tmp': Is a directory"),
    (["-m", "64T", "-bios", FIRSTEXIT], "more than the host's memory"),
    (["-smp", "300", "-kernel", "x"], "at most 255 CPUs"),
    (["-M", "microvm,firmware=none", "-kernel", "x", "-bios", "y"], "give -kernel, not -bios"),
    (["-M", "microvm,pic=off,kernel-irqchip=on", "-bios", FIRSTEXIT],
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
    with open(FIRSTEXIT, "rb") as f, open(fw, "wb") as g:
        g.write(f.read(40000))
    cases.append((["-bios", fw], "multiple of 64 KiB"))
    cases.append((["-M", "microvm,firmware=none", "-kernel", os.path.join(GUEST, "vmlinux"),
                   "-initrd", os.path.join(d, "missing.cpio")], "cannot open initrd"))
    # Longer than an ELF kernel takes, on every path (the kernel would cut it).
    for machine in ("microvm", "microvm,firmware=none"):
        cases.append((["-M", machine, "-kernel", os.path.join(GUEST, "vmlinux"),
                       "-append", "x" * 2062], "command line longer than the kernel accepts"))
    return cases


@test
def test_bad_input_one_line_and_status_2(tmp):
    """Each case: exit 2, the message on the first line, and no trace file."""
    cases = BAD_INPUT + (truncated_inputs(tmp) if os.path.exists(os.path.join(GUEST, "vmlinux"))
                         else [])
    trace = os.path.join(tmp, "t.csv")
    for args, msg in cases:
        st, out, err = mvm(["--trace", trace] + args)
        first = err.splitlines()[0] if err else ""
        if st != 2 or msg not in first or out or os.path.exists(trace):
            return f"{args}: exit {st}, stderr {err!r}"
        if os.environ.get("MVM_SHOW_BAD_INPUT"):
            print(f"     {' '.join(args)[-70:]:70} -> {first}", flush=True)
    print(f"     {len(cases)} bad inputs refused", flush=True)
    return None


@test
def test_unwritable_trace_is_an_error_and_writes_nothing():
    st, out, err = mvm(["-bios", payload("realmode"), "-nodefaults", "-no-reboot",
                        "--trace", "/nonexistent/t.csv"])
    # Found before the VM runs (the trace is opened before the sandbox): bad input.
    if st != 2 or "cannot write trace '/nonexistent/t.csv'" not in err or out:
        return f"exit {st}: {err!r}"
    return None


# ---- OUTPUT: guest output never holds mvm up ----
#
# A guest prints on ttyS0 (polling LSR.THRE, as a driver does) or on hvc0
# to a host that does not read: a pipe or FIFO whose read end is held open
# and never read.  Once the pipe is full, SIGTERM must still end mvm (status
# 0) within a second, and mvm must not have made the stdout it shares with
# its parent non-blocking.  A host that starts reading only then, and
# slowly, must get every byte, and mvm must see the guest out.

SERIAL_LINE = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ\n"
SERIAL_OUTPUT = SERIAL_LINE * 512 + b"done\n"           # serial_lines.S
HVC_OUTPUT = (b"h" * 63 + b"\n") * 64 * 32              # hvc_lines.S
SERIAL_ARGS = ["-bios", payload("serial_lines"), "-nodefaults", "-no-reboot"]
HVC_ARGS = ["-bios", payload("hvc_lines"), "-nodefaults", "-no-reboot",
            "-device", "virtio-serial-device", "-device", "virtconsole,chardev=c"]
FILL_TIMEOUT = 20   # s for the guest to fill a one-page pipe (slow nested KVM)
SETTLE = 0.5        # s more for the guest to fill mvm's own buffer as well
EXIT_LIMIT = 1.0    # s from SIGTERM to exit


def unread(fd):
    """Bytes waiting in the pipe or FIFO (fd)."""
    return int.from_bytes(fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"), "little")


def one_page_pipe(fd):
    """Make the pipe behind (fd) hold a single page, so that it fills fast."""
    fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 4096)
    return fcntl.fcntl(fd, fcntl.F_GETPIPE_SZ)


def nonblocking(fd):
    return fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_NONBLOCK


def wait_until_full(p, r, capacity):
    """Poll until the guest has filled the pipe: None, or why not."""
    end = time.monotonic() + FILL_TIMEOUT
    while time.monotonic() < end:
        if p.poll() is not None:
            return f"mvm exited ({p.returncode}) before the pipe was full"
        if unread(r) >= capacity:
            return None
        time.sleep(0.01)
    return f"pipe not full after {FILL_TIMEOUT} s ({unread(r)} of {capacity} bytes)"


def wait_until_socket_full(p, r):
    """Poll until output waits in the socket read through (r) and no more
    comes for 0.2 s (the sender's buffer is full): None, or why not."""
    end, last, since = time.monotonic() + FILL_TIMEOUT, -1, time.monotonic()
    while time.monotonic() < end:
        if p.poll() is not None:
            return f"mvm exited ({p.returncode}) before the socket was full"
        n = unread(r.fileno())
        if n != last:
            last, since = n, time.monotonic()
        elif n and time.monotonic() - since >= 0.2:
            return None
        time.sleep(0.01)
    return f"socket still taking output after {FILL_TIMEOUT} s ({last} bytes)"


def sigterm_in_time(p):
    """SIGTERM (p): its exit status, or None if it still ran after EXIT_LIMIT
    (then it is killed)."""
    p.send_signal(signal.SIGTERM)
    try:
        return p.wait(timeout=EXIT_LIMIT)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        return None


def stop_with_sigterm(p, errfile):
    """SIGTERM (p): None if it exits with status 0 within EXIT_LIMIT."""
    t0 = time.monotonic()
    st = sigterm_in_time(p)
    if st is None:
        return f"still running {EXIT_LIMIT} s after SIGTERM"
    took = time.monotonic() - t0
    errfile.seek(0)
    err = errfile.read().decode(errors="replace")
    if st != 0 or "terminating on signal 15" not in err:
        return f"exit {st} after {took:.2f} s: {err[-300:]!r}"
    return None


def fill_then(p, wait_full, then, shared=None, what="stdout"):
    """Wait for (p) to fill its unread output (wait_full() answers None once
    it did) and SETTLE; then (then)(), unless mvm is gone or made (shared),
    the (what) it shares with its parent, non-blocking."""
    why = wait_full()
    if not why:
        time.sleep(SETTLE)
        if p.poll() is not None:
            why = f"mvm exited ({p.returncode}) with nobody reading"
    if not why and shared is not None and nonblocking(shared):
        why = f"mvm made the {what} it shares with its parent non-blocking"
    if why:
        p.kill()
        p.wait()
        return why
    return then()


def sigterm_while_unread(args, r, stdout, shared=None):
    """Run mvm (args) writing into the pipe or FIFO read by nobody through
    (r); (shared): our copy of mvm's stdout, whose flags must not change."""
    capacity = one_page_pipe(r)
    with tempfile.TemporaryFile() as errfile:
        p = subprocess.Popen([MVM] + args, stdin=subprocess.DEVNULL, stdout=stdout,
                             stderr=errfile)
        return fill_then(p, lambda: wait_until_full(p, r, capacity),
                         lambda: stop_with_sigterm(p, errfile), shared)


def with_unread_stdout(args):
    r, w = os.pipe()
    try:
        return sigterm_while_unread(args, r, w, shared=w)
    finally:
        os.close(r)
        os.close(w)


def with_unread_fifo(make_args):
    with tempfile.TemporaryDirectory() as d:
        fifo = os.path.join(d, "out.fifo")
        os.mkfifo(fifo)
        # Held open for reading (so mvm's open does not wait) and never read.
        r = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        try:
            return sigterm_while_unread(make_args(fifo), r, subprocess.DEVNULL)
        finally:
            os.close(r)


@test
def test_sigterm_ends_mvm_while_stdout_is_unread():
    return with_unread_stdout(SERIAL_ARGS + ["-serial", "stdio"])


@test
def test_sigterm_ends_mvm_while_stdout_socket_is_unread():
    """stdout a socket (as a service manager gives it): it cannot be
    reopened, so mvm writes it only when epoll says there is room."""
    r, w = socket.socketpair()
    with r, w, tempfile.TemporaryFile() as errfile:
        w.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        p = subprocess.Popen([MVM] + SERIAL_ARGS + ["-serial", "stdio"], stdin=subprocess.DEVNULL,
                             stdout=w.fileno(), stderr=errfile)
        return fill_then(p, lambda: wait_until_socket_full(p, r),
                         lambda: stop_with_sigterm(p, errfile), w.fileno(), "stdout socket")


@test
def test_sigterm_ends_mvm_while_serial_fifo_is_unread():
    return with_unread_fifo(lambda path: SERIAL_ARGS + ["-serial", f"file:{path}"])


@test
def test_sigterm_ends_mvm_while_hvc0_stdout_is_unread():
    return with_unread_stdout(HVC_ARGS + ["-chardev", "stdio,id=c"])


@test
def test_sigterm_ends_mvm_while_hvc0_fifo_is_unread():
    return with_unread_fifo(lambda path: HVC_ARGS + ["-chardev", f"file,id=c,path={path}"])


def read_slowly(r):
    """Read (r) 1 KiB at a time, 2 ms apart, until EOF or 60 s: the bytes
    and the deadline."""
    got = bytearray()
    end = time.monotonic() + 60
    while time.monotonic() < end:
        chunk = os.read(r, 1024)
        if not chunk:
            break
        got += chunk
        time.sleep(0.002)
    return got, end


def read_late_and_slowly(args, want):
    """mvm (args) with stdout a one-page pipe nobody reads until it is full
    and the guest waits, then read 1 KiB at a time, 2 ms apart: every byte
    of (want) must come, in order, then exit status 0."""
    r, w = os.pipe()
    capacity = one_page_pipe(r)
    got = bytearray()
    with tempfile.TemporaryFile() as errfile:
        p = subprocess.Popen([MVM] + args, stdin=subprocess.DEVNULL, stdout=w, stderr=errfile)
        os.close(w)
        try:
            why = wait_until_full(p, r, capacity)
            if why:
                p.kill()
                p.wait()
                return why
            time.sleep(SETTLE)
            got, end = read_slowly(r)
            st = p.wait(timeout=max(1, end - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            return f"no exit; {len(got)} of {len(want)} bytes read"
        finally:
            os.close(r)
        errfile.seek(0)
        err = errfile.read().decode(errors="replace")
    if st != 0 or bytes(got) != want:
        first_bad = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b),
                         min(len(got), len(want)))
        return f"exit {st}, {len(got)} of {len(want)} bytes, first difference at {first_bad}: " \
               f"{err[-300:]!r}"
    return None


@test
def test_late_slow_reader_gets_all_serial_output():
    return read_late_and_slowly(SERIAL_ARGS + ["-serial", "stdio"], SERIAL_OUTPUT)


@test
def test_late_slow_reader_gets_all_hvc0_output():
    return read_late_and_slowly(HVC_ARGS + ["-chardev", "stdio,id=c"], HVC_OUTPUT)


@test
def test_sigterm_ends_mvm_while_stdout_and_stderr_share_an_unread_pipe():
    """`mvm ... 2>&1 | reader-that-stopped`: mvm's own messages must not
    block it either (its last line is dropped when nobody reads)."""
    r, w = os.pipe()
    try:
        capacity = one_page_pipe(r)
        p = subprocess.Popen([MVM] + SERIAL_ARGS + ["-serial", "stdio"], stdin=subprocess.DEVNULL,
                             stdout=w, stderr=w)

        def stopped():
            st = sigterm_in_time(p)
            if st is None:
                return f"still running {EXIT_LIMIT} s after SIGTERM"
            if nonblocking(w):
                return "mvm made the stderr it shares with its parent non-blocking"
            return None if st == 0 else f"exit {st}"
        return fill_then(p, lambda: wait_until_full(p, r, capacity), stopped)
    finally:
        os.close(r)
        os.close(w)
