#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""--inherit-fd fd[N]:KEY (and RPC's inherit_fd): a shell loop writes a count to its stdout,
a pipe this script reads, and to a log file on fd 3. It is dumped, then restored with a new
pipe standing for pipe:[INODE] and another file for the log's path: the restored loop must
go on writing to the new pipe and the new file (its fd 1 is that pipe), and not to the old
file. Through criu swrk the same with an inherit_fd entry. A stream socket whose peer is
this script's is dumped with --external unix[INO] and given back as socket:[INO]. A restore whose inherited fd is
not open fails, naming it, and leaves no task behind."""
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

sys.path.append("/usr/lib/python3/dist-packages")
try:
    from pycriu import rpc_pb2 as rpc
except ImportError:
    rpc = None

CRIU = os.path.join(zdtm.ROOT, "criu", "criu")
report = tally.Tally(show_ok=True)
dumped_fds = []
LOOP = "i=0; while :; do i=$((i+1)); echo $i; echo f$i >&3; sleep 0.05; done"


def start_loop(work):
    r, w = os.pipe()
    # the shell opens the log itself on fd 3, appending
    cmd = "exec 3>>%s; %s" % (os.path.join(work, "old.log"), LOOP)
    p = subprocess.Popen(["sh", "-c", cmd], stdin=subprocess.DEVNULL, stdout=w,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    os.close(w)
    return p, r


def read_counts(fd, wait=0.4):
    """The numbers the loop wrote to the pipe within `wait` seconds."""
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
    return [int(x) for x in data.split() if x.isdigit()]


def file_counts(path):
    with open(path) as f:
        return [int(x[1:]) for x in f.read().split() if x.startswith("f")]


def criu(*args, fds=()):
    return subprocess.run([CRIU] + list(args), stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=60, pass_fds=fds)


def dump(work, img, sub):
    p, r = start_loop(work)
    time.sleep(0.3)
    seen = read_counts(r, 0.1)
    ino = os.fstat(r).st_ino
    global dumped_fds
    dumped_fds = sorted(os.listdir("/proc/%d/fd" % p.pid))
    os.makedirs(img)
    d = criu("dump", "-t", str(p.pid), "-D", img, "-v4", "-o", "dump.log")
    report(d.returncode == 0, "%s: dump" % sub, d.stderr[-1500:])
    p.wait()
    reap_orphans()
    os.close(r)
    return (max(seen) if seen else 0), ino, d.returncode == 0


def reap_orphans():
    """The loop's sleep, killed with it, is our child now (we are a subreaper)."""
    end = time.monotonic() + 5
    while time.monotonic() < end:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.01)


