#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A container on an overlayfs root, as runtimes make them: criu's namespace has an overlay
(lower: the host's /, upper and work dirs on a tmpfs) at merged/; the tree (pid 1 of new
pid and mount namespaces) mounts a devtmpfs and a proc there, pivots into it and writes a
file, which goes to the upper dir. It is dumped and restored with --root merged/. After
restore the tree's root is the overlay again (mountinfo), it reads its file, and a file
the tree writes now lands in the upper dir, seen from criu's namespace."""
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zdtm  # noqa: E402
import tally  # noqa: E402

CRIU = os.path.join(zdtm.ROOT, "criu", "criu")
BASE = os.path.join(zdtm.BUILD_DIR, "mntns-overlay")
MERGED = os.path.join(BASE, "merged")
UPPER = os.path.join(BASE, "layers", "upper")
report = tally.Tally(show_ok=True)


def criu(args, log):
    return subprocess.run([CRIU] + args + ["-v4", "-o", log], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=120)


def root_line(pid):
    with open("/proc/%d/mountinfo" % pid) as f:
        return [ln for ln in f if ln.split()[4] == "/"][0]


def make_overlay():
    layers = os.path.join(BASE, "layers")
    for d in (layers, MERGED, os.path.join(BASE, "images")):
        os.makedirs(d)
    subprocess.run(["mount", "-t", "tmpfs", "zdtm_layers", layers], check=True)
    os.makedirs(UPPER)
    os.makedirs(os.path.join(layers, "work"))
    subprocess.run(["mount", "-t", "overlay", "zdtm_ovl", "-o",
                    "lowerdir=/,upperdir=%s,workdir=%s/work" % (UPPER, layers), MERGED],
                   check=True)


def check_restored(pid):
    why = []
    if " - overlay " not in root_line(pid):
        why.append("the root is not the overlay: " + root_line(pid).strip())
    r = subprocess.run(["nsenter", "-t", str(pid), "-m", "sh", "-c",
                        "cat /zdtm-ovl-before && echo after > /zdtm-ovl-after"],
                       capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if r.returncode or r.stdout != "before\n":
        why.append("the tree's file reads %r (%s)" % (r.stdout, r.stderr.strip()))
    up = os.path.join(UPPER, "zdtm-ovl-after")
    if not os.path.exists(up) or open(up).read() != "after\n":
        why.append("a file the tree wrote is not in the upper dir")
    return why


def main():
    zdtm.become_subreaper()
    shutil.rmtree(BASE, ignore_errors=True)
    make_overlay()
    images = os.path.join(BASE, "images")
    script = ("cd %s && mount -t devtmpfs zdtm_dev dev && mkdir -p old && pivot_root . old &&"
              " mount -t proc proc /proc && umount -l /old && echo before > /zdtm-ovl-before &&"
              " exec sleep 1000" % MERGED)
    proc = subprocess.Popen(["unshare", "-m", "-p", "--fork", "--propagation", "private",
                             "setsid", "sh", "-c", script], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pid = None
    try:
        end = time.time() + 20
        while not os.path.exists(os.path.join(UPPER, "zdtm-ovl-before")) and time.time() < end:
            time.sleep(0.05)
        time.sleep(0.2)
        pid = int(subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True,
                                 text=True).stdout.split()[0])
        r = criu(["dump", "-t", str(pid), "-D", images], "dump.log")
        if r.returncode:
            report(False, "dump of a tree on an overlay root", r.stderr[-400:])
            return report.finish()
        proc.wait(10)
        r = criu(["restore", "-D", images, "-d", "--root", MERGED, "--pidfile",
                  os.path.join(images, "r.pid")], "restore.log")
        if r.returncode:
            report(False, "restore on --root %s" % MERGED, r.stderr[-400:])
            return report.finish()
        with open(os.path.join(images, "r.pid")) as f:
            pid = int(f.read())
        why = check_restored(pid)
        report(not why, "a tree on an overlay root comes back on it, its upper dir in use",
               "; ".join(why))
    finally:
        if pid and zdtm.proc_state(pid) is not None:
            zdtm.kill_and_reap(pid)
        if proc.poll() is None:
            proc.kill()
        zdtm.cleanup_children()
        subprocess.run(["umount", MERGED], stdin=subprocess.DEVNULL)
        subprocess.run(["umount", os.path.join(BASE, "layers")], stdin=subprocess.DEVNULL)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
