#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A datagram held back by UDP_CORK or MSG_MORE survives dumps that leave the task running:
udp00 with UDP_CORKED, dumped with -R, dumped with -s (then let go), dumped with a failure
injected after the sockets were dumped, and with one injected once the datagram was caught
(CRIU_FAULT=cork-trap), goes on in the original task,
which uncorks and checks that its peer gets nothing before and exactly the corked datagram
after, with the TTL of its first piece. No table of criu's is left in nftables."""
import os
import shutil
import signal
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zdtm  # noqa: E402
import tally  # noqa: E402

CRIU = os.path.join(zdtm.ROOT, "criu", "criu")
report = tally.Tally(show_ok=True)
CASES = [("zdtm/static/udp04", ["-R"], None, "IPv6 UDP-lite, UDP_CORK, connected, -R"),
         ("zdtm/static/udp08", ["-s"], None, "IPv4 UDP, MSG_MORE, sendto, -s"),
         ("zdtm/static/udp09", [], "after-image:files", "IPv6 UDP, UDP_CORK, sendto, a fault"),
         ("zdtm/static/udp12", [], "cork-trap", "IPv4-mapped, MSG_MORE, the trap failing")]


def criu_tables():
    out = subprocess.run(["nft", "list", "tables"], capture_output=True, text=True).stdout
    return [l for l in out.splitlines() if "c0cc" in l]


def one(name, opts, fault, what):
    test = zdtm.Test(name)
    for d in (test.work, test.dump_dir):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    pid = zdtm.start_test(test)
    try:
        env = dict(os.environ, **({"CRIU_FAULT": fault} if fault else {}))
        r = subprocess.run([CRIU, "dump", "-t", str(pid), "-D", test.dump_dir, "-v4", "-o",
                            "dump.log"] + opts, stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, env=env, timeout=zdtm.CRIU_TIMEOUT)
        log = open(os.path.join(test.dump_dir, "dump.log")).read()
        report((r.returncode != 0) == bool(fault) and "bytes corked" in log,
               "%s: the dump caught the corked datagram" % what, r.stderr + log[-600:])
        if "-s" in opts:
            os.kill(pid, signal.SIGCONT)
        report(zdtm.proc_state(pid) not in (None, "T", "t", "Z", "X"),
               "%s: the task runs on" % what)
        problems = zdtm.finish_test(test, pid)
        report(not problems, "%s: the task's corked datagram reaches its peer" % what,
               "\n".join(problems))
        report(not criu_tables(), "%s: no table of criu's is left" % what,
               "\n".join(criu_tables()))
    finally:
        if zdtm.proc_state(pid) is not None:
            zdtm.kill_and_reap(pid)


def main():
    for case in CASES:
        one(*case)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
