#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A hand-built container, as runtimes make them, dumped and restored from outside.

util-linux unshare makes new pid, mount, uts, ipc, network and cgroup namespaces; pid 1
binds a busybox-static root file system onto itself, pivot_root's into it, drops the old
root and runs init.sh there: its own /proc, a tmpfs on /run holding a file, a host name, a
TCP echo server (busybox nc -e cat) and a shell loop counting into /run/count. A veth pair
joins it to us (10.77.0.1 here, 10.77.0.2 inside) and we hold a connection to the server.
criu dumps it (--tcp-established --link-remap) and restores it with --root ROOTFS, the veth's outer end
named by --external veth[eth0]:OUTER. Checked from outside afterwards: the count goes on from
where it was (no restart), /run's file and a file of the root file system hold their bytes,
the host name and the pids inside (1 for the shell) are kept, the connection made before
the dump still echoes, and the shell's two deleted files are back: one removed from the root
file system (a ghost: its bytes, its path gone again) and one unlinked but still linked as
/tmp/l2 (dumped with --link-remap: the fd is that file again, the link_remap file gone). The container runs in a memory cgroup of its own with a limit (its
cgroup namespace's root), removed between dump and restore: with the default
--manage-cgroups (soft) the restore makes it again with its limit and every task of the
container is back in it, as /proc/PID/cgroup shows from outside (the tasks move themselves
in through criu's fds: the container has no cgroup mounts). The dump and restore times are
printed. Twice: the root file system on disk, then in a directory of a tmpfs (/dev/shm),
which is --root's too, not saved. Then once more as a rootless container: a user namespace
made first (uid and gid 0 are 0 outside, 1-65535 are 100001-165535), which owns every other
namespace, the mount namespace included; after the restore they are owned by the restored
user namespace again. In every round a static helper (ct-watcher.c) watches for writes a file of
the root file system and one of the tmpfs with an inotify instance and a fanotify group (in
the rootless round a FAN_REPORT_FID one, the kind a user namespace's root may make): a write
to each from outside must be reported by its watch and its mark, before the dump and after
the restore. A fourth round restores with --root a copy
of the root file system (cp -a after the dump): the watches must be on the copy's files."""
import ctypes
import fcntl
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zdtm  # noqa: E402
import tally  # noqa: E402

CRIU = os.path.join(zdtm.ROOT, "criu", "criu")
BUSYBOX = "/bin/busybox"
WATCHER = os.path.join(zdtm.BUILD_DIR, "others", "ct-watcher")
OUTER, HOST_IP, CT_IP, PORT = "zdct0", "10.77.0.1", "10.77.0.2", 7000
report = tally.Tally(show_ok=True)
CG_LIMIT = str(48 << 20)

# proc first: in a user namespace a new proc must not show more than a proc already there
INIT = """mount -t proc proc /proc
umount -l /oldroot && rmdir /oldroot
mount -t tmpfs -o size=4m run /run
hostname zdtm-ct
echo bytes-in-tmpfs > /run/data
echo watched > /run/watched
/bin/ct-watcher /events /etc/watched /run/watched &
echo ghost-bytes > /tmp/g && exec 7</tmp/g && rm /tmp/g
echo linked-bytes > /tmp/l && exec 8</tmp/l && ln /tmp/l /tmp/l2 && rm /tmp/l
nc -l -p %d -e /bin/cat &
i=0; while true; do i=$((i+1)); echo $i > /run/count; sleep 0.05; done
""" % PORT

ENTER = """mount --bind "$1" "$1" && cd "$1" && mkdir -p oldroot && pivot_root . oldroot &&
exec /bin/busybox setsid /bin/busybox sh /init.sh"""


def sh(cmd):
    return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=30)


def make_rootfs(root):
    for d in ("bin", "proc", "run", "etc", "tmp", "dev"):
        os.makedirs(os.path.join(root, d))
    # the shell gives a background job /dev/null for its stdin
    os.mknod(os.path.join(root, "dev", "null"), 0o666 | 0o020000, os.makedev(1, 3))
    os.chmod(os.path.join(root, "dev", "null"), 0o666)
    shutil.copy(BUSYBOX, os.path.join(root, "bin", "busybox"))
    for c in ("sh", "sleep", "nc", "cat", "mount", "umount", "hostname", "rmdir", "ln", "rm"):
        os.symlink("busybox", os.path.join(root, "bin", c))
    with open(os.path.join(root, "init.sh"), "w") as f:
        f.write(INIT)
    with open(os.path.join(root, "etc", "motd"), "w") as f:
        f.write("bytes-in-rootfs\n")
    with open(os.path.join(root, "etc", "watched"), "w") as f:
        f.write("watched\n")
    shutil.copy(WATCHER, os.path.join(root, "bin", "ct-watcher"))


def memory_cgroup():
    """A new cgroup below ours in the memory hierarchy (v1, else cgroup2): its directory."""
    with open("/proc/self/mountinfo") as f:
        mounts = [ln.split(" - ", 1) for ln in f]
    v1 = [m[0].split()[4] for m in mounts
          if m[1].split()[0] == "cgroup" and "memory" in m[1].split()[2].split(",")]
    v2 = [m[0].split()[4] for m in mounts if m[1].split()[0] == "cgroup2"]
    want = "memory" if v1 else ""
    for line in open("/proc/self/cgroup"):
        num, ctls, path = line.rstrip("\n").split(":", 2)
        if want in ctls.split(",") or (not want and num == "0"):
            top = (v1 or v2)[0] + path
    d = os.path.join(top, "zdtm-ct.%d.%d" % (os.getpid(), time.monotonic_ns()))
    os.mkdir(d)
    if v1:
        with open(os.path.join(d, "memory.limit_in_bytes"), "w") as f:
            f.write(CG_LIMIT)
    return d


def cg_limit(cg):
    name = "memory.limit_in_bytes" if os.path.exists(os.path.join(cg, "memory.limit_in_bytes")) \
        else None
    return open(os.path.join(cg, name)).read().strip() if name else CG_LIMIT


def remove_cgroup(cg):
    end = time.monotonic() + 10
    while os.path.isdir(cg):
        try:
            os.rmdir(cg)
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.05)


def cgroups_of(pid):
    """Each task of the container (pid and its descendants) with its /proc/PID/cgroup."""
    out = {}
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            out[p] = open("/proc/%d/cgroup" % p).read()
            todo += [int(k) for k in open("/proc/%d/task/%d/children" % (p, p)).read().split()]
        except OSError:
            pass
    return sorted(out.values())


USERNS_MAP = "0 0 1\n1 100001 65535\n"
CLONE_NEWUSER = 0x10000000


def map_user_ns(ready_r, go_w):
    """In a thread of ours: the child said it has its user namespace; write its maps."""
    pid = int(os.read(ready_r, 16))
    for name in ("uid_map", "gid_map"):
        with open("/proc/%d/%s" % (pid, name), "w") as f:
            f.write(USERNS_MAP)
    os.write(go_w, b"1")


def start(root, cg, userns=False):
    """The unshare process; the container's pid 1 is its child, born in the cgroup cg. With
    userns, the unshare process is in a user namespace of its own first, where it is root:
    the other namespaces it makes are the user namespace's."""
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()

    def into_cgroup():
        with open(os.path.join(cg, "cgroup.procs"), "w") as f:
            f.write("0")
        if not userns:
            return
        if ctypes.CDLL(None, use_errno=True).unshare(CLONE_NEWUSER):
            raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWUSER)")
        os.write(ready_w, b"%d" % os.getpid())
        os.read(go_r, 1)
        os.setresgid(0, 0, 0)
        os.setresuid(0, 0, 0)
    mapper = threading.Thread(target=map_user_ns, args=(ready_r, go_w), daemon=True)
    if userns:
        mapper.start()
    try:
        p = subprocess.Popen(["unshare", "--pid", "--mount", "--uts", "--ipc", "--net",
                              "--cgroup", "--fork", "--propagation", "private", BUSYBOX,
                              "sh", "-c", ENTER, "enter", root], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             preexec_fn=into_cgroup)
    finally:
        if userns:
            mapper.join(10)
        for fd in (ready_r, ready_w, go_r, go_w):
            os.close(fd)
    end = time.monotonic() + 10
    while time.monotonic() < end:
        kids = open("/proc/%d/task/%d/children" % (p.pid, p.pid)).read().split()
        if kids and read_in(int(kids[0]), "/run/count"):
            return p, int(kids[0])
        time.sleep(0.05)
    raise zdtm.TestFailure(["the container did not start"])


