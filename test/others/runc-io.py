#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""runc's containers whose stdio reach their caller, checkpointed and restored through criu
(see runc.py for the bundle):
- stdio are pipes (`runc run -d` hands its own to the container): runc's restore gives criu
  new pipes with inherit_fd pipe:[INODE] keys; the restored container's output must come
  out of the new pipe, counting on from where it was;
- a terminal (`"terminal": true`, --console-socket): runc receives the pty master over the
  console socket; at restore criu makes a new pty and hands its master back
  (orphan_pts_master, notify "orphan-pts-master"), which runc sends to the console socket:
  the restored shell must answer through the new master."""
import array
import ctypes
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zdtm  # noqa: E402
import runc as R  # noqa: E402

report = R.report
PIPE_LOOP = "i=0; while true; do i=$((i+1)); echo $i > /run/count; echo out$i; sleep 0.05; done"


def read_outs(fd, wait=0.5):
    """The out<N> numbers written to fd within `wait` seconds."""
    os.set_blocking(fd, False)
    end, data = time.monotonic() + wait, b""
    while time.monotonic() < end:
        try:
            chunk = os.read(fd, 4096)
        except BlockingIOError:
            time.sleep(0.02)
            continue
        if not chunk:
            break
        data += chunk
    return [int(x[3:]) for x in data.split() if x.startswith(b"out") and x[3:].isdigit()]


def counting(nums):
    return len(nums) > 2 and nums == list(range(nums[0], nums[0] + len(nums)))


def test_pipes(work):
    name = "criu-io-pipe-%d" % os.getpid()
    img = os.path.join(work, "img-pipe")
    r, w = os.pipe()
    try:
        p = subprocess.run(["runc", "run", "-d", "--bundle", work, name],
                           stdin=subprocess.DEVNULL, stdout=w, stderr=w, timeout=30)
        os.close(w)
        report(p.returncode == 0, "pipes: runc run -d", "exit %d" % p.returncode)
        before = read_outs(r, 0.4)
        report(counting(before), "pipes: the container writes to our pipe", str(before))
        c = R.runc("checkpoint", "--image-path", img, "--work-path", img, name)
        report(c.returncode == 0, "pipes: runc checkpoint", c.stderr[-1500:])
        if c.returncode:
            return
        os.close(r)
        R.reap_orphans()
        r, w = os.pipe()
        p = subprocess.run(["runc", "--criu", R.CRIU, "restore", "-d", "--image-path", img,
                            "--work-path", img, "--bundle", work, name],
                           stdin=subprocess.DEVNULL, stdout=w, stderr=w, timeout=60)
        os.close(w)
        report(p.returncode == 0, "pipes: runc restore", R.log_errors(img))
        if p.returncode:
            return
        after = read_outs(r)
        last = max(before) if before else 0
        report(counting(after) and after[0] > last,
               "pipes: the restored container writes on into the new pipe",
               "before ..%d, after %s" % (last, after[:10]))
    finally:
        os.close(r)
        R.runc("kill", name, "KILL")
        time.sleep(0.2)
        R.runc("delete", "-f", name)


class ConsoleSocket:
    """runc's --console-socket: a unix socket runc connects to and sends the pty master on
    (SCM_RIGHTS), once per run or restore."""

    def __init__(self, path):
        self.path = path
        self.sk = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sk.bind(path)
        self.sk.listen(4)
        self.sk.settimeout(30)

    def take_master(self):
        conn, _ = self.sk.accept()
        with conn:
            fds = array.array("i")
            msg, anc, _, _ = conn.recvmsg(4096, socket.CMSG_SPACE(fds.itemsize))
            for level, kind, data in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    fds.frombytes(data[:fds.itemsize])
        return fds[0] if fds else -1

    def close(self):
        self.sk.close()


def ask(master, line, want, wait=5):
    """Type line into the terminal; True once want comes out of it."""
    os.write(master, line.encode() + b"\n")
    os.set_blocking(master, False)
    end, out = time.monotonic() + wait, b""
    while time.monotonic() < end and want.encode() not in out:
        try:
            out += os.read(master, 4096)
        except BlockingIOError:
            time.sleep(0.02)
        except OSError:
            break
    return want.encode() in out, out[-300:]


def init_tty(name):
    """tty_nr of the container's init (its controlling terminal), or None."""
    r = R.runc("state", name)
    try:
        pid = json.loads(r.stdout)["pid"]
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[4])
    except (ValueError, KeyError, OSError):
        return None


def tty_bundle(work):
    path = os.path.join(work, "config.json")
    with open(path) as f:
        cfg = json.load(f)
    cfg["process"]["terminal"] = True
    cfg["process"]["args"] = ["sh"]
    with open(path, "w") as f:
        json.dump(cfg, f)


def test_console(base):
    work = os.path.join(base, "tty")
    os.makedirs(work)
    err = R.make_bundle(work)
    if err:
        report(False, "console: runc spec", err)
        return
    tty_bundle(work)
    name = "criu-io-tty-%d" % os.getpid()
    img = os.path.join(work, "img")
    cs = ConsoleSocket(os.path.join(work, "console.sock"))
    master = -1
    try:
        p = subprocess.Popen(["runc", "run", "-d", "--console-socket", cs.path, "--bundle",
                              work, name], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        master = cs.take_master()
        p.wait(timeout=30)
        report(p.returncode == 0 and master >= 0, "console: runc run -d --console-socket",
               p.stderr.read().decode()[-500:])
        if master < 0:
            return
        ok, out = ask(master, "X=4$((1+1)); echo A$((1+2))", "A3")
        report(ok, "console: the shell answers through the master", repr(out))
        tty_before = init_tty(name)
        c = R.runc("checkpoint", "--image-path", img, "--work-path", img, name)
        report(c.returncode == 0, "console: runc checkpoint", c.stderr[-1500:])
        if c.returncode:
            return
        os.close(master)
        master = -1
        R.reap_orphans()
        p = subprocess.Popen(["runc", "--criu", R.CRIU, "restore", "-d", "--console-socket",
                              cs.path, "--image-path", img, "--work-path", img, "--bundle",
                              work, name], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        master = cs.take_master()
        p.wait(timeout=60)
        report(p.returncode == 0 and master >= 0, "console: runc restore --console-socket",
               R.log_errors(img))
        if master < 0:
            return
        ok, out = ask(master, "echo V$X", "V42")
        report(ok, "console: the restored shell answers through the new master, its "
               "variable kept", repr(out))
        ok, out = ask(master, "echo W$((6*7)) >/dev/tty", "W42")
        report(ok, "console: the pty is its controlling terminal again (/dev/tty)", repr(out))
        report(tty_before and init_tty(name) == tty_before,
               "console: its stat names the same terminal",
               "%s, before %s" % (init_tty(name), tty_before))
    finally:
        if master >= 0:
            os.close(master)
        cs.close()
        R.runc("kill", name, "KILL")
        time.sleep(0.2)
        R.runc("delete", "-f", name)


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(zdtm.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    if not shutil.which("runc") or not os.path.exists(R.BUSYBOX):
        print("# SKIP: runc or busybox-static is not installed (scripts/install-deps.sh)")
        return 0
    work = tempfile.mkdtemp(prefix="criu-runc-io-")
    try:
        R.LOOP = PIPE_LOOP
        err = R.make_bundle(work)
        report(not err, "runc spec: a busybox bundle", err)
        test_pipes(work)
        test_console(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
