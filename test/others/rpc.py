#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""criu swrk and criu service, driven with the criu_req/criu_resp messages of CRIU's own
Python package (pycriu.rpc_pb2, Debian's criu): what a client sees for good requests,
refused options and request types, malformed datagrams, a client that leaves in the middle
of a dump (the task must run on, as before), and a service that must survive 1,000 bad
clients in a row without growing its fds or memory."""
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zdtm  # noqa: E402
import tally  # noqa: E402

sys.path.append("/usr/lib/python3/dist-packages")
try:
    from pycriu import rpc_pb2 as rpc
except ImportError:
    print("pycriu (Debian package criu) is missing: skipped")
    sys.exit(77)

CRIU = os.path.join(zdtm.ROOT, "criu", "criu")
report = tally.Tally(show_ok=True)
PR_SET_CHILD_SUBREAPER = 36


def swrk():
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    p = subprocess.Popen([CRIU, "swrk", str(b.fileno())], pass_fds=[b.fileno()],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    b.close()
    return a, p


def recv_resp(sk):
    sk.settimeout(60)
    data = sk.recv(1 << 20)
    if not data:
        return None
    resp = rpc.criu_resp()
    resp.ParseFromString(data)
    return resp


def call(sk, req, on_notify=None):
    """Send req, answer notifications (on_notify(script) -> True/False/None: None leaves),
    return the final response (None if criu closed)."""
    sk.send(req.SerializeToString())
    while True:
        resp = recv_resp(sk)
        if resp is None or resp.type != rpc.NOTIFY:
            return resp
        verdict = on_notify(resp.notify.script) if on_notify else True
        if verdict is None:
            return "left"
        ans = rpc.criu_req(type=rpc.NOTIFY, notify_success=verdict)
        sk.send(ans.SerializeToString())


def one_request(req, on_notify=None):
    sk, p = swrk()
    resp = call(sk, req, on_notify)
    sk.close()
    p.wait(timeout=60)
    return resp, p.returncode


def raw_request(data):
    sk, p = swrk()
    sk.send(data)
    resp = recv_resp(sk)
    sk.close()
    p.wait(timeout=60)
    return resp, p.returncode


def start_task():
    t = subprocess.Popen(["setsid", "sleep", "1000"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.2)
    return t


def state(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def running(pid):
    """Sleeping or running: not stopped, traced, dead or gone."""
    return state(pid) in ("S", "R")


def ppid(pid):
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def dump_req(dfd, pid, **opts):
    req = rpc.criu_req(type=rpc.DUMP)
    req.opts.images_dir_fd = dfd
    req.opts.pid = pid
    req.opts.log_file = "dump.log"
    req.opts.log_level = 4
    for k, v in opts.items():
        setattr(req.opts, k, v)
    return req


def test_version():
    resp, _ = one_request(rpc.criu_req(type=rpc.VERSION))
    report(resp and resp.success and resp.version.major_number == 4 and
           resp.version.minor_number == 2 and resp.version.name != "",
           "VERSION: 4.2 with criu's own name", str(resp))
    sk, p = swrk()
    r1 = call(sk, rpc.criu_req(type=rpc.VERSION, keep_open=True))
    req = rpc.criu_req(type=rpc.FEATURE_CHECK, keep_open=True)
    req.features.mem_track = True
    r2 = call(sk, req)
    r3 = call(sk, rpc.criu_req(type=rpc.VERSION))
    sk.close()
    p.wait(timeout=60)
    tracks = subprocess.run([CRIU, "check", "--feature", "mem_dirty_track"],
                            capture_output=True).returncode == 0
    report(r1 and r1.success and r2 and r2.success and r2.features.HasField("mem_track") and
           r2.features.mem_track == tracks and r3 and r3.success and p.returncode == 0,
           "keep_open: VERSION, FEATURE_CHECK (mem_track as criu check says), VERSION on one "
           "connection",
           "%s %s %s %s" % (r1, r2, r3, p.returncode))


def test_wait_pid():
    t = start_task()
    resp, _ = one_request(rpc.criu_req(type=rpc.WAIT_PID, pid=t.pid))
    report(resp and resp.type == rpc.WAIT_PID and not resp.success and
           resp.cr_errno == 10 and running(t.pid),
           "WAIT_PID for a task that is not criu's child: ECHILD", str(resp))
    t.kill()
    t.wait()


def test_refused_types():
    resp, _ = raw_request(rpc.criu_req(type=rpc.NOTIFY).SerializeToString())
    report(resp and resp.type == rpc.NOTIFY and not resp.success and
           "notification" in resp.cr_errmsg,
           "NOTIFY with no notification pending answered with an error", str(resp))


def cpuinfo_req(kind, dfd, **opts):
    req = rpc.criu_req(type=kind)
    req.opts.images_dir_fd = dfd
    req.opts.log_file = "cpuinfo.log"
    req.opts.log_level = 4
    for k, v in opts.items():
        setattr(req.opts, k, v)
    return req


def test_cpuinfo(work):
    """CPUINFO_DUMP writes cpuinfo.img into images_dir_fd, CPUINFO_CHECK checks it."""
    d = os.path.join(work, "cpuinfo")
    os.mkdir(d)
    dfd = os.open(d, os.O_DIRECTORY)
    path = os.path.join(d, "cpuinfo.img")
    resp, _ = one_request(cpuinfo_req(rpc.CPUINFO_DUMP, dfd))
    report(resp and resp.type == rpc.CPUINFO_DUMP and resp.success and os.path.exists(path),
           "CPUINFO_DUMP writes cpuinfo.img into images_dir_fd", str(resp))
    resp, _ = one_request(cpuinfo_req(rpc.CPUINFO_CHECK, dfd))
    report(resp and resp.type == rpc.CPUINFO_CHECK and resp.success,
           "CPUINFO_CHECK accepts this CPU's image", str(resp))
    crit = os.path.join(zdtm.ROOT, "crit", "crit")
    img = json.loads(subprocess.run([crit, "decode", "-i", path], capture_output=True,
                                    text=True).stdout)
    img["entries"][0]["x86_entry"][0]["xsave_size_max"] += 64
    with open(path + ".json", "w") as f:
        json.dump(img, f)
    subprocess.run([crit, "encode", "-i", path + ".json", "-o", path], check=True)
    for cap in (None, 0xffffffff):
        resp, _ = one_request(cpuinfo_req(rpc.CPUINFO_CHECK, dfd, **(
            {"cpu_cap": cap} if cap else {})))
        report(resp and resp.type == rpc.CPUINFO_CHECK and not resp.success and
               "xsave area sizes differ" in resp.cr_errmsg,
               "CPUINFO_CHECK (cpu_cap %s) refuses another xsave size, saying so" % cap,
               str(resp))
    resp, _ = one_request(cpuinfo_req(rpc.CPUINFO_CHECK, dfd, cpu_cap=4))
    report(resp and resp.success, "CPUINFO_CHECK with cpu_cap 4 (ins) checks no xsave size",
           str(resp))
    conf = os.path.join(work, "cpuinfo.conf")
    with open(conf, "w") as f:
        f.write("cpu-cap=^fpu\n")
    resp, _ = one_request(cpuinfo_req(rpc.CPUINFO_CHECK, dfd, config_file=conf))
    report(resp and resp.success, "CPUINFO_CHECK reads --cpu-cap from config_file", str(resp))
    os.close(dfd)


def test_bad_input():
    good = dump_req(3, 1).SerializeToString()
    cases = [
        ("truncated message", good[:len(good) // 2], "not a criu_req"),
        ("wrong field type (type as bytes)", b"\x0a\x01\x00", "not a criu_req"),
        ("unknown request type 99", b"\x08\x63", "Unknown request type 99"),
        ("oversized message (150000 bytes)", b"\x08\x0a" + b"\x00" * 149998, "longer than"),
        ("garbage", os.urandom(64) + b"\xff" * 16, ""),
    ]
    for name, data, word in cases:
        resp, rc = raw_request(data)
        report(resp is not None and not resp.success and word in resp.cr_errmsg and
               rc in (0, 1), name + ": an error answer, criu exits cleanly",
               "%s rc=%s" % (resp, rc))


def test_refused_option(work):
    t = start_task()
    dfd = os.open(work, os.O_DIRECTORY)
    resp, _ = one_request(dump_req(dfd, t.pid, weak_sysctls=True))
    report(resp and not resp.success and "criu_opts.weak_sysctls" in resp.cr_errmsg and
           running(t.pid), "weak_sysctls refused naming the field; task runs",
           str(resp))
    # runc and podman send the user to the log file: it must say why, not stay empty
    try:
        with open(os.path.join(work, "dump.log")) as f:
            log = f.read()
    except OSError as e:
        log = str(e)
    report("Error" in log and "criu_opts.weak_sysctls" in log,
           "the refusal is in the log file the request named", log)
    req = dump_req(dfd, t.pid)
    req.opts.log_file = "sub/dump.log"
    resp, _ = one_request(req)
    report(resp and not resp.success and "log_file" in resp.cr_errmsg,
           "log_file with a directory refused", str(resp))
    req = rpc.criu_req(type=rpc.DUMP)
    req.opts.images_dir_fd = -1
    resp, _ = one_request(req)
    report(resp and not resp.success and "images_dir" in resp.cr_errmsg,
           "DUMP without an images directory refused", str(resp))
    os.close(dfd)
    t.kill()
    t.wait()


def test_config_file(work):
    """criu_opts.config_file: its options under the request's, as CRIU reads it."""
    cases = [("leave-running\n# a comment\n", True, ""),
             ("weak-sysctls\n", False, "--weak-sysctls"),
             ("images-dir /tmp\n", False, "criu_opts.config_file")]
    for i, (text, ok, word) in enumerate(cases):
        conf = os.path.join(work, "rpc%d.conf" % i)
        with open(conf, "w") as f:
            f.write(text)
        d = os.path.join(work, "conf%d" % i)
        os.mkdir(d)
        dfd = os.open(d, os.O_DIRECTORY)
        t = start_task()
        resp, _ = one_request(dump_req(dfd, t.pid, config_file=conf))
        time.sleep(0.1)
        report(resp and resp.success == ok and word in resp.cr_errmsg and running(t.pid) and
               os.path.exists(os.path.join(d, "inventory.img")) == ok,
               "config_file %r: %s" % (text.split("\n")[0], "applied, the task runs on"
                                       if ok else "refused naming it"), str(resp))
        os.close(dfd)
        t.kill()
        t.wait()
    # runc names /etc/criu/runc.conf in every request: a file that is not there is ignored
    d = os.path.join(work, "conf-missing")
    os.mkdir(d)
    dfd = os.open(d, os.O_DIRECTORY)
    t = start_task()
    resp, _ = one_request(dump_req(dfd, t.pid, leave_running=True,
                                   config_file=os.path.join(work, "no-such.conf")))
    report(resp and resp.success and running(t.pid) and
           os.path.exists(os.path.join(d, "inventory.img")),
           "config_file that does not exist: ignored, as runc expects", str(resp))
    os.close(dfd)
    t.kill()
    t.wait()


def test_client_leaves(work):
    for stage in ("pre-dump", "post-dump"):
        d = os.path.join(work, "leave-" + stage)
        os.mkdir(d)
        dfd = os.open(d, os.O_DIRECTORY)
        t = start_task()
        res, rc = one_request(dump_req(dfd, t.pid, notify_scripts=True),
                              lambda s: None if s == stage else True)
        time.sleep(0.1)
        report(res == "left" and running(t.pid) and
               not os.path.exists(os.path.join(d, "inventory.img")),
               "client gone at %s: the task runs as before, no inventory.img" % stage,
               "%s state=%s rc=%s" % (res, state(t.pid), rc))
        os.close(dfd)
        t.kill()
        t.wait()


def test_client_leaves_silently(work):
    d = os.path.join(work, "leave-silent")
    os.mkdir(d)
    dfd = os.open(d, os.O_DIRECTORY)
    t = start_task()
    sk, p = swrk()
    sk.send(dump_req(dfd, t.pid).SerializeToString())
    sk.close()
    p.wait(timeout=60)
    time.sleep(0.1)
    report(running(t.pid) and not os.path.exists(os.path.join(d, "inventory.img")),
           "client gone right after DUMP (no notifications): the task runs as before",
           "state=%s rc=%s" % (state(t.pid), p.returncode))
    os.close(dfd)
    t.kill()
    t.wait()


def varint(n):
    out = b""
    while True:
        b, n = n & 0x7f, n >> 7
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def with_fields(req, extra):
    """req serialized with extra (field number, varint value) pairs added to its criu_opts:
    fields newer than Debian's pycriu knows (CRIU's ghost_fiemap 73, file_validation_method
    74)."""
    opts = req.opts.SerializeToString()
    for num, val in extra:
        opts += varint(num << 3) + varint(val)
    return b"\x08" + varint(req.type) + b"\x12" + varint(len(opts)) + opts


def test_newer_fields(work):
    """CRIU's field numbers 73 and 74: ghost_fiemap (a flag criu has) and
    file_validation_method (FILE_SIZE is what criu does, BUILD_ID is refused by name)."""
    t = start_task()
    dfd = os.open(work, os.O_DIRECTORY)
    cases = [("ghost_fiemap true", [(73, 1)], True),
             ("ghost_fiemap false", [(73, 0)], True),
             ("file_validation_method FILE_SIZE", [(74, 1)], True),
             ("file_validation_method BUILD_ID", [(74, 2)], False)]
    for name, extra, ok in cases:
        resp, _ = raw_request(with_fields(dump_req(dfd, t.pid, leave_running=True), extra))
        if ok:
            report(resp is not None and resp.success and running(t.pid),
                   "DUMP -R with %s works" % name, str(resp))
        else:
            report(resp is not None and not resp.success and
                   "criu_opts.file_validation_method" in resp.cr_errmsg and running(t.pid),
                   "DUMP with %s refused naming the field; the task runs" % name, str(resp))
    os.close(dfd)
    t.kill()
    t.wait()


GO_CRIU_PROTO = "/usr/share/gocode/src/github.com/checkpoint-restore/go-criu/rpc/rpc.proto"


def proto_fields(path):
    """{(message or enum, name): number} of a .proto file, read as text."""
    import re
    out, block = {}, None
    with open(path) as f:
        for line in f:
            line = line.split("//")[0].strip()
            m = re.match(r"(message|enum)\s+(\w+)", line)
            if m:
                block = m.group(2)
                continue
            if line.startswith("}"):
                block = None
                continue
            m = re.match(r"(?:(?:optional|required|repeated)\s+\w+\s+)?(\w+)\s*=\s*(\d+)", line)
            if block and m and not line.startswith("/*"):
                out[(block, m.group(1))] = int(m.group(2))
    return out


def test_proto_numbers():
    """Every field and enum value of the rpc.proto Debian's go-criu carries (a copy of
    CRIU's) has the same number in ours: a client built against it means what it says."""
    if not os.path.exists(GO_CRIU_PROTO):
        print("skip - go-criu's rpc.proto not installed")
        return
    theirs = proto_fields(GO_CRIU_PROTO)
    ours = proto_fields(os.path.join(zdtm.ROOT, "images", "rpc.proto"))
    bad = ["%s.%s: %s, ours %s" % (k[0], k[1], v, ours.get(k)) for k, v in theirs.items()
           if ours.get(k) != v]
    taken = {}
    for k, v in ours.items():
        taken.setdefault((k[0], v), []).append(k[1])
    clash = ["%s %d: %s" % (k[0], k[1], n) for k, n in taken.items() if len(n) > 1]
    report(len(theirs) > 100 and not bad and not clash,
           "rpc.proto: go-criu's %d fields and values have CRIU's numbers in ours, none "
           "shared" % len(theirs), "; ".join(bad + clash))


def test_dump_restore(work):
    d = os.path.join(work, "dr")
    os.mkdir(d)
    dfd = os.open(d, os.O_DIRECTORY)
    t = start_task()
    pid = t.pid
    seen = []
    resp, _ = one_request(dump_req(dfd, pid, notify_scripts=True),
                          lambda s: seen.append(s) or True)
    t.wait()
    report(resp and resp.success and seen == ["pre-dump", "post-dump"],
           "DUMP with notifications pre-dump, post-dump", "%s %s" % (resp, seen))
    req = rpc.criu_req(type=rpc.RESTORE)
    req.opts.images_dir_fd = dfd
    req.opts.log_file = "restore.log"
    req.opts.rst_sibling = True
    resp, _ = one_request(req)
    ok = resp and resp.success and resp.restore.pid == pid
    report(ok and ppid(pid) == os.getpid() and running(pid),
           "RESTORE with rst_sibling: the task is back with its pid, as our child",
           str(resp))
    if ok:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    os.close(dfd)


def test_pre_dump(work):
    """PRE_DUMP, then SINGLE_PRE_DUMP with parent_img, then DUMP with parent_img: the dump
    links to the pre-dumps and restores."""
    dirs = {}
    for name in ("pre", "pre2", "final"):
        os.mkdir(os.path.join(work, name))
        dirs[name] = os.open(os.path.join(work, name), os.O_DIRECTORY)
    t = start_task()
    req = dump_req(dirs["pre"], t.pid, log_file="pre.log")
    req.type = rpc.PRE_DUMP
    resp, _ = one_request(req)
    report(resp and resp.type == rpc.PRE_DUMP and resp.success and running(t.pid) and
           os.path.exists(os.path.join(work, "pre", "memtrack.img")),
           "PRE_DUMP: a pre-dump, the task runs on", str(resp))
    req = dump_req(dirs["pre2"], t.pid, log_file="pre.log", parent_img="../pre")
    req.type = rpc.SINGLE_PRE_DUMP
    resp, _ = one_request(req)
    report(resp and resp.type == rpc.SINGLE_PRE_DUMP and resp.success and running(t.pid) and
           os.readlink(os.path.join(work, "pre2", "parent")) == "../pre",
           "SINGLE_PRE_DUMP with parent_img: a pre-dump on the first, the task runs on",
           str(resp))
    resp, _ = one_request(dump_req(dirs["final"], t.pid, parent_img="../pre2"))
    t.wait()
    report(resp and resp.success and
           os.readlink(os.path.join(work, "final", "parent")) == "../pre2",
           "DUMP with parent_img links to the pre-dumps", str(resp))
    req = rpc.criu_req(type=rpc.RESTORE)
    req.opts.images_dir_fd = dirs["final"]
    req.opts.log_file = "restore.log"
    req.opts.rst_sibling = True
    resp, _ = one_request(req)
    ok = resp and resp.success and resp.restore.pid == t.pid
    report(ok and running(t.pid), "the chain restores over RPC", str(resp))
    if ok:
        os.kill(t.pid, signal.SIGKILL)
        os.waitpid(t.pid, 0)
    for fd in dirs.values():
        os.close(fd)


def page_server_req(dfd, kind):
    req = rpc.criu_req(type=kind, keep_open=True)
    req.opts.images_dir_fd = dfd
    req.opts.log_file = "page-server.log"
    req.opts.log_level = 4
    req.opts.ps.address = "127.0.0.1"
    req.opts.ps.port = 0            # the kernel picks; the answer says which
    return req


def test_page_server(work):
    """PAGE_SERVER_CHLD: a page server child of criu swrk, its pid and port in the answer; a
    DUMP with criu_opts.ps sends the pages there; WAIT_PID on the server then gives 0, and
    the task restores from both directories together. PAGE_SERVER: the same as a daemon."""
    for kind, name in ((rpc.PAGE_SERVER_CHLD, "PAGE_SERVER_CHLD"),
                       (rpc.PAGE_SERVER, "PAGE_SERVER")):
        d, s = os.path.join(work, "ps-" + name), os.path.join(work, "ps-srv-" + name)
        os.mkdir(d)
        os.mkdir(s)
        dfd, sfd = os.open(d, os.O_DIRECTORY), os.open(s, os.O_DIRECTORY)
        sk, p = swrk()
        resp = call(sk, page_server_req(sfd, kind))
        why = ""
        if not (resp and resp.success and resp.ps.pid > 0 and resp.ps.port > 0):
            why = "no page server: %s" % resp
        t = start_task()
        if not why:
            req = dump_req(dfd, t.pid)
            req.opts.ps.address = "127.0.0.1"
            req.opts.ps.port = resp.ps.port
            r, _ = one_request(req)
            t.wait()
            if not (r and r.success):
                why = "DUMP through it failed: %s" % r
        if not why and kind == rpc.PAGE_SERVER_CHLD:
            w = call(sk, rpc.criu_req(type=rpc.WAIT_PID, pid=resp.ps.pid))
            if not (w and w.success and w.status == 0):
                why = "WAIT_PID on the page server: %s" % w
        sk.close()
        p.wait(timeout=60)
        if not why:
            if [n for n in os.listdir(d) if n.startswith("pages-")] or \
                    not [n for n in os.listdir(s) if n.startswith("pages-")]:
                why = "the pages are not where the page server writes them"
            for n in os.listdir(d):
                if n.endswith(".img"):
                    shutil.copy(os.path.join(d, n), s)
            req = rpc.criu_req(type=rpc.RESTORE)
            req.opts.images_dir_fd = sfd
            req.opts.log_file = "restore.log"
            r, _ = one_request(req)
            if not why and not (r and r.success and r.restore.pid == t.pid and
                                running(t.pid)):
                why = "RESTORE from what arrived: %s" % r
        report(not why, "%s, then DUMP with criu_opts.ps through it, then RESTORE" % name,
               why)
        if t.poll() is None:
            t.kill()
        if running(t.pid):
            os.kill(t.pid, signal.SIGKILL)
        os.close(dfd)
        os.close(sfd)


def test_ps_fd(work):
    """criu_opts.ps.fd (--ps-socket): a DUMP over a connection the swrk client made to a
    page server and handed down to criu swrk; the task restores from what arrived."""
    d, s = os.path.join(work, "psfd"), os.path.join(work, "psfd-srv")
    os.mkdir(d)
    os.mkdir(s)
    dfd = os.open(d, os.O_DIRECTORY)
    srv_sk, cli_sk = socket.socketpair()
    ps = subprocess.Popen([CRIU, "page-server", "-D", s, "-o", "ps.log", "--ps-socket",
                           str(srv_sk.fileno())], pass_fds=[srv_sk.fileno()],
                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
    srv_sk.close()
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    p = subprocess.Popen([CRIU, "swrk", str(b.fileno())], pass_fds=[b.fileno(), cli_sk.fileno()],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    b.close()
    t = start_task()
    req = dump_req(dfd, t.pid)
    req.opts.ps.fd = cli_sk.fileno()
    resp = call(a, req)
    a.close()
    cli_sk.close()
    p.wait(timeout=60)
    t.wait()
    why = "" if resp and resp.success else "DUMP with ps.fd failed: %s" % resp
    if ps.wait(timeout=60) != 0:
        why = why or "the page server exited %d" % ps.returncode
    if not why:
        for n in os.listdir(d):
            if n.endswith(".img"):
                shutil.copy(os.path.join(d, n), s)
        req = rpc.criu_req(type=rpc.RESTORE)
        req.opts.images_dir_fd = os.open(s, os.O_DIRECTORY)
        req.opts.log_file = "restore.log"
        r, _ = one_request(req)
        os.close(req.opts.images_dir_fd)
        if not (r and r.success and r.restore.pid == t.pid and running(t.pid)):
            why = "RESTORE from what arrived: %s" % r
    report(not why, "DUMP with criu_opts.ps.fd, a connection made by the client", why)
    if running(t.pid):
        os.kill(t.pid, signal.SIGKILL)
    os.close(dfd)


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def connect(path):
    sk = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    sk.connect(path)
    return sk


def bad_client(path, i):
    sk = connect(path)
    kind = i % 5
    if kind == 4:
        sk.close()      # connects and leaves
        return True
    data = [b"\x0a\x01\x00", b"\x08\x63", b"\x08\x0a" + b"\x00" * 149998,
            dump_req(3, 1).SerializeToString()[:7]][kind]
    sk.send(data)
    resp = recv_resp(sk)
    sk.close()
    return resp is not None and not resp.success


def start_service(work):
    sock = os.path.join(work, "svc.sock")
    pidfile = os.path.join(work, "svc.pid")
    subprocess.run([CRIU, "service", "--address", sock, "--pidfile", pidfile, "--daemon",
                    "-o", os.path.join(work, "svc.log")], check=True, timeout=30,
                   stdin=subprocess.DEVNULL)
    for _ in range(100):
        if os.path.exists(pidfile) and os.path.getsize(pidfile):
            break
        time.sleep(0.05)
    with open(pidfile) as f:
        return sock, int(f.read())


def test_service(work):
    sock, spid = start_service(work)
    try:
        sk = connect(sock)
        r = call(sk, rpc.criu_req(type=rpc.VERSION))
        sk.close()
        report(r and r.success and r.version.major_number == 4,
               "service: VERSION over --address, --daemon, --pidfile", str(r))
        ok = all(bad_client(sock, i) for i in range(20))
        time.sleep(0.2)     # the service closes its end of the last client after the fork
        fds0, rss0 = fd_count(spid), rss_kib(spid)
        start = time.time()
        ok = all(bad_client(sock, i) for i in range(1000)) and ok
        spent = time.time() - start
        time.sleep(0.2)
        fds1, rss1 = fd_count(spid), rss_kib(spid)
        report(ok and state(spid) in ("S", "R"),
               "service: 1,000 bad clients in a row each answered (%.1f s)" % spent)
        report(fds1 == fds0 and rss1 - rss0 <= 64,
               "service: no fd or memory growth (fds %d -> %d, RSS %d -> %d KiB)" %
               (fds0, fds1, rss0, rss1))
        # a client of another user: refused, since criu can't yet limit it to its own tasks
        os.chmod(work, 0o755)
        os.chmod(sock, 0o777)
        code = ("import socket, sys\n"
                "s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)\n"
                "s.connect(sys.argv[1]); s.send(bytes.fromhex('080a'))\n"
                "sys.stdout.buffer.write(s.recv(4096))\n")
        out = subprocess.run(["/usr/bin/python3", "-c", code, sock], user=65534,
                             capture_output=True, timeout=60).stdout
        r = rpc.criu_resp()
        r.ParseFromString(out)
        report(not r.success and r.cr_errno == 1 and "uid 65534" in r.cr_errmsg,
               "service: a client of another user is refused (EPERM)", str(r))
        d = os.path.join(work, "svc-dump")
        os.mkdir(d)
        dfd = os.open(d, os.O_DIRECTORY)
        t = start_task()
        sk = connect(sock)
        r1 = call(sk, rpc.criu_req(type=rpc.VERSION, keep_open=True))
        req = dump_req(dfd, t.pid, leave_running=True)
        r2 = call(sk, req)
        sk.close()
        report(r1 and r1.success and r2 and r2.success and running(t.pid) and
               os.path.exists(os.path.join(d, "inventory.img")),
               "service: keep_open VERSION then DUMP --leave-running", "%s %s" % (r1, r2))
        req = rpc.criu_req(type=rpc.RESTORE)
        req.opts.images_dir_fd = dfd
        req.opts.rst_sibling = True
        sk = connect(sock)
        r = call(sk, req)
        sk.close()
        report(r and not r.success and "rst_sibling" in r.cr_errmsg and running(t.pid),
               "service: rst_sibling refused (swrk only)", str(r))
        os.close(dfd)
        t.kill()
        t.wait()
    finally:
        os.kill(spid, signal.SIGTERM)


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    work = tempfile.mkdtemp(prefix="criu-rpc.")
    try:
        test_proto_numbers()
        test_version()
        test_refused_types()
        test_cpuinfo(work)
        test_wait_pid()
        test_bad_input()
        test_refused_option(work)
        test_newer_fields(work)
        test_config_file(work)
        test_client_leaves(work)
        test_client_leaves_silently(work)
        test_dump_restore(work)
        test_pre_dump(work)
        test_page_server(work)
        test_ps_fd(work)
        test_service(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
