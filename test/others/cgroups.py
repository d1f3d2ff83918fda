#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""What each --manage-cgroups mode does with the cgroups it finds at restore, seen from
outside, on the cgroup00 test (a task in BASE/inner, its child in BASE, with limits; see
test/zdtm/static/cgroup00.c). Between dump and restore the script changes pids.max of
inner, or removes the test's cgroups, and checks: soft and none keep a changed limit,
props and full set it back; none and props refuse a missing cgroup, strict an existing
one; a cgroup that can't be made, and a restore that fails after the tasks moved in, fail
clearly, kill what they made and remove every cgroup they made. --cgroup-props and
--cgroup-dump-controller change what is saved. --freeze-cgroup dumps a tree frozen by a
v1 freezer and by cgroup2, and thaws it when the dump fails. Every cgroup the script or
the test made is removed at the end."""
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zdtm  # noqa: E402
import tally  # noqa: E402

CRIU = os.path.join(zdtm.ROOT, "criu", "criu")
CRIT = os.path.join(zdtm.ROOT, "crit", "crit")
TEST = os.path.join(zdtm.BUILD_DIR, "zdtm", "static", "cgroup00")
report = tally.Tally(show_ok=True)
made_here = []     # cgroups this script made (freezers), removed at the end


def criu(*args, fault=None):
    env = dict(os.environ)
    env.pop("CRIU_FAULT", None)
    if fault:
        env["CRIU_FAULT"] = fault
    return subprocess.run([CRIU] + list(args), stdin=subprocess.DEVNULL, env=env,
                          capture_output=True, text=True, timeout=60)


def v1_mount(ctl):
    """The mount point of the cgroup v1 hierarchy of ctl, or None."""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, right = line.split(" - ", 1)
            kind, _, opts = right.split()[:3]
            if kind == "cgroup" and ctl in opts.split(","):
                return left.split()[4]
    return None


def v2_mount():
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, right = line.split(" - ", 1)
            if right.split()[0] == "cgroup2":
                return left.split()[4]
    return None


def read(path):
    with open(path) as f:
        return f.read().strip()


def write(path, value):
    with open(path, "w") as f:
        f.write(value)


def tree_of(pid):
    """pid and its descendants."""
    out = [pid]
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
            for kid in f.read().split():
                out += tree_of(int(kid))
    return out


class Run:
    """One cgroup00 task, dumped: its cgroups (from its leftovers), pid, images."""

    def __init__(self, work, dump_opts=(), prepare=None, fault=None):
        self.work = work
        self.img = os.path.join(work, "img")
        os.makedirs(self.img)
        self.out = os.path.join(work, "out")
        pidfile = os.path.join(work, "pid")
        subprocess.run([TEST, "--pidfile=" + pidfile, "--outfile=" + self.out],
                       stdin=subprocess.DEVNULL, timeout=30, check=True)
        self.pid = int(read(pidfile))
        self.dirs = [l.split(" ", 1)[1] for l in read(self.out + ".leftovers").splitlines()
                     if l.startswith("rmdir ")]
        pids = v1_mount("pids")
        self.inner_pids = [d for d in self.dirs if pids and d.startswith(pids + "/") and
                           d.endswith("/inner")]
        self.tree = tree_of(self.pid)
        if prepare:
            prepare(self)
        r = criu("dump", "-t", str(self.pid), "-D", self.img, "-v4", "-o", "dump.log",
                 *dump_opts, fault=fault)
        self.dumped = r.returncode == 0
        self.dump_log = read(os.path.join(self.img, "dump.log"))
        if self.dumped:
            for pid in self.tree:
                zdtm.reap(pid, 10)

    def remove_cgroups(self):
        for d in reversed(self.dirs):
            if os.path.isdir(d):
                os.rmdir(d)

    def restore(self, *opts, fault=None):
        return criu("restore", "-D", self.img, "-d", "-v4", "-o", "restore.log", *opts,
                    fault=fault)

    def log(self):
        return read(os.path.join(self.img, "restore.log"))

    def verdict(self):
        os.kill(self.pid, signal.SIGTERM)
        zdtm.reap(self.pid, 10)
        return read(self.out)

    def cleanup(self):
        for pid in self.tree:
            if zdtm.proc_state(pid) is not None:
                zdtm.kill_and_reap(pid)
        for d in reversed(self.dirs):
            if os.path.isdir(d):
                try:
                    os.rmdir(d)
                except OSError:
                    pass


def case(fn):
    work = tempfile.mkdtemp(prefix="criu-cgroups-")
    run = None
    try:
        run = fn(work)
    finally:
        if run:
            run.cleanup()
        shutil.rmtree(work, ignore_errors=True)


def limit_case(mode, kept):
    """pids.max of inner changed after the dump: kept or set back (77) by mode."""
    def body(work):
        run = Run(work)
        report(run.dumped and run.inner_pids, "%s: dump of cgroup00" % mode)
        if not run.inner_pids:
            return run
        limit = os.path.join(run.inner_pids[0], "pids.max")
        write(limit, "55")
        r = run.restore("--manage-cgroups=" + mode)
        report(r.returncode == 0, "%s: the restore works" % mode, run.log()[-1500:])
        got = read(limit)
        want = "55" if kept else "77"
        report(got == want, "%s: a changed limit is %s" % (mode, "kept" if kept else
                                                            "set back"), got)
        if not kept:
            v = run.verdict()
            report(v.startswith("PASS"), "%s: the restored tasks check out" % mode, v)
        return run
    return body


def refused_case(mode, remove, text):
    """The restore must fail saying text, leave no task and no cgroup of its own."""
    def body(work):
        run = Run(work)
        report(run.dumped, "%s: dump of cgroup00" % mode)
        if remove:
            run.remove_cgroups()
        before = {d: os.path.isdir(d) for d in run.dirs}
        r = run.restore("--manage-cgroups=" + mode)
        log = run.log()
        report(r.returncode != 0 and text in log, "%s: refused, saying '%s'" % (mode, text),
               log[-1500:])
        report(zdtm.proc_state(run.pid) is None, "%s: no task is left" % mode)
        after = {d: os.path.isdir(d) for d in run.dirs}
        report(before == after, "%s: the cgroups are as they were" % mode, str(after))
        return run
    return body


def failed_restore_case(name, opts, fault, text):
    """Cgroups removed; a restore that fails (opts, fault) removes the ones it made."""
    def body(work):
        run = Run(work)
        report(run.dumped, "%s: dump of cgroup00" % name)
        run.remove_cgroups()
        r = run.restore(*opts, fault=fault)
        log = run.log()
        report(r.returncode != 0 and text in log, "%s: fails, saying '%s'" % (name, text),
               log[-1500:])
        report(zdtm.proc_state(run.pid) is None, "%s: no task is left" % name)
        left = [d for d in run.dirs if os.path.isdir(d)]
        report(not left, "%s: no cgroup it made is left" % name, str(left))
        report("Removed the cgroup" in log, "%s: it had made cgroups, and says it removed "
               "them" % name)
        return run
    return body


def props_case(work):
    """--cgroup-props replacing pids' list with none: pids.max is not saved nor set."""
    props = '"pids":\n - "strategy": "replace"\n - "properties": []\n'
    run = Run(work, ["--cgroup-props", props])
    report(run.dumped, "--cgroup-props: dump of cgroup00")
    shown = subprocess.run([CRIT, "show", os.path.join(run.img, "cgroup.img")],
                           capture_output=True, text=True).stdout
    report("pids.max" not in shown and "memory.limit_in_bytes" in shown,
           "--cgroup-props: pids.max is left out, the others saved")
    run.remove_cgroups()
    r = run.restore()
    report(r.returncode == 0, "--cgroup-props: the restore works", run.log()[-1500:])
    if run.inner_pids:
        got = read(os.path.join(run.inner_pids[0], "pids.max"))
        report(got == "max", "--cgroup-props: the new cgroup has the default pids.max", got)
    return run


