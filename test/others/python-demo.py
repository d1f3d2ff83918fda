#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""CRIU's Python demo: a script started from a shell prints its pid, a step counter and a
random number at a steady pace. It is dumped with `--shell-job -R` (it keeps running), then
killed, and restored twice in turn from the same images. Each restored copy must go on with
the same pid and the next step, and both must print exactly the same numbers: the
generator's state came back with the memory. Its output file is put back as it was at dump
time before each restore (restore refuses a file whose size changed); a post-dump action
script saves it while the script is still frozen."""
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
SCRIPT = """import os, random, time
step = 0
while True:
    print(os.getpid(), step, random.random(), flush=True)
    step += 1
    time.sleep(0.1)
"""
report = tally.Tally(show_ok=True)


def criu(*args):
    return subprocess.run([CRIU] + list(args), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def stop(pid):
    if alive(pid):
        os.kill(pid, 9)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def lines(path):
    with open(path) as f:
        return [ln.split() for ln in f.read().splitlines()]


def start_demo(work):
    with open(os.path.join(work, "demo.py"), "w") as f:
        f.write(SCRIPT)
    out = subprocess.run(["setsid", "bash", "-c",
                          "python3 %s/demo.py </dev/null >%s/demo.out 2>&1 & echo $!" %
                          (work, work)], stdin=subprocess.DEVNULL, capture_output=True,
                         text=True, check=True)
    time.sleep(0.5)     # the shell exits; the script is our child and has printed a few lines
    return int(out.stdout.strip())


def restore_once(work, images, saved, pid, n):
    """Put the output back as it was at dump time, restore, let it print, kill it."""
    out = os.path.join(work, "demo.out")
    shutil.copy2(saved, out)
    r = criu("restore", "-D", images, "-v4", "-o", "restore-%d.log" % n, "--shell-job", "-d")
    report(r.returncode == 0, "restore #%d --shell-job -d" % n, r.stdout + r.stderr)
    time.sleep(0.6)
    report(alive(pid), "restored copy #%d runs with pid %d" % (n, pid))
    stop(pid)
    return lines(out)[len(lines(saved)):]


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(zdtm.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    work = tempfile.mkdtemp(prefix="criu-python-demo-")
    images = os.path.join(work, "images")
    saved = os.path.join(work, "demo.out.at-dump")
    os.mkdir(images)
    pid = start_demo(work)
    try:
        hook = os.path.join(work, "save-output.sh")
        with open(hook, "w") as f:
            f.write('#!/bin/sh\n[ "$CRTOOLS_SCRIPT_ACTION" != post-dump ] || cp -p %s %s\n' %
                    (os.path.join(work, "demo.out"), saved))
        os.chmod(hook, 0o755)
        r = criu("dump", "-t", str(pid), "-D", images, "-v4", "-o", "dump.log",
                 "--shell-job", "-R", "--action-script", hook)
        report(r.returncode == 0 and os.path.exists(saved), "dump --shell-job -R",
               r.stdout + r.stderr)
        time.sleep(0.3)
        report(alive(pid), "the script runs on after dump -R")
        stop(pid)
        before = lines(saved)
        first = restore_once(work, images, saved, pid, 1)
        second = restore_once(work, images, saved, pid, 2)
        n = min(len(first), len(second))
        report(n >= 2, "each copy printed at least two lines", "%d and %d" % (
            len(first), len(second)))
        report(n and first[0][:2] == [str(pid), str(int(before[-1][1]) + 1)],
               "the first restored line goes on with the same pid and the next step",
               "last before: %s, first after: %s" % (before[-1:], first[:1]))
        report(first[:n] == second[:n], "both restored copies print the same numbers",
               "%s vs %s" % (first[:n], second[:n]))
    finally:
        stop(pid)
        shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
