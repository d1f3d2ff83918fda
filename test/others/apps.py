#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Real programs from Debian packages, each holding a client connection on loopback across
dump --tcp-established and restore --tcp-established:

- nginx (nginx-light): a master and two workers serving a file; the held keep-alive
  connection gets the file again after the restore, and so does a new one, over IPv4 and IPv6.
- node (nodejs): an HTTP server counting its requests in memory; the count goes on from
  where it was (its heap came back), on the held connection and on a new one.
- tmux: a server with a bash in a pane (ptys, a unix socket server); after restore the
  client talks to the same server, and the shell still has the variable set before.
- a Go program (golang-go): net/http with a goroutine ticking; its hit count goes on, and
  the goroutine still ticks (the Go runtime's threads, signals and epoll came back).
- python3 with SQLite in WAL mode (its "-shm" index mapped shared and byte-range locked, so
  dump and restore need --file-locks), a writer thread, a multiprocessing pool and asyncio:
  after restore it goes on counting where it was, every row it counted is in the database,
  and its pool still answers.
- a JVM (openjdk-17-jdk-headless): a server of our own, compiled here with javac, whose
  threads hand out numbers from a counter on the heap; the held connection and a new one get
  the next numbers, and the JVM has as many threads as before.
- haproxy: a master and a worker of two threads in front of an HTTP server of this script;
  the held keep-alive connection gets the backend's answer again after the restore (the
  backend, outside the tree, counts the requests: they reached it), and so does a new one.
- sshd (openssh-server): a session with a bash on a pty, held by an ssh client of this
  script; after restore the same encrypted connection carries the next command, which the
  same shell answers with the variable it set before, on the same pty.

A program whose binary is missing is skipped, naming its package. This script is a child
subreaper, so the restored programs are its children to reap."""
import http.server
import os
import pty
import select
import shutil
import socket
import threading
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zdtm  # noqa: E402
import tally  # noqa: E402

CRIU = os.path.join(zdtm.ROOT, "criu", "criu")
report = tally.Tally(show_ok=True)
started = []  # every program this script started, killed at the end

NGINX_CONF = """daemon off;
worker_processes 2;
pid %(work)s/nginx.pid;
error_log %(work)s/error.log;
events { worker_connections 64; }
http {
    access_log off;
    keepalive_timeout 600;
    keepalive_requests 100000;
    client_body_temp_path %(work)s/body;
    proxy_temp_path %(work)s/proxy;
    fastcgi_temp_path %(work)s/fastcgi;
    uwsgi_temp_path %(work)s/uwsgi;
    scgi_temp_path %(work)s/scgi;
    server { listen 127.0.0.1:%(port)d; listen [::1]:%(port)d; root %(work)s/www; }
}
"""

NODE_SERVER = """
const http = require('http');
let hits = 0;
const ballast = Buffer.alloc(4 << 20, 0x5a);
http.createServer((req, res) => {
    hits++;
    res.setHeader('Content-Type', 'text/plain');
    res.end('hits=' + hits + ' ballast=' + ballast[hits %% ballast.length] + '\\n');
}).listen(%d, '127.0.0.1', () => console.log('up'));
"""

JAVA_SERVER = """
import java.io.*;
import java.net.*;
import java.util.concurrent.atomic.AtomicLong;

public class Numbers {
    static final AtomicLong next = new AtomicLong(1000);

    public static void main(String[] args) throws Exception {
        ServerSocket ss = new ServerSocket(Integer.parseInt(args[0]), 16,
                                           InetAddress.getByName("127.0.0.1"));
        System.out.println("up");
        System.out.flush();
        while (true) {
            Socket s = ss.accept();
            Thread t = new Thread(() -> serve(s));
            t.setDaemon(true);
            t.start();
        }
    }

    static void serve(Socket s) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream()));
             PrintWriter out = new PrintWriter(s.getOutputStream(), true)) {
            for (String line; (line = in.readLine()) != null;)
                out.println("n=" + next.getAndIncrement());
        } catch (IOException e) {
        }
    }
}
"""


GO_SERVER = """
package main

import (
	"fmt"
	"net/http"
	"os"
	"sync/atomic"
	"time"
)

var hits, ticks int64

