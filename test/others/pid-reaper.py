#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A dump that kills its task leaves a zombie until the task's parent reaps it; an orphan
waits for init, which can take over a second. A restore run right after the dump (as
scripts do) must wait for that, not fail half-way. This script is a child subreaper, so it
is the dumped task's parent and decides when the zombie goes:
- reaped 1 s after the restore starts: the restore waits, says so, and the task runs on;
- never reaped: the restore fails after its wait, names the pid, and creates nothing;
- the pid held by a live process: the restore fails at once, naming the pid and holder."""
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zdtm  # noqa: E402
import tally  # noqa: E402

CRIU = os.path.join(zdtm.ROOT, "criu", "criu")
TEST = os.path.join(zdtm.BUILD_DIR, "zdtm", "static", "env00")
report = tally.Tally(show_ok=True)


def criu(*args):
    t0 = time.monotonic()
    r = subprocess.run([CRIU] + list(args), stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=60)
    return r, time.monotonic() - t0


def reap(pid):
    if zdtm.proc_state(pid) not in (None, "Z"):
        os.kill(pid, signal.SIGKILL)
    zdtm.reap(pid, 10)


def start_test(work):
    pidfile = os.path.join(work, "test.pid")
    out = os.path.join(work, "out")
    subprocess.run([TEST, "--pidfile=" + pidfile, "--outfile=" + out],
                   stdin=subprocess.DEVNULL, timeout=30, check=True)
    with open(pidfile) as f:
        return int(f.read()), out


def read_log(work, name):
    with open(os.path.join(work, name)) as f:
        return f.read()


def dump(work, pid):
    r, _ = criu("dump", "-t", str(pid), "-D", work, "-v4", "-o", "dump.log")
    report(r.returncode == 0, "dump of task %d" % pid, r.stdout + r.stderr)
    report(zdtm.proc_state(pid) == "Z", "task %d is a zombie nobody reaped yet" % pid,
           "state %s" % zdtm.proc_state(pid))


def slow_reaper(work, pid, out):
    """Reaped 1 s into the restore: the restore waits, and the task runs on and passes."""
    threading.Timer(1.0, os.waitpid, (pid, 0)).start()
    r, took = criu("restore", "-D", work, "-v4", "-o", "restore.log", "-d")
    log = read_log(work, "restore.log")
    report(r.returncode == 0, "the restore succeeds once the zombie is reaped",
           r.stderr + log[-2000:])
    report(took >= 0.9, "it waited for the reaper (%.2f s)" % took)
    report("pid %d is held by a dead task" % pid in log, "the log says what it waited for",
           log[-2000:])
    if r.returncode != 0:
        return
    os.kill(pid, signal.SIGTERM)
    _, status = os.waitpid(pid, 0)
    with open(out) as f:
        result = f.read()
    report(os.waitstatus_to_exitcode(status) == 0 and "PASS" in result,
           "the restored task checks out", result)


def no_reaper(work, pid):
    """Never reaped: the restore gives up after its wait and creates nothing."""
    r, took = criu("restore", "-D", work, "-v4", "-o", "restore.log", "-d")
    log = read_log(work, "restore.log")
    report(r.returncode != 0, "the restore fails while the zombie stays",
           "exit status %d" % r.returncode)
    report("pid %d is still held by a dead task" % pid in log, "the log names the pid",
           log[-2000:])
    report(took < 15, "it gave up in %.1f s" % took)
    report(zdtm.proc_state(pid) == "Z", "the zombie is untouched and nothing was created",
           "state %s" % zdtm.proc_state(pid))


def live_holder(work, pid):
    """The pid held by a live process: the restore fails at once, naming it."""
    holder = None
    for _ in range(50):
        with open("/proc/sys/kernel/ns_last_pid", "w") as f:
            f.write(str(pid - 1))
        p = subprocess.Popen(["sleep", "1000"], stdin=subprocess.DEVNULL)
        if p.pid == pid:
            holder = p
            break
        p.kill()
        p.wait()
    report(holder is not None, "a live process holds pid %d" % pid)
    if holder is None:
        return
    try:
        r, took = criu("restore", "-D", work, "-v4", "-o", "restore.log", "-d")
        log = read_log(work, "restore.log")
        report(r.returncode != 0 and took < 5, "the restore fails at once (%.2f s)" % took,
               "exit status %d" % r.returncode)
        report("pid %d is taken by a running task (sleep" % pid in log,
               "the log names the pid and its holder", log[-2000:])
    finally:
        holder.kill()
        holder.wait()


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(zdtm.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    work = tempfile.mkdtemp(prefix="criu-pid-reaper-")
    pid = None
    try:
        pid, out = start_test(work)
        dump(work, pid)
        slow_reaper(work, pid, out)
        shutil.rmtree(work, ignore_errors=True)
        os.mkdir(work)
        pid, out = start_test(work)
        dump(work, pid)
        no_reaper(work, pid)
        reap(pid)
        live_holder(work, pid)
    finally:
        if pid:
            reap(pid)
        shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
