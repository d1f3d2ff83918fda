#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The network lock at work, in a network namespace of its own (netlock.sh).

This script holds loopback TCP connections (IPv4, IPv6, IPv4-mapped IPv6) and has criu lock
one end's 4-tuple (CRIU_TEST_NETLOCK_CONNS, until criu dumps TCP sockets itself) while it
dumps a sleep: with --network-lock nftables and iptables, data sent by the peer is not
delivered while the lock is held and arrives once the restore has removed it; an end
closed while locked sends no reset the peer could see, and the peer gets it once unlocked
(with skip, the same data arrives at once: the lock, not the dump, held it). A failed dump,
a failed restore and a dump whose criu was killed leave no table or rule behind (the next
dump sweeps a killed one's table)."""
import ctypes
import errno
import fcntl
import json
import os
import re
import select
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zdtm  # noqa: E402
import tally  # noqa: E402

CRIU = os.path.join(zdtm.ROOT, "criu", "criu")
CRIT = os.path.join(zdtm.ROOT, "crit", "crit")
report = tally.Tally(show_ok=True)
HELD = 0.7          # seconds a locked connection is watched
ARRIVE = 15.0       # seconds a retransmission may take once unlocked (RTO backs off)


def lo_up():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ifr = struct.pack("16sH14x", b"lo", 0)
    flags = struct.unpack("16sH14x", fcntl.ioctl(s, 0x8913, ifr))[1]   # SIOCGIFFLAGS
    fcntl.ioctl(s, 0x8914, struct.pack("16sH14x", b"lo", flags | 1))  # SIOCSIFFLAGS, IFF_UP
    s.close()


def run(*cmd):
    return subprocess.run(list(cmd), stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=60)


def criu(work, *args, conns=None, fault=None):
    env = dict(os.environ)
    env.pop("CRIU_FAULT", None)
    if conns:
        env["CRIU_TEST_NETLOCK_CONNS"] = conns
    if fault:
        env["CRIU_FAULT"] = fault
    return subprocess.run([CRIU] + list(args) + ["-D", work, "-v4"], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60, env=env)


def log_of(work, name):
    try:
        with open(os.path.join(work, name)) as f:
            return f.read()
    except OSError:
        return ""


def firewall():
    """Everything a lock could leave: the nftables ruleset and the iptables rules."""
    out = run("nft", "list", "ruleset").stdout
    for tool in ("iptables-save", "ip6tables-save"):
        out += "".join(l + "\n" for l in run(tool).stdout.splitlines() if l.startswith("-A"))
    return out


def lock_tables():
    return re.findall(r"table inet (CRIU-\S+)", run("nft", "list", "tables").stdout)


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def reap_all():
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                return
        except ChildProcessError:
            return


def start_sleep():
    p = subprocess.Popen(["setsid", "sleep", "1000"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.1)
    return p.pid


def kill(pid):
    if alive(pid):
        os.kill(pid, 9)
    time.sleep(0.05)
    reap_all()


def make_pair(kind):
    """(peer, locked end, CRIU_TEST_NETLOCK_CONNS of the locked end) on loopback."""
    fam, addr = {"v4": (socket.AF_INET, "127.0.0.1"), "v6": (socket.AF_INET6, "::1"),
                 "mapped": (socket.AF_INET6, "::ffff:127.0.0.1")}[kind]
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.bind((addr, 0))
    ls.listen(1)
    peer = socket.socket(fam, socket.SOCK_STREAM)
    peer.connect(ls.getsockname()[:2])
    end, _ = ls.accept()
    ls.close()
    local, remote = end.getsockname(), end.getpeername()
    conn = "%s,%d,%s,%d" % (local[0], local[1], remote[0], remote[1])
    return peer, end, conn


def readable(sock, timeout):
    return bool(select.select([sock], [], [], timeout)[0])


def wait_bytes(sock, want, timeout):
    got, end = b"", time.time() + timeout
    while len(got) < len(want) and readable(sock, max(0, end - time.time())):
        data = sock.recv(64)
        if not data:
            break
        got += data
    return got


def peer_error(sock):
    """The error a peer's socket has seen, without waiting: 0 while all is well."""
    err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if err:
        return err
    try:
        sock.recv(16, socket.MSG_DONTWAIT | socket.MSG_PEEK)
    except BlockingIOError:
        return 0
    except OSError as e:
        return e.errno
    return -1   # an EOF: a FIN got through


def wait_reset(sock, timeout):
    end = time.time() + timeout
    while time.time() < end:
        err = peer_error(sock)
        if err:
            return err
        time.sleep(0.05)
    return 0


def held_data(method, kind, work):
    """Data from the peer waits while the lock is held and arrives after the restore."""
    before = firewall()
    peer, end, conn = make_pair(kind)
    pid = start_sleep()
    name = "%s %s" % (method, kind)
    try:
        r = criu(work, "dump", "-t", str(pid), "-o", "dump.log", "--network-lock", method,
                 conns=conn)
        report(r.returncode == 0, "%s: dump with a locked connection" % name,
               log_of(work, "dump.log")[-2000:])
        report(firewall() != before, "%s: the lock is in place after the dump" % name,
               firewall())
        peer.sendall(b"ping")
        report(not readable(end, HELD), "%s: data from the peer is not delivered while "
               "locked" % name, "it arrived")
        reap_all()
        r = criu(work, "restore", "-d", "-o", "restore.log", conns=conn)
        report(r.returncode == 0, "%s: restore" % name, log_of(work, "restore.log")[-2000:])
        report(firewall() == before, "%s: the restore removed the lock" % name, firewall())
        got = wait_bytes(end, b"ping", ARRIVE)
        report(got == b"ping", "%s: the data arrives once unlocked" % name, repr(got))
    finally:
        kill(pid)
        peer.close()
        end.close()


def held_reset(method, work):
    """An end that goes away while locked sends the peer no reset; unlocked, it does."""
    before = firewall()
    peer, end, conn = make_pair("v4")
    pid = start_sleep()
    name = "%s reset" % method
    try:
        r = criu(work, "dump", "-t", str(pid), "-o", "dump.log", "--network-lock", method,
                 conns=conn)
        report(r.returncode == 0, "%s: dump" % name, log_of(work, "dump.log")[-2000:])
        # the dumped task dies: its socket aborts the connection, as a killed task's does
        end.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        end.close()
        try:
            peer.sendall(b"are you there")
            time.sleep(HELD)
            err = peer_error(peer)
        except OSError as e:
            err = e.errno
        report(err == 0, "%s: no reset reaches the peer while locked" % name,
               "peer saw %s" % (os.strerror(err) if err > 0 else "EOF"))
        reap_all()
        r = criu(work, "restore", "-d", "-o", "restore.log", conns=conn)
        report(r.returncode == 0 and firewall() == before,
               "%s: restore removes the lock" % name, log_of(work, "restore.log")[-2000:])
        err = wait_reset(peer, ARRIVE)
        report(err == errno.ECONNRESET, "%s: unlocked, the peer learns of the reset" % name,
               "peer saw %s" % (os.strerror(err) if err > 0 else err))
    finally:
        kill(pid)
        peer.close()


def skip_control(work):
    """--network-lock skip locks nothing: the same data arrives at once."""
    before = firewall()
    peer, end, conn = make_pair("v4")
    pid = start_sleep()
    try:
        r = criu(work, "dump", "-t", str(pid), "-o", "dump.log", "--network-lock", "skip",
                 conns=conn)
        report(r.returncode == 0 and firewall() == before,
               "skip: dump sets up no lock", log_of(work, "dump.log")[-2000:])
        peer.sendall(b"ping")
        got = wait_bytes(end, b"ping", HELD)
        report(got == b"ping", "skip: data flows during the dump's aftermath", repr(got))
    finally:
        kill(pid)
        peer.close()
        end.close()


def failed_dump(method, work):
    before = firewall()
    peer, end, conn = make_pair("v4")
    pid = start_sleep()
    try:
        r = criu(work, "dump", "-t", str(pid), "-o", "dump-fail.log", "--network-lock",
                 method, conns=conn, fault="parasite")
        log = log_of(work, "dump-fail.log")
        report(r.returncode != 0 and "Locked 127.0.0.1" in log,
               "%s: a dump failing after the lock fails" % method, log[-2000:])
        report(firewall() == before, "%s: the failed dump left no rule" % method, firewall())
        report(alive(pid), "%s: the tree runs on" % method, "the sleep is gone")
        peer.sendall(b"ping")
        got = wait_bytes(end, b"ping", HELD)
        report(got == b"ping", "%s: its connections flow at once" % method, repr(got))
    finally:
        kill(pid)
        peer.close()
        end.close()


def failed_restore(method, work):
    before = firewall()
    peer, end, conn = make_pair("v4")
    pid = start_sleep()
    try:
        r = criu(work, "dump", "-t", str(pid), "-o", "dump.log", "--network-lock", method,
                 conns=conn)
        report(r.returncode == 0 and firewall() != before,
               "%s: dump keeps the lock for the restore" % method, log_of(work, "dump.log"))
        reap_all()
        r = criu(work, "restore", "-d", "-o", "restore-fail.log", conns=conn,
                 fault="restore-fork")
        report(r.returncode != 0, "%s: the restore fails (fault injected)" % method,
               log_of(work, "restore-fail.log")[-2000:])
        report(firewall() == before, "%s: the failed restore left no rule" % method,
               firewall())
        report(not alive(pid), "%s: and nothing of the tree runs" % method, "pid %d" % pid)
    finally:
        kill(pid)
        peer.close()
        end.close()


def killed_dump(work):
    """criu killed while it holds the lock: the table stays, and the next dump sweeps it."""
    before = firewall()
    peer, end, conn = make_pair("v4")
    pid = start_sleep()
    try:
        criu(work, "dump", "-t", str(pid), "-o", "dump-die.log", "--network-lock",
             "nftables", conns=conn, fault="die-pages")
        left = lock_tables()
        report(len(left) == 1, "nftables: criu killed while locked leaves its table",
               "tables %s" % left)
        kill(pid)
        pid = start_sleep()
        r = criu(work, "dump", "-t", str(pid), "-o", "dump-next.log", "-R")
        log = log_of(work, "dump-next.log")
        report(r.returncode == 0 and "that died while dumping" in log
               and firewall() == before,
               "nftables: the next dump removes a killed dump's table", log[-2000:])
    finally:
        kill(pid)
        peer.close()
        end.close()


def kept_table_stays(work):
    """A table kept for a restore is not taken for a dead criu's."""
    peer, end, conn = make_pair("v4")
    pid = start_sleep()
    other = start_sleep()
    try:
        criu(work, "dump", "-t", str(pid), "-o", "dump.log", conns=conn)
        kept = lock_tables()
        r = criu(work + "/other", "dump", "-t", str(other), "-o", "dump.log", "-R")
        report(r.returncode == 0 and lock_tables() == kept and len(kept) == 1,
               "nftables: another dump leaves a kept table alone",
               "%s then %s" % (kept, lock_tables()))
        reap_all()
        r = criu(work, "restore", "-d", "-o", "restore.log")
        report(r.returncode == 0 and lock_tables() == [],
               "nftables: its restore removes it", log_of(work, "restore.log")[-2000:])
    finally:
        kill(pid)
        kill(other)
        peer.close()
        end.close()


def options(work):
    """--network-lock as CRIU parses it; a configuration file's line works as the option."""
    r = run(CRIU, "--network-lock", "nft", "check")
    report(r.returncode == 1 and "Invalid value for --network-lock: nft" in r.stderr,
           "a bad --network-lock value is refused, naming it", r.stderr)
    peer, end, conn = make_pair("v4")
    pid = start_sleep()
    conf = os.path.join(work, "lock.conf")
    with open(conf, "w") as f:
        f.write("network-lock iptables\n")
    try:
        r = criu(work, "--config", conf, "dump", "-t", str(pid), "-o", "dump.log", conns=conn)
        rules = [l for l in run("iptables-save").stdout.splitlines() if "0xc114" in l]
        report(r.returncode == 0 and len(rules) == 2 and not lock_tables(),
               "network-lock iptables in a config file locks with iptables",
               "%s %s" % (rules, lock_tables()))
        reap_all()
        r = criu(work, "restore", "-d", "-o", "restore.log", "--network-lock", "nftables",
                 conns=conn)
        rules = [l for l in run("iptables-save").stdout.splitlines() if "0xc114" in l]
        report(r.returncode == 0 and not rules,
               "restore unlocks with the dump's method, whatever its options say", rules)
    finally:
        kill(pid)
        peer.close()
        end.close()


def final_states(work):
    """-R: the tree runs on, so the lock goes at the dump's end; -s: it stays, as CRIU keeps
    it for a tree left stopped, until the restore."""
    before = firewall()
    peer, end, conn = make_pair("v4")
    pid = start_sleep()
    try:
        r = criu(work, "dump", "-t", str(pid), "-o", "dump-R.log", "-R", conns=conn)
        log = log_of(work, "dump-R.log")
        report(r.returncode == 0 and "Locked 127.0.0.1" in log and firewall() == before
               and alive(pid), "-R: the lock is removed as the tree runs on", log[-2000:])
        peer.sendall(b"ping")
        got = wait_bytes(end, b"ping", HELD)
        report(got == b"ping", "-R: its connections flow at once", repr(got))
        r = criu(work, "dump", "-t", str(pid), "-o", "dump-s.log", "-s", conns=conn)
        report(r.returncode == 0 and len(lock_tables()) == 1,
               "-s: the lock stays with the stopped tree", "tables %s" % lock_tables())
        kill(pid)
        r = criu(work, "restore", "-d", "-o", "restore.log")
        report(r.returncode == 0 and firewall() == before, "-s: the restore removes it",
               log_of(work, "restore.log")[-2000:])
    finally:
        kill(pid)
        peer.close()
        end.close()


def set_run_id(work, run_id):
    """inventory.img as CRIU writes it: its run id (a UUID), or none (before CRIU 4.0)."""
    inv = os.path.join(work, "inventory.img")
    img = json.loads(run(CRIT, "decode", "-i", inv).stdout)
    if run_id is None:
        img["entries"][0].pop("dump_criu_run_id", None)
    else:
        img["entries"][0]["dump_criu_run_id"] = run_id
    return subprocess.run([CRIT, "encode", "-o", inv], input=json.dumps(img), text=True,
                          capture_output=True).returncode == 0


def criu_tables(work):
    """The restore of CRIU's images removes the table CRIU named: after its run id, in
    full or cut to the 32 bytes CRIU prints it into, or after the root pid (no run id)."""
    uuid = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
    for what, run_id, name in (("its run id", uuid, "CRIU-" + uuid),
                               ("its run id, cut", uuid, ("CRIU-" + uuid)[:26]),
                               ("the root pid (no run id)", None, None)):
        pid = start_sleep()
        name = name or "CRIU-%d" % pid
        try:
            r = criu(work, "dump", "-t", str(pid), "-o", "dump.log",
                     conns="127.0.0.1,1,127.0.0.1,2")
            for t in lock_tables():
                run("nft", "delete", "table", "inet", t)
            made = run("nft", "add", "table", "inet", name).returncode == 0
            ok = r.returncode == 0 and made and set_run_id(work, run_id)
            reap_all()
            r = criu(work, "restore", "-d", "-o", "restore.log", "--skip-checksums")
            report(ok and r.returncode == 0 and not lock_tables(),
                   "restore removes CRIU's table named after %s" % what,
                   "%s left %s" % (name, lock_tables()))
        finally:
            kill(pid)
            for t in lock_tables():
                run("nft", "delete", "table", "inet", t)


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(zdtm.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    lo_up()
    # iptables-nft makes its base chains at the first rule and leaves them: make them now,
    # so that "before" and "after" compare the rules only
    for tool in ("iptables", "ip6tables"):
        for chain in ("INPUT", "OUTPUT"):
            for op in ("-A", "-D"):
                run(tool, op, chain, "-p", "tcp", "--dport", "1", "-j", "ACCEPT")
    work = tempfile.mkdtemp(prefix="criu-netlock-")
    os.mkdir(work + "/other")
    try:
        for method in ("nftables", "iptables"):
            for kind in ("v4", "v6", "mapped"):
                held_data(method, kind, work)
            held_reset(method, work)
            failed_dump(method, work)
            failed_restore(method, work)
        skip_control(work)
        options(work)
        criu_tables(work)
        final_states(work)
        killed_dump(work)
        kept_table_stays(work)
    finally:
        subprocess.run(["rm", "-rf", work])
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
