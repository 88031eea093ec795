"""tier_linux.py: the linux tier: Linux guests under mvm (slow: each boot
takes seconds to minutes on nested KVM).

The benchmark guest (build/guest, scripts/build-guest.sh) boots to init by
every path (direct, qboot, SeaBIOS, PVH), with the legacy devices on and
off, two CPUs, KVM's irqchip, reboots, and under mvm-bench's matrix run.

The virtio-mmio devices run under the full guest (build/guest-full,
scripts/guest/mvm-full.config), which boots from an ext4 image made by
scripts/make-disk.sh, whose /sbin/init spins without system calls: the
evidence comes from the guest kernel, which works even where guest user
space cannot make system calls (kvm_pvm hosts):
  - root=/dev/vda rw: the kernel mounts the image and the superblock's
    mount count, read on the host afterwards, has gone up;
  - ip=: in-kernel IP autoconfiguration on virtio-net answers ping from
    the host through a tap in a network namespace made by the test;
  - console=hvc0: the kernel log arrives through virtconsole;
  - virtio-rng: the hwrng core's reads show in the probe trace;
plus the seed document's two QEMU command lines, run as written with mvm in
place of qemu-system-x86_64, and a user-space disk test that needs guest
system calls (skipped on kvm_pvm hosts).
"""
import functools
import os
import shutil
import signal
import struct
import subprocess
import tempfile
import threading
import time

from harness import (GUEST, GUEST_FULL, LINUX_TIMEOUT, MVM, TOP, Tier, children, mvm, read_trace,
                     read_until, vcpus_running, wait_until)
from tier_bench import ALL_ON, MVM_BENCH

TIER = Tier("linux", needs=[MVM])
names, run = TIER.names, TIER.run


def boot_test(fn):
    """A test of the benchmark guest: fails at once without its kernel."""
    @functools.wraps(fn)
    def guarded():
        if not os.path.exists(os.path.join(GUEST, "vmlinux")):
            return "no guest kernel: run scripts/build-guest.sh"
        return fn()
    return TIER.test(guarded)


def virtio_test(fn=None, ping=True):
    """A test of the full guest: fails at once without its kernel (or ping,
    if it pings the guest)."""
    def add(fn):
        @functools.wraps(fn)
        def guarded():
            if not os.path.exists(os.path.join(GUEST_FULL, "vmlinux")):
                return "no full guest kernel: see the Makefile's test target"
            if ping and not shutil.which("ping"):
                return "ping missing: run scripts/setup.sh"
            return fn()
        return TIER.test(guarded)
    return add(fn) if fn else add


# ---- the benchmark guest ----

LINUX_ARGS = ["-nodefaults", "-no-user-config", "-nographic", "-serial", "stdio"]
PANIC_REBOOTS = "console=ttyS0 reboot=t panic=-1"


def boot_linux(extra_machine=",firmware=none", append=PANIC_REBOOTS, mem="256m", smp="1",
               kernel="vmlinux", bios=None):
    """Boot the guest (direct boot unless told otherwise); (status, out, err, rows, s)."""
    with tempfile.TemporaryDirectory() as d:
        trace = os.path.join(d, "t.csv")
        machine = "microvm" + extra_machine
        args = ["-bios", bios] if bios else []
        args += ["-M", machine, "-m", mem, "-smp", smp, "-kernel", os.path.join(GUEST, kernel),
                 "-initrd", os.path.join(GUEST, "initramfs.cpio"), "-append", append] + \
            LINUX_ARGS + ["-no-reboot", "--trace", trace]
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


def boots_and_prints(extra_machine, wanted, why_not, **boot):
    """check_linux_boot, and the kernel log must hold (wanted)."""
    st, out, err, rows, wall = boot_linux(extra_machine, **boot)
    why = check_linux_boot(st, out, err, rows, wall)
    if not why and wanted not in out:
        why = why_not
    return why


def fwcfg_bytes(rows):
    return sum(int(r["value"], 16) for r in rows if r["event"] == "fwcfg_read")


def linux_reboots(extra_machine):
    """Boot without -no-reboot under the default sandbox: the guest panics at
    init (reboot=t panic=-1) and must boot again; None, or why not."""
    with tempfile.TemporaryDirectory() as d:
        trace = os.path.join(d, "t.csv")
        args = [MVM, "-M", "microvm" + extra_machine, "-m", "256m", "-kernel",
                os.path.join(GUEST, "vmlinux"), "-initrd", os.path.join(GUEST, "initramfs.cpio"),
                "-append", PANIC_REBOOTS] + LINUX_ARGS + ["--trace", trace]
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


