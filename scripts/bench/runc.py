# SPDX-License-Identifier: GPL-2.0
"""make bench's runc rows: `runc checkpoint` and `runc restore -d` of a busybox-static
container whose shell counts in a file of a tmpfs (the container of test/others/runc.py),
images on /dev/shm, wall time of runc's command (median of 5 rounds, each round restoring
what the last checkpointed). Once with our criu, once with the system's CRIU (Debian's, if
installed) through the same runc, for comparison. Imported by scripts/bench.py;
BENCH_ONLY=runc runs it alone."""
import json
import os
import shutil
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CRIU = os.path.join(ROOT, "criu", "criu")
SYSTEM_CRIU = "/usr/sbin/criu"
BUSYBOX = "/bin/busybox"
LOOP = "i=0; while true; do i=$((i+1)); echo $i > /run/count; sleep 0.05; done"
ROUNDS = 5


def make_bundle(work):
    root = os.path.join(work, "rootfs")
    for d in ("bin", "proc", "sys", "dev", "tmp", "run", "etc"):
        os.makedirs(os.path.join(root, d))
    shutil.copy(BUSYBOX, os.path.join(root, "bin", "busybox"))
    for c in ("sh", "sleep", "cat"):
        os.symlink("busybox", os.path.join(root, "bin", c))
    subprocess.run(["runc", "spec"], cwd=work, check=True)
    path = os.path.join(work, "config.json")
    with open(path) as f:
        cfg = json.load(f)
    cfg["process"]["terminal"] = False
    cfg["process"]["args"] = ["sh", "-c", LOOP]
    cfg["mounts"].append({"destination": "/run", "type": "tmpfs", "source": "tmpfs",
                          "options": ["nosuid", "nodev", "mode=755", "size=1m"]})
    with open(path, "w") as f:
        json.dump(cfg, f)


def runc(criu, *args):
    return subprocess.run(["runc", "--criu", criu] + list(args), stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          timeout=120)


def init_pid(name):
    r = subprocess.run(["runc", "state", name], capture_output=True, text=True)
    try:
        return json.loads(r.stdout)["pid"]
    except (ValueError, KeyError):
        return 0


def reap(pid):
    """The checkpointed init is our child (bench.py is a subreaper): free its pid."""
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def first_error(img, action):
    try:
        with open(os.path.join(img, action + ".log")) as f:
            return next((ln.strip() for ln in f if "Error" in ln), "no error line")
    except OSError as e:
        return str(e)


def timed(criu, img, *args):
    start = time.perf_counter()
    r = runc(criu, *args)
    took = time.perf_counter() - start
    if r.returncode:
        action = "dump" if args[0] == "checkpoint" else "restore"
        raise RuntimeError("runc %s: %s" % (args[0], first_error(img, action)))
    return took


def rounds(criu, work, name):
    """(checkpoint times, restore times) of ROUNDS rounds on a fresh container."""
    ckpt, rst = [], []
    subprocess.run(["runc", "run", "-d", "--bundle", work, name], stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    try:
        time.sleep(0.3)
        for i in range(ROUNDS):
            img = tempfile.mkdtemp(prefix="criu-bench-runc.", dir="/dev/shm")
            try:
                pid = init_pid(name)
                ckpt.append(timed(criu, img, "checkpoint", "--image-path", img,
                                  "--work-path", img, name))
                reap(pid)
                rst.append(timed(criu, img, "restore", "-d", "--image-path", img,
                                 "--work-path", img, "--bundle", work, name))
                time.sleep(0.1)
            finally:
                shutil.rmtree(img, ignore_errors=True)
    finally:
        pid = init_pid(name)
        runc(criu, "kill", name, "KILL")
        time.sleep(0.2)
        runc(criu, "delete", "-f", name)
        if pid:
            reap(pid)
    return ckpt, rst


def runc_row(median):
    if not shutil.which("runc") or not os.path.exists(BUSYBOX):
        print("runc busybox: skipped (runc or busybox-static missing)")
        return
    work = tempfile.mkdtemp(prefix="criu-bench-runc.")
    try:
        make_bundle(work)
        criu_list = [("criu", CRIU)]
        if os.path.exists(SYSTEM_CRIU):
            ver = subprocess.run([SYSTEM_CRIU, "--version"], capture_output=True, text=True)
            words = ver.stdout.split()
            criu_list.append(("CRIU %s" % (words[1] if len(words) > 1 else "?"), SYSTEM_CRIU))
        for label, criu in criu_list:
            try:
                c, r = rounds(criu, work, "criu-bench-%d" % os.getpid())
            except (RuntimeError, subprocess.SubprocessError) as e:
                print("runc busybox, %s: failed: %s" % (label, e))
                continue
            print("runc busybox, %-12s checkpoint %6.1f ms   restore %6.1f ms" %
                  (label, median(c) * 1000, median(r) * 1000))
    finally:
        shutil.rmtree(work, ignore_errors=True)
