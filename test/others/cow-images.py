#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Pages a child shares copy-on-write with its parent are checked before anything is made.

Dumps zdtm/static/cow00 (a parent and a child that share pages), whose child's pagemap lists
those pages as PE_PARENT, with no data. Then, each time on a fresh copy of the images:
1. the child's VMA with those pages made different from the parent's (its protection) is
   refused, naming the child's pagemap;
2. the parent's pagemap without the pages the child takes from it is refused;
3. a CRIU "parent" snapshot link next to the images is refused (PE_PARENT then means the
   previous dump's pages, and the linked directory has none);
each with exit status 1, an "Error (" line and no task left behind.
Then the images in CRIU 4.2's form (test/images/gen-criu42.py full-pages and rewrite: every
page the child shares written into its own pages file, no PE_PARENT, none of our images)
restore, and cow00 finds the pages it shares with its child on the same page frames again
(the restore compared the child's pages with the parent's copy: stats-restore counts them
in pages_compared and pages_skipped_cow). Finally the pristine images restore and the test
passes."""
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "images"))
import zdtm  # noqa: E402
import tally  # noqa: E402
gen = __import__("importlib").import_module("gen-criu42")

CRIU = os.path.join(zdtm.ROOT, "criu", "criu")
CRIT = os.path.join(zdtm.ROOT, "crit", "crit")
PE_PARENT = 1
report = tally.Tally(show_ok=True)


def run(argv):
    return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=60)


def load(path):
    r = run([CRIT, "decode", "-i", path])
    if r.returncode:
        raise RuntimeError("crit decode %s: %s" % (path, r.stderr))
    return json.loads(r.stdout)


def store(img, path):
    src = path + ".json"
    with open(src, "w") as f:
        json.dump(img, f)
    r = run([CRIT, "encode", "-i", src, "-o", path])
    os.unlink(src)
    if r.returncode:
        raise RuntimeError("crit encode %s: %s" % (path, r.stderr))


def num(x):
    return int(x, 0) if isinstance(x, str) else x


def flags(e):
    f = e.get("flags", 4)
    return f if isinstance(f, int) else sum({"PE_PARENT": 1, "PE_LAZY": 2, "PE_PRESENT": 4}[x]
                                                for x in f.split(" | "))


def pagemaps(work, pids):
    """(parent's, child's) pagemap-PID.img paths: the child is the one with PE_PARENT."""
    paths = [os.path.join(work, "pagemap-%d.img" % p) for p in pids]
    kid = [p for p in paths if any(flags(e) & PE_PARENT for e in load(p)["entries"][1:])]
    if len(kid) != 1:
        raise RuntimeError("expected one pagemap with PE_PARENT entries, got %d" % len(kid))
    return [p for p in paths if p != kid[0]][0], kid[0]


def vma_mismatch(work, pids):
    """The child's VMA that holds pages of its parent no longer matches the parent's."""
    parent, kid = pagemaps(work, pids)
    va = [num(e["vaddr"]) for e in load(kid)["entries"][1:] if flags(e) & PE_PARENT][0]
    mm_path = kid.replace("pagemap-", "mm-")
    mm = load(mm_path)
    vma = [v for v in mm["entries"][0]["vmas"] if num(v["start"]) <= va < num(v["end"])][0]
    vma["prot"] = num(vma["prot"]) ^ 4  # PROT_EXEC
    store(mm, mm_path)
    return os.path.basename(kid)


def parent_without_pages(work, pids):
    """The parent's runs that hold pages the child takes from it, removed."""
    parent, kid = pagemaps(work, pids)
    shared = [num(e["vaddr"]) for e in load(kid)["entries"][1:] if flags(e) & PE_PARENT]
    img = load(parent)
    img["entries"] = [img["entries"][0]] + [
        e for e in img["entries"][1:]
        if not any(num(e["vaddr"]) <= s < num(e["vaddr"]) + num(e["nr_pages"]) * 4096
                   for s in shared)]
    store(img, parent)
    return os.path.basename(kid)


def snapshot_link(work, pids):
    os.symlink("..", os.path.join(work, "parent"))
    return None


