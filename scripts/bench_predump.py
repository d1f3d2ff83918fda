# SPDX-License-Identifier: GPL-2.0
"""make bench, the pre-dump rows (issue #16): 1 GiB of random memory (memhog), pre-dumped,
then 1% of its pages written (SIGUSR1), then dumped with --prev-images-dir: the final dump's
frozen time (stats-dump frozen_time: from the tree stopped to it released or killed) against
a plain dump's of the same 1 GiB, and the pages it wrote against the pre-dump's. Images on
/dev/shm, warm memory as bench.py's warm rows. Each restored memhog checks every byte."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

import bench

CRIT = os.path.join(bench.ROOT, "crit", "crit")
MIB = 1024


def stats(img):
    r = subprocess.run([CRIT, "decode", "-i", os.path.join(img, "stats-dump")],
                       capture_output=True, text=True, check=True)
    return json.loads(r.stdout)["entries"][0]["dump"]


def start(memhog, work):
    pidfile = os.path.join(work, "pid")
    proc = subprocess.Popen([memhog, str(MIB), pidfile], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    return proc, bench.wait_pidfile(pidfile), pidfile


def dirty(pid, pidfile):
    note = pidfile + ".dirtied"
    os.kill(pid, signal.SIGUSR1)
    end = time.time() + 60
    while time.time() < end:
        if os.path.exists(note) and open(note).read().strip():
            return int(open(note).read())
        time.sleep(0.01)
    raise RuntimeError("memhog did not write its pages")


def restore_and_check(proc, pid, img):
    proc.wait()
    bench.wait_gone(pid)
    bench.run_criu(["restore", "-D", img, "-d", "-o", "restore.log"])
    os.kill(pid, signal.SIGTERM)
    if bench.reap_status(pid) != 0:
        raise RuntimeError("restored memhog found its memory changed")


def plain_round(memhog):
    """A plain dump's frozen time (ms)."""
    work = tempfile.mkdtemp(dir="/dev/shm", prefix="criu-bench.")
    try:
        proc, pid, _ = start(memhog, work)
        img = os.path.join(work, "img")
        bench.warm_free_memory(MIB)
        bench.run_criu(["dump", "-t", str(pid), "-D", img, "-o", "dump.log"])
        frozen = stats(img)["frozen_time"] / 1000.0
        restore_and_check(proc, pid, img)
        return frozen
    finally:
        shutil.rmtree(work, ignore_errors=True)


def chain_round(memhog):
    """(final dump's frozen ms, its wall ms, pages it wrote, pages the pre-dump wrote)."""
    work = tempfile.mkdtemp(dir="/dev/shm", prefix="criu-bench.")
    try:
        proc, pid, pidfile = start(memhog, work)
        pre, img = os.path.join(work, "pre"), os.path.join(work, "img")
        bench.warm_free_memory(MIB)
        bench.run_criu(["pre-dump", "-t", str(pid), "-D", pre, "-o", "dump.log"])
        dirty(pid, pidfile)
        wall = bench.run_criu(["dump", "-t", str(pid), "-D", img, "--prev-images-dir", "../pre",
                               "-o", "dump.log"])
        st = stats(img)
        res = (st["frozen_time"] / 1000.0, wall * 1000, st["pages_written"],
               stats(pre)["pages_written"])
        restore_and_check(proc, pid, img)
        return res
    finally:
        shutil.rmtree(work, ignore_errors=True)


def predump_rows(memhog, rounds=3):
    plain = bench.median([plain_round(memhog) for _ in range(rounds)])
    res = [chain_round(memhog) for _ in range(rounds)]
    frozen = bench.median([r[0] for r in res])
    wall = bench.median([r[1] for r in res])
    written = bench.median([r[2] for r in res])
    total = bench.median([r[3] for r in res])
    print("pre-dump 1 GiB, 1%% written, final dump (/dev/shm, median of %d):" % rounds)
    print("  frozen %.1f ms (plain dump %.1f ms: %.3f of it; target <= 50 ms and <= 0.1), "
          "dump wall %.1f ms" % (frozen, plain, frozen / plain, wall))
    print("  pages written %d of %d (%.2f%%; target <= 3%%)" %
          (written, total, 100.0 * written / total))
    return frozen <= 50 and frozen <= plain / 10 and written <= total * 3 / 100
