#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""PostgreSQL (Debian's postgresql package) as a user runs it: a cluster made by initdb, the
postmaster with its background processes (checkpointer, writer, WAL writer, autovacuum,
logical replication launcher) sharing System V and anonymous shared memory and semaphores,
clients over its unix socket. Rows are written, the tree is dumped and restored three times
with writes in between, and after each restore:
- the rows written before are all there (count and sum);
- a new client connects (the restored postmaster forks a backend that attaches the shared
  memory) and its insert commits;
At the end a fast shutdown through pg_ctl must complete ("database system is shut down"),
which needs every background process to answer the postmaster's signals."""
import ctypes
import glob
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zdtm  # noqa: E402
import tally  # noqa: E402

CRIU = os.path.join(zdtm.ROOT, "criu", "criu")
report = tally.Tally(show_ok=True)


def as_postgres(cmd, **kw):
    return subprocess.run(["su", "postgres", "-s", "/bin/sh", "-c", cmd],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=60, **kw)


def psql(sock, sql):
    r = subprocess.run(["psql", "-h", sock, "-U", "postgres", "-At", "-c", sql],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    return r.returncode, r.stdout.strip() + r.stderr.strip()


def postmaster_pid(data):
    with open(os.path.join(data, "postmaster.pid")) as f:
        return int(f.readline())


def reap_orphans():
    """The killed tree's processes are our children now (we are their subreaper): reap them
    all, as init would, so that their pids are free for the restore."""
    end = time.monotonic() + 10
    while time.monotonic() < end:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.01)


def wait_ready(sock, timeout=30):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if psql(sock, "select 1")[0] == 0:
            return True
        time.sleep(0.1)
    return False


def cycle(work, data, sock, k, want):
    pid = postmaster_pid(data)
    img = os.path.join(work, "img%d" % k)
    os.mkdir(img)
    r = subprocess.run([CRIU, "dump", "-t", str(pid), "-D", img, "-v4", "-o", "dump.log"],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    report(r.returncode == 0, "cycle %d: dump of the postmaster's tree" % k, r.stderr[-1500:])
    if r.returncode:
        return False
    reap_orphans()
    r = subprocess.run([CRIU, "restore", "-D", img, "-d", "-v4", "-o", "restore.log"],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    report(r.returncode == 0, "cycle %d: restore" % k, r.stderr[-1500:])
    if r.returncode:
        return False
    rc, out = psql(sock, "select count(*), sum(x) from t")
    report(rc == 0 and out == "%d|%d" % want, "cycle %d: the rows are there" % k,
           "%s, want %d|%d" % ((out,) + want))
    rc, out = psql(sock, "insert into t values (%d)" % (1000 + k))
    report(rc == 0, "cycle %d: a new client's insert commits" % k, out)
    return rc == 0


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(zdtm.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    if not bins or not shutil.which("psql"):
        print("# SKIP: PostgreSQL is not installed (scripts/install-deps.sh installs it)")
        return 0
    bindir = os.path.dirname(bins[-1])
    work = tempfile.mkdtemp(prefix="criu-postgres-")
    os.chmod(work, 0o755)
    data, sock = os.path.join(work, "data"), os.path.join(work, "sock")
    os.mkdir(sock)
    pg = pwd.getpwnam("postgres")
    os.chown(work, pg.pw_uid, pg.pw_gid)
    os.chown(sock, pg.pw_uid, pg.pw_gid)
    started = False
    try:
        r = as_postgres("%s/initdb -D %s -A trust --no-sync" % (bindir, data))
        report(r.returncode == 0, "initdb", r.stdout[-1000:] + r.stderr[-1000:])
        subprocess.Popen(["su", "postgres", "-s", "/bin/sh", "-c",
                          "exec setsid %s/postgres -D %s -c listen_addresses= "
                          "-c unix_socket_directories=%s -c fsync=off "
                          "-c logging_collector=off" % (bindir, data, sock)],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=open(os.path.join(work, "server.log"), "w"))
        started = wait_ready(sock)
        report(started, "the server answers on its unix socket")
        if not started:
            return report.finish()
        rc, out = psql(sock, "create table t(x int); "
                             "insert into t select generate_series(1, 1000)")
        report(rc == 0, "1,000 rows written", out)
        count, total = 1000, 500500
        for k in (1, 2, 3):
            if not cycle(work, data, sock, k, (count, total)):
                break
            count, total = count + 1, total + 1000 + k
        r = as_postgres("%s/pg_ctl -D %s stop -m fast -t 30" % (bindir, data))
        with open(os.path.join(work, "server.log")) as f:
            log = f.read()
        report(r.returncode == 0 and "database system is shut down" in log,
               "a fast shutdown completes", r.stdout + r.stderr + log[-1500:])
        started = r.returncode != 0
    finally:
        if started and os.path.exists(os.path.join(data, "postmaster.pid")):
            try:
                os.killpg(os.getpgid(postmaster_pid(data)), signal.SIGKILL)
            except (OSError, ValueError):
                pass
        shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
