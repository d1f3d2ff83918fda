#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Image files through the public protobuf definitions (images/*.proto), for the tests.

The .proto files are compiled here with protoc-c into a descriptor set, and Python message
classes are made from it (python3-protobuf), so nothing of criu's own code is used to read
or write an image. Magic numbers come from criu/include/magic.h, and which message each kind
holds from crit/gen-tables.py. Run with Debian's python3 (/usr/bin/python3).
"""
import glob
import importlib.util
import os
import re
import struct
import subprocess
import tempfile

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OURS = {"task-extra.proto", "tty-extra.proto", "eventpoll-extra.proto", "pidfd-extra.proto", "ns-pids.proto"}  # our own image kinds: never in a set CRIU writes
OUR_KINDS = {"TASK_EXTRA", "TTY_EXTRA", "EVENTPOLL_EXTRA", "PIDFD_EXTRA", "NS_PIDS"}  # their kinds, as crit/gen-tables.py names them


def _load_gen_tables():
    spec = importlib.util.spec_from_file_location(
        "gen_tables", os.path.join(ROOT, "crit", "gen-tables.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _magics():
    out = {}
    with open(os.path.join(ROOT, "criu", "include", "magic.h")) as f:
        for line in f:
            m = re.match(r"#define\s+(\w+)_MAGIC\s+(0x[0-9a-fA-F]+)\b", line)
            if m:
                out[m.group(1)] = int(m.group(2), 16)
    return out


def _compile(protos):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "set.pb")
        subprocess.run(["protoc-c", "--proto_path=" + os.path.join(ROOT, "images"),
                        "--proto_path=/usr/include", "-o", out, "--include_imports"] + protos,
                       check=True)
        fds = descriptor_pb2.FileDescriptorSet()
        with open(out, "rb") as f:
            fds.ParseFromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    for fd in fds.file:
        pool.Add(fd)
    factory = message_factory.MessageFactory(pool)
    classes = {}
    for fd in fds.file:
        for m in fd.message_type if not fd.package else []:
            classes[m.name] = factory.GetPrototype(pool.FindMessageTypeByName(m.name))
    return classes, fds


class Images:
    """Message classes and image kinds. criu_only: without our own .proto files."""

    def __init__(self, criu_only=False):
        protos = sorted(os.path.basename(p) for p in glob.glob(os.path.join(ROOT, "images",
                                                                            "*.proto")))
        if criu_only:
            protos = [p for p in protos if p not in OURS]
        self.pb, self.fds = _compile(protos)
        self.magic = _magics()
        self.by_val = {v: k for k, v in self.magic.items()}
        self.kinds = {k[0]: k for k in _load_gen_tables().KINDS if k[0] in self.magic and
                      k[1] in self.pb and (k[2] is None or k[2] in self.pb)}

    def kind_of(self, data):
        magic = struct.unpack_from("<I", data)[0]
        off = 4
        if self.by_val.get(magic) in ("IMG_COMMON", "IMG_SERVICE"):
            magic = struct.unpack_from("<I", data, 4)[0]
            off = 8
        return self.by_val.get(magic), off

    def read(self, path):
        """(kind, [messages]); kinds with raw data after entries are not read here."""
        with open(path, "rb") as f:
            data = f.read()
        kind, off = self.kind_of(data)
        k = self.kinds.get(kind)
        if not k or k[3]:
            raise ValueError("%s: kind %s is not read by this helper" % (path, kind))
        out = []
        while off < len(data):
            size = struct.unpack_from("<I", data, off)[0]
            msg = self.pb[k[2] if out and k[2] else k[1]]()
            msg.ParseFromString(data[off + 4:off + 4 + size])
            out.append(msg)
            off += 4 + size
        return kind, out

    def write(self, path, kind, msgs):
        head = b"" if kind == "INVENTORY" else struct.pack(
            "<I", self.magic["IMG_SERVICE" if kind == "STATS" else "IMG_COMMON"])
        body = b"".join(struct.pack("<I", m.ByteSize()) + m.SerializeToString() for m in msgs)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(head + struct.pack("<I", self.magic[kind]) + body)


def unknown_fields(msg, where=""):
    """Every field of msg (recursively) that its class does not know: a list of paths."""
    out = ["%s#%d" % (where or msg.DESCRIPTOR.name, f.field_number)
           for f in _unknown(msg)]
    for fd, val in msg.ListFields():
        if fd.type != fd.TYPE_MESSAGE:
            continue
        vals = val if fd.label == fd.LABEL_REPEATED else [val]
        for i, v in enumerate(vals):
            out += unknown_fields(v, "%s.%s[%d]" % (where or msg.DESCRIPTOR.name, fd.name, i))
    return out


def _unknown(msg):
    try:
        from google.protobuf import unknown_fields as uf
        return list(uf.UnknownFieldSet(msg))
    except ImportError:
        return list(msg.UnknownFields())


def repid(images, d, old, new):
    """Give task old the pid new in image directory d (its files and pstree.img)."""
    for pat in ("core-%d.img", "ids-%d.img", "mm-%d.img", "pagemap-%d.img", "fs-%d.img"):
        src = os.path.join(d, pat % old)
        if os.path.exists(src):
            os.rename(src, os.path.join(d, pat % new))
    kind, tree = images.read(os.path.join(d, "pstree.img"))
    for e in tree:
        for f in ("pid", "ppid", "pgid", "sid"):
            if getattr(e, f) == old:
                setattr(e, f, new)
        e.threads[:] = [new if t == old else t for t in e.threads]
    images.write(os.path.join(d, "pstree.img"), kind, tree)
