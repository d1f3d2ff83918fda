#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""ZDTM runner: checkpoint and restore each test program with criu/criu and let it judge.

For each test: start it (it daemonizes and writes a pidfile once ready), snapshot its maps
and fds, `criu dump`, check what the flavour expects of the original task, `criu restore
-d`, compare maps and fds with the snapshot, send SIGTERM and read the test's verdict.
The runner is a child subreaper, so daemonized and restored tests are its children: it
reaps them itself and their pids are free again at once. Python 3 standard library only.

A test is a program test/zdtm/static/NAME.c, built into build/test/zdtm/static/NAME. An
optional NAME.desc (JSON) adjusts it:
  "dump_opts", "restore_opts": extra criu options (lists of strings);
  "flavor": "h" (dump kills the task), "leave-running" (-R), "leave-stopped" (-s) or
  "pidns" (as h, the test being pid 1 of its own pid, uts, ipc and time namespaces) or
  "ns" (pidns, and a mount namespace of its own on a root made for it);
  "binary": run another test's program under this name (a flavour of an existing test);
  "skip": a reason not to run it. A test that finds at start that the host lacks what it
  needs calls test_skip(): it is reported as skipped with its own reason.
  "dump_error": the dump must fail with this text in its output, leaving the task running
  unchanged (the test then checks itself as usual); nothing is restored.
  "dump_env": environment for that failing dump (e.g. {"CRIU_FAULT": "image-write"}).
  "restore_env": environment for the restore (e.g. {"CRIU_FAULT": "thread-pid-taken"}).
  "test_env": environment for the test program itself (one program, several cases).
  "restore_error": a restore without "restore_opts" must first fail with this text in its
  output, leaving no task behind; then the restore with them goes on as usual.
  "unstable": snapshot parts the test itself changes while it runs, not compared
  (e.g. ["maps", "Threads"] for a task whose threads come and go).
  "inherit_fd": {"FILE": "NEW"}: the restore gets NEW for FILE (zdtm_inherit.py).
