#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Chaos: criu dies at random moments of a dump or a restore, and no task may be lost.

Four workloads run side by side (chaos_workloads.py): 256 MiB of patterned memory, a Python
process, a tree of three processes passing tokens round a ring of pipes, and a small
patterned process that unmapped its vdso. Each trial starts
criu on one of them and, at a moment drawn uniformly over that workload's measured run time:
- dump-kill: SIGKILLs `criu dump`;
- dump-stop: SIGSTOPs it for longer than --timeout (the parasite must let the task go by
  itself meanwhile), then SIGKILLs it;
- restore-kill: SIGKILLs `criu restore` of a complete dump.
After a dump trial every task either runs on unharmed (not traced, not stopped, the same
signal mask, fds and mappings, nothing of criu's mapped, and it checks itself whole and has
made progress), or it is gone with images that restore into a tree that checks itself
whole. After a restore trial nothing of the tree is left running and the images are
byte for byte as before, and the next restore works, or (criu killed after it let the tree
go) the whole tree runs and checks itself whole. Anything else is a lost task.

First criu dies, or stops past --timeout, at each named instant (CRIU_FAULT=die-NAME,
stop-NAME; criu/fault.c) of a dump and a restore of each workload, with the same checks.

Usage: chaos.py [--trials N] [--seed S] [--no-points]; prints the figures and
"N passed, N failed".
"""
import argparse
import collections
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zdtm  # noqa: E402
import tally  # noqa: E402
import chaos_workloads as cw  # noqa: E402

CRIU = os.path.join(zdtm.ROOT, "criu", "criu")
WORK = os.path.join(zdtm.RUN_DIR, "chaos")
TIMEOUT = 1          # criu --timeout (s): the parasite leaves a stopped criu after this
STOP_EXTRA = 1.0     # how much longer than --timeout a dump-stop trial keeps criu stopped
KINDS = (("dump-kill", 60), ("dump-stop", 15), ("restore-kill", 25))

report = tally.Tally(show_ok=False)
figures = collections.Counter()


def images_digest(d):
    h = hashlib.sha256()
    for name in sorted(os.listdir(d)):
        if name.endswith(".img"):
            with open(os.path.join(d, name), "rb") as f:
                h.update(name.encode() + b"\0" + f.read())
    return h.hexdigest()


def clear_images(wl):
    shutil.rmtree(wl.images, ignore_errors=True)
    os.makedirs(wl.images)


def criu_env(fault):
    env = dict(os.environ)
    env.pop("CRIU_FAULT", None)
    if fault:
        env["CRIU_FAULT"] = fault
    return env


def criu_dump(wl, extra=(), fault=None):
    return subprocess.Popen([CRIU, "dump", "-t", str(wl.root), "-D", wl.images, "-o", "dump.log",
                             "-v4", "--timeout", str(TIMEOUT)] + list(extra),
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=criu_env(fault))


def criu_restore(wl, fault=None):
    return subprocess.Popen([CRIU, "restore", "-D", wl.images, "-d", "-o", "restore.log", "-v4"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=criu_env(fault))


def timed(proc):
    start = time.monotonic()
    rc = proc.wait(timeout=120)
    return rc, time.monotonic() - start


def log_tail(wl, name):
    return " | ".join(zdtm.tail(os.path.join(wl.images, name), 5))


def pid_taken(wl):
    """
    The restore failed because another process holds a pid of the tree: with pid_max 32768
    and a busy machine the pid counter comes round, and may give a freed pid of the tree to
    anyone, the restoring criu included. The images are not at fault: try again.
    """
    return any("is taken by another process" in line
               for line in zdtm.tail(os.path.join(wl.images, "restore.log"), 5))


def full_restore(wl, what):
    """Restore to the end; the problems, [] when the tree is back and whole."""
    for attempt in range(3):
        rc, took = timed(criu_restore(wl))
        if not rc or attempt == 2 or not pid_taken(wl):
            break
        figures["restore again: a pid was taken"] += 1
        time.sleep(0.2)
    if rc:
        return ["%s: restore failed (%d): %s" % (what, rc, log_tail(wl, "restore.log"))]
    wl.durations["restore"] = max(wl.durations.get("restore", 0), took)
    problems = wl.ask()
    return ["%s: restored tree: %s" % (what, p) for p in problems]


def measure(wl):
    """One dump that leaves the tree running and one full dump + restore, timed."""
    clear_images(wl)
    rc, took = timed(criu_dump(wl, ["-R"]))
    if rc:
        raise RuntimeError("%s: dump -R failed: %s" % (wl.name, log_tail(wl, "dump.log")))
    wl.durations = {"dump": took}
    problems = wl.ask()
    problems += complete_dump(wl)
    if problems:
        raise RuntimeError("%s: %s" % (wl.name, "; ".join(problems)))


def complete_dump(wl):
    """Dump to the end (the tree dies), then restore it: the problems."""
    clear_images(wl)
    rc, took = timed(criu_dump(wl))
    if rc:
        return ["dump failed (%d): %s" % (rc, log_tail(wl, "dump.log"))]
    wl.durations["dump"] = max(wl.durations["dump"], took)
    for pid in wl.pids:
        if not cw.gone(pid, 10):
            return ["%d still runs after a complete dump" % pid]
    return full_restore(wl, "after a complete dump")


def run_then_strike(proc, delay, stop, pids=()):
    """Let criu run `delay` s, then stop (for a while) and kill it. True if it ended first."""
    try:
        proc.wait(timeout=delay)
        return True
    except subprocess.TimeoutExpired:
        pass
    if stop:
        proc.send_signal(signal.SIGSTOP)
        time.sleep(TIMEOUT + STOP_EXTRA)
        # a task the parasite had let go runs although criu, its tracer, is stopped
        if any(cw.status_field(pid, "TracerPid") == str(proc.pid) and
               zdtm.proc_state(pid) not in ("t", "T", None) for pid in pids):
            figures["ran on while criu was stopped"] += 1
    proc.kill()
    proc.wait()
    return False


def check_survivors(wl, before):
    """Every task of the tree runs on as it was; the problems."""
    problems = []
    for pid in wl.pids:
        deadline = time.monotonic() + 5
        while cw.status_field(pid, "TracerPid") not in ("0", None):
            if time.monotonic() > deadline:
                problems.append("%d still traced" % pid)
                break
            time.sleep(0.01)
        state = zdtm.proc_state(pid)
        if state in ("T", "t"):
            problems.append("%d is stopped (%s)" % (pid, state))
            continue
        problems += ["%d: %s" % (pid, p)
                     for p in settled(pid, before[pid], wl.name in ("mem", "novdso"))]
    return problems + wl.ask()


def settled(pid, before, exact_maps):
    """A parasite orphaned by criu leaves a moment later: give it that moment."""
    deadline = time.monotonic() + 3
    while True:
        problems = cw.compare(before, cw.snapshot(pid), exact_maps)
        if not problems or time.monotonic() > deadline:
            return problems
        time.sleep(0.01)


def dump_trial(wl, stop):
    before = {pid: cw.snapshot(pid) for pid in wl.pids}
    clear_images(wl)
    delay = random.uniform(0, wl.durations["dump"])
    finished = run_then_strike(criu_dump(wl), delay, stop, wl.pids)
    complete = os.path.exists(os.path.join(wl.images, "inventory.img"))
    dying = [pid for pid in wl.pids if cw.dying(pid)]
    if not dying:
        # whether or not the images got complete, the tree must be as it was
        problems = check_survivors(wl, before)
        figures["tasks ran on"] += 0 if problems else 1
        return problems
    if not complete:
        return ["%d of %d tasks died and the images are incomplete (criu %s at %.3f s): %s" %
                (len(dying), len(wl.pids), "finished" if finished else "killed", delay,
                 log_tail(wl, "dump.log"))]
    figures["dumped, restored"] += 1
    wl.kill()
    return full_restore(wl, "after the dump was complete")


def strays(wl):
    return [pid for pid in wl.pids if not cw.gone(pid, 5)]


def restore_trial(wl):
    problems = complete_dump_only(wl)
    if problems:
        return problems
    digest = images_digest(wl.images)
    delay = random.uniform(0, wl.durations.get("restore", 0.2))
    if run_then_strike(criu_restore(wl), delay, False):
        figures["restore finished first"] += 1
        problems = wl.ask()
        if not problems:
            return []
        wl.kill()
    elif not any(cw.dying(pid) for pid in wl.pids) and not wl.ask():
        # killed after it had let the whole tree go (it writes stats-restore, frees, exits)
        figures["restore complete before the kill"] += 1
        return []
    else:
        left = strays(wl)
        if left:
            problems.append("left running after criu died: %s" % left)
            for pid in left:
                zdtm.kill_and_reap(pid)
        figures["restore killed, nothing left"] += 0 if left else 1
    if images_digest(wl.images) != digest:
        problems.append("images changed")
    return problems + full_restore(wl, "second restore")


def complete_dump_only(wl):
    clear_images(wl)
    rc, _ = timed(criu_dump(wl))
    if rc:
        return ["dump for a restore trial failed (%d): %s" % (rc, log_tail(wl, "dump.log"))]
    for pid in wl.pids:
        if not cw.gone(pid, 10):
            return ["%d still runs after a complete dump" % pid]
    return []


def one_trial(i, wl, kind):
    name = "trial %d: %s %s" % (i, kind, wl.name)
    if kind == "restore-kill":
        problems = restore_trial(wl)
    else:
        problems = dump_trial(wl, kind == "dump-stop")
    figures[kind] += 1
    if problems:
        figures["lost"] += 1
        figures["lost in " + kind] += 1
    report(not problems, name, "; ".join(problems))
    return not problems


# Instants where criu dies (CRIU_FAULT=die-NAME, criu/fault.c), in the order a dump meets them.
DUMP_POINTS = ("seized", "infect-frames", "infect-mmap-entry", "infect-mmap", "parasite-start",
               "parasite-running", "syscall", "pages", "cure-fini", "cure-unmap", "put-back")
# criu stopped there: the parasite must let the task go by itself after --timeout
STOP_POINTS = ("parasite-running", "pages", "cure-fini")
# A tree's detach is not atomic: see "restore-detach" in the README; single tasks only.
RESTORE_POINTS = ("restore-seized", "restore-stopped", "restore-detach")


def stopped(proc, timeout):
    """Wait until criu stopped itself; False if it ended instead or took too long."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if zdtm.proc_state(proc.pid) == "T":
            return True
        time.sleep(0.005)
    return False


