# SPDX-License-Identifier: GPL-2.0
"""The chaos test's workloads (see chaos.py) and how to ask them whether they are whole.

Each exits once the harness is gone. Each process of a workload answers SIGUSR1 by checking itself (its data, counters kept twice,
its signal mask with SIGUSR2 blocked) and writing "REQ ok|bad PROGRESS [why]" to
DIR/status-PID, REQ being the number in DIR/req. PROGRESS must grow between two answers.
- mem: build/test/others/chaos-mem, 256 MiB of patterned anonymous memory (C).
- novdso: chaos-mem with 16 MiB, after it unmapped its [vdso].
- python: python3 with 8 MiB of hashed data, two counters and a second thread.
- tree: python3 parent and two children passing numbered tokens round a ring of pipes.
"""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zdtm  # noqa: E402

MEM_BIN = os.path.join(zdtm.ROOT, "build", "test", "others", "chaos-mem")

# Shared by the Python workloads: the answer to SIGUSR1.
PY_COMMON = r"""
import hashlib, os, signal, sys, time
D = sys.argv[1]
HARNESS = int(sys.argv[2])

def harness_gone():
    try:
        os.kill(HARNESS, 0)
        return False
    except ProcessLookupError:
        return True

def answer(bad, progress):
    try:
        with open(D + "/req") as f:
            req = f.read().strip()
    except OSError:
        req = "0"
    if not bad and signal.SIGUSR2 not in signal.pthread_sigmask(signal.SIG_BLOCK, []):
        bad = "signal mask changed"
    tmp = "%s/.status-%d" % (D, os.getpid())
    with open(tmp, "w") as f:
        f.write("%s %s %d %s\n" % (req, "bad" if bad else "ok", progress, bad))
    os.rename(tmp, "%s/status-%d" % (D, os.getpid()))

def make_data(seed, n):
    return b"".join(hashlib.sha256(b"%d-%d" % (seed, i)).digest() for i in range(n))

signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2})
"""

PY_SOLO = PY_COMMON + r"""
import threading
data = make_data(7, 1 << 18)
want = hashlib.sha256(data).hexdigest()
st = {"a": 0, "b": 0, "t": 0, "seen_t": -1, "bad": ""}

def on_usr1(sig, frame):
    bad = st["bad"]
    if not bad and hashlib.sha256(data).hexdigest() != want:
        bad = "data changed"
    if not bad and st["a"] - st["b"] not in (0, 1):
        bad = "counters parted"
    if not bad and not worker.is_alive():
        bad = "the second thread is gone"
    for _ in range(100):
        if st["t"] != st["seen_t"]:
            break
        time.sleep(0.002)
    else:
        bad = bad or "the second thread stopped"
    st["seen_t"] = st["t"]
    answer(bad, st["b"])

def spin():
    while True:
        st["t"] += 1
        time.sleep(0.001)

worker = threading.Thread(target=spin, daemon=True)
worker.start()
time.sleep(0.01)
signal.signal(signal.SIGUSR1, on_usr1)
while not harness_gone():
    st["a"] += 1
    x = sum(i * i for i in range(200))
    st["b"] += 1
    if x != 2646700 and not st["bad"]:
        st["bad"] = "arithmetic went wrong"
    time.sleep(0.0005)
"""

PY_TREE = PY_COMMON + r"""
ring = [os.pipe() for _ in range(3)]
st = {"n": 0, "bad": ""}

def serve(seed, rfd, wfd, first):
    data = make_data(seed, 1 << 14)
    want = hashlib.sha256(data).hexdigest()

    def on_usr1(sig, frame):
        bad = st["bad"]
        if not bad and hashlib.sha256(data).hexdigest() != want:
            bad = "data changed"
        answer(bad, st["n"])

    signal.signal(signal.SIGUSR1, on_usr1)
    while True:
        if first:
            os.write(wfd, (st["n"] + 1).to_bytes(8, "little"))
        t = os.read(rfd, 8)
        if len(t) != 8:
            os._exit(4)
        n = int.from_bytes(t, "little")
        if n != st["n"] + 1 and not st["bad"]:
            st["bad"] = "token %d after %d" % (n, st["n"])
        st["n"] = n
        if n % 256 == 0 and harness_gone():
            os._exit(0)
        if first:
            time.sleep(0.001)
        else:
            os.write(wfd, t)

for seed in (1, 2):
    if os.fork() == 0:
        serve(seed, ring[seed - 1][0], ring[seed][1], False)
serve(0, ring[2][0], ring[0][1], True)
"""


