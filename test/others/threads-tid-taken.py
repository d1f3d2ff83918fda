#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A multi-threaded task (zdtm threads00) is dumped; then another process takes the id of
one of its threads. The restore must fail with a message naming that thread id, and leave
nothing behind: the task's pid is free again. This script is a child subreaper, so that
whatever criu leaves orphaned is its child to reap."""
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
TEST = os.path.join(zdtm.BUILD_DIR, "zdtm", "static", "threads00")
report = tally.Tally(show_ok=True)


def criu(*args):
    return subprocess.run([CRIU] + list(args), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)


def take_pid(want, tries=50):
    """A sleeping process with pid `want`, made by steering ns_last_pid (root only)."""
    for _ in range(tries):
        with open("/proc/sys/kernel/ns_last_pid", "w") as f:
            f.write(str(want - 1))
        p = subprocess.Popen(["sleep", "1000"], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if p.pid == want:
            return p
        p.kill()
        p.wait()
    return None


def reap(pid):
    if zdtm.proc_state(pid) is not None:
        os.kill(pid, signal.SIGKILL)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def start_test(work):
    pidfile = os.path.join(work, "test.pid")
    subprocess.run([TEST, "--pidfile=" + pidfile, "--outfile=" + os.path.join(work, "out")],
                   stdin=subprocess.DEVNULL, timeout=30, check=True)
    with open(pidfile) as f:
        pid = int(f.read())
    time.sleep(0.1)
    return pid, sorted(int(t) for t in os.listdir("/proc/%d/task" % pid) if int(t) != pid)


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(zdtm.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    work = tempfile.mkdtemp(prefix="criu-tid-taken-")
    holder = None
    pid, tids = start_test(work)
    try:
        r = criu("dump", "-t", str(pid), "-D", work, "-v4", "-o", "dump.log")
        report(r.returncode == 0, "dump of a task with %d threads" % (len(tids) + 1),
               r.stdout + r.stderr)
        reap(pid)
        holder = take_pid(tids[-1])
        report(holder is not None, "another process holds thread id %d" % tids[-1])
        r = criu("restore", "-D", work, "-v4", "-o", "restore.log", "-d")
        with open(os.path.join(work, "restore.log")) as f:
            log = f.read()
        report(r.returncode != 0, "the restore fails", "exit status %d" % r.returncode)
        msg = "thread %d: its tid is taken" % tids[-1]
        report(msg in log, "the log names the taken thread id", log[-2000:])
        time.sleep(0.2)
        report(zdtm.proc_state(pid) is None, "nothing is left of task %d" % pid,
               "state %s" % zdtm.proc_state(pid))
    finally:
        reap(pid)
        if holder:
            holder.kill()
            holder.wait()
        shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