def read_in(pid, path):
    try:
        with open("/proc/%d/root%s" % (pid, path)) as f:
            return f.read().strip()
    except OSError:
        return ""


def host_end_up():
    sh("ip addr add %s/24 dev %s && ip link set %s up" % (HOST_IP, OUTER, OUTER))


def wire(pid):
    r = sh("ip link add %s type veth peer name eth0 netns %d" % (OUTER, pid))
    if r.returncode:
        raise zdtm.TestFailure(["ip link add: " + r.stderr])
    host_end_up()
    sh("nsenter -t %d -n sh -c 'ip link set lo up; ip addr add %s/24 dev eth0; "
       "ip link set eth0 up'" % (pid, CT_IP))


def connect():
    end = time.monotonic() + 10
    while True:
        try:
            return socket.create_connection((CT_IP, PORT), timeout=5)
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.1)


def echo(s, word):
    s.settimeout(10)
    s.sendall(word + b"\n")
    got = b""
    while not got.endswith(b"\n"):
        chunk = s.recv(100)
        if not chunk:
            break
        got += chunk
    return got.strip()


WATCHED = ("/etc/watched", "/run/watched")  # on the root file system, on the tmpfs


def watcher_log(pid):
    return read_in(pid, "/events").splitlines()


def check_watches(pid, when):
    """ct-watcher's inotify watch and fanotify mark on each file of WATCHED: a write to the
    file from outside is an event of that watch and of that mark in /events."""
    end = time.monotonic() + 10
    while not any(ln.startswith("ready") for ln in watcher_log(pid)):
        if time.monotonic() > end:
            return ["%s: ct-watcher is not ready: %s" % (when, watcher_log(pid))]
        time.sleep(0.05)
    if not any(ln.startswith("ready fanotify") for ln in watcher_log(pid)):
        return ["%s: ct-watcher made no fanotify group: %s" % (when, watcher_log(pid))]
    problems = []
    for i, path in enumerate(WATCHED, 1):
        seen = len(watcher_log(pid))
        with open("/proc/%d/root%s" % (pid, path), "a") as f:
            f.write("written %s\n" % when)
        want = {"inotify %d" % i, "fanotify %d" % i}
        end = time.monotonic() + 5
        while not want <= set(watcher_log(pid)[seen:]) and time.monotonic() < end:
            time.sleep(0.05)
        got = watcher_log(pid)[seen:]
        if set(got) != want:
            problems.append("%s: a write to %s gave the events %s, not %s" %
                            (when, path, got, sorted(want)))
    return problems


