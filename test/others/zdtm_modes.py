# SPDX-License-Identifier: GPL-2.0
"""A subset of the ZDTM tests run in one of zdtm.py's modes (--page-server, --lazy-pages),
as one check of a test/others script's tally."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zdtm  # noqa: E402

# The memory, thread and tree tests: run-all's chain group runs every one of MEM_TESTS in each
# dump mode of zdtm.py (CHAIN_TESTS in CI's sanitizer pass), so the scripts of a mode run
# only their tests beyond these (beyond_mem()).
CHAIN_TESTS = ["maps00", "maps01", "memfill00", "madv00", "mprot_file00", "mlock00",
               "threads00", "threads02", "tree00", "tree_mem00", "cow00", "cow02", "zombie00",
               "stopped_child00", "shm_tree00", "vdso00", "predump_churn00", "predump_nocap00",
               "predump_wprot00"]
MEM_TESTS = CHAIN_TESTS + [
    "aio00", "cow01", "cow03", "hugetlb00", "hugetlb01", "hugetlb_memfd00", "hugetlb_shm00",
    "hugetlb_sysv00", "memfd00", "memfd01", "memfd_tree00", "mlock01", "novdso00", "seal00",
    "shm00", "shm01", "shm_file_tree00", "sysv_shm00", "sysv_shm_tree00", "threads01",
    "threads03", "threads04", "threads05", "tree_threads00", "tree_fown00", "wipe_tree00",
    "membarrier00", "stopped_tree00"]


def beyond_mem(names):
    return [t for t in names if t not in MEM_TESTS]


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
