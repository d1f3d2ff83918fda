#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A pty comes back with its dumped index or not at all: while another process holds that
index, restore must fail naming it and leave nothing behind; once it is free, the same
images restore and the test (zdtm/static/tty00) passes. This script is a child subreaper
so that the daemonized and restored test is its child to reap."""
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
TEST = os.path.join(zdtm.BUILD_DIR, "zdtm", "static", "tty00")
report = tally.Tally(show_ok=True)


def criu(*args):
    return subprocess.run([CRIU] + list(args), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)


def start(work):
    pidfile = os.path.join(work, "pid")
    subprocess.run([TEST, "--pidfile=" + pidfile, "--outfile=" + os.path.join(work, "out")],
                   cwd=work, stdin=subprocess.DEVNULL, check=True, timeout=20)
    time.sleep(0.05)
    return zdtm.read_pidfile(pidfile)


def hold_ptys(n):
    """The n lowest free pty indexes, held open (the test's are among them)."""
    return [os.open("/dev/ptmx", os.O_RDWR | os.O_NOCTTY) for _ in range(n)]


def busy_restore(work, pid):
    held = hold_ptys(8)
    try:
        r = criu("restore", "-D", work, "-v4", "-o", "restore-busy.log", "-d")
    finally:
        for fd in held:
            os.close(fd)
    with open(os.path.join(work, "restore-busy.log")) as f:
        log = f.read()
    report(r.returncode != 0, "restore fails while the pty index is held", "it succeeded")
    report("is in use (/dev/pts/" in log, "the failure names the pty index",
           " | ".join(zdtm.tail(os.path.join(work, "restore-busy.log"), 3)))
    report(zdtm.proc_state(pid) is None, "the failed restore left no task behind",
           "task %d is there" % pid)


def main():
    if not os.access(TEST, os.X_OK):
        print("not ok - no %s: run make" % TEST)
        return 1
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(zdtm.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    work = tempfile.mkdtemp(prefix="criu-tty-index-")
    pid = start(work)
    try:
        r = criu("dump", "-t", str(pid), "-D", work, "-v4", "-o", "dump.log")
        report(r.returncode == 0, "dump of tty00", r.stdout + r.stderr)
        zdtm.reap(pid, zdtm.GONE_TIMEOUT)
        busy_restore(work, pid)
        r = criu("restore", "-D", work, "-v4", "-o", "restore.log", "-d")
        report(r.returncode == 0, "restore once the index is free", r.stdout + r.stderr)
        os.kill(pid, signal.SIGTERM)
        zdtm.reap(pid, zdtm.EXIT_TIMEOUT)
        with open(os.path.join(work, "out")) as f:
            verdict = f.read().strip()
        report(verdict.startswith("PASS"), "tty00 passes after that restore", verdict)
    finally:
        if zdtm.proc_state(pid) is not None:
            zdtm.kill_and_reap(pid)
        shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