func main() {
	go func() {
		for {
			atomic.AddInt64(&ticks, 1)
			time.Sleep(5 * time.Millisecond)
		}
	}()
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hits=%d ticks=%d\\n", atomic.AddInt64(&hits, 1), atomic.LoadInt64(&ticks))
	})
	http.ListenAndServe("127.0.0.1:"+os.Args[1], nil)
}
"""

PY_APP = """
import asyncio, multiprocessing as mp, sqlite3, sys, threading, time
db = sqlite3.connect(sys.argv[1], check_same_thread=False)
db.execute("PRAGMA journal_mode=WAL")
db.execute("create table if not exists t(x)")
db.commit()
lock = threading.Lock()
count = [0]


def writer():
    while True:
        with lock:
            count[0] += 1
            db.execute("insert into t values(?)", (count[0],))
            db.commit()
        time.sleep(0.005)


def square(x):
    return x * x


async def report(pool):
    while True:
        total = sum(pool.map(square, range(10)))
        with lock:
            rows = db.execute("select count(*) from t").fetchone()[0]
            print(count[0], rows, total, flush=True)
        await asyncio.sleep(0.05)


if __name__ == "__main__":
    pool = mp.Pool(2)
    threading.Thread(target=writer, daemon=True).start()
    asyncio.run(report(pool))
