"""virtio_linux.py: the virtio-mmio devices under a Linux guest.

The full guest (build/guest-full, scripts/guest/mvm-full.config) boots from
an ext4 image made by scripts/make-disk.sh, whose /sbin/init spins without
system calls: the evidence comes from the guest kernel, which works even
where guest user space cannot make system calls (kvm_pvm hosts):
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
import os
import shutil
import signal
import struct
import subprocess
import tempfile
import threading
import time

from harness import GUEST_FULL, LINUX_TIMEOUT, MVM, TOP, read_trace, report, skip

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


def full_guest_devices():
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
        for n in names:
            report(n, False, why)
        return
    print("     virtio_notify probes: " + ", ".join(f"{k} {len(notifies(rows, k))}" for k in VIRTIO_ID),
          flush=True)
    print(f"     mount count {before} -> {after}; ping: "
          f"{ping.stdout.strip().splitlines()[-2] if ping.stdout.strip() else ping.stderr}",
          flush=True)
    report(names[0], "EXT4-fs (vda): mounted filesystem" in out and after > before and
           notifies(rows, "blk"), f"mount count {before} -> {after}, {len(notifies(rows, 'blk'))} "
           "blk notifies")
    report(names[1], ping.returncode == 0 and notifies(rows, "net"),
           f"ping exit {ping.returncode}: {ping.stdout[-300:]} {ping.stderr[-200:]}")
    hvc = [r for r in rows if r["event"] == "hvc_first_byte"]
    # Linux replays its log when hvc0 registers, but virtio_console lists the
    # port only after that, so the replay is dropped inside the guest (under
    # any VMM); everything after it must be there.
    report(names[2], INIT_LINE in out and "virtio_blk virtio" in out and hvc and
           notifies(rows, "console"),
           f"{len(hvc)} hvc_first_byte probes, output {out[:200]!r}")
    report(names[3], len(notifies(rows, "rng")) > 0, "no virtio-rng notification in the trace")
    if st != 0:
        report("linux_virtio_guest_ends_on_sigterm", False, f"exit {st}: {err[-300:]!r}")


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
    # hvc0 misses the early log (see full_guest_devices); ttyS0 has it all.
    if "console=ttyS0" in " ".join(args) and "smp: Brought up 1 node, 2 CPUs" not in out:
        return "the guest did not bring up 2 CPUs"
    print(f"     init reached after {secs:.1f} s; exit {st} on SIGTERM", flush=True)
    return None if st == 0 else f"exit {st} on SIGTERM: {err[-300:]!r}"


def user_space_pattern_reaches_image():
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


def tests():
    return [("linux_virtio_devices", full_guest_devices),
            ("linux_seed_command_line_1_legacy_devices_on", lambda: seed_command_line(SEED_1)),
            ("linux_seed_command_line_2_legacy_devices_off", lambda: seed_command_line(SEED_2)),
            ("linux_virtio_blk_user_space_pattern_reaches_image",
             user_space_pattern_reaches_image)]


def names():
    return [name for name, _ in tests()]


def run(k=None):
    if not os.path.exists(os.path.join(GUEST_FULL, "vmlinux")):
        report("linux_virtio", False, "no full guest kernel: see the Makefile's test target")
        return
    if not shutil.which("ping"):
        report("linux_virtio", False, "ping missing: run scripts/setup.sh")
        return
    for name, fn in tests():
        if k and k not in name:
            continue
        why = fn()
        if fn is full_guest_devices:
            continue  # reports its own lines
        if why and why.startswith("SKIP: "):
            skip(name, why[6:])
        else:
            report(name, why is None, why)
