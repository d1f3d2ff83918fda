#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A process in a copy of criu's own mount namespace (unshare -m: every mount of the host's,
made private) with 50 binds of one directory added: dumped and restored with
--ext-mount-map auto, the host's mounts come back as external mounts bound from where criu
sees them, the binds as binds. The mount tree (mount point, root, type, options of each
mount) must be the same after restore, and the file behind the last bind readable there.
Prints the times of the dump and of the restore (their logs' last lines) as figures."""
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zdtm  # noqa: E402
import tally  # noqa: E402

CRIU = os.path.join(zdtm.ROOT, "criu", "criu")
BASE = os.path.join(zdtm.BUILD_DIR, "mntns-auto")
BINDS = 50
report = tally.Tally(show_ok=True)


def shape(pid):
    """Each mount without its ids and device, sorted."""
    with open("/proc/%d/mountinfo" % pid) as f:
        return sorted(" ".join(ln.split()[3:]) for ln in f)


def took(log):
    with open(log) as f:
        last = [ln for ln in f if ln.startswith("(")][-1]
    return float(re.match(r"\((\d+\.\d+)\)", last).group(1)) * 1000


def criu(args, log):
    return subprocess.run([CRIU] + args + ["-v4", "-o", log], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=120)


def main():
    zdtm.become_subreaper()
    shutil.rmtree(BASE, ignore_errors=True)
    images = os.path.join(BASE, "images")
    os.makedirs(os.path.join(BASE, "a"))
    os.makedirs(images)
    with open(os.path.join(BASE, "a", "f"), "w") as f:
        f.write("behind the binds\n")
    script = ("for i in $(seq %d); do mkdir -p %s/b$i && mount --bind %s/a %s/b$i || exit 1; "
              "done; touch %s/ready; exec sleep 1000" % (BINDS, BASE, BASE, BASE, BASE))
    proc = subprocess.Popen(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                            stdin=subprocess.DEVNULL, start_new_session=True)
    pid = proc.pid
    try:
        end = time.time() + 20
        while not os.path.exists(os.path.join(BASE, "ready")) and time.time() < end:
            time.sleep(0.05)
        before = shape(pid)
        r = criu(["dump", "-t", str(pid), "-D", images, "--ext-mount-map", "auto"], "dump.log")
        if r.returncode:
            report(False, "dump with --ext-mount-map auto", r.stderr[-400:])
            return report.finish()
        proc.wait(10)
        dump_ms = took(os.path.join(images, "dump.log"))
        r = criu(["restore", "-D", images, "-d", "--root", "/", "--ext-mount-map", "auto",
                  "--pidfile", os.path.join(images, "r.pid")], "restore.log")
        why = [] if r.returncode == 0 else ["restore failed: " + r.stderr[-400:]]
        if not why:
            after = shape(pid)
            if after != before:
                why.append("the mounts differ: %s" % sorted(set(before) ^ set(after))[:4])
            with open("/proc/%d/root%s/b%d/f" % (pid, BASE, BINDS)) as f:
                if f.read() != "behind the binds\n":
                    why.append("the last bind shows other bytes")
        report(not why, "%d mounts (%d binds) restored with --ext-mount-map auto" %
               (len(before), BINDS), "; ".join(why))
        if not why:
            print("# figures: dump %.0f ms, restore %.0f ms (%d mounts)" %
                  (dump_ms, took(os.path.join(images, "restore.log")), len(before)))
    finally:
        if zdtm.proc_state(pid) is not None:
            zdtm.kill_and_reap(pid)
        zdtm.cleanup_children()
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
