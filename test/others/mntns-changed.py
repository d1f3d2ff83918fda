#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Bad input for a tree with a mount namespace of its own (mntns00 in the ns flavour): after
the dump, a directory one of its binds was mounted on is removed, then --root names a
directory that does not exist, then mountpoints-ID.img says a mount point escapes its
parent's ("/../x", written with crit, restored with --skip-checksums). Each restore must fail saying which mount or path it could
not make, leave no task and no mount of criu's changed, and keep the images; once the
directory is back, the restore works and the test passes its own checks."""
import glob
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zdtm  # noqa: E402
import tally  # noqa: E402

CRIU = os.path.join(zdtm.ROOT, "criu", "criu")
CRIT = os.path.join(zdtm.ROOT, "crit", "crit")
report = tally.Tally(show_ok=True)


def own_mounts():
    with open("/proc/self/mountinfo") as f:
        return f.read()


def restore(test, root, log, extra=()):
    return subprocess.run([CRIU, "restore", "-D", test.dump_dir, "-v4", "-o", log, "-d",
                           "--root", root] + list(extra), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)


def escaping_image(test):
    """A copy of the images whose second mount's mount point is /../escape."""
    bad = test.dump_dir + ".bad"
    shutil.rmtree(bad, ignore_errors=True)
    shutil.copytree(test.dump_dir, bad)
    img = glob.glob(os.path.join(bad, "mountpoints-*.img"))[0]
    j = json.loads(subprocess.run([CRIT, "decode", "-i", img], capture_output=True, text=True,
                                  check=True).stdout)
    j["entries"][1]["mountpoint"] = "/../escape"
    subprocess.run([CRIT, "encode", "-o", img], input=json.dumps(j), text=True, check=True)
    return bad


def refused(test, pids, mounts, root, log, want, extra=()):
    r = restore(test, root, log, extra)
    why = []
    if r.returncode == 0:
        why.append("restore succeeded")
    if want not in r.stderr:
        why.append("no '%s' in: %s" % (want, r.stderr[-400:]))
    zdtm.cleanup_children()
    left = [p for p in pids if zdtm.proc_state(p) not in (None, "Z", "X")]
    if left:
        why.append("tasks left: %s" % left)
    if own_mounts() != mounts:
        why.append("criu's mounts changed")
    return why


def main():
    zdtm.become_subreaper()
    test = zdtm.Test("zdtm/static/mntns00", "ns")
    for d in (test.work, test.dump_dir):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    os.makedirs(test.test_env["ZDTM_ROOT"], exist_ok=True)
    pid = zdtm.start_test(test)
    mounts = own_mounts()
    try:
        r = subprocess.run([CRIU, "dump", "-t", str(pid), "-D", test.dump_dir, "-v4", "-o",
                            "dump.log"], capture_output=True, text=True, timeout=60)
        if r.returncode:
            report(False, "dump of mntns00", r.stderr[-400:])
            return report.finish()
        zdtm.reap(pid, 10)
        deep = test.outfile + ".mnt/deep"
        os.rmdir(deep)
        why = refused(test, [pid], mounts, "/", "restore-gone.log", "at " + deep + ": No such")
        report(not why, "a mount point removed since the dump is named", "; ".join(why))
        os.mkdir(deep)
        why = refused(test, [pid], mounts, "/nonexistent-root", "restore-noroot.log",
                      "--root /nonexistent-root")
        report(not why, "a --root that does not exist is named", "; ".join(why))
        good, test.dump_dir = test.dump_dir, escaping_image(test)
        why = refused(test, [pid], mounts, "/", "restore-bad.log",
                      "mount point /../escape (not under its parent's)", ["--skip-checksums"])
        test.dump_dir = good
        report(not why, "a mount point escaping its parent's in the image is refused",
               "; ".join(why))
        r = restore(test, "/", "restore.log")
        why = [] if r.returncode == 0 else ["restore failed: " + r.stderr[-300:]]
        if not why:
            why = zdtm.finish_test(test, pid)
        report(not why, "restore works once the mount point is back", "; ".join(why))
    finally:
        if zdtm.proc_state(pid) is not None:
            zdtm.kill_and_reap(pid)
        zdtm.cleanup_children()
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
