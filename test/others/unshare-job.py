#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A container made with unshare(1) from a shell: `unshare -p -f -m --mount-proc` runs a
bash, pid 1 of a new pid namespace with its own mount namespace and /proc, whose child
counts into a file. unshare stays outside, so the tree's session and process group are led
from outside its pid namespace (they show as 0 inside).

- dump without --shell-job is refused, naming the option, and the counter goes on;
- dump -j --ext-mount-map auto (the host mounts the namespace copied), then
  restore -j --ext-mount-map auto --root / -d: the tree is back with its pids inside the
  namespace (1 and 2), in criu's session and group, its own /proc mounted (it lists only its
  two tasks), and the counter goes on from where it was.
- the same with `unshare -U -r` too (a user namespace, root mapped to root, owning the pid
  and mount namespaces: the copied host mounts are locked together, so the external ones
  are cloned in criu's namespace): after restore the tree is in a user namespace of its
  own with the same uid map.
- the same with `unshare -U` alone: a user namespace nobody gave maps, where the tasks'
  uid 0 is unmapped (they see the overflow id): after restore the namespace has no maps
  and the tasks still have uid 0 as criu sees them.

This script is a child subreaper, so the killed tree's tasks are its children to reap."""
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

COUNTER = """
import os, sys, time
out = sys.argv[1]
n = 0
while True:
    n += 1
    with open(out + ".tmp", "w") as f:
        f.write("%d %s\\n" % (n, " ".join(sorted(p for p in os.listdir("/proc") if p.isdigit()))))
    os.rename(out + ".tmp", out)
    time.sleep(0.02)
"""


def criu(*args):
    return subprocess.run([CRIU] + list(args), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)


def status_field(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return line.split()[1:]
    except OSError:
        pass
    return None


def count(path, after=0, timeout=10):
    """(n, [pids /proc lists]) once n is above after."""
    end = time.time() + timeout
    while time.time() < end:
        try:
            with open(path) as f:
                words = f.read().split()
            if words and int(words[0]) > after:
                return int(words[0]), words[1:]
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    return None, None


def user_ns(pid):
    """(inode of pid's user namespace, its uid_map text), or None"""
    try:
        with open("/proc/%d/uid_map" % pid) as f:
            return os.stat("/proc/%d/ns/user" % pid).st_ino, f.read()
    except OSError:
        return None


def one_round(userns):
    work = tempfile.mkdtemp(prefix="criu-unshare-job-")
    out = os.path.join(work, "count")
    script = os.path.join(work, "counter.py")
    os.chmod(work, 0o755)
    with open(script, "w") as f:
        f.write(COUNTER)
    what = {None: "", "root": " (user namespace)",
            "unmapped": " (user namespace without maps)"}[userns]
    shell = subprocess.Popen(["unshare"] + {None: [], "root": ["-U", "-r"],
                                            "unmapped": ["-U"]}[userns] +
                             ["-p", "-f", "-m", "--mount-proc", "bash", "-c",
                              "%s %s %s & wait" % (sys.executable, script, out)],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    tree = []
    try:
        n, seen = count(out)
        kids = zdtm.tree_pids(shell.pid)
        report(n is not None and len(kids) == 2 and seen == ["1", "2"],
               "the counter runs as pid 2 of its own pid namespace" + what,
               "%r %r" % (kids, seen))
        if n is None or len(kids) != 2:
            return
        root = kids[0]
        tree = [root] + zdtm.tree_pids(root)
        nspid = [status_field(p, "NSpid") for p in tree]
        users = user_ns(root)
        r = criu("dump", "-t", str(root), "-D", work, "-o", "dump.log")
        later, _ = count(out, n)
        report(r.returncode != 0 and "--shell-job" in open(os.path.join(work, "dump.log")).read()
               and later is not None, "dump without --shell-job is refused naming it, "
               "and the counter goes on" + what)
        r = criu("dump", "-t", str(root), "-D", work, "-o", "dump.log", "-j",
                 "--ext-mount-map", "auto")
        report(r.returncode == 0, "dump -j --ext-mount-map auto" + what,
               open(os.path.join(work, "dump.log")).read()[-2000:])
        if r.returncode:
            return
        shell.wait(timeout=10)
        for pid in tree:
            zdtm.reap(pid, 10)
        at_dump, _ = count(out)
        r = criu("restore", "-D", work, "-o", "restore.log", "-j", "--ext-mount-map", "auto",
                 "--root", "/", "-d")
        report(r.returncode == 0, "restore -j --ext-mount-map auto --root /" + what,
               open(os.path.join(work, "restore.log")).read()[-2000:])
        if r.returncode:
            return
        after, seen = count(out, at_dump + 5)
        report(after is not None and seen == ["1", "2"],
               "the counter goes on from %s, its /proc lists pids 1 and 2%s" % (at_dump, what),
               "%r %r" % (after, seen))
        report([status_field(p, "NSpid") for p in tree] == nspid,
               "both tasks have their pids at both levels" + what, repr(nspid))
        me = os.getpgid(0), os.getsid(0)
        report(all((os.getpgid(p), os.getsid(p)) == me for p in tree),
               "the tree is in criu's session and process group" + what)
        if userns:
            now, mine = user_ns(root), user_ns(os.getpid())
            report(now and users and now[0] != mine[0] and now[1] == users[1],
                   "the tree is in a user namespace of its own with the same uid map" + what,
                   "%r %r %r" % (users, now, mine))
        if userns == "unmapped":
            # its root ids are in no map: criu sees 0, the task the overflow id
            report(all(status_field(p, "Uid") == ["0"] * 4 for p in tree) and
                   now and now[1] == "",
                   "the tasks keep their unmapped uid 0 in a namespace without maps",
                   "%r" % [status_field(p, "Uid") for p in tree])
    finally:
        if shell.poll() is None:
            shell.kill()
        for pid in tree:
            zdtm.kill_and_reap(pid)
        try:
            shell.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        shutil.rmtree(work, ignore_errors=True)


def main():
    if not shutil.which("unshare"):
        print("0 passed, 0 failed, 1 skipped (no unshare: util-linux)")
        return 77
    zdtm.become_subreaper()
    one_round(None)
    one_round("root")
    one_round("unmapped")
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