def new_outputs(work, name):
    r, w = os.pipe()
    log = os.open(os.path.join(work, name), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    return r, w, log


def pid_of(img):
    with open(os.path.join(img, "pid")) as f:
        return int(f.read())


def check_restored(work, sub, pid, r, before, newlog):
    old = os.path.getsize(os.path.join(work, "old.log"))
    got = read_counts(r)
    report(len(got) > 2 and got[0] > before and got == list(range(got[0], got[0] + len(got))),
           "%s: the restored loop counts on into the new pipe" % sub,
           "before %d, then %s" % (before, got[:10]))
    try:
        link = os.readlink("/proc/%d/fd/1" % pid)
    except OSError as e:
        link = str(e)
    report(link == "pipe:[%d]" % os.fstat(r).st_ino, "%s: its fd 1 is the given pipe" % sub,
           link)
    try:
        fds = sorted(os.listdir("/proc/%d/fd" % pid))
    except OSError as e:
        fds = str(e)
    report(fds == dumped_fds, "%s: it has the fds it had, no more" % sub,
           "%s, dumped %s" % (fds, dumped_fds))
    lines = file_counts(os.path.join(work, newlog))
    report(len(lines) > 2 and lines[0] > before, "%s: its fd 3 writes to the new file" % sub,
           str(lines[:10]))
    report(os.path.getsize(os.path.join(work, "old.log")) == old,
           "%s: the old file gets nothing" % sub, "grew")


def kill(pid):
    try:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def test_cli(work):
    img = os.path.join(work, "img-cli")
    before, ino, ok = dump(work, img, "cli")
    if not ok:
        return
    r, w, log = new_outputs(work, "new-cli.log")
    res = criu("restore", "-D", img, "-v4", "-o", "restore.log", "-d", "--pidfile",
               os.path.join(img, "pid"), "--inherit-fd", "fd[%d]:pipe:[%d]" % (w, ino),
               "--inherit-fd", "fd[%d]:%s" % (log, os.path.join(work, "old.log")[1:]),
               fds=(w, log))
    os.close(w)
    os.close(log)
    report(res.returncode == 0, "cli: restore --inherit-fd", res.stderr[-1500:])
    if res.returncode == 0:
        pid = pid_of(img)
        check_restored(work, "cli", pid, r, before, "new-cli.log")
        kill(pid)
    os.close(r)


def test_not_open(work):
    img = os.path.join(work, "img-bad")
    before, ino, ok = dump(work, img, "fd not open")
    if not ok:
        return
    res = criu("restore", "-D", img, "-v4", "-o", "restore.log", "-d", "--pidfile",
               os.path.join(img, "pid"), "--inherit-fd", "fd[77]:pipe:[%d]" % ino)
    out = res.stdout + res.stderr
    report(res.returncode != 0 and "fd[77]" in out and "not open" in out,
           "fd not open: the restore fails, naming it", out[-800:])
    report(not os.path.exists(os.path.join(img, "pid")), "fd not open: no task left",
           "pidfile written")


def swrk_restore(img, w, log, ino, work):
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    p = subprocess.Popen([CRIU, "swrk", str(b.fileno())], pass_fds=[b.fileno(), w, log],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    b.close()
    dfd = os.open(img, os.O_RDONLY | os.O_DIRECTORY)
    req = rpc.criu_req(type=rpc.RESTORE)
    req.opts.images_dir_fd = dfd
    req.opts.log_level = 4
    req.opts.log_file = "restore.log"
    req.opts.inherit_fd.add(fd=w, key="pipe:[%d]" % ino)
    req.opts.inherit_fd.add(fd=log, key=os.path.join(work, "old.log"))
    a.send(req.SerializeToString())
    a.settimeout(60)
    resp = rpc.criu_resp()
    resp.ParseFromString(a.recv(1 << 20))
    a.close()
    p.wait()
    os.close(dfd)
    return resp


def test_rpc(work):
    if rpc is None:
        report(True, "rpc: skipped, pycriu (Debian package criu) is missing")
        return
    img = os.path.join(work, "img-rpc")
    before, ino, ok = dump(work, img, "rpc")
    if not ok:
        return
    r, w, log = new_outputs(work, "new-rpc.log")
    resp = swrk_restore(img, w, log, ino, work)
    os.close(w)
    os.close(log)
    report(resp.success, "rpc: RESTORE with inherit_fd", resp.cr_errmsg)
    if resp.success:
        check_restored(work, "rpc", resp.restore.pid, r, before, "new-rpc.log")
        kill(resp.restore.pid)
    os.close(r)


def test_socket(work):
    """A stream socket whose peer is ours: --external unix[INO] at dump, then the restore
    needs --inherit-fd fd[N]:socket:[INO] and the loop writes into the socket given."""
    img = os.path.join(work, "img-sk")
    os.makedirs(img)
    a, b = socket.socketpair()
    p = subprocess.Popen(["sh", "-c", "exec 3>/dev/null; " + LOOP], stdin=subprocess.DEVNULL,
                         stdout=b.fileno(), stderr=subprocess.DEVNULL, start_new_session=True)
    ino = os.fstat(b.fileno()).st_ino
    b.close()
    try:
        time.sleep(0.3)
        d = criu("dump", "-t", str(p.pid), "-D", img, "-v4", "-o", "dump0.log")
        report(d.returncode != 0 and "--external unix[%d]" % ino in d.stdout + d.stderr and
               p.poll() is None, "socket: a dump without --external unix[] is refused, "
               "naming it, the task running on", (d.stdout + d.stderr)[-600:])
        seen = read_counts(a.fileno(), 0.2)
        d = criu("dump", "-t", str(p.pid), "-D", img, "-v4", "-o", "dump.log", "--external",
                 "unix[%d]" % ino)
        report(d.returncode == 0, "socket: dump --external unix[INO]", d.stderr[-1500:])
        if d.returncode:
            return
        p.wait()
        reap_orphans()
        res = criu("restore", "-D", img, "-v4", "-o", "restore0.log", "-d")
        report(res.returncode != 0 and "--inherit-fd fd[N]:socket:[%d]" % ino in res.stderr,
               "socket: a restore without it is refused, naming the key", res.stderr[-600:])
        c, e = socket.socketpair()
        res = criu("restore", "-D", img, "-v4", "-o", "restore.log", "-d", "--pidfile",
                   os.path.join(img, "pid"), "--inherit-fd",
                   "fd[%d]:socket:[%d]" % (e.fileno(), ino), fds=(e.fileno(),))
        e.close()
        report(res.returncode == 0, "socket: restore --inherit-fd socket:[INO]",
               res.stderr[-1500:])
        if res.returncode == 0:
            got = read_counts(c.fileno())
            before = max(seen) if seen else 0
            report(len(got) > 2 and got[0] > before,
                   "socket: the restored loop writes on into the given socket",
                   "before %d, then %s" % (before, got[:10]))
            kill(pid_of(img))
        c.close()
    finally:
        a.close()
        if p.poll() is None:
            p.kill()
            p.wait()


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(zdtm.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    work = tempfile.mkdtemp(prefix="criu-inherit-fd-")
    try:
        test_cli(work)
        test_rpc(work)
        test_socket(work)
        test_not_open(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
