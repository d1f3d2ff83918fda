#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A process in a network namespace of its own (lo up, a veth pair whose outer end is in
ours, addresses, a route) is dumped. The restore with --external veth[nsv0]:NAME where NAME
is a link of ours must fail saying the name is taken and how to choose another, leaving no
task, no link and no namespace behind. With --empty-ns net the namespace is made but left
to the caller (no veth: runc's way), only its loopback up with 127.0.0.1 (as runc made it;
connections over it are restored there), and no outer end appears.
With --join-ns net:PATH the task goes into that namespace, which gets nothing of the images.
With a free name the namespace comes back whole: the inner link with its addresses and
route, the outer end under the name given; once the task is killed the outer end goes.
A macvlan whose parent is a link of ours comes back on it (--external macvlan[zdmv0]:zdmvp0)
with its mode and address; without that option the restore is refused, naming it.
With --external net[INODE]:KEY the dump saves nothing of the namespace (kept alive by our
fd), the restore needs --inherit-fd fd[N]:KEY and puts the task back into it. A dump with
--empty-ns net saves none of its content and must be restored with --empty-ns net too."""
import ctypes
import glob
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
TAKEN, OUTER = "zdtaken0", "zdnso0"


def sh(cmd):
    return subprocess.run(cmd, shell=True, capture_output=True, text=True)


def criu(*args):
    return subprocess.run([CRIU] + list(args), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)


def links():
    return set(l.split(":")[1].strip().split("@")[0]
               for l in sh("ip -o link show").stdout.splitlines())


def inside(pid, cmd):
    return sh("nsenter -t %d -n %s" % (pid, cmd)).stdout


def wait_link_gone(name, timeout=10):
    end = time.time() + timeout
    while name in links() and time.time() < end:
        time.sleep(0.05)
    return name not in links()


def start(work, macvlan=True):
    ready = os.path.join(work, "ready")
    setup = ("ip link set lo up && "
             "ip link add nsv0 type veth peer name zdnsd0 netns /proc/%d/ns/net && "
             "ip addr add 10.79.0.2/24 dev nsv0 && ip link set nsv0 up && "
             "ip route add 10.97.0.0/16 via 10.79.0.1 dev nsv0 onlink && touch %s && "
             "exec sleep 1000" % (os.getpid(), ready))
    p = subprocess.Popen(["unshare", "--net", "sh", "-c", setup], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    end = time.time() + 10
    while not os.path.exists(ready) and time.time() < end and p.poll() is None:
        time.sleep(0.05)
    time.sleep(0.1)  # exec sleep
    if not macvlan:
        return p
    # a macvlan on a link of ours, moved into the task's namespace
    r = sh("ip link add zdmvp0 type veth peer name zdmvp1 && "
           "ip link add zdmv0 link zdmvp0 type macvlan mode bridge && "
           "ip link set zdmv0 netns %d && "
           "nsenter -t %d -n ip addr add 10.79.9.2/24 dev zdmv0" % (p.pid, p.pid))
    report(r.returncode == 0, "a macvlan on a link of ours in the namespace", r.stderr)
    return p


def restore(work, what, *opts):
    return criu("restore", "-D", work, "-v4", "-o", "restore-%s.log" % what, "-d", *opts)


def check_taken(work, pid):
    sh("ip link add %s type bridge" % TAKEN)
    before = links()
    r = restore(work, "taken", "--external", "veth[nsv0]:%s" % TAKEN)
    log = open(os.path.join(work, "restore-taken.log")).read()
    report(r.returncode != 0 and "%s is taken" % TAKEN in log and
           "--external veth[nsv0]:NAME" in log,
           "a taken outer veth name is refused, saying so", r.stderr + log[-600:])
    time.sleep(0.1)
    report(zdtm.proc_state(pid) is None, "no task is left after the refusal")
    report(links() == before, "no link is left after the refusal",
           str(links() ^ before))
    sh("ip link del %s" % TAKEN)


def check_empty(work, pid):
    before = links()
    r = restore(work, "empty", "--empty-ns", "net")
    report(r.returncode == 0, "--empty-ns net restores", r.stderr)
    own = os.readlink("/proc/%d/ns/net" % pid) if zdtm.proc_state(pid) else None
    report(own is not None and own != os.readlink("/proc/self/ns/net"),
           "the task is in a network namespace of its own", str(own))
    if own:
        got = inside(pid, "ip -o link show")
        addrs = inside(pid, "ip -o addr show dev lo")
        report("nsv0" not in got and "UP" in got.split("lo:")[1].split(">")[0] and
               "127.0.0.1/8" in addrs, "the empty namespace has only lo, up", got + addrs)
    report(links() == before, "no outer veth end appears", str(links() ^ before))
    zdtm.kill_and_reap(pid)


def check_join(work, pid):
    sh("ip netns add zdjoin")
    before = links()
    try:
        r = restore(work, "join", "--join-ns", "net:/run/netns/zdjoin")
        report(r.returncode == 0, "--join-ns net:PATH restores", r.stderr)
        want = os.stat("/run/netns/zdjoin").st_ino
        got = os.stat("/proc/%d/ns/net" % pid).st_ino if zdtm.proc_state(pid) else None
        report(got == want, "the task is in the namespace it was told to join",
               "%s != %s" % (got, want))
        report("nsv0" not in sh("ip netns exec zdjoin ip -o link").stdout and
               links() == before, "nothing of the images is made in the joined namespace")
    finally:
        zdtm.kill_and_reap(pid)
        sh("ip netns del zdjoin")


def check_no_parent(work, pid):
    r = restore(work, "noparent", "--external", "veth[nsv0]:%s" % OUTER)
    log = open(os.path.join(work, "restore-noparent.log")).read()
    report(r.returncode != 0 and "--external macvlan[zdmv0]:PARENT" in log,
           "a macvlan without its parent named is refused, naming the option",
           r.stderr + log[-600:])
    time.sleep(0.1)
    report(zdtm.proc_state(pid) is None, "no task is left after the refusal")
    report(wait_link_gone(OUTER), "the veth made before the refusal goes with the namespace")


def check_whole(work, pid):
    r = restore(work, "whole", "--external", "veth[nsv0]:%s" % OUTER,
                "--external", "macvlan[zdmv0]:zdmvp0")
    report(r.returncode == 0, "the namespace restores with a free outer name", r.stderr)
    if zdtm.proc_state(pid) is None:
        return
    addrs, routes = inside(pid, "ip -o addr show nsv0"), inside(pid, "ip route")
    report("10.79.0.2/24" in addrs and "10.97.0.0/16 via 10.79.0.1 dev nsv0" in routes,
           "the inner link has its address and route", addrs + routes)
    mv = inside(pid, "ip -d -o addr show zdmv0") + inside(pid, "ip -d -o link show zdmv0")
    report("zdmv0@" in mv and "macvlan mode bridge" in mv and "10.79.9.2/24" in mv,
           "the macvlan is back on its parent, with its mode and address", mv)
    report(OUTER in links(), "the outer end is named %s" % OUTER, str(links()))
    zdtm.kill_and_reap(pid)
    report(wait_link_gone(OUTER), "the outer end goes with the namespace")


def check_empty_dump(work):
    """--empty-ns net at dump (runc sends it): nothing of the namespace's content is saved,
    and a restore without --empty-ns net is refused, saying so."""
    d = os.path.join(work, "empty-dump")
    os.makedirs(d)
    p = start(d, macvlan=False)
    try:
        r = criu("dump", "-t", str(p.pid), "-D", d, "-v4", "-o", "dump.log", "--empty-ns",
                 "net")
        report(r.returncode == 0 and not glob.glob(os.path.join(d, "netdev-*.img")) and
               not glob.glob(os.path.join(d, "ifaddr-*.img")),
               "dump with --empty-ns net saves no links or addresses", r.stderr)
        p.wait()
        wait_link_gone("zdnsd0")
        r = criu("restore", "-D", d, "-v4", "-o", "restore-full.log", "-d")
        log = open(os.path.join(d, "restore-full.log")).read()
        report(r.returncode != 0 and "restore with --empty-ns net" in log and
               zdtm.proc_state(p.pid) is None,
               "a restore without --empty-ns net is refused, saying so", log[-400:])
        r = criu("restore", "-D", d, "-v4", "-o", "restore-empty.log", "-d", "--empty-ns",
                 "net")
        report(r.returncode == 0 and zdtm.proc_state(p.pid) is not None,
               "the restore with --empty-ns net runs", r.stderr)
    finally:
        zdtm.kill_and_reap(p.pid)
        wait_link_gone("zdnsd0")


def check_external(work):
    """--external net[INODE]:KEY: the namespace is the caller's, kept alive by our fd."""
    ext = os.path.join(work, "ext")
    os.makedirs(ext)
    p = start(ext, macvlan=False)
    nsfd = os.open("/proc/%d/ns/net" % p.pid, os.O_RDONLY)
    ino = os.fstat(nsfd).st_ino
    try:
        r = criu("dump", "-t", str(p.pid), "-D", ext, "-v4", "-o", "dump.log",
                 "--external", "net[%d]:zdnet" % ino)
        report(r.returncode == 0 and not glob.glob(os.path.join(ext, "netdev-*.img")),
               "dump with an external namespace saves none of its content", r.stderr)
        p.wait()
        r = criu("restore", "-D", ext, "-v4", "-o", "restore-none.log", "-d")
        log = open(os.path.join(ext, "restore-none.log")).read()
        report(r.returncode != 0 and "--inherit-fd fd[N]:zdnet" in log,
               "without --inherit-fd the restore is refused, naming it", log[-400:])
        r = subprocess.run([CRIU, "restore", "-D", ext, "-v4", "-o", "restore-ext.log", "-d",
                            "--inherit-fd", "fd[%d]:zdnet" % nsfd], pass_fds=(nsfd,),
                           stdin=subprocess.DEVNULL, capture_output=True, text=True)
        report(r.returncode == 0, "--inherit-fd fd[N]:KEY restores", r.stderr)
        got = os.stat("/proc/%d/ns/net" % p.pid).st_ino if zdtm.proc_state(p.pid) else None
        report(got == ino, "the task is back in the namespace it was in", "%s" % got)
        if got == ino:
            report("10.79.0.2/24" in inside(p.pid, "ip -o addr show nsv0"),
                   "whose links are as they were (nothing made again)")
    finally:
        zdtm.kill_and_reap(p.pid)
        os.close(nsfd)
        wait_link_gone("zdnsd0")


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(zdtm.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    work = tempfile.mkdtemp(prefix="criu-netns-")
    p = start(work)
    pid = p.pid
    try:
        r = criu("dump", "-t", str(pid), "-D", work, "-v4", "-o", "dump.log")
        report(r.returncode == 0, "dump of a task in its own network namespace", r.stderr)
        p.wait()
        report(wait_link_gone("zdnsd0"), "the dumped namespace's outer end is gone")
        check_taken(work, pid)
        check_empty(work, pid)
        check_join(work, pid)
        check_no_parent(work, pid)
        check_whole(work, pid)
        check_external(work)
        check_empty_dump(work)
    finally:
        zdtm.kill_and_reap(pid)
        sh("ip link del %s 2>/dev/null" % TAKEN)
        sh("ip link del zdmvp0 2>/dev/null")
        shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
