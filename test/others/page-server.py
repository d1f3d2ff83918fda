#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""criu page-server and criu dump --page-server (criu/mem/page-server.c, page-xfer-remote.c).

- The memory, thread and tree tests of ZDTM, each dumped through a page server on loopback
  (zdtm.py run --page-server): the restored tasks check their own memory; some of them
  also as a chain (--pre 2), each pre-dump through a page server too.
- --daemon, --pidfile: the server goes to the background and serves one dump; the dump's
  -D then holds no pagemap or pages, the server's -D holds them (0600), and a restore from
  both together brings the task back whole.
- A page server killed in the middle of the transfer fails the dump cleanly: an error line,
  no inventory.img, the task running on unchanged; a pre-dump too, leaving no write
  tracker behind. So does a server that is not there.
- --ps-socket: a pre-dump and the final dump of a chain, each over a connection made by
  the caller, to page servers that write each level into its own directory (the final one
  linked to the first with --prev-images-dir; the dump's own parent gets a copy of the
  server's pagemaps, by which it tells the pages the parent holds); the restore from there
  brings the task back.
- A task with hugetlb memory dumped through a page server: its huge pages are back in the
  pool as soon as the dump has returned (TCP would hold spliced ones), so that a restore
  on the host finds them.
- TLS (--tls): a throwaway CA made by certtool signs the server's and the dump's
  certificates; a dump in TLS restores, while a plain dump to a TLS server, a dump whose
  certificate another CA signed, and a server whose certificate names another address
  (unless --tls-no-cn-verify) fail the dump cleanly.
- Migration: two network namespaces joined by a veth pair stand for two hosts. The task
  runs in the first, the page server in the second; the dump in the first sends the pages
  over the veth, the rest of the images are copied across, and the restore in the second
  brings the task back there; in the lazy variant, with --lazy-pages from a criu lazy-pages
  in the second host on what arrived. In the remote lazy variant the dump writes to the
  first host's disk, and a criu page-server --lazy-pages there serves the pages, as the
  task touches them, to the criu lazy-pages of the second host.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zdtm  # noqa: E402
import tally  # noqa: E402
import zdtm_modes  # noqa: E402

CRIU = os.path.join(zdtm.ROOT, "criu", "criu")
report = tally.Tally(show_ok=True)
ZDTM_TESTS = ["maps00", "maps01", "madv00", "mprot_file00", "mlock00", "memfill00", "cow00",
              "cow02", "tree00", "tree_mem00", "shm_tree00", "memfd_tree00", "wipe_tree00",
              "threads00", "threads01", "threads02", "threads03", "threads04", "threads05",
              "tree_threads00", "zombie00", "hugetlb00", "pidns00", "vdso00", "aio00",
              "stopped_tree00"]
CHAIN_TESTS = ["maps00", "memfill00", "cow00", "tree_mem00", "threads00", "tree_threads00"]


def in_netns(ns):
    """Only the network namespace: ip netns exec would make a mount namespace too, and
    criu must share the tree's."""
    return ["nsenter", "--net=/run/netns/" + ns] if ns else []


def criu(args, env=None, ns=None):
    full = in_netns(ns) + [CRIU]
    e = dict(os.environ)
    e.pop("CRIU_FAULT", None)
    e.update(env or {})
    return subprocess.run(full + args, env=e, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=120)


def fresh_test(tag, name="zdtm/static/maps00", netns=None):
    test = zdtm.Test(name)
    test.work = os.path.join(zdtm.RUN_DIR, "ps-" + tag)
    # not under zdtm.DUMP_DIR: a dump's -D without its pages is no image set for crit
    test.dump_dir = os.path.join(zdtm.RUN_DIR, "ps-" + tag, "dump")
    test.pidfile = os.path.join(test.work, "test.pid")
    test.outfile = os.path.join(test.work, "test.out")
    for d in (test.work, test.dump_dir, test.dump_dir + "-server"):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    if netns:
        # the test program starts (and daemonizes) inside the namespace
        launcher = os.path.join(test.work, "launch.sh")
        with open(launcher, "w") as f:
            f.write('#!/bin/sh\nexec %s %s "$@"\n' % (" ".join(in_netns(netns)), test.binary))
        os.chmod(launcher, 0o700)
        test.binary = launcher
    return test, zdtm.start_test(test)


def stop_all(pid, procs=()):
    """The test task (pid, if any and still there) killed and reaped, and every process of
    procs (None allowed) that still runs, and any other child left."""
    for p in procs:
        if p and p.poll() is None:
            p.kill()
            p.wait()
    if pid and zdtm.proc_state(pid) is not None:
        zdtm.kill_and_reap(pid)
    zdtm.cleanup_children()


def finish(test, pid):
    """The task's own verdict, then nothing of it left."""
    try:
        return zdtm.finish_test(test, pid)
    finally:
        stop_all(pid)


def zdtm_subset():
    zdtm_modes.run_subset(report, "--page-server", zdtm_modes.beyond_mem(ZDTM_TESTS),
                          "tests beyond run-all's memory set")
    # two pre-dumps, then the dump, each through its own page server (a chain there)
    zdtm_modes.run_subset(report, "--page-server --pre 2", CHAIN_TESTS,
                          "memory, thread and tree tests, each dumped as a chain of three")


def images_in(d, prefix):
    return sorted(n for n in os.listdir(d) if n.startswith(prefix))


def start_lazy_pages(server_dir, ns):
    rfd, wfd = os.pipe()
    lz = subprocess.Popen(in_netns(ns) + [CRIU, "lazy-pages", "-D", server_dir, "-v4", "-o",
                                          "lazy-pages.log", "--status-fd", str(wfd)],
                          pass_fds=(wfd,), stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(wfd)
    os.read(rfd, 1)
    os.close(rfd)
    return lz


def restore_and_check(test, pid, server_dir, ns=None, lazy=None):
    """Copies the dump's images next to the server's pages, restores, checks the task.
    lazy: a list that gets the criu lazy-pages it starts for a --lazy-pages restore."""
    zdtm.cleanup_children()     # the dumped task, killed by the dump, is our zombie
    for name in os.listdir(test.dump_dir):
        if name.endswith(".img"):
            shutil.copy(os.path.join(test.dump_dir, name), server_dir)
    pidfile = os.path.join(test.work, "restore.pid")
    opts = []
    if lazy is not None:
        lazy.append(start_lazy_pages(server_dir, ns))
        opts = ["--lazy-pages"]
    r = criu(["restore", "-D", server_dir, "-d", "-v4", "-o", "restore.log",
              "--pidfile=" + pidfile] + opts, ns=ns)
    if r.returncode != 0:
        return ["restore failed: " + r.stderr[-300:]]
    if zdtm.proc_state(pid) is None:
        return ["restored task %d is not there" % pid]
    return []


def daemon_mode():
    test, pid = fresh_test("daemon")
    server = test.dump_dir + "-server"
    port = zdtm.free_tcp_port()
    why = []
    try:
        r = criu(["page-server", "-D", server, "--address", "127.0.0.1", "--port", str(port),
                  "--daemon", "--pidfile", "ps.pid", "-v4", "-o", "ps.log"])
        if r.returncode != 0:
            why.append("page-server --daemon exited %d: %s" % (r.returncode, r.stderr[-200:]))
            return
        ps_pid = zdtm.read_pidfile(os.path.join(server, "ps.pid"))
        if zdtm.proc_state(ps_pid) is None:
            why.append("the daemon named in --pidfile (%d) is not running" % ps_pid)
        r = criu(["dump", "-t", str(pid), "-D", test.dump_dir, "-v4", "-o", "dump.log",
                  "--page-server", "--address", "127.0.0.1", "--port", str(port)])
        if r.returncode != 0:
            why.append("dump failed: " + r.stderr[-300:])
            return
        end = time.time() + 10
        while zdtm.proc_state(ps_pid) not in (None, "Z") and time.time() < end:
            time.sleep(0.05)
        zdtm.cleanup_children()
        if zdtm.proc_state(ps_pid) not in (None, "Z"):
            why.append("the page server did not exit after the dump")
        local = images_in(test.dump_dir, "pagemap-") + images_in(test.dump_dir, "pages-")
        remote = images_in(server, "pages-")
        if local:
            why.append("the dump wrote %s itself" % " ".join(local))
        if not remote or not images_in(server, "pagemap-"):
            why.append("the server wrote no pagemap or pages")
        modes = [oct(os.stat(os.path.join(server, n)).st_mode & 0o777) for n in remote]
        if any(m != "0o600" for m in modes):
            why.append("the server's pages files are %s, not 0600" % modes)
        if not why:
            why += restore_and_check(test, pid, server)
        why += finish(test, pid)
    finally:
        report(not why, "page-server --daemon --pidfile: a dump through it restores",
               "; ".join(why))
        stop_all(pid)


HUGE_POOL = "/sys/kernel/mm/hugepages/hugepages-2048kB/"


def huge_pages_in_use():
    with open(HUGE_POOL + "nr_hugepages") as f:
        nr = int(f.read())
    with open(HUGE_POOL + "free_hugepages") as f:
        return nr - int(f.read())


def huge_pages_back(rounds=8):
    """A task with hugetlb memory dumped through a page server on loopback, which kills it:
    its huge pages are back in the pool as soon as the dump has returned and the task is
    reaped, so a restore on this host right after finds them. (TCP frees a page spliced
    into it when it frees the skb, which may wait for the sending CPU's next network
    receive: a huge page sent so stays out of the pool for seconds or minutes.)"""
    name = "--page-server: a dumped task's huge pages are back in the pool at once " \
           "(%d dumps)" % rounds
    why = []
    for i in range(rounds):
        in_use = huge_pages_in_use()
        try:
            test, pid = fresh_test("huge%d" % i, "zdtm/static/hugetlb00")
        except zdtm.TestSkip as e:
            print("ok - %s # SKIP %s" % (name, e))
            return
        server = test.dump_dir + "-server"
        ps = None
        try:
            saved, test.dump_dir = test.dump_dir, server
            ps, ps_opts = zdtm.start_page_server(test, CRIU)
            test.dump_dir = saved
            r = criu(["dump", "-t", str(pid), "-D", test.dump_dir, "-v4", "-o",
                      "dump.log"] + ps_opts)
            ps.wait(timeout=60)
            if r.returncode != 0:
                why.append("dump %d failed: %s" % (i, r.stderr[-300:]))
                break
            zdtm.cleanup_children()
            # fewer is another program's pages freed meanwhile (not in a run of its own)
            held = huge_pages_in_use() - in_use
            if held > 0:
                why.append("dump %d: %d huge page(s) of the dead task still out of the pool"
                           % (i, held))
                break
            why += restore_and_check(test, pid, server)
            why += finish(test, pid)
            if why:
                break
        finally:
            stop_all(pid, [ps])
            zdtm.undo_leftovers(test)
    report(not why, name, "; ".join(why))


def failed_dump_checks(test, pid, before, r, what):
    why = []
    if r.returncode == 0:
        why.append("dump succeeded")
    if not [l for l in r.stderr.splitlines() if "Error (" in l and "page server" in l]:
        why.append("no error line naming the page server: " + r.stderr[-300:])
    if os.path.exists(os.path.join(test.dump_dir, "inventory.img")):
        why.append("inventory.img written by a failed dump")
    state = zdtm.proc_state(pid)
    if state is None or state in "TtZX":
        why.append("task is %s after the failed dump" % (state or "gone"))
    else:
        why += zdtm.compare_snapshots(before, zdtm.snapshot(pid), "after failed dump")
        why += finish(test, pid)
    report(not why, what, "; ".join(why))


def server_dies(cmd="dump"):
    """The dump (or pre-dump) stops itself at its first batch of pages
    (CRIU_FAULT=stop-pages), the server is killed, the dump goes on and must fail cleanly: a
    pre-dump leaves no write tracker in the tasks either."""
    test, pid = fresh_test(cmd + "-dies", "zdtm/static/tree_mem00")
    server = test.dump_dir + "-server"
    ps = dump = None
    try:
        before = zdtm.snapshot(pid)
        saved, test.dump_dir = test.dump_dir, server
        ps, ps_opts = zdtm.start_page_server(test, CRIU)
        test.dump_dir = saved
        env = dict(os.environ, CRIU_FAULT="stop-pages")
        dump = subprocess.Popen([CRIU, cmd, "-t", str(pid), "-D", test.dump_dir, "-v4",
                                 "-o", "dump.log"] + ps_opts, env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        end = time.time() + 30
        while zdtm.proc_state(dump.pid) not in ("T", None) and time.time() < end:
            time.sleep(0.02)
        ps.kill()
        ps.wait()
        os.kill(dump.pid, signal.SIGCONT)
        out, err = dump.communicate(timeout=120)
        r = subprocess.CompletedProcess(dump.args, dump.returncode, out, err)
        failed_dump_checks(test, pid, before, r, "a page server killed mid-transfer fails "
                           "the %s, task runs on as before" % cmd)
    finally:
        stop_all(pid, [ps, dump])


def server_absent():
    test, pid = fresh_test("absent")
    try:
        before = zdtm.snapshot(pid)
        r = criu(["dump", "-t", str(pid), "-D", test.dump_dir, "-v4", "--page-server",
                  "--address", "127.0.0.1", "--port", str(zdtm.free_tcp_port())])
        failed_dump_checks(test, pid, before, r,
                           "a page server that is not there fails the dump, task runs on")
    finally:
        stop_all(pid)


def certtool(work, name, template, signer=None):
    """A key and a certificate made from template, self-signed or signed by signer."""
    key, pem = os.path.join(work, name + ".key"), os.path.join(work, name + ".pem")
    tmpl = os.path.join(work, name + ".tmpl")
    with open(tmpl, "w") as f:
        f.write(template + "expiration_days = 2\n")
    subprocess.run(["certtool", "--generate-privkey", "--key-type", "ecdsa", "--outfile",
                    key], check=True, capture_output=True)
    args = ["--generate-self-signed"] if not signer else [
        "--generate-certificate", "--load-ca-certificate", signer + ".pem",
        "--load-ca-privkey", signer + ".key"]
    subprocess.run(["certtool"] + args + ["--load-privkey", key, "--template", tmpl,
                    "--outfile", pem], check=True, capture_output=True)
    return os.path.join(work, name)


def make_pki(work):
    ca_tmpl = 'cn = "criu test CA"\nca\ncert_signing_key\n'
    ca = certtool(work, "ca", ca_tmpl)
    other = certtool(work, "other-ca", ca_tmpl.replace("test", "other"))
    srv = 'cn = "%s"\nip_address = "%s"\ntls_www_server\nsigning_key\nencryption_key\n'
    cli = 'cn = "criu dump"\ntls_www_client\nsigning_key\nencryption_key\n'
    return {"ca": ca, "server": certtool(work, "server", srv % (("127.0.0.1",) * 2), ca),
            "wrong-name": certtool(work, "wrong-name", srv % (("10.9.9.9",) * 2), ca),
            "client": certtool(work, "client", cli, ca),
            "rogue": certtool(work, "rogue", cli, other)}


def tls_opts(pki, who):
    return ["--tls", "--tls-cacert", pki["ca"] + ".pem", "--tls-cert", pki[who] + ".pem",
            "--tls-key", pki[who] + ".key"]


def tls_round(pki, tag, what, server_opts, dump_opts, works):
    test, pid = fresh_test("tls-" + tag)
    server = test.dump_dir + "-server"
    ps = None
    why = []
    try:
        before = zdtm.snapshot(pid)
        port = zdtm.free_tcp_port()
        rfd, wfd = os.pipe()
        ps = subprocess.Popen([CRIU, "page-server", "-D", server, "--address", "127.0.0.1",
                               "--port", str(port), "-v4", "-o", "ps.log", "--status-fd",
                               str(wfd)] + server_opts, pass_fds=(wfd,),
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
        os.close(wfd)
        ready = os.read(rfd, 1)
        os.close(rfd)
        if not ready:
            why.append("the page server did not start")
            return
        r = criu(["dump", "-t", str(pid), "-D", test.dump_dir, "-v4", "-o", "dump.log",
                  "--page-server", "--address", "127.0.0.1", "--port", str(port)] + dump_opts)
        status = ps.wait(timeout=30)
        if not works:
            if status == 0:
                why.append("the page server exited 0 after a refused session")
            with open(os.path.join(test.dump_dir, "dump.log")) as f:
                r.stderr = f.read()
            failed_dump_checks(test, pid, before, r, what)
            return
        if r.returncode != 0 or status != 0:
            why.append("dump %d, page server %d: %s" % (r.returncode, status, r.stderr[-300:]))
            return
        with open(os.path.join(server, "ps.log")) as f:
            if "TLS session with the dump" not in f.read():
                why.append("the page server's log names no TLS session")
        why += restore_and_check(test, pid, server)
        why += finish(test, pid)
    finally:
        if works:
            report(not why, what, "; ".join(why))
        elif why:
            report(False, what, "; ".join(why))
        stop_all(pid, [ps])


def tls():
    work = os.path.join(zdtm.RUN_DIR, "ps-pki")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    try:
        pki = make_pki(work)
    except (OSError, subprocess.CalledProcessError) as e:
        report(False, "TLS: a throwaway CA made by certtool (gnutls-bin)", str(e))
        return
    srv = tls_opts(pki, "server")
    tls_round(pki, "ok", "--tls: the dump's pages in TLS restore", srv,
              tls_opts(pki, "client"), True)
    tls_round(pki, "plain", "--tls server, plain dump: the dump fails, task runs on", srv,
              [], False)
    tls_round(pki, "rogue", "--tls: a dump certificate of another CA is refused, task runs on",
              srv, tls_opts(pki, "rogue"), False)
    wrong = tls_opts(pki, "wrong-name")
    tls_round(pki, "name", "--tls: a server certificate for another address is refused",
              wrong, tls_opts(pki, "client"), False)
    tls_round(pki, "nocn", "--tls-no-cn-verify: the same server is accepted", wrong,
              tls_opts(pki, "client") + ["--tls-no-cn-verify"], True)
    tls_remote_lazy(pki)


def tls_remote_lazy(pki):
    """page-server --lazy-pages and lazy-pages --page-server in TLS: the lazy restore gets
    every page through it."""
    test, pid = fresh_test("tls-lazy")
    procs, why = [], []
    try:
        before = zdtm.snapshot(pid)
        r = criu(["dump", "-t", str(pid), "-D", test.dump_dir, "-v4", "-o", "dump.log"])
        zdtm.cleanup_children()
        if r.returncode != 0:
            why.append("dump failed: " + r.stderr[-300:])
            return
        port = str(zdtm.free_tcp_port())
        net = ["--address", "127.0.0.1", "--port", port]
        ps = start_ready(None, ["page-server", "--lazy-pages", "-D", test.dump_dir, "-v4",
                                "-o", "lazy-server.log"] + net + tls_opts(pki, "server"))
        lz = ps and start_ready(None, ["lazy-pages", "-D", test.dump_dir, "--page-server",
                                       "-v4", "-o", "lazy-pages.log"] + net +
                                tls_opts(pki, "client"))
        procs += [p for p in (ps, lz) if p]
        if not lz:
            why.append("page-server --lazy-pages or lazy-pages --page-server did not start")
            return
        r = criu(["restore", "-D", test.dump_dir, "-d", "-v4", "-o", "restore.log",
                  "--lazy-pages", "--pidfile=" + os.path.join(test.work, "restore.pid")])
        if r.returncode != 0:
            why.append("restore failed: " + r.stderr[-300:])
            return
        for p, what in ((lz, "lazy-pages"), (ps, "page-server --lazy-pages")):
            if p.wait(timeout=60) != 0:
                why.append("criu %s exited %d" % (what, p.returncode))
        why += zdtm.compare_snapshots(before, zdtm.snapshot(pid), "after restore")
        why += finish(test, pid)
    except (zdtm.TestFailure, OSError, subprocess.TimeoutExpired) as e:
        why += e.lines() if isinstance(e, zdtm.TestFailure) else [str(e)]
    finally:
        report(not why, "--tls: lazy pages from a page-server --lazy-pages in TLS",
               "; ".join(why))
        stop_all(pid, procs)


def ip(*args):
    return subprocess.run(["ip"] + list(args), capture_output=True, text=True, timeout=30)


def make_hosts(tag):
    a, b = "psA" + tag, "psB" + tag
    for ns in (a, b):
        ip("netns", "del", ns)
    steps = [("netns", "add", a), ("netns", "add", b),
             ("link", "add", "vpa" + tag, "netns", a, "type", "veth", "peer", "name",
              "vpb" + tag, "netns", b),
             ("-n", a, "addr", "add", "10.231.0.1/24", "dev", "vpa" + tag),
             ("-n", b, "addr", "add", "10.231.0.2/24", "dev", "vpb" + tag),
             ("-n", a, "link", "set", "vpa" + tag, "up"),
             ("-n", b, "link", "set", "vpb" + tag, "up"),
             ("-n", a, "link", "set", "lo", "up"), ("-n", b, "link", "set", "lo", "up")]
    for s in steps:
        r = ip(*s)
        if r.returncode:
            return None, "ip %s: %s" % (" ".join(s), r.stderr.strip())
    return (a, b), None


def migration(lazy=False):
    """The dumped task's maps and fds are checked after the restore, as zdtm.py checks
    them, before it gets SIGTERM."""
    hosts, err = make_hosts(str(os.getpid() % 10000))
    if not hosts:
        report(False, "migration over a veth pair", err)
        return
    a, b = hosts
    test = pid = ps = None
    lz = [] if lazy else None
    why = []
    try:
        test, pid = fresh_test("migrate" + ("-lazy" if lazy else ""), "zdtm/static/maps00",
                               netns=a)
        before = zdtm.snapshot(pid)
        server = test.dump_dir + "-server"
        port = 27500 + os.getpid() % 1000
        rfd, wfd = os.pipe()
        ps = subprocess.Popen(in_netns(b) + [CRIU, "page-server", "-D", server,
                               "--address", "10.231.0.2", "--port", str(port), "-v4", "-o",
                               "ps.log", "--status-fd", str(wfd)], pass_fds=(wfd,),
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
        os.close(wfd)
        ready = os.read(rfd, 1)
        os.close(rfd)
        if not ready:
            why.append("the page server did not start in the second host")
            return
        r = criu(["dump", "-t", str(pid), "-D", test.dump_dir, "-v4", "-o", "dump.log",
                  "--page-server", "--address", "10.231.0.2", "--port", str(port)], ns=a)
        if r.returncode != 0:
            why.append("dump in the first host failed: " + r.stderr[-300:])
            return
        if ps.wait(timeout=60) != 0:
            why.append("the page server exited %d" % ps.returncode)
        why += restore_and_check(test, pid, server, ns=b, lazy=lz)
        if lz and lz[0].wait(timeout=60) != 0:
            why.append("criu lazy-pages exited with %d" % lz[0].returncode)
        if not why:
            netns_b = os.stat("/run/netns/" + b).st_ino
            if os.stat("/proc/%d/ns/net" % pid).st_ino != netns_b:
                why.append("the restored task is not in the second host's namespace")
            why += zdtm.compare_snapshots(before, zdtm.snapshot(pid), "after restore")
            why += finish(test, pid)
    except zdtm.TestFailure as e:
        why += e.lines()
    finally:
        report(not why, "migration: dump in one netns, page server and restore%s in another "
               "(veth)" % (" --lazy-pages" if lazy else ""), "; ".join(why))
        stop_all(pid, [ps] + (lz or []))
        for ns in (a, b):
            ip("netns", "del", ns)


def tcp_pair():
    """Both ends of a TCP connection on loopback, made here, as a caller of --ps-socket
    would make it."""
    import socket
    with socket.socket() as lsk:
        lsk.bind(("127.0.0.1", 0))
        lsk.listen(1)
        client = socket.create_connection(lsk.getsockname())
        server, _ = lsk.accept()
    return server, client


def chain_level(test, pid, level, prev, pair):
    """One dump of the chain (pre-dump, or the final dump when prev is set) over the
    connection pair: the server writes into dir-server/level, the dump into dir/level."""
    srv_sk, cli_sk = pair
    sdir = os.path.join(test.dump_dir + "-server", level)
    ddir = os.path.join(test.dump_dir, level)
    os.makedirs(sdir)
    os.makedirs(ddir)
    link = ["--prev-images-dir", "../" + prev] if prev else []
    ps = subprocess.Popen([CRIU, "page-server", "-D", sdir, "-v4", "-o", "ps.log",
                           "--ps-socket", str(srv_sk.fileno())] + link,
                          pass_fds=(srv_sk.fileno(),), stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    srv_sk.close()
    action = ["dump"] + link if prev else ["pre-dump"]
    r = subprocess.run([CRIU] + action + ["-t", str(pid), "-D", ddir, "-v4", "-o", "dump.log",
                                          "--ps-socket", str(cli_sk.fileno())],
                       pass_fds=(cli_sk.fileno(),), stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=120)
    cli_sk.close()
    why = [] if r.returncode == 0 else ["%s failed: %s" % (action[0], r.stderr[-300:])]
    if ps.wait(timeout=60) != 0:
        why.append("the page server of %s exited %d" % (level, ps.returncode))
    if not why and not images_in(sdir, "pages-"):
        why.append("the page server wrote no pages for %s" % level)
    return why, ddir, sdir


def pages_written(d):
    r = subprocess.run([os.path.join(zdtm.ROOT, "crit", "crit"), "decode", "-i",
                        os.path.join(d, "stats-dump")], capture_output=True, text=True)
    import json
    return json.loads(r.stdout)["entries"][0]["dump"]["pages_written"]


def ps_socket_chain():
    """--ps-socket: connections made by the caller (a unix socketpair for the pre-dump, TCP
    for the dump); the pre-dump and the final dump of a chain both go to page servers, each
    level into its own directory there, the final one linked to the first by the server's
    --prev-images-dir; the restore from what arrived brings the task back whole."""
    import socket
    test, pid = fresh_test("ps-socket", "zdtm/static/memfill00")
    why = []
    try:
        before = zdtm.snapshot(pid)
        why, pre_d, pre_s = chain_level(test, pid, "pre", None, socket.socketpair())
        if not why:
            # the dump tells written pages from those the parent holds by its pagemaps
            for name in images_in(pre_s, "pagemap-"):
                shutil.copy(os.path.join(pre_s, name), pre_d)
            why, ddir, sdir = chain_level(test, pid, "final", "pre", tcp_pair())
        if not why:
            full, final = pages_written(pre_d), pages_written(ddir)
            if not final < full // 2:
                why.append("the final dump wrote %d pages, the pre-dump %d: not a chain" %
                           (final, full))
            for name in os.listdir(ddir):
                if name.endswith(".img") or name.startswith("stats-"):
                    shutil.copy(os.path.join(ddir, name), sdir)
            zdtm.cleanup_children()
            r = criu(["restore", "-D", sdir, "-d", "-v4", "-o", "restore.log",
                      "--pidfile=" + os.path.join(test.work, "restore.pid")])
            if r.returncode != 0:
                why.append("restore failed: " + r.stderr[-300:])
        if not why:
            why += zdtm.compare_snapshots(before, zdtm.snapshot(pid), "after restore")
            why += finish(test, pid)
    except (zdtm.TestFailure, OSError, subprocess.TimeoutExpired) as e:
        why += e.lines() if isinstance(e, zdtm.TestFailure) else [str(e)]
    finally:
        report(not why, "--ps-socket: a pre-dump and a dump sent to page servers over "
               "connections the caller made, restored from what arrived", "; ".join(why))
        stop_all(pid)


def start_ready(ns, args):
    """A criu daemon in netns ns that says on --status-fd when it is ready; None if not."""
    rfd, wfd = os.pipe()
    p = subprocess.Popen(in_netns(ns) + [CRIU] + args + ["--status-fd", str(wfd)],
                         pass_fds=(wfd,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    os.close(wfd)
    ready = os.read(rfd, 1)
    os.close(rfd)
    if ready:
        return p
    p.kill()
    p.wait()
    return None


def remote_lazy_restore(test, pid, a, b, procs):
    """The source host a serves the pages (page-server --lazy-pages) to host b, whose criu
    lazy-pages asks for each page the tasks touch over the veth. The images go to b whole:
    the restore itself fills what is not left lazy (file pages, a parent's memory) from
    them, and criu lazy-pages must not read them: the pages it copied are the pages the
    server sent."""
    dest = test.dump_dir + "-server"
    port = 27500 + os.getpid() % 1000
    zdtm.cleanup_children()     # the dumped task, killed by the dump, is our zombie
    ps = start_ready(a, ["page-server", "--lazy-pages", "-D", test.dump_dir, "--address",
                         "10.231.0.1", "--port", str(port), "-v4", "-o", "lazy-server.log"])
    if not ps:
        return ["page-server --lazy-pages did not start in the first host"]
    procs.append(ps)
    for name in os.listdir(test.dump_dir):
        if name.endswith(".img"):
            shutil.copy(os.path.join(test.dump_dir, name), dest)
    lz = start_ready(b, ["lazy-pages", "-D", dest, "--page-server", "--address", "10.231.0.1",
                         "--port", str(port), "-v4", "-o", "lazy-pages.log"])
    if not lz:
        return ["criu lazy-pages --page-server did not start in the second host"]
    procs.append(lz)
    r = criu(["restore", "-D", dest, "-d", "-v4", "-o", "restore.log", "--lazy-pages",
              "--pidfile=" + os.path.join(test.work, "restore.pid")], ns=b)
    if r.returncode != 0:
        return ["restore failed: " + r.stderr[-300:]]
    why = []
    if lz.wait(timeout=60) != 0:
        why.append("criu lazy-pages exited with %d" % lz.returncode)
    if ps.wait(timeout=60) != 0:
        why.append("criu page-server --lazy-pages exited with %d" % ps.returncode)
    with open(os.path.join(test.dump_dir, "lazy-server.log")) as f:
        sent = re.findall(r"--lazy-pages: (\d+) pages sent", f.read())
    with open(os.path.join(dest, "lazy-pages.log")) as f:
        copied = re.findall(r": (\d+) pages copied", f.read())
    if not sent or int(sent[0]) == 0 or int(sent[0]) < sum(int(n) for n in copied):
        why.append("the server sent %s pages, criu lazy-pages copied %s" % (sent, copied))
    return why


def remote_lazy_migration():
    """Dump in the first host to its own disk; the restore in the second gets the memory
    from the first on demand (CRIU's lazy migration, page-server --lazy-pages)."""
    hosts, err = make_hosts(str(os.getpid() % 10000))
    if not hosts:
        report(False, "remote lazy migration over a veth pair", err)
        return
    a, b = hosts
    test = pid = None
    procs, why = [], []
    try:
        test, pid = fresh_test("migrate-remote-lazy", "zdtm/static/maps00", netns=a)
        before = zdtm.snapshot(pid)
        r = criu(["dump", "-t", str(pid), "-D", test.dump_dir, "-v4", "-o", "dump.log"], ns=a)
        if r.returncode != 0:
            why.append("dump in the first host failed: " + r.stderr[-300:])
            return
        why += remote_lazy_restore(test, pid, a, b, procs)
        if not why:
            if os.stat("/proc/%d/ns/net" % pid).st_ino != os.stat("/run/netns/" + b).st_ino:
                why.append("the restored task is not in the second host's namespace")
            why += zdtm.compare_snapshots(before, zdtm.snapshot(pid), "after restore")
            why += finish(test, pid)
    except (zdtm.TestFailure, OSError, subprocess.TimeoutExpired) as e:
        why += e.lines() if isinstance(e, zdtm.TestFailure) else [str(e)]
    finally:
        report(not why, "migration: dump in one netns, restore --lazy-pages in another with "
               "its pages fetched from a page-server --lazy-pages in the first (veth)",
               "; ".join(why))
        stop_all(pid, procs)
        for ns in (a, b):
            ip("netns", "del", ns)


def main():
    if os.geteuid() != 0:
        print("page-server tests need root")
        return 77
    zdtm.become_subreaper()
    server_absent()
    ps_socket_chain()
    server_dies()
    server_dies("pre-dump")
    daemon_mode()
    huge_pages_back()
    tls()
    migration()
    migration(lazy=True)
    remote_lazy_migration()
    zdtm_subset()
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
