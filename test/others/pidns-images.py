#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""pstree.img of a tree in its own pid namespace, as CRIU writes it, and the older form.

pidns00 (pidns flavour: pid 1 of its namespace, two children, a grandchild, a thread) is
dumped once (--cow-pages full: CRIU's form of pages). As CRIU does, pstree.img names every task by its pid inside the namespace (the
root is 1), and so do the per-task files (core-1.img, mm-1.img...); ns-pids.img adds each
task's and thread's pid in criu's namespace. Then the set is restored in two other forms:
- rewritten as CRIU 4.2 writes it (no ns-pids.img, no image of ours): the tasks come back
  with their pids inside (NSpid's last entry, getppid() inside, thread ids), under new pids
  in criu's namespace, which CRIU's images do not hold;
- as it is, while a live task holds the root's pid in criu's namespace (pids are reused; a
  set may come from another host): the tree comes back with its pids inside, the root under
  a free pid outside, and the restore says so (it failed before, the pid taken);
- rewritten into the form our criu wrote before (pstree.img and the file names with the
  pids in criu's namespace): the tree comes back with its pids at both levels and pidns00
  passes its own checks (NSpid at both levels, its children's pids, its thread's).
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "images"))
import criuimg  # noqa: E402
import tally  # noqa: E402
import zdtm  # noqa: E402

gen = __import__("importlib").import_module("gen-criu42")
CRIU = os.path.join(zdtm.ROOT, "criu", "criu")
PER_TASK = ("core", "ids", "mm", "pagemap", "fs", "task-extra")
report = tally.Tally(show_ok=True)


def nspid(pid, tid=None):
    path = "/proc/%d/task/%d/status" % (pid, tid or pid)
    with open(path) as f:
        for line in f:
            if line.startswith("NSpid:"):
                return [int(x) for x in line.split()[1:]]
    return []


def tree_shape(root):
    """{pid inside: (ppid inside, [thread ids inside])} of root and its descendants."""
    out, todo = {}, [root]
    while todo:
        pid = todo.pop()
        inner = nspid(pid)[-1]
        with open("/proc/%d/status" % pid) as f:
            ppid = int([ln for ln in f if ln.startswith("PPid:")][0].split()[1])
        tids = sorted(nspid(pid, int(t))[-1] for t in os.listdir("/proc/%d/task" % pid))
        out[inner] = (nspid(ppid)[-1] if pid != root else 0, tids)
        for t in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, t)) as f:
                todo += [int(x) for x in f.read().split()]
    return out


def check_dump(images, d, shape):
    _, tree = images.read(os.path.join(d, "pstree.img"))
    got = {e.pid: (e.ppid, sorted(e.threads)) for e in tree}
    why = [] if got == shape else ["pstree.img %s, the tree inside was %s" % (got, shape)]
    for e in tree:
        for t in e.threads:
            if not os.path.exists(os.path.join(d, "core-%d.img" % t)):
                why.append("no core-%d.img" % t)
    return why


def outer_table(images, d):
    _, ents = images.read(os.path.join(d, "ns-pids.img"))
    return {e.ns_pid[0]: e.pid for e in ents}


def as_older_form(images, d):
    """pstree.img and the per-task file names in criu's namespace, as we wrote them before."""
    out = outer_table(images, d)
    kind, tree = images.read(os.path.join(d, "pstree.img"))
    for e in tree:
        for t in e.threads:
            for k in PER_TASK:
                src = os.path.join(d, "%s-%d.img" % (k, t))
                if os.path.exists(src):
                    os.rename(src, os.path.join(d, "%s-%d.img.new" % (k, out[t])))
        e.pid, e.pgid, e.sid = out[e.pid], out[e.pgid], out[e.sid]
        e.ppid = out[e.ppid] if e.ppid else 0
        e.threads[:] = [out[t] for t in e.threads]
    for f in glob.glob(os.path.join(d, "*.img.new")):
        os.rename(f, f[:-4])
    images.write(os.path.join(d, "pstree.img"), kind, tree)


def restore(d, log):
    pidfile = os.path.join(d, "root.pid")
    r = subprocess.run([CRIU, "restore", "-D", d, "-v4", "-o", log, "-d", "--skip-checksums",
                        "--pidfile", pidfile], stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=60)
    if r.returncode:
        return None, "restore failed: " + r.stderr[-400:]
    with open(pidfile) as f:
        return int(f.read()), None


def restore_inside(d, log, shape):
    """Restore the set in d: (its root, problems of the tree inside), or (None, why)."""
    root, why = restore(d, log)
    if root is None:
        return None, why
    got = tree_shape(root)
    return root, [] if got == shape else ["tree inside %s, not %s" % (got, shape)]


