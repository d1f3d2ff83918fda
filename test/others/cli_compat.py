# SPDX-License-Identifier: GPL-2.0
"""CRIU 4.2's command line, as runners and scripts use it (run from cli.py): every option and
command name parses (it works, or is refused as "not supported yet", never "unknown"), CRIU's
argument rules and -v forms, check's groups and 45 features against what the kernel shows,
every stats field, and CRIU's exit statuses."""
import ctypes
import json
import mmap
import os
import shutil
import signal
import subprocess
import sys
import time

import criu42facts as criu42

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CRIU = os.path.join(ROOT, "criu", "criu")
CRIT = os.path.join(ROOT, "crit", "crit")

# an argument each option accepts where criu implements it; anything for the others
SAMPLE_ARGS = {"tree": "1", "close": "99", "timeout": "5", "ghost-limit": "1M",
               "status-fd": "1", "feature": "timerfd", "pre-dump-mode": "splice",
               "file-validation": "filesize", "action-script": "/bin/true",
               "log-file": "-", "network-lock": "skip", "cgroup-root": "cpu:/x",
               "ext-mount-map": "auto", "external": "mnt[/x]:key",
               "port": "27000", "ps-socket": "7"}


def run(*args, env=None):
    return subprocess.run([CRIU] + list(args), capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL, timeout=60)


def option_words(name, has_arg, work):
    if has_arg != 1:
        return ["--" + name]
    if name in ("images-dir", "work-dir", "libdir"):  # libdir: an empty plugin directory
        return ["--" + name, work]
    if name == "pidfile":
        return ["--" + name, os.path.join(work, "opt.pid")]
    if name == "config":
        path = os.path.join(work, "empty.conf")
        open(path, "w").close()
        return ["--" + name, path]
    return ["--" + name, SAMPLE_ARGS.get(name, "x")]


def refused_as_later(r, name):
    return r.returncode == 1 and "not supported yet" in r.stderr and name in r.stderr


def test_long_options(check, work):
    """Each of CRIU 4.2's long options works with check or is refused naming it."""
    bad = []
    for name, has_arg in criu42.LONG_OPTIONS:
        words = option_words(name, has_arg, work)
        if name == "restore-sibling":
            words = ["-d"] + words  # CRIU accepts it only with --restore-detached
        r = run(*(words + ["check"]))
        if "Unknown" in r.stderr or "nknown option" in r.stderr:
            bad.append("--%s: unknown (%s)" % (name, r.stderr.strip()[-80:]))
        elif r.returncode == 0 and (r.stdout.startswith("Looks good.") or
                                    name in ("help", "version") or "is supported" in r.stdout):
            continue
        elif r.returncode == 1 and r.stdout.startswith("Looks good but some kernel features"):
            continue  # --extra and the like, on a kernel that lacks some
        elif refused_as_later(r, "--" + name):
            continue
        elif name == "ms" and r.returncode == 1 and "--ms is deprecated" in r.stderr:
            continue  # CRIU refuses it the same way
        else:
            bad.append("--%s: rc %d %s" % (name, r.returncode, r.stderr.strip()[-80:]))
    check(not bad, "all %d long option names of CRIU 4.2 parse: work or 'not supported yet'"
          % len(criu42.LONG_OPTIONS), "; ".join(bad))


def test_argument_rules(check):
    """CRIU's getopt rules: a required argument is required, a flag takes none."""
    bad = []
    for name, has_arg in criu42.LONG_OPTIONS:
        if has_arg == 1:
            r = run("check", "--" + name)
            if "--%s needs an argument" % name not in r.stderr:
                bad.append("--%s at the end: %s" % (name, r.stderr.strip()[-60:]))
        elif has_arg == 0:
            r = run("--%s=1" % name, "check")
            if "--%s takes no argument" % name not in r.stderr:
                bad.append("--%s=1: %s" % (name, r.stderr.strip()[-60:]))
        else:
            r = run("--%s=1" % name, "check")
            if "argument" in r.stderr and "INODE" not in r.stderr:
                bad.append("--%s=1: %s" % (name, r.stderr.strip()[-60:]))
    check(not bad, "each option takes its argument as CRIU's does", "; ".join(bad))


