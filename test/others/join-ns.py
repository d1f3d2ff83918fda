#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""--join-ns uts|ipc|time at restore (the command line; RPC's criu_opts.join_ns is the same
option, tested by libcriu/crun-sequence.c). A process in uts and ipc namespaces of its own
(host name zdown) is dumped. A holder process sits in other uts and ipc namespaces (host
name zdjoined) and a time namespace with a boottime offset.
- --join-ns uts:PID --join-ns ipc:PATH --join-ns time:PID: the restored process is in the
  holder's three namespaces, which keep their own content (the host name stays zdjoined:
  the images' zdown is not written there);
- without them it comes back in namespaces of its own again, with zdown;
- an ipc namespace's file given as uts, or a kind that can't be joined (pid), fails the
  restore with a message naming the option, leaving no task."""
import ctypes
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zdtm  # noqa: E402
import tally  # noqa: E402

CRIU = os.path.join(zdtm.ROOT, "criu", "criu")
report = tally.Tally(show_ok=True)


def criu(*args):
    return subprocess.run([CRIU] + list(args), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)


def ns(pid, kind):
    try:
        return os.readlink("/proc/%d/ns/%s" % (pid, kind))
    except OSError:
        return None


def hostname(pid):
    return subprocess.run(["nsenter", "-t", str(pid), "-u", "hostname"], capture_output=True,
                          text=True).stdout.strip()


def start(args, name):
    """A sleep in new namespaces (unshare ARGS) whose host name is NAME; its pid."""
    p = subprocess.Popen(["unshare"] + args + ["sh", "-c", "hostname %s; exec sleep 1000" % name],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    end = time.monotonic() + 10
    pid = p.pid
    while time.monotonic() < end:
        kids = open("/proc/%d/task/%d/children" % (p.pid, p.pid)).read().split()
        pid = int(kids[0]) if "--fork" in args and kids else p.pid
        try:
            if open("/proc/%d/comm" % pid).read().strip() == "sleep":
                return p, pid
        except OSError:
            pass
        time.sleep(0.02)
    return p, -1


def refused(img, what, opts, want):
    r = criu("restore", "-D", img, "-d", "-v4", "-o", "restore-bad.log", *opts)
    log = open(os.path.join(img, "restore-bad.log")).read()
    report(r.returncode != 0 and want in log, "%s is refused, naming it" % what,
           r.stderr + log[-800:])


def check_join(img, pid, holder):
    r = criu("restore", "-D", img, "-d", "-v4", "-o", "restore-join.log",
             "--join-ns", "uts:%d" % holder, "--join-ns", "ipc:/proc/%d/ns/ipc" % holder,
             "--join-ns", "time:%d" % holder)
    report(r.returncode == 0, "restore --join-ns uts, ipc and time", r.stderr)
    if r.returncode:
        return
    seen = {k: (ns(pid, k), ns(holder, k)) for k in ("uts", "ipc", "time")}
    report(all(a == b and a for a, b in seen.values()),
           "the restored task is in the holder's uts, ipc and time namespaces", str(seen))
    report(hostname(pid) == "zdjoined", "the joined uts namespace keeps its host name",
           hostname(pid))
    zdtm.kill_and_reap(pid)


def check_own(img, pid, holder):
    r = criu("restore", "-D", img, "-d", "-v4", "-o", "restore-own.log")
    report(r.returncode == 0, "restore without --join-ns", r.stderr)
    if r.returncode:
        return
    own = {k: ns(pid, k) for k in ("uts", "ipc")}
    report(all(own[k] not in (ns(holder, k), ns(os.getpid(), k)) for k in own),
           "without --join-ns the task has uts and ipc namespaces of its own", str(own))
    report(hostname(pid) == "zdown", "its host name is the dumped one", hostname(pid))
    zdtm.kill_and_reap(pid)


def main():
    ctypes.CDLL(None).prctl(zdtm.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    if not shutil.which("unshare") or not os.path.exists("/proc/self/ns/time"):
        print("# SKIP: unshare or time namespaces are missing")
        return 0
    img = tempfile.mkdtemp(prefix="criu-join-ns-")
    hold, holder = start(["--uts", "--ipc", "--time", "--boottime", "86400", "--fork"],
                         "zdjoined")
    task, pid = start(["--uts", "--ipc"], "zdown")
    try:
        report(holder > 0 and pid > 0, "the holder and the task run")
        r = criu("dump", "-t", str(pid), "-D", img, "-v4", "-o", "dump.log")
        report(r.returncode == 0, "dump of a task in uts and ipc namespaces of its own",
               r.stderr)
        task.wait()
        if r.returncode == 0:
            refused(img, "an ipc namespace given as uts",
                    ["--join-ns", "uts:/proc/%d/ns/ipc" % holder], "is not a uts namespace")
            refused(img, "--join-ns pid:PID", ["--join-ns", "pid:%d" % holder], "--join-ns")
            report(zdtm.proc_state(pid) is None, "no task is left after the refusals")
            check_join(img, pid, holder)
            check_own(img, pid, holder)
    finally:
        zdtm.kill_and_reap(pid)
        os.killpg(hold.pid, 9)
        hold.wait()
        shutil.rmtree(img, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
