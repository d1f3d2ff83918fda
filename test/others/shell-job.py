#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""CRIU's demo: a shell runs `sleep 1000 &` and exits; the sleep lives on in the shell's
session. Without --shell-job the dump is refused with a message naming the option and the
sleep runs on; `dump -j` then `restore -j -d` bring the sleep back with its pid, running,
in criu's session. This script is a child subreaper so the orphaned sleep is its child and
its pid is free again as soon as the dump has killed it."""
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


def status_field(pid, key):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return {"state": fields[0], "pgid": int(fields[2]), "sid": int(fields[3])}[key]


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return None


def start_job(work):
    out = subprocess.run(["setsid", "bash", "-c",
                          "sleep 1000 </dev/null >%s/sleep.out 2>&1 & echo $!" % work],
                         stdin=subprocess.DEVNULL, capture_output=True, text=True,
                         check=True)
    pid = int(out.stdout.strip())
    time.sleep(0.2)     # the shell exits and the sleep becomes our child
    return pid


def reap(pid):
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(zdtm.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    work = tempfile.mkdtemp(prefix="criu-shell-job-")
    pid = start_job(work)
    try:
        report(status_field(pid, "sid") not in (None, pid), "the sleep is a shell job",
               "sid %s" % status_field(pid, "sid"))
        r = criu("dump", "-t", str(pid), "-D", work, "-v4", "-o", "dump-nojob.log")
        report(r.returncode != 0 and "--shell-job" in r.stdout + r.stderr
               and status_field(pid, "state") in ("S", "R"),
               "dump without -j is refused, naming --shell-job", r.stdout + r.stderr)
        r = criu("dump", "-t", str(pid), "-D", work, "-v4", "-o", "dump.log", "--shell-job")
        report(r.returncode == 0, "dump --shell-job", r.stdout + r.stderr)
        reap(pid)
        r = criu("restore", "-D", work, "-v4", "-o", "restore.log", "--shell-job", "-d")
        report(r.returncode == 0, "restore --shell-job -d", r.stdout + r.stderr)
        time.sleep(0.2)
        report(comm(pid) == "sleep" and status_field(pid, "state") == "S",
               "the sleep runs again with pid %d" % pid,
               "comm %s state %s" % (comm(pid), status_field(pid, "state")))
        report(status_field(pid, "sid") == os.getsid(0),
               "the restored sleep is in criu's session",
               "sid %s, ours %d" % (status_field(pid, "sid"), os.getsid(0)))
    finally:
        if comm(pid) is not None:
            os.kill(pid, 9)
            reap(pid)
        shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
