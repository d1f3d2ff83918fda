#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A task holds an fd on a file; after the dump the file grows, then its mode changes: each
restore must fail with a message naming the file and "changed since the dump", leaving no
task behind; the mode's message names --skip-file-rwx-check, with which the same restore
works and the task has its fd on the file of the new mode. Put back as it was, the file
restores fine without the option, with the fd on it again."""
import ctypes
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
report = tally.Tally(show_ok=True)


def criu(*args):
    return subprocess.run([CRIU] + list(args), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)


def restore_refused(work, path, what, pid, hint=None):
    r = criu("restore", "-D", work, "-v4", "-o", "restore-%s.log" % what, "-d")
    log = open(os.path.join(work, "restore-%s.log" % what)).read()
    report(r.returncode != 0 and "changed since the dump" in log and path in log and
           (hint is None or hint in log),
           "a file whose %s changed is refused" % what, r.stderr + log[-400:])
    time.sleep(0.1)
    report(zdtm.proc_state(pid) is None, "nothing is left running after the refusal")


def restore_works(work, path, pid, what, *opts):
    r = criu("restore", "-D", work, "-v4", "-o", "restore-ok-%s.log" % what, "-d", *opts)
    report(r.returncode == 0, "%s restores" % what, r.stderr)
    time.sleep(0.1)
    link = os.readlink("/proc/%d/fd/3" % pid) if zdtm.proc_state(pid) else None
    report(link == path, "the restored task has fd 3 on the file (%s)" % what, str(link))


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(zdtm.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    work = tempfile.mkdtemp(prefix="criu-changed-")
    path = os.path.join(work, "data")
    with open(path, "w") as f:
        f.write("twelve bytes")
    os.chmod(path, 0o640)
    p = subprocess.Popen(["sh", "-c", "exec 3<%s; exec sleep 1000" % path],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, close_fds=True, start_new_session=True)
    pid = p.pid
    try:
        time.sleep(0.2)
        r = criu("dump", "-t", str(pid), "-D", work, "-v4", "-o", "dump.log")
        report(r.returncode == 0, "dump of a task with a file open", r.stderr)
        p.wait()
        with open(path, "a") as f:
            f.write("more")
        restore_refused(work, path, "size", pid)
        os.truncate(path, 12)
        os.chmod(path, 0o600)
        restore_refused(work, path, "mode", pid, "--skip-file-rwx-check")
        restore_works(work, path, pid, "with --skip-file-rwx-check, the file of mode 600",
                      "--skip-file-rwx-check")
        zdtm.kill_and_reap(pid)
        os.chmod(path, 0o640)
        restore_works(work, path, pid, "the unchanged file")
    finally:
        zdtm.kill_and_reap(pid)
        shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
