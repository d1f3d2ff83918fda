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
- Chains, as CRIU streams them (no incremental images: each streamed set is whole): a
  pre-dump --stream sends its set to a streamer of its own and leaves the task running, a
  second one in --pre-dump-mode read too; the dump --stream --prev-images-dir after them
  says the option is ignored, links to no parent and marks no page PE_PARENT, and the
  restore from its stream alone brings the task back with its memory intact.
- Over RPC: CRIU's criu_opts has no stream field (CRIU 4.2's rpc.proto); its clients ask
  for streaming with a line "stream" in criu_opts.config_file, which CRIU parses as the
  command line. A DUMP and a RESTORE through criu swrk that way go through the streamer,
  and the task comes back intact.
- What is not supported yet is refused, naming it: --stream with --page-server,
  --lazy-pages.
"""
import glob
import json
import os
import socket
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zdtm  # noqa: E402
import tally  # noqa: E402
import zdtm_modes  # noqa: E402

CRIU = os.path.join(zdtm.ROOT, "criu", "criu")
CRIT = os.path.join(zdtm.ROOT, "crit", "crit")
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


def archive_files(path):
    """The files of an img_streamer.py archive: [(name, bytes)] in their order."""
    with open(path, "rb") as f:
        data = f.read()
    files, i = [], 0
    while i < len(data):
        n = struct.unpack("<I", data[i:i + 4])[0]
        name = data[i + 4:i + 4 + n].decode()
        size = struct.unpack("<Q", data[i + 4 + n:i + 12 + n])[0]
        files.append((name, data[i + 12 + n:i + 12 + n + size]))
        i += 12 + n + size
    return files


def write_archive(path, files):
    with open(path, "wb") as f:
        for name, body in files:
            f.write(struct.pack("<I", len(name)) + name.encode() +
                    struct.pack("<Q", len(body)) + body)


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
        write_archive(arch, [(n, b) for n, b in archive_files(arch)
                             if n in ("inventory.img", "checksums.img")])
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


def parent_entries(body):
    """How many entries of a pagemap image say PE_PARENT (or in_parent); None if crit
    can't decode it."""
    r = subprocess.run([CRIT, "decode"], input=body, capture_output=True, timeout=60)
    if r.returncode:
        return None
    entries = json.loads(r.stdout).get("entries", [])
    return sum(1 for e in entries
               if "PE_PARENT" in str(e.get("flags", "")) or e.get("in_parent"))


def streamed_level(pid, d, args, what):
    """One pre-dump or dump --stream into a streamer on d: (problems, archive files, log)."""
    os.makedirs(d, exist_ok=True)
    arch = d.rstrip("/") + ".stream"
    p = streamer("capture", d, arch)
    if not p:
        return ["%s: the streamer did not start" % what], [], ""
    r = criu(args + ["-t", str(pid), "-D", d, "-v4", "-o", "criu.log", "--stream"])
    p.wait(timeout=60)
    p.stdout.close()
    why = [] if r.returncode == 0 and p.returncode == 0 else \
        ["%s: criu exit %d, streamer %s: %s" % (what, r.returncode, p.returncode,
                                                 r.stderr[-300:])]
    files = archive_files(arch) if os.path.exists(arch) else []
    names = [n for n, _ in files]
    if not why and ("inventory.img" not in names or "pagemap-%d.img" % pid not in names):
        why.append("%s: the stream lacks inventory.img or pagemap-%d.img: %s" %
                   (what, pid, names))
    if glob.glob(os.path.join(d, "*.img")):
        why.append("%s wrote images into -D" % what)
    state = zdtm.proc_state(pid)
    if what.startswith("pre-dump") and (state is None or state in "TtZX"):
        why.append("the task is %s after the %s" % (state or "gone", what))
    with open(os.path.join(d, "criu.log"), errors="replace") as f:
        return why, files, f.read()


