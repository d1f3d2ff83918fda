#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Pre-dump chains (Documentation/pre-dump.md), on memhog (64 MiB of random memory, a
checksum of every byte taken again each time it writes; it exits 0 on SIGTERM only if its
memory still matches):
1. criu pre-dump saves every page and leaves memhog running, with criu's write tracker (a
   userfaultfd at fd 1000 or above) as its only new fd;
2. memhog writes 1% of its pages; criu dump --prev-images-dir links to the pre-dump and saves
   only what changed: the final pages file holds at least the written pages and at most 3%
   of the pre-dump's, stats-dump counts the rest as in the parent, and the pagemap marks
   them PE_PARENT;
3. criu dedup punches the replaced pages out of the parent's pages file (fewer blocks);
4. the restore reads pages through the chain and memhog finds its memory byte for byte;
5. parent images whose trackers are gone (no memtrack.img) give a full dump, said as a
   warning, that restores too;
6. a task with a userfaultfd of its own is refused by pre-dump and by dump -R --track-mem,
   naming it, and runs on with its userfaultfd untouched (its UFFDIO_API handshake works);
7. a chain of two pre-dumps: the second saves only what changed since the first;
8. --pre-dump-mode read (pages copied once memhog runs again, with process_vm_readv): the
   dump after it saves only what changed, and the chain restores intact;
9. soft-dirty bits (CRIU_MEM_TRACK=soft-dirty): where the kernel keeps them, a pre-dump
   leaves no fd in memhog, the dump after it saves only what changed and the chain restores
   intact; where it does not (CONFIG_MEM_SOFT_DIRTY off), the pre-dump is refused naming
   CRIU_MEM_TRACK, and memhog runs on untouched.