def dump_controller_case(work):
    """--cgroup-dump-controller memory: only memory is saved; pids stays criu's."""
    run = Run(work, ["--cgroup-dump-controller", "memory"])
    report(run.dumped, "--cgroup-dump-controller: dump of cgroup00")
    shown = subprocess.run([CRIT, "show", os.path.join(run.img, "cgroup.img")],
                           capture_output=True, text=True).stdout
    report('"memory"' in shown and '"pids"' not in shown,
           "--cgroup-dump-controller: only memory is saved")
    r = run.restore()
    report(r.returncode == 0, "--cgroup-dump-controller: the restore works", run.log()[-1500:])
    with open("/proc/%d/cgroup" % run.pid) as f:
        lines = f.read().splitlines()
    mine = open("/proc/self/cgroup").read().splitlines()
    pids_line = [l for l in lines if l.split(":")[1] == "pids"]
    report(pids_line == [l for l in mine if l.split(":")[1] == "pids"],
           "--cgroup-dump-controller: the task is in criu's pids cgroup", str(pids_line))
    mem = [l for l in lines if l.split(":")[1] == "memory"]
    report(mem and mem[0].endswith("/inner"), "--cgroup-dump-controller: and in its memory "
           "cgroup", str(mem))
    return run


def status_field(pid, name):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(name + ":"):
                return line.split()[1]
    return None


