#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""`make test`: run every test group and add up the results.

Groups: unit (executables in build/test/unit/ and build/compel/test/), zdtm (test/zdtm.py
run -a --keep-going), zdtm-ns (the same with -f ns), zdtm-uns (the same with -f uns; only
UNS_TESTS where RUN_ALL_MODES=subset), chain (every memory, thread and tree test, MEM_TESTS, again in each dump mode of zdtm.py:
--pre 2, --snaps 2, --pre 1 --dedup, --pre 2 --pre-dump-mode read, --page-server,
--lazy-pages, --remote-lazy-pages, --stream; Documentation/pre-dump.md)
and others (test/others/*.sh, each given the kept images of the env00 dump as $1; exit 0
passes, 77 skips, anything else fails). Every program is expected to end with a line "N
passed, N failed[, N skipped]"; its exit status has the last word. The final line is "N
passed, N failed" (", N skipped" when any were), and the exit status is 1 if anything
failed. RUN_ALL_SKIP_OTHERS="NAME ..." skips those others (CI's sanitizer pass).
"""

import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test", "others"))
UNIT_DIRS = ["build/test/unit", "build/compel/test"]
OTHERS_DIR = "test/others"
OTHERS_IMAGES = "build/test/dumps/env00"
SKIP_STATUS = 77

UNIT_TIMEOUT = 300
ZDTM_TIMEOUT = 1800
OTHERS_TIMEOUT = 300

# Every memory, thread and tree test (mappings and memory kinds, threads, trees), run again in
# each of zdtm.py's dump modes: chains of pre-dumps and snapshots, dedup, the read pre-dump
# mode, the page server, lazy restores (local and remote) and streaming (Documentation/
# pre-dump.md). CI's sanitizer pass (RUN_ALL_MODES=subset) runs CHAIN_SUBSET's smaller sets.
from zdtm_modes import CHAIN_TESTS, MEM_TESTS  # noqa: E402

MODES = [["--pre", "2"], ["--snaps", "2"], ["--pre", "1", "--dedup"],
         ["--pre", "2", "--pre-dump-mode", "read"], ["--page-server"], ["--lazy-pages"],
         ["--remote-lazy-pages"], ["--stream"]]
CHAIN_MODES = [(mode, MEM_TESTS) for mode in MODES]
CHAIN_SUBSET = [(["--pre", "2"], CHAIN_TESTS),
                (["--snaps", "2"], ["maps00", "threads00", "tree00", "cow00", "predump_churn00",
                                    "predump_wprot00"]),
                (["--pre", "1", "--dedup"], ["maps00", "tree_mem00", "predump_churn00"]),
                (["--pre", "2", "--pre-dump-mode", "read"],
                 ["maps00", "threads00", "tree00", "cow00", "predump_churn00"]),
                (["--lazy-pages"], ["maps00", "threads00", "tree_mem00"]),
                (["--stream"], ["maps00", "threads00", "tree_mem00"])]

# The tests that run again in the uns flavour (a user namespace with a shifted map): a
# subset of each kind of state, so that make test stays within minutes; zdtm.py -a -f uns
# runs them all (UNS_UNFIT in zdtm.py says which can't and why). The threaded ones clone
# their threads by ns_last_pid (Documentation/namespaces.md, "Threads").
UNS_TESTS = ["env00", "creds00", "maps00", "mprot_file00", "pipe_tree00", "tree00", "pipe00",
             "unix00", "unix_scm00", "eventfd00", "timerfd00", "signalfd00", "epoll00",
             "signals00", "itimers00", "posix_timers00", "sysv_shm00", "shm_tree00", "utsns00",
             "timens00", "ipcns00", "file_locks00", "ghost00", "tcp03", "tty00", "seccomp00",
             "userns00", "userns01", "userns02", "userns_unmapped00", "tcp13", "udp00", "packet00", "ipopts00",
             "threads00", "threads01", "threads02", "threads03", "threads04", "tree_threads00",
             "pidns00", "zombie00", "stopped_child00", "tree_traced00", "memfd_tree00",
             "files01", "proc_dead00", "pidfd00", "inotify01", "netns01", "netns02", "link_addrs00",
             "mntns_tmpfs00", "mntns_nested00", "mntns_shared00", "mntns_locked00",
             "mntns_locked01", "mntns_locked02", "userns_pidns00"]

SUMMARY_RE = re.compile(r"^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?\s*$")


class Counts:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0

    def add(self, other):
        self.passed += other.passed
        self.failed += other.failed
        self.skipped += other.skipped

    def __str__(self):
        text = "%d passed, %d failed" % (self.passed, self.failed)
        if self.skipped:
            text += ", %d skipped" % self.skipped
        return text


def summary_of(output, status):
    """Counts from a program's last summary line, reconciled with its exit status."""
    c = Counts()
    lines = [l for l in output.splitlines() if l.strip()]
    m = SUMMARY_RE.match(lines[-1]) if lines else None
    if m:
        c.passed, c.failed = int(m.group(1)), int(m.group(2))
        c.skipped = int(m.group(3) or 0)
    if status != 0 and c.failed == 0:
        c.failed = 1        # it failed without saying what: count the program itself
    elif status == 0 and not m:
        c.passed = 1
    return c


def run_program(argv, timeout):
    """(exit status, combined output); a timeout counts as a failure with status -1."""
    try:
        res = subprocess.run(argv, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, timeout=timeout, errors="replace")
        return res.returncode, res.stdout
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else e.stdout
        return -1, (out or "") + "\n(killed after %d s)\n" % timeout


def show_tail(output, n=20):
    for line in output.splitlines()[-n:]:
        print("#   " + line)


def unit_group():
    total = Counts()
    progs = []
    for d in UNIT_DIRS:
        path = os.path.join(ROOT, d)
        if not os.path.isdir(path):
            continue
        for name in sorted(os.listdir(path)):
            prog = os.path.join(path, name)
            if os.path.isfile(prog) and os.access(prog, os.X_OK):
                progs.append(prog)
    if not progs:
        print("# unit: no test programs in %s" % " or ".join(UNIT_DIRS))
    for prog in progs:
        rel = os.path.relpath(prog, ROOT)
        status, output = run_program([prog], UNIT_TIMEOUT)
        c = summary_of(output, status)
        print("%s - %s: %s" % ("ok" if status == 0 else "not ok", rel, c))
        if status != 0:
            show_tail(output)
        total.add(c)
    return total


def zdtm_group(extra=("-a",)):
    """Streams the runner's TAP lines as they come; the last line holds the counts."""
    argv = [sys.executable, os.path.join(ROOT, "test", "zdtm.py"), "run", "--keep-going"]
    argv += list(extra)
    lines = []
    proc = subprocess.Popen(argv, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, errors="replace")
    try:
        for line in proc.stdout:
            print(line, end="", flush=True)
            lines.append(line)
        status = proc.wait(timeout=ZDTM_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        status = -1
    return summary_of("".join(lines), status)


def uns_group():
    """Every test again in a user namespace of its own (zdtm.py's uns flavour); UNS_TESTS only
    where RUN_ALL_MODES=subset (the sanitizer pass)."""
    if os.environ.get("RUN_ALL_MODES") != "subset":
        return zdtm_group(("-a", "-f", "uns"))
    return zdtm_group(["-f", "uns"] + [a for t in UNS_TESTS for a in ("-t", "zdtm/static/" + t)])


def chain_group():
    total = Counts()
    modes = CHAIN_SUBSET if os.environ.get("RUN_ALL_MODES") == "subset" else CHAIN_MODES
    for mode, tests in modes:
        print("# zdtm.py %s" % " ".join(mode), flush=True)
        total.add(zdtm_group(mode + [a for t in tests for a in ("-t", "zdtm/static/" + t)]))
    return total


def others_group():
    total = Counts()
    scripts_dir = os.path.join(ROOT, OTHERS_DIR)
    scripts = sorted(f for f in os.listdir(scripts_dir) if f.endswith(".sh")) \
        if os.path.isdir(scripts_dir) else []
    images = os.path.join(ROOT, OTHERS_IMAGES)
    have_images = os.path.exists(os.path.join(images, "inventory.img"))
    skip = os.environ.get("RUN_ALL_SKIP_OTHERS", "").split()
    for name in scripts:
        rel = os.path.join(OTHERS_DIR, name)
        if name[:-3] in skip:
            print("ok - %s # SKIP in this pass (RUN_ALL_SKIP_OTHERS)" % rel)
            total.skipped += 1
            continue
        if not have_images:
            print("ok - %s # SKIP no images in %s (the zdtm env00 dump failed?)" %
                  (rel, OTHERS_IMAGES))
            total.skipped += 1
            continue
        started = time.monotonic()
        status, output = run_program(["bash", os.path.join(ROOT, rel), images],
                                     OTHERS_TIMEOUT)
        took = " (%.0f s)" % (time.monotonic() - started)
        if status == SKIP_STATUS:
            reason = output.strip().splitlines()[-1] if output.strip() else "no reason given"
            print("ok - %s # SKIP %s" % (rel, reason))
            total.skipped += 1
        elif status == 0:
            print("ok - %s%s" % (rel, took))
            total.passed += 1
        else:
            print("not ok - %s: exit %d%s" % (rel, status, took))
            show_tail(output)
            total.failed += 1
    return total


def main():
    total = Counts()
    results = []
    # zdtm-ns: every test again as pid 1 of its own pid, mount, ipc, uts and time namespaces
    # (about 50 s on an idle machine); zdtm.py's NS_UNFIT says which can't and why; zdtm-uns:
    # every test in a user namespace (about 140 s; UNS_TESTS in the sanitizer pass)
    groups = (("unit", unit_group), ("zdtm", zdtm_group),
              ("zdtm-ns", lambda: zdtm_group(("-a", "-f", "ns"))),
              ("zdtm-uns", uns_group),
              ("chain", chain_group),
              ("others", others_group))
    for name, group in groups:
        print("# ==== %s" % name, flush=True)
        c = group()
        results.append((name, c))
        total.add(c)
        sys.stdout.flush()
    print("# ==== summary")
    for name, c in results:
        print("# %-8s %s" % (name + ":", c))
    print(total)
    return 1 if total.failed else 0


if __name__ == "__main__":
    sys.exit(main())