"""


def connect(port, host="127.0.0.1", timeout=30):
    end = time.time() + timeout
    while True:
        try:
            return socket.create_connection((host, port), timeout=10)
        except OSError:
            if time.time() > end:
                raise
            time.sleep(0.05)


def http_get(c):
    """One keep-alive GET on c; the body, or None."""
    c.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
    got = b""
    while b"\r\n\r\n" not in got:
        part = c.recv(65536)
        if not part:
            return None
        got += part
    head, body = got.split(b"\r\n\r\n", 1)
    size = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            size = int(line.split(b":")[1])
    while len(body) < size:
        part = c.recv(65536)
        if not part:
            return None
        body += part
    return body[:size]


def line_ask(c):
    c.sendall(b"next\n")
    got = b""
    while not got.endswith(b"\n"):
        part = c.recv(4096)
        if not part:
            return None
        got += part
    return got.strip()


def threads_of(pid):
    try:
        return len(os.listdir("/proc/%d/task" % pid))
    except OSError:
        return -1


def checkpoint(name, p, work):
    """dump and restore --tcp-established; True when both worked."""
    pid = p.pid
    kids = zdtm.tree_pids(pid)
    imgs = os.path.join(work, name + "-img")
    os.mkdir(imgs)
    r = subprocess.run([CRIU, "dump", "-t", str(pid), "-D", imgs, "-v4", "-o", "dump.log",
                        "--tcp-established"], capture_output=True, text=True, timeout=120)
    report(r.returncode == 0, "%s: dump --tcp-established with a client held" % name,
           r.stderr + open(os.path.join(imgs, "dump.log")).read()[-2000:])
    if r.returncode:
        return False
    p.wait(timeout=10)
    reap(kids)
    r = subprocess.run([CRIU, "restore", "-D", imgs, "-v4", "-o", "restore.log", "-d",
                        "--tcp-established"], capture_output=True, text=True, timeout=120)
    report(r.returncode == 0, "%s: restore --tcp-established" % name,
           r.stderr + open(os.path.join(imgs, "restore.log")).read()[-2000:])
    return r.returncode == 0


def reap(pids):
    """The dumped program's children (nginx's workers) were killed with it and became ours
    (this script is a subreaper): reap them, or their pids stay taken for the restore."""
    for pid in pids:
        zdtm.reap(pid, 10)


def start(cmd, work, name):
    log = open(os.path.join(work, name + ".out"), "w")
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                         close_fds=True, start_new_session=True, cwd=work)
    log.close()
    started.append(p)
    return p


def nginx(work):
    os.chmod(work, 0o755)  # the workers run as www-data
    os.mkdir(os.path.join(work, "www"))
    page = b"nginx page " + b"y" * 5000 + b"\n"
    with open(os.path.join(work, "www", "index.html"), "wb") as f:
        f.write(page)
    port = zdtm.free_tcp_port()
    conf = os.path.join(work, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF % {"work": work, "port": port})
    p = start(["nginx", "-c", conf], work, "nginx")
    c = connect(port)
    got = http_get(c)
    report(got == page, "nginx: the held connection gets the page", repr(got)[:300])
    workers = zdtm.tree_pids(p.pid)
    if checkpoint("nginx", p, work):
        report(http_get(c) == page, "nginx: the held connection gets the page after restore")
        after = zdtm.tree_pids(p.pid)
        report(sorted(after) == sorted(workers) and len(workers) == 2,
               "nginx: the master has its two workers, same pids", "%s %s" % (workers, after))
        c4 = connect(port)
        c6 = connect(port, "::1")
        report(http_get(c4) == page and http_get(c6) == page,
               "nginx: new connections over IPv4 and IPv6 get the page")
        c4.close()
        c6.close()
    c.close()


def node(work):
    port = zdtm.free_tcp_port()
    script = os.path.join(work, "server.js")
    with open(script, "w") as f:
        f.write(NODE_SERVER % port)
    p = start(["node", script], work, "node")
    c = connect(port)
    first = [http_get(c) for _ in range(5)]
    report(first[-1] == b"hits=5 ballast=90\n", "node: five requests counted", repr(first))
    if checkpoint("node", p, work):
        report(http_get(c) == b"hits=6 ballast=90\n",
               "node: the held connection gets the sixth hit after restore")
        c2 = connect(port)
        got = http_get(c2)
        report(got == b"hits=7 ballast=90\n", "node: a new connection gets the seventh",
               repr(got))
        c2.close()
    c.close()


def tmux(work):
    sock = os.path.join(work, "tmux.sock")

    def tm(*args):
        return subprocess.run(["tmux", "-S", sock] + list(args), capture_output=True,
                              text=True, timeout=30)

    r = tm("new-session", "-d", "-s", "t", "-x", "80", "-y", "20", "bash --norc --noprofile")
    report(r.returncode == 0, "tmux: a server with a shell", r.stderr)
    if r.returncode:
        return
    server = int(tm("display-message", "-p", "#{pid}").stdout.strip())
    tm("send-keys", "-t", "t", "X=4242; clear", "Enter")
    time.sleep(0.3)
    imgs = os.path.join(work, "tmux-img")
    os.mkdir(imgs)
    kids = zdtm.tree_pids(server)
    r = subprocess.run([CRIU, "dump", "-t", str(server), "-D", imgs, "-v4", "-o", "dump.log"],
                       capture_output=True, text=True, timeout=120)
    report(r.returncode == 0, "tmux: dump", open(os.path.join(imgs, "dump.log")).read()[-2000:])
    if r.returncode:
        return
    for pid in [server] + kids:
        zdtm.reap(pid, 10)
    r = subprocess.run([CRIU, "restore", "-D", imgs, "-v4", "-o", "restore.log", "-d"],
                       capture_output=True, text=True, timeout=120)
    report(r.returncode == 0, "tmux: restore",
           open(os.path.join(imgs, "restore.log")).read()[-2000:])
    if r.returncode:
        return
    tm("send-keys", "-t", "t", "echo value=$X", "Enter")
    screen = ""
    for _ in range(100):
        screen = tm("capture-pane", "-p", "-t", "t").stdout
        if "value=4242" in screen:
            break
        time.sleep(0.05)
    report("value=4242" in screen, "tmux: the restored shell answers with its variable",
           screen[-500:])
    tm("kill-server")


def go_hits(c):
    """(hits, ticks) from one GET of the Go server, or None."""
    body = http_get(c)
    try:
        return tuple(int(f.split(b"=")[1]) for f in body.split())
    except (AttributeError, IndexError, ValueError):
        return None


def go(work):
    src = os.path.join(work, "main.go")
    with open(src, "w") as f:
        f.write(GO_SERVER)
    env = dict(os.environ, GO111MODULE="off", GOPATH=os.path.join(work, "gopath"),
               GOCACHE=os.path.join(work, "gocache"))
    binary = os.path.join(work, "server")
    r = subprocess.run(["go", "build", "-o", binary, src], capture_output=True, text=True,
                       env=env, timeout=300)
    report(r.returncode == 0, "go: go build makes the server", r.stderr)
    if r.returncode:
        return
    port = zdtm.free_tcp_port()
    p = start([binary, str(port)], work, "go")
    c = connect(port)
    first = [go_hits(c) for _ in range(3)]
    report(first[-1] is not None and first[-1][0] == 3, "go: three requests counted",
           repr(first))
    if checkpoint("go", p, work):
        got = go_hits(c)
        report(got is not None and got[0] == 4, "go: the held connection gets the fourth hit",
               repr(got))
        time.sleep(0.2)
        c2 = connect(port)
        later = go_hits(c2)
        report(later is not None and later[0] == 5 and got is not None and later[1] > got[1],
               "go: a new connection gets the fifth, and the goroutine ticks on",
               "%r %r" % (got, later))
        c2.close()
    c.close()


def last_report(path, after=0, timeout=20):
    """The program's last "count rows total" line whose count is above after."""
    end = time.time() + timeout
    while time.time() < end:
        with open(path) as f:
            lines = [ln.split() for ln in f.read().splitlines() if len(ln.split()) == 3]
        if lines and int(lines[-1][0]) > after:
            return [int(x) for x in lines[-1]]
        time.sleep(0.05)
    return None


