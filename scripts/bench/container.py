# SPDX-License-Identifier: GPL-2.0
"""make bench's container row (issue #14): a busybox-static container in new pid, mount,
uts, ipc, network and cgroup namespaces, pivot_root'ed into its root file system, with 10
tasks (the shell, 8 sleeps and an awk holding 64 MiB it wrote), 50 mounts (the root, its
proc, a tmpfs and 47 binds) and a veth to ours; dumped and restored with images on
/dev/shm, the root file system there too (median of 3), the restore given --root and the
veth's outer end. Imported by scripts/bench.py; BENCH_ONLY=container runs it alone."""
import os
import shutil
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CRIU = os.path.join(ROOT, "criu", "criu")
BUSYBOX = "/bin/busybox"
OUTER = "bnchct0"
NR_BINDS = 47
# the restored tasks would move themselves into cgroups by paths the container lacks
CGROUPS = "--manage-cgroups=ignore"

INIT = """umount -l /oldroot && rmdir /oldroot
mount -t proc proc /proc
mount -t tmpfs -o size=1m run /run
i=0; while [ $i -lt %d ]; do mkdir -p /m/$i && mount --bind /data /m/$i; i=$((i+1)); done
mkfifo /run/hold
awk 'BEGIN { s = sprintf("%%67108864s", "x"); getline l < "/run/hold" }' &
i=0; while [ $i -lt 8 ]; do sleep 1000 & i=$((i+1)); done
touch /run/ready
exec sleep 1000
""" % NR_BINDS

ENTER = """mount --bind "$1" "$1" && cd "$1" && mkdir -p oldroot && pivot_root . oldroot &&
exec /bin/busybox setsid /bin/busybox sh /init.sh"""


def make_rootfs(root):
    for d in ("bin", "proc", "run", "data", "dev", "m"):
        os.makedirs(os.path.join(root, d))
    shutil.copy(BUSYBOX, os.path.join(root, "bin", "busybox"))
    for c in ("sh", "sleep", "awk", "mount", "umount", "mkdir", "rmdir", "mkfifo", "touch"):
        os.symlink("busybox", os.path.join(root, "bin", c))
    os.mknod(os.path.join(root, "dev", "null"), 0o666 | 0o020000, os.makedev(1, 3))
    os.chmod(os.path.join(root, "dev", "null"), 0o666)
    with open(os.path.join(root, "init.sh"), "w") as f:
        f.write(INIT)


def start(root):
    p = subprocess.Popen(["unshare", "--pid", "--mount", "--uts", "--ipc", "--net",
                          "--cgroup", "--fork", "--propagation", "private", BUSYBOX, "sh",
                          "-c", ENTER, "enter", root], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    end = time.monotonic() + 30
    while time.monotonic() < end:
        kids = open("/proc/%d/task/%d/children" % (p.pid, p.pid)).read().split()
        if kids and os.path.exists("/proc/%s/root/run/ready" % kids[0]):
            pid = int(kids[0])
            r = subprocess.run(["ip", "link", "add", OUTER, "type", "veth", "peer", "name",
                                "eth0", "netns", str(pid)], capture_output=True, text=True)
            if r.returncode:
                raise RuntimeError("ip link add: " + r.stderr)
            return p, pid
        time.sleep(0.05)
    raise RuntimeError("the container did not start")


def timed(args):
    t = time.monotonic()
    r = subprocess.run([CRIU] + args, stdin=subprocess.DEVNULL, capture_output=True,
                       text=True)
    if r.returncode:
        raise RuntimeError("criu %s failed: %s" % (args[0], r.stderr[-400:]))
    return time.monotonic() - t


def count_tasks(pid):
    n, todo = 0, [pid]
    while todo:
        p = todo.pop()
        n += 1
        with open("/proc/%d/task/%d/children" % (p, p)) as f:
            todo += [int(x) for x in f.read().split()]
    return n


def kill_tree(pid):
    try:
        os.kill(pid, 9)
    except ProcessLookupError:
        pass
    end = time.monotonic() + 10
    while os.path.exists("/proc/%d" % pid) and time.monotonic() < end:
        try:
            os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.02)


def one_round():
    top = tempfile.mkdtemp(prefix="criu-bench-ct.", dir="/dev/shm")
    root, work = os.path.join(top, "rootfs"), tempfile.mkdtemp(prefix="criu-bench-ct.",
                                                                dir="/dev/shm")
    make_rootfs(root)
    p, pid = start(root)
    try:
        if count_tasks(pid) != 10:
            raise RuntimeError("the container has %d tasks, not 10" % count_tasks(pid))
        d = timed(["dump", "-t", str(pid), "-D", work, "-o", "dump.log", CGROUPS])
        p.wait()
        pidfile = os.path.join(work, "pid")
        r = timed(["restore", "-D", work, "-o", "restore.log", "-d", "--root", root,
                   "--external", "veth[eth0]:%s" % OUTER, "--pidfile", pidfile, CGROUPS])
        pid = int(open(pidfile).read())
        with open("/proc/%d/mountinfo" % pid) as f:
            nr_mounts = len(f.readlines())
        if count_tasks(pid) != 10 or nr_mounts != NR_BINDS + 3:
            raise RuntimeError("restored %d tasks, %d mounts" % (count_tasks(pid), nr_mounts))
    finally:
        kill_tree(pid)
        subprocess.run(["ip", "link", "del", OUTER], capture_output=True)
        shutil.rmtree(top, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    return d, r


def container_row(median):
    res = [one_round() for _ in range(3)]
    print("%-16s %-10s %10.1f %10.1f %12s %12s" %
          ("container 10/50", "/dev/shm", median([x[0] for x in res]) * 1000,
           median([x[1] for x in res]) * 1000, "-", "-"))
