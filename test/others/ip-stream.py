#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Addresses, routes and rules of a network namespace, saved without iproute2 in iproute2's
format (criu/net/ns/ip-stream.c): images CRIU and `ip ... restore` read.

A namespace gets a veth pair with IPv4 (a secondary with a label, a peer address) and IPv6
addresses (nodad), main-table routes (through a gateway, a device route with a source and a
metric, a blackhole, a multipath one), a route in table 100, IPv6 routes, and IPv4 and IPv6
rules. The sleeper that holds it (unshare --net: no name under /run/netns, whose mount `ip
netns add` would leave on the host) is dumped.

- each of ifaddr-, route-, route6-, rule- and rule6-ID.img holds exactly what `ip addr save`,
  `ip route save table all` (less the kernel's own routes outside the main table, and
  clones), `ip -6 route save table all` (the same), `ip rule save` and `ip -6 rule save` print
  for that namespace (the messages' sequence numbers and port ids aside, which the kernel
  gives each dump, and the flags of its answers): the same magic, messages and order. Plain `ip route save`, CRIU's,
  keeps the main table only: the route of table 100 was lost;
- `ip ... restore` (CRIU's way) reads the images into a new namespace with the same links,
  and it shows the same addresses, routes and rules as the original;
- criu restore makes them again: the restored tree's namespace shows the same too.

This script is a child subreaper, so the dumped sleeper is its child to reap."""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zdtm  # noqa: E402
import tally  # noqa: E402

CRIU = os.path.join(zdtm.ROOT, "criu", "criu")
report = tally.Tally(show_ok=True)

SETUP = """link set lo up
link add v1 type veth peer name v2
link set v1 up
link set v2 up
addr add 10.61.0.1/24 dev v1
addr add 10.61.0.7/24 dev v1 label v1:sec
addr add 10.62.0.1 peer 10.62.0.2/32 dev v2
addr add fd61::1/64 dev v1 nodad
route add 10.70.0.0/16 via 10.61.0.254
route add 10.71.0.0/16 dev v1 src 10.61.0.7 metric 50
route add blackhole 10.72.0.0/16
route add 10.73.0.0/16 nexthop via 10.61.0.253 weight 2 nexthop via 10.61.0.252
route add 10.74.0.0/16 dev v1 table 100
route add fd70::/64 via fd61::fe
rule add from 10.61.0.0/24 table 100 prio 100
rule add fwmark 7 table 100 prio 101
-6 rule add from fd61::/64 table 100 prio 100
"""

# image, what ip saves into it, how ip reads it
KINDS = [("ifaddr", ["addr", "save"], ["addr", "restore"]),
         ("route", ["route", "save", "table", "all"], ["route", "restore"]),
         ("route6", ["-6", "route", "save", "table", "all"], ["-6", "route", "restore"]),
         ("rule", ["rule", "save"], ["rule", "restore"]),
         ("rule6", ["-6", "rule", "save"], ["-6", "rule", "restore"])]

SHOW = [["-o", "addr", "show"], ["route", "show", "table", "all"],
        ["-6", "route", "show", "table", "all"], ["rule", "show"], ["-6", "rule", "show"]]


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=isinstance(cmd, str), capture_output=True, **kw)


def ip(pid, args, **kw):
    """ip in the network namespace of pid"""
    return sh(["nsenter", "--net=/proc/%d/ns/net" % pid, "ip"] + args, **kw)


RTM_NEWROUTE, RTM_F_CLONED, RT_TABLE_MAIN, RTPROT_KERNEL, RTA_TABLE = 24, 0x200, 254, 2, 15


def route_kept(m):
    """what criu keeps of `ip route save table all`: the main table (what `ip route save`
    keeps) and the user's routes of other tables, not the kernel's own there, no clones"""
    if struct.unpack_from("=H", m, 4)[0] != RTM_NEWROUTE:
        return True
    table, proto, flags = m[16 + 4], m[16 + 5], struct.unpack_from("=I", m, 16 + 8)[0]
    off = 16 + 12
    while off + 4 <= len(m):
        alen, atype = struct.unpack_from("=HH", m, off)
        if alen < 4:
            break
        if atype == RTA_TABLE:
            table = struct.unpack_from("=I", m, off + 4)[0]
        off += (alen + 3) & ~3
    return not flags & RTM_F_CLONED and (table == RT_TABLE_MAIN or proto != RTPROT_KERNEL)


def messages(stream, keep=lambda m: True):
    """(magic, [message with its flags, seq and port id zeroed: the kernel's for each dump])"""
    magic, off, out = stream[:4], 4, []
    while off + 16 <= len(stream):
        length = struct.unpack_from("=I", stream, off)[0]
        if length < 16 or off + length > len(stream):
            out.append(("cut", stream[off:]))
            break
        m = bytearray(stream[off:off + length])
        m[6:16] = bytes(10)
        if keep(m):
            out.append(bytes(m))
        off += (length + 3) & ~3
    return magic, out


def shown(pid):
    """what ip shows, without the lifetimes that tick"""
    out = []
    for args in SHOW:
        text = ip(pid, args, text=True).stdout
        out.append("\n".join(sorted(line.split(" valid_lft")[0]
                                     for line in text.splitlines())))
    return out


def wait_comm(pid, comm, timeout=10):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with open("/proc/%d/comm" % pid) as f:
            if f.read().strip() == comm:
                return
        time.sleep(0.01)


def diff(before, after):
    out = []
    for b, a in zip(before, after):
        bl, al = b.splitlines(), a.splitlines()
        out += ["-" + x for x in bl if x not in al] + ["+" + x for x in al if x not in bl]
    return "\n".join(out)


def make_ns(setup):
    """a sleeper in a network namespace of its own (unshare, no name under /run/netns),
    set up; (its Popen, None) or (None, why)"""
    p = subprocess.Popen(["unshare", "--net", "sleep", "1000"], start_new_session=True)
    wait_comm(p.pid, "sleep")
    for line in setup.splitlines():
        r = ip(p.pid, line.split(), text=True)
        if r.returncode:
            p.kill()
            p.wait()
            return None, "ip %s: %s" % (line, r.stderr)
    return p, None


def images_match(work, saved):
    ids = [f[len("ifaddr-"):-4] for f in os.listdir(work) if f.startswith("ifaddr-")]
    report(len(ids) == 1, "one network namespace's images", repr(ids))
    if len(ids) != 1:
        return None
    for kind, args, _ in KINDS:
        want = saved[kind]
        with open(os.path.join(work, "%s-%s.img" % (kind, ids[0])), "rb") as f:
            got = f.read()
        family = {"route": 2, "route6": 10}.get(kind)
        wm = messages(want, lambda m: route_kept(m) and family in (None, m[16]))
        gm = messages(got)
        report(wm == gm and len(gm[1]) > 0,
               "%s-ID.img holds what `ip %s` prints (%d messages)" %
               (kind, " ".join(args), len(wm[1])),
               "ip: %r\nimage: %r" % (wm, gm))
    return ids[0]


def iproute2_reads(work, nsid, before):
    """CRIU's restore: ip ... restore of each image into a new namespace with the links"""
    other, err = make_ns("\n".join(SETUP.splitlines()[:4]) + "\n")
    if err:
        report(False, "a second namespace for ip ... restore", err)
        return
    for kind, _, args in KINDS:
        with open(os.path.join(work, "%s-%s.img" % (kind, nsid)), "rb") as f:
            r = ip(other.pid, args, stdin=f)
        report(r.returncode == 0, "`ip %s` reads %s-ID.img" % (" ".join(args), kind),
               r.stderr)
    got = shown(other.pid)
    other.kill()
    other.wait()
    # ip restore sends the kernel's routes and link-local addresses too (EEXIST, or
    # addresses of the old MACs) and the default rules again: compare the user's part
    report(all(line in got[i] for i in (1, 2) for line in before[i].splitlines()
               if "proto kernel" not in line and "fe80" not in line) and
           all(line in got[i] for i in (3, 4) for line in before[i].splitlines()),
           "what ip ... restore made holds the original's routes and rules", diff(before, got))


def main():
    if not shutil.which("ip") or not shutil.which("nsenter") or not shutil.which("unshare"):
        print("0 passed, 0 failed, 1 skipped (no iproute2 or nsenter)")
        return 77
    zdtm.become_subreaper()
    work = tempfile.mkdtemp(prefix="criu-ip-stream-")
    sleeper = None
    try:
        sleeper, err = make_ns(SETUP)
        if err:
            report(False, "the namespace's addresses, routes and rules", err)
            return report.finish()
        before = shown(sleeper.pid)
        saved = {kind: ip(sleeper.pid, args).stdout for kind, args, _ in KINDS}
        r = sh([CRIU, "dump", "-t", str(sleeper.pid), "-D", work, "-o", "dump.log"], text=True)
        report(r.returncode == 0, "dump of a task in the namespace", r.stderr[-1500:])
        if r.returncode:
            return report.finish()
        sleeper.wait(timeout=10)
        nsid = images_match(work, saved)
        if nsid is None:
            return report.finish()
        iproute2_reads(work, nsid, before)
        r = sh([CRIU, "restore", "-D", work, "-o", "restore.log", "-d", "--pidfile",
                os.path.join(work, "pid")], text=True)
        report(r.returncode == 0, "restore", r.stderr[-1500:])
        if r.returncode:
            return report.finish()
        with open(os.path.join(work, "pid")) as f:
            pid = int(f.read())
        after = shown(pid)
        report(after == before, "the restored namespace shows the same addresses, routes "
               "and rules", diff(before, after))
        zdtm.kill_and_reap(pid)
    finally:
        if sleeper and sleeper.poll() is None:
            sleeper.kill()
            sleeper.wait()
        if os.environ.get("KEEP"): print(work)
        else: shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
