#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""crit/crit over every image of every dump the suite kept under build/test/dumps/:
- `crit decode | crit encode` gives back the same bytes;
- `crit decode` (plain and --pretty) gives the JSON upstream crit (pycriu, read in this
  process) gives, and --pretty the very same text;
- raw pages images and damaged input are refused with exit 1 and an "Error:" line;
- `crit x DIR ps|fds|mems` prints upstream's tables, `rss` and `info` run.
Skips (77) when there are no dumps; the upstream comparisons need Debian's python3-criu."""
import concurrent.futures
import glob
import hashlib
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tally  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CRIT = os.path.join(ROOT, "crit", "crit")
report = tally.LockedTally(show_ok=False)


def crit(args, data=None):
    return subprocess.run([CRIT] + args, input=data, capture_output=True, timeout=60)


def upstream():
    sys.path.insert(0, "/usr/lib/python3/dist-packages")
    try:
        import pycriu
        return pycriu
    except Exception:
        return None


def covers(ours, theirs):
    """ours equals theirs, except for fields upstream's older .proto files do not know
    (newer CRIU fields such as creds.cap_amb): upstream drops those, we print them."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        return all(k in ours and covers(ours[k], v) for k, v in theirs.items())
    if isinstance(ours, list) and isinstance(theirs, list):
        return len(ours) == len(theirs) and all(map(covers, ours, theirs))
    return ours == theirs


def as_42(img):
    """Debian's crit 3.17 reads pagemap field 2 under its old name nr_pages; CRIU 4.2 calls it
    compat_nr_pages and keeps the count in field 5 (which 3.17 does not know)."""
    if img.get("magic") == "PAGEMAP":
        for e in img["entries"][1:]:
            if "nr_pages" in e:
                e["compat_nr_pages"] = e.pop("nr_pages")
    return img


def upstream_knows(path, pycriu):
    """Whether Debian's crit has the image's kind (task-extra-PID.img is ours alone)."""
    by_val = pycriu.images.magic.by_val
    with open(path, "rb") as f:
        magic = int.from_bytes(f.read(4), "little")
        if by_val.get(magic) in ("IMG_COMMON", "IMG_SERVICE"):
            magic = int.from_bytes(f.read(4), "little")
    return magic in by_val


def check_image(path, pycriu):
    name = os.path.relpath(path, ROOT)
    with open(path, "rb") as f:
        orig = f.read()
    dec = crit(["decode", "-i", path])
    if dec.returncode:
        report(False, name, "decode failed: %s" % dec.stderr.decode().strip())
        return
    enc = crit(["encode"], dec.stdout)
    report(enc.returncode == 0 and enc.stdout == orig, name + " round-trip",
           "decode | encode differs from the original (%s)" % enc.stderr.decode().strip())
    pretty = crit(["decode", "--pretty", "-i", path])
    enc = crit(["encode"], pretty.stdout)
    report(pretty.returncode == 0 and enc.stdout == orig, name + " pretty round-trip",
           "decode --pretty | encode differs from the original")
    # checksums.img is ours, and kinds upstream lacks: nothing to compare with
    if not pycriu or os.path.basename(path) == "checksums.img" or \
            not upstream_knows(path, pycriu):
        return
    for p, out in ((False, dec.stdout), (True, pretty.stdout)):
        with open(path, "rb") as f:
            want = as_42(pycriu.images.load(f, p))
        ours = json.loads(out)
        report(covers(ours, want), "%s json%s" % (name, " pretty" if p else ""),
               "differs from upstream crit's")
    if ours == want:
        text = json.dumps(want, indent=4) + "\n"
        report(pretty.stdout.decode() == text, name + " pretty text", "differs from upstream")


def check_refusals():
    pages = sorted(glob.glob(os.path.join(ROOT, "build/test/dumps/*/pages-*.img")))
    for args, data, what in (
            (["decode", "-i", pages[0]] if pages else None, None, "raw pages image"),
            (["decode"], b"\x19\x43\x56\x54\x47\x38\x05\x55\x40\x00\x00\x00\x08",
             "truncated core entry"),
            (["decode"], b"\x19\x43\x56\x54\x01\x02\x03\x04", "unknown magic"),
            (["encode"], b'{"magic": "CORE", "entries": [{"mtype": "X86_64"', "bad JSON"),
            (["encode"], b'{"magic": "CORE", "entries": [{"nosuch": 1}]}', "unknown field"),
            (["encode"], b'{"magic": "PSTREE", "entries": [{"pid": 1}]}', "missing field"),
            (["encode"], b'{"magic": "PSTREE", "entries": [{"pid": 1, "ppid": 0, '
             b'"pgid": 1, "sid": 4294967296}]}', "out of range")):
        if not args:
            continue
        r = crit(args, data)
        report(r.returncode == 1 and r.stderr.startswith(b"Error: ") and
               r.stderr.count(b"\n") >= 1, "refuses " + what,
               "exit %d, stderr %r" % (r.returncode, r.stderr[:200]))


def check_explore(d):
    for what in ("ps", "fds", "mems", "rss"):
        r = crit(["x", d, what])
        report(r.returncode == 0 and r.stdout, "x %s %s" % (d, what), r.stderr.decode())
        if what == "rss" or not os.path.exists("/usr/bin/crit"):
            continue   # upstream's rss walks off its VMA list on our images
        u = subprocess.run(["/usr/bin/crit", "x", d, what], capture_output=True)
        report(u.returncode != 0 or u.stdout == r.stdout, "x %s %s vs upstream" % (d, what),
               "tables differ")
    r = crit(["info", sorted(glob.glob(os.path.join(d, "core-*.img")))[0]])
    report(r.returncode == 0 and json.loads(r.stdout) == {"magic": "CORE", "count": 1},
           "info " + d, r.stderr.decode())


# raw images (no magic, as in CRIU): pages, and the network tools' output (ip ... save,
# iptables-save, nftables' ruleset text), which neither crit nor CRIU's decodes
RAW_IMAGES = ("pages-", "tmpfs-dev-", "ifaddr-", "route-", "route6-", "rule-", "rule6-",
              "iptables-", "ip6tables-", "nftables-")


PER_KIND = 60
EXPLORED_DUMPS = 60


def spread(items, most):
    """At most `most` of items, evenly spaced."""
    step = max(1, len(items) / most)
    return [items[int(i * step)] for i in range(min(len(items), most))]


def sample_images(paths):
    """Each distinct image once (byte-identical files give identical results), and at most
    PER_KIND of one kind (core, mm, fdinfo...), spread over the suite's dumps: the suite
    keeps thousands, and checking them all took longer than the rest of make test."""
    seen, by_kind = set(), {}
    for path in paths:
        with open(path, "rb") as f:
            digest = hashlib.sha1(f.read()).digest()
        if digest in seen:
            continue
        seen.add(digest)
        kind = re.sub(r"[-0-9]+", "", os.path.basename(path))
        by_kind.setdefault(kind, []).append(path)
    picked = []
    for group in by_kind.values():
        picked += spread(group, PER_KIND)
    print("# %d images checked (of %d kept; distinct, at most %d per kind)"
          % (len(picked), len(paths), PER_KIND))
    return picked


def main():
    dumps = [d for d in sorted(glob.glob(os.path.join(ROOT, "build/test/dumps/*/")))
             if os.path.exists(os.path.join(d, "inventory.img"))]
    if not dumps:
        print("SKIP: no dumps kept; run the zdtm suite first")
        return 77
    pycriu = upstream()
    if not pycriu:
        print("# upstream pycriu not found: JSON is not compared with upstream")
    paths = sample_images([path for d in dumps
                           for path in sorted(glob.glob(d + "*.img") + glob.glob(d + "stats-*"))
                           if not os.path.basename(path).startswith(RAW_IMAGES)])
    # a crit process per check: as many at once as there are CPUs (ASan builds are slow)
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        list(pool.map(lambda path: check_image(path, pycriu), paths))
        list(pool.map(check_explore, spread(dumps, EXPLORED_DUMPS)))
    check_refusals()
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
