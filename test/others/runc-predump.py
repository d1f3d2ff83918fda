#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""`runc checkpoint --pre-dump` (criu's PRE_DUMP request with track_mem) while the busybox
container of runc.py runs on, then the final `runc checkpoint --parent-path` (parent_img):
the pre-dump must leave the container counting, the final dump must take the pages nobody
wrote from the pre-dump (stats-dump's pages_skipped_parent), and the restore of the chain
must count on from where the container was. The container's tasks lack CAP_SYS_PTRACE, so
the write tracker criu makes in them must be one they may have (userfaultfd user mode)."""
import ctypes
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zdtm  # noqa: E402
import runc as R  # noqa: E402

report = R.report
CRIT = os.path.join(zdtm.ROOT, "crit", "crit")


def dump_stats(img):
    r = subprocess.run([CRIT, "decode", "-i", os.path.join(img, "stats-dump")],
                       capture_output=True, text=True)
    try:
        return json.loads(r.stdout)["entries"][0]["dump"]
    except (ValueError, KeyError, IndexError):
        return {}


def chain(work, name):
    pre = os.path.join(work, "pre")
    img = os.path.join(work, "img")
    c = R.runc("checkpoint", "--pre-dump", "--image-path", pre, "--work-path", pre, name)
    report(c.returncode == 0, "runc checkpoint --pre-dump", c.stderr[-1500:])
    if c.returncode:
        return
    ok, seen = R.counts_on(name)
    report(ok, "the container counts on after the pre-dump", str(seen))
    before = R.count(name)
    t0 = time.monotonic()
    c = R.runc("checkpoint", "--parent-path", "../pre", "--image-path", img, "--work-path",
               img, name)
    took = time.monotonic() - t0
    report(c.returncode == 0, "runc checkpoint --parent-path ../pre (%.0f ms)" % (took * 1000),
           c.stderr[-1500:])
    if c.returncode:
        return
    st = dump_stats(img)
    report(st.get("pages_skipped_parent", 0) > 0,
           "the final dump takes unwritten pages from the pre-dump", str(st))
    R.reap_orphans()
    r = subprocess.run(["runc", "--criu", R.CRIU, "restore", "-d", "--image-path", img,
                        "--work-path", img, "--bundle", work, name], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    report(r.returncode == 0, "runc restore of the chain", R.log_errors(img))
    if r.returncode:
        return
    after = R.count(name)
    ok, seen = R.counts_on(name)
    report(ok and after >= before > 0, "the restored container counts on from %d" % before,
           "after %d, then %s" % (after, seen))


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(zdtm.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    if not shutil.which("runc") or not os.path.exists(R.BUSYBOX):
        print("# SKIP: runc or busybox-static is not installed (scripts/install-deps.sh)")
        return 0
    work = tempfile.mkdtemp(prefix="criu-runc-predump-")
    name = "criu-predump-%d" % os.getpid()
    try:
        err = R.make_bundle(work)
        report(not err, "runc spec: a busybox bundle", err)
        r = subprocess.run(["runc", "run", "-d", "--bundle", work, name],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=30)
        report(r.returncode == 0, "runc run -d", "exit %d" % r.returncode)
        time.sleep(0.3)
        chain(work, name)
    finally:
        R.runc("kill", name, "KILL")
        time.sleep(0.2)
        R.runc("delete", "-f", name)
        shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
