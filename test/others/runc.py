#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""runc (Debian's runc) drives criu as container runtimes do: `runc checkpoint` and `runc
restore` with `--criu` naming our binary, on a busybox-static container whose shell loop
counts in a file of a tmpfs. After each restore the count must go on from where it was (no
restart from 1), and runc must be able to exec in it, kill and delete it. Cases: a plain
checkpoint/restore, then `--leave-running` (the container counts on meanwhile) and a restore
of that. The container has its own pid, mount, network, ipc and uts namespaces, runc's
masked paths (read-only tmpfs binds), a tmpfs of its own and a cgroup."""
import ctypes
import json
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
BUSYBOX = "/bin/busybox"
report = tally.Tally(show_ok=True)
LOOP = "i=0; while true; do i=$((i+1)); echo $i > /run/count; sleep 0.05; done"


def runc(*args, timeout=60):
    return subprocess.run(["runc", "--criu", CRIU] + list(args), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)


def make_bundle(work):
    root = os.path.join(work, "rootfs")
    for d in ("bin", "proc", "sys", "dev", "tmp", "run", "etc"):
        os.makedirs(os.path.join(root, d))
    shutil.copy(BUSYBOX, os.path.join(root, "bin", "busybox"))
    for c in ("sh", "sleep", "cat", "echo"):
        os.symlink("busybox", os.path.join(root, "bin", c))
    r = subprocess.run(["runc", "spec"], cwd=work, capture_output=True, text=True)
    if r.returncode:
        return r.stderr
    path = os.path.join(work, "config.json")
    with open(path) as f:
        cfg = json.load(f)
    cfg["process"]["terminal"] = False
    cfg["process"]["args"] = ["sh", "-c", LOOP]
    cfg["mounts"].append({"destination": "/run", "type": "tmpfs", "source": "tmpfs",
                          "options": ["nosuid", "nodev", "mode=755", "size=1m"]})
    with open(path, "w") as f:
        json.dump(cfg, f)
    return ""


def reap_orphans():
    """The container's dead init is our child now (we are a subreaper): reap it, as init
    would, so that its pid is free for the restore."""
    end = time.monotonic() + 10
    while time.monotonic() < end:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.01)


def log_errors(img):
    try:
        with open(os.path.join(img, "restore.log")) as f:
            return "".join(ln for ln in f if "Error" in ln)[-1500:]
    except OSError as e:
        return str(e)


def count(name):
    r = runc("exec", name, "cat", "/run/count")
    try:
        return int(r.stdout.strip())
    except ValueError:
        return -1


def counts_on(name):
    a = count(name)
    time.sleep(0.3)
    b = count(name)
    return a > 0 and b > a, (a, b)


def cycle(work, name, leave_running):
    img = os.path.join(work, "img-" + name)
    before = count(name)
    args = ["checkpoint", "--image-path", img, "--work-path", img]
    if leave_running:
        args.append("--leave-running")
    t0 = time.monotonic()
    r = runc(*args + [name])
    took = time.monotonic() - t0
    what = "runc checkpoint%s" % (" --leave-running" if leave_running else "")
    report(r.returncode == 0, "%s (%.0f ms)" % (what, took * 1000), r.stderr[-1500:])
    if r.returncode:
        return False
    if leave_running:
        ok, seen = counts_on(name)
        report(ok, "%s: the container counts on" % what, str(seen))
        runc("kill", name, "KILL")
        time.sleep(0.2)
        runc("delete", "-f", name)
    reap_orphans()
    t0 = time.monotonic()
    # runc gives the restored container its own stdio when they were pipes: /dev/null here
    r = subprocess.run(["runc", "--criu", CRIU, "restore", "-d", "--image-path", img,
                        "--work-path", img, "--bundle", work, name], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    took = time.monotonic() - t0
    report(r.returncode == 0, "runc restore (%.0f ms)" % (took * 1000), log_errors(img))
    if r.returncode:
        return False
    after = count(name)
    ok, seen = counts_on(name)
    report(after >= before > 0 and ok, "the restored container counts on from %d" % before,
           "before %d, after %d, then %s" % (before, after, seen))
    return True


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(zdtm.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    if not shutil.which("runc") or not os.path.exists(BUSYBOX):
        print("# SKIP: runc or busybox-static is not installed (scripts/install-deps.sh)")
        return 0
    work = tempfile.mkdtemp(prefix="criu-runc-")
    name = "criu-test-%d" % os.getpid()
    try:
        err = make_bundle(work)
        report(not err, "runc spec: a busybox bundle", err)
        # the container's stdio are runc's: /dev/null, which its own /dev has too (a file
        # or pipe of ours would hold runc's stderr open, or be a file outside its root)
        r = subprocess.run(["runc", "run", "-d", "--bundle", work, name],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=30)
        report(r.returncode == 0, "runc run -d", "exit %d" % r.returncode)
        time.sleep(0.3)
        ok, seen = counts_on(name)
        report(ok, "the container counts", str(seen))
        if ok and cycle(work, name, False):
            cycle(work, name, True)
    finally:
        runc("kill", name, "KILL")
        time.sleep(0.2)
        runc("delete", "-f", name)
        shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
