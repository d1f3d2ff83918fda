#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""criu cpuinfo dump writes what this CPU is, as /proc/cpuinfo tells it; criu cpuinfo check
accepts its own image and refuses one whose CPU had an instruction set, an xsave size or
(with --cpu-cap=cpu) a vendor this one lacks, naming it. dump --cpu-cap puts the image in
the set and restore --cpu-cap refuses the doctored one before making any task; restore
--cpu-cap=none skips the check, as CRIU does."""
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
report = tally.Tally(show_ok=True)

# (name in /proc/cpuinfo's flags, capability word, bit): the CPUID bits of cpuinfo.img
KNOWN_FLAGS = [("fpu", 0, 0), ("sse2", 0, 26), ("pni", 4, 0), ("ssse3", 4, 9),
               ("sse4_2", 4, 20), ("popcnt", 4, 23), ("aes", 4, 25), ("avx", 4, 28),
               ("syscall", 1, 11), ("lm", 1, 29), ("avx2", 9, 5), ("bmi2", 9, 8),
               ("avx512f", 9, 16), ("sha_ni", 9, 29), ("xsaveopt", 10, 0)]
# instruction sets few CPUs have, one of which this one surely lacks
RARE_FLAGS = [("3dnow", 1, 31), ("avx512er", 9, 27), ("avx512pf", 9, 26), ("fma4", 6, 16),
              ("tbm", 6, 21), ("xop", 6, 11), ("avx512_4vnniw", 18, 2), ("mpx", 9, 14)]


def run(*args):
    return subprocess.run(list(args), stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=120)


def proc_cpuinfo():
    """The first processor's fields of /proc/cpuinfo."""
    info = {}
    with open("/proc/cpuinfo") as f:
        for line in f:
            if not line.strip():
                break
            k, _, v = line.partition(":")
            info[k.strip()] = v.strip()
    return info


def decode(path):
    r = run(CRIT, "decode", "-i", path)
    return json.loads(r.stdout) if r.returncode == 0 else None


def encode(img, path, work):
    src = os.path.join(work, "edit.json")
    with open(src, "w") as f:
        json.dump(img, f)
    return run(CRIT, "encode", "-i", src, "-o", path).returncode == 0


def x86(img):
    return img["entries"][0]["x86_entry"][0]


def test_dump(work):
    r = run(CRIU, "cpuinfo", "dump", "-D", work)
    path = os.path.join(work, "cpuinfo.img")
    report(r.returncode == 0 and os.path.exists(path), "cpuinfo dump writes cpuinfo.img",
           r.stderr)
    report(os.stat(path).st_mode & 0o777 == 0o600, "cpuinfo.img is 0600")
    img = decode(path)
    report(img is not None and img["magic"] == "CPUINFO", "crit reads it as CPUINFO")
    e, info = x86(img), proc_cpuinfo()
    vendor = {"GenuineIntel": "INTEL", "AuthenticAMD": "AMD"}.get(info["vendor_id"])
    report(e["vendor_id"] == vendor, "the vendor is /proc/cpuinfo's",
           "%s vs %s" % (e["vendor_id"], info["vendor_id"]))
    ident = (e["cpu_family"], e["model"], e["stepping"])
    want = (int(info["cpu family"]), int(info["model"]), int(info["stepping"]))
    report(ident == want, "family, model and stepping are /proc/cpuinfo's",
           "%s vs %s" % (ident, want))
    # criu reads the brand string from CPUID now, the kernel read it at boot: a virtual
    # machine can change it in between (seen: "AMD EPYC" in /proc/cpuinfo, "Oxide Virtual
    # Turin-like Processor" from CPUID), so the image's must be /proc/cpuinfo's or a
    # brand string (printable, 48 bytes at most)
    model = e.get("model_id", "").strip()
    report(model == info["model name"] or
           (model and len(model) <= 48 and model.isprintable()),
           "the model name is /proc/cpuinfo's or CPUID's brand string",
           "%r vs %r" % (e.get("model_id"), info["model name"]))
    flags = set(info["flags"].split())
    caps = e["capability"]
    wrong = [n for n, w, b in KNOWN_FLAGS if bool(caps[w] >> b & 1) != (n in flags)]
    report(e["capability_ver"] == 2 and len(caps) == 19 and not wrong,
           "19 capability words (version 2) whose bits are /proc/cpuinfo's flags",
           "differ: %s" % wrong)
    report("xsave" not in flags or (e["xsave_size"] >= 576 and e["xfeatures_mask"] & 3 == 3),
           "the xsave size and x87/SSE features are there", str(e))
    return img


def check(work, *opts):
    return run(CRIU, "cpuinfo", "check", "-D", work, *opts)