def test_short_options(check, work):
    bad = []
    for letter, name in sorted(criu42.SHORT_OPTIONS.items()):
        has_arg = dict(criu42.LONG_OPTIONS)[name]
        words = ["-" + letter] + (option_words(name, 1, work)[1:] if has_arg == 1 else [])
        if letter == "S":
            words = ["-d"] + words
        r = run(*(words + ["check"]))
        ok = r.returncode == 0 or refused_as_later(r, "--" + name)
        if not ok or "Unknown" in r.stderr:
            bad.append("-%s (--%s): rc %d %s" % (letter, name, r.returncode, r.stderr[-80:]))
    check(not bad, "CRIU's short options -dSsRthDovxVrjJlWLM are its long ones",
          "; ".join(bad))


def test_commands(check, work):
    bad = []
    for words in criu42.COMMANDS:
        if words[0] in ("service", "page-server", "lazy-pages"):
            continue        # they listen for a client: rpc.py, page-server.py, lazy-pages.py
        if words[0] == "cpuinfo":  # dump first: check reads what it wrote
            words = words + ["-D", work]
        r = run(*words)
        named = " ".join(words[:2] if words[0] == "cpuinfo" else words[:1])
        if "Unknown command" in r.stderr:
            bad.append("%s: unknown" % named)
        elif words[0] == "swrk" and not (r.returncode == 1 and "SEQPACKET" in r.stderr):
            bad.append("swrk 3 (not a socket): rc %d %s" % (r.returncode, r.stderr[-80:]))
        elif words[0] == "cpuinfo" and r.returncode != 0:
            bad.append("%s: rc %d %s" % (named, r.returncode, r.stderr[-80:]))
        elif words[0] not in ("dump", "pre-dump", "dedup", "restore", "check", "swrk",
                              "cpuinfo") and not (
                r.returncode == 1 and "'%s' is not supported yet" % named in r.stderr):
            bad.append("%s: rc %d %s" % (named, r.returncode, r.stderr[-80:]))
    for word in criu42.REMOVED_COMMANDS:
        r = run(word)
        if r.returncode != 255 or "\"%s\" action is deprecated" % word not in r.stderr:
            bad.append("%s: rc %d %s" % (word, r.returncode, r.stderr[-80:]))
    for word in criu42.GONE_COMMANDS:
        r = run(word)
        if r.returncode != 1 or "Unknown command" not in r.stderr:
            bad.append("%s: rc %d %s" % (word, r.returncode, r.stderr[-80:]))
    r = run("cpuinfo")
    if r.returncode != 1 or "requires an action" not in r.stderr:
        bad.append("cpuinfo alone: " + r.stderr[-60:])
    r = run("dump", "-t", "1", "extra-word")
    if r.returncode != 1 or "extra-word" not in r.stderr:
        bad.append("an extra word after dump: " + r.stderr[-60:])
    check(not bad, "every command of CRIU 4.2 is known: runs, or is refused naming it",
          "; ".join(bad))


def log_level_of(*vargs):
    """The log level criu ends up with: warnings show from 2, info lines from 3."""
    warn = run(*(list(vargs) + ["check", "--feature", "nftables"]))
    info = run(*(list(vargs) + ["check"]))
    if "Unknown" in warn.stderr + info.stderr:
        return "unknown option"
    if ": ok" in info.stderr:
        return ">=3"
    return "2" if "Warn" in warn.stderr else "<2"


def test_verbosity(check):
    cases = [((), "2"), (("-v",), ">=3"), (("-vv",), ">=3"), (("-vvv",), ">=3"),
             (("-v0",), "<2"), (("-v1",), "<2"), (("-v2",), "2"), (("-v3",), ">=3"),
             (("-v", "-v1"), "<2"), (("-v1", "-v"), "2"), (("--verbosity",), ">=3"),
             (("--verbosity=1",), "<2"), (("--verbosity=2",), "2"),
             (("-verbosity=0",), "<2"), (("-vx",), "<2"), (("-v3x",), ">=3"),
             (("-v0", "-vv"), "2")]
    bad = ["%s: level %s, expected %s" % (" ".join(a), got, want)
           for a, want in cases for got in [log_level_of(*a)] if got != want]
    check(not bad, "-v, -vN, -vvv, --verbosity[=N] and -verbosity=0 as CRIU reads them",
          "; ".join(bad))


