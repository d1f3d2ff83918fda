#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A small image streamer for the tests of criu --stream, written from CRIU's protocol (no
streamer is packaged in Debian). criu connects to DIR/streamer-capture.sock (dump) or
DIR/streamer-serve.sock (restore). For each image it sends a uint32 length and an
img_streamer_request_entry (field 1: the file name), then one byte with a pipe end in
SCM_RIGHTS: the read end when it dumps, the write end when it restores. When restoring, the
streamer answers each request first with an img_streamer_reply_entry (field 1: whether it
has the file) and gets a pipe only for the files it has.

  img_streamer.py capture DIR ARCHIVE   the images criu sends, into ARCHIVE
  img_streamer.py serve DIR ARCHIVE     the images of ARCHIVE, to criu

ARCHIVE: for each file, a uint32 name length, the name, a uint64 size, the bytes. The
streamer prints "socket-init" once it listens and exits 0 once criu has closed the
connection (serve: 1 if criu asked for a file twice: a pipe of CRIU's streamer is read once).
ZDTM_STREAMER_DIE_AT=PREFIX (capture): exit 1 on the first file whose name starts with
PREFIX, without reading it, as a streamer that dies would (criu learns it only from the
pipe: a file larger than the pipe fails to go through; a small one could still fit).
"""
import array
import os
import socket
import struct
import sys


def read_exact(sk, n):
    buf = b""
    while len(buf) < n:
        chunk = sk.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def varint(data, i):
    shift = value = 0
    while True:
        b = data[i]
        i += 1
        value |= (b & 0x7f) << shift
        if not b & 0x80:
            return value, i
        shift += 7


def read_request(sk):
    """The file name of the next request, or None when criu has gone."""
    head = read_exact(sk, 4)
    if head is None:
        return None
    body = read_exact(sk, struct.unpack("<I", head)[0])
    if not body or body[0] != 0x0a:
        raise ValueError("not an img_streamer_request_entry: %r" % body)
    n, i = varint(body, 1)
    return body[i:i + n].decode()


def recv_pipe(sk):
    fds = array.array("i")
    msg, anc, _, _ = sk.recvmsg(1, socket.CMSG_SPACE(fds.itemsize))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[:fds.itemsize])
    if not fds:
        raise ValueError("no pipe came with the request")
    return fds[0]


def listen(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    lsk = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsk.bind(path)
    lsk.listen(1)
    print("socket-init", flush=True)
    sk, _ = lsk.accept()
    lsk.close()
    os.unlink(path)
    return sk


def capture(d, archive):
    die_at = os.environ.get("ZDTM_STREAMER_DIE_AT")
    sk = listen(os.path.join(d, "streamer-capture.sock"))
    n = 0
    with open(archive, "wb") as out:
        while True:
            name = read_request(sk)
            if name is None:
                break
            fd = recv_pipe(sk)
            if die_at and name.startswith(die_at):
                sys.exit(1)
            chunks = []
            while True:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
            os.close(fd)
            data = b"".join(chunks)
            out.write(struct.pack("<I", len(name)) + name.encode() +
                      struct.pack("<Q", len(data)) + data)
            n += 1
    print("captured %d files" % n, file=sys.stderr)
    return 0


def load(archive):
    files = {}
    with open(archive, "rb") as f:
        while True:
            head = f.read(4)
            if not head:
                return files
            name = f.read(struct.unpack("<I", head)[0]).decode()
            size = struct.unpack("<Q", f.read(8))[0]
            files[name] = f.read(size)


def serve(d, archive):
    files = load(archive)
    sk = listen(os.path.join(d, "streamer-serve.sock"))
    served = set()
    while True:
        name = read_request(sk)
        if name is None:
            break
        has = name in files
        sk.sendall(struct.pack("<I", 2) + bytes([0x08, 1 if has else 0]))
        if not has:
            continue
        if name in served:
            print("criu asked for %s twice" % name, file=sys.stderr)
            return 1
        served.add(name)
        fd = recv_pipe(sk)
        with os.fdopen(fd, "wb") as p:
            p.write(files[name])
    print("served %d of %d files" % (len(served), len(files)), file=sys.stderr)
    return 0


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("capture", "serve"):
        print(__doc__, file=sys.stderr)
        return 2
    return (capture if sys.argv[1] == "capture" else serve)(sys.argv[2], sys.argv[3])


if __name__ == "__main__":
    sys.exit(main())