def switches(pid):
    return sum(int(cw.status_field(pid, k) or 0)
               for k in ("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"))


def ran_while_stopped(wl, before):
    """
    criu stopped past --timeout: the task the parasite was in runs its own code again (the
    others stay seized, as they were). criu is still its tracer, so a signal would stop it:
    it is watched through /proc only. Sleeping in its own code is running too.
    """
    time.sleep(TIMEOUT + STOP_EXTRA)
    running = [pid for pid in wl.pids if zdtm.proc_state(pid) not in ("t", "T", None)]
    if not running:
        return ["no task runs while criu is stopped: the parasite did not let go"]
    problems = []
    for pid in running:
        problems += ["%d: %s" % (pid, p) for p in settled(pid, before[pid], False)]
        count = switches(pid)
        time.sleep(0.1)
        if switches(pid) == count and zdtm.proc_state(pid) != "S":
            problems.append("%d does not run while criu is stopped" % pid)
    return problems


def dump_point(wl, point, stop):
    before = {pid: cw.snapshot(pid) for pid in wl.pids}
    clear_images(wl)
    proc = criu_dump(wl, fault=("stop-" if stop else "die-") + point)
    problems = []
    if stop:
        if stopped(proc, 30):
            problems = ran_while_stopped(wl, before)
        proc.kill()
    rc = proc.wait()
    if rc != -signal.SIGKILL:
        problems.append("criu ended with %d instead of dying at %s: %s" %
                        (rc, point, log_tail(wl, "dump.log")))
        if not any(cw.alive(pid) for pid in wl.pids):
            return problems + full_restore(wl, "after the dump")
    return problems + check_survivors(wl, before)


