#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Failure paths: make each named step of dump and restore fail (CRIU_FAULT) and check that
nothing is lost. A failed dump leaves the task running exactly as before (stopped with -s),
writes no inventory.img, and the task still passes its own checks afterwards. A failed
restore leaves no process behind and the images untouched, and a second restore from the
same images works. Uses the zdtm runner's helpers and the maps00 test program; the restore
failures again with pidns00 in the pidns flavour (a tree in its own pid, uts, ipc and time
namespaces), where nothing of the tree may be left either: no task at any of its pids, and
no init of a new namespace adopted by us; with netns00 (a tree in its own network
namespace, with a veth to ours), whose outer veth end must go with its namespace; and with
userns02 (a user namespace: criu's helper holding it must go too) and userns01 (two more
nested below it, each held by a helper of criu's); with
mntns_tmpfs00 in the ns flavour (a mount namespace and a tmpfs too, failing also once the
mounts are made): criu's mounts are as they were; and env00 in the uns flavour (the same,
the mount namespace owned by the tree's user namespace). Each failed restore must end within
FAILED_RESTORE_S seconds.
The instants where criu dies or stops (CRIU_FAULT=die-NAME, stop-NAME) are chaos.py's; every
name the sources pass to fault_injected(), fault_point() or compel_point() must be tested
by one of the two."""
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zdtm  # noqa: E402
import tally  # noqa: E402

CRIU = os.path.join(zdtm.ROOT, "criu", "criu")
DUMP_FAULTS = ["seize", "parasite", "page-transfer", "image-write"]
# after each kind of image is written (and fsync'ed), and the last step before the kill:
# the image set is not complete yet, so the tasks must run on and inventory.img be absent
IMAGE_FAULTS = ["after-image:" + k for k in
                ("pages", "pagemap", "core", "ids", "fs", "mm", "fdinfo", "files", "pstree",
                 "stats-dump", "inventory", "checksums")] + ["before-kill"]
RESTORE_FAULTS = ["restore-fork", "restore-premap", "restorer", "restore-root-gone"]
# Faults that make a step fail stand for that step's own error line; these only set up a
# failure (the root task dies), which must then say itself what failed.
SETUP_FAULTS = ["restore-root-gone"]
# a tree with a mount namespace of its own: the root fails once its mounts are made
NS_RESTORE_FAULTS = ["restore-mntns"]
FAILED_RESTORE_S = 5    # a failed restore ends in milliseconds; this leaves room for load
# faults criu recovers from, tested where they are injected: zdtm's userns05 restores its
# threads through thread-pid-taken (each first clone gets another tid and is made again),
# userns06 through thread-pid-held (the same, criu waiting for the pid's holder to exit)
RECOVERED_FAULTS = ["thread-pid-taken", "thread-pid-held"]
# faults that test/others/ scripts of their own inject: udp-cork.py (criu's nftables table
# goes, the corked datagram is given back)
OTHER_SCRIPT_FAULTS = ["cork-trap"]

report = tally.Tally(show_ok=True)
# the die-/stop- instants, tested by chaos.py
INSTANTS = ["seized", "infect-frames", "infect-mmap-entry", "infect-mmap", "parasite-start",
            "parasite-running", "syscall", "pages", "cure-fini", "cure-unmap", "put-back",
            "restore-seized", "restore-stopped", "restore-detach"]
NAMED = re.compile(r'(?:fault_injected|fault_point|compel_point)\("([^"%]+)"\)|'
                   r'compel_syscall_begin\([^;]*"([^"]+)"\)')


def points_in_sources():
    found = set()
    for top in ("criu", "compel"):
        for d, _, files in os.walk(os.path.join(zdtm.ROOT, top)):
            for name in files:
                if name.endswith(".c"):
                    with open(os.path.join(d, name)) as f:
                        found.update(a or b for a, b in NAMED.findall(f.read()))
    return found


def check_points_tested():
    """A fault point nobody tests is a failure path nobody checked."""
    import chaos
    tested = set(DUMP_FAULTS + IMAGE_FAULTS + RESTORE_FAULTS + NS_RESTORE_FAULTS + INSTANTS +
                 RECOVERED_FAULTS + OTHER_SCRIPT_FAULTS)
    chaos_points = set(chaos.DUMP_POINTS + chaos.RESTORE_POINTS)
    found = points_in_sources()
    why = ["%s is not tested" % p for p in sorted(found - tested)]
    why += ["%s is listed here but not in chaos.py" % p for p in sorted(set(INSTANTS) -
                                                                        chaos_points)]
    why += ["%s is not in the sources" % p for p in sorted(tested - found)
            if not p.startswith("after-image:")]
    report(not why, "every fault point of the sources is tested", "; ".join(why))


def criu(args, fault=None, cwd=None):
    env = dict(os.environ)
    env.pop("CRIU_FAULT", None)
    if fault:
        env["CRIU_FAULT"] = fault
    return subprocess.run([CRIU] + args, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)


def fresh_test(tag, name="zdtm/static/maps00", flavor=None):
    test = zdtm.Test(name, flavor)
    test.work = os.path.join(zdtm.RUN_DIR, "faults-" + tag)
    test.dump_dir = os.path.join(zdtm.DUMP_DIR, "faults-" + tag)
    test.pidfile = os.path.join(test.work, "test.pid")
    test.outfile = os.path.join(test.work, "test.out")
    if "ZDTM_ROOT" in test.test_env:
        os.makedirs(test.test_env["ZDTM_ROOT"], exist_ok=True)
    for d in (test.work, test.dump_dir):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    pid = zdtm.start_test(test)
    return test, pid


def verdict(test, pid):
    problems = zdtm.finish_test(test, pid)
    return "; ".join(problems)


def settled_state(pid, want):
    """The task's state once a stop queued at detach has taken effect (it is asynchronous)."""
    end = time.time() + 2
    state = zdtm.proc_state(pid)
    while want and state != want and state is not None and time.time() < end:
        time.sleep(0.02)
        state = zdtm.proc_state(pid)
    return state


def dump_fault(fault, stopped):
    name = "dump fails at %s%s" % (fault, " (-s)" if stopped else "")
    test, pid = fresh_test(fault)
    try:
        before = zdtm.snapshot(pid)
        opts = ["-s"] if stopped else []
        r = criu(["dump", "-t", str(pid), "-D", test.dump_dir, "-v4", "-o", "dump.log"] +
                 opts, fault)
        state = settled_state(pid, "T" if stopped else None)
        why = []
        if r.returncode == 0:
            why.append("dump succeeded")
        if "Error (" not in r.stderr:
            why.append("no 'Error (file:line)' line on stderr")
        if os.path.exists(os.path.join(test.dump_dir, "inventory.img")):
            why.append("inventory.img written by a failed dump")
        if "before the point of no return" not in r.stderr:
            why.append("the error does not say it failed before the point of no return")
        want = "T" if stopped else "S"
        if state is None or (stopped and state != "T") or (not stopped and state in "TtZX"):
            why.append("task is %s, expected %s" % (state or "gone", want))
        if not why:
            why += zdtm.compare_snapshots(before, zdtm.snapshot(pid), "after failed dump")
        if stopped and state == "T":
            os.kill(pid, signal.SIGCONT)
            time.sleep(0.05)
        if not why and state is not None:
            v = verdict(test, pid)
            if v:
                why.append("test after failed dump: " + v)
        report(not why, name, "; ".join(why))
    finally:
        zdtm.kill_if_ours(pid)
        zdtm.cleanup_children()


def images_digest(d):
    h = hashlib.sha256()
    for name in sorted(os.listdir(d)):
        if name.endswith(".img") or name.startswith("stats-dump"):
            with open(os.path.join(d, name), "rb") as f:
                h.update(name.encode() + f.read())
    return h.hexdigest()


def tree_tids(pids):
    """Every thread of the tasks pids, the leaders included."""
    tids = []
    for pid in pids:
        try:
            tids += [int(t) for t in os.listdir("/proc/%d/task" % pid)]
        except OSError:
            tids.append(pid)
    return tids


def gone_or_left(pids):
    """After our children are reaped, what is still at the tree's pids, a zombie included
    (one holds its pid: the next restore could not have it), given 2 s to go."""
    end = time.time() + 2
    left = pids
    while left and time.time() < end:
        time.sleep(0.02)
        zdtm.cleanup_children()
        left = [p for p in left if zdtm.proc_state(p) is not None]
    return ["pid %d in state %s after our children were reaped" % (p, zdtm.proc_state(p))
            for p in left]


def left_behind(pids):
    """Tasks of a failed restore still there: at the tree's pids, or adopted by us (we are
    the subreaper) in a pid namespace other than ours."""
    left = ["pid %d in state %s" % (p, s) for p, s in ((p, zdtm.proc_state(p)) for p in pids)
            if s is not None and s not in "ZX"]
    mine = os.stat("/proc/self/ns/pid").st_ino
    my_user = os.stat("/proc/self/ns/user").st_ino
    for kid in zdtm.our_children():
        try:
            if os.stat("/proc/%d/ns/pid" % kid).st_ino != mine:
                left.append("task %d in a pid namespace of its own" % kid)
            elif os.stat("/proc/%d/ns/user" % kid).st_ino != my_user:
                left.append("task %d in a user namespace of its own" % kid)
        except OSError:
            pass
    return left


def links_left(names):
    """Links of ours that a failed restore made (a dying namespace frees its veth ends
    asynchronously: given 3 s to go)."""
    end = time.time() + 3
    left = list(names)
    while left and time.time() < end:
        time.sleep(0.05)
        left = [n for n in left
                if subprocess.run(["ip", "link", "show", n], capture_output=True).returncode == 0]
    return ["link %s" % n for n in left]


def own_mounts():
    with open("/proc/self/mountinfo") as f:
        return f.read()


def restore_faults(name="zdtm/static/maps00", flavor=None, links=(), label=None,
                   extra_faults=()):
    tag = "restore" + ("-" + (flavor or label) if flavor or label else "")
    test, pid = fresh_test(tag, name, flavor)
    what = " (%s)" % (flavor or label) if flavor or label else ""
    opts = test.flavor_restore_opts + test.restore_opts
    mounts = own_mounts()
    try:
        pids = tree_tids([pid] + zdtm.tree_pids(pid))
        r = criu(["dump", "-t", str(pid), "-D", test.dump_dir, "-v4", "-o", "dump.log"] +
                 test.dump_opts)
        if r.returncode:
            report(False, "dump for restore faults" + what, r.stderr[-500:])
            return
        zdtm.reap(pid, 10)
        why = gone_or_left(pids)
        if why:
            report(False, "dump for restore faults" + what, "; ".join(why))
            return
        digest = images_digest(test.dump_dir)
        for fault in RESTORE_FAULTS + list(extra_faults):
            start = time.monotonic()
            r = criu(["restore", "-D", test.dump_dir, "-v4", "-o", "restore-%s.log" % fault,
                      "-d"] + opts, fault)
            took = time.monotonic() - start
            time.sleep(0.05)
            why = []
            # criu waited 10 s for the init it had reaped already, while its helper lived
            if took > FAILED_RESTORE_S:
                why.append("the failed restore took %.1f s" % took)
            if r.returncode == 0:
                why.append("restore succeeded")
            elif r.returncode != 1:
                why.append("criu ended with %d, not 1" % r.returncode)
            errors = [ln for ln in r.stderr.splitlines() if "Error (" in ln and
                      (fault not in SETUP_FAULTS or "Fault injected" not in ln)]
            if not errors:
                why.append("no 'Error (file:line)' line on stderr")
            why += ["left behind: " + w for w in left_behind(pids)]
            zdtm.cleanup_children()
            why += ["left behind: " + w for w in gone_or_left(pids)]
            why += ["left behind: " + w for w in links_left(links)]
            if images_digest(test.dump_dir) != digest:
                why.append("images changed")
            if own_mounts() != mounts:
                why.append("our mounts changed")
            report(not why, "restore fails at %s%s" % (fault, what), "; ".join(why))
        r = criu(["restore", "-D", test.dump_dir, "-v4", "-o", "restore.log", "-d"] + opts)
        why = [] if r.returncode == 0 else ["restore after faults failed: " + r.stderr[-300:]]
        if not why:
            v = verdict(test, pid)
            if v:
                why.append(v)
        report(not why, "restore works after failed restores" + what, "; ".join(why))
    finally:
        zdtm.kill_if_ours(pid)
        zdtm.cleanup_children()


def main():
    zdtm.become_subreaper()
    check_points_tested()
    for fault in DUMP_FAULTS + IMAGE_FAULTS:
        dump_fault(fault, False)
    dump_fault("page-transfer", True)
    restore_faults()
    restore_faults("zdtm/static/pidns00", "pidns")
    # a tree in its own network namespace: no veth end of it left in ours either
    restore_faults("zdtm/static/netns00", links=("zdnvo0",), label="netns")
    restore_faults("zdtm/static/mntns_tmpfs00", "ns", extra_faults=NS_RESTORE_FAULTS)
    # a tree in its own user namespace: criu's helper that holds it goes too
    restore_faults("zdtm/static/userns02", label="userns")
    # and with nested ones below it: the helpers that hold those go as well
    restore_faults("zdtm/static/userns01", label="nested-userns")
    # and with its own mount namespace too (the uns flavour): criu's mounts as they were
    restore_faults("zdtm/static/env00", "uns", extra_faults=NS_RESTORE_FAULTS)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