def py_sqlite(work):
    script = os.path.join(work, "app.py")
    with open(script, "w") as f:
        f.write(PY_APP)
    p = start([sys.executable, script, os.path.join(work, "db.sqlite")], work, "py")
    out = os.path.join(work, "py.out")
    before = last_report(out, 50)
    report(before is not None and before[0] == before[1] and before[2] == 285,
           "python: counting into SQLite (WAL) with a pool", repr(before))
    if before is None:
        return
    imgs = os.path.join(work, "py-img")
    os.mkdir(imgs)
    kids = zdtm.tree_pids(p.pid)
    r = subprocess.run([CRIU, "dump", "-t", str(p.pid), "-D", imgs, "-v4", "-o", "dump.log"],
                       capture_output=True, text=True, timeout=120)
    report(r.returncode != 0 and zdtm.proc_state(p.pid) is not None,
           "python: dump without --file-locks is refused and the program runs on")
    r = subprocess.run([CRIU, "dump", "-t", str(p.pid), "-D", imgs, "-v4", "-o", "dump.log",
                        "--file-locks"], capture_output=True, text=True, timeout=120)
    report(r.returncode == 0, "python: dump --file-locks",
           r.stderr + open(os.path.join(imgs, "dump.log")).read()[-2000:])
    if r.returncode:
        return
    p.wait(timeout=10)
    reap(kids)
    at_dump = last_report(out)
    r = subprocess.run([CRIU, "restore", "-D", imgs, "-v4", "-o", "restore.log", "-d",
                        "--file-locks"], capture_output=True, text=True, timeout=120)
    report(r.returncode == 0, "python: restore --file-locks",
           r.stderr + open(os.path.join(imgs, "restore.log")).read()[-2000:])
    if r.returncode:
        return
    after = last_report(out, at_dump[0] + 20)
    report(after is not None and after[0] == after[1] and after[2] == 285,
           "python: it counts on from %d, every row in the database, its pool answers"
           % at_dump[0], repr(after))


def jvm(work):
    src = os.path.join(work, "Numbers.java")
    with open(src, "w") as f:
        f.write(JAVA_SERVER)
    r = subprocess.run(["javac", "-d", work, src], capture_output=True, text=True,
                       timeout=120)
    report(r.returncode == 0, "jvm: javac builds the server", r.stderr)
    if r.returncode:
        return
    port = zdtm.free_tcp_port()
    p = start(["java", "-Xmx64m", "-XX:-UsePerfData", "-cp", work, "Numbers", str(port)],
              work, "jvm")
    c = connect(port)
    got = [line_ask(c) for _ in range(3)]
    report(got == [b"n=1000", b"n=1001", b"n=1002"], "jvm: three numbers handed out",
           repr(got))
    nthreads = threads_of(p.pid)
    if checkpoint("jvm", p, work):
        got = line_ask(c)
        report(got == b"n=1003", "jvm: the held connection gets the next number", repr(got))
        c2 = connect(port)
        got = line_ask(c2)
        report(got == b"n=1004", "jvm: a new connection gets the one after", repr(got))
        report(threads_of(p.pid) == nthreads + 1,
               "jvm: its threads came back (and one more serves the new connection)",
               "%d before, %d now" % (nthreads, threads_of(p.pid)))
        c2.close()
    c.close()


HAPROXY_CONF = """global
    maxconn 64
    nbthread 2
    pidfile %(work)s/haproxy.pid
defaults
    mode http
    timeout connect 5s
    timeout client 600s
    timeout server 600s
    timeout http-keep-alive 600s
frontend fe
    bind 127.0.0.1:%(port)d
    default_backend be
backend be
    server s1 127.0.0.1:%(backend)d
"""