def criu_form_round(images, src, shape, old_root):
    with tempfile.TemporaryDirectory() as d:
        shutil.copytree(src, d, dirs_exist_ok=True)
        os.unlink(os.path.join(d, "ns-pids.img"))
        gen.rewrite(d)
        root, problems = restore_inside(d, "restore-criu.log", shape)
        if root is None:
            report(False, "set rewritten as CRIU 4.2's restores", problems)
            return
        if root == old_root:
            problems.append("pid %d in criu's namespace: CRIU's images don't hold it" % root)
        zdtm.kill_and_reap(root)
        zdtm.cleanup_children()
        report(not problems, "set rewritten as CRIU 4.2's (no ns-pids.img) restores with its "
               "pids inside (root %d outside)" % root, "; ".join(problems))


def set_last_pid(pid):
    with open("/proc/sys/kernel/ns_last_pid", "w") as f:
        f.write(str(pid))


def hold_pid(pid):
    """A child of ours at pid (free now), by setting the last pid given before forking; the
    last pid goes back after it, so that the next forks don't take the old tree's others."""
    with open("/proc/sys/kernel/ns_last_pid") as f:
        last = int(f.read())
    try:
        for _ in range(20):
            set_last_pid(pid - 1)
            kid = os.fork()
            if kid == 0:
                time.sleep(120)
                os._exit(0)
            if kid == pid:
                return kid
            zdtm.kill_and_reap(kid)
        return None
    finally:
        set_last_pid(max(last, pid))


def taken_outer_round(src, shape, old_root):
    holder = hold_pid(old_root)
    if holder is None:
        report(False, "a task holds the root's old pid", "can't fork at pid %d" % old_root)
        return
    try:
        with tempfile.TemporaryDirectory() as d:
            shutil.copytree(src, d, dirs_exist_ok=True)
            root, problems = restore_inside(d, "restore-taken.log", shape)
            if root is None:
                report(False, "set restores while its root's pid outside is taken", problems)
                return
            with open(os.path.join(d, "restore-taken.log")) as f:
                if "is taken by a running task" not in f.read():
                    problems.append("the restore log does not say the pid was taken")
            zdtm.kill_and_reap(root)
            report(not problems and root != old_root, "set restores while a live task holds "
                   "its root's pid %d outside: its pids inside kept, root %d outside" %
                   (old_root, root), "; ".join(problems))
    finally:
        zdtm.kill_and_reap(holder)
        zdtm.cleanup_children()


def older_form_round(images, test, pid, before):
    as_older_form(images, test.dump_dir)
    root, why = restore(test.dump_dir, "restore-old.log")
    problems = [why] if why else []
    if root is not None and root != pid:
        problems.append("root restored as %d, not %d" % (root, pid))
    if not problems:
        problems = zdtm.compare_snapshots(before, zdtm.snapshot(pid), "after restore",
                                          test.unstable)
        problems += zdtm.finish_test(test, pid)
    report(not problems, "set in our older form (pids of criu's namespace) restores, pidns00 "
           "passes", "; ".join(problems))


def main():
    zdtm.become_subreaper()
    images = criuimg.Images()
    test = zdtm.Test("zdtm/static/pidns00", "pidns")
    test.dump_dir = tempfile.mkdtemp(prefix="pidns-images.")
    shutil.rmtree(test.work, ignore_errors=True)
    os.makedirs(test.work)
    pid = zdtm.start_test(test)
    try:
        before, shape = zdtm.snapshot(pid), tree_shape(pid)
        # every task's pages its own, as CRIU writes them (Documentation/cow-images.md)
        zdtm.run_criu(["dump", "-t", str(pid), "-D", test.dump_dir, "-v4", "-o", "dump.log",
                       "--cow-pages", "full"], test, "dump", CRIU)
        zdtm.reap(pid, 10)
        why = check_dump(images, test.dump_dir, shape)
        report(not why, "pstree.img and core-N.img name the tasks by their pids inside "
               "(root 1)", "; ".join(why))
        criu_form_round(images, test.dump_dir, shape, pid)
        taken_outer_round(test.dump_dir, shape, pid)
        older_form_round(images, test, pid, before)
    except zdtm.TestFailure as e:
        report(False, "pidns00 dumped and restored", "; ".join(e.lines()))
    finally:
        zdtm.kill_if_ours(pid)
        zdtm.cleanup_children()
        shutil.rmtree(test.dump_dir, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
