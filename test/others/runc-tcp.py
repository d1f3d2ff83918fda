#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""runc --tcp-established: the container's init (runc-tcp-pair.c, static) holds both ends
of an established loopback TCP connection in the container's network namespace and sends a
numbered round each way every 50 ms, writing "ROUND PORT" to /run/count ("ERR ..." and exit
on a reset, EOF or a wrong number).
- `runc checkpoint` without --tcp-established is refused, the dump log names the option,
  and the container runs on: its rounds go on over the same connection;
- `runc checkpoint --tcp-established` then `runc restore --tcp-established`: the restored
  container's rounds go on from where they were, on the same port (the stream was neither
  reset nor made anew), bytes flowing both ways."""
import os
import shutil
import sys
import tempfile
import time
import ctypes

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zdtm  # noqa: E402
import runc as R  # noqa: E402
import runc_static as S  # noqa: E402

report = R.report


def state(name):
    """(round, port) from /run/count, or (-1, text) when it is not a round."""
    text = S.read(name, "/run/count")
    try:
        rnd, port = text.split()
        return int(rnd), int(port)
    except ValueError:
        return -1, text


def goes_on(name, since):
    """Whether the rounds go on past `since` on the same port, and what was seen."""
    a = state(name)
    time.sleep(0.4)
    b = state(name)
    ok = a[0] > 0 and b[0] > a[0] and a[0] >= since[0] and a[1] == b[1] == since[1]
    return ok, "before %s, then %s, %s" % (since, a, b)


def refused(work, name):
    img = os.path.join(work, "img-refused")
    before = state(name)
    r, _ = S.checkpoint(img, name)
    log = S.dump_log(img)
    report(r.returncode != 0 and "--tcp-established" in log,
           "runc checkpoint without --tcp-established is refused, naming the option",
           "exit %d: %s" % (r.returncode, "".join(
               ln for ln in log.splitlines(True) if "Error" in ln)[-1000:]))
    ok, seen = goes_on(name, before)
    report(ok, "after the refusal the container's connection carries on", seen)


def cycle(work, name):
    img = os.path.join(work, "img")
    before = state(name)
    r, ms = S.checkpoint(img, name, "--tcp-established")
    report(r.returncode == 0, "runc checkpoint --tcp-established (%.0f ms)" % ms,
           r.stderr[-1000:] + S.dump_log(img)[-1500:])
    if r.returncode:
        return
    rc, ms = S.restore(work, img, name, "--tcp-established")
    report(rc == 0, "runc restore --tcp-established (%.0f ms)" % ms, R.log_errors(img))
    if rc:
        return
    ok, seen = goes_on(name, before)
    report(ok, "the restored connection goes on both ways, same port, no reset", seen)


def main():
    ctypes.CDLL(None).prctl(zdtm.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    if not shutil.which("runc") or not os.path.exists(R.BUSYBOX) or not shutil.which("cc"):
        print("# SKIP: runc, busybox-static or cc is not installed (scripts/install-deps.sh)")
        return 0
    work = tempfile.mkdtemp(prefix="criu-runc-tcp-")
    name = "criu-tcp-%d" % os.getpid()
    try:
        err = S.make_bundle(work, "runc-tcp-pair")
        report(not err, "a bundle whose init holds a loopback TCP connection", err)
        if err:
            return report.finish()
        report(S.run(work, name) == 0, "runc run -d")
        time.sleep(0.3)
        first = state(name)
        ok, seen = goes_on(name, first)
        report(ok, "the connection carries rounds both ways", seen)
        if ok:
            refused(work, name)
            cycle(work, name)
    finally:
        S.remove(name)
        shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