def soft_dirty_works():
    """The kernel's own answer: a page written after clear_refs 4 has pagemap bit 55."""
    buf = mmap.mmap(-1, 4096)
    buf[0] = 1
    with open("/proc/self/clear_refs", "w") as f:
        f.write("4")
    buf[0] = 2
    addr = ctypes.addressof(ctypes.c_char.from_buffer(buf))
    with open("/proc/self/pagemap", "rb") as f:
        f.seek(addr // 4096 * 8)
        pme = int.from_bytes(f.read(8), "little")
    return bool(pme & (1 << 55))


def uffd_wp_kernel():
    """userfaultfd WP_ASYNC and PAGEMAP_SCAN, which criu tracks writes with, came in 6.7."""
    major, minor = (int(x) for x in os.uname().release.split(".")[:2])
    return (major, minor) >= (6, 7)


def kernel_oracles():
    """What the system shows for a few features, found without criu."""
    fs = open("/proc/filesystems").read().split()
    return {
        # criu tracks writes with soft-dirty bits, or userfaultfd WP_ASYNC and PAGEMAP_SCAN
        "mem_dirty_track": uffd_wp_kernel() or soft_dirty_works(),
        "timens": os.path.exists("/proc/self/ns/time"),
        "cgroupns": os.path.exists("/proc/self/ns/cgroup"),
        "ns_pid": "NSpid:" in open("/proc/self/status").read(),
        "tun": os.path.exists("/dev/net/tun") or None,
        "autofs": None if "autofs" in fs else False,
        "apparmor_stacking": None if os.path.exists("/sys/kernel/security/apparmor")
        else False,
        "has_ipt_legacy": bool(shutil.which("iptables-legacy") and
                               shutil.which("ip6tables-legacy")),
        "ipv6_freebind": None if os.path.exists("/proc/net/if_inet6") else False,
    }


def test_check_features(check):
    r = run("check", "--feature", "list")
    check(r.returncode == 0 and r.stdout.split() == criu42.FEATURES,
          "check --feature list names CRIU 4.2's 45 features", r.stdout[-200:] + r.stderr)
    oracle = kernel_oracles()
    bad, missing = [], []
    for name in criu42.FEATURES:
        r = run("check", "--feature", name)
        yes = r.returncode == 0 and r.stdout == "%s is supported\n" % name
        no = r.returncode == 1 and "is supported" not in r.stdout and name in r.stderr
        if not (yes or no):
            bad.append("%s: rc %d %r %r" % (name, r.returncode, r.stdout, r.stderr[-80:]))
        elif oracle.get(name) is not None and oracle[name] != yes:
            bad.append("%s: says %s, the kernel shows %s" % (name, yes, oracle[name]))
        if no:
            missing.append(name)
    check(not bad, "check --feature answers each of the 45 (\"NAME is supported\", or exit 1 "
          "saying why), as the kernel shows", "; ".join(bad))
    print("# features missing here: %s" % " ".join(missing))
    return missing


def check_group(check, flags, expect_missing):
    r = run(*(["check"] + flags))
    if expect_missing:
        ok = r.returncode == 1 and r.stdout.startswith("Looks good but some kernel features "
                                                       "are missing") and \
            all(n in r.stderr for n in expect_missing)
    else:
        ok = r.returncode == 0 and r.stdout.startswith("Looks good.\nMemory tracking")
    check(ok, "check %s: exit %d, names %s" % (" ".join(flags), 1 if expect_missing else 0,
                                               " ".join(expect_missing) or "nothing"),
          "rc %d %r %r" % (r.returncode, r.stdout, r.stderr[-300:]))


EXPERIMENTAL = ["autofs", "compat_cr"]
# CRIU's --extra group: every feature but these (compat_cr, autofs are --experimental)
NOT_EXTRA = ["tun", "tun_ns", "sk_unix_file", "nsid", "link_nsid", "external_net_ns",
             "nftables", "has_ipt_legacy", "binfmt_misc_sandboxing", "apparmor_stacking"]


def test_check_groups(check, missing):
    extra = [n for n in missing if n not in EXPERIMENTAL + NOT_EXTRA]
    if "apparmor_stacking" in missing and os.path.exists("/sys/kernel/security/apparmor"):
        extra.append("apparmor_stacking")
    exper = [n for n in missing if n in EXPERIMENTAL]
    r = run("check")
    line = (r.stdout.splitlines() + ["", ""])[1]
    soft = soft_dirty_works()
    if soft:
        uses, says = "soft-dirty bits", "clear_refs"
    elif uffd_wp_kernel():
        uses, says = "PAGEMAP_SCAN with userfaultfd write-protect", "this kernel has no " \
            "soft-dirty bits"
    else:
        uses, says = "none", "neither soft-dirty bits"
    check(r.returncode == 0 and r.stdout.startswith("Looks good.\n") and
          line.startswith("Memory tracking (pre-dump): " + uses) and says in line,
          "plain check: Looks good., the tracking pre-dump uses (%s here) and whether the "
          "kernel has soft-dirty bits (%s here)" % (uses.split(" ")[0], "yes" if soft else "no"),
          r.stdout + r.stderr)
    check_group(check, ["--extra"], extra)
    check_group(check, ["--experimental"], exper)
    check_group(check, ["--all"], extra + exper)
    check_group(check, ["--all", "--no-extra", "--no-experimental"], [])


def test_exit_statuses(check):
    r = run("--bogus-option", "dump")
    check(r.returncode == 1 and "--bogus-option" in r.stderr and "Usage:" in r.stdout and
          "Try -h|--help" in r.stdout, "a bad option: exit 1, the usage on stdout as CRIU",
          r.stdout[-100:] + r.stderr)
    r = run("--version")
    check(r.returncode == 0 and r.stdout.startswith("Version: "), "--version: exit 0")
    r = run("--help", "--bogus-option")
    check(r.returncode == 0 and "--images-dir" in r.stdout, "--help wins over a bad option")
    r = run("-R", "check", "--feature", "no_such_one")
    check(r.returncode == 1 and "Unknown feature no_such_one" in r.stderr,
          "an unknown feature: exit 1", r.stderr)


def stats_of(path):
    r = subprocess.run([CRIT, "decode", "-i", path], capture_output=True, text=True)
    if r.returncode:
        return {}
    entry = json.loads(r.stdout)["entries"][0]
    return entry.get("dump") or entry.get("restore") or {}


HOG = r"""
import os, sys, time
fd = os.memfd_create("cli-stats")
os.ftruncate(fd, 6 * 4096)
for pg in (0, 1, 5):                     # three pages of data, three of hole
    os.pwrite(fd, bytes([pg + 1]) * 4096, pg * 4096)
buf = bytearray(b"x" * (64 * 4096))
code = int(sys.argv[2])
import signal
signal.signal(signal.SIGTERM, lambda *a: os._exit(code))
open(sys.argv[1], "w").write(str(os.getpid()))
while True:
    time.sleep(1)
"""


def start_hog(work, code):
    pidfile = os.path.join(work, "hog.pid")
    if os.path.exists(pidfile):
        os.unlink(pidfile)
    p = subprocess.Popen([sys.executable, "-c", HOG, pidfile, str(code)],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, close_fds=True, start_new_session=True)
    for _ in range(500):
        if os.path.exists(pidfile) and open(pidfile).read():
            return p
        time.sleep(0.01)
    return p


def pages_in_images(img):
    return sum(os.path.getsize(os.path.join(img, n)) for n in os.listdir(img)
               if n.startswith("pages-")) // 4096


def vdso_pages(img):
    """Pages of the vdso VMAs: saved as CRIU saves them, but restore maps this kernel's own."""
    total = 0
    for n in os.listdir(img):
        if not (n.startswith("mm-") and n.endswith(".img")):
            continue
        r = subprocess.run([CRIT, "decode", "-i", os.path.join(img, n)], capture_output=True,
                           text=True)
        for v in json.loads(r.stdout)["entries"][0].get("vmas", []) if not r.returncode else []:
            num = [x if isinstance(x, int) else int(x, 0)
                   for x in (v["status"], v["start"], v["end"])]
            if num[0] & 0x8:  # VMA_AREA_VDSO
                total += (num[2] - num[1]) // 4096
    return total


def gone(pid):
    for _ in range(500):
        if not os.path.exists("/proc/%d" % pid):
            return True
        time.sleep(0.01)
    return False


def dump_hog(check, work, tag, code, *extra):
    img, wd = os.path.join(work, tag + "-img"), os.path.join(work, tag + "-wd")
    os.makedirs(wd)
    p = start_hog(work, code)
    r = run("dump", "-t", str(p.pid), "-D", img, "-W", wd, "-o", "dump.log",
            "--display-stats", *extra)
    p.wait()
    check(r.returncode == 0, "dump of a python task with a memfd (%s%s)" %
          (tag, " " + " ".join(extra) if extra else ""), r.stderr[-300:])
    return p.pid, img, wd, r


def test_dump_stats(check, work):
    pid, img, wd, r = dump_hog(check, work, "stats", 7)
    st = stats_of(os.path.join(wd, "stats-dump"))
    check(not os.path.exists(os.path.join(img, "stats-dump")) and st,
          "stats-dump is in the work directory (-W), as CRIU puts it", str(os.listdir(img)))
    absent = [f for f in criu42.DUMP_STATS if f not in st]
    check(st and not absent, "stats-dump carries all 14 fields of CRIU 4.2", str(absent))
    if absent:
        return img, wd, pid, st
    on_disk = pages_in_images(img)
    check(st["pages_written"] + st["shpages_written"] == on_disk,
          "pages_written + shpages_written = the pages in pages-*.img (%d)" % on_disk,
          "%d + %d" % (st["pages_written"], st["shpages_written"]))
    check(st["shpages_written"] == 3 and st["shpages_scanned"] == 6,
          "the memfd: 6 pages looked at, its 3 pages of data written", str(st))
    check(st["pages_scanned"] >= st["pages_written"] >= 64,
          "the task's 64 written pages at least are dumped, of more scanned", str(st))
    check(st["page_pipes"] == 1 and st["page_pipe_bufs"] >= 1 and
          st["memwrite_time"] <= st["memdump_time"],
          "one page transfer (one task) with its pipes; writing is part of the memory dump",
          str(st))
    check(all(st[f] == 0 for f in ("pages_skipped_parent", "shpages_skipped_parent",
                                   "pages_lazy", "irmap_resolve")),
          "no parent images, lazy pages or irmap: those are 0", str(st))
    shown = ["Freezing time:", "Frozen time:", "Memory dump time:", "Memory write time:",
             "IRMAP resolve time:", "Memory pages scanned: %d (0x%x)" %
             (st["pages_scanned"], st["pages_scanned"]), "Memory pages skipped from parent:",
             "Memory pages written: %d" % st["pages_written"], "Lazy memory pages: 0 (0x0)"]
    check(all(s in r.stdout for s in shown), "--display-stats shows them in CRIU's words",
          r.stdout)
    return img, wd, pid, st


def test_restore_stats_and_status(check, work, img, wd, pid, dumped):
    """Without -d criu waits for the root and exits 0, whatever the root's status (CRIU)."""
    rst = subprocess.Popen([CRIU, "restore", "-D", img, "-W", wd, "-o", "restore.log",
                            "--display-stats"], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for _ in range(500):
        st = stats_of(os.path.join(wd, "stats-restore")) if os.path.exists(
            os.path.join(wd, "stats-restore")) else {}
        if st:
            break
        time.sleep(0.01)
    time.sleep(0.1)
    waiting = rst.poll() is None
    os.kill(pid, signal.SIGTERM)  # the hog exits 7
    out, err = rst.communicate(timeout=60)
    check(waiting and rst.returncode == 0 and gone(pid),
          "restore without -d waits for the root, which exits 7, and exits 0 (as CRIU)",
          "waiting %s rc %s %s" % (waiting, rst.returncode, err[-200:]))
    absent = [f for f in criu42.RESTORE_STATS if f not in st]
    check(st and not absent, "stats-restore carries all 6 fields of CRIU 4.2", str(absent))
    check(st.get("pages_restored") == dumped.get("pages_written") - vdso_pages(img) and
          st.get("pages_compared") == 0 and st.get("pages_skipped_cow") == 0,
          "pages_restored = the task pages dumped but the vdso's; nothing compared or skipped",
          "%s, vdso pages %d" % (st, vdso_pages(img)))
    shown = ["Pages compared: 0 (0x0)", "Pages skipped COW: 0 (0x0)", "Pages restored:",
             "Restore time:", "Forking time:", "Resume time:"]
    check(all(s in out for s in shown), "--display-stats after restore in CRIU's words", out)


def test_killed_root_status(check, work):
    pid, img, wd, r = dump_hog(check, work, "killed", 0, "--pre-dump-mode", "read")
    rst = subprocess.Popen([CRIU, "restore", "-D", img, "-o", "restore.log"],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
    for _ in range(500):
        if os.path.exists("/proc/%d" % pid) and "python" in open("/proc/%d/comm" % pid).read():
            break
        time.sleep(0.01)
    time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)
    code = rst.wait(timeout=60)
    check(code == 0 and gone(pid), "restore without -d of a root killed by SIGKILL: exit 0",
          "rc %s %s" % (code, rst.stderr.read()[-200:]))


def run_all(check, work):
    test_long_options(check, work)
    test_argument_rules(check)
    test_short_options(check, work)
    test_commands(check, work)
    test_verbosity(check)
    missing = test_check_features(check)
    test_check_groups(check, missing)
    test_exit_statuses(check)
    r = run("dump", "-t", "1", "--pre-dump-mode", "mmap")
    check(r.returncode == 1 and "--pre-dump-mode" in r.stderr and "splice or read" in r.stderr,
          "--pre-dump-mode takes splice or read only", r.stderr)
    test_restore_stats_and_status(check, work, *test_dump_stats(check, work))
    test_killed_root_status(check, work)