def test_check(work, pristine):
    path = os.path.join(work, "cpuinfo.img")
    r = check(work)
    report(r.returncode == 0, "cpuinfo check accepts this CPU's own image", r.stderr)
    r = check(work, "--cpu-cap=cpu")
    report(r.returncode == 0, "--cpu-cap=cpu (strict) too", r.stderr)
    caps = x86(pristine)["capability"]
    rare = [(n, w, b) for n, w, b in RARE_FLAGS if not caps[w] >> b & 1]
    name, word, bit = rare[0]
    img = json.loads(json.dumps(pristine))
    x86(img)["capability"][word] |= 1 << bit
    report(encode(img, path, work), "crit gives the image's CPU %s" % name)
    r = check(work)
    report(r.returncode == 1 and "'%s'" % name in r.stderr and "Error (" in r.stderr,
           "check refuses an image whose CPU had %s, naming it" % name, r.stderr)
    r = check(work, "--cpu-cap=^ins")
    report(r.returncode == 0, "--cpu-cap=^ins leaves the instruction sets unchecked",
           r.stderr)
    r = check(work, "--cpu-cap=none")
    report(r.returncode == 1 and "'%s'" % name in r.stderr,
           "check with --cpu-cap=none checks everything, as CRIU's", r.stderr)

    img = json.loads(json.dumps(pristine))
    x86(img)["xsave_size"] += 64
    encode(img, path, work)
    r = check(work)
    report(r.returncode == 1 and "xsave area sizes differ" in r.stderr,
           "a different xsave size is refused, saying so", r.stderr)

    img = json.loads(json.dumps(pristine))
    other = "INTEL" if x86(img)["vendor_id"] == "AMD" else "AMD"
    x86(img)["vendor_id"] = other
    encode(img, path, work)
    r = check(work, "--cpu-cap=cpu")
    names = {"AMD": "AMD", "INTEL": "Intel"}
    report(r.returncode == 1 and "image's CPU is %s's, this one %s's" %
           (names[other], names[x86(pristine)["vendor_id"]]) in r.stderr,
           "--cpu-cap=cpu refuses another vendor's CPU, naming both", r.stderr)

    r = check(work, "--cpu-cap=frob")
    report(r.returncode == 1 and "frob" in r.stderr, "an unknown --cpu-cap value is refused",
           r.stderr)
    os.unlink(path)
    r = check(work)
    report(r.returncode == 1 and "No cpuinfo.img" in r.stderr, "no image: said", r.stderr)


def doctor(path, work):
    """Give the CPU of cpuinfo.img an instruction set this one lacks: its name."""
    img = decode(path)
    caps = x86(img)["capability"]
    name, word, bit = [(n, w, b) for n, w, b in RARE_FLAGS if not caps[w] >> b & 1][0]
    caps[word] |= 1 << bit
    encode(img, path, work)
    return name


def restore(work, log, *opts):
    return run(CRIU, "restore", "-D", work, "-d", "-v4", "-o", log, *opts)


def test_restore(work):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(zdtm.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    p = subprocess.Popen(["sleep", "1000"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    pid = p.pid
    path = os.path.join(work, "cpuinfo.img")
    try:
        time.sleep(0.2)
        r = run(CRIU, "dump", "-t", str(pid), "-D", work, "-v4", "-o", "dump.log",
                "--cpu-cap")
        p.wait()
        report(r.returncode == 0 and os.path.exists(path),
               "dump --cpu-cap puts cpuinfo.img in the set", r.stderr)
        shutil.copyfile(path, path + ".pristine")
        name = doctor(path, work)
        with open(path, "rb") as f:
            doctored = f.read()
        r = restore(work, "rst1.log", "--cpu-cap", "--skip-checksums")
        log = open(os.path.join(work, "rst1.log")).read()
        report(r.returncode == 1 and "'%s'" % name in log and "Error (" in log,
               "restore --cpu-cap refuses the image's CPU, naming %s" % name, log[-800:])
        time.sleep(0.1)
        report(zdtm.proc_state(pid) is None, "the refused restore made no task")
        with open(path, "rb") as f:
            report(f.read() == doctored, "and left cpuinfo.img as it was")
        os.rename(path + ".pristine", path)
        r = restore(work, "rst2.log", "--cpu-cap")
        time.sleep(0.1)
        report(r.returncode == 0 and zdtm.proc_state(pid) not in (None, "Z"),
               "restore --cpu-cap of this CPU's own image: the task runs", r.stderr)
        r = run(CRIU, "dump", "-t", str(pid), "-D", work, "-v4", "-o", "dump2.log",
                "--cpu-cap")
        report(r.returncode == 0, "dumped again", r.stderr)
        os.waitpid(pid, 0)  # the restored task is this subreaper's child
        doctor(path, work)
        r = restore(work, "rst3.log", "--cpu-cap=none", "--skip-checksums")
        time.sleep(0.1)
        report(r.returncode == 0 and zdtm.proc_state(pid) not in (None, "Z"),
               "restore --cpu-cap=none does not check: the task runs again", r.stderr)
    finally:
        zdtm.kill_and_reap(pid)


def test_no_image_by_default(work):
    p = subprocess.Popen(["sleep", "1000"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    try:
        time.sleep(0.2)
        r = run(CRIU, "dump", "-t", str(p.pid), "-D", work, "-R")
        report(r.returncode == 0 and not os.path.exists(os.path.join(work, "cpuinfo.img")),
               "a dump without --cpu-cap writes no cpuinfo.img, as CRIU's", r.stderr)
    finally:
        p.kill()
        p.wait()


def main():
    top = tempfile.mkdtemp(prefix="criu-cpuinfo-")
    try:
        dirs = [os.path.join(top, d) for d in ("cli", "restore", "plain")]
        for d in dirs:
            os.mkdir(d)
        pristine = test_dump(dirs[0])
        test_check(dirs[0], pristine)
        test_restore(dirs[1])
        test_no_image_by_default(dirs[2])
    finally:
        shutil.rmtree(top, ignore_errors=True)
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