def restore_point(wl, point):
    problems = complete_dump_only(wl)
    if problems:
        return problems
    digest = images_digest(wl.images)
    rc = criu_restore(wl, fault="die-" + point).wait()
    if rc != -signal.SIGKILL:
        problems.append("criu ended with %d instead of dying at %s" % (rc, point))
    living = [pid for pid in wl.pids if cw.alive(pid)]
    if point == "restore-detach" and len(living) == len(wl.pids):
        problems += wl.ask()        # it was complete: it must be whole
    elif strays(wl):
        problems.append("left running after criu died: %s" % living)
    if images_digest(wl.images) != digest:
        problems.append("images changed")
    if any(cw.alive(pid) for pid in wl.pids):
        return problems
    return problems + full_restore(wl, "second restore")


def points_pass(workloads):
    """criu dies (or stops) at each named instant: deterministic, before the random trials."""
    for wl in workloads:
        # "syscall": every task meets it (the MDWE audit's prctl), the threads of python too
        runs = [("die", p) for p in DUMP_POINTS]
        runs += [("stop", p) for p in STOP_POINTS]
        runs += [("restore", p) for p in RESTORE_POINTS if len(wl.pids) == 1]
        for how, point in runs:
            if how == "restore":
                problems = restore_point(wl, point)
            else:
                problems = dump_point(wl, point, how == "stop")
            figures["points"] += 1
            if problems:
                figures["lost"] += 1
                figures["lost at a point"] += 1
            report(not problems, "%s at %s: %s" % (how, point, wl.name), "; ".join(problems))
            if problems:
                wl.kill()
                reap_zombies()
                wl.start()


