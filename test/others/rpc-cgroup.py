#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The cgroup fields of criu_opts over criu swrk, as runc sends them: a task in a pids
cgroup with pids.max set and in a v1 freezer cgroup is dumped with manage_cgroups,
manage_cgroups_mode, freeze_cgroup, cgroup_props and cgroup_dump_controller, and restored
with manage_cgroups_mode and cg_root: it comes back in the cgroup cg_root names, with its
limit, and the freezer was used. A mode rpc.proto does not have is refused."""
import ctypes
import os
import shutil
import signal
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rpc as base  # noqa: E402  (swrk, one_request, start_task, dump_req)
import zdtm  # noqa: E402
import tally  # noqa: E402

report = tally.Tally(show_ok=True)


def v1_mount(ctl):
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, right = line.split(" - ", 1)
            kind, _, opts = right.split()[:3]
            if kind == "cgroup" and ctl in opts.split(","):
                return left.split()[4]
    return None


def read(path):
    with open(path) as f:
        return f.read().strip()


def write(path, value):
    with open(path, "w") as f:
        f.write(value)


def cgroup_of(pid, ctl):
    with open("/proc/%d/cgroup" % pid) as f:
        for line in f:
            _, ctls, path = line.rstrip("\n").split(":", 2)
            if ctl in ctls.split(","):
                return path
    return None


def run(work, pids, freezer, made):
    tag = "zdtm.rpc-cgroup.%d" % os.getpid()
    cg, moved, fz = (os.path.join(pids, tag), os.path.join(pids, tag + ".moved"),
                     os.path.join(freezer, tag))
    for d in (cg, fz):
        os.mkdir(d)
        made.append(d)
    made.append(moved)
    write(os.path.join(cg, "pids.max"), "42")
    t = base.start_task()
    pid = t.pid
    write(os.path.join(cg, "cgroup.procs"), str(pid))
    write(os.path.join(fz, "cgroup.procs"), str(pid))
    dfd = os.open(work, os.O_DIRECTORY)
    req = base.dump_req(dfd, pid, manage_cgroups=True,
                        manage_cgroups_mode=base.rpc.FULL, freeze_cgroup=fz,
                        cgroup_props='"cpu":\n - "strategy": "merge"\n - "properties": []\n')
    req.opts.cgroup_dump_controller.append("pids")
    req.opts.cgroup_dump_controller.append("freezer")
    resp, _ = base.one_request(req)
    t.wait()
    report(resp and resp.success, "DUMP with the cgroup fields", str(resp))
    log = read(os.path.join(work, "dump.log"))
    report("Froze the tree with the freezer cgroup" in log, "freeze_cgroup froze the tree")
    req = base.rpc.criu_req(type=base.rpc.RESTORE)
    req.opts.images_dir_fd = dfd
    req.opts.log_file = "restore.log"
    req.opts.log_level = 4
    req.opts.rst_sibling = True
    req.opts.manage_cgroups_mode = base.rpc.SOFT
    root = req.opts.cg_root.add()
    root.ctrl = "pids"
    root.path = "/" + tag + ".moved"
    resp, _ = base.one_request(req)
    ok = resp and resp.success and resp.restore.pid == pid
    report(ok, "RESTORE with manage_cgroups_mode and cg_root", str(resp))
    if ok:
        where = cgroup_of(pid, "pids")
        report(where == "/" + tag + ".moved", "the task is in cg_root's cgroup", where)
        got = read(os.path.join(moved, "pids.max"))
        report(got == "42", "with its pids.max", got)
        report(cgroup_of(pid, "freezer") == "/" + tag, "and in its freezer cgroup")
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    os.close(dfd)


def main():
    ctypes.CDLL(None).prctl(zdtm.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    pids, freezer = v1_mount("pids"), v1_mount("freezer")
    if not pids or not freezer:
        print("cgroup v1 pids and freezer hierarchies are needed: skipped")
        return 77
    work = tempfile.mkdtemp(prefix="criu-rpc-cgroup-")
    made = []
    try:
        run(work, pids, freezer, made)
    finally:
        for d in reversed(made):
            try:
                os.rmdir(d)
            except FileNotFoundError:
                pass
            except OSError as e:
                report(False, "remove %s" % d, str(e))
        shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
