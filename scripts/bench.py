#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench: wall time of criu dump and restore for a small process and for 1 GiB of random
anonymous memory, with images on /dev/shm and on disk, a process with 10,000 fds, a tree of
100 processes, and a parent with 4 children that share 256 MiB copy-on-write, dumped in both
forms (--cow-pages once and full; the image size and the sum of the 5 tasks' Pss before the
dump and after the restore show that it stays shared), and 1,000 established loopback TCP
connections with 64 KiB queued each way (--tcp-established). Each restored memhog checks every byte (a checksum taken before the dump) and the
bench fails if one differs. The checksum rows dump and restore 1 GiB (warm) with and without
checksums (--skip-checksums), alternating, and give the cost. The hugetlb row dumps and
restores 1 GiB of random private hugetlb memory (2 MiB pages, added to the kernel's pool
for the row and given back). The netlock rows time the network lock's set-up, locking and
removal (nftables and iptables, 1,000 connections). The 1 GiB rows come twice:
"cold" as the machine gives memory, "warm" with 1 GiB touched and freed just before the dump
(see warm_free_memory()). The rpc row times a VERSION request: criu swrk started for it (what
libcriu and go-criu pay per call), a connection to criu service, and one more request on a
kept-open connection. The netns row dumps and restores a process in a network namespace of
its own with a veth and 1,000 routes (scripts/bench/netns.py). The container row dumps and
restores a busybox container of 10 tasks, 50 mounts, a veth and 64 MiB (bench/container.py). The freeze rows dump the tree
of 100 processes seized one ptrace stop at a time, then frozen first by a v1 freezer and by
cgroup2 (--freeze-cgroup): the dump and its seize (stats-dump freezing_time). The pre-dump
rows (bench_predump.py) give the frozen time of a dump that follows a pre-dump of 1 GiB after
1% of it was written, and the pages it wrote. The page-server
row dumps 1 GiB (warm) through criu page-server on loopback (--page-server), its images on
/dev/shm, and restores from what arrived. The lazy rows restore 1 GiB with --lazy-pages
(with the images' sums checked first, and without, and with every page asked of a criu
page-server --lazy-pages on loopback): the time until the tree runs, and until criu
lazy-pages has copied every page. The runc rows time `runc checkpoint` and `runc restore`
of a busybox container with our criu and with the system's CRIU (scripts/bench/runc.py)."""
import ctypes
import mmap
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import bench_predump  # noqa: E402 - it imports this module back, after it is complete

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts", "bench"))
import netns as bench_netns  # noqa: E402
import container as bench_container  # noqa: E402
import runc as bench_runc  # noqa: E402
CRIU = os.path.join(ROOT, "criu", "criu")
PR_SET_CHILD_SUBREAPER = 36


def build(work):
    memhog = os.path.join(work, "memhog")
    subprocess.run(["gcc", "-O2", "-o", memhog, os.path.join(ROOT, "scripts/bench/memhog.c")],
                   check=True)
    return memhog


def build_tree(work):
    tree = os.path.join(work, "tree")
    subprocess.run(["gcc", "-O2", "-pthread", "-o", tree,
                    os.path.join(ROOT, "scripts/bench/tree.c")], check=True)
    return tree


def wait_tree_gone(pids):
    for pid in pids:
        wait_gone(pid)


def tree_pids(pid):
    """pid and its descendants, as /proc shows them."""
    found, i = [pid], 0
    while i < len(found):
        try:
            for tid in os.listdir("/proc/%d/task" % found[i]):
                with open("/proc/%d/task/%s/children" % (found[i], tid)) as f:
                    found += [int(c) for c in f.read().split()]
        except OSError:
            pass
        i += 1
    return found


