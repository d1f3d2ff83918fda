#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""crit/crit on an image of every kind of crit/gen-tables.py (every kind CRIU 4.2 writes,
those of features criu lacks included: cgroup, ipcns-var/sem/msg, mountpoints, timens,
utsns, tcp-stream, bpfmap-data, ...), written here through the .proto files with every
field of each entry set, and with the raw data that follows entries of some kinds:
- crit decode | crit encode (plain and --pretty) gives back the same bytes;
- Debian's crit 3.17, where it has the kind, decodes the file to the same JSON and the
  same --pretty text (crit's output is upstream's byte for byte);
- a file cut inside the data after an entry is refused with an error, not a crash."""
import base64
import json
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "images"))
import criuimg  # noqa: E402
import tally  # noqa: E402

CRIT = os.path.join(criuimg.ROOT, "crit", "crit")
report = tally.Tally(show_ok=False)


def fill(msg, depth=0):
    """Set every field of msg to a plain value (messages one level of recursion deep)."""
    for f in msg.DESCRIPTOR.fields:
        rep = f.label == f.LABEL_REPEATED
        if f.type == f.TYPE_MESSAGE:
            if depth > 2 and f.label != f.LABEL_REQUIRED:
                continue
            sub = getattr(msg, f.name).add() if rep else getattr(msg, f.name)
            fill(sub, depth + 1)
            continue
        if f.type == f.TYPE_ENUM:
            v = f.enum_type.values[-1].number
        elif f.type == f.TYPE_BOOL:
            v = True
        elif f.type == f.TYPE_STRING:
            v = "%s.%s" % (msg.DESCRIPTOR.name, f.name)
        elif f.type == f.TYPE_BYTES:
            v = b"\x00bytes\xff"
        elif f.type in (f.TYPE_FLOAT, f.TYPE_DOUBLE):
            continue
        elif f.type in (f.TYPE_INT32, f.TYPE_SINT32, f.TYPE_INT64, f.TYPE_SINT64,
                        f.TYPE_SFIXED32, f.TYPE_SFIXED64):
            v = -(f.number + 1)
        else:
            v = f.number + 1
        if rep:
            getattr(msg, f.name).extend([v, v])
        else:
            setattr(msg, f.name, v)


def sized(msg, fields):
    """Small sizes for the fields that count raw data (the data is written to match)."""
    for name, v in fields.items():
        setattr(msg, name, v)
    return msg


def extra_for(kind, msg, pb):
    """The raw bytes CRIU writes after an entry of kind."""
    if kind in ("PIPES_DATA", "FIFO_DATA"):
        return b"d" * sized(msg, {"bytes": 5}).bytes
    if kind == "SK_QUEUES":
        return b"q" * sized(msg, {"length": 3}).length
    if kind == "PACKET_RING":
        sized(msg, {"rx_len": 4, "tx_len": 2})
        return b"rrrrtt"
    if kind == "IPCNS_SHM":
        return b"s" * sized(msg, {"size": 5}).size + b"\0" * 3
    if kind == "BPFMAP_DATA":
        sized(msg, {"keys_bytes": 2, "values_bytes": 3})
        return b"kkvvv"
    if kind == "TCP_STREAM":
        sized(msg, {"inq_len": 2, "outq_len": 3})
        return b"iiooo"
    if kind == "IPCNS_SEM":
        sized(msg, {"nsems": 3})
        return struct.pack("<3H", 1, 2, 65535) + b"\0\0"
    if kind == "IPCNS_MSG":
        sized(msg, {"qnum": 2})
        out = b""
        for text in (b"hello", b"a message of 17 b"):
            m = pb["ipc_msg"](mtype=7, msize=len(text)).SerializeToString()
            out += struct.pack("<I", len(m)) + m + text + b"\0" * (-len(text) % 8)
        return out
    if kind == "GHOST_FILE":
        return None
    return b""


def image_bytes(images, kind):
    k = images.kinds[kind]
    head = b"" if kind == "INVENTORY" else struct.pack(
        "<I", images.magic["IMG_SERVICE" if kind in ("STATS", "IRMAP_CACHE") else "IMG_COMMON"])
    out = head + struct.pack("<I", images.magic[kind])
    for i in range(2):
        msg = images.pb[k[2] if i and k[2] else k[1]]()
        fill(msg)
        if kind == "GHOST_FILE":
            if i:
                sized(msg, {"len": 4})
            else:
                msg.chunks = True
        x = extra_for(kind, msg, images.pb) if k[3] else b""
        if kind == "GHOST_FILE" and i:
            x = b"ghst"
        raw = msg.SerializeToString()
        out += struct.pack("<I", len(raw)) + raw + (x or b"")
    return out


def crit(args, data):
    return subprocess.run([CRIT] + args, input=data, capture_output=True, timeout=60)


def upstream_json(path, pretty):
    r = subprocess.run(["/usr/bin/crit", "decode", "-i", path] + (["--pretty"] if pretty else []),
                       capture_output=True, timeout=60)
    return r.stdout if r.returncode == 0 else None


def covers(ours, theirs):
    """ours is theirs, plus fields newer than Debian's 3.17 (which drops them)."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        return all(k in ours and covers(ours[k], v) for k, v in theirs.items())
    if isinstance(ours, list) and isinstance(theirs, list):
        return len(ours) == len(theirs) and all(map(covers, ours, theirs))
    return ours == theirs


def check_kind(images, kind, tmp):
    data = image_bytes(images, kind)
    path = os.path.join(tmp, kind + ".img")
    with open(path, "wb") as f:
        f.write(data)
    outs = {}
    for pretty in (False, True):
        dec = crit(["decode"] + (["--pretty"] if pretty else []), data)
        enc = crit(["encode"], dec.stdout)
        report(dec.returncode == 0 and enc.stdout == data,
               "%s%s round-trip" % (kind, " pretty" if pretty else ""),
               (dec.stderr + enc.stderr).decode().strip() or "bytes differ")
        outs[pretty] = dec.stdout
    if kind in criuimg.OUR_KINDS or not os.path.exists("/usr/bin/crit"):
        return
    for pretty in (False, True):
        up = upstream_json(path, pretty)
        if up is None:
            continue  # kinds Debian's 3.17 lacks, or 4.2 fields it refuses
        want, got = json.loads(up), json.loads(outs[pretty])
        if kind == "PAGEMAP":  # 3.17 names field 2 nr_pages; 4.2 compat_nr_pages
            for e in want["entries"][1:]:
                e["compat_nr_pages"] = e.pop("nr_pages")
        same = covers(got, want) and (got != want or not pretty or up == outs[pretty])
        report(same, "%s%s as Debian's crit" % (kind, " pretty" if pretty else ""),
               "differs from /usr/bin/crit's output")
    if images.kinds[kind][3]:
        cut = crit(["decode"], data[:-1])
        report(cut.returncode == 1 and cut.stderr.startswith(b"Error: "),
               "%s cut short is refused" % kind, "exit %d" % cut.returncode)


def main():
    images = criuimg.Images()
    with tempfile.TemporaryDirectory() as tmp:
        for kind in sorted(images.kinds):
            check_kind(images, kind, tmp)
    report(len(images.kinds) >= 65, "crit has every kind", "only %d" % len(images.kinds))
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