class Workload:
    def __init__(self, name, work):
        self.name = name
        self.dir = os.path.join(work, name)
        self.images = os.path.join(work, name + "-img")
        self.root = 0
        self.pids = []
        self.req = 0
        self.progress = {}

    def argv(self):
        me = str(os.getpid())
        if self.name == "mem":
            return [MEM_BIN, self.dir, "256", me]
        if self.name == "novdso":
            return [MEM_BIN, self.dir, "16", me, "novdso"]
        return [sys.executable, "-c", PY_SOLO if self.name == "python" else PY_TREE, self.dir, me]

    def start(self):
        os.makedirs(self.dir, exist_ok=True)
        os.makedirs(self.images, exist_ok=True)
        proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True, cwd=self.dir)
        self.root = proc.pid
        self.progress = {}  # new processes, perhaps with the pids of the old ones
        want = 3 if self.name == "tree" else 1
        deadline = time.monotonic() + 30
        while True:
            self.pids = [self.root] + children(self.root)
            if len(self.pids) >= want and all(catches_usr1(pid) for pid in self.pids):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("%s: %d of %d processes" % (self.name, len(self.pids), want))
            time.sleep(0.05)
        problems = self.ask(30)
        if problems:
            raise RuntimeError("%s does not answer: %s" % (self.name, "; ".join(problems)))

    def ask(self, timeout=10):
        """Ask every process to check itself; the problems found, [] when all are whole."""
        self.req += 1
        with open(os.path.join(self.dir, "req"), "w") as f:
            f.write("%d\n" % self.req)
        for pid in self.pids:
            try:
                os.kill(pid, signal.SIGUSR1)
            except ProcessLookupError:
                pass
        problems = []
        for pid in self.pids:
            problems += self.wait_answer(pid, timeout)
        return problems

    def wait_answer(self, pid, timeout):
        path = os.path.join(self.dir, "status-%d" % pid)
        deadline = time.monotonic() + timeout
        words = []
        while time.monotonic() < deadline:
            try:
                with open(path) as f:
                    words = f.read().split(None, 3)
            except OSError:
                words = []
            if words and words[0] == str(self.req):
                break
            time.sleep(0.01)
        else:
            return ["%d gave no answer in %d s (state %s)" %
                    (pid, timeout, zdtm.proc_state(pid))]
        if words[1] != "ok":
            return ["%d says: %s" % (pid, " ".join(words[3:]) or "bad")]
        progress = int(words[2])
        if progress < self.progress.get(pid, -1):
            return ["%d went back from %d to %d" % (pid, self.progress[pid], progress)]
        self.progress[pid] = progress
        return []

    def kill(self):
        for pid in self.pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in self.pids:
            gone(pid, 10)


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def catches_usr1(pid):
    """Its SIGUSR1 handler is in place (before, SIGUSR1 would kill it)."""
    mask = status_field(pid, "SigCgt")
    return mask is not None and int(mask, 16) & (1 << (signal.SIGUSR1 - 1)) != 0


def gone(pid, timeout):
    """Reap pid (our child, or ours as subreaper) or wait until it is gone; True if it is."""
    try:
        zdtm.reap(pid, timeout)
        return True
    except zdtm.TestFailure:
        return False


def alive(pid):
    state = zdtm.proc_state(pid)
    return state is not None and state not in "ZX"


def dying(pid):
    """Gone, or SIGKILL is on its way (criu's last act may have been to kill it)."""
    if not alive(pid):
        return True
    pending = [status_field(pid, k) for k in ("SigPnd", "ShdPnd")]
    return any(p is not None and int(p, 16) & (1 << (signal.SIGKILL - 1)) for p in pending)


def status_field(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def snapshot(pid):
    return {"maps": zdtm.read_maps(pid), "fds": zdtm.read_fds(pid),
            "sigblk": status_field(pid, "SigBlk")}


def ours(line):
    """A mapping criu could have left: executable or shared anonymous memory."""
    perms, path = line.split()[1], line.split(None, 4)[4] if len(line.split()) > 4 else ""
    return "x" in perms or (perms.endswith("s") and path.startswith("/dev/zero"))


def compare(before, after, exact_maps):
    problems = []
    new = [m for m in after["maps"] if m not in before["maps"]]
    lost = [m for m in before["maps"] if m not in after["maps"]]
    if exact_maps and (new or lost):
        problems.append("maps changed: +%s -%s" % (new[:3], lost[:3]))
    elif any(ours(m) for m in new):
        problems.append("new mappings: %s" % [m for m in new if ours(m)][:3])
    if before["fds"] != after["fds"]:
        problems.append("fds changed: %s -> %s" % (before["fds"], after["fds"]))
    if before["sigblk"] != after["sigblk"]:
        problems.append("SigBlk %s -> %s" % (before["sigblk"], after["sigblk"]))
    return problems
