#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Process trees outside ZDTM.

1. CRIU's documented demo: `setsid ./test.sh < /dev/null &> test.log &`, where test.sh
   loops `sleep 1; date`; `criu dump -t PID -v1 -o dump.log` and `criu restore -d -v1 -o
   restore.log` with the images in the current directory: the log goes on where it stopped.
2. A pid of the tree taken by another process at restore: the restore fails, names the pid,
   and leaves the process that holds it alone.
3. --restore-sibling (with -d): the restored root is a child of criu's parent.
This script is a child subreaper: restored tasks, orphaned when criu exits, are its children.
"""
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zdtm  # noqa: E402
import tally  # noqa: E402

CRIU = os.path.join(zdtm.ROOT, "criu", "criu")
report = tally.Tally(show_ok=True)


def criu(cwd, *args):
    return subprocess.run([CRIU] + list(args), cwd=cwd, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)


def kill_tree(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for pid in pids:
        try:
            zdtm.reap(pid, 5)
        except zdtm.TestFailure:
            pass


def lines(path):
    with open(path) as f:
        return f.read().splitlines()


def runs_in(pid, work):
    try:
        return os.readlink("/proc/%s/cwd" % pid) == os.path.realpath(work)
    except OSError:
        return False


def demo_setsid(work):
    with open(os.path.join(work, "test.sh"), "w") as f:
        f.write("#!/bin/sh\nwhile :; do\n\tsleep 1\n\tdate\ndone\n")
    os.chmod(os.path.join(work, "test.sh"), 0o755)
    subprocess.run(["sh", "-c", "setsid ./test.sh < /dev/null > test.log 2>&1 &"], cwd=work,
                   check=True)
    time.sleep(2.5)
    out = subprocess.run(["pgrep", "-f", "^/bin/sh ./test.sh"], capture_output=True,
                         text=True).stdout.split()
    # only ours: other runs of this test may be going on on the same machine
    out = [p for p in out if runs_in(p, work)]
    report(len(out) == 1, "test.sh runs", " ".join(out))
    if len(out) != 1:
        return
    pid = int(out[0])
    pids = zdtm.tree_pids(pid)
    try:
        r = criu(work, "dump", "-t", str(pid), "-v1", "-o", "dump.log")
        report(r.returncode == 0, "criu dump -t %d -v1 -o dump.log (%d tasks)" %
               (pid, len(pids) + 1), r.stdout + r.stderr)
        zdtm.reap(pid, 5)
        zdtm.free_tree_pids(pids, False)
        before = len(lines(os.path.join(work, "test.log")))
        r = criu(work, "restore", "-d", "-v1", "-o", "restore.log")
        report(r.returncode == 0, "criu restore -d -v1 -o restore.log", r.stdout + r.stderr)
        time.sleep(2.5)
        after = len(lines(os.path.join(work, "test.log")))
        report(zdtm.proc_state(pid) is not None, "test.sh runs again with pid %d" % pid)
        report(after > before, "the log goes on (%d lines, then %d)" % (before, after))
    finally:
        kill_tree([pid] + zdtm.tree_pids(pid))


def pid_taken(work):
    # the child keeps running after its parent is gone: its pid stays taken
    p = subprocess.Popen(["sh", "-c", "sleep 1000 & sleep 1000"], cwd=work,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(0.2)
    kids = zdtm.tree_pids(p.pid)
    try:
        r = criu(work, "dump", "-t", str(p.pid), "-D", work, "-R", "-v4", "-o", "dump.log")
        report(r.returncode == 0 and len(kids) == 2, "dump -R of a tree of %d" %
               (len(kids) + 1), r.stdout + r.stderr)
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        r = criu(work, "restore", "-D", work, "-d", "-v4", "-o", "restore.log")
        out = r.stdout + r.stderr
        # the root's pid is taken too: the survivors' group and session still hold it
        taken = [k for k in [p.pid] + kids if "pid %d is taken" % k in out]
        report(r.returncode != 0 and taken, "restore fails naming the taken pid", out)
        report(zdtm.proc_state(p.pid) is None, "no restored root is left behind")
        report(all(zdtm.proc_state(k) not in (None, "Z") for k in kids),
               "the tasks holding the pids still run")
    finally:
        kill_tree([p.pid] + kids)


def ppid_of(pid):
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def restore_sibling(work):
    """--restore-sibling: the root's parent is criu's parent, which waits for it."""
    p = subprocess.Popen(["sh", "-c", "sleep 1000 & sleep 1000"], cwd=work,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(0.2)
    pids = [p.pid] + zdtm.tree_pids(p.pid)
    sh = None
    try:
        r = criu(work, "dump", "-t", str(p.pid), "-D", work, "-v4", "-o", "dump.log")
        report(r.returncode == 0, "dump of a tree of %d" % len(pids), r.stdout + r.stderr)
        p.wait()
        zdtm.free_tree_pids(pids[1:], False)
        # criu's parent is a shell that outlives criu: the root must become its child
        # (with -d, as CRIU requires for --restore-sibling)
        sh = subprocess.Popen(["sh", "-c", '"$0" restore -D . -d --restore-sibling -v4 -o '
                               'restore.log; echo $? > rc; exec sleep 1000', CRIU], cwd=work,
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
        rc = os.path.join(work, "rc")
        for _ in range(500):
            if os.path.exists(rc) and os.path.getsize(rc):
                break
            time.sleep(0.01)
        with open(rc) as f:
            code = f.read().strip()
        report(code == "0", "restore --restore-sibling returns at once", "exit " + code)
        ppid = ppid_of(p.pid) if zdtm.proc_state(p.pid) else None
        report(ppid == sh.pid, "the root %d is a child of criu's parent %d" %
               (p.pid, sh.pid), "ppid %s" % ppid)
        report(all(zdtm.proc_state(k) not in (None, "Z") for k in pids), "the tree runs")
    finally:
        kill_tree(pids)
        if sh:
            sh.kill()
            sh.wait()


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(zdtm.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    for case in (demo_setsid, pid_taken, restore_sibling):
        work = tempfile.mkdtemp(prefix="criu-tree-")
        try:
            case(work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
