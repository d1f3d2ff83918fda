#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""TCP against peers outside the dumped tree, on loopback.

An upper-casing echo server (a python program, the dumped tree) listens on a port the
kernel picks and serves one client, this script:
- the client's connection survives dump --tcp-established and restore: what it sends
  afterwards comes back upper-cased on the same connection, and the listener accepts a
  second client;
- the client closes while the server is dumped: the network lock holds the client's FIN
  back (a closed port would answer it with a reset), and the restored server reads the
  end of the stream once the lock is gone, as if it had never been stopped;
- a port taken by someone else at restore fails the restore with a message naming the
  address and port, and leaves no task behind; once the port is free again the same
  images restore.
This script is a child subreaper, so the restored servers are its children to reap."""
import ctypes
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zdtm  # noqa: E402
import tally  # noqa: E402

CRIU = os.path.join(zdtm.ROOT, "criu", "criu")
report = tally.Tally(show_ok=True)

SERVER = r"""
import os, socket, sys, time
work = sys.argv[1]
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(4)
with open(os.path.join(work, "port.tmp"), "w") as f:
    f.write(str(l.getsockname()[1]))
os.rename(os.path.join(work, "port.tmp"), os.path.join(work, "port"))
while True:
    c, _ = l.accept()
    while True:
        try:
            d = c.recv(4096)
        except OSError as e:
            d = None
            status = "error %d" % e.errno
        else:
            status = "eof"
        if not d:
            with open(os.path.join(work, "status"), "w") as f:
                f.write(status)
            c.close()
            break
        c.sendall(d.upper())
"""


def criu(*args):
    return subprocess.run([CRIU] + list(args), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)


def wait_file(path, timeout=5):
    end = time.time() + timeout
    while not os.path.exists(path) and time.time() < end:
        time.sleep(0.02)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return f.read()


def start_server(work):
    p = subprocess.Popen([sys.executable, "-c", SERVER, work], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         close_fds=True, start_new_session=True)
    port = wait_file(os.path.join(work, "port"))
    return p, int(port) if port else 0


def gone(pid, timeout=5):
    end = time.time() + timeout
    while zdtm.proc_state(pid) not in (None, "Z") and time.time() < end:
        time.sleep(0.02)
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    return zdtm.proc_state(pid) in (None, "Z")


def dump(pid, imgs, *extra):
    return criu("dump", "-t", str(pid), "-D", imgs, "-v4", "-o", "dump.log",
                "--tcp-established", *extra)


def restore(imgs, log="restore.log"):
    return criu("restore", "-D", imgs, "-v4", "-o", log, "-d", "--tcp-established")


def echo(c, data):
    c.sendall(data)
    got = b""
    while len(got) < len(data):
        part = c.recv(4096)
        if not part:
            break
        got += part
    return got


def outside_peer(work):
    p, port = start_server(work)
    report(port > 0, "the server listens")
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    report(echo(c, b"before") == b"BEFORE", "the server echoes before the dump")
    imgs = os.path.join(work, "imgs1")
    os.mkdir(imgs)
    r = dump(p.pid, imgs)
    report(r.returncode == 0, "dump --tcp-established of a server with an outside client",
           r.stderr)
    p.wait()
    r = restore(imgs)
    report(r.returncode == 0, "restore --tcp-established", r.stderr)
    got = echo(c, b"after the restore")
    report(got == b"AFTER THE RESTORE", "the held connection still talks", repr(got))
    c.close()
    status = wait_file(os.path.join(work, "status"))
    report(status == "eof", "the server sees the client close", repr(status))
    os.unlink(os.path.join(work, "status"))
    return p.pid, port


def peer_gone(work, pid, port):
    imgs = os.path.join(work, "imgs2")
    os.mkdir(imgs)
    c2 = socket.create_connection(("127.0.0.1", port), timeout=5)
    report(echo(c2, b"y") == b"Y", "the restored listener accepts a second client")
    r = dump(pid, imgs)
    report(r.returncode == 0, "dump with the client held", r.stderr)
    gone(pid)
    # the client goes away while its server is dumped: the network lock holds its FIN back
    # (no reset for a port nobody listens on), and once the lock is gone the retransmitted
    # FIN reaches the restored server, which reads the end of the stream, as if it had
    # never been stopped
    c2.close()
    r = restore(imgs)
    report(r.returncode == 0, "restore after the client left", r.stderr)
    status = wait_file(os.path.join(work, "status"), 30)
    report(status == "eof", "the restored server reads the client's close", repr(status))
    os.kill(pid, 9)
    gone(pid)


def port_taken(work):
    os.unlink(os.path.join(work, "port"))
    p, port = start_server(work)
    imgs = os.path.join(work, "imgs3")
    os.mkdir(imgs)
    r = dump(p.pid, imgs)
    report(r.returncode == 0, "dump of a listening server", r.stderr)
    p.wait()
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", port))
    blocker.listen(1)
    r = restore(imgs, "restore-taken.log")
    with open(os.path.join(imgs, "restore-taken.log")) as f:
        log = f.read()
    want = "127.0.0.1:%d" % port
    named = [line for line in log.splitlines() if "Error (" in line and want in line]
    report(r.returncode != 0 and named, "a port taken at restore fails naming %s" % want,
           log[-600:])
    report(gone(p.pid, 1), "the failed restore left no task behind")
    blocker.close()
    r = restore(imgs)
    report(r.returncode == 0, "the same images restore once the port is free", r.stderr)
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    report(echo(c, b"free") == b"FREE", "the restored server serves")
    c.close()
    os.kill(p.pid, 9)
    gone(p.pid)


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(zdtm.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    work = tempfile.mkdtemp(prefix="criu-tcp-peers-")
    pid = None
    try:
        pid, port = outside_peer(work)
        peer_gone(work, pid, port)
        pid = None
        port_taken(work)
    finally:
        if pid and zdtm.proc_state(pid) is not None:
            os.kill(pid, 9)
            gone(pid)
        shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