def refused(pristine, work, pids, label, damage):
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(pristine, work)
    name = damage(work, pids)
    # the checksums would refuse any change first: these checks are the ones behind them
    r = run([CRIU, "restore", "-D", work, "-d", "-o", "restore.log", "--skip-checksums"])
    why = []
    if r.returncode != 1:
        why.append("criu exited %d" % r.returncode)
    elif "Error (" not in r.stderr:
        why.append("no 'Error (' line: %r" % r.stderr[-300:])
    elif name and name not in r.stderr:
        why.append("the error does not name %s: %r" % (name, r.stderr[-300:]))
    alive = [p for p in pids if zdtm.proc_state(p) not in (None, "Z", "X")]
    if alive:
        why.append("tasks left behind: %s" % alive)
        for p in alive:
            zdtm.kill_and_reap(p)
    zdtm.cleanup_children()
    report(not why, label, "; ".join(why))


def restore_stats(work):
    """stats-restore of the restore just made in work: its restore entry as a dict."""
    return load(os.path.join(work, "stats-restore"))["entries"][0]["restore"]


def criu_form(work, pids):
    """The set as CRIU 4.2 writes it: the child's shared pages in its own pages file."""
    gen.full_pages(work)
    gen.rewrite(work)
    left = [e for p in pids for e in load(os.path.join(work, "pagemap-%d.img" % p))
            ["entries"][1:] if flags(e) & PE_PARENT]
    ours = [f for f in os.listdir(work) if f.startswith("task-extra-") or f == "checksums.img"]
    if left or ours:
        raise RuntimeError("not CRIU's form: %d PE_PARENT entries, files %s" % (len(left), ours))


def restores(test, pids, src, work, label, out, reform=None):
    """A copy of src (made into another form by reform) restores and the test passes.
    Returns stats-restore's restore entry ({} if the restore failed)."""
    if work != src:
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(src, work)
    if reform:
        reform(work, pids)
    # the test's verdict and log files as they were at the dump (out: path -> bytes): a
    # restore checks the size of the files the task has open
    for path in (test.outfile, test.outfile + ".log"):
        if path in out:
            with open(path, "wb") as f:
                f.write(out[path])
        elif os.path.exists(path):
            os.unlink(path)
    r = run([CRIU, "restore", "-D", work, "-d", "-o", "restore.log"])
    why = [] if r.returncode == 0 else ["restore failed: " + r.stderr[-300:]]
    st = restore_stats(work) if not why else {}
    if not why:
        why = zdtm.finish_test(test, pids[0])
    for p in pids:  # a child whose parent failed may linger: its pid is needed again
        if zdtm.proc_state(p) not in (None, "Z", "X"):
            zdtm.kill_and_reap(p)
    zdtm.cleanup_children()
    report(not why, label, "; ".join(why))
    return st


def main():
    zdtm.become_subreaper()
    test = zdtm.Test("zdtm/static/cow00")
    test.work = os.path.join(zdtm.RUN_DIR, "cow-images")
    test.dump_dir = os.path.join(zdtm.DUMP_DIR, "cow-images")
    test.pidfile = os.path.join(test.work, "test.pid")
    test.outfile = os.path.join(test.work, "test.out")
    work = os.path.join(zdtm.RUN_DIR, "cow-images-copy")
    for d in (test.work, test.dump_dir):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    pid = zdtm.start_test(test)
    try:
        pids = [pid] + zdtm.tree_pids(pid)
        r = run([CRIU, "dump", "-t", str(pid), "-D", test.dump_dir, "-o", "dump.log"])
        if r.returncode:
            report(False, "dump", r.stderr[-300:])
            return report.finish()
        zdtm.reap(pid, 10)
        zdtm.free_tree_pids(pids[1:], False)
        out = {}
        for path in (test.outfile, test.outfile + ".log"):
            if os.path.exists(path):
                with open(path, "rb") as f:
                    out[path] = f.read()
        refused(test.dump_dir, work, pids, "the child's VMA differs from its parent's",
                vma_mismatch)
        refused(test.dump_dir, work, pids, "the parent's pagemap lacks the shared pages",
                parent_without_pages)
        refused(test.dump_dir, work, pids, "PE_PARENT next to a snapshot \"parent\" link",
                snapshot_link)
        st = restores(test, pids, test.dump_dir, work, "CRIU 4.2's form restores and cow00 "
                      "finds its pages shared", out, criu_form)
        report(st.get("pages_compared", 0) > 0 and st.get("pages_skipped_cow", 0) > 0,
               "CRIU 4.2's form: the child's pages were compared and shared",
               "stats-restore: %s" % st)
        restores(test, pids, test.dump_dir, test.dump_dir, "pristine images restore and "
                 "cow00 passes", out)
    finally:
        if zdtm.proc_state(pid) is not None:
            zdtm.kill_and_reap(pid)
        zdtm.cleanup_children()
        shutil.rmtree(work, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
