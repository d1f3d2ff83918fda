#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A task stopped with SIGSTOP before the dump must come back stopped (state T) with its
pid, and run on after SIGCONT. This script is a child subreaper so that the restored task,
orphaned when criu exits, is its child to reap.

Second case: a task stopped inside a blocking read() (stopped-reader.c). The kernel keeps it
stopped inside the syscall; a SIGTERM with a handler (no SA_RESTART) and then SIGCONT end the
read with EINTR. A restore that leaves the task on the syscall instruction instead runs the
handler there and then starts the read again, which waits forever."""
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
report = tally.Tally(show_ok=True)


def criu(*args):
    return subprocess.run([CRIU] + list(args), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)


def wait_state(pid, want, timeout=5):
    end = time.time() + timeout
    while True:
        st = zdtm.proc_state(pid)
        if st == want or time.time() > end:
            return st
        time.sleep(0.02)


# blocks in read() with a SIGTERM handler; exits 7 when read() returns EINTR
READER = os.path.join(zdtm.BUILD_DIR, "others", "stopped-reader")


def wchan(pid):
    try:
        with open("/proc/%d/wchan" % pid) as f:
            return f.read().strip()
    except OSError:
        return None


def exit_code(pid, timeout):
    """The exit status of our child pid within timeout seconds, or None if it lives on."""
    try:
        status = zdtm.reap(pid, timeout)
    except zdtm.TestFailure:
        return None
    return None if status is None else os.waitstatus_to_exitcode(status)


def stopped_in_read(work, through_criu):
    """SIGSTOP a reader in read(), maybe dump and restore it, then SIGTERM and SIGCONT."""
    p = subprocess.Popen([READER], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         close_fds=True, start_new_session=True)
    pid = p.pid
    how = "after a restore" if through_criu else "without criu (the kernel's behaviour)"
    try:
        end = time.time() + 5
        while wchan(pid) != "anon_pipe_read" and time.time() < end:
            time.sleep(0.02)
        os.kill(pid, signal.SIGSTOP)
        report(wait_state(pid, "T") == "T", "the reader is stopped in read() (%s)" % how)
        if through_criu:
            r = criu("dump", "-t", str(pid), "-D", work, "-v4", "-o", "dump-read.log")
            report(r.returncode == 0, "dump of a task stopped in read()", r.stdout + r.stderr)
            p.wait()
            r = criu("restore", "-D", work, "-v4", "-o", "restore-read.log", "-d")
            report(r.returncode == 0, "restore -d of it", r.stdout + r.stderr)
            report(wait_state(pid, "T") == "T", "the restored reader is stopped")
            if r.returncode:
                return
        os.kill(pid, signal.SIGTERM)
        os.kill(pid, signal.SIGCONT)
        code = exit_code(pid, 5)
        report(code == 7, "SIGTERM then SIGCONT: read() returns EINTR (%s)" % how,
               "exit code %s (None: still waiting in read)" % code)
    finally:
        if zdtm.proc_state(pid) is not None:
            os.kill(pid, signal.SIGKILL)
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(zdtm.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    work = tempfile.mkdtemp(prefix="criu-stopped-")
    stopped_in_read(work, False)
    stopped_in_read(work, True)
    p = subprocess.Popen(["sleep", "1000"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         close_fds=True, start_new_session=True)
    pid = p.pid
    try:
        time.sleep(0.1)
        os.kill(pid, signal.SIGSTOP)
        report(wait_state(pid, "T") == "T", "the task is stopped before the dump")
        r = criu("dump", "-t", str(pid), "-D", work, "-v4", "-o", "dump.log")
        report(r.returncode == 0, "dump of a stopped task", r.stdout + r.stderr)
        p.wait()
        r = criu("restore", "-D", work, "-v4", "-o", "restore.log", "-d")
        report(r.returncode == 0, "restore -d", r.stdout + r.stderr)
        time.sleep(0.2)
        st = zdtm.proc_state(pid)
        report(st == "T", "the restored task %d is stopped (T)" % pid, "state %s" % st)
        os.kill(pid, signal.SIGCONT)
        st = wait_state(pid, "S")
        report(st == "S", "after SIGCONT it sleeps on", "state %s" % st)
    finally:
        if zdtm.proc_state(pid) is not None:
            os.kill(pid, signal.SIGKILL)
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
