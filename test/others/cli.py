#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The command line speaks CRIU's language: actions, options, exit codes, log format, and the
refusals of what is not supported yet. Also checks -W/-o placement and 0600 images. The
checks against CRIU 4.2's whole command line (criu42.py) are in cli_compat.py."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tally  # noqa: E402
import cli_compat  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CRIU = os.path.join(ROOT, "criu", "criu")
check = tally.Tally(show_ok=True)


def criu(*args, cwd=None):
    return subprocess.run([CRIU] + list(args), capture_output=True, text=True, cwd=cwd,
                          stdin=subprocess.DEVNULL, timeout=60)


def sleeper():
    # close_fds: the sleeper must hold only fds criu supports
    p = subprocess.Popen(["sleep", "1000"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=True,
                         start_new_session=True)  # its whole session is dumped
    time.sleep(0.1)
    return p


def test_basic():
    r = criu("--version")
    check(r.returncode == 0 and r.stdout.startswith("Version: 4.2\n"),
          "--version names the CRIU release whose interface criu follows (4.2)", r.stdout)
    r = criu("--help")
    for word in ("dump", "restore", "check", "--tree", "--images-dir", "--work-dir",
                 "--log-file", "--verbosity", "--pidfile", "--leave-running",
                 "--leave-stopped", "--restore-detached", "--timeout", "--no-default-config",
                 "--ext-unix-sk"):
        if word not in r.stdout:
            check(False, "--help lists " + word, r.stdout[:200])
            return
    check(r.returncode == 0, "--help lists every action and option")
    r = criu("check")
    check(r.returncode == 0 and "Looks good." in r.stdout, "check says Looks good.",
          r.stdout + r.stderr)


def test_refusals():
    r = criu("dump", "-t", "1", "--weak-sysctls")
    check(r.returncode == 1 and "not supported yet" in r.stderr and "Error (" in r.stderr,
          "unsupported option refused", r.stderr)
    r = criu("cpuinfo", "frob")
    check(r.returncode == 1 and "unknown cpuinfo sub-command: frob" in r.stderr,
          "cpuinfo takes dump or check only", r.stderr)
    r = criu("frobnicate")
    check(r.returncode == 1 and "Unknown command 'frobnicate'" in r.stderr, "unknown command",
          r.stderr)
    r = criu("dump", "--bogus-option")
    check(r.returncode == 1 and "Error (" in r.stderr, "unknown option", r.stderr)
    r = criu("dump")
    check(r.returncode == 1 and "-t" in r.stderr, "dump without -t", r.stderr)
    r = criu("dump", "-t", "abc")
    check(r.returncode == 1 and "not a number" in r.stderr, "bad pid", r.stderr)
    r = criu("dump", "-t", "1", "--ext-unix-sk=1234")
    check(r.returncode == 1 and "--ext-unix-sk=1234" in r.stderr and
          "not supported yet" in r.stderr, "--ext-unix-sk=INODE refused", r.stderr)
    r = criu("dump", "-t", "1", "-x1234")
    check(r.returncode == 1 and "not supported yet" in r.stderr, "-xINODE refused", r.stderr)
    for form in ("-x", "--ext-unix-sk"):
        r = criu("check", form)
        check(r.returncode == 0 and "Looks good." in r.stdout, "plain %s accepted" % form,
              r.stderr)


def test_missing(work):
    pid = 4000000  # above pid_max's usual range: surely free
    r = criu("dump", "-t", str(pid), "-D", os.path.join(work, "nopid"))
    check(r.returncode == 1 and re.search(r"Error \(criu/[a-z/_.-]+\.c:\d+\): ", r.stderr),
          "dump of a missing pid fails with Error (file:line)", r.stderr)
    empty = os.path.join(work, "empty")
    os.makedirs(empty)
    r = criu("restore", "-D", empty, "-d")
    check(r.returncode == 1 and "Error (" in r.stderr, "restore from an empty dir fails",
          r.stderr)


def test_dirs_and_modes(work):
    img, wd = os.path.join(work, "img"), os.path.join(work, "wd")
    os.makedirs(wd)
    p = sleeper()
    r = criu("dump", "-t", str(p.pid), "-D", img, "-W", wd, "-o", "dump.log", "-v4", "-R")
    check(r.returncode == 0, "dump -R with -W and -o", r.stderr)
    check(os.path.exists(os.path.join(wd, "dump.log")) and
          not os.path.exists(os.path.join(img, "dump.log")), "-o is relative to -W")
    log = open(os.path.join(wd, "dump.log")).read() if r.returncode == 0 else ""
    check(re.match(r"^\(\d\d\.\d{6}\) ", log) is not None, "log lines carry a timestamp",
          log[:80])
    modes = {n: os.stat(os.path.join(img, n)).st_mode & 0o777 for n in os.listdir(img)}
    check(modes and all(m == 0o600 for m in modes.values()), "images are 0600", str(modes))
    check(p.poll() is None, "-R leaves the task running")
    p.kill()
    p.wait()
    r = criu("restore", "-D", img, "-W", wd, "-o", "restore.log", "-d",
             "--pidfile", "rst.pid")
    check(r.returncode == 0, "restore -d --pidfile", r.stderr)
    pidfile = os.path.join(wd, "rst.pid")
    ok = os.path.exists(pidfile) and int(open(pidfile).read()) == p.pid
    check(ok, "pidfile (relative to -W) names the restored pid")
    if ok:
        os.kill(p.pid, 9)
        for _ in range(200):
            try:
                os.waitpid(p.pid, os.WNOHANG)
            except ChildProcessError:
                pass
            if not os.path.exists("/proc/%d" % p.pid):
                break
            time.sleep(0.01)
        # the pidfile exists now: a second restore must refuse before restoring anything
        r = criu("restore", "-D", img, "-W", wd, "-o", "restore2.log", "-d",
                 "--pidfile", "rst.pid")
        check(r.returncode == 1 and "must not exist" in r.stderr and
              not os.path.exists("/proc/%d" % p.pid),
              "an existing pidfile refuses the restore, nothing left running", r.stderr)


def proc_state(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def reap_pid(pid):
    try:
        os.kill(pid, 9)
    except ProcessLookupError:
        pass
    for _ in range(300):
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        if not os.path.exists("/proc/%d" % pid):
            return
        time.sleep(0.01)


def test_check_feature():
    r = criu("check", "--feature", "clone3_set_tid")
    check(r.returncode == 0 and "is supported" in r.stdout, "check --feature supported",
          r.stdout + r.stderr)
    for name in ("timerfd", "kcmp_epoll", "loginuid", "get_rseq_conf"):
        r = criu("check", "--feature", name)
        check(r.returncode == 0 and "is supported" in r.stdout, "check --feature " + name,
              r.stdout + r.stderr)
    r = criu("check", "--feature", "nftables")
    check(r.returncode == 1 and "is supported" not in r.stdout and "libnftables" in r.stderr,
          "check --feature of what criu lacks: exit 1, saying why", r.stdout + r.stderr)
    r = criu("check", "--feature", "no_such_feature")
    check(r.returncode == 1 and "Unknown feature" in r.stderr, "check --feature unknown",
          r.stderr)


def test_config(work):
    conf = os.path.join(work, "c.conf")
    with open(conf, "w") as f:
        f.write("# comment\nleave-running   # stays alive\nverbosity 4\n"
                "log-file \"dump log.txt\"\ndisplay-stats\n")
    img = os.path.join(work, "cfg-img")
    p = sleeper()
    r = criu("dump", "-t", str(p.pid), "-D", img, "--config", conf)
    check(r.returncode == 0 and p.poll() is None and
          os.path.exists(os.path.join(img, "dump log.txt")),
          "--config file: leave-running, verbosity, quoted log-file", r.stderr)
    check("Displaying dump stats:" in r.stdout, "--config file: display-stats", r.stdout)
    img2 = os.path.join(work, "cfg-img2")
    r = criu("dump", "-t", str(p.pid), "-D", img2, "--config", conf, "--no-display-stats",
             "-s")
    time.sleep(0.05)
    check(r.returncode == 0 and "Displaying" not in r.stdout, "--no-FLAG overrides the config "
          "file", r.stdout + r.stderr)
    check(proc_state(p.pid) == "T", "-s after the config's leave-running: the last one wins "
          "(as in CRIU), the task is left stopped", str(proc_state(p.pid)))
    if p.poll() is None:
        p.kill()
    p.wait()
    home = os.path.join(work, "home")
    os.makedirs(os.path.join(home, ".criu"))
    with open(os.path.join(home, ".criu", "default.conf"), "w") as f:
        f.write("weak-sysctls\n")
    env = dict(os.environ, HOME=home)
    r = subprocess.run([CRIU, "dump", "-t", "1"], env=env, capture_output=True, text=True)
    check(r.returncode == 1 and "weak-sysctls" in r.stderr, "~/.criu/default.conf is read",
          r.stderr)
    r = subprocess.run([CRIU, "check", "--no-default-config"], env=env, capture_output=True,
                       text=True)
    check(r.returncode == 0, "--no-default-config skips it", r.stderr)
    with open(conf, "w") as f:
        f.write("--dashed\n")
    r = criu("check", "--config", conf)
    check(r.returncode == 1 and "c.conf:1" in r.stderr, "a bad config line is refused",
          r.stderr)


def test_scripts_stats_status(work):
    log = os.path.join(work, "actions.log")
    script = os.path.join(work, "act.sh")
    with open(script, "w") as f:
        f.write("#!/bin/sh\necho \"$CRTOOLS_SCRIPT_ACTION ${CRTOOLS_INIT_PID:-0}\" >> %s\n"
                "[ \"$CRTOOLS_SCRIPT_ACTION\" != \"$FAIL_AT\" ]\n" % log)
    os.chmod(script, 0o755)
    img = os.path.join(work, "act-img")
    p = sleeper()
    env = dict(os.environ, FAIL_AT="post-dump")
    r = subprocess.run([CRIU, "dump", "-t", str(p.pid), "-D", img, "--action-script", script],
                       env=env, capture_output=True, text=True)
    check(r.returncode == 1 and p.poll() is None, "failing post-dump script fails the dump, "
          "task runs on", r.stderr)
    os.unlink(log)
    r = criu("dump", "-t", str(p.pid), "-D", img, "--action-script", script,
             "--display-stats")
    p.wait()
    check(r.returncode == 0 and "Displaying dump stats:" in r.stdout and
          "Memory pages written:" in r.stdout, "--display-stats after dump", r.stdout + r.stderr)
    reap_pid(p.pid)
    rfd, wfd = os.pipe()
    r = subprocess.run([CRIU, "restore", "-D", img, "-d", "--action-script", script,
                        "--status-fd", str(wfd), "--display-stats", "-o", "rst.log",
                        "--log-pid"], pass_fds=[wfd], capture_output=True, text=True)
    os.close(wfd)
    status = os.read(rfd, 16)
    os.close(rfd)
    check(r.returncode == 0 and status == b"\0", "--status-fd gets \\0 after restore",
          repr(status) + r.stderr)
    check("Displaying restore stats:" in r.stdout and "Pages restored:" in r.stdout,
          "--display-stats after restore", r.stdout)
    check(os.path.exists(os.path.join(img, "rst.log.%d" % p.pid)), "--log-pid: LOG.PID",
          str(os.listdir(img)))
    got = open(log).read().split() if os.path.exists(log) else []
    want = ["pre-dump", str(p.pid), "post-dump", str(p.pid), "pre-restore", "0",
            "post-restore", str(p.pid), "pre-resume", str(p.pid), "post-resume", str(p.pid)]
    check(got == want, "action scripts run at every stage with CRTOOLS_SCRIPT_ACTION",
          " ".join(got))
    if os.path.exists("/proc/%d" % p.pid):
        reap_pid(p.pid)


def main():
    import ctypes
    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: restored tasks come home
    work = tempfile.mkdtemp(prefix="criu-cli.")
    try:
        test_basic()
        test_refusals()
        test_missing(work)
        test_dirs_and_modes(work)
        test_check_feature()
        test_config(work)
        test_scripts_stats_status(work)
        cli_compat.run_all(check, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return check.finish()


if __name__ == "__main__":
    sys.exit(main())
