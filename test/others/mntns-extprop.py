#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Propagation across the tree's mount namespace and criu's. In criu's namespace two tmpfs
mounts are made shared: host/ and master/. The tree (unshare -m, its copies of criu's mounts
kept in their groups) leaves its host/ a peer of criu's, binds host/sub on in/ (a peer too)
and makes its master/ a slave. The dump refuses the first without --enable-external-sharing
and the second without --enable-external-masters, naming the mount and the option, and the
tree runs on; with both (and --ext-mount-map auto) it is dumped and restored, and then:
a mount criu makes on host/a shows in the tree's host/a, one on host/sub/b at its in/b, one
the tree makes on host/c shows in criu's host/c; one criu makes on master/a shows in the
tree's, one the tree makes on master/b does not show in criu's."""
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zdtm  # noqa: E402
import tally  # noqa: E402

CRIU = os.path.join(zdtm.ROOT, "criu", "criu")
BASE = os.path.join(zdtm.BUILD_DIR, "mntns-extprop")
report = tally.Tally(show_ok=True)


def sh(cmd):
    subprocess.run(["sh", "-c", cmd], check=True, stdin=subprocess.DEVNULL)


def criu(args, log):
    return subprocess.run([CRIU] + args + ["-v4", "-o", log], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=120)


def in_tree(pid, cmd):
    return subprocess.run(["nsenter", "-t", str(pid), "-m", "sh", "-c", cmd],
                          stdin=subprocess.DEVNULL, capture_output=True).returncode == 0


def shows(pid, mount_in_tree, where, path):
    """Mount a tmpfs with a mark at where (in the tree or in criu's namespace): is the mark
    at path on the other side? The mount is taken down again."""
    mk = "mount -t tmpfs zdtm_ep %s/%s && touch %s/%s/mark" % (BASE, where, BASE, where)
    um = "umount %s/%s" % (BASE, where)
    if mount_in_tree:
        if not in_tree(pid, mk):
            return None
        seen = os.path.exists("%s/%s/mark" % (BASE, path))
        in_tree(pid, um)
    else:
        sh(mk)
        seen = in_tree(pid, "test -e %s/%s/mark" % (BASE, path))
        sh(um)
    return seen


def check_propagation(pid):
    why = []
    for tree, where, path, want in ((False, "host/a", "host/a", True),
                                    (False, "host/sub/b", "in/b", True),
                                    (True, "host/c", "host/c", True),
                                    (False, "master/a", "master/a", True),
                                    (True, "master/b", "master/b", False)):
        if shows(pid, tree, where, path) != want:
            why.append("a mount %s makes on %s %s at %s" % ("the tree" if tree else "criu",
                       where, "does not show" if want else "shows", path))
    return why


def refusals(pid, images):
    for opt, other, msg in (("--enable-external-sharing", "--enable-external-masters",
                             "shares its peer group with mounts outside"),
                            ("--enable-external-masters", "--enable-external-sharing",
                             "is a slave of a peer group outside")):
        r = criu(["dump", "-t", str(pid), "-D", images, "--ext-mount-map", "auto", other],
                 "refused.log")
        with open(os.path.join(images, "refused.log")) as f:
            log = f.read()
        report(r.returncode != 0 and msg in log and opt in log and
               zdtm.proc_state(pid) not in (None, "Z"),
               "without %s the dump is refused, naming it, and the tree runs on" % opt,
               r.stderr[-300:])


def main():
    zdtm.become_subreaper()
    shutil.rmtree(BASE, ignore_errors=True)
    images = os.path.join(BASE, "images")
    for d in ("host", "master", "in", "images"):
        os.makedirs(os.path.join(BASE, d))
    sh("mount -t tmpfs zdtm_host %s/host && mkdir -p %s/host/sub/b %s/host/a %s/host/c && "
       "mount --make-shared %s/host && mount -t tmpfs zdtm_master %s/master && "
       "mkdir %s/master/a %s/master/b && mount --make-shared %s/master" % ((BASE,) * 9))
    script = ("mount --bind %s/host/sub %s/in && mount --make-slave %s/master && touch %s/ready"
              " && exec sleep 1000" % ((BASE,) * 4))
    proc = subprocess.Popen(["unshare", "-m", "--propagation", "unchanged", "sh", "-c", script],
                            stdin=subprocess.DEVNULL, start_new_session=True)
    pid = proc.pid
    try:
        end = time.time() + 20
        while not os.path.exists(os.path.join(BASE, "ready")) and time.time() < end:
            time.sleep(0.05)
        refusals(pid, images)
        r = criu(["dump", "-t", str(pid), "-D", images, "--ext-mount-map", "auto",
                  "--enable-external-sharing", "--enable-external-masters"], "dump.log")
        if r.returncode:
            report(False, "dump with both options", r.stderr[-400:])
            return report.finish()
        proc.wait(10)
        r = criu(["restore", "-D", images, "-d", "--root", "/", "--ext-mount-map", "auto",
                  "--pidfile", os.path.join(images, "r.pid")], "restore.log")
        if r.returncode:
            report(False, "restore", r.stderr[-400:])
            return report.finish()
        with open(os.path.join(images, "r.pid")) as f:
            pid = int(f.read())
        why = check_propagation(pid)
        report(not why, "peer groups and masters shared with criu's namespace come back",
               "; ".join(why))
    finally:
        if zdtm.proc_state(pid) is not None:
            zdtm.kill_and_reap(pid)
        zdtm.cleanup_children()
        subprocess.run(["sh", "-c", "umount -R %s/host %s/master" % (BASE, BASE)],
                       stdin=subprocess.DEVNULL)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
