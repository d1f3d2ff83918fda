#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The stages criu tells its action scripts (and RPC clients: the same call) in CRIU's order
(libcriu/crun-sequence.c checks them over RPC). A script records CRTOOLS_SCRIPT_ACTION and
CRTOOLS_INIT_PID of each call.
- A task in network and uts namespaces of its own: dump --leave-running says pre-dump,
  network-lock, post-dump, network-unlock (the tree runs on: its network is unlocked); a
  dump that kills it says pre-dump, network-lock, post-dump; its restore says pre-restore,
  setup-namespaces (with the restored root's pid: runc runs its prestart hooks there),
  post-setup-namespaces, post-restore, network-unlock, pre-resume, post-resume.
- A task in criu's namespaces: no network or namespace stages, either way.
- criu page-server says status-ready once it listens, before the zero byte of --status-fd."""
import ctypes
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
report = tally.Tally(show_ok=True)
NS_DUMP_LEFT = ["pre-dump", "network-lock", "post-dump", "network-unlock"]
NS_DUMP = ["pre-dump", "network-lock", "post-dump"]
NS_RESTORE = ["pre-restore", "setup-namespaces", "post-setup-namespaces", "post-restore",
              "network-unlock", "pre-resume", "post-resume"]
PLAIN_DUMP = ["pre-dump", "post-dump"]
PLAIN_RESTORE = ["pre-restore", "post-restore", "pre-resume", "post-resume"]


def start(unshare):
    p = subprocess.Popen(unshare + ["sleep", "1000"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    end = time.monotonic() + 10
    while time.monotonic() < end:
        try:
            if open("/proc/%d/comm" % p.pid).read().strip() == "sleep":
                break
        except OSError:
            pass
        time.sleep(0.02)
    return p


def stages(work, *args):
    """criu ARGS with the recording script; (exit status, [(stage, pid)], stderr)"""
    rec = os.path.join(work, "stages")
    if os.path.exists(rec):
        os.unlink(rec)
    r = subprocess.run([CRIU] + list(args) + ["-D", work, "-v4", "-o", "log-%s" % args[0],
                                              "--action-script", os.path.join(work, "rec.sh")],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    seen = []
    if os.path.exists(rec):
        seen = [tuple(ln.split()) for ln in open(rec).read().splitlines()]
    return r.returncode, seen, r.stderr[-800:]


def case(work, what, unshare, dump_left, dump, restore):
    t = start(unshare)
    rc, seen, err = stages(work, "dump", "-t", str(t.pid), "-R")
    report(rc == 0 and [s for s, _ in seen] == dump_left,
           "%s: dump --leave-running tells %s" % (what, " ".join(dump_left)), str(seen) + err)
    rc, seen, err = stages(work, "dump", "-t", str(t.pid))
    report(rc == 0 and [s for s, _ in seen] == dump,
           "%s: dump tells %s" % (what, " ".join(dump)), str(seen) + err)
    t.wait()
    rc, seen, err = stages(work, "restore", "-d")
    report(rc == 0 and [s for s, _ in seen] == restore,
           "%s: restore tells %s" % (what, " ".join(restore)), str(seen) + err)
    pids = dict(seen)
    if "setup-namespaces" in restore:
        report(pids.get("setup-namespaces") == str(t.pid) and zdtm.proc_state(t.pid),
               "%s: setup-namespaces carries the restored root's pid" % what, str(seen))
    zdtm.kill_and_reap(t.pid)


def page_server(work):
    rec = os.path.join(work, "stages")
    if os.path.exists(rec):
        os.unlink(rec)
    r, w = os.pipe()
    p = subprocess.Popen([CRIU, "page-server", "-D", work, "--address", "127.0.0.1", "--port",
                          str(zdtm.free_tcp_port()), "--status-fd", str(w), "-v4", "-o",
                          "ps.log", "--action-script", os.path.join(work, "rec.sh")],
                         pass_fds=(w,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    os.close(w)
    ready = os.read(r, 1)
    os.close(r)
    seen = open(rec).read().split() if os.path.exists(rec) else []
    report(ready == b"\0" and seen == ["status-ready", "0"],
           "page-server: status-ready, then the zero byte of --status-fd", str((ready, seen)))
    p.kill()
    p.wait()


def main():
    ctypes.CDLL(None).prctl(zdtm.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    work = tempfile.mkdtemp(prefix="criu-notify-order-")
    with open(os.path.join(work, "rec.sh"), "w") as f:
        f.write('#!/bin/sh\necho "$CRTOOLS_SCRIPT_ACTION ${CRTOOLS_INIT_PID:-0}" >> %s\n'
                % os.path.join(work, "stages"))
    os.chmod(os.path.join(work, "rec.sh"), 0o755)
    try:
        case(work, "own namespaces", ["unshare", "--net", "--uts"], NS_DUMP_LEFT, NS_DUMP,
             NS_RESTORE)
        case(work, "criu's namespaces", [], PLAIN_DUMP, PLAIN_DUMP, PLAIN_RESTORE)
        page_server(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