def reap_zombies():
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                return
        except ChildProcessError:
            return


def pick_kind():
    total = sum(w for _, w in KINDS)
    r = random.uniform(0, total)
    for kind, w in KINDS:
        r -= w
        if r <= 0:
            return kind
    return KINDS[-1][0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=30)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--no-points", action="store_true", help="random trials only")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else int(time.time())
    random.seed(seed)
    if not os.access(cw.MEM_BIN, os.X_OK):
        print("no %s: run make" % cw.MEM_BIN)
        return 77
    zdtm.become_subreaper()
    shutil.rmtree(WORK, ignore_errors=True)
    workloads = [cw.Workload(n, WORK) for n in ("mem", "python", "tree", "novdso")]
    start = time.monotonic()
    try:
        for wl in workloads:
            wl.start()
            measure(wl)
            print("# %s: %d task(s), dump %.3f s, restore %.3f s" %
                  (wl.name, len(wl.pids), wl.durations["dump"], wl.durations["restore"]))
        if not args.no_points:
            points_pass(workloads)
        for i in range(args.trials):
            wl = workloads[i % len(workloads)]
            if not one_trial(i, wl, pick_kind()):
                # start again from a whole tree
                wl.kill()
                reap_zombies()
                wl.start()
    finally:
        for wl in workloads:
            wl.kill()
        zdtm.cleanup_children()
    print("# seed %d, %d trials in %.0f s" % (seed, args.trials, time.monotonic() - start))
    for key in sorted(figures):
        print("# %-30s %d" % (key, figures[key]))
    print("# lost tasks: %d" % figures["lost"])
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