def tree_round(tree, nproc, nthreads, imgroot):
    """A tree of nproc processes with nthreads threads each: dump, restore, check."""
    work = tempfile.mkdtemp(dir=imgroot, prefix="criu-bench.")
    try:
        pidfile = os.path.join(work, "pid")
        # no fd on a file that may grow between dump and restore (restore refuses those)
        subprocess.run([tree, str(nproc), str(nthreads), pidfile], check=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        pid = wait_pidfile(pidfile)
        pids = tree_pids(pid)
        if len(pids) != nproc:
            raise RuntimeError("tree has %d processes, expected %d" % (len(pids), nproc))
        img = os.path.join(work, "img")
        t_dump = run_criu(["dump", "-t", str(pid), "-D", img, "-o", "dump.log", "-v4"])
        wait_tree_gone(pids)
        t_rst = run_criu(["restore", "-D", img, "-d", "-o", "restore.log", "-v4"])
        os.kill(pid, signal.SIGTERM)
        code = reap_status(pid)
        if code != 0:
            raise RuntimeError("restored tree of %d found its memory or a child changed" %
                               nproc)
        return t_dump, t_rst
    finally:
        shutil.rmtree(work, ignore_errors=True)


def freezer_dir(kind):
    """A freezer cgroup of its own: v1 (freezer.state) or cgroup2 (cgroup.freeze); None if
    the hierarchy is not mounted."""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, right = line.split(" - ", 1)
            fstype, _, opts = right.split()[:3]
            if (kind == "v1" and fstype == "cgroup" and "freezer" in opts.split(",")) or \
                    (kind == "cgroup2" and fstype == "cgroup2"):
                path = os.path.join(left.split()[4], "criu-bench.%d" % os.getpid())
                os.makedirs(path, exist_ok=True)
                return path
    return None


def freeze_round(tree, nproc, nthreads, imgroot, fz):
    """A tree dumped after a ptrace seize (fz None) or frozen by the freezer cgroup fz:
    the seize's time (stats-dump freezing_time) and the dump's."""
    work = tempfile.mkdtemp(dir=imgroot, prefix="criu-bench.")
    try:
        pidfile = os.path.join(work, "pid")
        subprocess.run([tree, str(nproc), str(nthreads), pidfile], check=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        pid = wait_pidfile(pidfile)
        pids = tree_pids(pid)
        if fz:
            for p in pids:
                with open(os.path.join(fz, "cgroup.procs"), "w") as f:
                    f.write(str(p))
        img = os.path.join(work, "img")
        t_dump = run_criu(["dump", "-t", str(pid), "-D", img, "-o", "dump.log", "-v4"] +
                          (["--freeze-cgroup", fz] if fz else []))
        wait_tree_gone(pids)
        stats = subprocess.run([os.path.join(ROOT, "crit", "crit"), "show",
                                os.path.join(img, "stats-dump")], capture_output=True,
                               text=True, check=True).stdout
        us = int(stats.split('"freezing_time":')[1].split(",")[0])
        return us / 1e6, t_dump
    finally:
        shutil.rmtree(work, ignore_errors=True)


def freeze_rows(tree, nthreads):
    """issue #14: --freeze-cgroup against one ptrace stop at a time, 100 processes."""
    for name, kind in (("ptrace seize", None), ("v1 freezer", "v1"),
                       ("cgroup2 freezer", "cgroup2")):
        fz = freezer_dir(kind) if kind else None
        if kind and not fz:
            print("%-16s no %s hierarchy mounted" % (name, kind))
            continue
        try:
            res = [freeze_round(tree, 100, nthreads, "/dev/shm", fz) for _ in range(5)]
        finally:
            if fz:
                os.rmdir(fz)
        print("%-16s %-10s %10.1f %10s   seize %.1f ms (tree 100x%d)" %
              (name, "/dev/shm", median([x[1] for x in res]) * 1000, "-",
               median([x[0] for x in res]) * 1000, nthreads))


def wait_pidfile(path, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        try:
            with open(path) as f:
                txt = f.read().strip()
            if txt:
                return int(txt)
        except FileNotFoundError:
            pass
        time.sleep(0.01)
    raise RuntimeError("workload did not start")


def wait_gone(pid):
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    for _ in range(500):
        if not os.path.exists("/proc/%d" % pid):
            return
        time.sleep(0.01)


def reap_status(pid, timeout=120):
    end = time.time() + timeout
    while time.time() < end:
        try:
            got, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return None
        if got == pid:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.01)
    raise RuntimeError("restored workload did not exit")


def run_criu(args):
    t0 = time.perf_counter()
    r = subprocess.run([CRIU] + args, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError("criu %s failed: %s" % (args[0], r.stderr.strip()[-2000:]))
    return dt


MADV_POPULATE_WRITE = 23


def warm_free_memory(mib):
    """Touch mib MiB and free it again, so the next allocations get pages the host backs.

    This VM reports freed memory to the host at once (virtio-balloon free page reporting,
    /sys/module/page_reporting), and the first touch of such a page costs a hypervisor fault:
    1-3.5 s/GiB, more than the dump itself. A restore gets the killed task's warm pages for
    free; the warm rows give the dump the same start, the cold rows show it as it comes."""
    m = mmap.mmap(-1, mib << 20, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    m.madvise(MADV_POPULATE_WRITE)
    m.close()


def one_round(memhog, mib, imgroot, warm=False, extra=(), env=None):
    work = tempfile.mkdtemp(dir=imgroot, prefix="criu-bench.")
    try:
        pidfile = os.path.join(work, "pid")
        proc = subprocess.Popen([memhog, str(mib), pidfile], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True,  # its session is in the tree
                                env=env)
        pid = wait_pidfile(pidfile)
        img = os.path.join(work, "img")
        if warm:
            warm_free_memory(mib)
        t_dump = run_criu(["dump", "-t", str(pid), "-D", img, "-o", "dump.log", "-v4"] +
                          list(extra))
        proc.wait()
        wait_gone(pid)
        t_rst = run_criu(["restore", "-D", img, "-d", "-o", "restore.log", "-v4"] +
                         list(extra))
        os.kill(pid, signal.SIGTERM)
        code = reap_status(pid)
        if code != 0:
            raise RuntimeError("restored memhog (%d MiB) found its memory changed" % mib)
        return t_dump, t_rst
    finally:
        shutil.rmtree(work, ignore_errors=True)


def page_server_round(memhog, mib, imgroot):
    """Dump mib MiB through criu page-server on loopback; (dump s, restore s)."""
    work = tempfile.mkdtemp(dir=imgroot, prefix="criu-bench.")
    ps = None
    try:
        pidfile = os.path.join(work, "pid")
        proc = subprocess.Popen([memhog, str(mib), pidfile], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        pid = wait_pidfile(pidfile)
        img = os.path.join(work, "img")
        os.mkdir(img)
        with socket.socket() as sk:
            sk.bind(("127.0.0.1", 0))
            port = sk.getsockname()[1]
        rfd, wfd = os.pipe()
        ps = subprocess.Popen([CRIU, "page-server", "-D", img, "--address", "127.0.0.1",
                               "--port", str(port), "-o", "ps.log", "--status-fd", str(wfd)],
                              pass_fds=(wfd,), stdin=subprocess.DEVNULL)
        os.close(wfd)
        ready = os.read(rfd, 1)
        os.close(rfd)
        if not ready:
            raise RuntimeError("criu page-server did not start")
        warm_free_memory(mib)
        t_dump = run_criu(["dump", "-t", str(pid), "-D", img, "-o", "dump.log", "-v4",
                           "--page-server", "--address", "127.0.0.1", "--port", str(port)])
        if ps.wait(timeout=60) != 0:
            raise RuntimeError("criu page-server exited with %d" % ps.returncode)
        proc.wait()
        wait_gone(pid)
        t_rst = run_criu(["restore", "-D", img, "-d", "-o", "restore.log", "-v4"])
        os.kill(pid, signal.SIGTERM)
        if reap_status(pid) != 0:
            raise RuntimeError("memhog restored from the page server found its memory changed")
        return t_dump, t_rst
    finally:
        if ps and ps.poll() is None:
            ps.kill()
            ps.wait()
        shutil.rmtree(work, ignore_errors=True)


def start_with_status(args, what):
    """A criu daemon, once it says on --status-fd that it listens."""
    rfd, wfd = os.pipe()
    p = subprocess.Popen([CRIU] + args + ["--status-fd", str(wfd)], pass_fds=(wfd,),
                         stdin=subprocess.DEVNULL)
    os.close(wfd)
    ready = os.read(rfd, 1)
    os.close(rfd)
    if not ready:
        p.kill()
        p.wait()
        raise RuntimeError("criu %s did not start" % what)
    return p


def lazy_round(memhog, mib, imgroot, extra=(), remote=False):
    """Dump mib MiB, then restore it with --lazy-pages from criu lazy-pages (remote: which
    asks a criu page-server --lazy-pages on loopback for every page): the restore's time to
    return control (the tree runs), and the time until the daemon has copied everything and
    the restored memhog has checked every byte."""
    work = tempfile.mkdtemp(dir=imgroot, prefix="criu-bench.")
    lz = ps = None
    try:
        pidfile = os.path.join(work, "pid")
        proc = subprocess.Popen([memhog, str(mib), pidfile], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        pid = wait_pidfile(pidfile)
        img = os.path.join(work, "img")
        run_criu(["dump", "-t", str(pid), "-D", img, "-o", "dump.log"])
        proc.wait()
        wait_gone(pid)
        lz_opts = []
        if remote:
            with socket.socket() as sk:
                sk.bind(("127.0.0.1", 0))
                port = str(sk.getsockname()[1])
            ps = start_with_status(["page-server", "--lazy-pages", "-D", img, "-o", "ps.log",
                                    "--address", "127.0.0.1", "--port", port],
                                   "page-server --lazy-pages")
            lz_opts = ["--page-server", "--address", "127.0.0.1", "--port", port]
        lz = start_with_status(["lazy-pages", "-D", img, "-o", "lazy.log"] + lz_opts,
                               "lazy-pages")
        t0 = time.perf_counter()
        t_rst = run_criu(["restore", "-D", img, "-d", "-o", "restore.log", "--lazy-pages"] +
                         list(extra))
        if lz.wait(timeout=120) != 0:
            raise RuntimeError("criu lazy-pages exited with %d" % lz.returncode)
        t_all = time.perf_counter() - t0
        if ps and ps.wait(timeout=60) != 0:
            raise RuntimeError("criu page-server --lazy-pages exited with %d" % ps.returncode)
        os.kill(pid, signal.SIGTERM)
        if reap_status(pid) != 0:
            raise RuntimeError("memhog restored lazily found its memory changed")
        return t_rst, t_all
    finally:
        for p in (lz, ps):
            if p and p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(work, ignore_errors=True)


def lazy_row(memhog, rounds):
    for extra, remote, what in (((), False, "checked"), (("--skip-checksums",), False,
                                                         "unchecked"),
                                ((), True, "remote")):
        res = [lazy_round(memhog, 1024, "/dev/shm", extra, remote) for _ in range(rounds)]
        print("%-16s %-10s %10s %10.1f %12s %12s  (all pages in after %.0f ms)" %
              ("lazy 1G " + what, "/dev/shm", "-", median([x[0] for x in res]) * 1000, "-",
               "-", median([x[1] for x in res]) * 1000))


def page_server_row(memhog, rounds):
    res = [page_server_round(memhog, 1024, "/dev/shm") for _ in range(rounds)]
    d, r = median([x[0] for x in res]), median([x[1] for x in res])
    print("%-16s %-10s %10.1f %10.1f %12.2f %12.2f" %
          ("page-server 1G", "loopback", d * 1000, r * 1000, 1 / d, 1 / r))


HUGETLB_LOCK = "/run/zdtm-hugetlb.lock"  # test/zdtm/lib/hugetlb.c takes it too
HUGETLB_POOL = "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"


def hugetlb_pool_add(nr):
    """Add nr (negative: take back) 2 MiB pages to the kernel's pool; how many it added."""
    import fcntl
    with open(HUGETLB_LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with open(HUGETLB_POOL, "r+") as pool:
            before = int(pool.read())
            pool.seek(0)
            pool.write("%d\n" % max(before + nr, 0))
        with open(HUGETLB_POOL) as pool:
            return int(pool.read()) - before


def hugetlb_row(memhog, rounds):
    mib = 1024
    try:
        added = hugetlb_pool_add(mib // 2)
    except OSError as e:
        print("%-16s skipped: no 2 MiB huge pages (%s)" % ("1 GiB hugetlb", e))
        return
    try:
        if added < mib // 2:
            print("%-16s skipped: the kernel gave %d of %d huge pages" %
                  ("1 GiB hugetlb", added, mib // 2))
            return
        env = dict(os.environ, MEMHOG_HUGETLB="1")
        res = [one_round(memhog, mib, "/dev/shm", env=env) for _ in range(rounds)]
        d, r = median([x[0] for x in res]), median([x[1] for x in res])
        print("%-16s %-10s %10.1f %10.1f %12.2f %12.2f" %
              ("1 GiB hugetlb", "/dev/shm", d * 1000, r * 1000, 1 / d, 1 / r))
    finally:
        hugetlb_pool_add(-added)


def fds_round(work, nr_fds, imgroot):
    """10,000 fds of mixed kinds (fdhog.c): dump and restore times; fdhog checks its fds."""
    fdhog = os.path.join(work, "fdhog")
    if not os.path.exists(fdhog):
        subprocess.run(["gcc", "-O2", "-o", fdhog, os.path.join(ROOT, "scripts/bench/fdhog.c")],
                       check=True)
    tmp = tempfile.mkdtemp(dir=imgroot, prefix="criu-bench.")
    try:
        pidfile = os.path.join(tmp, "pid")
        proc = subprocess.Popen([fdhog, str(nr_fds), tmp, pidfile], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        pid = wait_pidfile(pidfile)
        img = os.path.join(tmp, "img")
        t_dump = run_criu(["dump", "-t", str(pid), "-D", img, "-o", "dump.log"])
        proc.wait()
        wait_gone(pid)
        t_rst = run_criu(["restore", "-D", img, "-d", "-o", "restore.log"])
        os.kill(pid, signal.SIGTERM)
        if reap_status(pid) != 0:
            raise RuntimeError("restored fdhog found one of its %d fds changed" % nr_fds)
        return t_dump, t_rst
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def tcp_round(work, nr_conns, size, imgroot):
    """nr_conns established loopback connections with size bytes queued each way (tcphog.c),
    dumped and restored with --tcp-established; tcphog checks every byte afterwards."""
    tcphog = os.path.join(work, "tcphog")
    if not os.path.exists(tcphog):
        subprocess.run(["gcc", "-O2", "-o", tcphog,
                        os.path.join(ROOT, "scripts/bench/tcphog.c")], check=True)
    tmp = tempfile.mkdtemp(dir=imgroot, prefix="criu-bench.")
    try:
        pidfile = os.path.join(tmp, "pid")
        proc = subprocess.Popen([tcphog, str(nr_conns), str(size), pidfile],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        pid = wait_pidfile(pidfile)
        img = os.path.join(tmp, "img")
        t_dump = run_criu(["dump", "-t", str(pid), "-D", img, "-o", "dump.log",
                           "--tcp-established"])
        proc.wait()
        wait_gone(pid)
        t_rst = run_criu(["restore", "-D", img, "-d", "-o", "restore.log",
                          "--tcp-established"])
        os.kill(pid, signal.SIGTERM)
        if reap_status(pid) != 0:
            raise RuntimeError("restored tcphog found a connection changed")
        return t_dump, t_rst
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def tcp_row(work):
    """issue #13: 1,000 connections with 64 KiB queued each way."""
    res = [tcp_round(work, 1000, 64 << 10, "/dev/shm") for _ in range(3)]
    print("%-16s %-10s %10.1f %10.1f %12s %12s" % ("1k TCP, 64K q", "/dev/shm",
          median([x[0] for x in res]) * 1000, median([x[1] for x in res]) * 1000, "-", "-"))


def checksum_cost(memhog, where, rounds):
    """1 GiB dumped and restored with and without checksums (--skip-checksums), the two
    alternating round by round so that both see the same machine; medians and the cost."""
    res = {False: [], True: []}
    for _ in range(rounds):
        for sums in (False, True):
            extra = () if sums else ("--skip-checksums",)
            res[sums].append(one_round(memhog, 1024, where, True, extra))
    d = {k: median([x[0] for x in v]) for k, v in res.items()}
    r = {k: median([x[1] for x in v]) for k, v in res.items()}
    for sums in (False, True):
        print("%-16s %-10s %10.1f %10.1f %12.2f %12.2f" %
              ("1 GiB, %s" % ("checksums" if sums else "no checksums"), where,
               d[sums] * 1000, r[sums] * 1000, 1 / d[sums], 1 / r[sums]))
    print("%-16s %-10s %9.1f%% %9.1f%%" % ("checksum cost", where,
          (d[True] / d[False] - 1) * 100, (r[True] / r[False] - 1) * 100))


def pss_kib(pids):
    """The sum of Pss of the tasks, in KiB, from /proc/PID/smaps_rollup."""
    total = 0
    for pid in pids:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
    return total


def dir_bytes(path):
    return sum(os.path.getsize(os.path.join(path, n)) for n in os.listdir(path))


def cow_round(work, mib, nkids, imgroot, extra=()):
    """A parent and nkids children sharing mib MiB copy-on-write (cowhog.c), dumped with
    the dump options extra.

    Returns dump and restore seconds, image bytes, and the Pss sum (KiB) before and after."""
    cowhog = os.path.join(work, "cowhog")
    if not os.path.exists(cowhog):
        subprocess.run(["gcc", "-O2", "-o", cowhog, os.path.join(ROOT, "scripts/bench/cowhog.c")],
                       check=True)
    tmp = tempfile.mkdtemp(dir=imgroot, prefix="criu-bench.")
    try:
        pidfile = os.path.join(tmp, "pid")
        proc = subprocess.Popen([cowhog, str(mib), str(nkids), pidfile],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        pid = wait_pidfile(pidfile)
        pids = tree_pids(pid)
        if len(pids) != nkids + 1:
            raise RuntimeError("cowhog has %d processes, expected %d" % (len(pids), nkids + 1))
        pss_before = pss_kib(pids)
        img = os.path.join(tmp, "img")
        t_dump = run_criu(["dump", "-t", str(pid), "-D", img, "-o", "dump.log"] + list(extra))
        size = dir_bytes(img)
        proc.wait()
        wait_tree_gone(pids)
        t_rst = run_criu(["restore", "-D", img, "-d", "-o", "restore.log"])
        pss_after = pss_kib(pids)
        os.kill(pid, signal.SIGTERM)
        if reap_status(pid) != 0:
            raise RuntimeError("restored cowhog found its memory or a child's changed")
        return t_dump, t_rst, size, pss_before, pss_after
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def cow_rows(work):
    """The copy-on-write case in both image forms (Documentation/cow-images.md): pages a
    child shares saved once (the default), and saved in full as CRIU 4.2 writes them
    (--cow-pages full; restore shares them again by comparing). Time, image size and Pss,
    the median of 3 rounds each."""
    for form, extra in (("once", ()), ("full", ("--cow-pages", "full"))):
        res = [cow_round(work, 256, 4, "/dev/shm", extra) for _ in range(3)]
        name = "cow 256M x5 " + form
        print("%-16s %-10s %10.1f %10.1f %12s %12s" % (
            name, "/dev/shm", median([x[0] for x in res]) * 1000,
            median([x[1] for x in res]) * 1000, "-", "-"))
        print("  %s: image %.0f MiB, Pss of the 5 tasks %.0f MiB before dump, "
              "%.0f MiB after restore" % (name, median([x[2] for x in res]) / 2**20,
                                          median([x[3] for x in res]) / 1024.0,
                                          median([x[4] for x in res]) / 1024.0))


NETLOCK_CONNS = 1000


def netlock_inner():
    """In a network namespace of its own (netlock_rows): dumps of a sleep with -R, each
    locking NETLOCK_CONNS made-up connections (CRIU_TEST_NETLOCK_CONNS) and removing the
    lock at its end; the times come from criu's log. Prints one line per method."""
    conns = ";".join("127.0.0.1,%d,127.0.0.2,%d" % (10000 + i, 20000 + i)
                     for i in range(NETLOCK_CONNS))
    env = dict(os.environ, CRIU_TEST_NETLOCK_CONNS=conns)
    for method in ("nftables", "iptables"):
        setup, per_conn, removal = [], [], []
        for _ in range(5):
            img = tempfile.mkdtemp(prefix="criu-bench-netlock.")
            sleep = subprocess.Popen(["sleep", "100"], start_new_session=True)
            subprocess.run([CRIU, "dump", "-t", str(sleep.pid), "-D", img, "-o", "dump.log",
                            "-v4", "-R", "--network-lock", method], env=env, check=True)
            sleep.kill()
            sleep.wait()
            with open(os.path.join(img, "dump.log")) as f:
                log = f.read().splitlines()
            shutil.rmtree(img, ignore_errors=True)
            stamps = [float(l[1:l.index(")")]) for l in log if "Locked " in l]
            began = [l for l in log if "set up in" in l]
            start = float(began[0][1:began[0].index(")")]) if began else None
            if began:
                setup.append(int(began[0].split("set up in ")[1].split()[0]))
            first = start if start is not None else stamps[0] - (stamps[1] - stamps[0])
            per_conn.append((stamps[-1] - first) * 1e6 / len(stamps))
            removal += [int(l.split("removed in ")[1].split()[0]) for l in log
                        if "removed in" in l]
        print("%s %s %.0f %s" % (method, median(setup) if setup else "-", median(per_conn),
                                 median(removal)))


def netlock_rows():
    """--network-lock: the lock's set-up (the nftables table), the cost of locking one
    connection, and the removal of a lock holding NETLOCK_CONNS connections."""
    out = subprocess.run(["unshare", "-n", sys.executable, os.path.abspath(__file__),
                          "--netlock-inner"], capture_output=True, text=True)
    if out.returncode:
        print("netlock: skipped (%s)" % out.stderr.strip().splitlines()[-1:])
        return
    for line in out.stdout.splitlines():
        method, setup, conn, removal = line.split()
        print("%-16s %-10s %10s %10s %12s %12s" % (
            "netlock " + method[:3], "-", "-", "-", "-", "-"))
        print("  netlock %s: set-up %s us, %s us per connection locked, removal with %d "
              "connections %s us" % (method, setup, conn, NETLOCK_CONNS, removal))


VERSION_REQ = b"\x08\x0a"            # criu_req { type: VERSION }
VERSION_REQ_KEEP = b"\x08\x0a\x20\x01"  # ... keep_open: true


def version_answered(sk, req):
    sk.send(req)
    resp = sk.recv(4096)
    if b"\x10\x01" not in resp[:4]:     # success: true
        raise RuntimeError("VERSION failed: %r" % resp)


def swrk_version_round():
    """What libcriu and go-criu pay per call: start criu swrk, ask, wait for it to exit."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    start = time.perf_counter()
    p = subprocess.Popen([CRIU, "swrk", str(b.fileno())], pass_fds=[b.fileno()])
    b.close()
    version_answered(a, VERSION_REQ)
    a.close()
    p.wait()
    return time.perf_counter() - start


def rpc_rows(work):
    """issue #15: the round trip of a VERSION request, three ways."""
    sock, pidfile = os.path.join(work, "svc.sock"), os.path.join(work, "svc.pid")
    swrk = median([swrk_version_round() for _ in range(20)])
    subprocess.run([CRIU, "service", "--address", sock, "--pidfile", pidfile, "-d"],
                   check=True)
    svc_pid = wait_pidfile(pidfile)
    try:
        conn = []
        for _ in range(200):
            start = time.perf_counter()
            sk = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            sk.connect(sock)
            version_answered(sk, VERSION_REQ)
            sk.close()
            conn.append(time.perf_counter() - start)
        sk = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        sk.connect(sock)
        start = time.perf_counter()
        for _ in range(2000):
            version_answered(sk, VERSION_REQ_KEEP)
        kept = (time.perf_counter() - start) / 2000
        sk.close()
    finally:
        os.kill(svc_pid, signal.SIGTERM)
    print("rpc VERSION round trip: swrk (exec criu) %.2f ms, service (connect) %.3f ms, "
          "keep_open %.1f us" % (swrk * 1000, median(conn) * 1000, kept * 1e6))


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def main():
    if os.geteuid() != 0:
        print("bench needs root", file=sys.stderr)
        return 1
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    work = tempfile.mkdtemp(prefix="criu-bench-bin.")
    memhog = build(work)
    disk = os.environ.get("BENCH_DISK_DIR", "/var/tmp")
    only = os.environ.get("BENCH_ONLY")
    if only:
        # one row while working on it: BENCH_ONLY=sums, tree, ps (page server), lazy, runc
        if only == "sums":
            checksum_cost(memhog, "/dev/shm", int(os.environ.get("BENCH_SUM_ROUNDS", "5")))
        elif only == "netns":
            bench_netns.netns_row(median)
        elif only == "container":
            bench_container.container_row(median)
        elif only == "runc":
            bench_runc.runc_row(median)
        elif only == "predump":
            bench_predump.predump_rows(memhog)
        elif only == "ps":
            page_server_row(memhog, 3)
        elif only == "lazy":
            lazy_row(memhog, 3)
        elif only == "tree":
            tree = build_tree(work)
            res = [tree_round(tree, 100, 4, "/dev/shm") for _ in range(5)]
            print("tree 100x4 dump %.1f ms restore %.1f ms" %
                  (median([x[0] for x in res]) * 1000, median([x[1] for x in res]) * 1000))
        elif only == "freeze":
            freeze_rows(build_tree(work), int(os.environ.get("BENCH_TREE_THREADS", "4")))
        shutil.rmtree(work, ignore_errors=True)
        return 0
    cases = [("small (1 MiB)", 1, "/dev/shm", 5, False),
             ("1 GiB, cold", 1024, "/dev/shm", 3, False),
             ("1 GiB, warm", 1024, "/dev/shm", 3, True),
             ("1 GiB, cold", 1024, disk, 3, False),
             ("1 GiB, warm", 1024, disk, 3, True)]
    print("%-16s %-10s %10s %10s %12s %12s" %
          ("workload", "images", "dump ms", "restore ms", "dump GiB/s", "rst GiB/s"))
    for name, mib, where, rounds, warm in cases:
        res = [one_round(memhog, mib, where, warm) for _ in range(rounds)]
        d, r = median([x[0] for x in res]), median([x[1] for x in res])
        gib = mib / 1024.0
        print("%-16s %-10s %10.1f %10.1f %12s %12s" %
              (name, where, d * 1000, r * 1000,
               "%.2f" % (gib / d) if mib >= 1024 else "-",
               "%.2f" % (gib / r) if mib >= 1024 else "-"))
    hugetlb_row(memhog, 3)
    page_server_row(memhog, 3)
    lazy_row(memhog, 3)
    # issue #12: what the checksums cost (warm memory, as the warm rows)
    checksum_cost(memhog, "/dev/shm", int(os.environ.get("BENCH_SUM_ROUNDS", "5")))
    res = [fds_round(work, 10000, "/dev/shm") for _ in range(3)]
    print("%-16s %-10s %10.1f %10.1f %12s %12s" % ("10k fds mixed", "/dev/shm",
          median([x[0] for x in res]) * 1000, median([x[1] for x in res]) * 1000, "-", "-"))
    # issue #3's workload: 100 processes with 4 threads each
    nthreads = int(os.environ.get("BENCH_TREE_THREADS", "4"))
    tree = build_tree(work)
    res = [tree_round(tree, 100, nthreads, "/dev/shm") for _ in range(3)]
    print("%-16s %-10s %10.1f %10.1f %12s %12s" %
          ("tree 100x%d" % nthreads, "/dev/shm", median([x[0] for x in res]) * 1000,
           median([x[1] for x in res]) * 1000, "-", "-"))
    freeze_rows(tree, nthreads)
    cow_rows(work)
    bench_predump.predump_rows(memhog)
    netlock_rows()
    tcp_row(work)
    rpc_rows(work)
    bench_runc.runc_row(median)
    bench_netns.netns_row(median)
    bench_container.container_row(median)
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--netlock-inner"]:
        netlock_inner()
        sys.exit(0)
    if sys.argv[1:] == ["--netlock"]:
        netlock_rows()
        sys.exit(0)
    sys.exit(main())
