# SPDX-License-Identifier: GPL-2.0
"""make bench's netns row: a sleeping process in a network namespace of its own with lo, a
veth pair to ours and 1,000 routes through it, dumped and restored with images on
/dev/shm (median of 3). Imported by scripts/bench.py; BENCH_ONLY=netns runs it alone."""
import os
import shutil
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CRIU = os.path.join(ROOT, "criu", "criu")
OUTER = "bnchvo0"
NR_ROUTES = 1000


def outer_gone(timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        if subprocess.run(["ip", "link", "show", OUTER], capture_output=True).returncode:
            return True
        time.sleep(0.05)
    return False


def start(work):
    routes = os.path.join(work, "routes")
    with open(routes, "w") as f:
        for i in range(NR_ROUTES):
            f.write("route add 10.%d.%d.0/24 via 10.96.0.1 dev bnchv0\n" % (100 + i // 256,
                                                                          i % 256))
    ready = os.path.join(work, "ready")
    setup = ("ip link set lo up && "
             "ip link add bnchv0 type veth peer name %s netns /proc/%d/ns/net && "
             "ip addr add 10.96.0.2/24 dev bnchv0 && ip link set bnchv0 up && "
             "ip -batch %s && touch %s && exec sleep 1000" % (OUTER, os.getpid(), routes, ready))
    p = subprocess.Popen(["unshare", "--net", "sh", "-c", setup], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    while not os.path.exists(ready):
        if p.poll() is not None:
            raise RuntimeError("the netns bench task failed to set up")
        time.sleep(0.02)
    time.sleep(0.1)  # until sh has exec'd sleep
    return p


def timed(args):
    t = time.monotonic()
    r = subprocess.run([CRIU] + args, stdin=subprocess.DEVNULL, capture_output=True,
                       text=True)
    if r.returncode:
        raise RuntimeError("criu %s failed: %s" % (args[0], r.stderr[-400:]))
    return time.monotonic() - t


def one_round():
    work = tempfile.mkdtemp(prefix="criu-bench-netns.", dir="/dev/shm")
    p = start(work)
    try:
        d = timed(["dump", "-t", str(p.pid), "-D", work, "-o", "dump.log"])
        p.wait()
        if not outer_gone():
            raise RuntimeError("the dumped namespace's veth did not go away")
        r = timed(["restore", "-D", work, "-o", "restore.log", "-d",
                   "--external", "veth[bnchv0]:%s" % OUTER])
        got = subprocess.run(["nsenter", "-t", str(p.pid), "-n", "ip", "route", "show"],
                             capture_output=True, text=True).stdout
        if got.count("via 10.96.0.1") != NR_ROUTES:
            raise RuntimeError("restored %d of %d routes" % (got.count("via 10.96.0.1"),
                                                            NR_ROUTES))
    finally:
        try:
            os.kill(p.pid, 9)
            os.waitpid(p.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        outer_gone()
        shutil.rmtree(work, ignore_errors=True)
    return d, r


def netns_row(median):
    res = [one_round() for _ in range(3)]
    print("%-16s %-10s %10.1f %10.1f %12s %12s" %
          ("netns 1k routes", "/dev/shm", median([x[0] for x in res]) * 1000,
           median([x[1] for x in res]) * 1000, "-", "-"))
