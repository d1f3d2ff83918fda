#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The plugin API (issue #17), through test/plugins/example-plugin.c, which has every hook
and logs each call: a process holding a detached tun file (a kind criu has no handler for)
and a private mapping of /dev/zero (a device mapping, which only a plugin takes) is dumped
and restored only with the plugin (-L), the hooks are called in CRIU's order, and the
restored process finds its fd and mapping as they were. The holder's unix stream socket,
connected to a listener of this script (outside the tree), is taken by the plugin
(DUMP_UNIX_SK) and connected again by it (RESTORE_UNIX_SK); without a plugin such a socket
refuses the dump. Restored once more, the plugin keeps the tun file in criu's fd store
from RESTORE_INIT and asks for a retry (RESTORE_EXT_FILE's *retry_needed): criu calls it
again after the task's other fds, and the file from the store is the task's fd 10. A
plugin's failure fails the dump
(the process runs on) or the restore (nothing is left), naming the plugin. Last, criu with
-L plugins/amdgpu still dumps and restores a plain process. This script is a child
subreaper so that restored tasks are its children to reap."""
import ctypes
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zdtm  # noqa: E402
import tally  # noqa: E402

CRIU = os.path.join(zdtm.ROOT, "criu", "criu")
PLUGIN_DIR = os.path.join(zdtm.ROOT, "build", "test", "plugins", "example")
AMDGPU_DIR = os.path.join(zdtm.ROOT, "plugins", "amdgpu")
HOLDER = os.path.join(zdtm.ROOT, "build", "test", "plugins", "tun-holder")
report = tally.Tally(show_ok=True)


def criu(env, *args):
    return subprocess.run([CRIU] + list(args), stdin=subprocess.DEVNULL, env=env,
                          capture_output=True, text=True, timeout=120)


def calls(log):
    try:
        with open(log) as f:
            lines = [ln.split()[0] for ln in f.read().splitlines()]
    except FileNotFoundError:
        lines = []
    open(log, "w").close()
    return lines


def start_holder(result, listener=None):
    """The holder, and (with listener) our end of its unix socket (fd 11)."""
    args = [HOLDER, result] + ([listener.getsockname()] if listener else [])
    p = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         close_fds=True, start_new_session=True)
    ready = p.stdout.readline().strip() == b"ready"
    p.stdout.close()
    return p, ready, accept(listener)


def accept(listener):
    if not listener:
        return None
    try:
        return listener.accept()[0]
    except OSError:
        return None


def finish_holder(pid, result, conn=None):
    """SIGTERM: the holder checks its fds and writes what it found; over its unix socket
    it reads our "pong" and sends "ping"."""
    if conn:
        conn.sendall(b"pong")
    os.kill(pid, signal.SIGTERM)
    zdtm.reap(pid, 60)  # a loaded machine may take its time
    try:
        with open(result) as f:
            res = f.read().strip()
    except FileNotFoundError:
        res = "(no result)"
    if conn:
        got = conn.recv(4)
        conn.close()
        if res == "ok" and got != b"ping":
            res = "our end of its unix socket got %r, not ping" % got
    return res


def gone(pid):
    zdtm.reap(pid, 5)
    return zdtm.proc_state(pid) is None


DUMP_ORDER = ["INIT", "PAUSE_DEVICES", "CHECKPOINT_DEVICES", "DUMP_EXT_FILE",
              "HANDLE_DEVICE_VMA", "DUMP_UNIX_SK", "DUMP_DEVICES_LATE", "DUMP_FINISH", "EXIT"]
RESTORE_ORDER = ["INIT", "RESTORE_INIT", "RESTORE_EXT_FILE", "RESTORE_UNIX_SK", "UPDATE_VMA_MAP",
                 "POST_FORKING", "RESUME_DEVICES_LATE", "EXIT"]
RETRY_ORDER = ["INIT", "RESTORE_INIT", "RESTORE_EXT_FILE", "RESTORE_UNIX_SK", "RESTORE_EXT_FILE",
               "RESTORE_EXT_FILE", "UPDATE_VMA_MAP", "POST_FORKING", "RESUME_DEVICES_LATE", "EXIT"]


def check_cli(env, work):
    r = criu(env, "check", "-L", PLUGIN_DIR)
    report(r.returncode == 0 and "example (" in r.stdout and "Looks good." in r.stdout,
           "criu check lists the plugin loaded", r.stdout + r.stderr)
    r = criu(env, "check", "-L", os.path.join(work, "no-such-dir"))
    report(r.returncode != 0 and "no-such-dir" in r.stderr,
           "a missing --libdir is an error naming it", r.stdout + r.stderr)
    bogus = os.path.join(work, "bogus")
    os.mkdir(bogus)
    libm = [p for p in ("/lib/x86_64-linux-gnu/libm.so.6", "/usr/lib/x86_64-linux-gnu/libm.so.6")
            if os.path.exists(p)]
    if libm:
        shutil.copy(libm[0], os.path.join(bogus, "libm-copy.so"))
        r = criu(env, "check", "-L", bogus)
        report(r.returncode != 0 and "libm-copy.so" in r.stderr and "CR_PLUGIN_DESC" in r.stderr,
               "a shared object without CR_PLUGIN_DESC is refused, naming it", r.stderr)


def unix_refusal(env, work, listener, result):
    """When no plugin takes the unix socket (DUMP_UNIX_SK says -ENOTSUP), the dump refuses
    it, naming it, and the holder's connection still talks."""
    p, ready, conn = start_holder(result, listener)
    img = os.path.join(work, "unix-refused")
    os.mkdir(img)
    fenv = dict(env, CRIU_EXAMPLE_PLUGIN_NO_UNIX="1")
    r = criu(fenv, "dump", "-t", str(p.pid), "-D", img, "-o", "dump.log", "-L", PLUGIN_DIR)
    report(r.returncode != 0 and "unix socket ino" in r.stderr and
           "outside the tree" in r.stderr,
           "a unix stream socket connected outside the tree that no plugin takes is refused",
           r.stderr)
    res = finish_holder(p.pid, result, conn)
    report(res == "ok", "the holder's fds are as they were", res)


def dump_refusals(env, work, log, result, listener):
    """Without the plugin, or with one that fails, the dump fails and the holder runs on."""
    p, ready, conn = start_holder(result, listener)
    report(ready, "the holder is ready")
    img = os.path.join(work, "refused")
    os.mkdir(img)
    r = criu(env, "dump", "-t", str(p.pid), "-D", img, "-o", "dump.log")
    report(r.returncode != 0 and "fd 10 " in r.stderr and "/dev/net/tun" in r.stderr,
           "without the plugin the dump refuses fd 10, naming it", r.stderr)
    fenv = dict(env, CRIU_EXAMPLE_PLUGIN_FAIL="INIT")
    r = criu(fenv, "dump", "-t", str(p.pid), "-D", img, "-o", "dump.log", "-L", PLUGIN_DIR)
    report(r.returncode != 0 and "example" in r.stderr and "failed to start" in r.stderr,
           "a plugin whose init fails fails the dump, naming it", r.stderr)
    fenv = dict(env, CRIU_EXAMPLE_PLUGIN_FAIL="CHECKPOINT_DEVICES")
    r = criu(fenv, "dump", "-t", str(p.pid), "-D", img, "-o", "dump.log", "-L", PLUGIN_DIR)
    report(r.returncode != 0 and "example" in r.stderr and "CHECKPOINT_DEVICES" in r.stderr,
           "a plugin's failing hook fails the dump, naming the plugin and the hook", r.stderr)
    report(calls(log)[-1:] == ["EXIT"], "the failed dump still ends the plugin (exit)")
    report(not os.path.exists(os.path.join(img, "inventory.img")),
           "the failed dump leaves no inventory.img")
    report(zdtm.proc_state(p.pid) in ("S", "R"), "the holder runs on after the failed dumps")
    res = finish_holder(p.pid, result, conn)
    report(res == "ok", "its fds 10 and 11 are as they were", res)


def dump_with_plugin(env, img, log, result, listener):
    p, ready, conn = start_holder(result, listener)
    report(ready, "the holder is ready")
    os.mkdir(img)
    r = criu(env, "dump", "-t", str(p.pid), "-D", img, "-o", "dump.log", "-v4",
             "-L", PLUGIN_DIR)
    report(r.returncode == 0, "dump with -L", r.stderr)
    got = calls(log)
    report(got == DUMP_ORDER, "the dump calls the hooks in CRIU's order", " ".join(got))
    names = [n for n in os.listdir(img) if n.startswith("example-file-")]
    names += [n for n in os.listdir(img) if n.startswith("example-unix-")]
    report(len(names) == 2 and
           all(stat.S_IMODE(os.stat(os.path.join(img, n)).st_mode) == 0o600 for n in names),
           "the plugin's images are in the images directory, 0600", str(names))
    report(gone(p.pid), "the dumped holder is gone")
    if conn:
        conn.close()
    return p.pid


def restore_with_plugin(env, img, log, pid, result, listener):
    r = criu(env, "restore", "-D", img, "-o", "restore-noplug.log", "-d")
    report(r.returncode != 0 and "--libdir" in r.stderr,
           "without the plugin the restore refuses, saying to give --libdir", r.stderr)
    report(zdtm.proc_state(pid) is None, "the refused restore left no task")
    fenv = dict(env, CRIU_EXAMPLE_PLUGIN_FAIL="RESUME_DEVICES_LATE")
    r = criu(fenv, "restore", "-D", img, "-o", "restore-fail.log", "-d", "-L", PLUGIN_DIR)
    report(r.returncode != 0 and "example" in r.stderr and "RESUME_DEVICES_LATE" in r.stderr,
           "a plugin's failing hook fails the restore, naming the plugin", r.stderr)
    report(gone(pid), "the failed restore killed what it made")
    got = calls(log)
    report(got == RESTORE_ORDER, "the restore calls the hooks in CRIU's order", " ".join(got))
    # the failed restore's connection, if it got so far
    listener.settimeout(0.2)
    while accept(listener):
        pass
    listener.settimeout(10)
    # the plugin opens the tun file in criu (RESTORE_INIT), puts it in criu's fd store, asks
    # the restored task to call it again for fd 10 (twice), and gives it the stored file then
    senv = dict(env, CRIU_EXAMPLE_PLUGIN_STORE="1")
    r = criu(senv, "restore", "-D", img, "-o", "restore.log", "-d", "-L", PLUGIN_DIR)
    report(r.returncode == 0, "restore with -L, the plugin asking for a retry", r.stderr)
    with open(log) as f:
        ext = [ln for ln in f.read().splitlines() if ln.startswith("RESTORE_EXT_FILE")]
    got = calls(log)
    report(got == RETRY_ORDER and len(ext) == 3 and ext[0].endswith(" retry") and
           ext[1].endswith(" retry") and ext[2].endswith(" from the store"),
           "criu calls RESTORE_EXT_FILE again once the task's other fds are made (fd 11's "
           "RESTORE_UNIX_SK between), then again, and the file comes from criu's fd store",
           " ".join(got) + " | " + " | ".join(ext))
    conn = accept(listener)
    report(conn is not None, "the plugin connected the holder's unix socket again")
    res = finish_holder(pid, result, conn)
    report(res == "ok", "the restored holder finds its tun fd, its /dev/zero mapping and its "
           "unix socket as they were", res)


def ordinary_with_amdgpu(env, work):
    """criu -L plugins/amdgpu still dumps and restores a process without any GPU file."""
    img = os.path.join(work, "amdgpu")
    os.mkdir(img)
    p = subprocess.Popen(["sleep", "1000"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         close_fds=True, start_new_session=True)
    time.sleep(0.1)
    r = criu(env, "dump", "-t", str(p.pid), "-D", img, "-o", "dump.log", "-L", AMDGPU_DIR)
    report(r.returncode == 0, "a plain process dumps with -L plugins/amdgpu", r.stderr)
    p.wait()
    r = criu(env, "restore", "-D", img, "-o", "restore.log", "-v4", "-d", "-L", AMDGPU_DIR)
    report(r.returncode == 0 and zdtm.proc_state(p.pid) in ("S", "R"),
           "and restores with it, running", r.stderr)
    with open(os.path.join(img, "restore.log")) as f:
        report("amdgpu_plugin" in f.read(), "the restore loaded amdgpu_plugin")
    zdtm.kill_and_reap(p.pid)


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(zdtm.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    if not os.path.exists("/dev/net/tun"):
        print("skip - /dev/net/tun is missing (the holder's file)")
        return report.finish()
    work = tempfile.mkdtemp(prefix="criu-plugins-")
    log = os.path.join(work, "calls.log")
    result = os.path.join(work, "result")
    env = dict(os.environ, CRIU_EXAMPLE_PLUGIN_LOG=log)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(os.path.join(work, "ext.sock"))
    listener.listen(4)
    listener.settimeout(10)
    try:
        check_cli(env, work)
        dump_refusals(env, work, log, result, listener)
        unix_refusal(env, work, listener, result)
        calls(log)
        os.unlink(result)
        img = os.path.join(work, "img")
        pid = dump_with_plugin(env, img, log, result, listener)
        restore_with_plugin(env, img, log, pid, result, listener)
        ordinary_with_amdgpu(env, work)
    finally:
        listener.close()
        zdtm.cleanup_children()
        shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