def criu(*args):
    start_t = time.monotonic()
    r = subprocess.run([CRIU] + list(args), stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=120)
    return r, (time.monotonic() - start_t) * 1000


def deleted_files(pid):
    """pid 1's fd 7, a file deleted from the root file system (a ghost for criu), and fd 8,
    one unlinked from /tmp/l but linked as /tmp/l2 (a link remap): their bytes, whether fd 8
    is the file /tmp/l2 names, and what /tmp holds."""
    try:
        with open("/proc/%d/fd/7" % pid) as f7, open("/proc/%d/fd/8" % pid) as f8:
            bytes7, bytes8 = f7.read().strip(), f8.read().strip()
        same = os.stat("/proc/%d/fd/8" % pid).st_ino == \
            os.stat("/proc/%d/root/tmp/l2" % pid).st_ino
        return "%s %s %s %s" % (bytes7, bytes8, same,
                                sorted(os.listdir("/proc/%d/root/tmp" % pid)))
    except OSError as e:
        return str(e)


def state(pid):
    nspid = [ln for ln in open("/proc/%d/status" % pid) if ln.startswith("NSpid:")]
    return {"host": sh("nsenter -t %d -u hostname" % pid).stdout.strip(),
            "data": read_in(pid, "/run/data"), "motd": read_in(pid, "/etc/motd"),
            "nspid": nspid[0].split()[-1] if nspid else "", "deleted": deleted_files(pid)}


def check_after(pid, before, count_before, conn):
    problems = []
    now = state(pid)
    if now != before:
        problems.append("state %s, was %s" % (now, before))
    c1 = int(read_in(pid, "/run/count") or 0)
    time.sleep(0.5)
    c2 = int(read_in(pid, "/run/count") or 0)
    if c1 < count_before or c2 <= c1:
        problems.append("count %d then %d after the restore, %d before: not going on" %
                        (c1, c2, count_before))
    got = echo(conn, b"after")
    if got != b"after":
        problems.append("the connection echoed %r after the restore" % got)
    return problems


def check_cgroups(pid, cg, cgs_before):
    problems = []
    cgs = set(cgroups_of(pid))
    if cgs != cgs_before:
        problems.append("the tasks' cgroups %s after the restore, %s before" %
                        (sorted(cgs), sorted(cgs_before)))
    if not os.path.isdir(cg) or cg_limit(cg) != CG_LIMIT:
        problems.append("the cgroup %s was not made again with its limit" % cg)
    return problems


