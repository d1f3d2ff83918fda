#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""1 GiB of random anonymous memory survives dump and restore byte for byte: memhog takes a
checksum of every byte before the dump and checks it again when told to (SIGTERM) after the
restore. This script is a child subreaper, so the restored memhog (criu restore -d) is its
child and its exit status is memhog's verdict."""
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CRIU = os.path.join(ROOT, "criu", "criu")
MIB = int(os.environ.get("BIGMEM_MIB", "1024"))


def wait_for(cond, timeout):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.02)
    return False


def waitpid_timeout(pid, timeout):
    """The exit status of our (adopted) child pid, or None if it did not end in time."""
    end = time.time() + timeout
    while time.time() < end:
        got, status = os.waitpid(pid, os.WNOHANG)
        if got == pid:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.02)
    return None


def main():
    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: memhog comes home
    shm = "/dev/shm" if os.path.isdir("/dev/shm") else None
    work = tempfile.mkdtemp(prefix="criu-bigmem.", dir=shm)
    memhog = os.path.join(work, "memhog")
    fails = []
    try:
        subprocess.run(["gcc", "-O2", "-o", memhog,
                        os.path.join(ROOT, "scripts/bench/memhog.c")], check=True)
        pidfile = os.path.join(work, "pid")
        p = subprocess.Popen([memhog, str(MIB), pidfile], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
        if not wait_for(lambda: os.path.exists(pidfile) and open(pidfile).read(), 120):
            raise RuntimeError("memhog did not start")
        img = os.path.join(work, "img")
        t0 = time.time()
        r = subprocess.run([CRIU, "dump", "-t", str(p.pid), "-D", img, "-o", "dump.log"],
                           capture_output=True, text=True)
        t_dump = time.time() - t0
        if r.returncode:
            raise RuntimeError("dump failed: " + r.stderr[-500:])
        p.wait()
        t0 = time.time()
        r = subprocess.run([CRIU, "restore", "-D", img, "-o", "restore.log", "-d"],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True)
        t_rst = time.time() - t0
        if r.returncode:
            raise RuntimeError("restore failed: " + r.stderr[-500:])
        os.kill(p.pid, signal.SIGTERM)
        code = waitpid_timeout(p.pid, 120)
        if code != 0:
            fails.append("restored memhog exited %s: its memory changed" % code)
        print("# %d MiB: dump %.2f s, restore %.2f s" % (MIB, t_dump, t_rst))
    except Exception as e:  # noqa: BLE001 - one verdict line for any failure
        fails.append(str(e))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(("not ok - %d MiB of random memory: %s" % (MIB, "; ".join(fails))) if fails else
          "ok - %d MiB of random memory restored intact" % MIB)
    print("%d passed, %d failed" % (0 if fails else 1, 1 if fails else 0))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
