#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""crit-unknown.py IMAGE CRIT_ENCODED: exit 0 if CRIT_ENCODED is IMAGE minus the protobuf
fields this (older) crit does not know, byte for byte; 1 otherwise.

Upstream crit drops fields newer than itself on decode + encode (creds no_new_privs and
cap_amb, pagemap nr_pages are newer than Debian's crit 3.17). Only then may the round trip differ: every
field crit knows must still come back in the same bytes. Run with the system python3,
which has Debian's pycriu.
"""
import struct
import sys

from pycriu.images import images


def strip_unknown(path):
    with open(path, "rb") as f:
        data = f.read()
    # the two magics first, then 32-bit length + message entries (no extra payloads here)
    magic = struct.unpack("<I", data[4:8])[0]
    name = images.magic.by_val.get(magic)
    handler = images.handlers.get(name) if name else None
    if name == "PAGEMAP":
        # a pagemap_head, then pagemap_entry-s (4.2's nr_pages, field 5, is unknown to 3.17)
        kinds = [images.pb.pagemap_head, images.pb.pagemap_entry]
    elif handler is not None and hasattr(handler, "payload"):
        kinds = [handler.payload, handler.payload]
    else:
        return None
    out, off = bytearray(data[:8]), 8
    while off < len(data):
        size = struct.unpack("<I", data[off:off + 4])[0]
        msg = kinds[off > 8]()
        msg.ParseFromString(data[off + 4:off + 4 + size])
        msg.DiscardUnknownFields()
        body = msg.SerializeToString()
        out += struct.pack("<I", len(body)) + body
        off += 4 + size
    return bytes(out)


def main():
    stripped = strip_unknown(sys.argv[1])
    with open(sys.argv[2], "rb") as f:
        again = f.read()
    return 0 if stripped is not None and stripped == again else 1


if __name__ == "__main__":
    sys.exit(main())
