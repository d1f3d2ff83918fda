#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A multi-threaded task (zdtm threads00) stopped with SIGSTOP before the dump must come
back with every thread stopped (state T), run on after SIGCONT, and then pass its own
checks. This script is a child subreaper, so the restored task is its child to reap."""
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


def thread_states(pid):
    """The state letter of every thread, or [] once the task is gone."""
    states = []
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                states.append(f.read().rsplit(")", 1)[1].split()[0])
    except OSError:
        return []
    return sorted(states)


def wait_states(pid, want, timeout=5):
    end = time.time() + timeout
    while True:
        st = thread_states(pid)
        if (st and all(s == want for s in st)) or time.time() > end:
            return st
        time.sleep(0.02)


def reap(pid):
    if zdtm.proc_state(pid) is not None:
        os.kill(pid, signal.SIGKILL)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def check(pid, work):
    os.kill(pid, signal.SIGSTOP)
    st = wait_states(pid, "T")
    report(len(st) == 5 and set(st) == {"T"}, "5 threads stopped before the dump", st)
    r = criu("dump", "-t", str(pid), "-D", work, "-v4", "-o", "dump.log")
    report(r.returncode == 0, "dump of a stopped multi-threaded task", r.stdout + r.stderr)
    os.waitpid(pid, 0)
    r = criu("restore", "-D", work, "-v4", "-o", "restore.log", "-d")
    report(r.returncode == 0, "restore -d", r.stdout + r.stderr)
    st = wait_states(pid, "T")
    report(len(st) == 5 and set(st) == {"T"}, "every restored thread is stopped", st)
    os.kill(pid, signal.SIGCONT)
    st = wait_states(pid, "S")
    report(st and "T" not in st, "after SIGCONT the threads run on", st)
    os.kill(pid, signal.SIGTERM)
    os.waitpid(pid, 0)
    with open(os.path.join(work, "out")) as f:
        out = f.read()
    report("PASS" in out, "the restored test passes its own checks", out)


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(zdtm.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    work = tempfile.mkdtemp(prefix="criu-thr-stopped-")
    subprocess.run([TEST, "--pidfile=" + os.path.join(work, "pid"),
                    "--outfile=" + os.path.join(work, "out")],
                   stdin=subprocess.DEVNULL, timeout=30, check=True)
    with open(os.path.join(work, "pid")) as f:
        pid = int(f.read())
    try:
        check(pid, work)
    finally:
        reap(pid)
        shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
