# SPDX-License-Identifier: GPL-2.0
"""Workloads of the integrity tests (near-full file systems, image mutations): each one
checks its own state when told to (SIGTERM) and exits 0 only if it is intact.

- memhog: N MiB of pseudo-random anonymous memory (scripts/bench/memhog.c);
- python: a python3 process holding 4 MiB of random bytes and their SHA-256;
- tree: three python3 processes in a ring of pipes passing a counter, each adding 1; the
  root checks every round trip and, on SIGTERM, one more, then ends its children.
start() returns (pid, pids of the tree); finish() gives the verdict (True: intact)."""
import os
import signal
import subprocess
import tempfile
import time

import zdtm

PYTHON_HOLDER = r"""
import hashlib, os, signal, sys, time
data = bytearray(os.urandom(4 << 20))
digest = hashlib.sha256(data).digest()
signal.signal(signal.SIGTERM,
              lambda s, f: os._exit(0 if hashlib.sha256(data).digest() == digest else 3))
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    time.sleep(0.05)
"""

PIPE_RING = r"""
import os, signal, sys, time
def child(rfd, wfd):
    signal.signal(signal.SIGTERM, lambda s, f: os._exit(0))
    while True:
        b = os.read(rfd, 8)
        if len(b) != 8:
            os._exit(4)
        os.write(wfd, (int.from_bytes(b, "little") + 1).to_bytes(8, "little"))
pipes = [os.pipe() for _ in range(3)]
kids = []
for i in range(2):
    pid = os.fork()
    if pid == 0:
        child(pipes[i][0], pipes[i + 1][1])
    kids.append(pid)
bad = [0]
n = [0]
def round_trip():
    n[0] += 1
    os.write(pipes[0][1], n[0].to_bytes(8, "little"))
    if int.from_bytes(os.read(pipes[2][0], 8), "little") != n[0] + 2:
        bad[0] += 1
# The handler only marks the end: a round trip of its own could take the reply of the one
# the loop has under way (a SIGTERM that comes while the loop waits in read).
term = [False]
signal.signal(signal.SIGTERM, lambda s, f: term.__setitem__(0, True))
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while not term[0]:
    round_trip()
    time.sleep(0.01)
signal.alarm(5)
round_trip()
for k in kids:
    os.kill(k, signal.SIGTERM)
ok = all(os.waitpid(k, 0)[1] == 0 for k in kids)
os._exit(0 if ok and not bad[0] else 5)
"""

_memhog = None


def build_memhog():
    global _memhog
    if not _memhog:
        work = tempfile.mkdtemp(prefix="criu-workloads.")
        _memhog = os.path.join(work, "memhog")
        subprocess.run(["gcc", "-O2", "-o", _memhog,
                        os.path.join(zdtm.ROOT, "scripts/bench/memhog.c")], check=True)
    return _memhog


def wait_pidfile(path, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        if os.path.exists(path):
            with open(path) as f:
                return int(f.read())
        time.sleep(0.01)
    raise RuntimeError("workload did not start")


def start(kind, work, mib=16):
    pidfile = os.path.join(work, "%s.pid" % kind)
    if os.path.exists(pidfile):
        os.unlink(pidfile)
    if kind == "memhog":
        argv = [build_memhog(), str(mib), pidfile]
    elif kind == "python":
        argv = ["python3", "-c", PYTHON_HOLDER, pidfile]
    else:
        argv = ["python3", "-c", PIPE_RING, pidfile]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        pid = wait_pidfile(pidfile, 60)
    except RuntimeError:
        # a workload that starts after we gave up must not stay behind
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    if kind == "tree":
        end = time.time() + 10
        while len(zdtm.tree_pids(pid)) < 2 and time.time() < end:
            time.sleep(0.01)
    return pid, [pid] + zdtm.tree_pids(pid)


def running(pids):
    """Every task of the tree exists and is neither stopped nor a zombie."""
    return all(zdtm.proc_state(p) not in (None, "Z", "X", "T", "t") for p in pids)


def finish(pid):
    """SIGTERM the root and reap it: True if it found itself intact."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    try:
        status = zdtm.reap(pid, 30)
    except zdtm.TestFailure:
        zdtm.kill_and_reap(pid)
        return False
    return status is not None and os.waitstatus_to_exitcode(status) == 0


def kill_tree(pids):
    for p in pids:
        zdtm.kill_and_reap(p)
