#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The plugins' say on what criu can't save of a tree's namespaces (issue #17), with
test/plugins/example-plugin.c, as CRIU asks them:
- a ramfs mounted in the tree's mount namespace (a kind criu doesn't save) refuses the dump,
  naming it, without a plugin; with one, DUMP_EXT_MOUNT takes it (with_plugin in the
  image) and at restore RESTORE_EXT_MOUNT binds the plugin's directory there: the restored
  task sees the plugin's file at the mount point, the other mounts as they were;
- an ifb link in the tree's network namespace (a kind criu doesn't know) refuses the dump
  without a plugin; with one, DUMP_EXT_LINK takes it (EXTLINK: its parameters only); the
  restore without the link made beforehand fails naming it, and with a setup-namespaces
  action script that makes it (CRTOOLS_INIT_PID) the link gets its MTU and state back."""
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
PLUGIN_DIR = os.path.join(zdtm.ROOT, "build", "test", "plugins", "example")
report = tally.Tally(show_ok=True)


def criu(env, *args):
    return subprocess.run([CRIU] + list(args), stdin=subprocess.DEVNULL, env=env,
                          capture_output=True, text=True, timeout=120)


def start(cmd, ready):
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    end = time.time() + 20
    while not os.path.exists(ready) and time.time() < end and p.poll() is None:
        time.sleep(0.05)
    time.sleep(0.1)  # exec sleep
    return p


def mounts(pid):
    """Each mount without its ids and device, sorted."""
    with open("/proc/%d/mountinfo" % pid) as f:
        return sorted(" ".join(ln.split()[3:]) for ln in f)


def calls(log):
    try:
        with open(log) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        lines = []
    open(log, "w").close()
    return lines


def test_mount(work, env, log):
    base = os.path.join(work, "m")
    src = os.path.join(work, "plugin-src")
    os.makedirs(os.path.join(base, "rm"))
    os.makedirs(src)
    with open(os.path.join(src, "f"), "w") as f:
        f.write("the plugin's\n")
    ready = os.path.join(work, "m-ready")
    script = ("mount -t ramfs ramfs %s/rm && echo dumped > %s/rm/f && touch %s && "
              "exec sleep 1000" % (base, base, ready))
    p = start(["unshare", "-m", "--propagation", "private", "sh", "-c", script], ready)
    before = [m for m in mounts(p.pid) if " %s/rm " % base not in " " + m]
    img = os.path.join(work, "m-img")
    os.mkdir(img)
    dump = ["dump", "-t", str(p.pid), "-D", img, "-o", "dump.log", "--ext-mount-map", "auto"]
    r = criu(env, *dump)
    report(r.returncode != 0 and "%s/rm" % base in r.stderr and "ramfs" in r.stderr,
           "without a plugin a ramfs mount refuses the dump, naming it", r.stderr[-500:])
    menv = dict(env, CRIU_EXAMPLE_PLUGIN_MOUNT="rm", CRIU_EXAMPLE_PLUGIN_MOUNT_SRC=src)
    calls(log)
    r = criu(menv, *(dump + ["-L", PLUGIN_DIR]))
    taken = [c for c in calls(log) if c.startswith("DUMP_EXT_MOUNT") and "refused" not in c]
    report(r.returncode == 0 and len(taken) == 1 and taken[0].split()[1] == base + "/rm",
           "with the plugin DUMP_EXT_MOUNT takes it, given its mount point", r.stderr[-500:])
    p.wait(10)
    restore = ["restore", "-D", img, "-d", "--root", "/", "--ext-mount-map", "auto",
               "-o", "restore.log"]
    r = criu(menv, *restore)
    report(r.returncode != 0 and "--libdir" in r.stderr and zdtm.proc_state(p.pid) is None,
           "the restore without the plugin refuses, saying to give --libdir", r.stderr[-500:])
    r = criu(menv, *(restore + ["-L", PLUGIN_DIR]))
    ok = r.returncode == 0 and zdtm.proc_state(p.pid) is not None
    report(ok and any(c.startswith("RESTORE_EXT_MOUNT") and "refused" not in c
                      for c in calls(log)),
           "the restore with the plugin calls RESTORE_EXT_MOUNT", r.stderr[-500:])
    if not ok:
        return
    try:
        with open("/proc/%d/root%s/rm/f" % (p.pid, base)) as f:
            got = f.read()
    except OSError as e:
        got = str(e)
    after = [m for m in mounts(p.pid) if " %s/rm " % base not in " " + m]
    at = [m for m in mounts(p.pid) if m.split()[1] == base + "/rm"]
    report(got == "the plugin's\n" and len(at) == 1,
           "the restored task sees the plugin's mount at %s/rm" % base, got + str(at))
    report(after == before, "and its other mounts as they were",
           str(sorted(set(before) ^ set(after))[:4]))
    zdtm.kill_and_reap(p.pid)


def link_state(pid):
    out = subprocess.run(["nsenter", "-t", str(pid), "-n", "ip", "-o", "link", "show", "zdifb0"],
                         capture_output=True, text=True).stdout
    words = out.split()
    mtu = words[words.index("mtu") + 1] if "mtu" in words else None
    return mtu, "UP" in out.split("<")[1].split(">")[0].split(",") if "<" in out else None


def test_link(work, env, log):
    ready = os.path.join(work, "l-ready")
    setup = ("ip link set lo up && ip link add zdifb0 type ifb && "
             "ip link set zdifb0 mtu 1400 up && touch %s && exec sleep 1000" % ready)
    p = start(["unshare", "--net", "sh", "-c", setup], ready)
    before = link_state(p.pid)
    report(before == ("1400", True), "a task in a network namespace with an ifb link",
           str(before))
    img = os.path.join(work, "l-img")
    os.mkdir(img)
    dump = ["dump", "-t", str(p.pid), "-D", img, "-o", "dump.log"]
    r = criu(env, *dump)
    report(r.returncode != 0 and "zdifb0" in r.stderr and "ifb" in r.stderr,
           "without a plugin the ifb link refuses the dump, naming it", r.stderr[-500:])
    calls(log)
    r = criu(env, *(dump + ["-L", PLUGIN_DIR]))
    taken = [c for c in calls(log) if c.startswith("DUMP_EXT_LINK") and "refused" not in c]
    report(r.returncode == 0 and len(taken) == 1 and taken[0].endswith(" ifb"),
           "with the plugin DUMP_EXT_LINK takes it (index, type, kind)", r.stderr[-500:])
    p.wait(10)
    restore = ["restore", "-D", img, "-d", "-o", "restore.log", "-L", PLUGIN_DIR]
    r = criu(env, *restore)
    report(r.returncode != 0 and "zdifb0" in r.stderr and "setup-namespaces" in r.stderr and
           zdtm.proc_state(p.pid) is None,
           "the restore without the link made beforehand fails, naming it", r.stderr[-500:])
    script = os.path.join(work, "setup-ns.sh")
    with open(script, "w") as f:
        f.write('#!/bin/sh\n[ "$CRTOOLS_SCRIPT_ACTION" = setup-namespaces ] || exit 0\n'
                'exec nsenter -t "$CRTOOLS_INIT_PID" -n ip link add zdifb0 type ifb\n')
    os.chmod(script, 0o700)
    r = criu(env, *(restore + ["--action-script", script]))
    ok = r.returncode == 0 and zdtm.proc_state(p.pid) is not None
    report(ok, "the restore with a setup-namespaces action script making it", r.stderr[-500:])
    if ok:
        after = link_state(p.pid)
        report(after == before, "the link has its MTU and state (up) back", str(after))
        zdtm.kill_and_reap(p.pid)


def main():
    zdtm.become_subreaper()
    work = tempfile.mkdtemp(prefix="criu-plugin-ns-")
    log = os.path.join(work, "calls.log")
    env = dict(os.environ, CRIU_EXAMPLE_PLUGIN_LOG=log)
    try:
        test_mount(work, env, log)
        test_link(work, env, log)
    finally:
        zdtm.cleanup_children()
        shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
