#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Repeated cycles must not fragment memory. A python3 process that allocates (malloc, so
its brk heap) between cycles, keeping the last 2 MB of it, is dumped and restored
VMA_CYCLES times (default 50). Its VMA count must stay flat: a restored heap that stayed
split into one piece per cycle grew it by one VMA per cycle. The count may rise by a few
over the first cycles (the first growth after a restore is a VMA of its own), not after
that. The process must also answer every step it was asked for."""
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

CRIU = os.environ.get("ZDTM_CRIU", os.path.join(zdtm.ROOT, "criu", "criu"))
CYCLES = int(os.environ.get("VMA_CYCLES", "50"))
SLACK = 3               # VMAs the count may grow by after the first cycles
SCRIPT = """import os, signal, sys, time
keep, asked, done = [], [0], [0]
signal.signal(signal.SIGUSR1, lambda s, f: asked.__setitem__(0, asked[0] + 1))
while True:
    time.sleep(0.01)
    while done[0] < asked[0]:
        keep.append([bytearray(1000) for i in range(100)])
        del keep[:-20]
        done[0] += 1
        with open(sys.argv[1] + ".tmp", "w") as f:
            f.write("%d" % done[0])
        os.rename(sys.argv[1] + ".tmp", sys.argv[1])
"""
report = tally.Tally(show_ok=True)


def criu(*args):
    return subprocess.run([CRIU] + list(args), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)


def nr_vmas(pid):
    with open("/proc/%d/maps" % pid) as f:
        return len(f.readlines())


def ask(pid, answer, want):
    """One more heap growth; the number of objects it holds then."""
    os.kill(pid, 10)
    got = -1
    for _ in range(1000):
        try:
            with open(answer) as f:
                got = int(f.read())
            if got == want:
                return got
        except (OSError, ValueError):
            pass
        time.sleep(0.01)
    return got


def gone(pid):
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def cycle(work, pid, n):
    images = os.path.join(work, "img")
    shutil.rmtree(images, ignore_errors=True)
    os.mkdir(images)
    r = criu("dump", "-t", str(pid), "-D", images, "-o", "dump.log")
    if r.returncode:
        return "dump #%d: %s" % (n, r.stdout + r.stderr)
    gone(pid)
    r = criu("restore", "-D", images, "-o", "restore.log", "-d")
    if r.returncode:
        return "restore #%d: %s" % (n, r.stdout + r.stderr)
    return None


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(zdtm.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    work = tempfile.mkdtemp(prefix="criu-vma-cycles-")
    answer = os.path.join(work, "answer")
    proc = subprocess.Popen(["python3", "-c", SCRIPT, answer], start_new_session=True,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    pid, counts, err, want, got = proc.pid, [], None, 0, 0
    time.sleep(0.3)     # its SIGUSR1 handler is in place
    try:
        for n in range(CYCLES + 1):
            want += 1
            got = ask(pid, answer, want)
            if got != want:
                err = "cycle %d: the process did %d steps, expected %d" % (n, got, want)
                break
            counts.append(nr_vmas(pid))
            if n < CYCLES:
                err = cycle(work, pid, n + 1)
                if err:
                    break
        report(err is None, "%d dump/restore cycles of a python3 process" % CYCLES, err)
        if len(counts) > 5:
            settled = counts[min(5, len(counts) - 1)]
            print("# VMA count: %d at start, %d after 5 cycles, %d after %d, max %d" %
                  (counts[0], settled, counts[-1], len(counts) - 1, max(counts)))
            report(max(counts[5:]) <= settled + SLACK,
                   "the VMA count stays flat (%d -> %d)" % (counts[0], counts[-1]),
                   "counts per cycle: %s" % counts)
    finally:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
        gone(pid)
        shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