def chain():
    """Two streamed pre-dumps (splice, then read mode), the streamed dump after them."""
    test, pid = fresh("chain", "zdtm/static/memfill00")
    pre1, pre2 = os.path.join(test.work, "pre1"), os.path.join(test.work, "pre2")
    why = streamed_level(pid, pre1, ["pre-dump"], "pre-dump")[0]
    why = why or streamed_level(pid, pre2, ["pre-dump", "--pre-dump-mode", "read",
                                            "--prev-images-dir", "../pre1"],
                                "pre-dump --pre-dump-mode read")[0]
    if not why:
        why, files, log = streamed_level(pid, test.dump_dir,
                                         ["dump", "--prev-images-dir", "../pre2"], "dump")
        if not why and "Warn" not in log or "--prev-images-dir ../pre2 is ignored" not in log:
            why.append("the dump did not say that --prev-images-dir is ignored")
        if os.path.lexists(os.path.join(test.dump_dir, "parent")):
            why.append("the streamed dump linked to a parent")
        for name, body in files:
            n = parent_entries(body) if name.startswith("pagemap-") else 0
            if n != 0:
                why.append("%s: %s entries in the parent" % (name, n))
    if not why:
        zdtm.reap_dead_children()
        p = streamer("serve", test.dump_dir, test.dump_dir.rstrip("/") + ".stream")
        r = criu(["restore", "-D", test.dump_dir, "-d", "-v4", "-o", "restore.log",
                  "--stream"])
        p.wait(timeout=60)
        p.stdout.close()
        if r.returncode:
            why.append("restore --stream failed: " + r.stderr[-300:])
        else:
            why += zdtm.finish_test(test, pid)
    report(not why, "pre-dump --stream twice (splice, read), then dump --stream "
           "--prev-images-dir: whole sets, as CRIU; the dump restores intact", "; ".join(why))
    if zdtm.proc_state(pid) is not None:
        zdtm.kill_and_reap(pid)
    zdtm.cleanup_children()


def swrk_call(rpc, req):
    """One request to a criu swrk of its own: the response, or None if criu said nothing."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    p = subprocess.Popen([CRIU, "swrk", str(b.fileno())], pass_fds=[b.fileno()],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    b.close()
    a.settimeout(120)
    a.send(req.SerializeToString())
    data = a.recv(1 << 20)
    a.close()
    p.wait(timeout=60)
    if not data:
        return None
    resp = rpc.criu_resp()
    resp.ParseFromString(data)
    return resp


def over_rpc():
    """DUMP and RESTORE over RPC, each with a config_file saying "stream"."""
    sys.path.append("/usr/lib/python3/dist-packages")
    try:
        from pycriu import rpc_pb2 as rpc
    except ImportError:
        report(True, "--stream over RPC # SKIP pycriu (Debian package criu) is missing")
        return
    test, pid = fresh("rpc", "zdtm/static/memfill00")
    conf = os.path.join(test.work, "stream.conf")
    with open(conf, "w") as f:
        f.write("# what a CRIU client writes to stream over RPC\nstream\n")
    dfd = os.open(test.dump_dir, os.O_RDONLY | os.O_DIRECTORY)
    arch = test.dump_dir.rstrip("/") + ".stream"
    why = []
    for kind, mode in ((rpc.DUMP, "capture"), (rpc.RESTORE, "serve")):
        req = rpc.criu_req(type=kind)
        req.opts.images_dir_fd = dfd
        req.opts.log_file = "%s.log" % mode
        req.opts.log_level = 4
        req.opts.config_file = conf
        if kind == rpc.DUMP:
            req.opts.pid = pid
        else:
            req.opts.rst_sibling = True
        p = streamer(mode, test.dump_dir, arch)
        resp = swrk_call(rpc, req) if p else None
        if p:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()        # criu never connected: it did not stream
                p.wait()
            p.stdout.close()
        if not resp or not resp.success or p.returncode:
            why.append("%s over RPC: %s, streamer %s" % (mode, resp, p and p.returncode))
            break
        if glob.glob(os.path.join(test.dump_dir, "*.img")):
            why.append("the RPC dump wrote images into -D")
            break
        if kind == rpc.DUMP:
            zdtm.reap_dead_children()
        elif resp.restore.pid != pid:
            why.append("the RPC restore answered pid %d, not %d" % (resp.restore.pid, pid))
    os.close(dfd)
    if not why:
        why = zdtm.finish_test(test, pid)
    report(not why, "DUMP and RESTORE over RPC with \"stream\" in criu_opts.config_file go "
           "through the streamer; the task comes back intact", "; ".join(why))
    if zdtm.proc_state(pid) is not None:
        zdtm.kill_and_reap(pid)
    zdtm.cleanup_children()


def refusals():
    d = os.path.join(zdtm.RUN_DIR, "stream-refusals")
    os.makedirs(d, exist_ok=True)
    cases = [(["dump", "-t", "1", "-D", d, "--stream", "--page-server", "--address",
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
    chain()
    over_rpc()
    zdtm_modes.run_subset(report, "--stream", zdtm_modes.beyond_mem(ZDTM_TESTS),
                          "tests beyond run-all's memory set")
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