@boot_test
def test_linux_boots_to_init():
    """The command line of a QEMU user: -kernel vmlinux, i.e. qboot and PVH."""
    st, out, err, rows, wall = boot_linux("")
    why = check_linux_boot(st, out, err, rows, wall)
    if not why and not fwcfg_bytes(rows):
        why = "qboot read nothing from fw_cfg"
    return why


@boot_test
def test_linux_direct_boot_all_legacy_devices_on():
    return check_linux_boot(*boot_linux(",firmware=none,rtc=on"))


def firmware_boot(bios, firmware_prints=False):
    st, out, err, rows, wall = boot_linux("", kernel="bzImage", bios=bios)
    why = check_linux_boot(st, out, err, rows, wall, kernel_prints_first=not firmware_prints)
    if not why:
        print(f"     fw_cfg bytes read: {fwcfg_bytes(rows)}", flush=True)
    return why


@boot_test
def test_linux_bzimage_through_qboot():
    return firmware_boot("/usr/share/qemu/qboot.rom")


@boot_test
def test_linux_bzimage_through_seabios():
    return firmware_boot("/usr/share/seabios/bios-microvm.bin", firmware_prints=True)


@boot_test
def test_linux_all_legacy_devices_off():
    return boots_and_prints(",firmware=none,pit=off,pic=off,rtc=off", "Using NULL legacy PIC",
                            "the guest found a PIC")


@boot_test
def test_linux_smp2_sees_two_cpus():
    return boots_and_prints(",firmware=none", "smp: Brought up 1 node, 2 CPUs",
                            "the guest did not bring up 2 CPUs", smp="2")


@boot_test
def test_linux_kernel_irqchip_on():
    return check_linux_boot(*boot_linux(",firmware=none,kernel-irqchip=on"))


@boot_test
def test_linux_reboots_direct():
    return linux_reboots(",firmware=none")


@boot_test
def test_linux_reboots_through_qboot():
    return linux_reboots("")


@boot_test
def test_bench_matrix_interrupted_then_resumed():
    if not os.access(MVM_BENCH, os.X_OK):
        return "no build/mvm-bench (make builds it)"
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "r")
        runs = os.path.join(out, "runs.csv")
        args = [MVM_BENCH, "run", "--vmm", "mvm"] + ALL_ON + ["-n", "1", "-o", out,
                                                              "--timeout", str(LINUX_TIMEOUT)]
        p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # Interrupt mid-boot: once the first boot's guest runs.
        booting = wait_until(lambda: any(vcpus_running(c) for c in children(p.pid)), 120)
        p.send_signal(2)
        _, err = p.communicate(timeout=60)
        rows = read_trace(runs) if os.path.exists(runs) else []
        if not booting or p.returncode == 0 or "to resume" not in err or rows:
            return (f"interrupt (boot seen: {booting}): exit {p.returncode}, {len(rows)} rows, "
                    f"{err[-300:]!r}")
        p = subprocess.run(args, capture_output=True, text=True, timeout=LINUX_TIMEOUT + 60)
        rows = read_trace(runs)
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


# ---- the full guest: virtio devices ----

MAKE_DISK = os.path.join(TOP, "scripts", "make-disk.sh")
INIT_LINE = "Run /sbin/init as init process"
GUEST_IP, HOST_IP = "10.0.2.15", "10.0.2.2"
VIRTIO_ID = {"net": 1, "blk": 2, "console": 3, "rng": 4}


def make_disk(path):
    subprocess.run([MAKE_DISK, path], check=True, capture_output=True)


def mount_count(image):
    """s_mnt_count: superblock at byte 1024, field at offset 52 (le16)."""
    with open(image, "rb") as f:
        f.seek(1024 + 52)
        return struct.unpack("<H", f.read(2))[0]


class Netns:
    """A network namespace with tap (TAP) at HOST_IP/24, removed on exit."""
    TAP = "mvmtap0"

    def __init__(self):
        self.name = f"mvm-test-{os.getpid()}"

    def ip(self, *args):
        subprocess.run(["ip", "-n", self.name] + list(args), check=True, capture_output=True)

    def __enter__(self):
        subprocess.run(["ip", "netns", "add", self.name], check=True, capture_output=True)
        try:
            self.ip("link", "set", "lo", "up")
            self.ip("tuntap", "add", "dev", self.TAP, "mode", "tap")
            self.ip("addr", "add", f"{HOST_IP}/24", "dev", self.TAP)
            self.ip("link", "set", self.TAP, "up")
        except Exception:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)

    def run(self, cmd, **kw):
        return subprocess.run(["ip", "netns", "exec", self.name] + cmd, **kw)

    def prefix(self):
        return ["ip", "netns", "exec", self.name]


