#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Images exchanged with CRIU 4.2, in both directions.

CRIU 4.2 -> ours:
- each image set under test/images/criu-4.2/ (written through the public .proto files by
  test/images/gen-criu42.py, in CRIU 4.2's form) restores, and the process it holds exits
  42: its memory, general and SSE registers are what the set says. The same set with one
  data word changed exits 1, so the check is real;
- zdtm programs dumped by our criu, their images rewritten into what CRIU 4.2 writes
  (no image of ours, PE_LAZY pages, ...), restore and pass their own checks; so does one
  whose pagemap is then put in CRIU 3.x's form (the count in field 2 only).
ours -> CRIU 4.2: every image of every dump kept under build/test/dumps/ decodes with the
4.2 .proto files with no unknown field; decoded with Debian's crit 3.17 classes, the only
fields it does not know are those 4.2 added; and the values mean what 4.2 means: pagemap
counts in nr_pages, at most 44 words of auxv, CRIU's vdso/vvar bits with every vdso page
saved, inventory.root_ids criu's own ids and namespaces, the tasks' ids apart from them, no
PE_PARENT page without a "parent" snapshot (CRIU refuses those: "No parent for snapshot
pagemap"). The one exception is named in the output: a dump of a tree whose children share
pages with their parent, in our default form (--cow-pages once, Documentation/cow-images.md).
For such a tree (zdtm cow00), --cow-pages full is checked in full: the dump has no PE_PARENT,
every task's pages file holds exactly the pages the default form's images resolve to, the
set passes the checks above, and rewritten as CRIU writes it, it restores under ours with
the pages shared again (cow00 checks the page frames; stats-restore counts the compare).
"""
import glob
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "images"))
import criuimg  # noqa: E402
import tally  # noqa: E402
import zdtm  # noqa: E402

gen = __import__("importlib").import_module("gen-criu42")
ROOT = zdtm.ROOT
CRIU = os.path.join(ROOT, "criu", "criu")
SETS = os.path.join(ROOT, "test", "images", "criu-4.2")
report = tally.Tally(show_ok=True)

# Fields CRIU added between 3.17 (Debian's crit) and 4.2: message -> field numbers.
ADDED_SINCE_317 = {
    "pagemap_entry": {5}, "creds_entry": {18, 19}, "task_core_entry": {21, 22},
    "thread_core_entry": {16}, "inventory_entry": {12, 13, 14}, "file_entry": {22},
    "sk_packet_entry": {128}, "cg_controller_entry": {3}, "thread_info_aarch64": {5},
    "memfd_inode_entry": {9},
}


# Enums that gained values between 3.17 and 4.2 (fd_types: PIDFD = 20).
ADDED_ENUM_VALUES = {"fd_types"}


def free_pid(want):
    pid = want
    while os.path.exists("/proc/%d" % pid):
        pid -= 1
    return pid


def restore_set(images, src, poke=None):
    """Restore a copy of set src: the restored task's exit status (1 if criu failed).

    Like CRIU, criu restore exits 0 whatever its task's status, so the task is restored
    detached and reaped here, this script being a child subreaper."""
    with tempfile.TemporaryDirectory() as d:
        for f in os.listdir(src):
            shutil.copy(os.path.join(src, f), d)
        _, (e,) = images.read(os.path.join(d, "pstree.img"))
        if os.path.exists("/proc/%d" % e.pid):
            criuimg.repid(images, d, e.pid, free_pid(e.pid - 100))
        if poke:
            poke(d)
        zdtm.become_subreaper()
        pidfile = os.path.join(d, "restored.pid")
        r = subprocess.run([CRIU, "restore", "-D", d, "-v4", "-o", "restore.log", "-d",
                            "--pidfile", pidfile], stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=60)
        rc = 1 if r.returncode else None
        if rc is None:
            status = zdtm.reap(zdtm.read_pidfile(pidfile), 30)
            rc = os.waitstatus_to_exitcode(status) if status is not None else 1
        if rc not in (1, 42):
            with open(os.path.join(d, "restore.log")) as f:
                sys.stdout.write("".join("#   " + line for line in f.readlines()[-5:]))
        return rc


def flip_data_word(d):
    with open(os.path.join(d, "pages-1.img"), "r+b") as f:
        f.seek(gen.PAGE + 8)
        w = struct.unpack("<Q", f.read(8))[0]
        f.seek(gen.PAGE + 8)
        f.write(struct.pack("<Q", w ^ 1))


def check_sets(images):
    sets = sorted(glob.glob(os.path.join(SETS, "*")))
    report(len(sets) >= 2, "CRIU 4.2 image sets kept", "fewer than 2 sets in %s" % SETS)
    for s in sets:
        name = os.path.basename(s)
        rc = restore_set(images, s)
        report(rc == 42, "4.2 set %s restores and runs" % name, "exit %d, not 42" % rc)
        rc = restore_set(images, s, flip_data_word)
        report(rc == 1, "4.2 set %s with a changed word fails its check" % name,
               "exit %d, not 1" % rc)


def rewrite_round(images, name, old_pagemap=False):
    test = zdtm.Test("zdtm/static/" + name)
    # a directory of its own: the dumps the suite keeps stay as our criu wrote them
    test.dump_dir = tempfile.mkdtemp(prefix="criu42-%s." % name)
    shutil.rmtree(test.work, ignore_errors=True)
    os.makedirs(test.work)
    pid = None
    try:
        pid = zdtm.start_test(test)
        before = zdtm.snapshot(pid)
        zdtm.run_criu(["dump", "-t", str(pid), "-D", test.dump_dir, "-v4", "-o", "dump.log"],
                      test, "dump", CRIU)
        zdtm.reap(pid, 10)
        gen.rewrite(test.dump_dir)
        _, pm = images.read(os.path.join(test.dump_dir, "pagemap-%d.img" % pid))
        lazy = any(e.flags & gen.PE_LAZY for e in pm[1:])
        if old_pagemap:
            gen.as_3x(test.dump_dir)
            lazy = True
            name += " (pagemap of CRIU 3.x)"
        zdtm.run_criu(["restore", "-D", test.dump_dir, "-v4", "-o", "restore.log", "-d"],
                      test, "restore", CRIU)
        problems = zdtm.compare_snapshots(before, zdtm.snapshot(pid), "after restore",
                                          test.unstable)
        problems += zdtm.finish_test(test, pid)
        pid = None
        report(lazy and not problems, "%s dumped, rewritten as CRIU 4.2's, restored" % name,
               "; ".join(problems) or "no PE_LAZY page after the rewrite")
    except zdtm.TestFailure as e:
        report(False, "%s dumped, rewritten as CRIU 4.2's, restored" % name,
               "; ".join(e.lines()))
    finally:
        if pid is not None and zdtm.proc_state(pid) is not None:
            zdtm.kill_and_reap(pid)
        zdtm.cleanup_children()
        shutil.rmtree(test.dump_dir, ignore_errors=True)


def raw_messages(images, path):
    """[(message name, bytes)] of a file of protobuf entries, or None for other files."""
    with open(path, "rb") as f:
        data = f.read()
    if os.path.basename(path).startswith("pages-") or len(data) < 4:
        return None, None  # raw memory
    kind, off = images.kind_of(data)
    k = images.kinds.get(kind)
    if not k or k[3]:
        return kind, None
    out = []
    while off < len(data):
        size = struct.unpack_from("<I", data, off)[0]
        out.append((k[2] if out and k[2] else k[1], data[off + 4:off + 4 + size]))
        off += 4 + size
    return kind, out


def unknown_317(pb317, name, raw):
    cls = getattr(pb317, name, None)
    if cls is None:
        return []
    msg = cls()
    msg.ParseFromString(raw)
    bad = []
    for u in criuimg.unknown_fields(msg):
        owner, num = u.rsplit("#", 1)
        leaf = owner.split(".")[-1].split("[")[0]
        leaf_msg = name if leaf == owner else _field_type(cls, owner)
        if int(num) in ADDED_SINCE_317.get(leaf_msg, ()) or \
                _new_enum_value(cls, owner, int(num)):
            continue
        bad.append(u)
    return bad


def _new_enum_value(cls, path, num):
    """A field 3.17 has, holding an enum value that 4.2 added (proto2 keeps it as unknown)."""
    d = cls.DESCRIPTOR
    for part in path.split(".")[1:]:
        d = d.fields_by_name[part.split("[")[0]].message_type
    f = d.fields_by_number.get(num)
    return f is not None and f.enum_type is not None and f.enum_type.name in ADDED_ENUM_VALUES


def _field_type(cls, path):
    d = cls.DESCRIPTOR
    for part in path.split(".")[1:]:
        d = d.fields_by_name[part.split("[")[0]].message_type
    return d.name


def check_unknown(images, d, pb317):
    ok = True
    for path in sorted(glob.glob(os.path.join(d, "*.img"))):
        kind, msgs = raw_messages(images, path)
        if kind is None or msgs is None or kind in criuimg.OUR_KINDS:
            continue
        for name, raw in msgs:
            msg = images.pb[name]()
            msg.ParseFromString(raw)
            bad = criuimg.unknown_fields(msg) + (unknown_317(pb317, name, raw) if pb317 else [])
            if bad:
                ok = report(False, "%s decodes with 4.2's definitions" % path,
                            "fields unknown to CRIU: %s" % ", ".join(bad))
    return ok


def check_semantics(images, d):
    problems = []
    _, (inv,) = images.read(os.path.join(d, "inventory.img"))
    r = inv.root_ids
    if (r.vm_id, r.files_id, r.fs_id, r.sighand_id) != (1, 1, 1, 1) or \
            any(getattr(r, k) != v for k, v in gen.NS_IDS.items()):
        problems.append("inventory root_ids are not criu's own as CRIU numbers them")
    _, tree = images.read(os.path.join(d, "pstree.img"))
    for e in tree:
        if not os.path.exists(os.path.join(d, "mm-%d.img" % e.pid)):
            continue  # a zombie
        _, (ids,) = images.read(os.path.join(d, "ids-%d.img" % e.pid))
        if 1 in (ids.vm_id, ids.files_id, ids.fs_id, ids.sighand_id) or \
                any(not ids.HasField(k) for k in gen.NS_IDS):
            problems.append("ids-%d.img: kernel object ids of criu's or no namespace ids" % e.pid)
        _, (mm,) = images.read(os.path.join(d, "mm-%d.img" % e.pid))
        _, pm = images.read(os.path.join(d, "pagemap-%d.img" % e.pid))
        problems += check_task_memory(e.pid, mm, pm[1:])
    return problems


def check_task_memory(pid, mm, pm):
    problems = []
    if any(e.flags & gen.PE_PARENT for e in pm):
        problems.append("pagemap-%d.img: PE_PARENT pages and no parent snapshot" % pid)
    if len(mm.mm_saved_auxv) > gen.CRIU_AUXV_WORDS:
        problems.append("mm-%d.img: %d words of auxv" % (pid, len(mm.mm_saved_auxv)))
    if any(e.compat_nr_pages or not e.HasField("nr_pages") for e in pm):
        problems.append("pagemap-%d.img: a count outside nr_pages" % pid)
    saved = set()
    for e in pm:
        saved.update(e.vaddr + i * gen.PAGE for i in range(e.nr_pages))
    for v in mm.vmas:
        pages = set(range(v.start, v.end, gen.PAGE))
        if v.status & gen.VMA_AREA_VDSO and (v.status != 0x209 or not pages <= saved):
            problems.append("mm-%d.img: vdso status %#x or pages not saved" % (pid, v.status))
        if v.status & gen.VMA_AREA_VVAR and (v.status != 0x1201 or pages & saved):
            problems.append("mm-%d.img: vvar status %#x or pages saved" % (pid, v.status))
    return problems


def once_form(problems):
    """The problems but those of pages saved once for the tree (--cow-pages once), and
    whether there were such."""
    rest = [p for p in problems if "PE_PARENT pages and no parent snapshot" not in p]
    return rest, len(rest) != len(problems)


def same_pages(images, once_dir, full_dir):
    """The full form has no PE_PARENT, lists the same pages as the default form, and holds
    in each child's own pages file the pages the default form takes from its parent, as they
    were (the children of cow00 sleep between the two dumps). Returns a list of problems."""
    _, tree = images.read(os.path.join(full_dir, "pstree.img"))
    problems, c_once, c_full, nr_shared = [], {}, {}, 0
    for e in tree:
        if not os.path.exists(os.path.join(full_dir, "pagemap-%d.img" % e.pid)):
            continue
        _, pm = images.read(os.path.join(full_dir, "pagemap-%d.img" % e.pid))
        _, pm_once = images.read(os.path.join(once_dir, "pagemap-%d.img" % e.pid))
        if any(x.flags & gen.PE_PARENT for x in pm[1:]):
            problems.append("--cow-pages full: pagemap-%d.img has PE_PARENT pages" % e.pid)
        once = gen.task_pages(images, once_dir, e.pid, tree, c_once)
        full = gen.task_pages(images, full_dir, e.pid, tree, c_full)
        if set(once) != set(full):
            problems.append("task %d: the two forms list different pages" % e.pid)
        shared = [x.vaddr + i * gen.PAGE for x in pm_once[1:] if x.flags & gen.PE_PARENT
                  for i in range(x.nr_pages)]
        nr_shared += len(shared)
        if any(full.get(a) != once[a] for a in shared):
            problems.append("task %d: its pages shared with its parent differ" % e.pid)
    if not nr_shared:
        problems.append("the default form has no page saved once: nothing was checked")
    return problems


def cow_full_round(images, pb317):
    """cow00 (a parent and a child sharing pages) dumped in both forms, checked as CRIU 4.2
    would read the full one, which then restores under ours with the pages shared."""
    test = zdtm.Test("zdtm/static/cow00")
    once_dir = tempfile.mkdtemp(prefix="criu42-cow-once.")
    full_dir = tempfile.mkdtemp(prefix="criu42-cow-full.")
    shutil.rmtree(test.work, ignore_errors=True)
    os.makedirs(test.work)
    pid, label = None, "cow00 dumped with --cow-pages full"
    try:
        pid = zdtm.start_test(test)
        before = zdtm.snapshot(pid)
        test.dump_dir = once_dir
        zdtm.run_criu(["dump", "-t", str(pid), "-D", once_dir, "-R", "-o", "dump.log"], test,
                      "dump", CRIU)
        test.dump_dir = full_dir
        zdtm.run_criu(["dump", "-t", str(pid), "-D", full_dir, "--cow-pages", "full", "-v4",
                       "-o", "dump.log"], test, "dump", CRIU)
        zdtm.reap(pid, 10)
        _, saved_once = once_form(check_semantics(images, once_dir))
        report(saved_once, "cow00's default form has pages saved once (PE_PARENT)",
               "no PE_PARENT: the tree shares no page?")
        report(check_unknown(images, full_dir, pb317), label + ": decodes with 4.2's "
               "definitions", "")
        problems = check_semantics(images, full_dir) + same_pages(images, once_dir, full_dir)
        report(not problems, label + ": 4.2's meaning, every page in its task's own images",
               "; ".join(problems))
        gen.rewrite(full_dir)
        zdtm.run_criu(["restore", "-D", full_dir, "-v4", "-o", "restore.log", "-d"], test,
                      "restore", CRIU)
        problems = zdtm.compare_snapshots(before, zdtm.snapshot(pid), "after restore",
                                          test.unstable)
        problems += zdtm.finish_test(test, pid)
        pid = None
        _, (st,) = images.read(os.path.join(full_dir, "stats-restore"))
        if not st.restore.pages_skipped_cow or not st.restore.pages_compared:
            problems.append("stats-restore: %d pages compared, %d shared" %
                            (st.restore.pages_compared, st.restore.pages_skipped_cow))
        report(not problems, label + ", rewritten as CRIU 4.2's, restored with its pages "
               "shared", "; ".join(problems))
    except zdtm.TestFailure as e:
        report(False, label, "; ".join(e.lines()))
    finally:
        if pid is not None and zdtm.proc_state(pid) is not None:
            zdtm.kill_and_reap(pid)
        zdtm.cleanup_children()
        shutil.rmtree(once_dir, ignore_errors=True)
        shutil.rmtree(full_dir, ignore_errors=True)


def debian_pb():
    sys.path.insert(0, "/usr/lib/python3/dist-packages")
    try:
        from pycriu.images import pb
        return pb
    except Exception:
        return None


def main():
    images = criuimg.Images(criu_only=True)
    pb317 = debian_pb()
    if not pb317:
        print("# Debian's pycriu not found: fields are not checked against crit 3.17")
    dumps = [d for d in sorted(glob.glob(os.path.join(ROOT, "build/test/dumps/*/")))
             if os.path.exists(os.path.join(d, "inventory.img"))]
    for d in dumps:
        if check_unknown(images, d, pb317):
            report(True, "%s: every image decodes with 4.2's definitions" % d, "")
        problems, once = once_form(check_semantics(images, d))
        report(not problems, "%s: 4.2's meaning%s" % (d, (
            " but for the pages its children share, saved once (--cow-pages once: CRIU 4.2 "
            "refuses those; the full form is checked below)" if once else "")),
            "; ".join(problems))
    cow_full_round(images, pb317)
    check_sets(images)
    for name in ("env00", "vdso00", "threads00"):
        rewrite_round(images, name)
    rewrite_round(images, "maps01", old_pagemap=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