With --page-server, each dump sends its pages to a `criu page-server` on loopback that
writes them into the same dump directory, which must exit 0 once the dump is done. With
--lazy-pages, each restore is `criu restore --lazy-pages` with a `criu lazy-pages` on the
dump directory, which must exit 0 once it has copied every page, before the test goes on
("lazy_env" in a .desc: its environment, e.g. {"CRIU_LAZY_TRICKLE": "1"} to slow its
background copy down; the daemon then must exit 0 once the test has ended). With
--remote-lazy-pages, the same, but criu lazy-pages asks a `criu page-server --lazy-pages`
on loopback for each page (CRIU's PS_IOV_GET) instead of reading the pages files; that
server must exit 0 too. With --stream, the dump and the restore go through an image
streamer (test/others/img_streamer.py, CRIU's streamer protocol) that keeps the images in
dump_dir.stream: the dump must leave no image in the dump directory, and the streamer must
exit 0 after each.
Dumps are kept in build/test/dumps/NAME (NAME.FLAVOUR for a flavour forced by -f that is
not the test's own) until the next run (test/others/ decodes env00's).
What a test changed outside itself and noted as a leftover (zdtmtst.h) is undone after it,
if the test was killed before it could undo it itself.

Chains of dumps (Documentation/pre-dump.md), as CRIU's runner has them: --pre N makes N
`criu pre-dump`s (each linked to the one before by --prev-images-dir) before the dump, which
then links to the last; --snaps N makes them `criu dump -R --track-mem` instead; --dedup adds
--auto-dedup to the final dump; --pre-dump-mode read has the pre-dumps copy pages once the task
runs again. The earlier images go to pre1..preN in the test's dump dir;
the task must run on unchanged after each. A test whose desc has "no_chain" (a reason) runs
without them.

Restore is the judge of dump: a dump that succeeds and whose own restore then fails is a
DUMP DEFECT (the dump should have refused what it could not save), reported as such and
counted apart in the summary.
"""

import argparse
import ctypes
import fcntl
import glob
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import time

from zdtm_inherit import inherit_fd_opts, without_inherited
# what is compared before the dump and after the restore; read_maps and read_fds for others
from zdtm_snapshot import snapshot, compare_snapshots, read_maps, read_fds  # noqa: F401
from zdtm_snapshot import root_pid_repicked, without_outer_pids
from zdtm_unfit import NS_UNFIT, UNS_UNFIT

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC_DIR = os.path.join(ROOT, "test")
BUILD_DIR = os.path.join(ROOT, "build", "test")
RUN_DIR = os.path.join(BUILD_DIR, "zdtm-run")    # pidfiles, outfiles, test logs
DUMP_DIR = os.path.join(BUILD_DIR, "dumps")      # kept: test/others/*.sh decode them

PR_SET_CHILD_SUBREAPER = 36
START_TIMEOUT = 20
SETTLE = 0.05           # after the pidfile: lets the test enter its wait before the dump
CRIU_TIMEOUT = 120
EXIT_TIMEOUT = 30
SKIP_STATUS = 77        # test_skip(): the host lacks what the test needs
GONE_TIMEOUT = 10

FLAVORS = {
    "h": [],
    "leave-running": ["-R"],
    "leave-stopped": ["-s"],
    "pidns": [],
    "ns": [],
    "uns": [],
}
# pidns: as h, but the test is pid 1 of new pid, uts, ipc and time namespaces (the test
# library makes them when ZDTM_NEWNS=1); mount, network and user namespaces stay the host's,
# so /proc is the host's and pids in it are the host's view.
# ns: as pidns, and in a new mount namespace too, on a root made for it (the test library
# binds the host's root file system, without the mounts on it, and mounts a proc of the
# namespace and a devtmpfs there, then pivots into it): the test tree and the libraries
# are in it, at the same paths. Restore rebuilds it with --root / (the root mount is a
# clone of the host's root). ZDTM_NEWNET=1 adds a network namespace. A test whose .desc
# makes a user namespace (userns00-06) gets the uns flavour's way of making the root.
NS_ROOT = os.path.join(BUILD_DIR, "ns-root")
FLAVOR_ENV = {"pidns": {"ZDTM_NEWNS": "1"},
              "ns": {"ZDTM_NEWNS": "1", "ZDTM_ROOT": NS_ROOT, "ZDTM_NEWNET": "0"}}
# uns: as ns, in a new user namespace first (the test library makes it when ZDTM_USERNS
# gives its extents), which owns the pid, uts, ipc, time, network (lo up) and mount
# namespaces: a rootless container's shape; the test is root there. Inside uid and gid 0 are
# the host's 0, 1 to 65535 are 100001 to 165535 outside. The root is the ns flavour's, but
# for who makes it: the library binds the host's root file system and a devtmpfs while it is
# still the host's root, then the test (root of the user namespace) mounts its proc, sysfs
# and devpts in its copy and pivots (test/zdtm/lib/test.c, prepare_root_as_host_root()).
FLAVOR_ENV["uns"] = {"ZDTM_NEWNS": "1", "ZDTM_NEWNET": "1", "ZDTM_ROOT": NS_ROOT,
                     "ZDTM_USERNS": "0 0 1,1 100001 65535"}
FLAVOR_RESTORE_OPTS = {"ns": ["--root", "/"], "uns": ["--root", "/"]}
KILLING_FLAVORS = ("h", "pidns", "ns", "uns")
FLAVOR_OPTS = ("-R", "--leave-running", "-s", "--leave-stopped")
CHAIN = {"pre": 0, "snaps": False, "dedup": False, "mode": None}   # main(): --pre, --snaps


class TestFailure(Exception):
    """A reason (the first argument) and optional detail lines."""

    def lines(self):
        return [str(a) for a in self.args]


class TestSkip(Exception):
    """The test found that this host lacks what it needs (the reason is the argument)."""


class DumpDefect(TestFailure):
    """criu dump succeeded, and the restore of what it saved failed."""

    def lines(self):
        return ["DUMP DEFECT: the dump succeeded but its restore failed: %s" % self.args[0]] + \
            [str(a) for a in self.args[1:]]


class Test:
    """One test: a name like zdtm/static/env00 and what its optional .desc asks for."""

    def __init__(self, name, flavor_override=None):
        self.name = name
        self.short = os.path.basename(name)
        self.desc = {}
        desc_path = os.path.join(SRC_DIR, name + ".desc")
        if os.path.exists(desc_path):
            with open(desc_path) as f:
                self.desc = json.load(f)
        binary = self.desc.get("binary", self.short)
        self.binary = os.path.join(BUILD_DIR, os.path.dirname(name), binary)
        self.flavor = flavor_override or self.desc.get("flavor") or self._flavor_from_opts()
        if self.flavor not in FLAVORS:
            raise ValueError("%s: unknown flavor %s" % (name, self.flavor))
        # The flavour alone decides -R/-s, so that -f can override a .desc.
        self.dump_opts = [o for o in self.desc.get("dump_opts", []) if o not in FLAVOR_OPTS]
        self.dump_opts += FLAVORS[self.flavor]
        self.restore_opts = list(self.desc.get("restore_opts", []))
        # a .desc giving its own --root tests the restore without it (restore_error)
        self.flavor_restore_opts = [] if "--root" in self.restore_opts else \
            FLAVOR_RESTORE_OPTS.get(self.flavor, [])
        self.skip = self.desc.get("skip")
        if self.flavor == "ns" and not self.skip:
            self.skip = NS_UNFIT.get(self.short)
        if self.flavor == "uns" and not self.skip:
            self.skip = UNS_UNFIT.get(self.short) or NS_UNFIT.get(self.short)
        # a test of the namespace's own mounts means nothing elsewhere
        if self.desc.get("flavor") == "ns" and self.flavor not in ("ns", "uns"):
            self.skip = "runs only in the ns and uns flavours"
        # a test of the locks a copy into a user namespace makes has none elsewhere
        if self.desc.get("flavor") == "uns" and self.flavor != "uns":
            self.skip = "runs only in the uns flavour"
        self.dump_error = self.desc.get("dump_error")
        self.restore_error = self.desc.get("restore_error")
        self.unstable = set(self.desc.get("unstable", []))
        self.test_env = dict(FLAVOR_ENV.get(self.flavor, {}), **self.desc.get("test_env", {}))
        # a flavour forced by -f keeps its dumps apart: test/others/ read the own ones
        own = self.desc.get("flavor") or self._flavor_from_opts()
        apart = "." + self.flavor if flavor_override and self.flavor != own else ""
        self.work = os.path.join(RUN_DIR, self.short + apart)
        self.dump_dir = os.path.join(DUMP_DIR, self.short + apart)
        self.pidfile = os.path.join(self.work, "test.pid")
        self.outfile = os.path.join(self.work, "test.out")
        self.restore_pidfile = os.path.join(self.work, "restore.pid")
        self.page_server = False    # run(): --page-server
        self.lazy_pages = False     # run(): --lazy-pages
        self.lazy_env = dict(self.desc.get("lazy_env", {}))
        self.lazy_proc = None       # the test's criu lazy-pages while it runs
        self.remote_lazy = False    # run(): --remote-lazy-pages
        self.stream = False         # run(): --stream
        self.lazy_server = None     # its criu page-server --lazy-pages

    def _flavor_from_opts(self):
        opts = self.desc.get("dump_opts", [])
        if "-R" in opts or "--leave-running" in opts:
            return "leave-running"
        if "-s" in opts or "--leave-stopped" in opts:
            return "leave-stopped"
        return "h"


def all_tests():
    """Every test program (a .c file) and every alias (a .desc naming another binary)."""
    names = set()
    for path in glob.glob(os.path.join(SRC_DIR, "zdtm", "static", "*.c")):
        names.add("zdtm/static/" + os.path.basename(path)[:-2])
    for path in glob.glob(os.path.join(SRC_DIR, "zdtm", "static", "*.desc")):
        with open(path) as f:
            if "binary" in json.load(f):
                names.add("zdtm/static/" + os.path.basename(path)[:-5])
    return sorted(names)


def normalize_name(name):
    name = name.rstrip("/")
    for prefix in ("./", "test/"):
        if name.startswith(prefix):
            name = name[len(prefix):]
    if "/" not in name:
        name = "zdtm/static/" + name
    return name


# ---- processes --------------------------------------------------------------------------

def proc_state(pid):
    """The one-letter state from /proc/PID/stat, or None if there is no such task."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat[stat.rindex(")") + 2]


def reap(pid, timeout):
    """Wait until pid is gone: reap it if it is our child. Returns its wait status or None."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            got, status = os.waitpid(pid, os.WNOHANG)
            if got == pid:
                return status
        except ChildProcessError:
            if proc_state(pid) is None:
                return None
        if time.monotonic() > deadline:
            raise TestFailure("task %d still exists after %d s" % (pid, timeout))
        time.sleep(0.02)


def kill_and_reap(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        reap(pid, GONE_TIMEOUT)
    except TestFailure:
        pass


def kill_if_ours(pid):
    """After a failed restore the test's pid may be another's (pids are reused): kill it only
    while it is our child (we are the subreaper of what we started and restored)."""
    if pid and pid in our_children():
        kill_and_reap(pid)


def our_children():
    me = str(os.getpid())
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/status" % entry) as f:
                for line in f:
                    if line.startswith("PPid:"):
                        if line.split()[1] == me:
                            kids.append(int(entry))
                        break
        except OSError:
            continue
    return kids


def reap_dead_children():
    """A child the test forked after the runner listed its tree, and the dump killed, is our
    zombie now (we are its subreaper): its pid must be free for the restore."""
    for kid in our_children():
        if proc_state(kid) == "Z":
            try:
                os.waitpid(kid, 0)
            except ChildProcessError:
                pass


def cleanup_children():
    """Kill and reap whatever a test or criu left behind (we are their subreaper)."""
    left = our_children()
    for pid in left:
        kill_and_reap(pid)
    while True:
        try:
            got, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if got == 0:
            break
    return left


def become_subreaper():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        sys.exit("zdtm.py: prctl(PR_SET_CHILD_SUBREAPER): %s" % os.strerror(err))


# ---- one test ---------------------------------------------------------------------------

def run_criu(args, test, log_name, criu, fds=()):
    """Run criu in the dump dir (so -o lands there either way); its stdout/stderr to a file."""
    out_path = os.path.join(test.dump_dir, log_name + ".out")
    with open(out_path, "w") as out:
        try:
            env = dict(os.environ, **test.desc.get("restore_env", {})) \
                if args[0] == "restore" else None
            res = subprocess.run([criu] + args, cwd=test.dump_dir, stdin=subprocess.DEVNULL,
                                 stdout=out, stderr=subprocess.STDOUT, timeout=CRIU_TIMEOUT,
                                 pass_fds=fds, env=env)
        except subprocess.TimeoutExpired:
            raise TestFailure("criu %s ran over %d s" % (args[0], CRIU_TIMEOUT))
    if res.returncode != 0:
        raise TestFailure("criu %s exited with %d" % (args[0], res.returncode))


def read_pidfile(path):
    with open(path) as f:
        return int(f.read().strip())


def start_test(test):
    log = open(os.path.join(test.work, "launcher.log"), "w")
    with log:
        proc = subprocess.Popen([test.binary, "--pidfile=" + test.pidfile,
                                 "--outfile=" + test.outfile], cwd=test.work,
                                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                env=dict(os.environ, **test.test_env))
        try:
            rc = proc.wait(timeout=START_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise TestFailure("test did not get ready in %d s" % START_TIMEOUT)
    if rc == SKIP_STATUS:
        try:
            with open(test.outfile) as f:
                verdict = f.readline().strip()
        except OSError:
            verdict = ""
        if verdict.startswith("SKIP:"):
            raise TestSkip(verdict[5:].strip())
    if rc != 0 or not os.path.exists(test.pidfile):
        raise TestFailure("test failed to start (exit %d)" % rc)
    time.sleep(SETTLE)
    return read_pidfile(test.pidfile)


def tree_pids(pid):
    """pid's descendants, parents first (a test may run a process tree)."""
    found, i = [pid], 0
    while i < len(found):
        try:
            for tid in os.listdir("/proc/%d/task" % found[i]):
                with open("/proc/%d/task/%s/children" % (found[i], tid)) as f:
                    found += [int(c) for c in f.read().split() if int(c) not in found]
        except OSError:
            pass
        i += 1
    return found[1:]


def free_tree_pids(kids, kill):
    """The dumped tree's other pids must be free again before restore takes them back."""
    for kid in kids:
        if kill:
            kill_and_reap(kid)
        try:
            reap(kid, GONE_TIMEOUT)
        except TestFailure:
            raise TestFailure("task %d of the tree still alive after criu dump" % kid)


def check_after_dump(test, pid, before, kids=()):
    """What the flavour promises about the original task; then make its pid free."""
    if test.flavor in KILLING_FLAVORS:
        try:
            reap(pid, GONE_TIMEOUT)
        except TestFailure:
            raise TestFailure("task %d still alive after criu dump" % pid)
        free_tree_pids(kids, False)
        return
    state = proc_state(pid)
    if test.flavor == "leave-running" and (state is None or state in "TtZX"):
        raise TestFailure("task %d is %s after dump -R, expected running" %
                          (pid, state or "gone"))
    if test.flavor == "leave-stopped" and state != "T":
        raise TestFailure("task %d is %s after dump -s, expected stopped (T)" %
                          (pid, state or "gone"))
    # Cured and left alone, the original must look as it did: no parasite left behind.
    problems = compare_snapshots(before, snapshot(pid), "after dump (%s)" % test.flavor,
                                 test.unstable)
    if problems:
        raise TestFailure(*problems)
    kill_and_reap(pid)
    if proc_state(pid) is not None:
        raise TestFailure("task %d survived SIGKILL after dump" % pid)
    free_tree_pids(kids, True)


def expect_dump_error(test, pid, before, criu):
    """The dump must be refused with test.dump_error and leave the task as it was."""
    env = dict(os.environ, **test.desc.get("dump_env", {}))
    args = [criu, "dump", "-t", str(pid), "-D", test.dump_dir, "-v4", "-o", "dump.log"]
    res = subprocess.run(args + test.dump_opts, cwd=test.dump_dir, env=env,
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, timeout=CRIU_TIMEOUT, errors="replace")
    out = res.stdout
    with open(os.path.join(test.dump_dir, "dump.out"), "w") as f:
        f.write(out)
    if res.returncode == 0:
        raise TestFailure("criu dump succeeded; expected it to fail with '%s'" %
                          test.dump_error)
    if test.dump_error not in out:
        raise TestFailure("criu dump failed without saying '%s'" % test.dump_error)
    if os.path.exists(os.path.join(test.dump_dir, "inventory.img")):
        raise TestFailure("a failed dump wrote inventory.img")
    state = proc_state(pid)
    if state is None or state in "TtZX":
        raise TestFailure("task %d is %s after a refused dump" % (pid, state or "gone"))
    problems = compare_snapshots(before, snapshot(pid), "after the refused dump",
                                 test.unstable)
    if problems:
        raise TestFailure(*problems)


def expect_restore_error(test, pid, criu):
    """A restore without test.restore_opts must be refused and leave nothing running."""
    pidfile = os.path.join(test.work, "refused.pid")
    args = [criu, "restore", "-D", test.dump_dir, "-v4", "-o", "restore-refused.log", "-d",
            "--pidfile=" + pidfile] + test.flavor_restore_opts
    res = subprocess.run(args, cwd=test.dump_dir, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         timeout=CRIU_TIMEOUT, errors="replace")
    with open(os.path.join(test.dump_dir, "restore-refused.out"), "w") as f:
        f.write(res.stdout)
    if res.returncode == 0:
        raise TestFailure("criu restore without %s succeeded; expected it to fail with '%s'"
                          % (" ".join(test.restore_opts), test.restore_error))
    if test.restore_error not in res.stdout:
        raise TestFailure("criu restore without %s failed without saying '%s'" %
                          (" ".join(test.restore_opts), test.restore_error))
    if proc_state(pid) is not None or os.path.exists(pidfile):
        raise TestFailure("the refused restore left task %d or its pidfile behind" % pid)


def chain_dumps(test, pid, before, criu):
    """--pre/--snaps: the earlier dumps of the chain; returns the final dump's options."""
    n = 0 if test.desc.get("no_chain") else CHAIN["pre"]
    prev = None
    for i in range(1, n + 1):
        d = "pre%d" % i
        os.makedirs(os.path.join(test.dump_dir, d))
        args = ["dump", "-R", "--track-mem"] if CHAIN["snaps"] else ["pre-dump"]
        if CHAIN["mode"] and not CHAIN["snaps"]:
            args += ["--pre-dump-mode", CHAIN["mode"]]
        args += ["-t", str(pid), "-D", d, "-v4", "-o", "dump.log"]
        if prev:
            args += ["--prev-images-dir", "../" + prev]
        ps = None
        if test.page_server:
            # the chain goes through the page server too, each level into its own dir
            ps, ps_opts = start_page_server(test, criu, subdir=d)
            args += ps_opts
        try:
            run_criu(args, test, d, criu)
        except TestFailure:
            if ps:
                stop_page_server(ps, False)
            raise
        if ps:
            stop_page_server(ps, True)
        state = proc_state(pid)
        if state is None or state in "TtZX":
            raise TestFailure("after criu %s %s task %d is %s" %
                              (args[0], d, pid, state or "gone"))
        problems = compare_snapshots(before, snapshot(pid), "after %s" % d, test.unstable,
                                     chain=True)
        if problems:
            raise TestFailure(*problems)
        prev = d
    opts = ["--prev-images-dir", prev] if prev else []
    return opts + (["--auto-dedup"] if prev and CHAIN["dedup"] else [])


def free_tcp_port():
    with socket.socket() as sk:
        sk.bind(("127.0.0.1", 0))
        return sk.getsockname()[1]


def start_page_server(test, criu, lazy=False, subdir=""):
    """criu page-server into the dump dir, or subdir of it for a chain's earlier dump (lazy:
    serving its pages to criu lazy-pages); returns it and the client's options once it
    listens (it writes a byte to --status-fd then)."""
    port = free_tcp_port()
    rfd, wfd = os.pipe()
    name = "lazy-server" if lazy else "page-server"
    where = os.path.join(test.dump_dir, subdir)
    out = open(os.path.join(where, name + ".out"), "w")
    with out:
        proc = subprocess.Popen([criu, "page-server", "-D", where, "--address",
                                 "127.0.0.1", "--port", str(port), "-v4", "-o",
                                 name + ".log", "--status-fd", str(wfd)] +
                                (["--lazy-pages"] if lazy else []),
                                cwd=where, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, pass_fds=(wfd,))
    os.close(wfd)
    ready = select.select([rfd], [], [], START_TIMEOUT)[0] and os.read(rfd, 1)
    os.close(rfd)
    if not ready:
        proc.kill()
        proc.wait()
        raise TestFailure("criu page-server did not start listening")
    return proc, ["--page-server", "--address", "127.0.0.1", "--port", str(port)]


def start_lazy_pages(test, criu):
    """criu lazy-pages on the dump dir, once it listens (a byte on --status-fd); with
    --remote-lazy-pages it gets the pages from a criu page-server --lazy-pages."""
    remote = []
    if test.remote_lazy:
        test.lazy_server, remote = start_page_server(test, criu, lazy=True)
    rfd, wfd = os.pipe()
    out = open(os.path.join(test.dump_dir, "lazy-pages.out"), "w")
    with out:
        proc = subprocess.Popen([criu, "lazy-pages", "-D", test.dump_dir, "-v4", "-o",
                                 "lazy-pages.log", "--status-fd", str(wfd)] + remote,
                                cwd=test.dump_dir, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, pass_fds=(wfd,),
                                env=dict(os.environ, **test.lazy_env))
    os.close(wfd)
    ready = select.select([rfd], [], [], START_TIMEOUT)[0] and os.read(rfd, 1)
    os.close(rfd)
    if not ready:
        proc.kill()
        proc.wait()
        raise TestFailure("criu lazy-pages did not start listening")
    test.lazy_proc = proc


def stop_lazy_pages(test, ok):
    """Once the test has ended, its lazy-pages daemon (and its page server) must exit 0 on
    its own."""
    problems = []
    for what, attr in (("criu lazy-pages", "lazy_proc"),
                       ("criu page-server --lazy-pages", "lazy_server")):
        proc = getattr(test, attr)
        setattr(test, attr, None)
        if proc is None:
            continue
        try:
            status = proc.wait(timeout=CRIU_TIMEOUT if ok else 5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            problems += ["%s did not exit after the test" % what] if ok else []
            continue
        if ok and status != 0:
            problems.append("%s exited with %d" % (what, status))
    return problems


def stop_page_server(proc, dump_ok):
    """After a dump that succeeded the server must have exited 0 on its own."""
    try:
        status = proc.wait(timeout=CRIU_TIMEOUT if dump_ok else 5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        if dump_ok:
            raise TestFailure("criu page-server did not exit after the dump")
        return
    if dump_ok and status != 0:
        raise TestFailure("criu page-server exited with %d after the dump" % status)


def start_streamer(test, mode):
    """--stream: test/others/img_streamer.py in capture or serve mode on the dump dir, once
    it listens; its archive is dump_dir/../NAME.stream. None without --stream."""
    if not test.stream:
        return None
    archive = test.dump_dir.rstrip("/") + ".stream"
    out = open(os.path.join(test.dump_dir, "streamer-%s.out" % mode), "w")
    with out:
        proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "test", "others",
                                                              "img_streamer.py"),
                                 mode, test.dump_dir, archive], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=out, text=True)
    ready = select.select([proc.stdout], [], [], START_TIMEOUT)[0] and proc.stdout.readline()
    if ready.strip() != "socket-init":
        proc.kill()
        proc.wait()
        raise TestFailure("the image streamer (%s) did not start" % mode)
    return proc


