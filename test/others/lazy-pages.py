#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""criu restore --lazy-pages and criu lazy-pages (criu/lazy/, criu/pie/restorer-lazy.c).

- The memory, thread and tree tests of ZDTM, each restored with --lazy-pages from a
  criu lazy-pages on its images (zdtm.py run --lazy-pages); lazy_events00 forks, moves,
  drops and unmaps its memory before it has all arrived (CRIU_LAZY_TRICKLE), and the
  daemon's log must show that it followed the fork.
- A lazy restore with no daemon to serve it fails, naming criu lazy-pages, with nothing
  left behind and the images untouched; one that fails in the restorer makes the daemon
  exit 1.
- The same subset with --remote-lazy-pages: criu lazy-pages --page-server asks a criu
  page-server --lazy-pages on loopback for every page it copies.
- Some of them as chains (--pre 2), locally and remotely: the pages the final dump left in
  the parent images come from there.
- What is not supported yet is refused, naming it: dump --lazy-pages (pages left in the
  dumped task for the page server).
"""
import hashlib
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zdtm  # noqa: E402
import tally  # noqa: E402
import zdtm_modes  # noqa: E402

CRIU = os.path.join(zdtm.ROOT, "criu", "criu")
report = tally.Tally(show_ok=True)
ZDTM_TESTS = ["lazy_events00", "maps00", "maps01", "madv00", "mprot_file00", "mlock00",
              "memfill00", "cow00", "cow02", "tree00", "tree_mem00", "shm_tree00",
              "memfd_tree00", "wipe_tree00", "threads00", "threads01", "threads02",
              "threads03", "threads04", "threads05", "tree_threads00", "zombie00",
              "hugetlb00", "pidns00", "vdso00", "aio00", "stopped_tree00", "env00", "fpu00",
              "sleeping00", "seccomp00", "signals00", "itimers00", "posix_timers00", "seal00",
              "restart_block00", "shell_job00"]


def criu(args, env=None):
    e = dict(os.environ)
    e.pop("CRIU_FAULT", None)
    e.update(env or {})
    return subprocess.run([CRIU] + args, env=e, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=120)


def zdtm_subset():
    zdtm_modes.run_subset(report, "--lazy-pages", zdtm_modes.beyond_mem(ZDTM_TESTS),
                          "tests beyond run-all's memory set")
    log = os.path.join(zdtm.DUMP_DIR, "lazy_events00", "lazy-pages.log")
    try:
        with open(log) as f:
            text = f.read()
    except OSError as e:
        text = str(e)
    report("forked" in text and "zero pages" in text,
           "lazy_events00: the daemon followed the fork and served the dropped pages as "
           "zeros", text[-400:])


CHAIN_TESTS = ["maps00", "memfill00", "lazy_events00", "tree_mem00", "threads00", "cow00"]


def chain_subsets():
    """Chains of pre-dumps restored lazily: the pages the final dump left in the parents
    (PE_PARENT) come from there, locally and through the page server."""
    for mode in ("--lazy-pages --pre 2", "--remote-lazy-pages --pre 2"):
        zdtm_modes.run_subset(report, mode, CHAIN_TESTS, "memory, thread and tree tests")


def remote_subset():
    """The same tests, each page asked of a criu page-server --lazy-pages (PS_IOV_GET)."""
    zdtm_modes.run_subset(report, "--remote-lazy-pages", zdtm_modes.beyond_mem(ZDTM_TESTS),
                          "tests beyond run-all's memory set")
    logs = {}
    for name in ("lazy-server.log", "lazy-pages.log"):
        try:
            with open(os.path.join(zdtm.DUMP_DIR, "lazy_events00", name)) as f:
                logs[name] = f.read()
        except OSError as e:
            logs[name] = str(e)
    sent = re.findall(r"--lazy-pages: (\d+) pages sent", logs["lazy-server.log"])
    copied = re.findall(r": (\d+) pages copied", logs["lazy-pages.log"])
    report(sent and int(sent[0]) > 0 and int(sent[0]) >= sum(int(n) for n in copied) > 0,
           "lazy_events00 (remote): every page the daemon copied came from the page server",
           "sent %s, copied %s" % (sent, copied))


def dumped_test(tag):
    test = zdtm.Test("zdtm/static/maps00")
    test.work = os.path.join(zdtm.RUN_DIR, "lazy-" + tag)
    test.dump_dir = os.path.join(zdtm.DUMP_DIR, "lazy-" + tag)
    test.pidfile = os.path.join(test.work, "test.pid")
    test.outfile = os.path.join(test.work, "test.out")
    for d in (test.work, test.dump_dir):
        subprocess.run(["rm", "-rf", d])
        os.makedirs(d)
    pid = zdtm.start_test(test)
    r = criu(["dump", "-t", str(pid), "-D", test.dump_dir, "-v4", "-o", "dump.log"])
    zdtm.cleanup_children()
    return test, pid, r


def images_digest(d):
    h = hashlib.sha256()
    for name in sorted(os.listdir(d)):
        if name.endswith(".img"):
            with open(os.path.join(d, name), "rb") as f:
                h.update(name.encode() + f.read())
    return h.hexdigest()


def no_daemon():
    test, pid, r = dumped_test("nodaemon")
    why = [] if r.returncode == 0 else ["dump failed: " + r.stderr[-200:]]
    if not why:
        before = images_digest(test.dump_dir)
        r = criu(["restore", "-D", test.dump_dir, "-d", "--lazy-pages"])
        if r.returncode == 0:
            why.append("the restore succeeded with no daemon")
        if "criu lazy-pages" not in r.stderr or "Error (" not in r.stderr:
            why.append("no error naming criu lazy-pages: " + r.stderr[-300:])
        if zdtm.proc_state(pid) not in (None, "Z"):
            why.append("task %d is there after the failed restore" % pid)
        if images_digest(test.dump_dir) != before:
            why.append("the images changed")
    report(not why, "restore --lazy-pages with no criu lazy-pages fails cleanly",
           "; ".join(why))
    zdtm.cleanup_children()


def restorer_fails():
    """CRIU_FAULT=restorer: the restore fails once memory is in place; the daemon learns
    it and exits 1, and no task is left."""
    test, pid, r = dumped_test("fails")
    why = [] if r.returncode == 0 else ["dump failed: " + r.stderr[-200:]]
    lz = None
    try:
        if not why:
            rfd, wfd = os.pipe()
            lz = subprocess.Popen([CRIU, "lazy-pages", "-D", test.dump_dir, "-v4", "-o",
                                   "lazy-pages.log", "--status-fd", str(wfd)],
                                  pass_fds=(wfd,), stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            os.close(wfd)
            os.read(rfd, 1)
            os.close(rfd)
            r = criu(["restore", "-D", test.dump_dir, "-d", "--lazy-pages", "-v4", "-o",
                      "restore.log"], env={"CRIU_FAULT": "restorer"})
            if r.returncode == 0:
                why.append("the restore succeeded despite the fault")
            status = lz.wait(timeout=60)
            if status == 0:
                why.append("criu lazy-pages exited 0 after a failed restore")
            zdtm.cleanup_children()
            if zdtm.proc_state(pid) not in (None, "Z"):
                why.append("task %d is there after the failed restore" % pid)
    finally:
        if lz and lz.poll() is None:
            lz.kill()
            lz.wait()
            why.append("criu lazy-pages did not exit after the failed restore")
        report(not why, "a lazy restore that fails in the restorer: the daemon exits 1, "
               "nothing is left", "; ".join(why))
        if zdtm.proc_state(pid) is not None:
            zdtm.kill_and_reap(pid)
        zdtm.cleanup_children()


def refusals():
    d = os.path.join(zdtm.RUN_DIR, "lazy-refusals")
    os.makedirs(d, exist_ok=True)
    r = criu(["dump", "-t", "1", "-D", d, "--lazy-pages"])
    report(r.returncode == 1 and "not supported yet" in r.stderr and "Error (" in r.stderr,
           "dump --lazy-pages is refused as not supported yet", r.stderr[-300:])
    r = criu(["lazy-pages", "-D", d, "--page-server", "--address", "127.0.0.1", "--port",
              str(zdtm.free_tcp_port())])
    report(r.returncode == 1 and "Can't connect to the page server" in r.stderr,
           "lazy-pages --page-server with no page server there fails, saying so",
           r.stderr[-300:])


def main():
    if os.geteuid() != 0:
        print("lazy-pages tests need root")
        return 77
    zdtm.become_subreaper()
    refusals()
    no_daemon()
    restorer_fails()
    zdtm_subset()
    remote_subset()
    chain_subsets()
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