def backend_server():
    """An HTTP server in a thread of this script: each GET gets the number of GETs so far."""
    hits = [0]

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            hits[0] += 1
            body = b"backend hit %d\n" % hits[0]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def haproxy(work):
    srv = backend_server()
    port = zdtm.free_tcp_port()
    conf = os.path.join(work, "haproxy.cfg")
    with open(conf, "w") as f:
        f.write(HAPROXY_CONF % {"work": work, "port": port, "backend": srv.server_port})
    p = start(["haproxy", "-W", "-db", "-f", conf], work, "haproxy")
    try:
        c = connect(port)
        got = [http_get(c) for _ in range(2)]
        report(got == [b"backend hit 1\n", b"backend hit 2\n"],
               "haproxy: the held connection reaches the backend", repr(got))
        workers = zdtm.tree_pids(p.pid)
        if checkpoint("haproxy", p, work):
            got = http_get(c)
            report(got == b"backend hit 3\n",
                   "haproxy: the held connection reaches the backend after restore", repr(got))
            report(zdtm.tree_pids(p.pid) == workers and len(workers) == 1 and
                   threads_of(workers[0]) == 2,
                   "haproxy: the master has its worker of two threads, same pid",
                   "%s %s" % (workers, zdtm.tree_pids(p.pid)))
            c2 = connect(port)
            got = http_get(c2)
            report(got == b"backend hit 4\n", "haproxy: a new connection after restore",
                   repr(got))
            c2.close()
        c.close()
    finally:
        srv.shutdown()


SSHD_CONF = """Port %(port)d
ListenAddress 127.0.0.1
HostKey %(work)s/host_key
AuthorizedKeysFile %(work)s/client_key.pub
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile %(work)s/sshd.pid
"""


def pty_expect(fd, token, timeout=20):
    """What the pty gives until token shows (or the time is up)."""
    got = b""
    end = time.time() + timeout
    while token not in got and time.time() < end:
        if select.select([fd], [], [], 0.2)[0]:
            try:
                part = os.read(fd, 4096)
            except OSError:
                break
            if not part:
                break
            got += part
    return got


def ssh_session(work, port):
    """An ssh client on a pty of ours running an interactive bash there; (pid, fd)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp("ssh", ["ssh", "-tt", "-i", os.path.join(work, "client_key"),
                          "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                          "-o", "LogLevel=ERROR", "-o", "BatchMode=yes", "-p", str(port),
                          "root@127.0.0.1", "bash --norc --noprofile -i"])
    return pid, fd


def sshd(work):
    for key in ("host_key", "client_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                        os.path.join(work, key)], check=True, timeout=30)
    os.chmod(work, 0o755)
    os.makedirs("/run/sshd", exist_ok=True)  # sshd's privilege separation directory
    port = zdtm.free_tcp_port()
    conf = os.path.join(work, "sshd.conf")
    with open(conf, "w") as f:
        f.write(SSHD_CONF % {"work": work, "port": port})
    p = start(["/usr/sbin/sshd", "-D", "-f", conf], work, "sshd")
    connect(port).close()
    client, fd = ssh_session(work, port)
    try:
        os.write(fd, b"X=4242; echo ready-$((X+1)) $(tty)\n")
        before = pty_expect(fd, b"ready-4243 /dev/pts/")
        tty = before.split(b"ready-4243 ")[-1].split()[0] if b"ready-4243 /" in before \
            else b""
        report(bool(tty), "sshd: a session's shell answers", repr(before[-300:]))
        if not tty or not checkpoint("sshd", p, work):
            return
        os.write(fd, b"echo after-$((X*2)) $(tty)\n")
        after = pty_expect(fd, b"after-8484 " + tty)
        report(b"after-8484 " + tty in after,
               "sshd: after restore the same connection and shell answer, on the same pty",
               repr(after[-300:]))
    finally:
        os.close(fd)
        try:
            os.kill(client, 9)
            os.waitpid(client, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


def finish():
    while started:
        p = started.pop()
        try:
            os.killpg(p.pid, 9)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(p.pid, 0)
        except ChildProcessError:
            pass


def main():
    zdtm.become_subreaper()
    ran = 0
    for name, binary, package, run in (("nginx", "nginx", "nginx-light", nginx),
                                       ("tmux", "tmux", "tmux", tmux),
                                       ("node", "node", "nodejs", node),
                                       ("go", "go", "golang-go", go),
                                       ("python", "python3", "python3", py_sqlite),
                                       ("jvm", "javac", "openjdk-17-jdk-headless", jvm),
                                       ("haproxy", "haproxy", "haproxy", haproxy),
                                       ("sshd", "/usr/sbin/sshd", "openssh-server", sshd)):
        if not shutil.which(binary):
            print("skip - %s: not installed (package %s)" % (name, package))
            continue
        work = tempfile.mkdtemp(prefix="criu-apps-%s-" % name)
        try:
            run(work)
            ran += 1
        except (OSError, subprocess.SubprocessError) as e:
            report(False, "%s: %s" % (name, e))
        finally:
            finish()
            shutil.rmtree(work, ignore_errors=True)
    if not ran:
        print("0 passed, 0 failed, 1 skipped")
        return 77
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