def owners(pid):
    """The user namespaces that own pid's mount, network and uts namespaces, and its own."""
    ns_get_userns = 0xb701
    found = {"user": os.readlink("/proc/%d/ns/user" % pid)}
    for kind in ("mnt", "net", "uts"):
        fd = os.open("/proc/%d/ns/%s" % (pid, kind), os.O_RDONLY)
        try:
            owner = fcntl.ioctl(fd, ns_get_userns)
            found[kind] = os.readlink("/proc/self/fd/%d" % owner)
            os.close(owner)
        finally:
            os.close(fd)
    return found


def check_owners(pid, userns):
    """With userns: every namespace is owned by the container's user namespace."""
    if not userns:
        return []
    found = owners(pid)
    wrong = [k for k in ("mnt", "net", "uts") if found[k] != found["user"]]
    return ["the %s namespace is owned by %s, not by the container's %s" %
            (k, found[k], found["user"]) for k in wrong]


def cycle(root, work, p, pid, conn, cg, userns=False, copy=False):
    before = state(pid)
    if echo(conn, b"before") != b"before" or before["nspid"] != "1":
        return ["no echo or pid inside %s before the dump" % before["nspid"]]
    cgs_before = set(cgroups_of(pid))
    if len(cgs_before) != 1 or os.path.basename(cg) not in next(iter(cgs_before)):
        return ["the container's tasks are not all in %s: %s" % (cg, cgs_before)]
    problems = check_owners(pid, userns)
    if problems:
        return ["before the dump: "] + problems
    problems = check_watches(pid, "before the dump")
    if problems:
        return problems
    count_before = int(read_in(pid, "/run/count"))
    if before["deleted"] != "ghost-bytes linked-bytes True ['l2']":
        return ["the deleted files before the dump: " + before["deleted"]]
    r, dump_ms = criu("dump", "-t", str(pid), "-D", work, "-v4", "-o", "dump.log",
                      "--tcp-established", "--link-remap")
    if r.returncode:
        return ["dump failed: " + r.stderr[-400:]]
    zdtm.reap(pid, 10)
    p.wait(timeout=10)
    remove_cgroup(cg)  # the restore makes it again (--manage-cgroups' default, soft)
    pidfile = os.path.join(work, "pid")
    if copy:  # the root file system moved: the same files, other inodes
        r = sh("cp -a %s %s.copy" % (root, root))
        if r.returncode:
            return ["cp -a of the root file system: " + r.stderr]
        root += ".copy"
    r, rst_ms = criu("restore", "-D", work, "-v4", "-o", "restore.log", "-d", "--root", root,
                     "--tcp-established", "--external", "veth[eth0]:" + OUTER, "--pidfile",
                     pidfile)
    if r.returncode:
        return ["restore failed: " + r.stderr[-400:]]
    print("# container: dump %.0f ms, restore %.0f ms" % (dump_ms, rst_ms))
    new = int(open(pidfile).read())
    host_end_up()
    problems = check_after(new, before, count_before, conn) + \
        check_cgroups(new, cg, cgs_before) + check_owners(new, userns) + \
        check_watches(new, "after the restore")
    zdtm.kill_and_reap(new)
    return problems


def one_container(where, userns=False, copy=False):
    top = tempfile.mkdtemp(prefix="container.", dir=where)
    root, work = os.path.join(top, "rootfs"), os.path.join(top, "images")
    os.makedirs(work)
    make_rootfs(root)
    what = "busybox container, its root file system on %s (%spid, mnt, uts, ipc, net, " \
        "cgroup ns, pivot_root, veth, TCP, memory cgroup), dumped and restored" % \
        (where, "user (rootless), " if userns else "")
    if copy:
        what += " with --root a copy of it (cp -a)"
    p, conn, pid, cg = None, None, None, None
    try:
        cg = memory_cgroup()
        p, pid = start(root, cg, userns)
        wire(pid)
        conn = connect()
        problems = cycle(root, work, p, pid, conn, cg, userns, copy)
        report(not problems, what, "; ".join(problems))
    except (zdtm.TestFailure, OSError) as e:
        report(False, what, "; ".join(e.lines()) if isinstance(e, zdtm.TestFailure) else str(e))
    finally:
        if conn:
            conn.close()
        if pid and zdtm.proc_state(pid) is not None:
            zdtm.kill_and_reap(pid)
        zdtm.cleanup_children()
        if cg:
            remove_cgroup(cg)
        sh("ip link del %s" % OUTER)
        if os.environ.get("KEEP_CT"):
            print("# kept " + top)
        else:
            shutil.rmtree(top, ignore_errors=True)


def main():
    zdtm.become_subreaper()
    # on disk, and a directory of a tmpfs (whose files are the root's, not a tmpfs to save)
    for where in ("/var/tmp", "/dev/shm"):
        one_container(where)
    one_container("/var/tmp", userns=True)
    one_container("/var/tmp", copy=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
