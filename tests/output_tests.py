"""output_tests.py: guest output never holds mvm up.

A guest prints on ttyS0 (polling LSR.THRE, as a driver does) or on hvc0 to
a host that does not read: a pipe or FIFO whose read end is held open and
never read.  Once the pipe is full, SIGTERM must still end mvm (status 0)
within a second, and mvm must not have made the stdout it shares with its
parent non-blocking.  A host that starts reading only then, and slowly,
must get every byte, and mvm must see the guest out.

TESTS lists the test functions: each takes no arguments and returns None
on success or a string saying what went wrong.
"""
import fcntl
import os
import signal
import socket
import subprocess
import tempfile
import termios
import time

from harness import MVM, PAYLOADS

SERIAL_LINE = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ\n"
SERIAL_OUTPUT = SERIAL_LINE * 512 + b"done\n"           # serial_lines.S
HVC_OUTPUT = (b"h" * 63 + b"\n") * 64 * 32              # hvc_lines.S
SERIAL_ARGS = ["-bios", os.path.join(PAYLOADS, "serial_lines.bin"), "-nodefaults", "-no-reboot"]
HVC_ARGS = ["-bios", os.path.join(PAYLOADS, "hvc_lines.bin"), "-nodefaults", "-no-reboot",
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


def stop_with_sigterm(p, errfile):
    """SIGTERM (p): None if it exits with status 0 within EXIT_LIMIT."""
    t0 = time.monotonic()
    p.send_signal(signal.SIGTERM)
    try:
        st = p.wait(timeout=EXIT_LIMIT)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        return f"still running {EXIT_LIMIT} s after SIGTERM"
    took = time.monotonic() - t0
    errfile.seek(0)
    err = errfile.read().decode(errors="replace")
    if st != 0 or "terminating on signal 15" not in err:
        return f"exit {st} after {took:.2f} s: {err[-300:]!r}"
    return None


def sigterm_while_unread(args, r, stdout, shared=None):
    """Run mvm (args) writing into the pipe or FIFO read by nobody through
    (r); (shared): our copy of mvm's stdout, whose flags must not change."""
    capacity = one_page_pipe(r)
    with tempfile.TemporaryFile() as errfile:
        p = subprocess.Popen([MVM] + args, stdin=subprocess.DEVNULL, stdout=stdout,
                             stderr=errfile)
        why = wait_until_full(p, r, capacity)
        if not why:
            time.sleep(SETTLE)
            if p.poll() is not None:
                why = f"mvm exited ({p.returncode}) with nobody reading"
        if not why and shared is not None and fcntl.fcntl(shared, fcntl.F_GETFL) & os.O_NONBLOCK:
            why = "mvm made the stdout it shares with its parent non-blocking"
        if why:
            p.kill()
            p.wait()
            return why
        return stop_with_sigterm(p, errfile)


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


def test_sigterm_ends_mvm_while_stdout_socket_is_unread():
    """stdout a socket (as a service manager gives it): it cannot be
    reopened, so mvm writes it only when epoll says there is room."""
    r, w = socket.socketpair()
    with r, w, tempfile.TemporaryFile() as errfile:
        w.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        p = subprocess.Popen([MVM] + SERIAL_ARGS + ["-serial", "stdio"], stdin=subprocess.DEVNULL,
                             stdout=w.fileno(), stderr=errfile)
        why = wait_until_socket_full(p, r)
        if not why:
            time.sleep(SETTLE)
        if not why and fcntl.fcntl(w.fileno(), fcntl.F_GETFL) & os.O_NONBLOCK:
            why = "mvm made the stdout socket it shares with its parent non-blocking"
        if why:
            p.kill()
            p.wait()
            return why
        return stop_with_sigterm(p, errfile)


def test_sigterm_ends_mvm_while_stdout_is_unread():
    return with_unread_stdout(SERIAL_ARGS + ["-serial", "stdio"])


def test_sigterm_ends_mvm_while_serial_fifo_is_unread():
    return with_unread_fifo(lambda path: SERIAL_ARGS + ["-serial", f"file:{path}"])


def test_sigterm_ends_mvm_while_hvc0_stdout_is_unread():
    return with_unread_stdout(HVC_ARGS + ["-chardev", "stdio,id=c"])


def test_sigterm_ends_mvm_while_hvc0_fifo_is_unread():
    return with_unread_fifo(lambda path: HVC_ARGS + ["-chardev", f"file,id=c,path={path}"])


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
            end = time.monotonic() + 60
            while time.monotonic() < end:
                chunk = os.read(r, 1024)
                if not chunk:
                    break
                got += chunk
                time.sleep(0.002)
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


def test_late_slow_reader_gets_all_serial_output():
    return read_late_and_slowly(SERIAL_ARGS + ["-serial", "stdio"], SERIAL_OUTPUT)


def test_late_slow_reader_gets_all_hvc0_output():
    return read_late_and_slowly(HVC_ARGS + ["-chardev", "stdio,id=c"], HVC_OUTPUT)


def test_sigterm_ends_mvm_while_stdout_and_stderr_share_an_unread_pipe():
    """`mvm ... 2>&1 | reader-that-stopped`: mvm's own messages must not
    block it either (its last line is dropped when nobody reads)."""
    r, w = os.pipe()
    try:
        capacity = one_page_pipe(r)
        p = subprocess.Popen([MVM] + SERIAL_ARGS + ["-serial", "stdio"], stdin=subprocess.DEVNULL,
                             stdout=w, stderr=w)
        why = wait_until_full(p, r, capacity)
        if why:
            p.kill()
            p.wait()
            return why
        time.sleep(SETTLE)
        p.send_signal(signal.SIGTERM)
        try:
            st = p.wait(timeout=EXIT_LIMIT)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            return f"still running {EXIT_LIMIT} s after SIGTERM"
        if fcntl.fcntl(w, fcntl.F_GETFL) & os.O_NONBLOCK:
            return "mvm made the stderr it shares with its parent non-blocking"
        return None if st == 0 else f"exit {st}"
    finally:
        os.close(r)
        os.close(w)


TESTS = [
    test_sigterm_ends_mvm_while_stdout_is_unread,
    test_sigterm_ends_mvm_while_stdout_socket_is_unread,
    test_sigterm_ends_mvm_while_serial_fifo_is_unread,
    test_sigterm_ends_mvm_while_hvc0_stdout_is_unread,
    test_sigterm_ends_mvm_while_hvc0_fifo_is_unread,
    test_late_slow_reader_gets_all_serial_output,
    test_late_slow_reader_gets_all_hvc0_output,
    test_sigterm_ends_mvm_while_stdout_and_stderr_share_an_unread_pipe,
]