def stop_streamer(proc, ok):
    """After criu succeeded the streamer must have exited 0 on its own."""
    if proc is None:
        return
    try:
        status = proc.wait(timeout=CRIU_TIMEOUT if ok else 5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        status = "a timeout"
    proc.stdout.close()
    if ok and status != 0:
        raise TestFailure("the image streamer exited with %s" % status)


def dump_and_restore(test, pid, before, criu):
    if test.dump_error:
        expect_dump_error(test, pid, before, criu)
        return pid
    chain_opts = chain_dumps(test, pid, before, criu)
    kids = tree_pids(pid)
    ps, ps_opts = start_page_server(test, criu) if test.page_server else (None, [])
    streamer = start_streamer(test, "capture")
    try:
        run_criu(["dump", "-t", str(pid), "-D", test.dump_dir, "-v4", "-o", "dump.log"] +
                 chain_opts + test.dump_opts + ps_opts + (["--stream"] if streamer else []),
                 test, "dump", criu)
    except TestFailure as e:
        stop_streamer(streamer, False)
        if ps:
            stop_page_server(ps, False)
        # A failed dump must leave the task running as before: say whether it did.
        state = proc_state(pid)
        raise TestFailure("%s; the task is %s afterwards" %
                          (e, "gone" if state is None else "in state " + state))
    if ps:
        stop_page_server(ps, True)
    stop_streamer(streamer, True)
    check_after_dump(test, pid, before, kids)
    reap_dead_children()
    if test.stream and glob.glob(os.path.join(test.dump_dir, "*.img")):
        raise TestFailure("criu dump --stream wrote images into -D")
    if not test.stream and not os.path.exists(os.path.join(test.dump_dir, "inventory.img")):
        raise TestFailure("criu dump left no inventory.img")
    if test.restore_error:
        expect_restore_error(test, pid, criu)
    if test.lazy_pages:
        start_lazy_pages(test, criu)
    streamer = start_streamer(test, "serve")
    inherit_fds, inherit_opts = inherit_fd_opts(test)
    try:
        run_criu(["restore", "-D", test.dump_dir, "-v4", "-o", "restore.log", "-d",
                  "--pidfile=" + test.restore_pidfile] + test.flavor_restore_opts +
                 test.restore_opts + inherit_opts +
                 (["--lazy-pages"] if test.lazy_pages else []) +
                 (["--stream"] if streamer else []), test, "restore", criu, inherit_fds)
    except TestFailure as e:
        stop_lazy_pages(test, False)
        stop_streamer(streamer, False)
        raise DumpDefect(*e.args)
    finally:
        for fd in inherit_fds:
            os.close(fd)
    stop_streamer(streamer, True)
    if test.lazy_pages and not test.lazy_env:
        # Every page in before the test goes on: a signal that comes while a task still
        # waits for the page its restarted syscall reads can run its handler before the
        # restart (a restore race of interrupted syscalls, lazy pages or not); lazy_env
        # tests (CRIU_LAZY_TRICKLE) use their memory while it is still coming.
        problems = stop_lazy_pages(test, True)
        if problems:
            raise TestFailure(*problems)
    try:
        new_pid = read_pidfile(test.restore_pidfile)
    except (OSError, ValueError):
        raise TestFailure("criu restore wrote no usable pidfile")
    if new_pid != pid and not root_pid_repicked(os.path.join(test.dump_dir, "restore.log")):
        raise TestFailure("restored pid is %d, expected %d" % (new_pid, pid))
    state = proc_state(new_pid)
    if state is None or state in "TtZX":
        raise TestFailure("restored task %d is %s" % (new_pid, state or "gone"))
    return new_pid


SYS_TGKILL = 234  # x86_64


def send_sigterm_to_main_thread(pid):
    """The test's SIGTERM goes to its main thread, the one waiting in sigsuspend (zdtm's
    test_waitsig). Sent to the process, the kernel may hand it to another thread instead:
    right after a restore, a thread whose wait the kernel restarts sits at the syscall
    instruction with its own mask, and the main thread, not back in sigsuspend yet, still
    blocks SIGTERM. The handler then runs in a worker, and the main thread waits forever."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.syscall(SYS_TGKILL, pid, pid, signal.SIGTERM) != 0:
        os.kill(pid, signal.SIGTERM)


def finish_test(test, pid):
    """SIGTERM, wait for the exit, read the verdict. Returns a list of problems."""
    problems = []
    send_sigterm_to_main_thread(pid)
    try:
        status = reap(pid, EXIT_TIMEOUT)
    except TestFailure:
        return problems + ["test did not exit within %d s of SIGTERM" % EXIT_TIMEOUT]
    if status is not None and os.WIFSIGNALED(status):
        problems.append("test was killed by signal %d" % os.WTERMSIG(status))
    try:
        with open(test.outfile) as f:
            verdict = f.read().strip()
    except FileNotFoundError:
        verdict = ""
    if not verdict.startswith("PASS"):
        problems.append(verdict.splitlines()[0] if verdict else "test wrote no verdict")
    return problems


HUGETLB_LOCK = "/run/zdtm-hugetlb.lock"      # test/zdtm/lib/hugetlb.c takes it too
HUGETLB_POOL = "/sys/kernel/mm/hugepages/hugepages-%skB/nr_hugepages"
IPC_RMID = 0
MNT_DETACH = 2


def undo_leftovers(test):
    """What a killed test could not undo itself (OUTFILE.leftovers, see zdtmtst.h), last
    change first: huge pages it added to the kernel's pool, SysV segments it made, mounts,
    net.ipv4.ping_group_range, nft tables, and the folders (cgroups) it made."""
    path = test.outfile + ".leftovers"
    try:
        with open(path) as f:
            lines = f.read().split("\n")
    except OSError:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    with open(HUGETLB_LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for words in (l.split() for l in reversed(lines)):
            if words[:1] == ["sysv-shm"] and len(words) == 2:
                libc.shmctl(int(words[1]), IPC_RMID, None)
            elif words[:1] == ["rmdir"] and len(words) == 2:
                try:
                    os.rmdir(words[1])      # a test's cgroup, once its tasks are gone
                except OSError:
                    pass
            elif words[:1] == ["umount"] and len(words) == 2:
                libc.umount2(words[1].encode(), MNT_DETACH)
            elif words[:1] == ["nft-table"] and len(words) == 3:
                subprocess.call(["nft", "delete", "table", words[1], words[2]],
                                stderr=subprocess.DEVNULL)
            elif words[:1] == ["ping-range"] and len(words) == 3:
                with open("/proc/sys/net/ipv4/ping_group_range", "w") as f:
                    f.write("%s %s\n" % (words[1], words[2]))
            elif words[:1] == ["hugepages"] and len(words) == 3:
                with open(HUGETLB_POOL % words[1], "r+") as pool:
                    now = int(pool.read())
                    pool.seek(0)
                    pool.write("%d\n" % max(now - int(words[2]), 0))
    os.unlink(path)


def run_one(test, criu):
    """Returns None on success, else the reason (a list of lines)."""
    for d in (test.work, test.dump_dir):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    if "ZDTM_ROOT" in test.test_env:
        os.makedirs(test.test_env["ZDTM_ROOT"], exist_ok=True)
    if not os.access(test.binary, os.X_OK):
        return ["no test binary %s: run make" % os.path.relpath(test.binary, ROOT)]
    if not os.access(criu, os.X_OK):
        return ["no criu binary at %s: run make" % os.path.relpath(criu, ROOT)]
    pid = None
    try:
        pid = start_test(test)
        before = snapshot(pid)
        pid, old = dump_and_restore(test, pid, before, criu), pid
        after = snapshot(pid)
        if pid != old:      # the root's pid outside was taken: only the ones inside are kept
            before, after = without_outer_pids(before), without_outer_pids(after)
        problems = compare_snapshots(without_inherited(test, before),
                                     without_inherited(test, after), "after restore",
                                     test.unstable)
        problems += finish_test(test, pid)
        problems += stop_lazy_pages(test, True)
        return problems or None
    except TestFailure as e:
        return e.lines()
    finally:
        kill_if_ours(pid)
        stop_lazy_pages(test, False)
        cleanup_children()
        undo_leftovers(test)
        # the host's directory an "ns" test bound as its external mount (ZDTM_EXT_MNT)
        if "ZDTM_EXT_MNT" in test.test_env:
            shutil.rmtree(test.test_env["ZDTM_EXT_MNT"], ignore_errors=True)


# ---- reporting --------------------------------------------------------------------------

def tail(path, n):
    try:
        with open(path, errors="replace") as f:
            return f.read().splitlines()[-n:]
    except OSError:
        return []


def print_diagnostics(test):
    """criu's Error lines and log tails, and the test's log, as TAP comments."""
    for action in ("dump", "page-server", "restore", "lazy-pages", "lazy-server"):
        log = tail(os.path.join(test.dump_dir, action + ".log"), 100000)
        out = tail(os.path.join(test.dump_dir, action + ".out"), 100000)
        out = [l for l in out if l not in log]     # criu may echo its errors to stderr
        for name, lines in ((action + ".log", log), ("criu " + action + " output", out)):
            if not lines:
                continue
            errors = [l for l in lines if "Error" in l]
            if errors:
                print("# ---- %s: Error lines" % name)
                for line in errors[:20]:
                    print("#   " + line)
            print("# ---- %s: last lines" % name)
            for line in lines[-15:]:
                print("#   " + line)
    lines = tail(test.outfile + ".log", 10)
    if lines:
        print("# ---- test log")
        for line in lines:
            print("#   " + line)


def run(args):
    if os.geteuid() != 0:
        print("# zdtm.py needs root (criu dump/restore); all tests skipped")
        print("0 passed, 0 failed, %d skipped" % len(args.names))
        return 0
    become_subreaper()
    passed = failed = skipped = defects = 0
    for n, name in enumerate(args.names, 1):
        try:
            test = Test(name, args.flavor)
            test.page_server = args.page_server
            test.lazy_pages = args.lazy_pages or args.remote_lazy_pages
            test.remote_lazy = args.remote_lazy_pages
            test.stream = args.stream
            if args.sibling:  # CRIU's zdtm.py option: the restored root is ours, not criu's
                test.restore_opts.append("--restore-sibling")
        except (OSError, ValueError) as e:
            print("not ok %d - %s: bad test description: %s" % (n, name, e))
            failed += 1
            continue
        if test.skip:
            print("ok %d - %s # SKIP %s" % (n, name, test.skip))
            skipped += 1
            continue
        started = time.monotonic()
        try:
            problems = run_one(test, args.criu)
        except TestSkip as e:
            print("ok %d - %s # SKIP %s" % (n, name, e))
            skipped += 1
            continue
        took = time.monotonic() - started
        if problems is None:
            print("ok %d - %s (%s, %.1f s)" % (n, name, test.flavor, took))
            passed += 1
        else:
            if problems[0].startswith("DUMP DEFECT"):
                defects += 1
            print("not ok %d - %s: %s" % (n, name, problems[0]))
            for line in problems[1:]:
                print("#   " + line)
            print_diagnostics(test)
            failed += 1
        sys.stdout.flush()
        if failed and not args.keep_going:
            break
    if defects:
        print("# dump defects: %d (dumps that succeeded and could not be restored)" % defects)
    summary = "%d passed, %d failed" % (passed, failed)
    if skipped:
        summary += ", %d skipped" % skipped
    print(summary)
    return 1 if failed else 0


def build_binaries(names):
    """Bring the tests' binaries up to date with their sources, as `make` would: a test run
    right after editing a test must not run the old binary. Where make or the Makefile is
    missing (an installed tree), run_one reports what is absent instead."""
    if os.environ.get("ZDTM_NO_BUILD") or not os.path.exists(os.path.join(ROOT, "Makefile")):
        return
    targets = sorted({os.path.relpath(Test(n).binary, ROOT) for n in names})
    try:
        r = subprocess.run(["make", "-s", "-k", "--no-print-directory"] + targets, cwd=ROOT,
                           stdin=subprocess.DEVNULL, check=False)
    except OSError:
        return
    if r.returncode:
        # an old binary must not pass for a test whose source no longer builds
        sys.exit("zdtm.py: building the tests failed (make's errors above)")


def main():
    p = argparse.ArgumentParser(description="Checkpoint/restore test runner")
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="run tests")
    r.add_argument("-t", "--test", action="append", default=[], help="zdtm/static/NAME")
    r.add_argument("-a", "--all", action="store_true", help="run every test")
    r.add_argument("-f", "--flavor", choices=sorted(FLAVORS), help="force a flavour")
    r.add_argument("-k", "--keep-going", action="store_true", help="go on after a failure")
    r.add_argument("--pre", type=int, default=0, metavar="N",
                   help="N pre-dumps before the dump, linked as a chain")
    r.add_argument("--snaps", type=int, default=0, metavar="N",
                   help="N dumps -R --track-mem before the dump, linked as a chain")
    r.add_argument("--dedup", action="store_true", help="the final dump with --auto-dedup")
    r.add_argument("--pre-dump-mode", choices=("splice", "read"),
                   help="how the --pre pre-dumps copy pages")
    r.add_argument("--page-server", action="store_true",
                   help="dump the pages through criu page-server on loopback")
    r.add_argument("--lazy-pages", action="store_true",
                   help="restore with --lazy-pages from criu lazy-pages")
    r.add_argument("--remote-lazy-pages", action="store_true",
                   help="as --lazy-pages, the pages from a criu page-server --lazy-pages")
    r.add_argument("--stream", action="store_true",
                   help="dump and restore --stream through test/others/img_streamer.py")
    r.add_argument("--sibling", action="store_true",
                   help="restore with --restore-sibling: the root is the runner's child")
    r.add_argument("--criu", default=os.environ.get("ZDTM_CRIU",
                                                   os.path.join(ROOT, "criu", "criu")),
                   help="criu binary (default: $ZDTM_CRIU, else criu/criu of this tree)")
    sub.add_parser("list", help="list tests")
    args = p.parse_args()

    if args.cmd == "list":
        print("\n".join(all_tests()))
        return 0
    names = all_tests() if args.all else []
    names += [normalize_name(t) for t in args.test if normalize_name(t) not in names]
    if not names:
        p.error("no tests: give -t NAME or -a")
    args.names = names
    args.criu = os.path.abspath(args.criu)
    build_binaries(names)
    CHAIN.update(pre=args.snaps or args.pre, snaps=bool(args.snaps), dedup=args.dedup,
                 mode=args.pre_dump_mode)
    try:
        return run(args)
    finally:
        cleanup_children()


if __name__ == "__main__":
    sys.exit(main())