Cases 1-8 track with PAGEMAP_SCAN (CRIU_MEM_TRACK=pagemap-scan), which criu picks only
where the kernel has no soft-dirty bits."""
import ctypes
import json
import os
import signal
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import zdtm  # noqa: E402
import tally  # noqa: E402
import bigmem  # noqa: E402

CRIU = os.path.join(zdtm.ROOT, "criu", "criu")
CRIT = os.path.join(zdtm.ROOT, "crit", "crit")
MIB = 64
PAGES = MIB * 256
check = tally.Tally(show_ok=True)


def run(*args):
    return subprocess.run([CRIU] + list(args), stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=120)


def waitpid_timeout(pid, timeout=60):
    """The exit status of our (adopted) child pid; killed if it did not end in time."""
    code = bigmem.waitpid_timeout(pid, timeout)
    if code is None:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    return code


def stats(img):
    r = subprocess.run([CRIT, "decode", "-i", os.path.join(img, "stats-dump")],
                       capture_output=True, text=True)
    return json.loads(r.stdout)["entries"][0]["dump"] if r.returncode == 0 else {}


def pagemap_flags(img, pid):
    r = subprocess.run([CRIT, "decode", "-i", os.path.join(img, "pagemap-%d.img" % pid)],
                       capture_output=True, text=True)
    if r.returncode:
        return []
    return [str(e.get("flags", "")) for e in json.loads(r.stdout)["entries"][1:]]


class Memhog:
    def __init__(self, work, name):
        self.pidfile = os.path.join(work, name + ".pid")
        self.proc = subprocess.Popen([os.path.join(work, "memhog"), str(MIB), self.pidfile],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True,
                                     close_fds=True)
        self.pid = self.proc.pid
        ready = lambda: os.path.exists(self.pidfile) and open(self.pidfile).read()  # noqa: E731
        if not bigmem.wait_for(ready, 60):
            raise RuntimeError("memhog did not start")

    def fds(self):
        d = "/proc/%d/fd" % self.pid
        return {int(f): os.readlink(os.path.join(d, f)) for f in os.listdir(d)}

    def dirty(self):
        note = self.pidfile + ".dirtied"
        if os.path.exists(note):
            os.unlink(note)
        os.kill(self.pid, signal.SIGUSR1)
        if not bigmem.wait_for(lambda: os.path.exists(note) and open(note).read().strip(), 60):
            raise RuntimeError("memhog did not write its pages")
        return int(open(note).read())

    def killed(self):
        """The dump killed it: reaped (or killed here if the dump failed and left it)."""
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def verdict(self):
        os.kill(self.pid, signal.SIGTERM)
        return waitpid_timeout(self.pid)


def dump_chain(work):
    """Cases 1-4."""
    hog = Memhog(work, "chain")
    fds_before = hog.fds()
    pre, final = os.path.join(work, "pre"), os.path.join(work, "final")
    r = run("pre-dump", "-t", str(hog.pid), "-D", pre, "-o", "dump.log")
    check(r.returncode == 0, "pre-dump succeeds", r.stderr[-300:])
    new = {fd: t for fd, t in hog.fds().items() if fd not in fds_before}
    check(os.path.exists("/proc/%d" % hog.pid) and
          list(new.values()) == ["anon_inode:[userfaultfd]"] and min(new) >= 1000,
          "memhog runs on, with criu's write tracker as its one new fd", str(new))
    st = stats(pre)
    check(st.get("pages_written", 0) >= PAGES, "the pre-dump saves every page", str(st))
    written = hog.dirty()
    r = run("dump", "-t", str(hog.pid), "-D", final, "--prev-images-dir", "../pre",
            "-o", "dump.log")
    check(r.returncode == 0, "dump --prev-images-dir succeeds", r.stderr[-300:])
    hog.killed()
    st = stats(final)
    size = os.path.getsize(os.path.join(final, "pages-1.img")) // 4096
    check(written <= size <= PAGES * 3 // 100 and st.get("pages_written") == size,
          "the final dump saves the %d written pages and little else (%d pages, at most %d)"
          % (written, size, PAGES * 3 // 100), str(st))
    check(st.get("pages_skipped_parent", 0) >= PAGES - size and
          any("PE_PARENT" in f or f == "1" for f in pagemap_flags(final, hog.pid)),
          "the rest is in the parent images (PE_PARENT)", str(st))
    check(os.readlink(os.path.join(final, "parent")) == "../pre", "the \"parent\" link")
    parent_pages = os.path.join(pre, "pages-1.img")
    blocks = os.stat(parent_pages).st_blocks
    r = run("dedup", "-D", final, "-o", "dedup.log")
    freed = (blocks - os.stat(parent_pages).st_blocks) * 512 // 4096
    check(r.returncode == 0 and freed >= written * 9 // 10,
          "criu dedup punches the replaced pages out of the parent (%d of %d)" % (freed, written),
          r.stderr[-300:])
    r = run("restore", "-D", final, "-d", "-o", "restore.log")
    check(r.returncode == 0, "restore through the chain", r.stderr[-300:])
    check(r.returncode == 0 and hog.verdict() == 0, "restored memhog finds its memory intact")


def dump_without_trackers(work):
    """Case 5."""
    hog = Memhog(work, "untracked")
    pre, final = os.path.join(work, "pre5"), os.path.join(work, "final5")
    r = run("pre-dump", "-t", str(hog.pid), "-D", pre, "-o", "dump.log")
    os.unlink(os.path.join(pre, "memtrack.img"))
    hog.dirty()
    r = r.returncode or run("dump", "-t", str(hog.pid), "-D", final, "--prev-images-dir",
                            "../pre5", "-o", "dump.log", "-v4")
    st = stats(final) if not isinstance(r, int) else {}
    log = open(os.path.join(final, "dump.log")).read() if os.path.isdir(final) else ""
    check(not isinstance(r, int) and r.returncode == 0 and "every page is dumped" in log
          and "old write tracker of criu's: closed" in log and st.get("pages_written", 0) >= PAGES,
          "without trackers the dump saves every page and says so", str(st))
    hog.killed()
    r = run("restore", "-D", final, "-d", "-o", "restore.log")
    check(r.returncode == 0 and hog.verdict() == 0, "that dump restores intact", r.stderr[-300:])


UFFDIO_API = 0xc018aa3f     # _IOWR(0xAA, 0x3F, struct uffdio_api)


def refuse_own_uffd(work):
    """Case 6: a python3 that holds a userfaultfd of its own, and uses it afterwards."""
    fdfile, go, result = (os.path.join(work, n) for n in ("uffd.fd", "uffd.go", "uffd.api"))
    code = ("import ctypes, fcntl, os, struct, time\n"
            "fd = ctypes.CDLL(None, use_errno=True).syscall(323, 0o2004000)\n"
            "open(%r, 'w').write(str(fd))\n"
            "while not os.path.exists(%r): time.sleep(0.05)\n"
            "try:\n"
            "    fcntl.ioctl(fd, %d, struct.pack('QQQ', 0xaa, 0, 0))\n"
            "    open(%r, 'w').write('ok')\n"
            "except OSError as e:\n"
            "    open(%r, 'w').write(str(e))\n"
            "time.sleep(600)\n") % (fdfile, go, UFFDIO_API, result, result)
    p = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.DEVNULL,
                         start_new_session=True, close_fds=True)
    try:
        # written after it is created: wait for its content, not for the name
        if not bigmem.wait_for(lambda: os.path.exists(fdfile) and
                               os.path.getsize(fdfile) > 0, 60):
            raise RuntimeError("the userfaultfd holder did not start")
        fd = open(fdfile).read()
        if int(fd) < 0:
            check(True, "a task's own userfaultfd refused # SKIP no userfaultfd here")
            return
        for args in (["pre-dump"], ["dump", "-R", "--track-mem"]):
            r = run(*args, "-t", str(p.pid), "-D", os.path.join(work, "pre6"), "-o", "d.log")
            # a dump refuses any userfaultfd as a file it can't save yet (refuse_uffd00)
            named = "userfaultfd of its own (fd %s)" % fd in r.stderr or \
                "fd %s of task %d is anon_inode:[userfaultfd]" % (fd, p.pid) in r.stderr
            check(r.returncode == 1 and named and p.poll() is None, "%s refuses a task's own userfaultfd, naming it; the "
                  "task runs on" % " ".join(args), r.stderr[-300:])
        # the API handshake succeeds once, on a userfaultfd nobody has used or touched
        open(go, "w").close()
        bigmem.wait_for(lambda: os.path.exists(result) and os.path.getsize(result) > 0, 60)
        answer = open(result).read() if os.path.exists(result) else "no answer"
        check(answer == "ok", "after the refusals the task's userfaultfd is its own, "
              "untouched (its UFFDIO_API handshake succeeds)", answer)
    finally:
        p.kill()
        p.wait()


def pre_dump_chain(work):
    """Case 7."""
    hog = Memhog(work, "two")
    a, b = os.path.join(work, "pre7a"), os.path.join(work, "pre7b")
    r = run("pre-dump", "-t", str(hog.pid), "-D", a, "-o", "dump.log")
    written = hog.dirty()
    r = r.returncode or run("pre-dump", "-t", str(hog.pid), "-D", b, "--prev-images-dir",
                            "../pre7a", "-o", "dump.log")
    st = stats(b) if not isinstance(r, int) else {}
    check(not isinstance(r, int) and r.returncode == 0 and
          written <= st.get("pages_written", 0) <= PAGES * 3 // 100,
          "a second pre-dump saves only what changed since the first", str(st))
    r = run("dump", "-t", str(hog.pid), "-D", os.path.join(work, "final7"),
            "--prev-images-dir", "../pre7b", "-o", "dump.log")
    hog.killed()
    r = r.returncode or run("restore", "-D", os.path.join(work, "final7"), "-d", "-o", "r.log")
    check(not isinstance(r, int) and r.returncode == 0 and hog.verdict() == 0,
          "a chain of two pre-dumps and a dump restores intact")


def read_mode(work):
    """Case 8."""
    hog = Memhog(work, "read")
    pre, final = os.path.join(work, "pre8"), os.path.join(work, "final8")
    r = run("pre-dump", "-t", str(hog.pid), "-D", pre, "--pre-dump-mode", "read", "-o",
            "dump.log", "-v4")
    log = open(os.path.join(pre, "dump.log")).read() if os.path.isdir(pre) else ""
    check(r.returncode == 0 and "read while it ran" in log and
          stats(pre).get("pages_written", 0) >= PAGES,
          "pre-dump --pre-dump-mode read copies every page once memhog runs again",
          r.stderr[-300:])
    final_dump_and_restore(hog, final, "../pre8", run)


def final_dump_and_restore(hog, final, prev, dump_with):
    """memhog writes 1%, the dump linked to prev (dump_with runs criu) saves only that, and
    the restore of the chain brings memhog back intact."""
    written = hog.dirty()
    r = dump_with("dump", "-t", str(hog.pid), "-D", final, "--prev-images-dir", prev, "-o",
                  "dump.log")
    hog.killed()
    st = stats(final) if r.returncode == 0 else {}
    check(written <= st.get("pages_written", 0) <= PAGES * 3 // 100,
          "the dump after it saves only what changed", str(st) + r.stderr[-300:])
    r = run("restore", "-D", final, "-d", "-o", "restore.log")
    check(r.returncode == 0 and hog.verdict() == 0, "that chain restores intact",
          r.stderr[-300:])


def soft_dirty_works():
    """The kernel's own answer, in a child: a page written after clear_refs 4 has bit 55."""
    pid = os.fork()
    if pid == 0:
        import mmap
        buf = mmap.mmap(-1, 4096)
        with open("/proc/self/clear_refs", "w") as f:
            f.write("4")
        buf[0] = 2
        addr = ctypes.addressof(ctypes.c_char.from_buffer(buf))
        with open("/proc/self/pagemap", "rb") as f:
            f.seek(addr // 4096 * 8)
            os._exit(0 if int.from_bytes(f.read(8), "little") & (1 << 55) else 1)
    return os.waitpid(pid, 0)[1] == 0


def soft_dirty(work):
    """Case 9."""
    env = dict(os.environ, CRIU_MEM_TRACK="soft-dirty")
    sd = lambda *a: subprocess.run([CRIU] + list(a), stdin=subprocess.DEVNULL, env=env,  # noqa
                                   capture_output=True, text=True, timeout=120)
    hog = Memhog(work, "softdirty")
    fds_before = hog.fds()
    pre, final = os.path.join(work, "pre9"), os.path.join(work, "final9")
    r = sd("pre-dump", "-t", str(hog.pid), "-D", pre, "-o", "dump.log")
    if not soft_dirty_works():
        check(r.returncode != 0 and "CRIU_MEM_TRACK=soft-dirty" in r.stderr and
              hog.fds() == fds_before and hog.verdict() == 0,
              "no soft-dirty bits here: CRIU_MEM_TRACK=soft-dirty is refused, memhog runs on "
              "untouched", r.stderr[-300:])
        return
    check(r.returncode == 0 and hog.fds() == fds_before,
          "a soft-dirty pre-dump leaves memhog running, without a new fd", r.stderr[-300:])
    final_dump_and_restore(hog, final, "../pre9", sd)


def main():
    if os.geteuid() != 0:
        print("# needs root")
        sys.exit(77)
    if run("check", "--feature", "mem_dirty_track").returncode:
        print("no userfaultfd WP_ASYNC with PAGEMAP_SCAN (criu check --feature "
              "mem_dirty_track)")
        sys.exit(77)
    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: restored tasks come home
    os.environ["CRIU_MEM_TRACK"] = "pagemap-scan"  # cases 1-8: the userfaultfd tracker
    work = tempfile.mkdtemp(prefix="criu-predump.")
    try:
        subprocess.run(["gcc", "-O2", "-o", os.path.join(work, "memhog"),
                        os.path.join(zdtm.ROOT, "scripts/bench/memhog.c")], check=True)
        for case in (dump_chain, dump_without_trackers, refuse_own_uffd, pre_dump_chain,
                     read_mode, soft_dirty):
            try:
                case(work)
            except Exception as e:  # noqa: BLE001 - one failed line per case
                check(False, case.__doc__.strip(), str(e))
    finally:
        zdtm.cleanup_children()
        shutil.rmtree(work, ignore_errors=True)
    return check.finish()


if __name__ == "__main__":
    sys.exit(main())