class Guest:
    """mvm running in the background, its stdout collected as it comes."""

    def __init__(self, args, cwd=None, prefix=()):
        self.p = subprocess.Popen(list(prefix) + [MVM] + args, cwd=cwd, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.out = b""
        self.t = threading.Thread(target=self._collect, daemon=True)
        self.t.start()

    def _collect(self):
        for chunk in iter(lambda: self.p.stdout.read1(4096), b""):
            self.out += chunk

    def text(self):
        return self.out.decode(errors="replace")

    def wait_for(self, needle, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end and self.p.poll() is None:
            if needle in self.text():
                return True
            time.sleep(0.5)
        return needle in self.text()

    def stop(self):
        """SIGTERM; (status, stdout, stderr)."""
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        self.t.join(timeout=5)
        return self.p.returncode, self.text(), self.p.stderr.read().decode(errors="replace")


def notifies(rows, device):
    """virtio_notify probes of (device): value is device_id << 16 | queue."""
    return [r for r in rows if r["event"] == "virtio_notify" and
            int(r["value"], 16) >> 16 == VIRTIO_ID[device]]


@virtio_test
def linux_virtio_devices():
    """One boot with all four devices (virtio-mmio version 2); one result
    line per device."""
    names = ("linux_virtio_blk_root_mounted_and_written", "linux_virtio_net_answers_ping",
             "linux_virtio_console_carries_kernel_log", "linux_virtio_rng_read_by_hwrng")
    with tempfile.TemporaryDirectory() as d, Netns() as ns:
        disk, trace = os.path.join(d, "root.img"), os.path.join(d, "t.csv")
        make_disk(disk)
        before = mount_count(disk)
        append = (f"console=hvc0 root=/dev/vda rw ip={GUEST_IP}::{HOST_IP}:255.255.255.0::eth0:off "
                  "reboot=t panic=-1")
        g = Guest(["-M", "microvm,pit=off,pic=off,rtc=off,isa-serial=off", "-m", "256m",
                   "-kernel", os.path.join(GUEST_FULL, "vmlinux"), "-append", append,
                   "-nodefaults", "-no-user-config", "-nographic", "-no-reboot",
                   "-chardev", "stdio,id=con0", "-device", "virtio-serial-device",
                   "-device", "virtconsole,chardev=con0",
                   "-drive", f"id=root,file={disk},format=raw,if=none",
                   "-device", "virtio-blk-device,drive=root",
                   "-netdev", f"tap,id=net0,ifname={Netns.TAP},script=no,downscript=no",
                   "-device", "virtio-net-device,netdev=net0",
                   "-device", "virtio-rng-device", "--trace", trace,
                   # The modern register layout here; the seed lines use the legacy default.
                   "-global", "virtio-mmio.force-legacy=off"], prefix=ns.prefix())
        t0 = time.monotonic()
        reached = g.wait_for(INIT_LINE, LINUX_TIMEOUT)
        print(f"     init reached after {time.monotonic() - t0:.1f} s: {reached}", flush=True)
        ping = ns.run(["ping", "-c", "3", "-W", "5", GUEST_IP], capture_output=True, text=True) \
            if reached else None
        st, out, err = g.stop()
        rows = read_trace(trace) if os.path.exists(trace) else []
        after = mount_count(disk)
    if not reached:
        why = f"no '{INIT_LINE}' (exit {st}): {out[-400:]!r} {err[-300:]!r}"
        return [(n, why) for n in names]
    print("     virtio_notify probes: " + ", ".join(f"{k} {len(notifies(rows, k))}" for k in VIRTIO_ID),
          flush=True)
    print(f"     mount count {before} -> {after}; ping: "
          f"{ping.stdout.strip().splitlines()[-2] if ping.stdout.strip() else ping.stderr}",
          flush=True)
    hvc = [r for r in rows if r["event"] == "hvc_first_byte"]
    results = [
        ("EXT4-fs (vda): mounted filesystem" in out and after > before and notifies(rows, "blk"),
         f"mount count {before} -> {after}, {len(notifies(rows, 'blk'))} blk notifies"),
        (ping.returncode == 0 and notifies(rows, "net"),
         f"ping exit {ping.returncode}: {ping.stdout[-300:]} {ping.stderr[-200:]}"),
        # Linux replays its log when hvc0 registers, but virtio_console lists
        # the port only after that, so the replay is dropped inside the guest
        # (under any VMM); everything after it must be there.
        (INIT_LINE in out and "virtio_blk virtio" in out and hvc and notifies(rows, "console"),
         f"{len(hvc)} hvc_first_byte probes, output {out[:200]!r}"),
        (len(notifies(rows, "rng")) > 0, "no virtio-rng notification in the trace")]
    answers = [(n, None if ok else why) for n, (ok, why) in zip(names, results)]
    if st != 0:
        answers.append(("linux_virtio_guest_ends_on_sigterm", f"exit {st}: {err[-300:]!r}"))
    return answers


SEED_1 = ["-M", "microvm", "-enable-kvm", "-cpu", "host", "-m", "512m", "-smp", "2",
          "-kernel", "vmlinux", "-append", "earlyprintk=ttyS0 console=ttyS0 root=/dev/vda",
          "-nodefaults", "-no-user-config", "-nographic", "-serial", "stdio",
          "-drive", "id=test,file=test.img,format=raw,if=none",
          "-device", "virtio-blk-device,drive=test",
          "-netdev", "tap,id=tap0,script=no,downscript=no",
          "-device", "virtio-net-device,netdev=tap0"]

SEED_2 = ["-M", "microvm,x-option-roms=off,pit=off,pic=off,isa-serial=off,rtc=off",
          "-enable-kvm", "-cpu", "host", "-m", "512m", "-smp", "2",
          "-kernel", "vmlinux", "-append", "console=hvc0 root=/dev/vda",
          "-nodefaults", "-no-user-config", "-nographic",
          "-chardev", "stdio,id=virtiocon0",
          "-device", "virtio-serial-device",
          "-device", "virtconsole,chardev=virtiocon0",
          "-drive", "id=test,file=test.img,format=raw,if=none",
          "-device", "virtio-blk-device,drive=test",
          "-netdev", "tap,id=tap0,script=no,downscript=no",
          "-device", "virtio-net-device,netdev=tap0"]


def seed_command_line(args):
    """The seed's command line as written, in a directory holding vmlinux and
    test.img, in a network namespace (the tap it creates stays there)."""
    with tempfile.TemporaryDirectory() as d, Netns() as ns:
        os.symlink(os.path.join(GUEST_FULL, "vmlinux"), os.path.join(d, "vmlinux"))
        make_disk(os.path.join(d, "test.img"))
        g = Guest(args, cwd=d, prefix=ns.prefix())
        t0 = time.monotonic()
        reached = g.wait_for(INIT_LINE, LINUX_TIMEOUT)
        secs = time.monotonic() - t0
        st, out, err = g.stop()
    print("     mvm " + " ".join(a if " " not in a else f'"{a}"' for a in args), flush=True)
    for line in out.splitlines():
        if any(k in line for k in ("Linux version", "smp: Brought up", "virtio_blk virtio",
                                   "EXT4-fs (vda)", INIT_LINE)):
            print("     | " + line.strip()[:120], flush=True)
    if not reached:
        return f"no '{INIT_LINE}' after {secs:.0f} s (exit {st}): {out[-400:]!r} {err[-300:]!r}"
    if "EXT4-fs (vda)" not in out:
        return "root not mounted from vda"
    # hvc0 misses the early log (see linux_virtio_devices); ttyS0 has it all.
    if "console=ttyS0" in " ".join(args) and "smp: Brought up 1 node, 2 CPUs" not in out:
        return "the guest did not bring up 2 CPUs"
    print(f"     init reached after {secs:.1f} s; exit {st} on SIGTERM", flush=True)
    return None if st == 0 else f"exit {st} on SIGTERM: {err[-300:]!r}"


@virtio_test
def linux_seed_command_line_1_legacy_devices_on():
    return seed_command_line(SEED_1)


@virtio_test
def linux_seed_command_line_2_legacy_devices_off():
    return seed_command_line(SEED_2)


@virtio_test(ping=False)
def linux_virtio_blk_user_space_pattern_reaches_image():
    """init=/sbin/pattern writes 4 KiB to /dev/vdb and fsyncs; the host
    checks its image.  Needs guest system calls."""
    if os.path.exists("/sys/module/kvm_pvm"):
        return "SKIP: guest system calls unavailable on this KVM (kvm_pvm)"
    with tempfile.TemporaryDirectory() as d:
        disk, data = os.path.join(d, "root.img"), os.path.join(d, "data.img")
        make_disk(disk)
        with open(data, "wb") as f:
            f.truncate(1 << 20)
        g = Guest(["-M", "microvm", "-m", "256m", "-kernel", os.path.join(GUEST_FULL, "vmlinux"),
                   "-append", "console=ttyS0 root=/dev/vda init=/sbin/pattern reboot=t panic=-1",
                   "-nodefaults", "-serial", "stdio", "-no-reboot",
                   "-drive", f"id=root,file={disk},format=raw,if=none",
                   "-device", "virtio-blk-device,drive=root",
                   "-drive", f"id=data,file={data},format=raw,if=none",
                   "-device", "virtio-blk-device,drive=data"])
        written = g.wait_for("pattern written", LINUX_TIMEOUT)
        st, out, err = g.stop()
        with open(data, "rb") as f:
            got = f.read(4096)
    want = (b"mvm-pattern\n" * 342)[:4096]
    if not written or got != want:
        return f"written: {written}, image matches: {got == want}, exit {st}: {out[-400:]!r}"
    return None

