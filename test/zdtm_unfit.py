#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The tests that can't pass in the ns and uns flavours of test/zdtm.py, and why."""

# Tests that can't pass in the ns flavour (`run -a -f ns`, a group of `make test`), and why.
NS_OUTSIDE = "its 'outside' process is in the test's pid namespace, so in the dumped tree"
NS_PIDNS = "refused as designed in a pid namespace (Documentation/namespaces.md)"
NS_WATCHER = "its watcher, orphaned, becomes a child of the namespace's init, so part of the " \
    "tree: frozen with it, it can't stop A and B during the dump, which then has nothing " \
    "stopped to save"
NS_UNFIT = {
    "pidfd_outside00": NS_OUTSIDE, "proc_tree00": NS_OUTSIDE, "unix_backlog03": NS_OUTSIDE,
    "unix_backlog05": NS_OUTSIDE, "unix_ext00": NS_OUTSIDE, "unix_ext01": NS_OUTSIDE,
    "unix_ext02": NS_OUTSIDE, "unix_ext03": NS_OUTSIDE, "unix_ext04": NS_OUTSIDE,
    "unix_ext05": NS_OUTSIDE, "tty_unpaired00": NS_OUTSIDE,
    "nsfs00": NS_PIDNS, "pgid01": NS_PIDNS, "sid01": NS_PIDNS,
    "stopped_tree02": NS_WATCHER,
    "stopped_tree03": NS_WATCHER,
    "nsfs01": "it holds an fd of criu's network namespace, which a tree in a mount "
              "namespace of its own can't reopen: the dump refuses that one first",
    "netns00": "it holds an fd of criu's network namespace to reach the outside, which a "
               "tree in a mount namespace of its own can't reopen: the dump refuses it",
    "tcp_reset01": "its point is the refusal of -R, which the ns flavour's dump replaces "
                   "(tcp_reset00 runs there)",
    "ns_mnt_refused00": "its child's own mount namespace is saved when the root has one "
                        "(mntns_nested00 tests it)",
    "ns_mnt_refused01": "its child's own mount namespace is saved when the root has one "
                        "(mntns_nested00 tests it)",
}
# Tests that can't pass in the uns flavour, and why (besides the ns flavour's, NS_UNFIT).
UNS_NESTED_THREADS = "its inner pid namespace's task runs a thread: threads in a pid " \
    "namespace below the tree's, in a user namespace, are refused at dump"
UNS_HOST = "its setup needs a privilege over the host's namespaces, which the root of a user " \
    "namespace lacks: it fails to start there"
UNS_PFN = "it compares page frames in /proc/PID/pagemap, which shows them only to a task " \
    "with CAP_SYS_ADMIN over the host's user namespace (0 inside)"
UNS_LOCKED = "its noatime bind changes the atime flags of a bind of the root file system, " \
    "which the copy of the mounts into the user namespace locks (EPERM): it fails to start there"
UNS_UNFIT = dict(
    [("pidns_nested00", UNS_NESTED_THREADS)] +
    [(t, UNS_HOST) for t in (
        "cgroup00", "cgroup_full00", "cgroup_root00", "cgroup_strict00", "cgroup_threads00",
        "cgroupns00", "devzero_mapfd00", "fanotify00", "fanotify_sb00", "ghost_dev00",
        "hugetlb_shm00", "refuse_bpf00", "refuse_chrdev00",
        "refuse_uffd00", "tmpfile01", "tty_vt01")] +
    [(t, UNS_PFN) for t in ("cow00", "cow01", "cow02", "cow03")] +
    [(t, UNS_LOCKED) for t in ("mntns00", "mntns_noroot00")] +
    [("netns00", "it holds an fd of the namespace it unshared from, the flavour's, not "
      "criu's: an nsfs file of a namespace that is not criu's is refused"),
     ("fanotify01", "its fanotify group reports events with fds, which the kernel gives only to "
      "a task with CAP_SYS_ADMIN over the host's user namespace (inside one, fanotify_init() "
      "allows only groups that report file handles or mount ids): it fails to start there"),
     ("nsfs01", "its fd of the flavour's network namespace (the tree's, not criu's) is refused "
      "first, with the text the test expects of the foreign uts namespace's: a pass would not "
      "be its case (files of namespaces other than criu's are refused, nsfs00's limit)"),
     ("ns_net_refused00", "the flavour gives the root a network namespace of its own, and a "
      "child's other one is then saved (netns01 tests it in uns)")])
