#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The probe of the kernel's mount locks (criu/ns/mnt-locks-dump.c) works in a throwaway
copy of the tree's mount namespace: zdtm/static/mntns_locked00 runs in the uns flavour's
namespaces and is dumped with -R (left running). Then mnt-locks-ID.img must name /dev
locked, the tree's mountinfo must be the same line for line (ids included) as before the
dump, and the test, told to finish, must find its mounts and their locks as they were
(its own check: /dev still locked, its tmpfs still there and unlocked).
A set without mnt-locks-ID.img (older, or CRIU's) restores as before the locks were saved:
the test is dumped again, the file removed, the restore must succeed and the test must
find /dev unlocked (its verdict names it)."""
import glob
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import zdtm  # noqa: E402
import tally  # noqa: E402

CRIU = os.path.join(zdtm.ROOT, "criu", "criu")
CRIT = os.path.join(zdtm.ROOT, "crit", "crit")
report = tally.Tally(show_ok=True)


def mountinfo(pid):
    with open("/proc/%d/mountinfo" % pid) as f:
        return f.read()


def locked_mounts(dump_dir):
    """The mount ids the image says are locked to their parents"""
    imgs = glob.glob(os.path.join(dump_dir, "mnt-locks-*.img"))
    if len(imgs) != 1:
        return None
    r = subprocess.run([CRIT, "decode", "-i", imgs[0]], capture_output=True, text=True,
                       timeout=60)
    if r.returncode:
        return None
    return [e["mnt_id"] for e in json.loads(r.stdout)["entries"] if e["locked"]]


def dev_id(info):
    for line in info.splitlines():
        f = line.split()
        if f[4] == "/dev":
            return int(f[0])
    return None


def new_test(tag):
    test = zdtm.Test("zdtm/static/mntns_locked00")
    # its own directories, apart from zdtm.py's run of the test
    test.work, test.dump_dir = (os.path.join(top, "mntns-locks-" + tag)
                                for top in (zdtm.RUN_DIR, zdtm.DUMP_DIR))
    test.pidfile, test.outfile, test.restore_pidfile = (
        os.path.join(test.work, name) for name in ("test.pid", "test.out", "restore.pid"))
    for d in (test.work, test.dump_dir):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    return test


def criu(test, *args):
    return subprocess.run([CRIU] + list(args) + ["-D", test.dump_dir, "-v4"],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=60)


def old_images():
    """Dumped, mnt-locks-ID.img removed, restored: unlocked, as before"""
    test = new_test("old")
    pid = zdtm.start_test(test)
    r = criu(test, "dump", "-t", str(pid), "-o", "dump.log")
    if r.returncode:
        zdtm.kill_and_reap(pid)
        report(False, "dump of mntns_locked00 (uns)", r.stderr[-300:])
        return
    zdtm.reap(pid, 10)
    for img in glob.glob(os.path.join(test.dump_dir, "mnt-locks-*.img")):
        os.unlink(img)
    # the set's checksums list the removed file: an older set would not have it
    r = criu(test, "restore", "-o", "restore.log", "-d", "--root", "/", "--skip-checksums",
             "--pidfile=" + test.restore_pidfile)
    report(r.returncode == 0, "a set without mnt-locks-ID.img restores", r.stderr[-300:])
    if r.returncode:
        return
    why = zdtm.finish_test(test, pid)
    zdtm.cleanup_children()
    report(any("/dev can be unmounted" in w for w in why),
           "its mounts come back unlocked, as before", "verdict: %s" % why)


def main():
    zdtm.become_subreaper()
    test = new_test("live")
    pid = zdtm.start_test(test)
    try:
        before = mountinfo(pid)
        r = subprocess.run([CRIU, "dump", "-t", str(pid), "-D", test.dump_dir, "-v4", "-o",
                            "dump.log", "-R"], stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=60)
        report(r.returncode == 0, "dump -R of mntns_locked00 (uns)", r.stderr[-300:])
        locked = locked_mounts(test.dump_dir)
        report(locked is not None and dev_id(before) in locked,
               "mnt-locks-ID.img says /dev is locked", "locked: %s" % locked)
        after = mountinfo(pid)
        report(after == before, "the tree's mountinfo is the same after the dump",
               "before:\n%s\nafter:\n%s" % (before, after))
    finally:
        why = zdtm.finish_test(test, pid)
        zdtm.cleanup_children()
    report(not why, "the test finds its mounts and their locks as they were", "; ".join(why))
    old_images()
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
