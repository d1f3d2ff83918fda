#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""criu may die at any instant of a restore, and a second restore must then work. A restore
makes a dumped task's deleted files again at their old paths for the time the tasks open
them: killed in that window (CRIU_FAULT=die-restore-seized), it leaves them there. The next
restore of the same images must take those leftovers away (they are marked as its own), not
fail on "does something exist there now?", and the task must check out. A file at such a
path that is not a leftover of these images must still fail the restore, untouched."""
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
TEST = os.path.join(zdtm.BUILD_DIR, "zdtm", "static", "ghost00")
report = tally.Tally(show_ok=True)


def criu(*args, fault=None):
    env = dict(os.environ)
    env.pop("CRIU_FAULT", None)
    if fault:
        env["CRIU_FAULT"] = fault
    return subprocess.run([CRIU] + list(args), stdin=subprocess.DEVNULL, env=env,
                          capture_output=True, text=True, timeout=60)


def log(work, name):
    with open(os.path.join(work, name)) as f:
        return f.read()


def run_case(work, foreign):
    pidfile, out = os.path.join(work, "pid"), os.path.join(work, "out")
    subprocess.run([TEST, "--pidfile=" + pidfile, "--outfile=" + out],
                   stdin=subprocess.DEVNULL, timeout=30, check=True)
    with open(pidfile) as f:
        pid = int(f.read())
    ghosts = [out + ".sparse", out + ".append"]
    try:
        r = criu("dump", "-t", str(pid), "-D", work, "-v4", "-o", "dump.log")
        report(r.returncode == 0, "dump of ghost00", r.stderr)
        zdtm.reap(pid, 10)
        r = criu("restore", "-D", work, "-d", "-v4", "-o", "restore1.log",
                 fault="die-restore-seized")
        report(r.returncode != 0, "the first restore dies at restore-seized")
        zdtm.reap(pid, 10)
        report(zdtm.proc_state(pid) is None, "nothing of it runs on")
        left = [g for g in ghosts if os.path.exists(g)]
        report(left == ghosts, "it left the deleted files at their paths", str(left))
        if foreign:
            os.unlink(ghosts[0])
            with open(ghosts[0], "w") as f:
                f.write("a file of someone else\n")
        r = criu("restore", "-D", work, "-d", "-v4", "-o", "restore2.log")
        text = log(work, "restore2.log")
        if foreign:
            report(r.returncode != 0 and "does something exist there now?" in text,
                   "a file that is not its leftover fails the restore", text[-1500:])
            with open(ghosts[0]) as f:
                report(f.read() == "a file of someone else\n", "and stays untouched")
            return
        report(r.returncode == 0, "the second restore works", text[-1500:])
        report("a killed restore of these images left" in text, "it says what it removed")
        report(not any(os.path.exists(g) for g in ghosts), "the files are deleted again")
        os.kill(pid, signal.SIGTERM)
        zdtm.reap(pid, 10)
        with open(out) as f:
            result = f.read()
        report("PASS" in result, "the restored task checks out", result)
    finally:
        if zdtm.proc_state(pid) not in (None, "Z"):
            os.kill(pid, signal.SIGKILL)
        zdtm.reap(pid, 10)


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(zdtm.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    for foreign in (False, True):
        work = tempfile.mkdtemp(prefix="criu-ghost-leftover-")
        try:
            run_case(work, foreign)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
