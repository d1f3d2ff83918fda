#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A dump into a file system a few pages too small must fail and leave the tasks running,
never exit 0 with a lost task.

For each workload (workloads.py: a memory-heavy process, a python3 process, a 3-process tree
with pipes), a dump with -R measures the pages the image set takes; then dumps go into a
tmpfs 1 to MAX_SHORT pages smaller. Each one that fails must say so before the point of no
return, leave no inventory.img, and leave every task running; the workload then checks its
own state at the end. A dump that exits 0 (the set happened to fit) must have killed the
tree and its images must restore a tree that finds itself intact.
NEARFULL_SHORT=N (default 8) sets how many sizes are tried."""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zdtm  # noqa: E402
import tally  # noqa: E402
import workloads  # noqa: E402

CRIU = os.environ.get("CRIU", os.path.join(zdtm.ROOT, "criu", "criu"))
PAGE = 4096
MAX_SHORT = int(os.environ.get("NEARFULL_SHORT", "8"))
report = tally.Tally(show_ok=True)


def criu(*args):
    return subprocess.run([CRIU] + list(args), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120)


def pages_needed(pid, work):
    d = tempfile.mkdtemp(dir=work, prefix="measure.")
    r = criu("dump", "-t", str(pid), "-D", d, "-R", "-o", os.path.join(work, "measure.log"))
    if r.returncode:
        raise RuntimeError("measuring dump failed: " + r.stderr[-500:])
    n = sum((os.path.getsize(os.path.join(d, f)) + PAGE - 1) // PAGE for f in os.listdir(d))
    shutil.rmtree(d)
    return n


def one_dump(kind, pid, pids, work, mnt, short, need):
    """Returns the (pid, pids) to go on with: a successful dump restores a new tree."""
    name = "%s: tmpfs %d page(s) short" % (kind, short)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%d" % ((need - short) * PAGE),
                    "tmpfs", mnt], check=True)
    try:
        log = os.path.join(work, "dump-%s-%d.log" % (kind, short))
        r = criu("dump", "-t", str(pid), "-D", mnt, "-o", log)
        why = []
        if r.returncode != 0:
            if not workloads.running(pids):
                why.append("a task was lost: %s" % [(p, zdtm.proc_state(p)) for p in pids])
            if os.path.exists(os.path.join(mnt, "inventory.img")):
                why.append("inventory.img left by the failed dump")
            if "before the point of no return" not in r.stderr:
                why.append("the error does not say which side of the point of no return")
            report(not why, name + ": the dump fails, the tasks run on", "; ".join(why))
            return pid, pids
        # it fitted: the tree is gone and the set must restore it intact
        r2 = criu("restore", "-D", mnt, "-d", "-o", log + ".restore")
        ok = r2.returncode == 0 and workloads.finish(pid)
        report(ok, name + ": the dump fitted, its images restore an intact tree",
               r2.stderr[-300:])
        return workloads.start(kind, work)
    finally:
        subprocess.run(["umount", mnt], check=True)


def run_workload(kind, work):
    mnt = os.path.join(work, "mnt")
    os.makedirs(mnt, exist_ok=True)
    pid, pids = workloads.start(kind, work)
    try:
        need = pages_needed(pid, work)
        print("# %s: its image set takes %d pages" % (kind, need))
        for short in range(1, MAX_SHORT + 1):
            pid, pids = one_dump(kind, pid, pids, work, mnt, short, need)
        report(workloads.finish(pid), "%s: intact after %d tries" % (kind, MAX_SHORT))
    finally:
        workloads.kill_tree(pids)
        zdtm.cleanup_children()


def main():
    zdtm.become_subreaper()
    work = tempfile.mkdtemp(prefix="criu-nearfull.")
    try:
        for kind in ("memhog", "python", "tree"):
            run_workload(kind, work)
    finally:
        subprocess.run(["umount", os.path.join(work, "mnt")], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
