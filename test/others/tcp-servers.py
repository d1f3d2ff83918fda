#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Real servers from Debian packages, on loopback ports: redis-server and memcached.

Each is filled with 500 keys through one client connection, which is then held (nothing
sent) across dump --tcp-established and restore --tcp-established. Afterwards the held
connection reads keys back (the first, the last, one in between), a new connection
counts them, and a key written after the restore reads back. A server whose binary is
missing is skipped, naming the package. This script is a child subreaper, so the
restored servers are its children to reap."""
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
KEYS = 500


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def connect(port, timeout=5):
    end = time.time() + timeout
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError:
            if time.time() > end:
                raise
            time.sleep(0.05)


def read_until(c, end):
    got = b""
    while not got.endswith(end):
        part = c.recv(65536)
        if not part:
            break
        got += part
    return got


class Redis:
    name, package = "redis-server", "redis-server"

    def cmd(self, port, work):
        return ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", work, "--daemonize", "no"]

    def set(self, c, k, v):
        c.sendall(b"SET %s %s\r\n" % (k, v))
        return read_until(c, b"\r\n") == b"+OK\r\n"

    def get(self, c, k):
        c.sendall(b"GET %s\r\n" % k)
        got = read_until(c, b"\r\n")
        if not got.startswith(b"$") or got.startswith(b"$-1"):
            return None
        size = int(got[1:got.index(b"\r\n")])
        body = got[got.index(b"\r\n") + 2:]
        while len(body) < size + 2:
            part = c.recv(65536)
            if not part:
                return None
            body += part
        return body[:size]

    def count(self, c):
        c.sendall(b"DBSIZE\r\n")
        return int(read_until(c, b"\r\n")[1:])


class Memcached:
    name, package = "memcached", "memcached"

    def cmd(self, port, work):
        return ["memcached", "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-t", "2",
                "-u", "root", "-m", "64"]

    def set(self, c, k, v):
        c.sendall(b"set %s 0 0 %d\r\n%s\r\n" % (k, len(v), v))
        return read_until(c, b"\r\n") == b"STORED\r\n"

    def get(self, c, k):
        c.sendall(b"get %s\r\n" % k)
        r = read_until(c, b"END\r\n")
        if not r.startswith(b"VALUE"):
            return None
        return r.split(b"\r\n")[1]

    def count(self, c):
        c.sendall(b"stats\r\n")
        for line in read_until(c, b"END\r\n").split(b"\r\n"):
            if line.startswith(b"STAT curr_items "):
                return int(line.split()[2])
        return -1


def value(i):
    return b"value-%d-" % i + b"x" * (i % 97)


def run_one(srv, work):
    if not shutil.which(srv.name):
        print("skip - %s: not installed (package %s)" % (srv.name, srv.package))
        return False
    port = free_port()
    p = subprocess.Popen(srv.cmd(port, work), stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         close_fds=True, start_new_session=True)
    try:
        c = connect(port)
        ok = all(srv.set(c, b"key%d" % i, value(i)) for i in range(KEYS))
        report(ok, "%s: %d keys stored" % (srv.name, KEYS))
        imgs = os.path.join(work, srv.name)
        os.mkdir(imgs)
        r = subprocess.run([CRIU, "dump", "-t", str(p.pid), "-D", imgs, "-v4", "-o",
                            "dump.log", "--tcp-established"], capture_output=True, text=True,
                           timeout=60)
        report(r.returncode == 0, "%s: dump --tcp-established with a client held" % srv.name,
               r.stderr + open(os.path.join(imgs, "dump.log")).read()[-2000:])
        p.wait()
        r = subprocess.run([CRIU, "restore", "-D", imgs, "-v4", "-o", "restore.log", "-d",
                            "--tcp-established"], capture_output=True, text=True, timeout=60)
        report(r.returncode == 0, "%s: restore --tcp-established" % srv.name,
               r.stderr + open(os.path.join(imgs, "restore.log")).read()[-2000:])
        got = [srv.get(c, b"key%d" % i) for i in (0, KEYS // 2, KEYS - 1)]
        report(got == [value(0), value(KEYS // 2), value(KEYS - 1)],
               "%s: the held connection reads the keys back" % srv.name, repr(got))
        c2 = connect(port)
        n = srv.count(c2)
        report(n == KEYS, "%s: a new connection counts %d keys" % (srv.name, KEYS), str(n))
        report(srv.set(c, b"later", b"after") and srv.get(c2, b"later") == b"after",
               "%s: a key written after the restore reads back" % srv.name)
        c.close()
        c2.close()
    finally:
        if zdtm.proc_state(p.pid) is not None:
            os.kill(p.pid, 9)
        try:
            os.waitpid(p.pid, 0)
        except ChildProcessError:
            pass
    return True


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(zdtm.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    work = tempfile.mkdtemp(prefix="criu-tcp-servers-")
    ran = 0
    try:
        for srv in (Redis(), Memcached()):
            ran += run_one(srv, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if not ran:
        print("0 passed, 0 failed, 1 skipped")
        return 77
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