def freezer_case(kind):
    """--freeze-cgroup: the tree and a stranger in a freezer cgroup; the dump works (or,
    failing, lets everything run on), the stranger is let go, the freezer is thawed."""
    mnt = v1_mount("freezer") if kind == "v1" else v2_mount()
    state = "freezer.state" if kind == "v1" else "cgroup.freeze"
    thawed = "THAWED" if kind == "v1" else "0"
    if not mnt:
        print("skip - --freeze-cgroup %s: no such hierarchy is mounted" % kind)
        return
    fz = os.path.join(mnt, "zdtm.freeze.%d" % os.getpid())
    os.mkdir(fz)
    made_here.append(fz)
    stranger = subprocess.Popen(["sleep", "1000"])
    write(os.path.join(fz, "cgroup.procs"), str(stranger.pid))

    def into_freezer(run):
        for pid in tree_of(run.pid):
            write(os.path.join(fz, "cgroup.procs"), str(pid))

    for fault in ("parasite", None):
        what = "--freeze-cgroup %s%s" % (kind, ", failing" if fault else "")

        def body(work):
            run = Run(work, ["--freeze-cgroup", fz], into_freezer, fault)
            report("Froze the tree with the freezer cgroup" in run.dump_log,
                   "%s: the tree was frozen" % what, run.dump_log[-1500:])
            report(read(os.path.join(fz, state)) == thawed, "%s: thawed after" % what)
            report(zdtm.proc_state(stranger.pid) in ("S", "R") and
                   status_field(stranger.pid, "TracerPid") == "0",
                   "%s: the task of the cgroup outside the tree runs on, untraced" % what)
            if fault:
                report(not run.dumped and zdtm.proc_state(run.pid) in ("S", "R"),
                       "%s: the tree runs on" % what)
                return run
            report(run.dumped, "%s: the dump works" % what, run.dump_log[-1500:])
            r = run.restore()
            report(r.returncode == 0, "%s: the restore works" % what, run.log()[-1500:])
            v = run.verdict()
            report(v.startswith("PASS"), "%s: the restored tasks check out" % what, v)
            return run
        case(body)
    stranger.kill()
    stranger.wait()


def root_top_case(work):
    """--cgroup-root for a hierarchy where the tree sits at the root ("/"): blkio (the test
    does not touch it) goes to a new cgroup P/a/b (none of them exists), both tasks with
    it."""
    blkio = v1_mount("blkio")
    if not blkio:
        print("skip - --cgroup-root of a root top: no blkio hierarchy")
        return None
    run = Run(work)
    report(run.dumped, "--cgroup-root of a root top: dump of cgroup00")
    # three levels that don't exist: criu makes each
    top = "/zdtm.cgroups-blkio.%d" % os.getpid()
    tag = top + "/a/b"
    made_here.extend([blkio + top, blkio + top + "/a", blkio + tag])
    mine = [l for l in open("/proc/self/cgroup").read().splitlines()
            if l.split(":")[1] == "blkio"]
    if not mine or mine[0].split(":", 2)[2] != "/":
        print("skip - --cgroup-root of a root top: criu is not at blkio's root")
        return run
    r = run.restore("--cgroup-root", "blkio:" + tag)
    report(r.returncode == 0, "--cgroup-root of a root top: the restore works",
           run.log()[-1500:])
    for pid in run.tree:
        with open("/proc/%d/cgroup" % pid) as f:
            where = [l.split(":", 2)[2] for l in f.read().splitlines()
                     if l.split(":")[1] == "blkio"]
        report(where == [tag], "--cgroup-root of a root top: task %d is in %s" % (pid, tag),
               str(where))
    v = run.verdict()
    report(v.startswith("PASS"), "--cgroup-root of a root top: the tasks check out", v)
    return run


