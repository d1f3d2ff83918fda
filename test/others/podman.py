#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""podman (Debian's 4.3, `--runtime runc`) checkpoints and restores busybox containers through
runc and `criu swrk`, ours being the first `criu` in PATH. The image is imported from a tar of
busybox-static (no registry). podman's storage, run and tmp dirs are the test's own.

A container's shell counts in memory and writes "TOKEN N" to /tmp/count every 50 ms, TOKEN
being random at start: after each restore TOKEN must be the same and N go on from at least
where it was (a restarted shell would have another TOKEN and start from 1). Cases:
- checkpoint / restore in place, --print-stats (criu's stats-dump and stats-restore as podman
  reads them: non-zero and consistent), the ulimits podman set (nofile, nproc) kept;
- --leave-running --keep (counts on meanwhile, dump.log and stats-dump kept), then a restore
  of those images once the container is killed;
- --export FILE / restore --import FILE --name NEW: a second container from the archive;
- --pre-checkpoint then --with-previous: the final dump skips the pages the pre-dump saved;
- --tcp-established: a server and a client in the container over loopback (no network), the
  client sending the count through the connection; a checkpoint without the option is refused
  and the container runs on; after the restore the server's file holds 1..N with no gap;
- a container as uid 1000 with a bind-mounted volume (a file of it open), a --tmpfs and a host
  name, through a pre-dump chain;
