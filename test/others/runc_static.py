# SPDX-License-Identifier: GPL-2.0
"""A runc bundle whose init is a small static C program of test/others (runc-tcp.py,
runc-locks.py): runc.py's busybox bundle (busybox stays, for `runc exec cat`), the program
built with gcc -static into /bin of the rootfs. Checkpoint and restore as runc.py does,
with extra options."""
import json
import os
import subprocess
import time

import runc as R

HERE = os.path.dirname(os.path.abspath(__file__))


def make_bundle(work, program, writable_root=False):
    """runc.py's bundle whose process is /bin/PROGRAM, built from test/others/PROGRAM.c."""
    err = R.make_bundle(work)
    if err:
        return err
    dst = os.path.join(work, "rootfs", "bin", program)
    r = subprocess.run(["cc", "-static", "-O2", "-Wall", "-Werror", "-o", dst,
                        os.path.join(HERE, program + ".c")], capture_output=True, text=True)
    if r.returncode:
        return "cc -static %s.c: %s" % (program, r.stderr)
    path = os.path.join(work, "config.json")
    with open(path) as f:
        cfg = json.load(f)
    cfg["process"]["args"] = ["/bin/" + program]
    if writable_root:
        cfg["root"]["readonly"] = False
    with open(path, "w") as f:
        json.dump(cfg, f)
    return ""


def run(work, name):
    r = subprocess.run(["runc", "run", "-d", "--bundle", work, name], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
    return r.returncode


def read(name, path):
    return R.runc("exec", name, "cat", path).stdout.strip()


def init_pid(name):
    """The container's init, as the host sees it (runc state)."""
    r = R.runc("state", name)
    try:
        return json.loads(r.stdout)["pid"]
    except (ValueError, KeyError):
        return -1


def checkpoint(img, name, *opts):
    args = ["checkpoint", "--image-path", img, "--work-path", img] + list(opts) + [name]
    t0 = time.monotonic()
    r = R.runc(*args)
    return r, (time.monotonic() - t0) * 1000


def dump_log(img):
    try:
        with open(os.path.join(img, "dump.log")) as f:
            return f.read()
    except OSError as e:
        return str(e)


def restore(work, img, name, *opts):
    R.reap_orphans()
    t0 = time.monotonic()
    r = subprocess.run(["runc", "--criu", R.CRIU, "restore", "-d", "--image-path", img,
                        "--work-path", img, "--bundle", work] + list(opts) + [name],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=60)
    return r.returncode, (time.monotonic() - t0) * 1000


def remove(name):
    R.runc("kill", name, "KILL")
    time.sleep(0.2)
    R.runc("delete", "-f", name)
