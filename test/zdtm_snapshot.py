#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""What test/zdtm.py compares before the dump and after the restore: a task's maps, fds,
/proc/PID/status fields, limits and namespace shape, read from /proc."""
import os
import re


def read_maps(pid):
    """(start, end, perms, offset, path) per VMA, adjacent compatible VMAs merged."""
    vmas = []
    with open("/proc/%d/maps" % pid) as f:
        for line in f:
            fields = line.split(None, 5)
            start, end = (int(x, 16) for x in fields[0].split("-"))
            path = fields[5].strip() if len(fields) > 5 else ""
            # an O_TMPFILE is named by the kernel after its inode (fields[4]), which a new
            # one can't keep
            m = re.search(r"/#(\d+) \(deleted\)$", path)
            if m and m.group(1) == fields[4]:
                path = path[:m.start()] + "/#INODE (deleted)"
            # a packet socket's rings: the restored socket is a new inode, as in read_fds
            path = re.sub(r"^socket:\[\d+\]$", "socket", path)
            offset = int(fields[2], 16) if path and not path.startswith("[") else 0
            vma = [start, end, fields[1], offset, path]
            if vmas:
                prev = vmas[-1]
                contiguous = (not path or path.startswith("[") or
                              prev[3] + (prev[1] - prev[0]) == offset)
                if prev[1] == start and prev[2] == vma[2] and prev[4] == path and contiguous:
                    prev[1] = end
                    continue
            vmas.append(vma)
    return ["%x-%x %s %x %s" % tuple(v) for v in vmas]


def read_fds(pid):
    """{fd: "target pos=N flags=N"}, kernel object numbers of pipes/sockets left out."""
    fds = {}
    fd_dir = "/proc/%d/fd" % pid
    for fd in sorted(os.listdir(fd_dir), key=int):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
            with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                info = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        target = re.sub(r"^(pipe|socket|net):\[\d+\]$", r"\1", target)
        # an O_TMPFILE is named by the kernel after its inode, which a new one can't keep
        if int(info.get("flags", "0").strip() or "0", 8) & 0o20000000:
            target = re.sub(r"/#\d+ \(deleted\)$", "/#INODE (deleted)", target)
        fds[int(fd)] = "%s pos=%s flags=%s" % (target, info.get("pos", "?").strip(),
                                               info.get("flags", "?").strip())
    return fds


# Fields of /proc/PID/status that a checkpoint must not change. SigBlk is left out: a test
# caught between sigprocmask() and sigsuspend() shows another mask than inside it.
STATUS_FIELDS = ("PPid", "Threads", "SigIgn", "SigCgt", "Uid", "Gid", "Groups", "CapInh",
                 "CapPrm", "CapEff", "CapBnd", "NoNewPrivs", "Seccomp", "NSpid", "NSpgid",
                 "NSsid")
NS_KINDS = ("pid", "pid_for_children", "uts", "ipc", "time", "time_for_children", "mnt", "net",
            "user", "cgroup")


def read_ns_shape(pid):
    """For each namespace kind: is the task's the runner's? (A restored namespace is a new
    one: its inode differs, but it must again be the runner's or not, as before.)"""
    shape = {}
    for kind in NS_KINDS:
        try:
            shape[kind] = (os.stat("/proc/%d/ns/%s" % (pid, kind)).st_ino ==
                           os.stat("/proc/self/ns/%s" % kind).st_ino)
        except FileNotFoundError:
            pass
    return shape


def read_status(pid):
    status = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in STATUS_FIELDS:
                status[key] = " ".join(value.split())
    return status


def read_limits(pid):
    with open("/proc/%d/limits" % pid) as f:
        return [" ".join(l.split()) for l in f.read().splitlines()[1:]]


def snapshot(pid):
    return {"maps": read_maps(pid), "fds": read_fds(pid), "status": read_status(pid),
            "limits": read_limits(pid), "ns": read_ns_shape(pid)}


def compare_snapshots(before, after, when, unstable=(), chain=False):
    """Differences as lines; the first line says what and when. chain: between the dumps of
    a chain, the task holds criu's write tracker (a userfaultfd at fd 1000 or above)."""
    problems = []
    if "maps" in unstable:
        before, after = dict(before, maps=[]), dict(after, maps=[])
    lost = [m for m in before["maps"] if m not in after["maps"]]
    new = [m for m in after["maps"] if m not in before["maps"]]
    if lost or new:
        problems.append("maps differ %s (- before, + after):" % when)
        problems += ["  - " + m for m in lost[:10]] + ["  + " + m for m in new[:10]]
    for fd in sorted(set(before["fds"]) | set(after["fds"])):
        old, cur = before["fds"].get(fd), after["fds"].get(fd)
        if chain and old is None and fd >= 1000 and "userfaultfd" in str(cur):
            continue
        if old != cur:
            problems.append("fd %d differs %s: was %s, now %s" % (fd, when, old, cur))
    for key in (k for k in STATUS_FIELDS if k not in unstable):
        old, cur = before["status"].get(key), after["status"].get(key)
        if old != cur:
            problems.append("status %s differs %s: was %s, now %s" % (key, when, old, cur))
    for kind in sorted(set(before["ns"]) | set(after["ns"])):
        old, cur = before["ns"].get(kind), after["ns"].get(kind)
        if old != cur:
            problems.append("%s namespace %s: was %s, now %s" % (kind, when,
                            *("the runner's" if v else "its own" for v in (old, cur))))
    for old, cur in zip(before["limits"], after["limits"]):
        if old != cur:
            problems.append("limit differs %s: was '%s', now '%s'" % (when, old, cur))
    return problems


def root_pid_repicked(restore_log):
    """Did the restore give the root of a tree in its own pid namespace another pid outside,
    its own being taken by a live task (criu/ns/pid-restore.c)?"""
    try:
        with open(restore_log) as f:
            return "(task 1 of the tree's) is taken by a running task" in f.read()
    except OSError:
        return False


def without_outer_pids(snap):
    """The snapshot with NSpid, NSpgid and NSsid at the levels inside the tree's namespace."""
    status = dict(snap["status"])
    for key in ("NSpid", "NSpgid", "NSsid"):
        if len(status.get(key, "").split()) > 1:
            status[key] = " ".join(status[key].split()[1:])
    return dict(snap, status=status)