- the default network (a netns of podman's, passed to criu by inherit_fd) and conmon's pipes
  as stdio (log driver k8s-file, inherit_fd pipe:[INODE]): the restored shell counts on.
podman itself needs --ulimit here: root lacks CAP_SYS_RESOURCE, and podman's default nofile and
nproc are above this host's hard limits."""
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
CRIT = os.path.join(zdtm.ROOT, "crit", "crit")
BUSYBOX = "/bin/busybox"
IMAGE = "localhost/criu-test-busybox:1"
APPLETS = ("sh", "sleep", "cat", "echo", "nc", "tail", "ip", "netstat", "id", "hostname",
           "readlink")
# below what podman leaves itself (nproc 32768 here); uid 0 is not held to nproc anyway
ULIMITS = ["--ulimit", "nofile=100:200", "--ulimit", "nproc=4000:4096"]
LOOP = 't=$RANDOM$RANDOM; i=0; while true; do i=$((i+1)); echo "$t $i" > /tmp/count; ' \
       'sleep 0.05; done'
TCP = 'sleep 1000000 | nc -l -p 5000 > /tmp/recv & sleep 0.3; i=0; ' \
      'while true; do i=$((i+1)); echo $i; sleep 0.05; done | nc 127.0.0.1 5000'


class Report(tally.Tally):
    def __init__(self):
        super().__init__(show_ok=True)
        self.skipped = 0

    def skip(self, name, why):
        self.skipped += 1
        print("skip - %s: %s" % (name, why))

    def finish(self):
        print("%d passed, %d failed, %d skipped" % (self.passed, self.failed, self.skipped))
        return 1 if self.failed else 0


report = Report()
figures = {}


class Podman:
    def __init__(self, work):
        self.base = ["podman", "--root", os.path.join(work, "root"),
                     "--runroot", os.path.join(work, "runroot"),
                     "--tmpdir", os.path.join(work, "tmp"), "--runtime", "runc"]
        bindir = os.path.join(work, "bin")
        os.makedirs(bindir)
        os.symlink(CRIU, os.path.join(bindir, "criu"))
        self.env = dict(os.environ, PATH=bindir + ":" + os.environ.get("PATH", "/usr/bin:/bin"))

    def __call__(self, *args, timeout=90):
        return subprocess.run(self.base + list(args), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=timeout, env=self.env)

    def timed(self, *args):
        t0 = time.monotonic()
        r = self(*args)
        return r, (time.monotonic() - t0) * 1000

    def run(self, name, script, *extra):
        """With --log-driver passthrough the container gets podman's stdio: not our pipes
        (their reader would wait for the container's end), a file for errors."""
        with tempfile.TemporaryFile("w+") as err:
            r = subprocess.run(self.base + ["run", "-d", "--name", name, *ULIMITS, *extra,
                                            IMAGE, "sh", "-c", script],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=err, text=True, timeout=90, env=self.env)
            err.seek(0)
            r.stderr = err.read()
        return r

    def exec(self, name, *cmd):
        return self("exec", name, *cmd).stdout

    def userdata(self, name):
        r = self("inspect", "-f", "{{.StaticDir}}", name)
        return r.stdout.strip()


def make_image(pm, work):
    root = os.path.join(work, "rootfs")
    for d in ("bin", "proc", "sys", "dev", "tmp", "run", "etc"):
        os.makedirs(os.path.join(root, d))
    shutil.copy(BUSYBOX, os.path.join(root, "bin", "busybox"))
    for a in APPLETS:
        os.symlink("busybox", os.path.join(root, "bin", a))
    tar = os.path.join(work, "rootfs.tar")
    subprocess.run(["tar", "-C", root, "-cf", tar, "."], check=True)
    r = pm("import", tar, IMAGE)
    return r.stderr if r.returncode else ""


def count(pm, name, path="/tmp/count"):
    """(token, n) the container's shell wrote last, or (None, -1). The shell truncates the
    file before it writes: an empty read is tried again."""
    for _ in range(5):
        parts = pm.exec(name, "cat", path).split()
        if len(parts) == 2:
            return parts[0], int(parts[1])
        time.sleep(0.02)
    return None, -1


def wait_count(pm, name, at_least, timeout=15, path="/tmp/count"):
    end = time.monotonic() + timeout
    tok, n = None, -1
    while time.monotonic() < end:
        tok, n = count(pm, name, path)
        if n >= at_least:
            break
        time.sleep(0.1)
    return tok, n


def counts_on(pm, name, token, since, path="/tmp/count"):
    """The shell is the one that was dumped (same token) and counts on from since."""
    tok, a = count(pm, name, path)
    time.sleep(0.3)
    tok2, b = count(pm, name, path)
    ok = tok == token and tok2 == token and b > a >= since
    return ok, "token %s/%s (want %s), counts %d then %d (from %d)" % (tok, tok2, token, a,
                                                                       b, since)


def limits(pm, name):
    text = pm.exec(name, "cat", "/proc/1/limits")
    return [ln.split() for ln in text.splitlines()
            if ln.startswith("Max open files") or ln.startswith("Max processes")]


def stats_json(r):
    try:
        return json.loads(r.stdout)["container_statistics"][0]
    except (ValueError, KeyError, IndexError):
        return None


def check_dump_stats(r):
    s = stats_json(r)
    c = (s or {}).get("criu_statistics", {})
    ok = bool(c) and all(c.get(k, 0) > 0 for k in ("freezing_time", "frozen_time",
                                                    "memdump_time", "pages_scanned",
                                                    "pages_written"))
    ok = ok and c["pages_written"] <= c["pages_scanned"] and \
        c["frozen_time"] <= s.get("runtime_checkpoint_duration", 0)
    report(ok, "--print-stats: criu's dump statistics are non-zero and consistent", r.stdout)
    if ok:
        figures["criu frozen (us)"] = c["frozen_time"]


def check_restore_stats(r):
    s = stats_json(r)
    c = (s or {}).get("criu_statistics", {})
    ok = bool(c) and all(c.get(k, 0) > 0 for k in ("forking_time", "restore_time",
                                                    "pages_restored"))
    ok = ok and max(c["forking_time"], c["restore_time"]) <= s.get("runtime_restore_duration", 0)
    report(ok, "--print-stats: criu's restore statistics are non-zero and consistent",
           r.stdout)


def restore_errors(pm, name, r):
    """Why a restore failed: podman's words and criu's error lines (in restore.log, or on
    criu's stderr, which is the container's: its log)."""
    errs = ""
    for log in (os.path.join(pm.userdata(name), "restore.log"),
                os.path.join(pm.userdata(name), "ctr.log")):
        try:
            with open(log) as f:
                errs += "".join(ln for ln in f if "Error" in ln)
        except OSError:
            pass
    return (r.stderr + errs)[-2000:]


def in_place(pm):
    name = "criu-pm-a"
    r = pm.run(name, LOOP, "--network", "none", "--log-driver", "passthrough")
    report(r.returncode == 0, "podman run -d a counting busybox container", r.stderr)
    if r.returncode:
        return
    token, before = wait_count(pm, name, 30)
    lim = limits(pm, name)
    report(token is not None and before >= 30, "the container counts", "%s %d" % (token, before))
    r, ms = pm.timed("container", "checkpoint", "--print-stats", name)
    report(r.returncode == 0, "podman container checkpoint (%.0f ms)" % ms, r.stderr)
    if r.returncode:
        return
    figures["podman checkpoint (ms)"] = round(ms)
    check_dump_stats(r)
    state = pm("inspect", "-f", "{{.State.Status}} {{.State.Checkpointed}}", name).stdout
    report(state.split() == ["exited", "true"], "the container is checkpointed", state)
    r, ms = pm.timed("container", "restore", "--print-stats", name)
    report(r.returncode == 0, "podman container restore (%.0f ms)" % ms,
           restore_errors(pm, name, r))
    if r.returncode:
        return
    figures["podman restore (ms)"] = round(ms)
    check_restore_stats(r)
    ok, why = counts_on(pm, name, token, before)
    report(ok, "the restored shell counts on from %d" % before, why)
    got = limits(pm, name)
    report(got == lim and len(got) == 2, "the ulimits podman set are kept",
           "%s, was %s" % (got, lim))
    pm("rm", "-f", "-t", "0", name)


def leave_running(pm):
    name = "criu-pm-b"
    r = pm.run(name, LOOP, "--network", "none", "--log-driver", "passthrough")
    token, before = wait_count(pm, name, 10)
    r = pm("container", "checkpoint", "--leave-running", "--keep", name)
    report(r.returncode == 0, "podman container checkpoint --leave-running --keep", r.stderr)
    if r.returncode:
        return
    ok, why = counts_on(pm, name, token, before)
    report(ok, "--leave-running: the container counts on meanwhile", why)
    ud = pm.userdata(name)
    kept = [f for f in ("dump.log", "stats-dump") if os.path.exists(os.path.join(ud, f))]
    report(len(kept) == 2, "--keep: dump.log and stats-dump are kept", str(kept))
    tok, killed_at = count(pm, name)
    pm("kill", name)
    pm("wait", name)
    r = pm("container", "restore", name)
    report(r.returncode == 0, "restore of the --leave-running images", restore_errors(pm, name, r))
    if r.returncode:
        return
    tok, first = count(pm, name)
    ok, why = counts_on(pm, name, token, before)
    report(ok, "the restored shell counts on from the checkpoint's count", why)
    pm("rm", "-f", "-t", "0", name)


def export_import(pm, work):
    name, copy = "criu-pm-c", "criu-pm-c2"
    archive = os.path.join(work, "c.tar.gz")
    pm.run(name, LOOP, "--network", "none", "--log-driver", "passthrough")
    token, before = wait_count(pm, name, 10)
    r = pm("container", "checkpoint", "--export", archive, name)
    report(r.returncode == 0 and os.path.getsize(archive) > 0,
           "podman container checkpoint --export", r.stderr)
    if r.returncode:
        return
    r = pm("container", "restore", "--import", archive, "--name", copy)
    report(r.returncode == 0, "podman container restore --import --name (a new container)",
           restore_errors(pm, copy, r))
    if r.returncode == 0:
        ok, why = counts_on(pm, copy, token, before)
        report(ok, "the imported container counts on from %d" % before, why)
    pm("rm", "-f", "-t", "0", name, copy)


def skipped_parent(ud):
    """pages_skipped_parent of the kept stats-dump, by crit."""
    r = subprocess.run([CRIT, "show", os.path.join(ud, "stats-dump")], capture_output=True,
                       text=True)
    try:
        return json.loads(r.stdout)["entries"][0]["dump"]["pages_skipped_parent"]
    except (ValueError, KeyError, IndexError):
        return -1


def pre_checkpoint(pm):
    name = "criu-pm-d"
    pm.run(name, LOOP, "--network", "none", "--log-driver", "passthrough")
    token, before = wait_count(pm, name, 10)
    r = pm("container", "checkpoint", "--pre-checkpoint", name)
    report(r.returncode == 0, "podman container checkpoint --pre-checkpoint", r.stderr)
    if r.returncode:
        pm("rm", "-f", "-t", "0", name)
        return
    ok, why = counts_on(pm, name, token, before)
    report(ok, "the container counts on after the pre-checkpoint", why)
    r = pm("container", "checkpoint", "--with-previous", "--keep", name)
    report(r.returncode == 0, "podman container checkpoint --with-previous", r.stderr)
    if r.returncode == 0:
        skipped = skipped_parent(pm.userdata(name))
        report(skipped > 0, "the final dump skipped pages the pre-dump had saved",
               "pages_skipped_parent %d" % skipped)
        r = pm("container", "restore", name)
        report(r.returncode == 0, "restore of the pre-dump chain", restore_errors(pm, name, r))
        ok, why = counts_on(pm, name, token, before)
        report(ok, "the restored shell counts on", why)
    pm("rm", "-f", "-t", "0", name)


def user_volume(pm, work):
    """A container as uid 1000 with a bind-mounted volume (a file of it open), a --tmpfs
    holding the count, and a host name: a pre-dump chain and its restore."""
    name = "criu-pm-g"
    vol = os.path.join(work, "vol")
    os.makedirs(vol)
    with open(os.path.join(vol, "f"), "w") as f:
        f.write("volume\n")
    loop = "exec 3</data/f; " + LOOP.replace("/tmp/count", "/scratch/count")
    r = pm.run(name, loop, "--network", "none", "--log-driver", "passthrough", "--user",
               "1000:1000", "-v", vol + ":/data", "--tmpfs", "/scratch", "--hostname", "zdhost")
    report(r.returncode == 0, "podman run --user 1000 with a volume, a tmpfs, a host name",
           r.stderr)
    if r.returncode:
        return
    token, before = wait_count(pm, name, 10, path="/scratch/count")
    r = pm("container", "checkpoint", "--pre-checkpoint", name)
    r2 = pm("container", "checkpoint", "--with-previous", name)
    report(r.returncode == 0 and r2.returncode == 0,
           "--pre-checkpoint and --with-previous of a container as uid 1000", r.stderr + r2.stderr)
    if r.returncode or r2.returncode:
        pm("rm", "-f", "-t", "0", name)
        return
    r = pm("container", "restore", name)
    report(r.returncode == 0, "its restore", restore_errors(pm, name, r))
    if r.returncode == 0:
        ok, why = counts_on(pm, name, token, before, path="/scratch/count")
        report(ok, "the shell counts on in the tmpfs", why)
        got = pm.exec(name, "sh", "-c", "id -u; hostname; readlink /proc/1/fd/3")
        report(got.split() == ["1000", "zdhost", "/data/f"],
               "uid, host name and the open file on the volume are kept", got)
    pm("rm", "-f", "-t", "0", name)


def received(pm, name):
    nums = pm.exec(name, "cat", "/tmp/recv").split()
    return [int(x) for x in nums if x.isdigit()]


def no_gap(nums):
    return bool(nums) and nums == list(range(1, len(nums) + 1))


def tcp_established(pm):
    name = "criu-pm-e"
    pm.run(name, TCP, "--network", "none", "--log-driver", "passthrough")
    time.sleep(1)
    before = received(pm, name)
    report(len(before) > 5, "a client sends to a server in the container", str(before[-3:]))
    r = pm("container", "checkpoint", name)
    state = pm("inspect", "-f", "{{.State.Status}}", name).stdout.strip()
    report(r.returncode != 0 and state == "running",
           "a checkpoint without --tcp-established is refused, the container runs on",
           "rc %d, %s" % (r.returncode, state))
    r = pm("container", "checkpoint", "--tcp-established", name)
    report(r.returncode == 0, "podman container checkpoint --tcp-established", r.stderr)
    if r.returncode:
        pm("rm", "-f", "-t", "0", name)
        return
    r = pm("container", "restore", "--tcp-established", name)
    report(r.returncode == 0, "podman container restore --tcp-established",
           restore_errors(pm, name, r))
    if r.returncode == 0:
        time.sleep(0.5)
        got = received(pm, name)
        report(no_gap(got) and len(got) > len(before) + 3,
               "the connection carries the count on, no number lost or doubled",
               "%d numbers before, %d after, in order: %s" % (len(before), len(got),
                                                               no_gap(got)))
    pm("rm", "-f", "-t", "0", name)


def default_network(pm):
    name = "criu-pm-f"
    r = pm.run(name, LOOP)
    if r.returncode:
        report.skip("the default network and log driver", "podman run: " + r.stderr[-300:])
        return
    token, before = wait_count(pm, name, 10)
    r = pm("container", "checkpoint", name)
    report(r.returncode == 0, "checkpoint with podman's network and conmon's pipes", r.stderr)
    if r.returncode == 0:
        r = pm("container", "restore", name)
        report(r.returncode == 0, "restore with podman's network and conmon's pipes",
               restore_errors(pm, name, r))
        if r.returncode == 0:
            ok, why = counts_on(pm, name, token, before)
            report(ok, "the restored shell counts on", why)
    pm("rm", "-f", "-t", "0", name)


def unmount_under(path):
    """What podman's overlay driver left mounted below path, deepest first."""
    with open("/proc/self/mountinfo") as f:
        points = [ln.split()[4] for ln in f]
    for p in sorted((p for p in points if p.startswith(path + "/")), key=len, reverse=True):
        subprocess.run(["umount", "-l", p], capture_output=True)


def main():
    if not all(shutil.which(t) for t in ("podman", "runc", "conmon")) or \
            not os.path.exists(BUSYBOX):
        print("# SKIP: podman, runc, conmon or busybox-static is not installed "
              "(scripts/install-deps.sh)")
        return 77
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(zdtm.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    work = tempfile.mkdtemp(prefix="criu-podman-")
    pm = Podman(work)
    try:
        err = make_image(pm, work)
        report(not err, "podman import of a busybox-static rootfs", err)
        if not err:
            in_place(pm)
            leave_running(pm)
            export_import(pm, work)
            pre_checkpoint(pm)
            tcp_established(pm)
            user_volume(pm, work)
            default_network(pm)
    finally:
        pm("rm", "-a", "-f", "-t", "0")
        pm("system", "reset", "--force")
        unmount_under(work)
        shutil.rmtree(work, ignore_errors=True)
    for k, v in figures.items():
        print("# %s: %s" % (k, v))
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
