#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Random mutations of an image set: none may crash or hang criu, leave a stray process, or
restore silently wrong. Every mutation that changes the set's content must be caught by the
checksums (the restore refuses it naming a file, before it creates anything, and crit verify
fails too); a mutation that changes nothing must restore a tree that finds itself intact.

The set is a dump of the 3-process pipe ring of workloads.py (cores, ids, fdinfo, pages,
pipes-data...); a second dump of another ring gives "files from another dump". Kinds:
bit flip, truncation, extension, two files swapped (same kind first: two tasks' cores or
ids), and a file replaced by the other dump's file of the same kind.
    mutate.py [N]   N mutations (MUTATIONS, default 50), seed MUTATE_SEED (default 12)
Prints the figures per kind; exit 1 on any crash, hang, stray or silent restore."""
import collections
import filecmp
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import zdtm  # noqa: E402
import tally  # noqa: E402
import workloads  # noqa: E402

CRIU = os.environ.get("CRIU", os.path.join(zdtm.ROOT, "criu", "criu"))
CRIT = os.path.join(zdtm.ROOT, "crit", "crit")
KINDS = ("flip", "truncate", "extend", "swap", "foreign")
report = tally.Tally(show_ok=False)


def run(argv, timeout=60):
    try:
        return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return None


def dump_ring(work, name):
    pid, pids = workloads.start("tree", work)
    d = os.path.join(work, name)
    r = run([CRIU, "dump", "-t", str(pid), "-D", d, "-o", "dump.log", "-v4"])
    if not r or r.returncode:
        workloads.kill_tree(pids)
        raise RuntimeError("dump of the ring failed: %s" % (r.stderr[-500:] if r else "hang"))
    for p in pids:
        zdtm.reap(p, 10)
    os.unlink(os.path.join(d, "dump.log"))
    return d, pids


def kind_of(name):
    return re.sub(r"-\d+\.img$", "", name)


def mutate(rng, kind, d, donor):
    """Apply one mutation to directory d; returns a description."""
    # stats-dump belongs to the work directory (-W, here the same), outside the set and its
    # checksums (criu/task/core-dump.c): no restore reads it, so no change of it is caught
    files = sorted(f for f in os.listdir(d) if f != "stats-dump")
    name = rng.choice(files)
    path = os.path.join(d, name)
    size = os.path.getsize(path)
    if kind == "flip" and size:
        off, bit = rng.randrange(size), rng.randrange(8)
        with open(path, "r+b") as f:
            f.seek(off)
            c = f.read(1)[0] ^ (1 << bit)
            f.seek(off)
            f.write(bytes([c]))
        return "%s: bit %d of byte %d flipped" % (name, bit, off)
    if kind == "truncate" and size:
        n = rng.randrange(size)
        os.truncate(path, n)
        return "%s: truncated to %d of %d bytes" % (name, n, size)
    if kind == "swap":
        same = [f for f in files if f != name and kind_of(f) == kind_of(name)]
        other = rng.choice(same or [f for f in files if f != name])
        tmp = path + ".swap"
        os.rename(path, tmp)
        os.rename(os.path.join(d, other), path)
        os.rename(tmp, os.path.join(d, other))
        return "%s and %s swapped" % (name, other)
    if kind == "foreign":
        theirs = sorted(f for f in os.listdir(donor) if kind_of(f) == kind_of(name))
        if theirs:
            shutil.copyfile(os.path.join(donor, rng.choice(theirs)), path)
            return "%s replaced by the other dump's %s" % (name, kind_of(name))
    with open(path, "ab") as f:
        f.write(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64))))
    return "%s: extended" % name


def same_set(a, b):
    fa, fb = sorted(os.listdir(a)), sorted(os.listdir(b))
    return fa == fb and all(filecmp.cmp(os.path.join(a, f), os.path.join(b, f), shallow=False)
                            for f in fa)


def strays(pids):
    return [p for p in pids if zdtm.proc_state(p) not in (None, "Z", "X")]


def try_restore(d, pids, log):
    """('crash'|'hang'|'refused'|'restored', detail, restored_ok, detected)."""
    r = run([CRIU, "restore", "-D", d, "-d", "-o", log, "-v4"], timeout=30)
    if r is None:
        return "hang", "criu restore ran past 30 s", False, False
    if r.returncode < 0 or r.returncode >= 128:
        return "crash", "criu restore ended by signal (%d)" % r.returncode, False, False
    if r.returncode:
        detected = bool(re.search(r"Error \(criu/integrity/", r.stderr))
        return "refused", r.stderr.strip().splitlines()[0][:200], False, detected
    ok = workloads.finish(pids[0])
    return "restored", "", ok, False


def one(rng, i, kind, pristine, donor, pids, work, stats):
    d = os.path.join(work, "m")
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(pristine, d)
    what = mutate(rng, kind, d, donor)
    changed = not same_set(d, pristine)
    outcome, detail, ok, detected = try_restore(d, pids, os.path.join(work, "restore.log"))
    left = strays(pids)
    workloads.kill_tree(left)
    zdtm.cleanup_children()
    v = run([CRIT, "verify", d])
    crit_ok = v is not None and v.returncode == 0
    s = stats[kind]
    s["total"] += 1
    s["changed"] += changed
    s[outcome] += 1
    name = "#%d %s" % (i, what)
    problems = []
    if outcome in ("crash", "hang"):
        problems.append(detail)
    if left and outcome != "restored":
        problems.append("stray processes %s after a refused restore" % left)
    if changed:
        s["detected"] += detected
        if outcome == "restored":
            s["silent"] += 1
            problems.append("content changed, yet restored (the tree found itself %s)" %
                            ("intact" if ok else "DAMAGED"))
        elif not detected:
            problems.append("refused, but not by the checksums: " + detail)
        if crit_ok:
            problems.append("crit verify accepts the changed set")
    elif outcome != "restored" or not ok:
        problems.append("unchanged set, yet %s: %s" % (outcome, detail or "tree damaged"))
    report(not problems, name, "; ".join(problems))
    shutil.rmtree(d, ignore_errors=True)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("MUTATIONS", "50"))
    rng = random.Random(int(os.environ.get("MUTATE_SEED", "12")))
    zdtm.become_subreaper()
    work = tempfile.mkdtemp(prefix="criu-mutate.", dir="/dev/shm")
    stats = collections.defaultdict(collections.Counter)
    start = time.time()
    try:
        donor, _ = dump_ring(work, "donor")
        pristine, pids = dump_ring(work, "pristine")
        for i in range(n):
            one(rng, i, KINDS[i % len(KINDS)], pristine, donor, pids, work, stats)
    finally:
        zdtm.cleanup_children()
        shutil.rmtree(work, ignore_errors=True)
    cols = ("total", "changed", "detected", "refused", "restored", "silent", "crash", "hang")
    print("# %-9s" % "mutation" + "".join("%9s" % c for c in cols))
    for kind in KINDS + ("all",):
        s = stats[kind] if kind != "all" else sum(stats.values(), collections.Counter())
        print("# %-9s" % kind + "".join("%9d" % s[c] for c in cols))
    print("# %d mutations in %.0f s" % (n, time.time() - start))
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
