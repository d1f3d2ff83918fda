#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""criu dump --stream and criu restore --stream (criu/stream/), through img_streamer.py, a
streamer written here from CRIU's protocol (Debian has no criu-image-streamer).

- Memory, thread and tree tests of ZDTM, each dumped into the streamer and restored from
  it (zdtm.py run --stream): the dump writes no image into -D, the restored tasks check
  their own memory.
- A dump with no streamer listening, and one whose streamer dies at the pages file, fail
  cleanly: an error line, the task running on unchanged, no staging directory left in
  /dev/shm; so does a restore from a streamer that lacks the set's images, leaving no task.
- What is not supported yet is refused, naming it: --stream with pre-dump,
  --prev-images-dir, --page-server, --lazy-pages.
"""
import glob
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zdtm  # noqa: E402
import tally  # noqa: E402
import zdtm_modes  # noqa: E402

CRIU = os.path.join(zdtm.ROOT, "criu", "criu")
STREAMER = os.path.join(zdtm.ROOT, "test", "others", "img_streamer.py")
report = tally.Tally(show_ok=True)
ZDTM_TESTS = ["maps00", "maps01", "memfill00", "madv00", "mprot_file00", "mlock00", "cow00",
              "tree00", "tree_mem00", "shm_tree00", "memfd_tree00", "threads00", "threads02",
              "tree_threads00", "zombie00", "vdso00", "env00", "fpu00", "pipe00"]


def criu(args, env=None):
    e = dict(os.environ)
    e.pop("CRIU_FAULT", None)
    e.update(env or {})
    return subprocess.run([CRIU] + args, env=e, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=120)


def staging_dirs():
    return set(glob.glob("/dev/shm/criu-stream.*"))


def streamer(mode, d, archive, env=None):
    p = subprocess.Popen([sys.executable, STREAMER, mode, d, archive],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True,
                         env=dict(os.environ, **(env or {})))
    if p.stdout.readline().strip() != "socket-init":
        p.kill()
        p.wait()
        return None
    return p


def fresh(tag, name="zdtm/static/maps00"):
    test = zdtm.Test(name)
    test.work = os.path.join(zdtm.RUN_DIR, "stream-" + tag)
    test.dump_dir = os.path.join(test.work, "dump")
    test.pidfile = os.path.join(test.work, "test.pid")
    test.outfile = os.path.join(test.work, "test.out")
    subprocess.run(["rm", "-rf", test.work])
    os.makedirs(test.dump_dir)
    return test, zdtm.start_test(test)


def failed_dump(tag, what, env=None, listen=True):
    """A dump --stream that must fail, leaving the task as it was and nothing staged."""
    test, pid = fresh(tag, "zdtm/static/memfill00")
    before, staged = zdtm.snapshot(pid), staging_dirs()
    why = []
    p = streamer("capture", test.dump_dir, os.path.join(test.work, "arch"), env) \
        if listen else None
    if listen and not p:
        why.append("the streamer did not start")
    r = criu(["dump", "-t", str(pid), "-D", test.dump_dir, "-v4", "-o", "dump.log",
              "--stream"])
    if p:
        p.wait(timeout=60)
        p.stdout.close()
    if r.returncode == 0:
        why.append("the dump succeeded")
    if "Error (" not in r.stderr or "streamer" not in r.stderr:
        why.append("no error naming the streamer: " + r.stderr[-300:])
    state = zdtm.proc_state(pid)
    if state is None or state in "TtZX":
        why.append("the task is %s" % (state or "gone"))
    else:
        why += zdtm.compare_snapshots(before, zdtm.snapshot(pid), "after the failed dump")
    if staging_dirs() - staged:
        why.append("a staging directory was left in /dev/shm")
    report(not why, what, "; ".join(why))
    if zdtm.proc_state(pid) is not None:
        zdtm.kill_and_reap(pid)
    zdtm.cleanup_children()


def restore_missing():
    """A stream with the inventory but not the rest: the restore fails and leaves no task."""
    test, pid = fresh("missing")
    arch = os.path.join(test.work, "arch")
    p = streamer("capture", test.dump_dir, arch)
    r = criu(["dump", "-t", str(pid), "-D", test.dump_dir, "-o", "dump.log", "--stream"])
    p.wait(timeout=60)
    p.stdout.close()
    zdtm.cleanup_children()
    why = [] if r.returncode == 0 else ["dump failed: " + r.stderr[-300:]]
    if not why:
        # keep only inventory.img and checksums.img in the archive
        import struct
        with open(arch, "rb") as f:
            data = f.read()
        out, i = b"", 0
        while i < len(data):
            n = struct.unpack("<I", data[i:i + 4])[0]
            name = data[i + 4:i + 4 + n].decode()
            size = struct.unpack("<Q", data[i + 4 + n:i + 12 + n])[0]
            end = i + 12 + n + size
            if name in ("inventory.img", "checksums.img"):
                out += data[i:end]
            i = end
        with open(arch, "wb") as f:
            f.write(out)
        p = streamer("serve", test.dump_dir, arch)
        r = criu(["restore", "-D", test.dump_dir, "-d", "-o", "restore.log", "--stream"])
        p.wait(timeout=60)
        p.stdout.close()
        if r.returncode == 0:
            why.append("the restore succeeded")
        if "has no" not in r.stderr:
            why.append("no error naming the missing image: " + r.stderr[-300:])
        if zdtm.proc_state(pid) not in (None, "Z"):
            why.append("task %d is there after the failed restore" % pid)
    report(not why, "restore --stream from a streamer without the set's images fails "
           "cleanly", "; ".join(why))
    zdtm.cleanup_children()


def refusals():
    d = os.path.join(zdtm.RUN_DIR, "stream-refusals")
    os.makedirs(d, exist_ok=True)
    cases = [(["pre-dump", "-t", "1", "-D", d, "--stream"], "pre-dump"),
             (["dump", "-t", "1", "-D", d, "--stream", "--prev-images-dir", "x"],
              "--prev-images-dir"),
             (["dump", "-t", "1", "-D", d, "--stream", "--page-server", "--address",
               "127.0.0.1", "--port", "1"], "--page-server"),
             (["restore", "-D", d, "--stream", "--lazy-pages"], "--lazy-pages")]
    for args, what in cases:
        r = criu(args)
        report(r.returncode == 1 and "--stream with %s is not supported yet" % what in r.stderr
               and "Error (" in r.stderr, "--stream with %s is refused" % what,
               r.stderr[-300:])


def main():
    if os.geteuid() != 0:
        print("stream tests need root")
        return 77
    zdtm.become_subreaper()
    zdtm.build_binaries(["zdtm/static/maps00", "zdtm/static/memfill00"])
    refusals()
    failed_dump("nostreamer", "dump --stream with no streamer listening fails cleanly",
                listen=False)
    failed_dump("dies", "dump --stream whose streamer dies before it reads the pages fails "
                "cleanly", env={"ZDTM_STREAMER_DIE_AT": "pages-"})
    restore_missing()
    zdtm_modes.run_subset(report, "--stream", ZDTM_TESTS, "memory, thread and tree tests")
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
