# SPDX-License-Identifier: GPL-2.0
"""zdtm.py's "inherit_fd" of a .desc ({"FILE": "NEW"}): the restore is given fd N open on
NEW (in the test's directory, holding "given\\n") with --inherit-fd fd[N]:PATH, PATH being
FILE's at dump; the fds on either file are left out of the snapshots compared after it (the
test checks itself that they are NEW now)."""
import os


def inherit_fd_opts(test):
    """The fds open on the NEW files, and the --inherit-fd options naming them."""
    fds, opts = [], []
    for old, new in sorted(test.desc.get("inherit_fd", {}).items()):
        fd = os.open(os.path.join(test.work, new),
                     os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
        os.write(fd, b"given\n")
        fds.append(fd)
        opts += ["--inherit-fd", "fd[%d]:%s" % (fd, os.path.join(test.work, old))]
    return fds, opts


def without_inherited(test, snap):
    """The snapshot without the fds on a file the restore was given another for."""
    paths = [os.path.join(test.work, f) for kv in test.desc.get("inherit_fd", {}).items()
             for f in kv]
    fds = {fd: v for fd, v in snap["fds"].items()
           if not any(v.startswith(p + " ") for p in paths)}
    return dict(snap, fds=fds)
