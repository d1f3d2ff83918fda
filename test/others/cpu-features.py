#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A checkpoint whose FPU state uses a feature this CPU can't hold must be refused at restore.

A task is dumped; crit rewrites its core image so that the xsave area's xstate_bv also has
bit 10 (PASID, a supervisor component that is never in XCR0, so no CPU lets a task have it).
The restore must fail saying the features are outside this CPU's XCR0, leave nothing
running and leave the image as it was; with the image put back, the restore works."""
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
import tally  # noqa: E402

CRIU = os.path.join(zdtm.ROOT, "criu", "criu")
CRIT = os.path.join(zdtm.ROOT, "crit", "crit")
FOREIGN_FEATURE = 1 << 10
report = tally.Tally(show_ok=True)


def run(*args):
    return subprocess.run(list(args), stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=60)


def add_foreign_feature(core, work):
    """Rewrite core with the foreign bit in every thread's xstate_bv; True if one was found."""
    r = run(CRIT, "decode", "-i", core)
    img = json.loads(r.stdout)
    found = False
    for entry in img["entries"]:
        xsave = entry.get("thread_info", {}).get("fpregs", {}).get("xsave")
        if xsave is not None:
            xsave["xstate_bv"] = xsave.get("xstate_bv", 0) | FOREIGN_FEATURE
            found = True
    src = os.path.join(work, "core.json")
    with open(src, "w") as f:
        json.dump(img, f)
    r = run(CRIT, "encode", "-i", src, "-o", core)
    return found and r.returncode == 0


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(zdtm.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    work = tempfile.mkdtemp(prefix="criu-cpu-features-")
    p = subprocess.Popen(["sleep", "1000"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    pid = p.pid
    try:
        time.sleep(0.2)
        r = run(CRIU, "dump", "-t", str(pid), "-D", work, "-v4", "-o", "dump.log")
        report(r.returncode == 0, "dump of a sleeping task", r.stderr)
        p.wait()
        core = os.path.join(work, "core-%d.img" % pid)
        pristine = os.path.join(work, "core.pristine")
        shutil.copyfile(core, pristine)
        report(add_foreign_feature(core, work), "crit put a foreign xsave feature in the core")
        with open(core, "rb") as f:
            changed = f.read()
        # the edit is deliberate: past the checksums, to the CPU check this test is about
        r = run(CRIU, "restore", "-D", work, "-v4", "-o", "restore-foreign.log", "-d",
                "--skip-checksums")
        log = open(os.path.join(work, "restore-foreign.log")).read()
        report(r.returncode != 0 and "outside this CPU's XCR0" in log and "Error (" in log,
               "the restore is refused, naming the CPU's features", r.stderr + log[-600:])
        time.sleep(0.1)
        report(zdtm.proc_state(pid) is None, "nothing is left running after the refusal")
        with open(core, "rb") as f:
            report(f.read() == changed, "the refused restore left the image as it was")
        shutil.copyfile(pristine, core)
        os.unlink(pristine)
        r = run(CRIU, "restore", "-D", work, "-v4", "-o", "restore.log", "-d")
        report(r.returncode == 0, "the original image restores", r.stderr)
        time.sleep(0.1)
        report(zdtm.proc_state(pid) not in (None, "Z"), "the restored task runs")
    finally:
        zdtm.kill_and_reap(pid)
        shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
