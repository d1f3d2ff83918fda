#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""runc --file-locks: the container's init (runc-locker.c, static) holds a flock() on
/locks/flock, a POSIX write lock on /locks/posix and an OFD write lock on /locks/ofd, files
of its root (the bundle's rootfs, here made writable), and counts in /run/count.
- `runc checkpoint` without --file-locks is refused, the dump log names the option, and the
  container runs on with its locks;
- `runc checkpoint --file-locks`, the container is gone and the locks are free; then `runc
  restore`: the restored init holds the three locks again. Proof from outside: /proc/locks
  has a FLOCK and a POSIX lock of the restored init's pid and an OFD lock (pid -1) on the
  files' inodes, and our own flock(LOCK_NB) and F_OFD_GETLK on the files conflict with
  them (F_OFD_GETLK names the holder of the POSIX lock)."""
import ctypes
import errno
import fcntl
import os
import shutil
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zdtm  # noqa: E402
import runc as R  # noqa: E402
import runc_static as S  # noqa: E402

report = R.report
F_OFD_GETLK = 36
FLOCK = "hhxxxxqqixxxx"     # struct flock on x86_64: type, whence, start, len, pid
KINDS = (("flock", "FLOCK"), ("posix", "POSIX"), ("ofd", "OFDLCK"))


def proc_locks():
    """{inode: [(kind, pid)]} of /proc/locks"""
    held = {}
    with open("/proc/locks") as f:
        for ln in f:
            p = ln.split()
            if p[1] == "->":            # a waiter
                continue
            held.setdefault(int(p[5].split(":")[2]), []).append((p[1], int(p[4])))
    return held


def ofd_getlk(path):
    """(type, pid) of the lock that would stop our write lock on the whole file."""
    fd = os.open(path, os.O_RDWR)
    try:
        out = fcntl.fcntl(fd, F_OFD_GETLK, struct.pack(FLOCK, fcntl.F_WRLCK, 0, 0, 0, 0))
    finally:
        os.close(fd)
    typ, _, _, _, pid = struct.unpack(FLOCK, out)
    return typ, pid


def flock_free(path):
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError as e:
        if e.errno != errno.EWOULDBLOCK:
            raise
        return False
    finally:
        os.close(fd)


def held_by(root, pid):
    """Whether pid holds the three locks, and what was seen."""
    locks, seen, ok = proc_locks(), [], True
    for fname, kind in KINDS:
        path = os.path.join(root, "locks", fname)
        want = (kind, -1 if kind == "OFDLCK" else pid)
        got = locks.get(os.stat(path).st_ino, [])
        ok &= want in got
        seen.append("%s: %s" % (fname, got))
    ok &= not flock_free(os.path.join(root, "locks", "flock"))
    posix, ofd = (ofd_getlk(os.path.join(root, "locks", f)) for f in ("posix", "ofd"))
    ok &= posix == (fcntl.F_WRLCK, pid) and ofd == (fcntl.F_WRLCK, -1)
    seen.append("F_OFD_GETLK posix %s ofd %s" % (posix, ofd))
    return ok, "pid %d; %s" % (pid, "; ".join(seen))


def all_free(root):
    locks = proc_locks()
    return not any(os.stat(os.path.join(root, "locks", f)).st_ino in locks for f, _ in KINDS)


def counts_on(name):
    a = S.read(name, "/run/count")
    time.sleep(0.3)
    b = S.read(name, "/run/count")
    return a.isdigit() and b.isdigit() and int(b) > int(a), (a, b)


def refused(work, name, root):
    img = os.path.join(work, "img-refused")
    r, _ = S.checkpoint(img, name)
    log = S.dump_log(img)
    report(r.returncode != 0 and "--file-locks" in log,
           "runc checkpoint without --file-locks is refused, naming the option",
           "exit %d: %s" % (r.returncode, log[-1500:]))
    ok, seen = counts_on(name)
    report(ok, "after the refusal the container counts on", str(seen))
    ok, seen = held_by(root, S.init_pid(name))
    report(ok, "after the refusal the container holds its locks", seen)


def cycle(work, name, root):
    img = os.path.join(work, "img")
    r, ms = S.checkpoint(img, name, "--file-locks")
    report(r.returncode == 0, "runc checkpoint --file-locks (%.0f ms)" % ms,
           r.stderr[-1000:] + S.dump_log(img)[-1500:])
    if r.returncode:
        return
    R.reap_orphans()
    report(all_free(root), "the checkpointed container's locks are free", str(proc_locks()))
    rc, ms = S.restore(work, img, name, "--file-locks")
    report(rc == 0, "runc restore --file-locks (%.0f ms)" % ms, R.log_errors(img))
    if rc:
        return
    ok, seen = held_by(root, S.init_pid(name))
    report(ok, "the restored init holds the flock, POSIX and OFD locks", seen)
    ok, seen = counts_on(name)
    report(ok, "the restored container counts on", str(seen))


def main():
    ctypes.CDLL(None).prctl(zdtm.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    if not shutil.which("runc") or not os.path.exists(R.BUSYBOX) or not shutil.which("cc"):
        print("# SKIP: runc, busybox-static or cc is not installed (scripts/install-deps.sh)")
        return 0
    work = tempfile.mkdtemp(prefix="criu-runc-locks-")
    root = os.path.join(work, "rootfs")
    name = "criu-locks-%d" % os.getpid()
    try:
        err = S.make_bundle(work, "runc-locker", writable_root=True)
        report(not err, "a bundle whose init holds file locks", err)
        if err:
            return report.finish()
        os.makedirs(os.path.join(root, "locks"))
        for f, _ in KINDS:
            open(os.path.join(root, "locks", f), "w").close()
        report(S.run(work, name) == 0, "runc run -d")
        time.sleep(0.3)
        report(S.read(name, "/run/locked") == "locked", "the init took its locks")
        ok, seen = held_by(root, S.init_pid(name))
        report(ok, "/proc/locks and our conflicting locks show them", seen)
        if ok:
            refused(work, name, root)
            cycle(work, name, root)
    finally:
        S.remove(name)
        shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
