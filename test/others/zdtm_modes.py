# SPDX-License-Identifier: GPL-2.0
"""A subset of the ZDTM tests run in one of zdtm.py's modes (--page-server, --lazy-pages),
as one check of a test/others script's tally."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zdtm  # noqa: E402


def run_subset(report, mode, names, what):
    """zdtm.py run -k MODE -t zdtm/static/NAME...: passes when every test does."""
    argv = [sys.executable, os.path.join(zdtm.ROOT, "test", "zdtm.py"), "run", "-k"]
    argv += mode.split()    # e.g. "--page-server --pre 2"
    for t in names:
        argv += ["-t", "zdtm/static/" + t]
    r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=1800)
    lines = r.stdout.strip().splitlines()
    # the failures with criu's error lines under them (zdtm.py's diagnostics)
    bad = [l for l in lines if l.startswith("not ok") or "Error (" in l]
    report(r.returncode == 0 and lines and " 0 failed" in lines[-1],
           "zdtm %s: %d %s" % (mode, len(names), what),
           "; ".join(bad) or (lines[-1:] or [r.stderr[-300:]])[0])
