#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Damaged images never crash criu or crit and never leave a process behind.

Dumps one ZDTM test program, then for every image file of the checkpoint restores from a
fresh copy of the pristine images in which that one file is truncated (several lengths),
has a bit flipped (several positions) or is deleted. Each time `criu restore -d` must exit
1 with an "Error (" line and leave nothing running, or restore (the copy is then killed);
it must never die by a signal. crit decode and crit x on the damaged copy must exit 0 or 1,
never by a signal. Finally the pristine images still restore and the test passes."""
import os
import random
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zdtm  # noqa: E402
import tally  # noqa: E402

CRIU = os.path.join(zdtm.ROOT, "criu", "criu")
CRIT = os.path.join(zdtm.ROOT, "crit", "crit")
TEST = "zdtm/static/sleeping00"

report = tally.Tally(show_ok=False)


def run(argv, cwd=None):
    return subprocess.run(argv, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, errors="replace", timeout=60)


def damages(size, rnd):
    """(label, action) pairs: action(path) damages the file in place."""
    out = [("deleted", lambda p: os.unlink(p))]
    for n in sorted({0, 1, 4, 7, 8, 11, size // 2, size - 1}):
        if 0 <= n < size:
            out.append(("truncated to %d" % n, lambda p, n=n: os.truncate(p, n)))
    spots = {0, 5, 8, 9, 12, size // 3, size // 2, size - 1}
    spots |= {rnd.randrange(size) for _ in range(4)} if size else set()
    for off in sorted(s for s in spots if 0 <= s < size):
        bit = rnd.randrange(8)

        def flip(p, off=off, bit=bit):
            with open(p, "r+b") as f:
                f.seek(off)
                b = f.read(1)[0] ^ (1 << bit)
                f.seek(off)
                f.write(bytes([b]))
        out.append(("bit %d of byte %d flipped" % (bit, off), flip))
    return out


def check_crit(work, path, name):
    runs = [[CRIT, "decode", "-i", path], [CRIT, "decode", "--pretty", "-i", path]]
    runs += [[CRIT, "x", work, w] for w in ("ps", "fds", "mems", "rss")]
    for argv in runs:
        if not os.path.exists(path) and argv[1] == "decode":
            continue
        r = run(argv)
        if r.returncode not in (0, 1):
            return "%s exited %d: %s" % (" ".join(argv[1:2]), r.returncode, r.stderr[-200:])
    return None


def try_restore(pristine, work, name, label, damage, pid):
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(pristine, work)
    damage(os.path.join(work, name))
    r = run([CRIU, "restore", "-D", work, "-d", "-o", "restore.log"])
    why = []
    if r.returncode < 0:
        why.append("criu killed by signal %d" % -r.returncode)
    elif r.returncode == 0:
        zdtm.kill_and_reap(pid)   # the damage did not matter: a restore that works
    elif r.returncode != 1:
        why.append("criu exited %d" % r.returncode)
    elif "Error (" not in r.stderr:
        why.append("no 'Error (' line: %r" % r.stderr[-200:])
    elif not label.startswith("bit") and name not in r.stderr.split("Error (", 1)[1]:
        # A missing or short file is always reported under its own name, first.
        why.append("the first error does not name %s: %r" % (name, r.stderr[-300:]))
    time.sleep(0.01)
    state = zdtm.proc_state(pid)
    if r.returncode != 0 and state is not None and state not in "ZX":
        why.append("pid %d left behind (%s)" % (pid, state))
    left = zdtm.cleanup_children()
    if left and r.returncode != 0:
        why.append("processes left behind: %s" % left)
    c = check_crit(work, os.path.join(work, name), name)
    if c:
        why.append("crit: " + c)
    report(not why, "%s %s" % (name, label), "; ".join(why))


def main():
    zdtm.become_subreaper()
    rnd = random.Random(5)
    test = zdtm.Test(TEST)
    test.work = os.path.join(zdtm.RUN_DIR, "corrupt-images")
    test.dump_dir = os.path.join(zdtm.DUMP_DIR, "corrupt-images")
    test.pidfile = os.path.join(test.work, "test.pid")
    test.outfile = os.path.join(test.work, "test.out")
    work = os.path.join(zdtm.RUN_DIR, "corrupt-images-copy")
    for d in (test.work, test.dump_dir):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    pid = zdtm.start_test(test)
    try:
        r = run([CRIU, "dump", "-t", str(pid), "-D", test.dump_dir, "-o", "dump.log"])
        if r.returncode:
            print("not ok - dump: %s" % r.stderr[-300:])
            print("0 passed, 1 failed")
            return 1
        zdtm.reap(pid, 10)
        names = sorted(n for n in os.listdir(test.dump_dir)
                       if n.endswith(".img") or n.startswith("stats-dump"))
        for name in names:
            size = os.path.getsize(os.path.join(test.dump_dir, name))
            for label, damage in damages(size, rnd):
                try_restore(test.dump_dir, work, name, label, damage, pid)
        r = run([CRIU, "restore", "-D", test.dump_dir, "-d", "-o", "restore.log"])
        why = [] if r.returncode == 0 else ["pristine restore failed: " + r.stderr[-300:]]
        if not why:
            why = zdtm.finish_test(test, pid)
        report(not why, "pristine images restore and the test passes", "; ".join(why))
    finally:
        if zdtm.proc_state(pid) is not None:
            zdtm.kill_and_reap(pid)
        zdtm.cleanup_children()
        shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