def yard_name(fstype, opts):
    """The yard's folder of a hierarchy: its controllers without "name=", or "unified"."""
    if fstype == "cgroup2":
        return "unified"
    skip = ("rw", "ro", "relatime", "nosuid", "nodev", "noexec", "clone_children", "xattr",
            "noprefix", "cpuset_v2_mode", "favordynmods")
    names = [o[5:] if o.startswith("name=") else o for o in opts.split(",")
             if o not in skip and not o.startswith("release_agent=")]
    return ",".join(names)


def yard_case(work):
    """--cgroup-yard: a folder with one link per hierarchy stands for criu's mounts, at
    dump and at restore; a yard without pids fails the restore, naming it."""
    yard = os.path.join(work, "yard")
    os.mkdir(yard)
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, right = line.split(" - ", 1)
            fstype, _, opts = right.split()[:3]
            if fstype in ("cgroup", "cgroup2") and left.split()[3] == "/":
                name = yard_name(fstype, opts)
                if not os.path.exists(os.path.join(yard, name)):
                    os.symlink(left.split()[4], os.path.join(yard, name))
    run = Run(work, ["--cgroup-yard", yard])
    report(run.dumped, "--cgroup-yard: dump of cgroup00 through the yard", run.dump_log[-1500:])
    run.remove_cgroups()
    os.rename(os.path.join(yard, "pids"), os.path.join(yard, "pids.away"))
    r = run.restore("--cgroup-yard", yard)
    log = run.log()
    report(r.returncode != 0 and "has no folder" in log and "'pids'" in log,
           "--cgroup-yard: a yard without pids fails the restore, naming it", log[-1500:])
    os.rename(os.path.join(yard, "pids.away"), os.path.join(yard, "pids"))
    r = run.restore("--cgroup-yard", yard)
    report(r.returncode == 0, "--cgroup-yard: the restore through the yard works",
           run.log()[-1500:])
    if r.returncode == 0:
        v = run.verdict()
        report(v.startswith("PASS"), "--cgroup-yard: the tasks are back in their cgroups "
               "with their limits", v)
    return run


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(zdtm.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    if not os.access(TEST, os.X_OK):
        print("not ok - no %s: run make" % TEST)
        return 1
    if not v1_mount("pids"):
        print("0 passed, 0 failed, 1 skipped")
        print("skip: no cgroup v1 pids hierarchy is mounted (the cases change pids.max)")
        return 77
    try:
        for mode, kept in (("soft", True), ("none", True), ("props", False),
                           ("full", False)):
            case(limit_case(mode, kept))
        case(refused_case("none", True, "needs it made beforehand"))
        case(refused_case("props", True, "needs it made beforehand"))
        case(refused_case("strict", False, "exists already"))
        case(failed_restore_case("a cgroup that can't be made",
                                 ["--cgroup-root", "cpu:/cgroup.procs/zdtm"], None,
                                 "Can't make the cgroup"))
        case(failed_restore_case("a restore failing after the tasks moved in", [],
                                 "restore-premap", "Fault injected at 'restore-premap'"))
        case(props_case)
        case(root_top_case)
        case(yard_case)
        case(dump_controller_case)
        freezer_case("v1")
        freezer_case("v2")
    finally:
        for d in reversed(made_here):
            try:
                os.rmdir(d)
            except FileNotFoundError:
                pass
            except OSError as e:
                report(False, "remove %s" % d, str(e))
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
